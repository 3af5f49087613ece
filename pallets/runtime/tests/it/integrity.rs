//! The integrity rules (DOMAIN.md §1, §4, §5): a document anchors once, standards of the
//! right kind, DCC signing certificates a lab registers and withdraws, evidence for severe
//! records, credit codes of the region's province, and short 双随机 targets completed by
//! assignment. Every refusal leaves the state root unchanged (`rejects`).

use hengxin_chain_spec::demo;
use hengxin_primitives::credit::CreditEvent;
use hengxin_primitives::inspection::{Assignment, DrawRecord, Outcome};
use hengxin_primitives::records::{BusinessType, DocumentHolder, LabRecord};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{
    Category, CreditCode, Date, Hash, LabCode, RegionCode, StandardId, crypto,
};
use hengxin_runtime::certificates::{Call as CertCall, Error as CertError};
use hengxin_runtime::inspection::{AssignRefusal, Call as InsCall, Error as InsError};
use hengxin_runtime::membership::{Call as MemCall, Error as MemError};
use hengxin_runtime::{Call, TxError, credit};

use crate::harness::*;

fn cqjl() -> LabCode {
    LabCode::new("CQJL").unwrap()
}

fn cert_error(e: TxError) -> CertError {
    match e {
        TxError::Certificates(e) => e,
        other => panic!("expected a certificates error, got {other:?}"),
    }
}

fn mem_error(e: TxError) -> MemError {
    match e {
        TxError::Membership(e) => e,
        other => panic!("expected a membership error, got {other:?}"),
    }
}

#[test]
fn a_document_anchors_once_under_any_lab_or_number_revoked_included() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let (cq, sc) = (demo_key("lab-cq"), demo_key("lab-sc"));
    let first = fields("DOC-1", today);
    let hash = first.document_hash;
    chain.ok(&cq, anchor(first));
    let holder: DocumentHolder = chain.read(&StorageKey::Document(hash)).unwrap();
    assert_eq!((holder.lab, holder.number), (cqjl(), number("DOC-1")));
    let held = CertError::DuplicateDocument {
        lab: cqjl(),
        number: number("DOC-1"),
    };
    // Another number of the same lab, and the other lab under the first lab's number.
    let mut again = fields("DOC-2", today);
    again.document_hash = hash;
    assert_eq!(cert_error(chain.rejects(&cq, anchor(again.clone()))), held);
    let mut other_lab = fields("DOC-1", today);
    other_lab.document_hash = hash;
    assert_eq!(cert_error(chain.rejects(&sc, anchor(other_lab))), held);
    // Revoked, its file still cannot come back; a supersession needs a new document.
    chain.ok(
        &cq,
        Call::Certificates(CertCall::Revoke {
            lab: cqjl(),
            number: number("DOC-1"),
            reason: text("录入错误"),
        }),
    );
    assert_eq!(cert_error(chain.rejects(&cq, anchor(again))), held);
    let revoked_demo = scheme().hash(&demo::document("CQJL", demo::CERT_REVOKED));
    let mut laundered = fields("DOC-3", today);
    laundered.document_hash = revoked_demo;
    assert_eq!(
        cert_error(chain.rejects(&sc, anchor(laundered))),
        CertError::DuplicateDocument {
            lab: cqjl(),
            number: number(demo::CERT_REVOKED)
        }
    );
    let mut same_file = fields("DOC-4", today);
    same_file.document_hash = scheme().hash(&demo::document("CQJL", demo::CERT_VALID));
    let supersede = Call::Certificates(CertCall::Supersede {
        old: number(demo::CERT_VALID),
        fields: same_file,
    });
    assert!(matches!(
        cert_error(chain.rejects(&cq, supersede)),
        CertError::DuplicateDocument { .. }
    ));
}

fn cq_standard() -> StandardId {
    StandardId {
        owner: cqjl(),
        code: "GZ-THE-001".parse().unwrap(),
    }
}

#[test]
fn standards_of_another_category_or_without_an_assessment_in_force_are_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let lab = demo_key("lab-cq");
    // A pressure gauge's certificate declaring the thermal working standard.
    let mut gauge = fields("P-1", today);
    gauge.category = Category::Mechanical;
    gauge.item = text("压力表");
    gauge.standards = vec![cq_standard()];
    assert_eq!(
        cert_error(chain.rejects(&lab, anchor(gauge))),
        CertError::StandardCategoryMismatch {
            standard: cq_standard(),
            standard_category: Category::Thermal,
            category: Category::Mechanical,
        }
    );
    // A thermometer calibrated before the standard's assessment was issued.
    let standard: hengxin_primitives::records::StandardRecord =
        chain.read(&StorageKey::Standard(cq_standard())).unwrap();
    let issued = standard.fields.assessment.issued;
    let mut early = fields("T-1", today);
    early.calibration_date = Date(issued.0 - 1);
    early.standards = vec![cq_standard()];
    assert!(matches!(
        cert_error(chain.rejects(&lab, anchor(early))),
        CertError::StandardNotAssessed { date, .. } if date == Date(issued.0 - 1)
    ));
    // The same standard on its assessment's first day, for a thermometer: anchored.
    let mut fits = fields("T-2", today);
    fits.calibration_date = issued;
    fits.standards = vec![cq_standard()];
    chain.ok(&lab, anchor(fits));
}

