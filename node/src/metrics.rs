//! The node's metrics, kept in a `prometheus-client` registry and served at `/metrics` in the
//! OpenMetrics text format, followed by the consensus engine's own metrics.
//!
//! Malachite keeps its metrics (consensus rounds and time per block, sync, the consensus
//! network with its libp2p swarm, gossipsub, identify and ping families) in one process-wide
//! registry, `SharedRegistry::global()`, labelled with the node's moniker; it can only be read
//! by encoding it (`malachite_metrics::export`). So a scrape encodes hengxin's registry, then
//! the engine's, which ends the exposition with its `# EOF`. A process running several nodes
//! (the in-process tests) serves every node's engine metrics from each, told
//! apart by their `moniker` label. The transaction gossip's own swarm keeps no metrics.

use std::sync::Mutex;
use std::sync::atomic::AtomicU64;
use std::time::{Duration, Instant};

use malachite_app_channel::app::metrics as malachite_metrics;
use prometheus_client::encoding::text::{encode_eof, encode_registry};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

/// A node that applied a value from sync this recently counts as catching up.
const SYNCING_WINDOW: Duration = Duration::from_secs(2);

/// Upper bounds of the round-duration histogram, in seconds.
const ROUND_BUCKETS_S: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

/// A gauge of a count.
type CountGauge = Gauge<u64, AtomicU64>;

/// Counters labelled by stage.
type ByStage<C> = Family<[(&'static str, &'static str); 1], C>;

/// The stages of a transaction's way through a node that the node times: where its CPU goes,
/// on the API's workers and on the consensus loop (the engine's rounds are in
/// `hengxin_round_duration_seconds`, Malachite's own in its metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// A submitted or gossiped transaction checked (signature, chain, nonce) and pooled.
    Admission,
    /// This node's block built from the pool and executed.
    Propose,
    /// This node's block encoded and streamed as proposal parts.
    Stream,
    /// A peer's parts reassembled into a block.
    Reassemble,
    /// A peer's block (proposed, or from sync) executed and checked.
    Execute,
    /// A decided block, its certificate and state written to sled in one batch, and flushed.
    Commit,
}

impl Stage {
    fn label(self) -> [(&'static str, &'static str); 1] {
        let name = match self {
            Stage::Admission => "admission",
            Stage::Propose => "propose",
            Stage::Stream => "stream",
            Stage::Reassemble => "reassemble",
            Stage::Execute => "execute",
            Stage::Commit => "commit",
        };
        [("stage", name)]
    }
}

/// The counters the consensus loop updates, the gauges set at scrape time, and the registry
/// `/metrics` encodes.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    height: CountGauge,
    finalized_txs: Counter,
    blocks: Counter,
    mempool_txs: CountGauge,
    mempool_bytes: CountGauge,
    peers: CountGauge,
    syncing: CountGauge,
    round: Histogram,
    stage_seconds: ByStage<Counter<f64, AtomicU64>>,
    stage_calls: ByStage<Counter>,
    last_synced: Mutex<Option<Instant>>,
    /// Whether a scrape also encodes the engine's registry.
    engine: bool,
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

impl Default for Metrics {
    /// Hengxin's metrics alone (no engine's).
    fn default() -> Metrics {
        Metrics::new(false)
    }
}

impl Metrics {
    /// Hengxin's metrics, served with the consensus engine's: a running node's.
    pub fn with_engine() -> Metrics {
        Metrics::new(true)
    }

    fn new(engine: bool) -> Metrics {
        let metrics = Metrics {
            registry: Registry::default(),
            height: Gauge::default(),
            finalized_txs: Counter::default(),
            blocks: Counter::default(),
            mempool_txs: Gauge::default(),
            mempool_bytes: Gauge::default(),
            peers: Gauge::default(),
            syncing: Gauge::default(),
            round: Histogram::new(ROUND_BUCKETS_S),
            stage_seconds: Family::default(),
            stage_calls: Family::default(),
            last_synced: Mutex::new(None),
            engine,
        };
        metrics.registered()
    }

    /// These metrics with their registry filled: the names the README lists.
    fn registered(mut self) -> Metrics {
        let gauges = [
            ("hengxin_height", "The last finalized height", &self.height),
            (
                "hengxin_mempool_transactions",
                "Transactions waiting in the mempool",
                &self.mempool_txs,
            ),
            (
                "hengxin_mempool_bytes",
                "Encoded bytes of the transactions waiting in the mempool",
                &self.mempool_bytes,
            ),
            (
                "hengxin_peers",
                "Connected peers (transaction gossip)",
                &self.peers,
            ),
            (
                "hengxin_syncing",
                "1 while the node catches up by sync",
                &self.syncing,
            ),
        ];
        for (name, help, gauge) in gauges {
            self.registry.register(name, help, gauge.clone());
        }
        // Counters are registered without `_total`: the encoder appends it to the sample name,
        // so the served series are `hengxin_finalized_transactions_total` and
        // `hengxin_blocks_committed_total`.
        let counters = [
            (
                "hengxin_finalized_transactions",
                "Transactions finalized since the node started",
                &self.finalized_txs,
            ),
            (
                "hengxin_blocks_committed",
                "Blocks committed since the node started",
                &self.blocks,
            ),
        ];
        for (name, help, counter) in counters {
            self.registry.register(name, help, counter.clone());
        }
        // The unit is appended to the name: `hengxin_round_duration_seconds`.
        self.registry.register_with_unit(
            "hengxin_round_duration",
            "From the start of the deciding round to the block's commit",
            Unit::Seconds,
            self.round.clone(),
        );
        self.registry.register_with_unit(
            "hengxin_stage",
            "Time spent in each stage of a transaction's way through the node",
            Unit::Seconds,
            self.stage_seconds.clone(),
        );
        self.registry.register(
            "hengxin_stage_calls",
            "Times each stage ran",
            self.stage_calls.clone(),
        );
        self
    }

