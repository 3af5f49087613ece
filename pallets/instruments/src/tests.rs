//! The error codes (the calls are exercised in the runtime's scenario tests).

use super::*;
use hengxin_primitives::RegionCode;

#[test]
fn every_error_has_its_stable_code() {
    let class = ClassCode::new("FUEL").unwrap();
    let code: CreditCode = "91500103MA60K7LX03".parse().unwrap();
    let region = RegionCode::new("CQ").unwrap();
    let id = InstrumentId {
        region: region.clone(),
        seq: 1,
    };
    let cases = [
        (Error::NotRegulator, "instruments.not_regulator"),
        (
            Error::DuplicateClass(class.clone()),
            "instruments.duplicate_class",
        ),
        (Error::InvalidPeriod(0), "instruments.invalid_period"),
        (Error::UnknownClass(class), "instruments.unknown_class"),
        (
            Error::UnknownOwner(code.clone()),
            "instruments.unknown_owner",
        ),
        (
            Error::NotOwnerOrRegulator(code.clone()),
            "instruments.not_owner_or_regulator",
        ),
        (
            Error::DivisionOutsideRegion {
                division: Division::new(510104).unwrap(),
                region: region.clone(),
                province: 50,
            },
            "instruments.division_outside_region",
        ),
        (Error::Duplicate(id.clone()), "instruments.duplicate"),
        (
            Error::UnknownInstrument(id.clone()),
            "instruments.unknown_instrument",
        ),
        (Error::Retired(id), "instruments.retired"),
        (
            Error::BadTransfer { region, to: code },
            "instruments.bad_transfer",
        ),
        (Error::NotActiveLab, "instruments.not_active_lab"),
        (
            Error::DateInFuture {
                date: Date::UNIX_EPOCH,
                today: Date::UNIX_EPOCH,
            },
            "instruments.date_in_future",
        ),
        (Error::TooManySeals, "instruments.too_many_seals"),
        (
            Error::UnknownLab(LabCode::new("CQJL").unwrap()),
            "instruments.unknown_lab",
        ),
        (Error::Unidentified, "instruments.unidentified"),
        (
            Error::HistoryFull(InstrumentId {
                region: RegionCode::new("CQ").unwrap(),
                seq: 2,
            }),
            "instruments.history_full",
        ),
    ];
    hengxin_support::assert_error_codes(&cases, Error::code);
}
