//! Caching of finalized answers. A certificate, a business or a proof bundle is the same for
//! the same URL as long as the finalized head is: such answers carry an `ETag` naming the head
//! (its height and hash) and a short `Cache-Control`, so a reverse proxy or CDN in front of
//! the node can serve them, and a client that sends the tag back (`If-None-Match`) gets a
//! `304 Not Modified` without the node reading or proving anything.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use hengxin_primitives::Header;

use super::state::ApiState;

/// How long a cache may serve an answer before it asks again: a finalized answer stays true
/// of its height, and a few seconds behind the head is what a reader can live with.
pub const MAX_AGE_S: u32 = 2;

/// The tag of every answer made at `head`.
fn etag(head: &Header) -> HeaderValue {
    let hash = head.hash().to_hex();
    let tag = format!("\"{}-{}\"", head.height, &hash[..16]);
    HeaderValue::from_str(&tag).unwrap_or_else(|_| HeaderValue::from_static("\"\""))
}

/// Answers `304` when the client holds the answer for the current head; otherwise tags a
/// successful answer with that head, unless the head moved while it was made.
pub async fn finalized(State(state): State<ApiState>, request: Request, next: Next) -> Response {
    let Ok(before) = state.head() else {
        return next.run(request).await;
    };
    let tag = etag(&before);
    let held = request
        .headers()
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == tag || t.trim() == "*");
    if held {
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, tag)]).into_response();
    }
    let mut response = next.run(request).await;
    let unmoved = state.head().is_ok_and(|after| after == before);
    if response.status() == StatusCode::OK && unmoved {
        let headers = response.headers_mut();
        headers.insert(header::ETAG, tag);
        let control = format!("public, max-age={MAX_AGE_S}");
        if let Ok(value) = HeaderValue::from_str(&control) {
            headers.insert(header::CACHE_CONTROL, value);
        }
    }
    response
}
