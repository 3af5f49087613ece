//! The HTTP API (axum), as DESIGN.md's interface contract lists it: health, blocks,
//! transactions, certificates, businesses and their proof bundles, `/metrics`, and the OpenAPI
//! document generated from these handlers. Errors are `{"error": {"code", "message"}}` with a
//! 4xx/5xx status; bodies are size-limited before they are read; each client address is
//! rate-limited; CORS is open so the verify page can be served from anywhere.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::Router;
use axum::body::Body;
use axum::extract::{ConnectInfo, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use base64::Engine;
use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
use hengxin_primitives::{CertNumber, CreditCode, Hash, Header, LabCode};
use hengxin_runtime::{TxDecodeError, decode_transaction};
use parity_scale_codec::Encode;
use serde::Serialize;
use tower_http::cors::CorsLayer;
use utoipa::{OpenApi, ToSchema};

use crate::mempool::AdmitError;
use crate::metrics::{Gauges, Metrics};
use crate::node::{SubmitError, Submitter};
use crate::query::{self, BusinessView, CertificateView, QueryError, Reader};
use crate::verify_page;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::state::StorageKey;

/// Requests each client address may make: a steady rate and a burst.
#[derive(Debug, Clone, Copy)]
pub struct RateLimit {
    /// Requests per second, sustained.
    pub per_second: u32,
    /// Requests allowed at once after a quiet spell.
    pub burst: u32,
}

impl Default for RateLimit {
    fn default() -> Self {
        RateLimit {
            per_second: 2_000,
            burst: 4_000,
        }
    }
}

/// The most client addresses the limiter tracks before it forgets idle ones.
const LIMITER_CLIENTS_MAX: usize = 100_000;

/// A token bucket per client address.
struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl Limiter {
    fn allow(&self, client: IpAddr) -> bool {
        let Ok(mut buckets) = self.buckets.lock() else {
            return true;
        };
        let now = Instant::now();
        if buckets.len() >= LIMITER_CLIENTS_MAX {
            let refill = f64::from(self.limit.burst) / f64::from(self.limit.per_second.max(1));
            buckets.retain(|_, (_, at)| now.duration_since(*at).as_secs_f64() < refill);
            if buckets.len() >= LIMITER_CLIENTS_MAX {
                buckets.clear();
            }
        }
        let burst = f64::from(self.limit.burst.max(1));
        let (tokens, at) = buckets.entry(client).or_insert((burst, now));
        *tokens = (*tokens
            + now.duration_since(*at).as_secs_f64() * f64::from(self.limit.per_second))
        .min(burst);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    submitter: Submitter,
    genesis: Header,
    peers: Arc<AtomicUsize>,
    metrics: Arc<Metrics>,
    limiter: Arc<Limiter>,
    verify_page: Arc<String>,
    trust: Arc<String>,
}

impl ApiState {
    /// The state of a node's API.
    pub fn new(
        submitter: Submitter,
        genesis: Header,
        anchor: &TrustAnchor,
        peers: Arc<AtomicUsize>,
        metrics: Arc<Metrics>,
        limit: RateLimit,
    ) -> ApiState {
        let chain = submitter
            .chain()
            .read::<hengxin_primitives::records::ChainInfo>(&StorageKey::Chain, 0)
            .ok()
            .flatten()
            .map_or_else(String::new, |info| info.name.to_string());
        ApiState {
            verify_page: Arc::new(verify_page::index(anchor, &chain)),
            trust: Arc::new(hengxin_primitives::files::trust_file(&chain, anchor)),
            submitter,
            genesis,
            peers,
            metrics,
            limiter: Arc::new(Limiter {
                limit,
                buckets: Mutex::new(HashMap::new()),
            }),
        }
    }

    fn head(&self) -> Result<Header, ApiError> {
        Ok(self
            .submitter
            .store()
            .head()?
            .unwrap_or_else(|| self.genesis.clone()))
    }
}

/// A JSON error with a stable code.
struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

/// The body of every error.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's stable code and a message for people.
#[derive(Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable, snake_case: match on this.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.to_string(),
        }
    }

    fn bad_request(code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    fn not_found(code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.code,
                message: self.message,
            },
        };
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<hengxin_support::StorageError> for ApiError {
    fn from(e: hengxin_support::StorageError) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage_error", e)
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        match e {
            QueryError::Storage(s) => s.into(),
            QueryError::NothingFinalized => {
                ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "nothing_finalized", e)
            }
            QueryError::Missing(_) => {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage_error", e)
            }
        }
    }
}

type ApiResult<T> = Result<(StatusCode, axum::Json<T>), ApiError>;

