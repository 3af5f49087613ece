//! The `hengxin` CLI against a real `hengxin-node --dev`: keys, anchoring a real DCC file,
//! verifying it (authentic, tampered copy, revoked, unknown, unreachable), trust pinning.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::process::Command;

use hengxin_primitives::Date;
use hengxin_tests::{DevNode, now_ms};

use common::{code, demo_key, hengxin, run_cli, stderr, stdout};

const DCC: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/fixtures/dcc/dcc_gp_temperature_typical_v12.xml"
);

#[test]
fn a_lab_anchors_a_dcc_and_an_inspector_verifies_it() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let lab_key = node.path("keys/lab-cq.key");
    let lab_key = lab_key.to_str().unwrap();
    let trust = node.path("trust.json");
    let trust = trust.to_str().unwrap();
    let run = |args: &[&str]| hengxin(&node.url, config.path(), args);

    // The demo key file as --dev wrote it.
    let shown = run(&["--json", "key", "show", lab_key]);
    assert_eq!(code(&shown), 0, "{}", stderr(&shown));
    let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(
        (shown["role"].as_str(), shown["lab"].as_str()),
        (Some("lab_key"), Some("CQJL"))
    );

    // A DCC: number, dates and item come from the XML; the hash is over its exact bytes.
    let dcc = work.path().join("certificate.xml");
    std::fs::copy(DCC, &dcc).unwrap();
    let dcc = dcc.to_str().unwrap();
    let anchored = run(&[
        "cert",
        "anchor",
        "--key",
        lab_key,
        "--dcc",
        dcc,
        "--category",
        "THE",
    ]);
    assert_eq!(code(&anchored), 0, "{}", stderr(&anchored));
    assert_eq!(
        stdout(&anchored).trim(),
        "CQJL/GP_DCC_temperature_typical_1.2"
    );
    let shown = run(&[
        "--json",
        "cert",
        "show",
        "CQJL/GP_DCC_temperature_typical_1.2",
    ]);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["calibration_date"], "1957-08-13");
    assert_eq!(shown["item"], "Temperature sensor");
    assert_eq!(shown["kind"], "calibration");

    // The same file again, under another number: a document anchors once.
    let again = run(&[
        "cert",
        "anchor",
        "--key",
        lab_key,
        "--dcc",
        dcc,
        "--category",
        "THE",
        "--number",
        "GP COPY",
    ]);
    assert_eq!(code(&again), 1, "{}", stderr(&again));
    assert!(
        stderr(&again).contains("CQJL/GP_DCC_temperature_typical_1.2"),
        "names who holds it: {}",
        stderr(&again)
    );

    // Any file, with the fields as flags and a number holding a space and a slash.
    let pdf = work.path().join("certificate.pdf");
    std::fs::write(&pdf, b"%PDF-1.7\n% a certificate as a PDF\n").unwrap();
    let pdf = pdf.to_str().unwrap();
    let today = Date::from_unix_ms_cst(now_ms());
    let (calibrated, until) = (today.to_iso(), today.add_months(12).to_iso());
    let anchored = run(&[
        "cert",
        "anchor",
        "--key",
        lab_key,
        "--file",
        pdf,
        "--number",
        "GP 2026/0001",
        "--kind",
        "verification",
        "--category",
        "THE",
        "--item",
        "温度传感器",
        "--instrument",
        "Temperature sensor",
        "--calibration-date",
        &calibrated,
        "--valid-until",
        &until,
    ]);
    assert_eq!(code(&anchored), 0, "{}", stderr(&anchored));
    assert_eq!(stdout(&anchored).trim(), "CQJL/GP 2026/0001");

    let verify = |extra: &[&str]| {
        let mut args = vec!["cert", "verify", "--trust", trust];
        args.extend_from_slice(extra);
        run(&args)
    };
    let authentic = verify(&["--file", pdf, "CQJL/GP 2026/0001"]);
    assert_eq!(
        code(&authentic),
        0,
        "{}{}",
        stdout(&authentic),
        stderr(&authentic)
    );
    // The verdict in the verify page's words, Chinese first.
    assert!(
        stdout(&authentic).contains(": 真实有效 · Authentic and current"),
        "{}",
        stdout(&authentic)
    );

    // One byte changed: the document is not the anchored one.
    let mut bytes = std::fs::read(dcc).unwrap();
    let at = bytes.len() / 2;
    bytes[at] ^= 0x20;
    let tampered = work.path().join("tampered.xml");
    std::fs::write(&tampered, bytes).unwrap();
    let result = verify(&[
        "--file",
        tampered.to_str().unwrap(),
        "CQJL/GP_DCC_temperature_typical_1.2",
    ]);
    assert_eq!(code(&result), 10, "{}", stdout(&result));

    // The QR code a lab prints decodes back to the verify URL, with the hash prefix.
    let png = work.path().join("qr.png");
    let qr = run(&[
        "cert",
        "qr",
        "CQJL/GP 2026/0001",
        "--out",
        png.to_str().unwrap(),
    ]);
    assert_eq!(code(&qr), 0, "{}", stderr(&qr));
    let url = stdout(&qr).trim().to_string();
    let hash = hengxin_chain_spec::demo::test_scheme()
        .hash(&std::fs::read(pdf).unwrap())
        .to_hex();
    assert_eq!(
        url,
        format!(
            "{}/verify?c=CQJL/GP%202026%2F0001&h={}",
            node.url,
            &hash[..16]
        )
    );
    let decoded = hengxin_client::qr::decode_png(&std::fs::read(&png).unwrap());
    assert_eq!(decoded.as_deref(), Some(url.as_str()));
    let offline = work.path().join("offline.svg");
    let qr = run(&[
        "cert",
        "qr",
        "CQJL/GP 2026/0001",
        "--offline",
        "--out",
        offline.to_str().unwrap(),
    ]);
    assert_eq!(code(&qr), 0, "{}", stderr(&qr));
    assert!(stdout(&qr).contains("#p="));

    let result = verify(&["CQJL/NO SUCH/1"]);
    assert_eq!(code(&result), 14, "{}", stdout(&result));

    let shown = run(&["--json", "cert", "show", "CQJL/GP 2026/0001"]);
    let shown: serde_json::Value = serde_json::from_str(&stdout(&shown)).unwrap();
    assert_eq!(shown["status"], "valid");

    // A corrected certificate supersedes the flag-anchored one.
    let corrected = work.path().join("corrected.xml");
    std::fs::write(&corrected, b"<corrected/>").unwrap();
    let superseded = run(&[
        "cert",
        "supersede",
        "CQJL/GP 2026/0001",
        "--key",
        lab_key,
        "--file",
        corrected.to_str().unwrap(),
        "--number",
        "GP 2026/0001-R1",
        "--kind",
        "verification",
        "--category",
        "THE",
        "--item",
        "温度传感器",
        "--calibration-date",
        &calibrated,
        "--valid-until",
        &until,
    ]);
    assert_eq!(code(&superseded), 0, "{}", stderr(&superseded));
    let result = verify(&["--file", pdf, "CQJL/GP 2026/0001"]);
    assert_eq!(code(&result), 12, "{}", stdout(&result));
    assert!(
        stdout(&result).contains("被证书 GP 2026/0001-R1 替代"),
        "says which certificate replaced it: {}",
        stdout(&result)
    );

    // Revoked by the lab: verification says so.
    let revoked = run(&[
        "cert",
        "revoke",
        "--key",
        lab_key,
        "CQJL/GP_DCC_temperature_typical_1.2",
        "--reason",
        "测试撤销",
    ]);
    assert_eq!(code(&revoked), 0, "{}", stderr(&revoked));
    let result = verify(&["--file", dcc, "CQJL/GP_DCC_temperature_typical_1.2"]);
    assert_eq!(code(&result), 11, "{}", stdout(&result));
    assert!(
        stdout(&result).contains("撤销，原因：测试撤销"),
        "says why, when and who: {}",
        stdout(&result)
    );
    // Its file cannot come back under another number.
    let laundered = run(&[
        "cert",
        "anchor",
        "--key",
        node.path("keys/lab-sc.key").to_str().unwrap(),
        "--dcc",
        dcc,
        "--category",
        "THE",
        "--number",
        "GP_DCC_temperature_typical_1.2",
    ]);
    assert_eq!(code(&laundered), 1, "{}", stderr(&laundered));
    assert!(
        stderr(&laundered).contains("certificates.duplicate_document")
            || stderr(&laundered).contains("只能上链一次"),
        "{}",
        stderr(&laundered)
    );
    let history = run(&[
        "--json",
        "cert",
        "history",
        "CQJL/GP_DCC_temperature_typical_1.2",
    ]);
    let history: serde_json::Value = serde_json::from_str(&stdout(&history)).unwrap();
    let changes: Vec<_> = history
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["change"].clone())
        .collect();
    assert_eq!(changes, ["anchored", "revoked"]);
    let history = run(&["--json", "cert", "history", "CQJL/GP 2026/0001"]);
    let history: serde_json::Value = serde_json::from_str(&stdout(&history)).unwrap();
    assert_eq!(history[1]["change"], "superseded_by");
    assert_eq!(history[1]["other"], "GP 2026/0001-R1");

    // Another lab's key cannot revoke CQJL's certificates: the node's refusal is the error.
    let other = run(&[
        "cert",
        "revoke",
        "--key",
        node.path("keys/lab-sc.key").to_str().unwrap(),
        "CQJL/CQJL-2026-JD-0001",
        "--reason",
        "not mine",
    ]);
    assert_eq!(code(&other), 1);
    assert!(
        stderr(&other).contains("certificates."),
        "{}",
        stderr(&other)
    );
}

