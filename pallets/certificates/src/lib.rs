//! Certificates: anchor, revoke and supersede a lab's certificates.
//!
//! A lab anchors each certificate it issues (hash and key fields), revokes it, or supersedes it
//! with a newer one. Records are never deleted; expiry is derived when read.
//!
//! Anchoring checks, in order: the signer is a key of a lab, active at this height; the lab is
//! not suspended; the fields fit the kind (DOMAIN.md §1); the scope covers the category and
//! item on the calibration date; the number is new for the lab; each standard is registered.
//!
//! `dispatch` routes each call to one function (`anchor`, `revoke`, `supersede`): check the
//! origin, load, validate, write, emit an event.

use hengxin_membership as membership;
use hengxin_primitives::records::{
    AccountRole, CertKind, CertStatus, CertificateFields, CertificateRecord, Conclusion,
    DocumentHolder, LabRecord, LabStatus, StandardRecord,
};
use hengxin_primitives::rules::{LinkProblem, standard_fits};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, Category, CertNumber, Date, Hash, LabCode, StandardId, Text};
use hengxin_support::{DispatchResult, Env, PalletError, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

/// The most standards one certificate may cite.
pub const STANDARDS_PER_CERT_MAX: usize = 16;
/// The most failed items a notice may list.
pub const FAILED_ITEMS_MAX: usize = 32;

/// The certificate `lab`/`number`.
pub fn certificate(
    s: &mut dyn Storage,
    lab: &LabCode,
    number: &CertNumber,
) -> Result<Option<CertificateRecord>, StorageError> {
    s.get(&StorageKey::Certificate(lab.clone(), number.clone()))
}

/// The certificate holding the document whose SHA-256 is `document_hash`.
pub fn document(
    s: &mut dyn Storage,
    document_hash: &Hash,
) -> Result<Option<DocumentHolder>, StorageError> {
    s.get(&StorageKey::Document(*document_hash))
}

/// Writes a new certificate and its document's entry.
fn put_new(s: &mut dyn Storage, record: &CertificateRecord) {
    let (lab, number) = (record.lab.clone(), record.fields.number.clone());
    s.put(
        &StorageKey::Document(record.fields.document_hash),
        &DocumentHolder {
            lab: lab.clone(),
            number: number.clone(),
        },
    );
    s.put(&StorageKey::Certificate(lab, number), record);
}

/// What a certificates call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// A certificate was anchored.
    #[codec(index = 0)]
    CertificateAnchored {
        /// Issuing lab.
        lab: LabCode,
        /// Number.
        number: CertNumber,
    },
    /// A certificate was revoked.
    #[codec(index = 1)]
    CertificateRevoked {
        /// Issuing lab.
        lab: LabCode,
        /// Number.
        number: CertNumber,
    },
    /// A certificate was anchored in place of an older one.
    #[codec(index = 2)]
    CertificateSuperseded {
        /// Issuing lab.
        lab: LabCode,
        /// The replaced certificate.
        old: CertNumber,
        /// The new one.
        new: CertNumber,
    },
}

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
        }
    }
}

impl PalletError for Error {}

/// The certificates calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Anchors a new certificate of the signer's lab.
    #[codec(index = 0)]
    Anchor {
        /// The certificate's fields.
        fields: CertificateFields,
    },
    /// Revokes a certificate (its lab, or the lab's regulator).
    #[codec(index = 1)]
    Revoke {
        /// Issuing lab.
        lab: LabCode,
        /// Number.
        number: CertNumber,
        /// Why.
        reason: Text,
    },
    /// Anchors a certificate that replaces an older one of the same lab.
    #[codec(index = 2)]
    Supersede {
        /// The replaced certificate.
        old: CertNumber,
        /// The new certificate.
        fields: CertificateFields,
    },
}

/// Executes `call` signed by `signer`. Nothing is written unless every check passes.
pub fn dispatch(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    call: Call,
) -> DispatchResult<Event, Error> {
    match call {
        Call::Anchor { fields } => anchor(s, env, signer, fields),
        Call::Revoke {
            lab,
            number,
            reason,
        } => revoke(s, env, signer, lab, number, reason),
        Call::Supersede { old, fields } => supersede(s, env, signer, old, fields),
    }
}

