//! The verify page in a real browser: Debian's Chromium, headless, against a `--dev` node.
//! Each case loads `/verify?…`, lets the page fetch and verify the bundle in WASM, and reads the
//! verdict from the rendered DOM. Screenshots at a phone's width (360 px) of an authentic, a
//! revoked and a tampered certificate and of a business go to `target/test-artifacts/`.

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use hengxin_chain_spec::demo;
use hengxin_primitives::{CertNumber, Hash, LabCode};
use hengxin_tests::{DevNode, get_json};

use crate::cluster::{SERIAL, anchor, bytes};

fn chromium() -> PathBuf {
    let found = std::env::var_os("CHROMIUM").map(PathBuf::from).or_else(|| {
        ["chromium", "chromium-browser"].iter().find_map(|name| {
            std::env::var_os("PATH").and_then(|path| {
                std::env::split_paths(&path)
                    .map(|dir| dir.join(name))
                    .find(|p| p.exists())
            })
        })
    });
    found.expect("Chromium is needed for the verify page's tests: apt-get install chromium")
}

/// Runs headless Chromium on `url` with `extra` flags, within 90 s; its output.
pub(crate) fn run_chromium(url: &str, extra: &[&str]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    let mut child = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--no-first-run",
            "--hide-scrollbars",
            "--virtual-time-budget=30000",
        ])
        .args(extra)
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(90) {
            let _ = child.kill();
            panic!("Chromium did not finish loading {url} in 90 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    child.wait_with_output().unwrap()
}

/// Runs one of the page's Playwright drivers (`wasm-verifier/web/tests/SCRIPT`, on Node.js, with
/// playwright-core from the page's npm lockfile driving Debian's Chromium) with `args`; the JSON
/// line it prints.
pub(crate) fn drive(script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    drive_from("wasm-verifier/web/tests", script, args)
}

/// Runs the Playwright driver `DIR/SCRIPT` (DIR from the workspace's root) with `args`; the
/// JSON line it prints.
pub(crate) fn drive_from(dir: &str, script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    assert!(
        root.join("wasm-verifier/web/node_modules/playwright-core")
            .exists(),
        "the page's npm packages are missing: run `npm ci --prefix wasm-verifier/web`"
    );
    let output = Command::new("node")
        .arg(root.join(dir).join(script))
        .args(args)
        .env("CHROMIUM", chromium())
        .output()
        .expect("Node.js runs the page's drivers");
    assert!(
        output.status.success(),
        "{script} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("{script}: {e}: {}", String::from_utf8_lossy(&output.stdout)))
}

/// Where screenshots go: `target/test-artifacts/`.
pub(crate) fn artifacts() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let target = exe.ancestors().nth(3).unwrap().to_path_buf();
    let dir = target.join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A screenshot of `url` as a 360-px-wide phone shows it, saved as `name`.png in the test
/// artifacts; its path.
pub(crate) fn phone_screenshot(url: &str, name: &str) -> PathBuf {
    let path = artifacts().join(format!("{name}.png"));
    let _ = std::fs::remove_file(&path);
    run_chromium(
        url,
        &[
            &format!("--screenshot={}", path.display()),
            "--window-size=360,2400",
        ],
    );
    let png = std::fs::read(&path).unwrap_or_else(|e| panic!("no screenshot of {url}: {e}"));
    assert_eq!(&png[1..4], b"PNG", "{}", path.display());
    let width = u32::from_be_bytes(png[16..20].try_into().unwrap());
    assert_eq!(width, 360, "{}: a phone's width", path.display());
    path
}

/// Loads `url` in headless Chromium and returns the verdict's `data-status` and the DOM.
pub(crate) fn verdict(url: &str) -> (String, String) {
    let output = run_chromium(url, &["--dump-dom"]);
    let dom = String::from_utf8_lossy(&output.stdout).into_owned();
    let at = dom
        .find("id=\"verdict\"")
        .unwrap_or_else(|| panic!("no #verdict in the page at {url}:\n{dom}"));
    let tag_end = at + dom[at..].find('>').unwrap();
    let tag = &dom[..tag_end];
    let tag = &tag[tag.rfind('<').unwrap()..];
    let status = tag
        .split("data-status=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or_default()
        .to_string();
    (status, dom)
}

#[test]
fn the_verify_page_gives_each_verdict_in_a_real_browser() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    let record = get_json(&format!(
        "{}/v1/certificates/CQJL/{}",
        node.url,
        demo::CERT_VALID
    ))
    .unwrap();
    let prefix = &record["document_hash"].as_str().unwrap()[..16];
    let valid = format!("{page}?c=CQJL/{}&h={prefix}", demo::CERT_VALID);

    let (status, dom) = verdict(&valid);
    assert_eq!(status, "authentic", "{dom}");
    assert!(dom.contains("id=\"steps\""), "{dom}");
    assert!(dom.contains("真实有效"), "Chinese first: {dom}");
    // Where it is recognised, computed in the page from the proven 川渝 agreement.
    assert!(dom.contains("<dd>CQ, SC</dd>"), "{dom}");
    // Kind, category and conclusion by name, Chinese first; procedure, model, serial, maker.
    for shown in [
        "<dd>检定证书 Verification certificate</dd>",
        "<dd>热学 Thermal</dd>",
        "<dd>合格 Pass</dd>",
        "<dd>JJG 130-2011</dd>",
        "<dd>重庆示范仪表厂</dd>",
        &format!("<dd>SN-{}</dd>", demo::CERT_VALID),
        "(北京时间) · ",
        " 分钟前 · ",
        // The chain, link by link: CQJL's working standard through SCJL's calibration, then
        // SCJL's standard through the NMI's certificate.
        "→ CQJL/GZ-THE-001 [工作计量标准 Working standard] ← SCJL/SCJL-2026-JZ-0001 ✓ 溯源继续 continues",
        "[社会公用计量标准 Social public standard] ← 中国计量科学研究院 NIM WDj2025-00012 ✓",
    ] {
        assert!(dom.contains(shown), "{shown} in {dom}");
    }

    let (status, dom) = verdict(&format!("{page}?c=CQJL/{}", demo::CERT_REVOKED));
    assert_eq!(status, "revoked", "{dom}");
    // On a phone: authentic, revoked and tampered, as screenshots to look at.
    phone_screenshot(&valid, "verify-authentic-360");
    phone_screenshot(
        &format!("{page}?c=CQJL/{}", demo::CERT_REVOKED),
        "verify-revoked-360",
    );
    phone_screenshot(
        &format!("{page}?c=CQJL/{}&h=0123456789abcdef", demo::CERT_VALID),
        "verify-tampered-360",
    );
    let (status, dom) = verdict(&format!(
        "{page}?c=CQJL/{}&h=0123456789abcdef",
        demo::CERT_VALID
    ));
    assert_eq!(status, "tampered", "{dom}");
    let (status, dom) = verdict(&format!("{page}?c=CQJL/NO%20SUCH%2F1"));
    assert_eq!(status, "unknown", "{dom}");
    // No certificate named: the page asks for a file (integrity_page.rs picks one).
    let (status, dom) = verdict(&page);
    assert_eq!(status, "pending", "{dom}");
    assert!(dom.contains("请选择文件"), "{dom}");
    let (status, dom) = verdict(&format!("{page}?c=NOSLASH"));
    assert_eq!(status, "error", "{dom}");

    // Offline: the node given is unreachable, the stapled proof still verifies.
    let bundle = get_json(&format!(
        "{}/v1/certificates/CQJL/{}/proof",
        node.url,
        demo::CERT_VALID
    ))
    .unwrap()["bundle"]
        .as_str()
        .unwrap()
        .to_string();
    let offline = format!("{valid}&node=http://127.0.0.1:9#p={bundle}");
    let (status, dom) = verdict(&offline);
    assert_eq!(status, "authentic", "{dom}");
    assert!(dom.contains("offline"), "{dom}");
    // A stapled proof with one byte changed proves nothing.
    let mut forged = bundle.into_bytes();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let (status, dom) = verdict(&format!("{valid}&node=http://127.0.0.1:9#p={forged}"));
    assert!(
        status == "tampered" || status == "error",
        "a forged stapled proof is never authentic: {status}\n{dom}"
    );
}

/// A certificate number may hold what URLs treat specially (`/ # ? & % +`, spaces, Chinese and
/// full-width text): the lab's QR code still opens a page that finds and verifies it.
#[test]
fn a_certificate_numbered_with_url_characters_verifies_from_its_qr_code() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let genesis = Hash::from_hex(
        get_json(&format!("{}/v1/health", node.url)).unwrap()["genesis_hash"]
            .as_str()
            .unwrap(),
    )
    .unwrap();
    let lab = demo::test_key("lab-cq");
    let number = "A/B #1?x=2&y=100% +校准 ＣＱ　２０２６";
    let tx = anchor(genesis, &lab, 0, number);
    let mut response = hengxin_tests::agent()
        .post(format!("{}/v1/transactions", node.url))
        .header("content-type", "application/octet-stream")
        .send(&bytes(&tx))
        .unwrap();
    assert_eq!(
        response.status().as_u16(),
        202,
        "{:?}",
        response.body_mut().read_to_string()
    );
    let status = format!("{}/v1/transactions/{}", node.url, tx.hash());
    hengxin_tests::wait_until("the anchor finalized", Duration::from_secs(60), || {
        get_json(&status).is_some_and(|s| s["status"] == "finalized")
    });
    let number: CertNumber = number.parse().unwrap();
    let document = demo::test_scheme().hash(number.as_str().as_bytes());
    let lab_code: LabCode = "CQJL".parse().unwrap();
    let url = hengxin_client::qr::verify_url(&node.url, &lab_code, &number, &document, None);
    let (status, dom) = verdict(&url);
    assert_eq!(status, "authentic", "{url}\n{dom}");
}

/// The value of attribute `name` on the element with id `id` in `dom`.
pub(crate) fn attribute(dom: &str, id: &str, name: &str) -> Option<String> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let start = dom[..at].rfind('<')?;
    let tag = &dom[start..at + dom[at..].find('>')?];
    let value = tag.split(&format!("{name}=\"")).nth(1)?;
    Some(value.split('"').next()?.to_string())
}