#[test]
fn without_a_trust_file_the_first_contact_is_pinned_and_a_dead_node_is_15() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let certificate = format!("CQJL/{}", hengxin_chain_spec::demo::CERT_VALID);
    let first = hengxin(&node.url, config.path(), &["cert", "verify", &certificate]);
    assert_eq!(code(&first), 0, "{}", stderr(&first));
    assert!(stderr(&first).contains("pinning"), "{}", stderr(&first));
    assert!(config.path().join("hengxin/pins.json").exists());
    let second = hengxin(&node.url, config.path(), &["cert", "verify", &certificate]);
    assert_eq!(code(&second), 0);
    assert!(!stderr(&second).contains("warning"), "{}", stderr(&second));

    // Another chain at the same address is refused.
    let pins = config.path().join("hengxin/pins.json");
    let text = std::fs::read_to_string(&pins).unwrap();
    let genesis =
        hengxin_tests::get_json(&format!("{}/v1/health", node.url)).unwrap()["genesis_hash"]
            .as_str()
            .unwrap()
            .to_string();
    std::fs::write(&pins, text.replace(&genesis, &"ab".repeat(32))).unwrap();
    let other = hengxin(&node.url, config.path(), &["cert", "verify", &certificate]);
    assert_eq!(code(&other), 10, "{}", stderr(&other));
    assert!(stderr(&other).contains("pinned"), "{}", stderr(&other));

    let dead = hengxin(
        "http://127.0.0.1:9",
        config.path(),
        &["cert", "verify", &certificate],
    );
    assert_eq!(code(&dead), 15, "{}", stderr(&dead));
    let usage = hengxin(&node.url, config.path(), &["cert", "verify", "no-slash"]);
    assert_eq!(code(&usage), 2);
}

