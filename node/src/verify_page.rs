//! The verify page (`/verify`), served with this node's trust anchor built in: the page's HTML
//! and script from `wasm-verifier/web/`, and the verifier's WASM with its JS glue, built by
//! `build.rs`. `export` writes the same page as static files for any web server, with the nodes
//! it asks listed in it.

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hengxin_primitives::bundle::TrustAnchor;
use parity_scale_codec::Encode;

const INDEX: &str = include_str!("../../wasm-verifier/web/index.html");
const SCRIPT: &str = include_str!("../../wasm-verifier/web/verify.js");
const SCAN: &str = include_str!("../../wasm-verifier/web/scan.js");
/// jsQR from `wasm-verifier/web/node_modules` (npm's lockfile), copied by `build.rs`.
const JSQR: &str = include_str!(concat!(env!("OUT_DIR"), "/verifier/jsqr.js"));
/// A wasm module's JS glue and bytes, as `build.rs` wrote them.
macro_rules! module {
    ($name:literal) => {
        (
            include_str!(concat!(env!("OUT_DIR"), "/verifier/", $name, ".js")),
            include_bytes!(concat!(env!("OUT_DIR"), "/verifier/", $name, "_bg.wasm")),
        )
    };
}

/// The page's wasm modules: certificates and files (`paper`), businesses and instruments
/// (`field`), for an ed25519-sha256 chain and (`_sm`) for an sm2-sm3 one.
const MODULES: [(&str, (&str, &[u8])); 4] = [
    ("hengxin_verifier", module!("hengxin_verifier")),
    ("hengxin_field", module!("hengxin_field")),
    ("hengxin_verifier_sm", module!("hengxin_verifier_sm")),
    ("hengxin_field_sm", module!("hengxin_field_sm")),
];

/// The page's files besides its HTML and modules: the names the page uses, their types, their
/// bytes.
const FILES: [(&str, &str, &[u8]); 3] = [
    (
        "verify.js",
        "text/javascript; charset=utf-8",
        SCRIPT.as_bytes(),
    ),
    ("scan.js", "text/javascript; charset=utf-8", SCAN.as_bytes()),
    ("jsqr.js", "text/javascript; charset=utf-8", JSQR.as_bytes()),
];

/// Every file of the page besides its HTML: [`FILES`], then each module's glue and wasm.
fn files() -> impl Iterator<Item = (String, &'static str, &'static [u8])> {
    let fixed = FILES
        .into_iter()
        .map(|(name, kind, bytes)| (name.to_string(), kind, bytes));
    let modules = MODULES.into_iter().flat_map(|(name, (glue, wasm))| {
        [
            (
                format!("{name}.js"),
                "text/javascript; charset=utf-8",
                glue.as_bytes(),
            ),
            (format!("{name}_bg.wasm"), "application/wasm", wasm),
        ]
    });
    fixed.chain(modules)
}

/// The page's HTML as this node serves it at `/verify`: its files under `verify/`, and proofs
/// from the node that served it (or `&node=`).
pub fn index(anchor: &TrustAnchor, chain: &str) -> String {
    html(anchor, chain, &[], "verify/", "")
}

/// Fills in the page: the trust anchor, the chain's name, the nodes to ask in turn (none: the
/// page's own origin), where its files are, and a policy `<meta>` for hosts that cannot send
/// the header.
fn html(anchor: &TrustAnchor, chain: &str, nodes: &[String], files: &str, policy: &str) -> String {
    let encoded = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(anchor.encode());
    // Bundles with the hand-offs from the anchor's set on (`?trust=`).
    let set = anchor.validators.hash().to_hex();
    let chain: String = chain
        .chars()
        .filter(|c| c.is_alphanumeric() || "-_. ".contains(*c))
        .collect();
    INDEX
        .replace("{{TRUST_SET}}", &set)
        .replace("{{TRUST_ANCHOR}}", &encoded)
        .replace("{{CHAIN}}", &chain)
        .replace("{{CRYPTO}}", anchor.scheme().name())
        .replace("{{NODES}}", &nodes.join(" "))
        .replace("{{FILES}}", files)
        .replace("{{POLICY}}", policy)
}

