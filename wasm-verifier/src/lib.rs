//! The in-browser certificate verifier: checks a proof bundle against the trust anchor the page
//! was built with, then the certificate it proves, step by step, and gives one verdict.
//!
//! The checks are the primitives' (one code path with the chain): commit signatures and
//! validator hand-offs, state proofs, then the certificate's record, the document hash, the
//! issuing lab, the status on the reader's date, and the traceability chain. The wasm-bindgen
//! layer (`web`) only moves bytes and text across; everything here runs natively in tests.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use std::fmt::Write;

pub use hengxin_primitives::bundle::{BundleError, ProofBundle, TrustAnchor, VerifiedState};
use hengxin_primitives::crypto::sha256;
use hengxin_primitives::records::{CertificateRecord, LabRecord};
use hengxin_primitives::rules::{self, CertificateState};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, Date, LabCode};

#[cfg(target_arch = "wasm32")]
mod web;

/// Decodes an untrusted bundle strictly and checks it against the trust anchor.
pub fn verify(anchor: &TrustAnchor, bundle: &[u8]) -> Result<VerifiedState, BundleError> {
    ProofBundle::decode_untrusted(bundle)?.verify(anchor)
}

/// The one answer a reader gets.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Verdict {
    /// Proven, the document matches, neither revoked nor superseded nor expired.
    Authentic,
    /// Revoked by its lab or regulator.
    Revoked,
    /// Replaced by a newer certificate.
    Superseded,
    /// Past its 有效期至.
    Expired,
    /// A proof that does not hold, or a document that is not the anchored one.
    Tampered,
    /// Proven not to be on the ledger.
    Unknown,
    /// Nothing could be checked (unreadable input).
    Error,
}

impl Verdict {
    /// The `data-status` of the verify page's `#verdict`.
    pub fn code(self) -> &'static str {
        match self {
            Verdict::Authentic => "authentic",
            Verdict::Revoked => "revoked",
            Verdict::Superseded => "superseded",
            Verdict::Expired => "expired",
            Verdict::Tampered => "tampered",
            Verdict::Unknown => "unknown",
            Verdict::Error => "error",
        }
    }
}

/// One check and how it went.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Step {
    /// Stable id: `read`, `chain`, `commit`, `state`, `record`, `document`, `issuer`,
    /// `status`, `traceability`.
    pub id: &'static str,
    /// Passed (`Some(true)`), failed (`Some(false)`), or only informative (`None`).
    pub ok: Option<bool>,
    /// What was found, Chinese first, English beside it.
    pub detail: String,
}

/// What a reader asks about.
pub struct Request<'a> {
    /// The issuing lab's code, as printed (`CQJL`).
    pub lab: &'a str,
    /// The certificate number, as printed.
    pub number: &'a str,
    /// The first hex digits of the document hash printed in the QR code (`h=`), if any.
    pub hash_prefix: Option<&'a str>,
    /// The document the reader holds, if any.
    pub document: Option<&'a [u8]>,
    /// The reader's date (CST): expiry is judged on it.
    pub today: Date,
}

/// The verdict, the steps that led to it, and what the certificate says.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct Report {
    /// The verdict.
    pub verdict: Verdict,
    /// The checks, in order.
    pub steps: Vec<Step>,
    /// The proven certificate and its lab, when the proof got that far.
    pub certificate: Option<(CertificateRecord, Option<LabRecord>)>,
    /// The height and time (UTC ms) of the header the proof is against.
    pub proven_at: Option<(u64, u64)>,
}

struct Steps(Vec<Step>);

impl Steps {
    fn pass(&mut self, id: &'static str, detail: impl Into<String>) {
        self.0.push(Step {
            id,
            ok: Some(true),
            detail: detail.into(),
        });
    }

    fn fail(&mut self, id: &'static str, detail: impl Into<String>) {
        self.0.push(Step {
            id,
            ok: Some(false),
            detail: detail.into(),
        });
    }

    fn info(&mut self, id: &'static str, detail: impl Into<String>) {
        self.0.push(Step {
            id,
            ok: None,
            detail: detail.into(),
        });
    }
}

/// Which step a bundle error belongs to.
fn bundle_step(e: &BundleError) -> &'static str {
    match e {
        BundleError::Decode(_) | BundleError::TooLarge => "read",
        BundleError::WrongChain { .. } => "chain",
        BundleError::State { .. } | BundleError::DuplicateEntry => "state",
        _ => "commit",
    }
}

