//! Four validators, each with its own engine, networks and store: they agree on every block,
//! finalize a transaction that only gossip carries, keep finalizing with one stopped, and the
//! stopped one catches up by sync after its restart.

use std::net::Ipv4Addr;
use std::path::Path;
use std::time::Duration;

use hengxin_chain_spec::demo;
use hengxin_node::node::{NodeSettings, RunningNode, network_keypair, start};
use hengxin_primitives::Keypair;
use hengxin_primitives::block::ValidatorSet;
use malachite_app_channel::app::net::Multiaddr;
use parity_scale_codec::Encode;

use crate::common::*;

struct Net {
    host: Ipv4Addr,
    keys: Vec<Keypair>,
    ports: Vec<u16>,
    gossip_ports: Vec<u16>,
    set: ValidatorSet,
    genesis_time_ms: u64,
}

impl Net {
    fn new(n: usize) -> Net {
        let keys: Vec<Keypair> = (1..=n)
            .map(|i| demo::test_key(&format!("validator-{i}")))
            .collect();
        let set = ValidatorSet::equal_power(keys.iter().map(|k| k.public())).unwrap();
        let (host, ports) = hengxin_index::scratch::private_ports(2 * n).unwrap();
        Net {
            host,
            ports: ports[..n].to_vec(),
            gossip_ports: ports[n..].to_vec(),
            keys,
            set,
            genesis_time_ms: now_ms() - 1_000,
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
                format!("/ip4/{}/tcp/{}/p2p/{peer}", self.host, ports[j])
                    .parse()
                    .unwrap()
            })
            .collect()
    }

    fn settings(&self, i: usize, dir: &Path) -> NodeSettings {
        let name = format!("validator-{}", i + 1);
        let mut s = settings(
            &name,
            &dir.join(&name),
            self.keys[i].clone(),
            self.set.clone(),
            self.genesis_time_ms,
        );
        s.listen = format!("/ip4/{}/tcp/{}", self.host, self.ports[i])
            .parse()
            .unwrap();
        s.peers = self.others(&self.ports, i);
        s.gossip_listen = format!("/ip4/{}/tcp/{}", self.host, self.gossip_ports[i])
            .parse()
            .unwrap();
        s.gossip_peers = self.others(&self.gossip_ports, i);
        s.blocks.target_time = Some(Duration::from_millis(100));
        s
    }
}

/// Every node has the same block hash at every height up to the lowest head.
fn assert_same_chain(nodes: &[RunningNode]) {
    let lowest = nodes.iter().map(head).min().unwrap();
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
    let _serial = SERIAL.lock().await;
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

    // Node 3 only gossips the transaction (it is not in its own pool): the others include it.
    let tx = anchor_tx(&nodes[0], &demo::test_key("lab-sc"), "N4-0001");
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
    assert_same_chain(&nodes);

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
    assert_same_chain(&nodes);
    for node in nodes {
        node.stop().await;
    }
}
