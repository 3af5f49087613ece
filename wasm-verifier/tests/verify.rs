//! The verifier's verdicts on real bundles: a demo chain in memory, one finalized block, proofs
//! of exactly what the node's certificate bundle carries.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hengxin_chain_spec::demo;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Date, LabCode};
use hengxin_verifier::{Request, Verdict, verify_certificate};
use parity_scale_codec::Encode;

#[test]
fn a_current_certificate_with_its_document_is_authentic() {
    let f = fixture();
    let bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    let document = demo::document("CQJL", demo::CERT_VALID);
    let report = verify_certificate(
        &f.anchor,
        &bytes,
        &Request {
            document: Some(&document),
            ..request("CQJL", demo::CERT_VALID)
        },
    );
    assert_eq!(report.verdict, Verdict::Authentic, "{:#?}", report.steps);
    assert_eq!(step_ok(&report, "document"), Some(true));
    let trace = report
        .steps
        .iter()
        .find(|s| s.id.code() == "traceability")
        .unwrap();
    assert!(trace.detail.contains("traceable"), "{}", trace.detail);
    let json = report.to_json();
    assert!(json.starts_with("{\"status\":\"authentic\""), "{json}");
    // Computed from the proven 川渝 agreement, not the home region alone.
    assert!(json.contains("\"recognized_in\":[\"CQ\",\"SC\"]"), "{json}");

    let hash = demo::test_scheme().hash(&document).to_hex();
    let qr = verify_certificate(
        &f.anchor,
        &bytes,
        &Request {
            hash_prefix: Some(&hash[..16]),
            ..request("CQJL", demo::CERT_VALID)
        },
    );
    assert_eq!(qr.verdict, Verdict::Authentic);
}

#[test]
fn a_different_document_or_qr_hash_is_tampered() {
    let f = fixture();
    let bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    let mut document = demo::document("CQJL", demo::CERT_VALID);
    document.push(b' ');
    let report = verify_certificate(
        &f.anchor,
        &bytes,
        &Request {
            document: Some(&document),
            ..request("CQJL", demo::CERT_VALID)
        },
    );
    assert_eq!(report.verdict, Verdict::Tampered);
    assert_eq!(step_ok(&report, "document"), Some(false));
    let report = verify_certificate(
        &f.anchor,
        &bytes,
        &Request {
            hash_prefix: Some("0000000000000000"),
            ..request("CQJL", demo::CERT_VALID)
        },
    );
    assert_eq!(report.verdict, Verdict::Tampered);
}

#[test]
fn status_revoked_expired_and_unknown() {
    let f = fixture();
    let revoked = bundle(&f, "CQJL", demo::CERT_REVOKED);
    let report = verify_certificate(&f.anchor, &revoked, &request("CQJL", demo::CERT_REVOKED));
    assert_eq!(report.verdict, Verdict::Revoked);

    let valid = bundle(&f, "CQJL", demo::CERT_VALID);
    let years_later = Request {
        today: Date::from_unix_ms_cst(GENESIS_MS + 3 * 365 * 86_400_000),
        ..request("CQJL", demo::CERT_VALID)
    };
    assert_eq!(
        verify_certificate(&f.anchor, &valid, &years_later).verdict,
        Verdict::Expired
    );

    let absent = bundle(&f, "CQJL", "NO SUCH/1");
    let report = verify_certificate(&f.anchor, &absent, &request("CQJL", "NO SUCH/1"));
    assert_eq!(report.verdict, Verdict::Unknown, "{:#?}", report.steps);
    // A bundle for one certificate proves nothing about another.
    let report = verify_certificate(&f.anchor, &valid, &request("CQJL", demo::CERT_REVOKED));
    assert_eq!(report.verdict, Verdict::Tampered);
}

#[test]
fn a_forged_bundle_is_tampered_and_garbage_is_an_error() {
    let f = fixture();
    let mut bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    // Flip a byte of the commit signature (the last 64 bytes before the entries are not it,
    // so find the signature by encoding it).
    let signature = f.commit.signatures[0].signature.encode();
    let at = bytes
        .windows(signature.len())
        .position(|w| w == signature.as_slice())
        .unwrap();
    bytes[at + 10] ^= 1;
    let report = verify_certificate(&f.anchor, &bytes, &request("CQJL", demo::CERT_VALID));
    assert_eq!(report.verdict, Verdict::Tampered);
    assert_eq!(step_ok(&report, "commit"), Some(false));

    let other_chain = TrustAnchor {
        genesis_hash: hengxin_primitives::Hash([3; 32]),
        ..f.anchor.clone()
    };
    let bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    let report = verify_certificate(&other_chain, &bytes, &request("CQJL", demo::CERT_VALID));
    assert_eq!(report.verdict, Verdict::Tampered);
    assert_eq!(step_ok(&report, "chain"), Some(false));

    let report = verify_certificate(&f.anchor, b"garbage", &request("CQJL", demo::CERT_VALID));
    assert_eq!(report.verdict, Verdict::Error);
    let json = report.to_json();
    assert!(json.contains("\"certificate\":null"), "{json}");
}

