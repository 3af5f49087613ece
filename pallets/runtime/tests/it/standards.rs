//! The standards pallet and the traceability chain.

use hengxin_chain_spec::demo;
use hengxin_primitives::records::{Assessment, StandardFields, StandardLevel, TraceSource};
use hengxin_primitives::rules::{LinkOutcome, LinkProblem, TRACE_DEPTH_MAX};
use hengxin_primitives::{Category, Date, LabCode, StandardId};
use hengxin_runtime::certificates::Call as CertCall;
use hengxin_runtime::standards::{Call as StdCall, Error, Event as StdEvent, traceability_chain};
use hengxin_runtime::{Call, Event, TxError};
use hengxin_support::Overlay;

use crate::harness::*;

fn std_error(e: TxError) -> Error {
    match e {
        TxError::Standards(e) => e,
        other => panic!("expected a standards error, got {other:?}"),
    }
}

fn id(owner: &str, code: &str) -> StandardId {
    StandardId {
        owner: LabCode::new(owner).unwrap(),
        code: code.parse().unwrap(),
    }
}

fn input(
    id: StandardId,
    level: StandardLevel,
    traces: Vec<TraceSource>,
    today: Date,
) -> StandardFields {
    StandardFields {
        id,
        name: text("标准装置"),
        category: Category::Thermal,
        level,
        range: text("(0~100)℃"),
        uncertainty: text("U=0.1℃"),
        assessment: Assessment {
            number: text("考核-1"),
            issued: Date(today.0 - 10),
            valid_until: today.add_months(24),
        },
        traces,
    }
}

fn register(standard: StandardFields) -> Call {
    Call::Standards(StdCall::Register { standard })
}

fn chain_of(chain: &TestChain, lab: &str, n: &str) -> hengxin_primitives::rules::TraceReport {
    let mut overlay = Overlay::new(chain.chain.state(), Some(chain.head.height));
    traceability_chain(&mut overlay, &LabCode::new(lab).unwrap(), &number(n))
        .unwrap()
        .unwrap()
}

#[test]
fn demo_certificate_traces_to_an_nmi_certificate() {
    let chain = TestChain::new();
    let report = chain_of(&chain, "CQJL", demo::CERT_VALID);
    assert!(report.is_complete(), "{report:#?}");
    assert_eq!(report.links.len(), 2);
    assert_eq!(report.links[0].depth, 1);
    assert_eq!(report.links[0].standard, Some(id("CQJL", "GZ-THE-001")));
    assert_eq!(report.links[0].outcome, LinkOutcome::Continues);
    assert_eq!(report.links[1].depth, 2);
    assert_eq!(report.links[1].standard, Some(id("SCJL", "SHGY-THE-001")));
    assert_eq!(report.links[1].outcome, LinkOutcome::Terminal);
    assert!(matches!(
        report.links[1].via,
        Some(TraceSource::External { .. })
    ));
}

#[test]
fn lab_registers_standards_but_only_a_regulator_a_national_primary() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    let event = chain.ok(
        &lab,
        register(input(
            id("CQJL", "W-1"),
            StandardLevel::Working,
            vec![],
            today,
        )),
    );
    assert_eq!(
        event,
        Event::Standards(StdEvent::StandardRegistered {
            id: id("CQJL", "W-1")
        })
    );
    let primary = || {
        register(input(
            id("NIM", "P-1"),
            StandardLevel::NationalPrimary,
            vec![],
            today,
        ))
    };
    assert_eq!(
        std_error(chain.rejects(&lab, primary())),
        Error::NationalPrimaryNeedsRegulator
    );
    chain.ok(&demo_key("regulator-cq"), primary());
    let e = chain.rejects(
        &demo_key("lab-sc"),
        register(input(
            id("CQJL", "W-2"),
            StandardLevel::Working,
            vec![],
            today,
        )),
    );
    assert_eq!(
        std_error(e),
        Error::NotOwnerOrRegulator(LabCode::new("CQJL").unwrap())
    );
    let e = chain.rejects(
        &lab,
        register(input(
            id("CQJL", "W-1"),
            StandardLevel::Working,
            vec![],
            today,
        )),
    );
    assert_eq!(std_error(e), Error::StandardExists(id("CQJL", "W-1")));
    let mut five_years = input(id("CQJL", "W-3"), StandardLevel::Working, vec![], today);
    five_years.assessment.valid_until = five_years.assessment.issued.add_months(60);
    assert_eq!(
        std_error(chain.rejects(&lab, register(five_years))),
        Error::InvalidAssessment
    );
    let ghost = TraceSource::Ledger {
        lab: LabCode::new("SCJL").unwrap(),
        number: number("NOPE"),
    };
    let e = chain.rejects(
        &lab,
        register(input(
            id("CQJL", "W-4"),
            StandardLevel::Working,
            vec![ghost],
            today,
        )),
    );
    assert!(matches!(
        std_error(e),
        Error::UnknownTraceCertificate { .. }
    ));
}

#[test]
fn a_revoked_link_breaks_the_chain_from_the_revocation_date() {
    let mut chain = TestChain::new();
    let today = chain.today();
    chain.ok(
        &demo_key("lab-sc"),
        Call::Certificates(CertCall::Revoke {
            lab: LabCode::new("SCJL").unwrap(),
            number: number(demo::CERT_SCJL_CALIBRATION),
            reason: text("标准器故障"),
        }),
    );
    // Calibrated before the revocation: still traceable.
    assert!(chain_of(&chain, "CQJL", demo::CERT_VALID).is_complete());
    // Calibrated today, after the revocation: broken at the first link.
    let mut f = fields("AFTER-REVOKE", today);
    f.standards = vec![id("CQJL", "GZ-THE-001")];
    chain.ok(&demo_key("lab-cq"), anchor(f));
    let report = chain_of(&chain, "CQJL", "AFTER-REVOKE");
    assert!(!report.is_complete());
    assert_eq!(
        report.links[0].outcome,
        LinkOutcome::Broken(LinkProblem::TraceCertificateRevoked)
    );
}

