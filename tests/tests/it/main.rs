//! Networks of real `hengxin-node` processes. Run with `cargo test --workspace` (which builds
//! the node binary first).

mod browser;
mod cluster;
mod network;
