//! Receiving parts: streams are gathered per publisher, within limits, and the block a complete
//! stream makes up is checked, executed and persisted before consensus hears of it.

use std::collections::BTreeMap;
use std::time::Instant;

use hengxin_runtime::Block;
use malachite_app_channel::Reply;
use malachite_app_channel::app::streaming::StreamContent;
use malachite_app_channel::app::types::core::{self as mc, Context as _, Round, Validity};
use malachite_app_channel::app::types::streaming::StreamMessage;
use malachite_app_channel::app::types::{PeerId, ProposedValue};
use parity_scale_codec::Encode;
use tracing::warn;

use super::reassembly::{Reassembled, reassemble};
use crate::consensus::app::{App, PARTS_PER_STREAM_MAX, Proposed, STREAMS_MAX};
use crate::consensus::context::{
    Address, BlockHash, Height, HengxinContext, ProposalFin, ProposalInit, ProposalPart,
    ValidatorSet, parts_sign_bytes,
};
use crate::metrics::Stage;

/// A part stream being reassembled.
#[derive(Debug)]
pub(in crate::consensus::app) struct PartStream {
    parts: BTreeMap<u64, ProposalPart>,
    fin: Option<u64>,
    bytes: usize,
    /// The order its first message came in: the oldest stream is dropped first.
    opened: u64,
}

/// Counts the streams opened, for their age.
static STREAMS_OPENED: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

