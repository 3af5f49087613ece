//! `POST /v1/transactions/batch`: each transaction answered as a single submission would be, in
//! order; a batch that is not a list, or too large, refused whole and nothing pooled.

use super::*;
use hengxin_api_types::{BATCH_BYTES_MAX, BATCH_TXS_MAX};
use parity_scale_codec::Compact;

#[tokio::test]
async fn each_transaction_of_a_batch_gets_its_own_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis) = api(dir.path());
    let first = anchor_tx(&genesis, 0).encode();
    let batch: Vec<Vec<u8>> = vec![
        first.clone(),
        first.clone(),
        b"not a transaction".to_vec(),
        anchor_tx(&genesis, 1).encode(),
    ];
    let (status, body) = call(&router, "POST", "/v1/transactions/batch", batch.encode()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["accepted"], 2);
    let results = body["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let hash = hengxin_primitives::crypto::sha256(&first).to_hex();
    assert_eq!(results[0]["hash"], hash.as_str());
    assert_eq!(results[1]["error"]["code"], "duplicate_transaction");
    assert_eq!(results[2]["error"]["code"], "undecodable_transaction");
    assert!(results[3]["hash"].is_string(), "{body}");
    // Pooled as a single submission is: the node knows them.
    let (status, tx) = call(&router, "GET", &format!("/v1/transactions/{hash}"), vec![]).await;
    assert_eq!(
        (status, tx["status"].as_str()),
        (StatusCode::OK, Some("pending"))
    );
}

#[tokio::test]
async fn a_batch_that_is_not_a_list_or_too_large_is_refused_whole() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis) = api(dir.path());
    let tx = anchor_tx(&genesis, 0).encode();
    let refused = [
        // A transaction where a list of them belongs.
        (tx.clone(), StatusCode::BAD_REQUEST, "undecodable_batch"),
        // A list with trailing bytes.
        (
            [vec![tx.clone()].encode(), vec![0]].concat(),
            StatusCode::BAD_REQUEST,
            "undecodable_batch",
        ),
        // One transaction more than a batch holds: refused from its count alone.
        (
            [Compact(BATCH_TXS_MAX as u32 + 1).encode(), tx.clone()].concat(),
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
        // More bytes than a batch holds.
        (
            vec![0; BATCH_BYTES_MAX + 1],
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
        ),
    ];
    for (bytes, status, expected) in refused {
        let (got, body) = call(&router, "POST", "/v1/transactions/batch", bytes).await;
        assert_eq!((got, code(&body)), (status, Some(expected)), "{body}");
    }
    // Nothing was pooled: the transaction is still new.
    let (status, _) = call(&router, "POST", "/v1/transactions", tx).await;
    assert_eq!(status, StatusCode::ACCEPTED);
}

#[tokio::test]
async fn a_body_that_breaks_off_is_refused_as_unreadable_not_as_too_large() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _) = api(dir.path());
    for (uri, expected) in [
        ("/v1/transactions", "undecodable_transaction"),
        ("/v1/transactions/batch", "undecodable_batch"),
    ] {
        let parts: [Result<&'static [u8], std::io::Error>; 2] = [
            Ok(b"the first bytes"),
            Err(std::io::Error::other("connection reset")),
        ];
        let request = Request::post(uri)
            .body(Body::from_stream(futures::stream::iter(parts)))
            .unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{uri}");
        let bytes = axum::body::to_bytes(response.into_body(), 1 << 16)
            .await
            .unwrap();
        let body: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(code(&body), Some(expected), "{body}");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("could not be read whole"),
            "{body}"
        );
    }
}
