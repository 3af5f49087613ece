//! The error codes (the calls are exercised in the runtime's scenario tests).

use super::*;

#[test]
fn every_error_has_its_stable_code() {
    let lab = LabCode::new("CQJL").unwrap();
    let number = CertNumber::new("JJG 52-2013/No. 17").unwrap();
    let standard = StandardId {
        owner: lab.clone(),
        code: "S1".parse().unwrap(),
    };
    let standard2 = standard.clone();
    let instrument = hengxin_primitives::InstrumentId::parse("CQ-1").unwrap();
    let class = hengxin_primitives::ClassCode::new("FUEL").unwrap();
    let cases = [
        (Error::NotLabKey, "certificates.not_lab_key"),
        (
            Error::KeyNotActive(lab.clone()),
            "certificates.key_not_active",
        ),
        (
            Error::LabSuspended(lab.clone()),
            "certificates.lab_suspended",
        ),
        (
            Error::NotInScope {
                lab: lab.clone(),
                category: Category::Length,
                item: Text::lossy("gauge"),
                date: Date::from_ymd(2026, 3, 2).unwrap(),
            },
            "certificates.not_in_scope",
        ),
        (
            Error::DuplicateNumber {
                lab: lab.clone(),
                number: number.clone(),
            },
            "certificates.duplicate_number",
        ),
        (
            Error::UnknownCertificate {
                lab: lab.clone(),
                number: number.clone(),
            },
            "certificates.unknown_certificate",
        ),
        (
            Error::AlreadyRevoked {
                lab: lab.clone(),
                number: number.clone(),
            },
            "certificates.already_revoked",
        ),
        (
            Error::AlreadySuperseded {
                lab: lab.clone(),
                number,
            },
            "certificates.already_superseded",
        ),
        (Error::NotIssuer(lab.clone()), "certificates.not_issuer"),
        (
            Error::InvalidFields(Text::lossy("x")),
            "certificates.invalid_fields",
        ),
        (
            Error::UnknownStandard(standard.clone()),
            "certificates.unknown_standard",
        ),
        (Error::UnknownLab(lab.clone()), "certificates.unknown_lab"),
        (
            Error::DuplicateDocument {
                lab: lab.clone(),
                number: CertNumber::new("1").unwrap(),
            },
            "certificates.duplicate_document",
        ),
        (
            Error::UnknownSigner {
                lab,
                fingerprint: Hash([1; 32]),
            },
            "certificates.unknown_signer",
        ),
        (
            Error::StandardCategoryMismatch {
                standard: standard2.clone(),
                standard_category: Category::Thermal,
                category: Category::Mechanical,
            },
            "certificates.standard_category_mismatch",
        ),
        (
            Error::StandardNotAssessed {
                standard: standard2,
                date: Date::UNIX_EPOCH,
                issued: Date::UNIX_EPOCH,
                valid_until: Date::UNIX_EPOCH,
            },
            "certificates.standard_not_assessed",
        ),
        (
            Error::UnknownInstrument(instrument.clone()),
            "certificates.unknown_instrument",
        ),
        (
            Error::InstrumentRetired(instrument.clone()),
            "certificates.instrument_retired",
        ),
        (
            Error::InstrumentCategoryMismatch {
                id: instrument,
                class: class.clone(),
                class_category: Category::Mechanical,
                category: Category::Thermal,
            },
            "certificates.instrument_category_mismatch",
        ),
        (
            Error::ValidityBeyondPeriod {
                class,
                period_months: 6,
                latest: Date::UNIX_EPOCH,
                valid_until: Date::UNIX_EPOCH,
            },
            "certificates.validity_beyond_period",
        ),
        (
            Error::InstrumentHistoryFull(hengxin_primitives::InstrumentId::parse("CQ-2").unwrap()),
            "certificates.instrument_history_full",
        ),
    ];
    hengxin_support::assert_error_codes(&cases, Error::code);
}
