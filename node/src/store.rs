//! The node's storage: blocks, commit certificates, transaction outcomes and the runtime state,
//! in one sled database. A decided block is one atomic, flushed batch (block, certificate,
//! indexes, state), so after a crash at any moment the stored head and the state agree.
//! Blocks proposed but not yet decided are kept too: the consensus WAL remembers votes for a
//! block by hash only, so a restart must still find the block itself.
//!
//! The store knows blocks and outcomes, not what the pallets' events mean: the indexes fed by
//! events (a certificate's history) are `index.rs`'s, written in the same batch.

use std::path::Path;
use std::sync::RwLock;

use hengxin_primitives::codec::decode_strict;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::{CommitCertificate, Hash, Header};
use hengxin_runtime::{Block, Chain, GenesisConfig, TxError, TxOutcome};
use hengxin_sled_store::SledBackend;
use hengxin_support::{Backend, StateDb, StorageError, WriteBatch};
use parity_scale_codec::{Decode, Encode};

mod index;
pub use index::{CERT_HISTORY_MAX, CertChange, CertHistoryEntry};

const BLOCK: u8 = b'B';
const COMMIT: u8 = b'C';
const HASH: u8 = b'H';
const TX: u8 = b'T';
const PENDING: u8 = b'P';
const HANDOFF: u8 = b'V';
// b'c' is the certificate-history index's (`index.rs`).
const GENESIS_KEY: &[u8] = b"m/genesis";
const HEAD_KEY: &[u8] = b"m/head";

/// Where a finalized transaction landed, and what it did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct TxRecord {
    /// Block height.
    pub height: u64,
    /// Position in the block.
    pub index: u32,
    /// `Ok(())` or why it failed.
    pub result: Result<(), TxError>,
}

/// Why the store cannot serve this node.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The data directory holds another chain.
    #[error("the data directory holds chain {found}, not {expected}; use another --data-dir")]
    OtherChain {
        /// The chain this node runs.
        expected: Hash,
        /// The chain on disk.
        found: Hash,
    },
    /// The genesis configuration is invalid.
    #[error("invalid genesis: {0}")]
    Genesis(String),
    /// The head block and the state disagree (should be impossible: they are written together).
    #[error(
        "stored head at height {height} does not match the state root; the data directory is damaged"
    )]
    Inconsistent {
        /// The head height.
        height: u64,
    },
}

fn key(prefix: u8, body: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(1 + body.len());
    k.push(prefix);
    k.extend_from_slice(body);
    k
}

fn decode<T: Decode>(what: &'static str, bytes: &[u8]) -> Result<T, StorageError> {
    decode_strict(what, bytes).map_err(|e| StorageError::Corrupt(e.to_string()))
}

/// Blocks, certificates, indexes and the runtime's state.
#[derive(Debug)]
pub struct Store {
    backend: SledBackend,
    /// The head's header, kept in memory: read on every admission and API answer. Set when the
    /// store opens and after each write that moves the head, never from a read.
    head: RwLock<Option<Header>>,
    /// The head's height, for those who wait for the next block (the SQL indexer).
    heads: tokio::sync::watch::Sender<u64>,
}

