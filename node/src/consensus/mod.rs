//! Consensus with the Malachite engine: our context, signing and codec; the app loop comes next.

pub mod app;
pub mod codec;
pub mod context;
pub mod signing;
