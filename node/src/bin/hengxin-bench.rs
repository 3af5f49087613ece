//! `hengxin-bench`: a local N-validator network under load, measured.
//!
//! It writes a testnet (as `hengxin-node testnet` does), starts every validator in this process
//! (each with its own engine, libp2p networks, sled store and HTTP API on loopback), submits
//! individually signed certificate anchors over HTTP to all validators in turn, and reports
//! finalized transactions per second, submit-to-finalized latency, blocks per second, and how
//! that compares with what signature checking alone would allow on this machine.

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use hengxin_api_types::{BlockView, Health};
use hengxin_node::api::RateLimit;
use hengxin_node::config::{self, TestnetPorts};
use hengxin_node::node::{self, RunningNode};
use hengxin_primitives::{Date, Hash, Keypair, TxPayload};
use hengxin_runtime::{Transaction, demo};
use parity_scale_codec::Encode;

/// Runs a local network of validators under load and measures it.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many validators.
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// How long to measure, after a one-second warm-up.
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Offered load: transactions per second, or `max` to submit as fast as the nodes accept.
    #[arg(long, default_value = "max")]
    rate: String,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<std::path::PathBuf>,
}

/// Submitting threads (each keeps its HTTP connection).
const SUBMITTERS: usize = 4;
/// Transactions signed per submitter when the rate is `max`.
const MAX_RATE_PER_SUBMITTER_S: u64 = 5_000;

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !(1..=16).contains(&args.validators) || args.duration == 0 {
        bail!("--validators must be 1 to 16 and --duration positive");
    }
    let rate = match args.rate.as_str() {
        "max" => None,
        r => Some(
            r.parse::<u64>()
                .ok()
                .filter(|r| *r > 0)
                .context("--rate is a positive number of transactions per second, or `max`")?,
        ),
    };
    let verify_per_core = ed25519_verifications_per_second();
    eprintln!("ed25519 verifications per core per second here: {verify_per_core:.0}");

    let dir = tempfile::tempdir()?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let nodes = runtime.block_on(start_network(args.validators, dir.path()))?;
    let urls = nodes
        .iter()
        .map(|n| n.http.map(|a| format!("http://{a}")))
        .collect::<Option<Vec<String>>>()
        .context("every benchmark node serves the HTTP API")?;
    eprintln!("{} validators running; signing the load…", args.validators);
    let seconds = args.duration + 1;
    let per_submitter = match rate {
        Some(r) => (r * seconds).div_ceil(SUBMITTERS as u64),
        None => MAX_RATE_PER_SUBMITTER_S * seconds,
    };
    let loads = sign_loads(nodes[0].genesis.hash(), per_submitter);
    eprintln!(
        "load: {}",
        rate.map_or("as fast as accepted".into(), |r| format!("{r} tx/s"))
    );

    let submitted: Arc<Mutex<HashMap<Hash, Instant>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let sent = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let mut threads = Vec::new();
    for (t, load) in loads.into_iter().enumerate() {
        let url = format!("{}/v1/transactions", urls[t % urls.len()]);
        let (submitted, stop, sent) = (submitted.clone(), stop.clone(), sent.clone());
        let interval = rate.map(|r| Duration::from_secs_f64(SUBMITTERS as f64 / r as f64));
        threads.push(std::thread::spawn(move || {
            submit(&url, load, interval, start, &submitted, &stop, &sent)
        }));
    }
    let observed = watch(&urls[0], &submitted, start, args.duration);
    stop.store(true, Ordering::Relaxed);
    for thread in threads {
        let _ = thread.join();
    }
    runtime.block_on(async {
        for node in nodes {
            node.stop().await;
        }
    });
    let results = results(
        &args,
        rate,
        observed?,
        verify_per_core,
        sent.load(Ordering::Relaxed),
    );
    println!("{}", serde_json::to_string_pretty(&results)?);
    if let Some(path) = args.json {
        std::fs::write(&path, serde_json::to_string_pretty(&results)?)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

/// One load per submitter: submitter t signs for lab t % 2, every other nonce of it (the pool
/// takes them in any order and the proposer orders them by nonce).
fn sign_loads(genesis: Hash, per_submitter: u64) -> Vec<Vec<Transaction>> {
    let labs = [demo::key("lab-cq"), demo::key("lab-sc")];
    let today = Date::from_unix_ms_cst(now_ms());
    (0..SUBMITTERS)
        .map(|t| {
            let lab = &labs[t % 2];
            let lane = (t / 2) as u64;
            (0..per_submitter)
                .map(|i| {
                    let nonce = i * 2 + lane;
                    sign(genesis, lab, nonce, today, &format!("BENCH-{t}-{i:07}"))
                })
                .collect()
        })
        .collect()
}

/// What the watcher saw finalized after the warm-up.
struct Observed {
    latencies: Vec<Duration>,
    finalized: u64,
    blocks: u64,
}

/// Watches `url`'s finalized blocks for `duration` seconds after a one-second warm-up, and the
/// latency of each transaction in `submitted`.
fn watch(
    url: &str,
    submitted: &Mutex<HashMap<Hash, Instant>>,
    start: Instant,
    duration: u64,
) -> anyhow::Result<Observed> {
    let agent = agent();
    let warmup = start + Duration::from_secs(1);
    let end = warmup + Duration::from_secs(duration);
    let mut observed = Observed {
        latencies: Vec::new(),
        finalized: 0,
        blocks: 0,
    };
    let mut seen = get::<Health>(&agent, &format!("{url}/v1/health"))?.height;
    while Instant::now() < end {
        let height = get::<Health>(&agent, &format!("{url}/v1/health"))?.height;
        let now = Instant::now();
        for h in seen + 1..=height {
            let block: BlockView = get(&agent, &format!("{url}/v1/blocks/{h}"))?;
            if now < warmup {
                continue;
            }
            observed.blocks += 1;
            let submitted = submitted.lock().map_err(|_| anyhow::anyhow!("poisoned"))?;
            for hash in &block.transactions {
                observed.finalized += 1;
                if let Some(at) = submitted.get(hash) {
                    observed.latencies.push(now.duration_since(*at));
                }
            }
        }
        seen = height;
        std::thread::sleep(Duration::from_millis(2));
    }
    Ok(observed)
}

/// The results with the contract's names.
fn results(
    args: &Args,
    rate: Option<u64>,
    mut observed: Observed,
    verify_per_core: f64,
    sent: u64,
) -> serde_json::Value {
    let latencies = &mut observed.latencies;
    latencies.sort();
    let percentile = |p: usize| {
        latencies
            .get((latencies.len() * p / 100).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1e3)
    };
    let window = args.duration as f64;
    let finalized_tps = observed.finalized as f64 / window;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // What signature checking alone allows: every validator checks every signature once, and
    // all validators share this machine's cores.
    let ceiling = verify_per_core * cores as f64 / args.validators as f64;
    serde_json::json!({
        "validators": args.validators,
        "duration_s": args.duration,
        "offered_rate": rate.map_or(serde_json::json!("max"), |r| serde_json::json!(r)),
        "submitted": sent,
        "finalized": observed.finalized,
        "finalized_tps": finalized_tps,
        "latency_ms": { "p50": percentile(50), "p90": percentile(90), "p99": percentile(99) },
        "blocks_per_s": observed.blocks as f64 / window,
        "ed25519_verify_per_core_s": verify_per_core,
        "cores": cores,
        "ceiling_fraction": finalized_tps / ceiling,
    })
}

fn now_ms() -> u64 {
    u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis()),
    )
    .unwrap_or(0)
}

