//! The certificates pallet: anchor, revoke, supersede, and every refusal.

use hengxin_chain_spec::demo;
use hengxin_primitives::records::{
    CertKind, CertStatus, CertificateRecord, Conclusion, ScopeEntry,
};
use hengxin_primitives::rules::{CertificateState, certificate_state};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Category, LabCode, StandardId};
use hengxin_runtime::certificates::{Call as CertCall, Error, Event as CertEvent};
use hengxin_runtime::membership::Call as MemCall;
use hengxin_runtime::{Call, Event, TxError};

use crate::harness::*;

fn cqjl() -> LabCode {
    LabCode::new("CQJL").unwrap()
}

fn record(chain: &TestChain, lab: &str, n: &str) -> Option<CertificateRecord> {
    chain.read(&StorageKey::Certificate(
        LabCode::new(lab).unwrap(),
        number(n),
    ))
}

fn cert_error(e: TxError) -> Error {
    match e {
        TxError::Certificates(e) => e,
        other => panic!("expected a certificates error, got {other:?}"),
    }
}

#[test]
fn lab_anchors_a_certificate() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    let event = chain.ok(&lab, anchor(fields("CQ/2026 0001", today)));
    assert_eq!(
        event,
        Event::Certificates(CertEvent::CertificateAnchored {
            lab: cqjl(),
            number: number("CQ/2026 0001")
        })
    );
    let stored = record(&chain, "CQJL", "CQ/2026 0001").unwrap();
    assert_eq!(stored.status, CertStatus::Valid);
    assert_eq!(stored.signing_key, lab.public());
    assert_eq!(stored.anchored_height, chain.head.height);
    assert_eq!(stored.fields, fields("CQ/2026 0001", today));
}

#[test]
fn non_lab_signer_cannot_anchor() {
    let mut chain = TestChain::new();
    let today = chain.today();
    for who in ["regulator-cq", "inspector-cq"] {
        let e = chain.rejects(&demo_key(who), anchor(fields("X-1", today)));
        assert_eq!(cert_error(e), Error::NotLabKey);
    }
    let stranger = seeded(&[42; 32]);
    assert_eq!(
        cert_error(chain.rejects(&stranger, anchor(fields("X-1", today)))),
        Error::NotLabKey
    );
}

#[test]
fn anchoring_outside_the_scope_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let length_only = vec![ScopeEntry {
        category: Category::Length,
        item: None,
        valid_until: today.add_months(12),
    }];
    let event = chain.ok(
        &demo_key("regulator-cq"),
        Call::Membership(MemCall::SetLabScope {
            lab: cqjl(),
            scope: length_only,
        }),
    );
    assert_eq!(
        event,
        Event::Membership(hengxin_runtime::membership::Event::LabScopeSet { lab: cqjl() })
    );
    let e = chain.rejects(&demo_key("lab-cq"), anchor(fields("X-1", today)));
    assert_eq!(
        cert_error(e),
        Error::NotInScope {
            lab: cqjl(),
            category: Category::Thermal,
            item: text("温度计"),
            date: today
        }
    );
    assert!(record(&chain, "CQJL", "X-1").is_none());
}

#[test]
fn scope_narrowed_to_an_item_and_expired_scope() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let scope = vec![
        ScopeEntry {
            category: Category::Thermal,
            item: Some(text("压力表")),
            valid_until: today.add_months(12),
        },
        ScopeEntry {
            category: Category::Mechanical,
            item: None,
            valid_until: hengxin_primitives::Date(today.0 - 1),
        },
    ];
    chain.ok(
        &demo_key("regulator-cq"),
        Call::Membership(MemCall::SetLabScope { lab: cqjl(), scope }),
    );
    let lab = demo_key("lab-cq");
    assert!(matches!(
        cert_error(chain.rejects(&lab, anchor(fields("X-1", today)))),
        Error::NotInScope { .. }
    ));
    let mut mechanical = fields("X-2", today);
    mechanical.category = Category::Mechanical;
    assert!(matches!(
        cert_error(chain.rejects(&lab, anchor(mechanical))),
        Error::NotInScope { .. }
    ));
    let mut gauge = fields("X-3", today);
    gauge.item = text("压力表");
    chain.ok(&lab, anchor(gauge));
}

