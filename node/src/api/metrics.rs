//! `/metrics` and the verify page's files.

use hengxin_api_types::ErrorCode;
use std::sync::atomic::Ordering;

use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::ApiState;
use super::error::ApiError;
use crate::metrics::Gauges;
use crate::verify_page;

/// What a scrape answers: the OpenMetrics text format, which Prometheus negotiates and parses
/// (counters' `_total`, histograms' units, the closing `# EOF`).
const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The node's metrics in the OpenMetrics text format: height, finalized transactions, mempool,
/// peers, round duration, then the consensus engine's (rounds, time per block, sync, the
/// consensus network's libp2p swarm).
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "application/openmetrics-text", body = String)))]
pub async fn metrics(State(state): State<ApiState>) -> Result<Response, ApiError> {
    let head = state.head()?;
    let mempool = state.submitter.mempool();
    let text = state.metrics.render(Gauges {
        height: head.height,
        mempool_txs: mempool.len(),
        mempool_bytes: mempool.bytes(),
        peers: state.peers.load(Ordering::Relaxed),
    });
    Ok((
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static(OPENMETRICS_TEXT),
        )],
        text,
    )
        .into_response())
}

/// The verify page, with this node's trust anchor built in.
pub async fn verify_page(State(state): State<ApiState>) -> Response {
    verify_page::page(state.verify_page.as_ref().clone())
}

/// One of the verify page's files (its script, its wasm).
pub async fn verify_asset(Path(name): Path<String>) -> Result<Response, ApiError> {
    verify_page::file(&name).ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::NotFound,
            "the verify page has no such file; open /verify",
        )
    })
}
