//! One read path: the trait every reader of the state implements, so a rule's inputs are
//! gathered by one function ([`crate::gather`]) whoever reads them.
//!
//! Three readers implement it: the runtime's storage (the pallets), the node's reader that
//! records every key it touches (whose keys become a proof bundle, so the bundle proves exactly
//! what the gathering read) and the verifier's proven state (which answers only for keys the
//! bundle proves). Each keeps its own error: a storage failure, a query error, a key the proof
//! left out.

use alloc::string::String;
use alloc::vec::Vec;

use parity_scale_codec::Decode;

use crate::codec::{DecodeError, decode_strict};
use crate::state::StorageKey;

/// What a gathering function can find wrong with the state it reads, whoever reads it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The bytes at a key do not decode as the key's type.
    #[error(transparent)]
    Corrupt(#[from] DecodeError),
    /// A list in the state names an item the state does not hold.
    #[error("{0} is listed but not stored")]
    Dangling(String),
}

/// Read access to the state at one height.
pub trait StateRead {
    /// Why a read failed: the reader's own (storage, query, proof), or a [`ReadError`].
    type Error: From<ReadError>;

    /// The raw value at `key`; `Ok(None)` when the key holds nothing.
    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>, Self::Error>;

    /// The value at `key`, decoded strictly as `T`.
    fn read<T: Decode>(&mut self, key: &StorageKey) -> Result<Option<T>, Self::Error> {
        match self.read_raw(key)? {
            None => Ok(None),
            Some(bytes) => decode_strict("state record", &bytes)
                .map(Some)
                .map_err(|e| self.corrupt(key, e)),
        }
    }

    /// The error for a value at `key` that does not decode; a reader may name the key.
    fn corrupt(&self, _key: &StorageKey, e: DecodeError) -> Self::Error {
        ReadError::Corrupt(e).into()
    }
}
