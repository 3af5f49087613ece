//! Transactions: submission, one or a batch at a time, and status.

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use hengxin_api_types::ErrorCode;
use hengxin_api_types::{
    BATCH_BYTES_MAX, BatchResult, BatchSubmitted, ErrorBody, ErrorDetail, Submitted, TxState,
    TxStatus,
};
use hengxin_primitives::Hash;
use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
use hengxin_runtime::TxDecodeError;

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::mempool::AdmitError;
use crate::submit::{self, BatchError, SubmitError};

/// Submits a signed transaction (SCALE bytes). It is checked (signature, chain, nonce, expiry)
/// before it is pooled and gossiped; nothing is stored when a check fails.
#[utoipa::path(
    post,
    path = "/v1/transactions",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 202, body = Submitted, description = "Pooled and gossiped"),
        (status = 400, body = ErrorBody, description = "`undecodable_transaction`, `bad_signature`, `wrong_chain`, `stale_nonce`, `expired`…"),
        (status = 409, body = ErrorBody, description = "`duplicate_transaction`, `nonce_taken`"),
        (status = 413, body = ErrorBody, description = "`body_too_large`"),
        (status = 429, body = ErrorBody, description = "`account_pool_full`, `rate_limited`"),
        (status = 503, body = ErrorBody, description = "`mempool_full`")
    )
)]
pub async fn submit(State(state): State<ApiState>, body: Body) -> ApiResult<Submitted> {
    let bytes = read_body(
        body,
        TX_SIZE_BYTES_MAX,
        "a transaction",
        ErrorCode::UndecodableTransaction,
    )
    .await?;
    let hash = submit_bytes(&state, &bytes)?;
    Ok((StatusCode::ACCEPTED, axum::Json(Submitted { hash })))
}

/// Submits many signed transactions at once (a lab importing in bulk): the body is a SCALE list
/// of encoded transactions (`Vec<Vec<u8>>`), at most `BATCH_TXS_MAX` of them and
/// `BATCH_BYTES_MAX` bytes. Each is checked, pooled and gossiped as `POST /v1/transactions`
/// would; the answer says, in order, what became of each.
#[utoipa::path(
    post,
    path = "/v1/transactions/batch",
    request_body(content = Vec<u8>, content_type = "application/octet-stream"),
    responses(
        (status = 200, body = BatchSubmitted, description = "Each transaction's hash or error"),
        (status = 400, body = ErrorBody, description = "`undecodable_batch`"),
        (status = 413, body = ErrorBody, description = "`body_too_large`: too many bytes or transactions")
    )
)]
pub async fn submit_batch(State(state): State<ApiState>, body: Body) -> ApiResult<BatchSubmitted> {
    let bytes = read_body(
        body,
        BATCH_BYTES_MAX,
        "a batch",
        ErrorCode::UndecodableBatch,
    )
    .await?;
    let batch = decode_batch(&bytes)?;
    let results: Vec<BatchResult> = batch
        .iter()
        .map(|tx| match submit_bytes(&state, tx) {
            Ok(hash) => BatchResult {
                hash: Some(hash),
                error: None,
            },
            Err(e) => BatchResult {
                hash: None,
                error: Some(e.into_detail()),
            },
        })
        .collect();
    let accepted = results.iter().filter(|r| r.hash.is_some()).count();
    ok(BatchSubmitted {
        accepted: u32::try_from(accepted).unwrap_or(u32::MAX),
        results,
    })
}

/// A request body of at most `max` bytes: a 413 past it (`what` names the body), a 400 with
/// `unreadable` for a body that breaks off or is malformed on the wire (bad chunked encoding).
async fn read_body(
    body: Body,
    max: usize,
    what: &str,
    unreadable: ErrorCode,
) -> Result<axum::body::Bytes, ApiError> {
    axum::body::to_bytes(body, max).await.map_err(|e| {
        let too_long = std::error::Error::source(&e)
            .is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>());
        if too_long {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                ErrorCode::BodyTooLarge,
                format!("{what} is at most {max} bytes"),
            )
        } else {
            ApiError::bad_request(
                unreadable,
                format!("the body could not be read whole ({e}); send {what} again"),
            )
        }
    })
}

/// A batch's transactions, still encoded; a 413 for too many, a 400 for undecodable bytes.
fn decode_batch(bytes: &[u8]) -> Result<Vec<Vec<u8>>, ApiError> {
    submit::decode_batch(bytes).map_err(|e| match e {
        BatchError::TooMany(_) => {
            ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge, e)
        }
        BatchError::Undecodable(e) => ApiError::bad_request(
            ErrorCode::UndecodableBatch,
            format!(
                "{e}; send a SCALE list of SCALE-encoded signed transactions (Vec<Vec<u8>>) as \
                 application/octet-stream"
            ),
        ),
    })
}

/// Decodes, checks, pools and gossips one transaction: its hash, or the error that says why not.
fn submit_bytes(state: &ApiState, bytes: &[u8]) -> Result<Hash, ApiError> {
    state.submitter.submit(bytes).map_err(submit_error)
}

/// The answer to a refused submission.
fn submit_error(e: SubmitError) -> ApiError {
    let (status, code) = match &e {
        SubmitError::Undecodable(TxDecodeError::TooLarge { .. }) => {
            (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::BodyTooLarge)
        }
        SubmitError::Undecodable(TxDecodeError::Undecodable(_)) => {
            return ApiError::bad_request(
                ErrorCode::UndecodableTransaction,
                format!("{e}; send a SCALE-encoded signed transaction as application/octet-stream"),
            );
        }
        SubmitError::Invalid(tx) => return ApiError::bad_request(tx.code(), e),
        SubmitError::Pool(AdmitError::Full(_)) => {
            (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::MempoolFull)
        }
        SubmitError::Pool(AdmitError::AccountFull(_)) => {
            (StatusCode::TOO_MANY_REQUESTS, ErrorCode::AccountPoolFull)
        }
        SubmitError::Pool(AdmitError::Duplicate) => {
            (StatusCode::CONFLICT, ErrorCode::DuplicateTransaction)
        }
        SubmitError::Pool(AdmitError::NonceTaken(_)) => {
            (StatusCode::CONFLICT, ErrorCode::NonceTaken)
        }
        SubmitError::Storage(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::StorageError),
    };
    ApiError::new(status, code, e)
}

/// A transaction's status: waiting in this node's pool, finalized, or finalized as rejected.
#[utoipa::path(
    get,
    path = "/v1/transactions/{hash}",
    params(("hash" = String, Path, description = "Transaction hash, 64 hex digits")),
    responses(
        (status = 200, body = TxStatus, description = "Its status"),
        (status = 400, body = ErrorBody, description = "`invalid_hash`"),
        (status = 404, body = ErrorBody, description = "`transaction_not_found`")
    )
)]
pub async fn transaction(
    State(state): State<ApiState>,
    Path(hash): Path<String>,
) -> ApiResult<TxStatus> {
    let hash = Hash::from_hex(&hash).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidHash,
            "a transaction hash is 64 hex digits",
        )
    })?;
    if let Some(record) = state.submitter.store().transaction(&hash)? {
        return ok(match record.result {
            Ok(()) => TxStatus {
                status: TxState::Finalized,
                height: Some(record.height),
                error: None,
            },
            Err(e) => TxStatus {
                status: TxState::Rejected,
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
            status: TxState::Pending,
            height: None,
            error: None,
        });
    }
    Err(ApiError::not_found(
        ErrorCode::TransactionNotFound,
        format!("transaction {hash} is unknown to this node"),
    ))
}
