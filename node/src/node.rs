//! Starting and stopping a node: the store, the Malachite engine with our context, and the app
//! loop between them.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub use hengxin_api_types::NodeRole;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::{Hash, Header, Keypair};
use hengxin_runtime::{GenesisConfig, Transaction};
use malachite_app_channel::app::config::{
    ConsensusConfig, NodeConfig, ValuePayload, ValueSyncConfig,
};
use malachite_app_channel::app::net::Multiaddr;
use malachite_app_channel::app::types::Keypair as NetworkKeypair;
use malachite_app_channel::app::types::codec::Codec;
use malachite_app_channel::{
    Channels, ConsensusContext, EngineBuilder, EngineHandle, NetworkContext, NetworkIdentity,
    RequestContext, Signer, SyncContext, WalContext,
};
use parity_scale_codec::Encode;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tracing::debug;

use crate::api::{self, ConnectionLimits, RateLimit, TrustedProxies};
use crate::consensus::app::{App, BlockParams, sync_response_bytes_max};
use crate::consensus::codec::ScaleCodec;
use crate::consensus::context::{Address, HengxinContext};
use crate::consensus::signing::{ConsensusSigner, ConsensusVerifier};
use crate::gossip::{self, TxGossip};
use crate::mempool::{Mempool, MempoolLimits};
use crate::metrics::Metrics;
use crate::store::Store;
use crate::submit::{SubmitError, Submitter};

/// Everything a node needs to start.
#[derive(Debug, Clone)]
pub struct NodeSettings {
    /// A name for logs.
    pub moniker: String,
    /// Where the database and the consensus WAL live.
    pub data_dir: PathBuf,
    /// The validator's consensus key (also its network identity).
    pub key: Keypair,
    /// The chain's genesis.
    pub genesis: GenesisConfig,
    /// The consensus network's listen address (`/ip4/127.0.0.1/tcp/27000`).
    pub listen: Multiaddr,
    /// The other validators' addresses, each ending in `/p2p/<peer id>`.
    pub peers: Vec<Multiaddr>,
    /// The transaction gossip's listen address (its own port).
    pub gossip_listen: Multiaddr,
    /// The other nodes' gossip addresses, each ending in `/p2p/<peer id>`.
    pub gossip_peers: Vec<Multiaddr>,
    /// Where to serve the HTTP API (`None`: no API).
    pub http: Option<SocketAddr>,
    /// Block limits and pacing.
    pub blocks: BlockParams,
    /// Mempool limits.
    pub mempool: MempoolLimits,
    /// Requests per client address the HTTP API allows.
    pub rate_limit: RateLimit,
    /// The reverse proxies in front of the HTTP API whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
    /// How many HTTP connections the API serves, from one address and in all, and for how long.
    pub connections: ConnectionLimits,
    /// Where QR codes send readers, when not to this node's `/verify`.
    pub verify_base: Option<String>,
    /// A validator, or an observer (its engine has no signer: it follows and never votes).
    pub role: NodeRole,
    /// The attacks of the test-only byzantine mode (Malachite's `ByzantineConfig`, as TOML);
    /// a node built without the `byzantine` feature refuses to start with one.
    pub byzantine: Option<toml::Table>,
    /// `[index] database`: the SQL index's `sqlite:PATH` (relative to the data directory),
    /// `postgres://…`, or `off`.
    pub index: String,
}

struct EngineConfig {
    moniker: String,
    consensus: ConsensusConfig,
    value_sync: ValueSyncConfig,
}

impl NodeConfig for EngineConfig {
    fn moniker(&self) -> &str {
        &self.moniker
    }

    fn consensus(&self) -> &ConsensusConfig {
        &self.consensus
    }

    fn consensus_mut(&mut self) -> &mut ConsensusConfig {
        &mut self.consensus
    }

    fn value_sync(&self) -> &ValueSyncConfig {
        &self.value_sync
    }

    fn value_sync_mut(&mut self) -> &mut ValueSyncConfig {
        &mut self.value_sync
    }
}