fn ok<T>(body: T) -> ApiResult<T> {
    Ok((StatusCode::OK, axum::Json(body)))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hengxin node API",
        description = "The HTTP API of a hengxin (衡信) node: the permissioned ledger of metrology \
                       certificates of Sichuan and Chongqing. Proof bundles let a client check \
                       answers against its trust anchor without trusting this node."
    ),
    paths(
        health,
        block,
        submit,
        transaction,
        trust,
        validators,
        account,
        certificate,
        certificate_proof,
        business,
        business_proof,
        metrics
    )
)]
struct ApiDoc;

/// The OpenAPI document of this API, generated from the handlers.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/blocks/{height}", get(block))
        .route("/v1/transactions", post(submit))
        .route("/v1/transactions/{hash}", get(transaction))
        .route("/v1/certificates/{lab_code}/{number}", get(certificate))
        .route(
            "/v1/certificates/{lab_code}/{number}/proof",
            get(certificate_proof),
        )
        .route("/v1/trust", get(trust))
        .route("/v1/validators", get(validators))
        .route("/v1/accounts/{public_key}", get(account))
        .route("/v1/businesses/{credit_code}", get(business))
        .route("/v1/businesses/{credit_code}/proof", get(business_proof))
        .route("/v1/openapi.json", get(|| async { axum::Json(openapi()) }))
        .route("/metrics", get(metrics))
        .route(
            "/verify",
            get(|State(state): State<ApiState>| async move {
                verify_page::page(state.verify_page.as_ref().clone())
            }),
        )
        .route("/verify/{file}", get(verify_asset))
        .fallback(|| async {
            ApiError::not_found(
                "not_found",
                "no such endpoint; /v1/openapi.json lists them (escape a '/' in a certificate \
                 number as %2F)",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit,
        ))
        .layer(CorsLayer::permissive())
        .with_state(state)
}

async fn verify_asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    verify_page::file(&name).ok_or_else(|| {
        ApiError::not_found(
            "not_found",
            "the verify page has no such file; open /verify",
        )
    })
}

async fn rate_limit(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    if let Some(client) = client
        && !state.limiter.allow(client)
    {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            format!(
                "more than {} requests per second from {client}; slow down and retry",
                state.limiter.limit.per_second
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    next.run(request).await
}

/// A node's view of the chain.
#[derive(Serialize, ToSchema)]
pub struct Health {
    /// The last finalized height.
    pub height: u64,
    /// Its block hash, hex.
    pub finalized_hash: String,
    /// Connected peers.
    pub peers: usize,
    /// Whether the node is catching up (it applied a block from sync in the last 2 s).
    pub syncing: bool,
    /// The chain's genesis hash, hex.
    pub genesis_hash: String,
}

/// The node's finalized head and chain.
#[utoipa::path(get, path = "/v1/health", responses((status = 200, body = Health)))]
async fn health(State(state): State<ApiState>) -> ApiResult<Health> {
    let head = state.head()?;
    ok(Health {
        height: head.height,
        finalized_hash: head.hash().to_hex(),
        peers: state.peers.load(Ordering::Relaxed),
        syncing: state.metrics.syncing(),
        genesis_hash: state.genesis.hash().to_hex(),
    })
}

/// A finalized block's header, briefly.
#[derive(Serialize, ToSchema)]
pub struct BlockView {
    /// Height.
    pub height: u64,
    /// Hash, hex.
    pub hash: String,
    /// Parent hash, hex.
    pub parent_hash: String,
    /// State root after the block, hex.
    pub state_root: String,
    /// Proposer's time, UTC ms.
    pub timestamp_ms: u64,
    /// Transactions in it.
    pub tx_count: usize,
    /// Their hashes, in block order.
    pub transactions: Vec<String>,
}

/// A finalized block.
#[utoipa::path(
    get,
    path = "/v1/blocks/{height}",
    params(("height" = u64, Path, description = "Block height (0 is genesis)")),
    responses(
        (status = 200, body = BlockView),
        (status = 400, body = ErrorBody, description = "`invalid_height`"),
        (status = 404, body = ErrorBody, description = "`block_not_found`")
    )
)]
async fn block(State(state): State<ApiState>, Path(height): Path<String>) -> ApiResult<BlockView> {
    let height: u64 = height
        .parse()
        .map_err(|_| ApiError::bad_request("invalid_height", "a height is a whole number"))?;
    let store = state.submitter.store();
    let found = match height {
        0 => Some((state.genesis.clone(), Vec::new())),
        _ => store.block(height)?.map(|b| {
            let hashes = b.transactions.iter().map(|tx| tx.hash().to_hex()).collect();
            (b.header, hashes)
        }),
    };
    let (header, transactions) = found.ok_or_else(|| {
        ApiError::not_found("block_not_found", format!("no block at height {height}"))
    })?;
    ok(BlockView {
        height: header.height,
        hash: header.hash().to_hex(),
        parent_hash: header.parent_hash.to_hex(),
        state_root: header.state_root.to_hex(),
        timestamp_ms: header.timestamp_ms,
        tx_count: transactions.len(),
        transactions,
    })
}

