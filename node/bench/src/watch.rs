//! Watching the window (by the run's clock): node 0's finalized heights polled every few ms (each
//! block's time is when its height was first seen), each transaction's latency, the nodes'
//! counters at the window's start and end, and a check that the load was not refused in blocks.

use std::sync::atomic::Ordering;
use std::time::Duration;

use hengxin_api_types::{BlockView, Health, TxState, TxStatus};
use hengxin_primitives::Hash;

use crate::http;
use crate::load::{Counters, Load};
use crate::network::{Network, NodeSample, check_interrupted, own_cpu_seconds};
use crate::schedule::Clock;

/// How often node 0's height is polled under load (each poll costs node 0 and this process a
/// little CPU: about 0.03 CPU-s a second each).
const POLL: Duration = Duration::from_millis(5);
/// How often it is polled when idle: blocks come a heartbeat apart, and polling would be most
/// of node 0's CPU.
const IDLE_POLL: Duration = Duration::from_millis(100);
/// How many of the load's finalized transactions are looked up after the run.
const SAMPLE_CHECKED: usize = 32;

/// What the window showed.
pub struct Observed {
    /// Blocks seen finalized in it.
    pub blocks: u64,
    /// Transactions in those blocks.
    pub finalized: u64,
    /// Submit-to-finalized latency of each of the load's transactions among them.
    pub latencies: Vec<Duration>,
    /// Every node's counters at the window's start and at its end.
    pub start: Vec<NodeSample>,
    /// At the end.
    pub end: Vec<NodeSample>,
    /// Every node's peak resident memory at the end, bytes.
    pub peak_rss: Vec<u64>,
    /// A few of the load's transactions finalized in the window (one a block), to look up.
    pub sample: Vec<Hash>,
    /// The CPU time this process (its submitting workers and this watcher) used in the window.
    pub bench_cpu_s: f64,
}

/// Watches node 0 until the window ends, with `load` (and what its workers count) running,
/// and prints progress each second.
pub fn measure(
    network: &mut Network,
    load: Option<(&Load, &Counters)>,
    clock: &Clock,
) -> anyhow::Result<Observed> {
    let agent = http::agent();
    let url = network.nodes[0].url.clone();
    let mut observed = Observed {
        blocks: 0,
        finalized: 0,
        latencies: Vec::new(),
        start: Vec::new(),
        end: Vec::new(),
        peak_rss: Vec::new(),
        sample: Vec::new(),
        bench_cpu_s: 0.0,
    };
    let mut seen = height(network, &agent, &url)?;
    let mut progress = Duration::from_secs(1);
    loop {
        check_interrupted()?;
        let now = clock.start.elapsed();
        if observed.start.is_empty() && now >= clock.window_start {
            observed.start = network.sample()?;
            observed.bench_cpu_s = -own_cpu_seconds()?;
        }
        if now >= clock.window_end {
            observed.end = network.sample()?;
            observed.bench_cpu_s += own_cpu_seconds()?;
            observed.peak_rss = network.peak_rss()?;
            network.save_metrics();
            return Ok(observed);
        }
        let head = height(network, &agent, &url)?;
        let seen_at = clock.start.elapsed();
        if clock.in_window(seen_at) {
            for h in seen + 1..=head {
                let block: BlockView = http::get(&agent, &format!("{url}/v1/blocks/{h}"))?;
                observed.count(&block, seen_at, load.map(|(load, _)| load));
            }
        }
        seen = head;
        if now >= progress {
            network.check_alive()?;
            eprintln!("{}", progress_line(now, clock, head, &observed, load));
            progress += Duration::from_secs(1);
        }
        std::thread::sleep(if load.is_some() { POLL } else { IDLE_POLL });
    }
}

impl Observed {
    /// Counts `block`, seen finalized at `seen_at`, and its transactions of `load`.
    fn count(&mut self, block: &BlockView, seen_at: Duration, load: Option<&Load>) {
        self.blocks += 1;
        self.finalized += block.transactions.len() as u64;
        let Some(load) = load else {
            return;
        };
        let mut sampled = false;
        for hash in &block.transactions {
            if let Some(sent) = load.sent_at(hash) {
                self.latencies.push(seen_at.saturating_sub(sent));
                if !sampled {
                    self.sample.push(*hash);
                    sampled = true;
                }
            }
        }
    }
}

/// Node 0's finalized height; when it does not answer, an error that says whether it exited.
fn height(network: &mut Network, agent: &ureq::Agent, url: &str) -> anyhow::Result<u64> {
    match http::get::<Health>(agent, &format!("{url}/v1/health")) {
        Ok(health) => Ok(health.height),
        Err(e) => {
            network.check_alive()?;
            Err(e)
        }
    }
}

/// One second's progress: the time, the height, and in the window what was submitted and
/// finalized so far.
fn progress_line(
    now: Duration,
    clock: &Clock,
    head: u64,
    observed: &Observed,
    load: Option<(&Load, &Counters)>,
) -> String {
    let phase = if now < clock.window_start {
        "warm-up"
    } else {
        "window"
    };
    let submitted = load.map_or(String::new(), |(_, counters)| {
        format!(
            ", submitted {} (accepted {}, retried {})",
            counters.submitted.load(Ordering::Relaxed),
            counters.accepted.load(Ordering::Relaxed),
            counters.retried.load(Ordering::Relaxed)
        )
    });
    format!(
        "[{:5.1} s {phase}] height {head}{submitted}, finalized {} in {} blocks",
        now.as_secs_f64(),
        observed.finalized,
        observed.blocks
    )
}

/// What looking up a few finalized transactions of the load found.
pub struct SampleCheck {
    /// How many were looked up.
    pub checked: usize,
    /// How many were finalized as rejected.
    pub rejected: usize,
    /// The first rejection's error code.
    pub first_error: Option<String>,
}

/// Looks up at most [`SAMPLE_CHECKED`] of `sample`, spread over it, at `url`: a block may hold
/// transactions the runtime refused, which count as finalized but did nothing.
pub fn check_sample(
    agent: &ureq::Agent,
    url: &str,
    sample: &[Hash],
) -> anyhow::Result<SampleCheck> {
    let step = sample.len().div_ceil(SAMPLE_CHECKED).max(1);
    let mut check = SampleCheck {
        checked: 0,
        rejected: 0,
        first_error: None,
    };
    for hash in sample.iter().step_by(step) {
        let status: TxStatus = http::get(agent, &format!("{url}/v1/transactions/{hash}"))?;
        check.checked += 1;
        if status.status == TxState::Rejected {
            check.rejected += 1;
            if check.first_error.is_none() {
                check.first_error = status.error.map(|e| e.code);
            }
        }
    }
    if check.rejected > 0 {
        eprintln!(
            "warning: {} of {} finalized transactions looked up were rejected by the runtime ({})",
            check.rejected,
            check.checked,
            check.first_error.as_deref().unwrap_or("no code")
        );
    }
    Ok(check)
}
