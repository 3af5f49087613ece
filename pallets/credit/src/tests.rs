//! The error codes (the calls are exercised in the runtime's scenario tests).

use super::*;

#[test]
fn every_error_has_its_stable_code() {
    let code: CreditCode = "91500103MA60K7LX03".parse().unwrap();
    let region = RegionCode::new("CQ").unwrap();
    let day = Date::UNIX_EPOCH;
    let cases = [
        (
            Error::UnknownBusiness(code.clone()),
            "credit.unknown_business",
        ),
        (
            Error::NotBusinessOrRegulator(code.clone()),
            "credit.not_business_or_regulator",
        ),
        (
            Error::NotInspectorOrRegulator(region.clone()),
            "credit.not_inspector_or_regulator",
        ),
        (Error::NotRegulatorOf(region), "credit.not_regulator_of"),
        (Error::DateInFuture { today: day }, "credit.date_in_future"),
        (Error::TooManyRecords, "credit.too_many_records"),
        (Error::TooManyCommitments, "credit.too_many_commitments"),
        (Error::NoSuchRecord(1), "credit.no_such_record"),
        (Error::NotWithdrawable(1), "credit.not_withdrawable"),
        (Error::AlreadyWithdrawn(1), "credit.already_withdrawn"),
        (Error::NotRepairable(1), "credit.not_repairable"),
        (
            Error::RepairTooEarly { from: day },
            "credit.repair_too_early",
        ),
        (Error::AlreadyRepaired(1), "credit.already_repaired"),
        (Error::RepairPending(1), "credit.repair_pending"),
        (
            Error::NoRepairApplication(1),
            "credit.no_repair_application",
        ),
        (Error::NotBusiness(code), "credit.not_business"),
        (
            Error::EvidenceRequired(hengxin_primitives::credit::CreditEvent::V3),
            "credit.evidence_required",
        ),
    ];
    hengxin_support::assert_error_codes(&cases, Error::code);
}
