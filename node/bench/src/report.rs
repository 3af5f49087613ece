//! The results: statistics over the window, under the contract's JSON names, and a table for
//! people.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde::Serialize;

use crate::load::Counters;
use crate::schedule::Rate;
use crate::watch::{Observed, SampleCheck};

/// What every run knows before its load: the network and the machine.
pub struct Context {
    /// Validators.
    pub validators: usize,
    /// The window, seconds.
    pub duration_s: u64,
    /// The chain's scheme.
    pub crypto: hengxin_primitives::crypto::Scheme,
    /// One core's ed25519 strict verifications per second, the same way.
    pub ed25519_verify_per_core: f64,
    /// One core's SM2 verifications per second, the same way.
    pub sm2_verify_per_core: f64,
    /// This machine's cores.
    pub cores: usize,
    /// What signature checking alone would allow: every validator checks every transaction once,
    /// and all of them share this machine's cores.
    pub ceiling_tps: f64,
    /// The 1-minute load average before the run.
    pub load_average: Option<f64>,
    /// Whether each node ran pinned to one core (`--pin`).
    pub pinned: bool,
}

/// The load as offered.
pub struct Offered {
    /// Its rate.
    pub rate: Rate,
    /// Labs signing it.
    pub labs: usize,
    /// Transactions per request.
    pub batch: usize,
}

/// The results, with the contract's names.
#[derive(Serialize)]
pub struct Results {
    mode: &'static str,
    validators: usize,
    pinned: bool,
    duration_s: u64,
    offered_rate: serde_json::Value,
    labs: usize,
    batch: usize,
    requests: u64,
    submitted: u64,
    accepted: u64,
    retried: u64,
    unanswered_requests: u64,
    refused: BTreeMap<String, u64>,
    finalized: u64,
    finalized_tps: f64,
    blocks: u64,
    blocks_per_s: f64,
    latency_ms: Latency,
    crypto: &'static str,
    ed25519_verify_per_core_s: f64,
    sm2_verify_per_core_s: f64,
    cores: usize,
    ceiling_tps: f64,
    ceiling_fraction: f64,
    disk_bytes_per_tx: Option<f64>,
    nodes: Vec<NodeResult>,
    bench_cpu_s: f64,
    load_average_before: Option<f64>,
    load_exhausted: bool,
    sample_checked: usize,
    sample_rejected: usize,
}

/// Submit-to-finalized latency percentiles, ms (none without a finalized transaction of the
/// load).
#[derive(Serialize)]
struct Latency {
    p50: Option<f64>,
    p90: Option<f64>,
    p99: Option<f64>,
}

/// One validator's costs over the window.
#[derive(Serialize)]
struct NodeResult {
    cpu_s: f64,
    cpu_s_per_tx: Option<f64>,
    peak_rss_bytes: u64,
    disk_growth_bytes: i64,
    disk_bytes_per_tx: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    idle_disk_bytes_per_day: Option<f64>,
}

/// The results of a load run.
pub fn load(
    context: &Context,
    offered: &Offered,
    observed: &Observed,
    counters: &Counters,
    sample: SampleCheck,
) -> Results {
    let mut results = common(context, observed, "load");
    results.offered_rate = match offered.rate {
        Rate::Max => serde_json::json!("max"),
        Rate::PerSecond(rate) => serde_json::json!(rate),
    };
    results.labs = offered.labs;
    results.batch = offered.batch;
    let read = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
    results.requests = read(&counters.requests);
    results.submitted = read(&counters.submitted);
    results.accepted = read(&counters.accepted);
    results.retried = read(&counters.retried);
    results.unanswered_requests = read(&counters.unanswered);
    results.refused = counters
        .refused
        .lock()
        .map(|r| r.clone())
        .unwrap_or_default();
    results.load_exhausted = counters.exhausted.load(Ordering::Relaxed);
    results.sample_checked = sample.checked;
    results.sample_rejected = sample.rejected;
    results
}

