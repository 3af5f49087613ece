//! The SQL index at scale: a chain of certificates and instruments generated through the
//! runtime (signed transactions, executed and committed to sled), then indexed from empty on
//! SQLite and on PostgreSQL (the indexer's rate), followed live while 2,000-transaction blocks
//! come once a second (its lag), and asked every console query (their times).
//!
//! `HENGXIN_BENCH_CERTIFICATES=200000 HENGXIN_BENCH_INSTRUMENTS=20000 cargo bench -p
//! hengxin-index --bench index_scale` (release; prints a Markdown table for
//! docs/performance.md). PostgreSQL is started by the bench (Debian's `postgresql`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use hengxin_chain_spec::demo;
use hengxin_index::queries::{DueFilter, Snapshot};
use hengxin_index::scratch::ScratchPostgres;
use hengxin_index::{BlockInfo, Database, Indexer, Kind, Source, db};
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentUse, Seal};
use hengxin_primitives::{
    CertNumber, ClassCode, CreditCode, Date, Hash, Header, Keypair, Site, Text, TxPayload,
};
use hengxin_runtime::certificates::Call as CertCall;
use hengxin_runtime::instruments::{Call as InstrumentCall, Registration};
use hengxin_runtime::{Call, Chain, Transaction};
use hengxin_sled_store::SledBackend;
use hengxin_support::StorageError;

const TXS_PER_BLOCK: usize = 2_000;
const BLOCK_MS: u64 = 1_000;
const GENESIS_MS: u64 = 1_780_000_000_000;

struct Bench {
    chain: Chain<SledBackend>,
    blocks: RwLock<Vec<(Header, u64)>>,
}

impl Source for Bench {
    type Backend = SledBackend;
    fn chain(&self) -> &Chain<SledBackend> {
        &self.chain
    }
    fn genesis(&self) -> Hash {
        self.chain.genesis_hash()
    }
    fn head(&self) -> Result<u64, StorageError> {
        Ok(self.blocks.read().unwrap().last().unwrap().0.height)
    }
    fn block(&self, height: u64) -> Result<Option<BlockInfo>, StorageError> {
        let blocks = self.blocks.read().unwrap();
        Ok(blocks.get(height as usize).map(|(h, n)| BlockInfo {
            hash: h.hash(),
            timestamp_ms: h.timestamp_ms,
            transactions: *n,
            proposer: h.proposer,
        }))
    }
}

/// Who signs what, with their next nonces.
struct Signers {
    labs: Vec<(Keypair, u64)>,
    owner: (Keypair, u64),
    serial: u64,
}

impl Bench {
    /// The bytes the chain's sled database takes on disk.
    fn disk_bytes(&self) -> u64 {
        self.chain.state().backend().size_on_disk().unwrap()
    }

    fn head(&self) -> Header {
        self.blocks.read().unwrap().last().unwrap().0.clone()
    }

    fn apply(&self, txs: &[Transaction]) {
        let head = self.head();
        let proposer = demo::key("validator-0").public();
        let executed = self
            .chain
            .execute(&head, head.timestamp_ms + BLOCK_MS, proposer, txs)
            .expect("execute");
        assert!(
            executed.outcomes.iter().all(|o| o.result.is_ok()),
            "every transaction succeeds"
        );
        self.chain.commit(executed.batch).expect("commit");
        self.blocks
            .write()
            .unwrap()
            .push((executed.header, txs.len() as u64));
    }

    fn sign(&self, key: &Keypair, nonce: &mut u64, call: Call) -> Transaction {
        let tx = TxPayload {
            genesis_hash: self.chain.genesis_hash(),
            signer: key.public(),
            nonce: *nonce,
            valid_until_height: self.head().height + 10,
            call,
        }
        .sign(key);
        *nonce += 1;
        tx
    }

