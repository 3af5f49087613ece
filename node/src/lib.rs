//! The hengxin validator node: Malachite consensus with our context, the runtime, sled storage,
//! the mempool and transaction gossip. The HTTP API and the command line come next.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod api;
pub mod config;
pub mod consensus;
pub mod gossip;
pub mod mempool;
pub mod node;
pub mod store;
