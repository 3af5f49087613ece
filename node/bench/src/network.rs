//! The network under test: a testnet written by `hengxin-node testnet`, its configs opened up
//! for load, one `hengxin-node` process per validator (killed and reaped on every way out), and
//! what `/proc` and the data directories say about each process.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use hengxin_api_types::Health;
use hengxin_primitives::Hash;

use crate::http;

/// How long every node has to finalize height 1 after it starts.
const START_TIMEOUT: Duration = Duration::from_secs(60);
/// The log lines an error shows.
const LOG_TAIL_LINES: usize = 20;
/// Clock ticks per second of `/proc/PID/stat`'s times. `sysconf(_SC_CLK_TCK)` would say, but
/// libc is not a dependency of hengxin-node (and calling it needs `unsafe`, which the workspace
/// forbids); it is 100 on every Linux this runs on.
const CLOCK_TICKS_PER_S: f64 = 100.0;

/// A running testnet: every node's process, its directory and its API.
pub struct Network {
    /// Every node, node I at index I.
    pub nodes: Vec<NodeProcess>,
    /// The chain's genesis hash (every node answered with it).
    pub genesis_hash: Hash,
    /// The testnet's directory (`genesis.json`, `keys/`, `node-I/`).
    pub dir: PathBuf,
    /// Each pool's `[mempool] txs_max`.
    pub pool_txs_max: usize,
}

/// One `hengxin-node` process, killed and reaped when dropped.
pub struct NodeProcess {
    child: Child,
    /// Its name, `node-I`.
    pub name: String,
    /// Its directory, `DIR/node-I` (config, `node.log`, `data/`).
    pub dir: PathBuf,
    /// Its API, `http://127.0.0.1:PORT`.
    pub url: String,
}

impl Drop for NodeProcess {
    fn drop(&mut self) {
        // Errors mean it has exited already; `wait` reaps it either way.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A node's counters at one moment.
#[derive(Debug, Clone, Copy)]
pub struct NodeSample {
    /// CPU time used so far (user and system), seconds.
    pub cpu_s: f64,
    /// Bytes in its data directory.
    pub disk_bytes: u64,
}

/// The testnet `hengxin-node testnet` writes.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Validators, nodes 0 to V-1.
    pub validators: usize,
    /// Observers, after them.
    pub observers: usize,
    /// The idle block pace, ms [default: the node's].
    pub heartbeat_ms: Option<u64>,
    /// The chain's scheme.
    pub crypto: hengxin_primitives::crypto::Scheme,
    /// Most transactions a block takes [default: the node's].
    pub block_txs: Option<u32>,
    /// Node I runs pinned to core I modulo the machine's cores.
    pub pin: bool,
}

impl Network {
    /// Writes `layout`'s testnet to `dir` on free loopback ports with `node_bin`, lifts its
    /// HTTP limits per client and per-account pool limit, starts every node and waits until
    /// each has finalized height 1.
    pub fn start(node_bin: &Path, layout: &Layout, dir: &Path) -> anyhow::Result<Network> {
        let n = layout.validators + layout.observers;
        let (base_port, http_port) = free_ports(n)?;
        write_testnet(node_bin, layout, dir, base_port, http_port)?;
        let mut pool_txs_max = 0;
        for i in 0..n {
            pool_txs_max = open_up(&dir.join(format!("node-{i}/config.toml")), layout)?;
        }
        let cores = std::thread::available_parallelism().map_or(1, |c| c.get());
        let mut nodes = Vec::with_capacity(n);
        for i in 0..n {
            let port = usize::from(http_port) + i;
            nodes.push(NodeProcess::spawn(
                node_bin,
                &dir.join(format!("node-{i}")),
                format!("http://127.0.0.1:{port}"),
                layout.pin.then_some(i % cores),
            )?);
        }
        let genesis_hash = genesis_hash(dir)?;
        let mut network = Network {
            nodes,
            genesis_hash,
            dir: dir.to_path_buf(),
            pool_txs_max,
        };
        network.wait_ready()?;
        Ok(network)
    }

