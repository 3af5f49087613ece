//! The mempool: signature- and nonce-checked transactions waiting for a block, bounded in count,
//! bytes and per account, de-duplicated, and handed to the proposer in nonce order per account.
//! A full pool refuses new transactions rather than growing.

use std::collections::BTreeMap;
use std::sync::Mutex;

use hengxin_primitives::{Hash, PublicKey};
use hengxin_runtime::Transaction;

/// The pool's limits.
#[derive(Debug, Clone, Copy)]
pub struct MempoolLimits {
    /// Transactions in all.
    pub txs_max: usize,
    /// Encoded bytes in all.
    pub bytes_max: usize,
    /// Transactions of one account.
    pub per_account_max: usize,
}

impl Default for MempoolLimits {
    fn default() -> Self {
        MempoolLimits {
            txs_max: 20_000,
            bytes_max: 64 * 1024 * 1024,
            per_account_max: 5_000,
        }
    }
}

/// Why the pool refused a transaction.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdmitError {
    /// The pool is at a limit; try again later.
    #[error("the mempool is full ({0}); retry later")]
    Full(&'static str),
    /// The account has as many transactions waiting as it may.
    #[error("this account has {0} transactions waiting; wait for some to be finalized")]
    AccountFull(usize),
    /// The same transaction is already waiting.
    #[error("this transaction is already in the mempool")]
    Duplicate,
    /// Another transaction with this account's nonce is already waiting.
    #[error("another transaction with nonce {0} of this account is already waiting")]
    NonceTaken(u64),
}

#[derive(Debug)]
struct Entry {
    tx: Transaction,
    hash: Hash,
    size: usize,
    arrival: u64,
}

#[derive(Debug, Default)]
struct Pool {
    accounts: BTreeMap<PublicKey, BTreeMap<u64, Entry>>,
    hashes: BTreeMap<Hash, (PublicKey, u64)>,
    bytes: usize,
    arrivals: u64,
}

impl Pool {
    fn remove(&mut self, account: &PublicKey, nonce: u64) {
        let Some(entries) = self.accounts.get_mut(account) else {
            return;
        };
        if let Some(entry) = entries.remove(&nonce) {
            self.bytes -= entry.size;
            self.hashes.remove(&entry.hash);
        }
        if entries.is_empty() {
            self.accounts.remove(account);
        }
    }
}

/// Transactions waiting for a block.
#[derive(Debug, Default)]
pub struct Mempool {
    limits: MempoolLimits,
    pool: Mutex<Pool>,
    /// Woken on every admission (an idle chain waits on it for its next block).
    admitted: tokio::sync::Notify,
}

impl Mempool {
    /// An empty pool with `limits`.
    pub fn new(limits: MempoolLimits) -> Mempool {
        Mempool {
            limits,
            pool: Mutex::new(Pool::default()),
            admitted: tokio::sync::Notify::new(),
        }
    }

    fn pool(&self) -> std::sync::MutexGuard<'_, Pool> {
        // A panic while holding the lock leaves the pool consistent (every update is a few
        // map operations), so a poisoned lock is still usable.
        self.pool.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Why the pool would refuse `tx` (with hash `hash`, and `size` bytes encoded) now, if it
    /// would: checked before its signature, so a duplicate (gossip brings each transaction from
    /// every peer) or a transaction for a full pool costs no signature check.
    pub fn refusal(&self, tx: &Transaction, hash: &Hash, size: usize) -> Option<AdmitError> {
        self.refusal_in(&self.pool(), tx, hash, size)
    }

    fn refusal_in(
        &self,
        pool: &Pool,
        tx: &Transaction,
        hash: &Hash,
        size: usize,
    ) -> Option<AdmitError> {
        let (account, nonce) = (tx.payload.signer, tx.payload.nonce);
        let waiting = pool.accounts.get(&account);
        if pool.hashes.contains_key(hash) {
            Some(AdmitError::Duplicate)
        } else if pool.hashes.len() >= self.limits.txs_max {
            Some(AdmitError::Full("transaction count"))
        } else if pool.bytes + size > self.limits.bytes_max {
            Some(AdmitError::Full("bytes"))
        } else if waiting.map_or(0, BTreeMap::len) >= self.limits.per_account_max {
            Some(AdmitError::AccountFull(waiting.map_or(0, BTreeMap::len)))
        } else if waiting.is_some_and(|e| e.contains_key(&nonce)) {
            Some(AdmitError::NonceTaken(nonce))
        } else {
            None
        }
    }

