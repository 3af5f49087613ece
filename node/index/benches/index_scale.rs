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
                let mut call = demo::sample_anchor(CertNumber::new(&number).unwrap(), today);
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
    let t = indexer.timings();
    eprintln!(
        "  {} rows; gathering {:.1} s, writing {:.1} s",
        t.rows,
        t.gather.as_secs_f64(),
        t.write.as_secs_f64()
    );
    start.elapsed()
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
        let at = db.indexed().await.unwrap().map_or(0, |i| i.height);
        lags.push(bench.head().height.saturating_sub(at));
    }
    task.abort();
    lags.sort_unstable();
    lags
}

fn main() {
    let certificates = env("HENGXIN_BENCH_CERTIFICATES", 200_000);
    let instruments = env("HENGXIN_BENCH_INSTRUMENTS", 20_000);
    let live_seconds = env("HENGXIN_BENCH_LIVE_SECONDS", 60);
    let dir = tempfile::tempdir().unwrap();
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
    let first_id = 1 + bench
        .chain
        .read::<u64>(
            &hengxin_primitives::state::StorageKey::InstrumentCount("CQ".parse().unwrap()),
            0,
        )
        .unwrap()
        .unwrap_or(0);

    eprintln!(
        "generating {instruments} instruments and {certificates} certificates through the runtime…"
    );
    let start = Instant::now();
    let mut registered = 0;
    while registered < instruments {
        let n = (instruments - registered).min(TXS_PER_BLOCK as u64) as usize;
        bench.register(&mut s, n);
        registered += n as u64;
    }
    let mut anchored = 0;
    let mut verified = 0;
    while anchored < certificates {
        let verify = (instruments - verified).min(TXS_PER_BLOCK as u64);
        bench.anchors(&mut s, verify, first_id + verified);
        verified += verify;
        anchored += TXS_PER_BLOCK as u64;
    }
    let generated = start.elapsed();
    let head = bench.head().height;
    let transactions = instruments + anchored;
    eprintln!("{head} blocks, {transactions} transactions in {generated:?}");

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
    let mut rows = Vec::new();
    for (name, database) in [("SQLite", &sqlite), ("PostgreSQL", &postgres)] {
        let took = runtime.block_on(index_all(&bench, database));
        let rate = transactions as f64 / took.as_secs_f64();
        eprintln!("{name}: indexed {head} blocks in {took:?} ({rate:.0} tx/s)");
        rows.push((name, took, rate));
    }
    let middle = format!("SCALE-{:09}", instruments + anchored / 2);
    let times: Vec<_> = [&sqlite, &postgres]
        .iter()
        .map(|d| runtime.block_on(query_times(d, head, &middle)))
        .collect();
    let lags: Vec<_> = [&sqlite, &postgres]
        .iter()
        .map(|d| runtime.block_on(live(&bench, &mut s, d, live_seconds)))
        .collect();

    println!(
        "\nchain: {instruments} instruments, {anchored} certificates ({verified} verifying an instrument), {head} blocks of up to {TXS_PER_BLOCK}, generated in {:.0} s ({:.0} tx/s through the runtime)\n",
        generated.as_secs_f64(),
        transactions as f64 / generated.as_secs_f64()
    );
    println!("| | SQLite | PostgreSQL |\n|---|---|---|");
    println!(
        "| indexing the chain from empty | {:.0} s, {:.0} tx/s | {:.0} s, {:.0} tx/s |",
        rows[0].1.as_secs_f64(),
        rows[0].2,
        rows[1].1.as_secs_f64(),
        rows[1].2
    );
    let pct = |l: &Vec<u64>, p: usize| l[(l.len() - 1) * p / 100];
    println!(
        "| lag while following 2,000 tx/s for {live_seconds} s (blocks: median, p99, max) | {}, {}, {} | {}, {}, {} |",
        pct(&lags[0], 50),
        pct(&lags[0], 99),
        lags[0].last().unwrap(),
        pct(&lags[1], 50),
        pct(&lags[1], 99),
        lags[1].last().unwrap()
    );
    for (i, (query, ms)) in times[0].iter().enumerate() {
        println!(
            "| {query} (median of 5) | {ms:.1} ms | {:.1} ms |",
            times[1][i].1
        );
    }
}
