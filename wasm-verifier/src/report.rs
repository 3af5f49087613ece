//! What a verification tells its reader: the verdict, the steps checked, and the report as the
//! JSON the verify page reads.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt::Write;

use hengxin_primitives::records::{CertificateRecord, LabRecord};
use hengxin_primitives::{Date, RegionCode};

use crate::why::Why;

hengxin_primitives::wire_words! {
    /// The one answer a reader gets; its code is the `data-status` of the verify page's
    /// `#verdict`.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Verdict: "verdict" {
        /// Proven, the document matches, neither revoked nor superseded nor expired.
        Authentic = "authentic" ("真实有效", "Authentic and current"),
        /// Revoked by its lab or regulator.
        Revoked = "revoked" ("已撤销", "Revoked"),
        /// Replaced by a newer certificate.
        Superseded = "superseded" ("已被替代", "Superseded"),
        /// Past its 有效期至.
        Expired = "expired" ("已过期", "Expired"),
        /// A proof that does not hold, or a document that is not the anchored one.
        Tampered = "tampered" ("证明或文件不符", "Tampered or not the anchored document"),
        /// Proven not to be on the ledger.
        Unknown = "unknown" ("账本上无此证书", "Not on the ledger"),
        /// Nothing could be checked (unreadable input).
        Error = "error" ("无法核验", "Cannot verify"),
    }
}

/// What was verified: a verdict reads differently for each.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Subject {
    /// A certificate named by its lab and number.
    Certificate,
    /// A file, to learn which certificate it is.
    Document,
    /// A business and its grade: the page leads with the grade, the proof's verdict beside it.
    Business,
    /// An instrument (一器一码): the page leads with its status, the proof's verdict beside it.
    Instrument,
}

impl Verdict {
    /// The verdict's words (Chinese, English) for `subject`: the page's `#verdict` and the
    /// CLI print these.
    pub fn words(self, subject: Subject) -> (&'static str, &'static str) {
        match (subject, self) {
            (Subject::Document, Verdict::Unknown) => (
                "账本上没有任何证书是这份文件",
                "No certificate on the ledger is this file",
            ),
            (Subject::Business, Verdict::Authentic) => ("证明有效 ✓", "proof verified"),
            (Subject::Business, Verdict::Unknown) => {
                ("账本上无此经营主体", "No such business on the ledger")
            }
            (Subject::Business | Subject::Instrument, Verdict::Tampered) => {
                ("证明不符", "Tampered: the proof does not hold")
            }
            (Subject::Instrument, Verdict::Authentic) => ("证明有效 ✓", "proof verified"),
            (Subject::Instrument, Verdict::Unknown) => {
                ("未登记", "Not registered: no such instrument on the ledger")
            }
            _ => self.names().unwrap_or(("无法核验", "Cannot verify")),
        }
    }
}

hengxin_primitives::wire_words! {
    /// Which check a step is: its code is the verify page's `data-id` of the step's line.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum StepId: "verification step" {
        /// The request and the bundle, read within limits.
        Read = "read" ("读取", "read"),
        /// The bundle is of the trusted chain.
        Chain = "chain" ("链标识", "chain"),
        /// The header's commit is signed by more than 2/3 of the validators.
        Commit = "commit" ("最终性签名", "commit"),
        /// Every state proof matches the header's state root.
        State = "state" ("状态证明", "state proofs"),
        /// The certificate or business asked about.
        Record = "record" ("记录", "record"),
        /// Which certificate holds a file.
        Lookup = "lookup" ("查找文件", "file lookup"),
        /// The reader's document against the anchored hash.
        Document = "document" ("文件比对", "document"),
        /// The issuing lab and its key.
        Issuer = "issuer" ("签发机构", "issuer"),
        /// A signed DCC's signing certificate.
        Signer = "signer" ("文件签名", "signer"),
        /// Revoked, superseded, expired or current.
        Status = "status" ("状态", "status"),
        /// The chain of standards (informative).
        Traceability = "traceability" ("溯源", "traceability"),
        /// Where it is recognised (informative).
        Recognition = "recognition" ("互认", "recognition"),
        /// A business's credit records, complete.
        Credit = "credit" ("信用记录", "credit records"),
        /// Its grade, computed here.
        Grade = "grade" ("诚信等级", "grade"),
        /// An instrument's history, complete.
        History = "history" ("器具履历", "history"),
        /// A business's instruments, listed completely.
        Instruments = "instruments" ("器具", "instruments"),
    }
}

/// One check and how it went.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Step {
    /// Which check.
    pub id: StepId,
    /// Passed (`Some(true)`), failed (`Some(false)`), or only informative (`None`).
    pub ok: Option<bool>,
    /// What was found, Chinese first, English beside it.
    pub detail: String,
}

