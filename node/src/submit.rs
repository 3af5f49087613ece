//! Where transactions enter a node, from the HTTP API or from gossip: checked against the
//! state at the head, pooled, and (when they came from a client) gossiped on.

use std::sync::Arc;

use hengxin_primitives::{Hash, Header};
use hengxin_runtime::{Chain, Transaction, TxError};
use hengxin_sled_store::SledBackend;
use hengxin_support::StorageError;
use parity_scale_codec::Encode;
use tokio::sync::mpsc;
use tracing::warn;

use crate::mempool::{AdmitError, Mempool};
use crate::store::Store;

/// Why a submitted transaction was not accepted.
#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
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
}

impl Submitter {
    /// A submitter over a node's store and pool; `gossip` publishes accepted transactions.
    pub fn new(
        store: Arc<Store>,
        genesis: &Header,
        mempool: Arc<Mempool>,
        gossip: Option<mpsc::Sender<Vec<u8>>>,
    ) -> Submitter {
        let chain = Arc::new(store.chain(genesis));
        Submitter {
            store,
            chain,
            mempool,
            gossip,
        }
    }

    /// Checks `tx` and admits it to the pool, without gossiping it (it came by gossip).
    pub fn admit(&self, tx: Transaction) -> Result<Hash, SubmitError> {
        let head = self.store.head()?.map_or(0, |h| h.height);
        self.chain.check_transaction(&tx, head)??;
        Ok(self.mempool.insert(tx)?)
    }

    /// Checks `tx`, admits it to the pool and gossips it to the other nodes.
    pub fn submit(&self, tx: Transaction) -> Result<Hash, SubmitError> {
        let bytes = tx.encode();
        let hash = self.admit(tx)?;
        if let Some(gossip) = &self.gossip
            && gossip.try_send(bytes).is_err()
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
