//! Recognition against DOMAIN.md §6: scope, kind, the agreement's dates, the lab's status.

use alloc::vec;

use super::*;
use crate::crypto::{Hash, PublicKey};
use crate::ids::{LabCode, Text};
use crate::records::{
    CertStatus, CertificateFields, Conclusion, Instrument, LabKind, ScopeEntry, StatusChange,
};

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn region(code: &str) -> RegionCode {
    RegionCode::new(code).unwrap()
}

fn lab() -> LabRecord {
    LabRecord {
        code: LabCode::new("CQJL").unwrap(),
        name: Text::lossy("重庆市计量质量检测研究院"),
        region: region("CQ"),
        kind: LabKind::StatutoryVerification,
        scope: vec![
            ScopeEntry {
                category: Category::Mechanical,
                item: Some(Text::lossy("压力表")),
                valid_until: day("2030-12-31"),
            },
            ScopeEntry {
                category: Category::Thermal,
                item: None,
                valid_until: day("2030-12-31"),
            },
        ],
        status: LabStatus::Active,
        status_history: vec![],
        keys: vec![],
        dcc_certs: vec![],
        registered_height: 0,
    }
}

fn certificate(kind: CertKind, category: Category, item: &str, issued: &str) -> CertificateRecord {
    let text = Text::lossy;
    CertificateRecord {
        lab: LabCode::new("CQJL").unwrap(),
        fields: CertificateFields {
            number: "CQJL-1".parse().unwrap(),
            kind,
            category,
            item: text(item),
            instrument: Instrument {
                name: text(item),
                model: text(""),
                serial: text(""),
                manufacturer: text(""),
            },
            procedure: text("JJG 52-2013"),
            calibration_date: day(issued),
            issue_date: day(issued),
            valid_until: Some(day("2031-01-01")),
            conclusion: Conclusion::None,
            standards: vec![],
            document_hash: Hash([1; 32]),
            signer: None,
            for_instrument: None,
        },
        supersedes: None,
        signing_key: PublicKey::Ed25519([2; 32]),
        anchored_height: 1,
        anchored_ms: 0,
        status: CertStatus::Valid,
    }
}

/// The 川渝 agreement: verification results and notices of every category, from 2026-01-01.
fn chuanyu() -> Agreement {
    Agreement {
        id: 1,
        proposer: region("CQ"),
        partner: region("SC"),
        kinds: vec![CertKind::Verification, CertKind::Notice],
        categories: Category::ALL.to_vec(),
        from: day("2026-01-01"),
        accepted_height: Some(3),
        ended_from: None,
    }
}

fn regions(codes: &[&str]) -> Vec<RegionCode> {
    codes.iter().map(|c| region(c)).collect()
}

#[test]
fn a_covered_certificate_in_scope_is_recognised_in_both_regions() {
    let c = certificate(
        CertKind::Verification,
        Category::Mechanical,
        "压力表",
        "2026-03-01",
    );
    assert_eq!(
        recognized_in(&c, &lab(), &[chuanyu()]),
        regions(&["CQ", "SC"])
    );
    // Either side may have proposed it.
    let mut reversed = chuanyu();
    core::mem::swap(&mut reversed.proposer, &mut reversed.partner);
    assert_eq!(
        recognized_in(&c, &lab(), &[reversed]),
        regions(&["CQ", "SC"])
    );
    assert_eq!(
        recognized_in(&c, &lab(), &[]),
        regions(&["CQ"]),
        "home only"
    );
}