impl PartStream {
    fn new() -> PartStream {
        PartStream {
            parts: BTreeMap::new(),
            fin: None,
            bytes: 0,
            opened: STREAMS_OPENED.fetch_add(1, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Whether it holds a part at or past its end: a stream that contradicts itself.
    fn overruns(&self) -> bool {
        self.fin.is_some_and(|fin| {
            self.parts
                .keys()
                .next_back()
                .is_some_and(|&last| last >= fin)
        })
    }

    /// Whether it holds every part from 0 to its end, and nothing else.
    fn is_complete(&self) -> bool {
        self.fin
            .is_some_and(|fin| self.parts.len() as u64 == fin && !self.overruns())
    }
}

impl App {
    /// A part from the network, grouped by the publisher it declares (or, without one, by the
    /// peer that relayed it); replies with the value once its stream is complete.
    pub(in crate::consensus::app) fn received_proposal_part(
        &mut self,
        from: PeerId,
        published_by: Option<PeerId>,
        part: StreamMessage<ProposalPart>,
        reply: Reply<Option<ProposedValue<HengxinContext>>>,
    ) -> anyhow::Result<()> {
        let value = self.receive_part(published_by.unwrap_or(from), part)?;
        let next = value.as_ref().map(|v| v.height.0) == Some(self.head.height + 1);
        let _ = reply.send(value);
        if next {
            // The next height's proposer has started it: so does this node, idle or not.
            self.resume()?;
        }
        Ok(())
    }

    /// Adds a part to its stream; when the stream is complete, checks the block and returns the
    /// value for consensus (`Invalid` when the block is wrong). Public for the fuzzer.
    pub fn receive_part(
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
            let oldest = self
                .streams
                .iter()
                .min_by_key(|(_, stream)| stream.opened)
                .map(|(key, _)| key.clone());
            if let Some(oldest) = oldest {
                self.streams.remove(&oldest);
            }
        }
        let bytes_max = 2 * self.params.bytes_max;
        let stream = self
            .streams
            .entry(key.clone())
            .or_insert_with(PartStream::new);
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
        if stream.overruns() {
            // Parts past the end it declared: a stream with gaps that could look complete.
            self.streams.remove(&key);
            return Ok(None);
        }
        if !stream.is_complete() {
            return Ok(None);
        }
        let Some(stream) = self.streams.remove(&key) else {
            return Ok(None);
        };
        self.assemble(stream.parts.into_values().collect())
    }

    /// The value of the block that a complete stream's parts make up: `None` when they make no
    /// block for the next height from the round's proposer (nothing to vote on).
    fn assemble(
        &mut self,
        parts: Vec<ProposalPart>,
    ) -> anyhow::Result<Option<ProposedValue<HengxinContext>>> {
        let Some(Reassembled {
            init,
            transactions,
            fin,
        }) = self.metrics.timed(Stage::Reassemble, || reassemble(parts))
        else {
            return Ok(None);
        };
        if init.height != self.head.height + 1 || !self.signed_by_proposer(&init, &fin)? {
            return Ok(None);
        }
        let (height, proposer) = (init.height, Address(init.proposer));
        let round = Round::new(init.round);
        let valid_round = init.valid_round.map_or(Round::Nil, Round::new);
        let block = Block {
            header: init.header,
            transactions,
        };
        self.judge(height, block, round, valid_round, proposer)
    }

    /// Whether `init` names the proposer of its round and `fin` carries that proposer's
    /// signature over the header.
    fn signed_by_proposer(&self, init: &ProposalInit, fin: &ProposalFin) -> anyhow::Result<bool> {
        let round = Round::new(init.round);
        let set = ValidatorSet::new(&self.validator_set(init.height)?);
        let expected = self.ctx.select_proposer(&set, Height(init.height), round);
        let hash = init.header.hash();
        let signed = init.proposer.verify(
            &parts_sign_bytes(&self.ctx.chain, init.height, init.round, &hash),
            &fin.signature,
        );
        Ok(mc::Validator::address(expected) == &Address(init.proposer) && signed)
    }

    /// The verdict on a block from the round's proposer: `Valid` once it passes this node's
    /// checks and executes to its header (then it is persisted and kept), `Invalid` otherwise.
    fn judge(
        &mut self,
        height: u64,
        block: Block,
        round: Round,
        valid_round: Round,
        proposer: Address,
    ) -> anyhow::Result<Option<ProposedValue<HengxinContext>>> {
        let hash = block.header.hash();
        let started = Instant::now();
        let checked = self.check_proposed(&block).and_then(|()| {
            self.metrics
                .timed(Stage::Execute, || {
                    self.chain
                        .import(&self.head, &block.header, &block.transactions)
                })
                .map_err(|e| e.to_string())
        });
        if checked.is_ok() {
            self.sizing
                .observe(block.transactions.len(), started.elapsed());
        }
        let validity = match checked {
            Ok(executed) => {
                self.store.put_pending(&block)?;
                let proposed = Proposed {
                    block,
                    executed,
                    round,
                    valid_round,
                    proposer,
                };
                let value = self.proposed_value(&proposed, Validity::Valid);
                self.proposals.insert((height, hash), proposed);
                return Ok(Some(value));
            }
            Err(e) => {
                warn!(height, block = %hash, error = %e, "proposed block is invalid");
                Validity::Invalid
            }
        };
        Ok(Some(ProposedValue {
            height: Height(height),
            round,
            valid_round,
            proposer,
            value: BlockHash(hash),
            validity,
        }))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use hengxin_chain_spec::demo;
    use hengxin_primitives::block::ValidatorSet as ChainValidatorSet;
    use hengxin_primitives::{Hash, Keypair};
    use hengxin_runtime::Transaction;
    use malachite_app_channel::app::types::core::LinearTimeouts;
    use malachite_app_channel::app::types::streaming::StreamId;

    use super::*;
    use crate::consensus::app::BlockParams;
    use crate::consensus::app::proposing::now_ms;
    use crate::mempool::Mempool;
    use crate::store::Store;

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
            heartbeat: std::time::Duration::from_secs(5),
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
        let today = hengxin_primitives::Date::from_unix_ms_cst(now_ms());
        super::super::tests::anchors(app.ctx.chain, today, 0..n)
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
            ProposalPart::Init(Box::new(init)),
            ProposalPart::Transactions(txs),
            ProposalPart::Fin(ProposalFin { signature }),
        ]
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

    #[test]
    fn a_stream_completes_whatever_order_its_parts_arrive_in() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path(), 2);
        let proposer = demo::key("validator-0");
        let parts = parts(&app, &proposer, now_ms(), anchors(&app, 2));
        // An identity multihash (code 0, four bytes): a peer id without a key behind it.
        let publisher = PeerId::from_bytes(&[0, 4, 1, 2, 3, 4]).unwrap();
        let stream_id = StreamId::new(bytes::Bytes::from_static(b"stream"));
        let message = |sequence: u64, content: StreamContent<ProposalPart>| {
            StreamMessage::new(stream_id.clone(), sequence, content)
        };

        let count = parts.len() as u64;
        let mut data: Vec<_> = parts.into_iter().enumerate().collect();
        let last = data.remove(0);
        let fin = message(count, StreamContent::Fin);
        assert_eq!(app.receive_part(publisher, fin).unwrap(), None);
        for (sequence, part) in data.into_iter().rev() {
            let msg = message(sequence as u64, StreamContent::Data(part));
            assert_eq!(app.receive_part(publisher, msg).unwrap(), None);
        }
        let (sequence, part) = last;
        let msg = message(sequence as u64, StreamContent::Data(part));
        let value = app.receive_part(publisher, msg).unwrap().unwrap();
        assert_eq!(value.validity, Validity::Valid);
        assert!(app.streams.is_empty(), "a complete stream is not kept");
    }

