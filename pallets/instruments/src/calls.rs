//! One function per call: check who signs, load, validate, write, emit an event.

use hengxin_membership as membership;
use hengxin_primitives::gather::instruments as gather;
use hengxin_primitives::instruments::{
    self, Change, Division, HISTORY_MAX, InstrumentClass, InstrumentId, InstrumentRecord, Seal,
    check_seals,
};
use hengxin_primitives::records::{AccountRole, BusinessRecord, LabStatus, RegionRecord};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Date, Hash, Site, Text};
use hengxin_support::{DispatchResult, Env, Storage, StorageError};

use crate::{Error, Event, Registration, check_class, instrument, record_change, stamp};

/// [`crate::Call::AddClass`]: any regulator; the class table is the consortium's.
pub(crate) fn add_class(
    s: &mut dyn Storage,
    signer: &AccountId,
    class: InstrumentClass,
) -> DispatchResult<Event, Error> {
    if !matches!(
        membership::role(s, signer)?,
        Some(AccountRole::Regulator { .. })
    ) {
        return Err(Error::NotRegulator.into());
    }
    let code = class.code.clone();
    put_class(s, class)?;
    Ok(Event::ClassAdded(code))
}

/// Checks and stores a new class, appending it to the table's list.
pub(crate) fn put_class(s: &mut dyn Storage, class: InstrumentClass) -> DispatchResult<(), Error> {
    check_class(&class)?;
    if gather::class(s, &class.code)?.is_some() {
        return Err(Error::DuplicateClass(class.code).into());
    }
    let mut codes: Vec<hengxin_primitives::ClassCode> =
        s.get(&StorageKey::InstrumentClasses)?.unwrap_or_default();
    codes.push(class.code.clone());
    s.put(&StorageKey::InstrumentClasses, &codes);
    s.put(&StorageKey::InstrumentClass(class.code.clone()), &class);
    Ok(())
}

/// [`crate::Call::Register`]: the owner's key or a regulator of its region.
pub(crate) fn register(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    r: Registration,
) -> DispatchResult<Event, Error> {
    if gather::class(s, &r.class)?.is_none() {
        return Err(Error::UnknownClass(r.class).into());
    }
    if r.manufacturer.as_str().trim().is_empty() || r.serial.as_str().trim().is_empty() {
        return Err(Error::Unidentified.into());
    }
    let owner = business(s, &r.owner)?;
    ensure_owner_or_regulator(s, signer, &owner)?;
    ensure_in_region(s, &owner, r.division)?;
    let serial_key = StorageKey::InstrumentSerial(instruments::identity_hash(
        env.scheme,
        &r.class,
        &r.manufacturer,
        &r.serial,
    ));
    if let Some(existing) = s.get::<InstrumentId>(&serial_key)? {
        return Err(Error::Duplicate(existing).into());
    }
    let count_key = StorageKey::InstrumentCount(owner.region.clone());
    let seq = s.get::<u64>(&count_key)?.unwrap_or(0) + 1;
    let id = InstrumentId {
        region: owner.region.clone(),
        seq,
    };
    s.put(&count_key, &seq);
    s.put(&serial_key, &id);
    add_owned(s, &r.owner, &id)?;
    let record = InstrumentRecord {
        id: id.clone(),
        class: r.class,
        manufacturer: r.manufacturer,
        model: r.model,
        serial: r.serial,
        production_code: r.production_code,
        owner: r.owner.clone(),
        division: r.division,
        site: r.site.clone(),
        registered: stamp(env, signer),
        retired: None,
        history_len: 0,
    };
    let change = Change::Registered {
        owner: r.owner.clone(),
        division: r.division,
        site: r.site,
    };
    record_change(s, env, signer, record, change)?;
    Ok(Event::Registered { id, owner: r.owner })
}

/// [`crate::Call::Move`]: to a new division or site of the same region.
pub(crate) fn relocate(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: InstrumentId,
    division: Division,
    site: Site,
) -> DispatchResult<Event, Error> {
    let (mut record, owner) = acted_on(s, signer, &id)?;
    ensure_in_region(s, &owner, division)?;
    record.division = division;
    record.site = site.clone();
    record_change(s, env, signer, record, Change::Moved { division, site })?;
    Ok(Event::Moved(id))
}

/// [`crate::Call::Transfer`]: to another business of the same region.
pub(crate) fn transfer(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: InstrumentId,
    to: CreditCode,
) -> DispatchResult<Event, Error> {
    let (mut record, owner) = acted_on(s, signer, &id)?;
    let buyer = business(s, &to)?;
    if buyer.region != owner.region || to == owner.credit_code {
        return Err(Error::BadTransfer {
            region: owner.region,
            to,
        }
        .into());
    }
    add_owned(s, &to, &id)?;
    let from = std::mem::replace(&mut record.owner, to.clone());
    let change = Change::Transferred {
        from: from.clone(),
        to: to.clone(),
    };
    record_change(s, env, signer, record, change)?;
    Ok(Event::Transferred { id, from, to })
}

