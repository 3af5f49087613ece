//! Mutual-recognition agreements.

use axum::extract::State;
use hengxin_api_types::{AgreementView, AgreementsView};
use hengxin_primitives::Date;
use hengxin_primitives::recognition::Agreement;
use hengxin_primitives::state::StorageKey;

use super::error::{ApiResult, ok};
use super::state::ApiState;

fn view(a: Agreement, today: Date) -> AgreementView {
    AgreementView {
        id: a.id,
        status: a.status(today),
        regions: vec![a.proposer, a.partner],
        kinds: a.kinds,
        categories: a.categories,
        from: a.from,
        until: a.ended_from,
    }
}

/// Every mutual-recognition agreement, oldest first, with its status on the chain's date.
#[utoipa::path(
    get,
    path = "/v1/agreements",
    responses((status = 200, body = AgreementsView, description = "The agreements"))
)]
pub async fn agreements(State(state): State<ApiState>) -> ApiResult<AgreementsView> {
    let head = state.head()?;
    let chain = state.submitter.chain();
    let today = Date::from_unix_ms_cst(head.timestamp_ms);
    let count: u64 = chain
        .read(&StorageKey::AgreementCount, head.height)?
        .unwrap_or(0);
    let mut agreements = Vec::new();
    for id in 1..=count {
        if let Some(a) = chain.read::<Agreement>(&StorageKey::Agreement(id), head.height)? {
            agreements.push(view(a, today));
        }
    }
    ok(AgreementsView {
        agreements,
        height: head.height,
    })
}
