//! Transaction gossip: a second libp2p swarm on its own port (Malachite's network carries only
//! consensus), so a transaction submitted to any node reaches the proposer. Only peers of the
//! node list may connect: a stranger is refused when its connection is established.
//!
//! A message is a batch: the transactions queued since the last one (a SCALE list, as the batch
//! endpoint takes them), so a busy node sends few large messages. Messages carry no signature
//! of the node: the connections are authenticated (Noise, allow-listed peer ids) and every
//! transaction is signed, so a per-message signature, which every receiver would check on every
//! copy, would prove nothing more. A message's id is the hash of its bytes.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use futures::StreamExt;
use hengxin_api_types::BATCH_TXS_MAX;
use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
use libp2p::identity::Keypair;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{NetworkBehaviour, SwarmEvent};
use libp2p::{Multiaddr, PeerId, SwarmBuilder, allow_block_list, gossipsub, noise, tcp, yamux};
use parity_scale_codec::Encode;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::{debug, warn};

/// The gossip topic of transaction batches.
const TOPIC: &str = "/hengxin/tx/v2";
/// A batch's transaction bytes.
const BATCH_BYTES_MAX: usize = 1 << 20;
/// A gossiped message: a batch, its length prefixes and the envelope around it.
const MESSAGE_BYTES_MAX: usize = BATCH_BYTES_MAX + 64 * 1024;
/// Transactions waiting to be published, or batches waiting to be handed to the node.
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
        .with_behaviour(|_key| {
            let config = gossipsub::ConfigBuilder::default()
                .max_transmit_size(MESSAGE_BYTES_MAX)
                .validation_mode(gossipsub::ValidationMode::Anonymous)
                .message_id_fn(|m: &gossipsub::Message| {
                    gossipsub::MessageId::from(&hengxin_primitives::crypto::sha256(&m.data).0[..])
                })
                .heartbeat_interval(Duration::from_millis(500))
                .build()
                .map_err(boxed)?;
            let gossipsub =
                gossipsub::Behaviour::new(gossipsub::MessageAuthenticity::Anonymous, config)
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
                Some(first) = outgoing.recv() => {
                    let batch = take_batch(first, &mut outgoing);
                    let count = batch.len();
                    if let Err(e) = swarm.behaviour_mut().gossipsub.publish(topic.clone(), batch.encode()) {
                        debug!(error = %e, count, "transactions not gossiped");
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
                        deliver(&received, message.data);
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

/// Hands a received batch to the node; when the node is not keeping up, drops it, saying so
/// (its transactions stay in the sender's pool, and are proposed from there).
fn deliver(received: &mpsc::Sender<Vec<u8>>, batch: Vec<u8>) {
    if received.try_send(batch).is_err() {
        warn!("the node is not keeping up with the transaction gossip: a batch was dropped");
    }
}

/// `first` and the transactions queued behind it, up to a batch's count and bytes (the rest
/// wait for the next message).
fn take_batch(first: Vec<u8>, queue: &mut mpsc::Receiver<Vec<u8>>) -> Vec<Vec<u8>> {
    let mut bytes = first.len();
    let mut batch = vec![first];
    // Each transaction is at most TX_SIZE_BYTES_MAX: stop while the next one surely fits.
    while batch.len() < BATCH_TXS_MAX && bytes + TX_SIZE_BYTES_MAX <= BATCH_BYTES_MAX {
        let Ok(tx) = queue.try_recv() else { break };
        bytes += tx.len();
        batch.push(tx);
    }
    batch
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    /// Loopback addresses for `keys`, on distinct free ports (all picked while held open).
    fn addresses(keys: &[&Keypair]) -> Vec<Multiaddr> {
        let (host, ports) = hengxin_index::scratch::private_ports(keys.len()).unwrap();
        keys.iter()
            .zip(ports)
            .map(|(key, port)| {
                format!("/ip4/{host}/tcp/{port}/p2p/{}", key.public().to_peer_id())
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
                // A message is a batch: here, of the one transaction published.
                let batch = crate::submit::decode_batch(&bytes).unwrap();
                return batch.into_iter().next();
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
