//! Where transactions enter a node, from the HTTP API or from gossip: checked against the
//! state at the head, pooled, and (when they came from a client) gossiped on.

use std::sync::Arc;

use hengxin_api_types::BATCH_TXS_MAX;
use hengxin_primitives::codec::decode_strict;
use hengxin_primitives::{Hash, Header};
use hengxin_runtime::{Chain, TxDecodeError, TxError, decode_transaction};
use hengxin_sled_store::SledBackend;
use hengxin_support::StorageError;
use parity_scale_codec::{Compact, Decode};
use tokio::sync::mpsc;
use tracing::warn;

use crate::mempool::{AdmitError, Mempool};
use crate::metrics::{Metrics, Stage};
use crate::store::Store;

/// Why a submitted transaction was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    /// The bytes are no transaction (too large, or not canonical SCALE).
    #[error(transparent)]
    Undecodable(#[from] TxDecodeError),
    /// It fails the chain's checks (signature, chain, nonce, expiry).
    #[error(transparent)]
    Invalid(#[from] TxError),
    /// The pool refused it.
    #[error(transparent)]
    Pool(#[from] AdmitError),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Where transactions enter a node: checked against the state at the head, pooled, and
/// gossiped to the other nodes. Cheap to clone.
#[derive(Clone)]
pub struct Submitter {
    store: Arc<Store>,
    chain: Arc<Chain<SledBackend>>,
    mempool: Arc<Mempool>,
    gossip: Option<mpsc::Sender<Vec<u8>>>,
    metrics: Arc<Metrics>,
}

impl Submitter {
    /// A submitter over a node's store and pool; `gossip` publishes accepted transactions, and
    /// `metrics` counts the time of admissions.
    pub fn new(
        store: Arc<Store>,
        genesis: &Header,
        mempool: Arc<Mempool>,
        gossip: Option<mpsc::Sender<Vec<u8>>>,
        metrics: Arc<Metrics>,
    ) -> Submitter {
        let chain = Arc::new(store.chain(genesis));
        Submitter {
            store,
            chain,
            mempool,
            gossip,
            metrics,
        }
    }

    /// Decodes and checks a transaction's bytes and admits it to the pool, without gossiping
    /// it (it came by gossip). Its hash and size are those of the bytes, which strict decoding
    /// proves canonical, so nothing is re-encoded to hash or measure it.
    pub fn admit(&self, bytes: &[u8]) -> Result<Hash, SubmitError> {
        self.metrics.timed(Stage::Admission, || {
            let tx = decode_transaction(bytes)?;
            let hash = tx.hash_encoded(bytes);
            if let Some(refusal) = self.mempool.refusal(&tx, &hash, bytes.len()) {
                return Err(refusal.into());
            }
            let head = self.store.head()?.map_or(0, |h| h.height);
            self.chain.check_transaction(&tx, head)??;
            self.mempool.insert(tx, hash, bytes.len())?;
            Ok(hash)
        })
    }

    /// Decodes, checks and admits a transaction's bytes, and gossips them to the other nodes.
    pub fn submit(&self, bytes: &[u8]) -> Result<Hash, SubmitError> {
        let hash = self.admit(bytes)?;
        if let Some(gossip) = &self.gossip
            && gossip.try_send(bytes.to_vec()).is_err()
        {
            warn!(%hash, "gossip queue full: the transaction waits in this node's pool only");
        }
        Ok(hash)
    }

    /// The node's store.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The chain's runtime over the node's state.
    pub fn chain(&self) -> &Chain<SledBackend> {
        &self.chain
    }

    /// The node's pool.
    pub fn mempool(&self) -> &Mempool {
        &self.mempool
    }
}

/// Why bytes are not a batch of transactions.
#[derive(Debug, thiserror::Error)]
pub enum BatchError {
    /// More transactions than a batch may hold.
    #[error("a batch holds at most {BATCH_TXS_MAX} transactions, not {0}; split it")]
    TooMany(u32),
    /// Not a SCALE list of byte strings.
    #[error("{0}")]
    Undecodable(String),
}

/// A batch's transactions, still encoded (a SCALE `Vec<Vec<u8>>`, as the batch endpoint and
/// the transaction gossip carry them): the count is checked before anything is decoded.
pub fn decode_batch(bytes: &[u8]) -> Result<Vec<Vec<u8>>, BatchError> {
    let count = Compact::<u32>::decode(&mut &bytes[..])
        .map_err(|e| BatchError::Undecodable(e.to_string()))?;
    if count.0 as usize > BATCH_TXS_MAX {
        return Err(BatchError::TooMany(count.0));
    }
    decode_strict("transaction batch", bytes).map_err(|e| BatchError::Undecodable(e.to_string()))
}