/// The results of an idle run: each node's disk growth over the window, extrapolated to a day.
pub fn idle(context: &Context, observed: &Observed) -> Results {
    let mut results = common(context, observed, "idle");
    let window = context.duration_s as f64;
    for node in &mut results.nodes {
        node.idle_disk_bytes_per_day = Some(node.disk_growth_bytes as f64 * 86_400.0 / window);
    }
    results
}

/// What load and idle runs share: throughput, latency, the ceiling and each node's costs.
fn common(context: &Context, observed: &Observed, mode: &'static str) -> Results {
    let window = context.duration_s as f64;
    let finalized_tps = observed.finalized as f64 / window;
    let per_tx = |total: f64| (observed.finalized > 0).then(|| total / observed.finalized as f64);
    let nodes: Vec<NodeResult> = observed
        .start
        .iter()
        .zip(&observed.end)
        .zip(&observed.peak_rss)
        .map(|((start, end), &peak_rss_bytes)| {
            let cpu_s = end.cpu_s - start.cpu_s;
            let growth = end.disk_bytes as i64 - start.disk_bytes as i64;
            NodeResult {
                cpu_s,
                cpu_s_per_tx: per_tx(cpu_s),
                peak_rss_bytes,
                disk_growth_bytes: growth,
                disk_bytes_per_tx: per_tx(growth as f64),
                idle_disk_bytes_per_day: None,
            }
        })
        .collect();
    let disk: Vec<f64> = nodes.iter().filter_map(|n| n.disk_bytes_per_tx).collect();
    Results {
        mode,
        validators: context.validators,
        pinned: context.pinned,
        duration_s: context.duration_s,
        offered_rate: serde_json::json!(0),
        labs: 0,
        batch: 0,
        requests: 0,
        submitted: 0,
        accepted: 0,
        retried: 0,
        unanswered_requests: 0,
        refused: BTreeMap::new(),
        finalized: observed.finalized,
        finalized_tps,
        blocks: observed.blocks,
        blocks_per_s: observed.blocks as f64 / window,
        latency_ms: latency(&observed.latencies),
        crypto: context.crypto.name(),
        ed25519_verify_per_core_s: context.ed25519_verify_per_core,
        sm2_verify_per_core_s: context.sm2_verify_per_core,
        cores: context.cores,
        ceiling_tps: context.ceiling_tps,
        ceiling_fraction: finalized_tps / context.ceiling_tps,
        disk_bytes_per_tx: (!disk.is_empty()).then(|| disk.iter().sum::<f64>() / disk.len() as f64),
        nodes,
        bench_cpu_s: observed.bench_cpu_s,
        load_average_before: context.load_average,
        load_exhausted: false,
        sample_checked: 0,
        sample_rejected: 0,
    }
}

/// The nearest-rank 50th, 90th and 99th percentiles of `latencies`, ms.
fn latency(latencies: &[Duration]) -> Latency {
    let mut sorted = latencies.to_vec();
    sorted.sort_unstable();
    let percentile = |p: usize| {
        let rank = (sorted.len() * p).div_ceil(100).max(1);
        sorted.get(rank - 1).map(|d| d.as_secs_f64() * 1e3)
    };
    Latency {
        p50: percentile(50),
        p90: percentile(90),
        p99: percentile(99),
    }
}

/// The results as a table: the run, then one line per node.
pub fn table(r: &Results) -> String {
    let mut out = String::new();
    let offered = match &r.offered_rate {
        serde_json::Value::String(s) => s.clone(),
        rate => format!("{rate} tx/s"),
    };
    let load = r
        .load_average_before
        .map_or("-".into(), |l| format!("{l:.2}"));
    let _ = writeln!(
        out,
        "hengxin-bench: {} validators{}, {} mode, {} s window after 1 s warm-up (load average \
         before: {load})",
        r.validators,
        if r.pinned {
            ", each node pinned to one core"
        } else {
            ""
        },
        r.mode,
        r.duration_s
    );
    if r.mode == "load" {
        let _ = writeln!(
            out,
            "offered {offered} from {} labs, at most {} per request\n\
             {} requests; submitted {}, accepted {}, retried {}, unanswered requests {}, refused {}",
            r.labs,
            r.batch,
            r.requests,
            r.submitted,
            r.accepted,
            r.retried,
            r.unanswered_requests,
            refused(&r.refused)
        );
    }
    out + &throughput(r) + &per_node(r)
}