    /// Runs `work`, adding its time to `stage`'s.
    pub fn timed<T>(&self, stage: Stage, work: impl FnOnce() -> T) -> T {
        let start = Instant::now();
        let out = work();
        let label = stage.label();
        self.stage_seconds
            .get_or_create(&label)
            .inc_by(start.elapsed().as_secs_f64());
        self.stage_calls.get_or_create(&label).inc();
        out
    }

    /// A block with `txs` transactions was committed; its height took `round` from the start of
    /// the deciding round.
    pub fn committed(&self, txs: usize, round: Option<Duration>) {
        self.blocks.inc();
        self.finalized_txs
            .inc_by(u64::try_from(txs).unwrap_or(u64::MAX));
        if let Some(round) = round {
            self.round.observe(round.as_secs_f64());
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

    /// The OpenMetrics text exposition of hengxin's metrics with `gauges`, then the engine's
    /// (when this serves them), ending in `# EOF`.
    pub fn render(&self, gauges: Gauges) -> String {
        let count = |n: usize| u64::try_from(n).unwrap_or(u64::MAX);
        self.height.set(gauges.height);
        self.mempool_txs.set(count(gauges.mempool_txs));
        self.mempool_bytes.set(count(gauges.mempool_bytes));
        self.peers.set(count(gauges.peers));
        self.syncing.set(u64::from(self.syncing()));
        let mut out = String::new();
        // The encoders fail only when their writer does, and writing to a `String` cannot.
        let _ = encode_registry(&mut out, &self.registry);
        if self.engine {
            // The engine's registry, then its `# EOF`.
            malachite_metrics::export(&mut out);
        } else {
            let _ = encode_eof(&mut out);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(m: &Metrics) -> String {
        m.render(Gauges {
            height: 9,
            mempool_txs: 4,
            mempool_bytes: 1000,
            peers: 3,
        })
    }

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.committed(3, Some(Duration::from_millis(30)));
        m.committed(0, Some(Duration::from_millis(700)));
        m.committed(2, None);
        let text = render(&m);
        assert!(text.contains("\nhengxin_height 9\n"), "{text}");
        assert!(text.contains("\nhengxin_finalized_transactions_total 5\n"));
        assert!(text.contains("\nhengxin_blocks_committed_total 3\n"));
        assert!(text.contains("\nhengxin_mempool_transactions 4\n"));
        assert!(text.contains("\nhengxin_mempool_bytes 1000\n"));
        assert!(text.contains("\nhengxin_peers 3\n"));
        assert!(text.contains("\nhengxin_syncing 0\n"));
        assert!(text.contains("# TYPE hengxin_round_duration_seconds histogram\n"));
        assert!(text.contains("hengxin_round_duration_seconds_bucket{le=\"0.025\"} 0\n"));
        assert!(text.contains("hengxin_round_duration_seconds_bucket{le=\"0.05\"} 1\n"));
        assert!(text.contains("hengxin_round_duration_seconds_bucket{le=\"1.0\"} 2\n"));
        assert!(text.contains("hengxin_round_duration_seconds_bucket{le=\"+Inf\"} 2\n"));
        assert!(text.contains("hengxin_round_duration_seconds_count 2\n"));
        assert!(text.ends_with("\n# EOF\n"), "{text}");
        assert_eq!(text.matches("# EOF").count(), 1);
    }

    #[test]
    fn stages_add_up_their_time_and_calls() {
        let m = Metrics::default();
        let got = m.timed(Stage::Execute, || {
            std::thread::sleep(Duration::from_millis(20));
            7
        });
        assert_eq!(got, 7);
        m.timed(Stage::Execute, || ());
        let text = render(&m);
        assert!(
            text.contains("\nhengxin_stage_calls_total{stage=\"execute\"} 2\n"),
            "{text}"
        );
        let seconds: f64 = text
            .lines()
            .find_map(|l| l.strip_prefix("hengxin_stage_seconds_total{stage=\"execute\"} "))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("no execute seconds in {text}"));
        assert!(seconds >= 0.02, "{seconds}");
        assert!(
            !text.contains("stage=\"commit\""),
            "a stage that never ran has no series"
        );
    }

    #[test]
    fn serves_the_engines_registry_after_its_own() {
        // What the engine's builder does at start: register its consensus metrics in the global
        // registry under the node's moniker.
        let registry = malachite_metrics::SharedRegistry::global().with_moniker("metrics-test");
        let _engine = malachite_metrics::Metrics::register(&registry);
        let text = render(&Metrics::with_engine());
        let ours = text.find("\nhengxin_height 9\n");
        let engines = text.find("malachitebft_core_consensus_height{moniker=\"metrics-test\"}");
        assert!(
            ours.is_some() && engines.is_some() && ours < engines,
            "{text}"
        );
        assert!(text.ends_with("\n# EOF\n"), "{text}");
        assert_eq!(text.matches("# EOF").count(), 1, "{text}");
        assert!(
            !render(&Metrics::default()).contains("malachitebft_"),
            "the default serves hengxin's alone"
        );
    }
}
