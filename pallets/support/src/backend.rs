//! The small trait under the state: get, seek backwards, and an atomic durable batch.

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::{Result, StorageError};

/// Writes to apply together.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct WriteBatch {
    /// `(key, Some(value))` puts, `(key, None)` deletes, applied in order.
    pub ops: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

impl WriteBatch {
    /// Adds a put.
    pub fn put(&mut self, key: Vec<u8>, value: Vec<u8>) {
        self.ops.push((key, Some(value)));
    }
}

/// An ordered byte key-value store. Implementations: [`MemoryBackend`] for tests, sled for nodes.
pub trait Backend: Send + Sync {
    /// The value at `key`.
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>>;
    /// The entry with the greatest key less than or equal to `key`.
    fn seek_prev(&self, key: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>>;
    /// Applies `batch` atomically and durably: after return, a crash loses none of it.
    fn commit(&self, batch: WriteBatch) -> Result<()>;
}

/// An in-memory backend for unit tests.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryBackend {
    fn poisoned() -> StorageError {
        StorageError::Backend("memory backend lock poisoned".into())
    }
}

impl Backend for MemoryBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self
            .map
            .read()
            .map_err(|_| Self::poisoned())?
            .get(key)
            .cloned())
    }

    fn seek_prev(&self, key: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        let map = self.map.read().map_err(|_| Self::poisoned())?;
        Ok(map
            .range(..=key.to_vec())
            .next_back()
            .map(|(k, v)| (k.clone(), v.clone())))
    }

    fn commit(&self, batch: WriteBatch) -> Result<()> {
        let mut map = self.map.write().map_err(|_| Self::poisoned())?;
        for (key, value) in batch.ops {
            match value {
                Some(v) => map.insert(key, v),
                None => map.remove(&key),
            };
        }
        Ok(())
    }
}

impl<B: Backend + ?Sized> Backend for std::sync::Arc<B> {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        (**self).get(key)
    }

    fn seek_prev(&self, key: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        (**self).seek_prev(key)
    }

    fn commit(&self, batch: WriteBatch) -> Result<()> {
        (**self).commit(batch)
    }
}
