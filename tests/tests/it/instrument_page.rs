//! The verify page for an instrument (一器一码, `/verify?i=ID`) in Debian's Chromium against a
//! `--dev` node: the status it computed from the proven history in
//! `#instrument-status[data-status]` for each status, a proven absence (未登记), the legal line
//! for a compulsory instrument that may not be used, the link to the deciding certificate, a
//! business's instruments, and nodes that hide the newest failed verification or answer with
//! another instrument's proof: `tampered`, never a status.

use base64::Engine;
use hengxin_primitives::bundle::ProofBundle;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, LabCode};
use hengxin_tests::{DevNode, get_json};
use parity_scale_codec::Encode;

use crate::browser::{attribute, node_answering, phone_screenshot, text_of, verdict};
use crate::cluster::SERIAL;

fn proof_of(node: &DevNode, id: &str) -> ProofBundle {
    let body = get_json(&format!("{}/v1/instruments/{id}/proof", node.url)).unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body["bundle"].as_str().unwrap())
        .unwrap();
    ProofBundle::decode_untrusted(&bytes).unwrap()
}

fn answer(bundle: &ProofBundle) -> String {
    let text = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bundle.encode());
    format!(
        "{{\"bundle\":\"{text}\",\"height\":{}}}",
        bundle.header.height
    )
}

#[test]
fn an_instrument_s_page_shows_the_status_it_computed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    for (id, status, may_be_used) in [
        ("CQ-1", "valid", true),
        ("CQ-2", "due_soon", true),
        ("CQ-3", "overdue", false),
        ("CQ-4", "failed", false),
        ("CQ-5", "unverified", false),
        ("CQ-6", "retired", false),
        ("SC-2", "unverified", false),
    ] {
        let (verdict_status, dom) = verdict(&format!("{page}?i={id}"));
        assert_eq!(verdict_status, "authentic", "{id}: {dom}");
        assert_eq!(
            attribute(&dom, "instrument-status", "data-status").as_deref(),
            Some(status),
            "{id}: {dom}"
        );
        let legal = dom.contains("强检器具未经检定、超过检定周期或检定不合格的，不得使用");
        let hidden = attribute(&dom, "legal", "hidden").is_some();
        assert_eq!(
            legal && !hidden,
            !may_be_used,
            "{id}: the legal line: {dom}"
        );
        assert!(
            dom.contains("渝中示范加油站") || id.starts_with("SC"),
            "{dom}"
        );
        assert_eq!(
            attribute(&dom, "owner-grade", "data-grade").as_deref(),
            Some(if id.starts_with("CQ") { "A" } else { "B" }),
            "{id}: the owner's proven grade: {dom}"
        );
    }
    // The deciding certificate links its own verification; the history is folded.
    let (_, dom) = verdict(&format!("{page}?i=CQ-1"));
    let link = attribute(&dom, "latest", "href").unwrap_or_default();
    assert_eq!(link, "?c=CQJL/CQJL-CQ-1-JQ-02", "{dom}");
    assert!(dom.contains("<details id=\"history\">"), "{dom}");
    assert!(dom.contains("履历 3 条"), "{dom}");
    // Never registered: proven absent.
    let (status, dom) = verdict(&format!("{page}?i=CQ-404"));
    assert_eq!(status, "unknown", "{dom}");
    assert_eq!(
        attribute(&dom, "instrument-status", "data-status").as_deref(),
        Some("unregistered"),
        "{dom}"
    );
    assert!(
        text_of(&dom, "instrument-status")
            .unwrap_or_default()
            .contains("未登记")
    );
    let (status, _) = verdict(&format!("{page}?i=cq-1"));
    assert_eq!(status, "error");

    // The business's page lists its instruments with their statuses, each a link.
    let (status, dom) = verdict(&format!("{page}?b=91500103MA60K7LX03"));
    assert_eq!(status, "authentic", "{dom}");
    assert!(dom.contains("6 台器具"), "{dom}");
    assert!(dom.contains("href=\"?i=CQ-3\""), "{dom}");
    assert!(dom.contains("data-status=\"overdue\""), "{dom}");

    phone_screenshot(&format!("{page}?i=CQ-3"), "verify-instrument-360");
}

#[test]
fn a_node_that_hides_the_newest_failed_verification_gets_tampered_never_valid() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let page = format!("{}/verify", node.url);
    // CQ-4 passed in July and failed in December: its proof without the notice.
    let mut bundle = proof_of(&node, "CQ-4");
    let notice = StorageKey::Certificate(
        LabCode::new("CQJL").unwrap(),
        CertNumber::new("CQJL-CQ-4-JQ-02").unwrap(),
    )
    .to_bytes();
    let before = bundle.entries.len();
    bundle.entries.retain(|e| e.key != notice);
    assert_eq!(
        bundle.entries.len(),
        before - 1,
        "the notice was in the proof"
    );
    let hiding = node_answering(answer(&bundle));
    let (status, dom) = verdict(&format!("{page}?i=CQ-4&node={hiding}"));
    assert_eq!(status, "tampered", "{dom}");
    assert_ne!(
        attribute(&dom, "instrument-status", "data-status").as_deref(),
        Some("valid"),
        "{dom}"
    );
    assert!(
        attribute(&dom, "instrument-status", "hidden").is_some(),
        "no status from a partial proof: {dom}"
    );

    // Its history without its last page entry cannot be passed off either: a record that
    // counts fewer entries no longer matches the state root.
    let mut bundle = proof_of(&node, "CQ-4");
    for entry in &mut bundle.entries {
        if entry.key == StorageKey::Instrument("CQ-4".parse().unwrap()).to_bytes()
            && let Some(value) = &mut entry.value
        {
            let last = value.len() - 4;
            value[last] = value[last].saturating_sub(1);
        }
    }
    let bending = node_answering(answer(&bundle));
    let (status, dom) = verdict(&format!("{page}?i=CQ-4&node={bending}"));
    assert_eq!(status, "tampered", "{dom}");

    // A valid nozzle's proof offered for the failed one.
    let swapped = node_answering(answer(&proof_of(&node, "CQ-1")));
    let (status, dom) = verdict(&format!("{page}?i=CQ-4&node={swapped}"));
    assert_eq!(status, "tampered", "{dom}");
    assert!(
        attribute(&dom, "instrument-status", "hidden").is_some(),
        "{dom}"
    );
}
