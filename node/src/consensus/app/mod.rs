//! The application side of consensus: it builds blocks from the mempool, checks the blocks
//! others propose by re-executing them, persists every block before the engine hears of it, and
//! commits a decided block with its certificate in one batch.
//!
//! This file holds the state and routes each engine message to the room that serves it:
//! `proposing` (this node's blocks, and the checks on others'), `parts` (a block streamed as
//! proposal parts, and reassembled from them), `commit` (a decided block and its certificate),
//! `pace` (when the next height starts: at once with work waiting, else at the heartbeat) and
//! `sync` (decided blocks served to peers, and taken from them).

mod commit;
mod pace;
mod parts;
mod proposing;
mod sizing;
mod sync;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use hengxin_primitives::block::ValidatorSet as ChainValidatorSet;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Hash, Header, Keypair};
use hengxin_runtime::{Block, Chain, Executed};
use hengxin_sled_store::SledBackend;
use malachite_app_channel::app::consensus::VoteExtensionVerdicts;
use malachite_app_channel::app::types::core::{HeightParams, LinearTimeouts, Round};
use malachite_app_channel::app::types::streaming::StreamId;
use malachite_app_channel::app::types::{LocallyProposedValue, PeerId};
use malachite_app_channel::{AppMsg, Channels, Reply};
use tracing::{info, warn};

use self::parts::PartStream;
use super::context::{Address, BlockHash, Height, HengxinContext, ValidatorSet};
use crate::mempool::Mempool;
use crate::metrics::{Metrics, Stage};
use crate::store::Store;

/// Transactions per `Transactions` part of a streamed block.
const TXS_PER_PART: usize = 256;
/// Blocks a sync response may carry.
const SYNC_BLOCKS_MAX: u64 = 64;
/// Part streams being reassembled at once (a bound on what peers can make us hold).
const STREAMS_MAX: usize = 64;
/// Parts in one stream.
const PARTS_PER_STREAM_MAX: u64 = 4_096;
/// How far ahead of this node's clock a proposed block's timestamp may be.
pub const CLOCK_DRIFT_MS_MAX: u64 = 2_000;

/// The largest sync response: room for two of the largest blocks (and their certificates),
/// and never less than Malachite's default of 10 MiB. A response stops short of it, but always
/// carries at least one block.
pub fn sync_response_bytes_max(block_bytes_max: usize) -> usize {
    (2 * block_bytes_max + (1 << 20)).max(10 << 20)
}

/// How blocks are built and paced.
#[derive(Debug, Clone)]
pub struct BlockParams {
    /// Most transactions in a block.
    pub txs_max: usize,
    /// Most transaction bytes in a block.
    pub bytes_max: usize,
    /// Consensus timeouts.
    pub timeouts: LinearTimeouts,
    /// Minimum time per height while transactions wait (`None`: as fast as consensus goes).
    pub target_time: Option<Duration>,
    /// With no transaction waiting, how long after the last block the next one is made.
    pub heartbeat: Duration,
}

/// A block proposed at a height, executed but not decided.
#[derive(Debug)]
struct Proposed {
    block: Block,
    executed: Executed,
    round: Round,
    valid_round: Round,
    proposer: Address,
}

/// The application state the loop works on.
pub struct App {
    ctx: HengxinContext,
    store: Arc<Store>,
    chain: Chain<SledBackend>,
    key: Keypair,
    mempool: Arc<Mempool>,
    params: BlockParams,
    head: Header,
    proposals: BTreeMap<(u64, Hash), Proposed>,
    streams: BTreeMap<(PeerId, StreamId), PartStream>,
    metrics: Arc<Metrics>,
    round_started: Option<Instant>,
    /// The engine's request for the next height, held while the chain is idle.
    idle: Option<pace::Idle>,
    /// The last height whose block came from sync.
    synced: Option<u64>,
    /// How many transactions this node's next block takes.
    sizing: sizing::BlockSizing,
}

impl App {
    /// The app of a node whose store already holds `genesis`.
    pub fn new(
        store: Arc<Store>,
        genesis: &Header,
        key: Keypair,
        mempool: Arc<Mempool>,
        params: BlockParams,
        metrics: Arc<Metrics>,
    ) -> anyhow::Result<App> {
        let head = store
            .head()?
            .ok_or_else(|| anyhow::anyhow!("store has no genesis"))?;
        // Execution trusts the signatures that admission checked: each one is verified once.
        let chain = store.chain(genesis).trusting(mempool.clone());
        let ctx = HengxinContext {
            chain: genesis.hash(),
        };
        // Blocks proposed for the next height before a restart: the engine's WAL may hold votes
        // for them, and this node must re-propose its own block rather than a different one.
        let mut proposals = BTreeMap::new();
        for block in store.pending_at(head.height + 1)? {
            if let Ok(executed) = chain.import(&head, &block.header, &block.transactions) {
                let proposer = Address(block.header.proposer);
                let key = (block.header.height, block.header.hash());
                let proposed = Proposed {
                    block,
                    executed,
                    round: Round::new(0),
                    valid_round: Round::Nil,
                    proposer,
                };
                proposals.insert(key, proposed);
            }
        }
        Ok(App {
            ctx,
            store,
            chain,
            key,
            mempool,
            params,
            head,
            proposals,
            streams: BTreeMap::new(),
            metrics,
            round_started: None,
            idle: None,
            synced: None,
            sizing: sizing::BlockSizing::default(),
        })
    }

    /// The chain's runtime.
    pub fn chain(&self) -> &Chain<SledBackend> {
        &self.chain
    }

