//! Businesses and their proof bundles.

use axum::extract::{Path, Query, State};
use hengxin_api_types::ErrorCode;
use hengxin_api_types::{
    BundleBody, BusinessListQuery, BusinessQuery, BusinessView, BusinessesView, ErrorBody,
    TrustQuery,
};
use hengxin_primitives::gather;
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::{CreditCode, Date, RegionCode, WireWord};

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query::{self, BUSINESS_PAGE_MAX, BusinessPage, Reader};

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
    let on = parse_on(query.on.as_deref())?;
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
/// can be left out; and its complete list of instruments with the first 64 of them proven
/// (their histories and certificates), so it shows their statuses.
#[utoipa::path(
    get,
    path = "/v1/businesses/{credit_code}/proof",
    params(("credit_code" = String, Path, description = "统一社会信用代码"), TrustQuery),
    responses(
        (status = 200, body = BundleBody, description = "The bundle (also for an unknown business: it then proves the absence)"),
        (status = 400, body = ErrorBody, description = "`invalid_credit_code`, `unknown_validator_set`"),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`")
    )
)]
pub async fn business_proof(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    Query(options): Query<TrustQuery>,
) -> ApiResult<BundleBody> {
    let code = parse_business(&code)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    if gather::business(&mut reader, &code)?.is_some() {
        gather::instruments::owned_instruments(&mut reader, &code)?;
    }
    state.bundle(reader, &head, options.trust.as_deref())
}

fn parse_page<'a>(
    query: &'a BusinessListQuery,
    region: &'a RegionCode,
    after: Option<&'a CreditCode>,
) -> Result<BusinessPage<'a>, ApiError> {
    let business_type = query
        .business_type
        .as_deref()
        .map(|t| {
            BusinessType::parse_word(t)
                .map_err(|e| ApiError::bad_request(ErrorCode::InvalidBusinessType, e))
        })
        .transpose()?;
    let limit = super::params::limit(query.limit.as_deref(), BUSINESS_PAGE_MAX)?;
    Ok(BusinessPage {
        region,
        business_type,
        after,
        limit,
    })
}

/// A page of a region's businesses with their grades, ordered by credit code: at the head, or
/// at a past finalized height (`?at=`, graded on that block's date), such as a plan's reveal
/// height, to recompute its draw from what it was made from.
#[utoipa::path(
    get,
    path = "/v1/businesses",
    params(BusinessListQuery),
    responses(
        (status = 200, body = BusinessesView, description = "The page; `next` names the `after` of the next one"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_business_type`, `invalid_credit_code`, `invalid_limit`, `invalid_height`"),
        (status = 404, body = ErrorBody, description = "`region_not_found`, `block_not_found`")
    )
)]
pub async fn businesses(
    State(state): State<ApiState>,
    Query(query): Query<BusinessListQuery>,
) -> ApiResult<BusinessesView> {
    let region = parse_region(query.region.as_deref())?;
    let after = query.after.as_deref().map(parse_business).transpose()?;
    let page = parse_page(&query, &region, after.as_ref())?;
    let head = state.head()?;
    let header = match query.at.as_deref() {
        None => head,
        Some(text) => {
            let height = text
                .parse::<u64>()
                .ok()
                .filter(|h| *h <= head.height)
                .ok_or_else(|| {
                    ApiError::bad_request(
                        ErrorCode::InvalidHeight,
                        format!("?at= is a finalized height, 0 to {}", head.height),
                    )
                })?;
            state.header_at(height)?
        }
    };
    query::businesses(state.submitter.chain(), &header, &page)?
        .map_or_else(|| Err(region_not_found(&state, &region)), ok)
}

/// `?on=`, a date YYYY-MM-DD, when given.
pub(super) fn parse_on(text: Option<&str>) -> Result<Option<Date>, ApiError> {
    text.map(|text| {
        Date::parse(text).ok_or_else(|| {
            ApiError::bad_request(ErrorCode::InvalidDate, "?on= is a date YYYY-MM-DD")
        })
    })
    .transpose()
}

/// `?region=`, required and well-formed.
pub(super) fn parse_region(text: Option<&str>) -> Result<RegionCode, ApiError> {
    let text = text.ok_or_else(|| {
        ApiError::bad_request(ErrorCode::InvalidRegion, "?region= is required (CQ, SC…)")
    })?;
    RegionCode::new(text).map_err(|e| ApiError::bad_request(ErrorCode::InvalidRegion, e))
}

/// A 404 for `region`, naming the regions there are.
pub(super) fn region_not_found(state: &ApiState, region: &RegionCode) -> ApiError {
    let known: Vec<RegionCode> = state
        .head()
        .ok()
        .and_then(|head| {
            state
                .submitter
                .chain()
                .read(&hengxin_primitives::state::StorageKey::Regions, head.height)
                .ok()
                .flatten()
        })
        .unwrap_or_default();
    let known: Vec<String> = known.iter().map(ToString::to_string).collect();
    ApiError::not_found(
        ErrorCode::RegionNotFound,
        format!(
            "no region {region} exists; the regions are {}",
            known.join(", ")
        ),
    )
}

/// An optional `?region=` that must be one of the chain's.
pub(super) fn known_region(
    state: &ApiState,
    text: Option<&str>,
) -> Result<Option<RegionCode>, ApiError> {
    let Some(region) = super::params::region(text)? else {
        return Ok(None);
    };
    let head = state.head()?;
    let record: Option<hengxin_primitives::records::RegionRecord> = state.submitter.chain().read(
        &hengxin_primitives::state::StorageKey::Region(region.clone()),
        head.height,
    )?;
    match record {
        Some(_) => Ok(Some(region)),
        None => Err(region_not_found(state, &region)),
    }
}
