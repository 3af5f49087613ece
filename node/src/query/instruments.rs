//! Reads of instruments in use (一器一码): the class table, one instrument with its status and
//! complete history (and what its proof bundle carries: that, and its owner's grade), and a
//! page of a region's or a business's instruments with filters. Every status is the one rule's
//! ([`InstrumentFacts::standing`]) over what [`gather::instruments`] read.

use hengxin_api_types::{
    InstrumentClassView, InstrumentClassesView, InstrumentDetailView, InstrumentEntryView,
    InstrumentSummary, InstrumentsView, LatestView, SealView,
};
use hengxin_primitives::gather::{self, instruments::InstrumentFacts};
use hengxin_primitives::instruments::{
    self as rules, Change, Division, InstrumentClass, InstrumentId, InstrumentRecord,
    InstrumentStatus, Seal,
};
use hengxin_primitives::read::StateRead;
use hengxin_primitives::records::CertificateRecord;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{ClassCode, CreditCode, Date, Header, LabCode, RegionCode, Text};
use hengxin_runtime::{Chain, membership};
use hengxin_sled_store::SledBackend;
use hengxin_support::Storage;

use super::{QueryError, Reader};

/// The most instruments in one page of a list.
pub const INSTRUMENT_PAGE_MAX: usize = 1000;
/// The most instruments one page reads: a page with filters that few pass ends early, with a
/// `next` to continue from.
pub const INSTRUMENT_SCAN_MAX: usize = 20_000;

/// The class table and the warning window, read at `header`.
pub fn classes(
    chain: &Chain<SledBackend>,
    header: &Header,
) -> Result<InstrumentClassesView, QueryError> {
    let mut view = chain.view(header.height);
    let s: &mut dyn Storage = &mut view;
    let classes = gather::instruments::classes(s)?
        .into_iter()
        .map(class_view)
        .collect();
    Ok(InstrumentClassesView {
        classes,
        warning_days: gather::instruments::params(s)?.warning_days,
        height: header.height,
    })
}

fn class_view(c: InstrumentClass) -> InstrumentClassView {
    InstrumentClassView {
        code: c.code,
        name: c.name,
        category: c.category,
        item: c.item,
        procedure: c.procedure,
        compulsory: c.compulsory,
        period_months: c.period_months,
    }
}

/// Reads what an instrument's proof bundle carries, through the one read path: the instrument
/// with its complete history and certificates, and its owner with everything its grade is
/// computed from (for an id never registered, the absence of its record).
pub fn read_instrument(reader: &mut Reader<'_>, id: &InstrumentId) -> Result<(), QueryError> {
    if let Some(facts) = gather::instruments::instrument(reader, id)? {
        gather::business(reader, &facts.record.owner)?;
    }
    Ok(())
}

/// The instrument `id` read at `header`, its status on `on` (default: `header`'s date);
/// `None` when it was never registered.
pub fn instrument(
    reader: &mut Reader<'_>,
    header: &Header,
    id: &InstrumentId,
    on: Option<Date>,
) -> Result<Option<InstrumentDetailView>, QueryError> {
    let Some(facts) = gather::instruments::instrument(reader, id)? else {
        return Ok(None);
    };
    let on = on.unwrap_or_else(|| Date::from_unix_ms_cst(header.timestamp_ms));
    Ok(Some(detail_view(&facts, on, header.height)))
}

fn seal_views(seals: &[Seal]) -> Vec<SealView> {
    seals
        .iter()
        .map(|s| SealView {
            position: s.position.clone(),
            number: s.number.clone(),
        })
        .collect()
}

fn latest_view(c: &CertificateRecord) -> LatestView {
    LatestView {
        lab_code: c.lab.clone(),
        number: c.fields.number.clone(),
        kind: c.fields.kind,
        date: c.fields.calibration_date,
        valid_until: c.fields.valid_until,
    }
}

/// The API's view of an instrument's gathered facts on `on`.
fn detail_view(facts: &InstrumentFacts, on: Date, height: u64) -> InstrumentDetailView {
    let standing = facts.standing(on);
    let r = &facts.record;
    let history = facts
        .entries()
        .map(|(e, certificate)| {
            let (lab_code, number) = match &e.change {
                Change::Certificate { lab, number } => (Some(lab.clone()), Some(number.clone())),
                _ => (None, None),
            };
            InstrumentEntryView {
                height: e.at.height,
                date: e.at.date,
                by: e.at.by,
                change: e.change.word(),
                lab_code,
                number,
                text: e.line(certificate),
            }
        })
        .collect();
    InstrumentDetailView {
        id: r.id.clone(),
        class: r.class.clone(),
        class_name: facts.class.name.clone(),
        compulsory: facts.class.compulsory,
        manufacturer: r.manufacturer.clone(),
        model: r.model.clone(),
        serial: r.serial.clone(),
        production_code: r.production_code.clone(),
        owner: r.owner.clone(),
        division: r.division,
        site: r.site.clone(),
        status: standing.status,
        status_label: standing.status.label(),
        may_be_used: standing.status.may_be_used(),
        valid_until: standing.valid_until(),
        latest: standing.latest.map(latest_view),
        seals: seal_views(rules::seals(&standing)),
        last_repair: standing.last_repair,
        on: Some(on),
        history,
        height,
    }
}