/// [`Call::Anchor`]: an active key of a lab anchors a new certificate of that lab.
fn anchor(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    fields: CertificateFields,
) -> DispatchResult<Event, Error> {
    let record = prepare(s, env, signer, fields, None)?;
    put_new(s, &record);
    Ok(Event::CertificateAnchored {
        lab: record.lab,
        number: record.fields.number,
    })
}

/// [`Call::Revoke`]: the issuing lab or its regulator revokes a valid certificate.
fn revoke(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    lab: LabCode,
    number: CertNumber,
    reason: Text,
) -> DispatchResult<Event, Error> {
    let mut record = existing(s, &lab, &number)?;
    let issuer = membership::lab(s, &lab)?.ok_or_else(|| Error::UnknownLab(lab.clone()))?;
    if !membership::acts_for_lab(s, env, signer, &issuer)? {
        return Err(Error::NotIssuer(lab).into());
    }
    ensure_valid(&record)?;
    record.status = CertStatus::Revoked {
        reason,
        height: env.height,
        timestamp_ms: env.timestamp_ms,
        by: *signer,
    };
    s.put(
        &StorageKey::Certificate(lab.clone(), number.clone()),
        &record,
    );
    Ok(Event::CertificateRevoked { lab, number })
}

/// [`Call::Supersede`]: an active key of a lab anchors a certificate in place of a valid older
/// one of the same lab.
fn supersede(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    old: CertNumber,
    fields: CertificateFields,
) -> DispatchResult<Event, Error> {
    let record = prepare(s, env, signer, fields, Some(old.clone()))?;
    let (lab, new) = (record.lab.clone(), record.fields.number.clone());
    let mut previous = existing(s, &lab, &old)?;
    ensure_valid(&previous)?;
    previous.status = CertStatus::Superseded {
        by: new.clone(),
        height: env.height,
        timestamp_ms: env.timestamp_ms,
    };
    s.put(
        &StorageKey::Certificate(lab.clone(), old.clone()),
        &previous,
    );
    put_new(s, &record);
    Ok(Event::CertificateSuperseded { lab, old, new })
}

/// The certificate `lab`/`number`, or `UnknownCertificate`.
fn existing(
    s: &mut dyn Storage,
    lab: &LabCode,
    number: &CertNumber,
) -> DispatchResult<CertificateRecord, Error> {
    Ok(
        certificate(s, lab, number)?.ok_or_else(|| Error::UnknownCertificate {
            lab: lab.clone(),
            number: number.clone(),
        })?,
    )
}

/// Succeeds while `record` is neither revoked nor superseded.
fn ensure_valid(record: &CertificateRecord) -> Result<(), Error> {
    let (lab, number) = (record.lab.clone(), record.fields.number.clone());
    match record.status {
        CertStatus::Valid => Ok(()),
        CertStatus::Revoked { .. } => Err(Error::AlreadyRevoked { lab, number }),
        CertStatus::Superseded { .. } => Err(Error::AlreadySuperseded { lab, number }),
    }
}

/// Runs every anchoring check and builds the record; writes nothing.
fn prepare(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    fields: CertificateFields,
    supersedes: Option<CertNumber>,
) -> DispatchResult<CertificateRecord, Error> {
    let Some(AccountRole::LabKey { lab: code }) = membership::role(s, signer)? else {
        return Err(Error::NotLabKey.into());
    };
    let lab: LabRecord =
        membership::lab(s, &code)?.ok_or_else(|| Error::UnknownLab(code.clone()))?;
    if !lab.key_active_at(signer, env.height) {
        return Err(Error::KeyNotActive(code).into());
    }
    if lab.status == LabStatus::Suspended {
        return Err(Error::LabSuspended(code).into());
    }
    check_fields(&fields, env.today())?;
    if !lab.scope_covers(fields.category, &fields.item, fields.calibration_date) {
        return Err(Error::NotInScope {
            lab: code,
            category: fields.category,
            item: fields.item,
            date: fields.calibration_date,
        }
        .into());
    }
    if certificate(s, &code, &fields.number)?.is_some() {
        return Err(Error::DuplicateNumber {
            lab: code,
            number: fields.number,
        }
        .into());
    }
    if let Some(holder) = document(s, &fields.document_hash)? {
        return Err(Error::DuplicateDocument {
            lab: holder.lab,
            number: holder.number,
        }
        .into());
    }
    if let Some(fingerprint) = fields.signer
        && !lab
            .dcc_cert(&fingerprint)
            .is_some_and(|c| c.active_at(env.height))
    {
        return Err(Error::UnknownSigner {
            lab: code,
            fingerprint,
        }
        .into());
    }
    for id in &fields.standards {
        check_standard(s, id, fields.category, fields.calibration_date)?;
    }
    Ok(CertificateRecord {
        lab: code,
        fields,
        supersedes,
        signing_key: *signer,
        anchored_height: env.height,
        anchored_ms: env.timestamp_ms,
        status: CertStatus::Valid,
    })
}

