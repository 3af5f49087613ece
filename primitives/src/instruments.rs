//! Instruments in use (在用计量器具) and 一器一码 (DOMAIN.md §7): the chain-given id, the
//! class table, an instrument's record and its complete history, and the one rule that says
//! what an instrument's status is on a date ([`instrument_status`]), which the runtime, the node
//! and the verifier all call.

use alloc::vec::Vec;
use core::fmt;

mod text;

pub use text::ChangeWord;

use parity_scale_codec::{Decode, Encode, Input};

use crate::crypto::{AccountId, Hash};
use crate::ids::{
    Category, CertNumber, ClassCode, CreditCode, IdError, LabCode, RegionCode, Site, Text,
};
use crate::records::{CertKind, CertStatus, CertificateRecord};
use crate::time::Date;

/// An instrument's id, given by the chain at registration: its owner's region and a sequence
/// number per region, written `CQ-1` (short enough for a small label's QR code).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct InstrumentId {
    /// The region it was registered in.
    pub region: RegionCode,
    /// Its number there, from 1.
    pub seq: u64,
}

impl InstrumentId {
    /// Reads `CQ-1` (one spelling: no sign, no leading zero, no number 0).
    pub fn parse(text: &str) -> Result<InstrumentId, IdError> {
        let parsed = text.split_once('-').and_then(|(region, seq)| {
            let region = RegionCode::new(region).ok()?;
            if seq.starts_with('0') || !seq.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some(InstrumentId {
                region,
                seq: seq.parse().ok()?,
            })
        });
        parsed.ok_or(IdError::BadCharacter {
            what: "instrument id",
            allowed: "a region code, '-' and a number from 1, like CQ-1",
        })
    }
}

impl Decode for InstrumentId {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let region = RegionCode::decode(input)?;
        let seq = u64::decode(input)?;
        if seq == 0 {
            return Err("instrument id with sequence number 0".into());
        }
        Ok(InstrumentId { region, seq })
    }
}

impl fmt::Display for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.region, self.seq)
    }
}

impl fmt::Debug for InstrumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl core::str::FromStr for InstrumentId {
    type Err = IdError;
    fn from_str(text: &str) -> Result<Self, IdError> {
        InstrumentId::parse(text)
    }
}

/// A 6-digit administrative division code (GB/T 2260) of a city district or county: its first
/// two digits are the province (Chongqing 50, Sichuan 51).
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct Division(u32);

impl Division {
    const WHAT: &'static str = "division code";
    const ALLOWED: &'static str = "the 6 digits of a district or county (GB/T 2260), like 500103 \
                                   (渝中区); a province's XX0000 names no place";

    /// Checks `code`: six digits, not a province's own `XX0000`.
    pub fn new(code: u32) -> Result<Division, IdError> {
        if !(110_000..=999_999).contains(&code) || code.is_multiple_of(10_000) {
            return Err(IdError::BadCharacter {
                what: Self::WHAT,
                allowed: Self::ALLOWED,
            });
        }
        Ok(Division(code))
    }

    /// Reads `500103`.
    pub fn parse(text: &str) -> Result<Division, IdError> {
        if text.len() != 6 || !text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(IdError::BadCharacter {
                what: Self::WHAT,
                allowed: Self::ALLOWED,
            });
        }
        Division::new(text.parse().unwrap_or(0))
    }

    /// Its province: the first two digits.
    pub fn province(self) -> u8 {
        (self.0 / 10_000) as u8
    }
}

impl Decode for Division {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        Division::new(u32::decode(input)?).map_err(|_| "invalid division code".into())
    }
}