#[test]
fn suspended_lab_cannot_anchor_until_reinstated() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let regulator = demo_key("regulator-cq");
    chain.ok(
        &regulator,
        Call::Membership(MemCall::SuspendLab {
            lab: cqjl(),
            reason: text("监督抽查不合格"),
        }),
    );
    let lab = demo_key("lab-cq");
    assert_eq!(
        cert_error(chain.rejects(&lab, anchor(fields("X-1", today)))),
        Error::LabSuspended(cqjl())
    );
    chain.ok(
        &regulator,
        Call::Membership(MemCall::ReinstateLab {
            lab: cqjl(),
            reason: text("整改完成"),
        }),
    );
    chain.ok(&lab, anchor(fields("X-1", today)));
}

#[test]
fn retired_key_cannot_anchor_but_its_certificates_stay_valid() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let old = demo_key("lab-cq");
    let new = seeded(&[77; 32]);
    chain.ok(&old, anchor(fields("BEFORE", today)));
    chain.ok(
        &old,
        Call::Membership(MemCall::AddLabKey {
            lab: cqjl(),
            key: new.public(),
        }),
    );
    chain.ok(
        &new,
        Call::Membership(MemCall::RemoveLabKey {
            lab: cqjl(),
            key: old.public(),
            compromised: true,
        }),
    );
    assert_eq!(
        cert_error(chain.rejects(&old, anchor(fields("AFTER", today)))),
        Error::KeyNotActive(cqjl())
    );
    chain.ok(&new, anchor(fields("AFTER", today)));
    let before = record(&chain, "CQJL", "BEFORE").unwrap();
    assert_eq!(
        certificate_state(&before, chain.today()),
        CertificateState::Valid
    );
}

#[test]
fn duplicate_number_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    chain.ok(&lab, anchor(fields("DUP", today)));
    let e = chain.rejects(&lab, anchor(fields("DUP", today)));
    assert_eq!(
        cert_error(e),
        Error::DuplicateNumber {
            lab: cqjl(),
            number: number("DUP")
        }
    );
    // The same number at another lab is a different certificate (of another document).
    let mut other = fields("DUP", today);
    other.document_hash = scheme().hash(b"SCJL's own DUP");
    chain.ok(&demo_key("lab-sc"), anchor(other));
}

#[test]
fn fields_must_fit_the_kind_and_dates() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    let mut no_expiry = fields("A", today);
    no_expiry.valid_until = None;
    let mut failed_verification = fields("B", today);
    failed_verification.conclusion = Conclusion::Fail {
        failed_items: vec![],
    };
    let mut notice_with_expiry = fields("C", today);
    notice_with_expiry.kind = CertKind::Notice;
    notice_with_expiry.conclusion = Conclusion::Fail {
        failed_items: vec![text("示值误差")],
    };
    let mut future = fields("D", today);
    future.issue_date = today.add_months(1);
    future.valid_until = Some(today.add_months(13));
    let mut out_of_order = fields("E", today);
    out_of_order.calibration_date = hengxin_primitives::Date(today.0 + 1);
    for bad in [
        no_expiry,
        failed_verification,
        notice_with_expiry,
        future,
        out_of_order,
    ] {
        assert!(matches!(
            cert_error(chain.rejects(&lab, anchor(bad))),
            Error::InvalidFields(_)
        ));
    }
    let mut calibration = fields("F", today);
    calibration.kind = CertKind::Calibration;
    calibration.conclusion = Conclusion::None;
    calibration.valid_until = None;
    chain.ok(&lab, anchor(calibration));
}

#[test]
fn unknown_standard_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let mut f = fields("S", today);
    let missing = StandardId {
        owner: cqjl(),
        code: "NOPE".parse().unwrap(),
    };
    f.standards = vec![missing.clone()];
    assert_eq!(
        cert_error(chain.rejects(&demo_key("lab-cq"), anchor(f))),
        Error::UnknownStandard(missing)
    );
}

