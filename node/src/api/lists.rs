//! The lists: labs and a lab's certificates (from the SQL index, at the block it names), a
//! standard and a region's inspectors (from the finalized state).

use axum::extract::{Path, Query, State};
use hengxin_api_types::{
    AssessmentView, ErrorBody, ErrorCode, InspectorView, InspectorsView, LabCertificatesQuery,
    LabCertificatesView, LabsView, PageQuery, StandardTraceView, StandardView,
};
use hengxin_primitives::ids::StandardCode;
use hengxin_primitives::records::{AccountRole, RegionRecord, StandardRecord, TraceSource};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, LabCode, StandardId};

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use super::stats::{snapshot, unavailable};
use super::{businesses, params};

/// Labs by code, of a region or of all, with how many certificates each anchored.
#[utoipa::path(
    get,
    path = "/v1/labs",
    params(PageQuery),
    responses(
        (status = 200, body = LabsView, description = "A page; `next` names the `after` of the next one"),
        (status = 400, body = ErrorBody, description = "`invalid_region`, `invalid_lab_code`, `invalid_limit`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn labs(
    State(state): State<ApiState>,
    Query(query): Query<PageQuery>,
) -> ApiResult<LabsView> {
    let region = businesses::known_region(&state, query.region.as_deref())?.map(|r| r.to_string());
    let after = params::lab("?after=", query.after.as_deref())?.map(|l| l.to_string());
    let limit = params::limit(query.limit.as_deref(), params::PAGE_MAX)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .labs(region.as_deref(), after.as_deref(), limit)
        .await
        .map_err(unavailable)?)
}

/// A lab's certificates by number, issued between two dates.
#[utoipa::path(
    get,
    path = "/v1/labs/{code}/certificates",
    params(("code" = String, Path, description = "The lab's code"), LabCertificatesQuery),
    responses(
        (status = 200, body = LabCertificatesView, description = "A page; `next` names the `after` of the next one"),
        (status = 400, body = ErrorBody, description = "`invalid_lab_code`, `invalid_date`, `invalid_certificate_number`, `invalid_limit`"),
        (status = 404, body = ErrorBody, description = "`lab_not_found`"),
        (status = 503, body = ErrorBody, description = "`index_unavailable`")
    )
)]
pub async fn lab_certificates(
    State(state): State<ApiState>,
    Path(code): Path<String>,
    Query(query): Query<LabCertificatesQuery>,
) -> ApiResult<LabCertificatesView> {
    let lab = parse_lab(&code)?;
    let from = params::date("?from=", query.from.as_deref())?.map(|d| d.to_iso());
    let to = params::date("?to=", query.to.as_deref())?.map(|d| d.to_iso());
    let after = query
        .after
        .as_deref()
        .map(|a| {
            hengxin_primitives::CertNumber::new(a)
                .map(|n| n.to_string())
                .map_err(|e| ApiError::bad_request(ErrorCode::InvalidCertificateNumber, e))
        })
        .transpose()?;
    let limit = params::limit(query.limit.as_deref(), params::PAGE_MAX)?;
    lab_exists(&state, &lab)?;
    let snapshot = snapshot(&state).await?;
    ok(snapshot
        .lab_certificates(
            lab.as_str(),
            (from.as_deref(), to.as_deref()),
            after.as_deref(),
            limit,
        )
        .await
        .map_err(unavailable)?)
}

fn parse_lab(code: &str) -> Result<LabCode, ApiError> {
    LabCode::new(&code.to_ascii_uppercase())
        .map_err(|e| ApiError::bad_request(ErrorCode::InvalidLabCode, e))
}

fn lab_exists(state: &ApiState, lab: &LabCode) -> Result<(), ApiError> {
    let head = state.head()?;
    let key = StorageKey::Lab(lab.clone());
    let record: Option<hengxin_primitives::records::LabRecord> =
        state.submitter.chain().read(&key, head.height)?;
    match record {
        Some(_) => Ok(()),
        None => Err(ApiError::not_found(
            ErrorCode::LabNotFound,
            format!("no lab {lab} is registered; GET /v1/labs lists them"),
        )),
    }
}