/// A transaction's hash.
#[derive(Serialize, ToSchema)]
pub struct Submitted {
    /// SHA-256 of the encoded signed transaction, hex.
    pub hash: String,
}

/// Submits a signed transaction (SCALE bytes). It is checked (signature, chain, nonce, expiry)
/// before it is pooled and gossiped; nothing is stored when a check fails.
#[utoipa::path(
    post,
    path = "/v1/transactions",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 202, body = Submitted),
        (status = 400, body = ErrorBody, description = "`undecodable_transaction`, `bad_signature`, `wrong_chain`, `stale_nonce`, `expired`…"),
        (status = 409, body = ErrorBody, description = "`duplicate_transaction`, `nonce_taken`"),
        (status = 413, body = ErrorBody, description = "`body_too_large`"),
        (status = 429, body = ErrorBody, description = "`account_pool_full`, `rate_limited`"),
        (status = 503, body = ErrorBody, description = "`mempool_full`")
    )
)]
async fn submit(State(state): State<ApiState>, body: Body) -> ApiResult<Submitted> {
    let bytes = axum::body::to_bytes(body, TX_SIZE_BYTES_MAX)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body_too_large",
                format!("a transaction is at most {TX_SIZE_BYTES_MAX} bytes"),
            )
        })?;
    let tx = decode_transaction(&bytes).map_err(|e| match e {
        TxDecodeError::TooLarge { .. } => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", e)
        }
        TxDecodeError::Undecodable(_) => ApiError::bad_request(
            "undecodable_transaction",
            format!("{e}; send a SCALE-encoded signed transaction as application/octet-stream"),
        ),
    })?;
    let hash = state.submitter.submit(tx).map_err(|e| match e {
        SubmitError::Invalid(tx) => ApiError::bad_request(tx.code(), tx),
        SubmitError::Pool(AdmitError::Full(_)) => {
            ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "mempool_full", e)
        }
        SubmitError::Pool(AdmitError::AccountFull(_)) => {
            ApiError::new(StatusCode::TOO_MANY_REQUESTS, "account_pool_full", e)
        }
        SubmitError::Pool(AdmitError::Duplicate) => {
            ApiError::new(StatusCode::CONFLICT, "duplicate_transaction", e)
        }
        SubmitError::Pool(AdmitError::NonceTaken(_)) => {
            ApiError::new(StatusCode::CONFLICT, "nonce_taken", e)
        }
        SubmitError::Storage(s) => s.into(),
    })?;
    Ok((
        StatusCode::ACCEPTED,
        axum::Json(Submitted {
            hash: hash.to_hex(),
        }),
    ))
}

/// Where a transaction is.
#[derive(Serialize, ToSchema)]
pub struct TxStatus {
    /// `pending`, `finalized` or `rejected`.
    pub status: String,
    /// The block it landed in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Why it was rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// A transaction's status: waiting in this node's pool, finalized, or finalized as rejected.
#[utoipa::path(
    get,
    path = "/v1/transactions/{hash}",
    params(("hash" = String, Path, description = "Transaction hash, 64 hex digits")),
    responses(
        (status = 200, body = TxStatus),
        (status = 400, body = ErrorBody, description = "`invalid_hash`"),
        (status = 404, body = ErrorBody, description = "`transaction_not_found`")
    )
)]
async fn transaction(
    State(state): State<ApiState>,
    Path(hash): Path<String>,
) -> ApiResult<TxStatus> {
    let hash = Hash::from_hex(&hash).ok_or_else(|| {
        ApiError::bad_request("invalid_hash", "a transaction hash is 64 hex digits")
    })?;
    if let Some(record) = state.submitter.store().transaction(&hash)? {
        return ok(match record.result {
            Ok(()) => TxStatus {
                status: "finalized".into(),
                height: Some(record.height),
                error: None,
            },
            Err(e) => TxStatus {
                status: "rejected".into(),
                height: Some(record.height),
                error: Some(ErrorDetail {
                    code: e.code().to_string(),
                    message: e.to_string(),
                }),
            },
        });
    }
    if state.submitter.mempool().contains(&hash) {
        return ok(TxStatus {
            status: "pending".into(),
            height: None,
            error: None,
        });
    }
    Err(ApiError::not_found(
        "transaction_not_found",
        format!("transaction {hash} is unknown to this node"),
    ))
}

/// This node's trust anchor, as a trust file (`trust.json`): the chain's name, genesis hash and
/// genesis validators. A client may pin it on first contact; a verifier should get it from the
/// consortium, not from a node it does not yet trust.
#[utoipa::path(get, path = "/v1/trust", responses((status = 200, content_type = "application/json", body = String)))]
async fn trust(State(state): State<ApiState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        state.trust.as_ref().clone(),
    )
        .into_response()
}

