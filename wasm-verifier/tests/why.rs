//! What a reader is told beyond the verdict, from the proof alone: why a certificate is
//! revoked (reason, Beijing time, who) or superseded (its successor), who signed its document,
//! and which certificate a file is, or the proof that none is.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hengxin_chain_spec::demo;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, LabCode, TxPayload};
use hengxin_runtime::{Call, certificates};
use hengxin_verifier::{Verdict, Why, verify_certificate, verify_document};

fn cqjl() -> LabCode {
    LabCode::new("CQJL").unwrap()
}

#[test]
fn a_revocation_says_why_when_and_who_revoked_from_the_proof() {
    let f = fixture();
    let keys = vec![
        StorageKey::Certificate(cqjl(), demo::CERT_REVOKED.parse().unwrap()),
        StorageKey::Lab(cqjl()),
    ];
    let report = verify_certificate(
        &f.anchor,
        &bundle_of(&f, &keys),
        &request("CQJL", demo::CERT_REVOKED),
    );
    assert_eq!(report.verdict, Verdict::Revoked);
    let Some(Why::Revoked { reason, by, .. }) = &report.why else {
        panic!("{:?}", report.why);
    };
    assert!(reason.contains("录入错误"), "{reason}");
    assert!(
        by.starts_with("密钥 key "),
        "the proof does not say whose key: {by}"
    );
    // A full proof carries the revoking key's role: the lab is named.
    let report = verify_certificate(
        &f.anchor,
        &bundle(&f, "CQJL", demo::CERT_REVOKED),
        &request("CQJL", demo::CERT_REVOKED),
    );
    let why = report.why.as_ref().unwrap().sentence();
    assert!(why.starts_with("已于 "), "{why}");
    assert!(why.contains("(北京时间) 由 CQJL "), "{why}");
    let json = report.to_json();
    assert!(
        json.contains("\"why\":{\"kind\":\"revoked\",\"text\":\"已于 "),
        "{json}"
    );
    assert!(json.contains("\"signer\":null"), "an unsigned file: {json}");
}

#[test]
fn a_supersession_names_its_successor() {
    let f = fixture_with(|genesis_hash| {
        let lab = demo::test_key("lab-cq");
        let today = hengxin_primitives::Date::from_unix_ms_cst(GENESIS_MS);
        let number = "CQJL-2026-JD-0001-R1".parse().unwrap();
        let Call::Certificates(certificates::Call::Anchor { fields }) =
            demo::sample_anchor(demo::test_scheme(), number, today)
        else {
            panic!("sample_anchor is an anchor");
        };
        vec![
            TxPayload {
                genesis_hash,
                signer: lab.public(),
                nonce: 0,
                valid_until_height: 10,
                call: Call::Certificates(certificates::Call::Supersede {
                    old: demo::CERT_VALID.parse().unwrap(),
                    fields,
                }),
            }
            .sign(&lab),
        ]
    });
    let report = verify_certificate(
        &f.anchor,
        &bundle(&f, "CQJL", demo::CERT_VALID),
        &request("CQJL", demo::CERT_VALID),
    );
    assert_eq!(report.verdict, Verdict::Superseded);
    let successor: CertNumber = "CQJL-2026-JD-0001-R1".parse().unwrap();
    assert!(matches!(&report.why, Some(Why::Superseded { successor: s, .. }) if *s == successor));
    assert!(
        report
            .to_json()
            .contains("\"successor\":\"CQJL-2026-JD-0001-R1\"")
    );
}

#[test]
fn a_file_is_found_by_its_proof_or_proven_to_be_no_certificate() {
    let f = fixture();
    let document = demo::document("CQJL", demo::CERT_VALID);
    let hash = demo::test_scheme().hash(&document);
    let mut keys = vec![StorageKey::Document(hash)];
    keys.extend([
        StorageKey::Certificate(cqjl(), demo::CERT_VALID.parse().unwrap()),
        StorageKey::Lab(cqjl()),
    ]);
    let today = request("CQJL", demo::CERT_VALID).today;
    let report = verify_document(&f.anchor, &bundle_of(&f, &keys), &document, today);
    assert_eq!(report.verdict, Verdict::Authentic, "{:#?}", report.steps);
    assert_eq!(step_ok(&report, "lookup"), Some(true));
    assert_eq!(step_ok(&report, "document"), Some(true));
    // A file no certificate holds: proven so.
    let stranger = b"a file nobody anchored".to_vec();
    let absent = bundle_of(
        &f,
        &[StorageKey::Document(demo::test_scheme().hash(&stranger))],
    );
    let report = verify_document(&f.anchor, &absent, &stranger, today);
    assert_eq!(report.verdict, Verdict::Unknown, "{:#?}", report.steps);
    // A server that answers for another file proves nothing about this one.
    let report = verify_document(&f.anchor, &absent, &document, today);
    assert_eq!(report.verdict, Verdict::Tampered, "{:#?}", report.steps);
    // Nor does one that leaves the certificate out.
    let partial = bundle_of(&f, &[StorageKey::Document(hash)]);
    let report = verify_document(&f.anchor, &partial, &document, today);
    assert_eq!(report.verdict, Verdict::Tampered, "{:#?}", report.steps);
}
