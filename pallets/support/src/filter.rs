//! Which keys the state has never held, answered without the backend: a Bloom filter of the
//! hash of every key a value was ever stored for. Anchoring a certificate asks twice whether a
//! key exists (its number, its document); the answer is almost always "never", and a backward
//! seek in the store to learn it cost 14 % of a block (docs/performance.md).
//!
//! The filter only ever answers "never written" or "maybe": a key it holds may be absent (a
//! false positive, or deleted since), and then the store is asked. It is kept by every batch
//! committed through the backend it is attached to ([`KeyFilter::committed`], before the
//! batch lands, so no reader sees a value the filter does not hold) and filled once from what
//! the backend held before ([`KeyFilter::fill`]); until then it answers nothing.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use crate::backend::WriteBatch;
use crate::{Result, StorageError};

/// Bits a key in each filter: with [`PROBES`] probes, under 1 % false positives while a filter
/// holds no more keys than its capacity.
const BITS_PER_KEY: u64 = 10;
const PROBES: u64 = 7;
/// Keys the first filter is sized for (1.25 MiB); each next one doubles it.
const FIRST_CAPACITY: u64 = 1 << 20;

/// One fixed-size Bloom filter over 32-byte key hashes, set concurrently.
struct Bloom {
    words: Vec<AtomicU64>,
    capacity: u64,
    count: AtomicU64,
}

impl Bloom {
    fn new(capacity: u64) -> Bloom {
        let words = (capacity * BITS_PER_KEY).div_ceil(64);
        Bloom {
            words: (0..words).map(|_| AtomicU64::new(0)).collect(),
            capacity,
            count: AtomicU64::new(0),
        }
    }

    /// The bits of `hash`: the key hashes are already uniform (SHA-256 or SM3 of the key), so
    /// two of their words make the probes (double hashing). A key chosen to collide only makes
    /// its own reads ask the store.
    fn positions(&self, hash: &[u8; 32]) -> impl Iterator<Item = (usize, u64)> + use<> {
        let word = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&hash[i * 8..i * 8 + 8]);
            u64::from_le_bytes(bytes)
        };
        let (h1, h2) = (word(0), word(1) | 1);
        let bits = self.words.len() as u64 * 64;
        (0..PROBES).map(move |j| {
            let bit = h1.wrapping_add(j.wrapping_mul(h2)) % bits;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        })
    }

    fn insert(&self, hash: &[u8; 32]) {
        for (word, mask) in self.positions(hash) {
            self.words[word].fetch_or(mask, Ordering::Relaxed);
        }
        self.count.fetch_add(1, Ordering::Relaxed);
    }

    fn may_contain(&self, hash: &[u8; 32]) -> bool {
        self.positions(hash)
            .all(|(word, mask)| self.words[word].load(Ordering::Relaxed) & mask != 0)
    }

    fn is_full(&self) -> bool {
        self.count.load(Ordering::Relaxed) >= self.capacity
    }
}

/// The filter of a backend's state keys: a growing list of Bloom filters (a new one, twice the
/// size, when the newest is full), so it never needs to know the state's size in advance.
pub struct KeyFilter {
    blooms: RwLock<Vec<Bloom>>,
    ready: AtomicBool,
    /// What the stored value keys start with, and where their key hash lies in them.
    prefix: u8,
}

impl std::fmt::Debug for KeyFilter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeyFilter")
            .field("ready", &self.is_ready())
            .finish_non_exhaustive()
    }
}

impl KeyFilter {
    /// An empty filter of the state's value keys, to attach to a backend; it answers nothing
    /// until filled.
    pub fn for_state() -> Arc<KeyFilter> {
        KeyFilter::new(crate::state::VALUE_PREFIX)
    }

    /// An empty filter for value keys starting with `prefix` and followed by their key hash.
    fn new(prefix: u8) -> Arc<KeyFilter> {
        Arc::new(KeyFilter {
            blooms: RwLock::new(vec![Bloom::new(FIRST_CAPACITY)]),
            ready: AtomicBool::new(false),
            prefix,
        })
    }

    fn poisoned() -> StorageError {
        StorageError::Backend("key filter lock poisoned".into())
    }

