//! The hengxin validator node.
//!
//! Malachite consensus with our context, the runtime, sled storage, the mempool, transaction
//! gossip, the HTTP API, and the files it runs from.

pub mod api;
#[cfg(feature = "byzantine")]
pub mod byzantine;
pub mod config;
pub mod consensus;
pub mod console;
pub mod gossip;
pub mod index;
pub mod keys;
pub mod mempool;
pub mod metrics;
pub mod node;
pub mod query;
pub mod setup;
pub mod store;
pub mod submit;
pub mod verify_page;
