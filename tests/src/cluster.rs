//! A local network of `hengxin-node` processes written by `hengxin-node testnet`, and a
//! blocking HTTP client for its API.

use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub use crate::{free_base_port, node_bin, now_ms, wait_until};

use hengxin_chain_spec::demo;
use hengxin_primitives::files::read_key_file;
use hengxin_primitives::{CertNumber, Date, Hash, Keypair, TxPayload};
use hengxin_runtime::Transaction;
use parity_scale_codec::Encode;
use serde_json::Value;

/// Scenarios run one at a time: each starts a network on loopback ports it picked, and the
/// machine has two cores.
pub static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// One node of the network.
pub struct Node {
    pub dir: PathBuf,
    pub config: PathBuf,
    pub url: String,
    child: Option<Child>,
    log: PathBuf,
}

impl Node {
    /// A node run from `config` (its log beside it), serving its API at `url`.
    pub fn new(config: PathBuf, url: String) -> Node {
        Node {
            dir: config.parent().unwrap().to_path_buf(),
            log: config.with_extension("log"),
            config,
            url,
            child: None,
        }
    }
}

/// A network of node processes; every process is killed when it is dropped.
pub struct Cluster {
    pub root: tempfile::TempDir,
    pub nodes: Vec<Node>,
    pub base_port: u16,
    agent: ureq::Agent,
}

/// The offset of the HTTP ports from the consensus base port.
pub const HTTP_OFFSET: u16 = 200;

impl Cluster {
    /// Writes an `n`-validator network with `hengxin-node testnet`; starts nothing. An idle
    /// chain makes a block every 100 ms, as fast as it goes when busy, so the tests that wait
    /// for heights need not make transactions; `testnet_with` takes the testnet's options.
    pub fn testnet(n: u16) -> Cluster {
        Cluster::testnet_with(n, 0, &["--heartbeat-ms", "100"])
    }

    /// Writes a network of `n` validators and `observers` observers (nodes `n..n + observers`)
    /// with `hengxin-node testnet` and more of its options.
    pub fn testnet_with(n: u16, observers: u16, options: &[&str]) -> Cluster {
        // Room for one more node (a stranger) in each port range.
        let base = free_base_port(&[0, 100, HTTP_OFFSET], n + observers + 1);
        let root = tempfile::tempdir().unwrap();
        let out = root.path().join("net");
        let status = Command::new(node_bin())
            .args(["testnet", "--validators", &n.to_string()])
            .args(["--observers", &observers.to_string(), "--out"])
            .arg(&out)
            .args(["--base-port", &base.to_string()])
            .args(["--http-port", &(base + HTTP_OFFSET).to_string()])
            .args(["--crypto", hengxin_chain_spec::demo::test_scheme().name()])
            .args(options)
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(status.success(), "hengxin-node testnet failed");
        let nodes = (0..n + observers)
            .map(|i| {
                Node::new(
                    out.join(format!("node-{i}/config.toml")),
                    format!("http://127.0.0.1:{}", base + HTTP_OFFSET + i),
                )
            })
            .collect();
        let agent = crate::agent();
        Cluster {
            root,
            nodes,
            base_port: base,
            agent,
        }
    }

    /// The network's directory (`genesis.json`, `trust.json`, `keys/`, `node-I/`).
    pub fn dir(&self) -> PathBuf {
        self.root.path().join("net")
    }

    /// Starts node `i` from its config; its output goes to the log beside the config.
    pub fn start(&mut self, i: usize) {
        self.start_with(i, &[]);
    }

