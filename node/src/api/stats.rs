//! `/v1/stats/…`: the supervision platform's figures, from the SQL index at one indexed block
//! that each answer names (with how far the index is behind the chain).

use axum::extract::{Query, State};
use axum::http::StatusCode;
use hengxin_api_types::{
    BusinessStatsView, CertificateStatsView, CreditRecordStatsView, DueQuery, DueView, ErrorBody,
    ErrorCode, InspectionStatsView, InstrumentStatsView, NetworkStatsView, OverviewView,
    RecognitionStatsView, StatsQuery,
};
use hengxin_index::IndexError;
use hengxin_index::queries::{DueFilter, Snapshot};
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentStatus};
use hengxin_primitives::{ClassCode, WireWord};

use super::businesses::known_region;
use super::error::{ApiError, ApiResult, ok};
use super::params;
use super::state::ApiState;

/// The index's failure as an answer: 503, the chain is unaffected.
pub(super) fn unavailable(why: impl ToString) -> ApiError {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::IndexUnavailable,
        why,
    )
}

/// A read of the index at its last indexed block.
pub(super) async fn snapshot(state: &ApiState) -> Result<Snapshot, ApiError> {
    let database = state.index.database().map_err(unavailable)?;
    let head = state.head()?.height;
    Snapshot::open(&database, head)
        .await
        .map_err(|e: IndexError| unavailable(e))
}

