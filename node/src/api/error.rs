//! The API's errors: a status and `{"error": {"code", "message"}}` with a stable code.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use hengxin_api_types::ErrorCode;
use hengxin_api_types::{ErrorBody, ErrorDetail};

use crate::query::QueryError;

/// A JSON error with a stable code.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    code: String,
    message: String,
}

impl ApiError {
    /// An error answered with `status`.
    pub fn new(status: StatusCode, code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError {
            status,
            code: code.into(),
            message: message.to_string(),
        }
    }

    /// A 400.
    pub fn bad_request(code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// Its code and message, without the status (one result of a batch).
    pub fn into_detail(self) -> ErrorDetail {
        ErrorDetail {
            code: self.code,
            message: self.message,
        }
    }

    /// A 404.
    pub fn not_found(code: impl Into<String>, message: impl ToString) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = self.status;
        let body = ErrorBody {
            error: self.into_detail(),
        };
        (status, axum::Json(body)).into_response()
    }
}

impl From<hengxin_support::StorageError> for ApiError {
    fn from(e: hengxin_support::StorageError) -> ApiError {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            ErrorCode::StorageError,
            e,
        )
    }
}

impl From<QueryError> for ApiError {
    fn from(e: QueryError) -> ApiError {
        match e {
            QueryError::Storage(s) => s.into(),
            QueryError::NothingFinalized => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                ErrorCode::NothingFinalized,
                e,
            ),
            QueryError::UnknownValidatorSet(_) => {
                ApiError::bad_request(ErrorCode::UnknownValidatorSet, e)
            }
            QueryError::Missing(_) => ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                ErrorCode::StorageError,
                e,
            ),
        }
    }
}

/// A handler's answer: a JSON body with its status, or an error.
pub type ApiResult<T> = Result<(StatusCode, axum::Json<T>), ApiError>;

/// A 200 with `body`.
pub fn ok<T>(body: T) -> ApiResult<T> {
    Ok((StatusCode::OK, axum::Json(body)))
}