impl fmt::Display for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl fmt::Debug for Division {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A class of instruments (器具类别): the genesis table, extended by regulators.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct InstrumentClass {
    /// `FUEL`.
    pub code: ClassCode,
    /// `燃油加油机`.
    pub name: Text,
    /// The measurement category its verification certificates are of.
    pub category: Category,
    /// The item within the category.
    pub item: Text,
    /// The verification procedure (`JJG 443`).
    pub procedure: Text,
    /// Under compulsory verification (强检).
    pub compulsory: bool,
    /// The verification period (检定周期), months: a 检定证书's 有效期至 is at most this
    /// long after its verification date.
    pub period_months: u16,
}

/// The longest verification period a class may have: 20 years.
pub const PERIOD_MONTHS_MAX: u16 = 240;

impl InstrumentClass {
    /// The last 有效期至 a verification on `verified` may give.
    pub fn latest_valid_until(&self, verified: Date) -> Date {
        verified.add_months(u32::from(self.period_months))
    }
}

/// The instrument rules' numbers, fixed at genesis.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(deny_unknown_fields, default))]
pub struct InstrumentParams {
    /// An instrument is due soon (临期) this many days before its 有效期至, and on it.
    pub warning_days: u32,
}

impl Default for InstrumentParams {
    fn default() -> Self {
        InstrumentParams { warning_days: 30 }
    }
}

/// The longest warning window: a year.
pub const WARNING_DAYS_MAX: u32 = 366;

/// A seal (铅封/封签) a lab applied or a repair broke: where it sits and its number.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Seal {
    /// Where (`主板`, `计量器`).
    pub position: Text,
    /// The seal's number.
    pub number: Text,
}

/// The most seals one certificate or repair records.
pub const SEALS_MAX: usize = 16;
/// The longest seal position or number, in characters (`计量器主板`, `QF-2026-0303`).
pub const SEAL_TEXT_MAX: usize = 24;

/// Checks the seals a certificate applies or a repair breaks: at most [`SEALS_MAX`], each
/// position and number at most [`SEAL_TEXT_MAX`] characters (so a page of history stays
/// within the state's value limit); what is wrong, for people.
pub fn check_seals(seals: &[Seal]) -> Result<(), alloc::string::String> {
    if seals.len() > SEALS_MAX {
        return Err(alloc::format!(
            "at most {SEALS_MAX} seals (封签), not {}",
            seals.len()
        ));
    }
    for seal in seals {
        for text in [&seal.position, &seal.number] {
            if text.as_str().chars().count() > SEAL_TEXT_MAX {
                return Err(alloc::format!(
                    "a seal's position or number is at most {SEAL_TEXT_MAX} characters: `{text}`"
                ));
            }
        }
    }
    Ok(())
}

/// The registered instrument a verification certificate or notice is for, and the seals the
/// lab applied.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct InstrumentUse {
    /// The instrument.
    pub id: InstrumentId,
    /// The seals applied, at most [`SEALS_MAX`].
    pub seals: Vec<Seal>,
}

/// When and by whom something happened on the chain.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Stamp {
    /// The block's height.
    pub height: u64,
    /// The chain's date (CST) then.
    pub date: Date,
    /// The signing account.
    pub by: AccountId,
}

/// An instrument as the ledger keeps it now; its history is kept in pages
/// ([`crate::state::StorageKey::InstrumentHistory`]).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct InstrumentRecord {
    /// `CQ-1`.
    pub id: InstrumentId,
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
    /// The business that owns it (its credit code).
    pub owner: CreditCode,
    /// Where it stands: the district or county…
    pub division: Division,
    /// … and the site within it.
    pub site: Site,
    /// Its registration.
    pub registered: Stamp,
    /// Its retirement (报废/停用), once retired.
    pub retired: Option<Stamp>,
    /// How many entries its history holds.
    pub history_len: u32,
}

/// What identifies one instrument, whoever registers it: the chain's hash (SHA-256 or SM3) of
/// the SCALE encoding of its class, manufacturer and serial
/// ([`crate::state::StorageKey::InstrumentSerial`]).
pub fn identity_hash(
    scheme: crate::crypto::Scheme,
    class: &ClassCode,
    manufacturer: &Text,
    serial: &Text,
) -> Hash {
    scheme.hash(&(class, manufacturer, serial).encode())
}

/// The most entries an instrument's history holds: past it nothing more is recorded on it (a
/// full history freezes the instrument as it stands, so filling it hides nothing), and its
/// proof stays within a bundle's limits (33 pages, at most 512 certificates).
pub const HISTORY_MAX: u32 = 512;

/// Entries to a page of an instrument's history: the largest entry (a repair breaking sixteen
/// seals) encodes to about 3.3 KB, so a page stays under the state's 64 KiB value limit
/// whatever it holds.
pub const HISTORY_PAGE: u32 = 16;

