//! Types, codecs and light-client checks shared by the chain, the client and the verifier.
//!
//! Everything here is `no_std` + `alloc` and builds for `wasm32-unknown-unknown`. The rules that
//! a verifier recomputes from proven records (certificate expiry, the traceability verdict) are
//! pure functions in [`rules`], called by the pallets and the verifier alike, so a proof is never
//! judged by a different rule than the chain used; their inputs are gathered once, in
//! [`gather`], through the [`read::StateRead`] every reader of the state implements.
#![cfg_attr(not(feature = "std"), no_std)]

extern crate alloc;

pub mod block;
pub mod bundle;
pub mod codec;
pub mod credit;
pub mod crypto;
pub mod draw;
#[cfg(feature = "json")]
pub mod files;
pub mod gather;
pub mod hex;
pub mod ids;
pub mod inspection;
pub mod instruments;
#[cfg(feature = "keyfile")]
pub mod keyfile;
mod merkle;
pub mod read;
pub mod recognition;
pub mod records;
pub mod rules;
pub mod state;
pub mod time;
pub mod tx;
pub mod words;

#[cfg(feature = "serde")]
#[doc(hidden)]
pub use serde;
#[cfg(feature = "openapi")]
#[doc(hidden)]
pub mod openapi;
#[cfg(feature = "serde")]
mod serde_impls;

pub use block::{CommitCertificate, CommitSignature, Header, Validator, ValidatorSet};
pub use crypto::{AccountId, Hash, Keypair, PublicKey, Signature};
pub use ids::{
    Category, CertNumber, ClassCode, CreditCode, LabCode, RegionCode, Site, StandardId, Text,
};
pub use instruments::{Division, InstrumentId};
pub use time::Date;
pub use tx::{SignedTx, TxPayload};
pub use words::WireWord;
