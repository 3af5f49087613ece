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

/// The supervision platform (智慧计量监管平台): figures, warnings and tables of the region from
/// the SQL index, read-only; `?p=overview|certificates|instruments|credit|inspections|recognition|network`
/// and the filters (`region`, `lab`, `from`, `to`, `division`, `class`, `status`) in the URL.
#[utoipa::path(get, path = "/console", responses((status = 200, content_type = "text/html", body = String, description = "The console")))]
pub async fn console_page() -> Response {
    crate::console::page()
}

/// One of the console's files (its script, its style, ECharts).
#[utoipa::path(
    get,
    path = "/console/{file}",
    params(("file" = String, Path, description = "The file's name, as the console names it")),
    responses(
        (status = 200, description = "The file"),
        (status = 404, body = ErrorBody, description = "`not_found`")
    )
)]
pub async fn console_asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    crate::console::file(&name).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::NotFound,
            "the console has no such file; open /console",
        )
    })
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
