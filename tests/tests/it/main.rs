//! Networks of real `hengxin-node` processes. Run with `cargo test --workspace` (which builds
//! the node binary first).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use hengxin_tests::cluster;

mod bench;
mod browser;
mod clock;
mod console;
mod faults;
mod gm;
mod hostile_page;
mod hosts;
mod idle;
mod index;
mod instrument_page;
mod integrity_page;
mod network;
mod observer;
mod scan;
mod static_page;
