//! Instruments in use (在用计量器具) and 一器一码 (DOMAIN.md §7).
//!
//! Regulators keep the class table (genesis, and [`Call::AddClass`]). A business's own key or
//! a regulator of its region registers an instrument (the chain gives its id, `CQ-1`), moves it
//! within the region, transfers it to another business of the region and retires it; a lab
//! records a repair that broke its seals. A lab verifies it by anchoring a certificate that
//! names it (the certificates pallet checks that certificate against the class and calls
//! [`record_change`]). Nothing is deleted: each change is an entry of the instrument's
//! history, with its height, date and signer.
//!
//! State: the record under [`StorageKey::Instrument`], its history in pages of
//! [`HISTORY_PAGE`] under [`StorageKey::InstrumentHistory`] (the record counts the entries,
//! so a proof of the pages is complete), one id per class, manufacturer and serial under
//! [`StorageKey::InstrumentSerial`], and each business's list of instruments in pages under
//! [`StorageKey::InstrumentsOwnedPage`] with its length under
//! [`StorageKey::InstrumentsOwned`]. The status is never stored: it is computed on a date by
//! the one rule, [`hengxin_primitives::instruments::instrument_status`].

mod calls;
mod error;
#[cfg(test)]
mod tests;

use hengxin_primitives::gather::instruments as gather;
use hengxin_primitives::instruments::{
    Change, Division, Entry, HISTORY_PAGE, InstrumentClass, InstrumentId, InstrumentParams,
    InstrumentRecord, InstrumentStatus, PERIOD_MONTHS_MAX, Seal, Stamp, WARNING_DAYS_MAX,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, ClassCode, CreditCode, Date, Hash, LabCode, Site, Text};
use hengxin_support::{DispatchResult, Env, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

pub use error::Error;

/// The instrument `id`.
pub fn instrument(
    s: &mut dyn Storage,
    id: &InstrumentId,
) -> Result<Option<InstrumentRecord>, StorageError> {
    s.get(&StorageKey::Instrument(id.clone()))
}

/// The class `code`.
pub fn class(
    s: &mut dyn Storage,
    code: &ClassCode,
) -> Result<Option<InstrumentClass>, StorageError> {
    gather::class(s, code)
}

/// The status of instrument `id` on `on`, `None` when it was never registered: its inputs
/// gathered by the one read path ([`gather::instrument`], as the node and the verifier gather
/// them), judged by the one rule ([`hengxin_primitives::instruments::instrument_status`]).
pub fn status(
    s: &mut dyn Storage,
    id: &InstrumentId,
    on: Date,
) -> Result<Option<InstrumentStatus>, StorageError> {
    Ok(gather::instrument(s, id)?.map(|facts| facts.standing(on).status))
}

/// Appends `change`, made now by `by`, to the history of `record` and stores the record.
pub fn record_change(
    s: &mut dyn Storage,
    env: &Env,
    by: &AccountId,
    mut record: InstrumentRecord,
    change: Change,
) -> Result<(), StorageError> {
    let entry = Entry {
        at: stamp(env, by),
        change,
    };
    let id = record.id.clone();
    s.push_to_page(
        u64::from(record.history_len),
        u64::from(HISTORY_PAGE),
        |page| gather::history_page(&id, page),
        entry,
    )?;
    record.history_len += 1;
    s.put(&StorageKey::Instrument(record.id.clone()), &record);
    Ok(())
}

/// Now, by `by`.
fn stamp(env: &Env, by: &AccountId) -> Stamp {
    Stamp {
        height: env.height,
        date: env.today(),
        by: *by,
    }
}

/// What a business registers about an instrument.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Registration {
    /// Its class.
    pub class: ClassCode,
    /// 制造单位.
    pub manufacturer: Text,
    /// 型号.
    pub model: Text,
    /// 出厂编号.
    pub serial: Text,
    /// 生产码, where the maker gave one.
    pub production_code: Option<Text>,
    /// The owner (a registered business).
    pub owner: CreditCode,
    /// Where it stands: district or county …
    pub division: Division,
    /// … and site.
    pub site: Site,
}