/// The ids and `ok` of the steps a report holds, in order.
fn steps_of(report: &hengxin_verifier::Report) -> Vec<(&'static str, Option<bool>)> {
    report.steps.iter().map(|s| (s.id.code(), s.ok)).collect()
}

#[test]
fn every_step_is_reported_in_order_and_status_does_not_stop_the_traceability() {
    let f = fixture();
    let bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    let report = verify_certificate(&f.anchor, &bytes, &request("CQJL", demo::CERT_VALID));
    assert_eq!(
        steps_of(&report),
        [
            ("read", Some(true)),
            ("chain", Some(true)),
            ("commit", Some(true)),
            ("state", Some(true)),
            ("record", Some(true)),
            ("document", None),
            ("issuer", Some(true)),
            ("signer", None),
            ("status", Some(true)),
            ("traceability", None),
            ("recognition", None),
        ]
    );
    assert_eq!(
        report.proven_at,
        Some((f.header.height, f.header.timestamp_ms))
    );
    let (record, issuer) = report.certificate.as_ref().unwrap();
    assert_eq!(record.fields.number.to_string(), demo::CERT_VALID);
    assert!(issuer.is_some());

    let revoked = bundle(&f, "CQJL", demo::CERT_REVOKED);
    let report = verify_certificate(&f.anchor, &revoked, &request("CQJL", demo::CERT_REVOKED));
    assert_eq!(report.verdict, Verdict::Revoked);
    assert_eq!(
        steps_of(&report)[8..],
        [
            ("status", Some(false)),
            ("traceability", None),
            ("recognition", None)
        ]
    );
    assert!(report.certificate.is_some());
}

#[test]
fn a_failing_step_ends_the_report_with_what_was_proven_so_far() {
    let f = fixture();
    let bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    let proven_at = Some((f.header.height, f.header.timestamp_ms));

    let wrong = verify_certificate(
        &f.anchor,
        &bytes,
        &Request {
            hash_prefix: Some("0000000000000000"),
            ..request("CQJL", demo::CERT_VALID)
        },
    );
    assert_eq!(steps_of(&wrong).last(), Some(&("document", Some(false))));
    assert_eq!(wrong.steps.len(), 6);
    assert!(wrong.certificate.is_some(), "the record is proven");
    assert_eq!(wrong.proven_at, proven_at);

    let absent = bundle(&f, "CQJL", "NO SUCH/1");
    let unknown = verify_certificate(&f.anchor, &absent, &request("CQJL", "NO SUCH/1"));
    assert_eq!(steps_of(&unknown).last(), Some(&("record", Some(false))));
    assert_eq!(unknown.steps.len(), 5);
    assert_eq!(unknown.certificate, None);
    assert_eq!(unknown.proven_at, proven_at);

    let other_chain = TrustAnchor {
        genesis_hash: hengxin_primitives::Hash([3; 32]),
        ..f.anchor.clone()
    };
    let tampered = verify_certificate(&other_chain, &bytes, &request("CQJL", demo::CERT_VALID));
    assert_eq!(
        steps_of(&tampered),
        [("read", Some(true)), ("chain", Some(false))]
    );
    assert_eq!((tampered.certificate, tampered.proven_at), (None, None));
}

#[test]
fn an_invalid_certificate_number_is_an_error_before_the_bundle_is_read() {
    let f = fixture();
    let bytes = bundle(&f, "CQJL", demo::CERT_VALID);
    let report = verify_certificate(&f.anchor, &bytes, &request("", demo::CERT_VALID));
    assert_eq!(report.verdict, Verdict::Error);
    assert_eq!(
        report.to_json(),
        "{\"status\":\"error\",\"label\":[\"无法核验\",\"Cannot verify\"],\
         \"steps\":[{\"id\":\"read\",\"name\":\"读取 read\",\"ok\":false,\"detail\":\
         \"证书编号无效 · the lab code or certificate number is not valid\"}],\
         \"certificate\":null,\"trace\":[],\"why\":null,\"signer\":null,\"height\":null,\"proven_at_ms\":null}"
    );
}

