//! The application side of consensus: it builds blocks from the mempool, checks the blocks
//! others propose by re-executing them, persists every block before the engine hears of it, and
//! commits a decided block with its certificate in one batch.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use hengxin_primitives::block::ValidatorSet as ChainValidatorSet;
use hengxin_primitives::codec::decode_strict;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CommitCertificate, CommitSignature, Hash, Header, Keypair};
use hengxin_runtime::{Block, Chain, Executed};
use hengxin_sled_store::SledBackend;
use malachite_app_channel::app::engine::host::{Next, SyncedValueOutcome};
use malachite_app_channel::app::streaming::StreamContent;
use malachite_app_channel::app::types::core::{
    self as mc, Context as _, ExtendedCommitCertificate, HeightParams, LinearTimeouts, Round,
    Validity, VoteExtensions,
};
use malachite_app_channel::app::types::streaming::{StreamId, StreamMessage};
use malachite_app_channel::app::types::sync::RawDecidedValue;
use malachite_app_channel::app::types::{LocallyProposedValue, PeerId, ProposedValue};
use malachite_app_channel::{AppMsg, Channels, NetworkMsg};
use parity_scale_codec::Encode;
use tracing::{debug, info, warn};

use super::context::{
    Address, BlockHash, Height, HengxinContext, ProposalFin, ProposalInit, ProposalPart,
    ValidatorSet, parts_sign_bytes,
};
use crate::mempool::Mempool;
use crate::metrics::Metrics;
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

/// How blocks are built and paced.
#[derive(Debug, Clone)]
pub struct BlockParams {
    /// Most transactions in a block.
    pub txs_max: usize,
    /// Most transaction bytes in a block.
    pub bytes_max: usize,
    /// Consensus timeouts.
    pub timeouts: LinearTimeouts,
    /// Minimum time per height (`None`: as fast as consensus goes).
    pub target_time: Option<Duration>,
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

/// A part stream being reassembled.
#[derive(Debug, Default)]
struct PartStream {
    parts: BTreeMap<u64, ProposalPart>,
    fin: Option<u64>,
    bytes: usize,
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
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
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
        let chain = store.chain(genesis);
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
        while let Some(msg) = channels.consensus.recv().await {
            if let Err(e) = self.handle(msg, &channels).await {
                // Every error here is local (storage); the engine learns of it through a
                // refused reply or a restart of the height, never through a wrong verdict.
                warn!(error = %e, "consensus message not handled");
            }
        }
        anyhow::bail!("the consensus engine stopped")
    }