/// [`crate::Call::Retire`]: 报废/停用; nothing more is recorded on it.
pub(crate) fn retire(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: InstrumentId,
    reason: Text,
) -> DispatchResult<Event, Error> {
    let (mut record, _) = acted_on(s, signer, &id)?;
    record.retired = Some(stamp(env, signer));
    record_change(s, env, signer, record, Change::Retired { reason })?;
    Ok(Event::Retired(id))
}

/// [`crate::Call::Repair`]: an active key of an active lab records a repair it made.
pub(crate) fn repair(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: InstrumentId,
    date: Date,
    evidence: Hash,
    seals_broken: Vec<Seal>,
) -> DispatchResult<Event, Error> {
    let Some(AccountRole::LabKey { lab: code }) = membership::role(s, signer)? else {
        return Err(Error::NotActiveLab.into());
    };
    let lab = membership::lab(s, &code)?.ok_or_else(|| Error::UnknownLab(code.clone()))?;
    if !lab.key_active_at(signer, env.height) || lab.status != LabStatus::Active {
        return Err(Error::NotActiveLab.into());
    }
    let record = live(s, &id)?;
    let today = env.today();
    if date > today {
        return Err(Error::DateInFuture { date, today }.into());
    }
    if check_seals(&seals_broken).is_err() {
        return Err(Error::TooManySeals.into());
    }
    let change = Change::Repaired {
        lab: code.clone(),
        date,
        evidence,
        seals_broken,
    };
    record_change(s, env, signer, record, change)?;
    Ok(Event::Repaired { id, lab: code })
}

/// The instrument `id` (as [`live`]) and its owner, for a call its owner's key or a regulator
/// of its region signs.
fn acted_on(
    s: &mut dyn Storage,
    signer: &AccountId,
    id: &InstrumentId,
) -> DispatchResult<(InstrumentRecord, BusinessRecord), Error> {
    let record = live(s, id)?;
    let owner = business(s, &record.owner)?;
    ensure_owner_or_regulator(s, signer, &owner)?;
    Ok((record, owner))
}

/// The instrument `id`, registered, not retired, with room in its history.
fn live(s: &mut dyn Storage, id: &InstrumentId) -> DispatchResult<InstrumentRecord, Error> {
    let record = instrument(s, id)?.ok_or_else(|| Error::UnknownInstrument(id.clone()))?;
    if record.retired.is_some() {
        return Err(Error::Retired(id.clone()).into());
    }
    if record.history_len >= HISTORY_MAX {
        return Err(Error::HistoryFull(id.clone()).into());
    }
    Ok(record)
}

/// The registered business `code`.
fn business(s: &mut dyn Storage, code: &CreditCode) -> DispatchResult<BusinessRecord, Error> {
    Ok(membership::business(s, code)?.ok_or_else(|| Error::UnknownOwner(code.clone()))?)
}

/// The owner's own key, or a regulator of the owner's region.
fn ensure_owner_or_regulator(
    s: &mut dyn Storage,
    signer: &AccountId,
    owner: &BusinessRecord,
) -> DispatchResult<(), Error> {
    let allowed = match membership::role(s, signer)? {
        Some(AccountRole::Business { credit_code }) => credit_code == owner.credit_code,
        Some(AccountRole::Regulator { region }) => region == owner.region,
        _ => false,
    };
    if !allowed {
        return Err(Error::NotOwnerOrRegulator(owner.credit_code.clone()).into());
    }
    Ok(())
}

/// `division` lies in the owner's region: its first two digits are the region's province.
fn ensure_in_region(
    s: &mut dyn Storage,
    owner: &BusinessRecord,
    division: Division,
) -> DispatchResult<(), Error> {
    let region: Option<RegionRecord> = s.get(&StorageKey::Region(owner.region.clone()))?;
    let province = region.map_or(0, |r| r.province);
    if division.province() != province {
        return Err(Error::DivisionOutsideRegion {
            division,
            region: owner.region.clone(),
            province,
        }
        .into());
    }
    Ok(())
}

/// Appends `id` to `owner`'s list of instruments.
fn add_owned(
    s: &mut dyn Storage,
    owner: &CreditCode,
    id: &InstrumentId,
) -> Result<(), StorageError> {
    let count = gather::owned_count(s, owner)?;
    s.push_to_page(
        count,
        gather::OWNED_PAGE,
        |page| gather::owned_page(owner, page),
        id.clone(),
    )?;
    s.put(&StorageKey::InstrumentsOwned(owner.clone()), &(count + 1));
    Ok(())
}
