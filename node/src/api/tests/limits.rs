//! The per-address rate limit through the router, directly and behind a reverse proxy; the
//! verify page's security headers.

use std::net::SocketAddr;

use axum::extract::ConnectInfo;

use super::*;
use crate::api::TrustedProxies;

/// `GET /v1/health` from TCP peer `peer` with an `X-Forwarded-For` of `forwarded`.
async fn status_from(router: &Router, peer: &str, forwarded: Option<&str>) -> StatusCode {
    let mut request = Request::builder().uri("/v1/health");
    if let Some(chain) = forwarded {
        request = request.header("x-forwarded-for", chain);
    }
    let mut request = request.body(Body::empty()).unwrap();
    let peer: SocketAddr = format!("{peer}:40000").parse().unwrap();
    request.extensions_mut().insert(ConnectInfo(peer));
    router.clone().oneshot(request).await.unwrap().status()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_has_its_own_bucket_and_no_one_else_picks_one() {
    let dir = tempfile::tempdir().unwrap();
    let limit = RateLimit {
        per_second: 1,
        burst: 2,
    };
    let proxies = TrustedProxies::parse(&["10.0.0.1".into()]).unwrap();
    let (router, _, _) = api_with_limits(dir.path(), limit, proxies);
    // Through the proxy: two clients, two buckets.
    for client in ["198.51.100.1", "198.51.100.2"] {
        for _ in 0..2 {
            assert_eq!(
                status_from(&router, "10.0.0.1", Some(client)).await,
                StatusCode::OK
            );
        }
        let third = status_from(&router, "10.0.0.1", Some(client)).await;
        assert_eq!(
            third,
            StatusCode::TOO_MANY_REQUESTS,
            "{client}'s burst is spent"
        );
    }
    // A client that is not the proxy cannot pick a fresh bucket with the header.
    for n in 0..2 {
        let forged = format!("192.0.2.{n}");
        assert_eq!(
            status_from(&router, "203.0.113.5", Some(&forged)).await,
            StatusCode::OK
        );
    }
    let forged = status_from(&router, "203.0.113.5", Some("192.0.2.9")).await;
    assert_eq!(
        forged,
        StatusCode::TOO_MANY_REQUESTS,
        "its own address counts"
    );

    // Without a trusted proxy, the proxy's clients share its one bucket.
    let dir = tempfile::tempdir().unwrap();
    let (router, _, _) = api_with_limits(dir.path(), limit, TrustedProxies::default());
    assert_eq!(
        status_from(&router, "10.0.0.1", Some("198.51.100.1")).await,
        StatusCode::OK
    );
    assert_eq!(
        status_from(&router, "10.0.0.1", Some("198.51.100.2")).await,
        StatusCode::OK
    );
    let shared = status_from(&router, "10.0.0.1", Some("198.51.100.3")).await;
    assert_eq!(shared, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn the_verify_page_is_served_with_a_strict_policy() {
    let dir = tempfile::tempdir().unwrap();
    let (router, _) = api(dir.path());
    for uri in [
        "/verify",
        "/verify/verify.js",
        "/verify/hengxin_verifier_bg.wasm",
    ] {
        let request = Request::builder().uri(uri).body(Body::empty()).unwrap();
        let response = router.clone().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{uri}");
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_string()
        };
        assert_eq!(header("x-content-type-options"), "nosniff", "{uri}");
        assert_eq!(header("referrer-policy"), "no-referrer", "{uri}");
        let policy = header("content-security-policy");
        for directive in [
            "default-src 'none'",
            "script-src 'self' 'wasm-unsafe-eval'",
            "frame-ancestors 'none'",
            "style-src 'sha256-",
        ] {
            assert!(policy.contains(directive), "{uri}: {policy}");
        }
        assert!(
            !policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"),
            "{policy}"
        );
    }
}
