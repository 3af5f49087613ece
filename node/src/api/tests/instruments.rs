//! Instruments (一器一码): the class table, one instrument, its proof, the lists.

use base64::Engine;
use hengxin_primitives::bundle::{ProofBundle, TrustAnchor, VerifiedState};
use hengxin_primitives::gather;
use hengxin_primitives::instruments::{InstrumentId, InstrumentStatus};
use hengxin_primitives::state::StorageKey;

use super::*;

async fn finalized() -> (Router, Header, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    commit_block(&store, &genesis, vec![]);
    (router, genesis, dir)
}

async fn ids(router: &Router, query: &str) -> (Vec<String>, Value) {
    let (status, body) = call(router, "GET", &format!("/v1/instruments?{query}"), vec![]).await;
    assert_eq!(status, StatusCode::OK, "{query}: {body}");
    let ids = body["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect();
    (ids, body["next"].clone())
}

#[tokio::test]
async fn an_instrument_is_shown_with_its_status_latest_certificate_seals_and_history() {
    let (router, _, _dir) = finalized().await;
    let (status, body) = call(&router, "GET", "/v1/instrument-classes", vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["classes"][0]["code"], "FUEL");
    assert_eq!(body["classes"][0]["period_months"], 6);
    assert_eq!(body["warning_days"], 30);

    let (status, body) = call(&router, "GET", "/v1/instruments/CQ-1", vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    for (field, want) in [
        ("class", "FUEL"),
        ("class_name", "燃油加油机"),
        ("status", "valid"),
        ("owner", demo::BUSINESS_CQ),
        ("division", "500103"),
        ("site", "1号加油岛 1号枪"),
    ] {
        assert_eq!(body[field], want, "{field}");
    }
    assert_eq!(body["compulsory"], true);
    assert_eq!(body["may_be_used"], true);
    assert_eq!(body["latest"]["lab_code"], "CQJL");
    assert_eq!(body["latest"]["number"], "CQJL-CQ-1-JQ-02");
    assert_eq!(body["valid_until"], body["latest"]["valid_until"]);
    assert_eq!(body["seals"][0]["number"], "QF-CQ-1-1");
    let history = body["history"].as_array().unwrap();
    let changes: Vec<&str> = history
        .iter()
        .map(|e| e["change"].as_str().unwrap())
        .collect();
    assert_eq!(changes, ["registered", "certificate", "certificate"]);
    assert!(
        history[2]["text"]
            .as_str()
            .unwrap()
            .starts_with("检定证书 CQJL/CQJL-CQ-1-JQ-02"),
        "{history:?}"
    );

    for (id, status) in [
        ("CQ-2", "due_soon"),
        ("CQ-3", "overdue"),
        ("CQ-4", "failed"),
        ("CQ-5", "unverified"),
        ("CQ-6", "retired"),
        ("SC-2", "unverified"),
    ] {
        let (_, body) = call(&router, "GET", &format!("/v1/instruments/{id}"), vec![]).await;
        assert_eq!(body["status"], status, "{id}");
        assert_eq!(body["may_be_used"], status == "due_soon", "{id}");
    }
    // Another date: before its latest verification, CQ-1 was overdue on its first certificate.
    let (_, body) = call(&router, "GET", "/v1/instruments/CQ-1?on=2000-01-01", vec![]).await;
    assert_eq!(body["status"], "unverified");

    let (status, body) = call(&router, "GET", "/v1/instruments/CQ-99", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("instrument_not_found"))
    );
    for bad in ["CQ-0", "cq-1", "CQ-01", "CQ", "%E4%B8%AD-1"] {
        let (status, body) = call(&router, "GET", &format!("/v1/instruments/{bad}"), vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, Some("invalid_instrument_id")),
            "{bad}"
        );
    }
    let (status, body) = call(&router, "GET", "/v1/instruments/CQ-1?on=2026-02-30", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, Some("invalid_date"))
    );
}

async fn proven(router: &Router, genesis: &Header, uri: &str) -> VerifiedState {
    let (status, body) = call(router, "GET", uri, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body["bundle"].as_str().unwrap())
        .unwrap();
    let anchor = TrustAnchor {
        genesis_hash: genesis.hash(),
        validators: demo_set(),
    };
    ProofBundle::decode_untrusted(&bytes)
        .unwrap()
        .verify(&anchor)
        .unwrap()
}