/// The libp2p identity of a node, derived from its consensus key (one secret to keep): on an
/// ed25519 chain the same key, so a node list of consensus keys is also the list of the peers
/// allowed to connect; on an sm2-sm3 chain, which libp2p cannot carry, a separate ed25519 key
/// whose secret is a tagged SHA-256 of the SM2 secret (its peer id is in the consortium file).
pub fn network_keypair(key: &Keypair) -> anyhow::Result<NetworkKeypair> {
    let secret = match key {
        Keypair::Ed25519(_) => key.seed(),
        Keypair::Sm2(_) => hengxin_primitives::crypto::tagged_hash(NETWORK_KEY_TAG, &key.seed()).0,
    };
    Ok(NetworkKeypair::ed25519_from_bytes(secret)?)
}

/// The domain tag of an SM2 node's network key.
const NETWORK_KEY_TAG: &[u8] = b"hengxin/network-key/v1";

/// A running node.
pub struct RunningNode {
    engine: EngineHandle,
    app: Option<JoinHandle<anyhow::Result<()>>>,
    gossip: TxGossip,
    tasks: Vec<JoinHandle<()>>,
    submitter: Submitter,
    /// Where its HTTP API listens, if it serves one.
    pub http: Option<SocketAddr>,
    /// Its store.
    pub store: Arc<Store>,
    /// Its mempool.
    pub mempool: Arc<Mempool>,
    /// The chain's genesis header.
    pub genesis: Header,
}

impl RunningNode {
    /// Checks a transaction, adds it to this node's pool and gossips it to the others.
    pub fn submit(&self, tx: Transaction) -> Result<Hash, SubmitError> {
        self.submitter.submit(&tx.encode())
    }

    /// The transaction gossip.
    pub fn gossip(&self) -> &TxGossip {
        &self.gossip
    }

    /// Waits until the app loop ends by itself, which it does only on an error it cannot
    /// recover from (or when the engine stops); then the node should be stopped.
    pub async fn app_stopped(&mut self) -> anyhow::Result<()> {
        match self.app.as_mut() {
            Some(app) => {
                let result = app.await;
                self.app = None;
                result?
            }
            None => std::future::pending().await,
        }
    }

    /// Stops the engine, the app loop, the gossip and the API, and waits for them.
    pub async fn stop(self) {
        self.gossip.stop();
        for task in self.tasks {
            task.abort();
            let _ = task.await;
        }
        drop(self.submitter);
        let _ = self
            .engine
            .actor
            .kill_and_wait(Some(Duration::from_secs(10)))
            .await;
        if let Some(app) = self.app {
            app.abort();
            let _ = app.await;
        }
        let _ = self.engine.handle.await;
    }
}

/// The engine's network identity: the node's libp2p key (derived from its consensus key), for a
/// validator with a proof, signed by the consensus key, that the two belong together.
async fn network_identity(
    settings: &NodeSettings,
    signer: &ConsensusSigner,
) -> anyhow::Result<NetworkIdentity> {
    let network_key = network_keypair(&settings.key)?;
    if settings.role == NodeRole::Observer {
        return Ok(NetworkIdentity::new(
            settings.moniker.clone(),
            network_key,
            None,
        ));
    }
    let peer_id = network_key.public().to_peer_id();
    let proof = signer
        .sign_validator_proof(
            settings.key.public().as_bytes().to_vec(),
            peer_id.to_bytes(),
        )
        .await?;
    let proof_bytes = Codec::encode(&ScaleCodec, &proof)?;
    Ok(NetworkIdentity::new_validator(
        settings.moniker.clone(),
        network_key,
        Address(settings.key.public()).to_string(),
        proof_bytes,
    ))
}