fn signer_der() -> Vec<u8> {
    let pem = include_str!("../../../../tests/fixtures/dcc-signed/signer.crt");
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    base64_decode(&body)
}

/// Standard base64 (the fixture's PEM body), without a dependency for one test.
fn base64_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0u32);
    for c in text.bytes().filter(|c| *c != b'=') {
        let v = ALPHABET.iter().position(|a| *a == c).unwrap() as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

#[test]
fn a_signed_dcc_anchors_only_with_a_signing_certificate_its_lab_registered_and_kept() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let (lab, other) = (demo_key("lab-cq"), demo_key("lab-sc"));
    let der = signer_der();
    let fingerprint = crypto::sha256(&der);
    let mut signed = fields("SIGNED-1", today);
    signed.signer = Some(fingerprint);
    let unknown = CertError::UnknownSigner {
        lab: cqjl(),
        fingerprint,
    };
    assert_eq!(
        cert_error(chain.rejects(&lab, anchor(signed.clone()))),
        unknown
    );
    // The other lab cannot register it for CQJL; CQJL's own key can.
    let add = Call::Membership(MemCall::AddDccCert {
        lab: cqjl(),
        certificate: der.clone(),
    });
    assert_eq!(
        mem_error(chain.rejects(&other, add.clone())),
        MemError::NotLabOrRegulator(cqjl())
    );
    chain.ok(&lab, add.clone());
    let record: LabRecord = chain.read(&StorageKey::Lab(cqjl())).unwrap();
    let entry = record.dcc_cert(&fingerprint).unwrap();
    assert_eq!(
        entry.subject.as_str(),
        "CN=Calibration Lab A1,O=Calibration A GmbH,C=DE",
        "RFC 4514, most specific first"
    );
    // 2021-12-02 to 2024-12-02.
    assert_eq!(
        entry.not_after_s - entry.not_before_s,
        3 * 365 * 86_400 + 86_400
    );
    assert!(matches!(
        mem_error(chain.rejects(&lab, add)),
        MemError::DccCertExists { .. }
    ));
    let bad = Call::Membership(MemCall::AddDccCert {
        lab: cqjl(),
        certificate: der[..der.len() - 1].to_vec(),
    });
    assert!(matches!(
        mem_error(chain.rejects(&lab, bad)),
        MemError::InvalidDccCert(_)
    ));
    chain.ok(&lab, anchor(signed));
    // Withdrawn by the regulator: no more DCCs signed by it.
    chain.ok(
        &demo_key("regulator-cq"),
        Call::Membership(MemCall::RemoveDccCert {
            lab: cqjl(),
            fingerprint,
        }),
    );
    let mut later = fields("SIGNED-2", today);
    later.signer = Some(fingerprint);
    assert_eq!(cert_error(chain.rejects(&lab, anchor(later))), unknown);
    let record: LabRecord = chain.read(&StorageKey::Lab(cqjl())).unwrap();
    assert!(
        record
            .dcc_cert(&fingerprint)
            .unwrap()
            .removed_height
            .is_some()
    );
}

#[test]
fn severe_records_need_their_evidence() {
    let mut chain = TestChain::new();
    let code = CreditCode::new(demo::BUSINESS_CQ).unwrap();
    let today = chain.today();
    let record = |event, evidence_hash| {
        Call::Credit(credit::Call::Record {
            credit_code: code.clone(),
            event,
            date: today,
            evidence_hash,
        })
    };
    let inspector = demo_key("inspector-cq");
    for event in [CreditEvent::V3, CreditEvent::V4] {
        let e = chain.rejects(&inspector, record(event, Hash::ZERO));
        assert_eq!(
            e,
            TxError::Credit(credit::Error::EvidenceRequired(event)),
            "{event:?}"
        );
    }
    chain.ok(&inspector, record(CreditEvent::V1, Hash::ZERO));
    chain.ok(&inspector, record(CreditEvent::V3, Hash([3; 32])));
}

