//! The stable error codes: clients match on them, so each is pinned here.

use hengxin_primitives::block::ValidatorSetError;
use hengxin_primitives::{CreditCode, LabCode, PublicKey, RegionCode, Text};

use crate::Error;

#[test]
fn every_error_has_its_stable_code() {
    let lab = LabCode::new("CQJL").unwrap();
    let region = RegionCode::new("CQ").unwrap();
    let key = PublicKey::Ed25519([7; 32]);
    let cases = [
        (Error::NotRegulator, "membership.not_regulator"),
        (
            Error::NotRegulatorOf {
                region: region.clone(),
            },
            "membership.not_regulator_of",
        ),
        (
            Error::UnknownRegion(region.clone()),
            "membership.unknown_region",
        ),
        (Error::LabExists(lab.clone()), "membership.lab_exists"),
        (Error::UnknownLab(lab.clone()), "membership.unknown_lab"),
        (Error::KeyInUse(key), "membership.key_in_use"),
        (
            Error::NotLabKey {
                lab: lab.clone(),
                key,
            },
            "membership.not_lab_key",
        ),
        (
            Error::KeyAlreadyRemoved(key),
            "membership.key_already_removed",
        ),
        (
            Error::NotLabOrRegulator(lab.clone()),
            "membership.not_lab_or_regulator",
        ),
        (
            Error::StatusUnchanged {
                lab,
                status: Text::lossy("active"),
            },
            "membership.status_unchanged",
        ),
        (
            Error::TooMany {
                what: Text::lossy("lab keys"),
                max: 32,
            },
            "membership.too_many",
        ),
        (
            Error::InvalidScope(Text::lossy("x")),
            "membership.invalid_scope",
        ),
        (Error::NotInspector(key), "membership.not_inspector"),
        (
            Error::BusinessExists(CreditCode::new("91350100M000100Y43").unwrap()),
            "membership.business_exists",
        ),
        (
            Error::InvalidValidatorSet(ValidatorSetError::Empty),
            "membership.invalid_validator_set",
        ),
        (Error::NoSuchProposal(3), "membership.no_such_proposal"),
        (
            Error::AlreadyApproved(region),
            "membership.already_approved",
        ),
        (
            Error::UnknownBusiness("91500103MA60K7LX03".parse().unwrap()),
            "membership.unknown_business",
        ),
        (
            Error::TooManyInspectors(RegionCode::new("CQ").unwrap()),
            "membership.too_many_inspectors",
        ),
        (
            Error::InvalidDccCert(Text::lossy("x")),
            "membership.invalid_dcc_cert",
        ),
        (
            Error::DccCertExists {
                lab: LabCode::new("CQJL").unwrap(),
                fingerprint: hengxin_primitives::Hash([1; 32]),
            },
            "membership.dcc_cert_exists",
        ),
        (
            Error::UnknownDccCert {
                lab: LabCode::new("CQJL").unwrap(),
                fingerprint: hengxin_primitives::Hash([1; 32]),
            },
            "membership.unknown_dcc_cert",
        ),
        (
            Error::DccCertAlreadyRemoved(hengxin_primitives::Hash([1; 32])),
            "membership.dcc_cert_already_removed",
        ),
        (
            Error::CreditCodeOutsideRegion {
                credit_code: CreditCode::new("91500103MA60K7LX03").unwrap(),
                region: RegionCode::new("SC").unwrap(),
                province: 51,
            },
            "membership.credit_code_outside_region",
        ),
    ];
    hengxin_support::assert_error_codes(&cases, Error::code);
}
