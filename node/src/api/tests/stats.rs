//! The lists and figures the SQL index serves, through the router, against the API's own
//! lists read from the state: each figure equals a count made from them.

use std::collections::BTreeMap;

use hengxin_index::{Database, Indexer, db as index_db};
use hengxin_runtime::{Call, certificates};

use super::*;
use crate::index::{IndexHandle, NodeSource};

pub(super) struct Indexed {
    pub(super) router: Router,
    pub(super) genesis: Header,
    pub(super) store: Arc<Store>,
    pub(super) indexer: Indexer<NodeSource>,
    _dirs: (tempfile::TempDir, tempfile::TempDir),
}

pub(super) async fn indexed_api() -> Indexed {
    indexed_api_on("sqlite:index.sqlite").await
}

/// The API over the demo chain with an index in the database `url` names (SQLite's in a
/// temporary directory).
pub(super) async fn indexed_api_on(url: &str) -> Indexed {
    let (chain_dir, index_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (state, genesis, store) =
        state_with_limits(chain_dir.path(), RateLimit::default(), Default::default());
    let (kind, url) = index_db::resolve(url, index_dir.path()).unwrap();
    let database = Database::open(kind, &url, 2).await.unwrap();
    let indexer = Indexer::new(
        Arc::new(NodeSource::new(store.clone(), &genesis)),
        database.clone(),
    );
    Indexed {
        router: router(state.with_index(IndexHandle::open(database))),
        genesis,
        store,
        indexer,
        _dirs: (chain_dir, index_dir),
    }
}

pub(super) async fn get(router: &Router, uri: &str) -> Value {
    let (status, body) = call(router, "GET", uri, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    body
}

fn count(rows: &Value, key: &str) -> u64 {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|c| c["key"] == key)
        .map_or(0, |c| c["count"].as_u64().unwrap())
}

#[tokio::test]
async fn every_figure_equals_a_count_of_the_state_s_own_lists() {
    let t = indexed_api().await;
    let lab = demo::key("lab-cq");
    let today = Date::from_unix_ms_cst(GENESIS_MS);
    let txs = (0..5)
        .map(|n| {
            let number = CertNumber::new(&format!("STATS-{n}")).unwrap();
            signed(
                &t.genesis,
                &lab,
                n,
                demo::sample_anchor(lab.scheme(), number, today),
            )
        })
        .collect();
    commit_block(&t.store, &t.genesis, txs);
    let revoke = Call::Certificates(certificates::Call::Revoke {
        lab: LabCode::new("CQJL").unwrap(),
        number: CertNumber::new("STATS-3").unwrap(),
        reason: hengxin_primitives::Text::new("录入错误").unwrap(),
    });
    commit_block(
        &t.store,
        &t.genesis,
        vec![signed(&t.genesis, &lab, 5, revoke)],
    );
    t.indexer.catch_up().await.unwrap();
    let head = t.store.head().unwrap().unwrap();

    // Every answer names the head and its hash.
    let overview = get(&t.router, "/v1/stats/overview").await;
    assert_eq!(overview["at"]["height"], head.height);
    assert_eq!(overview["at"]["hash"], head.hash().to_hex());
    assert_eq!(overview["at"]["lag_blocks"], 0);

    // Instruments by status: the state's own list, region by region.
    let mut from_state = BTreeMap::<String, u64>::new();
    for region in ["CQ", "SC"] {
        let list = get(&t.router, &format!("/v1/instruments?region={region}")).await;
        for i in list["instruments"].as_array().unwrap() {
            *from_state
                .entry(i["status"].as_str().unwrap().into())
                .or_default() += 1;
        }
    }
    for (status, n) in &from_state {
        assert_eq!(count(&overview["instruments"], status), *n, "{status}");
    }
    let by_group = get(&t.router, "/v1/stats/instruments").await;
    let grouped: u64 = by_group["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["count"].as_u64().unwrap())
        .sum();
    assert_eq!(grouped, from_state.values().sum::<u64>());

    // The warning list is the state's overdue and due-soon instruments.
    let due = get(&t.router, "/v1/stats/instruments/due").await;
    let mut listed: Vec<&str> = due["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    listed.sort();
    let state_due = get(
        &t.router,
        "/v1/instruments?region=CQ&status=overdue,due_soon",
    )
    .await;
    let mut expected: Vec<&str> = state_due["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    expected.sort();
    assert_eq!(listed, expected);
    assert!(!listed.is_empty());

    // Businesses by grade: the state's business list with its grades.
    let by_grade = get(&t.router, "/v1/stats/businesses").await;
    for region in ["CQ", "SC"] {
        let list = get(&t.router, &format!("/v1/businesses?region={region}")).await;
        let mut grades = BTreeMap::<(String, String), u64>::new();
        for b in list["businesses"].as_array().unwrap() {
            let key = (
                b["business_type"].as_str().unwrap().to_owned(),
                b["grade"].as_str().unwrap().to_owned(),
            );
            *grades.entry(key).or_default() += 1;
        }
        let figures: BTreeMap<(String, String), u64> = by_grade["rows"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|r| r["region"] == region)
            .map(|r| {
                (
                    (
                        r["business_type"].as_str().unwrap().to_owned(),
                        r["grade"].as_str().unwrap().to_owned(),
                    ),
                    r["count"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(figures, grades, "{region}");
    }

    // A lab's certificates: each one listed is the state's, with the state's status; the
    // month's figures count them.
    let listed = get(&t.router, "/v1/labs/CQJL/certificates").await;
    let certificates = listed["certificates"].as_array().unwrap();
    for c in certificates {
        let number = c["number"].as_str().unwrap();
        let one = get(
            &t.router,
            &format!("/v1/certificates/CQJL/{}", number.replace('/', "%2F")),
        )
        .await;
        assert_eq!(c["status"], one["status"], "{number}: {one}");
    }
    let figures = get(&t.router, "/v1/stats/certificates?lab=CQJL").await;
    let anchored: u64 = figures["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["anchored"].as_u64().unwrap())
        .sum();
    let revoked: u64 = figures["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["revoked"].as_u64().unwrap())
        .sum();
    assert_eq!(anchored, certificates.len() as u64);
    assert_eq!(
        revoked,
        certificates
            .iter()
            .filter(|c| c["status"] == "revoked")
            .count() as u64
    );
    assert!(revoked >= 2, "the demo's and STATS-3");

    // Pages of two, in order, each page continuing the last.
    let mut after = String::new();
    let mut paged = Vec::new();
    loop {
        let uri = match after.is_empty() {
            true => "/v1/labs/CQJL/certificates?limit=2".to_owned(),
            false => format!("/v1/labs/CQJL/certificates?limit=2&after={after}"),
        };
        let page = get(&t.router, &uri).await;
        paged.extend(
            page["certificates"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["number"].clone()),
        );
        match page["next"].as_str() {
            Some(next) => after = next.to_owned(),
            None => break,
        }
    }
    assert_eq!(
        paged,
        certificates
            .iter()
            .map(|c| c["number"].clone())
            .collect::<Vec<_>>()
    );

    // Recognition: each certificate's regions (its own view's `recognized_in`), counted.
    let mut regions = BTreeMap::<String, u64>::new();
    for lab in ["CQJL", "SCJL"] {
        let listed = get(&t.router, &format!("/v1/labs/{lab}/certificates")).await;
        for c in listed["certificates"].as_array().unwrap() {
            let number = c["number"].as_str().unwrap().replace('/', "%2F");
            let one = get(&t.router, &format!("/v1/certificates/{lab}/{number}")).await;
            for region in one["recognized_in"].as_array().unwrap() {
                *regions.entry(region.as_str().unwrap().into()).or_default() += 1;
            }
        }
    }
    let figures = get(&t.router, "/v1/stats/recognition").await;
    let mut counted = BTreeMap::<String, u64>::new();
    for r in figures["rows"].as_array().unwrap() {
        let n = r["own"].as_u64().unwrap() + r["recognised"].as_u64().unwrap();
        *counted
            .entry(r["region"].as_str().unwrap().into())
            .or_default() += n;
    }
    assert_eq!(counted, regions);
    assert!(
        figures["rows"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["recognised"].as_u64() > Some(0)),
        "{figures}"
    );

    // Labs, each with its certificates counted.
    let labs = get(&t.router, "/v1/labs").await;
    let cqjl = labs["labs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["code"] == "CQJL")
        .unwrap();
    assert_eq!(
        cqjl["certificates"].as_u64().unwrap(),
        certificates.len() as u64
    );
    let lab_view = get(&t.router, "/v1/labs/CQJL").await;
    let standards = lab_view["standards"].as_array().unwrap();
    assert!(!standards.is_empty(), "{lab_view}");
    let code = standards[0]["code"].as_str().unwrap();
    let standard = get(&t.router, &format!("/v1/standards/CQJL/{code}")).await;
    assert_eq!(standard["code"], code);
    assert!(!standard["assessments"].as_array().unwrap().is_empty());

    // Inspectors from the state.
    let inspectors = get(&t.router, "/v1/inspectors?region=CQ").await;
    assert_eq!(
        inspectors["inspectors"][0]["key"],
        demo::key("inspector-cq").public().to_hex()
    );
}

#[tokio::test]
async fn questions_the_index_cannot_answer_say_why() {
    let t = indexed_api().await;
    // Nothing indexed yet.
    let (status, body) = call(&t.router, "GET", "/v1/stats/overview", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, Some("index_unavailable"))
    );
    t.indexer.catch_up().await.unwrap();
    for (uri, expected) in [
        ("/v1/stats/certificates?from=2026-13", "invalid_month"),
        ("/v1/stats/overview?region=c3", "invalid_region"),
        ("/v1/stats/overview?region=xz", "region_not_found"),
        ("/v1/stats/instruments/due?status=broken", "invalid_status"),
        ("/v1/labs?limit=0", "invalid_limit"),
        ("/v1/labs/CQJL/certificates?from=2026-02-30", "invalid_date"),
        ("/v1/labs/NOPE/certificates", "lab_not_found"),
        ("/v1/standards/CQJL/NOPE", "standard_not_found"),
        ("/v1/inspectors", "invalid_region"),
        ("/v1/inspectors?region=XZ", "region_not_found"),
    ] {
        let (status, body) = call(&t.router, "GET", uri, vec![]).await;
        assert!(status.is_client_error(), "{uri}: {status}");
        assert_eq!(code(&body), Some(expected), "{uri}: {body}");
    }
    // An API without an index.
    let dir = tempfile::tempdir().unwrap();
    let (router, _, _) = api_with_store(dir.path());
    let (status, body) = call(&router, "GET", "/v1/stats/network", vec![]).await;
    assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("[index]"),
        "{body}"
    );
}
