//! `hengxin instrument` against a real `hengxin-node --dev`: an inspector scans a nozzle (the
//! exit status says whether it may be used), a lab lists what is due, verifies and seals it,
//! an owner registers, repairs break the verification, retirement ends it, and a node that
//! serves another instrument's proof is caught.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use hengxin_tests::{DevNode, get_json};

use common::{demo_key, run_cli};

/// A stand-in for the node at `upstream` that passes every request on, but answers the proof
/// of `asked` with the proof of `instead`.
fn swapping_proxy(upstream: String, asked: &'static str, instead: &'static str) -> String {
    common::stand_in(move |path| {
        let path = path.replace(
            &format!("/v1/instruments/{asked}/proof"),
            &format!("/v1/instruments/{instead}/proof"),
        );
        get_json(&format!("{upstream}{path}")).unwrap_or_default()
    })
}

fn today_plus_months(months: u32) -> String {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let today = hengxin_primitives::Date::from_unix_ms_cst(now_ms);
    hengxin_primitives::Date(today.add_months(months).0 - u32::from(months > 0)).to_string()
}

#[test]
fn an_inspector_scans_a_nozzle_and_a_lab_re_verifies_what_is_due() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);

    // The inspector's scan: may it be used?
    let (status, out, err) = run(&["instrument", "show", "CQ-1"]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.contains("合格 Verified"), "{out}");
    let (status, out, err) = run(&["instrument", "show", "CQ-3"]);
    assert_eq!(status, 17, "overdue: {out}{err}");
    assert!(
        out.contains("超期 Overdue") && out.contains("不得使用"),
        "{out}"
    );
    assert!(err.contains("may not be used"), "{err}");
    let (status, out, _) = run(&["instrument", "show", "CQ-4"]);
    assert_eq!(status, 17, "{out}");
    assert!(out.contains("检定结果通知书 CQJL/CQJL-CQ-4-JQ-02"), "{out}");
    let (status, out, _) = run(&["instrument", "show", "CQ-404"]);
    assert_eq!(status, 14, "never registered: {out}");
    assert!(out.contains("未登记"), "{out}");
    let (status, _, err) = run(&["instrument", "show", "CQ-01"]);
    assert_eq!(status, 2, "{err}");

    // The lab's round: what it verified last that is due, as CSV.
    let (status, out, err) = run(&[
        "instrument",
        "due",
        "--region",
        "CQ",
        "--lab",
        "CQJL",
        "--csv",
    ]);
    assert_eq!(status, 0, "{err}");
    let rows: Vec<&str> = out.lines().collect();
    assert_eq!(
        rows[0],
        "id,status,class,owner,division,site,manufacturer,serial,valid_until,lab"
    );
    assert!(rows[1].starts_with("CQ-2,due_soon,FUEL,"), "{out}");
    assert!(rows[2].starts_with("CQ-3,overdue,FUEL,"), "{out}");
    assert_eq!(rows.len(), 3, "{out}");

    // It verifies the overdue nozzle and seals it.
    let lab = demo_key(&node, "lab-cq");
    let document = node.path("CQ-3-verification.pdf");
    std::fs::write(&document, b"verification record of CQ-3").unwrap();
    let today = today_plus_months(0);
    let until = today_plus_months(6);
    let (status, out, err) = run(&[
        "cert",
        "anchor",
        "--key",
        &lab,
        "--file",
        document.to_str().unwrap(),
        "--number",
        "CQJL-2026-JQ-0303",
        "--kind",
        "verification",
        "--category",
        "MEC",
        "--item",
        "燃油加油机",
        "--calibration-date",
        &today,
        "--valid-until",
        &until,
        "--instrument-id",
        "CQ-3",
        "--seal",
        "计量器主板=QF-2026-0303",
    ]);
    assert_eq!(status, 0, "{out}{err}");
    let (status, out, _) = run(&["instrument", "show", "CQ-3"]);
    assert_eq!(status, 0, "verified again: {out}");
    assert!(
        out.contains("QF-2026-0303") && out.contains(&until),
        "{out}"
    );
    let (_, out, _) = run(&["instrument", "due", "--region", "CQ", "--csv"]);
    assert!(!out.contains("\nCQ-3,"), "no longer due: {out}");
    // The district's instruments that may not be used, compulsory ones only.
    let (status, out, err) = run(&[
        "instrument",
        "due",
        "--region",
        "CQ",
        "--division",
        "500103",
        "--compulsory",
        "--status",
        "overdue,failed,unverified",
        "--csv",
    ]);
    assert_eq!(status, 0, "{err}");
    let ids: Vec<&str> = out
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(ids, ["CQ-4", "CQ-5"], "{out}");
    let (status, _, err) = run(&["instrument", "due", "--region", "CQ", "--status", "broken"]);
    assert_eq!(status, 2, "{err}");

    // A serial that is not the instrument's: the wrong nozzle, refused before anything is sent.
    let (status, _, err) = run(&[
        "cert",
        "anchor",
        "--key",
        &lab,
        "--file",
        document.to_str().unwrap(),
        "--number",
        "CQJL-2026-JQ-0399",
        "--kind",
        "verification",
        "--category",
        "MEC",
        "--item",
        "燃油加油机",
        "--serial",
        "ZX-2301",
        "--calibration-date",
        &today,
        "--valid-until",
        &until,
        "--instrument-id",
        "CQ-3",
    ]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("ZX-2301") && err.contains("ZX-2303"), "{err}");
    let record = get_json(&format!(
        "{}/v1/certificates/CQJL/CQJL-2026-JQ-0303",
        node.url
    ))
    .unwrap();
    assert_eq!(
        record["instrument"]["serial"], "ZX-2303",
        "filled from the registration"
    );
    assert_eq!(record["for_instrument"]["id"], "CQ-3");

    // A longer 有效期至 than the class's period is refused, with its code.
    let other = node.path("CQ-3-again.pdf");
    std::fs::write(&other, b"another verification record of CQ-3").unwrap();
    let (status, _, err) = run(&[
        "cert",
        "anchor",
        "--key",
        &lab,
        "--file",
        other.to_str().unwrap(),
        "--number",
        "CQJL-2026-JQ-0304",
        "--kind",
        "verification",
        "--category",
        "MEC",
        "--item",
        "燃油加油机",
        "--calibration-date",
        &today,
        "--valid-until",
        &today_plus_months(7),
        "--instrument-id",
        "CQ-3",
    ]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("certificates.validity_beyond_period"), "{err}");

    // A node that answers with another instrument's proof is caught.
    let proxy = swapping_proxy(node.url.clone(), "CQ-4", "CQ-1");
    let output = common::hengxin(&proxy, config.path(), &["instrument", "show", "CQ-4"]);
    assert_eq!(common::code(&output), 10, "{}", common::stdout(&output));
}

