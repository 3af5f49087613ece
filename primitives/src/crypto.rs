//! Hashes, keys and signatures. Each scheme sits behind one enum, so a second one (SM2/SM3) can
//! be added later without breaking the format.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use ed25519_dalek::{Signer, SigningKey, VerifyingKey};
use parity_scale_codec::{Decode, Encode};
use sha2::{Digest, Sha256};

/// A SHA-256 digest.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Encode, Decode)]
pub struct Hash(pub [u8; 32]);

impl Hash {
    /// The all-zero hash, used where there is nothing before (the genesis parent).
    pub const ZERO: Hash = Hash([0; 32]);

    /// Lower-case hex.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(&self.0)
    }

    /// Parses 64 hex digits.
    pub fn from_hex(text: &str) -> Option<Hash> {
        crate::hex::decode_array(text).map(Hash)
    }
}

impl fmt::Debug for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Display for Hash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Hash(Sha256::digest(data).into())
}

/// SHA-256 of a domain tag followed by `data`. Tags are fixed constants, none a prefix of another.
pub fn tagged_hash(tag: &[u8], data: &[u8]) -> Hash {
    let mut hasher = Sha256::new();
    hasher.update(tag);
    hasher.update(data);
    Hash(hasher.finalize().into())
}

/// A public key; accounts are public keys.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum PublicKey {
    /// An ed25519 key, verified with `verify_strict` everywhere (node, client, verifier).
    #[codec(index = 0)]
    Ed25519([u8; 32]),
}

/// Accounts are public keys; roles come from the membership pallet.
pub type AccountId = PublicKey;

impl PublicKey {
    /// The raw key bytes.
    pub fn as_bytes(&self) -> &[u8; 32] {
        match self {
            PublicKey::Ed25519(bytes) => bytes,
        }
    }

    /// Lower-case hex of the key bytes.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(self.as_bytes())
    }

    /// Parses an ed25519 key from 64 hex digits.
    pub fn from_hex(text: &str) -> Option<PublicKey> {
        crate::hex::decode_array(text).map(PublicKey::Ed25519)
    }

    /// Checks `signature` over `message` with the one rule every component uses: ed25519
    /// `verify_strict` (canonical encodings, no small-order keys or commitments).
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        match (self, signature) {
            (PublicKey::Ed25519(key), Signature::Ed25519(sig)) => {
                let Ok(key) = VerifyingKey::from_bytes(key) else {
                    return false;
                };
                let sig = ed25519_dalek::Signature::from_bytes(sig);
                key.verify_strict(message, &sig).is_ok()
            }
        }
    }
}

impl fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PublicKey({})", self.to_hex())
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

/// A signature, of the same scheme as the key that made it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub enum Signature {
    /// An ed25519 signature.
    #[codec(index = 0)]
    Ed25519([u8; 64]),
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signature::Ed25519(bytes) => write!(f, "Signature({})", crate::hex::encode(bytes)),
        }
    }
}

/// A secret signing key with its public key.
#[derive(Clone)]
pub struct Keypair(SigningKey);

impl Keypair {
    /// The key pair whose ed25519 secret is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Keypair {
        Keypair(SigningKey::from_bytes(seed))
    }

    /// The 32-byte secret seed, for writing a key file.
    pub fn seed(&self) -> [u8; 32] {
        self.0.to_bytes()
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        PublicKey::Ed25519(self.0.verifying_key().to_bytes())
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        Signature::Ed25519(self.0.sign(message).to_bytes())
    }
}

impl fmt::Debug for Keypair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Keypair({})", self.public())
    }
}

/// `tag ‖ SCALE(value)`: the bytes a domain-separated signature covers.
pub fn tagged_bytes<T: Encode>(tag: &[u8], value: &T) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(tag.len() + value.size_hint());
    bytes.extend_from_slice(tag);
    value.encode_to(&mut bytes);
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_verifies_only_for_its_message_and_key() {
        let a = Keypair::from_seed(&[1; 32]);
        let b = Keypair::from_seed(&[2; 32]);
        let sig = a.sign(b"hello");
        assert!(a.public().verify(b"hello", &sig));
        assert!(!a.public().verify(b"hellp", &sig));
        assert!(!b.public().verify(b"hello", &sig));
    }

    #[test]
    fn small_order_key_is_refused() {
        // The identity point: any signature "verifies" under the lax rule; strict refuses it.
        let mut identity = [0u8; 32];
        identity[0] = 1;
        let sig = Signature::Ed25519([0; 64]);
        assert!(!PublicKey::Ed25519(identity).verify(b"x", &sig));
    }
}