    /// Admits a transaction (with hash `hash`, and `size` bytes encoded) whose signature, chain
    /// and nonce the caller has checked.
    pub fn insert(&self, tx: Transaction, hash: Hash, size: usize) -> Result<(), AdmitError> {
        let (account, nonce) = (tx.payload.signer, tx.payload.nonce);
        let mut pool = self.pool();
        if let Some(refusal) = self.refusal_in(&pool, &tx, &hash, size) {
            return Err(refusal);
        }
        pool.arrivals += 1;
        let arrival = pool.arrivals;
        pool.accounts.entry(account).or_default().insert(
            nonce,
            Entry {
                tx,
                hash,
                size,
                arrival,
            },
        );
        pool.hashes.insert(hash, (account, nonce));
        pool.bytes += size;
        drop(pool);
        self.admitted.notify_one();
        Ok(())
    }

    /// Up to `txs_max` transactions (and `bytes_max` bytes) for a block: for each account, its
    /// waiting transactions with consecutive nonces from `next_nonce(account)`, accounts taken
    /// in turn by the arrival of their first transaction, so no account starves the others.
    pub fn select<E>(
        &self,
        next_nonce: impl Fn(&PublicKey) -> Result<u64, E>,
        txs_max: usize,
        bytes_max: usize,
    ) -> Result<Vec<Transaction>, E> {
        let pool = self.pool();
        let mut queues: Vec<Vec<&Entry>> = Vec::new();
        for (account, entries) in &pool.accounts {
            let mut expected = next_nonce(account)?;
            let queue: Vec<&Entry> = entries
                .range(expected..)
                .take_while(|(nonce, _)| {
                    let next = **nonce == expected;
                    expected += 1;
                    next
                })
                .map(|(_, e)| e)
                .collect();
            if !queue.is_empty() {
                queues.push(queue);
            }
        }
        queues.sort_by_key(|q| q[0].arrival);
        let (mut picked, mut bytes) = (Vec::new(), 0);
        let mut depth = 0;
        while picked.len() < txs_max {
            let mut any = false;
            for queue in &queues {
                let Some(entry) = queue.get(depth) else {
                    continue;
                };
                any = true;
                if picked.len() >= txs_max || bytes + entry.size > bytes_max {
                    return Ok(picked);
                }
                bytes += entry.size;
                picked.push(entry.tx.clone());
            }
            if !any {
                break;
            }
            depth += 1;
        }
        Ok(picked)
    }