    async fn handle(
        &mut self,
        msg: AppMsg<HengxinContext>,
        channels: &Channels<HengxinContext>,
    ) -> anyhow::Result<()> {
        match msg {
            AppMsg::ConsensusReady { reply } => {
                let next = self.head.height + 1;
                info!(height = next, "consensus ready");
                let _ = reply.send((Height(next), self.height_params(next)?));
            }
            AppMsg::StartedRound {
                height,
                round,
                proposer,
                reply_value,
                ..
            } => {
                debug!(%height, %round, %proposer, "round started");
                self.round_started = Some(Instant::now());
                let known = self
                    .proposals
                    .iter()
                    .filter(|((h, _), p)| *h == height.0 && p.round == round)
                    .map(|(_, p)| self.proposed_value(p, Validity::Valid))
                    .collect();
                let _ = reply_value.send(known);
            }
            AppMsg::GetValue {
                height,
                round,
                reply,
                ..
            } => {
                let hash = self.build_block(height.0, round)?;
                let _ = reply.send(LocallyProposedValue::new(height, round, BlockHash(hash)));
                self.stream_block(channels, height.0, round, Round::Nil, hash)
                    .await?;
            }
            AppMsg::ReceivedProposalPart {
                from,
                published_by,
                part,
                reply,
            } => {
                let value = self.receive_part(published_by.unwrap_or(from), part)?;
                let _ = reply.send(value);
            }
            AppMsg::Decided {
                certificate, reply, ..
            } => {
                self.commit(&certificate)?;
                let _ = reply.send(());
            }
            AppMsg::Finalized {
                certificate, reply, ..
            } => {
                let next = if self.head.height >= certificate.height.0 {
                    Next::Start(
                        Height(self.head.height + 1),
                        self.height_params(self.head.height + 1)?,
                    )
                } else {
                    Next::Restart(
                        certificate.height,
                        self.height_params(certificate.height.0)?,
                    )
                };
                let _ = reply.send(next);
            }
            AppMsg::GetDecidedValues { range, reply } => {
                let _ = reply.send(self.decided_values(range.start().0, range.end().0)?);
            }
            AppMsg::ProcessSyncedValue {
                height,
                round,
                proposer,
                value_bytes,
                reply,
            } => {
                self.metrics.synced_value();
                let _ = reply.send(self.synced_value(height, round, proposer, &value_bytes));
            }
            AppMsg::GetHistoryMinHeight { reply } => {
                let _ = reply.send(Height(1));
            }
            AppMsg::RestreamProposal {
                height,
                round,
                valid_round,
                value_id,
                ..
            } => {
                if self.proposals.contains_key(&(height.0, value_id.0)) {
                    self.stream_block(channels, height.0, round, valid_round, value_id.0)
                        .await?;
                }
            }
            AppMsg::ExtendVote { reply, .. } => {
                let _ = reply.send(None);
            }
            AppMsg::VerifyVoteExtensions {
                extensions, reply, ..
            } => {
                let _ = reply.send(
                    extensions
                        .into_iter()
                        .map(|(address, _)| (address, Ok(())))
                        .collect(),
                );
            }
        }
        Ok(())
    }

    fn proposed_value(&self, p: &Proposed, validity: Validity) -> ProposedValue<HengxinContext> {
        ProposedValue {
            height: Height(p.block.header.height),
            round: p.round,
            valid_round: p.valid_round,
            proposer: p.proposer,
            value: BlockHash(p.block.header.hash()),
            validity,
        }
    }

    /// Builds (or, after a restart, finds again) this node's block for `height`.
    fn build_block(&mut self, height: u64, round: Round) -> anyhow::Result<Hash> {
        let me = Address(self.key.public());
        if let Some(((_, hash), _)) = self
            .proposals
            .iter()
            .find(|((h, _), p)| *h == height && p.proposer == me)
        {
            return Ok(*hash);
        }
        let head_height = self.head.height;
        let chain = &self.chain;
        let txs = self.mempool.select(
            |account| chain.nonce(account, head_height).unwrap_or(0),
            self.params.txs_max,
            self.params.bytes_max,
        );
        let timestamp_ms = now_ms().max(self.head.timestamp_ms + 1);
        let executed = self
            .chain
            .execute(&self.head, timestamp_ms, self.key.public(), &txs)?;
        let block = Block {
            header: executed.header.clone(),
            transactions: txs,
        };
        self.store.put_pending(&block)?;
        let hash = block.header.hash();
        debug!(height, %round, txs = block.transactions.len(), block = %hash, "proposing");
        self.proposals.insert(
            (height, hash),
            Proposed {
                block,
                executed,
                round,
                valid_round: Round::Nil,
                proposer: me,
            },
        );
        Ok(hash)
    }

