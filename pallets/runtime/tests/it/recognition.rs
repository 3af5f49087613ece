//! The recognition pallet: proposing, accepting and ending 川渝 agreements, and who may.

use hengxin_chain_spec::demo;
use hengxin_primitives::recognition::{Agreement, recognized_in};
use hengxin_primitives::records::{CertKind, CertificateRecord, LabRecord};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Category, Date, LabCode, RegionCode};
use hengxin_runtime::recognition::{Call as RecCall, Error, Event as RecEvent};
use hengxin_runtime::{Call, Event, TxError};

use crate::harness::*;

fn rec_error(e: TxError) -> Error {
    match e {
        TxError::Recognition(e) => e,
        other => panic!("expected a recognition error, got {other:?}"),
    }
}

fn region(code: &str) -> RegionCode {
    RegionCode::new(code).unwrap()
}

fn propose(from: Date) -> Call {
    Call::Recognition(RecCall::Propose {
        partner: region("SC"),
        kinds: vec![CertKind::Calibration],
        categories: vec![Category::Mechanical, Category::Thermal],
        from,
    })
}

fn agreement(chain: &TestChain, id: u64) -> Agreement {
    chain.read(&StorageKey::Agreement(id)).unwrap()
}

#[test]
fn the_demo_genesis_carries_the_chuanyu_agreement() {
    let chain = TestChain::new();
    let a = agreement(&chain, demo::CHUANYU_AGREEMENT);
    assert_eq!((a.proposer.as_str(), a.partner.as_str()), ("CQ", "SC"));
    assert_eq!(a.kinds, [CertKind::Verification, CertKind::Notice]);
    assert_eq!(a.categories.len(), 10);
    assert!(a.in_force_on(chain.today()));
    let ids: Vec<u64> = chain.read(&StorageKey::AgreementsOf(region("SC"))).unwrap();
    assert_eq!(ids, [demo::CHUANYU_AGREEMENT]);
    // The demo verification certificate is recognised in both; the SCJL calibration one only
    // at home (calibration is not covered).
    let lab = |code: &str| -> LabRecord {
        chain
            .read(&StorageKey::Lab(LabCode::new(code).unwrap()))
            .unwrap()
    };
    let cert = |code: &str, n: &str| -> CertificateRecord {
        chain
            .read(&StorageKey::Certificate(
                LabCode::new(code).unwrap(),
                number(n),
            ))
            .unwrap()
    };
    let valid = cert("CQJL", demo::CERT_VALID);
    assert_eq!(
        recognized_in(&valid, &lab("CQJL"), std::slice::from_ref(&a)),
        [region("CQ"), region("SC")]
    );
    let calibration = cert("SCJL", demo::CERT_SCJL_CALIBRATION);
    assert_eq!(
        recognized_in(&calibration, &lab("SCJL"), &[a]),
        [region("SC")]
    );
}

#[test]
fn one_region_proposes_the_other_accepts_either_ends() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let (cq, sc) = (demo_key("regulator-cq"), demo_key("regulator-sc"));
    let event = chain.ok(&cq, propose(today));
    assert_eq!(
        event,
        Event::Recognition(RecEvent::AgreementProposed { id: 2 })
    );
    assert_eq!(agreement(&chain, 2).accepted_height, None);
    // The proposer cannot accept its own proposal; a lab cannot accept; a stranger cannot.
    let e = chain.rejects(&cq, Call::Recognition(RecCall::Accept { id: 2 }));
    assert_eq!(rec_error(e), Error::NotPartner(region("SC")));
    let e = chain.rejects(
        &demo_key("lab-sc"),
        Call::Recognition(RecCall::Accept { id: 2 }),
    );
    assert_eq!(rec_error(e), Error::NotRegulator);
    // Not accepted: nothing to end.
    let e = chain.rejects(
        &sc,
        Call::Recognition(RecCall::End {
            id: 2,
            from: today.add_months(1),
        }),
    );
    assert_eq!(rec_error(e), Error::NotAccepted(2));
    let event = chain.ok(&sc, Call::Recognition(RecCall::Accept { id: 2 }));
    assert_eq!(
        event,
        Event::Recognition(RecEvent::AgreementAccepted { id: 2 })
    );
    let e = chain.rejects(&sc, Call::Recognition(RecCall::Accept { id: 2 }));
    assert_eq!(rec_error(e), Error::AlreadyAccepted(2));
    // Ending: from a later date than its start, not in the past; by either side, once.
    let end = |from| Call::Recognition(RecCall::End { id: 2, from });
    let e = chain.rejects(&sc, end(today));
    assert!(
        matches!(rec_error(e), Error::BadEndDate { .. }),
        "not after its start"
    );
    let event = chain.ok(&cq, end(today.add_months(6)));
    assert_eq!(
        event,
        Event::Recognition(RecEvent::AgreementEnded {
            id: 2,
            from: today.add_months(6)
        })
    );
    let e = chain.rejects(&sc, end(today.add_months(7)));
    assert_eq!(rec_error(e), Error::AlreadyEnded(2));
    let a = agreement(&chain, 2);
    assert!(a.in_force_on(today) && !a.in_force_on(today.add_months(6)));
    let ids: Vec<u64> = chain.read(&StorageKey::AgreementsOf(region("CQ"))).unwrap();
    assert_eq!(ids, [1, 2], "both regions list it");
}

#[test]
fn bad_proposals_are_refused_and_change_nothing() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let cq = demo_key("regulator-cq");
    let with = |partner: &str, kinds: Vec<CertKind>, categories: Vec<Category>| {
        Call::Recognition(RecCall::Propose {
            partner: region(partner),
            kinds,
            categories,
            from: today,
        })
    };
    let e = chain.rejects(
        &cq,
        with("CQ", vec![CertKind::Notice], vec![Category::Length]),
    );
    assert_eq!(rec_error(e), Error::SameRegion);
    let e = chain.rejects(
        &cq,
        with("GZ", vec![CertKind::Notice], vec![Category::Length]),
    );
    assert_eq!(rec_error(e), Error::UnknownRegion(region("GZ")));
    let e = chain.rejects(&cq, with("SC", vec![], vec![Category::Length]));
    assert_eq!(rec_error(e), Error::NothingCovered);
    let e = chain.rejects(&cq, with("SC", vec![CertKind::Notice], vec![]));
    assert_eq!(rec_error(e), Error::NothingCovered);
    let e = chain.rejects(&demo_key("lab-cq"), propose(today));
    assert_eq!(rec_error(e), Error::NotRegulator);
    let e = chain.rejects(&demo_key("inspector-cq"), propose(today));
    assert_eq!(rec_error(e), Error::NotRegulator);
    let e = chain.rejects(&cq, Call::Recognition(RecCall::Accept { id: 9 }));
    assert_eq!(rec_error(e), Error::NoSuchAgreement(9));
    // Only a regulator ends an agreement.
    let e = chain.rejects(
        &demo_key("lab-sc"),
        Call::Recognition(RecCall::End {
            id: 1,
            from: today.add_months(1),
        }),
    );
    assert_eq!(rec_error(e), Error::NotRegulator);
    // Kinds and categories are kept sorted and once each.
    chain.ok(
        &cq,
        with(
            "SC",
            vec![CertKind::Notice, CertKind::Verification, CertKind::Notice],
            vec![Category::Thermal, Category::Length, Category::Thermal],
        ),
    );
    let a = agreement(&chain, 2);
    assert_eq!(a.kinds, [CertKind::Verification, CertKind::Notice]);
    assert_eq!(a.categories, [Category::Length, Category::Thermal]);
}