/// The table's lines on throughput, latency and the ceiling.
fn throughput(r: &Results) -> String {
    let mut out = String::new();
    let ms = |v: Option<f64>| v.map_or("-".into(), |v| format!("{v:.0} ms"));
    let _ = writeln!(
        out,
        "finalized {} transactions in {} blocks: {:.1} tx/s, {:.2} blocks/s\n\
         latency submit → finalized (seen at node 0): p50 {}, p90 {}, p99 {}\n\
         ceiling: {:.0} {} verifications/s per core × {} cores / {} validators = {:.0} tx/s; \
         finalized is {:.3} of it (per core: ed25519 {:.0}/s, SM2 {:.0}/s)",
        r.finalized,
        r.blocks,
        r.finalized_tps,
        r.blocks_per_s,
        ms(r.latency_ms.p50),
        ms(r.latency_ms.p90),
        ms(r.latency_ms.p99),
        if r.crypto == "sm2-sm3" {
            r.sm2_verify_per_core_s
        } else {
            r.ed25519_verify_per_core_s
        },
        r.crypto,
        r.cores,
        r.validators,
        r.ceiling_tps,
        r.ceiling_fraction,
        r.ed25519_verify_per_core_s,
        r.sm2_verify_per_core_s
    );
    out
}

/// The table's lines on each node's costs, and the bench's own.
fn per_node(r: &Results) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<8} {:>8} {:>11} {:>13} {:>16} {:>10} {:>15}",
        "node",
        "cpu s",
        "cpu ms/tx",
        "peak RSS MiB",
        "disk growth MiB",
        "disk B/tx",
        "idle disk MiB/d"
    );
    for (i, n) in r.nodes.iter().enumerate() {
        let or_dash = |v: Option<f64>, scale: f64, digits: usize| {
            v.map_or("-".into(), |v| format!("{:.digits$}", v * scale))
        };
        let _ = writeln!(
            out,
            "{:<8} {:>8.2} {:>11} {:>13.1} {:>16.2} {:>10} {:>15}",
            format!("node-{i}"),
            n.cpu_s,
            or_dash(n.cpu_s_per_tx, 1e3, 3),
            n.peak_rss_bytes as f64 / MIB,
            n.disk_growth_bytes as f64 / MIB,
            or_dash(n.disk_bytes_per_tx, 1.0, 0),
            or_dash(n.idle_disk_bytes_per_day, 1.0 / MIB, 2)
        );
    }
    let _ = writeln!(
        out,
        "the bench itself (submitting and watching) used {:.2} CPU-s in the window",
        r.bench_cpu_s
    );
    if let Some(disk) = r.disk_bytes_per_tx {
        let _ = writeln!(
            out,
            "disk bytes per finalized transaction, mean of the nodes: {disk:.0}"
        );
    }
    if r.sample_rejected > 0 {
        let _ = writeln!(
            out,
            "{} of {} finalized transactions looked up were rejected by the runtime",
            r.sample_rejected, r.sample_checked
        );
    }
    out
}

/// Bytes in a MiB.
const MIB: f64 = 1024.0 * 1024.0;

/// Refusals by code, `none` when there were none.
fn refused(refused: &BTreeMap<String, u64>) -> String {
    if refused.is_empty() {
        return "none".into();
    }
    let parts: Vec<String> = refused
        .iter()
        .map(|(code, n)| format!("{code} {n}"))
        .collect();
    parts.join(", ")
}
