//! The verify page (`/verify`), served with this node's trust anchor built in: the page's HTML
//! and script from `wasm-verifier/web/`, and the verifier's WASM with its JS glue, built by
//! `build.rs`.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hengxin_primitives::bundle::TrustAnchor;
use parity_scale_codec::Encode;

const INDEX: &str = include_str!("../../wasm-verifier/web/index.html");
const SCRIPT: &str = include_str!("../../wasm-verifier/web/verify.js");
const GLUE: &str = include_str!(concat!(env!("OUT_DIR"), "/verifier/hengxin_verifier.js"));
const WASM: &[u8] = include_bytes!(concat!(
    env!("OUT_DIR"),
    "/verifier/hengxin_verifier_bg.wasm"
));

/// The page's HTML, with `anchor` and the chain's name filled in.
pub fn index(anchor: &TrustAnchor, chain: &str) -> String {
    let anchor = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(anchor.encode());
    let chain: String = chain
        .chars()
        .filter(|c| c.is_alphanumeric() || "-_. ".contains(*c))
        .collect();
    INDEX
        .replace("{{TRUST_ANCHOR}}", &anchor)
        .replace("{{CHAIN}}", &chain)
}

fn asset(content_type: &'static str, body: impl IntoResponse) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
        ],
        body,
    )
        .into_response()
}

/// `/verify`.
pub fn page(html: String) -> Response {
    asset("text/html; charset=utf-8", html)
}

/// `/verify/{file}`: the page's script, the glue, the WASM; `None` for anything else.
pub fn file(name: &str) -> Option<Response> {
    match name {
        "verify.js" => Some(asset("text/javascript; charset=utf-8", SCRIPT)),
        "hengxin_verifier.js" => Some(asset("text/javascript; charset=utf-8", GLUE)),
        "hengxin_verifier_bg.wasm" => Some(asset("application/wasm", WASM)),
        _ => None,
    }
}
