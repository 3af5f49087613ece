//! The one indexer: after each finalized block it writes what the block changed, in block
//! order, a batch of blocks per transaction that also moves `indexed` to the batch's last block.
//! It runs beside consensus and never holds it back: when the database is slow or gone the
//! index lags (and says by how much), and it catches up when the database is back.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use hengxin_primitives::time::Date;
use hengxin_primitives::{Hash, PublicKey};
use hengxin_runtime::Chain;
use hengxin_support::{Backend, Storage, StorageError};
use sqlx::{AssertSqlSafe, Row};
use tokio::sync::watch;

use crate::IndexError;
use crate::db::{Batch, Database, Indexed, Value};
use crate::rows::{Gatherer, Touch, touched};
use crate::schema as t;

/// A finalized block as the indexer needs it.
#[derive(Clone, Debug)]
pub struct BlockInfo {
    /// Its hash.
    pub hash: Hash,
    /// Its time.
    pub timestamp_ms: u64,
    /// How many transactions it holds.
    pub transactions: u64,
    /// Who proposed it.
    pub proposer: PublicKey,
}

/// Where the indexer reads finalized blocks and their state.
pub trait Source: Send + Sync + 'static {
    /// The state's storage.
    type Backend: Backend + Send + Sync + 'static;
    /// The chain's state.
    fn chain(&self) -> &Chain<Self::Backend>;
    /// The chain's genesis hash.
    fn genesis(&self) -> Hash;
    /// The height of the last finalized block.
    fn head(&self) -> Result<u64, StorageError>;
    /// The finalized block at `height`.
    fn block(&self, height: u64) -> Result<Option<BlockInfo>, StorageError>;
}

/// The most blocks one transaction writes, and the rows after which a batch ends early.
const BLOCKS_PER_BATCH: u64 = 256;
const ROWS_PER_BATCH: usize = 20_000;

/// Feeds the database from `source`.
pub struct Indexer<S> {
    source: Arc<S>,
    db: Database,
    blocks_per_batch: u64,
    rows_per_batch: usize,
    timings: std::sync::Mutex<Timings>,
}

/// Where an indexer's time went, since it was made.
#[derive(Clone, Copy, Debug, Default)]
pub struct Timings {
    /// Reading the state and judging it into rows.
    pub gather: Duration,
    /// Writing the rows (the database's transactions).
    pub write: Duration,
    /// Rows written.
    pub rows: u64,
    /// Blocks indexed.
    pub blocks: u64,
}

impl<S: Source> Indexer<S> {
    /// An indexer of `source` into `db`.
    pub fn new(source: Arc<S>, db: Database) -> Indexer<S> {
        Indexer {
            source,
            db,
            blocks_per_batch: BLOCKS_PER_BATCH,
            rows_per_batch: ROWS_PER_BATCH,
            timings: std::sync::Mutex::default(),
        }
    }

