//! Why a membership call was refused: stable variants and codes, which clients match.

use hengxin_primitives::block::ValidatorSetError;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::{AccountId, CreditCode, Hash, LabCode, RegionCode, Text};
use hengxin_support::PalletError;

use crate::INSPECTORS_PER_REGION_MAX;
use parity_scale_codec::{Decode, Encode};

/// Why a membership call was refused. Stable: clients match on these.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// The signer is no regulator.
    #[codec(index = 0)]
    #[error("the signer is not a regulator")]
    NotRegulator,
    /// The signer regulates another region.
    #[codec(index = 1)]
    #[error("the signer is not a regulator of region {region}")]
    NotRegulatorOf {
        /// The region that would have to sign.
        region: RegionCode,
    },
    /// No such region.
    #[codec(index = 2)]
    #[error("region {0} is not registered")]
    UnknownRegion(RegionCode),
    /// A lab with this code exists.
    #[codec(index = 3)]
    #[error("lab {0} is already registered")]
    LabExists(LabCode),
    /// No such lab.
    #[codec(index = 4)]
    #[error("lab {0} is not registered")]
    UnknownLab(LabCode),
    /// The key already has a role on the chain.
    #[codec(index = 5)]
    #[error("key {0} already has a role on this chain; generate a new key")]
    KeyInUse(AccountId),
    /// The key is not one of the lab's.
    #[codec(index = 6)]
    #[error("key {key} is not a key of lab {lab}")]
    NotLabKey {
        /// The lab.
        lab: LabCode,
        /// The key.
        key: AccountId,
    },
    /// The key was already retired.
    #[codec(index = 7)]
    #[error("key {0} is already retired")]
    KeyAlreadyRemoved(AccountId),
    /// The signer may not manage this lab's keys.
    #[codec(index = 8)]
    #[error("only an active key of lab {0} or its regulator may change its keys")]
    NotLabOrRegulator(LabCode),
    /// The lab is already in the requested status.
    #[codec(index = 9)]
    #[error("lab {lab} is already {status}")]
    StatusUnchanged {
        /// The lab.
        lab: LabCode,
        /// `active` or `suspended`.
        status: Text,
    },
    /// A list is over its limit.
    #[codec(index = 10)]
    #[error("too many {what}: at most {max}")]
    TooMany {
        /// What.
        what: Text,
        /// The limit.
        max: u32,
    },
    /// The scope is empty or names a category twice for the same item.
    #[codec(index = 11)]
    #[error("scope is invalid: {0}")]
    InvalidScope(Text),
    /// The account is no (active) inspector.
    #[codec(index = 12)]
    #[error("{0} is not an active inspector")]
    NotInspector(AccountId),
    /// A business with this credit code exists.
    #[codec(index = 13)]
    #[error("business {0} is already registered")]
    BusinessExists(CreditCode),
    /// The proposed validator set breaks the set rules.
    #[codec(index = 14)]
    #[error("invalid validator set: {0}")]
    InvalidValidatorSet(ValidatorSetError),
    /// No proposal with this id awaits approval.
    #[codec(index = 15)]
    #[error("no validator-set proposal {0} awaits approval")]
    NoSuchProposal(u64),
    /// The region already approved.
    #[codec(index = 16)]
    #[error("region {0} already approved this proposal")]
    AlreadyApproved(RegionCode),
    /// No business has this code.
    #[codec(index = 17)]
    #[error("no business {0} is registered")]
    UnknownBusiness(CreditCode),
    /// The region has registered the most inspectors it may.
    #[codec(index = 18)]
    #[error("region {0} has registered {INSPECTORS_PER_REGION_MAX} inspectors already")]
    TooManyInspectors(RegionCode),
    /// The DCC signing certificate cannot be read.
    #[codec(index = 19)]
    #[error("the DCC signing certificate is invalid: {0}")]
    InvalidDccCert(Text),
    /// The lab has registered this certificate already (removed ones stay removed).
    #[codec(index = 20)]
    #[error("lab {lab} has registered DCC signing certificate {fingerprint} already")]
    DccCertExists {
        /// The lab.
        lab: LabCode,
        /// Its fingerprint.
        fingerprint: Hash,
    },
    /// The lab never registered this certificate.
    #[codec(index = 21)]
    #[error("lab {lab} has registered no DCC signing certificate {fingerprint}")]
    UnknownDccCert {
        /// The lab.
        lab: LabCode,
        /// The fingerprint given.
        fingerprint: Hash,
    },
    /// The certificate was removed already.
    #[codec(index = 22)]
    #[error("DCC signing certificate {0} is already removed")]
    DccCertAlreadyRemoved(Hash),
    /// The credit code was not registered in the region's province.
    #[codec(index = 23)]
    #[error(
        "统一社会信用代码 {credit_code} 的登记机关代码（第 3–4 位）不是 {region} 的省级代码 \
         {province:02} / credit code {credit_code} does not carry region {region}'s GB/T 2260 \
         province code {province:02} in its 3rd and 4th characters; check the code, or register \
         the business in the region whose code it carries"
    )]
    CreditCodeOutsideRegion {
        /// The code given.
        credit_code: CreditCode,
        /// The region named.
        region: RegionCode,
        /// That region's province code.
        province: u8,
    },
    /// A key of the other scheme than the chain's.
    #[codec(index = 24)]
    #[error(
        "密钥 {key} 属于 {found}，本链使用 {chain} / key {key} is an {found} key and this chain \
         uses {chain}: register a key of the chain's scheme",
        found = key.scheme()
    )]
    WrongScheme {
        /// The key given.
        key: AccountId,
        /// The chain's scheme.
        chain: Scheme,
    },
}

impl Error {
    /// The stable code the API reports for this refusal (`membership.not_regulator`, …).
    /// Clients match on it, so it is written out, not derived from the variant's name: a rename
    /// cannot change it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotRegulator => "membership.not_regulator",
            Error::NotRegulatorOf { .. } => "membership.not_regulator_of",
            Error::UnknownRegion(_) => "membership.unknown_region",
            Error::LabExists(_) => "membership.lab_exists",
            Error::UnknownLab(_) => "membership.unknown_lab",
            Error::KeyInUse(_) => "membership.key_in_use",
            Error::NotLabKey { .. } => "membership.not_lab_key",
            Error::KeyAlreadyRemoved(_) => "membership.key_already_removed",
            Error::NotLabOrRegulator(_) => "membership.not_lab_or_regulator",
            Error::StatusUnchanged { .. } => "membership.status_unchanged",
            Error::TooMany { .. } => "membership.too_many",
            Error::InvalidScope(_) => "membership.invalid_scope",
            Error::NotInspector(_) => "membership.not_inspector",
            Error::BusinessExists(_) => "membership.business_exists",
            Error::InvalidValidatorSet(_) => "membership.invalid_validator_set",
            Error::NoSuchProposal(_) => "membership.no_such_proposal",
            Error::AlreadyApproved(_) => "membership.already_approved",
            Error::UnknownBusiness(_) => "membership.unknown_business",
            Error::TooManyInspectors(_) => "membership.too_many_inspectors",
            Error::InvalidDccCert(_) => "membership.invalid_dcc_cert",
            Error::DccCertExists { .. } => "membership.dcc_cert_exists",
            Error::UnknownDccCert { .. } => "membership.unknown_dcc_cert",
            Error::DccCertAlreadyRemoved(_) => "membership.dcc_cert_already_removed",
            Error::CreditCodeOutsideRegion { .. } => "membership.credit_code_outside_region",
            Error::WrongScheme { .. } => "membership.wrong_scheme",
        }
    }
}

impl PalletError for Error {}
