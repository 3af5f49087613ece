//! Documents (a document anchors once, found by its SHA-256, present or proven absent), a lab
//! with its keys and DCC signing certificates, and why a revoked certificate is revoked.

use axum::http::StatusCode;
use base64::Engine;
use hengxin_chain_spec::demo;
use hengxin_primitives::bundle::{ProofBundle, TrustAnchor};
use hengxin_primitives::crypto::sha256;
use hengxin_primitives::records::{CertificateRecord, DocumentHolder};
use hengxin_primitives::state::StorageKey;

use super::{api_with_store, call, code, commit_block, demo_set};

#[tokio::test]
async fn a_document_is_found_by_its_hash_and_its_absence_is_proven() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    commit_block(&store, &genesis, vec![]);
    let held = sha256(&demo::document("CQJL", demo::CERT_REVOKED));
    let (status, body) = call(&router, "GET", &format!("/v1/documents/{held}"), vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["lab_code"], "CQJL");
    assert_eq!(body["number"], demo::CERT_REVOKED);
    let stranger = sha256(b"a file nobody anchored");
    let (status, body) = call(&router, "GET", &format!("/v1/documents/{stranger}"), vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("document_not_found"))
    );
    let (status, body) = call(&router, "GET", "/v1/documents/xyz", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::BAD_REQUEST, Some("invalid_hash"))
    );

    let anchor = TrustAnchor {
        genesis_hash: genesis.hash(),
        validators: demo_set(),
    };
    let proven = |body: serde_json::Value| {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(body["bundle"].as_str().unwrap())
            .unwrap();
        ProofBundle::decode_untrusted(&bytes)
            .unwrap()
            .verify(&anchor)
            .unwrap()
    };
    let (status, body) = call(
        &router,
        "GET",
        &format!("/v1/documents/{held}/proof"),
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let state = proven(body);
    let holder: DocumentHolder = state.get(&StorageKey::Document(held)).unwrap().unwrap();
    let record: CertificateRecord = state
        .get(&StorageKey::Certificate(holder.lab, holder.number))
        .unwrap()
        .unwrap();
    assert_eq!(
        record.fields.document_hash, held,
        "the certificate is proven with it"
    );
    let (status, body) = call(
        &router,
        "GET",
        &format!("/v1/documents/{stranger}/proof"),
        vec![],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let absent: Option<DocumentHolder> = proven(body).get(&StorageKey::Document(stranger)).unwrap();
    assert!(
        absent.is_none(),
        "the bundle proves no certificate holds it"
    );
}

#[tokio::test]
async fn a_lab_shows_its_keys_and_a_revocation_says_who_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _, _) = api_with_store(dir.path());
    let (status, body) = call(&router, "GET", "/v1/labs/CQJL", vec![]).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["region"], "CQ");
    assert_eq!(
        body["keys"][0]["key"],
        demo::key("lab-cq").public().to_hex()
    );
    assert_eq!(body["dcc_certs"], serde_json::json!([]));
    let (status, body) = call(&router, "GET", "/v1/labs/NOPE", vec![]).await;
    assert_eq!(
        (status, code(&body)),
        (StatusCode::NOT_FOUND, Some("lab_not_found"))
    );
    let uri = format!("/v1/certificates/CQJL/{}", demo::CERT_REVOKED);
    let (_, body) = call(&router, "GET", &uri, vec![]).await;
    let by = body["revoked"]["by_name"].as_str().unwrap();
    assert!(
        by.starts_with("CQJL "),
        "the lab's own key revoked it: {by}"
    );
}
