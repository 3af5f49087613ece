//! Runtime scenario tests: real signed transactions through block execution, one module per
//! pallet, each rejection checked to leave state and state root unchanged.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod certificates;
mod codec;
mod credit;
mod determinism;
mod harness;
mod inspection;
mod instruments;
mod integrity;
mod membership;
mod proofs;
mod recognition;
mod standards;
mod transactions;
