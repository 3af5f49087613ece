//! What a node says about itself: `/metrics`, and its trust anchor at `/v1/trust`.

use std::sync::atomic::Ordering;

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use super::error::ApiError;
use super::state::ApiState;
use crate::metrics::Gauges;

/// What a scrape answers: the OpenMetrics text format, which Prometheus negotiates and parses
/// (counters' `_total`, histograms' units, the closing `# EOF`).
const OPENMETRICS_TEXT: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The node's metrics in the OpenMetrics text format: height, finalized transactions, mempool,
/// peers, round duration, then the consensus engine's (rounds, time per block, sync, the
/// consensus network's libp2p swarm).
#[utoipa::path(get, path = "/metrics", responses((status = 200, content_type = "application/openmetrics-text", body = String, description = "The metrics")))]
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

/// This node's trust anchor, as a trust file (`trust.json`): the chain's name, genesis hash and
/// genesis validators. A client may pin it on first contact; a verifier should get it from the
/// consortium, not from a node it does not yet trust.
#[utoipa::path(get, path = "/v1/trust", responses((status = 200, content_type = "application/json", body = String, description = "The trust file")))]
pub async fn trust(State(state): State<ApiState>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        state.trust.as_ref().clone(),
    )
        .into_response()
}
