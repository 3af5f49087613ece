//! Which trust anchor a verification uses: a trust file the consortium published (`--trust`),
//! or the anchor pinned for a node on first contact. A node that later serves another chain is
//! refused.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use hengxin_primitives::Hash;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::files::{read_trust_file, trust_file, write_atomic};

use crate::api::{Client, ClientError};

/// Why no trust anchor could be settled.
#[derive(Debug, thiserror::Error)]
pub enum TrustError {
    /// Reading or writing a file failed.
    #[error("{what} {path}: {reason}")]
    File {
        /// What the file is.
        what: &'static str,
        /// Where.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// Talking to the node failed.
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The node serves another chain than the one pinned for it, or than its own trust file.
    #[error(
        "node {url} serves chain {found}, but chain {expected} was pinned for it on first \
         contact; if the consortium really started a new chain, remove the entry from {pins} or \
         pass --trust FILE"
    )]
    OtherChain {
        /// The node.
        url: String,
        /// The pinned chain.
        expected: Hash,
        /// The node's.
        found: Hash,
        /// The pins file.
        pins: String,
    },
    /// The node's own trust file does not match its health.
    #[error("node {0} serves a trust anchor for another chain than it runs")]
    Inconsistent(String),
}

/// A settled anchor, and whether it was just pinned (the caller should warn).
pub struct Settled {
    /// The anchor.
    pub anchor: TrustAnchor,
    /// The chain's name.
    pub chain: String,
    /// Pinned on this very contact: trusted because the node said so.
    pub newly_pinned: bool,
}

/// Where pins are kept: `$XDG_CONFIG_HOME/hengxin/pins.json`, else `~/.config/hengxin/pins.json`.
pub fn default_pins_path() -> Option<PathBuf> {
    let config = match std::env::var_os("XDG_CONFIG_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => PathBuf::from(std::env::var_os("HOME").filter(|h| !h.is_empty())?).join(".config"),
    };
    Some(config.join("hengxin").join("pins.json"))
}

fn file_error(what: &'static str, path: &Path, reason: impl ToString) -> TrustError {
    TrustError::File {
        what,
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}

/// Reads a trust file.
pub fn read(path: &Path) -> Result<(String, TrustAnchor), TrustError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| file_error("reading the trust file", path, e))?;
    read_trust_file(&text).map_err(|e| file_error("the trust file", path, e))
}

/// The anchor for verifying answers of `client`'s node: from `trust_path` when given, else the
/// one pinned for the node in `pins` (pinning the node's own on first contact).
pub fn settle(
    client: &Client,
    trust_path: Option<&Path>,
    pins: &Path,
) -> Result<Settled, TrustError> {
    if let Some(path) = trust_path {
        let (chain, anchor) = read(path)?;
        return Ok(Settled {
            anchor,
            chain,
            newly_pinned: false,
        });
    }
    let mut pinned: BTreeMap<String, serde_json::Value> = match std::fs::read_to_string(pins) {
        Ok(text) => {
            serde_json::from_str(&text).map_err(|e| file_error("the pins file (JSON)", pins, e))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
        Err(e) => return Err(file_error("reading the pins file", pins, e)),
    };
    let health = client.health()?;
    let url = client.url().to_string();
    if let Some(entry) = pinned.get(&url) {
        let (chain, anchor) = read_trust_file(&entry.to_string())
            .map_err(|e| file_error("the pins file's entry", pins, format!("{url}: {e}")))?;
        if anchor.genesis_hash != health.genesis_hash {
            return Err(TrustError::OtherChain {
                url,
                expected: anchor.genesis_hash,
                found: health.genesis_hash,
                pins: pins.display().to_string(),
            });
        }
        return Ok(Settled {
            anchor,
            chain,
            newly_pinned: false,
        });
    }
    let text = client.trust_file()?;
    let (chain, anchor) = read_trust_file(&text).map_err(|e| ClientError::BadAnswer {
        what: "/v1/trust".into(),
        reason: e.to_string(),
    })?;
    if anchor.genesis_hash != health.genesis_hash {
        return Err(TrustError::Inconsistent(url));
    }
    let entry: serde_json::Value = serde_json::from_str(&trust_file(&chain, &anchor))
        .map_err(|e| file_error("the pins file", pins, e))?;
    pinned.insert(url, entry);
    let text =
        serde_json::to_string_pretty(&pinned).map_err(|e| file_error("the pins file", pins, e))?;
    write_atomic(pins, &text, false).map_err(|e| file_error("writing the pins file", pins, e))?;
    Ok(Settled {
        anchor,
        chain,
        newly_pinned: true,
    })
}