    /// The set that finalizes `height`: the next set announced by the state before it.
    fn validator_set(&self, height: u64) -> anyhow::Result<ChainValidatorSet> {
        let version = height.saturating_sub(1);
        let next: Option<ChainValidatorSet> =
            self.chain.read(&StorageKey::NextValidators, version)?;
        match next {
            Some(set) => Ok(set),
            None => self
                .chain
                .read(&StorageKey::Validators, version)?
                .ok_or_else(|| anyhow::anyhow!("no validator set in state at height {version}")),
        }
    }

    fn height_params(&self, height: u64) -> anyhow::Result<HeightParams<HengxinContext>> {
        let set = ValidatorSet::new(&self.validator_set(height)?);
        Ok(HeightParams::new(
            set,
            self.params.timeouts,
            self.params.target_time,
        ))
    }

    /// Runs until the engine closes its channel.
    pub async fn run(mut self, mut channels: Channels<HengxinContext>) -> anyhow::Result<()> {
        loop {
            let idle_until = self.idle.as_ref().map(|idle| idle.until);
            let done = tokio::select! {
                msg = channels.consensus.recv() => match msg {
                    Some(msg) => self.handle(msg, &channels).await,
                    None => anyhow::bail!("the consensus engine stopped"),
                },
                () = pace::wake(&self.mempool, idle_until.unwrap_or_else(Instant::now)),
                    if idle_until.is_some() => self.resume_if_due(),
            };
            if let Err(e) = done {
                // Every error here is local: the store failed (a full or failing disk). Going
                // on could vote on a state this node did not persist, so the node stops;
                // restarted on a sound disk, it catches up from the others.
                return Err(e.context(
                    "the store failed while serving consensus, so the node stopped rather than \
                     vote on a state it did not persist: free or fix the disk and restart it",
                ));
            }
        }
    }

    /// Hands each message to the one function that serves it.
    async fn handle(
        &mut self,
        msg: AppMsg<HengxinContext>,
        channels: &Channels<HengxinContext>,
    ) -> anyhow::Result<()> {
        match msg {
            AppMsg::ConsensusReady { reply } => self.consensus_ready(reply)?,
            AppMsg::StartedRound {
                height,
                round,
                proposer,
                reply_value,
                ..
            } => self.started_round(height, round, proposer, reply_value),
            AppMsg::GetValue {
                height,
                round,
                reply,
                ..
            } => self.get_value(channels, height, round, reply).await?,
            AppMsg::ReceivedProposalPart {
                from,
                published_by,
                part,
                reply,
            } => self.received_proposal_part(from, published_by, part, reply)?,
            AppMsg::Decided {
                certificate, reply, ..
            } => self.decided(&certificate, reply)?,
            AppMsg::Finalized {
                certificate,
                evidence,
                reply,
                ..
            } => {
                report_equivocation(certificate.height.0, &evidence);
                self.finalized(&certificate, reply)?
            }
            AppMsg::GetDecidedValues { range, reply } => self.get_decided_values(&range, reply)?,
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => self.process_synced_value(height, round, proposer, &value_bytes, reply),
            AppMsg::GetHistoryMinHeight { reply } => self.get_history_min_height(reply),
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                value_id,
                ..
            } => {
                self.restream_proposal(channels, height, round, valid_round, value_id)
                    .await?;
            }
            AppMsg::ExtendVote { reply, .. } => extend_vote(reply),
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => verify_vote_extensions(extensions, reply),
        }
        Ok(())
    }

    /// The engine starts at the height after the head.
    fn consensus_ready(
        &self,
        reply: Reply<(Height, HeightParams<HengxinContext>)>,
    ) -> anyhow::Result<()> {
        let next = self.head.height + 1;
        info!(height = next, "consensus ready");
        let _ = reply.send((Height(next), self.height_params(next)?));
        Ok(())
    }

    /// Builds this node's block, gives the engine its hash, then streams it to the others.
    async fn get_value(
        &mut self,
        channels: &Channels<HengxinContext>,
        height: Height,
        round: Round,
        reply: Reply<LocallyProposedValue<HengxinContext>>,
    ) -> anyhow::Result<()> {
        let metrics = self.metrics.clone();
        let hash = metrics.timed(Stage::Propose, || self.build_block(height.0, round))?;
        let _ = reply.send(LocallyProposedValue::new(height, round, BlockHash(hash)));
        self.stream_block(channels, height.0, round, Round::Nil, hash)
            .await
    }
}

/// Votes carry no extension.
fn extend_vote(reply: Reply<Option<()>>) {
    let _ = reply.send(None);
}

/// Any extension is accepted (this node makes none).
fn verify_vote_extensions(
    extensions: Vec<(Address, ())>,
    reply: Reply<VoteExtensionVerdicts<HengxinContext>>,
) {
    let _ = reply.send(
        extensions
            .into_iter()
            .map(|(address, _)| (address, Ok(())))
            .collect(),
    );
}

/// Logs the misbehaviour consensus saw up to a decision: a validator that signed two different
/// votes, or made two different proposals, in one round (the engine ignored the second).
fn report_equivocation(
    height: u64,
    evidence: &malachite_app_channel::app::types::MisbehaviorEvidence<HengxinContext>,
) {
    for (validator, doubles) in &evidence.votes {
        warn!(
            height,
            validator = %validator.0,
            double_votes = doubles.len(),
            "equivocation evidence: a validator signed two different votes in one round"
        );
    }
    if !evidence.proposals.is_empty() {
        warn!(
            height,
            validators = evidence.proposals.len(),
            "equivocation evidence: two different proposals in one round"
        );
    }
}
