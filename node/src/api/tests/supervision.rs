//! The region's business list and inspection plans, through the router.

use hengxin_primitives::draw;
use hengxin_primitives::inspection::DEFAULT_RATIOS;
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::{RegionCode, Text};
use hengxin_runtime::{Call, inspection, membership};

use super::*;

fn business(n: u32) -> CreditCode {
    CreditCode::completing(&format!("91500103MC{n:07}")).unwrap()
}

fn register(n: u32, business_type: BusinessType) -> Call {
    Call::Membership(membership::Call::RegisterBusiness {
        credit_code: business(n),
        name: Text::new(&format!("经营者 {n}")).unwrap(),
        region: RegionCode::new("CQ").unwrap(),
        business_type,
        key: None,
    })
}

#[tokio::test]
async fn a_region_s_businesses_are_listed_by_code_with_grades_in_pages() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    let regulator = demo::key("regulator-cq");
    let txs = (0..3)
        .map(|n| {
            signed(
                &genesis,
                &regulator,
                u64::from(n),
                register(n, BusinessType::Market),
            )
        })
        .collect();
    commit_block(&store, &genesis, txs);
    let (status, body) = call(&router, "GET", "/v1/businesses?region=CQ", vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let typed: hengxin_api_types::BusinessesView = serde_json::from_value(body.clone()).unwrap();
    let mut codes: Vec<String> = typed
        .businesses
        .iter()
        .map(|b| b.credit_code.to_string())
        .collect();
    assert_eq!(codes.len(), 4);
    assert!(codes.is_sorted());
    assert!(typed.next.is_none());
    let demo_cq = &body["businesses"][codes.iter().position(|c| c == demo::BUSINESS_CQ).unwrap()];
    assert_eq!(
        (demo_cq["grade"].as_str(), demo_cq["score"].as_i64()),
        (Some("A"), Some(100))
    );
    assert_eq!(demo_cq["business_type"], "gas_station");
    // Pages of two.
    let (_, first) = call(&router, "GET", "/v1/businesses?region=CQ&limit=2", vec![]).await;
    let next = first["next"].as_str().unwrap().to_string();
    assert_eq!(next, codes[1]);
    let uri = format!("/v1/businesses?region=CQ&limit=2&after={next}");
    let (_, second) = call(&router, "GET", &uri, vec![]).await;
    let page: Vec<&str> = second["businesses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["credit_code"].as_str().unwrap())
        .collect();
    assert_eq!(
        page,
        codes[2..].iter().map(String::as_str).collect::<Vec<_>>()
    );
    assert!(second["next"].is_null());
    // A type; a past height (genesis had only the demo business).
    let (_, body) = call(
        &router,
        "GET",
        "/v1/businesses?region=CQ&type=gas_station",
        vec![],
    )
    .await;
    assert_eq!(body["businesses"].as_array().unwrap().len(), 1);
    let (_, body) = call(&router, "GET", "/v1/businesses?region=CQ&at=0", vec![]).await;
    codes.retain(|c| c == demo::BUSINESS_CQ);
    assert_eq!(body["businesses"].as_array().unwrap().len(), codes.len());
    assert_eq!(body["height"], 0);
    for (uri, status, expected) in [
        ("/v1/businesses", StatusCode::BAD_REQUEST, "invalid_region"),
        (
            "/v1/businesses?region=C%0AQ",
            StatusCode::BAD_REQUEST,
            "invalid_region",
        ),
        (
            "/v1/businesses?region=XZ",
            StatusCode::NOT_FOUND,
            "region_not_found",
        ),
        (
            "/v1/businesses?region=CQ&type=bakery",
            StatusCode::BAD_REQUEST,
            "invalid_business_type",
        ),
        (
            "/v1/businesses?region=CQ&limit=0",
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
        (
            "/v1/businesses?region=CQ&limit=1001",
            StatusCode::BAD_REQUEST,
            "invalid_limit",
        ),
        (
            "/v1/businesses?region=CQ&after=123",
            StatusCode::BAD_REQUEST,
            "invalid_credit_code",
        ),
        (
            "/v1/businesses?region=CQ&at=99",
            StatusCode::BAD_REQUEST,
            "invalid_height",
        ),
        (
            "/v1/businesses?region=CQ&at=-1",
            StatusCode::BAD_REQUEST,
            "invalid_height",
        ),
    ] {
        let (got, body) = call(&router, "GET", uri, vec![]).await;
        assert_eq!(
            (got, code(&body)),
            (status, Some(expected)),
            "{uri}: {body}"
        );
    }
}

#[tokio::test]
async fn a_plan_waits_for_its_reveal_block_then_shows_its_draw() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    let regulator = demo::key("regulator-cq");
    let plan = Call::Inspection(inspection::Call::Plan {
        region: RegionCode::new("CQ").unwrap(),
        business_types: vec![BusinessType::GasStation],
        ratios: DEFAULT_RATIOS,
        inspectors: vec![demo::key("inspector-cq").public()],
        reveal_in: 2,
    });
    commit_block(
        &store,
        &genesis,
        vec![signed(&genesis, &regulator, 0, plan)],
    );
    let (status, body) = call(&router, "GET", "/v1/inspections/1", vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "waiting");
    assert!(body["seed"].is_null());
    assert_eq!(body["targets"], serde_json::json!([]));
    assert_eq!(
        body["ratios"],
        serde_json::json!({"A": 5, "B": 10, "C": 30, "D": 100})
    );
    for _ in 0..3 {
        commit_block(&store, &genesis, Vec::new());
    }
    let (_, body) = call(&router, "GET", "/v1/inspections/1", vec![]).await;
    let typed: hengxin_api_types::PlanView = serde_json::from_value(body.clone()).unwrap();
    assert_eq!(body["status"], "drawn", "{body}");
    let reveal = store.block(3).unwrap().unwrap().header;
    assert_eq!(
        typed.seed,
        Some(draw::seed(reveal.scheme(), 1, &reveal.hash()))
    );
    assert_eq!(typed.block_hash, Some(reveal.hash()));
    assert_eq!(body["targets"][0]["credit_code"], demo::BUSINESS_CQ);
    assert_eq!(body["targets"][0]["grade"], "A");
    assert_eq!(body["targets"][0]["short"], true, "a pool of one");
    assert_eq!(
        body["in_scope"],
        serde_json::json!({"A": 1, "B": 0, "C": 0, "D": 0})
    );
    let (status, body) = call(&router, "GET", "/v1/inspections?region=CQ", vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["plans"][0]["plan_id"], 1);
    assert_eq!(body["plans"][0]["status"], "drawn");
    let (_, body) = call(&router, "GET", "/v1/inspections?region=SC", vec![]).await;
    assert_eq!(body["plans"], serde_json::json!([]));
    for (uri, status, expected) in [
        ("/v1/inspections/2", StatusCode::NOT_FOUND, "plan_not_found"),
        (
            "/v1/inspections/x",
            StatusCode::BAD_REQUEST,
            "invalid_plan_id",
        ),
        ("/v1/inspections", StatusCode::BAD_REQUEST, "invalid_region"),
        (
            "/v1/inspections?region=XZ",
            StatusCode::NOT_FOUND,
            "region_not_found",
        ),
    ] {
        let (got, body) = call(&router, "GET", uri, vec![]).await;
        assert_eq!(
            (got, code(&body)),
            (status, Some(expected)),
            "{uri}: {body}"
        );
    }
}