    /// Drops the transactions of a decided block, the rejected ones too: a rejected transaction
    /// keeps its nonce unused, so the nonce alone would leave it waiting to be rejected again.
    /// `decided` pairs each transaction with its hash (the block's outcomes carry them).
    pub fn remove_included<'a>(&self, decided: impl IntoIterator<Item = (&'a Transaction, Hash)>) {
        let mut pool = self.pool();
        for (tx, hash) in decided {
            let (account, nonce) = (tx.payload.signer, tx.payload.nonce);
            let same = pool
                .accounts
                .get(&account)
                .and_then(|entries| entries.get(&nonce))
                .is_some_and(|entry| entry.hash == hash);
            if same {
                pool.remove(&account, nonce);
            }
        }
    }

    /// Drops transactions whose nonce the chain has passed (included, or replaced). A failure
    /// to read a nonce drops nothing and is returned.
    pub fn prune<E>(&self, next_nonce: impl Fn(&PublicKey) -> Result<u64, E>) -> Result<(), E> {
        let mut pool = self.pool();
        let mut stale: Vec<(PublicKey, u64)> = Vec::new();
        for (account, entries) in &pool.accounts {
            let next = next_nonce(account)?;
            stale.extend(entries.range(..next).map(|(nonce, _)| (*account, *nonce)));
        }
        for (account, nonce) in stale {
            pool.remove(&account, nonce);
        }
        Ok(())
    }

    /// Whether some account's next transaction (nonce `next_nonce(account)`) is waiting, so a
    /// block would not be empty. A transaction after a nonce gap is not ready.
    pub fn has_ready<E>(
        &self,
        next_nonce: impl Fn(&PublicKey) -> Result<u64, E>,
    ) -> Result<bool, E> {
        for (account, entries) in &self.pool().accounts {
            if entries.contains_key(&next_nonce(account)?) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    /// Returns when a transaction was admitted since the last call returned (at once if one
    /// was); what it admitted may already be gone.
    pub async fn admitted(&self) {
        self.admitted.notified().await;
    }

    /// Whether `hash` is waiting.
    pub fn contains(&self, hash: &Hash) -> bool {
        self.pool().hashes.contains_key(hash)
    }

    /// Transactions waiting.
    pub fn len(&self) -> usize {
        self.pool().hashes.len()
    }

    /// Whether nothing is waiting.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes waiting.
    pub fn bytes(&self) -> usize {
        self.pool().bytes
    }
}

/// The pool admits only transactions whose signature passed the one rule, so a block's
/// execution need not check those again (see `Chain::trusting`).
impl hengxin_runtime::CheckedSignatures for Mempool {
    fn checked(&self, tx_hash: &Hash) -> bool {
        self.contains(tx_hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;
    use std::time::Duration;

    use hengxin_primitives::{Keypair, TxPayload};
    use hengxin_runtime::{Call, membership};

    /// Inserts `tx` under its hash.
    fn add(pool: &Mempool, tx: Transaction) -> Result<Hash, AdmitError> {
        let (hash, size) = (tx.hash(), tx.encoded_size());
        pool.insert(tx, hash, size).map(|()| hash)
    }

    /// Why `pool` would refuse `tx` now.
    fn refusal(pool: &Mempool, tx: &Transaction) -> Option<AdmitError> {
        pool.refusal(tx, &tx.hash(), tx.encoded_size())
    }

    fn tx(key: &Keypair, nonce: u64) -> Transaction {
        let call = Call::Membership(membership::Call::ApproveValidatorSet { id: nonce });
        TxPayload {
            genesis_hash: Hash::ZERO,
            signer: key.public(),
            nonce,
            valid_until_height: 9,
            call,
        }
        .sign(key)
    }

    #[test]
    fn only_a_next_nonce_is_ready_and_an_admission_wakes_the_waiter() {
        let pool = Mempool::new(MempoolLimits::default());
        let a = Keypair::from_seed(&[1; 32]);
        let next = |_: &PublicKey| Ok::<u64, ()>(3);
        assert_eq!(pool.has_ready(next), Ok(false));
        add(&pool, tx(&a, 5)).unwrap();
        assert_eq!(pool.has_ready(next), Ok(false), "nonce 4 is missing");
        let woken = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap()
            .block_on(async {
                let wait = tokio::time::timeout(Duration::from_secs(5), pool.admitted());
                wait.await.is_ok()
            });
        assert!(woken, "the admission before the wait is remembered");
        add(&pool, tx(&a, 3)).unwrap();
        assert_eq!(pool.has_ready(next), Ok(true));
    }

    #[test]
    fn a_refusal_is_known_before_the_signature_is_checked() {
        let limits = MempoolLimits {
            txs_max: 1,
            ..MempoolLimits::default()
        };
        let pool = Mempool::new(limits);
        let a = Keypair::from_seed(&[1; 32]);
        let first = tx(&a, 0);
        assert_eq!(refusal(&pool, &first), None);
        add(&pool, first.clone()).unwrap();
        assert_eq!(refusal(&pool, &first), Some(AdmitError::Duplicate));
        let next = tx(&a, 1);
        assert_eq!(
            refusal(&pool, &next),
            Some(AdmitError::Full("transaction count"))
        );
        assert_eq!(pool.len(), 1, "asking admits nothing");
    }

    #[test]
    fn duplicates_and_taken_nonces_are_refused() {
        let pool = Mempool::new(MempoolLimits::default());
        let a = Keypair::from_seed(&[1; 32]);
        add(&pool, tx(&a, 0)).unwrap();
        assert_eq!(add(&pool, tx(&a, 0)), Err(AdmitError::Duplicate));
        let mut other = tx(&a, 0);
        other.payload.valid_until_height = 10;
        let other = other.payload.sign(&a);
        assert_eq!(add(&pool, other), Err(AdmitError::NonceTaken(0)));
        assert_eq!(pool.len(), 1);
    }

    #[test]
    fn a_decided_transaction_leaves_the_pool_even_when_it_was_rejected() {
        let pool = Mempool::new(MempoolLimits::default());
        let a = Keypair::from_seed(&[1; 32]);
        let (rejected, other) = (tx(&a, 0), tx(&Keypair::from_seed(&[2; 32]), 0));
        add(&pool, rejected.clone()).unwrap();
        add(&pool, other.clone()).unwrap();
        // Rejected in a block: its nonce stays unused, so pruning by nonce keeps it…
        pool.prune(|_| Ok::<_, ()>(0)).unwrap();
        assert!(pool.contains(&rejected.hash()));
        // …and removing the block's transactions drops it, and only what the block held.
        pool.remove_included([(&rejected, rejected.hash())]);
        assert!(!pool.contains(&rejected.hash()));
        assert!(pool.contains(&other.hash()));
        let mut replacement = rejected.clone();
        replacement.payload.valid_until_height = 10;
        let replacement = replacement.payload.sign(&a);
        assert_eq!(add(&pool, replacement.clone()), Ok(replacement.hash()));
        pool.remove_included([(&rejected, rejected.hash())]);
        assert!(
            pool.contains(&replacement.hash()),
            "another transaction with the same nonce stays"
        );
    }

    #[test]
    fn limits_refuse_rather_than_grow() {
        let limits = MempoolLimits {
            txs_max: 3,
            bytes_max: usize::MAX,
            per_account_max: 2,
        };
        let pool = Mempool::new(limits);
        let (a, b) = (Keypair::from_seed(&[1; 32]), Keypair::from_seed(&[2; 32]));
        add(&pool, tx(&a, 0)).unwrap();
        add(&pool, tx(&a, 1)).unwrap();
        assert_eq!(add(&pool, tx(&a, 2)), Err(AdmitError::AccountFull(2)));
        add(&pool, tx(&b, 0)).unwrap();
        assert_eq!(
            add(&pool, tx(&b, 1)),
            Err(AdmitError::Full("transaction count"))
        );
        let size = tx(&a, 0).encoded_size();
        let small = Mempool::new(MempoolLimits {
            txs_max: 10,
            bytes_max: size,
            per_account_max: 10,
        });
        add(&small, tx(&a, 0)).unwrap();
        assert_eq!(add(&small, tx(&a, 1)), Err(AdmitError::Full("bytes")));
    }

    #[test]
    fn selection_follows_nonces_and_takes_accounts_in_turn() {
        let pool = Mempool::new(MempoolLimits::default());
        let (a, b) = (Keypair::from_seed(&[1; 32]), Keypair::from_seed(&[2; 32]));
        for n in [2, 0, 1, 4] {
            add(&pool, tx(&a, n)).unwrap();
        }
        add(&pool, tx(&b, 5)).unwrap();
        add(&pool, tx(&b, 6)).unwrap();
        let next = |k: &PublicKey| Ok::<_, ()>(if *k == b.public() { 5 } else { 0 });
        let picked: Vec<(PublicKey, u64)> = pool
            .select(next, 100, usize::MAX)
            .unwrap()
            .iter()
            .map(|t| (t.payload.signer, t.payload.nonce))
            .collect();
        // a's 4 waits for 3; accounts alternate.
        assert_eq!(
            picked,
            vec![
                (a.public(), 0),
                (b.public(), 5),
                (a.public(), 1),
                (b.public(), 6),
                (a.public(), 2)
            ]
        );
        assert_eq!(pool.select(next, 2, usize::MAX).unwrap().len(), 2);
        // A nonce the chain cannot read stops the selection and the pruning: no guess of 0.
        assert_eq!(pool.select(|_| Err("disk"), 100, usize::MAX), Err("disk"));
        assert_eq!(pool.prune(|_| Err("disk")), Err("disk"));
        assert_eq!(pool.len(), 6, "nothing pruned on a failed read");
        pool.prune(|k| Ok::<_, ()>(if *k == b.public() { 7 } else { 2 }))
            .unwrap();
        assert_eq!(pool.len(), 2, "a's 2 and 4 remain");
        assert!(pool.contains(&tx(&a, 4).hash()));
    }
}