#[test]
fn regulators_manage_labs_businesses_and_validators_and_proofs_follow_the_hand_off() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);
    let key = |name: &str| demo_key(&node, name);
    let (regulator_cq, regulator_sc) = (key("regulator-cq"), key("regulator-sc"));

    // A new lab with a fresh key, registered by the CQ regulator.
    let new_key = work.path().join("cqjz.key");
    let new_key = new_key.to_str().unwrap();
    let (status, _, err) = run(&["key", "new", "--out", new_key]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = run(&["key", "new", "--out", new_key]);
    assert_eq!(status, 1, "a key file is never overwritten");
    assert!(err.contains("exists"), "{err}");
    let (status, out, err) = run(&[
        "lab",
        "register",
        "--key",
        &regulator_cq,
        "--code",
        "CQJZ",
        "--name",
        "重庆市示范计量站",
        "--region",
        "CQ",
        "--kind",
        "authorized",
        "--scope",
        "MEC:压力表@2030-12-31",
        "--lab-key",
        new_key,
    ]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("registered lab CQJZ"), "{out}");
    let today = Date::from_unix_ms_cst(now_ms());
    // Each certificate its own document: a document anchors once.
    let anchor = |number: &str| {
        let document = work.path().join(format!("{number}.pdf"));
        std::fs::write(
            &document,
            format!("%PDF-1.4 pressure gauge certificate {number}"),
        )
        .unwrap();
        run(&[
            "cert",
            "anchor",
            "--key",
            new_key,
            "--file",
            document.to_str().unwrap(),
            "--number",
            number,
            "--kind",
            "verification",
            "--category",
            "MEC",
            "--item",
            "压力表",
            "--instrument",
            "一般压力表",
            "--calibration-date",
            &today.to_iso(),
            "--valid-until",
            &today.add_months(6).to_iso(),
        ])
    };
    let (status, out, err) = anchor("CQJZ-1");
    assert_eq!((status, out.trim()), (0, "CQJZ/CQJZ-1"), "{err}");

    // Suspended, it cannot anchor; reinstated, it can.
    let (status, _, err) = run(&[
        "lab",
        "suspend",
        "--key",
        &regulator_cq,
        "CQJZ",
        "--reason",
        "复查",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = anchor("CQJZ-2");
    assert_eq!(status, 1);
    assert!(err.contains("certificates.lab_suspended"), "{err}");
    let (status, _, err) = run(&[
        "lab",
        "reinstate",
        "--key",
        &regulator_cq,
        "CQJZ",
        "--reason",
        "整改完成",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = anchor("CQJZ-2");
    assert_eq!(status, 0, "{err}");
    // The SC regulator may not act for a CQ lab.
    let (status, _, err) = run(&[
        "lab",
        "suspend",
        "--key",
        &regulator_sc,
        "CQJZ",
        "--reason",
        "x",
    ]);
    assert_eq!(status, 1);
    assert!(err.contains("membership."), "{err}");

    // A business, registered and shown.
    let (status, _, err) = run(&[
        "business",
        "register",
        "--key",
        &regulator_sc,
        "91510104MA6CJ2Q4R3X",
        "--name",
        "x",
        "--region",
        "SC",
        "--type",
        "market",
    ]);
    assert_eq!(status, 2, "a malformed credit code is a usage error: {err}");
    let (status, out, _) = run(&["--json", "business", "show", "91500103MA60K7LX03"]);
    assert_eq!(status, 0);
    assert!(out.contains("\"region\": \"CQ\""), "{out}");

    // Both regions approve a new validator set (the same validator, more power): the set
    // changes, the chain goes on, and a fresh proof carries the hand-off and still verifies.
    let validator = key("validator");
    let (status, out, err) = run(&[
        "--json",
        "validator",
        "propose",
        "--key",
        &regulator_cq,
        "--validator",
        &format!("{validator}:2"),
    ]);
    assert_eq!(status, 0, "{err}");
    let proposed: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        proposed["proposal"]["approved_by"],
        serde_json::json!(["CQ"])
    );
    let id = proposed["proposal"]["id"].as_u64().unwrap();
    let (status, out, err) = run(&[
        "validator",
        "approve",
        "--key",
        &regulator_sc,
        &id.to_string(),
    ]);
    assert_eq!(status, 0, "{err}");
    let height: u64 = out
        .rsplit("height ")
        .next()
        .unwrap()
        .trim_end_matches([')', '\n'])
        .parse()
        .unwrap();
    hengxin_tests::wait_until(
        "blocks after the hand-off",
        // Three blocks of an idle dev chain: three heartbeats (10 s each).
        std::time::Duration::from_secs(90),
        || {
            hengxin_tests::get_json(&format!("{}/v1/health", node.url))
                .and_then(|h| h["height"].as_u64())
                .is_some_and(|h| h > height + 2)
        },
    );
    let trust = node.path("trust.json");
    let (status, out, err) = run(&[
        "--json",
        "cert",
        "verify",
        "--trust",
        trust.to_str().unwrap(),
        "--file",
        work.path().join("CQJZ-2.pdf").to_str().unwrap(),
        "CQJZ/CQJZ-2",
    ]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.contains("1 validator hand-offs"), "{out}");
}

#[test]
fn a_bulk_import_interrupted_half_way_resumes_and_anchors_each_certificate_once() {
    const COUNT: usize = 1_000;
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let lab_key = node.path("keys/lab-cq.key");
    let today = Date::from_unix_ms_cst(now_ms()).to_iso();
    let mut csv =
        String::from("file,number,kind,category,item,instrument,calibration_date,valid_until\n");
    for i in 0..COUNT {
        let file = format!("doc-{i:04}.txt");
        std::fs::write(work.path().join(&file), format!("certificate {i}\n")).unwrap();
        csv.push_str(&format!(
            "{file},BULK/{i:04},verification,MEC,压力表,一般压力表,{today},2099-12-31\n"
        ));
    }
    let source = work.path().join("batch.csv");
    std::fs::write(&source, csv).unwrap();
    let nonce = || {
        let lab =
            hengxin_primitives::files::read_key_file(&std::fs::read_to_string(&lab_key).unwrap())
                .unwrap();
        hengxin_tests::get_json(&format!(
            "{}/v1/accounts/{}",
            node.url,
            lab.public().to_hex()
        ))
        .and_then(|a| a["nonce"].as_u64())
        .unwrap_or(0)
    };
    let before = nonce();
    let args = [
        "--node",
        &node.url,
        "--json",
        "cert",
        "import",
        "--key",
        lab_key.to_str().unwrap(),
        source.to_str().unwrap(),
    ];

    // Interrupted (kill -9) once some hundreds are anchored.
    let mut first = Command::new(env!("CARGO_BIN_EXE_hengxin"))
        .args(args)
        .env("XDG_CONFIG_HOME", config.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    hengxin_tests::wait_until(
        "part of the import",
        std::time::Duration::from_secs(120),
        || nonce() >= before + 300,
    );
    first.kill().unwrap();
    first.wait().unwrap();
    let partway = nonce() - before;
    assert!(
        partway < COUNT as u64,
        "interrupted before the end ({partway})"
    );

    // Run again: it resumes and finishes.
    let second = Command::new(env!("CARGO_BIN_EXE_hengxin"))
        .args(args)
        .env("XDG_CONFIG_HOME", config.path())
        .output()
        .unwrap();
    assert_eq!(code(&second), 0, "{}", stderr(&second));
    let summary: serde_json::Value = serde_json::from_str(&stdout(&second)).unwrap();
    assert_eq!(summary["failed"], serde_json::json!([]));
    assert_eq!(summary["unsettled"], 0);
    assert_eq!(
        summary["anchored"].as_u64().unwrap() + summary["already"].as_u64().unwrap(),
        COUNT as u64
    );
    // Each certificate exactly once: the lab's nonce rose by the count of anchors, and every
    // number is on the ledger with its own document.
    assert_eq!(nonce() - before, COUNT as u64);
    for i in [0, 1, COUNT / 2, COUNT - 1] {
        let c =
            hengxin_tests::get_json(&format!("{}/v1/certificates/CQJL/BULK%2F{i:04}", node.url))
                .unwrap();
        let expected = hengxin_chain_spec::demo::test_scheme()
            .hash(format!("certificate {i}\n").as_bytes())
            .to_hex();
        assert_eq!(
            c["document_hash"].as_str(),
            Some(expected.as_str()),
            "BULK/{i:04}"
        );
    }
}

#[test]
fn an_encrypted_key_signs_only_with_its_passphrase() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let path = work.path().join("inspector.key");
    let path = path.to_str().unwrap();
    let with = |passphrase: &str, args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_hengxin"))
            .args(["--node", &node.url])
            .args(args)
            .env("XDG_CONFIG_HOME", config.path())
            .env("HENGXIN_PASSPHRASE", passphrase)
            .output()
            .unwrap()
    };
    let made = with(
        "巴山夜雨 long enough",
        &["--json", "key", "new", "--encrypt", "--out", path],
    );
    assert_eq!(code(&made), 0, "{}", stderr(&made));
    let made: serde_json::Value = serde_json::from_str(&stdout(&made)).unwrap();
    let text = std::fs::read_to_string(path).unwrap();
    assert!(
        text.contains("xchacha20poly1305") && !text.contains("secret_key"),
        "{text}"
    );
    // The public key shows without the passphrase; signing needs it.
    let shown = hengxin(&node.url, config.path(), &["--json", "key", "show", path]);
    assert_eq!(code(&shown), 0, "{}", stderr(&shown));
    assert!(stdout(&shown).contains(made["public_key"].as_str().unwrap()));
    let regulator = node.path("keys/regulator-cq.key");
    let add = |passphrase: &str| {
        with(
            passphrase,
            &[
                "inspector",
                "add",
                "--key",
                regulator.to_str().unwrap(),
                "--public-key",
                path,
                "--region",
                "CQ",
                "--name",
                "李四",
            ],
        )
    };
    let added = add("");
    assert_eq!(code(&added), 0, "{}", stderr(&added));
    let revoke = |passphrase: &str| {
        with(
            passphrase,
            &[
                "cert",
                "revoke",
                "--key",
                path,
                "CQJL/CQJL-2026-JD-0001",
                "--reason",
                "x",
            ],
        )
    };
    let wrong = revoke("not the passphrase");
    assert_eq!(code(&wrong), 1);
    assert!(
        stderr(&wrong).contains("wrong passphrase"),
        "{}",
        stderr(&wrong)
    );
    // With the right passphrase it signs: an inspector may not revoke, and the chain says so.
    let refused = revoke("巴山夜雨 long enough");
    assert_eq!(code(&refused), 1);
    assert!(
        stderr(&refused).contains("certificates."),
        "{}",
        stderr(&refused)
    );
}

#[test]
fn regulators_agree_on_recognition_and_certificates_follow_it() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);
    let key = |name: &str| demo_key(&node, name);
    let (regulator_cq, regulator_sc, lab_cq) =
        (key("regulator-cq"), key("regulator-sc"), key("lab-cq"));
    let today = Date::from_unix_ms_cst(now_ms()).to_string();

    // The demo's 川渝 agreement does not cover calibration certificates.
    let anchor = |number: &str| {
        let document = work.path().join(format!("{number}.pdf"));
        std::fs::write(&document, format!("calibration certificate {number}")).unwrap();
        run(&[
            "cert",
            "anchor",
            "--key",
            &lab_cq,
            "--file",
            document.to_str().unwrap(),
            "--number",
            number,
            "--kind",
            "calibration",
            "--category",
            "THE",
            "--item",
            "温度计",
            "--calibration-date",
            &today,
        ])
    };
    let recognized = |number: &str| {
        let (status, out, err) = run(&["--json", "cert", "show", &format!("CQJL/{number}")]);
        assert_eq!(status, 0, "{err}");
        let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
        shown["recognized_in"].clone()
    };
    let (status, _, err) = anchor("CAL-1");
    assert_eq!(status, 0, "{err}");
    assert_eq!(recognized("CAL-1"), serde_json::json!(["CQ"]));

    // CQ proposes one for thermal calibration; a lab cannot accept it, SC's regulator does.
    let (status, out, err) = run(&[
        "agreement",
        "propose",
        "--key",
        &regulator_cq,
        "--partner",
        "SC",
        "--kind",
        "calibration",
        "--category",
        "THE",
        "--from",
        &today,
    ]);
    assert_eq!(status, 0, "{err}");
    let id = out.lines().last().unwrap().trim().to_string();
    assert_eq!(id, "2", "{out}");
    let (status, _, err) = run(&["agreement", "accept", "--key", &lab_cq, &id]);
    assert_eq!(status, 1);
    assert!(err.contains("recognition.not_regulator"), "{err}");
    let (status, _, err) = run(&["agreement", "accept", "--key", &regulator_sc, &id]);
    assert_eq!(status, 0, "{err}");
    let (status, out, _) = run(&["--json", "agreement", "list"]);
    assert_eq!(status, 0);
    let list: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(list["agreements"][1]["status"], "in_force");
    assert_eq!(
        list["agreements"][1]["regions"],
        serde_json::json!(["CQ", "SC"])
    );

    // Issued while it is in force: recognised in SC too (judged on the issue date).
    let (status, _, err) = anchor("CAL-2");
    assert_eq!(status, 0, "{err}");
    assert_eq!(recognized("CAL-2"), serde_json::json!(["CQ", "SC"]));
    // A kind that is not a word is a usage error.
    let (status, _, err) = run(&[
        "agreement",
        "propose",
        "--key",
        &regulator_cq,
        "--partner",
        "SC",
        "--kind",
        "certificate",
        "--from",
        &today,
    ]);
    assert_eq!(status, 2, "{err}");
    assert!(err.contains("verification, calibration, notice"), "{err}");
}