/// The engine's configuration: our listen address, only the listed peers, proposals streamed
/// as parts, sync responses large enough for the largest blocks.
fn engine_config(settings: &NodeSettings) -> EngineConfig {
    let mut consensus = ConsensusConfig::default();
    consensus.p2p.listen_addr = settings.listen.clone();
    consensus.p2p.persistent_peers = settings.peers.clone();
    consensus.p2p.persistent_peers_only = true;
    consensus.value_payload = ValuePayload::ProposalAndParts;
    EngineConfig {
        moniker: settings.moniker.clone(),
        consensus,
        value_sync: ValueSyncConfig {
            max_response_size: bytesize::ByteSize::b(sync_response_bytes_max(
                settings.blocks.bytes_max,
            ) as u64),
            ..ValueSyncConfig::default()
        },
    }
}

/// Starts the Malachite engine: WAL, sync, consensus and network, all with our codec. With a
/// `[byzantine]` section (test builds only) the network goes through Malachite's byzantine
/// proxy, which sends the conflicting votes or proposals the section asks for.
async fn start_consensus(
    settings: &NodeSettings,
    chain_id: Hash,
    identity: NetworkIdentity,
    signer: ConsensusSigner,
) -> anyhow::Result<(Channels<HengxinContext>, EngineHandle)> {
    let address = Address(settings.key.public());
    let builder = EngineBuilder::new(HengxinContext { chain: chain_id }, engine_config(settings))
        .with_default_wal(WalContext::new(wal_path(settings), ScaleCodec))
        .with_default_sync(SyncContext::new(ScaleCodec))
        .with_default_consensus(match settings.role {
            NodeRole::Validator => ConsensusContext::new_validator(
                address,
                Box::new(ConsensusVerifier::new(chain_id)),
                Box::new(signer.clone()),
            ),
            NodeRole::Observer => {
                ConsensusContext::new_full_node(address, Box::new(ConsensusVerifier::new(chain_id)))
            }
        })
        .with_default_request(RequestContext::new(100));
    let Some(attacks) = &settings.byzantine else {
        let network = NetworkContext::new(identity, ScaleCodec);
        return builder
            .with_default_network(network)
            .build()
            .await
            .map_err(engine_error);
    };
    #[cfg(feature = "byzantine")]
    {
        let network = crate::byzantine::network(attacks, identity, signer, address)?;
        let builder = builder.with_byzantine_network(network).await;
        builder
            .map_err(engine_error)?
            .build()
            .await
            .map_err(engine_error)
    }
    #[cfg(not(feature = "byzantine"))]
    {
        let _ = (attacks, builder);
        anyhow::bail!(
            "the config has a [byzantine] section, which only a test build of the node \
             (the `byzantine` feature) obeys: remove it"
        )
    }
}

/// Where the consensus WAL lives: the votes this validator cast in the height it is in.
fn wal_path(settings: &NodeSettings) -> PathBuf {
    settings.data_dir.join("wal").join("consensus.wal")
}

/// Opens the consensus WAL with the engine's own reader before the engine does, so that a
/// damaged one is refused with its path and the way out. (The engine's refusal is a bare
/// "Actor panicked during startup 'Failed to read sequence number'".) The reader drops a
/// partial entry at the end, as the engine would; a WAL it cannot open at all may still hold
/// this validator's votes, so the node does not start on a guess.
fn check_wal(settings: &NodeSettings, height: u64) -> anyhow::Result<()> {
    let path = wal_path(settings);
    if !path.exists() {
        return Ok(());
    }
    malachite_app_channel::app::wal::Log::open(&path)
        .map(drop)
        .map_err(|e| {
            anyhow::anyhow!(
                "the consensus WAL {} cannot be read ({e}). It may hold votes this validator \
             cast at height {}, so the node does not start on it. Move the file aside and, once \
             the other validators have finalized past that height, start the node again: it \
             syncs the blocks it missed, with no vote of its own to contradict",
                path.display(),
                height + 1,
            )
        })
}

/// The engine's errors (`eyre`) as ours.
fn engine_error(e: eyre::Report) -> anyhow::Error {
    anyhow::anyhow!("{e:#}")
}

/// Admits what gossip brings: any bytes, decoded with limits as a batch, then each transaction
/// with the same checks as a submission.
fn spawn_admission(submitter: Submitter, mut incoming: mpsc::Receiver<Vec<u8>>) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(bytes) = incoming.recv().await {
            let Ok(batch) = crate::submit::decode_batch(&bytes) else {
                debug!("gossiped bytes are no transaction batch");
                continue;
            };
            for bytes in batch {
                if let Err(e) = submitter.admit(&bytes) {
                    debug!(error = %e, "gossiped transaction not admitted");
                }
            }
        }
    })
}