/// One change in an instrument's history, with when and by whom.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Entry {
    /// When and by whom.
    pub at: Stamp,
    /// What.
    pub change: Change,
}

/// What changed.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Change {
    /// Registered, with its first owner and place.
    #[codec(index = 0)]
    Registered {
        /// The owner.
        owner: CreditCode,
        /// The division.
        division: Division,
        /// The site.
        site: Site,
    },
    /// Moved within its region.
    #[codec(index = 1)]
    Moved {
        /// The new division.
        division: Division,
        /// The new site.
        site: Site,
    },
    /// Transferred to another business of its region.
    #[codec(index = 2)]
    Transferred {
        /// The owner before.
        from: CreditCode,
        /// The owner now.
        to: CreditCode,
    },
    /// Retired (报废/停用).
    #[codec(index = 3)]
    Retired {
        /// Why.
        reason: Text,
    },
    /// Repaired (维修) by a lab, breaking seals: it must be verified again before use.
    #[codec(index = 4)]
    Repaired {
        /// The lab that repaired it.
        lab: LabCode,
        /// The day of the repair.
        date: Date,
        /// SHA-256 of the repair record.
        evidence: Hash,
        /// The seals it broke.
        seals_broken: Vec<Seal>,
    },
    /// A certificate naming it was anchored: the certificate's own record says its kind,
    /// dates, seals and whether it was since revoked or superseded.
    #[codec(index = 5)]
    Certificate {
        /// Its lab.
        lab: LabCode,
        /// Its number.
        number: CertNumber,
    },
}

crate::wire_words! {
    /// An instrument's status on a date ([`instrument_status`]).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
    pub enum InstrumentStatus: "instrument status" {
        /// Verified, and its 有效期至 more than the warning window away.
        #[codec(index = 0)]
        Valid = "valid" ("合格", "Verified"),
        /// Verified, its 有效期至 within the warning window.
        #[codec(index = 1)]
        DueSoon = "due_soon" ("临期", "Due soon"),
        /// Its 有效期至 has passed.
        #[codec(index = 2)]
        Overdue = "overdue" ("超期", "Overdue"),
        /// Its latest verification failed (检定结果通知书).
        #[codec(index = 3)]
        Failed = "failed" ("不合格", "Failed"),
        /// Never verified, or repaired since its latest verification.
        #[codec(index = 4)]
        Unverified = "unverified" ("待检", "Awaiting verification"),
        /// Retired (报废/停用).
        #[codec(index = 5)]
        Retired = "retired" ("已报废", "Retired"),
    }
}

impl InstrumentStatus {
    /// Whether the instrument may be used (for trade settlement, if its class is compulsory).
    pub fn may_be_used(self) -> bool {
        matches!(self, InstrumentStatus::Valid | InstrumentStatus::DueSoon)
    }
}

/// The legal line for a compulsory instrument that may not be used (《计量法》第九条).
pub const MAY_NOT_BE_USED: (&str, &str) = (
    "强检器具未经检定、超过检定周期或检定不合格的，不得使用",
    "An instrument under compulsory verification that is unverified, overdue or failed may \
     not be used",
);

/// An instrument's status on a date and what decided it.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Standing<'a> {
    /// The status.
    pub status: InstrumentStatus,
    /// The latest verification certificate or notice that counts (not revoked, not
    /// superseded, verified on or before the date), if any.
    pub latest: Option<&'a CertificateRecord>,
    /// The latest repair on or before the date, if any.
    pub last_repair: Option<Date>,
}

impl Standing<'_> {
    /// The latest counting certificate's 有效期至: when the next verification is due.
    pub fn valid_until(&self) -> Option<Date> {
        self.latest.and_then(|c| c.fields.valid_until)
    }
}

/// Whether `certificate` decides an instrument's status: a verification certificate or notice
/// that is neither revoked nor superseded.
pub fn counts(certificate: &CertificateRecord) -> bool {
    matches!(
        certificate.fields.kind,
        CertKind::Verification | CertKind::Notice
    ) && certificate.status == CertStatus::Valid
}