/// Checks a node address for the exported page: `http(s)://host[:port][/path]`, nothing that
/// could leave an HTML attribute or a policy; returned without a trailing `/`.
pub fn node_url(url: &str) -> Result<String, String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| format!("node `{url}` must start with https:// (or http://)"))?;
    let host = rest.split('/').next().unwrap_or_default();
    let allowed = |c: char| c.is_ascii_alphanumeric() || "-._~:/[]%".contains(c);
    if host.is_empty() || !rest.chars().all(allowed) {
        return Err(format!(
            "node `{url}` is not an address like https://node1.example.cn or \
             http://127.0.0.1:8686 (no query, fragment, spaces or quotes)"
        ));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// `scheme://host[:port]` of a checked node address.
pub(crate) fn origin(url: &str) -> &str {
    let start = url.find("://").map_or(0, |i| i + 3);
    url[start..]
        .find('/')
        .map_or(url, |end| &url[..start + end])
}

/// Writes the page as static files under `out/verify/` (`index.html` and its files), asking
/// `nodes` in turn for proofs: any web server that serves `out` serves the verify address
/// `<its base>/verify?c=…` a QR code holds. Each file is written whole or not at all.
pub fn export(
    anchor: &TrustAnchor,
    chain: &str,
    nodes: &[String],
    out: &std::path::Path,
) -> std::io::Result<Vec<std::path::PathBuf>> {
    let connect: Vec<&str> = nodes.iter().map(|n| origin(n)).collect();
    let policy = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        policy(&connect.join(" "), false)
    );
    let dir = out.join("verify");
    std::fs::create_dir_all(&dir)?;
    let page = html(anchor, chain, nodes, "./", &policy);
    let mut written = Vec::new();
    let files = files().map(|(name, _, bytes)| (name, bytes));
    let index = ("index.html".to_string(), page.as_bytes());
    for (name, bytes) in std::iter::once(index).chain(files) {
        let path = dir.join(&name);
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, bytes)?;
        std::fs::rename(&partial, &path)?;
        written.push(path);
    }
    Ok(written)
}

/// The page's inline style, as the policy names it by hash.
fn inline_style() -> &'static str {
    INDEX
        .split_once("<style>")
        .and_then(|(_, rest)| rest.split_once("</style>"))
        .map_or("", |(style, _)| style)
}

/// The node's page's Content-Security-Policy (see `policy`): fetches to this origin and to the
/// nodes a reader may point it at (`&node=`: over https, or on loopback), never framed.
pub fn content_security_policy() -> &'static str {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    POLICY.get_or_init(|| policy("https: http://127.0.0.1:* http://localhost:*", true))
}

/// The page's policy: scripts only from its origin and no `eval` (WebAssembly may be compiled),
/// its one inline style by hash, fetches only to its origin and `connect`, images from itself
/// (and a camera frame's `blob:`), no plugins, forms or base URL; `framed_never` adds
/// `frame-ancestors 'none'`, which only a header can carry.
fn policy(connect: &str, framed_never: bool) -> String {
    let style = base64::engine::general_purpose::STANDARD
        .encode(hengxin_primitives::crypto::sha256(inline_style().as_bytes()).0);
    let frames = if framed_never {
        "; frame-ancestors 'none'"
    } else {
        ""
    };
    format!(
        "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; style-src 'sha256-{style}'; \
         img-src 'self' data: blob:; media-src 'self' blob:; connect-src 'self' {connect}; \
         base-uri 'none'; form-action 'none'{frames}"
    )
}

fn asset(content_type: &'static str, body: impl IntoResponse) -> Response {
    page_file(content_type, "no-cache", content_security_policy(), body)
}

/// A page's file (the verify page's, the console's): its type, how long caches keep it, its
/// content-security policy, never sniffed, no referrer sent on.
pub(crate) fn page_file(
    content_type: &'static str,
    cache: &'static str,
    policy: &str,
    body: impl IntoResponse,
) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (header::CACHE_CONTROL, HeaderValue::from_static(cache)),
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
    if let Ok(policy) = HeaderValue::from_str(policy) {
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
    let (_, content_type, bytes) = files().find(|(n, _, _)| n == name)?;
    Some(asset(content_type, bytes))
}

#[cfg(test)]
mod tests {
    /// Each module's budget (DESIGN.md's target): an inspector on a 4G connection at a market
    /// stall downloads one of them.
    const WASM_BUDGET_BYTES: usize = 150 * 1024;

    #[test]
    fn node_addresses_are_checked_before_they_go_into_a_page() {
        use super::{node_url, origin};
        assert_eq!(
            node_url("https://node1.example.cn/").as_deref(),
            Ok("https://node1.example.cn")
        );
        assert_eq!(
            origin("https://x.example.cn:8443/api/v1"),
            "https://x.example.cn:8443"
        );
        assert_eq!(origin("http://127.0.0.1:8686"), "http://127.0.0.1:8686");
        for bad in [
            "node1.example.cn",
            "ftp://x.cn",
            "https://",
            "https://x.cn/\"><script>",
            "https://x.cn/?a=b",
            "https://x.cn/#p",
            "https://x.cn 'self'",
        ] {
            assert!(node_url(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn each_verifier_module_stays_within_its_size_budget() {
        for (module, (_, wasm)) in super::MODULES {
            assert!(
                wasm.len() <= WASM_BUDGET_BYTES,
                "the {module} wasm is {} bytes, over its budget of {WASM_BUDGET_BYTES}: is \
                 wasm-opt installed (Debian's binaryen; the build warns when it is not)? Else \
                 find what grew with `twiggy top` on the wasm-target build under OUT_DIR",
                wasm.len()
            );
        }
    }
}
