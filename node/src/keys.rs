//! A node's own key file: made on the host that uses it (`hengxin-node key new`), read plain or
//! encrypted (the passphrase from a file or `HENGXIN_PASSPHRASE`), and the libp2p peer id it
//! implies.

use std::path::Path;

use anyhow::{Context, bail};
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::files::{key_file, write_atomic};
use hengxin_primitives::{Keypair, keyfile};

use crate::node::network_keypair;

/// The environment variable a passphrase may come from.
pub const PASSPHRASE_ENV: &str = "HENGXIN_PASSPHRASE";

/// The passphrase: the first line of `file` when given, else `HENGXIN_PASSPHRASE`.
fn passphrase(file: Option<&Path>) -> anyhow::Result<Option<String>> {
    match file {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading the passphrase file {}", path.display()))?;
            Ok(Some(text.lines().next().unwrap_or_default().to_string()))
        }
        None => Ok(std::env::var(PASSPHRASE_ENV).ok()),
    }
}

/// Reads a key file, plain or encrypted; an encrypted one opens with the passphrase from
/// `passphrase_file`, else from `HENGXIN_PASSPHRASE`.
pub fn read_key(path: &Path, passphrase_file: Option<&Path>) -> anyhow::Result<Keypair> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the key file {}", path.display()))?;
    // The passphrase file is read only for an encrypted key.
    let secret = match keyfile::is_encrypted(&text) {
        true => passphrase(passphrase_file)?,
        false => None,
    };
    keyfile::read(&text, || secret).map_err(|e| match e {
        keyfile::KeyFileError::NeedPassphrase => anyhow::anyhow!(
            "the key file {} is encrypted: give its passphrase in {PASSPHRASE_ENV}, or name a \
             file holding it (key_passphrase_file in the config, --passphrase-file here)",
            path.display()
        ),
        e => anyhow::anyhow!("cannot open the key file {}: {e}", path.display()),
    })
}

/// What a node key is known by: its public key (the validator's) and its libp2p peer id.
pub fn describe(key: &Keypair) -> anyhow::Result<(String, String)> {
    let peer = network_keypair(key)?.public().to_peer_id();
    Ok((key.public().to_hex(), peer.to_string()))
}

/// A new key of `scheme` from the operating system's random source.
pub fn random_key(scheme: Scheme) -> Keypair {
    use rand::RngCore;
    Keypair::generate(scheme, |secret| rand::rngs::OsRng.fill_bytes(secret))
}

/// Makes a new node key of `scheme` at `out` (never over an existing file), encrypted with the
/// passphrase from `passphrase_file` or `HENGXIN_PASSPHRASE` when `encrypt`; the key is
/// returned, its secret never printed.
pub fn new_key(
    out: &Path,
    scheme: Scheme,
    encrypt: bool,
    passphrase_file: Option<&Path>,
) -> anyhow::Result<Keypair> {
    use rand::RngCore;
    if out.exists() {
        bail!(
            "{} exists; choose another path (keys are never overwritten)",
            out.display()
        );
    }
    let key = random_key(scheme);
    let text = match encrypt {
        false => key_file(&key),
        true => {
            let secret = passphrase(passphrase_file)?.filter(|p| p.chars().count() >= 8).with_context(|| {
                format!("--encrypt needs a passphrase of at least 8 characters in {PASSPHRASE_ENV} or --passphrase-file")
            })?;
            let mut random = [0u8; 40];
            rand::rngs::OsRng.fill_bytes(&mut random);
            keyfile::encrypt(&key, &secret, random)?
        }
    };
    write_atomic(out, &text, true).with_context(|| format!("writing {}", out.display()))?;
    Ok(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_key_reads_back_and_an_encrypted_one_needs_its_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("node.key");
        let key = new_key(&plain, Scheme::Ed25519Sha256, false, None).unwrap();
        assert_eq!(read_key(&plain, None).unwrap().public(), key.public());
        assert!(
            new_key(&plain, Scheme::Ed25519Sha256, false, None).is_err(),
            "never over a file"
        );
        let secret = dir.path().join("passphrase");
        std::fs::write(&secret, "一句足够长的口令\n").unwrap();
        let sealed = dir.path().join("sealed.key");
        let key = new_key(&sealed, Scheme::Ed25519Sha256, true, Some(&secret)).unwrap();
        assert_eq!(
            read_key(&sealed, Some(&secret)).unwrap().public(),
            key.public()
        );
        let wrong = dir.path().join("wrong");
        std::fs::write(&wrong, "another passphrase").unwrap();
        let e = read_key(&sealed, Some(&wrong)).unwrap_err().to_string();
        assert!(e.contains("wrong passphrase"), "{e}");
        let (public, peer) = describe(&key).unwrap();
        assert_eq!(public.len(), 64);
        assert!(peer.starts_with("12D3KooW"), "{peer}");
        // An SM2 node key: its network identity is an ed25519 key derived from it.
        let sm2 = dir.path().join("sm2.key");
        let key = new_key(&sm2, Scheme::Sm2Sm3, true, Some(&secret)).unwrap();
        assert_eq!(
            read_key(&sm2, Some(&secret)).unwrap().public(),
            key.public()
        );
        let (public, peer) = describe(&key).unwrap();
        assert!(public.len() == 130 && public.starts_with("04"), "{public}");
        assert!(peer.starts_with("12D3KooW"), "{peer}");
        assert_eq!(
            describe(&key).unwrap().1,
            peer,
            "the same key, the same peer id"
        );
    }
}
