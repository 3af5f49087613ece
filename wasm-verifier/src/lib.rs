//! The certificate verifier that runs in the browser, trusting only its trust anchor.
//!
//! It checks a proof bundle against the trust anchor the page was built with, then the
//! certificate it proves, step by step, and gives one verdict.
//!
//! The checks are the primitives' (one code path with the chain): commit signatures and
//! validator hand-offs, state proofs, then the certificate's record, the document hash, the
//! issuing lab, the status on the reader's date, and the traceability chain: one function per
//! step in `steps`, run in order by `verify_certificate`; `report` holds what the reader gets
//! and its JSON. The wasm-bindgen layer (`web`) only moves bytes and text across; everything
//! here runs natively in tests.

#![cfg_attr(target_arch = "wasm32", no_std)]

extern crate alloc;

use hengxin_primitives::Date;
pub use hengxin_primitives::bundle::{BundleError, ProofBundle, TrustAnchor, VerifiedState};

mod business;
mod instrument;
mod report;
mod steps;
#[cfg(target_arch = "wasm32")]
mod web;
mod why;

pub use business::{BusinessReport, ProvenCredit, verify_business};
pub use instrument::{InstrumentReport, ProvenInstrument, verify_instrument};
pub use report::{Report, Step, StepId, Subject, Verdict};
use steps::Steps;
pub use why::{Why, revoked_sentence, signer_subject, superseded_sentence};

/// Decodes an untrusted bundle strictly and checks it against the trust anchor.
pub fn verify(anchor: &TrustAnchor, bundle: &[u8]) -> Result<VerifiedState, BundleError> {
    ProofBundle::decode_untrusted(bundle)?.verify(anchor)
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

/// Verifies `bundle` against `anchor` for the certificate `request` names.
pub fn verify_certificate(anchor: &TrustAnchor, bundle: &[u8], request: &Request<'_>) -> Report {
    let mut report = Report::empty(Subject::Certificate);
    report.verdict = match run_steps(anchor, bundle, request, &mut report) {
        Ok(verdict) | Err(verdict) => verdict,
    };
    report
}

/// Verifies `bundle` (from `/v1/documents/{sha256}/proof`) for the document a reader holds:
/// which certificate holds it, verified as [`verify_certificate`] verifies one, or the proven
/// fact that no certificate on the ledger is this file (`Unknown`).
pub fn verify_document(
    anchor: &TrustAnchor,
    bundle: &[u8],
    document: &[u8],
    today: Date,
) -> Report {
    let mut report = Report::empty(Subject::Document);
    report.verdict = match run_document_steps(anchor, bundle, document, today, &mut report) {
        Ok(verdict) | Err(verdict) => verdict,
    };
    report
}

/// Runs the steps in order, filling in the report's `certificate` and `proven_at` as the proof
/// gets that far. `Err` is the verdict of the step that ended the verification; `Ok` the
/// status's, when every step ran.
fn run_steps(
    anchor: &TrustAnchor,
    bundle: &[u8],
    request: &Request<'_>,
    report: &mut Report,
) -> Result<Verdict, Verdict> {
    let steps = &mut Steps(&mut report.steps);
    let (lab, number) = steps::read_request(steps, request)?;
    let bundle = steps::read_bundle(steps, bundle)?;
    let state = steps::check_proof(steps, anchor, &bundle)?;
    certificate_steps(state, lab, number, request, report)
}

/// [`verify_document`]'s steps: the proof, then the certificate that holds the document.
fn run_document_steps(
    anchor: &TrustAnchor,
    bundle: &[u8],
    document: &[u8],
    today: Date,
    report: &mut Report,
) -> Result<Verdict, Verdict> {
    let steps = &mut Steps(&mut report.steps);
    let bundle = steps::read_bundle(steps, bundle)?;
    let state = steps::check_proof(steps, anchor, &bundle)?;
    report.proven_at = Some((state.header.height, state.header.timestamp_ms));
    let mut state = state;
    let holder = steps::find_document(steps, &mut state, document)?;
    let request = Request {
        lab: holder.lab.as_str(),
        number: holder.number.as_str(),
        hash_prefix: None,
        document: Some(document),
        today,
    };
    let (lab, number) = (holder.lab.clone(), holder.number.clone());
    certificate_steps(state, lab, number, &request, report)
}

/// The steps after the proof: the certificate, the document, its issuer and signer, its
/// status and why, its traceability and recognition.
fn certificate_steps(
    mut state: VerifiedState,
    lab: hengxin_primitives::LabCode,
    number: hengxin_primitives::CertNumber,
    request: &Request<'_>,
    report: &mut Report,
) -> Result<Verdict, Verdict> {
    let steps = &mut Steps(&mut report.steps);
    report.proven_at = Some((state.header.height, state.header.timestamp_ms));
    let facts = steps::find_certificate(steps, &mut state, &lab, &number)?;
    let context = steps::read_context(steps, &mut state, &facts)?;
    let (record, issuer) = report.certificate.insert((facts.record, facts.issuer));
    steps::match_document(steps, state.header.scheme(), record, request)?;
    steps::check_issuer(steps, record, issuer.as_ref())?;
    report.signer = steps::note_signer(steps, record, issuer.as_ref())?;
    let verdict = steps::judge_status(steps, record, request.today);
    report.why = why::explain(record, context.as_ref());
    report.trace = steps::note_traceability(steps, context.as_ref().map(|c| &c.trace));
    if let Some(lab) = issuer {
        report.recognized_in = steps::note_recognition(steps, lab, context.as_ref());
    }
    Ok(verdict)
}
