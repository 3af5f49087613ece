//! A certificate that names an instrument (一器一码, DOMAIN.md §7): the instrument is
//! registered and in use, the certificate is of its class's category, and a 检定证书's
//! 有效期至 is within the class's verification period. Anchoring it adds it to the
//! instrument's history.

use hengxin_instruments as instruments;
use hengxin_primitives::instruments::{Change, HISTORY_MAX, InstrumentUse};
use hengxin_primitives::records::{CertKind, CertificateFields};
use hengxin_primitives::{AccountId, LabCode};
use hengxin_support::{DispatchResult, Env, Storage, StorageError};

use crate::Error;

/// Checks the instrument `fields` name, if any, against its record and class.
pub(crate) fn check(s: &mut dyn Storage, fields: &CertificateFields) -> DispatchResult<(), Error> {
    let Some(InstrumentUse { id, .. }) = fields.for_instrument.as_deref() else {
        return Ok(());
    };
    let record =
        instruments::instrument(s, id)?.ok_or_else(|| Error::UnknownInstrument(id.clone()))?;
    if record.retired.is_some() {
        return Err(Error::InstrumentRetired(id.clone()).into());
    }
    if record.history_len >= HISTORY_MAX {
        return Err(Error::InstrumentHistoryFull(id.clone()).into());
    }
    let class = instruments::class(s, &record.class)?
        .ok_or_else(|| Error::UnknownInstrument(id.clone()))?;
    if class.category != fields.category {
        return Err(Error::InstrumentCategoryMismatch {
            id: id.clone(),
            class: class.code,
            class_category: class.category,
            category: fields.category,
        }
        .into());
    }
    if let (CertKind::Verification, Some(valid_until)) = (fields.kind, fields.valid_until) {
        let latest = class.latest_valid_until(fields.calibration_date);
        if valid_until > latest {
            return Err(Error::ValidityBeyondPeriod {
                class: class.code,
                period_months: class.period_months,
                latest,
                valid_until,
            }
            .into());
        }
    }
    Ok(())
}

/// Adds certificate `lab`/`number` to the history of the instrument `fields` name, if any.
pub(crate) fn note(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    fields: &CertificateFields,
    lab: &LabCode,
) -> Result<(), StorageError> {
    let Some(InstrumentUse { id, .. }) = fields.for_instrument.as_deref() else {
        return Ok(());
    };
    let record = instruments::instrument(s, id)?
        .ok_or_else(|| StorageError::Corrupt(format!("instrument {id} checked but not found")))?;
    let change = Change::Certificate {
        lab: lab.clone(),
        number: fields.number.clone(),
    };
    instruments::record_change(s, env, signer, record, change)
}
