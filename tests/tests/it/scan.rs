//! Scanning from the verify page (扫码): a QR code made by `hengxin cert qr`, chosen on the page
//! as a photo or shown to Chromium's fake camera after a tap on Scan (Debian's Chromium, driven
//! by playwright-core from the page's npm lockfile), decoded by the page's bundled jsQR (Chromium
//! on Linux has no BarcodeDetector), opens that certificate's verdict; a code that is not a
//! hengxin verify address is refused with a message.

use std::path::Path;
use std::process::Command;

use hengxin_chain_spec::demo;
use hengxin_tests::{DevNode, workspace_bin};

use crate::browser::drive;
use crate::cluster::SERIAL;

/// Chooses `photo` on the page at `url`, or (`camera`) taps Scan with Chromium's fake camera
/// showing it; what the page showed (`url`, `status`, `message`).
fn scan(url: &str, photo: &Path, camera: bool) -> serde_json::Value {
    if camera {
        let video = photo.with_extension("y4m");
        std::fs::write(&video, y4m(photo)).unwrap();
        drive(
            "scan.mjs",
            &[url.as_ref(), "camera".as_ref(), video.as_os_str()],
        )
    } else {
        drive(
            "scan.mjs",
            &[url.as_ref(), "photo".as_ref(), photo.as_os_str()],
        )
    }
}

/// A one-frame YUV4MPEG2 video of a PNG, in grey (Chromium's fake camera plays it in a loop).
fn y4m(png: &Path) -> Vec<u8> {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(png).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(
        info.bit_depth,
        png::BitDepth::Eight,
        "cert qr writes 8-bit PNGs"
    );
    // The first sample of a pixel: grey, or red (the codes are black on white).
    let channels = info.color_type.samples();
    // 4:2:0 wants even sides: a white margin makes them so.
    let (w, h) = (info.width as usize, info.height as usize);
    let (ew, eh) = (w.next_multiple_of(2), h.next_multiple_of(2));
    let mut video = format!("YUV4MPEG2 W{ew} H{eh} F10:1 Ip A1:1 C420jpeg\nFRAME\n").into_bytes();
    for y in 0..eh {
        for x in 0..ew {
            let at = (y * w + x) * channels;
            video.push(if x < w && y < h { pixels[at] } else { 255 });
        }
    }
    video.resize(video.len() + ew * eh / 2, 128);
    video
}

#[test]
fn a_certificate_s_qr_code_shown_to_the_camera_or_as_a_photo_opens_its_verdict() {
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
    for camera in [false, true] {
        let seen = scan(&start, &photo, camera);
        assert_eq!(seen["status"], "authentic", "camera {camera}: {seen}");
        let url = seen["url"].as_str().unwrap();
        assert!(
            url.contains(&format!("c=CQJL%2F{}", demo::CERT_VALID)),
            "{seen}"
        );
        assert!(
            url.contains("&h="),
            "the code's document hash comes along: {seen}"
        );
    }

    let other = dir.path().join("wifi.png");
    hengxin_client::qr::write("WIFI:S:market-stall;T:WPA;P:secret;;", &other).unwrap();
    let seen = scan(&start, &other, false);
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