    /// A block registering fuel dispensers across twenty districts of Chongqing.
    fn register(&self, s: &mut Signers, count: usize) {
        let (owner, nonce) = &mut s.owner;
        let txs: Vec<Transaction> = (0..count)
            .map(|_| {
                s.serial += 1;
                let registration = Registration {
                    class: ClassCode::new("FUEL").unwrap(),
                    manufacturer: Text::lossy("正星科技股份有限公司"),
                    model: Text::lossy("ZX"),
                    serial: Text::lossy(&format!("SCALE-{:08}", s.serial)),
                    production_code: None,
                    owner: CreditCode::new(demo::BUSINESS_CQ).unwrap(),
                    division: Division::new(500101 + (s.serial % 19) as u32).unwrap(),
                    site: Site::new(&format!("{}号枪", s.serial)).unwrap(),
                };
                let call = Call::Instruments(InstrumentCall::Register { registration });
                self.sign(owner, nonce, call)
            })
            .collect();
        self.apply(&txs);
    }

    /// A block of anchors alternating between the two labs; the first `verify` verify the
    /// instruments from `first` on.
    fn anchors(&self, s: &mut Signers, verify: u64, first: u64) {
        let today = Date::from_unix_ms_cst(self.head().timestamp_ms);
        let txs: Vec<Transaction> = (0..TXS_PER_BLOCK as u64)
            .map(|i| {
                s.serial += 1;
                let number = format!("SCALE-{:09}", s.serial);
                let mut call = demo::sample_anchor(
                    Default::default(),
                    CertNumber::new(&number).unwrap(),
                    today,
                );
                if i < verify
                    && let Call::Certificates(CertCall::Anchor { fields }) = &mut call
                {
                    fields.for_instrument = Some(Box::new(InstrumentUse {
                        id: InstrumentId {
                            region: "CQ".parse().unwrap(),
                            seq: first + i,
                        },
                        seals: vec![Seal {
                            position: Text::lossy("计量器主板"),
                            number: Text::lossy(&number),
                        }],
                    }));
                }
                let (key, nonce) = &mut s.labs[(i % 2) as usize];
                self.sign(key, nonce, call)
            })
            .collect();
        self.apply(&txs);
    }
}

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Median of `runs` timings of `query`, in ms.
async fn timed<F, Fut, T>(runs: usize, mut query: F) -> f64
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut times: Vec<f64> = Vec::new();
    for _ in 0..runs {
        let start = Instant::now();
        let _ = query().await;
        times.push(start.elapsed().as_secs_f64() * 1_000.0);
    }
    times.sort_by(f64::total_cmp);
    times[times.len() / 2]
}

async fn query_times(db: &Database, head: u64, middle: &str) -> Vec<(&'static str, f64)> {
    let s = || async { Snapshot::open(db, head).await.unwrap() };
    let due = DueFilter {
        region: Some("CQ"),
        statuses: vec!["overdue", "due_soon"],
        limit: 1_000,
        ..DueFilter::default()
    };
    vec![
        (
            "overview",
            timed(5, || async { s().await.overview(None).await.unwrap() }).await,
        ),
        (
            "certificates per lab and month",
            timed(5, || async {
                s().await
                    .certificates(None, None, None, None)
                    .await
                    .unwrap()
            })
            .await,
        ),
        (
            "instruments by class, division, status",
            timed(5, || async { s().await.instruments(None).await.unwrap() }).await,
        ),
        (
            "warnings (a page of 1,000)",
            timed(5, || async { s().await.due(&due).await.unwrap() }).await,
        ),
        (
            "businesses by grade",
            timed(5, || async { s().await.businesses(None).await.unwrap() }).await,
        ),
        (
            "credit records per month",
            timed(5, || async {
                s().await.credit_records(None, None, None).await.unwrap()
            })
            .await,
        ),
        (
            "inspections",
            timed(5, || async { s().await.inspections(None).await.unwrap() }).await,
        ),
        (
            "recognition per region and month",
            timed(5, || async {
                s().await.recognition(None, None, None).await.unwrap()
            })
            .await,
        ),
        (
            "network",
            timed(5, || async { s().await.network().await.unwrap() }).await,
        ),
        (
            "labs (with certificate counts)",
            timed(5, || async {
                s().await.labs(None, None, 1_000).await.unwrap()
            })
            .await,
        ),
        (
            "a lab's certificates (a page of 1,000)",
            timed(5, || async {
                s().await
                    .lab_certificates("CQJL", (None, None), Some(middle), 1_000)
                    .await
                    .unwrap()
            })
            .await,
        ),
    ]
}

