//! What every command works with: the node's client and the output format; signing a call with
//! a key file, submitting it and waiting until it is finalized.

use std::path::Path;
use std::time::Duration;

use hengxin_client::api::Client;
use hengxin_client::signer::Signer;
use hengxin_client::trust;
use hengxin_primitives::Hash;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::crypto::Scheme;
use hengxin_runtime::Call;

use super::exit::{Failure, Outcome};
use super::keys::read_key;
use super::output::print_json;

/// How long a command waits for its transaction to be finalized.
const FINALITY_TIMEOUT: Duration = Duration::from_secs(60);

/// The node and the output format.
pub struct Context {
    /// The node's API.
    pub client: Client,
    /// Print JSON instead of tables.
    pub json: bool,
    /// The chain's scheme, once asked of the node.
    pub scheme: std::cell::OnceCell<Scheme>,
}

impl Context {
    /// The verify page's address for QR codes: `given` (`--base`), else the one the node
    /// names (its `[http] verify_base`: a page a regulator hosts), else the node's own.
    pub fn verify_base(&self, given: Option<&str>) -> Result<String, Failure> {
        let base = match given {
            Some(base) => base.to_string(),
            None => self
                .client
                .health()?
                .verify_base
                .unwrap_or_else(|| self.client.url().to_string()),
        };
        if !(base.starts_with("https://") || base.starts_with("http://")) {
            return Err(Failure::usage(format!(
                "--base `{base}` must be an http(s) address, like https://verify.example.cn"
            )));
        }
        Ok(base)
    }

    /// Writes the QR code of `url` to `out` (PNG or SVG, decoded back before it is kept) and
    /// prints the URL.
    pub fn write_qr(&self, url: &str, out: &Path) -> super::exit::Outcome {
        hengxin_client::qr::write(url, out).map_err(Failure::error)?;
        if self.json {
            print_json(&serde_json::json!({ "url": url, "file": out.display().to_string() }));
        } else {
            println!("{url}");
        }
        Ok(())
    }

    /// A region of the node's chain: a code it does not know is refused before anything is
    /// signed, naming the regions it does (the node's answer).
    pub fn region(&self, text: &str) -> Result<hengxin_primitives::RegionCode, Failure> {
        let region = super::parse::region(text)?;
        match self.client.inspectors(&region) {
            Err(e) if e.is(hengxin_api_types::ErrorCode::RegionNotFound) => {
                Err(Failure::usage(format!("--region: {e}")))
            }
            _ => Ok(region),
        }
    }

    /// The chain's scheme (`ed25519-sha256` or `sm2-sm3`), as the node says: what documents
    /// are hashed with. A wrong answer gives a hash no verifier of the chain matches, never a
    /// false proof.
    pub fn scheme(&self) -> Result<Scheme, Failure> {
        if let Some(scheme) = self.scheme.get() {
            return Ok(*scheme);
        }
        let scheme = self.client.health()?.crypto;
        Ok(*self.scheme.get_or_init(|| scheme))
    }

    /// The chain's hash (SHA-256, or SM3 on an sm2-sm3 chain) of a document's bytes.
    pub fn document_hash(&self, bytes: &[u8]) -> Result<Hash, Failure> {
        Ok(self.scheme()?.hash(bytes))
    }

    /// The chain's hash of a file's bytes (a document, evidence).
    pub fn file_hash(&self, path: &Path) -> Result<Hash, Failure> {
        let bytes = std::fs::read(path)
            .map_err(|e| Failure::error(format!("reading {}: {e}", path.display())))?;
        self.document_hash(&bytes)
    }

    /// The signer for the key in `key` on the node's chain: a key of another scheme than the
    /// chain's is refused before anything is signed.
    pub fn signer(&self, key_path: &Path) -> Result<Signer, Failure> {
        let key = read_key(key_path)?;
        let health = self.client.health()?;
        if key.scheme() != health.crypto {
            return Err(Failure::error(format!(
                "密钥文件 {} 是 {} 密钥，而该链使用 {} / the key file {} holds an {} key, and the \
                 node's chain uses {}: use a key made with `hengxin key new --crypto {}`",
                key_path.display(),
                key.scheme().key_name(),
                health.crypto,
                key_path.display(),
                key.scheme().key_name(),
                health.crypto,
                health.crypto
            )));
        }
        Ok(Signer::new(key, health.genesis_hash))
    }

    /// Signs `call` with `signer`, submits it and waits until it is finalized: the transaction
    /// hash and its height.
    pub fn execute_with(&self, signer: &Signer, call: Call) -> Result<(Hash, u64), Failure> {
        let (hash, status) = signer.execute(&self.client, call, FINALITY_TIMEOUT)?;
        Ok((hash, status.height.unwrap_or(0)))
    }

    /// Signs `call` with the key in `key`, submits it and waits until it is finalized.
    pub fn execute(&self, key: &Path, call: Call) -> Result<(Hash, u64), Failure> {
        self.execute_with(&self.signer(key)?, call)
    }

    /// The trust anchor to verify against: the consortium's trust file when given, else the
    /// one pinned for this node on first contact (pinned now, with a warning, if none is).
    pub fn trust_anchor(&self, trust_path: Option<&Path>) -> Result<TrustAnchor, Failure> {
        let pins = trust::default_pins_path()
            .ok_or_else(|| Failure::error("HOME is not set; give --trust FILE"))?;
        let settled = trust::settle(&self.client, trust_path, &pins)?;
        if settled.newly_pinned {
            eprintln!(
                "warning: no --trust file given; trusting chain {} ({}) as node {} presents it, \
                 and pinning it in {} for next time. Get the consortium's trust.json to be sure.",
                settled.chain,
                settled.anchor.genesis_hash,
                self.client.url(),
                pins.display()
            );
        }
        Ok(settled.anchor)
    }

    /// Executes `call` signed with `key`, then says what was `done`.
    pub fn submit(&self, key: &Path, call: Call, done: String) -> Outcome {
        self.submit_with(&self.signer(key)?, call, done)
    }

    /// Executes `call` signed by `signer` (a key already read), then says what was `done`.
    pub fn submit_with(&self, signer: &Signer, call: Call, done: String) -> Outcome {
        let (hash, height) = self.execute_with(signer, call)?;
        if self.json {
            print_json(&serde_json::json!({
                "done": done,
                "transaction": hash,
                "height": height,
            }));
        } else {
            println!("{done} (height {height})");
        }
        Ok(())
    }
}

/// Who signs: the signer's key file (`--key`), flattened into every command that changes the
/// ledger.
#[derive(clap::Args)]
pub struct Signing {
    /// The signing key file (a regulator's, or for standards the owning lab's).
    #[arg(long, value_name = "KEY")]
    pub key: std::path::PathBuf,
}
