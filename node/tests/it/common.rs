//! Helpers shared by the scenarios.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hengxin_chain_spec::demo;
use hengxin_node::api::RateLimit;
use hengxin_node::consensus::app::BlockParams;
use hengxin_node::mempool::MempoolLimits;
use hengxin_node::node::{NodeSettings, RunningNode};
use hengxin_primitives::TxPayload;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::{Date, Keypair};
use hengxin_runtime::Transaction;
use malachite_app_channel::app::types::core::LinearTimeouts;

/// Scenarios run one at a time: each starts real networks on loopback, and ports picked by one
/// scenario must not be taken by another's nodes in the meantime.
pub static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// The demo validator `validator-0` and the set of it alone.
pub fn single_validator() -> (Keypair, ValidatorSet) {
    let key = demo::test_key("validator-0");
    let set = ValidatorSet::equal_power([key.public()]).unwrap();
    (key, set)
}

pub fn now_ms() -> u64 {
    u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap()
}

/// A node of the demo chain with `set`, alone on loopback (ports chosen by the system).
pub fn settings(
    moniker: &str,
    dir: &Path,
    key: Keypair,
    set: ValidatorSet,
    genesis_time_ms: u64,
) -> NodeSettings {
    let timeouts = LinearTimeouts {
        propose: Duration::from_millis(400),
        prevote: Duration::from_millis(200),
        precommit: Duration::from_millis(200),
        ..LinearTimeouts::default()
    };
    NodeSettings {
        moniker: moniker.into(),
        data_dir: dir.to_path_buf(),
        key,
        genesis: demo::genesis(genesis_time_ms, set).unwrap(),
        listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        peers: vec![],
        gossip_listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        gossip_peers: vec![],
        http: Some("127.0.0.1:0".parse().unwrap()),
        blocks: BlockParams {
            txs_max: 1_000,
            bytes_max: 4 * 1024 * 1024,
            timeouts,
            target_time: Some(Duration::from_millis(50)),
            heartbeat: Duration::from_millis(50),
        },
        mempool: MempoolLimits::default(),
        rate_limit: RateLimit::default(),
        trusted_proxies: Default::default(),
        connections: Default::default(),
        verify_base: None,
        role: hengxin_node::node::NodeRole::Validator,
        byzantine: None,
        index: hengxin_node::index::DEFAULT_DATABASE.into(),
    }
}

/// A plain HTTP/1.1 GET against the node's API: the status line and the body.
pub async fn http_get(node: &RunningNode, path: &str) -> (String, String) {
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    http_raw(node, &request).await
}

/// Sends `request` as it is (head only: no body follows) and reads the answer to its end: the
/// first status line and the body.
pub async fn http_raw(node: &RunningNode, request: &str) -> (String, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(node.http.unwrap())
        .await
        .unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    let status = response.lines().next().unwrap_or_default().to_string();
    let body = response
        .split("\r\n\r\n")
        .nth(1)
        .unwrap_or_default()
        .to_string();
    (status, body)
}

pub fn head(node: &RunningNode) -> u64 {
    node.store.head().unwrap().unwrap().height
}

pub async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A lab's anchor of certificate `number`, with the lab's next nonce at `node`'s head.
pub fn anchor_tx(node: &RunningNode, lab: &Keypair, number: &str) -> Transaction {
    let chain = node.store.chain(&node.genesis);
    let at = head(node);
    let today = Date::from_unix_ms_cst(now_ms());
    TxPayload {
        genesis_hash: node.genesis.hash(),
        signer: lab.public(),
        nonce: chain.nonce(&lab.public(), at).unwrap(),
        valid_until_height: at + 1_000,
        call: demo::sample_anchor(demo::test_scheme(), number.parse().unwrap(), today),
    }
    .sign(lab)
}