/// Indexes the whole chain from empty; the wall time.
async fn index_all(bench: &Arc<Bench>, db: &Database) -> Duration {
    let start = Instant::now();
    let indexer = Indexer::new(bench.clone(), db.clone());
    indexer.catch_up().await.unwrap();
    print_timings(&indexer);
    start.elapsed()
}

/// Where an indexer's time went.
fn print_timings(indexer: &Indexer<Bench>) {
    let t = indexer.timings();
    eprintln!(
        "  {} rows; gathering {:.1} s, writing {:.1} s",
        t.rows,
        t.gather.as_secs_f64(),
        t.write.as_secs_f64()
    );
}

/// For `seconds`, a 2,000-transaction block a second while the indexer follows; the lag in
/// blocks after each block, sorted.
async fn live(bench: &Arc<Bench>, s: &mut Signers, db: &Database, seconds: u64) -> Vec<u64> {
    // From an index at the head: blocks made while another database was followed first.
    Indexer::new(bench.clone(), db.clone())
        .catch_up()
        .await
        .unwrap();
    let (heads, watch) = tokio::sync::watch::channel(bench.head().height);
    let indexer = Indexer::new(bench.clone(), db.clone());
    let task = tokio::spawn(indexer.run(watch));
    let mut lags = Vec::new();
    let start = Instant::now();
    for second in 1..=seconds {
        let b = bench.clone();
        let mut signers = std::mem::replace(
            s,
            Signers {
                labs: vec![],
                owner: (demo::key("x"), 0),
                serial: 0,
            },
        );
        let signers = tokio::task::spawn_blocking(move || {
            b.anchors(&mut signers, 0, 0);
            signers
        })
        .await
        .unwrap();
        *s = signers;
        heads.send_replace(bench.head().height);
        let target = start + Duration::from_secs(second);
        if let Some(wait) = target.checked_duration_since(Instant::now()) {
            tokio::time::sleep(wait).await;
        }
        lags.push(lag(db, bench.head().height).await);
    }
    task.abort();
    lags.sort_unstable();
    lags
}

/// An indexer stepping whenever a block is announced, from its own task; it ends once the
/// announcer is dropped and the index is at the last block.
fn follow(
    runtime: &tokio::runtime::Runtime,
    bench: &Arc<Bench>,
    db: &Database,
    mut heads: tokio::sync::watch::Receiver<u64>,
) -> (Arc<Indexer<Bench>>, tokio::task::JoinHandle<()>) {
    let indexer = Arc::new(Indexer::new(bench.clone(), db.clone()));
    let i = indexer.clone();
    let task = runtime.spawn(async move {
        loop {
            if !i.step().await.unwrap() && heads.changed().await.is_err() {
                break;
            }
        }
    });
    (indexer, task)
}

/// How many blocks `db` is behind `head`.
async fn lag(db: &Database, head: u64) -> u64 {
    let at = db.indexed().await.unwrap().map_or(0, |i| i.height);
    head.saturating_sub(at)
}

/// The lag in blocks of each database.
fn lags_now(runtime: &tokio::runtime::Runtime, head: u64, dbs: &[&Database]) -> Vec<u64> {
    dbs.iter().map(|d| runtime.block_on(lag(d, head))).collect()
}