#[test]
fn revoking_someone_elses_certificate_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    chain.ok(&demo_key("lab-cq"), anchor(fields("R-1", today)));
    let revoke = || {
        Call::Certificates(CertCall::Revoke {
            lab: cqjl(),
            number: number("R-1"),
            reason: text("x"),
        })
    };
    for who in ["lab-sc", "regulator-sc", "inspector-cq"] {
        assert_eq!(
            cert_error(chain.rejects(&demo_key(who), revoke())),
            Error::NotIssuer(cqjl()),
            "{who}"
        );
    }
    assert_eq!(
        record(&chain, "CQJL", "R-1").unwrap().status,
        CertStatus::Valid
    );
}

#[test]
fn lab_or_its_regulator_revokes_and_only_once() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    chain.ok(&lab, anchor(fields("R-1", today)));
    chain.ok(&lab, anchor(fields("R-2", today)));
    let revoke = |n: &str| {
        Call::Certificates(CertCall::Revoke {
            lab: cqjl(),
            number: number(n),
            reason: text("错误"),
        })
    };
    let event = chain.ok(&lab, revoke("R-1"));
    assert_eq!(
        event,
        Event::Certificates(CertEvent::CertificateRevoked {
            lab: cqjl(),
            number: number("R-1")
        })
    );
    chain.ok(&demo_key("regulator-cq"), revoke("R-2"));
    let r1 = record(&chain, "CQJL", "R-1").unwrap();
    assert!(matches!(r1.status, CertStatus::Revoked { by, .. } if by == lab.public()));
    assert_eq!(
        certificate_state(&r1, chain.today()),
        CertificateState::Revoked
    );
    assert_eq!(
        cert_error(chain.rejects(&lab, revoke("R-1"))),
        Error::AlreadyRevoked {
            lab: cqjl(),
            number: number("R-1")
        }
    );
    assert!(matches!(
        cert_error(chain.rejects(&lab, revoke("NONE"))),
        Error::UnknownCertificate { .. }
    ));
}

#[test]
fn superseding_marks_the_old_certificate_and_links_the_new() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    chain.ok(&lab, anchor(fields("OLD", today)));
    let supersede = |new: &str| {
        Call::Certificates(CertCall::Supersede {
            old: number("OLD"),
            fields: fields(new, today),
        })
    };
    let event = chain.ok(&lab, supersede("NEW"));
    assert_eq!(
        event,
        Event::Certificates(CertEvent::CertificateSuperseded {
            lab: cqjl(),
            old: number("OLD"),
            new: number("NEW")
        })
    );
    let old = record(&chain, "CQJL", "OLD").unwrap();
    assert!(matches!(&old.status, CertStatus::Superseded { by, .. } if *by == number("NEW")));
    assert_eq!(
        certificate_state(&old, chain.today()),
        CertificateState::Superseded
    );
    assert_eq!(
        record(&chain, "CQJL", "NEW").unwrap().supersedes,
        Some(number("OLD"))
    );
    let e = chain.rejects(&lab, supersede("NEWER"));
    assert_eq!(
        cert_error(e),
        Error::AlreadySuperseded {
            lab: cqjl(),
            number: number("OLD")
        }
    );
    // Another lab cannot supersede CQJL's certificate: its own numbering has no "OLD".
    let e = chain.rejects(&demo_key("lab-sc"), supersede("SC-NEW"));
    assert!(matches!(cert_error(e), Error::UnknownCertificate { .. }));
}

#[test]
fn expiry_is_derived_from_the_date_not_stored() {
    let chain = TestChain::new();
    let cert = record(&chain, "CQJL", demo::CERT_VALID).unwrap();
    let until = cert.fields.valid_until.unwrap();
    assert_eq!(
        certificate_state(&cert, until),
        CertificateState::Valid,
        "valid through its last day"
    );
    assert_eq!(
        certificate_state(&cert, hengxin_primitives::Date(until.0 + 1)),
        CertificateState::Expired
    );
    assert_eq!(cert.status, CertStatus::Valid);
}
