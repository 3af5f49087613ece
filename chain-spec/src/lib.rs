//! A chain's specification: the consortium file, the demo consortium, and their genesis.
//!
//! [`consortium::Consortium`] reads and checks the TOML file a consortium reviews and builds its
//! [`GenesisConfig`](hengxin_runtime::GenesisConfig); [`demo`] is the consortium `--dev` and
//! `testnet` start with, its keys, names and sample data.

mod check;
pub mod consortium;
pub mod demo;
mod genesis;
mod instruments;
mod names;
mod samples;