/// Generates the chain (instruments, then certificates verifying them until they are all
/// verified); `on_block` after each block with the head's height.
fn generate(bench: &Bench, s: &mut Signers, counts: (u64, u64), mut on_block: impl FnMut(u64)) {
    let (instruments, certificates) = counts;
    let first_id = 1 + bench
        .chain
        .read::<u64>(
            &hengxin_primitives::state::StorageKey::InstrumentCount("CQ".parse().unwrap()),
            0,
        )
        .unwrap()
        .unwrap_or(0);
    let mut registered = 0;
    while registered < instruments {
        let n = (instruments - registered).min(TXS_PER_BLOCK as u64) as usize;
        bench.register(s, n);
        registered += n as u64;
        on_block(bench.head().height);
    }
    let (mut anchored, mut verified) = (0, 0);
    while anchored < certificates {
        let verify = (instruments - verified).min(TXS_PER_BLOCK as u64);
        bench.anchors(s, verify, first_id + verified);
        verified += verify;
        anchored += TXS_PER_BLOCK as u64;
        on_block(bench.head().height);
    }
}

/// How the index got to the head: from empty after the chain was generated, or following it.
enum Indexing {
    FromEmpty(Vec<(Duration, f64)>),
    Followed {
        lags: Vec<Vec<u64>>,
        caught_up: Vec<Duration>,
    },
}

