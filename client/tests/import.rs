//! `cert import` with a lab's day of certificates that has mistakes in it: it goes on past a
//! bad row, a repeated number and a repeated document (naming both), lists what it anchored,
//! and writes each one's QR code.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::run_cli;
use hengxin_primitives::Date;
use hengxin_tests::{DevNode, now_ms};

#[test]
fn an_import_goes_on_past_bad_rows_lists_what_it_anchored_and_writes_qr_codes() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let today = Date::from_unix_ms_cst(now_ms()).to_iso();
    for name in ["a.pdf", "b.pdf", "c.pdf", "e.pdf"] {
        std::fs::write(work.path().join(name), format!("certificate {name}\n")).unwrap();
    }
    let rows = [
        format!("a.pdf,IMP-A,verification,MEC,压力表,一般压力表,{today},2099-12-31"),
        format!("b.pdf,IMP-B,verification,MEC,压力表,一般压力表,{today},2099-02-30"),
        format!("c.pdf,IMP-A,verification,MEC,压力表,一般压力表,{today},2099-12-31"),
        format!("a.pdf,IMP-D,verification,MEC,压力表,一般压力表,{today},2099-12-31"),
        format!("e.pdf,IMP/E 1,verification,MEC,压力表,一般压力表,{today},2099-12-31"),
    ];
    let csv = format!(
        "file,number,kind,category,item,instrument,calibration_date,valid_until\n{}\n",
        rows.join("\n")
    );
    let source = work.path().join("day.csv");
    std::fs::write(&source, csv).unwrap();
    let qr = work.path().join("qr");
    let key = node.path("keys/lab-cq.key");
    let (status, out, err) = run_cli(
        &node,
        config.path(),
        &[
            "cert",
            "import",
            "--key",
            key.to_str().unwrap(),
            source.to_str().unwrap(),
            "--qr-dir",
            qr.to_str().unwrap(),
        ],
    );
    assert_eq!(status, 1, "something was skipped: {out}{err}");
    assert!(
        out.contains("✓ CQJL/IMP-A") && out.contains("✓ CQJL/IMP/E 1"),
        "{out}"
    );
    assert!(
        out.contains("line 3") && out.contains("2099-02-30"),
        "the bad date's row: {out}"
    );
    assert!(
        out.contains("line 4") && out.contains("line 2 (a.pdf)"),
        "the repeated number names both: {out}"
    );
    assert!(
        out.contains("line 5") && out.contains("same document"),
        "{out}"
    );
    assert!(out.contains("上链 2 份"), "{out}");
    for file in ["IMP-A.png", "IMP_E_1.png"] {
        let png = std::fs::read(qr.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(&png[1..4], b"PNG");
    }
    assert!(
        work.path().join("day.csv.hengxin-import.json").exists(),
        "the state is named as --help says"
    );
    // Both are on the ledger; the skipped ones are not.
    for (number, on) in [
        ("IMP-A", true),
        ("IMP%2FE%201", true),
        ("IMP-B", false),
        ("IMP-D", false),
    ] {
        let found = hengxin_tests::get_json(&format!("{}/v1/certificates/CQJL/{number}", node.url))
            .is_some_and(|c| c["number"].is_string());
        assert_eq!(found, on, "{number}");
    }
}
