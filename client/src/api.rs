//! A blocking client of a node's HTTP API, with typed answers.

use std::time::{Duration, Instant};

use hengxin_api_types::{
    AccountView, AgreementsView, BlockView, BundleBody, BusinessView, BusinessesView,
    CertificateView, DocumentView, ErrorBody, ErrorCode, Health, InstrumentClassesView,
    InstrumentDetailView, InstrumentsView, LabDetailView, PlanView, PlansView, Submitted, TxState,
    TxStatus, ValidatorsView,
};
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::{
    CertNumber, CreditCode, Date, Hash, InstrumentId, LabCode, PublicKey, RegionCode,
};
use hengxin_runtime::Transaction;
use parity_scale_codec::Encode;
use serde::de::DeserializeOwned;

/// The largest answer read from a node (a proof bundle is at most 1 MiB, base64 a third more).
const RESPONSE_BYTES_MAX: u64 = 4 * 1024 * 1024;

/// The most businesses read from one region's list.
const REGION_BUSINESSES_MAX: usize = 1_000_000;
/// The most instruments read from one list (narrow it with filters past that).
const LISTED_INSTRUMENTS_MAX: usize = 500_000;

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
    /// The stable error code, if the node answered with one (the API's own, or the runtime's
    /// for a refused transaction: compare with [`ErrorCode::code`] or `TxError::code`).
    pub fn code(&self) -> Option<&str> {
        match self {
            ClientError::Api { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Whether the node refused with the API's `code`.
    pub fn is(&self, code: ErrorCode) -> bool {
        self.code() == Some(code.code())
    }
}

pub(crate) type Result<T> = std::result::Result<T, ClientError>;

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

    /// The answer's body as `T`, or the error the node answered with.
    fn read<T: DeserializeOwned>(
        &self,
        what: &str,
        response: ureq::http::Response<ureq::Body>,
    ) -> Result<T> {
        let status = response.status().as_u16();
        let text = response
            .into_body()
            .with_config()
            .limit(RESPONSE_BYTES_MAX)
            .read_to_string()
            .map_err(|e| self.unreachable(e))?;
        let bad = |reason: String| ClientError::BadAnswer {
            what: what.into(),
            reason,
        };
        if (200..300).contains(&status) {
            return serde_json::from_str(&text).map_err(|e| bad(format!("HTTP {status}: {e}")));
        }
        let body: ErrorBody = serde_json::from_str(&text)
            .map_err(|_| bad(format!("HTTP {status} without an error code")))?;
        Err(ClientError::Api {
            status,
            code: body.error.code,
            message: body.error.message,
        })
    }

    /// GETs `path` and reads the answer as `T`.
    pub(crate) fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T> {
        let response = self
            .agent
            .get(format!("{}{path}", self.base))
            .call()
            .map_err(|e| self.unreachable(e))?;
        self.read(path, response)
    }

    /// GETs `path`; `None` when the node answers 404 with `missing`.
    pub(crate) fn get_found<T: DeserializeOwned>(
        &self,
        path: &str,
        missing: ErrorCode,
    ) -> Result<Option<T>> {
        match self.get(path) {
            Ok(found) => Ok(Some(found)),
            Err(e) if e.is(missing) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// The node's head and chain.
    pub fn health(&self) -> Result<Health> {
        self.get("/v1/health")
    }

    /// The node's trust file text (`GET /v1/trust`).
    pub fn trust_file(&self) -> Result<String> {
        let value: serde_json::Value = self.get("/v1/trust")?;
        Ok(value.to_string())
    }

    /// An account's nonce and role.
    pub fn account(&self, key: &PublicKey) -> Result<AccountView> {
        self.get(&format!("/v1/accounts/{}", key.to_hex()))
    }

    /// The validator sets and the latest governance proposal.
    pub fn validators(&self) -> Result<ValidatorsView> {
        self.get("/v1/validators")
    }

    /// Every mutual-recognition agreement.
    pub fn agreements(&self) -> Result<AgreementsView> {
        self.get("/v1/agreements")
    }

    /// Submits a signed transaction; its hash once the node has pooled it.
    pub fn submit(&self, tx: &Transaction) -> Result<Hash> {
        let response = self
            .agent
            .post(format!("{}/v1/transactions", self.base))
            .header("content-type", "application/octet-stream")
            .send(&tx.encode()[..])
            .map_err(|e| self.unreachable(e))?;
        let submitted: Submitted = self.read("POST /v1/transactions", response)?;
        Ok(submitted.hash)
    }

    /// A transaction's status (`None` when the node does not know it).
    pub fn status(&self, hash: &Hash) -> Result<Option<TxStatus>> {
        let path = format!("/v1/transactions/{}", hash.to_hex());
        self.get_found(&path, ErrorCode::TransactionNotFound)
    }

    /// Waits until `hash` is finalized (or finalized as rejected), polling every 100 ms.
    pub fn wait_finalized(&self, hash: &Hash, timeout: Duration) -> Result<TxStatus> {
        let start = Instant::now();
        loop {
            if let Some(status) = self.status(hash)?
                && status.status != TxState::Pending
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
    pub fn certificate(
        &self,
        lab: &LabCode,
        number: &CertNumber,
    ) -> Result<Option<CertificateView>> {
        self.get_found(
            &certificate_path(lab, number),
            ErrorCode::CertificateNotFound,
        )
    }

    /// The proof bundle of a certificate (or of its absence), as bytes; with `trace`, also of
    /// every record of its traceability chain.
    pub fn certificate_bundle(
        &self,
        lab: &LabCode,
        number: &CertNumber,
        trace: bool,
        trusted: Option<&TrustAnchor>,
    ) -> Result<Vec<u8>> {
        let path = format!(
            "{}/proof?trace={trace}{}",
            certificate_path(lab, number),
            trust_param("&", trusted)
        );
        self.bundle_at(path)
    }

    /// The certificate that holds the document hashing to `document_hash` (`None`: none does).
    pub fn document(&self, document_hash: &Hash) -> Result<Option<DocumentView>> {
        self.get_found(
            &format!("/v1/documents/{}", document_hash.to_hex()),
            ErrorCode::DocumentNotFound,
        )
    }

    /// A lab with its scope, keys and DCC signing certificates (`None`: no such lab).
    pub fn lab(&self, code: &LabCode) -> Result<Option<LabDetailView>> {
        self.get_found(
            &format!("/v1/labs/{}", percent_encode(code.as_str())),
            ErrorCode::LabNotFound,
        )
    }

    /// The proof bundle of a business (or of its absence), as bytes: the business, its
    /// commitments, all its credit records and the rule table.
    pub fn business_bundle(
        &self,
        code: &CreditCode,
        trusted: Option<&TrustAnchor>,
    ) -> Result<Vec<u8>> {
        let path = format!("/v1/businesses/{code}/proof{}", trust_param("?", trusted));
        self.bundle_at(path)
    }

    /// The proof bundle of the current validator set, with the hand-offs since `trusted`'s.
    pub fn validators_bundle(&self, trusted: &TrustAnchor) -> Result<Vec<u8>> {
        let path = format!("/v1/validators/proof{}", trust_param("?", Some(trusted)));
        self.bundle_at(path)
    }

    /// The proof bundle a `…/proof` path answers, as bytes (still untrusted).
    fn bundle_at(&self, path: String) -> Result<Vec<u8>> {
        let body: BundleBody = self.get(&path)?;
        body.bytes().ok_or_else(|| ClientError::BadAnswer {
            what: path,
            reason: "the bundle is not base64url".into(),
        })
    }

    /// The finalized block at `height` (`None` when there is none yet).
    pub fn block(&self, height: u64) -> Result<Option<BlockView>> {
        self.get_found(&format!("/v1/blocks/{height}"), ErrorCode::BlockNotFound)
    }

    /// An inspection plan with its draw and results (`None` when there is no such plan).
    pub fn plan(&self, id: u64) -> Result<Option<PlanView>> {
        self.get_found(&format!("/v1/inspections/{id}"), ErrorCode::PlanNotFound)
    }

    /// A region's inspection plans.
    pub fn plans(&self, region: &RegionCode) -> Result<PlansView> {
        self.get(&format!(
            "/v1/inspections?region={}",
            percent_encode(region.as_str())
        ))
    }

    /// Every business of `region` with its grade, as of finalized height `at`, page by page.
    pub fn businesses_at(&self, region: &RegionCode, at: u64) -> Result<BusinessesView> {
        let region = percent_encode(region.as_str());
        let mut path = format!("/v1/businesses?region={region}&at={at}");
        let mut all: BusinessesView = self.get(&path)?;
        while let Some(after) = all.next.take() {
            path = format!("/v1/businesses?region={region}&at={at}&after={after}");
            let page: BusinessesView = self.get(&path)?;
            let bad = |reason: &str| ClientError::BadAnswer {
                what: path.clone(),
                reason: reason.into(),
            };
            if page.on != all.on || page.height != all.height {
                return Err(bad("a page of another height or date than the first"));
            }
            // Each page goes on past the last: a node cannot keep a client paging forever.
            if page.businesses.iter().any(|b| b.credit_code <= after)
                || (page.businesses.is_empty() && page.next.is_some())
            {
                return Err(bad("a page that does not go on past the previous one"));
            }
            if all.businesses.len() + page.businesses.len() > REGION_BUSINESSES_MAX {
                return Err(bad("more businesses than a region can hold"));
            }
            all.businesses.extend(page.businesses);
            all.next = page.next;
        }
        Ok(all)
    }

    /// The instrument classes and the warning window.
    pub fn instrument_classes(&self) -> Result<InstrumentClassesView> {
        self.get("/v1/instrument-classes")
    }

    /// An instrument with its status on `on` (default: the chain's date); `None` when it was
    /// never registered.
    pub fn instrument(
        &self,
        id: &InstrumentId,
        on: Option<Date>,
    ) -> Result<Option<InstrumentDetailView>> {
        let on = on.map_or_else(String::new, |d| format!("?on={d}"));
        self.get_found(
            &format!("/v1/instruments/{id}{on}"),
            ErrorCode::InstrumentNotFound,
        )
    }

    /// An instrument's proof bundle (its complete history, or its absence).
    pub fn instrument_bundle(
        &self,
        id: &InstrumentId,
        trusted: Option<&TrustAnchor>,
    ) -> Result<Vec<u8>> {
        let path = format!("/v1/instruments/{id}/proof{}", trust_param("?", trusted));
        self.bundle_at(path)
    }

    /// Every instrument a list query (`region=CQ&status=overdue…`, without `after`) admits,
    /// page after page, all read at the first page's height and date.
    pub fn instruments(&self, query: &str) -> Result<InstrumentsView> {
        let mut path = format!("/v1/instruments?{query}");
        let mut all: InstrumentsView = self.get(&path)?;
        while let Some(after) = all.next.take() {
            path = format!("/v1/instruments?{query}&after={after}");
            let page: InstrumentsView = self.get(&path)?;
            let bad = |reason: &str| ClientError::BadAnswer {
                what: path.clone(),
                reason: reason.into(),
            };
            if page.on != all.on || page.height != all.height {
                return Err(bad("a page of another height or date than the first"));
            }
            // Each page goes on past the last (it may be empty: a page reads a bounded number
            // of instruments): a node cannot keep a client paging forever.
            let past = |id: &InstrumentId| id.region == after.region && id.seq > after.seq;
            if !page.instruments.iter().all(|i| past(&i.id))
                || page.next.as_ref().is_some_and(|n| !past(n))
            {
                return Err(bad("a page that does not go on past the previous one"));
            }
            if all.instruments.len() + page.instruments.len() > LISTED_INSTRUMENTS_MAX {
                return Err(bad(
                    "over 500,000 instruments: narrow the list (--division, --class, --owner)",
                ));
            }
            all.instruments.extend(page.instruments);
            all.next = page.next;
        }
        Ok(all)
    }

    /// A registered business (`None` when there is none with this code).
    pub fn business(&self, code: &CreditCode) -> Result<Option<BusinessView>> {
        self.get_found(
            &format!("/v1/businesses/{code}"),
            ErrorCode::BusinessNotFound,
        )
    }
}

/// `trust=<the anchor's set hash>` after `separator`, so that a bundle's hand-offs start where
/// the verifier's set took over; nothing for the genesis set.
fn trust_param(separator: &str, trusted: Option<&TrustAnchor>) -> String {
    trusted.map_or_else(String::new, |anchor| {
        format!("{separator}trust={}", anchor.validators.hash().to_hex())
    })
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