#[test]
fn a_business_s_credit_code_carries_its_region_s_province_code() {
    let mut chain = TestChain::new();
    let register = |code: &str, region: &str| {
        Call::Membership(MemCall::RegisterBusiness {
            credit_code: CreditCode::completing(code).unwrap(),
            name: text("测试商户"),
            region: RegionCode::new(region).unwrap(),
            business_type: BusinessType::Market,
            key: None,
        })
    };
    // A Sichuan (51) code registered in CQ (50).
    let e = chain.rejects(
        &demo_key("regulator-cq"),
        register("91510104MA6CJ2Q4X", "CQ"),
    );
    let message = e.to_string();
    assert!(matches!(
        mem_error(e),
        MemError::CreditCodeOutsideRegion { province: 50, .. }
    ));
    assert!(
        message.contains("CQ") && message.contains("50"),
        "{message}"
    );
    chain.ok(
        &demo_key("regulator-sc"),
        register("91510104MA6CJ2Q4X", "SC"),
    );
}

fn inspector(n: u32) -> hengxin_primitives::Keypair {
    demo_key(&format!("test-assign-inspector-{n}"))
}

#[test]
fn a_short_target_is_completed_by_the_regulator_and_the_assigned_inspector_records() {
    let mut chain = TestChain::new();
    let regulator = demo_key("regulator-cq");
    let cq = RegionCode::new("CQ").unwrap();
    for n in 0..3 {
        chain.ok(
            &regulator,
            Call::Membership(MemCall::RegisterInspector {
                inspector: inspector(n).public(),
                region: cq.clone(),
                name: text(&format!("检查员 {n}")),
            }),
        );
    }
    // Inspector 2 declares a conflict with the gas station; the pool is inspector 0 alone.
    let station = CreditCode::new(demo::BUSINESS_CQ).unwrap();
    chain.ok(
        &inspector(2),
        Call::Inspection(InsCall::DeclareConflict {
            credit_code: station.clone(),
        }),
    );
    chain.ok(
        &regulator,
        Call::Inspection(InsCall::Plan {
            region: cq.clone(),
            business_types: vec![BusinessType::GasStation],
            ratios: [100; 4],
            inspectors: vec![inspector(0).public()],
            reveal_in: 2,
        }),
    );
    for _ in 0..3 {
        chain.block(&[]);
    }
    let draw: DrawRecord = chain.read(&StorageKey::Draw(1)).unwrap();
    assert!(
        draw.targets.iter().all(|t| t.short),
        "one inspector in the pool"
    );
    let assign = |who: Vec<u32>| {
        Call::Inspection(InsCall::Assign {
            plan: 1,
            credit_code: station.clone(),
            inspectors: who.into_iter().map(|n| inspector(n).public()).collect(),
        })
    };
    let refused = |e: TxError| match e {
        TxError::Inspection(InsError::CannotAssign { why, .. }) => why,
        other => panic!("expected CannotAssign, got {other:?}"),
    };
    assert_eq!(
        refused(chain.rejects(&regulator, assign(vec![2]))),
        AssignRefusal::Conflict
    );
    assert_eq!(
        refused(chain.rejects(&regulator, assign(vec![0]))),
        AssignRefusal::AlreadyOnTarget
    );
    assert_eq!(
        refused(chain.rejects(&regulator, assign(vec![1, 2]))),
        AssignRefusal::TooMany,
        "one drawn and two assigned; nothing of the refused call is kept"
    );
    assert!(matches!(
        chain.rejects(&demo_key("regulator-sc"), assign(vec![1])),
        TxError::Inspection(InsError::NotRegulatorOf(_))
    ));
    // Before the assignment, inspector 1 may not record; after it, it may.
    let result = Call::Inspection(InsCall::RecordResult {
        plan: 1,
        credit_code: station.clone(),
        outcome: Outcome::Pass,
        evidence_hash: Hash([9; 32]),
    });
    assert!(matches!(
        chain.rejects(&inspector(1), result.clone()),
        TxError::Inspection(InsError::NotDrawnInspector(_))
    ));
    chain.ok(&regulator, assign(vec![1]));
    let assigned: Vec<Assignment> = chain
        .read(&StorageKey::Assignments(1, station.clone()))
        .unwrap();
    assert_eq!(assigned.len(), 1);
    assert_eq!(
        (assigned[0].inspector, assigned[0].by),
        (inspector(1).public(), regulator.public())
    );
    assert_eq!(
        refused(chain.rejects(&regulator, assign(vec![2]))),
        AssignRefusal::TooMany,
        "two inspectors now"
    );
    chain.ok(&inspector(1), result);
}
