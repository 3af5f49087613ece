//! The body of every error answer.

use serde::{Deserialize, Serialize};

/// The body of every error: `{"error": {"code", "message"}}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's stable code and a message for people.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, snake_case (`stale_nonce`, `certificates.not_in_scope`): match on this.
    pub code: String,
    /// What went wrong and what to do.
    pub message: String,
}
