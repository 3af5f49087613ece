//! Labs: one lab's scope, status, signing keys and DCC signing certificates.

use axum::extract::{Path, State};
use hengxin_api_types::{DccCertView, ErrorBody, ErrorCode, LabDetailView, LabKeyView, ScopeView};
use hengxin_primitives::LabCode;
use hengxin_primitives::records::LabRecord;
use hengxin_primitives::state::StorageKey;

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;

/// A lab as the membership keeps it: scope, status, every signing key and every DCC signing
/// certificate it has had, with their heights.
#[utoipa::path(
    get,
    path = "/v1/labs/{code}",
    params(("code" = String, Path, description = "The lab's code, e.g. CQJL")),
    responses(
        (status = 200, body = LabDetailView, description = "The lab"),
        (status = 400, body = ErrorBody, description = "`invalid_lab_code`"),
        (status = 404, body = ErrorBody, description = "`lab_not_found`")
    )
)]
pub async fn lab(
    State(state): State<ApiState>,
    Path(code): Path<String>,
) -> ApiResult<LabDetailView> {
    let code =
        LabCode::new(&code).map_err(|e| ApiError::bad_request(ErrorCode::InvalidLabCode, e))?;
    let head = state.head()?;
    let record: Option<LabRecord> = state
        .submitter
        .chain()
        .read(&StorageKey::Lab(code.clone()), head.height)?;
    let lab = record.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::LabNotFound,
            format!("no lab {code} is registered"),
        )
    })?;
    // The standards come from the index; the lab itself does not wait for it.
    let standards = match super::stats::snapshot(&state).await {
        Ok(snapshot) => snapshot.lab_standards(code.as_str()).await.ok(),
        Err(_) => None,
    };
    ok(LabDetailView {
        standards,
        scope: lab
            .scope
            .iter()
            .map(|s| ScopeView {
                category: s.category,
                item: s.item.clone(),
                valid_until: s.valid_until,
            })
            .collect(),
        keys: lab
            .keys
            .iter()
            .map(|k| LabKeyView {
                key: k.key,
                added_height: k.added_height,
                removed_height: k.removed.as_ref().map(|r| r.height),
                compromised: k.removed.as_ref().is_some_and(|r| r.compromised),
            })
            .collect(),
        dcc_certs: lab
            .dcc_certs
            .iter()
            .map(|c| DccCertView {
                fingerprint: c.fingerprint,
                subject: c.subject.clone(),
                not_before_s: c.not_before_s,
                not_after_s: c.not_after_s,
                added_height: c.added_height,
                removed_height: c.removed_height,
            })
            .collect(),
        code: lab.code,
        name: lab.name,
        region: lab.region,
        kind: lab.kind,
        status: lab.status,
        registered_height: lab.registered_height,
        height: head.height,
    })
}
