//! The JSON files people handle: a key file (`*.key`) and a trust anchor (`trust.json`).
//!
//! A key file holds one signing key:
//! `{"scheme": "ed25519", "public_key": "<64 hex>", "secret_key": "<64 hex>"}`, or on an
//! `sm2-sm3` chain `{"scheme": "sm2", "public_key": "04…" (130 hex), "secret_key": "<64 hex d>"}`.
//! A trust file holds what a verifier trusts, as the consortium publishes it:
//! `{"chain": "...", "genesis_hash": "<64 hex>", "validators": [{"public_key", "power"}]}`, with
//! `"crypto": "sm2-sm3"` after `chain` for an SM2/SM3 chain (an ed25519-sha256 chain's file
//! leaves it out, as before chains could choose).
//! Both are checked on reading: a public key that does not match the secret, or a validator set
//! that breaks the set's rules, is refused with the reason.

use alloc::string::{String, ToString};
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::block::{Validator, ValidatorSet};
use crate::bundle::TrustAnchor;
use crate::crypto::{Hash, Keypair, PublicKey, Scheme};

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
        scheme: key.scheme().key_name().into(),
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
    let scheme = key_scheme(&file.scheme)?;
    let secret = Hash::from_hex(&file.secret_key)
        .ok_or_else(|| FileError::Invalid("secret_key is not 64 hex digits".to_string()))?;
    let key = Keypair::from_secret(scheme, &secret.0).ok_or_else(|| {
        FileError::Invalid(
            "secret_key is not an SM2 secret (it must be between 1 and n − 2): the file is damaged"
                .to_string(),
        )
    })?;
    if PublicKey::from_hex(&file.public_key) != Some(key.public()) {
        return Err(FileError::Invalid(
            "public_key does not belong to secret_key: the file is damaged".to_string(),
        ));
    }
    Ok(key)
}

/// The scheme a key file's `scheme` names (`ed25519` or `sm2`).
pub fn key_scheme(name: &str) -> Result<Scheme, FileError> {
    Scheme::ALL
        .into_iter()
        .find(|s| s.key_name() == name)
        .ok_or_else(|| {
            FileError::Invalid(alloc::format!(
                "unknown key scheme `{name}`; this version knows `ed25519` and `sm2`"
            ))
        })
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    crypto: Option<Scheme>,
    genesis_hash: String,
    validators: Vec<ValidatorJson>,
}

/// The text of a trust file for `anchor`, naming the chain `chain`.
pub fn trust_file(chain: &str, anchor: &TrustAnchor) -> String {
    let scheme = anchor.scheme();
    let file = TrustFileJson {
        chain: chain.into(),
        crypto: (scheme != Scheme::default()).then_some(scheme),
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
                    "validator key `{}` is not a key: {}",
                    v.public_key,
                    crate::crypto::KEY_TEXT_FORMS
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
    let named = file.crypto.unwrap_or_default();
    if validators.scheme() != named {
        return Err(FileError::Invalid(alloc::format!(
            "the trust file names crypto {named}{}, but its validators' keys are {}: the file is \
             not what the consortium published",
            if file.crypto.is_none() {
                " (by leaving it out)"
            } else {
                ""
            },
            validators.scheme().key_name()
        )));
    }
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
        for scheme in Scheme::ALL {
            let key = Keypair::from_secret(scheme, &[7; 32]).unwrap();
            let text = key_file(&key);
            assert!(text.contains(&alloc::format!("\"scheme\": \"{}\"", scheme.key_name())));
            let read = read_key_file(&text).unwrap();
            assert_eq!((read.public(), read.scheme()), (key.public(), scheme));
            let other = Keypair::from_secret(scheme, &[8; 32]).unwrap();
            let damaged = text.replace(&key.public().to_hex(), &other.public().to_hex());
            assert!(matches!(
                read_key_file(&damaged),
                Err(FileError::Invalid(_))
            ));
        }
        // The other scheme's name on a key: its public key is not the secret's.
        let sm2 = key_file(&Keypair::from_secret(Scheme::Sm2Sm3, &[7; 32]).unwrap());
        let renamed = sm2.replace("\"sm2\"", "\"ed25519\"");
        assert!(matches!(
            read_key_file(&renamed),
            Err(FileError::Invalid(_))
        ));
        let unknown = sm2.replace("\"sm2\"", "\"sm9\"");
        let Err(FileError::Invalid(why)) = read_key_file(&unknown) else {
            panic!("an unknown scheme is refused")
        };
        assert!(why.contains("sm9") && why.contains("ed25519") && why.contains("sm2"));
        let n = "fffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123";
        let out_of_range = sm2.replace(&Hash([7; 32]).to_hex(), n);
        assert!(matches!(
            read_key_file(&out_of_range),
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
        assert!(
            !text.contains("crypto"),
            "an ed25519 chain's file is as before: {text}"
        );
        let zero_power = text.replace("\"power\": 2", "\"power\": 0");
        assert!(matches!(
            read_trust_file(&zero_power),
            Err(FileError::Invalid(_))
        ));
        let named_sm = text.replace(
            "\"chain\": \"hengxin-dev\",",
            "\"chain\": \"x\", \"crypto\": \"sm2-sm3\",",
        );
        let e = read_trust_file(&named_sm).unwrap_err().to_string();
        assert!(e.contains("sm2-sm3") && e.contains("ed25519"), "{e}");
    }

    #[test]
    fn an_sm2_chains_trust_file_names_its_crypto() {
        let key = |d: u8| {
            Keypair::from_secret(Scheme::Sm2Sm3, &[d; 32])
                .unwrap()
                .public()
        };
        let anchor = TrustAnchor {
            genesis_hash: Hash([7; 32]),
            validators: ValidatorSet::equal_power([key(1), key(2)]).unwrap(),
        };
        let text = trust_file("gm", &anchor);
        assert!(text.contains("\"crypto\": \"sm2-sm3\""), "{text}");
        assert_eq!(read_trust_file(&text).unwrap().1, anchor);
        let unnamed = text.replace("\"crypto\": \"sm2-sm3\",", "");
        let e = read_trust_file(&unnamed).unwrap_err().to_string();
        assert!(e.contains("leaving it out") && e.contains("sm2"), "{e}");
        let unknown = text.replace("sm2-sm3", "rsa");
        assert!(read_trust_file(&unknown).is_err());
    }
}
