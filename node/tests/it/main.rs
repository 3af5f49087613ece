//! Node scenario tests: real Malachite engines, libp2p networks and sled stores, in-process on
//! loopback, named by scenario (`n4`: four validators). Each wait has a timeout.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
mod n1;
mod n4;