#[test]
fn certificate_without_standards_is_not_traceable() {
    let mut chain = TestChain::new();
    let today = chain.today();
    chain.ok(&demo_key("lab-cq"), anchor(fields("BARE", today)));
    let report = chain_of(&chain, "CQJL", "BARE");
    assert!(!report.is_complete());
    assert_eq!(
        report.links[0].outcome,
        LinkOutcome::Broken(LinkProblem::NoStandardsDeclared)
    );
}

#[test]
fn a_cycle_is_reported_not_followed() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-sc");
    // Standard S is calibrated by certificate C, which itself was made with S.
    chain.ok(
        &lab,
        register(input(
            id("SCJL", "S"),
            StandardLevel::Working,
            vec![],
            today,
        )),
    );
    let mut c = fields("C", today);
    c.standards = vec![id("SCJL", "S")];
    chain.ok(&lab, anchor(c));
    let trace = TraceSource::Ledger {
        lab: LabCode::new("SCJL").unwrap(),
        number: number("C"),
    };
    let event = chain.ok(
        &lab,
        Call::Standards(StdCall::AddTrace {
            id: id("SCJL", "S"),
            trace,
        }),
    );
    assert_eq!(
        event,
        Event::Standards(StdEvent::TraceAdded {
            id: id("SCJL", "S")
        })
    );
    let report = chain_of(&chain, "SCJL", "C");
    assert!(!report.is_complete());
    assert_eq!(
        report.links[0].outcome,
        LinkOutcome::Broken(LinkProblem::Cycle)
    );
}

#[test]
fn chains_deeper_than_the_limit_are_cut() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-sc");
    chain.ok(
        &demo_key("regulator-sc"),
        register(input(
            id("NIM", "TOP"),
            StandardLevel::NationalPrimary,
            vec![],
            today,
        )),
    );
    let mut below = id("NIM", "TOP");
    let levels = usize::from(TRACE_DEPTH_MAX) + 2;
    let mut last_cert = String::new();
    for level in 0..levels {
        let cert = format!("L{level}");
        let mut f = fields(&cert, today);
        f.standards = vec![below.clone()];
        chain.ok(&lab, anchor(f));
        let std = id("SCJL", &format!("S{level}"));
        let trace = TraceSource::Ledger {
            lab: LabCode::new("SCJL").unwrap(),
            number: number(&cert),
        };
        chain.ok(
            &lab,
            register(input(
                std.clone(),
                StandardLevel::Working,
                vec![trace],
                today,
            )),
        );
        below = std;
        last_cert = cert;
    }
    let report = chain_of(&chain, "SCJL", &last_cert);
    assert!(!report.is_complete());
    assert!(report.links.iter().all(|l| l.depth <= TRACE_DEPTH_MAX + 1));
    assert_eq!(
        report.links.last().unwrap().outcome,
        LinkOutcome::Broken(LinkProblem::TooDeep)
    );
    // A shorter chain from the same tower is complete.
    let report = chain_of(&chain, "SCJL", "L3");
    assert!(report.is_complete(), "{report:#?}");
}

#[test]
fn a_renewal_keeps_the_earlier_assessment_for_certificates_calibrated_under_it() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    assert!(chain_of(&chain, "CQJL", demo::CERT_VALID).is_complete());
    let renewed = Assessment {
        number: text("考核-2"),
        issued: Date(today.0 + 1),
        valid_until: today.add_months(12),
    };
    let event = chain.ok(
        &lab,
        Call::Standards(StdCall::RenewAssessment {
            id: id("CQJL", "GZ-THE-001"),
            assessment: renewed.clone(),
        }),
    );
    assert_eq!(
        event,
        Event::Standards(StdEvent::AssessmentRenewed {
            id: id("CQJL", "GZ-THE-001")
        })
    );
    // The certificate was calibrated under the earlier assessment: its link still holds (it
    // broke before the fix, judged against the renewed one alone).
    let report = chain_of(&chain, "CQJL", demo::CERT_VALID);
    assert!(report.is_complete(), "{report:#?}");
    let mut overlay = Overlay::new(chain.chain.state(), Some(chain.head.height));
    let record = hengxin_runtime::standards::standard(&mut overlay, &id("CQJL", "GZ-THE-001"))
        .unwrap()
        .unwrap();
    assert_eq!(record.fields.assessment, renewed);
    assert_eq!(record.earlier_assessments.len(), 1);
    assert!(
        record
            .assessment_on(today)
            .is_some_and(|a| a.number != renewed.number)
    );
    assert_eq!(record.assessment_on(Date(today.0 + 1)), Some(&renewed));
    let stranger = seeded(&[9; 32]);
    let e = chain.rejects(
        &stranger,
        Call::Standards(StdCall::AddTrace {
            id: id("CQJL", "GZ-THE-001"),
            trace: TraceSource::Ledger {
                lab: LabCode::new("SCJL").unwrap(),
                number: number(demo::CERT_SCJL_CALIBRATION),
            },
        }),
    );
    assert_eq!(
        std_error(e),
        Error::NotOwnerOrRegulator(LabCode::new("CQJL").unwrap())
    );
}
