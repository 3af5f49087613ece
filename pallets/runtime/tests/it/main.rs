//! Runtime scenario tests: real signed transactions through block execution, one module per
//! pallet, each rejection checked to leave state and state root unchanged.

mod certificates;
mod codec;
mod determinism;
mod harness;
mod membership;
mod proofs;
mod standards;
mod transactions;