    #[test]
    fn a_stream_with_a_part_past_its_end_is_dropped_not_completed_with_a_gap() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path(), 2);
        let proposer = demo::key("validator-0");
        let parts = parts(&app, &proposer, now_ms(), anchors(&app, 2));
        let publisher = PeerId::from_bytes(&[0, 4, 1, 2, 3, 4]).unwrap();
        let stream_id = StreamId::new(bytes::Bytes::from_static(b"gappy"));
        let message = |sequence: u64, content: StreamContent<ProposalPart>| {
            StreamMessage::new(stream_id.clone(), sequence, content)
        };
        // Parts 0 and 2, and part 1 sent as 7: three parts for a fin of 3, with a gap at 1.
        let [init, txs, fin] = <[ProposalPart; 3]>::try_from(parts).unwrap();
        for (sequence, part) in [(0, init), (7, txs), (2, fin)] {
            let msg = message(sequence, StreamContent::Data(part));
            assert_eq!(app.receive_part(publisher, msg).unwrap(), None);
        }
        assert_eq!(
            app.receive_part(publisher, message(3, StreamContent::Fin))
                .unwrap(),
            None
        );
        assert!(
            app.streams.is_empty(),
            "the contradictory stream is dropped"
        );
    }

    #[test]
    fn the_oldest_stream_is_evicted_first() {
        let dir = tempfile::tempdir().unwrap();
        let mut app = app(dir.path(), 2);
        let publisher = PeerId::from_bytes(&[0, 4, 1, 2, 3, 4]).unwrap();
        // Stream ids in descending order: the oldest has the largest key.
        let open = |app: &mut App, n: usize| {
            let id = StreamId::new(bytes::Bytes::from(format!("{:05}", 100_000 - n)));
            let msg = StreamMessage::new(id, 5, StreamContent::Fin);
            assert_eq!(app.receive_part(publisher, msg).unwrap(), None);
        };
        for n in 0..STREAMS_MAX {
            open(&mut app, n);
        }
        let first = (
            publisher,
            StreamId::new(bytes::Bytes::from(format!("{:05}", 100_000))),
        );
        assert!(app.streams.contains_key(&first));
        open(&mut app, STREAMS_MAX);
        assert_eq!(app.streams.len(), STREAMS_MAX);
        assert!(!app.streams.contains_key(&first), "the oldest went");
        let second = (
            publisher,
            StreamId::new(bytes::Bytes::from(format!("{:05}", 99_999))),
        );
        assert!(app.streams.contains_key(&second), "the rest stay");
    }
}
