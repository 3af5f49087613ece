//! A blocking client of a node's HTTP API, with typed answers.

use std::time::{Duration, Instant};

use base64::Engine;
use hengxin_primitives::{CertNumber, Hash, LabCode, PublicKey};
use hengxin_runtime::Transaction;
use parity_scale_codec::Encode;
use serde::Deserialize;
use serde::de::DeserializeOwned;

/// The largest answer read from a node (a proof bundle is at most 1 MiB, base64 a third more).
const RESPONSE_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// What went wrong talking to a node.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The node did not answer.
    #[error("node {url} is unreachable: {reason}")]
    Unreachable {
        /// The node.
        url: String,
        /// Why.
        reason: String,
    },
    /// The node answered with an error.
    #[error("{message} ({code})")]
    Api {
        /// HTTP status.
        status: u16,
        /// The stable error code (`certificates.not_in_scope`, `stale_nonce`…).
        code: String,
        /// The node's message.
        message: String,
    },
    /// The node's answer is not what the API promises.
    #[error("the node's answer to {what} cannot be read: {reason}")]
    BadAnswer {
        /// Which request.
        what: String,
        /// Why.
        reason: String,
    },
    /// A transaction was not finalized in time.
    #[error("transaction {hash} was not finalized within {seconds} s (it may still be)")]
    Timeout {
        /// The transaction.
        hash: Hash,
        /// How long was waited.
        seconds: u64,
    },
}

impl ClientError {
    /// The API's error code, if the node answered with one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }
}

type Result<T> = std::result::Result<T, ClientError>;

/// The node's head and chain.
#[derive(Debug, Clone, Deserialize)]
pub struct Health {
    /// Last finalized height.
    pub height: u64,
    /// Its block hash.
    pub finalized_hash: String,
    /// Connected peers.
    pub peers: u64,
    /// Catching up.
    pub syncing: bool,
    /// The chain's genesis hash.
    pub genesis_hash: String,
}

/// An account's standing.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    /// The nonce its next transaction must carry.
    pub nonce: u64,
    /// `regulator`, `lab_key`, `inspector` or `none`.
    pub role: String,
    /// The lab it signs for.
    pub lab: Option<String>,
    /// The region it acts for.
    pub region: Option<String>,
    /// The height read at.
    pub height: u64,
}

/// An error as the API reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct ErrorDetail {
    /// Stable code.
    pub code: String,
    /// Message.
    pub message: String,
}

/// Where a transaction is.
#[derive(Debug, Clone, Deserialize)]
pub struct TxStatus {
    /// `pending`, `finalized` or `rejected`.
    pub status: String,
    /// Its block.
    pub height: Option<u64>,
    /// Why it was rejected.
    pub error: Option<ErrorDetail>,
}

/// A certificate as the node shows it (the fields a client uses; the node sends more).
#[derive(Debug, Clone, Deserialize)]
pub struct Certificate {
    /// Lab code.
    pub lab: String,
    /// Number.
    pub number: String,
    /// `verification`, `calibration`, `notice`.
    pub kind: String,
    /// Category code.
    pub category: String,
    /// Item.
    pub item: String,
    /// Calibration date.
    pub calibration_date: String,
    /// Issue date.
    pub issue_date: String,
    /// 有效期至.
    pub valid_until: Option<String>,
    /// `pass`, `fail`, `none`.
    pub conclusion: String,
    /// Document SHA-256, hex.
    pub document_hash: String,
    /// `valid`, `revoked`, `superseded`, `expired`.
    pub status: String,
    /// Where it is recognised.
    pub recognized_in: Vec<String>,
    /// Height of anchoring.
    pub anchored_height: u64,
    /// The full answer, for `--json` and for fields not listed here.
    #[serde(skip)]
    pub raw: serde_json::Value,
}

/// Percent-encodes all but the unreserved characters (RFC 3986), for a URL path segment or a
/// query value: a certificate number may hold spaces, slashes and any Unicode.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(char::from(byte));
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// The URL path of a certificate: lab and number percent-encoded (a number may hold spaces and
/// slashes).
pub fn certificate_path(lab: &LabCode, number: &CertNumber) -> String {
    format!(
        "/v1/certificates/{}/{}",
        percent_encode(lab.as_str()),
        percent_encode(number.as_str())
    )
}

/// A node's API.
#[derive(Clone)]
pub struct Client {
    base: String,
    agent: ureq::Agent,
}