/// Verifies `bundle` against `anchor` for the certificate `request` names.
pub fn verify_certificate(anchor: &TrustAnchor, bundle: &[u8], request: &Request<'_>) -> Report {
    let mut steps = Steps(Vec::new());
    let report = |verdict, steps: Steps, certificate, proven_at| Report {
        verdict,
        steps: steps.0,
        certificate,
        proven_at,
    };
    let (lab, number) = match (
        LabCode::new(request.lab),
        request.number.parse::<CertNumber>(),
    ) {
        (Ok(lab), Ok(number)) => (lab, number),
        _ => {
            steps.fail(
                "read",
                "证书编号无效 · the lab code or certificate number is not valid",
            );
            return report(Verdict::Error, steps, None, None);
        }
    };
    let bundle = match ProofBundle::decode_untrusted(bundle) {
        Ok(bundle) => bundle,
        Err(e) => {
            steps.fail(
                "read",
                format!("无法读取证明 · the proof cannot be read: {e}"),
            );
            return report(Verdict::Error, steps, None, None);
        }
    };
    steps.pass(
        "read",
        format!(
            "已读取证明 · proof read: {} state proofs, {} validator hand-offs",
            bundle.entries.len(),
            bundle.handoffs.len()
        ),
    );
    let state = match bundle.verify(anchor) {
        Ok(state) => state,
        Err(e) => {
            let failed = bundle_step(&e);
            for (id, text) in [
                ("chain", "链标识一致 · the chain is the trusted one"),
                (
                    "commit",
                    "最终性签名有效 · the commit is signed by > 2/3 of the validators",
                ),
            ] {
                if id == failed {
                    break;
                }
                steps.pass(id, text);
            }
            steps.fail(failed, format!("证明无效 · the proof does not hold: {e}"));
            return report(Verdict::Tampered, steps, None, None);
        }
    };
    let header = &state.header;
    let proven_at = Some((header.height, header.timestamp_ms));
    steps.pass("chain", "链标识一致 · the chain is the trusted one");
    steps.pass(
        "commit",
        format!(
            "区块 {} 已由超过三分之二的验证节点签名 · block {} is signed by more than 2/3 of the validators",
            header.height, header.height
        ),
    );
    steps.pass(
        "state",
        "状态证明有效 · every state proof matches the block's state root",
    );

    let key = StorageKey::Certificate(lab.clone(), number.clone());
    let record: CertificateRecord = match state.get(&key) {
        Ok(Some(record)) => record,
        Ok(None) => {
            steps.fail(
                "record",
                format!(
                    "账本上没有证书 {lab}/{number} · the ledger proves there is no such certificate"
                ),
            );
            return report(Verdict::Unknown, steps, None, proven_at);
        }
        Err(e) => {
            steps.fail(
                "record",
                format!("证明未包含该证书 · the proof does not cover this certificate: {e}"),
            );
            return report(Verdict::Tampered, steps, None, proven_at);
        }
    };
    steps.pass(
        "record",
        format!("证书已上链 · anchored at height {}", record.anchored_height),
    );
    let issuer: Option<LabRecord> = state.get(&StorageKey::Lab(lab.clone())).ok().flatten();
    let mut state = state;
    let trace = rules::traceability_chain(&record, &mut state);
    let fail = |steps: Steps, verdict| {
        report(
            verdict,
            steps,
            Some((record.clone(), issuer.clone())),
            proven_at,
        )
    };

    let anchored = record.fields.document_hash.to_hex();
    match (request.document, request.hash_prefix) {
        (Some(document), _) if sha256(document) != record.fields.document_hash => {
            steps.fail(
                "document",
                "文件与上链哈希不符 · the document is not the one anchored (its SHA-256 differs)",
            );
            return fail(steps, Verdict::Tampered);
        }
        (Some(_), _) => steps.pass("document", "文件哈希一致 · the document's SHA-256 matches"),
        (None, Some(prefix))
            if prefix.is_empty() || !anchored.starts_with(&prefix.to_ascii_lowercase()) =>
        {
            steps.fail(
                "document",
                format!("二维码中的哈希 {prefix} 与上链哈希不符 · the QR code's hash does not match the anchored one"),
            );
            return fail(steps, Verdict::Tampered);
        }
        (None, Some(_)) => steps.pass(
            "document",
            "二维码中的哈希一致 · the QR code's hash matches the anchored one",
        ),
        (None, None) => steps.info("document", "未比对文件 · no document or QR hash to compare"),
    }

    match &issuer {
        Some(lab_record)
            if lab_record.key_active_at(&record.signing_key, record.anchored_height) =>
        {
            steps.pass(
                "issuer",
                format!(
                    "签发机构 {} ({}) · issued by {}, with a key active then",
                    lab_record.name, lab_record.region, lab_record.code
                ),
            );
        }
        _ => {
            steps.fail(
                "issuer",
                "签发机构或其密钥未经证明 · the issuing lab or its key is not proven",
            );
            return fail(steps, Verdict::Tampered);
        }
    }

    let verdict = match rules::certificate_state(&record, request.today) {
        CertificateState::Valid => {
            steps.pass(
                "status",
                format!("有效 · current on {}", request.today.to_iso()),
            );
            Verdict::Authentic
        }
        CertificateState::Revoked => {
            steps.fail("status", "已撤销 · revoked");
            Verdict::Revoked
        }
        CertificateState::Superseded => {
            steps.fail("status", "已被替代 · superseded by a newer certificate");
            Verdict::Superseded
        }
        CertificateState::Expired => {
            let until = record
                .fields
                .valid_until
                .map(Date::to_iso)
                .unwrap_or_default();
            steps.fail("status", format!("已过期 ({until}) · expired"));
            Verdict::Expired
        }
    };
    let links = trace.links.len();
    if trace.is_complete() {
        steps.info(
            "traceability",
            format!("溯源链完整 ({links} 环) · traceable to national standards ({links} links)"),
        );
    } else {
        let problems: Vec<_> = trace
            .links
            .iter()
            .filter_map(|l| match &l.outcome {
                rules::LinkOutcome::Broken(p) => Some(p.code()),
                _ => None,
            })
            .collect();
        steps.info(
            "traceability",
            format!(
                "溯源链不完整 · traceability incomplete: {}",
                if problems.is_empty() {
                    "no links".into()
                } else {
                    problems.join(", ")
                }
            ),
        );
    }
    fail(steps, verdict)
}

