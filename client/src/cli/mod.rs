//! The `hengxin` command line: one module per command group, each subcommand one function.
//!
//! A new command goes in its group's module (a new group gets a module and a line in
//! `main.rs`); what several groups share lives in `context` (the node, `--json`, signing and
//! submitting), `exit` (failures and their exit status), `parse` (arguments into ledger types),
//! `keys` (key files) and `output` (tables and JSON).

pub mod agreement;
pub mod anchor;
pub mod business;
pub mod cert;
pub mod context;
pub mod credit;
pub mod exit;
pub mod import;
pub mod inspection;
pub mod inspector;
pub mod instrument;
pub mod key;
pub mod keys;
pub mod lab;
pub mod lab_dcc;
pub mod lists;
pub mod output;
pub mod parse;
pub mod standard;
pub mod validator;
pub mod verify;