/// A measurement standard: its assessments and how it is traced.
#[utoipa::path(
    get,
    path = "/v1/standards/{lab}/{code}",
    params(
        ("lab" = String, Path, description = "The owner's lab code"),
        ("code" = String, Path, description = "The owner's code for the standard")
    ),
    responses(
        (status = 200, body = StandardView, description = "The standard"),
        (status = 400, body = ErrorBody, description = "`invalid_lab_code`"),
        (status = 404, body = ErrorBody, description = "`standard_not_found`")
    )
)]
pub async fn standard(
    State(state): State<ApiState>,
    Path((lab, code)): Path<(String, String)>,
) -> ApiResult<StandardView> {
    let owner = parse_lab(&lab)?;
    let code = StandardCode::new(&code).map_err(|e| {
        ApiError::bad_request(ErrorCode::InvalidLabCode, format!("standard code: {e}"))
    })?;
    let id = StandardId { owner, code };
    let head = state.head()?;
    let record: Option<StandardRecord> = state
        .submitter
        .chain()
        .read(&StorageKey::Standard(id.clone()), head.height)?;
    let s = record.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::StandardNotFound,
            format!(
                "no standard {id} is registered; GET /v1/labs/{} lists its lab's",
                id.owner
            ),
        )
    })?;
    let f = s.fields;
    let assessment = |a: &hengxin_primitives::records::Assessment| AssessmentView {
        number: a.number.clone(),
        issued: a.issued,
        valid_until: a.valid_until,
    };
    let mut assessments = vec![assessment(&f.assessment)];
    assessments.extend(s.earlier_assessments.iter().rev().map(assessment));
    ok(StandardView {
        lab: f.id.owner.to_string(),
        code: f.id.code.to_string(),
        name: f.name,
        category: f.category,
        level: f.level,
        range: f.range,
        uncertainty: f.uncertainty,
        assessments,
        traces: f.traces.iter().map(trace).collect(),
        registered_height: s.registered_height,
        height: head.height,
    })
}

fn trace(t: &TraceSource) -> StandardTraceView {
    match t {
        TraceSource::Ledger { lab, number } => StandardTraceView {
            lab: Some(lab.to_string()),
            issuer: None,
            number: number.to_string(),
            document_hash: None,
            issued: None,
            valid_until: None,
        },
        TraceSource::External {
            issuer,
            number,
            document_hash,
            issued,
            valid_until,
        } => StandardTraceView {
            lab: None,
            issuer: Some(issuer.to_string()),
            number: number.to_string(),
            document_hash: Some(*document_hash),
            issued: Some(*issued),
            valid_until: Some(*valid_until),
        },
    }
}

/// A region's inspectors, oldest first, with whether each may be drawn.
#[utoipa::path(
    get,
    path = "/v1/inspectors",
    params(("region" = String, Query, description = "The region's code (required)")),
    responses(
        (status = 200, body = InspectorsView, description = "The inspectors"),
        (status = 400, body = ErrorBody, description = "`invalid_region`"),
        (status = 404, body = ErrorBody, description = "`region_not_found`")
    )
)]
pub async fn inspectors(
    State(state): State<ApiState>,
    Query(query): Query<PageQuery>,
) -> ApiResult<InspectorsView> {
    let region = businesses::parse_region(query.region.as_deref())?;
    let head = state.head()?;
    let chain = state.submitter.chain();
    let known: Option<RegionRecord> =
        chain.read(&StorageKey::Region(region.clone()), head.height)?;
    if known.is_none() {
        return Err(businesses::region_not_found(&state, &region));
    }
    let keys: Vec<AccountId> = chain
        .read(&StorageKey::InspectorsOf(region.clone()), head.height)?
        .unwrap_or_default();
    let mut inspectors = Vec::with_capacity(keys.len());
    for key in keys {
        if let Some(AccountRole::Inspector { name, active, .. }) =
            chain.read(&StorageKey::Role(key), head.height)?
        {
            inspectors.push(InspectorView { key, name, active });
        }
    }
    ok(InspectorsView {
        region,
        inspectors,
        height: head.height,
    })
}
