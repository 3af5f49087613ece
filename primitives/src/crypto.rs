//! Hashes, keys and signatures, of the two schemes a chain may fix in its genesis: ed25519 with
//! SHA-256 (the default), or SM2 with SM3 (国密, [`sm`]). Keys and signatures carry their scheme
//! as the enum's variant, so an ed25519 chain's bytes are what they were before SM2 existed.

pub mod sm;

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

#[cfg(feature = "ed25519")]
use ed25519_dalek::VerifyingKey;
use ed25519_dalek::{Signer, SigningKey};
use parity_scale_codec::{Decode, Encode};
use sha2::{Digest, Sha256};

/// A 32-byte digest: SHA-256 or SM3, as the chain's scheme says.
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

/// The cryptography of a chain, fixed in its genesis.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Debug, Default, Encode, Decode)]
pub enum Scheme {
    /// ed25519 signatures (`verify_strict`) and SHA-256.
    #[default]
    #[codec(index = 0)]
    Ed25519Sha256,
    /// SM2 signatures (GB/T 32918.2, default identifier) and SM3 (GB/T 32905).
    #[codec(index = 1)]
    Sm2Sm3,
}

impl Scheme {
    /// Every scheme, for messages that list them.
    pub const ALL: [Scheme; 2] = [Scheme::Ed25519Sha256, Scheme::Sm2Sm3];

    /// Its name in files and flags: `ed25519-sha256` or `sm2-sm3`.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Ed25519Sha256 => "ed25519-sha256",
            Scheme::Sm2Sm3 => "sm2-sm3",
        }
    }

    /// The scheme named `name`.
    pub fn from_name(name: &str) -> Option<Scheme> {
        Scheme::ALL.into_iter().find(|s| s.name() == name)
    }

    /// Its signature algorithm alone, as key files name it: `ed25519` or `sm2`.
    pub fn key_name(self) -> &'static str {
        match self {
            Scheme::Ed25519Sha256 => "ed25519",
            Scheme::Sm2Sm3 => "sm2",
        }
    }

    /// The all-zero key of its signature algorithm (`04` then zeros for SM2, so it reads back
    /// from hex): the genesis header's proposer, which no one can sign for.
    pub fn zero_key(self) -> PublicKey {
        match self {
            Scheme::Ed25519Sha256 => PublicKey::Ed25519([0; 32]),
            Scheme::Sm2Sm3 => {
                let mut key = [0; 65];
                key[0] = 4;
                PublicKey::Sm2(key)
            }
        }
    }

    /// Its hash function's name, for messages: `SHA-256` or `SM3`.
    pub fn hash_name(self) -> &'static str {
        match self {
            Scheme::Ed25519Sha256 => "SHA-256",
            Scheme::Sm2Sm3 => "SM3",
        }
    }

    /// Whether this build verifies its signatures (a browser verifier module carries one
    /// scheme's verification only).
    pub fn verifies_here(self) -> bool {
        match self {
            Scheme::Ed25519Sha256 => cfg!(feature = "ed25519"),
            Scheme::Sm2Sm3 => cfg!(feature = "sm2"),
        }
    }

    /// A hasher of its hash function.
    pub fn hasher(self) -> Hasher {
        match self {
            Scheme::Ed25519Sha256 => Hasher::Sha256(Sha256::new()),
            Scheme::Sm2Sm3 => Hasher::Sm3(sm3::Sm3::default()),
        }
    }

    /// Its hash of `data`.
    pub fn hash(self, data: &[u8]) -> Hash {
        let mut hasher = self.hasher();
        hasher.update(data);
        hasher.finalize()
    }

    /// Its hash of a domain tag followed by `data`. Tags are fixed constants, none a prefix of
    /// another.
    pub fn tagged_hash(self, tag: &[u8], data: &[u8]) -> Hash {
        let mut hasher = self.hasher();
        hasher.update(tag);
        hasher.update(data);
        hasher.finalize()
    }
}

