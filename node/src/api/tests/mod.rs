//! The API against a store with the demo genesis, through the router (no sockets).

use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use axum::Router;
use axum::body::Body;
use axum::http::StatusCode;
use base64::Engine;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::gather;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
use hengxin_primitives::{CertNumber, CreditCode, Hash, Header, LabCode};
use parity_scale_codec::Encode;

use super::{ApiState, RateLimit, router};

mod batch;
mod cache;
mod generated;
mod handoffs;
mod instruments;
mod integrity;
mod limits;
mod stats;
mod supervision;
use crate::mempool::{Mempool, MempoolLimits};
use crate::store::Store;
use crate::submit::Submitter;
use axum::http::Request;
use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::{Date, TxPayload};
use serde_json::Value;
use tower::ServiceExt;

const GENESIS_MS: u64 = 1_780_000_000_000;

fn api(dir: &std::path::Path) -> (Router, Header) {
    let (router, genesis, _) = api_with_store(dir);
    (router, genesis)
}

fn demo_set() -> ValidatorSet {
    ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap()
}

fn api_with_store(dir: &std::path::Path) -> (Router, Header, Arc<Store>) {
    api_with_limits(dir, RateLimit::default(), super::TrustedProxies::default())
}

fn api_with_limits(
    dir: &std::path::Path,
    limit: RateLimit,
    proxies: super::TrustedProxies,
) -> (Router, Header, Arc<Store>) {
    let (state, genesis, store) = state_with_limits(dir, limit, proxies);
    (router(state), genesis, store)
}

/// The API's state over a store with the demo genesis in `dir` (no index).
fn state_with_limits(
    dir: &std::path::Path,
    limit: RateLimit,
    proxies: super::TrustedProxies,
) -> (ApiState, Header, Arc<Store>) {
    let set = demo_set();
    let store = Arc::new(Store::open(dir).unwrap());
    let genesis = store
        .init_genesis(&demo::genesis(GENESIS_MS, set).unwrap())
        .unwrap();
    let mempool = Arc::new(Mempool::new(MempoolLimits::default()));
    let submitter = Submitter::new(store.clone(), &genesis, mempool, None, Arc::default());
    let chain = super::chain_name(submitter.chain()).unwrap();
    let state = ApiState::new(
        submitter,
        genesis.clone(),
        (
            &TrustAnchor {
                genesis_hash: genesis.hash(),
                validators: demo_set(),
            },
            &chain,
        ),
        Arc::new(AtomicUsize::new(0)),
        Arc::default(),
        limit,
    )
    .with_trusted_proxies(proxies);
    (state, genesis, store)
}

/// `call` signed by `key` with `nonce`, for the chain of `genesis`.
fn signed(
    genesis: &Header,
    key: &hengxin_primitives::Keypair,
    nonce: u64,
    call: hengxin_runtime::Call,
) -> hengxin_runtime::Transaction {
    TxPayload {
        genesis_hash: genesis.hash(),
        signer: key.public(),
        nonce,
        valid_until_height: 100,
        call,
    }
    .sign(key)
}

/// Commits a block of `txs` on `store`'s head, signed by the demo validator.
fn commit_block(store: &Store, genesis: &Header, txs: Vec<hengxin_runtime::Transaction>) {
    commit_block_by(store, genesis, txs, &[demo::key("validator-0")]);
}

/// Commits a block of `txs` on `store`'s head, proposed by the first of `signers`, signed by
/// them all.
fn commit_block_by(
    store: &Store,
    genesis: &Header,
    txs: Vec<hengxin_runtime::Transaction>,
    signers: &[hengxin_primitives::Keypair],
) {
    commit_block_after(store, genesis, txs, signers, 1_000);
}

