//! An instrument's proof (一器一码): its record, its complete history, every certificate the
//! history names, its class and the rules' numbers, and its owner with everything the owner's
//! grade is computed from, checked against the trust anchor. The status is then computed here
//! with the chain's own rule, so a server can neither bend it nor leave out a newer
//! verification, repair or retirement; an id never registered is proven absent.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use hengxin_primitives::Date;
use hengxin_primitives::bundle::{TrustAnchor, VerifiedState};
use hengxin_primitives::gather::instruments::InstrumentFacts;
use hengxin_primitives::gather::{self, CreditInputs};
use hengxin_primitives::instruments::{self, Change, InstrumentId, MAY_NOT_BE_USED, Standing};
use hengxin_primitives::records::BusinessRecord;

use crate::report;
use crate::steps::{self, Outcome, Steps};
use crate::{Step, StepId, Subject, Verdict};

/// What a reader gets about an instrument.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct InstrumentReport {
    /// `authentic` (proven), `unknown` (proven never registered), `tampered` or `error`.
    pub verdict: Verdict,
    /// The checks, in order.
    pub steps: Vec<Step>,
    /// What the proof holds, when it got that far.
    pub instrument: Option<ProvenInstrument>,
    /// The height and time (UTC ms) of the header the proof is against.
    pub proven_at: Option<(u64, u64)>,
}

/// An instrument and its owner, as proven.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProvenInstrument {
    /// The instrument, its class, complete history and certificates, as gathered.
    pub facts: InstrumentFacts,
    /// Its owner and what the owner's grade is computed from (`None`: the state holds no
    /// such business).
    pub owner: Option<(BusinessRecord, CreditInputs)>,
    /// The date the status is for (the reader's).
    pub on: Date,
}

impl ProvenInstrument {
    /// Its status on the reader's date, by the one rule.
    pub fn standing(&self) -> Standing<'_> {
        self.facts.standing(self.on)
    }
}

/// Verifies an instrument's `bundle` against `anchor` for the id the reader asks about, and
/// computes its status on `today`.
pub fn verify_instrument(
    anchor: &TrustAnchor,
    bundle: &[u8],
    id: &str,
    today: Date,
) -> InstrumentReport {
    let mut report = InstrumentReport {
        verdict: Verdict::Error,
        steps: Vec::new(),
        instrument: None,
        proven_at: None,
    };
    let steps = &mut Steps(&mut report.steps);
    let result = (|| {
        let id = read_id(steps, id)?;
        let bundle = steps::read_bundle(steps, bundle)?;
        let mut state = steps::check_proof(steps, anchor, &bundle)?;
        let proven_at = (state.header.height, state.header.timestamp_ms);
        Ok::<_, Verdict>((proven_at, prove(steps, &mut state, &id, today)))
    })();
    match result {
        Ok((proven_at, proven)) => {
            report.proven_at = Some(proven_at);
            match proven {
                Ok(instrument) => {
                    report.instrument = Some(instrument);
                    report.verdict = Verdict::Authentic;
                }
                Err(verdict) => report.verdict = verdict,
            }
        }
        Err(verdict) => report.verdict = verdict,
    }
    report
}

/// `read`: the id the reader asks about.
fn read_id(steps: &mut Steps<'_>, text: &str) -> Outcome<InstrumentId> {
    match InstrumentId::parse(text) {
        Ok(id) => Ok(id),
        Err(_) => steps.end(
            StepId::Read,
            "器具码无效 · the instrument id is not valid (like CQ-1)",
            Verdict::Error,
        ),
    }
}

/// `record`, `history`, `status`, `grade`: the instrument with everything its status is
/// computed from ([`gather::instruments::instrument`], as the chain and the node gather it),
/// its status on `on`, and its owner's grade.
fn prove(
    steps: &mut Steps<'_>,
    state: &mut VerifiedState,
    id: &InstrumentId,
    on: Date,
) -> Outcome<ProvenInstrument> {
    let facts = match gather::instruments::instrument(state, id) {
        Ok(Some(facts)) => facts,
        Ok(None) => {
            return steps.end(
                StepId::Record,
                format!("账本上无此器具 · no instrument {id} is registered"),
                Verdict::Unknown,
            );
        }
        Err(e) => {
            return steps.end(
                StepId::History,
                format!(
                    "证明缺少器具履历 · the proof leaves out part of the instrument's history: {e}"
                ),
                Verdict::Tampered,
            );
        }
    };
    let r = &facts.record;
    steps.pass(
        StepId::Record,
        format!(
            "器具已登记 · registered: {} {} ({}), {} {}",
            r.id, facts.class.name, r.class, r.division, r.site
        ),
    );
    steps.pass(
        StepId::History,
        format!(
            "履历完整 · the whole history proven: {} entries, {} certificates",
            facts.history.len(),
            facts.certificates.len()
        ),
    );
    let status = facts.standing(on).status;
    steps.pass(StepId::Status, format!("{} on {on}", status.label()));
    let owner = match gather::business(state, &r.owner) {
        Ok(owner) => owner,
        Err(e) => {
            return steps.end(
                StepId::Grade,
                format!(
                    "证明缺少所有者信用记录 · the proof leaves out part of the owner's credit: {e}"
                ),
                Verdict::Tampered,
            );
        }
    };
    if let Some((business, inputs)) = &owner {
        let standing = inputs.standing(on);
        steps.pass(
            StepId::Grade,
            format!(
                "所有者 {} 诚信等级 {} · owner's grade {} (score {})",
                business.name, standing.grade, standing.grade, standing.score
            ),
        );
    }
    Ok(ProvenInstrument { facts, owner, on })
}

