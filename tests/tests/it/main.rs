//! Networks of real `hengxin-node` processes. Run with `cargo test --workspace` (which builds
//! the node binary first).

mod cluster;
mod network;