/// Serves the HTTP API on `listener`, within `settings`' connection limits.
fn spawn_api(
    listener: tokio::net::TcpListener,
    state: api::ApiState,
    settings: &NodeSettings,
) -> JoinHandle<()> {
    tokio::spawn(api::serve(
        listener,
        api::router(state),
        settings.connections,
        settings.trusted_proxies.clone(),
    ))
}

/// Opens the store (writing genesis on first start), starts the engine and the app loop.
///
/// Everything that can fail runs before anything is spawned, but for the gossip and the engine
/// themselves: a failed engine start stops the gossip. So a start that fails leaves nothing
/// running, and its data directory can be started again at once.
pub async fn start(settings: NodeSettings) -> anyhow::Result<RunningNode> {
    // Bind the API first: a port in use fails the start before anything else runs.
    let listener = match settings.http {
        Some(address) => {
            let listener = tokio::net::TcpListener::bind(address)
                .await
                .map_err(|e| anyhow::anyhow!("cannot serve the HTTP API on {address}: {e}"))?;
            let bound = listener.local_addr()?;
            Some((listener, bound))
        }
        None => None,
    };
    let index_target = crate::index::resolve(&settings.index, &settings.data_dir)?;
    let store = Arc::new(Store::open(&settings.data_dir.join("db"))?);
    let genesis = store.init_genesis(&settings.genesis)?;
    let chain_id = genesis.hash();
    let signer = ConsensusSigner::new(settings.key.clone(), chain_id);
    let identity = network_identity(&settings, &signer).await?;

    let chain_name = api::chain_name(&store.chain(&genesis))?;
    let mempool = Arc::new(Mempool::new(settings.mempool));
    let metrics = Arc::new(Metrics::with_engine());
    let app = App::new(
        store.clone(),
        &genesis,
        settings.key.clone(),
        mempool.clone(),
        settings.blocks.clone(),
        metrics.clone(),
    )?;
    check_wal(&settings, store.head()?.map_or(0, |head| head.height))?;
    let network_key = network_keypair(&settings.key)?;
    let (received, incoming) = mpsc::channel::<Vec<u8>>(4_096);
    let gossip = gossip::spawn(
        network_key,
        settings.gossip_listen.clone(),
        settings.gossip_peers.clone(),
        received,
    )?;
    let (channels, engine) = start_consensus(&settings, chain_id, identity, signer)
        .await
        .map_err(|e| {
            gossip.stop();
            e.context("starting the consensus engine")
        })?;

    let submitter = Submitter::new(
        store.clone(),
        &genesis,
        mempool.clone(),
        Some(gossip.sender()),
        metrics.clone(),
    );
    let mut tasks = vec![spawn_admission(submitter.clone(), incoming)];
    let (index, index_task) = crate::index::spawn(index_target, store.clone(), &genesis);
    tasks.extend(index_task);
    let http = match listener {
        Some((listener, bound)) => {
            let anchor = TrustAnchor {
                genesis_hash: chain_id,
                validators: settings.genesis.membership.validators.clone(),
            };
            let state = api::ApiState::new(
                submitter.clone(),
                genesis.clone(),
                (&anchor, &chain_name),
                gossip.peers(),
                metrics.clone(),
                settings.rate_limit,
            )
            .with_trusted_proxies(settings.trusted_proxies.clone())
            .with_verify_base(settings.verify_base.clone())
            .with_role(settings.role)
            .with_index(index);
            tasks.push(spawn_api(listener, state, &settings));
            Some(bound)
        }
        None => None,
    };
    let app = Some(tokio::spawn(app.run(channels)));
    Ok(RunningNode {
        engine,
        app,
        gossip,
        tasks,
        submitter,
        http,
        store,
        mempool,
        genesis,
    })
}