impl Client {
    /// A client of the node at `base` (`http://127.0.0.1:8686`).
    pub fn new(base: &str) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .new_agent();
        Client {
            base: base.trim_end_matches('/').to_string(),
            agent,
        }
    }

    /// The node's base URL.
    pub fn url(&self) -> &str {
        &self.base
    }

    fn unreachable(&self, e: impl ToString) -> ClientError {
        ClientError::Unreachable {
            url: self.base.clone(),
            reason: e.to_string(),
        }
    }

    fn read(
        &self,
        what: &str,
        response: ureq::http::Response<ureq::Body>,
    ) -> Result<serde_json::Value> {
        let status = response.status().as_u16();
        let text = response
            .into_body()
            .with_config()
            .limit(RESPONSE_BYTES_MAX)
            .read_to_string()
            .map_err(|e| self.unreachable(e))?;
        let body: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| ClientError::BadAnswer {
                what: what.into(),
                reason: format!("HTTP {status}, not JSON: {e}"),
            })?;
        if (200..300).contains(&status) {
            return Ok(body);
        }
        let detail: ErrorDetail =
            serde_json::from_value(body["error"].clone()).map_err(|_| ClientError::BadAnswer {
                what: what.into(),
                reason: format!("HTTP {status} without an error code"),
            })?;
        Err(ClientError::Api {
            status,
            code: detail.code,
            message: detail.message,
        })
    }

    fn typed<T: DeserializeOwned>(what: &str, value: serde_json::Value) -> Result<T> {
        serde_json::from_value(value).map_err(|e| ClientError::BadAnswer {
            what: what.into(),
            reason: e.to_string(),
        })
    }

    /// GETs `path` and returns the JSON answer.
    pub fn get_json(&self, path: &str) -> Result<serde_json::Value> {
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .map_err(|e| self.unreachable(e))?;
        self.read(path, response)
    }

    /// The node's head and chain.
    pub fn health(&self) -> Result<Health> {
        Self::typed("/v1/health", self.get_json("/v1/health")?)
    }

    /// The node's trust file text (`GET /v1/trust`).
    pub fn trust_file(&self) -> Result<String> {
        let value = self.get_json("/v1/trust")?;
        Ok(value.to_string())
    }

    /// An account's nonce and role.
    pub fn account(&self, key: &PublicKey) -> Result<Account> {
        let path = format!("/v1/accounts/{}", key.to_hex());
        Self::typed(&path, self.get_json(&path)?)
    }

    /// Submits a signed transaction; its hash once the node has pooled it.
    pub fn submit(&self, tx: &Transaction) -> Result<Hash> {
        let response = self
            .agent
            .post(format!("{}/v1/transactions", self.base))
            .header("content-type", "application/octet-stream")
            .send(&tx.encode()[..])
            .map_err(|e| self.unreachable(e))?;
        let body = self.read("POST /v1/transactions", response)?;
        body["hash"]
            .as_str()
            .and_then(Hash::from_hex)
            .ok_or_else(|| ClientError::BadAnswer {
                what: "POST /v1/transactions".into(),
                reason: "no transaction hash".into(),
            })
    }

    /// A transaction's status (`None` when the node does not know it).
    pub fn status(&self, hash: &Hash) -> Result<Option<TxStatus>> {
        let path = format!("/v1/transactions/{}", hash.to_hex());
        match self.get_json(&path) {
            Ok(value) => Self::typed(&path, value).map(Some),
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Waits until `hash` is finalized (or finalized as rejected), polling every 100 ms.
    pub fn wait_finalized(&self, hash: &Hash, timeout: Duration) -> Result<TxStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.status(hash)?
                && status.status != "pending"
            {
                return Ok(status);
            }
            if start.elapsed() >= timeout {
                return Err(ClientError::Timeout {
                    hash: *hash,
                    seconds: timeout.as_secs(),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// A certificate (`None` when the ledger has none so numbered).
    pub fn certificate(&self, lab: &LabCode, number: &CertNumber) -> Result<Option<Certificate>> {
        let path = certificate_path(lab, number);
        match self.get_json(&path) {
            Ok(raw) => {
                let mut certificate: Certificate = Self::typed(&path, raw.clone())?;
                certificate.raw = raw;
                Ok(Some(certificate))
            }
            Err(ClientError::Api { status: 404, .. }) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The proof bundle of a certificate (or of its absence), as bytes; with `trace`, also of
    /// every record of its traceability chain.
    pub fn certificate_bundle(
        &self,
        lab: &LabCode,
        number: &CertNumber,
        trace: bool,
    ) -> Result<Vec<u8>> {
        let path = format!("{}/proof?trace={trace}", certificate_path(lab, number));
        let value = self.get_json(&path)?;
        value["bundle"]
            .as_str()
            .and_then(|b| {
                base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .decode(b)
                    .ok()
            })
            .ok_or_else(|| ClientError::BadAnswer {
                what: path,
                reason: "no base64url bundle".into(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn certificate_paths_escape_spaces_slashes_and_unicode() {
        let lab = LabCode::new("CQJL").unwrap();
        let number: CertNumber = "JD 2026/0001-甲".parse().unwrap();
        assert_eq!(
            certificate_path(&lab, &number),
            "/v1/certificates/CQJL/JD%202026%2F0001-%E7%94%B2"
        );
    }
}
