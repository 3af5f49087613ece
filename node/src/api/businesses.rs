//! Businesses and their proof bundles.

use axum::extract::{Path, Query, State};
use hengxin_api_types::ErrorCode;
use hengxin_api_types::{BundleBody, BusinessQuery, BusinessView, ErrorBody};
use hengxin_primitives::{CreditCode, Date};

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query::{self, Reader};

fn parse_business(code: &str) -> Result<CreditCode, ApiError> {
    code.parse()
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidCreditCode, e))
}

/// A registered business and its integrity-metrology credit (诚信计量) on a date: the grade
/// and score, the self-commitment in force, and every record with its state that day.
#[utoipa::path(
    get,
    path = "/v1/businesses/{credit_code}",
    params(
        ("credit_code" = String, Path, description = "统一社会信用代码, 18 characters"),
        BusinessQuery
    ),
    responses(
        (status = 200, body = BusinessView, description = "The business"),
        (status = 400, body = ErrorBody, description = "`invalid_credit_code`, `invalid_date`"),
        (status = 404, body = ErrorBody, description = "`business_not_found`")
    )
)]
pub async fn business(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    Query(query): Query<BusinessQuery>,
) -> ApiResult<BusinessView> {
    let code = parse_business(&code)?;
    let on = query
        .on
        .map(|text| {
            Date::parse(&text).ok_or_else(|| {
                ApiError::bad_request(ErrorCode::InvalidDate, "?on= is a date YYYY-MM-DD")
            })
        })
        .transpose()?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::business(&mut reader, &head, &code, on)?.map_or_else(
        || {
            Err(ApiError::not_found(
                ErrorCode::BusinessNotFound,
                format!("no business {code} is registered"),
            ))
        },
        ok,
    )
}

/// A proof bundle for a business (or its absence): its record, its self-commitments, all its
/// credit records and the rule table, so a verifier computes the grade itself and no record
/// can be left out.
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
    query::business(&mut reader, &head, &code, None)?;
    state.bundle(reader, &head)
}