/// Commits a block of `txs` `after_ms` after `store`'s head, proposed by the first of
/// `signers`, signed by them all; each transaction's outcome.
fn commit_block_after(
    store: &Store,
    genesis: &Header,
    txs: Vec<hengxin_runtime::Transaction>,
    signers: &[hengxin_primitives::Keypair],
    after_ms: u64,
) -> Vec<hengxin_runtime::TxOutcome> {
    let head = store.head().unwrap().unwrap();
    let chain = store.chain(genesis);
    let executed = chain
        .execute(
            &head,
            head.timestamp_ms + after_ms,
            signers[0].public(),
            &txs,
        )
        .unwrap();
    let block = hengxin_runtime::Block {
        header: executed.header.clone(),
        transactions: txs,
    };
    let commit = hengxin_primitives::CommitCertificate::signed_by(
        &genesis.hash(),
        &executed.header,
        0,
        signers,
    );
    store
        .commit_block(&block, &commit, &executed.outcomes, executed.batch)
        .unwrap();
    executed.outcomes
}

async fn call_raw(
    router: &Router,
    method: &str,
    uri: &str,
    body: Vec<u8>,
) -> (StatusCode, Vec<u8>) {
    let request = Request::builder()
        .method(method)
        .uri(uri)
        .body(Body::from(body))
        .unwrap();
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap();
    (status, bytes.to_vec())
}

async fn call(router: &Router, method: &str, uri: &str, body: Vec<u8>) -> (StatusCode, Value) {
    let (status, bytes) = call_raw(router, method, uri, body).await;
    (status, serde_json::from_slice(&bytes).unwrap())
}

fn code(body: &Value) -> Option<&str> {
    body["error"]["code"].as_str()
}

#[tokio::test]
async fn certificates_are_shown_with_status_issuer_and_traceability() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _) = api(dir.path());
    let uri = format!("/v1/certificates/CQJL/{}", demo::CERT_VALID);
    let (status, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["status"], "valid");
    assert_eq!(body["kind"], "verification");
    // A verification certificate: the demo's 川渝 agreement covers it.
    assert_eq!(body["recognized_in"], serde_json::json!(["CQ", "SC"]));
    assert_eq!(body["issuer"]["region"], "CQ");
    assert_eq!(body["traceability"]["complete"], true, "{body}");
    let uri = format!("/v1/certificates/CQJL/{}", demo::CERT_REVOKED);
    let (_, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(body["status"], "revoked");
    assert!(body["revoked"]["reason"].is_string());

    let (status, body) = call(
        &router,
        "GET",
        "/v1/certificates/CQJL/NO%2FSUCH%20ONE",
        vec![],
    )
    .await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("certificate_not_found"))
    );
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("NO/SUCH ONE")
    );
    let (status, body) = call(&router, "GET", "/v1/certificates/cq!/X", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, Some("invalid_lab_code"))
    );
    let (status, body) = call(&router, "GET", "/v1/certificates/CQJL/%0A", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, Some("invalid_certificate_number"))
    );

    let uri = format!("/v1/businesses/{}", demo::BUSINESS_CQ);
    let (status, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(
        (status, body["region"].as_str()),
        (StatusCode::OK, Some("CQ"))
    );
    let (status, body) = call(&router, "GET", "/v1/businesses/91500103MA60K7LX04", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, Some("invalid_credit_code"))
    );
}

