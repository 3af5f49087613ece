//! The index against the chain it indexes: the demo genesis and blocks after it, on SQLite in a
//! temporary directory; every status and grade in the index is the rules' on the block's date.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use hengxin_chain_spec::demo;
use hengxin_index::scratch::ScratchPostgres;
use hengxin_index::{BlockInfo, Database, Indexer, Kind, Source, db};
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::gather::{self, instruments as gi};
use hengxin_primitives::instruments::InstrumentId;
use hengxin_primitives::{CertNumber, CreditCode, Date, Hash, Header, Keypair, LabCode, Text};
use hengxin_primitives::{TxPayload, time};
use hengxin_runtime::{Call, Chain, certificates};
use hengxin_support::{MemoryBackend, Storage, StorageError};
use sqlx::Row;

const GENESIS_MS: u64 = 1_780_000_000_000;
const DAY_MS: u64 = 86_400_000;

struct Fixture {
    chain: Chain<MemoryBackend>,
    blocks: Mutex<Vec<(Header, u64)>>,
}

impl Source for Fixture {
    type Backend = MemoryBackend;
    fn chain(&self) -> &Chain<MemoryBackend> {
        &self.chain
    }
    fn genesis(&self) -> Hash {
        self.chain.genesis_hash()
    }
    fn head(&self) -> Result<u64, StorageError> {
        Ok(self.blocks.lock().unwrap().last().unwrap().0.height)
    }
    fn block(&self, height: u64) -> Result<Option<BlockInfo>, StorageError> {
        let blocks = self.blocks.lock().unwrap();
        Ok(blocks.get(height as usize).map(|(h, n)| BlockInfo {
            hash: h.hash(),
            timestamp_ms: h.timestamp_ms,
            transactions: *n,
            proposer: h.proposer,
        }))
    }
}

fn validator() -> Keypair {
    demo::key("validator-0")
}

impl Fixture {
    fn new() -> Arc<Fixture> {
        let set = ValidatorSet::equal_power([validator().public()]).unwrap();
        let config = demo::genesis(GENESIS_MS, set).unwrap();
        let (chain, head) = Chain::from_genesis(MemoryBackend::default(), &config).unwrap();
        Arc::new(Fixture {
            chain,
            blocks: Mutex::new(vec![(head, 0)]),
        })
    }

    fn head(&self) -> Header {
        self.blocks.lock().unwrap().last().unwrap().0.clone()
    }

    /// A block of `calls` (each by its key), `after_ms` after the head.
    fn block(&self, after_ms: u64, calls: &[(&Keypair, Call)]) {
        let head = self.head();
        let mut nonces = std::collections::BTreeMap::new();
        let txs: Vec<_> = calls
            .iter()
            .map(|(key, call)| {
                let nonce = nonces
                    .entry(key.public())
                    .or_insert_with(|| self.chain.nonce(&key.public(), head.height).unwrap());
                let tx = TxPayload {
                    genesis_hash: self.chain.genesis_hash(),
                    signer: key.public(),
                    nonce: *nonce,
                    valid_until_height: head.height + 10,
                    call: call.clone(),
                }
                .sign(key);
                *nonce += 1;
                tx
            })
            .collect();
        let executed = self
            .chain
            .execute(
                &head,
                head.timestamp_ms + after_ms,
                validator().public(),
                &txs,
            )
            .unwrap();
        for outcome in &executed.outcomes {
            assert!(outcome.result.is_ok(), "{:?}", outcome.result);
        }
        self.chain.commit(executed.batch).unwrap();
        let n = txs.len() as u64;
        self.blocks.lock().unwrap().push((executed.header, n));
    }

    fn on(&self) -> Date {
        Date::from_unix_ms_cst(self.head().timestamp_ms)
    }
}

async fn sqlite(dir: &std::path::Path) -> Database {
    let (kind, url) = db::resolve("sqlite:index.sqlite", dir).unwrap();
    assert_eq!(kind, Kind::Sqlite);
    Database::open(kind, &url, 2).await.unwrap()
}

