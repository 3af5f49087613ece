//! The credit calls, one function each: check who signs, load, validate, write, say what
//! happened. Nothing is written before everything is checked.

use hengxin_primitives::credit::{Commitment, CreditEvent, CreditRecord};
use hengxin_primitives::records::{AccountRole, BusinessRecord};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Date, Hash};
use hengxin_support::{DispatchResult, Env, Storage};

use crate::{COMMITMENTS_MAX, Error, Event, RECORDS_MAX, commitments, params, records};

/// Who signs, as far as credit is concerned.
enum Signer {
    /// A regulator of the business's region.
    Regulator,
    /// An active inspector of the business's region.
    Inspector,
    /// The business's own key.
    Business,
    /// Anyone else.
    Other,
}

fn business(s: &mut dyn Storage, code: &CreditCode) -> DispatchResult<BusinessRecord, Error> {
    hengxin_membership::business(s, code)?
        .ok_or_else(|| Error::UnknownBusiness(code.clone()).into())
}

/// What `signer` is to `business`.
fn signer_of(
    s: &mut dyn Storage,
    signer: &AccountId,
    business: &BusinessRecord,
) -> DispatchResult<Signer, Error> {
    Ok(match hengxin_membership::role(s, signer)? {
        Some(AccountRole::Regulator { region }) if region == business.region => Signer::Regulator,
        Some(AccountRole::Inspector {
            region,
            active: true,
            ..
        }) if region == business.region => Signer::Inspector,
        Some(AccountRole::Business { credit_code }) if credit_code == business.credit_code => {
            Signer::Business
        }
        _ => Signer::Other,
    })
}

fn ensure_regulator(
    s: &mut dyn Storage,
    signer: &AccountId,
    business: &BusinessRecord,
) -> DispatchResult<(), Error> {
    match signer_of(s, signer, business)? {
        Signer::Regulator => Ok(()),
        _ => Err(Error::NotRegulatorOf(business.region.clone()).into()),
    }
}

fn not_after_today(env: &Env, date: Date) -> Result<(), Error> {
    let today = env.today();
    if date > today {
        return Err(Error::DateInFuture { today });
    }
    Ok(())
}

/// [`crate::Call::Commit`]: the business's own key, or its regulator, files a commitment.
pub(crate) fn commit(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    document_hash: Hash,
    date: Date,
) -> DispatchResult<Event, Error> {
    let record = business(s, &credit_code)?;
    match signer_of(s, signer, &record)? {
        Signer::Business | Signer::Regulator => {}
        Signer::Inspector | Signer::Other => {
            return Err(Error::NotBusinessOrRegulator(credit_code).into());
        }
    }
    not_after_today(env, date)?;
    let mut filed = commitments(s, &credit_code)?;
    if filed.len() >= COMMITMENTS_MAX {
        return Err(Error::TooManyCommitments.into());
    }
    // Kept by date: the one in force on a date is the newest made by then.
    let at = filed.partition_point(|c| c.date <= date);
    filed.insert(
        at,
        Commitment {
            document_hash,
            date,
            filed_by: *signer,
        },
    );
    s.put(&StorageKey::Commitment(credit_code.clone()), &filed);
    Ok(Event::CommitmentFiled { credit_code, date })
}

/// Appends a record to a business's records after every check has passed: the record call,
/// and inspection results (pass → P1, a finding → its V-record). Its id.
pub fn add_record(
    s: &mut dyn Storage,
    credit_code: &CreditCode,
    event: CreditEvent,
    date: Date,
    evidence_hash: Hash,
    recorded_by: AccountId,
) -> DispatchResult<u64, Error> {
    if evidence_hash == Hash::ZERO && event.needs_evidence() {
        return Err(Error::EvidenceRequired(event).into());
    }
    let mut all = records(s, credit_code)?;
    if all.len() >= RECORDS_MAX {
        return Err(Error::TooManyRecords.into());
    }
    let id = all.len() as u64;
    all.push(CreditRecord {
        id,
        event,
        date,
        evidence_hash,
        recorded_by,
        repair_applied: None,
        repaired: None,
        withdrawn: None,
    });
    s.put(&StorageKey::CreditRecords(credit_code.clone()), &all);
    Ok(id)
}

