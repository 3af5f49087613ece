//! Businesses and their proof bundles.

use axum::extract::{Path, State};
use hengxin_api_types::ErrorCode;
use hengxin_api_types::{BundleBody, BusinessView, ErrorBody};
use hengxin_primitives::CreditCode;

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query::{self, Reader};

fn parse_business(code: &str) -> Result<CreditCode, ApiError> {
    code.parse()
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidCreditCode, e))
}

/// A registered business (the credit grade comes with the credit module).
#[utoipa::path(
    get,
    path = "/v1/businesses/{credit_code}",
    params(("credit_code" = String, Path, description = "统一社会信用代码, 18 characters")),
    responses(
        (status = 200, body = BusinessView, description = "The business"),
        (status = 400, body = ErrorBody, description = "`invalid_credit_code`"),
        (status = 404, body = ErrorBody, description = "`business_not_found`")
    )
)]
pub async fn business(
    State(state): State<ApiState>,
    Path(code): Path<String>,
) -> ApiResult<BusinessView> {
    let code = parse_business(&code)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::business(&mut reader, &head, &code)?.map_or_else(
        || {
            Err(ApiError::not_found(
                ErrorCode::BusinessNotFound,
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
        (status = 200, body = BundleBody, description = "The bundle (also for an unknown business: it then proves the absence)"),
        (status = 400, body = ErrorBody, description = "`invalid_credit_code`"),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`")
    )
)]
pub async fn business_proof(
    State(state): State<ApiState>,
    Path(code): Path<String>,
) -> ApiResult<BundleBody> {
    let code = parse_business(&code)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::business(&mut reader, &head, &code)?;
    state.bundle(reader, &head)
}
