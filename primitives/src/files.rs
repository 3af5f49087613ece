//! The JSON files people handle: a key file (`*.key`) and a trust anchor (`trust.json`).
//!
//! A key file holds one signing key:
//! `{"scheme": "ed25519", "public_key": "<64 hex>", "secret_key": "<64 hex>"}`.
//! A trust file holds what a verifier trusts, as the consortium publishes it:
//! `{"chain": "...", "genesis_hash": "<64 hex>", "validators": [{"public_key", "power"}]}`.
//! Both are checked on reading: a public key that does not match the secret, or a validator set
//! that breaks the set's rules, is refused with the reason.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::block::{Validator, ValidatorSet};
use crate::bundle::TrustAnchor;
use crate::crypto::{Hash, Keypair, PublicKey};

/// Why a key or trust file cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Not the expected JSON.
    #[error("not a valid {what} (JSON): {source}")]
    Json {
        /// `key file` or `trust file`.
        what: &'static str,
        /// The parser's complaint.
        source: serde_json::Error,
    },
    /// A field holds a wrong value.
    #[error("{0}")]
    Invalid(String),
}

const SCHEME_ED25519: &str = "ed25519";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFileJson {
    scheme: String,
    public_key: String,
    secret_key: String,
}

/// The text of a key file holding `key`.
pub fn key_file(key: &Keypair) -> String {
    let file = KeyFileJson {
        scheme: SCHEME_ED25519.into(),
        public_key: key.public().to_hex(),
        secret_key: Hash(key.seed()).to_hex(),
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads the key in a key file's text.
pub fn read_key_file(text: &str) -> Result<Keypair, FileError> {
    let file: KeyFileJson = serde_json::from_str(text).map_err(|source| FileError::Json {
        what: "key file",
        source,
    })?;
    if file.scheme != SCHEME_ED25519 {
        return Err(FileError::Invalid(alloc::format!(
            "unknown key scheme `{}`; this version knows `{SCHEME_ED25519}`",
            file.scheme
        )));
    }
    let seed = Hash::from_hex(&file.secret_key)
        .ok_or_else(|| FileError::Invalid("secret_key is not 64 hex digits".to_string()))?;
    let key = Keypair::from_seed(&seed.0);
    if PublicKey::from_hex(&file.public_key) != Some(key.public()) {
        return Err(FileError::Invalid(
            "public_key does not belong to secret_key: the file is damaged".to_string(),
        ));
    }
    Ok(key)
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct ValidatorJson {
    public_key: String,
    power: u64,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrustFileJson {
    chain: String,
    genesis_hash: String,
    validators: Vec<ValidatorJson>,
}

/// The text of a trust file for `anchor`, naming the chain `chain`.
pub fn trust_file(chain: &str, anchor: &TrustAnchor) -> String {
    let file = TrustFileJson {
        chain: chain.into(),
        genesis_hash: anchor.genesis_hash.to_hex(),
        validators: anchor
            .validators
            .validators
            .iter()
            .map(|v| ValidatorJson {
                public_key: v.key.to_hex(),
                power: v.power,
            })
            .collect(),
    };
    let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
    text.push('\n');
    text
}

/// Reads a trust file: the chain's name and its trust anchor.
pub fn read_trust_file(text: &str) -> Result<(String, TrustAnchor), FileError> {
    let file: TrustFileJson = serde_json::from_str(text).map_err(|source| FileError::Json {
        what: "trust file",
        source,
    })?;
    let genesis_hash = Hash::from_hex(&file.genesis_hash)
        .ok_or_else(|| FileError::Invalid("genesis_hash is not 64 hex digits".to_string()))?;
    let validators = file
        .validators
        .iter()
        .map(|v| {
            let key = PublicKey::from_hex(&v.public_key).ok_or_else(|| {
                FileError::Invalid(alloc::format!(
                    "validator key `{}` is not 64 hex digits",
                    v.public_key
                ))
            })?;
            Ok(Validator {
                key,
                power: v.power,
            })
        })
        .collect::<Result<Vec<_>, FileError>>()?;
    let validators = ValidatorSet::new(validators)
        .map_err(|e| FileError::Invalid(alloc::format!("the validator set is invalid: {e}")))?;
    Ok((
        file.chain,
        TrustAnchor {
            genesis_hash,
            validators,
        },
    ))
}

/// Writes `contents` to `path` through a temporary file in the same directory and a rename, so
/// a crash never leaves half a file; `secret` files get mode `0600` (on Unix), others `0644`.
pub fn write_atomic(
    path: &std::path::Path,
    contents: impl AsRef<[u8]>,
    secret: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => std::path::Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let temporary = dir.join(format!(
        ".{}.tmp-{}",
        path.file_name().and_then(|n| n.to_str()).unwrap_or("file"),
        std::process::id()
    ));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(if secret { 0o600 } else { 0o644 });
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut file = match options.open(&temporary) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            // A leftover of a crashed write by a process with the same id.
            std::fs::remove_file(&temporary)?;
            options.open(&temporary)?
        }
        Err(e) => return Err(e),
    };
    let written = file
        .write_all(contents.as_ref())
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_files_round_trip_and_damage_is_refused() {
        let key = Keypair::from_seed(&[7; 32]);
        let text = key_file(&key);
        assert_eq!(read_key_file(&text).unwrap().public(), key.public());
        let other = Keypair::from_seed(&[8; 32]).public().to_hex();
        let damaged = text.replace(&key.public().to_hex(), &other);
        assert!(matches!(
            read_key_file(&damaged),
            Err(FileError::Invalid(_))
        ));
        assert!(matches!(
            read_key_file("{\"scheme\": \"sm2\"}"),
            Err(FileError::Json { .. })
        ));
    }

    #[test]
    fn atomic_writes_replace_whole_files_with_their_mode() {
        let dir = std::env::temp_dir().join(format!("hengxin-files-{}", std::process::id()));
        let path = dir.join("a.key");
        write_atomic(&path, "one", true).unwrap();
        write_atomic(&path, "two", true).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "two");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        assert_eq!(
            std::fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary left"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn trust_files_round_trip_and_bad_sets_are_refused() {
        let set = ValidatorSet::new(vec![
            Validator {
                key: Keypair::from_seed(&[1; 32]).public(),
                power: 1,
            },
            Validator {
                key: Keypair::from_seed(&[2; 32]).public(),
                power: 2,
            },
        ])
        .unwrap();
        let anchor = TrustAnchor {
            genesis_hash: Hash([9; 32]),
            validators: set,
        };
        let text = trust_file("hengxin-dev", &anchor);
        assert_eq!(
            read_trust_file(&text).unwrap(),
            ("hengxin-dev".to_string(), anchor)
        );
        let zero_power = text.replace("\"power\": 2", "\"power\": 0");
        assert!(matches!(
            read_trust_file(&zero_power),
            Err(FileError::Invalid(_))
        ));
    }
}