/// The verdict, the steps that led to it, and what the certificate says.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Report {
    /// What was verified: a certificate, or a file.
    pub subject: Subject,
    /// The verdict.
    pub verdict: Verdict,
    /// The checks, in order.
    pub steps: Vec<Step>,
    /// The proven certificate and its lab, when the proof got that far.
    pub certificate: Option<(CertificateRecord, Option<LabRecord>)>,
    /// The height and time (UTC ms) of the header the proof is against.
    pub proven_at: Option<(u64, u64)>,
    /// Where the certificate is recognised, computed from the proven agreements (`None`: the
    /// proof carries none, so only the lab's home region is known).
    pub recognized_in: Option<Vec<RegionCode>>,
    /// The traceability chain, one readable line per link, when the proof carries it.
    pub trace: Vec<String>,
    /// Why it is not current (revoked, superseded), from the proven record.
    pub why: Option<Why>,
    /// Who signed its document (a signed DCC): the registered certificate's subject; `None`
    /// for an unsigned file.
    pub signer: Option<String>,
}

impl Report {
    /// A report of nothing checked yet.
    pub(crate) fn empty(subject: Subject) -> Report {
        Report {
            subject,
            verdict: Verdict::Error,
            steps: Vec::new(),
            certificate: None,
            proven_at: None,
            recognized_in: None,
            trace: Vec::new(),
            why: None,
            signer: None,
        }
    }

    /// The report as JSON, for the page: `{"status", "steps": [{"id", "ok", "detail"}],
    /// "certificate": {…} | null, "trace": [line], "height", "proven_at_ms"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::new();
        status_and_steps_json(
            &mut out,
            self.verdict.words(self.subject),
            self.verdict,
            &self.steps,
        );
        out.push_str(",\"certificate\":");
        match &self.certificate {
            None => out.push_str("null"),
            Some((record, lab)) => certificate_json(
                &mut out,
                record,
                lab.as_ref(),
                self.recognized_in.as_deref(),
            ),
        }
        out.push_str(",\"trace\":[");
        for (i, line) in self.trace.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(&mut out, line);
        }
        out.push(']');
        why_json(&mut out, self.why.as_ref());
        out.push_str(",\"signer\":");
        match &self.signer {
            Some(subject) => json_string(&mut out, subject),
            None => out.push_str("null"),
        }
        proven_at_json(&mut out, self.proven_at);
        out
    }
}

/// `{"status": …, "label": [zh, en], "steps": [{"id", "name", "ok", "detail"}]`, the start of
/// every report's JSON.
pub(crate) fn status_and_steps_json(
    out: &mut String,
    (zh, en): (&str, &str),
    verdict: Verdict,
    steps: &[Step],
) {
    out.push_str("{\"status\":");
    json_string(out, verdict.code());
    out.push_str(",\"label\":[");
    json_string(out, zh);
    out.push(',');
    json_string(out, en);
    out.push(']');
    out.push_str(",\"steps\":[");
    for (i, step) in steps.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str("{\"id\":");
        json_string(out, step.id.code());
        out.push_str(",\"name\":");
        json_string(out, &step.id.label());
        let ok = step
            .ok
            .map_or("null", |ok| if ok { "true" } else { "false" });
        let _ = write!(out, ",\"ok\":{ok},\"detail\":");
        json_string(out, &step.detail);
        out.push('}');
    }
    out.push(']');
}

/// `,"why": {"kind": "revoked"|"superseded", "text", "successor"?} | null`.
fn why_json(out: &mut String, why: Option<&Why>) {
    out.push_str(",\"why\":");
    let Some(why) = why else {
        out.push_str("null");
        return;
    };
    out.push_str("{\"kind\":");
    match why {
        Why::Revoked { .. } => json_string(out, "revoked"),
        Why::Superseded { successor, .. } => {
            json_string(out, "superseded");
            out.push_str(",\"successor\":");
            json_string(out, successor.as_str());
        }
    }
    out.push_str(",\"text\":");
    json_string(out, &why.sentence());
    out.push('}');
}

/// `, "height", "proven_at_ms"}`, the end of every report's JSON.
pub(crate) fn proven_at_json(out: &mut String, proven_at: Option<(u64, u64)>) {
    match proven_at {
        Some((height, ms)) => {
            let _ = write!(out, ",\"height\":{height},\"proven_at_ms\":{ms}}}");
        }
        None => out.push_str(",\"height\":null,\"proven_at_ms\":null}"),
    }
}

