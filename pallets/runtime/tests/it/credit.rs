//! The credit pallet: commitments, records, withdrawal and repair, and who may; the grade the
//! shared rule computes from what the chain holds.

use hengxin_chain_spec::demo;
use hengxin_primitives::credit::{
    Commitment, CreditEvent, CreditParams, CreditRecord, Grade, commitment_on, grade,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CreditCode, Date, Hash};
use hengxin_runtime::credit::{Call as CreditCall, Error, Event as CreditEvent_};
use hengxin_runtime::{Call, Event, TxError};

use crate::harness::*;

fn credit_error(e: TxError) -> Error {
    match e {
        TxError::Credit(e) => e,
        other => panic!("expected a credit error, got {other:?}"),
    }
}

fn cq() -> CreditCode {
    CreditCode::new(demo::BUSINESS_CQ).unwrap()
}

fn record(event: CreditEvent, date: Date) -> Call {
    Call::Credit(CreditCall::Record {
        credit_code: cq(),
        event,
        date,
        evidence_hash: Hash([5; 32]),
    })
}

/// The grade of `code` on `on`, from what the chain holds.
fn standing(chain: &TestChain, code: &CreditCode, on: Date) -> (i64, Grade) {
    let records: Vec<CreditRecord> = chain
        .read(&StorageKey::CreditRecords(code.clone()))
        .unwrap_or_default();
    let commitments: Vec<Commitment> = chain
        .read(&StorageKey::Commitment(code.clone()))
        .unwrap_or_default();
    let params: CreditParams = chain.read(&StorageKey::CreditParams).unwrap();
    let s = grade(&records, commitment_on(&commitments, on), on, &params);
    (s.score, s.grade)
}

#[test]
fn the_demo_businesses_are_a_100_and_b_100() {
    let chain = TestChain::new();
    let today = chain.today();
    assert_eq!(standing(&chain, &cq(), today), (100, Grade::A));
    let sc = CreditCode::new(demo::BUSINESS_SC).unwrap();
    assert_eq!(
        standing(&chain, &sc, today),
        (100, Grade::B),
        "no self-commitment"
    );
    assert_eq!(
        chain.read::<CreditParams>(&StorageKey::CreditParams),
        Some(CreditParams::default())
    );
}

#[test]
fn inspectors_record_a_business_cannot_rate_itself_and_p2_is_for_regulators() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let event = chain.ok(&demo_key("inspector-cq"), record(CreditEvent::V2, today));
    assert_eq!(
        event,
        Event::Credit(CreditEvent_::Recorded {
            credit_code: cq(),
            id: 0,
            event: CreditEvent::V2
        })
    );
    assert_eq!(standing(&chain, &cq(), today), (85, Grade::B));
    let e = chain.rejects(&demo_key("business-cq"), record(CreditEvent::P2, today));
    assert!(
        matches!(credit_error(e), Error::NotInspectorOrRegulator(_)),
        "a business rating itself"
    );
    let e = chain.rejects(&demo_key("inspector-sc"), record(CreditEvent::V1, today));
    assert!(
        matches!(credit_error(e), Error::NotInspectorOrRegulator(_)),
        "another region's inspector"
    );
    let e = chain.rejects(&demo_key("regulator-sc"), record(CreditEvent::V1, today));
    assert!(
        matches!(credit_error(e), Error::NotInspectorOrRegulator(_)),
        "another region's regulator"
    );
    let e = chain.rejects(&demo_key("inspector-cq"), record(CreditEvent::P2, today));
    assert!(
        matches!(credit_error(e), Error::NotRegulatorOf(_)),
        "P2 is a regulator's"
    );
    let e = chain.rejects(
        &demo_key("inspector-cq"),
        record(CreditEvent::V1, Date(today.0 + 1)),
    );
    assert!(matches!(credit_error(e), Error::DateInFuture { .. }));
    // A regulator designates a model unit, and withdraws it.
    chain.ok(&demo_key("regulator-cq"), record(CreditEvent::P2, today));
    assert_eq!(standing(&chain, &cq(), today), (95, Grade::A));
    let withdraw = |id| {
        Call::Credit(CreditCall::Withdraw {
            credit_code: cq(),
            record: id,
        })
    };
    let e = chain.rejects(&demo_key("regulator-cq"), withdraw(0));
    assert_eq!(credit_error(e), Error::NotWithdrawable(0));
    let e = chain.rejects(&demo_key("inspector-cq"), withdraw(1));
    assert!(matches!(credit_error(e), Error::NotRegulatorOf(_)));
    chain.ok(&demo_key("regulator-cq"), withdraw(1));
    let e = chain.rejects(&demo_key("regulator-cq"), withdraw(1));
    assert_eq!(credit_error(e), Error::AlreadyWithdrawn(1));
    assert_eq!(standing(&chain, &cq(), today), (85, Grade::B));
}