#[test]
fn out_of_scope_or_an_uncovered_kind_or_category_stays_home() {
    let agreements = [chuanyu()];
    let other_item = certificate(
        CertKind::Verification,
        Category::Mechanical,
        "天平",
        "2026-03-01",
    );
    assert_eq!(
        recognized_in(&other_item, &lab(), &agreements),
        regions(&["CQ"])
    );
    let other_category = certificate(CertKind::Verification, Category::Optical, "x", "2026-03-01");
    assert_eq!(
        recognized_in(&other_category, &lab(), &agreements),
        regions(&["CQ"])
    );
    let calibration = certificate(
        CertKind::Calibration,
        Category::Thermal,
        "温度计",
        "2026-03-01",
    );
    assert_eq!(
        recognized_in(&calibration, &lab(), &agreements),
        regions(&["CQ"])
    );
    let mut mechanical_only = chuanyu();
    mechanical_only.categories = vec![Category::Mechanical];
    let thermal = certificate(
        CertKind::Verification,
        Category::Thermal,
        "温度计",
        "2026-03-01",
    );
    assert_eq!(
        recognized_in(&thermal, &lab(), &[mechanical_only]),
        regions(&["CQ"])
    );
    let mut lapsed = lab();
    lapsed.scope[1].valid_until = day("2026-02-28");
    assert_eq!(
        recognized_in(&thermal, &lapsed, &agreements),
        regions(&["CQ"])
    );
}

#[test]
fn the_agreement_is_judged_on_the_issue_date() {
    let mut agreement = chuanyu();
    agreement.ended_from = Some(day("2027-01-01"));
    let at = |issued| {
        let c = certificate(CertKind::Notice, Category::Thermal, "温度计", issued);
        recognized_in(&c, &lab(), core::slice::from_ref(&agreement))
    };
    assert_eq!(at("2025-12-31"), regions(&["CQ"]), "before it");
    assert_eq!(at("2026-01-01"), regions(&["CQ", "SC"]), "its first day");
    assert_eq!(at("2026-12-31"), regions(&["CQ", "SC"]), "its last day");
    assert_eq!(at("2027-01-01"), regions(&["CQ"]), "after it ended");
    let mut proposed = chuanyu();
    proposed.accepted_height = None;
    let c = certificate(CertKind::Notice, Category::Thermal, "温度计", "2026-03-01");
    assert_eq!(
        recognized_in(&c, &lab(), &[proposed]),
        regions(&["CQ"]),
        "not accepted"
    );
}

#[test]
fn a_lab_suspended_on_the_issue_date_is_recognised_only_at_home() {
    let mut suspended = lab();
    suspended.status_history = vec![
        StatusChange {
            status: LabStatus::Suspended,
            height: 5,
            date: day("2026-03-01"),
            reason: Text::lossy("监督检查"),
        },
        StatusChange {
            status: LabStatus::Active,
            height: 9,
            date: day("2026-04-01"),
            reason: Text::lossy("整改完成"),
        },
    ];
    let at = |issued| {
        let c = certificate(CertKind::Verification, Category::Thermal, "温度计", issued);
        recognized_in(&c, &suspended, &[chuanyu()])
    };
    assert_eq!(at("2026-02-28"), regions(&["CQ", "SC"]));
    assert_eq!(at("2026-03-15"), regions(&["CQ"]));
    assert_eq!(at("2026-04-01"), regions(&["CQ", "SC"]));
}

#[test]
fn an_agreement_between_other_regions_does_not_count_and_status_follows_the_dates() {
    let mut elsewhere = chuanyu();
    elsewhere.proposer = region("GZ");
    let c = certificate(
        CertKind::Verification,
        Category::Thermal,
        "温度计",
        "2026-03-01",
    );
    assert_eq!(recognized_in(&c, &lab(), &[elsewhere]), regions(&["CQ"]));
    let mut a = chuanyu();
    assert_eq!(a.status(day("2026-06-01")), AgreementStatus::InForce);
    a.ended_from = Some(day("2026-07-01"));
    assert_eq!(a.status(day("2026-06-30")), AgreementStatus::InForce);
    assert_eq!(a.status(day("2026-07-01")), AgreementStatus::Ended);
    a.accepted_height = None;
    assert_eq!(a.status(day("2026-06-01")), AgreementStatus::Proposed);
}
