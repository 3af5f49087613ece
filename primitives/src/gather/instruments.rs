//! An instrument's inputs (DOMAIN.md §7): its record, class, complete history and every
//! certificate the history names, and the rules' numbers; a business's complete list of
//! instruments; the class table.

use alloc::format;
use alloc::vec::Vec;

use super::{dangling, read_pages};
use crate::ids::{ClassCode, CreditCode};
use crate::instruments::{
    self, Entry, HISTORY_PAGE, InstrumentClass, InstrumentId, InstrumentParams, InstrumentRecord,
    Standing,
};
use crate::read::{ReadError, StateRead};
use crate::records::CertificateRecord;
use crate::state::StorageKey;
use crate::time::Date;

/// Everything an instrument's status is computed from, each list complete: a proof of these
/// keys shows that no newer verification, repair or retirement was left out.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InstrumentFacts {
    /// The record.
    pub record: InstrumentRecord,
    /// Its class.
    pub class: InstrumentClass,
    /// Its whole history, oldest first.
    pub history: Vec<Entry>,
    /// Every certificate its history names, in history order.
    pub certificates: Vec<CertificateRecord>,
    /// The rules' numbers.
    pub params: InstrumentParams,
}

impl InstrumentFacts {
    /// Each history entry with, for a certificate's, the certificate's record.
    pub fn entries(&self) -> impl Iterator<Item = (&Entry, Option<&CertificateRecord>)> {
        let mut certificates = self.certificates.iter();
        self.history.iter().map(move |e| match e.change {
            instruments::Change::Certificate { .. } => (e, certificates.next()),
            _ => (e, None),
        })
    }

    /// Its status on `on`, by the one rule ([`instruments::instrument_status`]).
    pub fn standing(&self, on: Date) -> Standing<'_> {
        instruments::instrument_status(
            &self.record,
            &self.history,
            &self.certificates,
            on,
            &self.params,
        )
    }
}

impl InstrumentFacts {
    /// The first day after `on` its status may change with nothing new recorded
    /// ([`instruments::status_changes_after`]).
    pub fn status_changes_after(&self, on: Date) -> Option<Date> {
        instruments::status_changes_after(
            &self.record,
            &self.history,
            &self.certificates,
            on,
            &self.params,
        )
    }
}

/// The instrument `id` with everything its status is computed from, or `None` when it was
/// never registered.
pub fn instrument<R: StateRead + ?Sized>(
    r: &mut R,
    id: &InstrumentId,
) -> Result<Option<InstrumentFacts>, R::Error> {
    let Some(record) = r.read::<InstrumentRecord>(&StorageKey::Instrument(id.clone()))? else {
        return Ok(None);
    };
    instrument_with(r, record).map(Some)
}

/// The rest of what the status of the instrument `record` is computed from, its record read
/// already: its class, history, certificates and the rules' numbers.
pub fn instrument_with<R: StateRead + ?Sized>(
    r: &mut R,
    record: InstrumentRecord,
) -> Result<InstrumentFacts, R::Error> {
    let id = &record.id;
    let class = class(r, &record.class)?.ok_or_else(|| {
        dangling::<R::Error>(format!("class {} of instrument {id}", record.class))
    })?;
    let history = history(r, &record)?;
    let mut certificates = Vec::new();
    for (lab, number) in instruments::certificates_named(&history) {
        let key = StorageKey::Certificate(lab.clone(), number.clone());
        let certificate = r
            .read::<CertificateRecord>(&key)?
            .filter(|c| instruments::names(c, id))
            .ok_or_else(|| {
                dangling::<R::Error>(format!("certificate {lab}/{number} of instrument {id}"))
            })?;
        certificates.push(certificate);
    }
    Ok(InstrumentFacts {
        record,
        class,
        history,
        certificates,
        params: params(r)?,
    })
}

/// The `page`-th page of instrument `id`'s history.
pub fn history_page(id: &InstrumentId, page: u64) -> Result<StorageKey, ReadError> {
    let page = u32::try_from(page)
        .map_err(|_| ReadError::Dangling(format!("history page {page} of instrument {id}")))?;
    Ok(StorageKey::InstrumentHistory(id.clone(), page))
}

/// The whole history of `record`, oldest first (one read per page).
pub fn history<R: StateRead + ?Sized>(
    r: &mut R,
    record: &InstrumentRecord,
) -> Result<Vec<Entry>, R::Error> {
    read_pages(
        r,
        u64::from(record.history_len),
        u64::from(HISTORY_PAGE),
        |page| history_page(&record.id, page),
        || format!("instrument {}'s history", record.id),
    )
}

/// The instrument rules' numbers the genesis fixed; the defaults when the state holds none.
pub fn params<R: StateRead + ?Sized>(r: &mut R) -> Result<InstrumentParams, R::Error> {
    Ok(r.read(&StorageKey::InstrumentParams)?.unwrap_or_default())
}

