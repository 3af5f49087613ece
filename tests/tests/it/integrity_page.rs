//! The verify page tells an inspector why, not only what, in a real browser: a revoked
//! certificate's reason, Beijing time and revoker (`#why`); a superseded one's successor as a
//! link to its own verification (`a#successor`); who signed a DCC or that a file is unsigned
//! (`#signer`); a business's name, region and type above its grade, the proof a small line
//! beside it; and, with no certificate named, which certificate a chosen file is, proven, or
//! the proof that none is.

use std::process::Command;

use hengxin_chain_spec::demo;
use hengxin_tests::{DevNode, now_ms};

use crate::browser::{attribute, drive, phone_screenshot, text_of, verdict};
use crate::cluster::SERIAL;

/// `hengxin ARGS…` against `node` (the CLI waits for finality); its standard output.
fn hengxin(node: &DevNode, args: &[&str]) -> String {
    let output = Command::new(hengxin_tests::workspace_bin("hengxin"))
        .args(["--node", &node.url])
        .args(args)
        .env("XDG_CONFIG_HOME", node.path("config"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "hengxin {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn a_revoked_or_superseded_certificate_says_why_and_links_its_successor() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    let revoked = format!("{page}?c=CQJL/{}", demo::CERT_REVOKED);
    let (status, dom) = verdict(&revoked);
    assert_eq!(status, "revoked", "{dom}");
    let why = text_of(&dom, "why").unwrap_or_default();
    for said in ["录入错误", "(北京时间)", "由 CQJL "] {
        assert!(why.contains(said), "#why says {said}: {why}");
    }
    assert!(
        text_of(&dom, "signer").is_some_and(|s| s.contains("unsigned")),
        "{dom}"
    );
    phone_screenshot(&revoked, "verify-revoked-why-360");

    // CQJL supersedes its valid certificate: the page links the successor's own verification.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corrected.pdf");
    std::fs::write(&file, b"%PDF-1.7 corrected").unwrap();
    let today = hengxin_primitives::Date::from_unix_ms_cst(now_ms());
    let lab_key = node.path("keys/lab-cq.key");
    hengxin(
        &node,
        &[
            "cert",
            "supersede",
            &format!("CQJL/{}", demo::CERT_VALID),
            "--key",
            lab_key.to_str().unwrap(),
            "--file",
            file.to_str().unwrap(),
            "--number",
            "CQJL-2026-JD-0001 修订/1",
            "--kind",
            "verification",
            "--category",
            "THE",
            "--item",
            "温度计",
            "--calibration-date",
            &today.to_iso(),
            "--valid-until",
            &today.add_months(12).to_iso(),
        ],
    );
    let (status, dom) = verdict(&format!("{page}?c=CQJL/{}", demo::CERT_VALID));
    assert_eq!(status, "superseded", "{dom}");
    let href = attribute(&dom, "successor", "href").unwrap_or_else(|| panic!("{dom}"));
    assert!(href.starts_with("?c=CQJL%2FCQJL-2026-JD-0001"), "{href}");
    let (status, dom) = verdict(&format!("{page}{}", href.replace("&amp;", "&")));
    assert_eq!(
        status, "authentic",
        "the link opens the successor's check: {dom}"
    );
}

#[test]
fn a_business_page_leads_with_whose_grade_it_is() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let url = format!("{}/verify?b={}", node.url, demo::BUSINESS_SC);
    let (status, dom) = verdict(&url);
    assert_eq!(status, "authentic", "{dom}");
    let name = text_of(&dom, "subject-name").unwrap_or_default();
    assert_eq!(name, "锦江农贸市场", "{dom}");
    let meta = text_of(&dom, "subject-meta").unwrap_or_default();
    assert!(meta.starts_with("SC · "), "{meta}");
    // The name comes first, then the grade, then the proof's small status line.
    let at = |id: &str| dom.find(&format!("id=\"{id}\"")).unwrap();
    assert!(
        at("subject") < at("grade") && at("grade") < at("verdict"),
        "{dom}"
    );
    assert!(dom.contains("class=\"business\""), "{dom}");
    phone_screenshot(&url, "verify-business-lead-360");
}

#[test]
fn with_no_certificate_named_a_chosen_file_is_found_or_proven_to_be_none() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    let dir = tempfile::tempdir().unwrap();
    let held = dir.path().join("certificate.pdf");
    std::fs::write(&held, demo::document("CQJL", demo::CERT_VALID)).unwrap();
    let report = drive("document.mjs", &[page.as_ref(), held.as_os_str()]);
    assert_eq!(report["status"], "authentic", "{report}");
    let steps = report["steps"].to_string();
    assert!(
        steps.contains(&format!("这份文件是证书 CQJL/{}", demo::CERT_VALID)),
        "{steps}"
    );
    let stranger = dir.path().join("stranger.pdf");
    std::fs::write(&stranger, b"a certificate nobody anchored").unwrap();
    let report = drive("document.mjs", &[page.as_ref(), stranger.as_os_str()]);
    assert_eq!(report["status"], "unknown", "{report}");
    assert!(
        report["verdict"]
            .as_str()
            .is_some_and(|v| v.contains("账本上没有任何证书是这份文件")),
        "{report}"
    );
}

#[test]
fn a_signed_dcc_shows_who_signed_it() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/dcc-signed");
    let lab_key = node.path("keys/lab-cq.key");
    let lab_key = lab_key.to_str().unwrap();
    let signer = fixtures.join("signer.crt");
    hengxin(
        &node,
        &[
            "lab",
            "dcc-cert",
            "add",
            "--key",
            lab_key,
            "--cert",
            signer.to_str().unwrap(),
        ],
    );
    let dcc = fixtures.join("dcc_gp_temperature_typical_v12_signed.xml");
    let anchored = hengxin(
        &node,
        &[
            "cert",
            "anchor",
            "--key",
            lab_key,
            "--dcc",
            dcc.to_str().unwrap(),
            "--category",
            "THE",
        ],
    );
    let certificate = anchored.trim().to_string();
    let url = format!(
        "{}/verify?c={}",
        node.url,
        certificate.replace('/', "%2F").replacen("%2F", "/", 1)
    );
    let (status, dom) = verdict(&url);
    assert_eq!(status, "authentic", "{dom}");
    let signed_by = text_of(&dom, "signer").unwrap_or_default();
    assert!(
        signed_by.contains("CN=Calibration Lab A1"),
        "#signer names the registered certificate's subject: {signed_by}"
    );
}

#[test]
fn with_no_qr_code_a_person_types_a_number_a_credit_code_or_an_instrument_id() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    let typed = |text: &str| drive("lookup.mjs", &[page.as_ref(), text.as_ref()]);
    let report = typed(&format!("cqjl/{}", demo::CERT_VALID));
    assert_eq!(report["status"], "authentic", "{report}");
    assert!(
        report["url"].as_str().unwrap().contains("c=CQJL/"),
        "{report}"
    );
    let report = typed(" 91510104ma6cj2q4r3 ");
    assert_eq!(
        report["status"], "authentic",
        "a lowercase credit code: {report}"
    );
    let report = typed("cq-3");
    assert_eq!(report["instrument"], "overdue", "{report}");
    let report = typed("CQ-999");
    assert_eq!(
        report["status"], "unknown",
        "proven never registered: {report}"
    );
}