#[test]
fn commitments_are_filed_by_the_business_or_its_regulator() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let sc = CreditCode::new(demo::BUSINESS_SC).unwrap();
    let commit = |date| {
        Call::Credit(CreditCall::Commit {
            credit_code: sc.clone(),
            document_hash: Hash([8; 32]),
            date,
        })
    };
    let e = chain.rejects(&demo_key("business-cq"), commit(today));
    assert!(
        matches!(credit_error(e), Error::NotBusinessOrRegulator(_)),
        "another business's key"
    );
    let e = chain.rejects(&demo_key("inspector-sc"), commit(today));
    assert!(matches!(credit_error(e), Error::NotBusinessOrRegulator(_)));
    let e = chain.rejects(&demo_key("business-sc"), commit(Date(today.0 + 1)));
    assert!(matches!(credit_error(e), Error::DateInFuture { .. }));
    chain.ok(&demo_key("business-sc"), commit(today));
    assert_eq!(standing(&chain, &sc, today), (100, Grade::A));
    // One made on paper a year ago, filed by the regulator: kept in date order.
    chain.ok(&demo_key("regulator-sc"), commit(Date(today.0 - 365)));
    let filed: Vec<Commitment> = chain.read(&StorageKey::Commitment(sc.clone())).unwrap();
    assert!(filed[0].date < filed[1].date);
    assert_eq!(filed[0].filed_by, demo_key("regulator-sc").public());
    let unknown = seeded(&[3; 32]);
    let e = chain.rejects(&unknown, commit(today));
    assert!(matches!(credit_error(e), Error::NotBusinessOrRegulator(_)));
}

#[test]
fn repair_opens_after_six_months_or_twelve_and_only_its_regulator_decides() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let inspector = demo_key("inspector-cq");
    chain.ok(&inspector, record(CreditEvent::V1, Date(today.0 - 200)));
    chain.ok(&inspector, record(CreditEvent::V3, Date(today.0 - 200)));
    chain.ok(&inspector, record(CreditEvent::P1, Date(today.0 - 10)));
    let apply = |id| {
        Call::Credit(CreditCall::ApplyRepair {
            credit_code: cq(),
            record: id,
        })
    };
    let business = demo_key("business-cq");
    let e = chain.rejects(&business, apply(1));
    assert!(
        matches!(credit_error(e), Error::RepairTooEarly { .. }),
        "a V3 waits twelve months"
    );
    let e = chain.rejects(&business, apply(2));
    assert_eq!(credit_error(e), Error::NotRepairable(2));
    let e = chain.rejects(&business, apply(7));
    assert_eq!(credit_error(e), Error::NoSuchRecord(7));
    let e = chain.rejects(&demo_key("regulator-cq"), apply(0));
    assert!(
        matches!(credit_error(e), Error::NotBusiness(_)),
        "the business applies"
    );
    chain.ok(&business, apply(0));
    let e = chain.rejects(&business, apply(0));
    assert_eq!(credit_error(e), Error::RepairPending(0));
    let decide = |approve: bool| {
        let (credit_code, record) = (cq(), 0);
        Call::Credit(match approve {
            true => CreditCall::ApproveRepair {
                credit_code,
                record,
            },
            false => CreditCall::RejectRepair {
                credit_code,
                record,
            },
        })
    };
    let e = chain.rejects(&demo_key("regulator-sc"), decide(true));
    assert!(
        matches!(credit_error(e), Error::NotRegulatorOf(_)),
        "a foreign regulator"
    );
    let e = chain.rejects(&inspector, decide(true));
    assert!(matches!(credit_error(e), Error::NotRegulatorOf(_)));
    // Rejected, applied again, approved.
    chain.ok(&demo_key("regulator-cq"), decide(false));
    let e = chain.rejects(&demo_key("regulator-cq"), decide(true));
    assert_eq!(credit_error(e), Error::NoRepairApplication(0));
    chain.ok(&business, apply(0));
    let before = standing(&chain, &cq(), today);
    assert_eq!(before, (100 - 10 - 40 + 2, Grade::D));
    chain.ok(&demo_key("regulator-cq"), decide(true));
    assert_eq!(standing(&chain, &cq(), today), (100 - 40 + 2, Grade::D));
    let e = chain.rejects(&business, apply(0));
    assert_eq!(credit_error(e), Error::AlreadyRepaired(0));
    // The repaired record stays in the history, marked; yesterday it still counted.
    let records: Vec<CreditRecord> = chain.read(&StorageKey::CreditRecords(cq())).unwrap();
    assert_eq!(records[0].repaired, Some(today));
    assert_eq!(standing(&chain, &cq(), Date(today.0 - 1)), before);
}