/// A validator and its voting power.
#[derive(Serialize, ToSchema)]
pub struct ValidatorView {
    /// ed25519 public key, hex.
    pub public_key: String,
    /// Voting power.
    pub power: u64,
}

/// A proposed validator set and the regions that approved it.
#[derive(Serialize, ToSchema)]
pub struct ProposalView {
    /// Its id (what `ApproveValidatorSet` names).
    pub id: u64,
    /// The proposed set.
    pub validators: Vec<ValidatorView>,
    /// Regions whose regulator approved.
    pub approved_by: Vec<String>,
    /// Height at which every region had approved (the set takes over at the next height).
    pub scheduled_height: Option<u64>,
}

/// The validator sets and the governance in progress.
#[derive(Serialize, ToSchema)]
pub struct ValidatorsView {
    /// The set deciding the next height.
    pub current: Vec<ValidatorView>,
    /// The set announced for the height after (equal to `current` unless a change is due).
    pub next: Vec<ValidatorView>,
    /// The latest proposal, if any.
    pub proposal: Option<ProposalView>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

fn validator_views(set: Option<hengxin_primitives::ValidatorSet>) -> Vec<ValidatorView> {
    set.map(|s| s.validators)
        .unwrap_or_default()
        .into_iter()
        .map(|v| ValidatorView {
            public_key: v.key.to_hex(),
            power: v.power,
        })
        .collect()
}

/// The current and next validator sets and the latest governance proposal.
#[utoipa::path(get, path = "/v1/validators", responses((status = 200, body = ValidatorsView)))]
async fn validators(State(state): State<ApiState>) -> ApiResult<ValidatorsView> {
    use hengxin_primitives::records::ValidatorProposal;
    let head = state.head()?;
    let chain = state.submitter.chain();
    let proposal: Option<ValidatorProposal> =
        chain.read(&StorageKey::ValidatorProposal, head.height)?;
    let current = chain.read(&StorageKey::Validators, head.height)?;
    // The next set is stored only while a change is due.
    let next = chain.read(&StorageKey::NextValidators, head.height)?;
    ok(ValidatorsView {
        current: validator_views(current.clone()),
        next: validator_views(next.or(current)),
        proposal: proposal.map(|p| ProposalView {
            id: p.id,
            validators: validator_views(Some(p.validators)),
            approved_by: p.approvals.iter().map(ToString::to_string).collect(),
            scheduled_height: p.scheduled_height,
        }),
        height: head.height,
    })
}

/// An account's standing.
#[derive(Serialize, ToSchema)]
pub struct AccountView {
    /// The public key, hex.
    pub public_key: String,
    /// The nonce its next transaction must carry.
    pub nonce: u64,
    /// `regulator`, `lab_key`, `inspector`, or `none`.
    pub role: String,
    /// The lab it signs for (a lab key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lab: Option<String>,
    /// The region it acts for (a regulator or an inspector).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// An account's next nonce at the finalized head (transactions waiting in the pool are not
/// counted: a client sending several at once numbers them itself).
#[utoipa::path(
    get,
    path = "/v1/accounts/{public_key}",
    params(("public_key" = String, Path, description = "ed25519 public key, 64 hex digits")),
    responses(
        (status = 200, body = AccountView),
        (status = 400, body = ErrorBody, description = "`invalid_public_key`")
    )
)]
async fn account(State(state): State<ApiState>, Path(key): Path<String>) -> ApiResult<AccountView> {
    let key = hengxin_primitives::PublicKey::from_hex(&key).ok_or_else(|| {
        ApiError::bad_request("invalid_public_key", "a public key is 64 hex digits")
    })?;
    use hengxin_primitives::records::AccountRole;
    let head = state.head()?;
    let chain = state.submitter.chain();
    let role: Option<AccountRole> = chain.read(&StorageKey::Role(key), head.height)?;
    let (role, lab, region) = match role {
        None => ("none", None, None),
        Some(AccountRole::Regulator { region }) => ("regulator", None, Some(region.to_string())),
        Some(AccountRole::LabKey { lab }) => ("lab_key", Some(lab.to_string()), None),
        Some(AccountRole::Inspector { region, .. }) => {
            ("inspector", None, Some(region.to_string()))
        }
    };
    ok(AccountView {
        public_key: key.to_hex(),
        nonce: chain.nonce(&key, head.height)?,
        role: role.into(),
        lab,
        region,
        height: head.height,
    })
}

/// A proof bundle.
#[derive(Serialize, ToSchema)]
pub struct BundleBody {
    /// The SCALE-encoded bundle, base64url without padding.
    pub bundle: String,
    /// The finalized height it proves the state at.
    pub height: u64,
}