/// The class `code`.
pub fn class<R: StateRead + ?Sized>(
    r: &mut R,
    code: &ClassCode,
) -> Result<Option<InstrumentClass>, R::Error> {
    r.read(&StorageKey::InstrumentClass(code.clone()))
}

/// Every class, in the order they were added.
pub fn classes<R: StateRead + ?Sized>(r: &mut R) -> Result<Vec<InstrumentClass>, R::Error> {
    let codes: Vec<ClassCode> = r.read(&StorageKey::InstrumentClasses)?.unwrap_or_default();
    codes
        .into_iter()
        .map(|code| class(r, &code)?.ok_or_else(|| dangling(format!("class {code}"))))
        .collect()
}

/// Instruments to a page of a business's list ([`StorageKey::InstrumentsOwnedPage`]).
pub const OWNED_PAGE: u64 = 256;

/// How many instruments `owner` has owned: its list's length.
pub fn owned_count<R: StateRead + ?Sized>(r: &mut R, owner: &CreditCode) -> Result<u64, R::Error> {
    Ok(r.read(&StorageKey::InstrumentsOwned(owner.clone()))?
        .unwrap_or(0))
}

/// The `page`-th page of `owner`'s list of instruments.
pub fn owned_page(owner: &CreditCode, page: u64) -> Result<StorageKey, ReadError> {
    let page = u32::try_from(page)
        .map_err(|_| ReadError::Dangling(format!("instrument page {page} of {owner}")))?;
    Ok(StorageKey::InstrumentsOwnedPage(owner.clone(), page))
}

/// Every instrument `owner` has owned, in the order it came to own them (complete: one read
/// per page and the count). An instrument since transferred is listed too: its record names
/// the owner now.
pub fn instruments_owned<R: StateRead + ?Sized>(
    r: &mut R,
    owner: &CreditCode,
) -> Result<Vec<InstrumentId>, R::Error> {
    let count = owned_count(r, owner)?;
    read_pages(
        r,
        count,
        OWNED_PAGE,
        |page| owned_page(owner, page),
        || format!("business {owner}'s list of instruments"),
    )
}

/// The most instruments a business's proof carries with their histories (the list of ids is
/// always complete).
pub const OWNED_PROVEN_MAX: usize = 64;
/// The most state keys those instruments may take in a business's proof (a bundle carries at
/// most `bundle::ENTRIES_MAX`): an instrument that would pass it ends the list there.
pub const OWNED_PROVEN_KEYS_MAX: usize = 640;

/// A business's instruments, for its page.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct OwnedInstruments {
    /// Every instrument it has owned, in the order it came to own them (complete).
    pub ids: Vec<InstrumentId>,
    /// How many of `ids` were looked at (the rest are not in the proof).
    pub examined: usize,
    /// Of those looked at, the ones it owns now, with everything their status is computed
    /// from.
    pub instruments: Vec<InstrumentFacts>,
}

impl OwnedInstruments {
    /// Whether the list goes on past what is gathered.
    pub fn truncated(&self) -> bool {
        self.examined < self.ids.len()
    }
}

/// The state keys an instrument's facts take: its record, its history's pages, its
/// certificates (its class and the rules' numbers are shared).
fn keys_of(facts: &InstrumentFacts) -> usize {
    1 + facts.history.len().div_ceil(HISTORY_PAGE as usize) + facts.certificates.len()
}

/// `owner`'s instruments: its complete list, and from its start, up to [`OWNED_PROVEN_MAX`]
/// instruments and [`OWNED_PROVEN_KEYS_MAX`] keys, each gathered (those it still owns).
pub fn owned_instruments<R: StateRead + ?Sized>(
    r: &mut R,
    owner: &CreditCode,
) -> Result<OwnedInstruments, R::Error> {
    let ids = instruments_owned(r, owner)?;
    let mut gathered: Vec<InstrumentFacts> = Vec::new();
    let (mut examined, mut keys) = (0, 0);
    for id in ids.iter().take(OWNED_PROVEN_MAX) {
        // The record first: what the rest of its facts will take is known from it.
        let Some(record) = r.read::<InstrumentRecord>(&StorageKey::Instrument(id.clone()))? else {
            return Err(dangling(format!("instrument {id} of {owner}")));
        };
        let pages = record.history_len.div_ceil(HISTORY_PAGE) as usize;
        if keys + 1 + pages + record.history_len as usize > OWNED_PROVEN_KEYS_MAX {
            break;
        }
        examined += 1;
        if record.owner != *owner || gathered.iter().any(|f| f.record.id == *id) {
            keys += 1;
            continue;
        }
        let facts = instrument_with(r, record)?;
        keys += keys_of(&facts);
        gathered.push(facts);
    }
    Ok(OwnedInstruments {
        ids,
        examined,
        instruments: gathered,
    })
}