/// A declared standard is registered, of the certificate's category and assessed on its
/// calibration date (the traceability rule's own test, `standard_fits`).
fn check_standard(
    s: &mut dyn Storage,
    id: &StandardId,
    category: Category,
    on: Date,
) -> DispatchResult<(), Error> {
    let standard: StandardRecord = s
        .get(&StorageKey::Standard(id.clone()))?
        .ok_or_else(|| Error::UnknownStandard(id.clone()))?;
    match standard_fits(&standard, category, on) {
        Ok(()) => Ok(()),
        Err(LinkProblem::CategoryMismatch {
            standard: standard_category,
            ..
        }) => Err(Error::StandardCategoryMismatch {
            standard: id.clone(),
            standard_category,
            category,
        }
        .into()),
        Err(LinkProblem::AssessmentNotValid {
            issued,
            valid_until,
        }) => Err(Error::StandardNotAssessed {
            standard: id.clone(),
            date: on,
            issued,
            valid_until,
        }
        .into()),
        Err(other) => Err(Error::InvalidFields(Text::lossy(other.code())).into()),
    }
}

/// The rules of DOMAIN.md §1 on one certificate's fields.
pub fn check_fields(f: &CertificateFields, today: Date) -> Result<(), Error> {
    let invalid = |why: String| Err(Error::InvalidFields(Text::lossy(&why)));
    match (f.kind, &f.conclusion, f.valid_until) {
        (CertKind::Verification, Conclusion::Pass { .. }, Some(_)) => {}
        (CertKind::Verification, Conclusion::Pass { .. }, None) => {
            return invalid(
                "a verification certificate (检定证书) needs 有效期至 (valid_until)".into(),
            );
        }
        (CertKind::Verification, _, _) => {
            return invalid("a verification certificate (检定证书) concludes 合格 (pass); use a notice for 不合格".into());
        }
        (CertKind::Notice, Conclusion::Fail { .. }, None) => {}
        (CertKind::Notice, Conclusion::Fail { .. }, Some(_)) => {
            return invalid("a verification result notice (检定结果通知书) has no 有效期至".into());
        }
        (CertKind::Notice, _, _) => {
            return invalid(
                "a verification result notice (检定结果通知书) concludes 不合格 (fail)".into(),
            );
        }
        (CertKind::Calibration, _, _) => {}
    }
    if let Conclusion::Fail { failed_items } = &f.conclusion
        && failed_items.len() > FAILED_ITEMS_MAX
    {
        return invalid(format!("at most {FAILED_ITEMS_MAX} failed items"));
    }
    if f.standards.len() > STANDARDS_PER_CERT_MAX {
        return invalid(format!("at most {STANDARDS_PER_CERT_MAX} standards"));
    }
    if f.calibration_date > f.issue_date {
        return invalid(format!(
            "calibration date {} is after issue date {}",
            f.calibration_date, f.issue_date
        ));
    }
    if f.issue_date > today {
        return invalid(format!(
            "issue date {} is after the chain's date {today}",
            f.issue_date
        ));
    }
    if let Some(until) = f.valid_until
        && until < f.issue_date
    {
        return invalid(format!(
            "valid until {until} is before issue date {}",
            f.issue_date
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
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
        ];
        hengxin_support::assert_error_codes(&cases, Error::code);
    }
}
