//! Networks of real `hengxin-node` processes. Run with `cargo test --workspace` (which builds
//! the node binary first).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod browser;
mod cluster;
mod hosts;
mod network;
