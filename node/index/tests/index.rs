//! The index against the chain it indexes: the demo genesis and blocks after it, on SQLite in a
//! temporary directory; every status and grade in the index is the rules' on the block's date.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::{Arc, Mutex};

use hengxin_chain_spec::demo;
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
async fn the_index_follows_the_chain_block_by_block_and_day_by_day() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Fixture::new();
    let db = sqlite(dir.path()).await;
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
        &[(&lab, demo::sample_anchor(number.clone(), fixture.on()))],
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
