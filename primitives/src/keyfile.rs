//! Key files as people keep them: plain (what `hengxin-node --dev` writes, and what a node reads
//! unattended) or encrypted with a passphrase: Argon2id stretches the passphrase into a key,
//! XChaCha20-Poly1305 seals the secret with the public key as associated data.
//!
//! An encrypted file is `{"scheme": "ed25519", "public_key": "<hex>", "encrypted": {"kdf":
//! "argon2id", "m_kib", "t", "p", "salt", "cipher": "xchacha20poly1305", "nonce",
//! "ciphertext"}}`.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::files::read_key_file;
use crate::{Keypair, PublicKey};
use serde::{Deserialize, Serialize};

/// Argon2id cost: 64 MiB, 3 passes (OWASP's guidance for interactive use).
const M_KIB: u32 = 64 * 1024;
const T: u32 = 3;
const P: u32 = 1;
/// Costs above these are refused when reading: a hostile file must not exhaust memory or time.
const M_KIB_MAX: u32 = 1024 * 1024;
const T_MAX: u32 = 16;

/// Why a key file cannot be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    /// Not a key file.
    #[error("not a hengxin key file: {0}")]
    Format(String),
    /// Wrong passphrase, or the file was altered.
    #[error("wrong passphrase, or the key file was altered")]
    Decrypt,
    /// The file is encrypted and no passphrase was given.
    #[error("the key file is encrypted; give its passphrase (HENGXIN_PASSPHRASE or the prompt)")]
    NeedPassphrase,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Encrypted {
    kdf: String,
    m_kib: u32,
    t: u32,
    p: u32,
    salt: String,
    cipher: String,
    nonce: String,
    ciphertext: String,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct EncryptedFile {
    scheme: String,
    public_key: String,
    encrypted: Encrypted,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

fn stretch(
    passphrase: &str,
    salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<[u8; 32], KeyFileError> {
    let params = Params::new(m_kib, t, p, Some(32))
        .map_err(|e| KeyFileError::Format(format!("Argon2 parameters: {e}")))?;
    let mut key = [0u8; 32];
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(passphrase.as_bytes(), salt, &mut key)
        .map_err(|e| KeyFileError::Format(format!("Argon2: {e}")))?;
    Ok(key)
}

/// The public key a key file names (without decrypting it).
pub fn public_key(text: &str) -> Result<PublicKey, KeyFileError> {
    if !is_encrypted(text) {
        return read(text, || None).map(|k| k.public());
    }
    let file: EncryptedFile =
        serde_json::from_str(text).map_err(|e| KeyFileError::Format(e.to_string()))?;
    PublicKey::from_hex(&file.public_key).ok_or_else(|| {
        KeyFileError::Format(
            "public_key is not a key (64 hex digits, or 130 beginning 04 for SM2)".into(),
        )
    })
}

/// Whether a key file's text is encrypted.
pub fn is_encrypted(text: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(text).is_ok_and(|v| v.get("encrypted").is_some())
}

/// The text of `key`'s file encrypted with `passphrase`; `random` supplies 40 bytes of salt and
/// nonce.
pub fn encrypt(key: &Keypair, passphrase: &str, random: [u8; 40]) -> Result<String, KeyFileError> {
    let (salt, nonce) = random.split_at(16);
    let sealing = stretch(passphrase, salt, M_KIB, T, P)?;
    let public = key.public().to_hex();
    let ciphertext = XChaCha20Poly1305::new((&sealing).into())
        .encrypt(
            XNonce::from_slice(nonce),
            Payload {
                msg: &key.seed(),
                aad: public.as_bytes(),
            },
        )
        .map_err(|_| KeyFileError::Decrypt)?;
    let file = EncryptedFile {
        scheme: key.scheme().key_name().into(),
        public_key: public,
        encrypted: Encrypted {
            kdf: "argon2id".into(),
            m_kib: M_KIB,
            t: T,
            p: P,
            salt: hex(salt),
            cipher: "xchacha20poly1305".into(),
            nonce: hex(nonce),
            ciphertext: hex(&ciphertext),
        },
    };
    let mut text =
        serde_json::to_string_pretty(&file).map_err(|e| KeyFileError::Format(e.to_string()))?;
    text.push('\n');
    Ok(text)
}

/// Reads a key file, plain or encrypted (`passphrase` asked for only when it is encrypted).
pub fn read(
    text: &str,
    passphrase: impl FnOnce() -> Option<String>,
) -> Result<Keypair, KeyFileError> {
    if !is_encrypted(text) {
        return read_key_file(text).map_err(|e| KeyFileError::Format(e.to_string()));
    }
    let file: EncryptedFile =
        serde_json::from_str(text).map_err(|e| KeyFileError::Format(e.to_string()))?;
    let e = &file.encrypted;
    let scheme =
        crate::files::key_scheme(&file.scheme).map_err(|e| KeyFileError::Format(e.to_string()))?;
    if e.kdf != "argon2id" || e.cipher != "xchacha20poly1305" {
        return Err(KeyFileError::Format(
            "unknown KDF or cipher; this version knows argon2id, xchacha20poly1305".into(),
        ));
    }
    if e.m_kib > M_KIB_MAX || e.t > T_MAX || e.p == 0 || e.p > 16 {
        return Err(KeyFileError::Format("Argon2 costs out of bounds".into()));
    }
    let bad = |what: &str| KeyFileError::Format(format!("{what} is not hex of the right length"));
    let salt = unhex(&e.salt)
        .filter(|s| s.len() >= 16)
        .ok_or_else(|| bad("salt"))?;
    let nonce = unhex(&e.nonce)
        .filter(|n| n.len() == 24)
        .ok_or_else(|| bad("nonce"))?;
    let ciphertext = unhex(&e.ciphertext).ok_or_else(|| bad("ciphertext"))?;
    let public = PublicKey::from_hex(&file.public_key).ok_or_else(|| bad("public_key"))?;
    let passphrase = passphrase().ok_or(KeyFileError::NeedPassphrase)?;
    let sealing = stretch(&passphrase, &salt, e.m_kib, e.t, e.p)?;
    let seed = XChaCha20Poly1305::new((&sealing).into())
        .decrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: &ciphertext,
                aad: file.public_key.as_bytes(),
            },
        )
        .map_err(|_| KeyFileError::Decrypt)?;
    let seed: [u8; 32] = seed.try_into().map_err(|_| KeyFileError::Decrypt)?;
    let key = Keypair::from_secret(scheme, &seed).ok_or(KeyFileError::Decrypt)?;
    if key.public() != public {
        return Err(KeyFileError::Decrypt);
    }
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Hash;

    #[test]
    fn encrypted_keys_open_with_their_passphrase_only() {
        for scheme in crate::crypto::Scheme::ALL {
            encrypted_key_opens_with_its_passphrase_only(scheme);
        }
    }

    fn encrypted_key_opens_with_its_passphrase_only(scheme: crate::crypto::Scheme) {
        let key = Keypair::from_secret(scheme, &[5; 32]).unwrap();
        assert!(
            encrypt(&key, "x", [9; 40])
                .unwrap()
                .contains(scheme.key_name())
        );
        let text = encrypt(&key, "正确的口令 correct horse", [9; 40]).unwrap();
        assert!(is_encrypted(&text));
        assert!(
            !text.contains(&Hash(key.seed()).to_hex()),
            "no plain secret in the file"
        );
        let opened = read(&text, || Some("正确的口令 correct horse".into())).unwrap();
        assert_eq!(opened.public(), key.public());
        assert!(matches!(
            read(&text, || Some("wrong".into())),
            Err(KeyFileError::Decrypt)
        ));
        assert!(matches!(
            read(&text, || None),
            Err(KeyFileError::NeedPassphrase)
        ));
        // Swapping in another public key breaks the seal (it is the associated data).
        let other = Keypair::from_secret(scheme, &[6; 32])
            .unwrap()
            .public()
            .to_hex();
        let swapped = text.replace(&key.public().to_hex(), &other);
        assert!(read(&swapped, || Some("正确的口令 correct horse".into())).is_err());
        // Hostile costs are refused before any work.
        let costly = text.replace("\"m_kib\": 65536", "\"m_kib\": 4000000000");
        assert!(matches!(
            read(&costly, || Some("x".into())),
            Err(KeyFileError::Format(_))
        ));
        // Plain files still read.
        let plain = crate::files::key_file(&key);
        assert_eq!(read(&plain, || None).unwrap().public(), key.public());
    }
}
