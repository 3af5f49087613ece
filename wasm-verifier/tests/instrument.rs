//! Instruments (一器一码): the status computed from the proof, a proven absence, and servers
//! that leave out what would change the answer.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::*;
use hengxin_primitives::gather;
use hengxin_primitives::instruments::{InstrumentId, InstrumentStatus};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, Date, LabCode};
use hengxin_verifier::{Verdict, verify_instrument};

fn today() -> Date {
    Date::from_unix_ms_cst(GENESIS_MS + 1_000)
}

/// The keys a node's bundle for `id` proves: the instrument's gathering and its owner's.
fn keys(f: &Fixture, id: &str) -> Vec<StorageKey> {
    let id = InstrumentId::parse(id).unwrap();
    let mut recorder = Recorder {
        chain: &f.chain,
        keys: Vec::new(),
    };
    if let Some(facts) = gather::instruments::instrument(&mut recorder, &id).unwrap() {
        gather::business(&mut recorder, &facts.record.owner).unwrap();
    }
    recorder.keys
}

fn verify(f: &Fixture, keys: &[StorageKey], id: &str) -> hengxin_verifier::InstrumentReport {
    verify_instrument(&f.anchor, &bundle_of(f, keys), id, today())
}

#[test]
fn each_demo_instrument_s_status_is_computed_from_its_proof() {
    let f = fixture();
    for (id, status) in [
        ("CQ-1", InstrumentStatus::Valid),
        ("CQ-2", InstrumentStatus::DueSoon),
        ("CQ-3", InstrumentStatus::Overdue),
        ("CQ-4", InstrumentStatus::Failed),
        ("CQ-5", InstrumentStatus::Unverified),
        ("CQ-6", InstrumentStatus::Retired),
        ("SC-1", InstrumentStatus::Valid),
        ("SC-2", InstrumentStatus::Unverified),
    ] {
        let report = verify(&f, &keys(&f, id), id);
        assert_eq!(
            report.verdict,
            Verdict::Authentic,
            "{id}: {:#?}",
            report.steps
        );
        let proven = report.instrument.unwrap();
        assert_eq!(proven.standing().status, status, "{id}");
        let grade = proven
            .owner
            .as_ref()
            .map(|(_, i)| i.standing(today()).score);
        assert_eq!(grade, Some(100), "{id}: the owner's grade is proven too");
    }
}

#[test]
fn an_id_never_registered_is_proven_absent() {
    let f = fixture();
    let report = verify(&f, &keys(&f, "CQ-404"), "CQ-404");
    assert_eq!(report.verdict, Verdict::Unknown, "{:#?}", report.steps);
    assert!(report.instrument.is_none());
    let json = report.to_json();
    assert!(json.contains("\"label\":[\"未登记\""), "{json}");
    // A bundle for another instrument proves nothing about this one.
    let report = verify(&f, &keys(&f, "CQ-1"), "CQ-404");
    assert_eq!(report.verdict, Verdict::Tampered, "{:#?}", report.steps);
}

#[test]
fn a_server_that_leaves_out_the_newest_failed_verification_is_caught() {
    let f = fixture();
    let lab = LabCode::new("CQJL").unwrap();
    let notice: CertNumber = "CQJL-CQ-4-JQ-02".parse().unwrap();
    let full = keys(&f, "CQ-4");
    let hidden = StorageKey::Certificate(lab, notice);
    assert!(full.contains(&hidden), "the notice is part of the proof");
    let without: Vec<StorageKey> = full.iter().filter(|k| **k != hidden).cloned().collect();
    let report = verify(&f, &without, "CQ-4");
    assert_eq!(report.verdict, Verdict::Tampered, "{:#?}", report.steps);
    assert!(
        report.instrument.is_none(),
        "no status from a partial proof"
    );

    let id = InstrumentId::parse("CQ-4").unwrap();
    let page = StorageKey::InstrumentHistory(id, 0);
    let without: Vec<StorageKey> = full.iter().filter(|k| **k != page).cloned().collect();
    let report = verify(&f, &without, "CQ-4");
    assert_eq!(report.verdict, Verdict::Tampered);

    let owner = StorageKey::CreditRecords(demo_cq());
    let without: Vec<StorageKey> = full.iter().filter(|k| **k != owner).cloned().collect();
    let report = verify(&f, &without, "CQ-4");
    assert_eq!(
        report.verdict,
        Verdict::Tampered,
        "the owner's grade is complete too"
    );
}

fn demo_cq() -> hengxin_primitives::CreditCode {
    hengxin_chain_spec::demo::BUSINESS_CQ.parse().unwrap()
}

#[test]
fn the_report_carries_what_the_page_shows() {
    let f = fixture();
    let report = verify(&f, &keys(&f, "CQ-3"), "CQ-3");
    let json = report.to_json();
    for part in [
        "\"status\":\"authentic\"",
        "\"id\":\"CQ-3\"",
        "\"class_name\":\"燃油加油机\"",
        "\"status\":\"overdue\"",
        "\"status_label\":\"超期 Overdue\"",
        "\"legal\":\"强检器具未经检定、超过检定周期或检定不合格的，不得使用\"",
        "\"owner_name\":\"渝中示范加油站\"",
        "\"owner_grade\":\"A\"",
        "\"may_be_used\":false",
        "\"latest\":{\"lab_code\":\"CQJL\",\"number\":\"CQJL-CQ-3-JQ-01\"",
        "\"seals\":[{\"position\":\"计量器主板\",\"number\":\"QF-CQ-3-1\"}]",
        "\"change\":\"registered\"",
    ] {
        assert!(json.contains(part), "{part} in {json}");
    }
    let json = verify(&f, &keys(&f, "CQ-2"), "CQ-2").to_json();
    assert!(
        json.contains("\"legal\":\"\""),
        "due soon may be used: {json}"
    );
    let report = verify_instrument(&f.anchor, b"", "cq-1", today());
    assert_eq!(report.verdict, Verdict::Error);
    assert_eq!(report.steps[0].id.code(), "read");
}