/// Appends `text` to `out` as a JSON string.
fn json_string(out: &mut String, text: &str) {
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

impl Report {
    /// The report as JSON, for the page: `{"status", "steps": [{"id", "ok", "detail"}],
    /// "certificate": {…} | null, "height", "proven_at_ms"}`.
    pub fn to_json(&self) -> String {
        let mut out = String::from("{\"status\":");
        json_string(&mut out, self.verdict.code());
        out.push_str(",\"steps\":[");
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            out.push_str("{\"id\":");
            json_string(&mut out, step.id);
            let ok = step
                .ok
                .map_or("null", |ok| if ok { "true" } else { "false" });
            let _ = write!(out, ",\"ok\":{ok},\"detail\":");
            json_string(&mut out, &step.detail);
            out.push('}');
        }
        out.push_str("],\"certificate\":");
        match &self.certificate {
            None => out.push_str("null"),
            Some((record, lab)) => {
                let f = &record.fields;
                let fields: [(&str, String); 10] = [
                    ("lab", record.lab.to_string()),
                    ("number", f.number.to_string()),
                    ("kind", f.kind.code().into()),
                    ("category", f.category.code().into()),
                    ("item", f.item.to_string()),
                    ("instrument", f.instrument.name.to_string()),
                    ("issue_date", f.issue_date.to_iso()),
                    (
                        "valid_until",
                        f.valid_until.map(Date::to_iso).unwrap_or_default(),
                    ),
                    ("document_hash", f.document_hash.to_hex()),
                    (
                        "issuer",
                        lab.as_ref().map(|l| l.name.to_string()).unwrap_or_default(),
                    ),
                ];
                out.push('{');
                for (i, (name, value)) in fields.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json_string(&mut out, name);
                    out.push(':');
                    json_string(&mut out, value);
                }
                out.push_str(",\"recognized_in\":[");
                if let Some(lab) = lab {
                    json_string(&mut out, lab.region.as_str());
                }
                out.push_str("]}");
            }
        }
        match self.proven_at {
            Some((height, ms)) => {
                let _ = write!(out, ",\"height\":{height},\"proven_at_ms\":{ms}}}");
            }
            None => out.push_str(",\"height\":null,\"proven_at_ms\":null}"),
        }
        out
    }
}
