//! How many transactions this node's next block takes: as many as its recent blocks say it
//! can execute in a quarter of the propose timeout, within `[blocks] txs_max`.
//!
//! The peers must receive a proposal and execute it again before their propose timeout, or they
//! vote nil and the height takes another round, every validator's work on the block wasted. A
//! block's time grows with its transactions and with the machine's load, so a fixed size is
//! too large on a busy or slow machine and too small on a fast one: on a 2-core VM running four
//! validators at the maximum rate, 5,000-transaction blocks made 0.3 heights a second (1,250
//! tx/s) and 1,000-transaction ones 1.75 (docs/performance.md). A quarter leaves the rest of
//! the timeout to streaming and to the peers' execution, which shares the machine's cores. A
//! proposer's choice, not a rule: validators accept any block up to `txs_max`.

use std::time::Duration;

/// The fewest transactions the estimate may choose, so one slow block cannot starve the next.
const TXS_FLOOR: usize = 128;
/// Blocks with fewer transactions say more of the height's fixed cost than of a transaction's.
const SAMPLE_TXS_MIN: usize = 32;

/// The time a transaction took in this node's recent blocks (its own and its peers').
#[derive(Debug, Default)]
pub(super) struct BlockSizing {
    /// Nanoseconds a transaction, averaged over recent blocks (each new block a quarter).
    per_tx_ns: Option<u128>,
}

impl BlockSizing {
    /// Notes that a block of `txs` transactions took `took` to execute.
    pub(super) fn observe(&mut self, txs: usize, took: Duration) {
        if txs < SAMPLE_TXS_MIN {
            return;
        }
        let sample = took.as_nanos() / txs as u128;
        self.per_tx_ns = Some(match self.per_tx_ns {
            None => sample,
            Some(mean) => (3 * mean + sample) / 4,
        });
    }

    /// The most transactions the next block should take, with `txs_max` the configured limit
    /// and `propose` the propose timeout.
    pub(super) fn txs_max(&self, txs_max: usize, propose: Duration) -> usize {
        // Nothing measured yet (a node just started, or a chain that was idle): the floor,
        // not the limit. A first block at the limit, under load on a slow machine or an
        // sm2-sm3 chain, misses the timeout round after round until some proposer has
        // measured one; a block at the floor measures the machine for the next.
        let Some(per_tx) = self.per_tx_ns.filter(|ns| *ns > 0) else {
            return TXS_FLOOR.min(txs_max);
        };
        let fits = (propose.as_nanos() / 4 / per_tx).min(usize::MAX as u128) as usize;
        fits.clamp(TXS_FLOOR.min(txs_max), txs_max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: fn(u64) -> Duration = Duration::from_millis;

    #[test]
    fn blocks_fit_a_quarter_of_the_propose_timeout_within_the_limit() {
        let mut sizing = BlockSizing::default();
        assert_eq!(
            sizing.txs_max(5_000, MS(500)),
            TXS_FLOOR,
            "nothing measured yet: the floor"
        );
        assert_eq!(sizing.txs_max(50, MS(500)), 50, "or the limit below it");
        sizing.observe(1_000, MS(250));
        assert_eq!(sizing.txs_max(5_000, MS(500)), 500, "250 µs a transaction");
        assert_eq!(sizing.txs_max(300, MS(500)), 300, "never past the limit");
        sizing.observe(10, MS(1_000));
        assert_eq!(
            sizing.txs_max(5_000, MS(500)),
            500,
            "a tiny block says nothing"
        );
        for _ in 0..20 {
            sizing.observe(1_000, MS(25));
        }
        assert!(
            sizing.txs_max(5_000, MS(500)) > 4_000,
            "a faster machine: larger blocks"
        );
        for _ in 0..20 {
            sizing.observe(1_000, MS(60_000));
        }
        assert_eq!(
            sizing.txs_max(5_000, MS(500)),
            TXS_FLOOR,
            "never below the floor"
        );
        assert_eq!(sizing.txs_max(50, MS(500)), 50);
    }
}
