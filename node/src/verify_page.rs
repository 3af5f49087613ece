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

/// The page's inline style, as the policy names it by hash.
fn inline_style() -> &'static str {
    INDEX
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map_or("", |(style, _)| style)
}

/// The page's Content-Security-Policy: scripts only from this origin and no `eval` (WebAssembly
/// may be compiled), its one inline style by hash, fetches to this origin and to the nodes a
/// reader may point it at (`&node=`: over https, or on loopback), no plugins, forms or base
/// URL, never framed.
pub fn content_security_policy() -> &'static str {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| {
        let style = base64::engine::general_purpose::STANDARD
            .encode(hengxin_primitives::crypto::sha256(inline_style().as_bytes()).0);
        format!(
            "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'sha256-{style}'; \
             img-src 'self' data:; connect-src 'self' https: http://127.0.0.1:* \
             http://localhost:*; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        )
    })
}

fn asset(content_type: &'static str, body: impl IntoResponse) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
        ],
        body,
    )
        .into_response();
    if let Ok(policy) = HeaderValue::from_str(content_security_policy()) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    response
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

#[cfg(test)]
mod tests {
    /// The page's budget: an inspector on a 4G connection at a market stall.
    const WASM_BUDGET_BYTES: usize = 150 * 1024;

    #[test]
    fn the_verifier_stays_within_its_size_budget() {
        assert!(
            super::WASM.len() <= WASM_BUDGET_BYTES,
            "the verifier's wasm is {} bytes, over its budget of {WASM_BUDGET_BYTES}: find what \
             grew with `twiggy top` on the wasm-target build under OUT_DIR",
            super::WASM.len()
        );
    }
}