#[test]
fn an_owner_registers_a_scale_and_repairs_and_retirement_show_in_its_status() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);
    let owner = demo_key(&node, "business-sc");
    let register = [
        "instrument",
        "register",
        "--key",
        &owner,
        "--class",
        "SCALE",
        "--owner",
        "91510104MA6CJ2Q4R3",
        "--division",
        "510104",
        "--site",
        "12号摊位",
        "--manufacturer",
        "上海友声衡器有限公司",
        "--model",
        "ACS-15",
        "--serial",
        "ACS-15-3312",
    ];
    let (status, out, err) = run(&register);
    assert_eq!(status, 0, "{err}");
    assert_eq!(
        out.lines().last(),
        Some("SC-3"),
        "the id on the last line: {out}"
    );
    let (status, _, err) = run(&register);
    assert_eq!(status, 1);
    assert!(
        err.contains("SC-3") && err.contains("instruments.duplicate"),
        "{err}"
    );
    let (status, out, _) = run(&["instrument", "show", "SC-3"]);
    assert_eq!(status, 17, "never verified: {out}");
    assert!(out.contains("待检"), "{out}");

    let lab = demo_key(&node, "lab-sc");
    let document = node.path("SC-3.pdf");
    std::fs::write(&document, b"verification of SC-3").unwrap();
    let today = today_plus_months(0);
    let (status, _, err) = run(&[
        "cert",
        "anchor",
        "--key",
        &lab,
        "--file",
        document.to_str().unwrap(),
        "--number",
        "SCJL-JQ-3312",
        "--kind",
        "verification",
        "--category",
        "MEC",
        "--item",
        "电子计价秤",
        "--calibration-date",
        &today,
        "--valid-until",
        &today_plus_months(12),
        "--instrument-id",
        "SC-3",
        "--seal",
        "主板=QF-1",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, _, _) = run(&["instrument", "show", "SC-3"]);
    assert_eq!(status, 0);

    // A repair the next day would be dated in the future: refused; a repair today is kept,
    // and the scale stays verified only if it was repaired on or before its verification day.
    let evidence = node.path("repair.txt");
    std::fs::write(&evidence, b"replaced the load cell").unwrap();
    let (status, _, err) = run(&[
        "instrument",
        "repair",
        "--key",
        &lab,
        "SC-3",
        "--date",
        &today,
        "--evidence",
        evidence.to_str().unwrap(),
        "--seal-broken",
        "主板=QF-1",
    ]);
    assert_eq!(status, 0, "{err}");
    let (_, out, _) = run(&["instrument", "show", "SC-3"]);
    assert!(out.contains("维修 Repaired: SCJL"), "{out}");
    let (status, _, err) = run(&[
        "instrument",
        "repair",
        "--key",
        &owner,
        "SC-3",
        "--date",
        &today,
        "--evidence",
        evidence.to_str().unwrap(),
    ]);
    assert_eq!(status, 1, "only a lab repairs");
    assert!(err.contains("instruments.not_active_lab"), "{err}");

    // Moved, then retired: nothing more happens to it.
    let (status, _, err) = run(&[
        "instrument",
        "move",
        "--key",
        &owner,
        "SC-3",
        "--division",
        "510105",
        "--site",
        "2号门",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = run(&[
        "instrument",
        "retire",
        "--key",
        &owner,
        "SC-3",
        "--reason",
        "损坏报废",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, out, _) = run(&["instrument", "show", "SC-3"]);
    assert_eq!(status, 17, "{out}");
    assert!(
        out.contains("已报废") && out.contains("510105 2号门"),
        "{out}"
    );
    let (status, _, err) = run(&[
        "instrument",
        "move",
        "--key",
        &owner,
        "SC-3",
        "--division",
        "510104",
        "--site",
        "x",
    ]);
    assert_eq!(status, 1);
    assert!(err.contains("instruments.retired"), "{err}");

    let png = node.path("SC-3.png");
    let (status, out, err) = run(&["instrument", "qr", "SC-3", "--out", png.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    assert!(out.trim().ends_with("/verify?i=SC-3"), "{out}");
    let decoded = hengxin_client::qr::decode_png(&std::fs::read(&png).unwrap()).unwrap();
    assert_eq!(decoded, out.trim());
}
