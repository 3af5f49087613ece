//! The SQL index of a node's finalized state (the supervision platform's database).
//!
//! One indexer ([`indexer::Indexer`]) feeds it after finality, block by block, from the state
//! keys each block wrote; each transaction writes a batch of blocks' rows together with the
//! height they bring the index to, so a crash at any point resumes without gap or duplicate.
//! SQLite (embedded, in the data directory) by default; PostgreSQL when regulators share one.
//! The same schema ([`schema`], `migrations/`: portable tables, the counts' triggers in each
//! dialect) and the same queries serve both.

pub mod db;
pub mod indexer;
pub mod queries;
pub mod rows;
pub mod schema;
pub mod scratch;

pub use db::{Database, Indexed, Kind};
pub use indexer::{BlockInfo, Indexer, Source};

/// What can go wrong with the index, each naming the fix.
#[derive(Debug, thiserror::Error)]
pub enum IndexError {
    /// `[index] database` is not a URL the node knows.
    #[error(
        "[index] database = {0:?} is neither sqlite:PATH nor postgres://USER@HOST/DATABASE; \
         fix it in the node's config.toml"
    )]
    Url(String),
    /// The database cannot be opened.
    #[error(
        "cannot open the index database {url}: {reason}; check [index] database in the \
         node's config.toml (the chain runs on without the index)"
    )]
    Open {
        /// Its URL, password hidden.
        url: String,
        /// What the driver said.
        reason: String,
    },
    /// A statement failed.
    #[error("the index database failed: {0}")]
    Db(String),
    /// The database holds another chain's index.
    #[error(
        "the index database {url} holds the index of chain {found}, not of this chain \
         ({expected}); point [index] database at another database, or empty it with \
         `hengxin-node reindex`"
    )]
    OtherChain {
        /// Its URL, password hidden.
        url: String,
        /// The genesis it was built from.
        found: String,
        /// This chain's genesis.
        expected: String,
    },
    /// The database was migrated by a newer node.
    #[error(
        "the index database {url} is at schema version {found}, newer than this node's \
         ({known}); upgrade the node or index into another database"
    )]
    NewerSchema {
        /// Its URL, password hidden.
        url: String,
        /// Its version.
        found: i64,
        /// This node's newest.
        known: i64,
    },
    /// The node's own storage failed.
    #[error("the node's storage failed while indexing: {0}")]
    State(String),
    /// Nothing is indexed yet.
    #[error("the index holds no block yet: it is being built, ask again shortly")]
    Empty,
    /// A finalized block is missing from the store.
    #[error("block {0} is not in the node's store")]
    MissingBlock(u64),
    /// A block was committed by a node that kept no change lists.
    #[error(
        "block {0} was stored by an older node that kept no list of the keys it changed: \
         the index can cover this chain only from a data directory synced by this version"
    )]
    NoChangeList(u64),
}