fn main() {
    let certificates = env("HENGXIN_BENCH_CERTIFICATES", 200_000);
    let instruments = env("HENGXIN_BENCH_INSTRUMENTS", 20_000);
    let live_seconds = env("HENGXIN_BENCH_LIVE_SECONDS", 60);
    let following = env("HENGXIN_BENCH_FOLLOW", 0) == 1;
    let anchored = certificates.div_ceil(TXS_PER_BLOCK as u64) * TXS_PER_BLOCK as u64;
    let transactions = instruments + anchored;
    let dir = match std::env::var_os("HENGXIN_BENCH_DIR") {
        Some(d) => tempfile::tempdir_in(d).unwrap(),
        None => tempfile::tempdir().unwrap(),
    };
    let validator = demo::key("validator-0");
    let set = ValidatorSet::equal_power([validator.public()]).unwrap();
    let config = demo::genesis(GENESIS_MS, set).unwrap();
    let backend = SledBackend::open(&dir.path().join("chain")).unwrap();
    let (chain, head) = Chain::from_genesis(backend, &config).unwrap();
    let bench = Arc::new(Bench {
        chain,
        blocks: RwLock::new(vec![(head, 0)]),
    });
    let mut s = Signers {
        labs: vec![(demo::key("lab-cq"), 0), (demo::key("lab-sc"), 0)],
        owner: (demo::key("business-cq"), 0),
        serial: 0,
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let sqlite = runtime.block_on(async {
        let (kind, url) = db::resolve("sqlite:index.sqlite", dir.path()).unwrap();
        Database::open(kind, &url, 4).await.unwrap()
    });
    let server = ScratchPostgres::start().unwrap();
    let postgres = runtime
        .block_on(Database::open(Kind::Postgres, &server.url(), 4))
        .unwrap();
    let dbs = [&sqlite, &postgres];

    eprintln!(
        "generating {instruments} instruments and {certificates} certificates through the runtime{}…",
        if following {
            ", the index following"
        } else {
            ""
        }
    );
    let start = Instant::now();
    let (heads, watch) = tokio::sync::watch::channel(0);
    let followers: Vec<_> = if following {
        dbs.iter()
            .map(|d| follow(&runtime, &bench, d, watch.clone()))
            .collect()
    } else {
        Vec::new()
    };
    let mut bulk_lags = vec![Vec::new(); dbs.len()];
    let mut last = (Instant::now(), 0);
    generate(&bench, &mut s, (instruments, certificates), |height| {
        if following {
            // How far behind each index is as this block arrives (as `live` measures).
            for (i, lag) in lags_now(&runtime, height - 1, &dbs).into_iter().enumerate() {
                bulk_lags[i].push(lag);
            }
            heads.send_replace(height);
        }
        if height % 250 == 0 {
            let rate = 250.0 * TXS_PER_BLOCK as f64 / last.0.elapsed().as_secs_f64();
            let lags: Vec<_> = bulk_lags.iter().map(|l| l.last().copied()).collect();
            eprintln!(
                "  {height} blocks after {:.0} s: {rate:.0} tx/s over the last 250; lags {lags:?}; chain {:.1} GB",
                start.elapsed().as_secs_f64(),
                bench.disk_bytes() as f64 / 1e9
            );
            last = (Instant::now(), height);
        }
    });
    let generated = start.elapsed();
    let head = bench.head().height;
    let chain_bytes = bench.disk_bytes();
    eprintln!(
        "{head} blocks, {transactions} transactions in {generated:?}; chain {:.1} GB on disk",
        chain_bytes as f64 / 1e9
    );
    drop((heads, watch));
    let indexing = if following {
        let caught_up = followers
            .into_iter()
            .map(|(indexer, task)| {
                runtime.block_on(task).unwrap();
                print_timings(&indexer);
                start.elapsed().saturating_sub(generated)
            })
            .collect();
        bulk_lags.iter_mut().for_each(|l| l.sort_unstable());
        Indexing::Followed {
            lags: bulk_lags,
            caught_up,
        }
    } else {
        Indexing::FromEmpty(
            dbs.iter()
                .map(|d| {
                    let took = runtime.block_on(index_all(&bench, d));
                    let rate = transactions as f64 / took.as_secs_f64();
                    eprintln!("indexed {head} blocks in {took:?} ({rate:.0} tx/s)");
                    (took, rate)
                })
                .collect(),
        )
    };
    let middle = format!("SCALE-{:09}", instruments + anchored / 2);
    let times: Vec<_> = dbs
        .iter()
        .map(|d| runtime.block_on(query_times(d, head, &middle)))
        .collect();
    let lags: Vec<_> = dbs
        .iter()
        .map(|d| runtime.block_on(live(&bench, &mut s, d, live_seconds)))
        .collect();
    report(
        (instruments, anchored, head),
        (generated, chain_bytes),
        &indexing,
        &lags,
        &times,
    );
}

fn report(
    (instruments, anchored, head): (u64, u64, u64),
    (generated, chain_bytes): (Duration, u64),
    indexing: &Indexing,
    lags: &[Vec<u64>],
    times: &[Vec<(&'static str, f64)>],
) {
    let transactions = instruments + anchored;
    let verified = instruments.min(anchored);
    println!(
        "\nchain: {instruments} instruments, {anchored} certificates ({verified} verifying an instrument), {head} blocks of up to {TXS_PER_BLOCK}, generated in {:.0} s ({:.0} tx/s through the runtime), {:.1} GB on disk ({:.0} bytes a transaction)\n",
        generated.as_secs_f64(),
        transactions as f64 / generated.as_secs_f64(),
        chain_bytes as f64 / 1e9,
        chain_bytes as f64 / transactions as f64
    );
    let pct = |l: &[u64], p: usize| l[(l.len() - 1) * p / 100];
    let spread = |l: &[u64]| format!("{}, {}, {}", pct(l, 50), pct(l, 99), l[l.len() - 1]);
    println!("| | SQLite | PostgreSQL |\n|---|---|---|");
    match indexing {
        Indexing::FromEmpty(rows) => println!(
            "| indexing the chain from empty | {:.0} s, {:.0} tx/s | {:.0} s, {:.0} tx/s |",
            rows[0].0.as_secs_f64(),
            rows[0].1,
            rows[1].0.as_secs_f64(),
            rows[1].1
        ),
        Indexing::Followed { lags, caught_up } => {
            println!(
                "| lag while the chain was generated at {:.0} tx/s (blocks: median, p99, max) | {} | {} |",
                transactions as f64 / generated.as_secs_f64(),
                spread(&lags[0]),
                spread(&lags[1])
            );
            println!(
                "| at the head after the last block | {:.1} s | {:.1} s |",
                caught_up[0].as_secs_f64(),
                caught_up[1].as_secs_f64()
            );
        }
    }
    println!(
        "| lag while following 2,000 tx/s for {} s (blocks: median, p99, max) | {} | {} |",
        lags[0].len(),
        spread(&lags[0]),
        spread(&lags[1])
    );
    for (i, (query, ms)) in times[0].iter().enumerate() {
        println!(
            "| {query} (median of 5) | {ms:.1} ms | {:.1} ms |",
            times[1][i].1
        );
    }
}
