//! The hengxin validator node: consensus with Malachite, the runtime, sled storage. Networking
//! for transactions, the mempool and the HTTP API come next (see the node issue).
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod consensus;
pub mod mempool;
pub mod node;
pub mod store;
