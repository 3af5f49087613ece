//! A business's proof: its record, its self-commitments, all its credit records and the rule
//! table, checked against the trust anchor; the grade is then computed here with the chain's
//! own rule, so a server can neither bend it nor leave a record out.

use alloc::format;
use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;
use hengxin_primitives::bundle::{TrustAnchor, VerifiedState};
use hengxin_primitives::credit::Standing;
use hengxin_primitives::gather::instruments::OwnedInstruments;
use hengxin_primitives::gather::{self, CreditInputs};
use hengxin_primitives::instruments::InstrumentStatus;
use hengxin_primitives::records::BusinessRecord;
use hengxin_primitives::{CreditCode, Date};

use crate::report;
use crate::steps::{self, Outcome, Steps};
use crate::{Step, StepId, Verdict};

/// What a reader gets about a business.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct BusinessReport {
    /// `authentic`, `unknown`, `tampered` or `error`.
    pub verdict: Verdict,
    /// The checks, in order.
    pub steps: Vec<Step>,
    /// What the proof holds, when it got that far.
    pub credit: Option<ProvenCredit>,
    /// Its instruments (一器一码), as proven.
    pub instruments: Option<OwnedInstruments>,
    /// The height and time (UTC ms) of the header the proof is against.
    pub proven_at: Option<(u64, u64)>,
}

/// A business and its credit, as proven.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct ProvenCredit {
    /// The business.
    pub business: BusinessRecord,
    /// Its self-commitments, all its credit records and the chain's rule table, as gathered.
    pub inputs: CreditInputs,
    /// The date the grade is for (the reader's).
    pub on: Date,
    /// The grade and score computed from them on that date.
    pub standing: Standing,
}

/// Verifies a business's `bundle` against `anchor` for the credit code the reader asks about,
/// and computes its grade on `today`.
pub fn verify_business(
    anchor: &TrustAnchor,
    bundle: &[u8],
    credit_code: &str,
    today: Date,
) -> BusinessReport {
    let mut report = BusinessReport {
        verdict: Verdict::Error,
        steps: Vec::new(),
        credit: None,
        instruments: None,
        proven_at: None,
    };
    let steps = &mut Steps(&mut report.steps);
    let result = (|| {
        let code = read_code(steps, credit_code)?;
        let bundle = steps::read_bundle(steps, bundle)?;
        let mut state = steps::check_proof(steps, anchor, &bundle)?;
        let proven_at = (state.header.height, state.header.timestamp_ms);
        let credit = prove_credit(steps, &mut state, &code, today).and_then(|credit| {
            let instruments = prove_instruments(steps, &mut state, &code, today)?;
            Ok((credit, instruments))
        });
        Ok::<_, Verdict>((proven_at, credit))
    })();
    match result {
        Ok((proven_at, credit)) => {
            report.proven_at = Some(proven_at);
            match credit {
                Ok((credit, instruments)) => {
                    report.credit = Some(credit);
                    report.instruments = Some(instruments);
                    report.verdict = Verdict::Authentic;
                }
                Err(verdict) => report.verdict = verdict,
            }
        }
        Err(verdict) => report.verdict = verdict,
    }
    report
}

/// `read`: the credit code the reader asks about.
fn read_code(steps: &mut Steps<'_>, text: &str) -> Outcome<CreditCode> {
    match text.parse::<CreditCode>() {
        Ok(code) => Ok(code),
        Err(_) => steps.end(
            StepId::Read,
            "统一社会信用代码无效 · the credit code is not valid",
            Verdict::Error,
        ),
    }
}

/// `record`, `credit`, `grade`: the business and everything its grade is computed from
/// ([`gather::business`], as the chain and the node gather them), and the grade on `on`.
fn prove_credit(
    steps: &mut Steps<'_>,
    state: &mut VerifiedState,
    code: &CreditCode,
    on: Date,
) -> Outcome<ProvenCredit> {
    let (business, inputs) = match gather::business(state, code) {
        Ok(Some(found)) => found,
        Ok(None) => {
            return steps.end(
                StepId::Record,
                format!("账本上无此经营主体 · no business {code} is on the ledger"),
                Verdict::Unknown,
            );
        }
        Err(e) => {
            return steps.end(
                StepId::Credit,
                format!(
                    "证明缺少信用记录 · the proof leaves out part of the business's credit: {e}"
                ),
                Verdict::Tampered,
            );
        }
    };
    steps.pass(
        StepId::Record,
        format!(
            "经营主体已登记 · registered: {} ({}, {})",
            business.name,
            business.region,
            business.business_type.label()
        ),
    );
    steps.pass(
        StepId::Credit,
        format!(
            "信用记录完整 · every credit record proven ({} records, {} commitments)",
            inputs.records.len(),
            inputs.commitments.len()
        ),
    );
    let standing = inputs.standing(on);
    steps.pass(
        StepId::Grade,
        format!(
            "诚信等级 {} (得分 {}) · grade {} (score {}) on {on}",
            standing.grade, standing.score, standing.grade, standing.score
        ),
    );
    Ok(ProvenCredit {
        business,
        inputs,
        on,
        standing,
    })
}

