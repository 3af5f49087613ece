//! Measurement standards (计量标准) and their traceability.
//!
//! Their levels, assessment certificates and traceability links, and the `traceability_chain`
//! query that follows a certificate up to a national primary standard or an NMI certificate.
//!
//! `dispatch` routes each call to one function (`register`, `renew_assessment`, `add_trace`):
//! check the origin, load, validate, write, emit an event.

#[cfg(test)]
mod tests;

use hengxin_certificates as certificates;
use hengxin_membership as membership;
use hengxin_primitives::records::{
    AccountRole, Assessment, StandardFields, StandardLevel, StandardRecord, TraceSource,
};
use hengxin_primitives::rules::{self, TraceReport};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CertNumber, LabCode, StandardId};
use hengxin_support::{DispatchResult, Env, PalletError, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

/// The most traceability certificates kept per standard.
pub const TRACES_MAX: usize = 16;
/// An assessment certificate (计量标准考核证书) is valid four years at most.
pub const ASSESSMENT_MONTHS_MAX: u32 = 48;
/// The most earlier assessments kept per standard (at four years each, well over a century).
pub const ASSESSMENTS_MAX: usize = 32;

/// The standard `id`.
pub fn standard(
    s: &mut dyn Storage,
    id: &StandardId,
) -> Result<Option<StandardRecord>, StorageError> {
    s.get(&StorageKey::Standard(id.clone()))
}

/// The traceability chain of `lab`/`number`, or `None` when there is no such certificate: the
/// one walk ([`rules::traceability_chain`]) over the pallets' storage.
pub fn traceability_chain(
    s: &mut dyn Storage,
    lab: &LabCode,
    number: &CertNumber,
) -> Result<Option<TraceReport>, StorageError> {
    let Some(root) = certificates::certificate(s, lab, number)? else {
        return Ok(None);
    };
    Ok(Some(rules::traceability_chain(&root, s)?))
}

/// What a standards call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// A standard was registered.
    #[codec(index = 0)]
    StandardRegistered {
        /// The standard.
        id: StandardId,
    },
    /// A standard's assessment certificate was renewed.
    #[codec(index = 1)]
    AssessmentRenewed {
        /// The standard.
        id: StandardId,
    },
    /// A traceability certificate was added to a standard.
    #[codec(index = 2)]
    TraceAdded {
        /// The standard.
        id: StandardId,
    },
}

/// Why a standards call was refused. Stable: clients match on these.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// Only a regulator registers a national primary standard (国家计量基准).
    #[codec(index = 0)]
    #[error("only a regulator may register a national primary standard (国家计量基准)")]
    NationalPrimaryNeedsRegulator,
    /// The signer may not manage the owner's standards.
    #[codec(index = 1)]
    #[error("only an active key of lab {0} or its regulator may manage its standards")]
    NotOwnerOrRegulator(LabCode),
    /// The owner lab is not registered.
    #[codec(index = 2)]
    #[error("lab {0} is not registered")]
    UnknownLab(LabCode),
    /// A standard with this id exists.
    #[codec(index = 3)]
    #[error("standard {0} is already registered")]
    StandardExists(StandardId),
    /// No such standard.
    #[codec(index = 4)]
    #[error("standard {0} is not registered")]
    UnknownStandard(StandardId),
    /// The assessment dates are out of order or span more than four years.
    #[codec(index = 5)]
    #[error("assessment certificate must run from its issue date for at most four years")]
    InvalidAssessment,
    /// A national primary standard is the top of a chain: it has no trace.
    #[codec(index = 6)]
    #[error("a national primary standard has no traceability certificate")]
    PrimaryHasNoTrace,
    /// The ledger certificate named as a trace does not exist.
    #[codec(index = 7)]
    #[error("trace certificate {lab}/{number} is not on the ledger")]
    UnknownTraceCertificate {
        /// Lab.
        lab: LabCode,
        /// Number.
        number: CertNumber,
    },
    /// An external trace's dates are out of order.
    #[codec(index = 8)]
    #[error("external certificate's valid-until is before its date")]
    InvalidExternalTrace,
    /// Over the trace limit.
    #[codec(index = 9)]
    #[error("a standard keeps at most {TRACES_MAX} traceability certificates")]
    TooManyTraces,
    /// Over the limit of kept assessments.
    #[codec(index = 10)]
    #[error("a standard keeps at most {ASSESSMENTS_MAX} earlier assessment certificates")]
    TooManyAssessments,
}