    /// Publishes a block as parts: `Init` (header), transaction chunks, `Fin` (our signature).
    async fn stream_block(
        &self,
        channels: &Channels<HengxinContext>,
        height: u64,
        round: Round,
        valid_round: Round,
        hash: Hash,
    ) -> anyhow::Result<()> {
        let Some(proposed) = self.proposals.get(&(height, hash)) else {
            return Ok(());
        };
        let round_u32 = round.as_u32().unwrap_or(0);
        let block = &proposed.block;
        let init = ProposalInit {
            height,
            round: round_u32,
            valid_round: valid_round.as_u32(),
            proposer: self.key.public(),
            header: block.header.clone(),
            tx_count: u32::try_from(block.transactions.len())?,
        };
        let signature = self
            .key
            .sign(&parts_sign_bytes(&self.ctx.chain, height, round_u32, &hash));
        let mut parts = vec![ProposalPart::Init(init)];
        parts.extend(
            block
                .transactions
                .chunks(TXS_PER_PART)
                .map(|c| ProposalPart::Transactions(c.to_vec())),
        );
        parts.push(ProposalPart::Fin(ProposalFin { signature }));
        let stream_id = StreamId::new(Bytes::from(
            [height.to_be_bytes(), u64::from(round_u32).to_be_bytes()].concat(),
        ));
        let count = parts.len() as u64;
        for (sequence, part) in parts.into_iter().enumerate() {
            let msg = StreamMessage::new(
                stream_id.clone(),
                sequence as u64,
                StreamContent::Data(part),
            );
            channels
                .network
                .send(NetworkMsg::PublishProposalPart(msg))
                .await?;
        }
        let fin = StreamMessage::new(stream_id, count, StreamContent::Fin);
        channels
            .network
            .send(NetworkMsg::PublishProposalPart(fin))
            .await?;
        Ok(())
    }

    /// Adds a part to its stream; when the stream is complete, checks the block and returns the
    /// value for consensus (`Invalid` when the block is wrong).
    fn receive_part(
        &mut self,
        publisher: PeerId,
        msg: StreamMessage<ProposalPart>,
    ) -> anyhow::Result<Option<ProposedValue<HengxinContext>>> {
        if msg.sequence > PARTS_PER_STREAM_MAX {
            return Ok(None);
        }
        let key = (publisher, msg.stream_id.clone());
        if !self.streams.contains_key(&key) && self.streams.len() >= STREAMS_MAX {
            // Drop the oldest stream rather than grow without bound.
            if let Some(oldest) = self.streams.keys().next().cloned() {
                self.streams.remove(&oldest);
            }
        }
        let bytes_max = 2 * self.params.bytes_max;
        let stream = self.streams.entry(key.clone()).or_default();
        match msg.content {
            StreamContent::Data(part) => {
                stream.bytes += part.encoded_size();
                if stream.bytes > bytes_max {
                    // Larger than any block we would accept: drop the whole stream.
                    self.streams.remove(&key);
                    return Ok(None);
                }
                stream.parts.insert(msg.sequence, part);
            }
            StreamContent::Fin => stream.fin = Some(msg.sequence),
        }
        let complete = stream
            .fin
            .is_some_and(|fin| stream.parts.len() as u64 == fin);
        if !complete {
            return Ok(None);
        }
        let Some(stream) = self.streams.remove(&key) else {
            return Ok(None);
        };
        self.assemble(stream.parts.into_values().collect())
    }