/// `instruments`: the business's complete list of instruments and the statuses of those
/// proven ([`gather::instruments::owned_instruments`]).
fn prove_instruments(
    steps: &mut Steps<'_>,
    state: &mut VerifiedState,
    code: &CreditCode,
    on: Date,
) -> Outcome<OwnedInstruments> {
    let owned = match gather::instruments::owned_instruments(state, code) {
        Ok(owned) => owned,
        Err(e) => {
            return steps.end(
                StepId::Instruments,
                format!("证明缺少器具清单 · the proof leaves out part of the instrument list: {e}"),
                Verdict::Tampered,
            );
        }
    };
    let mut detail = format!("{} 台器具 · instruments", owned.instruments.len());
    for status in InstrumentStatus::ALL {
        let n = owned
            .instruments
            .iter()
            .filter(|f| f.standing(on).status == *status)
            .count();
        if n > 0 {
            let _ = write!(detail, "; {} {n}", status.label());
        }
    }
    if owned.truncated() {
        let _ = write!(
            detail,
            "; 另有未列出的 · more not listed here ({} in all)",
            owned.ids.len()
        );
    }
    steps.pass(StepId::Instruments, detail);
    Ok(owned)
}

impl BusinessReport {
    /// The report as JSON, for the page: `{"status", "label", "steps", "business": {"credit_code",
    /// "name", "region", "business_type", "on", "grade", "score", "commitment": {"date",
    /// "current"} | null, "records": [{"id", "code", "name_zh", "date", "points",
    /// "counts_until", "state", "state_name"}]} | null, "height", "proven_at_ms"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        let words = self.verdict.words(crate::Subject::Business);
        report::status_and_steps_json(&mut out, words, self.verdict, &self.steps);
        out.push_str(",\"business\":");
        match &self.credit {
            None => out.push_str("null"),
            Some(credit) => credit_json(&mut out, credit),
        }
        out.push_str(",\"instruments\":");
        match (&self.instruments, &self.credit) {
            (Some(owned), Some(credit)) => instruments_json(&mut out, owned, credit.on),
            _ => out.push_str("null"),
        }
        report::proven_at_json(&mut out, self.proven_at);
        out
    }
}

fn instruments_json(out: &mut String, owned: &OwnedInstruments, on: Date) {
    let _ = write!(
        out,
        "{{\"listed\":{},\"truncated\":{},\"items\":[",
        owned.ids.len(),
        owned.truncated()
    );
    for (i, f) in owned.instruments.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let standing = f.standing(on);
        let until = standing.valid_until().map(Date::to_iso).unwrap_or_default();
        out.push('{');
        report::text_fields(
            out,
            &[
                ("id", &f.record.id.to_string()),
                ("class_name", f.class.name.as_str()),
                ("site", f.record.site.as_str()),
                ("status", standing.status.code()),
                ("status_label", &standing.status.label()),
                ("valid_until", &until),
            ],
        );
        out.push('}');
    }
    out.push_str("]}");
}

fn credit_json(out: &mut String, credit: &ProvenCredit) {
    let b = &credit.business;
    let (code, on) = (b.credit_code.to_string(), credit.on.to_iso());
    let kind = b.business_type.label();
    out.push('{');
    report::text_fields(
        out,
        &[
            ("credit_code", &code),
            ("name", b.name.as_str()),
            ("region", b.region.as_str()),
            ("business_type", b.business_type.code()),
            ("business_type_name", &kind),
            ("on", &on),
            ("grade", credit.standing.grade.code()),
        ],
    );
    let _ = write!(out, ",\"score\":{},\"commitment\":", credit.standing.score);
    match credit.inputs.commitment_on(credit.on) {
        None => out.push_str("null"),
        Some(c) => {
            out.push_str("{\"date\":");
            report::json_string(out, &c.date.to_iso());
            let current = c.is_current(credit.on, &credit.inputs.params);
            let _ = write!(out, ",\"current\":{current}}}");
        }
    }
    out.push_str(",\"records\":[");
    for (i, r) in credit.inputs.records.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let until = r
            .counts_until(&credit.inputs.params)
            .map(Date::to_iso)
            .unwrap_or_default();
        let date = r.date.to_iso();
        let state = r.state(credit.on, &credit.inputs.params);
        let state_name = state.label();
        let _ = write!(out, "{{\"id\":{},", r.id);
        report::text_fields(
            out,
            &[
                ("code", r.event.code()),
                ("name_zh", r.event.name_zh()),
                ("date", &date),
                ("counts_until", &until),
                ("state", state.code()),
                ("state_name", &state_name),
            ],
        );
        let _ = write!(
            out,
            ",\"points\":{}}}",
            credit.inputs.params.rule(r.event).points
        );
    }
    out.push_str("]}");
}