async fn texts(db: &Database, sql: &str) -> Vec<(String, String)> {
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_all(db.pool())
        .await
        .unwrap()
        .iter()
        .map(|r| (r.try_get(0).unwrap(), r.try_get(1).unwrap()))
        .collect()
}

/// Every instrument's and business's row says what the rules say on the head's date.
async fn agrees_with_the_rules(fixture: &Fixture, db: &Database) -> usize {
    let height = fixture.head().height;
    let on = fixture.on();
    let mut view = fixture.chain.view(height);
    let state = &mut view as &mut dyn Storage;
    let rows = texts(db, "SELECT id, status FROM instruments ORDER BY id").await;
    for (id, status) in &rows {
        let facts = gi::instrument(state, &InstrumentId::parse(id).unwrap())
            .unwrap()
            .unwrap();
        assert_eq!(
            status,
            facts.standing(on).status.code(),
            "{id} on {}",
            on.to_iso()
        );
    }
    let grades = texts(db, "SELECT credit_code, grade FROM businesses").await;
    for (code, grade) in &grades {
        let inputs = gather::credit_inputs(state, &CreditCode::new(code).unwrap()).unwrap();
        assert_eq!(grade, inputs.standing(on).grade.code(), "{code}");
    }
    assert!(!grades.is_empty());
    rows.len()
}

#[tokio::test]
async fn on_sqlite_the_index_follows_the_chain_block_by_block_and_day_by_day() {
    let dir = tempfile::tempdir().unwrap();
    follows_the_chain(sqlite(dir.path()).await).await;
}

#[tokio::test]
async fn on_postgresql_the_index_follows_the_chain_block_by_block_and_day_by_day() {
    let server = ScratchPostgres::start().unwrap();
    let db = Database::open(Kind::Postgres, &server.url(), 2)
        .await
        .unwrap();
    follows_the_chain(db).await;
}

async fn follows_the_chain(db: Database) {
    let fixture = Fixture::new();
    let indexer = Indexer::new(fixture.clone(), db.clone());
    let at = indexer.catch_up().await.unwrap().unwrap();
    assert_eq!((at.height, at.hash), (0, fixture.head().hash().to_hex()));
    let instruments = agrees_with_the_rules(&fixture, &db).await;
    assert_eq!(instruments, 8, "the demo's eight instruments");
    let labs = texts(&db, "SELECT code, region FROM labs ORDER BY code").await;
    assert!(labs.contains(&("CQJL".into(), "CQ".into())), "{labs:?}");

    // A certificate anchored, then revoked.
    let lab = demo::key("lab-cq");
    let number = CertNumber::new("CQJL-IDX-1").unwrap();
    fixture.block(
        1_000,
        &[(
            &lab,
            demo::sample_anchor(Default::default(), number.clone(), fixture.on()),
        )],
    );
    let revoke = Call::Certificates(certificates::Call::Revoke {
        lab: LabCode::new("CQJL").unwrap(),
        number: number.clone(),
        reason: Text::new("录入错误").unwrap(),
    });
    let status = "SELECT number, status FROM certificates WHERE number = 'CQJL-IDX-1'";
    indexer.catch_up().await.unwrap();
    assert_eq!(
        texts(&db, status).await,
        [("CQJL-IDX-1".into(), "valid".into())]
    );
    fixture.block(1_000, &[(&lab, revoke)]);
    let at = indexer.catch_up().await.unwrap().unwrap();
    assert_eq!(at.height, 2);
    assert_eq!(
        texts(&db, status).await,
        [("CQJL-IDX-1".into(), "revoked".into())]
    );

    // Days pass with no transaction: statuses and grades move with the date alone.
    let before = texts(&db, "SELECT id, status FROM instruments ORDER BY id").await;
    for _ in 0..4 {
        fixture.block(20 * DAY_MS, &[]);
        indexer.catch_up().await.unwrap();
        agrees_with_the_rules(&fixture, &db).await;
    }
    let after = texts(&db, "SELECT id, status FROM instruments ORDER BY id").await;
    assert_ne!(before, after, "80 days later some status changed");
    let blocks = texts(&db, "SELECT hash, date FROM blocks ORDER BY height").await;
    assert_eq!(blocks.len(), 7);
    assert_eq!(
        blocks[6].1,
        time::Date::from_unix_ms_cst(fixture.head().timestamp_ms).to_iso()
    );
}

