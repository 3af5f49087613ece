//! The node's side of the SQL index: its finalized blocks and state as the indexer's source,
//! the database `[index] database` names, opened and fed beside consensus (never in its way:
//! a database that is slow or gone only makes the index lag), and `hengxin-node reindex`.

use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use hengxin_index::{BlockInfo, Database, IndexError, Indexed, Indexer, Kind, Source, db};
use hengxin_primitives::{Hash, Header};
use hengxin_runtime::Chain;
use hengxin_sled_store::SledBackend;
use hengxin_support::StorageError;
use tokio::task::JoinHandle;

use crate::store::Store;

/// The default `[index] database`: SQLite in the data directory.
pub const DEFAULT_DATABASE: &str = "sqlite:index.sqlite";

/// How many connections the node keeps to the database (the indexer's and the API's reads).
const CONNECTIONS: u32 = 4;

/// The node's finalized blocks and state.
pub struct NodeSource {
    store: Arc<Store>,
    chain: Chain<SledBackend>,
    genesis: Header,
}

impl NodeSource {
    /// The source of `store`, whose genesis is `genesis`.
    pub fn new(store: Arc<Store>, genesis: &Header) -> NodeSource {
        NodeSource {
            chain: store.chain(genesis),
            store,
            genesis: genesis.clone(),
        }
    }
}

impl Source for NodeSource {
    type Backend = SledBackend;

    fn chain(&self) -> &Chain<SledBackend> {
        &self.chain
    }

    fn genesis(&self) -> Hash {
        self.genesis.hash()
    }

    fn head(&self) -> Result<u64, StorageError> {
        Ok(self.store.head()?.map_or(0, |h| h.height))
    }

    fn block(&self, height: u64) -> Result<Option<BlockInfo>, StorageError> {
        if height == 0 {
            return Ok(Some(BlockInfo {
                hash: self.genesis.hash(),
                timestamp_ms: self.genesis.timestamp_ms,
                transactions: 0,
                proposer: self.genesis.proposer,
            }));
        }
        Ok(self.store.finalized_block(height)?.map(|b| BlockInfo {
            hash: b.header.hash(),
            timestamp_ms: b.header.timestamp_ms,
            transactions: b.transactions.len() as u64,
            proposer: b.header.proposer,
        }))
    }
}

/// Where the index stands, for the API.
#[derive(Clone, Debug)]
enum State {
    /// `[index] database = "off"`.
    Off,
    /// Not open yet, and why (`None` while the first attempt runs).
    Opening(Option<String>),
    /// Open.
    Open(Database),
}

/// The index as the API sees it: its database once open, or why there is none.
#[derive(Clone, Debug)]
pub struct IndexHandle {
    state: Arc<RwLock<State>>,
}

impl IndexHandle {
    /// An index that is off.
    pub fn off() -> IndexHandle {
        IndexHandle {
            state: Arc::new(RwLock::new(State::Off)),
        }
    }

    /// An index on `database`, open already (tests, tools).
    pub fn open(database: Database) -> IndexHandle {
        IndexHandle {
            state: Arc::new(RwLock::new(State::Open(database))),
        }
    }

    fn set(&self, state: State) {
        *self.state.write().unwrap_or_else(|p| p.into_inner()) = state;
    }

    /// The database, or why the index cannot answer.
    pub fn database(&self) -> Result<Database, String> {
        match &*self.state.read().unwrap_or_else(|p| p.into_inner()) {
            State::Open(db) => Ok(db.clone()),
            State::Off => Err("this node keeps no index ([index] database = \"off\")".into()),
            State::Opening(None) => Err("the index database is being opened".into()),
            State::Opening(Some(why)) => Err(why.clone()),
        }
    }
}

/// The URL `configured` names, checked (`None`: off).
pub fn resolve(configured: &str, data_dir: &Path) -> Result<Option<(Kind, String)>, IndexError> {
    if configured == "off" {
        return Ok(None);
    }
    db::resolve(configured, data_dir).map(Some)
}

/// Opens the database (retrying, backing off to 30 s, while it cannot be) and then feeds it
/// from `store` for as long as the node runs.
pub fn spawn(
    target: Option<(Kind, String)>,
    store: Arc<Store>,
    genesis: &Header,
) -> (IndexHandle, Option<JoinHandle<()>>) {
    let Some((kind, url)) = target else {
        return (IndexHandle::off(), None);
    };
    let handle = IndexHandle {
        state: Arc::new(RwLock::new(State::Opening(None))),
    };
    let source = Arc::new(NodeSource::new(store.clone(), genesis));
    let shared = handle.clone();
    let task = tokio::spawn(async move {
        let mut backoff = Duration::from_millis(500);
        let database = loop {
            match Database::open(kind, &url, CONNECTIONS).await {
                Ok(database) => break database,
                Err(e) => {
                    tracing::warn!("{e}; retrying in {backoff:?}");
                    shared.set(State::Opening(Some(e.to_string())));
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(30));
                }
            }
        };
        tracing::info!(database = database.url(), "indexing finalized blocks");
        shared.set(State::Open(database.clone()));
        Indexer::new(source, database).run(store.heads()).await;
    });
    (handle, Some(task))
}

/// Empties the index and rebuilds it from the blocks in `store`, printing progress; the node
/// must be stopped (its store is this process's).
pub async fn reindex(
    target: (Kind, String),
    store: Arc<Store>,
    genesis: &Header,
    progress: impl Fn(&Indexed, u64),
) -> anyhow::Result<Indexed> {
    let database = Database::open(target.0, &target.1, 2).await?;
    database.clear().await?;
    let source = Arc::new(NodeSource::new(store.clone(), genesis));
    let head = source.head()?;
    let indexer = Indexer::new(source, database.clone());
    while indexer.step().await? {
        if let Some(at) = database.indexed().await? {
            progress(&at, head);
        }
    }
    database
        .indexed()
        .await?
        .ok_or_else(|| anyhow::anyhow!("the chain has no block to index"))
}
