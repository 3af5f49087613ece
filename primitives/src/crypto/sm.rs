//! 国密: SM2 signatures (GB/T 32918.2) with the default distinguishing identifier of GM/T 0009,
//! and SM3 (GB/T 32905), from RustCrypto's `sm2` and `sm3`.
//!
//! Keys are held as 65 bytes `04 ‖ x ‖ y` (the form Chinese tools print: GmSSL, gmssl, FISCO
//! BCOS without its `04`), so a verification never decompresses a point; signatures as 64
//! bytes `r ‖ s`, each in [1, n − 1] (the crate refuses anything else when parsing, so a valid
//! signature has exactly one encoding).
//!
//! SM3 (`crypto::Hasher`) is always in (a few KB); SM2 comes with the `sm2` feature (the node and the client
//! have it through `std`; the browser verifier of an ed25519 chain leaves its ~60 KB out, and
//! there an SM2 key verifies nothing and no SM2 secret makes a key).

/// The distinguishing identifier every key uses (GM/T 0009's default, "1234567812345678").
pub const DEFAULT_ID: &str = "1234567812345678";

#[cfg(feature = "sm2")]
pub use with_sm2::{SigningKey, verify};
#[cfg(not(feature = "sm2"))]
pub use without_sm2::{SigningKey, verify};

#[cfg(feature = "sm2")]
mod with_sm2 {
    use super::DEFAULT_ID;
    use sm2::dsa::signature::Signer as _;
    use sm2::dsa::signature::Verifier as _;
    use sm2::elliptic_curve::point::AffineCoordinates as _;
    use sm2::elliptic_curve::sec1::ToSec1Point as _;

    /// The group order minus one: a secret must be below it (1 + d must be invertible).
    const N_MINUS_ONE: [u8; 32] = [
        0xff, 0xff, 0xff, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
        0xff, 0x72, 0x03, 0xdf, 0x6b, 0x21, 0xc6, 0x05, 0x2b, 0x53, 0xbb, 0xf4, 0x09, 0x39, 0xd5,
        0x41, 0x22,
    ];

    /// An SM2 signing key (its secret `d` in [1, n − 2]).
    #[derive(Clone)]
    pub struct SigningKey(sm2::dsa::SigningKey);

    impl SigningKey {
        /// The key whose secret is `d` (32 bytes, big-endian); `None` outside [1, n − 2].
        pub fn from_secret(d: &[u8; 32]) -> Option<SigningKey> {
            if *d >= N_MINUS_ONE {
                return None;
            }
            sm2::dsa::SigningKey::from_slice(DEFAULT_ID, d)
                .ok()
                .map(SigningKey)
        }

        /// The secret `d`, for a key file.
        pub fn secret(&self) -> [u8; 32] {
            self.0.to_bytes().into()
        }

        /// The public key, `04 ‖ x ‖ y`.
        pub fn public(&self) -> [u8; 65] {
            let point = self.0.verifying_key().as_affine().to_sec1_point(false);
            let mut out = [0u8; 65];
            out.copy_from_slice(point.as_bytes());
            out
        }

        /// Signs `message` (deterministic: RFC 6979 with SM3). The crate fails only when its
        /// derived nonce gives r = 0, r + k = n or s = 0 (about 2⁻²⁵⁶); then the signature is all
        /// zeros, which no key verifies, so the failure shows as a refused transaction.
        pub fn sign(&self, message: &[u8]) -> [u8; 64] {
            match self.0.try_sign(message) {
                Ok(sig) => sig.to_bytes().into(),
                Err(_) => [0; 64],
            }
        }
    }

    /// Checks an SM2 signature `r ‖ s` by `key` (`04 ‖ x ‖ y`, on the curve) over `message`,
    /// with the default identifier: Z_A, e = SM3(Z_A ‖ M), then GB/T 32918.2's steps B1–B7.
    /// (The crate does not test B6's point at infinity, where x₁ would read as 0; reaching it
    /// needs s ≡ −t·d, the secret, so no third party can use it.)
    pub fn verify(key: &[u8; 65], message: &[u8], signature: &[u8; 64]) -> bool {
        // From the coordinates, on the curve, never through SEC1 parsing: a key is never
        // compressed here, and the browser verifier leaves decompression's square root out.
        let Some((&0x04, coordinates)) = key.split_first() else {
            return false;
        };
        let (x, y) = coordinates.split_at(32);
        let (Ok(x), Ok(y)) = (<[u8; 32]>::try_from(x), <[u8; 32]>::try_from(y)) else {
            return false;
        };
        let point = sm2::AffinePoint::from_coordinates(&x.into(), &y.into());
        let Some(point) = Option::<sm2::AffinePoint>::from(point) else {
            return false;
        };
        let Ok(key) = sm2::dsa::VerifyingKey::from_affine(DEFAULT_ID, point) else {
            return false;
        };
        let Ok(signature) = sm2::dsa::Signature::from_slice(signature) else {
            return false;
        };
        key.verify(message, &signature).is_ok()
    }
}

#[cfg(not(feature = "sm2"))]
mod without_sm2 {
    /// No SM2 key can be made without the `sm2` feature.
    #[derive(Clone)]
    pub enum SigningKey {}

    impl SigningKey {
        /// Always `None`: built without SM2.
        pub fn from_secret(_: &[u8; 32]) -> Option<SigningKey> {
            None
        }

        /// Unreachable: no value exists.
        pub fn secret(&self) -> [u8; 32] {
            match *self {}
        }

        /// Unreachable: no value exists.
        pub fn public(&self) -> [u8; 65] {
            match *self {}
        }

        /// Unreachable: no value exists.
        pub fn sign(&self, _: &[u8]) -> [u8; 64] {
            match *self {}
        }
    }

    /// Always `false`: built without SM2.
    pub fn verify(_: &[u8; 65], _: &[u8], _: &[u8; 64]) -> bool {
        false
    }
}
