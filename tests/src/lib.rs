//! What the workspace-level scenario tests and the CLI's tests share.
//!
//! The tests in `tests/it` run networks of real `hengxin-node` processes on loopback, with faults
//! (`kill -9`, strangers, hostile input), and the verify page in a real browser. This library
//! finds the built binaries, picks free ports, waits on a condition, and runs a `--dev` node.
// Test support: a helper that cannot do its job stops the test loudly.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

pub mod cluster;

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A binary of this workspace that `cargo test --workspace` built next to the running test
/// (tests and benches run from `target/PROFILE/deps/`, binaries from `target/PROFILE/`).
pub fn workspace_bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    let mut dir = exe.parent().expect("target directory");
    if dir.ends_with("deps") {
        dir = dir.parent().expect("target directory");
    }
    let bin = dir.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    assert!(
        bin.exists(),
        "{} is missing: run the tests with `cargo test --workspace`, or build it first with \
         `cargo build --workspace`",
        bin.display()
    );
    bin
}

/// The `hengxin-node` binary.
pub fn node_bin() -> PathBuf {
    workspace_bin("hengxin-node")
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_millis(),
    )
    .expect("milliseconds fit u64")
}

/// Polls `done` every 50 ms until it holds; panics with `what` after `timeout`.
pub fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A base port `b` such that `b + offset + i` is free on loopback for every offset and
/// `i < count`, all checked while held open together.
pub fn free_base_port(offsets: &[u16], count: u16) -> u16 {
    // Threads of one test process start from different places: two tests picking at the same
    // moment would otherwise find the same free ports.
    static CALLS: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let seed = u32::try_from(now_ms() % 10_000).expect("small")
        + std::process::id()
        + call.wrapping_mul(7_919);
    for attempt in 0..200u32 {
        // Below Linux's ephemeral range (32768 up): a port left by a killed node is not
        // taken by some client's outgoing connection before the node restarts on it.
        let base = 10_000 + u16::try_from((seed + attempt * 997) % 22_000).expect("small");
        let held: Vec<_> = offsets
            .iter()
            .flat_map(|o| (0..count).map(move |i| base + o + i))
            .map(|port| TcpListener::bind(("127.0.0.1", port)))
            .collect();
        if held.iter().all(Result::is_ok) {
            return base;
        }
    }
    panic!("no free range of loopback ports found");
}

/// An HTTP agent that returns error statuses as answers.
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .new_agent()
}

/// GETs `url` as JSON (`None` when nothing answers).
pub fn get_json(url: &str) -> Option<serde_json::Value> {
    let text = agent()
        .get(url)
        .call()
        .ok()?
        .body_mut()
        .read_to_string()
        .ok()?;
    serde_json::from_str(&text).ok()
}

/// A `hengxin-node --dev` process in a temporary directory, killed when dropped.
pub struct DevNode {
    child: Child,
    /// Its API, `http://127.0.0.1:PORT`.
    pub url: String,
    /// Its data directory (`keys/`, `trust.json`…).
    pub dir: tempfile::TempDir,
}

impl DevNode {
    /// Starts one on the test suites' scheme ([`demo::test_scheme`]) and waits until it has
    /// finalized a block.
    ///
    /// [`demo::test_scheme`]: hengxin_chain_spec::demo::test_scheme
    pub fn start() -> DevNode {
        DevNode::start_with(hengxin_chain_spec::demo::test_scheme())
    }

    /// Starts one on a chain of `scheme` and waits until it has finalized a block.
    pub fn start_with(scheme: hengxin_primitives::crypto::Scheme) -> DevNode {
        let dir = tempfile::tempdir().expect("temporary directory");
        let port = free_base_port(&[0], 1);
        let url = format!("http://127.0.0.1:{port}");
        let child = Command::new(node_bin())
            .args([
                "--dev",
                "--crypto",
                scheme.name(),
                "--http",
                &format!("127.0.0.1:{port}"),
                "--data-dir",
            ])
            .arg(dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("starting hengxin-node --dev");
        let mut node = DevNode { child, url, dir };
        // The node answering must be this one (its chain is the one in its trust.json), not
        // another that took the port first.
        let trust = node.path("trust.json");
        wait_until(
            "the dev node to finalize a block",
            Duration::from_secs(60),
            || {
                if let Ok(Some(status)) = node.child.try_wait() {
                    panic!("hengxin-node --dev exited at start: {status}");
                }
                let Some(health) = get_json(&format!("{}/v1/health", node.url)) else {
                    return false;
                };
                let ours = std::fs::read_to_string(&trust)
                    .is_ok_and(|t| t.contains(health["genesis_hash"].as_str().unwrap_or("-")));
                ours && health["height"].as_u64().is_some_and(|h| h >= 1)
            },
        );
        node
    }

    /// Waits until its SQL index has caught up with its chain (the lists and figures serve
    /// from it).
    pub fn wait_indexed(&self) {
        let url = format!("{}/v1/stats/overview", self.url);
        wait_until("the dev node's index", Duration::from_secs(60), || {
            get_json(&url).is_some_and(|v| v["at"]["lag_blocks"].as_u64() == Some(0))
        });
    }

    /// Kills it (its data directory stays until it is dropped).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// A file of its data directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
}

impl Drop for DevNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
