//! The verify page as a regulator hosts it: written by `hengxin-node export-page`, served by a
//! plain static file server (Python's `http.server`), asking a separate node for proofs: the
//! first listed node is down, so the page falls over to the second and says which answered.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use hengxin_chain_spec::demo;
use hengxin_tests::{DevNode, free_base_port, node_bin, wait_until};

use crate::browser::verdict;
use crate::cluster::SERIAL;

/// A static file server, stopped when dropped.
struct StaticServer(Child);

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn serve(dir: &std::path::Path) -> (StaticServer, String) {
    let port = free_base_port(&[0], 1);
    let child = Command::new("python3")
        .args([
            "-m",
            "http.server",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--directory",
        ])
        .arg(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("python3 serves the exported page: apt-get install python3");
    let server = StaticServer(child);
    let url = format!("http://127.0.0.1:{port}");
    wait_until(
        "the static server to answer",
        Duration::from_secs(20),
        || {
            hengxin_tests::agent()
                .get(format!("{url}/verify/index.html"))
                .call()
                .is_ok()
        },
    );
    (server, url)
}

fn export_page(
    trust: &std::path::Path,
    nodes: &str,
    out: &std::path::Path,
) -> std::process::Output {
    Command::new(node_bin())
        .arg("export-page")
        .arg("--trust")
        .arg(trust)
        .args(["--nodes", nodes])
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

#[test]
fn an_exported_page_on_a_static_server_verifies_against_a_separate_node() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let site = tempfile::tempdir().unwrap();
    // Nothing listens on the discard port: the page must pass over it.
    let down = "http://127.0.0.1:9";
    let written = export_page(
        &node.path("trust.json"),
        &format!("{down},{}", node.url),
        site.path(),
    );
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );

    let html = std::fs::read_to_string(site.path().join("verify/index.html")).unwrap();
    let policy = format!("connect-src 'self' {down} {}", node.url);
    assert!(
        html.contains("http-equiv=\"Content-Security-Policy\"") && html.contains(&policy),
        "the exported page carries its policy, limited to its nodes: {html}"
    );
    assert!(
        html.contains(&format!("content=\"{down} {}\"", node.url)),
        "{html}"
    );

    let (_server, site_url) = serve(site.path());
    let page = format!("{site_url}/verify?c=CQJL/{}", demo::CERT_VALID);
    let (status, dom) = verdict(&page);
    assert_eq!(status, "authentic", "{dom}");
    assert!(
        dom.contains(&format!("proof from {}", node.url)),
        "says which node answered: {dom}"
    );
    let (status, dom) = verdict(&format!("{site_url}/verify?c=CQJL/{}", demo::CERT_REVOKED));
    assert_eq!(status, "revoked", "{dom}");

    // Every node down, no stapled proof: an error naming each.
    let lonely = tempfile::tempdir().unwrap();
    assert!(
        export_page(&node.path("trust.json"), down, lonely.path())
            .status
            .success()
    );
    let (_lonely_server, lonely_url) = serve(lonely.path());
    let (status, dom) = verdict(&format!("{lonely_url}/verify?c=CQJL/{}", demo::CERT_VALID));
    assert_eq!(status, "error", "{dom}");
    assert!(dom.contains(down), "names the node that failed: {dom}");
}

#[test]
fn export_page_refuses_a_node_address_that_is_not_one() {
    let out = tempfile::tempdir().unwrap();
    let trust = out.path().join("trust.json");
    std::fs::write(&trust, "{}").unwrap();
    let bad = export_page(&trust, "http://127.0.0.1:1", out.path());
    assert!(
        !bad.status.success(),
        "a file that is not a trust file is refused"
    );
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("trust"),
        "{bad:?}"
    );
    assert!(!out.path().join("verify").exists(), "nothing written");
}
