//! The load: certificate anchors of every lab, signed before the clock starts, and the workers
//! that submit them open-loop on a fixed schedule, through every node.
//!
//! Transaction i of the schedule is lab `i % K`'s transaction `i / K` (its nonces consecutive),
//! due at `start + i / rate`. Lab k's transactions always go to node `k % N`, through the same
//! worker, so its nonces arrive in order; each node has up to [`WORKERS_PER_NODE`] workers,
//! each with its own connection, so many requests are in flight at once.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread::Scope;
use std::time::Duration;

use hengxin_api_types::BATCH_BYTES_MAX;
use hengxin_chain_spec::demo;
use hengxin_primitives::{CertNumber, Date, Hash, TxPayload};
use parity_scale_codec::Encode;

use crate::http::{self, Answer};
use crate::labs::Lab;
use crate::schedule::{Clock, Rate};

/// Workers (threads, each with its own connection) per node.
const WORKERS_PER_NODE: usize = 4;
/// The longest a due transaction waits for its batch to fill before the batch goes as it is.
const LINGER: Duration = Duration::from_millis(20);
/// The pause before a transaction the node could not take yet is sent again; it doubles while
/// a node takes none of a worker's batch, up to [`RETRY_PAUSE_MAX`], as a polite client backs
/// off (every refused transaction still costs the node a decode and a signature check).
const RETRY_PAUSE: Duration = Duration::from_millis(20);
/// The longest pause before a retry.
const RETRY_PAUSE_MAX: Duration = Duration::from_millis(640);
/// The longest a worker sleeps before it looks at the stop flag again.
const NAP: Duration = Duration::from_millis(20);
/// Room in a batch's body for the length prefixes.
const PREFIX_BYTES: usize = 5;

/// One signed transaction of the load.
pub struct Signed {
    /// Its SCALE encoding, as submitted.
    pub bytes: Vec<u8>,
    /// Its hash, as blocks list it.
    pub hash: Hash,
}

/// The whole load, signed: `per_lab[k][j]` is schedule number `j * K + k`.
pub struct Load {
    per_lab: Vec<Vec<Signed>>,
    index: HashMap<Hash, usize>,
    /// When each transaction was last sent, in ns after the clock's start plus 1 (0: never).
    sent: Vec<AtomicU64>,
}