/// A scheme's name (`--crypto sm2-sm3`, `crypto = "sm2-sm3"`); the error names both.
impl core::str::FromStr for Scheme {
    type Err = String;

    fn from_str(text: &str) -> Result<Scheme, String> {
        Scheme::from_name(text).ok_or_else(|| {
            alloc::format!(
                "`{}` is not a scheme: give ed25519-sha256 or sm2-sm3 (国密)",
                text.chars().take(32).collect::<String>()
            )
        })
    }
}

impl fmt::Display for Scheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A streaming hash of a scheme.
#[derive(Clone)]
pub enum Hasher {
    /// SHA-256.
    Sha256(Sha256),
    /// SM3.
    Sm3(sm3::Sm3),
}

impl Hasher {
    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match self {
            Hasher::Sha256(h) => h.update(data),
            Hasher::Sm3(h) => sm3::Digest::update(h, data),
        }
    }

    /// The digest.
    pub fn finalize(self) -> Hash {
        match self {
            Hasher::Sha256(h) => Hash(h.finalize().into()),
            Hasher::Sm3(h) => Hash(sm3::Digest::finalize(h).into()),
        }
    }
}

/// SHA-256 of `data`.
pub fn sha256(data: &[u8]) -> Hash {
    Scheme::Ed25519Sha256.hash(data)
}

/// SHA-256 of a domain tag followed by `data` ([`Scheme::tagged_hash`]).
pub fn tagged_hash(tag: &[u8], data: &[u8]) -> Hash {
    Scheme::Ed25519Sha256.tagged_hash(tag, data)
}

/// A public key; accounts are public keys.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub enum PublicKey {
    /// An ed25519 key, verified with `verify_strict` everywhere (node, client, verifier).
    #[codec(index = 0)]
    Ed25519([u8; 32]),
    /// An SM2 key, `04 ‖ x ‖ y`.
    #[codec(index = 1)]
    Sm2([u8; 65]),
}

/// A public key's text forms, for messages: what [`PublicKey::from_hex`] reads.
pub const KEY_TEXT_FORMS: &str =
    "64 hex digits (ed25519) or 130 hex digits beginning 04 (sm2, uncompressed)";

/// Accounts are public keys; roles come from the membership pallet.
pub type AccountId = PublicKey;

impl PublicKey {
    /// The raw key bytes (32 for ed25519, 65 for SM2).
    pub fn as_bytes(&self) -> &[u8] {
        match self {
            PublicKey::Ed25519(bytes) => bytes,
            PublicKey::Sm2(bytes) => bytes,
        }
    }

    /// The scheme the key belongs to.
    pub fn scheme(&self) -> Scheme {
        match self {
            PublicKey::Ed25519(_) => Scheme::Ed25519Sha256,
            PublicKey::Sm2(_) => Scheme::Sm2Sm3,
        }
    }

    /// Lower-case hex of the key bytes.
    pub fn to_hex(&self) -> String {
        crate::hex::encode(self.as_bytes())
    }

    /// Parses a key from hex: 64 digits are an ed25519 key, 130 beginning `04` an SM2 key.
    pub fn from_hex(text: &str) -> Option<PublicKey> {
        match text.len() {
            64 => crate::hex::decode_array(text).map(PublicKey::Ed25519),
            130 if text.starts_with("04") => crate::hex::decode_array(text).map(PublicKey::Sm2),
            _ => None,
        }
    }

