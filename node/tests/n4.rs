//! Four validators, in-process, each with its own engine, libp2p network and sled store on
//! loopback: they agree on every block, finalize a transaction submitted to one of them, keep
//! finalizing with one stopped, and the stopped one catches up by sync after its restart.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hengxin_node::consensus::app::BlockParams;
use hengxin_node::mempool::MempoolLimits;
use hengxin_node::node::{NodeSettings, RunningNode, network_keypair, start};
use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_primitives::records::{CertKind, CertificateFields, Conclusion, Instrument};
use hengxin_primitives::{Category, Date, Keypair, Text, TxPayload, crypto};
use hengxin_runtime::{Call, certificates, demo};
use malachite_app_channel::app::net::Multiaddr;
use malachite_app_channel::app::types::core::LinearTimeouts;
use parity_scale_codec::Encode;

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

struct Net {
    keys: Vec<Keypair>,
    ports: Vec<u16>,
    gossip_ports: Vec<u16>,
    set: ValidatorSet,
    genesis_time_ms: u64,
}

impl Net {
    fn new(n: usize) -> Net {
        let keys: Vec<Keypair> = (1..=n)
            .map(|i| demo::key(&format!("validator-{i}")))
            .collect();
        let set = ValidatorSet::new(
            keys.iter()
                .map(|k| Validator {
                    key: k.public(),
                    power: 1,
                })
                .collect(),
        )
        .unwrap();
        let now = u64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_millis(),
        )
        .unwrap();
        Net {
            ports: keys.iter().map(|_| free_port()).collect(),
            gossip_ports: keys.iter().map(|_| free_port()).collect(),
            keys,
            set,
            genesis_time_ms: now - 1_000,
        }
    }

    /// The other nodes' addresses on `ports` (consensus or gossip).
    fn others(&self, ports: &[u16], i: usize) -> Vec<Multiaddr> {
        (0..self.keys.len())
            .filter(|j| *j != i)
            .map(|j| {
                let peer = network_keypair(&self.keys[j])
                    .unwrap()
                    .public()
                    .to_peer_id();
                format!("/ip4/127.0.0.1/tcp/{}/p2p/{peer}", ports[j])
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    fn settings(&self, i: usize, dir: &Path) -> NodeSettings {
        let timeouts = LinearTimeouts {
            propose: Duration::from_millis(400),
            prevote: Duration::from_millis(200),
            precommit: Duration::from_millis(200),
            ..LinearTimeouts::default()
        };
        NodeSettings {
            moniker: format!("validator-{}", i + 1),
            data_dir: dir.join(format!("node-{i}")),
            key: self.keys[i].clone(),
            genesis: demo::genesis(self.genesis_time_ms, self.set.clone()).unwrap(),
            listen: format!("/ip4/127.0.0.1/tcp/{}", self.ports[i])
                .parse()
                .unwrap(),
            peers: self.others(&self.ports, i),
            gossip_listen: format!("/ip4/127.0.0.1/tcp/{}", self.gossip_ports[i])
                .parse()
                .unwrap(),
            gossip_peers: self.others(&self.gossip_ports, i),
            blocks: BlockParams {
                txs_max: 1_000,
                bytes_max: 4 * 1024 * 1024,
                timeouts,
                target_time: Some(Duration::from_millis(100)),
            },
            mempool: MempoolLimits::default(),
        }
    }
}

fn head(node: &RunningNode) -> u64 {
    node.store.head().unwrap().unwrap().height
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

fn anchor(number: &str, today: Date) -> Call {
    let t = Text::lossy;
    Call::Certificates(certificates::Call::Anchor {
        fields: CertificateFields {
            number: number.parse().unwrap(),
            kind: CertKind::Calibration,
            category: Category::Length,
            item: t("卡尺"),
            instrument: Instrument {
                name: t("游标卡尺"),
                model: t("(0~150)mm"),
                serial: t("7"),
                manufacturer: t("m"),
            },
            procedure: t("JJF 1000"),
            calibration_date: today,
            issue_date: today,
            valid_until: None,
            conclusion: Conclusion::None,
            standards: vec![],
            document_hash: crypto::sha256(number.as_bytes()),
        },
    })
}

/// Every node has the same block hash at every height up to the lowest head.
fn assert_same_chain(nodes: &[&RunningNode]) {
    let lowest = nodes.iter().map(|n| head(n)).min().unwrap();
    for height in 1..=lowest {
        let hashes: Vec<_> = nodes
            .iter()
            .map(|n| n.store.block(height).unwrap().unwrap().header.hash())
            .collect();
        assert!(
            hashes.windows(2).all(|w| w[0] == w[1]),
            "nodes disagree at height {height}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn n4_agree_finalize_survive_one_stopped_and_resync() {
    let dir = tempfile::tempdir().unwrap();
    let net = Net::new(4);
    let mut nodes = Vec::new();
    for i in 0..4 {
        nodes.push(start(net.settings(i, dir.path())).await.unwrap());
    }
    wait_until("every node past height 5", Duration::from_secs(120), || {
        nodes.iter().all(|n| head(n) >= 5)
    })
    .await;

    // A transaction gossiped by node 3 (and not in its own pool) reaches the proposers and is
    // finalized everywhere.
    let lab = demo::key("lab-sc");
    let chain = nodes[0].store.chain(&nodes[0].genesis);
    let at = head(&nodes[0]);
    let today = Date::from_unix_ms_cst(net.genesis_time_ms);
    let tx = TxPayload {
        genesis_hash: nodes[0].genesis.hash(),
        signer: lab.public(),
        nonce: chain.nonce(&lab.public(), at).unwrap(),
        valid_until_height: at + 1_000,
        call: anchor("N4-0001", today),
    }
    .sign(&lab);
    drop(chain);
    let hash = tx.hash();
    assert!(nodes[3].gossip().publish(tx.encode()));
    wait_until(
        "the gossiped transaction on every node",
        Duration::from_secs(120),
        || {
            nodes
                .iter()
                .all(|n| n.store.transaction(&hash).unwrap().is_some())
        },
    )
    .await;
    assert_same_chain(&nodes.iter().collect::<Vec<_>>());

    // One stopped: the other three keep finalizing.
    let stopped = nodes.remove(3);
    let stopped_at = head(&stopped);
    stopped.stop().await;
    let target = nodes.iter().map(head).max().unwrap() + 5;
    wait_until(
        "three validators to go on",
        Duration::from_secs(120),
        || nodes.iter().all(|n| head(n) >= target),
    )
    .await;

    // It restarts and catches up.
    let restarted = start(net.settings(3, dir.path())).await.unwrap();
    assert!(head(&restarted) >= stopped_at);
    let target = nodes.iter().map(head).max().unwrap();
    wait_until(
        "the restarted validator to catch up",
        Duration::from_secs(120),
        || head(&restarted) >= target,
    )
    .await;
    nodes.push(restarted);
    assert_same_chain(&nodes.iter().collect::<Vec<_>>());
    for node in nodes {
        node.stop().await;
    }
}