impl InstrumentReport {
    /// The report as JSON, for the page: `{"status", "label", "steps", "instrument": {"id",
    /// "class", "class_name", "compulsory", "manufacturer", "model", "serial",
    /// "production_code", "owner", "owner_name", "owner_grade", "division", "site", "status",
    /// "status_label", "may_be_used", "legal", "valid_until", "last_repair", "on", "latest":
    /// {"lab_code", "number", "kind", "date", "valid_until"} | null, "seals": [{"position",
    /// "number"}], "history": [{"height", "date", "change", "lab_code", "number", "text"}]} |
    /// null, "height", "proven_at_ms"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let words = self.verdict.words(Subject::Instrument);
        report::status_and_steps_json(&mut out, words, self.verdict, &self.steps);
        out.push_str(",\"instrument\":");
        match &self.instrument {
            None => out.push_str("null"),
            Some(proven) => instrument_json(&mut out, proven),
        }
        report::proven_at_json(&mut out, self.proven_at);
        out
    }
}

fn instrument_json(out: &mut String, proven: &ProvenInstrument) {
    let f = &proven.facts;
    let r = &f.record;
    let standing = proven.standing();
    let (id, division) = (r.id.to_string(), r.division.to_string());
    let (owner, status) = (r.owner.to_string(), standing.status);
    let (owner_name, grade) = match &proven.owner {
        Some((b, inputs)) => (b.name.to_string(), inputs.standing(proven.on).grade.code()),
        None => (String::new(), ""),
    };
    let legal = if f.class.compulsory && !status.may_be_used() {
        MAY_NOT_BE_USED.0
    } else {
        ""
    };
    let date = |d: Option<Date>| d.map(Date::to_iso).unwrap_or_default();
    out.push('{');
    report::text_fields(
        out,
        &[
            ("id", &id),
            ("class", r.class.as_str()),
            ("class_name", f.class.name.as_str()),
            ("manufacturer", r.manufacturer.as_str()),
            ("model", r.model.as_str()),
            ("serial", r.serial.as_str()),
            (
                "production_code",
                r.production_code.as_ref().map_or("", |p| p.as_str()),
            ),
            ("owner", &owner),
            ("owner_name", &owner_name),
            ("owner_grade", grade),
            ("division", &division),
            ("site", r.site.as_str()),
            ("status", status.code()),
            ("status_label", &status.label()),
            ("legal", legal),
            ("valid_until", &date(standing.valid_until())),
            ("last_repair", &date(standing.last_repair)),
            ("on", &proven.on.to_iso()),
        ],
    );
    let _ = write!(
        out,
        ",\"compulsory\":{},\"may_be_used\":{},\"latest\":",
        f.class.compulsory,
        status.may_be_used()
    );
    match standing.latest {
        None => out.push_str("null"),
        Some(c) => {
            out.push('{');
            report::text_fields(
                out,
                &[
                    ("lab_code", c.lab.as_str()),
                    ("number", c.fields.number.as_str()),
                    ("kind", c.fields.kind.code()),
                    ("date", &c.fields.calibration_date.to_iso()),
                    ("valid_until", &date(c.fields.valid_until)),
                ],
            );
            out.push('}');
        }
    }
    out.push_str(",\"seals\":[");
    for (i, s) in instruments::seals(&standing).iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push('{');
        report::text_fields(
            out,
            &[
                ("position", s.position.as_str()),
                ("number", s.number.as_str()),
            ],
        );
        out.push('}');
    }
    out.push_str("],\"history\":[");
    history_json(out, f);
    out.push_str("]}");
}

fn history_json(out: &mut String, f: &InstrumentFacts) {
    for (i, (e, certificate)) in f.entries().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let (lab, number) = match &e.change {
            Change::Certificate { lab, number } => (lab.as_str(), number.as_str()),
            _ => ("", ""),
        };
        let _ = write!(out, "{{\"height\":{},", e.at.height);
        report::text_fields(
            out,
            &[
                ("date", &e.at.date.to_iso()),
                ("change", e.change.word().code()),
                ("lab_code", lab),
                ("number", number),
                ("text", &e.line(certificate)),
            ],
        );
        out.push('}');
    }
}