    /// Checks `signature` over `message` with the one rule every component uses: ed25519
    /// `verify_strict` (canonical encodings, no small-order keys or commitments), or SM2 with
    /// the default identifier ([`sm::verify`]). A signature of the other scheme fails.
    pub fn verify(&self, message: &[u8], signature: &Signature) -> bool {
        match (self, signature) {
            (PublicKey::Ed25519(key), Signature::Ed25519(sig)) => ed25519_verify(key, message, sig),
            (PublicKey::Sm2(key), Signature::Sm2(sig)) => sm::verify(key, message, sig),
            _ => false,
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

/// ed25519's `verify_strict`.
#[cfg(feature = "ed25519")]
fn ed25519_verify(key: &[u8; 32], message: &[u8], signature: &[u8; 64]) -> bool {
    let Ok(key) = VerifyingKey::from_bytes(key) else {
        return false;
    };
    let signature = ed25519_dalek::Signature::from_bytes(signature);
    key.verify_strict(message, &signature).is_ok()
}

/// Without the `ed25519` feature (an SM2/SM3 chain's browser verifier) nothing verifies.
#[cfg(not(feature = "ed25519"))]
fn ed25519_verify(_key: &[u8; 32], _message: &[u8], _signature: &[u8; 64]) -> bool {
    false
}

/// A signature, of the same scheme as the key that made it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Encode, Decode)]
pub enum Signature {
    /// An ed25519 signature.
    #[codec(index = 0)]
    Ed25519([u8; 64]),
    /// An SM2 signature, `r ‖ s`.
    #[codec(index = 1)]
    Sm2([u8; 64]),
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Signature::Ed25519(bytes) => write!(f, "Signature({})", crate::hex::encode(bytes)),
            Signature::Sm2(bytes) => write!(f, "Signature(sm2 {})", crate::hex::encode(bytes)),
        }
    }
}

/// A secret signing key with its public key.
#[derive(Clone)]
pub enum Keypair {
    /// An ed25519 key.
    Ed25519(SigningKey),
    /// An SM2 key.
    Sm2(sm::SigningKey),
}

impl Keypair {
    /// The ed25519 key pair whose secret is `seed`.
    pub fn from_seed(seed: &[u8; 32]) -> Keypair {
        Keypair::Ed25519(SigningKey::from_bytes(seed))
    }

    /// The key pair of `scheme` whose 32-byte secret is `secret` (an ed25519 seed, or SM2's
    /// `d`); `None` for an SM2 secret outside [1, n − 2].
    pub fn from_secret(scheme: Scheme, secret: &[u8; 32]) -> Option<Keypair> {
        match scheme {
            Scheme::Ed25519Sha256 => Some(Keypair::from_seed(secret)),
            Scheme::Sm2Sm3 => sm::SigningKey::from_secret(secret).map(Keypair::Sm2),
        }
    }

    /// A new key of `scheme` whose secret `fill` draws (from the operating system's random
    /// source), drawn again in the rare case an SM2 secret falls outside [1, n − 2].
    pub fn generate(scheme: Scheme, mut fill: impl FnMut(&mut [u8; 32])) -> Keypair {
        loop {
            let mut secret = [0u8; 32];
            fill(&mut secret);
            if let Some(key) = Keypair::from_secret(scheme, &secret) {
                return key;
            }
        }
    }

    /// The scheme of the key.
    pub fn scheme(&self) -> Scheme {
        match self {
            Keypair::Ed25519(_) => Scheme::Ed25519Sha256,
            Keypair::Sm2(_) => Scheme::Sm2Sm3,
        }
    }

    /// The 32-byte secret (an ed25519 seed, or SM2's `d`), for writing a key file.
    pub fn seed(&self) -> [u8; 32] {
        match self {
            Keypair::Ed25519(key) => key.to_bytes(),
            Keypair::Sm2(key) => key.secret(),
        }
    }

    /// The public key.
    pub fn public(&self) -> PublicKey {
        match self {
            Keypair::Ed25519(key) => PublicKey::Ed25519(key.verifying_key().to_bytes()),
            Keypair::Sm2(key) => PublicKey::Sm2(key.public()),
        }
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> Signature {
        match self {
            Keypair::Ed25519(key) => Signature::Ed25519(key.sign(message).to_bytes()),
            Keypair::Sm2(key) => Signature::Sm2(key.sign(message)),
        }
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