#[tokio::test]
async fn proof_bundles_verify_against_the_trust_anchor() {
    use hengxin_primitives::bundle::ProofBundle;
    use hengxin_primitives::records::{BusinessRecord, CertificateRecord, LabRecord};

    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    let uri = format!("/v1/certificates/CQJL/{}/proof", demo::CERT_VALID);
    let (status, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::SERVICE_UNAVAILABLE, Some("nothing_finalized"))
    );
    commit_block(&store, &genesis, vec![anchor_tx(&genesis, 0)]);

    let anchor = TrustAnchor {
        genesis_hash: genesis.hash(),
        validators: demo_set(),
    };
    async fn fetch_from(
        router: &Router,
        anchor: &TrustAnchor,
        uri: String,
    ) -> hengxin_primitives::bundle::VerifiedState {
        let (status, body) = call(router, "GET", &uri, vec![]).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body["bundle"].as_str().unwrap())
            .unwrap();
        ProofBundle::decode_untrusted(&bytes)
            .unwrap()
            .verify(anchor)
            .unwrap()
    }
    let fetch = |uri: String| fetch_from(&router, &anchor, uri);
    let lab = LabCode::new("CQJL").unwrap();
    let number: CertNumber = demo::CERT_VALID.parse().unwrap();
    let state = fetch(uri).await;
    assert_eq!(state.header.height, 1);
    let record: CertificateRecord = state
        .get(&StorageKey::Certificate(lab.clone(), number))
        .unwrap()
        .unwrap();
    let lab_record: LabRecord = state.get(&StorageKey::Lab(lab.clone())).unwrap().unwrap();
    assert_eq!(lab_record.code, lab);
    // The bundle carries every record the certificate's context is gathered from (its
    // traceability chain, the home region's complete list of agreements): the verifier gathers
    // the same facts from it as the node, through the same function.
    let mut state = state;
    let facts = gather::CertificateFacts {
        record,
        issuer: Some(lab_record),
    };
    let context = gather::certificate_context(&mut state, &facts).unwrap();
    assert!(context.trace.is_complete());
    let regions = context.recognized_in;
    let names: Vec<_> = regions.iter().map(|r| r.as_str()).collect();
    assert_eq!(names, ["CQ", "SC"]);

    let minimal = fetch(format!(
        "/v1/certificates/CQJL/{}/proof?trace=false",
        demo::CERT_VALID
    ))
    .await;
    assert_eq!(
        minimal.keys().count(),
        2,
        "the certificate and its lab only"
    );

    let absent: CertNumber = "NOT ANCHORED/1".parse().unwrap();
    let state = fetch("/v1/certificates/CQJL/NOT%20ANCHORED%2F1/proof".into()).await;
    let missing: Option<CertificateRecord> =
        state.get(&StorageKey::Certificate(lab, absent)).unwrap();
    assert!(missing.is_none(), "the bundle proves the absence");

    let code: CreditCode = demo::BUSINESS_SC.parse().unwrap();
    let state = fetch(format!("/v1/businesses/{code}/proof")).await;
    let business: BusinessRecord = state.get(&StorageKey::Business(code)).unwrap().unwrap();
    assert_eq!(business.region.to_string(), "SC");
    // A business's bundle carries its commitments, all its records (proven absent: none) and
    // the rule table: the verifier computes the grade itself.
    use hengxin_primitives::credit::{self, Commitment, CreditParams, CreditRecord, Grade};
    let code: CreditCode = demo::BUSINESS_CQ.parse().unwrap();
    let state = fetch(format!("/v1/businesses/{code}/proof")).await;
    let commitments: Vec<Commitment> = state
        .get(&StorageKey::Commitment(code.clone()))
        .unwrap()
        .unwrap();
    let records: Option<Vec<CreditRecord>> = state.get(&StorageKey::CreditRecords(code)).unwrap();
    let params: CreditParams = state.get(&StorageKey::CreditParams).unwrap().unwrap();
    let on = Date::from_unix_ms_cst(state.header.timestamp_ms);
    let standing = credit::grade(
        &records.unwrap_or_default(),
        credit::commitment_on(&commitments, on),
        on,
        &params,
    );
    assert_eq!((standing.score, standing.grade), (100, Grade::A));
}

