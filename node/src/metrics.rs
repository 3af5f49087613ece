//! The node's counters, served at `/metrics` in the Prometheus text format.

use std::fmt::Write;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// A node that applied a value from sync this recently counts as catching up.
const SYNCING_WINDOW: Duration = Duration::from_secs(2);

/// Upper bounds of the round-duration histogram, in seconds.
const ROUND_BUCKETS_S: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// Counters the consensus loop updates and `/metrics` reads.
#[derive(Debug, Default)]
pub struct Metrics {
    finalized_txs: AtomicU64,
    blocks: AtomicU64,
    round_buckets: [AtomicU64; ROUND_BUCKETS_S.len()],
    round_count: AtomicU64,
    round_sum_us: AtomicU64,
    last_synced: Mutex<Option<Instant>>,
}

/// Gauges read at scrape time.
#[derive(Debug, Clone, Copy)]
pub struct Gauges {
    /// The finalized height.
    pub height: u64,
    /// Transactions waiting in the mempool.
    pub mempool_txs: usize,
    /// Their encoded bytes.
    pub mempool_bytes: usize,
    /// Connected peers.
    pub peers: usize,
}

impl Metrics {
    /// A block with `txs` transactions was committed; its height took `round` from the start of
    /// the deciding round.
    pub fn committed(&self, txs: usize, round: Option<Duration>) {
        self.blocks.fetch_add(1, Ordering::Relaxed);
        self.finalized_txs
            .fetch_add(u64::try_from(txs).unwrap_or(u64::MAX), Ordering::Relaxed);
        if let Some(round) = round {
            let seconds = round.as_secs_f64();
            if let Some(i) = ROUND_BUCKETS_S.iter().position(|b| seconds <= *b) {
                self.round_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
            self.round_count.fetch_add(1, Ordering::Relaxed);
            self.round_sum_us.fetch_add(
                u64::try_from(round.as_micros()).unwrap_or(u64::MAX),
                Ordering::Relaxed,
            );
        }
    }

    /// A decided value arrived by sync (this node is behind and catching up).
    pub fn synced_value(&self) {
        if let Ok(mut last) = self.last_synced.lock() {
            *last = Some(Instant::now());
        }
    }

    /// Whether the node is catching up: it applied a value from sync in the last two seconds.
    pub fn syncing(&self) -> bool {
        self.last_synced
            .lock()
            .ok()
            .and_then(|last| *last)
            .is_some_and(|at| at.elapsed() < SYNCING_WINDOW)
    }

    /// The Prometheus text exposition of the counters and `gauges`.
    pub fn render(&self, gauges: Gauges) -> String {
        let mut out = String::new();
        let mut metric = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}"
            );
        };
        metric(
            "hengxin_height",
            "gauge",
            "The last finalized height.",
            gauges.height.to_string(),
        );
        metric(
            "hengxin_finalized_transactions_total",
            "counter",
            "Transactions finalized since the node started.",
            self.finalized_txs.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "hengxin_blocks_committed_total",
            "counter",
            "Blocks committed since the node started.",
            self.blocks.load(Ordering::Relaxed).to_string(),
        );
        metric(
            "hengxin_mempool_transactions",
            "gauge",
            "Transactions waiting in the mempool.",
            gauges.mempool_txs.to_string(),
        );
        metric(
            "hengxin_mempool_bytes",
            "gauge",
            "Encoded bytes of the transactions waiting in the mempool.",
            gauges.mempool_bytes.to_string(),
        );
        metric(
            "hengxin_peers",
            "gauge",
            "Connected peers (transaction gossip).",
            gauges.peers.to_string(),
        );
        metric(
            "hengxin_syncing",
            "gauge",
            "1 while the node catches up by sync.",
            u8::from(self.syncing()).to_string(),
        );
        let name = "hengxin_round_duration_seconds";
        let _ = writeln!(
            out,
            "# HELP {name} From the start of the deciding round to the block's commit.\n# TYPE {name} histogram"
        );
        let mut cumulative = 0;
        for (bound, count) in ROUND_BUCKETS_S.iter().zip(&self.round_buckets) {
            cumulative += count.load(Ordering::Relaxed);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = self.round_count.load(Ordering::Relaxed);
        let sum = self.round_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {sum}\n{name}_count {count}");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.committed(3, Some(Duration::from_millis(30)));
        m.committed(0, Some(Duration::from_millis(700)));
        m.committed(2, None);
        let text = m.render(Gauges {
            height: 9,
            mempool_txs: 4,
            mempool_bytes: 1000,
            peers: 3,
        });
        assert!(text.contains("\nhengxin_height 9\n"), "{text}");
        assert!(text.contains("\nhengxin_finalized_transactions_total 5\n"));
        assert!(text.contains("hengxin_round_duration_seconds_bucket{le=\"0.05\"} 1\n"));
        assert!(text.contains("hengxin_round_duration_seconds_bucket{le=\"1\"} 2\n"));
        assert!(text.contains("hengxin_round_duration_seconds_count 2\n"));
    }
}