/// The instruments calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// A regulator adds a class.
    #[codec(index = 0)]
    AddClass {
        /// The class.
        class: InstrumentClass,
    },
    /// The owner or a regulator of its region registers an instrument; the chain gives its id.
    #[codec(index = 1)]
    Register {
        /// What is registered.
        registration: Registration,
    },
    /// The owner or a regulator moves it within the region.
    #[codec(index = 2)]
    Move {
        /// The instrument.
        id: InstrumentId,
        /// The new division.
        division: Division,
        /// The new site.
        site: Site,
    },
    /// The owner or a regulator transfers it to another business of the region.
    #[codec(index = 3)]
    Transfer {
        /// The instrument.
        id: InstrumentId,
        /// The new owner.
        to: CreditCode,
    },
    /// The owner or a regulator retires it (报废/停用).
    #[codec(index = 4)]
    Retire {
        /// The instrument.
        id: InstrumentId,
        /// Why.
        reason: Text,
    },
    /// A lab records a repair it made (维修): the seals it broke, the record's hash.
    #[codec(index = 5)]
    Repair {
        /// The instrument.
        id: InstrumentId,
        /// The day of the repair.
        date: Date,
        /// SHA-256 of the repair record.
        evidence: Hash,
        /// The seals broken.
        seals_broken: Vec<Seal>,
    },
}

/// What an instruments call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// A class was added.
    #[codec(index = 0)]
    ClassAdded(ClassCode),
    /// An instrument was registered.
    #[codec(index = 1)]
    Registered {
        /// Its id.
        id: InstrumentId,
        /// Its owner.
        owner: CreditCode,
    },
    /// An instrument moved.
    #[codec(index = 2)]
    Moved(InstrumentId),
    /// An instrument changed hands.
    #[codec(index = 3)]
    Transferred {
        /// The instrument.
        id: InstrumentId,
        /// The owner before.
        from: CreditCode,
        /// The owner now.
        to: CreditCode,
    },
    /// An instrument was retired.
    #[codec(index = 4)]
    Retired(InstrumentId),
    /// A lab recorded a repair.
    #[codec(index = 5)]
    Repaired {
        /// The instrument.
        id: InstrumentId,
        /// The lab.
        lab: LabCode,
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
        Call::AddClass { class } => calls::add_class(s, signer, class),
        Call::Register { registration } => calls::register(s, env, signer, registration),
        Call::Move { id, division, site } => calls::relocate(s, env, signer, id, division, site),
        Call::Transfer { id, to } => calls::transfer(s, env, signer, id, to),
        Call::Retire { id, reason } => calls::retire(s, env, signer, id, reason),
        Call::Repair {
            id,
            date,
            evidence,
            seals_broken,
        } => calls::repair(s, env, signer, id, date, evidence, seals_broken),
    }
}

/// The class table and the rules' numbers a chain starts with.
#[derive(Clone, PartialEq, Eq, Debug, Default)]
pub struct GenesisConfig {
    /// The classes.
    pub classes: Vec<InstrumentClass>,
    /// The rules' numbers.
    pub params: InstrumentParams,
}

/// Why a genesis class table cannot be used.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum GenesisError {
    /// A class is refused as [`Call::AddClass`] would refuse it.
    #[error("instrument class {code}: {error}")]
    Class {
        /// The class.
        code: ClassCode,
        /// Why.
        error: Error,
    },
    /// The warning window is over a year.
    #[error("instrument warning_days is {0}; at most {WARNING_DAYS_MAX}")]
    WarningDays(u32),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Writes the genesis class table and numbers, each class checked as [`Call::AddClass`].
pub fn build_genesis(s: &mut dyn Storage, config: &GenesisConfig) -> Result<(), GenesisError> {
    if config.params.warning_days > WARNING_DAYS_MAX {
        return Err(GenesisError::WarningDays(config.params.warning_days));
    }
    s.put(&StorageKey::InstrumentParams, &config.params);
    for class in &config.classes {
        calls::put_class(s, class.clone()).map_err(|e| match e {
            hengxin_support::Failure::Rejected(error) => GenesisError::Class {
                code: class.code.clone(),
                error,
            },
            hengxin_support::Failure::Storage(e) => GenesisError::Storage(e),
        })?;
    }
    Ok(())
}

/// Checks a class: a period of 1 to [`PERIOD_MONTHS_MAX`] months.
fn check_class(class: &InstrumentClass) -> Result<(), Error> {
    if class.period_months == 0 || class.period_months > PERIOD_MONTHS_MAX {
        return Err(Error::InvalidPeriod(class.period_months));
    }
    Ok(())
}