/// The text of the element with id `id` in `dom`.
pub(crate) fn text_of(dom: &str, id: &str) -> Option<String> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let open = at + dom[at..].find('>')? + 1;
    let close = open + dom[open..].find('<')?;
    Some(dom[open..close].to_string())
}

/// A node stand-in that answers every request with a business bundle with one byte changed.
fn hostile_node(bundle: String) -> String {
    let mut forged = bundle.into_bytes();
    let middle = forged.len() / 2;
    forged[middle] = if forged[middle] == b'A' { b'B' } else { b'A' };
    let body = format!(
        "{{\"bundle\":\"{}\",\"height\":1}}",
        String::from_utf8(forged).unwrap()
    );
    node_answering(body)
}

/// A node stand-in on loopback that answers every request with `body` (JSON, open to any
/// page); its address.
pub(crate) fn node_answering(body: String) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        use std::io::{Read, Write};
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\
                 access-control-allow-origin: *\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn a_business_s_wall_sign_shows_the_grade_the_page_computed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    let open = |code: &str| verdict(&format!("{page}?b={code}"));

    phone_screenshot(
        &format!("{page}?b={}", demo::BUSINESS_CQ),
        "verify-business-360",
    );
    let (status, dom) = open(demo::BUSINESS_CQ);
    assert_eq!(status, "authentic", "{dom}");
    assert_eq!(
        attribute(&dom, "grade", "data-grade").as_deref(),
        Some("A"),
        "{dom}"
    );
    assert_eq!(text_of(&dom, "score").as_deref(), Some("100"), "{dom}");
    assert!(dom.contains("渝中示范加油站"), "{dom}");
    assert!(
        dom.contains("<dd>加油站 Gas station</dd>"),
        "the type by name: {dom}"
    );
    let (status, dom) = open(demo::BUSINESS_SC);
    assert_eq!(status, "authentic", "{dom}");
    assert_eq!(
        attribute(&dom, "grade", "data-grade").as_deref(),
        Some("B"),
        "{dom}"
    );
    let (status, dom) = open("91350100M000100Y43");
    assert_eq!(status, "unknown", "{dom}");

    // An inspector records a V3 with its evidence (the CLI waits for finality): the page
    // computes D.
    let evidence = node.path("evidence.jpg");
    std::fs::write(&evidence, b"a photo of the tampered dispenser").unwrap();
    let recorded = Command::new(hengxin_tests::workspace_bin("hengxin"))
        .args(["--node", &node.url, "credit", "record", "--key"])
        .arg(node.path("keys/inspector-cq.key"))
        .args([demo::BUSINESS_CQ, "V3", "--evidence"])
        .arg(&evidence)
        .env("XDG_CONFIG_HOME", node.path("config"))
        .output()
        .unwrap();
    assert!(
        recorded.status.success(),
        "{}",
        String::from_utf8_lossy(&recorded.stderr)
    );
    let (status, dom) = open(demo::BUSINESS_CQ);
    assert_eq!(status, "authentic", "{dom}");
    assert_eq!(
        attribute(&dom, "grade", "data-grade").as_deref(),
        Some("D"),
        "{dom}"
    );
    assert_eq!(text_of(&dom, "score").as_deref(), Some("60"), "{dom}");

    // A node that bends the bundle gets `tampered`, never a grade.
    let bundle = get_json(&format!(
        "{}/v1/businesses/{}/proof",
        node.url,
        demo::BUSINESS_CQ
    ))
    .unwrap()["bundle"]
        .as_str()
        .unwrap()
        .to_string();
    let hostile = hostile_node(bundle);
    let (status, dom) = verdict(&format!("{page}?b={}&node={hostile}", demo::BUSINESS_CQ));
    assert!(status == "tampered" || status == "error", "{status}\n{dom}");
    assert_eq!(
        attribute(&dom, "grade", "data-grade"),
        None,
        "no grade: {dom}"
    );
}
