//! Key files: reading (asking for a passphrase when encrypted), making and writing new ones.

use std::path::Path;

use hengxin_primitives::Keypair;
use hengxin_primitives::files::{key_file, write_atomic};
use hengxin_primitives::keyfile;

use super::exit::{Failure, Outcome};

/// The text of the key file at `path`.
pub fn read_key_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::error(format!("reading the key file {}: {e}", path.display())))
}

/// A passphrase from HENGXIN_PASSPHRASE, else asked on the terminal.
fn passphrase(prompt: &str) -> Option<String> {
    std::env::var("HENGXIN_PASSPHRASE")
        .ok()
        .or_else(|| rpassword::prompt_password(prompt).ok())
}

/// The key in the key file at `path`, decrypted when it is encrypted.
pub fn read_key(path: &Path) -> Result<Keypair, Failure> {
    let text = read_key_text(path)?;
    keyfile::read(&text, || {
        passphrase(&format!("passphrase of {}: ", path.display()))
    })
    .map_err(|e| Failure::error(format!("key file {}: {e}", path.display())))
}

/// The text of a new key file for `key`, encrypted when asked.
pub fn key_text(key: &Keypair, encrypt: bool) -> Result<String, Failure> {
    if !encrypt {
        return Ok(key_file(key));
    }
    let first = passphrase("new passphrase: ")
        .ok_or_else(|| Failure::error("no passphrase: set HENGXIN_PASSPHRASE or use a terminal"))?;
    if std::env::var("HENGXIN_PASSPHRASE").is_err()
        && passphrase("the same again: ").as_deref() != Some(first.as_str())
    {
        return Err(Failure::error("the passphrases differ; nothing written"));
    }
    if first.chars().count() < 8 {
        return Err(Failure::error("a passphrase has at least 8 characters"));
    }
    let mut random = [0u8; 40];
    getrandom(&mut random)?;
    keyfile::encrypt(key, &first, random).map_err(Failure::error)
}

/// Writes a new file at `path`, never over an existing one.
pub fn write_new(path: &Path, contents: &str, secret: bool) -> Outcome {
    if path.exists() {
        return Err(Failure::error(format!(
            "{} exists; choose another path (keys are never overwritten)",
            path.display()
        )));
    }
    write_atomic(path, contents, secret)
        .map_err(|e| Failure::error(format!("writing {}: {e}", path.display())))
}

/// Fills `buf` from the operating system's random source.
pub fn getrandom(buf: &mut [u8]) -> Outcome {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| Failure::error(format!("no randomness for a new key (/dev/urandom): {e}")))
}
