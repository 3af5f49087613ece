//! Starting and stopping a node: the store, the Malachite engine with our context, and the app
//! loop between them.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use hengxin_primitives::{Header, Keypair};
use hengxin_runtime::GenesisConfig;
use malachite_app_channel::app::config::{
    ConsensusConfig, NodeConfig, ValuePayload, ValueSyncConfig,
};
use malachite_app_channel::app::net::Multiaddr;
use malachite_app_channel::app::types::Keypair as NetworkKeypair;
use malachite_app_channel::app::types::codec::Codec;
use malachite_app_channel::{
    ConsensusContext, EngineHandle, NetworkContext, NetworkIdentity, RequestContext, Signer,
    SyncContext, WalContext, start_engine,
};
use tokio::task::JoinHandle;

use crate::consensus::app::{App, BlockParams};
use crate::consensus::codec::ScaleCodec;
use crate::consensus::context::{Address, HengxinContext};
use crate::consensus::signing::{ConsensusSigner, ConsensusVerifier};
use crate::mempool::{Mempool, MempoolLimits};
use crate::store::Store;

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
    /// Block limits and pacing.
    pub blocks: BlockParams,
    /// Mempool limits.
    pub mempool: MempoolLimits,
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

/// The libp2p identity of a validator: derived from its consensus key, so a node list of
/// consensus keys is also the list of the peers allowed to connect.
pub fn network_keypair(key: &Keypair) -> anyhow::Result<NetworkKeypair> {
    Ok(NetworkKeypair::ed25519_from_bytes(key.seed())?)
}

/// A running node.
pub struct RunningNode {
    engine: EngineHandle,
    app: JoinHandle<anyhow::Result<()>>,
    /// Its store.
    pub store: Arc<Store>,
    /// Its mempool.
    pub mempool: Arc<Mempool>,
    /// The chain's genesis header.
    pub genesis: Header,
}

impl RunningNode {
    /// Stops the engine and the app loop, and waits for both.
    pub async fn stop(self) {
        let _ = self
            .engine
            .actor
            .kill_and_wait(Some(Duration::from_secs(10)))
            .await;
        self.app.abort();
        let _ = self.app.await;
        let _ = self.engine.handle.await;
    }
}

/// Opens the store (writing genesis on first start), starts the engine and the app loop.
pub async fn start(settings: NodeSettings) -> anyhow::Result<RunningNode> {
    let store = Arc::new(Store::open(&settings.data_dir.join("db"))?);
    let genesis = store.init_genesis(&settings.genesis)?;
    let chain_id = genesis.hash();
    let ctx = HengxinContext { chain: chain_id };
    let signer = ConsensusSigner::new(settings.key.clone(), chain_id);
    let network_key = network_keypair(&settings.key)?;
    let peer_id = network_key.public().to_peer_id();
    let proof = signer
        .sign_validator_proof(
            settings.key.public().as_bytes().to_vec(),
            peer_id.to_bytes(),
        )
        .await?;
    let proof_bytes = Codec::encode(&ScaleCodec, &proof)?;
    let address = Address(settings.key.public());
    let identity = NetworkIdentity::new_validator(
        settings.moniker.clone(),
        network_key,
        address.to_string(),
        proof_bytes,
    );

    let mut consensus = ConsensusConfig::default();
    consensus.p2p.listen_addr = settings.listen.clone();
    consensus.p2p.persistent_peers = settings.peers.clone();
    consensus.p2p.persistent_peers_only = true;
    consensus.value_payload = ValuePayload::ProposalAndParts;
    let config = EngineConfig {
        moniker: settings.moniker.clone(),
        consensus,
        value_sync: ValueSyncConfig::default(),
    };

    let (channels, engine) = start_engine(
        ctx,
        config,
        WalContext::new(
            settings.data_dir.join("wal").join("consensus.wal"),
            ScaleCodec,
        ),
        NetworkContext::new(identity, ScaleCodec),
        ConsensusContext::new_validator(
            address,
            Box::new(ConsensusVerifier::new(chain_id)),
            Box::new(signer),
        ),
        SyncContext::new(ScaleCodec),
        RequestContext::new(100),
    )
    .await
    .map_err(|e| anyhow::anyhow!("starting the consensus engine: {e:#}"))?;

    let mempool = Arc::new(Mempool::new(settings.mempool));
    let app = App::new(
        store.clone(),
        &genesis,
        settings.key.clone(),
        mempool.clone(),
        settings.blocks.clone(),
    )?;
    let app = tokio::spawn(app.run(channels));
    Ok(RunningNode {
        engine,
        app,
        store,
        mempool,
        genesis,
    })
}