#[tokio::test]
async fn openapi_and_metrics_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _) = api(dir.path());
    let (status, body) = call(&router, "GET", "/v1/openapi.json", vec![]).await;
    assert_eq!(status, StatusCode::OK);
    // Every route of the router, and nothing else.
    let mut documented: Vec<&str> = body["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    documented.sort_unstable();
    assert_eq!(
        documented,
        [
            "/console",
            "/console/{file}",
            "/metrics",
            "/v1/accounts/{public_key}",
            "/v1/agreements",
            "/v1/blocks/{height}",
            "/v1/businesses",
            "/v1/businesses/{credit_code}",
            "/v1/businesses/{credit_code}/proof",
            "/v1/certificates/{lab_code}/{number}",
            "/v1/certificates/{lab_code}/{number}/proof",
            "/v1/documents/{sha256}",
            "/v1/documents/{sha256}/proof",
            "/v1/health",
            "/v1/inspections",
            "/v1/inspections/{plan_id}",
            "/v1/inspectors",
            "/v1/instrument-classes",
            "/v1/instruments",
            "/v1/instruments/{id}",
            "/v1/instruments/{id}/proof",
            "/v1/labs",
            "/v1/labs/{code}",
            "/v1/labs/{code}/certificates",
            "/v1/openapi.json",
            "/v1/standards/{lab}/{code}",
            "/v1/stats/businesses",
            "/v1/stats/certificates",
            "/v1/stats/credit-records",
            "/v1/stats/inspections",
            "/v1/stats/instruments",
            "/v1/stats/instruments/due",
            "/v1/stats/network",
            "/v1/stats/overview",
            "/v1/stats/recognition",
            "/v1/transactions",
            "/v1/transactions/batch",
            "/v1/transactions/{hash}",
            "/v1/trust",
            "/v1/validators",
            "/v1/validators/proof",
            "/verify",
            "/verify/{file}",
        ]
    );
    // What OpenAPI requires of each operation: every response described, every parameter
    // placed (a validator refuses the document otherwise).
    for (path, item) in body["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            for (status, response) in operation["responses"].as_object().unwrap() {
                assert!(
                    response["description"].is_string(),
                    "{method} {path} {status} has no description"
                );
            }
            for parameter in operation["parameters"].as_array().into_iter().flatten() {
                let name = parameter["name"].as_str().unwrap_or_default();
                let in_path = path.contains(&format!("{{{name}}}"));
                let place = if in_path { "path" } else { "query" };
                assert_eq!(parameter["in"], place, "{method} {path}: {parameter}");
            }
        }
    }
    let schemas = &body["components"]["schemas"];
    assert!(schemas["CertificateView"].is_object());
    // The API types' wire words document their values.
    assert_eq!(
        schemas["CertificateState"]["enum"],
        serde_json::json!(["valid", "revoked", "superseded", "expired"])
    );
    let (status, text) = call_raw(&router, "GET", "/metrics", vec![]).await;
    let text = String::from_utf8(text).unwrap();
    assert_eq!(status, StatusCode::OK);
    assert!(text.contains("\nhengxin_height 0\n"), "{text}");
    assert!(text.contains("hengxin_round_duration_seconds_count"));
}

fn anchor_tx(genesis: &Header, nonce: u64) -> hengxin_runtime::Transaction {
    let lab = demo::key("lab-cq");
    let call = demo::sample_anchor(
        Default::default(),
        "API-1".parse().unwrap(),
        Date::from_unix_ms_cst(GENESIS_MS),
    );
    TxPayload {
        genesis_hash: genesis.hash(),
        signer: lab.public(),
        nonce,
        valid_until_height: 10,
        call,
    }
    .sign(&lab)
}