    fn assemble(
        &mut self,
        parts: Vec<ProposalPart>,
    ) -> anyhow::Result<Option<ProposedValue<HengxinContext>>> {
        let mut parts = parts.into_iter();
        let Some(ProposalPart::Init(init)) = parts.next() else {
            return Ok(None);
        };
        let (mut txs, mut fin) = (Vec::new(), None);
        for part in parts {
            match part {
                ProposalPart::Transactions(chunk) if fin.is_none() => txs.extend(chunk),
                ProposalPart::Fin(f) if fin.is_none() => fin = Some(f),
                _ => return Ok(None),
            }
        }
        let Some(fin) = fin else { return Ok(None) };
        if init.height != self.head.height + 1 || txs.len() != init.tx_count as usize {
            return Ok(None);
        }
        let round = Round::new(init.round);
        let set = ValidatorSet::new(&self.validator_set(init.height)?);
        let expected = self.ctx.select_proposer(&set, Height(init.height), round);
        let hash = init.header.hash();
        let signed = init.proposer.verify(
            &parts_sign_bytes(&self.ctx.chain, init.height, init.round, &hash),
            &fin.signature,
        );
        if mc::Validator::address(expected) != &Address(init.proposer) || !signed {
            return Ok(None);
        }
        let valid_round = init.valid_round.map_or(Round::Nil, Round::new);
        let block = Block {
            header: init.header,
            transactions: txs,
        };
        let checked = self.check_proposed(&block).and_then(|()| {
            self.chain
                .import(&self.head, &block.header, &block.transactions)
                .map_err(|e| e.to_string())
        });
        let validity = match checked {
            Ok(executed) => {
                self.store.put_pending(&block)?;
                let proposed = Proposed {
                    block,
                    executed,
                    round,
                    valid_round,
                    proposer: Address(init.proposer),
                };
                let value = self.proposed_value(&proposed, Validity::Valid);
                self.proposals.insert((init.height, hash), proposed);
                return Ok(Some(value));
            }
            Err(e) => {
                warn!(height = init.height, block = %hash, error = %e, "proposed block is invalid");
                Validity::Invalid
            }
        };
        Ok(Some(ProposedValue {
            height: Height(init.height),
            round,
            valid_round,
            proposer: Address(init.proposer),
            value: BlockHash(hash),
            validity,
        }))
    }

    /// What a validator checks of a proposed block before executing it: this node's block
    /// limits, and a timestamp not too far ahead of its own clock (the runtime checks that it
    /// increases).
    fn check_proposed(&self, block: &Block) -> Result<(), String> {
        if block.transactions.len() > self.params.txs_max {
            return Err(format!(
                "{} transactions, more than {}",
                block.transactions.len(),
                self.params.txs_max
            ));
        }
        let bytes: usize = block.transactions.iter().map(Encode::encoded_size).sum();
        if bytes > self.params.bytes_max {
            return Err(format!(
                "{bytes} bytes of transactions, more than {}",
                self.params.bytes_max
            ));
        }
        let ahead = block.header.timestamp_ms.saturating_sub(now_ms());
        if ahead > CLOCK_DRIFT_MS_MAX {
            return Err(format!("timestamp {ahead} ms ahead of this node's clock"));
        }
        Ok(())
    }

    /// Commits the decided block with its certificate, atomically, and moves the head.
    fn commit(
        &mut self,
        certificate: &mc::CommitCertificate<HengxinContext>,
    ) -> anyhow::Result<()> {
        let key = (certificate.height.0, certificate.value_id.0);
        let proposed = match self.proposals.remove(&key) {
            Some(p) => p,
            None => {
                // Decided from the WAL after a restart: the block was persisted before we voted.
                let block = self.store.pending(key.0, &key.1)?.ok_or_else(|| {
                    anyhow::anyhow!("decided block {} at height {} is unknown", key.1, key.0)
                })?;
                let executed = self
                    .chain
                    .import(&self.head, &block.header, &block.transactions)?;
                Proposed {
                    block,
                    executed,
                    round: certificate.round,
                    valid_round: Round::Nil,
                    proposer: Address(self.key.public()),
                }
            }
        };
        let commit = to_chain_commit(certificate);
        let Proposed {
            block, executed, ..
        } = proposed;
        self.store
            .commit_block(&block, &commit, &executed.outcomes, executed.batch)?;
        let (height, txs) = (block.header.height, block.transactions.len());
        self.metrics
            .committed(txs, self.round_started.take().map(|t| t.elapsed()));
        if txs > 0 {
            info!(height, txs, block = %key.1, "committed");
        } else {
            debug!(height, block = %key.1, "committed an empty block");
        }
        self.head = block.header;
        let head = self.head.height;
        self.proposals.retain(|(h, _), _| *h > head);
        let hashes = executed.outcomes.iter().map(|o| o.hash);
        self.mempool
            .remove_included(block.transactions.iter().zip(hashes));
        let chain = &self.chain;
        self.mempool
            .prune(|account| chain.nonce(account, head).unwrap_or(0));
        Ok(())
    }