/// Appends the proven certificate and its lab to `out` as the page's `certificate` object;
/// `recognized_in` is the proven recognition (else the lab's home region).
fn certificate_json(
    out: &mut String,
    record: &CertificateRecord,
    lab: Option<&LabRecord>,
    recognized_in: Option<&[RegionCode]>,
) {
    let f = &record.fields;
    let conclusion = f.conclusion.word();
    let fields: [(&str, String); 19] = [
        ("lab", record.lab.to_string()),
        ("number", f.number.to_string()),
        ("kind", f.kind.code().into()),
        ("kind_name", f.kind.label()),
        ("category", f.category.code().into()),
        ("category_name", f.category.label()),
        ("conclusion", conclusion.code().into()),
        ("conclusion_name", conclusion.label()),
        ("item", f.item.to_string()),
        ("instrument", f.instrument.name.to_string()),
        ("model", f.instrument.model.to_string()),
        ("serial", f.instrument.serial.to_string()),
        ("manufacturer", f.instrument.manufacturer.to_string()),
        ("procedure", f.procedure.to_string()),
        ("calibration_date", f.calibration_date.to_iso()),
        ("issue_date", f.issue_date.to_iso()),
        (
            "valid_until",
            f.valid_until.map(Date::to_iso).unwrap_or_default(),
        ),
        ("document_hash", f.document_hash.to_hex()),
        (
            "issuer",
            lab.map(|l| l.name.to_string()).unwrap_or_default(),
        ),
    ];
    out.push('{');
    let pairs: alloc::vec::Vec<(&str, &str)> =
        fields.iter().map(|(n, v)| (*n, v.as_str())).collect();
    text_fields(out, &pairs);
    out.push_str(",\"recognized_in\":[");
    let home = lab.map(|l| core::slice::from_ref(&l.region));
    for (i, region) in recognized_in
        .or(home)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        if i > 0 {
            out.push(',');
        }
        json_string(out, region.as_str());
    }
    out.push_str("]}");
}

/// `"name":"value"` pairs of text.
pub(crate) fn text_fields(out: &mut String, fields: &[(&str, &str)]) {
    for (i, (name, value)) in fields.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(out, name);
        out.push(':');
        json_string(out, value);
    }
}

/// Appends `text` to `out` as a JSON string.
pub(crate) fn json_string(out: &mut String, text: &str) {
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn json(text: &str) -> String {
        let mut out = String::new();
        json_string(&mut out, text);
        out
    }

    #[test]
    fn json_strings_escape_quotes_backslashes_and_control_characters() {
        assert_eq!(json("a\"b\\c"), "\"a\\\"b\\\\c\"");
        assert_eq!(
            json("line\nnext\ttab\u{1}"),
            "\"line\\u000anext\\u0009tab\\u0001\""
        );
        assert_eq!(json("证书 · ok"), "\"证书 · ok\"");
    }

    #[test]
    fn a_report_without_a_certificate_is_the_json_the_page_reads() {
        let report = Report {
            subject: Subject::Certificate,
            verdict: Verdict::Tampered,
            steps: vec![
                Step {
                    id: StepId::Read,
                    ok: Some(true),
                    detail: "read".into(),
                },
                Step {
                    id: StepId::Chain,
                    ok: Some(false),
                    detail: "wrong \"chain\"".into(),
                },
                Step {
                    id: StepId::Document,
                    ok: None,
                    detail: String::new(),
                },
            ],
            certificate: None,
            proven_at: Some((7, 1_780_000_001_000)),
            recognized_in: None,
            trace: vec!["CQJL/1 (2026-11-01) ✓ \"x\"".into()],
            why: None,
            signer: None,
        };
        assert_eq!(
            report.to_json(),
            "{\"status\":\"tampered\",\"label\":[\"证明或文件不符\",\
             \"Tampered or not the anchored document\"],\"steps\":[\
             {\"id\":\"read\",\"name\":\"读取 read\",\"ok\":true,\"detail\":\"read\"},\
             {\"id\":\"chain\",\"name\":\"链标识 chain\",\"ok\":false,\
             \"detail\":\"wrong \\\"chain\\\"\"},\
             {\"id\":\"document\",\"name\":\"文件比对 document\",\"ok\":null,\"detail\":\"\"}],\
             \"certificate\":null,\"trace\":[\"CQJL/1 (2026-11-01) ✓ \\\"x\\\"\"],\
             \"why\":null,\"signer\":null,\"height\":7,\"proven_at_ms\":1780000001000}"
        );
        let unproven = Report {
            subject: Subject::Document,
            verdict: Verdict::Error,
            steps: vec![],
            proven_at: None,
            trace: Vec::new(),
            ..report
        };
        assert_eq!(
            unproven.to_json(),
            "{\"status\":\"error\",\"label\":[\"无法核验\",\"Cannot verify\"],\"steps\":[],\
             \"certificate\":null,\"trace\":[],\"why\":null,\
             \"signer\":null,\"height\":null,\"proven_at_ms\":null}"
        );
    }
}