/// Which instruments a list holds.
#[derive(Clone, Debug)]
pub struct InstrumentFilter {
    /// The region (required).
    pub region: RegionCode,
    /// Only those standing in this division.
    pub division: Option<Division>,
    /// Only those this business owns now.
    pub owner: Option<CreditCode>,
    /// Only those of this class.
    pub class: Option<ClassCode>,
    /// Only those in one of these statuses (empty: any).
    pub statuses: Vec<InstrumentStatus>,
    /// Only those this lab verified last.
    pub lab: Option<LabCode>,
    /// Only those whose 有效期至 is at most this many days away (overdue ones included).
    pub due_within_days: Option<u32>,
    /// Only compulsory (`true`) or only other (`false`) classes.
    pub compulsory: Option<bool>,
    /// Only those with this serial.
    pub serial: Option<Text>,
    /// Only ids after this one.
    pub after: Option<InstrumentId>,
    /// At most this many (1–[`INSTRUMENT_PAGE_MAX`]).
    pub limit: usize,
}

impl InstrumentFilter {
    /// Whether the record's own fields pass (read before its history and certificates).
    fn admits_record(&self, r: &InstrumentRecord) -> bool {
        self.division.is_none_or(|d| d == r.division)
            && self.owner.as_ref().is_none_or(|o| *o == r.owner)
            && self.class.as_ref().is_none_or(|c| *c == r.class)
            && self.serial.as_ref().is_none_or(|s| *s == r.serial)
    }

    /// Whether the status on `on` passes.
    fn admits_standing(&self, summary: &InstrumentSummary, on: Date) -> bool {
        (self.statuses.is_empty() || self.statuses.contains(&summary.status))
            && self
                .lab
                .as_ref()
                .is_none_or(|l| summary.lab.as_ref() == Some(l))
            && self.due_within_days.is_none_or(|days| {
                matches!(
                    summary.status,
                    InstrumentStatus::Valid | InstrumentStatus::DueSoon | InstrumentStatus::Overdue
                ) && summary
                    .valid_until
                    .is_some_and(|until| until.0 <= on.0.saturating_add(days))
            })
    }
}

/// The ids a list looks at, by id: the owner's (when the filter names one) or the region's,
/// after `filter.after`.
fn candidates(
    s: &mut dyn Storage,
    filter: &InstrumentFilter,
) -> Result<Box<dyn Iterator<Item = InstrumentId>>, QueryError> {
    let after = filter
        .after
        .as_ref()
        .filter(|a| a.region == filter.region)
        .map_or(0, |a| a.seq);
    if let Some(owner) = &filter.owner {
        let mut ids: Vec<InstrumentId> = gather::instruments::instruments_owned(s, owner)?
            .into_iter()
            .filter(|id| id.region == filter.region && id.seq > after)
            .collect();
        ids.sort();
        ids.dedup();
        return Ok(Box::new(ids.into_iter()));
    }
    let count: u64 = s
        .read(&StorageKey::InstrumentCount(filter.region.clone()))?
        .unwrap_or(0);
    let region = filter.region.clone();
    Ok(Box::new((after + 1..=count).map(move |seq| InstrumentId {
        region: region.clone(),
        seq,
    })))
}

/// A page of the instruments `filter` admits, read at `header`, each with its status on
/// `header`'s date; `None` when the region does not exist.
pub fn instruments(
    chain: &Chain<SledBackend>,
    header: &Header,
    filter: &InstrumentFilter,
) -> Result<Option<InstrumentsView>, QueryError> {
    let mut view = chain.view(header.height);
    let s: &mut dyn Storage = &mut view;
    if !membership::regions(s)?.contains(&filter.region) {
        return Ok(None);
    }
    let on = Date::from_unix_ms_cst(header.timestamp_ms);
    let mut instruments = Vec::new();
    let mut next = None;
    for (scanned, id) in candidates(s, filter)?.enumerate() {
        if instruments.len() == filter.limit || scanned == INSTRUMENT_SCAN_MAX {
            next = Some(InstrumentId {
                region: id.region,
                seq: id.seq - 1,
            });
            break;
        }
        let record: InstrumentRecord = s
            .read(&StorageKey::Instrument(id))?
            .ok_or(QueryError::Missing("counted instrument"))?;
        if !filter.admits_record(&record) {
            continue;
        }
        let facts = gather::instruments::instrument_with(s, record)?;
        if filter
            .compulsory
            .is_some_and(|c| c != facts.class.compulsory)
        {
            continue;
        }
        let summary = summary(&facts, on);
        if filter.admits_standing(&summary, on) {
            instruments.push(summary);
        }
    }
    Ok(Some(InstrumentsView {
        instruments,
        region: filter.region.clone(),
        on,
        height: header.height,
        next: next.filter(|n| n.seq > 0),
    }))
}

fn summary(facts: &InstrumentFacts, on: Date) -> InstrumentSummary {
    let standing = facts.standing(on);
    let r = &facts.record;
    InstrumentSummary {
        id: r.id.clone(),
        class: r.class.clone(),
        manufacturer: r.manufacturer.clone(),
        serial: r.serial.clone(),
        owner: r.owner.clone(),
        division: r.division,
        site: r.site.clone(),
        status: standing.status,
        valid_until: standing.valid_until(),
        lab: standing.latest.map(|c| c.lab.clone()),
    }
}