#[tokio::test]
async fn an_index_of_another_chain_is_refused_and_reopening_resumes() {
    let dir = tempfile::tempdir().unwrap();
    let first = Fixture::new();
    let db = sqlite(dir.path()).await;
    Indexer::new(first.clone(), db.clone())
        .catch_up()
        .await
        .unwrap();
    // Reopened: the same index, nothing rewritten.
    let db = sqlite(dir.path()).await;
    assert!(
        !Indexer::new(first.clone(), db.clone())
            .step()
            .await
            .unwrap()
    );
    // Another chain (another validator set, another genesis).
    let other = {
        let set = ValidatorSet::equal_power([demo::key("validator-1").public()]).unwrap();
        let config = demo::genesis(GENESIS_MS, set).unwrap();
        let (chain, head) = Chain::from_genesis(MemoryBackend::default(), &config).unwrap();
        Arc::new(Fixture {
            chain,
            blocks: Mutex::new(vec![(head, 0)]),
        })
    };
    let e = Indexer::new(other, db).step().await.unwrap_err();
    assert!(e.to_string().contains("reindex"), "{e}");
}

/// PostgreSQL killed while the indexer writes (SIGKILL to the server and its backends), then
/// started again: the index resumes where its last committed transaction left it, every block
/// exactly once and every certificate once.
#[tokio::test]
async fn postgresql_killed_mid_write_leaves_no_gap_and_no_duplicate() {
    let server = ScratchPostgres::start().unwrap();
    let db = Database::open(Kind::Postgres, &server.url(), 2)
        .await
        .unwrap();
    let fixture = Fixture::new();
    let lab = demo::key("lab-cq");
    let mut anchored = 0u64;
    for block in 0..60 {
        let calls: Vec<_> = (0..40)
            .map(|n| {
                let number = CertNumber::new(&format!("K-{block}-{n}")).unwrap();
                (
                    &lab,
                    demo::sample_anchor(Default::default(), number, fixture.on()),
                )
            })
            .collect();
        anchored += calls.len() as u64;
        fixture.block(1_000, &calls);
    }
    let head = fixture.head().height;
    // Two blocks a transaction: many transactions, so the kill falls within the indexing.
    let indexer = Arc::new(Indexer::new(fixture.clone(), db.clone()).with_batches(2, 100_000));
    let writing = tokio::spawn({
        let indexer = indexer.clone();
        async move { indexer.catch_up().await }
    });
    // Kill it once the first batch is in and the next is being written.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while db.indexed().await.ok().flatten().is_none() {
        assert!(std::time::Instant::now() < deadline, "nothing was indexed");
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    server.kill().unwrap();
    let killed = writing.await.unwrap();
    assert!(
        killed.is_err(),
        "the kill came after the index had caught up"
    );
    server.restart().unwrap();
    // The pool reconnects; the indexer goes on from what was committed.
    let at = loop {
        match indexer.catch_up().await {
            Ok(at) => break at.unwrap(),
            Err(e) => {
                assert!(std::time::Instant::now() < deadline, "{e}");
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
        }
    };
    assert_eq!(at.height, head);
    let row = sqlx::query("SELECT COUNT(*), MIN(height), MAX(height) FROM blocks")
        .fetch_one(db.pool())
        .await
        .unwrap();
    let (count, min, max): (i64, i64, i64) = (
        row.try_get(0).unwrap(),
        row.try_get(1).unwrap(),
        row.try_get(2).unwrap(),
    );
    assert_eq!((count, min, max), (head as i64 + 1, 0, head as i64));
    let row = sqlx::query("SELECT COUNT(*) FROM certificates WHERE number LIKE 'K-%'")
        .fetch_one(db.pool())
        .await
        .unwrap();
    assert_eq!(row.try_get::<i64, _>(0).unwrap() as u64, anchored);
    agrees_with_the_rules(&fixture, &db).await;
}
