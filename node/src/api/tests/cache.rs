//! Finalized answers are tagged with the head they were made at: a cache may keep them for a
//! moment, and a client that holds the current one gets `304` without a body.

use super::*;

/// A GET with these headers: the status, the ETag and Cache-Control sent back, the body's size.
async fn get_with(
    router: &Router,
    uri: &str,
    if_none_match: Option<&str>,
) -> (StatusCode, Option<String>, Option<String>, usize) {
    let mut request = Request::builder().uri(uri);
    if let Some(tag) = if_none_match {
        request = request.header("if-none-match", tag);
    }
    let response = router
        .clone()
        .oneshot(request.body(Body::empty()).unwrap())
        .await
        .unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_string())
    };
    let (etag, control) = (header("etag"), header("cache-control"));
    let status = response.status();
    let body = axum::body::to_bytes(response.into_body(), 16 << 20)
        .await
        .unwrap();
    (status, etag, control, body.len())
}

#[tokio::test]
async fn finalized_answers_are_tagged_with_their_head_and_revalidated() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    commit_block(&store, &genesis, vec![anchor_tx(&genesis, 0)]);
    let proof = format!("/v1/certificates/CQJL/{}/proof", demo::CERT_VALID);
    let certificate = format!("/v1/certificates/CQJL/{}", demo::CERT_VALID);
    let business = format!("/v1/businesses/{}", demo::BUSINESS_CQ);
    for uri in [&proof, &certificate, &business] {
        let (status, tag, control, size) = get_with(&router, uri, None).await;
        assert_eq!(status, StatusCode::OK, "{uri}");
        let tag = tag.unwrap_or_else(|| panic!("{uri} has no ETag"));
        assert_eq!(control.as_deref(), Some("public, max-age=2"));
        assert!(size > 0);
        // The client holds the current answer: nothing is sent again.
        let (status, again, _, size) = get_with(&router, uri, Some(&tag)).await;
        assert_eq!(
            (status, again.as_deref(), size),
            (StatusCode::NOT_MODIFIED, Some(&*tag), 0)
        );
    }
    let (_, old, _, _) = get_with(&router, &proof, None).await;
    // A new head: the old tag no longer matches.
    commit_block(&store, &genesis, vec![]);
    let (status, new, _, size) = get_with(&router, &proof, old.as_deref()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(size > 0);
    assert_ne!(new, old);
    // What is not a finalized answer carries no tag.
    let missing = "/v1/certificates/CQJL/NO-SUCH-1";
    let (status, tag, _, _) = get_with(&router, missing, None).await;
    assert_eq!((status, tag), (StatusCode::NOT_FOUND, None));
    let (_, tag, _, _) = get_with(&router, "/v1/health", None).await;
    assert_eq!(tag, None);
}