#[tokio::test]
async fn health_and_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis) = api(dir.path());
    let (status, body) = call(&router, "GET", "/v1/health", vec![]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["height"], 0);
    let (_, trust) = call_raw(&router, "GET", "/v1/trust", vec![]).await;
    let (chain, anchor) =
        hengxin_primitives::files::read_trust_file(std::str::from_utf8(&trust).unwrap()).unwrap();
    assert_eq!(
        (chain.as_str(), anchor.genesis_hash),
        ("hengxin-dev", genesis.hash())
    );
    assert_eq!(body["genesis_hash"], genesis.hash().to_hex());
    let (status, body) = call(&router, "GET", "/v1/blocks/0", vec![]).await;
    assert_eq!(
        (status, body["hash"].as_str()),
        (StatusCode::OK, Some(genesis.hash().to_hex().as_str()))
    );
    let (status, body) = call(&router, "GET", "/v1/blocks/7", vec![]).await;
    let _ = code(&body);
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("block_not_found"))
    );
    let (status, body) = call(&router, "GET", "/v1/blocks/seven", vec![]).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_height"))
    );
    let (status, _) = call(&router, "GET", "/v2/nothing", vec![]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn submissions_are_checked_and_answered_with_stable_codes() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis) = api(dir.path());
    let tx = anchor_tx(&genesis, 0);
    let lab = demo::key("lab-cq").public().to_hex();
    let (status, body) = call(&router, "GET", &format!("/v1/accounts/{lab}"), vec![]).await;
    assert_eq!((status, body["nonce"].as_u64()), (StatusCode::OK, Some(0)));
    assert_eq!(
        (body["role"].as_str(), body["lab"].as_str()),
        (Some("lab_key"), Some("CQJL"))
    );
    let (status, body) = call(&router, "POST", "/v1/transactions", tx.encode()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    assert_eq!(body["hash"], tx.hash().to_hex());
    let (_, body) = call(
        &router,
        "GET",
        &format!("/v1/transactions/{}", tx.hash().to_hex()),
        vec![],
    )
    .await;
    assert_eq!(body["status"], "pending");
    let (status, body) = call(&router, "POST", "/v1/transactions", tx.encode()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::CONFLICT, Some("duplicate_transaction"))
    );

    let mut forged = anchor_tx(&genesis, 1);
    forged.payload.nonce = 2;
    let (status, body) = call(&router, "POST", "/v1/transactions", forged.encode()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("bad_signature"))
    );

    let other_chain = TxPayload {
        genesis_hash: Hash([1; 32]),
        ..anchor_tx(&genesis, 1).payload
    }
    .sign(&demo::key("lab-cq"));
    let (status, body) = call(&router, "POST", "/v1/transactions", other_chain.encode()).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("wrong_chain"))
    );

    let (status, body) = call(
        &router,
        "POST",
        "/v1/transactions",
        b"not a transaction".to_vec(),
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("undecodable_transaction"))
    );

    let (status, body) = call(
        &router,
        "POST",
        "/v1/transactions",
        vec![0; TX_SIZE_BYTES_MAX + 1],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, Some("body_too_large"))
    );

    let (status, body) = call(
        &router,
        "GET",
        &format!("/v1/transactions/{}", "ab".repeat(32)),
        vec![],
    )
    .await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("transaction_not_found"))
    );
    let (status, _) = call(&router, "GET", "/v1/transactions/xyz", vec![]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn agreements_are_listed_with_their_status() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _) = api(dir.path());
    let (status, body) = call(&router, "GET", "/v1/agreements", vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let agreements = body["agreements"].as_array().unwrap();
    assert_eq!(agreements.len(), 1, "the demo's 川渝 agreement");
    let a = &agreements[0];
    assert_eq!(a["id"], 1);
    assert_eq!(a["regions"], serde_json::json!(["CQ", "SC"]));
    assert_eq!(a["kinds"], serde_json::json!(["verification", "notice"]));
    assert_eq!(a["categories"].as_array().unwrap().len(), 10);
    assert_eq!(a["status"], "in_force");
    assert!(a["until"].is_null());
    let typed: hengxin_api_types::AgreementsView = serde_json::from_value(body).unwrap();
    assert_eq!(typed.agreements[0].from.to_string(), "2021-01-01");
}

#[tokio::test]
async fn a_business_is_shown_with_its_grade_on_a_date() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis) = api(dir.path());
    let uri = format!("/v1/businesses/{}", demo::BUSINESS_CQ);
    let (status, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        (body["grade"].as_str(), body["score"].as_i64()),
        (Some("A"), Some(100))
    );
    assert_eq!(body["commitment"]["current"], true);
    assert_eq!(body["records"], serde_json::json!([]));
    let today = Date::from_unix_ms_cst(genesis.timestamp_ms);
    assert_eq!(body["on"], today.to_string());
    let uri = format!("/v1/businesses/{}", demo::BUSINESS_SC);
    let (_, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(
        (body["grade"].as_str(), body["score"].as_i64()),
        (Some("B"), Some(100))
    );
    assert!(body["commitment"].is_null());
    // A year on, the CQ commitment has lapsed.
    let later = today.add_months(12);
    let uri = format!("/v1/businesses/{}?on={later}", demo::BUSINESS_CQ);
    let (_, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(body["grade"], "B", "{body}");
    assert_eq!(body["commitment"]["current"], false);
    let uri = format!("/v1/businesses/{}?on=2026-02-30", demo::BUSINESS_CQ);
    let (status, body) = call(&router, "GET", &uri, vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, Some("invalid_date"))
    );
    let typed: hengxin_api_types::BusinessView = {
        let uri = format!("/v1/businesses/{}", demo::BUSINESS_CQ);
        serde_json::from_value(call(&router, "GET", &uri, vec![]).await.1).unwrap()
    };
    assert_eq!(typed.grade, hengxin_primitives::credit::Grade::A);
}
