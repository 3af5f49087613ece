//! Why a certificates call was refused: stable codes clients match on.

use hengxin_primitives::instruments::InstrumentId;
use hengxin_primitives::{Category, CertNumber, ClassCode, Date, Hash, LabCode, StandardId, Text};
use hengxin_support::PalletError;
use parity_scale_codec::{Decode, Encode};

/// Why a certificates call was refused. Stable: clients match on these.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// The signer is not a lab key.
    #[codec(index = 0)]
    #[error("the signer is not a key of any lab")]
    NotLabKey,
    /// The signer's key was not active at this height (retired, compromised, or not yet added).
    #[codec(index = 1)]
    #[error("this key of lab {0} is retired or not yet active; sign with an active key of the lab")]
    KeyNotActive(LabCode),
    /// The lab is suspended.
    #[codec(index = 2)]
    #[error("lab {0} is suspended and may not anchor certificates")]
    LabSuspended(LabCode),
    /// The lab's scope does not cover the category and item on the calibration date.
    #[codec(index = 3)]
    #[error("lab {lab} is not accredited for category {category} item {item} on {date}")]
    NotInScope {
        /// The lab.
        lab: LabCode,
        /// Category.
        category: Category,
        /// Item.
        item: Text,
        /// The calibration date.
        date: Date,
    },
    /// The lab already anchored this number.
    #[codec(index = 4)]
    #[error("lab {lab} already anchored certificate {number}")]
    DuplicateNumber {
        /// The lab.
        lab: LabCode,
        /// The number.
        number: CertNumber,
    },
    /// No such certificate.
    #[codec(index = 5)]
    #[error("certificate {lab}/{number} is not on the ledger")]
    UnknownCertificate {
        /// The lab.
        lab: LabCode,
        /// The number.
        number: CertNumber,
    },
    /// Already revoked.
    #[codec(index = 6)]
    #[error("certificate {lab}/{number} is already revoked")]
    AlreadyRevoked {
        /// The lab.
        lab: LabCode,
        /// The number.
        number: CertNumber,
    },
    /// Already superseded.
    #[codec(index = 7)]
    #[error("certificate {lab}/{number} is already superseded")]
    AlreadySuperseded {
        /// The lab.
        lab: LabCode,
        /// The number.
        number: CertNumber,
    },
    /// Only the issuing lab or its regulator may revoke.
    #[codec(index = 8)]
    #[error("only lab {0} or its regulator may revoke its certificates")]
    NotIssuer(LabCode),
    /// The fields break the kind's rules (有效期至, conclusion, dates).
    #[codec(index = 9)]
    #[error("invalid certificate: {0}")]
    InvalidFields(Text),
    /// A cited standard is not registered.
    #[codec(index = 10)]
    #[error("standard {0} is not registered; register it before citing it")]
    UnknownStandard(StandardId),
    /// The lab record is missing (state inconsistent with the key's role).
    #[codec(index = 11)]
    #[error("lab {0} is not registered")]
    UnknownLab(LabCode),
    /// The same document (its SHA-256) is anchored already, under any lab or number.
    #[codec(index = 12)]
    #[error(
        "这份文件已作为证书 {lab}/{number} 上链，同一文件只能上链一次 / this document is \
         anchored already as certificate {lab}/{number}: a document anchors once (a corrected \
         certificate is a new document, anchored with cert supersede)"
    )]
    DuplicateDocument {
        /// The lab holding it.
        lab: LabCode,
        /// Its number there.
        number: CertNumber,
    },
    /// The DCC's signing certificate is not one the lab registered, or was removed.
    #[codec(index = 13)]
    #[error(
        "lab {lab} has no DCC signing certificate {fingerprint} in force; register it with \
         hengxin lab dcc-cert add"
    )]
    UnknownSigner {
        /// The lab.
        lab: LabCode,
        /// The fingerprint named.
        fingerprint: Hash,
    },
    /// A declared standard is of another category than the certificate.
    #[codec(index = 14)]
    #[error(
        "standard {standard} measures {standard_category}, not the certificate's category \
         {category}; declare standards of the certificate's category"
    )]
    StandardCategoryMismatch {
        /// The standard.
        standard: StandardId,
        /// Its category.
        standard_category: Category,
        /// The certificate's.
        category: Category,
    },
    /// A declared standard had no assessment in force on the calibration date.
    #[codec(index = 15)]
    #[error(
        "standard {standard} had no assessment certificate (计量标准考核证书) in force on \
         {date} (the current one runs {issued} to {valid_until}); renew its assessment, or \
         declare a standard assessed on that date"
    )]
    StandardNotAssessed {
        /// The standard.
        standard: StandardId,
        /// The calibration date.
        date: Date,
        /// The current assessment's issue date.
        issued: Date,
        /// Its last valid day.
        valid_until: Date,
    },
    /// The named instrument was never registered.
    #[codec(index = 16)]
    #[error(
        "器具 {0} 未登记 / instrument {0} is not registered; its owner or regulator registers \
         it with hengxin instrument register"
    )]
    UnknownInstrument(InstrumentId),
    /// The named instrument is retired.
    #[codec(index = 17)]
    #[error("器具 {0} 已报废，不能再检定 / instrument {0} is retired and cannot be verified")]
    InstrumentRetired(InstrumentId),
    /// The certificate's category is not the instrument's class's.
    #[codec(index = 18)]
    #[error(
        "器具 {id} 属于类别 {class}（{class_category}），证书的专业是 {category} / instrument \
         {id} is of class {class}, category {class_category}; the certificate's category is \
         {category}"
    )]
    InstrumentCategoryMismatch {
        /// The instrument.
        id: InstrumentId,
        /// Its class.
        class: ClassCode,
        /// The class's category.
        class_category: Category,
        /// The certificate's.
        category: Category,
    },
    /// A 检定证书's 有效期至 is beyond the class's verification period.
    #[codec(index = 19)]
    #[error(
        "有效期至 {valid_until} 超出 {class} 的检定周期（{period_months} 个月，最晚 \
         {latest}）/ valid until {valid_until} is beyond class {class}'s verification period \
         of {period_months} months after the verification date (at most {latest})"
    )]
    ValidityBeyondPeriod {
        /// The instrument's class.
        class: ClassCode,
        /// Its period.
        period_months: u16,
        /// The latest 有效期至 allowed.
        latest: Date,
        /// The one given.
        valid_until: Date,
    },
    /// The named instrument's history is full.
    #[codec(index = 20)]
    #[error(
        "器具 {0} 的履历已满，不能再记录证书 / instrument {0}'s history is full: no more \
         certificates can name it"
    )]
    InstrumentHistoryFull(InstrumentId),
}

