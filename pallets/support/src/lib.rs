//! The runtime's storage: a versioned, provable state and the overlay pallets write through.
//!
//! A Jellyfish Merkle state versioned by height over a small backend trait, and the
//! transactional overlay that pallets read and write through.

mod backend;
mod filter;
mod overlay;
mod state;

pub use backend::{Backend, MemoryBackend, WriteBatch};
pub use filter::KeyFilter;
pub use overlay::{Overlay, Storage};
pub use state::{Changes, StateDb};

use hengxin_primitives::time::Date;

/// A failure of the storage itself (I/O, corruption): never a transaction's fault, so block
/// execution stops rather than recording an outcome that another node might not share.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StorageError {
    /// The backend failed.
    #[error("storage backend failed: {0}")]
    Backend(String),
    /// Stored bytes do not decode as their key's type.
    #[error("state is corrupt: {0}")]
    Corrupt(String),
    /// The tree has no root at the requested version.
    #[error("no state at version {0}")]
    MissingVersion(u64),
}

/// Shorthand for storage results.
pub type Result<T> = core::result::Result<T, StorageError>;

/// How a dispatched call failed: the call was refused (`Rejected`, recorded as the
/// transaction's outcome), or storage failed (`Storage`, which stops block execution).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Failure<E> {
    /// The call was refused by the pallet's rules; state is unchanged.
    Rejected(E),
    /// Storage failed underneath.
    Storage(StorageError),
}

/// Marks a pallet's error enum, so `?` lifts it into [`Failure::Rejected`].
pub trait PalletError {}

impl<E: PalletError> From<E> for Failure<E> {
    fn from(e: E) -> Self {
        Failure::Rejected(e)
    }
}

impl<E> From<StorageError> for Failure<E> {
    fn from(e: StorageError) -> Self {
        Failure::Storage(e)
    }
}

/// What a pallet call returns.
pub type DispatchResult<T, E> = core::result::Result<T, Failure<E>>;

/// The block a call executes in: the only source of time for the runtime, with the chain's
/// scheme (fixed in its genesis) for what a pallet hashes or the keys it admits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Env {
    /// The block's height.
    pub height: u64,
    /// The block's timestamp (UTC milliseconds, proposer's clock, checked by validators).
    pub timestamp_ms: u64,
    /// The chain's scheme.
    pub scheme: hengxin_primitives::crypto::Scheme,
}

impl Env {
    /// The chain's calendar date (CST).
    pub fn today(&self) -> Date {
        Date::from_unix_ms_cst(self.timestamp_ms)
    }
}

/// For pallets' tests: asserts that each error has its listed stable code, and that the cases
/// follow the codec indexes 0, 1, 2… (so a variant left out of the list fails the test).
#[doc(hidden)]
pub fn assert_error_codes<E: parity_scale_codec::Encode + core::fmt::Debug>(
    cases: &[(E, &str)],
    code: impl Fn(&E) -> &'static str,
) {
    for (index, (error, expected)) in cases.iter().enumerate() {
        assert_eq!(
            usize::from(error.encode()[0]),
            index,
            "case {index} is {error:?}"
        );
        assert_eq!(code(error), *expected, "{error:?}");
    }
}