    /// Where its time went so far.
    pub fn timings(&self) -> Timings {
        *self.timings.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// At most `blocks` blocks in one transaction, ending a batch early past `rows` rows.
    pub fn with_batches(mut self, blocks: u64, rows: usize) -> Indexer<S> {
        self.blocks_per_batch = blocks.max(1);
        self.rows_per_batch = rows.max(1);
        self
    }

    /// Indexes every finalized block as `heads` announces new ones, until the task is dropped.
    /// Failures are logged and retried, backing off to 30 s.
    pub async fn run(self, mut heads: watch::Receiver<u64>) {
        let mut backoff = Duration::from_millis(500);
        loop {
            match self.step().await {
                Ok(true) => backoff = Duration::from_millis(500),
                Ok(false) => {
                    backoff = Duration::from_millis(500);
                    // Woken by a new head; the timeout covers a missed wake-up.
                    let _ = tokio::time::timeout(Duration::from_secs(2), heads.changed()).await;
                }
                Err(e @ IndexError::OtherChain { .. }) => {
                    tracing::error!("{e}");
                    return;
                }
                Err(e) => {
                    tracing::warn!("the index lags: {e}; retrying in {backoff:?}");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        }
    }

    /// Indexes up to the head; returns the block it reached.
    pub async fn catch_up(&self) -> Result<Option<Indexed>, IndexError> {
        while self.step().await? {}
        self.db.indexed().await
    }

    /// Writes the next batch of blocks; `false` when the index is at the head already.
    pub async fn step(&self) -> Result<bool, IndexError> {
        let indexed = self.db.indexed().await?;
        let genesis = self.source.genesis().to_hex();
        if let Some(i) = &indexed
            && i.genesis != genesis
        {
            return Err(IndexError::OtherChain {
                url: self.db.url().to_owned(),
                found: i.genesis.clone(),
                expected: genesis,
            });
        }
        let next = indexed.as_ref().map_or(0, |i| i.height + 1);
        let head = self.source.head().map_err(state)?;
        if next > head {
            return Ok(false);
        }
        let first = self.block(next)?;
        let on = Date::from_unix_ms_cst(first.timestamp_ms);
        // The statuses, grades and recognitions the rules said may change by today (a batch
        // ends where the date changes, so a new day's come first), at most a batch's worth.
        let rechecks = match indexed {
            Some(_) => self.due(on).await?,
            None => BTreeSet::new(),
        };
        let source = self.source.clone();
        let until = head.min(next + self.blocks_per_batch - 1);
        let rows = self.rows_per_batch;
        let started = std::time::Instant::now();
        let (batch, to) = tokio::task::spawn_blocking(move || {
            gather_blocks(&*source, genesis, (next, until, rows), on, rechecks)
        })
        .await
        .map_err(|e| IndexError::Db(format!("the indexer's task failed: {e}")))??;
        let rows = batch.len();
        let gathered = std::time::Instant::now();
        self.db.write(batch, &to).await?;
        {
            let mut t = self.timings.lock().unwrap_or_else(|p| p.into_inner());
            t.gather += gathered - started;
            t.write += gathered.elapsed();
            t.rows += rows as u64;
            t.blocks += to.height + 1 - next;
        }
        tracing::debug!(from = next, to = to.height, rows, "indexed");
        Ok(true)
    }

    fn block(&self, height: u64) -> Result<BlockInfo, IndexError> {
        self.source
            .block(height)
            .map_err(state)?
            .ok_or(IndexError::MissingBlock(height))
    }

    /// The instruments and businesses whose status or grade may have changed by `on`.
    async fn due(&self, on: Date) -> Result<BTreeSet<Touch>, IndexError> {
        use hengxin_primitives::{CertNumber, CreditCode, LabCode, instruments::InstrumentId};
        let on = on.to_iso();
        let mut touches = BTreeSet::new();
        for key in self
            .keys_due("id", "instruments", "recheck_on", &on)
            .await?
        {
            if let Ok(id) = InstrumentId::parse(&key[0]) {
                touches.insert(Touch::Instrument(id));
            }
        }
        for key in self
            .keys_due("lab, number", "certificates", "recheck_on", &on)
            .await?
        {
            if let (Ok(lab), Ok(number)) = (LabCode::new(&key[0]), CertNumber::new(&key[1])) {
                touches.insert(Touch::Certificate(lab, number));
            }
        }
        for key in self
            .keys_due("credit_code", "businesses", "regrade_on", &on)
            .await?
        {
            if let Ok(code) = CreditCode::new(&key[0]) {
                touches.insert(Touch::Business(code));
            }
        }
        Ok(touches)
    }

    /// The keys (`columns`, text) of at most a batch's rows of `table` whose `day` column is
    /// `on` or before.
    async fn keys_due(
        &self,
        columns: &str,
        table: &str,
        day: &str,
        on: &str,
    ) -> Result<Vec<Vec<String>>, IndexError> {
        let db = |e: sqlx::Error| IndexError::Db(e.to_string());
        let limit = self.rows_per_batch;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {columns} FROM {table} WHERE {day} <= $1 LIMIT {limit}"
        )))
        .bind(on.to_owned())
        .fetch_all(self.db.pool())
        .await
        .map_err(db)?;
        rows.iter()
            .map(|row| {
                (0..row.len())
                    .map(|i| row.try_get::<String, _>(i).map_err(db))
                    .collect()
            })
            .collect()
    }
}

fn state(e: StorageError) -> IndexError {
    IndexError::State(e.to_string())
}

/// The rows of blocks `from..=until` that share `from`'s date (a batch ends where the date
/// changes, so the next one can recheck what the new day changes), and the block they bring
/// the index to.
fn gather_blocks<S: Source>(
    source: &S,
    genesis: String,
    (from, until, rows): (u64, u64, usize),
    on: Date,
    mut rechecks: BTreeSet<Touch>,
) -> Result<(Batch, Indexed), IndexError> {
    let mut batch = Batch::default();
    let mut to = None;
    for height in from..=until {
        let block = source
            .block(height)
            .map_err(state)?
            .ok_or(IndexError::MissingBlock(height))?;
        let date = Date::from_unix_ms_cst(block.timestamp_ms);
        if date != on || (height > from && batch.len() >= rows) {
            break;
        }
        let keys = source
            .chain()
            .changed_keys(height)
            .map_err(state)?
            .ok_or(IndexError::NoChangeList(height))?;
        let mut touches: BTreeSet<Touch> = keys.iter().filter_map(touched).collect();
        touches.append(&mut rechecks);
        let mut view = source.chain().view(height);
        Gatherer {
            state: &mut view as &mut dyn Storage,
            on,
            batch: &mut batch,
            agreements: Default::default(),
        }
        .gather(touches)
        .map_err(state)?;
        batch.upsert(
            &t::BLOCKS,
            vec![
                height.into(),
                block.hash.to_hex().into(),
                block.timestamp_ms.into(),
                Value::Text(Some(date.to_iso())),
                block.transactions.into(),
                block.proposer.to_hex().into(),
            ],
        );
        to = Some(Indexed {
            genesis: genesis.clone(),
            height,
            hash: block.hash.to_hex(),
            date: date.to_iso(),
        });
    }
    let to = to.ok_or(IndexError::MissingBlock(from))?;
    Ok((batch, to))
}
