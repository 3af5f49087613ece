//! Signed DCCs through the CLI against a real `hengxin-node --dev`, as a lab meets them: a DCC
//! is anchored only when its own XAdES signature holds and its signer is a certificate the lab
//! registered and has not withdrawn; otherwise exit 16 names the check, and nothing is
//! submitted. The published pydcc fixtures and signatures made here with a fresh P-256 key.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "dcc_signature/common.rs"]
mod signing;

use common::{demo_key, run_cli};
use hengxin_tests::DevNode;
use signing::{Ca, Key, Options, sign_dcc, unix};

fn fixture(name: &str) -> String {
    format!("{}/../tests/fixtures/{name}", env!("CARGO_MANIFEST_DIR"))
}

const GENUINE: &str = "dcc-signed/dcc_gp_temperature_typical_v12_signed.xml";
const MANIPULATED: &str = "dcc-signed/dcc_gp_temperature_typical_v12_signed_manipulated.xml";
/// `openssl x509 -in signer.crt -outform DER | sha256sum`.
const SIGNER_FINGERPRINT: &str = "2d0dcb6661fa15af1d79177b6aaa062971a76d84c9d2f1523221b47e44775a2c";

#[test]
fn a_signed_dcc_anchors_only_when_its_signature_holds_and_its_lab_registered_the_signer() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let cli = |args: &[&str]| run_cli(&node, config.path(), args);
    let (cq, sc) = (demo_key(&node, "lab-cq"), demo_key(&node, "lab-sc"));
    let anchor = |key: &str, file: &str, extra: &[&str]| {
        let mut args = vec![
            "cert",
            "anchor",
            "--key",
            key,
            "--dcc",
            file,
            "--category",
            "THE",
        ];
        args.extend_from_slice(extra);
        cli(&args)
    };
    let (genuine, manipulated) = (fixture(GENUINE), fixture(MANIPULATED));

    // Signed by a certificate CQJL never registered: 16, naming the signer; nothing submitted.
    let (code, _, err) = anchor(&cq, &genuine, &[]);
    assert_eq!(code, 16, "{err}");
    assert!(
        err.contains("CN=Calibration Lab A1"),
        "names the signer: {err}"
    );
    assert!(err.contains("lab dcc-cert add"), "says what to do: {err}");
    let (code, _, _) = cli(&["cert", "show", "CQJL/GP_DCC_temperature_typical_1.2"]);
    assert_ne!(code, 0, "nothing was anchored");
    // Changed after signing: 16, naming the document's digest.
    let (code, _, err) = anchor(&cq, &manipulated, &[]);
    assert_eq!(code, 16, "{err}");
    assert!(err.contains("URI=\"\""), "names the reference: {err}");

    // CQJL registers the published signer certificate (PEM): the genuine file anchors.
    let (code, _, err) = cli(&[
        "lab",
        "dcc-cert",
        "add",
        "--key",
        &cq,
        "--cert",
        &fixture("dcc-signed/signer.crt"),
    ]);
    assert_eq!(code, 0, "{err}");
    let (_, shown, _) = cli(&["--json", "lab", "show", "CQJL"]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["dcc_certs"][0]["fingerprint"], SIGNER_FINGERPRINT);
    let (code, out, err) = anchor(&cq, &genuine, &[]);
    assert_eq!(code, 0, "{err}");
    let certificate = out.trim().to_string();
    let (_, shown, _) = cli(&["--json", "cert", "show", &certificate]);
    let shown: serde_json::Value = serde_json::from_str(&shown).unwrap();
    assert_eq!(shown["signer"]["fingerprint"], SIGNER_FINGERPRINT);
    assert!(
        shown["signer"]["subject"]
            .as_str()
            .is_some_and(|s| s.contains("Calibration Lab A1")),
        "{shown}"
    );
    // An inspector holding the genuine file: the proof holds, and so does its signature.
    let trust = node.path("trust.json");
    let trust = trust.to_str().unwrap();
    let (code, out, err) = cli(&[
        "cert",
        "verify",
        "--trust",
        trust,
        "--file",
        &genuine,
        &certificate,
    ]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("文件签名有效") && out.contains("Calibration Lab A1"),
        "{out}"
    );
    // A lab whose own client skipped the check anchored the manipulated twin as unsigned: the
    // CLI still refuses to call that file authentic.
    let forged = forge_unsigned_anchor(&node, "FORGED-1", &std::fs::read(&manipulated).unwrap());
    let (code, out, err) = cli(&[
        "cert",
        "verify",
        "--trust",
        trust,
        "--file",
        &manipulated,
        &forged,
    ]);
    assert_eq!(code, 10, "{out}{err}");
    assert!(err.contains("URI=\"\""), "names the failed digest: {err}");

    // The manipulated twin stays refused; SCJL, which registered nothing, cannot anchor a
    // file signed with CQJL's certificate.
    let (code, _, err) = anchor(&cq, &manipulated, &["--number", "M-1"]);
    assert_eq!(code, 16, "{err}");
    let (code, _, err) = anchor(&sc, &genuine, &["--number", "SC-COPY"]);
    assert_eq!(code, 16, "{err}");
    assert!(err.contains("SCJL"), "{err}");

    // A signature made here with a fresh P-256 key over an unsigned DCC.
    let (key, ca) = (Key::p256(), Ca::new());
    let cert = ca.issue(
        &key,
        "CN=CQJL DCC Signer,O=Chongqing Test Lab,C=CN",
        unix(2025, 1, 1),
        unix(2030, 1, 1),
        7,
    );
    let mut options = Options::new(&cert);
    options.signing_time = "2026-06-30T12:00:00+08:00";
    let unsigned = std::fs::read(fixture("dcc/dcc_gp_humidity_v1.0.xml")).unwrap();
    let fresh = work.path().join("humidity-signed.xml");
    std::fs::write(&fresh, sign_dcc(&unsigned, &key, &options)).unwrap();
    let fresh = fresh.to_str().unwrap();
    let (code, _, err) = anchor(&cq, fresh, &[]);
    assert_eq!(code, 16, "not registered yet: {err}");
    let der = work.path().join("fresh.der");
    std::fs::write(&der, &cert).unwrap();
    let (code, _, err) = cli(&[
        "lab",
        "dcc-cert",
        "add",
        "--key",
        &cq,
        "--cert",
        der.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let (code, _, err) = anchor(&cq, fresh, &[]);
    assert_eq!(code, 0, "{err}");

    // Withdrawn by the lab: the next file signed with it is refused, naming the withdrawal.
    let fingerprint = hengxin_primitives::crypto::sha256(&cert).to_hex();
    let (code, _, err) = cli(&["lab", "dcc-cert", "remove", "--key", &cq, &fingerprint]);
    assert_eq!(code, 0, "{err}");
    let unsigned = std::fs::read(fixture("dcc/dcc_gp_temperature_typical_v12.xml")).unwrap();
    let later = work.path().join("temperature-signed.xml");
    std::fs::write(&later, sign_dcc(&unsigned, &key, &options)).unwrap();
    let (code, _, err) = anchor(&cq, later.to_str().unwrap(), &["--number", "T-2"]);
    assert_eq!(code, 16, "{err}");
    assert!(err.contains("withdrew") && err.contains("撤回"), "{err}");

    // A day's import with one manipulated file among good ones: 16, naming that file, and
    // nothing of the batch submitted.
    let batch = work.path().join("batch");
    std::fs::create_dir(&batch).unwrap();
    let humidity = std::fs::read_to_string(fixture("dcc/dcc_gp_humidity_v1.0.xml")).unwrap();
    let good = humidity.replacen("Id 123456789 HtW", "BATCH-1", 1);
    std::fs::write(batch.join("a.xml"), good).unwrap();
    std::fs::copy(&manipulated, batch.join("b.xml")).unwrap();
    let (code, _, err) = cli(&[
        "cert",
        "import",
        "--key",
        &cq,
        batch.to_str().unwrap(),
        "--category",
        "THE",
    ]);
    assert_eq!(code, 16, "{err}");
    assert!(err.contains("b.xml"), "{err}");
    let (code, _, _) = cli(&["cert", "show", "CQJL/BATCH-1"]);
    assert_ne!(code, 0, "a.xml was not anchored either");
}

/// Anchors `document` as CQJL's unsigned certificate `number` through the client library,
/// as a lab's modified client could, skipping the CLI's signature check; `LAB/NUMBER`.
fn forge_unsigned_anchor(node: &DevNode, number: &str, document: &[u8]) -> String {
    use hengxin_chain_spec::demo;
    use hengxin_runtime::{Call, certificates};
    let client = hengxin_client::api::Client::new(&node.url);
    let genesis = client.health().unwrap().genesis_hash;
    let signer = hengxin_client::signer::Signer::new(demo::test_key("lab-cq"), genesis);
    let today = hengxin_primitives::Date::from_unix_ms_cst(hengxin_tests::now_ms());
    let Call::Certificates(certificates::Call::Anchor { mut fields }) =
        demo::sample_anchor(demo::test_scheme(), number.parse().unwrap(), today)
    else {
        panic!("sample_anchor is an anchor");
    };
    fields.document_hash = demo::test_scheme().hash(document);
    let call = Call::Certificates(certificates::Call::Anchor { fields });
    signer
        .execute(&client, call, std::time::Duration::from_secs(60))
        .unwrap();
    format!("CQJL/{number}")
}