    /// Every node's API, in order.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(|n| n.url.clone()).collect()
    }

    /// Waits until every node answers `/v1/health` for this chain at height 1 or more.
    fn wait_ready(&mut self) -> anyhow::Result<()> {
        let agent = http::agent();
        let deadline = Instant::now() + START_TIMEOUT;
        let mut ready = vec![false; self.nodes.len()];
        while ready.iter().any(|r| !r) {
            check_interrupted()?;
            self.check_alive().context("a node exited at start")?;
            for (node, ready) in self.nodes.iter().zip(&mut ready) {
                *ready = *ready
                    || http::get::<Health>(&agent, &format!("{}/v1/health", node.url))
                        .is_ok_and(|h| h.height >= 1 && h.genesis_hash == self.genesis_hash);
            }
            if Instant::now() > deadline {
                let late: Vec<_> = self
                    .nodes
                    .iter()
                    .zip(&ready)
                    .filter(|(_, r)| !**r)
                    .map(|(node, _)| node.log_tail())
                    .collect();
                bail!(
                    "not every node finalized height 1 within {} s (another process on their \
                     ports, or a machine too busy?):\n{}",
                    START_TIMEOUT.as_secs(),
                    late.join("\n")
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(())
    }

    /// An error with its log's end when a node has exited.
    pub fn check_alive(&mut self) -> anyhow::Result<()> {
        for node in &mut self.nodes {
            if let Some(status) = node.child.try_wait()? {
                bail!("{} exited ({status}):\n{}", node.name, node.log_tail());
            }
        }
        Ok(())
    }

    /// Every node's CPU time and data directory size now.
    pub fn sample(&self) -> anyhow::Result<Vec<NodeSample>> {
        self.nodes
            .iter()
            .map(|node| {
                Ok(NodeSample {
                    cpu_s: cpu_seconds(node.child.id())?,
                    disk_bytes: dir_bytes(&node.dir.join("data"))?,
                })
            })
            .collect()
    }

    /// Writes every node's `/metrics` (its stage timings, rounds, pool) to `DIR/node-I/metrics.txt`,
    /// for a look after the run; a node that does not answer is skipped with a warning.
    pub fn save_metrics(&self) {
        let agent = http::agent();
        for node in &self.nodes {
            let saved = http::get_text(&agent, &format!("{}/metrics", node.url))
                .and_then(|text| Ok(std::fs::write(node.dir.join("metrics.txt"), text)?));
            if let Err(e) = saved {
                eprintln!("warning: {}'s metrics not saved: {e:#}", node.name);
            }
        }
    }

    /// Every node's peak resident memory so far (`VmHWM`), bytes.
    pub fn peak_rss(&self) -> anyhow::Result<Vec<u64>> {
        self.nodes.iter().map(|n| peak_rss(n.child.id())).collect()
    }
}

impl NodeProcess {
    /// Starts `node_bin --config DIR/config.toml`, its output to `DIR/node.log`, on `core`
    /// alone if given (`taskset` runs the node in its own process: the pid is the node's).
    fn spawn(
        node_bin: &Path,
        dir: &Path,
        url: String,
        core: Option<usize>,
    ) -> anyhow::Result<NodeProcess> {
        let log_path = dir.join("node.log");
        let log =
            File::create(&log_path).with_context(|| format!("creating {}", log_path.display()))?;
        let mut command = match core {
            Some(core) => {
                let mut taskset = Command::new("taskset");
                taskset
                    .args(["--cpu-list", &core.to_string()])
                    .arg(node_bin);
                taskset
            }
            None => Command::new(node_bin),
        };
        let child = command
            .arg("--config")
            .arg(dir.join("config.toml"))
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("starting {}", node_bin.display()))?;
        let name = dir
            .file_name()
            .map_or_else(|| "node".into(), |n| n.to_string_lossy().into_owned());
        Ok(NodeProcess {
            child,
            name,
            dir: dir.to_path_buf(),
            url,
        })
    }

    /// The last lines of its log, under a heading that names it.
    fn log_tail(&self) -> String {
        let path = self.dir.join("node.log");
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let tail = lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n    ");
        format!(
            "--- {} (the end of {}):\n    {tail}",
            self.name,
            path.display()
        )
    }
}

/// A consensus base port P (gossip P+100, HTTP P+200) whose ranges of `n` ports are free now,
/// checked while held open together; below Linux's ephemeral range, so that no outgoing
/// connection takes one before the node does.
fn free_ports(n: usize) -> anyhow::Result<(u16, u16)> {
    let n = u16::try_from(n)?;
    for base in (20_000u16..32_000 - 300).step_by(331) {
        let held: Result<Vec<_>, _> = [base, base + 100, base + 200]
            .iter()
            .flat_map(|start| *start..start + n)
            .map(|port| std::net::TcpListener::bind(("127.0.0.1", port)))
            .collect();
        if held.is_ok() {
            return Ok((base, base + 200));
        }
    }
    bail!(
        "no free range of {n} loopback ports in 20000–32000 (consensus, gossip and HTTP): stop \
         other networks on this machine, or use fewer --validators"
    )
}

/// Whether `taskset` (util-linux) runs here.
pub fn taskset_runs() -> bool {
    Command::new("taskset")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Runs `hengxin-node testnet` into `dir`.
fn write_testnet(
    node_bin: &Path,
    layout: &Layout,
    dir: &Path,
    base_port: u16,
    http_port: u16,
) -> anyhow::Result<()> {
    let mut command = Command::new(node_bin);
    command
        .args(["testnet", "--validators", &layout.validators.to_string()])
        .arg("--out")
        .arg(dir)
        .args(["--base-port", &base_port.to_string()])
        .args(["--http-port", &http_port.to_string()])
        .args(["--crypto", layout.crypto.name()]);
    if layout.observers > 0 {
        command.args(["--observers", &layout.observers.to_string()]);
    }
    if let Some(ms) = layout.heartbeat_ms {
        command.args(["--heartbeat-ms", &ms.to_string()]);
    }
    let output = command
        .stdin(Stdio::null())
        .output()
        .with_context(|| format!("running {} testnet", node_bin.display()))?;
    if !output.status.success() {
        bail!(
            "`hengxin-node testnet` failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Lifts a node config's limits that would measure the limiter rather than the node: the HTTP
/// rate limit to the most it takes, and where the config has them (nodes built before them had
/// none, and refuse keys they do not know) the connections one address may hold (a load tool
/// holds many from one) likewise and one account's share of the pool to the whole pool.
/// Sets the block size `layout` asks for. Returns the pool's `txs_max`.
fn open_up(path: &Path, layout: &Layout) -> anyhow::Result<usize> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let mut config: toml::Table = text
        .parse()
        .with_context(|| format!("reading {}", path.display()))?;
    let limit = toml::Value::Integer(i64::from(u32::MAX));
    let http = section(&mut config, "http", path)?;
    http.insert("requests_per_s".into(), limit.clone());
    http.insert("burst".into(), limit.clone());
    if http.contains_key("connections_per_client") {
        http.insert("connections_per_client".into(), limit);
    }
    let mempool = section(&mut config, "mempool", path)?;
    let txs_max = mempool
        .get("txs_max")
        .cloned()
        .with_context(|| format!("{} has no [mempool] txs_max", path.display()))?;
    let pool = txs_max
        .as_integer()
        .and_then(|n| usize::try_from(n).ok())
        .context("[mempool] txs_max is not a count")?;
    if mempool.contains_key("per_account_max") {
        mempool.insert("per_account_max".into(), txs_max);
    }
    if let Some(n) = layout.block_txs {
        let blocks = section(&mut config, "blocks", path)?;
        blocks.insert("txs_max".into(), toml::Value::Integer(i64::from(n)));
    }
    std::fs::write(path, config.to_string())
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(pool)
}

/// The section `[name]` of the config at `path`.
fn section<'a>(
    config: &'a mut toml::Table,
    name: &str,
    path: &Path,
) -> anyhow::Result<&'a mut toml::Table> {
    config
        .get_mut(name)
        .and_then(toml::Value::as_table_mut)
        .with_context(|| format!("{} has no [{name}] section", path.display()))
}

/// The genesis hash `genesis.json` records.
fn genesis_hash(dir: &Path) -> anyhow::Result<Hash> {
    let path = dir.join("genesis.json");
    let file: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?,
    )?;
    file["genesis_hash"]
        .as_str()
        .and_then(Hash::from_hex)
        .with_context(|| format!("{} records no genesis_hash", path.display()))
}

/// This process's CPU time so far (its workers share the machine with the nodes).
pub fn own_cpu_seconds() -> anyhow::Result<f64> {
    cpu_seconds(std::process::id())
}

/// A process's user and system CPU time so far, from `/proc/PID/stat` (fields 14 and 15).
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let path = format!("/proc/{pid}/stat");
    let stat = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    // The command name (field 2) is in parentheses and may hold spaces: count from after it.
    let rest = stat
        .rsplit_once(')')
        .map(|(_, rest)| rest)
        .with_context(|| format!("{path} has no command name"))?;
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |field: usize| -> anyhow::Result<f64> {
        // `rest` starts at field 3.
        let value = fields
            .get(field - 3)
            .and_then(|f| f.parse::<u64>().ok())
            .with_context(|| format!("{path} has no field {field}"))?;
        Ok(value as f64)
    };
    Ok((ticks(14)? + ticks(15)?) / CLOCK_TICKS_PER_S)
}

/// A process's peak resident memory (`VmHWM` in `/proc/PID/status`), bytes.
fn peak_rss(pid: u32) -> anyhow::Result<u64> {
    let path = format!("/proc/{pid}/status");
    let status = std::fs::read_to_string(&path).with_context(|| format!("reading {path}"))?;
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map(|kb| kb * 1024)
        .with_context(|| format!("{path} has no VmHWM"))
}

/// The sizes of the files under `dir`, summed.
pub fn dir_bytes(dir: &Path) -> anyhow::Result<u64> {
    let mut total = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            // Not made yet, or removed under us (sled renames files as it goes).
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
        };
        for entry in entries.flatten() {
            match entry.metadata() {
                Ok(meta) if meta.is_dir() => pending.push(entry.path()),
                Ok(meta) => total += meta.len(),
                Err(_) => {}
            }
        }
    }
    Ok(total)
}

/// The 1-minute load average (`/proc/loadavg`), when it reads.
pub fn load_average() -> Option<f64> {
    std::fs::read_to_string("/proc/loadavg")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// Set when Ctrl-C or SIGTERM arrived.
static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Turns Ctrl-C and SIGTERM into an error at the next check, so that the run unwinds and every
/// node is killed and reaped on the way out.
pub fn catch_interrupts() {
    std::thread::spawn(|| {
        let Ok(runtime) = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
        else {
            return;
        };
        runtime.block_on(async {
            use tokio::signal::unix::{SignalKind, signal};
            let Ok(mut term) = signal(SignalKind::terminate()) else {
                return;
            };
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            INTERRUPTED.store(true, Ordering::Relaxed);
        });
    });
}

/// Whether Ctrl-C or SIGTERM arrived.
pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::Relaxed)
}

/// An error when Ctrl-C or SIGTERM arrived.
pub fn check_interrupted() -> anyhow::Result<()> {
    if interrupted() {
        bail!("interrupted: every node is stopped");
    }
    Ok(())
}