fn parse_certificate(lab: &str, number: &str) -> Result<(LabCode, CertNumber), ApiError> {
    let lab = LabCode::new(lab).map_err(|e| ApiError::bad_request("invalid_lab_code", e))?;
    let number: CertNumber = number
        .parse()
        .map_err(|e| ApiError::bad_request("invalid_certificate_number", e))?;
    Ok((lab, number))
}

fn certificate_not_found(lab: &LabCode, number: &CertNumber) -> ApiError {
    ApiError::not_found(
        "certificate_not_found",
        format!("lab {lab} has anchored no certificate numbered {number:?}"),
    )
}

/// A certificate: its anchored fields, status on the chain's date, issuing lab, where it is
/// recognised, its traceability chain and its history.
#[utoipa::path(
    get,
    path = "/v1/certificates/{lab_code}/{number}",
    params(
        ("lab_code" = String, Path, description = "Issuing lab's code, e.g. CQJL"),
        ("number" = String, Path, description = "Certificate number, percent-encoded ('/' as %2F)")
    ),
    responses(
        (status = 200, body = CertificateView),
        (status = 400, body = ErrorBody, description = "`invalid_lab_code`, `invalid_certificate_number`"),
        (status = 404, body = ErrorBody, description = "`certificate_not_found`")
    )
)]
async fn certificate(
    State(state): State<ApiState>,
    Path((lab, number)): Path<(String, String)>,
) -> ApiResult<CertificateView> {
    let (lab, number) = parse_certificate(&lab, &number)?;
    let head = state.head()?;
    let chain = state.submitter.chain();
    let mut reader = Reader::new(chain, head.height);
    let store = state.submitter.store();
    query::certificate(&mut reader, store, &head, &lab, &number)?
        .map_or_else(|| Err(certificate_not_found(&lab, &number)), ok)
}

fn bundle_body(state: &ApiState, reader: Reader<'_>, head: &Header) -> ApiResult<BundleBody> {
    let bundle = reader.bundle(state.submitter.store(), &state.genesis, head)?;
    ok(BundleBody {
        bundle: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bundle.encode()),
        height: head.height,
    })
}

/// What a certificate's bundle proves.
#[derive(serde::Deserialize, utoipa::IntoParams)]
pub struct ProofQuery {
    /// `false`: only the certificate and its lab (a bundle small enough to staple to a QR
    /// code); default `true`: also every record of its traceability chain.
    pub trace: Option<bool>,
}

/// A proof bundle for a certificate: the finalized header and its commit, the validator-set
/// hand-offs from genesis, and state proofs of the certificate, its lab and (unless
/// `trace=false`) every record of its traceability chain (absences included).
#[utoipa::path(
    get,
    path = "/v1/certificates/{lab_code}/{number}/proof",
    params(
        ("lab_code" = String, Path, description = "Issuing lab's code"),
        ("number" = String, Path, description = "Certificate number, percent-encoded"),
        ProofQuery
    ),
    responses(
        (status = 200, body = BundleBody, description = "Also for an unknown certificate: the bundle then proves its absence"),
        (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`: only genesis exists")
    )
)]
async fn certificate_proof(
    State(state): State<ApiState>,
    Path((lab, number)): Path<(String, String)>,
    Query(options): Query<ProofQuery>,
) -> ApiResult<BundleBody> {
    let (lab, number) = parse_certificate(&lab, &number)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    if options.trace.unwrap_or(true) {
        query::certificate(&mut reader, state.submitter.store(), &head, &lab, &number)?;
    } else {
        reader.get::<hengxin_primitives::records::CertificateRecord>(&StorageKey::Certificate(
            lab.clone(),
            number,
        ))?;
        reader.get::<hengxin_primitives::records::LabRecord>(&StorageKey::Lab(lab))?;
    }
    bundle_body(&state, reader, &head)
}

fn parse_business(code: &str) -> Result<CreditCode, ApiError> {
    code.parse()
        .map_err(|e| ApiError::bad_request("invalid_credit_code", e))
}

/// A registered business (the credit grade comes with the credit module).
#[utoipa::path(
    get,
    path = "/v1/businesses/{credit_code}",
    params(("credit_code" = String, Path, description = "统一社会信用代码, 18 characters")),
    responses(
        (status = 200, body = BusinessView),
        (status = 400, body = ErrorBody, description = "`invalid_credit_code`"),
        (status = 404, body = ErrorBody, description = "`business_not_found`")
    )
)]
async fn business(
    State(state): State<ApiState>,
    Path(code): Path<String>,
) -> ApiResult<BusinessView> {
    let code = parse_business(&code)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::business(&mut reader, &head, &code)?.map_or_else(
        || {
            Err(ApiError::not_found(
                "business_not_found",
                format!("no business {code} is registered"),
            ))
        },
        ok,
    )
}

/// A proof bundle for a business's record (or its absence).
#[utoipa::path(
    get,
    path = "/v1/businesses/{credit_code}/proof",
    params(("credit_code" = String, Path, description = "统一社会信用代码")),
    responses(
        (status = 200, body = BundleBody),
        (status = 400, body = ErrorBody),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`")
    )
)]
async fn business_proof(
    State(state): State<ApiState>,
    Path(code): Path<String>,
) -> ApiResult<BundleBody> {
    let code = parse_business(&code)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::business(&mut reader, &head, &code)?;
    bundle_body(&state, reader, &head)
}