/// [`crate::Call::Record`]: an inspector or a regulator of the business's region records;
/// a P2 designation, regulators only. A business cannot rate itself.
pub(crate) fn record(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    event: CreditEvent,
    date: Date,
    evidence_hash: Hash,
) -> DispatchResult<Event, Error> {
    let business = business(s, &credit_code)?;
    match (signer_of(s, signer, &business)?, event) {
        (Signer::Regulator, _) => {}
        (Signer::Inspector, CreditEvent::P2) => {
            return Err(Error::NotRegulatorOf(business.region).into());
        }
        (Signer::Inspector, _) => {}
        (Signer::Business | Signer::Other, _) => {
            return Err(Error::NotInspectorOrRegulator(business.region).into());
        }
    }
    not_after_today(env, date)?;
    let id = add_record(s, &credit_code, event, date, evidence_hash, *signer)?;
    Ok(Event::Recorded {
        credit_code,
        id,
        event,
    })
}

/// Checks and changes record `id` of a business with `change`, then stores the records; when
/// `change` refuses, nothing is written.
fn update_record(
    s: &mut dyn Storage,
    credit_code: &CreditCode,
    id: u64,
    change: impl FnOnce(&mut CreditRecord) -> Result<(), Error>,
) -> DispatchResult<(), Error> {
    let mut all = records(s, credit_code)?;
    let record = usize::try_from(id)
        .ok()
        .and_then(|i| all.get_mut(i))
        .ok_or(Error::NoSuchRecord(id))?;
    change(record)?;
    s.put(&StorageKey::CreditRecords(credit_code.clone()), &all);
    Ok(())
}

/// [`crate::Call::Withdraw`]: a regulator of the region withdraws a P2 designation.
pub(crate) fn withdraw(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    id: u64,
) -> DispatchResult<Event, Error> {
    let business = business(s, &credit_code)?;
    ensure_regulator(s, signer, &business)?;
    update_record(s, &credit_code, id, |record| {
        if record.event != CreditEvent::P2 {
            return Err(Error::NotWithdrawable(id));
        }
        if record.withdrawn.is_some() {
            return Err(Error::AlreadyWithdrawn(id));
        }
        record.withdrawn = Some(env.today());
        Ok(())
    })?;
    Ok(Event::Withdrawn { credit_code, id })
}

/// [`crate::Call::ApplyRepair`]: the business applies to repair a V-record once its repair
/// has opened (six months after its date, twelve for V3/V4).
pub(crate) fn apply_repair(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    id: u64,
) -> DispatchResult<Event, Error> {
    let business = business(s, &credit_code)?;
    if !matches!(signer_of(s, signer, &business)?, Signer::Business) {
        return Err(Error::NotBusiness(credit_code).into());
    }
    let params = params(s)?;
    let today = env.today();
    update_record(s, &credit_code, id, |record| {
        let from = record
            .repairable_from(&params)
            .ok_or(Error::NotRepairable(id))?;
        if record.repaired.is_some() {
            return Err(Error::AlreadyRepaired(id));
        }
        if record.repair_applied.is_some() {
            return Err(Error::RepairPending(id));
        }
        if today < from {
            return Err(Error::RepairTooEarly { from });
        }
        record.repair_applied = Some(today);
        Ok(())
    })?;
    Ok(Event::RepairApplied { credit_code, id })
}

/// [`crate::Call::ApproveRepair`] and [`crate::Call::RejectRepair`]: a regulator of the
/// region decides a waiting application; an approved record stops counting today and stays in
/// the history, marked repaired.
pub(crate) fn decide_repair(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    id: u64,
    approve: bool,
) -> DispatchResult<Event, Error> {
    let business = business(s, &credit_code)?;
    ensure_regulator(s, signer, &business)?;
    update_record(s, &credit_code, id, |record| {
        if record.repair_applied.take().is_none() {
            return Err(Error::NoRepairApplication(id));
        }
        if approve {
            record.repaired = Some(env.today());
        }
        Ok(())
    })?;
    Ok(match approve {
        true => Event::RepairApproved { credit_code, id },
        false => Event::RepairRejected { credit_code, id },
    })
}