    fn decided_values(
        &self,
        from: u64,
        to: u64,
    ) -> anyhow::Result<Vec<RawDecidedValue<HengxinContext>>> {
        let to = to
            .min(from.saturating_add(SYNC_BLOCKS_MAX - 1))
            .min(self.head.height);
        let mut values = Vec::new();
        for height in from.max(1)..=to {
            let (Some(block), Some(commit)) =
                (self.store.block(height)?, self.store.commit(height)?)
            else {
                break;
            };
            let certificate = from_chain_commit(&commit);
            let extended = ExtendedCommitCertificate::from_commit_certificate_and_extensions(
                certificate,
                VoteExtensions::default(),
            );
            values.push(RawDecidedValue::new(Bytes::from(block.encode()), extended));
        }
        Ok(values)
    }

    fn synced_value(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        bytes: &[u8],
    ) -> SyncedValueOutcome<HengxinContext> {
        let Ok(block) = decode_strict::<Block>("synced block", bytes) else {
            return SyncedValueOutcome::PeerFault;
        };
        if block.header.height != height.0 {
            return SyncedValueOutcome::PeerFault;
        }
        if height.0 != self.head.height + 1 {
            return SyncedValueOutcome::LocalTransientError;
        }
        let hash = block.header.hash();
        let validity = match self
            .chain
            .import(&self.head, &block.header, &block.transactions)
        {
            Ok(executed) => {
                if self.store.put_pending(&block).is_err() {
                    return SyncedValueOutcome::LocalTransientError;
                }
                let proposed = Proposed {
                    block,
                    executed,
                    round,
                    valid_round: Round::Nil,
                    proposer,
                };
                self.proposals.insert((height.0, hash), proposed);
                Validity::Valid
            }
            Err(_) => Validity::Invalid,
        };
        SyncedValueOutcome::Verdict(ProposedValue {
            height,
            round,
            valid_round: Round::Nil,
            proposer,
            value: BlockHash(hash),
            validity,
        })
    }
}

/// The engine's commit certificate as the chain stores it (and light clients check it).
fn to_chain_commit(c: &mc::CommitCertificate<HengxinContext>) -> CommitCertificate {
    CommitCertificate {
        height: c.height.0,
        round: c.round.as_u32().unwrap_or(0),
        block_hash: c.value_id.0,
        signatures: c
            .commit_signatures
            .iter()
            .map(|s| CommitSignature {
                validator: s.address.0,
                signature: s.signature,
            })
            .collect(),
    }
}