#[test]
fn a_business_s_grade_is_verified_and_follows_its_records() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);
    let key = |name: &str| demo_key(&node, name);
    let trust = node.path("trust.json");
    let trust = trust.to_str().unwrap();
    let cq = "91500103MA60K7LX03";
    let (status, out, err) = run(&["credit", "show", "--trust", trust, cq]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("A (score 100"), "{out}");
    let (status, out, _) = run(&[
        "--json",
        "credit",
        "show",
        "--trust",
        trust,
        "91510104MA6CJ2Q4R3",
    ]);
    assert_eq!(status, 0);
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        (shown["grade"].as_str(), shown["score"].as_i64()),
        (Some("B"), Some(100))
    );

    // A business cannot rate itself; an inspector of its region records a V3 with evidence.
    let (status, _, err) = run(&["credit", "record", "--key", &key("business-cq"), cq, "P2"]);
    assert_eq!(status, 1);
    assert!(err.contains("credit.not_inspector_or_regulator"), "{err}");
    let evidence = work.path().join("photo.jpg");
    std::fs::write(&evidence, b"a photo of a tampered dispenser").unwrap();
    let (status, _, err) = run(&[
        "credit",
        "record",
        "--key",
        &key("inspector-cq"),
        cq,
        "V3",
        "--evidence",
        evidence.to_str().unwrap(),
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, out, err) = run(&["credit", "show", "--trust", trust, cq]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("D (score 60"), "{out}");
    // Too early to repair a V3; the node answers the same grade as the proof.
    let (status, _, err) = run(&[
        "credit",
        "repair",
        "apply",
        "--key",
        &key("business-cq"),
        cq,
        "0",
    ]);
    assert_eq!(status, 1);
    assert!(err.contains("credit.repair_too_early"), "{err}");
    let business = hengxin_tests::get_json(&format!("{}/v1/businesses/{cq}", node.url)).unwrap();
    assert_eq!(
        (business["grade"].as_str(), business["score"].as_i64()),
        (Some("D"), Some(60))
    );
    assert_eq!(business["records"][0]["code"], "V3");
    assert_eq!(business["records"][0]["state"], "counting");

    // Unknown, unreachable, and the sign for the wall.
    let (status, _, _) = run(&["credit", "show", "--trust", trust, "91350100M000100Y43"]);
    assert_eq!(status, 14);
    let dead = hengxin(
        "http://127.0.0.1:9",
        config.path(),
        &["credit", "show", "--trust", trust, cq],
    );
    assert_eq!(code(&dead), 15, "{}", stderr(&dead));
    let png = work.path().join("sign.png");
    let (status, out, err) = run(&["credit", "qr", cq, "--out", png.to_str().unwrap()]);
    assert_eq!(status, 0, "{err}");
    assert!(out.trim().ends_with(&format!("/verify?b={cq}")), "{out}");
}

