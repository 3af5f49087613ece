//! The HTTP API (axum): health, blocks, transaction submission and status, as DESIGN.md's
//! interface contract lists them. Errors are `{"error": {"code", "message"}}` with a 4xx/5xx
//! status; bodies are size-limited before they are read.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
use hengxin_primitives::{Hash, Header};
use hengxin_runtime::{TxDecodeError, decode_transaction};
use serde_json::{Value, json};
use tower_http::cors::CorsLayer;

use crate::mempool::AdmitError;
use crate::node::{SubmitError, Submitter};

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    submitter: Submitter,
    genesis: Header,
    peers: Arc<AtomicUsize>,
}

impl ApiState {
    /// The state of a node's API.
    pub fn new(submitter: Submitter, genesis: Header, peers: Arc<AtomicUsize>) -> ApiState {
        ApiState {
            submitter,
            genesis,
            peers,
        }
    }
}

/// A JSON error with a stable code.
struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    fn new(status: StatusCode, code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.to_string(),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({ "error": { "code": self.code, "message": self.message } });
        (self.status, axum::Json(body)).into_response()
    }
}

impl From<hengxin_support::StorageError> for ApiError {
    fn from(e: hengxin_support::StorageError) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "storage_error", e)
    }
}

type ApiResult = Result<Response, ApiError>;

fn ok(status: StatusCode, body: Value) -> ApiResult {
    Ok((status, axum::Json(body)).into_response())
}

/// The API's routes. CORS is open: the verify page may be served from anywhere.
pub fn router(state: ApiState) -> Router {
    Router::new()
        .route("/v1/health", get(health))
        .route("/v1/blocks/{height}", get(block))
        .route("/v1/transactions", axum::routing::post(submit))
        .route("/v1/transactions/{hash}", get(transaction))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "not_found",
                "no such endpoint; see /v1/health",
            )
        })
        .layer(CorsLayer::permissive())
        .with_state(state)
}

async fn health(State(state): State<ApiState>) -> ApiResult {
    let head = state
        .submitter
        .store()
        .head()?
        .unwrap_or_else(|| state.genesis.clone());
    ok(
        StatusCode::OK,
        json!({
            "height": head.height,
            "finalized_hash": head.hash().to_hex(),
            "peers": state.peers.load(Ordering::Relaxed),
            "syncing": false,
            "genesis_hash": state.genesis.hash().to_hex(),
        }),
    )
}

async fn block(State(state): State<ApiState>, Path(height): Path<String>) -> ApiResult {
    let height: u64 = height.parse().map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_height",
            "a height is a whole number",
        )
    })?;
    let store = state.submitter.store();
    let found = match height {
        0 => Some((state.genesis.clone(), 0)),
        _ => store
            .block(height)?
            .map(|b| (b.header, b.transactions.len())),
    };
    let (header, tx_count) = found.ok_or_else(|| {
        ApiError::new(
            StatusCode::NOT_FOUND,
            "block_not_found",
            format!("no block at height {height}"),
        )
    })?;
    ok(
        StatusCode::OK,
        json!({
            "height": header.height,
            "hash": header.hash().to_hex(),
            "parent_hash": header.parent_hash.to_hex(),
            "state_root": header.state_root.to_hex(),
            "timestamp_ms": header.timestamp_ms,
            "tx_count": tx_count,
        }),
    )
}

async fn submit(State(state): State<ApiState>, body: Body) -> ApiResult {
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
        TxDecodeError::Undecodable(_) => ApiError::new(
            StatusCode::BAD_REQUEST,
            "undecodable_transaction",
            format!("{e}; send a SCALE-encoded signed transaction as application/octet-stream"),
        ),
    })?;
    let hash = state.submitter.submit(tx).map_err(|e| match e {
        SubmitError::Invalid(tx) => ApiError::new(StatusCode::BAD_REQUEST, tx.code(), tx),
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
    ok(StatusCode::ACCEPTED, json!({ "hash": hash.to_hex() }))
}

async fn transaction(State(state): State<ApiState>, Path(hash): Path<String>) -> ApiResult {
    let hash = Hash::from_hex(&hash).ok_or_else(|| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_hash",
            "a transaction hash is 64 hex digits",
        )
    })?;
    if let Some(record) = state.submitter.store().transaction(&hash)? {
        return match record.result {
            Ok(()) => ok(
                StatusCode::OK,
                json!({ "status": "finalized", "height": record.height }),
            ),
            Err(e) => ok(
                StatusCode::OK,
                json!({
                    "status": "rejected",
                    "height": record.height,
                    "error": { "code": e.code(), "message": e.to_string() },
                }),
            ),
        };
    }
    if state.submitter.mempool().contains(&hash) {
        return ok(StatusCode::OK, json!({ "status": "pending" }));
    }
    Err(ApiError::new(
        StatusCode::NOT_FOUND,
        "transaction_not_found",
        format!("transaction {hash} is unknown to this node"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mempool::{Mempool, MempoolLimits};
    use crate::store::Store;
    use axum::http::Request;
    use hengxin_primitives::block::{Validator, ValidatorSet};
    use hengxin_primitives::{Date, TxPayload};
    use hengxin_runtime::demo;
    use parity_scale_codec::Encode;
    use tower::ServiceExt;

    const GENESIS_MS: u64 = 1_780_000_000_000;

    fn api(dir: &std::path::Path) -> (Router, Header) {
        let set = ValidatorSet::new(vec![Validator {
            key: demo::key("validator-0").public(),
            power: 1,
        }])
        .unwrap();
        let store = Arc::new(Store::open(dir).unwrap());
        let genesis = store
            .init_genesis(&demo::genesis(GENESIS_MS, set).unwrap())
            .unwrap();
        let mempool = Arc::new(Mempool::new(MempoolLimits::default()));
        let submitter = Submitter::new(store, &genesis, mempool, None);
        (
            router(ApiState::new(
                submitter,
                genesis.clone(),
                Arc::new(AtomicUsize::new(0)),
            )),
            genesis,
        )
    }

    async fn call(router: &Router, method: &str, uri: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(uri)
            .body(Body::from(body))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, serde_json::from_slice(&bytes).unwrap())
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
        assert_eq!(body["genesis_hash"], genesis.hash().to_hex());
        let (status, body) = call(&router, "GET", "/v1/blocks/0", vec![]).await;
        assert_eq!(
            (status, body["hash"].as_str()),
            (StatusCode::OK, Some(genesis.hash().to_hex().as_str()))
        );
        let (status, body) = call(&router, "GET", "/v1/blocks/7", vec![]).await;
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
