//! The traceability rule against DOMAIN.md §3: a standard of another category, and the
//! sentences a reader gets for each broken link.

use super::*;
use crate::crypto::{Hash, PublicKey};
use crate::ids::Text;
use crate::records::{Assessment, CertificateFields, Conclusion, Instrument, StandardFields};
use alloc::vec;

/// One standard, looked up by id; no certificates.
struct OneStandard(StandardRecord);

impl crate::read::StateRead for OneStandard {
    type Error = crate::read::ReadError;

    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>, Self::Error> {
        use parity_scale_codec::Encode;
        Ok(match key {
            StorageKey::Standard(id) if *id == self.0.fields.id => Some(self.0.encode()),
            _ => None,
        })
    }
}

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn primary(category: Category) -> StandardRecord {
    StandardRecord {
        fields: StandardFields {
            id: StandardId {
                owner: LabCode::new("NIM").unwrap(),
                code: "P-1".parse().unwrap(),
            },
            name: Text::lossy("国家基准"),
            category,
            level: StandardLevel::NationalPrimary,
            range: Text::lossy(""),
            uncertainty: Text::lossy(""),
            assessment: Assessment {
                number: Text::lossy("考核"),
                issued: day("2024-01-01"),
                valid_until: day("2027-12-31"),
            },
            traces: vec![],
        },
        earlier_assessments: vec![],
        registered_height: 0,
    }
}

fn gauge_certificate(standard: &StandardRecord) -> CertificateRecord {
    let text = Text::lossy;
    CertificateRecord {
        lab: LabCode::new("CQJL").unwrap(),
        fields: CertificateFields {
            number: "G-1".parse().unwrap(),
            kind: CertKind::Calibration,
            category: Category::Mechanical,
            item: text("压力表"),
            instrument: Instrument {
                name: text("压力表"),
                model: text(""),
                serial: text(""),
                manufacturer: text(""),
            },
            procedure: text("JJG 52-2013"),
            calibration_date: day("2026-03-02"),
            issue_date: day("2026-03-02"),
            valid_until: None,
            conclusion: Conclusion::None,
            standards: vec![standard.fields.id.clone()],
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

#[test]
fn a_standard_of_another_category_breaks_the_link_for_records_anchored_before_the_rule() {
    let thermal = primary(Category::Thermal);
    let report =
        traceability_chain(&gauge_certificate(&thermal), &mut OneStandard(thermal)).unwrap();
    assert!(!report.is_complete());
    let problem = LinkProblem::CategoryMismatch {
        standard: Category::Thermal,
        certificate: Category::Mechanical,
    };
    assert_eq!(
        report.links[0].outcome,
        LinkOutcome::Broken(problem.clone())
    );
    assert_eq!(problem.code(), "category_mismatch");
    assert!(
        problem.sentence().starts_with("计量标准属热学专业"),
        "{}",
        problem.sentence()
    );
    // The same link with a mechanical standard holds.
    let mechanical = primary(Category::Mechanical);
    let report = traceability_chain(
        &gauge_certificate(&mechanical),
        &mut OneStandard(mechanical),
    )
    .unwrap();
    assert!(report.is_complete(), "{report:?}");
}

#[test]
fn every_link_problem_reads_as_a_sentence_not_its_code() {
    let d = day("2026-01-01");
    let problems = [
        LinkProblem::NoStandardsDeclared,
        LinkProblem::StandardMissing,
        LinkProblem::CategoryMismatch {
            standard: Category::Thermal,
            certificate: Category::Length,
        },
        LinkProblem::AssessmentNotValid {
            issued: d,
            valid_until: d,
        },
        LinkProblem::NoTrace,
        LinkProblem::TraceCertificateMissing,
        LinkProblem::TraceCertificateNotYetIssued { issued: d },
        LinkProblem::TraceCertificateRevoked,
        LinkProblem::TraceCertificateSuperseded,
        LinkProblem::TraceCertificateExpired { valid_until: d },
        LinkProblem::TraceCertificateFailed,
        LinkProblem::ExternalNotValid {
            issued: d,
            valid_until: d,
        },
        LinkProblem::Cycle,
        LinkProblem::TooDeep,
        LinkProblem::TooManyLinks,
    ];
    for p in problems {
        let sentence = p.sentence();
        assert!(!sentence.contains(p.code()), "{sentence}");
        assert!(
            sentence.contains(" · "),
            "Chinese, then English: {sentence}"
        );
        assert!(!sentence.is_ascii(), "Chinese first: {sentence}");
    }
}

/// Day by day, for a current certificate, one without 有效期至 and a revoked one: whenever
/// the status on the next day differs, the day before named it.
#[test]
fn every_change_of_a_certificate_s_status_is_announced_the_day_before() {
    let standard = primary(Category::Mechanical);
    let mut current = gauge_certificate(&standard);
    current.fields.valid_until = Some(day("2027-03-01"));
    let mut open_ended = current.clone();
    open_ended.fields.valid_until = None;
    let mut revoked = current.clone();
    revoked.status = CertStatus::Revoked {
        reason: Text::new("错误").unwrap(),
        height: 9,
        timestamp_ms: 0,
        by: PublicKey::Ed25519([1; 32]),
    };
    let mut changes = 0;
    for record in [&current, &open_ended, &revoked] {
        let (mut on, end) = (day("2025-01-01"), day("2029-01-01"));
        while on < end {
            let next = Date(on.0 + 1);
            let announced = certificate_state_changes_after(record, on);
            assert!(announced.is_none_or(|d| d > on));
            if certificate_state(record, next) != certificate_state(record, on) {
                assert_eq!(announced, Some(next), "on {}", on.to_iso());
                changes += 1;
            }
            on = next;
        }
    }
    assert_eq!(changes, 1, "only the current certificate expires");
}
