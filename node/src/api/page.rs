//! The verify page (`/verify`, carrying the trust anchor of this node's finalized validator set) and
//! its files.

use axum::extract::{Path, State};
use axum::response::Response;
use hengxin_api_types::{ErrorBody, ErrorCode};

use super::error::ApiError;
use super::state::ApiState;
use crate::verify_page;

/// The verify page: `?c=LAB/NUMBER&h=HASH-PREFIX` a certificate, `#p=` a stapled proof; it
/// verifies in the browser against the validator set of this node's finalized head.
#[utoipa::path(get, path = "/verify", responses((status = 200, content_type = "text/html", body = String, description = "The page")))]
pub async fn verify_page(State(state): State<ApiState>) -> Result<Response, ApiError> {
    Ok(verify_page::page(state.verify_page()?.as_ref().clone()))
}

/// One of the verify page's files (its script, its wasm).
#[utoipa::path(
    get,
    path = "/verify/{file}",
    params(("file" = String, Path, description = "The file's name, as the page names it")),
    responses(
        (status = 200, description = "The file"),
        (status = 404, body = ErrorBody, description = "`not_found`")
    )
)]
pub async fn verify_asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    verify_page::file(&name).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::NotFound,
            "the verify page has no such file; open /verify",
        )
    })
}