#[tokio::test]
async fn an_instruments_proof_carries_its_whole_history_and_its_owners_grade() {
    let (router, genesis, _dir) = finalized().await;
    let mut state = proven(&router, &genesis, "/v1/instruments/CQ-4/proof").await;
    let id = InstrumentId::parse("CQ-4").unwrap();
    let facts = gather::instruments::instrument(&mut state, &id)
        .unwrap()
        .unwrap();
    let on = Date::from_unix_ms_cst(state.header.timestamp_ms);
    assert_eq!(facts.standing(on).status, InstrumentStatus::Failed);
    assert_eq!(facts.certificates.len(), 2);
    let (business, inputs) = gather::business(&mut state, &facts.record.owner)
        .unwrap()
        .unwrap();
    assert_eq!(business.credit_code.as_str(), demo::BUSINESS_CQ);
    assert_eq!(inputs.standing(on).score, 100);

    let mut state = proven(&router, &genesis, "/v1/instruments/SC-77/proof").await;
    let absent = InstrumentId::parse("SC-77").unwrap();
    assert!(
        gather::instruments::instrument(&mut state, &absent)
            .unwrap()
            .is_none(),
        "the bundle proves it was never registered"
    );
    assert!(
        state
            .get::<Vec<u8>>(&StorageKey::Instrument(absent))
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn lists_filter_by_status_place_owner_class_lab_and_due_date_and_page_by_id() {
    let (router, _, _dir) = finalized().await;
    let (all, next) = ids(&router, "region=CQ").await;
    assert_eq!(all, ["CQ-1", "CQ-2", "CQ-3", "CQ-4", "CQ-5", "CQ-6"]);
    assert!(next.is_null());
    let (warned, _) = ids(&router, "region=CQ&status=overdue,due_soon").await;
    assert_eq!(warned, ["CQ-2", "CQ-3"]);
    let (overdue, _) = ids(
        &router,
        "region=CQ&division=500103&status=overdue&compulsory=true",
    )
    .await;
    assert_eq!(overdue, ["CQ-3"]);
    let (none, _) = ids(&router, "region=CQ&division=500105").await;
    assert!(none.is_empty());
    let (evse, _) = ids(&router, "region=CQ&class=EVSE").await;
    assert_eq!(evse, ["CQ-5"]);
    let (by_lab, _) = ids(&router, "region=SC&lab=SCJL").await;
    assert_eq!(by_lab, ["SC-1", "SC-2"], "the lab that verified each last");
    let (due, _) = ids(&router, "region=CQ&due_within_days=30").await;
    assert_eq!(due, ["CQ-2", "CQ-3"]);
    let (owned, _) = ids(&router, &format!("region=SC&owner={}", demo::BUSINESS_SC)).await;
    assert_eq!(owned, ["SC-1", "SC-2"]);

    let (first, next) = ids(&router, "region=CQ&limit=4").await;
    assert_eq!(first, ["CQ-1", "CQ-2", "CQ-3", "CQ-4"]);
    assert_eq!(next, "CQ-4");
    let (rest, next) = ids(&router, "region=CQ&limit=4&after=CQ-4").await;
    assert_eq!(rest, ["CQ-5", "CQ-6"]);
    assert!(next.is_null());

    for (query, want) in [
        ("", "invalid_region"),
        ("region=CQ&division=50010", "invalid_division"),
        ("region=CQ&status=good", "invalid_status"),
        ("region=CQ&class=fuel", "invalid_class"),
        ("region=CQ&due_within_days=-1", "invalid_days"),
        ("region=CQ&limit=1001", "invalid_limit"),
        ("region=CQ&after=CQ-0", "invalid_instrument_id"),
        ("region=CQ&owner=123", "invalid_credit_code"),
    ] {
        let (status, body) =
            call(&router, "GET", &format!("/v1/instruments?{query}"), vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, Some(want)),
            "{query}"
        );
    }
    let (status, body) = call(&router, "GET", "/v1/instruments?region=XZ", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("region_not_found"))
    );
}