    /// The key hash of a stored value key, if `key` is one.
    fn hash_of<'k>(&self, key: &'k [u8]) -> Option<&'k [u8; 32]> {
        match key.split_first() {
            Some((p, rest)) if *p == self.prefix => rest.get(..32)?.try_into().ok(),
            _ => None,
        }
    }

    fn insert(&self, hash: &[u8; 32]) -> Result<()> {
        let blooms = self.blooms.read().map_err(|_| Self::poisoned())?;
        let newest = blooms.last().ok_or_else(Self::poisoned)?;
        newest.insert(hash);
        if !newest.is_full() {
            return Ok(());
        }
        drop(blooms);
        let mut blooms = self.blooms.write().map_err(|_| Self::poisoned())?;
        if blooms.last().is_some_and(Bloom::is_full) {
            let capacity = blooms.last().map_or(FIRST_CAPACITY, |b| b.capacity * 2);
            blooms.push(Bloom::new(capacity));
        }
        Ok(())
    }

    /// Notes the value keys of `batch`, which the backend is about to apply: call it before the
    /// batch lands.
    pub fn committed(&self, batch: &WriteBatch) -> Result<()> {
        for (key, value) in &batch.ops {
            if let (Some(hash), Some(_)) = (self.hash_of(key), value) {
                self.insert(hash)?;
            }
        }
        Ok(())
    }

    /// What the keys [`fill`](Self::fill) takes start with.
    pub fn prefix(&self) -> &[u8] {
        std::slice::from_ref(&self.prefix)
    }

    /// Adds `keys` (every key the backend holds that starts with [`prefix`](Self::prefix)),
    /// then answers. Attach the filter to the backend's commits before reading them, so nothing
    /// committed meanwhile is missed; `stop` ends the fill early (the filter then stays
    /// unanswering).
    pub fn fill<K: AsRef<[u8]>>(
        &self,
        keys: impl IntoIterator<Item = Result<K>>,
        stop: &AtomicBool,
    ) -> Result<()> {
        for key in keys {
            if stop.load(Ordering::Relaxed) {
                return Ok(());
            }
            if let Some(hash) = self.hash_of(key?.as_ref()) {
                self.insert(hash)?;
            }
        }
        if !stop.load(Ordering::Relaxed) {
            self.ready.store(true, Ordering::Release);
        }
        Ok(())
    }

    /// Whether the filter answers yet.
    pub fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// True when no value was ever stored for the key hashing to `hash`; false when one may
    /// have been, or the filter is not filled yet.
    pub fn never_written(&self, hash: &[u8; 32]) -> bool {
        if !self.is_ready() {
            return false;
        }
        match self.blooms.read() {
            Ok(blooms) => !blooms.iter().any(|b| b.may_contain(hash)),
            Err(_) => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Backend, MemoryBackend};

    fn hash(i: u64) -> [u8; 32] {
        hengxin_primitives::crypto::sha256(&i.to_le_bytes()).0
    }

    /// An empty backend's keys.
    fn none() -> std::iter::Empty<Result<Vec<u8>>> {
        std::iter::empty()
    }

    fn value_key(h: &[u8; 32]) -> Vec<u8> {
        [&[b'v'][..], h, &7u64.to_be_bytes()].concat()
    }

    #[test]
    fn it_answers_only_once_filled_and_never_denies_a_written_key() {
        let backend = MemoryBackend::default();
        let mut before = WriteBatch::default();
        before.put(value_key(&hash(1)), vec![1]);
        before.put(b"n-not-a-value".to_vec(), vec![2]);
        backend.commit(before).unwrap();

        let filter = KeyFilter::new(b'v');
        assert!(!filter.never_written(&hash(99)), "not filled: no answer");
        let mut during = WriteBatch::default();
        during.put(value_key(&hash(2)), vec![2]);
        filter.committed(&during).unwrap();
        backend.commit(during).unwrap();
        let keys = backend.keys_with_prefix(filter.prefix()).unwrap();
        filter
            .fill(keys.into_iter().map(Ok), &AtomicBool::new(false))
            .unwrap();

        assert!(!filter.never_written(&hash(1)), "held before the fill");
        assert!(!filter.never_written(&hash(2)), "committed during it");
        assert!(filter.never_written(&hash(99)));
    }

    #[test]
    fn a_stopped_fill_leaves_it_unanswering() {
        let filter = KeyFilter::new(b'v');
        filter.fill(none(), &AtomicBool::new(true)).unwrap();
        assert!(!filter.never_written(&hash(5)));
    }

    /// Past a filter's capacity a larger one takes the keys: every key inserted is still held,
    /// and keys never inserted are mostly told apart.
    #[test]
    fn it_grows_past_its_capacity_without_losing_a_key() {
        let filter = KeyFilter::new(b'v');
        filter.fill(none(), &AtomicBool::new(false)).unwrap();
        let n = FIRST_CAPACITY + FIRST_CAPACITY / 2;
        for i in 0..n {
            filter.insert(&hash(i)).unwrap();
        }
        assert_eq!(filter.blooms.read().unwrap().len(), 2);
        assert!((0..n).step_by(997).all(|i| !filter.never_written(&hash(i))));
        let false_positives = (n..n + 10_000)
            .filter(|i| !filter.never_written(&hash(*i)))
            .count();
        assert!(
            false_positives < 300,
            "{false_positives} of 10,000 absent keys reported as maybe written"
        );
    }
}
