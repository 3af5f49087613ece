//! The wasm-bindgen exports the verify page calls.

use alloc::string::String;
use alloc::vec;
use hengxin_primitives::Date;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::codec::decode_strict;
use wasm_bindgen::prelude::wasm_bindgen;

#[cfg(feature = "field")]
use crate::Verdict;
#[cfg(feature = "paper")]
use crate::{Report, Request, verify_certificate, verify_document};
use crate::{Step, StepId};

#[cfg(feature = "paper")]
/// Verifies a certificate's proof bundle against the page's trust anchor (SCALE bytes) and
/// returns the report as JSON (see `Report::to_json`). `hash_prefix` is the QR code's `h=`
/// (empty when absent), `document` the bytes of a file the reader chose (empty when none),
/// `now_ms` the reader's clock.
#[wasm_bindgen]
pub fn verify_certificate_json(
    anchor: &[u8],
    bundle: &[u8],
    lab: &str,
    number: &str,
    hash_prefix: &str,
    document: &[u8],
    now_ms: f64,
) -> String {
    let Ok(anchor) = decode_strict::<TrustAnchor>("trust anchor", anchor) else {
        return damaged_anchor();
    };
    let request = Request {
        lab,
        number,
        hash_prefix: (!hash_prefix.is_empty()).then_some(hash_prefix),
        document: (!document.is_empty()).then_some(document),
        today: reader_date(now_ms),
    };
    verify_certificate(&anchor, bundle, &request).to_json()
}

#[cfg(feature = "paper")]
/// Verifies a document's proof bundle (`/v1/documents/{sha256}/proof`) for the file a reader
/// chose: which certificate it is, verified, or the proof that none is; the report as JSON.
#[wasm_bindgen]
pub fn verify_document_json(anchor: &[u8], bundle: &[u8], document: &[u8], now_ms: f64) -> String {
    let Ok(anchor) = decode_strict::<TrustAnchor>("trust anchor", anchor) else {
        return damaged_anchor();
    };
    verify_document(&anchor, bundle, document, reader_date(now_ms)).to_json()
}

#[cfg(feature = "paper")]
/// The chain's hash (SHA-256, or SM3 on an sm2-sm3 chain, as the page's trust anchor says) of
/// a file the reader chose, as 64 hex digits (the path of its proof); empty for a damaged
/// anchor.
#[wasm_bindgen]
pub fn document_hash_hex(anchor: &[u8], document: &[u8]) -> String {
    match decode_strict::<TrustAnchor>("trust anchor", anchor) {
        Ok(anchor) => anchor.scheme().hash(document).to_hex(),
        Err(_) => String::new(),
    }
}

/// The reader's date (CST) from the page's clock.
fn reader_date(now_ms: f64) -> Date {
    let now_ms = if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    };
    Date::from_unix_ms_cst(now_ms)
}

#[cfg(feature = "paper")]
/// The report for a page whose built-in trust anchor cannot be read.
fn damaged_anchor() -> String {
    let mut report = Report::empty(crate::Subject::Certificate);
    report.steps = vec![Step {
        id: StepId::Read,
        ok: Some(false),
        detail: "本页面的信任锚无效 · this page's trust anchor is damaged".into(),
    }];
    report.to_json()
}

#[cfg(feature = "field")]
/// Verifies a business's proof bundle against the page's trust anchor and computes its grade on
/// the reader's date; the report as JSON (see `BusinessReport::to_json`).
#[wasm_bindgen]
pub fn verify_business_json(
    anchor: &[u8],
    bundle: &[u8],
    credit_code: &str,
    now_ms: f64,
) -> String {
    let Ok(anchor) = decode_strict::<TrustAnchor>("trust anchor", anchor) else {
        return crate::BusinessReport {
            verdict: Verdict::Error,
            steps: vec![Step {
                id: StepId::Read,
                ok: Some(false),
                detail: "本页面的信任锚无效 · this page's trust anchor is damaged".into(),
            }],
            credit: None,
            instruments: None,
            proven_at: None,
        }
        .to_json();
    };
    crate::verify_business(&anchor, bundle, credit_code, reader_date(now_ms)).to_json()
}

#[cfg(feature = "field")]
/// Verifies an instrument's proof bundle against the page's trust anchor and computes its
/// status on the reader's date; the report as JSON (see `InstrumentReport::to_json`).
#[wasm_bindgen]
pub fn verify_instrument_json(anchor: &[u8], bundle: &[u8], id: &str, now_ms: f64) -> String {
    let Ok(anchor) = decode_strict::<TrustAnchor>("trust anchor", anchor) else {
        return crate::InstrumentReport {
            verdict: Verdict::Error,
            steps: vec![Step {
                id: StepId::Read,
                ok: Some(false),
                detail: "本页面的信任锚无效 · this page's trust anchor is damaged".into(),
            }],
            instrument: None,
            proven_at: None,
        }
        .to_json();
    };
    crate::verify_instrument(&anchor, bundle, id, reader_date(now_ms)).to_json()
}

/// The allocator std would have used here.
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

/// A panic is a bug (every input is checked, never unwrapped): the call traps, the page shows
/// an error, and nothing of it is formatted into the file.
#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}