impl Load {
    /// Signs at least `total` anchors, as many for each lab, on `threads` threads: lab k's
    /// certificates are numbered `BENCH-k-J` and its nonces run on from its current one.
    pub fn sign(genesis: Hash, labs: &[Lab], total: usize, threads: usize) -> Load {
        let per_lab = total.div_ceil(labs.len());
        let today = Date::from_unix_ms_cst(now_ms());
        let chunk = labs.len().div_ceil(threads.max(1));
        let per_lab: Vec<Vec<Signed>> = std::thread::scope(|scope| {
            let handles: Vec<_> = labs
                .chunks(chunk)
                .map(|labs| {
                    scope.spawn(move || {
                        labs.iter()
                            .map(|lab| sign_lab(genesis, lab, per_lab, today))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let k = per_lab.len();
        let index = per_lab
            .iter()
            .enumerate()
            .flat_map(|(lab, txs)| {
                txs.iter()
                    .enumerate()
                    .map(move |(j, tx)| (tx.hash, j * k + lab))
            })
            .collect();
        let len = per_lab.iter().map(Vec::len).sum();
        Load {
            per_lab,
            index,
            sent: (0..len).map(|_| AtomicU64::new(0)).collect(),
        }
    }

    /// How many transactions.
    pub fn len(&self) -> usize {
        self.sent.len()
    }

    /// Schedule number `i`.
    fn tx(&self, i: usize) -> &Signed {
        let k = self.per_lab.len();
        &self.per_lab[i % k][i / k]
    }

    /// When the transaction with `hash` was last sent, after the clock's start; `None` if it is
    /// not the load's or was never sent.
    pub fn sent_at(&self, hash: &Hash) -> Option<Duration> {
        let i = *self.index.get(hash)?;
        match self.sent[i].load(Ordering::Relaxed) {
            0 => None,
            ns => Some(Duration::from_nanos(ns - 1)),
        }
    }
}

/// Lab `lab`'s `count` anchors.
fn sign_lab(genesis: Hash, lab: &Lab, count: usize, today: Date) -> Vec<Signed> {
    (0..count)
        .filter_map(|j| {
            let number = CertNumber::new(&format!("{}-{j:07}", lab.code)).ok()?;
            let tx = TxPayload {
                genesis_hash: genesis,
                signer: lab.key.public(),
                nonce: lab.nonce + j as u64,
                valid_until_height: u64::MAX,
                call: demo::sample_anchor(lab.key.scheme(), number, today),
            }
            .sign(&lab.key);
            Some(Signed {
                bytes: tx.encode(),
                hash: tx.hash(),
            })
        })
        .collect()
}

/// How the load is offered.
pub struct Plan {
    /// The schedule's rate, or as fast as accepted.
    pub rate: Rate,
    /// Transactions per request.
    pub batch: usize,
    /// Every node's API; lab k goes to `urls[k % N]`.
    pub urls: Vec<String>,
}

/// What the workers did in the window (requests sent before it or after it are not counted).
#[derive(Default)]
pub struct Counters {
    /// Requests sent.
    pub requests: AtomicU64,
    /// Transactions sent for the first time.
    pub submitted: AtomicU64,
    /// Transactions the nodes pooled.
    pub accepted: AtomicU64,
    /// Transactions sent again after a full pool or a busy account.
    pub retried: AtomicU64,
    /// Requests that got no answer (connection failed or timed out); their transactions are
    /// sent again.
    pub unanswered: AtomicU64,
    /// Refusals by error code.
    pub refused: Mutex<BTreeMap<String, u64>>,
    /// Set when a worker ran out of signed transactions before the end.
    pub exhausted: AtomicBool,
}

/// Starts the workers in `scope`: they submit `load` by `plan` until `stop` is set.
pub fn start_workers<'s>(
    scope: &'s Scope<'s, '_>,
    load: &'s Load,
    plan: &'s Plan,
    clock: &'s Clock,
    counters: &'s Counters,
    stop: &'s AtomicBool,
) {
    let (k, n) = (load.per_lab.len(), plan.urls.len());
    for (node, url) in plan.urls.iter().enumerate() {
        // This node's labs, dealt among its workers.
        let labs: Vec<usize> = (node..k).step_by(n).collect();
        let workers = WORKERS_PER_NODE.min(labs.len());
        for w in 0..workers {
            let worker = Worker {
                labs: labs.iter().copied().skip(w).step_by(workers).collect(),
                url,
                load,
                plan,
                clock,
                counters,
                stop,
            };
            scope.spawn(move || worker.run());
        }
    }
}

/// One worker: its labs' transactions in schedule order, to one node.
struct Worker<'s> {
    labs: Vec<usize>,
    url: &'s str,
    load: &'s Load,
    plan: &'s Plan,
    clock: &'s Clock,
    counters: &'s Counters,
    stop: &'s AtomicBool,
}

impl Worker<'_> {
    /// The schedule number of this worker's `c`-th transaction.
    fn schedule(&self, c: usize) -> usize {
        let (k, l) = (self.load.per_lab.len(), self.labs.len());
        (c / l) * k + self.labs[c % l]
    }

    /// When schedule number `i` is due, after the clock's start (`max`: at once).
    fn due(&self, i: usize) -> Duration {
        match self.plan.rate {
            Rate::Max => Duration::ZERO,
            Rate::PerSecond(rate) => Duration::from_secs_f64(i as f64 / rate),
        }
    }

    /// Submits until stopped: a batch as soon as it is full of due transactions or its first has
    /// waited [`LINGER`] (at once for `max`), the ones to retry after a pause (see
    /// [`RETRY_PAUSE`]) with whatever else is due by then.
    fn run(self) {
        let agent = http::agent();
        let end = self.labs.len() * self.load.per_lab[self.labs[0]].len();
        let (mut next, mut retry, mut pause) = (0, VecDeque::new(), RETRY_PAUSE);
        while !self.stop.load(Ordering::Relaxed) {
            let wait = if retry.is_empty() {
                if next == end {
                    self.counters.exhausted.store(true, Ordering::Relaxed);
                    return;
                }
                let last = (next + self.plan.batch).min(end) - 1;
                let full = self.due(self.schedule(last));
                full.min(self.due(self.schedule(next)) + LINGER)
            } else {
                self.clock.start.elapsed() + pause
            };
            if !self.sleep_until(wait) {
                return;
            }
            let now = self.clock.start.elapsed();
            let mut batch: Vec<usize> = Vec::with_capacity(self.plan.batch);
            let mut bytes = PREFIX_BYTES;
            let retries = retry.len();
            while batch.len() < self.plan.batch {
                let i = match retry.front() {
                    Some(&i) => i,
                    None if next < end && self.due(self.schedule(next)) <= now => {
                        self.schedule(next)
                    }
                    None => break,
                };
                let size = self.load.tx(i).bytes.len() + PREFIX_BYTES;
                if bytes + size > BATCH_BYTES_MAX {
                    break;
                }
                bytes += size;
                batch.push(i);
                if retry.pop_front().is_none() {
                    next += 1;
                }
            }
            if batch.is_empty() {
                continue;
            }
            let resent = retries - retry.len();
            let again = self.send(&agent, &batch, resent);
            pause = if again.len() == batch.len() {
                (pause * 2).min(RETRY_PAUSE_MAX)
            } else {
                RETRY_PAUSE
            };
            retry.extend(again);
        }
    }

    /// Sends `batch` (its first `resent` sent before) and counts the answers; returns the
    /// transactions to send again.
    fn send(&self, agent: &ureq::Agent, batch: &[usize], resent: usize) -> Vec<usize> {
        let at = self.clock.start.elapsed();
        let stamp = u64::try_from(at.as_nanos()).unwrap_or(u64::MAX - 1) + 1;
        for &i in batch {
            self.load.sent[i].store(stamp, Ordering::Relaxed);
        }
        let txs: Vec<&[u8]> = batch
            .iter()
            .map(|&i| self.load.tx(i).bytes.as_slice())
            .collect();
        let answers = http::submit(agent, self.url, &txs, self.plan.batch > 1);
        let counted = self.clock.in_window(at);
        let count = |counter: &AtomicU64, n: usize| {
            if counted {
                counter.fetch_add(n as u64, Ordering::Relaxed);
            }
        };
        count(&self.counters.requests, 1);
        count(&self.counters.submitted, batch.len() - resent);
        count(&self.counters.retried, resent);
        let Ok(answers) = answers else {
            count(&self.counters.unanswered, 1);
            return batch.to_vec();
        };
        let mut again = Vec::new();
        for (&i, answer) in batch.iter().zip(answers) {
            match answer {
                Answer::Accepted => count(&self.counters.accepted, 1),
                Answer::Retry => again.push(i),
                Answer::Refused(code) if counted => {
                    if let Ok(mut refused) = self.counters.refused.lock() {
                        *refused.entry(code).or_default() += 1;
                    }
                }
                Answer::Refused(_) => {}
            }
        }
        again
    }

    /// Sleeps until `at` after the clock's start, in naps; false when stopped meanwhile.
    fn sleep_until(&self, at: Duration) -> bool {
        loop {
            if self.stop.load(Ordering::Relaxed) {
                return false;
            }
            let Some(left) = at.checked_sub(self.clock.start.elapsed()) else {
                return true;
            };
            std::thread::sleep(left.min(NAP));
        }
    }
}

/// Milliseconds since the Unix epoch (for the certificates' dates).
fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}
