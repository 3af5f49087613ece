//! The client of a hengxin node: its HTTP API, signing, finality, and native proof checks.
//!
//! It talks to a node's HTTP API, builds and signs transactions for every call of the runtime,
//! waits for finality, and verifies proof bundles natively with the same code the browser
//! verifier runs.

pub mod api;
pub mod dcc;
pub mod import;
pub mod lists;
pub mod qr;
pub mod signer;
pub mod trust;

pub use api::{Client, ClientError};
pub use hengxin_primitives as primitives;
pub use hengxin_runtime::Call;
pub use signer::Signer;