impl Error {
    /// The stable code the API reports for this refusal (`standards.unknown_standard`, …).
    /// Clients match on it, so it is written out, not derived from the variant's name: a rename
    /// cannot change it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NationalPrimaryNeedsRegulator => "standards.national_primary_needs_regulator",
            Error::NotOwnerOrRegulator(_) => "standards.not_owner_or_regulator",
            Error::UnknownLab(_) => "standards.unknown_lab",
            Error::StandardExists(_) => "standards.standard_exists",
            Error::UnknownStandard(_) => "standards.unknown_standard",
            Error::InvalidAssessment => "standards.invalid_assessment",
            Error::PrimaryHasNoTrace => "standards.primary_has_no_trace",
            Error::UnknownTraceCertificate { .. } => "standards.unknown_trace_certificate",
            Error::InvalidExternalTrace => "standards.invalid_external_trace",
            Error::TooManyTraces => "standards.too_many_traces",
            Error::TooManyAssessments => "standards.too_many_assessments",
        }
    }
}

impl PalletError for Error {}

/// The standards calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Registers a standard (its owner lab, or a regulator; national primaries: regulator only).
    #[codec(index = 0)]
    Register {
        /// The standard.
        standard: StandardFields,
    },
    /// Replaces a standard's assessment certificate with a renewed one.
    #[codec(index = 1)]
    RenewAssessment {
        /// The standard.
        id: StandardId,
        /// The renewed assessment.
        assessment: Assessment,
    },
    /// Adds a traceability certificate (after a recalibration).
    #[codec(index = 2)]
    AddTrace {
        /// The standard.
        id: StandardId,
        /// The new trace.
        trace: TraceSource,
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
        Call::Register { standard: fields } => register(s, env, signer, fields),
        Call::RenewAssessment { id, assessment } => {
            renew_assessment(s, env, signer, id, assessment)
        }
        Call::AddTrace { id, trace } => add_trace(s, env, signer, id, trace),
    }
}

/// [`Call::Register`]: the owner lab or its regulator registers a standard; a national primary
/// standard, by any regulator, without traces.
fn register(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    fields: StandardFields,
) -> DispatchResult<Event, Error> {
    let id = fields.id.clone();
    if fields.level == StandardLevel::NationalPrimary {
        ensure_any_regulator(s, signer)?;
        if !fields.traces.is_empty() {
            return Err(Error::PrimaryHasNoTrace.into());
        }
    } else {
        ensure_owner_or_regulator(s, env, signer, &id.owner)?;
    }
    if standard(s, &id)?.is_some() {
        return Err(Error::StandardExists(id).into());
    }
    check_assessment(&fields.assessment)?;
    if fields.traces.len() > TRACES_MAX {
        return Err(Error::TooManyTraces.into());
    }
    for trace in &fields.traces {
        check_trace(s, trace)?;
    }
    let record = StandardRecord {
        fields,
        earlier_assessments: Vec::new(),
        registered_height: env.height,
    };
    s.put(&StorageKey::Standard(id.clone()), &record);
    Ok(Event::StandardRegistered { id })
}

