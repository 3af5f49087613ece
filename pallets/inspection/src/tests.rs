//! The error codes (the calls are exercised in the runtime's scenario tests).

use super::*;

#[test]
fn every_error_has_its_stable_code() {
    let code: CreditCode = "91500103MA60K7LX03".parse().unwrap();
    let region = RegionCode::new("CQ").unwrap();
    let key = AccountId::Ed25519([1; 32]);
    let cases = [
        (
            Error::NotRegulatorOf(region.clone()),
            "inspection.not_regulator_of",
        ),
        (Error::RevealTooSoon, "inspection.reveal_too_soon"),
        (Error::RevealTooFar, "inspection.reveal_too_far"),
        (Error::NoBusinessTypes, "inspection.no_business_types"),
        (Error::BadRatio(101), "inspection.bad_ratio"),
        (Error::EmptyPool, "inspection.empty_pool"),
        (Error::PoolTooLarge, "inspection.pool_too_large"),
        (
            Error::NotInspectorOf(key, region.clone()),
            "inspection.not_inspector_of",
        ),
        (
            Error::TooManyPlansAtHeight(5),
            "inspection.too_many_plans_at_height",
        ),
        (Error::TooManyPlans(region), "inspection.too_many_plans"),
        (Error::NotInspector, "inspection.not_inspector"),
        (
            Error::UnknownBusiness(code.clone()),
            "inspection.unknown_business",
        ),
        (
            Error::ConflictExists(code.clone()),
            "inspection.conflict_exists",
        ),
        (Error::TooManyConflicts, "inspection.too_many_conflicts"),
        (Error::NoSuchPlan(1), "inspection.no_such_plan"),
        (Error::NotDrawn { reveal_height: 4 }, "inspection.not_drawn"),
        (Error::NotTarget(code.clone()), "inspection.not_target"),
        (
            Error::NotDrawnInspector(code.clone()),
            "inspection.not_drawn_inspector",
        ),
        (
            Error::AlreadyRecorded(code.clone()),
            "inspection.already_recorded",
        ),
        (
            Error::CreditRecordsFull(code.clone()),
            "inspection.credit_records_full",
        ),
        (
            Error::EvidenceRequired(hengxin_primitives::credit::CreditEvent::V4),
            "inspection.evidence_required",
        ),
        (Error::NotShort(code.clone()), "inspection.not_short"),
        (
            Error::CannotAssign {
                inspector: hengxin_primitives::PublicKey::Ed25519([1; 32]),
                credit_code: code,
                why: crate::AssignRefusal::Conflict,
            },
            "inspection.cannot_assign",
        ),
    ];
    hengxin_support::assert_error_codes(&cases, Error::code);
}
