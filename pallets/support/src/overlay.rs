//! The overlay pallets write through: reads fall through to the state at the parent version,
//! writes stay in memory, and each transaction's writes can be kept or dropped as a whole.

use std::collections::BTreeMap;

use hengxin_primitives::codec::DecodeError;
use hengxin_primitives::read::{ReadError, StateRead};
use hengxin_primitives::state::StorageKey;
use parity_scale_codec::{Decode, Encode};

use crate::backend::Backend;
use crate::state::{Changes, StateDb};
use crate::{Result, StorageError};

/// What a pallet sees of the state.
pub trait Storage {
    /// The raw value at `key`.
    fn get_raw(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// Writes (`Some`) or deletes (`None`) `key`.
    fn put_raw(&mut self, key: Vec<u8>, value: Option<Vec<u8>>);
}

/// The pallets' storage as the one read path reads it ([`hengxin_primitives::gather`]).
impl StateRead for dyn Storage + '_ {
    type Error = StorageError;

    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>> {
        self.get_raw(&key.to_bytes())
    }

    /// A corrupt value names its key, for the operator.
    fn corrupt(&self, key: &StorageKey, e: DecodeError) -> StorageError {
        StorageError::Corrupt(format!("{key:?}: {e}"))
    }
}

impl From<ReadError> for StorageError {
    fn from(e: ReadError) -> StorageError {
        StorageError::Corrupt(e.to_string())
    }
}

impl dyn Storage + '_ {
    /// The record at `key`, decoded as `T`.
    pub fn get<T: Decode>(&mut self, key: &StorageKey) -> Result<Option<T>> {
        self.read(key)
    }

    /// Writes `value` at `key`.
    pub fn put<T: Encode>(&mut self, key: &StorageKey, value: &T) {
        self.put_raw(key.to_bytes(), Some(value.encode()));
    }

    /// Deletes `key`.
    pub fn remove(&mut self, key: &StorageKey) {
        self.put_raw(key.to_bytes(), None);
    }

    /// Whether `key` holds a value.
    pub fn contains(&mut self, key: &StorageKey) -> Result<bool> {
        Ok(self.get_raw(&key.to_bytes())?.is_some())
    }

    /// Appends `item` to a list kept in pages of `per_page` items whose length is `count`
    /// (`page(n)` names the `n`-th page; the gatherers read it back with the count): the page
    /// that takes it is written, the caller stores the new count.
    pub fn push_to_page<T: Encode + Decode>(
        &mut self,
        count: u64,
        per_page: u64,
        page: impl FnOnce(u64) -> core::result::Result<StorageKey, ReadError>,
        item: T,
    ) -> Result<()> {
        let key = page(count / per_page)?;
        let mut items: Vec<T> = if count.is_multiple_of(per_page) {
            Vec::new()
        } else {
            self.get(&key)?.unwrap_or_default()
        };
        items.push(item);
        self.put(&key, &items);
        Ok(())
    }
}

/// Block-level and transaction-level write sets over a state version.
#[derive(Debug)]
pub struct Overlay<'a, B> {
    state: &'a StateDb<B>,
    /// The version reads fall through to; `None` reads an empty state (genesis).
    base: Option<u64>,
    block: Changes,
    tx: Changes,
    /// Values read from the state, so a block reads each key from the backend once.
    reads: BTreeMap<Vec<u8>, Option<Vec<u8>>>,
}

impl<'a, B: Backend> Overlay<'a, B> {
    /// An overlay reading `state` at `base` (`None`: empty, for genesis).
    pub fn new(state: &'a StateDb<B>, base: Option<u64>) -> Overlay<'a, B> {
        Overlay {
            state,
            base,
            block: Changes::new(),
            tx: Changes::new(),
            reads: BTreeMap::new(),
        }
    }

    /// Keeps the current transaction's writes.
    pub fn commit_tx(&mut self) {
        let tx = std::mem::take(&mut self.tx);
        self.block.extend(tx);
    }

    /// Drops the current transaction's writes.
    pub fn rollback_tx(&mut self) {
        self.tx.clear();
    }

    /// The block's kept writes (call after the last `commit_tx`).
    pub fn into_changes(mut self) -> Changes {
        self.commit_tx();
        self.block
    }
}

impl<B: Backend> Storage for Overlay<'_, B> {
    fn get_raw(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        if let Some(value) = self.tx.get(key).or_else(|| self.block.get(key)) {
            return Ok(value.clone());
        }
        if let Some(value) = self.reads.get(key) {
            return Ok(value.clone());
        }
        let value = match self.base {
            Some(version) => self.state.get(key, version)?,
            None => None,
        };
        self.reads.insert(key.to_vec(), value.clone());
        Ok(value)
    }

    fn put_raw(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        self.tx.insert(key, value);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MemoryBackend;

    #[test]
    fn rolled_back_writes_vanish_and_kept_ones_stay() {
        let db = StateDb::new(MemoryBackend::default(), Default::default());
        db.commit([(b"k".to_vec(), Some(b"base".to_vec()))].into(), 0)
            .unwrap();
        let mut overlay = Overlay::new(&db, Some(0));
        overlay.put_raw(b"k".to_vec(), Some(b"tx1".to_vec()));
        assert_eq!(overlay.get_raw(b"k").unwrap().as_deref(), Some(&b"tx1"[..]));
        overlay.rollback_tx();
        assert_eq!(
            overlay.get_raw(b"k").unwrap().as_deref(),
            Some(&b"base"[..])
        );
        overlay.put_raw(b"k".to_vec(), None);
        overlay.commit_tx();
        assert_eq!(overlay.get_raw(b"k").unwrap(), None);
        assert_eq!(overlay.into_changes(), [(b"k".to_vec(), None)].into());
    }
}
