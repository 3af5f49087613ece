//! Sync: decided blocks served to peers that are behind, and blocks taken from peers when this
//! node is.

use std::ops::RangeInclusive;

use bytes::Bytes;
use hengxin_primitives::codec::decode_strict;
use hengxin_runtime::Block;
use malachite_app_channel::Reply;
use malachite_app_channel::app::engine::host::SyncedValueOutcome;
use malachite_app_channel::app::types::ProposedValue;
use malachite_app_channel::app::types::core::{
    ExtendedCommitCertificate, Round, Validity, VoteExtensions,
};
use malachite_app_channel::app::types::sync::RawDecidedValue;
use parity_scale_codec::Encode;

use super::commit::from_chain_commit;
use super::{App, Proposed, SYNC_BLOCKS_MAX, sync_response_bytes_max};
use crate::consensus::context::{Address, BlockHash, Height, HengxinContext};
use crate::metrics::Stage;

impl App {
    /// Every height is kept from the first.
    pub(super) fn get_history_min_height(&self, reply: Reply<Height>) {
        let _ = reply.send(Height(1));
    }

    /// Replies with the decided blocks of `range` this node holds (no reply when the store fails).
    pub(super) fn get_decided_values(
        &self,
        range: &RangeInclusive<Height>,
        reply: Reply<Vec<RawDecidedValue<HengxinContext>>>,
    ) -> anyhow::Result<()> {
        let _ = reply.send(self.decided_values(range.start().0, range.end().0)?);
        Ok(())
    }

    /// Checks a block synced from a peer and replies with the verdict.
    pub(super) fn process_synced_value(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        bytes: &[u8],
        reply: Reply<SyncedValueOutcome<HengxinContext>>,
    ) {
        self.metrics.synced_value();
        let _ = reply.send(self.synced_value(height, round, proposer, bytes));
    }

    /// At most `SYNC_BLOCKS_MAX` decided blocks from `from`, each with its certificate, up to
    /// the first this node does not hold, within the response size (the first one always).
    fn decided_values(
        &self,
        from: u64,
        to: u64,
    ) -> anyhow::Result<Vec<RawDecidedValue<HengxinContext>>> {
        let to = to
            .min(from.saturating_add(SYNC_BLOCKS_MAX - 1))
            .min(self.head.height);
        // A margin for the certificates and the framing: far more than they take.
        let budget = sync_response_bytes_max(self.params.bytes_max) - (1 << 20);
        let mut values = Vec::new();
        let mut bytes = 0;
        for height in from.max(1)..=to {
            let (Some(block), Some(commit)) =
                (self.store.block(height)?, self.store.commit(height)?)
            else {
                break;
            };
            let value = block.encode();
            bytes += value.len();
            if bytes > budget && !values.is_empty() {
                break;
            }
            let certificate = from_chain_commit(&commit);
            let extended = ExtendedCommitCertificate::from_commit_certificate_and_extensions(
                certificate,
                VoteExtensions::default(),
            );
            values.push(RawDecidedValue::new(Bytes::from(value), extended));
        }
        Ok(values)
    }

    /// A synced block for the next height, executed and persisted before the verdict. Public
    /// for the fuzzer.
    pub fn synced_value(
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
        let imported = self.metrics.timed(Stage::Execute, || {
            self.chain
                .import(&self.head, &block.header, &block.transactions)
        });
        let validity = match imported {
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
                self.synced = Some(height.0);
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