impl Error {
    /// The stable code the API reports for this refusal (`certificates.not_in_scope`, …).
    /// Clients match on it, so it is written out, not derived from the variant's name: a rename
    /// cannot change it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotLabKey => "certificates.not_lab_key",
            Error::KeyNotActive(_) => "certificates.key_not_active",
            Error::LabSuspended(_) => "certificates.lab_suspended",
            Error::NotInScope { .. } => "certificates.not_in_scope",
            Error::DuplicateNumber { .. } => "certificates.duplicate_number",
            Error::UnknownCertificate { .. } => "certificates.unknown_certificate",
            Error::AlreadyRevoked { .. } => "certificates.already_revoked",
            Error::AlreadySuperseded { .. } => "certificates.already_superseded",
            Error::NotIssuer(_) => "certificates.not_issuer",
            Error::InvalidFields(_) => "certificates.invalid_fields",
            Error::UnknownStandard(_) => "certificates.unknown_standard",
            Error::UnknownLab(_) => "certificates.unknown_lab",
            Error::DuplicateDocument { .. } => "certificates.duplicate_document",
            Error::UnknownSigner { .. } => "certificates.unknown_signer",
            Error::StandardCategoryMismatch { .. } => "certificates.standard_category_mismatch",
            Error::StandardNotAssessed { .. } => "certificates.standard_not_assessed",
            Error::UnknownInstrument(_) => "certificates.unknown_instrument",
            Error::InstrumentRetired(_) => "certificates.instrument_retired",
            Error::InstrumentCategoryMismatch { .. } => "certificates.instrument_category_mismatch",
            Error::ValidityBeyondPeriod { .. } => "certificates.validity_beyond_period",
            Error::InstrumentHistoryFull(_) => "certificates.instrument_history_full",
        }
    }
}

impl PalletError for Error {}