impl Store {
    /// Opens (or creates) the store in `dir`, dropping proposals kept for heights decided
    /// already (left by a crash between a decision and its clean-up).
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let store = Store {
            backend: SledBackend::open(dir)?,
            head: RwLock::new(None),
            heads: tokio::sync::watch::Sender::new(0),
        };
        store.drop_decided_pending()?;
        let head = store.read_head()?;
        store.set_head(head);
        Ok(store)
    }

    fn drop_decided_pending(&self) -> Result<(), StorageError> {
        let Some(head) = self.get::<u64>("head height", HEAD_KEY)? else {
            return Ok(());
        };
        let mut batch = WriteBatch::default();
        for (k, _) in self.backend.scan_prefix(&[PENDING], usize::MAX)? {
            let height = k
                .get(1..9)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes);
            if height.is_none_or(|h| h <= head) {
                batch.ops.push((k, None));
            }
        }
        if batch.ops.is_empty() {
            return Ok(());
        }
        self.backend.commit(batch)
    }

    /// The chain's runtime over this store's state, whose genesis is `genesis` (whose
    /// proposer's key is of the chain's scheme).
    pub fn chain(&self, genesis: &Header) -> Chain<SledBackend> {
        Chain::new(self.state(genesis.scheme()), genesis.hash())
    }

    /// The state over this store, hashing with `scheme`'s hash.
    fn state(&self, scheme: Scheme) -> StateDb<SledBackend> {
        StateDb::new(self.backend.clone(), scheme)
    }

    fn get<T: Decode>(&self, what: &'static str, key: &[u8]) -> Result<Option<T>, StorageError> {
        self.backend
            .get(key)?
            .map(|bytes| decode(what, &bytes))
            .transpose()
    }

    /// The genesis header, if the store was initialized.
    pub fn genesis(&self) -> Result<Option<Header>, StorageError> {
        self.get("genesis header", GENESIS_KEY)
    }

    /// Writes genesis (its header and state) on an empty store, or checks that the store holds
    /// this chain and that its head agrees with its state.
    pub fn init(&self, genesis: &Header, genesis_state: WriteBatch) -> Result<(), StoreError> {
        match self.genesis()? {
            Some(stored) if stored.hash() == genesis.hash() => {
                let head = self.head()?.unwrap_or_else(|| stored.clone());
                let state = self.state(stored.scheme());
                if state.root(head.height)? != head.state_root {
                    return Err(StoreError::Inconsistent {
                        height: head.height,
                    });
                }
                Ok(())
            }
            Some(stored) => Err(StoreError::OtherChain {
                expected: genesis.hash(),
                found: stored.hash(),
            }),
            None => {
                let mut batch = genesis_state;
                batch.put(GENESIS_KEY.to_vec(), genesis.encode());
                batch.put(key(HASH, &genesis.hash().0), 0u64.to_be_bytes().to_vec());
                self.backend.commit(batch)?;
                self.set_head(Some(genesis.clone()));
                Ok(())
            }
        }
    }

    /// Builds `config`'s genesis and initializes the store with it (or checks that the store
    /// holds this chain); returns the genesis header.
    pub fn init_genesis(&self, config: &GenesisConfig) -> Result<Header, StoreError> {
        let executed = config
            .execute(&self.state(config.crypto))
            .map_err(|e| StoreError::Genesis(e.to_string()))?;
        self.init(&executed.header, executed.batch)?;
        Ok(executed.header)
    }

    /// The header of the last decided block (genesis when none was decided yet; `None` before
    /// genesis is written).
    pub fn head(&self) -> Result<Option<Header>, StorageError> {
        Ok(self
            .head
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone())
    }

    /// The head's height now and as it moves.
    pub fn heads(&self) -> tokio::sync::watch::Receiver<u64> {
        self.heads.subscribe()
    }

    fn set_head(&self, head: Option<Header>) {
        let height = head.as_ref().map(|h| h.height);
        *self
            .head
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = head;
        if let Some(height) = height {
            self.heads.send_replace(height);
        }
    }

    /// The head as the database has it.
    fn read_head(&self) -> Result<Option<Header>, StorageError> {
        match self.get::<u64>("head height", HEAD_KEY)? {
            Some(height) => Ok(self.block(height)?.map(|b| b.header)),
            None => self.genesis(),
        }
    }

    /// Writes a decided block with its certificate, outcomes and state, in one flushed batch.
    pub fn commit_block(
        &self,
        block: &Block,
        commit: &CommitCertificate,
        outcomes: &[TxOutcome],
        state: WriteBatch,
    ) -> Result<(), StorageError> {
        let height = block.header.height.to_be_bytes();
        let mut batch = state;
        batch.put(key(BLOCK, &height), block.encode());
        batch.put(key(COMMIT, &height), commit.encode());
        batch.put(key(HASH, &block.header.hash().0), height.to_vec());
        // The block's proposals are decided now: the WAL no longer needs them.
        for (k, _) in self
            .backend
            .scan_prefix(&key(PENDING, &height), usize::MAX)?
        {
            batch.ops.push((k, None));
        }
        let mut indexed = std::collections::BTreeSet::new();
        for (index, outcome) in outcomes.iter().enumerate() {
            let record = TxRecord {
                height: block.header.height,
                index: u32::try_from(index).unwrap_or(u32::MAX),
                result: outcome.result.clone().map(|_| ()),
            };
            // A transaction's first finalized outcome stays: a faulty proposer that includes
            // it again (refused as a replay) must not rewrite it.
            let tx_key = key(TX, &outcome.hash.0);
            if !indexed.insert(outcome.hash) || self.backend.get(&tx_key)?.is_some() {
                continue;
            }
            batch.put(tx_key, record.encode());
            let events = outcome.result.as_deref().unwrap_or_default();
            index::index_events(&mut batch, &record, outcome.hash, events);
        }
        if block.header.next_validator_set_hash != block.header.validator_set_hash {
            batch.put(key(HANDOFF, &height), Vec::new());
        }
        batch.put(HEAD_KEY.to_vec(), block.header.height.encode());
        self.backend.commit(batch)?;
        self.set_head(Some(block.header.clone()));
        Ok(())
    }

    /// The decided block at `height`.
    pub fn block(&self, height: u64) -> Result<Option<Block>, StorageError> {
        self.get("block", &key(BLOCK, &height.to_be_bytes()))
    }

    /// The commit certificate of the block at `height`.
    pub fn commit(&self, height: u64) -> Result<Option<CommitCertificate>, StorageError> {
        self.get("commit certificate", &key(COMMIT, &height.to_be_bytes()))
    }

    /// The height of the block with `hash`.
    pub fn height_of(&self, hash: &Hash) -> Result<Option<u64>, StorageError> {
        let Some(bytes) = self.backend.get(&key(HASH, &hash.0))? else {
            return Ok(None);
        };
        let bytes: [u8; 8] = bytes
            .try_into()
            .map_err(|_| StorageError::Corrupt("block hash index".into()))?;
        Ok(Some(u64::from_be_bytes(bytes)))
    }

    /// Where a finalized transaction landed: `None` until the head has reached its block, so
    /// a reader told "finalized" then reads that block's state, never an older one.
    ///
    /// [`Store::commit_block`] makes a block's rows visible, flushes them, and only then moves
    /// the head; the record is read before the head, so a record above the head is a block
    /// still being written (the transaction is still in the pool, and reads as pending).
    pub fn transaction(&self, hash: &Hash) -> Result<Option<TxRecord>, StorageError> {
        let record: Option<TxRecord> = self.get("transaction record", &key(TX, &hash.0))?;
        Ok(record.filter(|r| self.published(r.height)))
    }

    /// Whether the head has reached `height`: data of a block above it is still being written.
    fn published(&self, height: u64) -> bool {
        self.head()
            .ok()
            .flatten()
            .is_some_and(|head| head.height >= height)
    }

    /// The finalized block at `height`, once the head has reached it (what readers may see;
    /// [`Store::block`] also reads a block whose write has not yet moved the head).
    pub fn finalized_block(&self, height: u64) -> Result<Option<Block>, StorageError> {
        let block = self.block(height)?;
        Ok(block.filter(|b| self.published(b.header.height)))
    }

    /// The heights whose block announced a new validator set, ascending.
    pub fn handoff_heights(&self) -> Result<Vec<u64>, StorageError> {
        self.backend
            .scan_prefix(&[HANDOFF], usize::MAX)?
            .iter()
            .map(|(k, _)| {
                let bytes: [u8; 8] = k[1..]
                    .try_into()
                    .map_err(|_| StorageError::Corrupt("hand-off index".into()))?;
                Ok(u64::from_be_bytes(bytes))
            })
            .collect()
    }

    /// Keeps a proposed block until its height is decided (before the engine hears of it).
    pub fn put_pending(&self, block: &Block) -> Result<(), StorageError> {
        let mut body = block.header.height.to_be_bytes().to_vec();
        body.extend_from_slice(&block.header.hash().0);
        self.backend.commit(WriteBatch {
            ops: vec![(key(PENDING, &body), Some(block.encode()))],
        })
    }

    /// Every block proposed at `height` that was kept.
    pub fn pending_at(&self, height: u64) -> Result<Vec<Block>, StorageError> {
        self.backend
            .scan_prefix(&key(PENDING, &height.to_be_bytes()), usize::MAX)?
            .iter()
            .map(|(_, bytes)| decode("pending block", bytes))
            .collect()
    }

    /// A proposed block by height and hash.
    pub fn pending(&self, height: u64, hash: &Hash) -> Result<Option<Block>, StorageError> {
        let mut body = height.to_be_bytes().to_vec();
        body.extend_from_slice(&hash.0);
        self.get("pending block", &key(PENDING, &body))
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use hengxin_chain_spec::demo;
    use hengxin_primitives::Date;
    use hengxin_primitives::TxPayload;
    use hengxin_primitives::block::ValidatorSet;
    use hengxin_runtime::GenesisConfig;

    const GENESIS_MS: u64 = 1_780_000_000_000;

    fn config() -> GenesisConfig {
        let set = ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap();
        demo::genesis(GENESIS_MS, set).unwrap()
    }

    pub(super) fn open_with_genesis(dir: &Path) -> (Store, Header) {
        let store = Store::open(dir).unwrap();
        let executed = config()
            .execute(&store.state(Scheme::Ed25519Sha256))
            .unwrap();
        store.init(&executed.header, executed.batch).unwrap();
        (store, executed.header)
    }

    fn commit_for(chain: &Hash, header: &Header) -> CommitCertificate {
        CommitCertificate::signed_by(chain, header, 0, &[demo::key("validator-0")])
    }

    #[test]
    fn decided_blocks_survive_a_restart_with_their_state() {
        let dir = tempfile::tempdir().unwrap();
        let (genesis, head) = {
            let (store, genesis) = open_with_genesis(dir.path());
            let chain = store.chain(&genesis);
            let lab = demo::key("lab-cq");
            let mut head = genesis.clone();
            let mut last_tx = Hash::ZERO;
            for i in 0..3u64 {
                let tx = TxPayload {
                    genesis_hash: genesis.hash(),
                    signer: lab.public(),
                    nonce: i,
                    valid_until_height: 100,
                    call: demo::sample_anchor(
                        Default::default(),
                        format!("S-{i}").parse().unwrap(),
                        Date::from_unix_ms_cst(GENESIS_MS),
                    ),
                }
                .sign(&lab);
                last_tx = tx.hash();
                let executed = chain
                    .execute(
                        &head,
                        head.timestamp_ms + 1_000,
                        demo::key("validator-0").public(),
                        std::slice::from_ref(&tx),
                    )
                    .unwrap();
                let block = Block {
                    header: executed.header.clone(),
                    transactions: vec![tx],
                };
                let commit = commit_for(&genesis.hash(), &block.header);
                store
                    .commit_block(&block, &commit, &executed.outcomes, executed.batch)
                    .unwrap();
                head = executed.header;
            }
            let record = store.transaction(&last_tx).unwrap().unwrap();
            assert_eq!((record.height, record.index, record.result), (3, 0, Ok(())));
            (genesis, head)
        };
        let (store, _) = open_with_genesis(dir.path());
        assert_eq!(store.head().unwrap(), Some(head.clone()));
        assert_eq!(store.height_of(&head.hash()).unwrap(), Some(3));
        let commit = store.commit(3).unwrap().unwrap();
        let set = ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap();
        assert!(commit.verify(&genesis.hash(), &head, &set).is_ok());
        assert_eq!(
            store.state(Scheme::Ed25519Sha256).root(3).unwrap(),
            head.state_root
        );
    }

    #[test]
    fn a_data_dir_of_another_chain_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let (store, _) = open_with_genesis(dir.path());
        let mut other = config();
        other.genesis_time_ms += 1;
        let executed = other.execute(&store.state(other.crypto)).unwrap();
        assert!(matches!(
            store.init(&executed.header, executed.batch),
            Err(StoreError::OtherChain { .. })
        ));
    }

    #[test]
    fn pending_blocks_are_kept_by_height_and_hash() {
        let dir = tempfile::tempdir().unwrap();
        let (store, genesis) = open_with_genesis(dir.path());
        let mut header = genesis.clone();
        header.height = 1;
        let block = Block {
            header: header.clone(),
            transactions: vec![],
        };
        store.put_pending(&block).unwrap();
        assert_eq!(
            store.pending(1, &header.hash()).unwrap(),
            Some(block.clone())
        );
        assert_eq!(store.pending(1, &genesis.hash()).unwrap(), None);
        assert_eq!(store.pending_at(1).unwrap(), vec![block]);
        assert!(store.pending_at(2).unwrap().is_empty());
    }

    /// Executes `txs` on `head` and commits the block; its header and outcomes.
    pub(super) fn commit_txs(
        store: &Store,
        genesis: &Header,
        head: &Header,
        txs: Vec<hengxin_runtime::Transaction>,
    ) -> (Header, Vec<TxOutcome>) {
        let chain = store.chain(genesis);
        let proposer = demo::key("validator-0").public();
        let executed = chain
            .execute(head, head.timestamp_ms + 1_000, proposer, &txs)
            .unwrap();
        let block = Block {
            header: executed.header.clone(),
            transactions: txs,
        };
        let commit = commit_for(&genesis.hash(), &block.header);
        store
            .commit_block(&block, &commit, &executed.outcomes, executed.batch)
            .unwrap();
        (executed.header, executed.outcomes)
    }

    /// Lab CQJL's transaction `call` with `nonce`.
    pub(super) fn lab_tx(
        genesis: &Header,
        nonce: u64,
        call: hengxin_runtime::Call,
    ) -> hengxin_runtime::Transaction {
        let lab = demo::key("lab-cq");
        TxPayload {
            genesis_hash: genesis.hash(),
            signer: lab.public(),
            nonce,
            valid_until_height: 100,
            call,
        }
        .sign(&lab)
    }

    /// Lab CQJL anchoring the sample certificate `R-{nonce}`.
    pub(super) fn anchor(genesis: &Header, nonce: u64) -> hengxin_runtime::Transaction {
        let number = format!("R-{nonce}").parse().unwrap();
        let call = demo::sample_anchor(
            Default::default(),
            number,
            Date::from_unix_ms_cst(GENESIS_MS),
        );
        lab_tx(genesis, nonce, call)
    }

    /// Readers poll the newest block's transaction while blocks are committed: whoever is
    /// told it is finalized must find the head (and so the state it reads) at its block or
    /// later. Before the head gated the index, a reader saw the record during the flush.
    #[test]
    fn a_transaction_reads_as_finalized_only_once_the_head_has_reached_its_block() {
        use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
        use std::sync::{Arc, Mutex};
        let dir = tempfile::tempdir().unwrap();
        let (store, genesis) = open_with_genesis(dir.path());
        let store = Arc::new(store);
        let watched: Arc<Mutex<Option<Hash>>> = Arc::default();
        let done = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(AtomicUsize::new(0));
        let readers: Vec<_> = (0..3)
            .map(|_| {
                let (store, watched) = (store.clone(), watched.clone());
                let (done, seen) = (done.clone(), seen.clone());
                std::thread::spawn(move || {
                    while !done.load(Ordering::Acquire) {
                        let Some(hash) = *watched.lock().unwrap() else {
                            continue;
                        };
                        if let Some(record) = store.transaction(&hash).unwrap() {
                            let head = store.head().unwrap().unwrap().height;
                            assert!(
                                head >= record.height,
                                "told finalized at height {}, the head is at {head}",
                                record.height
                            );
                            assert!(store.finalized_block(record.height).unwrap().is_some());
                            seen.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                })
            })
            .collect();
        let mut head = genesis.clone();
        for nonce in 0..40 {
            let tx = anchor(&genesis, nonce);
            *watched.lock().unwrap() = Some(tx.hash());
            head = commit_txs(&store, &genesis, &head, vec![tx]).0;
        }
        done.store(true, Ordering::Release);
        for reader in readers {
            reader
                .join()
                .expect("a reader saw a transaction before its block's head");
        }
        assert!(seen.load(Ordering::Relaxed) > 0, "no reader saw a record");
    }

    #[test]
    fn a_replayed_transaction_keeps_its_first_finalized_outcome() {
        let dir = tempfile::tempdir().unwrap();
        let (store, genesis) = open_with_genesis(dir.path());
        let tx = anchor(&genesis, 0);
        let (head, _) = commit_txs(&store, &genesis, &genesis, vec![tx.clone()]);
        // A faulty proposer includes it again, and twice in one block: refused as stale.
        let (_, outcomes) = commit_txs(&store, &genesis, &head, vec![tx.clone(), tx.clone()]);
        assert!(outcomes.iter().all(|o| o.result.is_err()));
        let record = store.transaction(&tx.hash()).unwrap().unwrap();
        assert_eq!((record.height, record.index, record.result), (1, 0, Ok(())));
        // Within one block, the first outcome stays too.
        let fresh = anchor(&genesis, 1);
        let (_, outcomes) = commit_txs(
            &store,
            &genesis,
            &store.head().unwrap().unwrap(),
            vec![fresh.clone(), fresh.clone()],
        );
        assert!(outcomes[0].result.is_ok() && outcomes[1].result.is_err());
        let record = store.transaction(&fresh.hash()).unwrap().unwrap();
        assert_eq!((record.index, record.result), (0, Ok(())));
    }

    #[test]
    fn pending_blocks_go_when_their_height_is_decided_and_on_restart() {
        let dir = tempfile::tempdir().unwrap();
        let (store, genesis) = open_with_genesis(dir.path());
        let proposed = |height: u64, timestamp_ms: u64| {
            let mut header = genesis.clone();
            header.height = height;
            header.timestamp_ms = timestamp_ms;
            Block {
                header,
                transactions: vec![],
            }
        };
        store.put_pending(&proposed(1, 1)).unwrap();
        store.put_pending(&proposed(1, 2)).unwrap();
        store.put_pending(&proposed(2, 3)).unwrap();
        let (head, _) = commit_txs(&store, &genesis, &genesis, Vec::new());
        assert!(
            store.pending_at(1).unwrap().is_empty(),
            "decided: its proposals go"
        );
        assert_eq!(
            store.pending_at(2).unwrap().len(),
            1,
            "the next height's stay"
        );
        // One left behind below the head (a crash between the two writes) goes at the next open.
        store.put_pending(&proposed(1, 4)).unwrap();
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert!(store.pending_at(1).unwrap().is_empty());
        assert_eq!(store.pending_at(2).unwrap().len(), 1);
        assert_eq!(store.head().unwrap(), Some(head));
    }
}
