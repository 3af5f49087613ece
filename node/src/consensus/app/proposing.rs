//! Proposing: this node's block for a round, the values a round already knows, and what a
//! validator checks of anyone's proposed block before executing it.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use hengxin_primitives::Hash;
use hengxin_runtime::Block;
use malachite_app_channel::Reply;
use malachite_app_channel::app::types::ProposedValue;
use malachite_app_channel::app::types::core::{Round, Validity};
use parity_scale_codec::Encode;
use tracing::debug;

use super::{App, CLOCK_DRIFT_MS_MAX, Proposed};
use crate::consensus::context::{Address, BlockHash, Height, HengxinContext};

/// This node's clock, UTC milliseconds.
pub(super) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

impl App {
    /// A round starts: replies with the blocks already known for it (after a restart, they may
    /// hold the engine's votes).
    pub(super) fn started_round(
        &mut self,
        height: Height,
        round: Round,
        proposer: Address,
        reply: Reply<Vec<ProposedValue<HengxinContext>>>,
    ) {
        debug!(%height, %round, %proposer, "round started");
        self.round_started = Some(Instant::now());
        let known = self
            .proposals
            .iter()
            .filter(|((h, _), p)| *h == height.0 && p.round == round)
            .map(|(_, p)| self.proposed_value(p, Validity::Valid))
            .collect();
        let _ = reply.send(known);
    }

    pub(super) fn proposed_value(
        &self,
        p: &Proposed,
        validity: Validity,
    ) -> ProposedValue<HengxinContext> {
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
    pub(super) fn build_block(&mut self, height: u64, round: Round) -> anyhow::Result<Hash> {
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
        let txs_max = self
            .sizing
            .txs_max(self.params.txs_max, self.params.timeouts.propose);
        let txs = self.mempool.select(
            |account| chain.nonce(account, head_height),
            txs_max,
            self.params.bytes_max,
        )?;
        let timestamp_ms = now_ms().max(self.head.timestamp_ms + 1);
        let started = Instant::now();
        let executed = self
            .chain
            .execute(&self.head, timestamp_ms, self.key.public(), &txs)?;
        self.sizing.observe(txs.len(), started.elapsed());
        let block = Block {
            header: executed.header.clone(),
            transactions: txs,
        };
        self.store.put_pending(&block)?;
        let hash = block.header.hash();
        debug!(height, %round, txs = block.transactions.len(), txs_max, block = %hash, "proposing");
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

    /// What a validator checks of a proposed block before executing it: this node's block
    /// limits, and a timestamp not too far ahead of its own clock (the runtime checks that it
    /// increases).
    pub(super) fn check_proposed(&self, block: &Block) -> Result<(), String> {
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
}