#[test]
fn where_a_certificate_is_recognised_is_computed_from_the_proven_agreements() {
    let f = fixture();
    let detail = |bytes: &[u8], number: &str| {
        let report = verify_certificate(&f.anchor, bytes, &request("CQJL", number));
        report
            .steps
            .iter()
            .find(|s| s.id.code() == "recognition")
            .map(|s| s.detail.clone())
            .unwrap()
    };
    let full = bundle(&f, "CQJL", demo::CERT_VALID);
    assert!(detail(&full, demo::CERT_VALID).contains("recognised in CQ, SC"));
    // A bundle without the agreements (what a QR code staples) claims only the home region.
    let cert_key = StorageKey::Certificate(
        LabCode::new("CQJL").unwrap(),
        demo::CERT_VALID.parse().unwrap(),
    );
    let lab_key = StorageKey::Lab(LabCode::new("CQJL").unwrap());
    let stapled = bundle_of(&f, &[cert_key, lab_key]);
    let text = detail(&stapled, demo::CERT_VALID);
    assert!(
        text.contains("no agreements") && text.contains("CQ at least"),
        "{text}"
    );
}

/// The bundle a node serves for a business: its record, commitments, records, the rules and
/// its instruments (optionally leaving its credit records out).
fn business_bundle(f: &Fixture, code: &str, leave_out_records: bool) -> Vec<u8> {
    let code: hengxin_primitives::CreditCode = code.parse().unwrap();
    let mut recorder = Recorder {
        chain: &f.chain,
        keys: Vec::new(),
    };
    hengxin_primitives::gather::business(&mut recorder, &code).unwrap();
    hengxin_primitives::gather::instruments::owned_instruments(&mut recorder, &code).unwrap();
    let records = StorageKey::CreditRecords(code);
    let keys: Vec<StorageKey> = recorder
        .keys
        .into_iter()
        .filter(|k| !(leave_out_records && *k == records))
        .collect();
    bundle_of(f, &keys)
}

fn today() -> Date {
    Date::from_unix_ms_cst(GENESIS_MS + 1_000)
}

#[test]
fn a_business_s_grade_is_computed_from_its_proof() {
    use hengxin_primitives::credit::Grade;
    use hengxin_verifier::verify_business;
    let f = fixture();
    let report = verify_business(
        &f.anchor,
        &business_bundle(&f, demo::BUSINESS_CQ, false),
        demo::BUSINESS_CQ,
        today(),
    );
    assert_eq!(report.verdict, Verdict::Authentic, "{:#?}", report.steps);
    let credit = report.credit.unwrap();
    assert_eq!(
        (credit.standing.score, credit.standing.grade),
        (100, Grade::A)
    );
    let report = verify_business(
        &f.anchor,
        &business_bundle(&f, demo::BUSINESS_SC, false),
        demo::BUSINESS_SC,
        today(),
    );
    let credit = report.credit.unwrap();
    assert_eq!(
        (credit.standing.score, credit.standing.grade),
        (100, Grade::B)
    );
    // A year on (the reader's date), the CQ commitment has lapsed.
    let json = report_json(&f, demo::BUSINESS_CQ);
    assert!(json.starts_with("{\"status\":\"authentic\""), "{json}");
    assert!(
        json.contains("\"grade\":\"A\",\"score\":100,\"commitment\":{\"date\":"),
        "{json}"
    );
    assert!(json.contains("\"current\":true},\"records\":[]}"), "{json}");
    // Its instruments, each with the status computed from its own proven history.
    assert!(
        json.contains(
            "\"instruments\":{\"listed\":6,\"truncated\":false,\"items\":[{\"id\":\"CQ-1\""
        ),
        "{json}"
    );
    for status in [
        "valid",
        "due_soon",
        "overdue",
        "failed",
        "unverified",
        "retired",
    ] {
        assert!(
            json.contains(&format!("\"status\":\"{status}\"")),
            "{status}: {json}"
        );
    }
    let later = verify_business(
        &f.anchor,
        &business_bundle(&f, demo::BUSINESS_CQ, false),
        demo::BUSINESS_CQ,
        today().add_months(12),
    );
    assert_eq!(later.credit.unwrap().standing.grade, Grade::B);
}

