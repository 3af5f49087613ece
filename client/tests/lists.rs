//! A regulator's lists on a dev node: labs, a lab's certificates, a standard, inspectors and
//! businesses, as tables and as CSV that parses, with the spellings people type.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::run_cli;
use hengxin_tests::DevNode;

fn csv_rows(text: &str) -> (Vec<String>, Vec<Vec<String>>) {
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let header = reader
        .headers()
        .unwrap()
        .iter()
        .map(str::to_owned)
        .collect();
    let rows = reader
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    (header, rows)
}

#[test]
fn a_regulator_lists_labs_certificates_standards_inspectors_and_businesses() {
    let node = DevNode::start();
    node.wait_indexed();
    let config = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);

    // Labs, with how many certificates each anchored: the count of its certificate list.
    let (status, out, err) = run(&["lab", "list", "--csv"]);
    assert_eq!(status, 0, "{err}");
    let (header, labs) = csv_rows(&out);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let cqjl = labs.iter().find(|l| l[column("code")] == "CQJL").unwrap();
    let (status, out, err) = run(&["lab", "certificates", "cqjl", "--csv"]);
    assert_eq!(status, 0, "{err}");
    let (cert_header, certificates) = csv_rows(&out);
    assert_eq!(cqjl[column("certificates")], certificates.len().to_string());
    let status_at = cert_header.iter().position(|h| h == "status").unwrap();
    assert!(
        certificates.iter().any(|c| c[status_at] == "revoked"),
        "{out}"
    );

    // By issue date: none before --from.
    let issued_at = cert_header.iter().position(|h| h == "issue_date").unwrap();
    let latest = certificates
        .iter()
        .map(|c| c[issued_at].clone())
        .max()
        .unwrap();
    let (_, out, _) = run(&["lab", "certificates", "CQJL", "--from", &latest, "--csv"]);
    let (_, recent) = csv_rows(&out);
    assert!(!recent.is_empty() && recent.len() < certificates.len());
    assert!(recent.iter().all(|c| c[issued_at] >= latest));

    // A cut list says so.
    let (status, out, err) = run(&["lab", "list", "--limit", "1"]);
    assert_eq!(status, 0);
    assert!(out.contains("1 家机构"), "{out}");
    assert!(err.contains("--limit"), "{err}");

    // The lab with its standard, and the standard itself.
    let (status, out, _) = run(&["lab", "show", "CQJL"]);
    assert_eq!(status, 0);
    assert!(
        out.contains("CQJL/GZ-THE-001") && out.contains("工作计量标准"),
        "{out}"
    );
    let (status, out, _) = run(&["standard", "show", "CQJL/GZ-THE-001"]);
    assert_eq!(status, 0);
    assert!(
        out.contains("溯源") && out.contains("SCJL/SCJL-2026-JZ-0001"),
        "{out}"
    );

    // Inspectors, the region typed in lowercase.
    let (status, out, _) = run(&["inspector", "list", "--region", "cq", "--csv"]);
    assert_eq!(status, 0);
    let (header, inspectors) = csv_rows(&out);
    assert_eq!(header, ["key", "name", "active"]);
    assert_eq!(inspectors.len(), 1);

    // Businesses by type named in Chinese; a credit code in lowercase.
    let (status, out, err) = run(&["business", "list", "--region", "CQ", "--type", "加油站"]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("渝中示范加油站"), "{out}");
    let (status, _, err) = run(&["business", "list", "--region", "CQ", "--type", "银行"]);
    assert_eq!(status, 2);
    assert!(
        err.contains("gas_station"),
        "the known types are listed: {err}"
    );
    let (status, out, _) = run(&["business", "show", "91500103ma60k7lx03"]);
    assert_eq!(status, 0);
    assert!(out.contains("渝中示范加油站"), "{out}");

    // A region that does not exist: named, with the ones that do; before anything is signed.
    let (status, _, err) = run(&["inspector", "list", "--region", "XZ"]);
    assert_ne!(status, 0);
    assert!(err.contains("CQ, SC"), "{err}");
    let regulator = common::demo_key(&node, "regulator-cq");
    let (status, _, err) = run(&[
        "business",
        "register",
        "--key",
        &regulator,
        "91500103MA60K7LX16",
        "--name",
        "测试",
        "--region",
        "xz",
        "--type",
        "market",
    ]);
    assert_eq!(status, 2, "{err}");
    assert!(
        err.contains("no region XZ") && err.contains("CQ, SC"),
        "{err}"
    );
}