/// [`Call::RenewAssessment`]: whoever may manage the standard records a renewed assessment;
/// the one it replaces is kept, for certificates calibrated under it.
fn renew_assessment(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: StandardId,
    assessment: Assessment,
) -> DispatchResult<Event, Error> {
    let mut record = existing(s, &id)?;
    ensure_may_manage(s, env, signer, &record)?;
    check_assessment(&assessment)?;
    if record.earlier_assessments.len() >= ASSESSMENTS_MAX {
        return Err(Error::TooManyAssessments.into());
    }
    let earlier = core::mem::replace(&mut record.fields.assessment, assessment);
    record.earlier_assessments.push(earlier);
    s.put(&StorageKey::Standard(id.clone()), &record);
    Ok(Event::AssessmentRenewed { id })
}

/// [`Call::AddTrace`]: whoever may manage a standard below national primary adds a trace.
fn add_trace(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: StandardId,
    trace: TraceSource,
) -> DispatchResult<Event, Error> {
    let mut record = existing(s, &id)?;
    ensure_may_manage(s, env, signer, &record)?;
    if record.fields.level == StandardLevel::NationalPrimary {
        return Err(Error::PrimaryHasNoTrace.into());
    }
    if record.fields.traces.len() >= TRACES_MAX {
        return Err(Error::TooManyTraces.into());
    }
    check_trace(s, &trace)?;
    record.fields.traces.push(trace);
    s.put(&StorageKey::Standard(id.clone()), &record);
    Ok(Event::TraceAdded { id })
}

/// The standard `id`, or `UnknownStandard`.
fn existing(s: &mut dyn Storage, id: &StandardId) -> DispatchResult<StandardRecord, Error> {
    Ok(standard(s, id)?.ok_or_else(|| Error::UnknownStandard(id.clone()))?)
}

/// Whoever may manage `record`: any regulator for a national primary standard, else its owner
/// lab's active key or the owner's regulator.
fn ensure_may_manage(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    record: &StandardRecord,
) -> DispatchResult<(), Error> {
    if record.fields.level == StandardLevel::NationalPrimary {
        return ensure_any_regulator(s, signer);
    }
    ensure_owner_or_regulator(s, env, signer, &record.fields.id.owner)
}

/// Any regulator: national primary standards are theirs to keep.
fn ensure_any_regulator(s: &mut dyn Storage, signer: &AccountId) -> DispatchResult<(), Error> {
    match membership::role(s, signer)? {
        Some(AccountRole::Regulator { .. }) => Ok(()),
        _ => Err(Error::NationalPrimaryNeedsRegulator.into()),
    }
}

/// The owner lab's active key, or a regulator of the owner's region.
fn ensure_owner_or_regulator(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    owner: &LabCode,
) -> DispatchResult<(), Error> {
    let lab = membership::lab(s, owner)?.ok_or_else(|| Error::UnknownLab(owner.clone()))?;
    let allowed = membership::acts_for_lab(s, env, signer, &lab)?;
    if allowed {
        Ok(())
    } else {
        Err(Error::NotOwnerOrRegulator(owner.clone()).into())
    }
}

/// An assessment that runs from its issue date for at most [`ASSESSMENT_MONTHS_MAX`] months.
fn check_assessment(a: &Assessment) -> Result<(), Error> {
    if a.valid_until < a.issued || a.valid_until > a.issued.add_months(ASSESSMENT_MONTHS_MAX) {
        return Err(Error::InvalidAssessment);
    }
    Ok(())
}

/// A trace to a certificate on the ledger, or an external one whose dates are in order.
fn check_trace(s: &mut dyn Storage, trace: &TraceSource) -> DispatchResult<(), Error> {
    match trace {
        TraceSource::Ledger { lab, number } => {
            if certificates::certificate(s, lab, number)?.is_none() {
                return Err(Error::UnknownTraceCertificate {
                    lab: lab.clone(),
                    number: number.clone(),
                }
                .into());
            }
        }
        TraceSource::External {
            issued,
            valid_until,
            ..
        } => {
            if valid_until < issued {
                return Err(Error::InvalidExternalTrace.into());
            }
        }
    }
    Ok(())
}
