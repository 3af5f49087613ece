//! The wasm-bindgen exports the verify page calls.

use alloc::string::String;
use alloc::vec;
use alloc::vec::Vec;
use hengxin_primitives::Date;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::codec::decode_strict;
use wasm_bindgen::prelude::wasm_bindgen;

use crate::{Report, Request, Step, Verdict, verify_certificate};

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
        return Report {
            verdict: Verdict::Error,
            steps: vec![Step {
                id: "read",
                ok: Some(false),
                detail: "本页面的信任锚无效 · this page's trust anchor is damaged".into(),
            }],
            certificate: None,
            proven_at: None,
            recognized_in: None,
            trace: Vec::new(),
        }
        .to_json();
    };
    let now_ms = if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    };
    let request = Request {
        lab,
        number,
        hash_prefix: (!hash_prefix.is_empty()).then_some(hash_prefix),
        document: (!document.is_empty()).then_some(document),
        today: Date::from_unix_ms_cst(now_ms),
    };
    verify_certificate(&anchor, bundle, &request).to_json()
}

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
                id: "read",
                ok: Some(false),
                detail: "本页面的信任锚无效 · this page's trust anchor is damaged".into(),
            }],
            credit: None,
            proven_at: None,
        }
        .to_json();
    };
    let now_ms = if now_ms.is_finite() && now_ms > 0.0 {
        now_ms as u64
    } else {
        0
    };
    crate::verify_business(&anchor, bundle, credit_code, Date::from_unix_ms_cst(now_ms)).to_json()
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
