//! Transaction gossip: a second libp2p swarm on its own port (Malachite's network carries only
//! consensus), so a transaction submitted to any node reaches the proposer. Only peers of the
//! node list may connect: a stranger is refused when its connection is established.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, SwarmBuilder, allow_block_list, gossipsub, noise, tcp, yamux};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::debug;

/// The gossip topic of transactions.
const TOPIC: &str = "/hengxin/tx/v1";
/// A gossiped message: one transaction and the envelope around it.
const MESSAGE_BYTES_MAX: usize = hengxin_primitives::tx::TX_SIZE_BYTES_MAX + 4 * 1024;
/// Transactions waiting to be published or handed to the node.
const QUEUE_MAX: usize = 4_096;

#[derive(NetworkBehaviour)]
struct Behaviour {
    allowed: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    gossipsub: gossipsub::Behaviour,
}

/// The peer id in a `/p2p/<id>` address.
pub fn peer_id_of(address: &Multiaddr) -> Option<PeerId> {
    address.iter().find_map(|p| match p {
        Protocol::P2p(id) => Some(id),
        _ => None,
    })
}

/// A running gossip swarm.
pub struct TxGossip {
    publish: mpsc::Sender<Vec<u8>>,
    peers: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl TxGossip {
    /// Queues a transaction's bytes for publication; `false` when the queue is full.
    pub fn publish(&self, tx: Vec<u8>) -> bool {
        self.publish.try_send(tx).is_ok()
    }

    /// A handle that queues transactions for publication.
    pub fn sender(&self) -> mpsc::Sender<Vec<u8>> {
        self.publish.clone()
    }

    /// The number of peers connected now.
    pub fn peers(&self) -> Arc<AtomicUsize> {
        self.peers.clone()
    }

    /// Stops the swarm.
    pub fn stop(&self) {
        self.task.abort();
    }
}

fn boxed(e: impl ToString) -> Box<dyn std::error::Error + Send + Sync> {
    e.to_string().into()
}

/// Starts the swarm on `listen`, connected to `peers` (each with `/p2p/<id>`); only they may
/// connect. Transactions from peers go to `received` (dropped when it is full).
pub fn spawn(
    keypair: Keypair,
    listen: Multiaddr,
    peers: Vec<Multiaddr>,
    received: mpsc::Sender<Vec<u8>>,
) -> anyhow::Result<TxGossip> {
    let allowed: Vec<PeerId> = peers.iter().filter_map(peer_id_of).collect();
    anyhow::ensure!(
        allowed.len() == peers.len(),
        "every gossip peer address must end in /p2p/<peer id>"
    );
    let mut swarm = SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(
            tcp::Config::default().nodelay(true),
            noise::Config::new,
            yamux::Config::default,
        )?
        .with_behaviour(|key| {
            let config = gossipsub::ConfigBuilder::default()
                .max_transmit_size(MESSAGE_BYTES_MAX)
                .validation_mode(gossipsub::ValidationMode::Strict)
                .heartbeat_interval(Duration::from_millis(500))
                .build()
                .map_err(boxed)?;
            let gossipsub = gossipsub::Behaviour::new(
                gossipsub::MessageAuthenticity::Signed(key.clone()),
                config,
            )
            .map_err(boxed)?;
            let mut list = allow_block_list::Behaviour::<allow_block_list::AllowedPeers>::default();
            for peer in &allowed {
                list.allow_peer(*peer);
            }
            Ok(Behaviour {
                allowed: list,
                gossipsub,
            })
        })?
        .with_swarm_config(|c| c.with_idle_connection_timeout(Duration::from_secs(3_600)))
        .build();
    let topic = gossipsub::IdentTopic::new(TOPIC);
    swarm.behaviour_mut().gossipsub.subscribe(&topic)?;
    swarm.listen_on(listen)?;
    let (publish, mut outgoing) = mpsc::channel::<Vec<u8>>(QUEUE_MAX);
    let peers_connected = Arc::new(AtomicUsize::new(0));
    let connected = peers_connected.clone();
    let task = tokio::spawn(async move {
        let mut redial = tokio::time::interval(Duration::from_secs(1));
        loop {
            tokio::select! {
                Some(bytes) = outgoing.recv() => {
                    if let Err(e) = swarm.behaviour_mut().gossipsub.publish(topic.clone(), bytes) {
                        debug!(error = %e, "transaction not gossiped");
                    }
                }
                _ = redial.tick() => {
                    for address in &peers {
                        if peer_id_of(address).is_some_and(|p| !swarm.is_connected(&p)) {
                            let _ = swarm.dial(address.clone());
                        }
                    }
                }
                event = swarm.select_next_some() => match event {
                    SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message { message, .. })) => {
                        let _ = received.try_send(message.data);
                    }
                    SwarmEvent::ConnectionEstablished { .. } | SwarmEvent::ConnectionClosed { .. } => {
                        connected.store(swarm.connected_peers().count(), Ordering::Relaxed);
                    }
                    _ => {}
                },
            }
        }
    });
    Ok(TxGossip {
        publish,
        peers: peers_connected,
        task,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;
    use std::time::Instant;

    /// Loopback addresses for `keys`, on distinct free ports (all picked while held open).
    fn addresses(keys: &[&Keypair]) -> Vec<Multiaddr> {
        let held: Vec<TcpListener> = keys
            .iter()
            .map(|_| TcpListener::bind("127.0.0.1:0").unwrap())
            .collect();
        keys.iter()
            .zip(&held)
            .map(|(key, l)| {
                let port = l.local_addr().unwrap().port();
                format!(
                    "/ip4/127.0.0.1/tcp/{port}/p2p/{}",
                    key.public().to_peer_id()
                )
                .parse()
                .unwrap()
            })
            .collect()
    }

    fn listen_of(address: &Multiaddr) -> Multiaddr {
        address
            .iter()
            .filter(|p| !matches!(p, Protocol::P2p(_)))
            .collect()
    }

    async fn receive(
        rx: &mut mpsc::Receiver<Vec<u8>>,
        publish: impl Fn(),
        timeout: Duration,
    ) -> Option<Vec<u8>> {
        let start = Instant::now();
        while start.elapsed() < timeout {
            publish();
            if let Ok(Some(bytes)) =
                tokio::time::timeout(Duration::from_millis(200), rx.recv()).await
            {
                return Some(bytes);
            }
        }
        None
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn members_gossip_and_a_stranger_is_not_heard() {
        let (a, b, c) = (
            Keypair::generate_ed25519(),
            Keypair::generate_ed25519(),
            Keypair::generate_ed25519(),
        );
        let all = addresses(&[&a, &b, &c]);
        let (addr_a, addr_b, addr_c) = (all[0].clone(), all[1].clone(), all[2].clone());
        let (tx_a, mut rx_a) = mpsc::channel(16);
        let (tx_b, mut rx_b) = mpsc::channel(16);
        let (tx_c, _rx_c) = mpsc::channel(16);
        let node_a = spawn(a, listen_of(&addr_a), vec![addr_b.clone()], tx_a).unwrap();
        let node_b = spawn(b, listen_of(&addr_b), vec![addr_a.clone()], tx_b).unwrap();
        // The stranger lists A and B as its peers, but they do not list it.
        let stranger = spawn(
            c,
            listen_of(&addr_c),
            vec![addr_a.clone(), addr_b.clone()],
            tx_c,
        )
        .unwrap();

        let got = receive(
            &mut rx_b,
            || {
                node_a.publish(b"from a".to_vec());
            },
            Duration::from_secs(30),
        )
        .await;
        assert_eq!(got.as_deref(), Some(&b"from a"[..]), "B hears A");
        let heard = receive(
            &mut rx_a,
            || {
                stranger.publish(b"from c".to_vec());
            },
            Duration::from_secs(3),
        )
        .await;
        assert_eq!(heard, None, "A refuses the stranger");
        let got = receive(
            &mut rx_a,
            || {
                node_b.publish(b"from b".to_vec());
            },
            Duration::from_secs(30),
        )
        .await;
        assert_eq!(got.as_deref(), Some(&b"from b"[..]), "A hears B");
        for node in [node_a, node_b, stranger] {
            node.stop();
        }
    }
}