#[test]
fn a_v3_makes_a_business_d_and_a_bundle_leaving_records_out_is_tampered() {
    use hengxin_primitives::TxPayload;
    use hengxin_primitives::credit::{CreditEvent, Grade};
    use hengxin_runtime::credit::Call as CreditCall;
    use hengxin_verifier::verify_business;
    let f = fixture_with(|genesis| {
        let inspector = demo::test_key("inspector-cq");
        let call = hengxin_runtime::Call::Credit(CreditCall::Record {
            credit_code: demo::BUSINESS_CQ.parse().unwrap(),
            event: CreditEvent::V3,
            date: today(),
            evidence_hash: hengxin_primitives::Hash([3; 32]),
        });
        vec![
            TxPayload {
                genesis_hash: genesis,
                signer: inspector.public(),
                nonce: 0,
                valid_until_height: 10,
                call,
            }
            .sign(&inspector),
        ]
    });
    let full = business_bundle(&f, demo::BUSINESS_CQ, false);
    let report = verify_business(&f.anchor, &full, demo::BUSINESS_CQ, today());
    assert_eq!(report.verdict, Verdict::Authentic);
    let credit = report.credit.unwrap();
    assert_eq!(
        (credit.standing.score, credit.standing.grade),
        (60, Grade::D)
    );
    // A server hiding the V3 record: the proof no longer covers the records, and no grade.
    let hidden = business_bundle(&f, demo::BUSINESS_CQ, true);
    let report = verify_business(&f.anchor, &hidden, demo::BUSINESS_CQ, today());
    assert_eq!(report.verdict, Verdict::Tampered, "{:#?}", report.steps);
    assert!(report.credit.is_none());
    // A flipped byte anywhere: never a grade.
    let mut forged = full.clone();
    let at = forged.len() / 2;
    forged[at] ^= 1;
    let report = verify_business(&f.anchor, &forged, demo::BUSINESS_CQ, today());
    assert!(matches!(report.verdict, Verdict::Tampered | Verdict::Error));
    assert!(report.credit.is_none());
    // A bundle for another business does not prove this one.
    let other = business_bundle(&f, demo::BUSINESS_SC, false);
    let report = verify_business(&f.anchor, &other, demo::BUSINESS_CQ, today());
    assert_eq!(report.verdict, Verdict::Tampered);
    // A business the ledger does not have: its absence proven.
    let nobody = "91350100M000100Y43";
    let report = verify_business(
        &f.anchor,
        &business_bundle(&f, nobody, false),
        nobody,
        today(),
    );
    assert_eq!(report.verdict, Verdict::Unknown, "{:#?}", report.steps);
    let report = verify_business(&f.anchor, &full, "not a code", today());
    assert_eq!(report.verdict, Verdict::Error);
}

/// The page's JSON for a business.
fn report_json(f: &Fixture, code: &str) -> String {
    hengxin_verifier::verify_business(&f.anchor, &business_bundle(f, code, false), code, today())
        .to_json()
}

/// A bundle of one scheme is refused by a verifier anchored in the other: as it comes (another
/// chain), and rewritten to claim the anchor's chain (another scheme), and never authentic.
#[test]
fn a_bundle_of_one_scheme_is_refused_by_a_verifier_anchored_in_the_other() {
    use hengxin_primitives::bundle::{BundleError, ProofBundle};
    use hengxin_primitives::crypto::Scheme;
    let ed = fixture_in(Scheme::Ed25519Sha256, |_| Vec::new());
    let sm = fixture_in(Scheme::Sm2Sm3, |_| Vec::new());
    assert_eq!(sm.anchor.scheme(), Scheme::Sm2Sm3);
    for (anchored, other) in [(&ed, &sm), (&sm, &ed)] {
        let foreign = bundle(other, "CQJL", demo::CERT_VALID);
        let own = bundle(anchored, "CQJL", demo::CERT_VALID);
        assert!(hengxin_verifier::verify(&anchored.anchor, &own).is_ok());
        assert!(matches!(
            hengxin_verifier::verify(&anchored.anchor, &foreign),
            Err(BundleError::WrongChain { .. })
        ));
        let mut claiming = ProofBundle::decode_untrusted(&foreign).unwrap();
        claiming.genesis_hash = anchored.anchor.genesis_hash;
        let claiming = claiming.encode();
        let e = hengxin_verifier::verify(&anchored.anchor, &claiming).unwrap_err();
        assert_eq!(
            e,
            BundleError::WrongScheme {
                expected: anchored.anchor.scheme(),
                found: other.anchor.scheme()
            }
        );
        let report = verify_certificate(
            &anchored.anchor,
            &claiming,
            &request("CQJL", demo::CERT_VALID),
        );
        assert_eq!(report.verdict, Verdict::Tampered, "{:#?}", report.steps);
    }
}
