//! Strict SCALE decoding for untrusted bytes: a nesting limit, and no trailing bytes.

use alloc::string::{String, ToString};

use parity_scale_codec::{Decode, DecodeLimit};

/// How deeply nested a decoded value may be; our types nest far less.
pub const DECODE_DEPTH_MAX: u32 = 32;

/// Why bytes were refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("undecodable {what}: {reason}")]
pub struct DecodeError {
    /// What was being decoded (`transaction`, `proof bundle`, …).
    pub what: &'static str,
    /// The codec's own description of the problem.
    pub reason: String,
}

/// Decodes `bytes` as a `T`, refusing trailing bytes, unknown variants and over-deep nesting.
pub fn decode_strict<T: Decode>(what: &'static str, bytes: &[u8]) -> Result<T, DecodeError> {
    T::decode_all_with_depth_limit(DECODE_DEPTH_MAX, &mut &bytes[..]).map_err(|e| DecodeError {
        what,
        reason: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use parity_scale_codec::Encode;

    #[test]
    fn trailing_bytes_are_refused() {
        let mut bytes = 7u32.encode();
        assert_eq!(decode_strict::<u32>("n", &bytes).unwrap(), 7);
        bytes.push(0);
        assert!(decode_strict::<u32>("n", &bytes).is_err());
    }
}