/// The instrument's status on `on` (DOMAIN.md §7), from its record, its history (for repairs),
/// the certificates its history names, and the rules' numbers. Checked in this order: retired;
/// unverified (no counting certificate, or a repair dated after the latest one's verification
/// date); failed; overdue (after its 有效期至, which is valid through its whole day); due
/// soon (有效期至 − `on` ≤ the warning window); valid. Events dated after `on` are not yet
/// known on `on`. The latest counting certificate is the one with the latest verification
/// date, ties broken by the height it was anchored at.
pub fn instrument_status<'a>(
    record: &InstrumentRecord,
    history: &[Entry],
    certificates: &'a [CertificateRecord],
    on: Date,
    params: &InstrumentParams,
) -> Standing<'a> {
    let latest = certificates
        .iter()
        .filter(|c| names(c, &record.id) && counts(c) && c.fields.calibration_date <= on)
        .max_by_key(|c| (c.fields.calibration_date, c.anchored_height));
    let last_repair = history
        .iter()
        .filter_map(|e| match e.change {
            Change::Repaired { date, .. } if date <= on => Some(date),
            _ => None,
        })
        .max();
    let standing = |status| Standing {
        status,
        latest,
        last_repair,
    };
    if record.retired.as_ref().is_some_and(|r| r.date <= on) {
        return standing(InstrumentStatus::Retired);
    }
    let Some(certificate) = latest else {
        return standing(InstrumentStatus::Unverified);
    };
    if last_repair.is_some_and(|r| r > certificate.fields.calibration_date) {
        return standing(InstrumentStatus::Unverified);
    }
    let status = match (certificate.fields.kind, certificate.fields.valid_until) {
        (CertKind::Verification, Some(until)) if on > until => InstrumentStatus::Overdue,
        (CertKind::Verification, Some(until)) if until.0 - on.0 <= params.warning_days => {
            InstrumentStatus::DueSoon
        }
        (CertKind::Verification, Some(_)) => InstrumentStatus::Valid,
        // A notice, or (never anchored) a verification certificate without 有效期至.
        _ => InstrumentStatus::Failed,
    };
    standing(status)
}

/// The first day after `on` on which [`instrument_status`] may answer otherwise with nothing
/// new recorded (`None`: never): a dated event of its history or certificates coming into
/// effect, or a counting 有效期至's warning window opening or passing. Between `on` and that
/// day the status stays as it is on `on`, so an index of statuses rechecks an instrument then.
pub fn status_changes_after(
    record: &InstrumentRecord,
    history: &[Entry],
    certificates: &[CertificateRecord],
    on: Date,
    params: &InstrumentParams,
) -> Option<Date> {
    let dated = history.iter().filter_map(|e| match e.change {
        Change::Repaired { date, .. } => Some(date),
        _ => None,
    });
    let windows = certificates
        .iter()
        .filter(|c| names(c, &record.id) && counts(c))
        .flat_map(|c| {
            let until = c.fields.valid_until.map(|u| u.0);
            [
                Some(c.fields.calibration_date.0),
                until.map(|u| u.saturating_sub(params.warning_days)),
                until.map(|u| u.saturating_add(1)),
            ]
        })
        .flatten()
        .map(Date);
    dated
        .chain(windows)
        .chain(record.retired.as_ref().map(|r| r.date))
        .filter(|d| *d > on)
        .min()
}

/// Whether `certificate` names instrument `id`.
pub fn names(certificate: &CertificateRecord, id: &InstrumentId) -> bool {
    certificate
        .fields
        .for_instrument
        .as_ref()
        .is_some_and(|u| u.id == *id)
}

/// The certificates an instrument's history names, in history order.
pub fn certificates_named(history: &[Entry]) -> impl Iterator<Item = (&LabCode, &CertNumber)> {
    history.iter().filter_map(|e| match &e.change {
        Change::Certificate { lab, number } => Some((lab, number)),
        _ => None,
    })
}

/// The seals in force: those the latest counting certificate applied.
pub fn seals<'a>(standing: &Standing<'a>) -> &'a [Seal] {
    standing
        .latest
        .and_then(|c| c.fields.for_instrument.as_ref())
        .map_or(&[], |u| u.seals.as_slice())
}

#[cfg(test)]
#[path = "instruments_tests.rs"]
mod tests;