    /// Starts node `i` with more environment variables (a faked clock, say).
    pub fn start_with(&mut self, i: usize, env: &[(&str, &str)]) {
        let node = &mut self.nodes[i];
        assert!(node.child.is_none(), "node {i} is running");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&node.log)
            .unwrap();
        let child = Command::new(node_bin())
            .arg("--config")
            .arg(&node.config)
            .env("RUST_LOG", "info,arc_malachitebft=warn")
            .envs(env.iter().copied())
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .spawn()
            .unwrap();
        node.child = Some(child);
    }

    pub fn start_all(&mut self) {
        for i in 0..self.nodes.len() {
            self.start(i);
        }
    }

    /// Node `i`'s exit status once it has exited by itself (`None` while it runs); it can
    /// then be started again.
    pub fn exited(&mut self, i: usize) -> Option<ExitStatus> {
        let status = self.nodes[i].child.as_mut()?.try_wait().unwrap()?;
        self.nodes[i].child = None;
        Some(status)
    }

    /// Node `i`'s process id while it runs.
    pub fn pid(&self, i: usize) -> Option<u32> {
        self.nodes[i].child.as_ref().map(Child::id)
    }

    /// `kill -9`.
    pub fn kill(&mut self, i: usize) {
        if let Some(mut child) = self.nodes[i].child.take() {
            child.kill().unwrap();
            child.wait().unwrap();
        }
    }

    /// SIGTERM, and the exit status once it has stopped.
    pub fn terminate(&mut self, i: usize) -> ExitStatus {
        let mut child = self.nodes[i].child.take().expect("node is running");
        let pid = nix::unistd::Pid::from_raw(i32::try_from(child.id()).unwrap());
        nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "node {i} did not stop within 20 s of SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Node `i`'s whole log so far.
    pub fn log(&self, i: usize) -> String {
        std::fs::read_to_string(&self.nodes[i].log).unwrap_or_default()
    }

    /// The tail of node `i`'s log, for failure messages.
    pub fn log_tail(&self, i: usize) -> String {
        let text = std::fs::read_to_string(&self.nodes[i].log).unwrap_or_default();
        let lines: Vec<_> = text.lines().rev().take(30).collect();
        lines.into_iter().rev().collect::<Vec<_>>().join("\n")
    }

    /// GET `path` from node `i`: status and JSON body (`None` when the node does not answer).
    pub fn get(&self, i: usize, path: &str) -> Option<(u16, Value)> {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.nodes[i].url))
            .call()
            .ok()?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().ok()?;
        Some((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
    }

    /// POSTs raw bytes to node `i`'s `/v1/transactions`.
    pub fn post_tx(&self, i: usize, bytes: &[u8]) -> Option<(u16, Value)> {
        let mut response = self
            .agent
            .post(format!("{}/v1/transactions", self.nodes[i].url))
            .header("content-type", "application/octet-stream")
            .send(bytes)
            .ok()?;
        let status = response.status().as_u16();
        let body = response.body_mut().read_to_string().ok()?;
        Some((status, serde_json::from_str(&body).unwrap_or(Value::Null)))
    }

    /// Node `i`'s finalized height, if it answers.
    pub fn height(&self, i: usize) -> Option<u64> {
        let (status, body) = self.get(i, "/v1/health")?;
        (status == 200).then(|| body["height"].as_u64()).flatten()
    }

    /// Waits until transaction `hash` is finalized on each of `nodes`; its height.
    pub fn wait_finalized(&self, nodes: &[usize], hash: &Hash, timeout: Duration) -> u64 {
        let mut height = None;
        for &i in nodes {
            crate::wait_until(
                &format!("transaction {hash} finalized on node {i}"),
                timeout,
                || match self.tx_status(i, hash) {
                    Some((status, h)) if status == "finalized" => {
                        height = h;
                        true
                    }
                    _ => false,
                },
            );
        }
        height.unwrap_or_else(|| panic!("transaction {hash} finalized without a height"))
    }

    /// Waits until node `i` has finalized `height`.
    pub fn wait_height(&self, i: usize, height: u64, timeout: Duration) {
        let start = Instant::now();
        while self.height(i).is_none_or(|h| h < height) {
            assert!(
                start.elapsed() < timeout,
                "node {i} did not reach height {height} in {timeout:?} (at {:?}); its log:\n{}",
                self.height(i),
                self.log_tail(i)
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The block hash at `height` on node `i`.
    pub fn block_hash(&self, i: usize, height: u64) -> Option<String> {
        let (status, body) = self.get(i, &format!("/v1/blocks/{height}"))?;
        (status == 200).then(|| body["hash"].as_str().map(String::from))?
    }

    /// Checks that `nodes` hold the same block at every height up to the lowest one's head;
    /// that height.
    pub fn assert_agreement(&self, nodes: &[usize]) -> u64 {
        let low = nodes
            .iter()
            .map(|&i| self.height(i).unwrap())
            .min()
            .unwrap();
        for height in 1..=low {
            let hashes: Vec<_> = nodes.iter().map(|&i| self.block_hash(i, height)).collect();
            assert!(
                hashes.windows(2).all(|w| w[0] == w[1]) && hashes[0].is_some(),
                "nodes {nodes:?} disagree at height {height}: {hashes:?}"
            );
        }
        low
    }

    /// The chain's genesis hash, from `trust.json`.
    pub fn genesis_hash(&self) -> Hash {
        let text = std::fs::read_to_string(self.dir().join("trust.json")).unwrap();
        hengxin_primitives::files::read_trust_file(&text)
            .unwrap()
            .1
            .genesis_hash
    }

    /// A demo key from `keys/<name>.key`, as a client would read it.
    pub fn key(&self, name: &str) -> Keypair {
        let text = std::fs::read_to_string(self.dir().join(format!("keys/{name}.key"))).unwrap();
        read_key_file(&text).unwrap()
    }

    /// Node `i`'s validator key, from its `node.key`.
    pub fn node_key(&self, i: usize) -> Keypair {
        let text = std::fs::read_to_string(self.nodes[i].dir.join("node.key")).unwrap();
        read_key_file(&text).unwrap()
    }

    /// `key`'s next nonce according to node `i`.
    pub fn nonce(&self, i: usize, key: &Keypair) -> Option<u64> {
        let (_, body) = self.get(i, &format!("/v1/accounts/{}", key.public().to_hex()))?;
        body["nonce"].as_u64()
    }

    /// A transaction's status on node `i` (`pending`, `finalized`, `rejected`, or the error
    /// code) and its height.
    pub fn tx_status(&self, i: usize, hash: &Hash) -> Option<(String, Option<u64>)> {
        let (_, body) = self.get(i, &format!("/v1/transactions/{}", hash.to_hex()))?;
        let status = body["status"]
            .as_str()
            .or(body["error"]["code"].as_str())?
            .to_string();
        Some((status, body["height"].as_u64()))
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for node in &mut self.nodes {
            if let Some(mut child) = node.child.take() {
                let _ = child.kill();
                let _ = child.wait();
            }
        }
    }
}

/// A demo-lab anchor of a sample certificate numbered `number`.
pub fn anchor(genesis: Hash, lab: &Keypair, nonce: u64, number: &str) -> Transaction {
    let number: CertNumber = number.parse().unwrap();
    TxPayload {
        genesis_hash: genesis,
        signer: lab.public(),
        nonce,
        valid_until_height: u64::MAX,
        call: demo::sample_anchor(lab.scheme(), number, Date::from_unix_ms_cst(now_ms())),
    }
    .sign(lab)
}

/// The encoded bytes of `tx`.
pub fn bytes(tx: &Transaction) -> Vec<u8> {
    tx.encode()
}
