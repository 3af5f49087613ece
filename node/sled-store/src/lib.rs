//! The sled implementation of the runtime's storage backend: one atomic, flushed batch per block.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;

use hengxin_support::{Backend, KeyFilter, Result, StorageError, WriteBatch};

/// A sled database holding the chain's state, its blocks and indexes, with the filter of the
/// state's keys that every commit keeps.
#[derive(Debug, Clone)]
pub struct SledBackend {
    db: sled::Db,
    filter: Arc<Filling>,
}

/// The key filter and the thread that fills it from the database when it opens: a large state
/// takes seconds to scan, and until the scan ends reads simply ask sled. The last handle to
/// close stops the scan and waits for it, so the database is closed when the handles are.
#[derive(Debug)]
struct Filling {
    filter: Arc<KeyFilter>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Drop for Filling {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// sled's page cache. Its default (1 GiB) let a node's memory grow with its database: 170 MB
/// after ten minutes of the soak and rising. Reads of recent state stay in this much.
const CACHE_BYTES: u64 = 64 * 1024 * 1024;

fn backend_error(e: sled::Error) -> StorageError {
    StorageError::Backend(e.to_string())
}

impl SledBackend {
    /// Opens (or creates) the database in `dir`.
    pub fn open(dir: &Path) -> Result<SledBackend> {
        let db = sled::Config::new()
            .path(dir)
            .cache_capacity(CACHE_BYTES)
            .open()
            .map_err(backend_error)?;
        let filter = KeyFilter::for_state();
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (filter, stop, db) = (filter.clone(), stop.clone(), db.clone());
            std::thread::Builder::new()
                .name("state-key-filter".into())
                .spawn(move || {
                    let keys = db.scan_prefix(filter.prefix()).keys();
                    // A failed scan leaves the filter unanswering: reads ask sled, as before.
                    let _ = filter.fill(keys.map(|k| k.map_err(backend_error)), &stop);
                })
                .map_err(|e| StorageError::Backend(format!("starting the key filter: {e}")))?
        };
        let filter = Arc::new(Filling {
            filter,
            stop,
            thread: Some(thread),
        });
        Ok(SledBackend { db, filter })
    }
}

impl SledBackend {
    /// The bytes its files take on disk.
    pub fn size_on_disk(&self) -> Result<u64> {
        self.db.size_on_disk().map_err(backend_error)
    }

    /// The first `limit` entries whose key starts with `prefix`, in key order.
    pub fn scan_prefix(&self, prefix: &[u8], limit: usize) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.db
            .scan_prefix(prefix)
            .take(limit)
            .map(|entry| {
                entry
                    .map(|(k, v)| (k.to_vec(), v.to_vec()))
                    .map_err(backend_error)
            })
            .collect()
    }
}

impl Backend for SledBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        Ok(self.db.get(key).map_err(backend_error)?.map(|v| v.to_vec()))
    }

    fn seek_prev(&self, key: &[u8]) -> Result<Option<(Vec<u8>, Vec<u8>)>> {
        match self.db.range(..=key).next_back() {
            None => Ok(None),
            Some(Ok((k, v))) => Ok(Some((k.to_vec(), v.to_vec()))),
            Some(Err(e)) => Err(backend_error(e)),
        }
    }

    fn commit(&self, batch: WriteBatch) -> Result<()> {
        self.filter.filter.committed(&batch)?;
        let mut sled_batch = sled::Batch::default();
        for (key, value) in batch.ops {
            match value {
                Some(v) => sled_batch.insert(key, v),
                None => sled_batch.remove(key),
            }
        }
        self.db.apply_batch(sled_batch).map_err(backend_error)?;
        self.db.flush().map_err(backend_error)?;
        Ok(())
    }

    fn key_filter(&self) -> Option<&KeyFilter> {
        Some(&self.filter.filter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hengxin_support::{MemoryBackend, StateDb};
    use std::collections::BTreeMap;

    fn changes(n: u32, salt: u8) -> BTreeMap<Vec<u8>, Option<Vec<u8>>> {
        (0..n)
            .map(|i| {
                (
                    format!("key-{i}").into_bytes(),
                    Some(vec![salt; (i % 7) as usize + 1]),
                )
            })
            .collect()
    }

    #[test]
    fn state_survives_reopening_and_matches_memory() {
        let dir = tempfile::tempdir().unwrap();
        let memory = StateDb::new(MemoryBackend::default(), Default::default());
        let roots: Vec<_> = {
            let sled_state =
                StateDb::new(SledBackend::open(dir.path()).unwrap(), Default::default());
            (0..3)
                .map(|v| {
                    let c = changes(100 + v as u32, v as u8);
                    let root = sled_state.commit(c.clone(), v).unwrap();
                    assert_eq!(root, memory.commit(c, v).unwrap(), "sled and memory agree");
                    root
                })
                .collect()
        };
        let reopened = StateDb::new(SledBackend::open(dir.path()).unwrap(), Default::default());
        assert_eq!(reopened.latest_version().unwrap(), Some(2));
        for (v, root) in roots.iter().enumerate() {
            assert_eq!(reopened.root(v as u64).unwrap(), *root);
        }
        let proof = reopened.prove(b"key-5", 2).unwrap();
        assert_eq!(proof.value, Some(vec![2; 6]));
        assert!(proof.verify(Default::default(), &roots[2]).is_ok());
    }

    #[test]
    fn seek_prev_finds_the_greatest_key_at_or_below() {
        let dir = tempfile::tempdir().unwrap();
        let db = SledBackend::open(dir.path()).unwrap();
        let mut batch = WriteBatch::default();
        for k in [b"b".as_slice(), b"d", b"f"] {
            batch.put(k.to_vec(), k.to_vec());
        }
        db.commit(batch).unwrap();
        assert_eq!(db.seek_prev(b"a").unwrap(), None);
        assert_eq!(db.seek_prev(b"d").unwrap().unwrap().0, b"d");
        assert_eq!(db.seek_prev(b"e").unwrap().unwrap().0, b"d");
        assert_eq!(db.seek_prev(b"z").unwrap().unwrap().0, b"f");
        db.commit(WriteBatch {
            ops: vec![(b"f".to_vec(), None)],
        })
        .unwrap();
        assert_eq!(db.seek_prev(b"z").unwrap().unwrap().0, b"d");
    }
}
