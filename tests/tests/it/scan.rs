//! Scanning from the verify page (扫码): a photo of a QR code made by `hengxin cert qr`, chosen
//! on the page in Debian's Chromium (driven by playwright-core from the page's npm lockfile),
//! decoded by the page's bundled jsQR (Chromium on Linux has no BarcodeDetector), opens that
//! certificate's verdict; a code that is not a hengxin verify address is refused with a message.

use std::path::Path;
use std::process::Command;

use hengxin_runtime::demo;
use hengxin_tests::{DevNode, workspace_bin};

use crate::browser::drive;
use crate::cluster::SERIAL;

/// Chooses `photo` on the page at `url`; what the page showed (`url`, `status`, `message`).
fn scan(url: &str, photo: &Path) -> serde_json::Value {
    drive("scan.mjs", &[url.as_ref(), photo.as_os_str()])
}

#[test]
fn a_photo_of_a_certificate_s_qr_code_opens_its_verdict() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let dir = tempfile::tempdir().unwrap();
    let photo = dir.path().join("valid.png");
    let made = Command::new(workspace_bin("hengxin"))
        .args(["--node", &node.url, "cert", "qr"])
        .arg(format!("CQJL/{}", demo::CERT_VALID))
        .arg("--out")
        .arg(&photo)
        .output()
        .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    // Opened on another certificate's verdict, the page scans the next one.
    let start = format!("{}/verify?c=CQJL/{}", node.url, demo::CERT_REVOKED);
    let seen = scan(&start, &photo);
    assert_eq!(seen["status"], "authentic", "{seen}");
    let url = seen["url"].as_str().unwrap();
    assert!(
        url.contains(&format!("c=CQJL%2F{}", demo::CERT_VALID)),
        "{seen}"
    );
    assert!(
        url.contains("&h="),
        "the code's document hash comes along: {seen}"
    );

    let other = dir.path().join("wifi.png");
    hengxin_client::qr::write("WIFI:S:market-stall;T:WPA;P:secret;;", &other).unwrap();
    let seen = scan(&start, &other);
    assert_eq!(
        seen["url"],
        start.as_str(),
        "nothing else is opened: {seen}"
    );
    assert!(
        seen["message"]
            .as_str()
            .unwrap()
            .contains("not a hengxin verify code"),
        "{seen}"
    );
}