#[test]
fn a_trust_file_is_advanced_to_the_set_proven_from_it() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let trust = node.path("trust.json");
    let advanced = work.path().join("advanced.json");
    let advance = |from: &std::path::Path, out: &std::path::Path| {
        run_cli(
            &node,
            config.path(),
            &[
                "validator",
                "trust",
                "--trust",
                from.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
        )
    };
    let (status, out, err) = advance(&trust, &advanced);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains("the same set as before"), "{out}");
    let (chain, anchor) =
        hengxin_primitives::files::read_trust_file(&std::fs::read_to_string(&advanced).unwrap())
            .unwrap();
    let (old_chain, old) =
        hengxin_primitives::files::read_trust_file(&std::fs::read_to_string(&trust).unwrap())
            .unwrap();
    assert_eq!((chain, anchor), (old_chain, old));
    // The advanced file verifies certificates; it is never overwritten.
    let (status, _, err) = run_cli(
        &node,
        config.path(),
        &[
            "cert",
            "verify",
            "--trust",
            advanced.to_str().unwrap(),
            &format!("CQJL/{}", hengxin_chain_spec::demo::CERT_VALID),
        ],
    );
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = advance(&trust, &advanced);
    assert_eq!(status, 2, "{err}");
    // A trust file of another chain: the node's proof does not hold from it.
    let other = work.path().join("other.json");
    let text = std::fs::read_to_string(&trust).unwrap();
    let genesis = text
        .split("\"genesis_hash\": \"")
        .nth(1)
        .and_then(|rest| rest.get(..64))
        .unwrap()
        .to_string();
    std::fs::write(&other, text.replace(&genesis, &"ab".repeat(32))).unwrap();
    let (status, _, err) = advance(&other, &work.path().join("x.json"));
    assert_eq!(status, 10, "{err}");
}
