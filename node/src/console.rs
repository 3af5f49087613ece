//! The supervision platform (`/console`): its page, script, style and Apache ECharts (from
//! `node/console/`, the charts from its npm lockfile, copied by `build.rs`), served by every
//! node under a content-security policy; `export` writes it as static files for any web server,
//! with the nodes it asks listed in it.

use axum::response::{IntoResponse, Response};

use crate::verify_page::{node_url, origin, page_file};

const INDEX: &str = include_str!("../console/index.html");
const SCRIPT: &str = include_str!("../console/console.js");
const STYLE: &str = include_str!("../console/console.css");
/// Apache ECharts from `node/console/node_modules` (npm's lockfile), copied by `build.rs`.
const CHARTS: &str = include_str!(concat!(env!("OUT_DIR"), "/console/echarts.min.js"));

/// The console's files besides its HTML: names, types, bytes.
const FILES: [(&str, &str, &str); 3] = [
    ("console.js", "text/javascript; charset=utf-8", SCRIPT),
    ("console.css", "text/css; charset=utf-8", STYLE),
    ("echarts.min.js", "text/javascript; charset=utf-8", CHARTS),
];

/// The policy: scripts and styles from its origin (ECharts sets inline styles on what it
/// draws, so styles may be inline; scripts may not), fetches to its origin and `connect`, the
/// filter form to itself, never framed (`framed_never`: only a header can say so).
fn policy(connect: &str, framed_never: bool) -> String {
    let frames = if framed_never {
        "; frame-ancestors 'none'"
    } else {
        ""
    };
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data: blob:; connect-src 'self' {connect}; base-uri 'none'; \
         form-action 'self'{frames}"
    )
}

fn html(nodes: &[String], files: &str, policy: &str) -> String {
    INDEX
        .replace("{{NODES}}", &nodes.join(" "))
        .replace("{{FILES}}", files)
        .replace("{{POLICY}}", policy)
}

fn asset(content_type: &'static str, cache: &'static str, body: impl IntoResponse) -> Response {
    static POLICY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    page_file(
        content_type,
        cache,
        POLICY.get_or_init(|| policy("", true)),
        body,
    )
}

/// `/console`: its files under `console/`, figures from the node that served it.
pub fn page() -> Response {
    static PAGE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let page = PAGE.get_or_init(|| html(&[], "console/", ""));
    asset("text/html; charset=utf-8", "no-cache", page.clone())
}

/// `/console/{file}`; `None` for a file it does not have. The files change only with the node,
/// so a browser keeps them an hour (ECharts is a megabyte).
pub fn file(name: &str) -> Option<Response> {
    let (_, content_type, text) = FILES.iter().find(|(n, _, _)| *n == name)?;
    Some(asset(content_type, "public, max-age=3600", *text))
}

/// Writes the console as static files under `out/console/` (`index.html` and its files),
/// asking `nodes` in turn for its figures. Each file is written whole or not at all.
pub fn export(nodes: &[String], out: &std::path::Path) -> Result<Vec<std::path::PathBuf>, String> {
    let nodes = nodes
        .iter()
        .map(|n| node_url(n.trim()))
        .collect::<Result<Vec<_>, _>>()?;
    let connect: Vec<&str> = nodes.iter().map(|n| origin(n)).collect();
    let meta = format!(
        "<meta http-equiv=\"Content-Security-Policy\" content=\"{}\">",
        policy(&connect.join(" "), false)
    );
    let dir = out.join("console");
    let io = |e: std::io::Error| format!("writing {}: {e}", dir.display());
    std::fs::create_dir_all(&dir).map_err(io)?;
    let page = html(&nodes, "./", &meta);
    let mut written = Vec::new();
    let files = FILES.iter().map(|(name, _, text)| (*name, *text));
    for (name, text) in std::iter::once(("index.html", page.as_str())).chain(files) {
        let path = dir.join(name);
        let partial = dir.join(format!(".{name}.partial"));
        std::fs::write(&partial, text).map_err(io)?;
        std::fs::rename(&partial, &path).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}
