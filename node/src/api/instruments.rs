//! Instruments in use (一器一码): the class table, one instrument and its proof bundle, and a
//! region's list with filters.

use axum::extract::{Path, Query, State};
use hengxin_api_types::{
    BundleBody, ErrorBody, ErrorCode, InstrumentClassesView, InstrumentDetailView,
    InstrumentListQuery, InstrumentQuery, InstrumentsView, TrustQuery,
};
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentStatus};
use hengxin_primitives::{ClassCode, LabCode, Text, WireWord};

use super::businesses::{parse_on, parse_region, region_not_found};
use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query::{self, INSTRUMENT_PAGE_MAX, InstrumentFilter, Reader};

fn parse_id(text: &str) -> Result<InstrumentId, ApiError> {
    InstrumentId::parse(text).map_err(|e| ApiError::bad_request(ErrorCode::InvalidInstrumentId, e))
}

/// The instrument classes (器具类别) and the warning window (临期 days).
#[utoipa::path(
    get,
    path = "/v1/instrument-classes",
    responses((status = 200, body = InstrumentClassesView, description = "The class table"))
)]
pub async fn classes(State(state): State<ApiState>) -> ApiResult<InstrumentClassesView> {
    let head = state.head()?;
    ok(query::instrument_classes(state.submitter.chain(), &head)?)
}

/// An instrument (一器一码): its record, its status on a date by the one rule (`valid`,
/// `due_soon`, `overdue`, `failed`, `unverified`, `retired`), the certificate that decides it,
/// its seals and its complete history.
#[utoipa::path(
    get,
    path = "/v1/instruments/{id}",
    params(("id" = String, Path, description = "The instrument's id, CQ-1"), InstrumentQuery),
    responses(
        (status = 200, body = InstrumentDetailView, description = "The instrument"),
        (status = 400, body = ErrorBody, description = "`invalid_instrument_id`, `invalid_date`"),
        (status = 404, body = ErrorBody, description = "`instrument_not_found`")
    )
)]
pub async fn instrument(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(query): Query<InstrumentQuery>,
) -> ApiResult<InstrumentDetailView> {
    let id = parse_id(&id)?;
    let on = parse_on(query.on.as_deref())?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::instrument(&mut reader, &head, &id, on)?.map_or_else(
        || {
            Err(ApiError::not_found(
                ErrorCode::InstrumentNotFound,
                format!("器具 {id} 未登记 / no instrument {id} is registered"),
            ))
        },
        ok,
    )
}

/// A proof bundle for an instrument: its record, its complete history, every certificate the
/// history names, its class, the rules' numbers, and its owner with everything its grade is
/// computed from; for an id never registered, the proof of its absence.
#[utoipa::path(
    get,
    path = "/v1/instruments/{id}/proof",
    params(("id" = String, Path, description = "The instrument's id, CQ-1"), TrustQuery),
    responses(
        (status = 200, body = BundleBody, description = "The bundle (also for an unknown id: it then proves the absence)"),
        (status = 400, body = ErrorBody, description = "`invalid_instrument_id`, `unknown_validator_set`"),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`")
    )
)]
pub async fn instrument_proof(
    State(state): State<ApiState>,
    Path(id): Path<String>,
    Query(options): Query<TrustQuery>,
) -> ApiResult<BundleBody> {
    let id = parse_id(&id)?;
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    query::read_instrument(&mut reader, &id)?;
    state.bundle(reader, &head, options.trust.as_deref())
}

fn bad(code: ErrorCode, message: impl Into<String>) -> ApiError {
    ApiError::bad_request(code, message.into())
}

/// The filters of a list query.
fn parse_filter(query: &InstrumentListQuery) -> Result<InstrumentFilter, ApiError> {
    let region = parse_region(query.region.as_deref())?;
    let division = query
        .division
        .as_deref()
        .map(|d| Division::parse(d).map_err(|e| bad(ErrorCode::InvalidDivision, e.to_string())))
        .transpose()?;
    let owner = query
        .owner
        .as_deref()
        .map(|c| {
            c.parse()
                .map_err(|e| ApiError::bad_request(ErrorCode::InvalidCreditCode, e))
        })
        .transpose()?;
    let class = query
        .class
        .as_deref()
        .map(|c| ClassCode::new(c).map_err(|e| bad(ErrorCode::InvalidClass, e.to_string())))
        .transpose()?;
    let statuses = query
        .status
        .as_deref()
        .into_iter()
        .flat_map(|s| s.split(','))
        .map(|s| {
            InstrumentStatus::parse_word(s.trim())
                .map_err(|e| bad(ErrorCode::InvalidStatus, e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    let lab = query
        .lab
        .as_deref()
        .map(|l| LabCode::new(l).map_err(|e| ApiError::bad_request(ErrorCode::InvalidLabCode, e)))
        .transpose()?;
    let due_within_days = query
        .due_within_days
        .as_deref()
        .map(|d| {
            d.parse::<u32>().ok().filter(|d| *d <= 3660).ok_or_else(|| {
                bad(
                    ErrorCode::InvalidDays,
                    "?due_within_days= is a whole number of days from 0 to 3660",
                )
            })
        })
        .transpose()?;
    let compulsory = match query.compulsory.as_deref() {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => {
            return Err(bad(
                ErrorCode::InvalidStatus,
                "?compulsory= is true or false",
            ));
        }
    };
    let serial = query
        .serial
        .as_deref()
        .map(|s| Text::new(s).map_err(|e| bad(ErrorCode::InvalidStatus, format!("?serial=: {e}"))))
        .transpose()?;
    let after = query.after.as_deref().map(parse_id).transpose()?;
    let limit = super::params::limit(query.limit.as_deref(), INSTRUMENT_PAGE_MAX)?;
    Ok(InstrumentFilter {
        region,
        division,
        owner,
        class,
        statuses,
        lab,
        due_within_days,
        compulsory,
        serial,
        after,
        limit,
    })
}

/// A page of a region's instruments with their statuses on the chain's date, by id, with
/// filters: the regulator's warnings (预警: `status=overdue,due_soon`), a lab's re-verification
/// round (`lab=CQJL&due_within_days=30`), a business's instruments (`owner=`).
#[utoipa::path(
    get,
    path = "/v1/instruments",
    params(InstrumentListQuery),
    responses(
        (status = 200, body = InstrumentsView, description = "The page; `next` names the `after` of the next one"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_division`, `invalid_credit_code`, `invalid_class`, `invalid_status`, `invalid_lab_code`, `invalid_days`, `invalid_instrument_id`, `invalid_limit`"),
        (status = 404, body = ErrorBody, description = "`region_not_found`")
    )
)]
pub async fn instruments(
    State(state): State<ApiState>,
    Query(query): Query<InstrumentListQuery>,
) -> ApiResult<InstrumentsView> {
    let filter = parse_filter(&query)?;
    let head = state.head()?;
    let chain = state.submitter.chain();
    query::instruments(chain, &head, &filter)?
        .map_or_else(|| Err(region_not_found(&state, &filter.region)), ok)
}
