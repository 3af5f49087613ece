//! The in-browser certificate verifier: the primitives' proof verification, to be wrapped with
//! wasm-bindgen together with the verify page (its own issue). It builds for wasm32 today.
#![no_std]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub use hengxin_primitives::bundle::{BundleError, ProofBundle, TrustAnchor, VerifiedState};

/// Decodes an untrusted bundle strictly and checks it against the trust anchor.
pub fn verify(anchor: &TrustAnchor, bundle: &[u8]) -> Result<VerifiedState, BundleError> {
    ProofBundle::decode_untrusted(bundle)?.verify(anchor)
}