fn sign(genesis: Hash, lab: &Keypair, nonce: u64, today: Date, number: &str) -> Transaction {
    let number = number
        .parse()
        .unwrap_or_else(|_| unreachable!("bench numbers are valid"));
    TxPayload {
        genesis_hash: genesis,
        signer: lab.public(),
        nonce,
        valid_until_height: u64::MAX,
        call: demo::sample_anchor(number, today),
    }
    .sign(lab)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

fn get<T: serde::de::DeserializeOwned>(agent: &ureq::Agent, url: &str) -> anyhow::Result<T> {
    let text = agent
        .get(url)
        .call()
        .with_context(|| format!("GET {url}"))?
        .body_mut()
        .read_to_string()?;
    serde_json::from_str(&text).with_context(|| format!("the answer to GET {url}"))
}

/// Submits `load` in order at `interval` (or back to back), retrying a transaction the node
/// cannot take yet (a full pool answers 503, a busy account 429).
fn submit(
    url: &str,
    load: Vec<Transaction>,
    interval: Option<Duration>,
    start: Instant,
    submitted: &Mutex<HashMap<Hash, Instant>>,
    stop: &AtomicBool,
    sent: &AtomicU64,
) {
    let agent = agent();
    for (i, tx) in load.iter().enumerate() {
        if let Some(interval) = interval {
            let due = start + interval * u32::try_from(i).unwrap_or(u32::MAX);
            if let Some(wait) = due.checked_duration_since(Instant::now()) {
                std::thread::sleep(wait);
            }
        }
        let bytes = tx.encode();
        loop {
            if stop.load(Ordering::Relaxed) {
                return;
            }
            let at = Instant::now();
            let status = agent
                .post(url)
                .header("content-type", "application/octet-stream")
                .send(&bytes[..])
                .map(|r| r.status().as_u16());
            match status {
                Ok(202) => {
                    if let Ok(mut map) = submitted.lock() {
                        map.insert(tx.hash(), at);
                    }
                    sent.fetch_add(1, Ordering::Relaxed);
                    break;
                }
                Ok(429 | 503) | Err(_) => std::thread::sleep(Duration::from_millis(5)),
                Ok(_) => break,
            }
        }
    }
}

/// Writes a testnet to `dir` on free loopback ports and starts every validator of it.
async fn start_network(n: usize, dir: &Path) -> anyhow::Result<Vec<RunningNode>> {
    let ports = free_ports(n)?;
    config::testnet(n, &dir.join("net"), ports)?;
    let mut nodes = Vec::new();
    for i in 0..n {
        let mut settings = config::load(&dir.join(format!("net/node-{i}/config.toml")))?;
        settings.rate_limit = RateLimit {
            per_second: u32::MAX,
            burst: u32::MAX,
        };
        settings.mempool.per_account_max = settings.mempool.txs_max;
        nodes.push(node::start(settings).await?);
    }
    let deadline = Instant::now() + Duration::from_secs(60);
    while nodes
        .iter()
        .any(|n| n.store.head().ok().flatten().is_none_or(|h| h.height < 2))
    {
        if Instant::now() > deadline {
            bail!("the network did not reach height 2 within 60 s");
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(nodes)
}

/// A consensus base port and an HTTP base port whose ranges are free now.
fn free_ports(n: usize) -> anyhow::Result<TestnetPorts> {
    let n = u16::try_from(n)?;
    for base in (21_000u16..60_000).step_by(331) {
        let ranges = [(base, n), (base + 100, n), (base + 200, n)];
        let held: Result<Vec<_>, _> = ranges
            .iter()
            .flat_map(|(start, count)| *start..start + count)
            .map(|port| std::net::TcpListener::bind(("127.0.0.1", port)))
            .collect();
        if held.is_ok() {
            return Ok(TestnetPorts {
                consensus: base,
                http: base + 200,
            });
        }
    }
    bail!("no free range of loopback ports")
}

/// Single-core ed25519 strict verifications per second, measured for half a second.
fn ed25519_verifications_per_second() -> f64 {
    let key = Keypair::from_seed(&[1; 32]);
    let message = b"hengxin bench";
    let signature = key.sign(message);
    let public = key.public();
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < Duration::from_millis(500) {
        for _ in 0..100 {
            std::hint::black_box(public.verify(std::hint::black_box(message), &signature));
        }
        count += 100;
    }
    count as f64 / start.elapsed().as_secs_f64()
}
