//! Certificates: anchor, revoke and supersede a lab's certificates.
//!
//! A lab anchors each certificate it issues (hash and key fields), revokes it, or supersedes it
//! with a newer one. Records are never deleted; expiry is derived when read.
//!
//! Anchoring checks, in order: the signer is a key of a lab, active at this height; the lab is
//! not suspended; the fields fit the kind (DOMAIN.md §1); the scope covers the category and
//! item on the calibration date; the number is new for the lab; each standard is registered;
//! a named instrument is registered, in use, of the category's class, and a 检定证书's 有效期至
//! is within the class's period (`instrument`). Anchoring one adds it to the instrument's
//! history.
//!
//! `dispatch` routes each call to one function (`anchor`, `revoke`, `supersede`): check the
//! origin, load, validate, write, emit an event.

use hengxin_membership as membership;
use hengxin_primitives::instruments::check_seals;
use hengxin_primitives::records::{
    AccountRole, CertKind, CertStatus, CertificateFields, CertificateRecord, Conclusion,
    DocumentHolder, LabRecord, LabStatus, StandardRecord,
};
use hengxin_primitives::rules::{LinkProblem, standard_fits};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, Category, CertNumber, Date, Hash, LabCode, StandardId, Text};
use hengxin_support::{DispatchResult, Env, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

mod error;
mod instrument;

pub use error::Error;

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

/// Writes a new certificate and its document's entry, and adds it to its instrument's history.
fn put_new(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    record: &CertificateRecord,
) -> Result<(), StorageError> {
    let (lab, number) = (record.lab.clone(), record.fields.number.clone());
    s.put(
        &StorageKey::Document(record.fields.document_hash),
        &DocumentHolder {
            lab: lab.clone(),
            number: number.clone(),
        },
    );
    instrument::note(s, env, signer, &record.fields, &lab)?;
    s.put(&StorageKey::Certificate(lab, number), record);
    Ok(())
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
    put_new(s, env, signer, &record)?;
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
    put_new(s, env, signer, &record)?;
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
    instrument::check(s, &fields)?;
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
    if let Some(u) = &f.for_instrument {
        check_seals(&u.seals).or_else(invalid)?;
        if f.kind == CertKind::Calibration && !u.seals.is_empty() {
            return invalid(
                "seals (封签) are applied by a verification (检定), not a calibration".into(),
            );
        }
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
mod tests;
