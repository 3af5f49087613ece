//! 双随机 inspection plans, their draws and results.

use axum::extract::{Path, Query, State};
use hengxin_api_types::{ErrorBody, ErrorCode, PlanView, PlansQuery, PlansView};

use super::businesses::{parse_region, region_not_found};
use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query;

/// A plan: its region, types, ratios, pool and the conflicts that count, its reveal height,
/// and once the reveal block is finalized its seed, the targets with their inspectors, and the
/// results recorded so far. Everything needed to recompute the draw is public: this, the
/// reveal block's hash (`/v1/blocks/{reveal_height}`) and the region's businesses at that
/// height (`/v1/businesses?region=…&at={reveal_height}`).
#[utoipa::path(
    get,
    path = "/v1/inspections/{plan_id}",
    params(("plan_id" = u64, Path, description = "The plan's id")),
    responses(
        (status = 200, body = PlanView, description = "The plan"),
        (status = 400, body = ErrorBody, description = "`invalid_plan_id`"),
        (status = 404, body = ErrorBody, description = "`plan_not_found`")
    )
)]
pub async fn plan(State(state): State<ApiState>, Path(id): Path<String>) -> ApiResult<PlanView> {
    let id: u64 = id.parse().map_err(|_| {
        ApiError::bad_request(ErrorCode::InvalidPlanId, "a plan id is a whole number")
    })?;
    let head = state.head()?;
    query::plan(state.submitter.chain(), &head, id)?.map_or_else(
        || {
            Err(ApiError::not_found(
                ErrorCode::PlanNotFound,
                format!("there is no plan {id}"),
            ))
        },
        ok,
    )
}

/// A region's plans, oldest first, each with its status.
#[utoipa::path(
    get,
    path = "/v1/inspections",
    params(PlansQuery),
    responses(
        (status = 200, body = PlansView, description = "The plans"),
        (status = 400, body = ErrorBody, description = "`invalid_region`"),
        (status = 404, body = ErrorBody, description = "`region_not_found`")
    )
)]
pub async fn plans(
    State(state): State<ApiState>,
    Query(query): Query<PlansQuery>,
) -> ApiResult<PlansView> {
    let region = parse_region(query.region.as_deref())?;
    let head = state.head()?;
    match query::plans(state.submitter.chain(), &head, &region)? {
        None => Err(region_not_found(&state, &region)),
        Some(plans) => ok(PlansView {
            plans,
            height: head.height,
        }),
    }
}
