//! The HTTP API (axum), as DESIGN.md's interface contract lists it: health, blocks,
//! transactions, certificates, businesses and their proof bundles, `/metrics`, and the OpenAPI
//! document generated from these handlers and the API types. Errors are
//! `{"error": {"code", "message"}}` with a 4xx/5xx status; bodies are size-limited before they
//! are read; each client address is rate-limited; CORS is open so the verify page can be served
//! from anywhere.
//!
//! One file per resource; a new endpoint goes in its resource's file, with its route here and
//! its answer type in `hengxin-api-types`.

mod agreements;
mod businesses;
mod cache;
mod certificates;
mod chain;
mod client_addr;
mod error;
mod inspections;
mod instruments;
mod labs;
mod limit;
mod lists;
mod metrics;
mod page;
mod params;
mod serve;
mod state;
mod stats;
#[cfg(test)]
mod tests;
mod transactions;

use std::net::SocketAddr;

use axum::Router;
use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use hengxin_api_types::ErrorCode;
use tower_http::cors::CorsLayer;
use utoipa::OpenApi;

pub use client_addr::TrustedProxies;
pub use error::{ApiError, ApiResult};
pub use limit::RateLimit;
pub use serve::{ConnectionLimits, serve};
pub use state::{ApiState, chain_name};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "hengxin node API",
        description = "The HTTP API of a hengxin (衡信) node: the permissioned ledger of metrology \
                       certificates of Sichuan and Chongqing. Proof bundles let a client check \
                       answers against its trust anchor without trusting this node."
    ),
    paths(
        chain::health,
        chain::block,
        transactions::submit,
        transactions::submit_batch,
        transactions::transaction,
        metrics::trust,
        chain::validators,
        chain::validators_proof,
        chain::account,
        certificates::certificate,
        certificates::certificate_proof,
        certificates::document,
        certificates::document_proof,
        labs::lab,
        lists::labs,
        lists::lab_certificates,
        lists::standard,
        lists::inspectors,
        stats::overview,
        stats::certificates,
        stats::instruments,
        stats::due,
        stats::businesses,
        stats::credit_records,
        stats::inspections,
        stats::recognition,
        stats::network,
        businesses::business,
        businesses::business_proof,
        businesses::businesses,
        instruments::classes,
        instruments::instrument,
        instruments::instrument_proof,
        instruments::instruments,
        inspections::plan,
        inspections::plans,
        agreements::agreements,
        metrics::metrics,
        openapi_document,
        page::verify_page,
        page::verify_asset,
        page::console_page,
        page::console_asset
    )
)]
struct ApiDoc;

/// The OpenAPI document of this API, generated from the handlers and the API types.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", responses((status = 200, content_type = "application/json", description = "The OpenAPI document of this API")))]
async fn openapi_document() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi())
}

/// The API's routes.
pub fn router(state: ApiState) -> Router {
    // Answers that stay the same while the finalized head does: tagged for caches.
    let finalized = Router::new()
        .route(
            "/v1/certificates/{lab_code}/{number}",
            get(certificates::certificate),
        )
        .route(
            "/v1/certificates/{lab_code}/{number}/proof",
            get(certificates::certificate_proof),
        )
        .route("/v1/documents/{sha256}", get(certificates::document))
        .route(
            "/v1/documents/{sha256}/proof",
            get(certificates::document_proof),
        )
        .route("/v1/validators/proof", get(chain::validators_proof))
        .route("/v1/businesses/{credit_code}", get(businesses::business))
        .route(
            "/v1/businesses/{credit_code}/proof",
            get(businesses::business_proof),
        )
        .route("/v1/instrument-classes", get(instruments::classes))
        .route("/v1/instruments/{id}", get(instruments::instrument))
        .route(
            "/v1/instruments/{id}/proof",
            get(instruments::instrument_proof),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            cache::finalized,
        ));
    Router::new()
        .merge(finalized)
        .route("/v1/health", get(chain::health))
        .route("/v1/blocks/{height}", get(chain::block))
        .route("/v1/transactions", post(transactions::submit))
        .route("/v1/transactions/batch", post(transactions::submit_batch))
        .route("/v1/transactions/{hash}", get(transactions::transaction))
        .route("/v1/trust", get(metrics::trust))
        .route("/v1/validators", get(chain::validators))
        .route("/v1/accounts/{public_key}", get(chain::account))
        .route("/v1/businesses", get(businesses::businesses))
        .route("/v1/instruments", get(instruments::instruments))
        .route("/v1/labs", get(lists::labs))
        .route("/v1/labs/{code}", get(labs::lab))
        .route("/v1/labs/{code}/certificates", get(lists::lab_certificates))
        .route("/v1/standards/{lab}/{code}", get(lists::standard))
        .route("/v1/inspectors", get(lists::inspectors))
        .route("/v1/stats/overview", get(stats::overview))
        .route("/v1/stats/certificates", get(stats::certificates))
        .route("/v1/stats/instruments", get(stats::instruments))
        .route("/v1/stats/instruments/due", get(stats::due))
        .route("/v1/stats/businesses", get(stats::businesses))
        .route("/v1/stats/credit-records", get(stats::credit_records))
        .route("/v1/stats/inspections", get(stats::inspections))
        .route("/v1/stats/recognition", get(stats::recognition))
        .route("/v1/stats/network", get(stats::network))
        .route("/v1/inspections", get(inspections::plans))
        .route("/v1/inspections/{plan_id}", get(inspections::plan))
        .route("/v1/agreements", get(agreements::agreements))
        .route("/v1/openapi.json", get(openapi_document))
        .route("/metrics", get(metrics::metrics))
        .route("/verify", get(page::verify_page))
        .route("/verify/{file}", get(page::verify_asset))
        .route("/console", get(page::console_page))
        .route("/console/{file}", get(page::console_asset))
        .fallback(|| async {
            ApiError::not_found(
                ErrorCode::NotFound,
                "no such endpoint; /v1/openapi.json lists them (escape a '/' in a certificate \
                 number as %2F)",
            )
        })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            rate_limit,
        ))
        .layer(axum::middleware::from_fn(refuse_oversize))
        .layer(CorsLayer::permissive())
        .with_state(state)
}

/// Refuses a body larger than its endpoint takes (a batch's, or else a transaction's) from its
/// `Content-Length` alone, before a byte of it is read: a client waiting for `100 Continue`
/// gets the 413 instead, and sends nothing. A body without a length is cut off at the limit as
/// it is read.
async fn refuse_oversize(request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let (max, what) = if request.uri().path() == "/v1/transactions/batch" {
        (
            hengxin_api_types::BATCH_BYTES_MAX,
            "a batch of transactions",
        )
    } else {
        (
            hengxin_primitives::tx::TX_SIZE_BYTES_MAX,
            "a signed transaction",
        )
    };
    if declared.is_some_and(|n| n > max as u64) {
        return ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::BodyTooLarge,
            format!("a request body is at most {max} bytes ({what})"),
        )
        .into_response();
    }
    next.run(request).await
}

async fn rate_limit(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| state.proxies.client(c.0.ip(), request.headers()));
    if let Some(client) = client
        && !state.limiter.allow(client)
    {
        let mut response = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::RateLimited,
            format!(
                "more than {} requests per second from {client}; slow down and retry",
                state.limiter.limit().per_second
            ),
        )
        .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        return response;
    }
    next.run(request).await
}