/// The region, lab and months of a figure's query, checked.
struct Scope {
    region: Option<String>,
    lab: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

fn scope(state: &ApiState, query: &StatsQuery) -> Result<Scope, ApiError> {
    Ok(Scope {
        region: known_region(state, query.region.as_deref())?.map(|r| r.to_string()),
        lab: params::lab("?lab=", query.lab.as_deref())?.map(|l| l.to_string()),
        from: params::month("?from=", query.from.as_deref())?,
        to: params::month("?to=", query.to.as_deref())?,
    })
}

fn index_error(e: IndexError) -> ApiError {
    unavailable(e)
}

/// Labs, certificates by status, instruments by status, businesses by grade, plans,
/// agreements in force and active inspectors: of a region, or of all.
#[utoipa::path(
    get,
    path = "/v1/stats/overview",
    params(StatsQuery),
    responses(
        (status = 200, body = OverviewView, description = "The figures, at the block they name"),
        (status = 400, body = ErrorBody, description = "`invalid_region`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn overview(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<OverviewView> {
    let scope = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .overview(scope.region.as_deref())
        .await
        .map_err(index_error)?)
}

/// Certificates anchored, revoked and superseded per lab and month.
#[utoipa::path(
    get,
    path = "/v1/stats/certificates",
    params(StatsQuery),
    responses(
        (status = 200, body = CertificateStatsView, description = "By lab and month"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_lab_code`, `invalid_month`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn certificates(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<CertificateStatsView> {
    let s = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .certificates(
            s.region.as_deref(),
            s.lab.as_deref(),
            s.from.as_deref(),
            s.to.as_deref(),
        )
        .await
        .map_err(index_error)?)
}

/// Instruments by class, division and status.
#[utoipa::path(
    get,
    path = "/v1/stats/instruments",
    params(StatsQuery),
    responses(
        (status = 200, body = InstrumentStatsView, description = "By class, division and status"),
        (status = 400, body = ErrorBody, description = "`invalid_region`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn instruments(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<InstrumentStatsView> {
    let s = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .instruments(s.region.as_deref())
        .await
        .map_err(index_error)?)
}

/// The warning list (预警): instruments overdue or due soon (or the statuses asked), by due
/// date, filtered by region, division, class, owner and the lab that verified them last.
#[utoipa::path(
    get,
    path = "/v1/stats/instruments/due",
    params(DueQuery),
    responses(
        (status = 200, body = DueView, description = "A page; `next` names the `after` of the next one"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_division`, `invalid_class`, `invalid_credit_code`, `invalid_lab_code`, `invalid_status`, `invalid_limit`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn due(
    State(state): State<ApiState>,
    Query(query): Query<DueQuery>,
) -> ApiResult<DueView> {
    let bad = |code: ErrorCode, message: String| ApiError::bad_request(code, message);
    let region = known_region(&state, query.region.as_deref())?.map(|r| r.to_string());
    let division = query
        .division
        .as_deref()
        .map(|d| {
            Division::parse(d)
                .map(|d| d.to_string())
                .map_err(|e| bad(ErrorCode::InvalidDivision, format!("?division=: {e}")))
        })
        .transpose()?;
    let class = query
        .class
        .as_deref()
        .map(|c| {
            ClassCode::new(&c.to_ascii_uppercase())
                .map(|c| c.to_string())
                .map_err(|e| bad(ErrorCode::InvalidClass, format!("?class=: {e}")))
        })
        .transpose()?;
    let owner = params::credit_code("?owner=", query.owner.as_deref())?.map(|c| c.to_string());
    let lab = params::lab("?lab=", query.lab.as_deref())?.map(|l| l.to_string());
    let statuses: Vec<InstrumentStatus> = query
        .status
        .as_deref()
        .unwrap_or("overdue,due_soon")
        .split(',')
        .map(|s| {
            InstrumentStatus::parse_word(s.trim())
                .map_err(|e| bad(ErrorCode::InvalidStatus, e.to_string()))
        })
        .collect::<Result<_, _>>()?;
    if let Some(after) = query.after.as_deref() {
        let ok = after
            .split_once('|')
            .is_some_and(|(_, id)| InstrumentId::parse(id).is_ok());
        if !ok {
            return Err(bad(
                ErrorCode::InvalidInstrumentId,
                "?after= is the `next` of the previous page".into(),
            ));
        }
    }
    let limit = params::limit(query.limit.as_deref(), params::PAGE_MAX)?;
    let filter = DueFilter {
        region: region.as_deref(),
        division: division.as_deref(),
        class: class.as_deref(),
        owner: owner.as_deref(),
        lab: lab.as_deref(),
        statuses: statuses.iter().map(|s| s.code()).collect(),
        after: query.after.as_deref(),
        limit,
    };
    let snapshot = snapshot(&state).await?;
    ok(snapshot.due(&filter).await.map_err(index_error)?)
}

/// Businesses by region, type and grade.
#[utoipa::path(
    get,
    path = "/v1/stats/businesses",
    params(StatsQuery),
    responses(
        (status = 200, body = BusinessStatsView, description = "By region, type and grade"),
        (status = 400, body = ErrorBody, description = "`invalid_region`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn businesses(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<BusinessStatsView> {
    let s = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .businesses(s.region.as_deref())
        .await
        .map_err(index_error)?)
}

/// Credit records (V-records, P1, P2) per month of their date.
#[utoipa::path(
    get,
    path = "/v1/stats/credit-records",
    params(StatsQuery),
    responses(
        (status = 200, body = CreditRecordStatsView, description = "By month and code"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_month`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn credit_records(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<CreditRecordStatsView> {
    let s = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .credit_records(s.region.as_deref(), s.from.as_deref(), s.to.as_deref())
        .await
        .map_err(index_error)?)
}

/// Certificates recognised in each region per month (互认): its own labs', and the other
/// region's under agreements.
#[utoipa::path(
    get,
    path = "/v1/stats/recognition",
    params(StatsQuery),
    responses(
        (status = 200, body = RecognitionStatsView, description = "By region and month"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_month`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn recognition(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<RecognitionStatsView> {
    let s = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .recognition(s.region.as_deref(), s.from.as_deref(), s.to.as_deref())
        .await
        .map_err(index_error)?)
}

/// Inspection plans with their draws, short targets and results, newest first.
#[utoipa::path(
    get,
    path = "/v1/stats/inspections",
    params(StatsQuery),
    responses(
        (status = 200, body = InspectionStatsView, description = "The newest 500 plans"),
        (status = 400, body = ErrorBody, description = "`invalid_region`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn inspections(
    State(state): State<ApiState>,
    Query(query): Query<StatsQuery>,
) -> ApiResult<InspectionStatsView> {
    let s = scope(&state, &query)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .inspections(s.region.as_deref())
        .await
        .map_err(index_error)?)
}

/// Validators, the newest blocks and the last 24 hours' pace.
#[utoipa::path(
    get,
    path = "/v1/stats/network",
    responses(
        (status = 200, body = NetworkStatsView, description = "The network's figures"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn network(State(state): State<ApiState>) -> ApiResult<NetworkStatsView> {
    let snapshot = snapshot(&state).await?;
    ok(snapshot.network().await.map_err(index_error)?)
}
