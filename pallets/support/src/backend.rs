//! The small trait under the state: get, seek backwards, and an atomic durable batch.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

use crate::filter::KeyFilter;
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
    /// Applies `batch` atomically and durably: after return, a crash loses none of it. A
    /// backend with a [`KeyFilter`] tells it the batch first.
    fn commit(&self, batch: WriteBatch) -> Result<()>;
    /// The filter of the state's keys that this backend's commits keep, if one is attached.
    fn key_filter(&self) -> Option<&KeyFilter> {
        None
    }
}

/// An in-memory backend for unit tests.
#[derive(Debug, Default)]
pub struct MemoryBackend {
    map: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
    filter: OnceLock<Arc<KeyFilter>>,
}

impl MemoryBackend {
    /// Attaches a filter of the state's keys, filled from what the backend holds.
    pub fn with_key_filter(self) -> Result<MemoryBackend> {
        let filter = KeyFilter::for_state();
        let _ = self.filter.set(filter.clone());
        let keys = self.keys_with_prefix(filter.prefix())?;
        filter.fill(
            keys.into_iter().map(Ok),
            &std::sync::atomic::AtomicBool::new(false),
        )?;
        Ok(self)
    }

    /// Every key starting with `prefix`, in order.
    pub(crate) fn keys_with_prefix(&self, prefix: &[u8]) -> Result<Vec<Vec<u8>>> {
        let map = self.map.read().map_err(|_| Self::poisoned())?;
        Ok(map
            .range(prefix.to_vec()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(prefix))
            .cloned()
            .collect())
    }

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
        if let Some(filter) = self.filter.get() {
            filter.committed(&batch)?;
        }
        let mut map = self.map.write().map_err(|_| Self::poisoned())?;
        for (key, value) in batch.ops {
            match value {
                Some(v) => map.insert(key, v),
                None => map.remove(&key),
            };
        }
        Ok(())
    }

    fn key_filter(&self) -> Option<&KeyFilter> {
        self.filter.get().map(|f| &**f)
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

    fn key_filter(&self) -> Option<&KeyFilter> {
        (**self).key_filter()
    }
}