/// A stored commit certificate as the engine's sync expects it.
fn from_chain_commit(c: &CommitCertificate) -> mc::CommitCertificate<HengxinContext> {
    mc::CommitCertificate {
        height: Height(c.height),
        round: Round::new(c.round),
        value_id: BlockHash(c.block_hash),
        commit_signatures: c
            .signatures
            .iter()
            .map(|s| mc::CommitSignature {
                address: Address(s.validator),
                signature: s.signature,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hengxin_primitives::TxPayload;

    use hengxin_runtime::{Transaction, demo};

    fn app(dir: &std::path::Path, txs_max: usize) -> App {
        let key = demo::key("validator-0");
        let set = ChainValidatorSet::equal_power([key.public()]).unwrap();
        let store = Arc::new(Store::open(dir).unwrap());
        let genesis = store
            .init_genesis(&demo::genesis(now_ms() - 1_000, set).unwrap())
            .unwrap();
        let params = BlockParams {
            txs_max,
            bytes_max: 1024 * 1024,
            timeouts: LinearTimeouts::default(),
            target_time: None,
        };
        App::new(
            store,
            &genesis,
            key,
            Arc::new(Mempool::default()),
            params,
            Arc::default(),
        )
        .unwrap()
    }

    fn anchors(app: &App, n: u64) -> Vec<Transaction> {
        let lab = demo::key("lab-cq");
        let today = hengxin_primitives::Date::from_unix_ms_cst(now_ms());
        (0..n)
            .map(|nonce| {
                let call = demo::sample_anchor(format!("A-{nonce}").parse().unwrap(), today);
                let genesis_hash = app.ctx.chain;
                TxPayload {
                    genesis_hash,
                    signer: lab.public(),
                    nonce,
                    valid_until_height: 50,
                    call,
                }
                .sign(&lab)
            })
            .collect()
    }

    /// The parts of a block proposed at height 1, round 0, signed by `signer`.
    fn parts(
        app: &App,
        signer: &Keypair,
        timestamp_ms: u64,
        txs: Vec<Transaction>,
    ) -> Vec<ProposalPart> {
        let executed = app
            .chain
            .execute(&app.head, timestamp_ms, signer.public(), &txs)
            .unwrap();
        let header = executed.header;
        let signature = signer.sign(&parts_sign_bytes(&app.ctx.chain, 1, 0, &header.hash()));
        let init = ProposalInit {
            height: 1,
            round: 0,
            valid_round: None,
            proposer: signer.public(),
            header,
            tx_count: u32::try_from(txs.len()).unwrap(),
        };
        vec![
            ProposalPart::Init(init),
            ProposalPart::Transactions(txs),
            ProposalPart::Fin(ProposalFin { signature }),
        ]
    }

    #[test]
    fn commit_certificates_convert_both_ways() {
        let key = Keypair::from_seed(&[4; 32]);
        let chain = CommitCertificate {
            height: 9,
            round: 2,
            block_hash: Hash([3; 32]),
            signatures: vec![CommitSignature {
                validator: key.public(),
                signature: key.sign(b"x"),
            }],
        };
        assert_eq!(to_chain_commit(&from_chain_commit(&chain)), chain);
    }

    #[test]
    fn proposed_blocks_are_checked_before_voting() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path(), 2);
        let proposer = demo::key("validator-0");
        let now = now_ms();

        let good = parts(&app, &proposer, now, anchors(&app, 2));
        assert_eq!(
            app.assemble(good).unwrap().unwrap().validity,
            Validity::Valid
        );

        let too_many = parts(&app, &proposer, now + 1, anchors(&app, 3));
        assert_eq!(
            app.assemble(too_many).unwrap().unwrap().validity,
            Validity::Invalid
        );

        let future = parts(&app, &proposer, now + 60_000, anchors(&app, 1));
        assert_eq!(
            app.assemble(future).unwrap().unwrap().validity,
            Validity::Invalid
        );

        let mut lying = parts(&app, &proposer, now + 2, anchors(&app, 1));
        if let ProposalPart::Init(init) = &mut lying[0] {
            init.header.state_root = Hash([7; 32]);
        }
        // The Fin signature no longer covers the changed header: ignored, not even voted on.
        assert_eq!(app.assemble(lying.clone()).unwrap(), None);
        // Signed by the proposer, a header that re-execution contradicts is voted invalid.
        if let ProposalPart::Init(init) = &lying[0] {
            let signature =
                proposer.sign(&parts_sign_bytes(&app.ctx.chain, 1, 0, &init.header.hash()));
            lying[2] = ProposalPart::Fin(ProposalFin { signature });
        }
        assert_eq!(
            app.assemble(lying).unwrap().unwrap().validity,
            Validity::Invalid
        );

        let stranger = Keypair::from_seed(&[42; 32]);
        let not_the_proposer = parts(&app, &stranger, now + 3, anchors(&app, 1));
        assert_eq!(app.assemble(not_the_proposer).unwrap(), None);
    }
}