/// The node's metrics in the Prometheus text format: height, finalized transactions, mempool,
/// peers, round duration.
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "text/plain", body = String)))]
async fn metrics(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let head = state.head()?;
    let mempool = state.submitter.mempool();
    let text = state.metrics.render(Gauges {
        height: head.height,
        mempool_txs: mempool.len(),
        mempool_bytes: mempool.bytes(),
        peers: state.peers.load(Ordering::Relaxed),
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4"),
        )],
        text,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mempool::{Mempool, MempoolLimits};
    use crate::store::Store;
    use axum::http::Request;
    use hengxin_primitives::block::ValidatorSet;
    use hengxin_primitives::{Date, TxPayload};
    use hengxin_runtime::demo;
    use serde_json::Value;
    use tower::ServiceExt;

    const GENESIS_MS: u64 = 1_780_000_000_000;

    fn api(dir: &std::path::Path) -> (Router, Header) {
        let (router, genesis, _) = api_with_store(dir);
        (router, genesis)
    }

    fn demo_set() -> ValidatorSet {
        ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap()
    }

    fn api_with_store(dir: &std::path::Path) -> (Router, Header, Arc<Store>) {
        let set = demo_set();
        let store = Arc::new(Store::open(dir).unwrap());
        let genesis = store
            .init_genesis(&demo::genesis(GENESIS_MS, set).unwrap())
            .unwrap();
        let mempool = Arc::new(Mempool::new(MempoolLimits::default()));
        let submitter = Submitter::new(store.clone(), &genesis, mempool, None);
        (
            router(ApiState::new(
                submitter,
                genesis.clone(),
                &TrustAnchor {
                    genesis_hash: genesis.hash(),
                    validators: demo_set(),
                },
                Arc::new(AtomicUsize::new(0)),
                Arc::default(),
                RateLimit::default(),
            )),
            genesis,
            store,
        )
    }

    /// Commits a block of `txs` on `store`'s head, signed by the demo validator.
    fn commit_block(store: &Store, genesis: &Header, txs: Vec<hengxin_runtime::Transaction>) {
        let head = store.head().unwrap().unwrap();
        let chain = store.chain(genesis);
        let validator = demo::key("validator-0");
        let executed = chain
            .execute(&head, head.timestamp_ms + 1_000, validator.public(), &txs)
            .unwrap();
        let block = hengxin_runtime::Block {
            header: executed.header.clone(),
            transactions: txs,
        };
        let commit = hengxin_primitives::CommitCertificate::signed_by(
            &genesis.hash(),
            &executed.header,
            0,
            &[validator],
        );
        store
            .commit_block(&block, &commit, &executed.outcomes, executed.batch)
            .unwrap();
    }

    async fn call_raw(
        router: &Router,
        method: &str,
        uri: &str,
        body: Vec<u8>,
    ) -> (StatusCode, Vec<u8>) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::from(body))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
            .await
            .unwrap();
        (status, bytes.to_vec())
    }

    async fn call(router: &Router, method: &str, uri: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let (status, bytes) = call_raw(router, method, uri, body).await;
        (status, serde_json::from_slice(&bytes).unwrap())
    }

    fn code(body: &Value) -> Option<&str> {
        body["error"]["code"].as_str()
    }

    #[tokio::test]
    async fn certificates_are_shown_with_status_issuer_and_traceability() {
        let dir = tempfile::tempdir().unwrap();
        let (router, _) = api(dir.path());
        let uri = format!("/v1/certificates/CQJL/{}", demo::CERT_VALID);
        let (status, body) = call(&router, "GET", &uri, vec![]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        assert_eq!(body["status"], "valid");
        assert_eq!(body["kind"], "verification");
        assert_eq!(body["recognized_in"], serde_json::json!(["CQ"]));
        assert_eq!(body["issuer"]["region"], "CQ");
        assert_eq!(body["traceability"]["complete"], true, "{body}");
        let uri = format!("/v1/certificates/CQJL/{}", demo::CERT_REVOKED);
        let (_, body) = call(&router, "GET", &uri, vec![]).await;
        assert_eq!(body["status"], "revoked");
        assert!(body["revoked"]["reason"].is_string());

        let (status, body) = call(
            &router,
            "GET",
            "/v1/certificates/CQJL/NO%2FSUCH%20ONE",
            vec![],
        )
        .await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::NOT_FOUND, Some("certificate_not_found"))
        );
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("NO/SUCH ONE")
        );
        let (status, body) = call(&router, "GET", "/v1/certificates/cq!/X", vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, Some("invalid_lab_code"))
        );
        let (status, body) = call(&router, "GET", "/v1/certificates/CQJL/%0A", vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, Some("invalid_certificate_number"))
        );

        let uri = format!("/v1/businesses/{}", demo::BUSINESS_CQ);
        let (status, body) = call(&router, "GET", &uri, vec![]).await;
        assert_eq!(
            (status, body["region"].as_str()),
            (StatusCode::OK, Some("CQ"))
        );
        let (status, body) =
            call(&router, "GET", "/v1/businesses/91500103MA60K7LX04", vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, Some("invalid_credit_code"))
        );
    }

    #[tokio::test]
    async fn proof_bundles_verify_against_the_trust_anchor() {
        use hengxin_primitives::bundle::ProofBundle;
        use hengxin_primitives::records::{BusinessRecord, CertificateRecord, LabRecord};

        let dir = tempfile::tempdir().unwrap();
        let (router, genesis, store) = api_with_store(dir.path());
        let uri = format!("/v1/certificates/CQJL/{}/proof", demo::CERT_VALID);
        let (status, body) = call(&router, "GET", &uri, vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::SERVICE_UNAVAILABLE, Some("nothing_finalized"))
        );
        commit_block(&store, &genesis, vec![anchor_tx(&genesis, 0)]);

        let anchor = TrustAnchor {
            genesis_hash: genesis.hash(),
            validators: demo_set(),
        };
        async fn fetch_from(
            router: &Router,
            anchor: &TrustAnchor,
            uri: String,
        ) -> hengxin_primitives::bundle::VerifiedState {
            let (status, body) = call(router, "GET", &uri, vec![]).await;
            assert_eq!(status, StatusCode::OK, "{body}");
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(body["bundle"].as_str().unwrap())
                .unwrap();
            ProofBundle::decode_untrusted(&bytes)
                .unwrap()
                .verify(anchor)
                .unwrap()
        }
        let fetch = |uri: String| fetch_from(&router, &anchor, uri);
        let lab = LabCode::new("CQJL").unwrap();
        let number: CertNumber = demo::CERT_VALID.parse().unwrap();
        let state = fetch(uri).await;
        assert_eq!(state.header.height, 1);
        let record: CertificateRecord = state
            .get(&StorageKey::Certificate(lab.clone(), number))
            .unwrap()
            .unwrap();
        let lab_record: LabRecord = state.get(&StorageKey::Lab(lab.clone())).unwrap().unwrap();
        assert_eq!(lab_record.code, lab);
        // The bundle carries every record the traceability chain needs: the verifier gets the
        // same verdict from it as the node.
        let mut state = state;
        assert!(hengxin_primitives::rules::traceability_chain(&record, &mut state).is_complete());

        let minimal = fetch(format!(
            "/v1/certificates/CQJL/{}/proof?trace=false",
            demo::CERT_VALID
        ))
        .await;
        assert_eq!(
            minimal.keys().count(),
            2,
            "the certificate and its lab only"
        );

        let absent: CertNumber = "NOT ANCHORED/1".parse().unwrap();
        let state = fetch("/v1/certificates/CQJL/NOT%20ANCHORED%2F1/proof".into()).await;
        let missing: Option<CertificateRecord> =
            state.get(&StorageKey::Certificate(lab, absent)).unwrap();
        assert!(missing.is_none(), "the bundle proves the absence");

        let code: CreditCode = demo::BUSINESS_SC.parse().unwrap();
        let state = fetch(format!("/v1/businesses/{code}/proof")).await;
        let business: BusinessRecord = state.get(&StorageKey::Business(code)).unwrap().unwrap();
        assert_eq!(business.region.to_string(), "SC");
    }

    #[tokio::test]
    async fn openapi_and_metrics_are_served() {
        let dir = tempfile::tempdir().unwrap();
        let (router, _) = api(dir.path());
        let (status, body) = call(&router, "GET", "/v1/openapi.json", vec![]).await;
        assert_eq!(status, StatusCode::OK);
        for path in [
            "/v1/health",
            "/v1/transactions",
            "/v1/certificates/{lab_code}/{number}/proof",
            "/v1/businesses/{credit_code}",
            "/metrics",
        ] {
            assert!(body["paths"][path].is_object(), "{path} is documented");
        }
        assert!(body["components"]["schemas"]["CertificateView"].is_object());
        let (status, text) = call_raw(&router, "GET", "/metrics", vec![]).await;
        let text = String::from_utf8(text).unwrap();
        assert_eq!(status, StatusCode::OK);
        assert!(text.contains("\nhengxin_height 0\n"), "{text}");
        assert!(text.contains("hengxin_round_duration_seconds_count"));
    }

    #[test]
    fn the_limiter_allows_a_burst_then_the_rate() {
        let limiter = Limiter {
            limit: RateLimit {
                per_second: 1,
                burst: 3,
            },
            buckets: Mutex::new(HashMap::new()),
        };
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!((0..3).all(|_| limiter.allow(a)));
        assert!(!limiter.allow(a), "the burst is spent");
        assert!(limiter.allow(b), "another client has its own bucket");
    }

    fn anchor_tx(genesis: &Header, nonce: u64) -> hengxin_runtime::Transaction {
        let lab = demo::key("lab-cq");
        let call =
            demo::sample_anchor("API-1".parse().unwrap(), Date::from_unix_ms_cst(GENESIS_MS));
        TxPayload {
            genesis_hash: genesis.hash(),
            signer: lab.public(),
            nonce,
            valid_until_height: 10,
            call,
        }
        .sign(&lab)
    }

    #[tokio::test]
    async fn health_and_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let (router, genesis) = api(dir.path());
        let (status, body) = call(&router, "GET", "/v1/health", vec![]).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(body["height"], 0);
        let (_, trust) = call_raw(&router, "GET", "/v1/trust", vec![]).await;
        let (chain, anchor) =
            hengxin_primitives::files::read_trust_file(std::str::from_utf8(&trust).unwrap())
                .unwrap();
        assert_eq!(
            (chain.as_str(), anchor.genesis_hash),
            ("hengxin-dev", genesis.hash())
        );
        assert_eq!(body["genesis_hash"], genesis.hash().to_hex());
        let (status, body) = call(&router, "GET", "/v1/blocks/0", vec![]).await;
        assert_eq!(
            (status, body["hash"].as_str()),
            (StatusCode::OK, Some(genesis.hash().to_hex().as_str()))
        );
        let (status, body) = call(&router, "GET", "/v1/blocks/7", vec![]).await;
        let _ = code(&body);
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("block_not_found"))
        );
        let (status, body) = call(&router, "GET", "/v1/blocks/seven", vec![]).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_height"))
        );
        let (status, _) = call(&router, "GET", "/v2/nothing", vec![]).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }

    #[tokio::test]
    async fn submissions_are_checked_and_answered_with_stable_codes() {
        let dir = tempfile::tempdir().unwrap();
        let (router, genesis) = api(dir.path());
        let tx = anchor_tx(&genesis, 0);
        let lab = demo::key("lab-cq").public().to_hex();
        let (status, body) = call(&router, "GET", &format!("/v1/accounts/{lab}"), vec![]).await;
        assert_eq!((status, body["nonce"].as_u64()), (StatusCode::OK, Some(0)));
        assert_eq!(
            (body["role"].as_str(), body["lab"].as_str()),
            (Some("lab_key"), Some("CQJL"))
        );
        let (status, body) = call(&router, "POST", "/v1/transactions", tx.encode()).await;
        assert_eq!(status, StatusCode::ACCEPTED);
        assert_eq!(body["hash"], tx.hash().to_hex());
        let (_, body) = call(
            &router,
            "GET",
            &format!("/v1/transactions/{}", tx.hash().to_hex()),
            vec![],
        )
        .await;
        assert_eq!(body["status"], "pending");
        let (status, body) = call(&router, "POST", "/v1/transactions", tx.encode()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::CONFLICT, Some("duplicate_transaction"))
        );

        let mut forged = anchor_tx(&genesis, 1);
        forged.payload.nonce = 2;
        let (status, body) = call(&router, "POST", "/v1/transactions", forged.encode()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("bad_signature"))
        );

        let other_chain = TxPayload {
            genesis_hash: Hash([1; 32]),
            ..anchor_tx(&genesis, 1).payload
        }
        .sign(&demo::key("lab-cq"));
        let (status, body) = call(&router, "POST", "/v1/transactions", other_chain.encode()).await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("wrong_chain"))
        );

        let (status, body) = call(
            &router,
            "POST",
            "/v1/transactions",
            b"not a transaction".to_vec(),
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("undecodable_transaction"))
        );

        let (status, body) = call(
            &router,
            "POST",
            "/v1/transactions",
            vec![0; TX_SIZE_BYTES_MAX + 1],
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
        );

        let (status, body) = call(
            &router,
            "GET",
            &format!("/v1/transactions/{}", "ab".repeat(32)),
            vec![],
        )
        .await;
        assert_eq!(
            (status, body["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("transaction_not_found"))
        );
        let (status, _) = call(&router, "GET", "/v1/transactions/xyz", vec![]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
    }
}
