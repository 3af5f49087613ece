//! The HTTP/1.1 server under the API, with limits on what a client can hold: a request's head
//! must arrive within `header_timeout` (an idle keep-alive connection is closed as long after
//! its last answer), the whole request within `request_timeout` (else `408 request_timeout`),
//! and a connection lives at most `connection_lifetime` (then it finishes what it serves and
//! closes). At most `connections_max` connections are served at once (more wait in the
//! listen queue) and `connections_per_client` from one address (more are answered `429` and
//! closed), but for the trusted reverse proxies, which carry many clients' connections.
//!
//! `axum::serve` has none of these: a client that opened connections and sent nothing, or a
//! byte a minute, held each one (a task and a file descriptor) for ever.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{Request, StatusCode};
use axum::response::{IntoResponse, Response};
use hengxin_api_types::{ErrorBody, ErrorCode, ErrorDetail};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;
use tower::ServiceExt;
use tracing::{debug, warn};

use super::{ApiError, TrustedProxies};

/// How much of the server a client may hold, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConnectionLimits {
    /// Connections served at once.
    pub connections_max: usize,
    /// Connections served at once from one address (not counting trusted proxies').
    pub connections_per_client: usize,
    /// From a connection's start, or its last answer, to the end of the next request's head.
    pub header_timeout: Duration,
    /// From a request's head to the end of its handling (its body read).
    pub request_timeout: Duration,
    /// A connection's longest life.
    pub connection_lifetime: Duration,
}

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            connections_max: 4_096,
            connections_per_client: 64,
            header_timeout: Duration::from_secs(10),
            request_timeout: Duration::from_secs(60),
            connection_lifetime: Duration::from_secs(600),
        }
    }
}

/// Serves `router` on `listener` within `limits`, until the task is dropped.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    limits: ConnectionLimits,
    proxies: TrustedProxies,
) {
    let slots = Arc::new(Semaphore::new(limits.connections_max.max(1)));
    let clients = Clients::default();
    loop {
        let Ok(slot) = Arc::clone(&slots).acquire_owned().await else {
            return; // closed: never, it is this function's
        };
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) if is_connection_error(&e) => {
                debug!(error = %e, "HTTP connection gone before it was accepted");
                continue;
            }
            Err(e) => {
                // Out of file descriptors or memory: wait rather than spin.
                warn!(error = %e, "HTTP API: cannot accept a connection");
                tokio::time::sleep(Duration::from_millis(500)).await;
                continue;
            }
        };
        let held = if proxies.trusts(peer.ip()) {
            None
        } else {
            match clients.take(peer.ip(), limits.connections_per_client) {
                Some(held) => Some(held),
                None => {
                    let limit = limits.connections_per_client;
                    tokio::spawn(async move {
                        refuse(stream, peer.ip(), limit).await;
                        drop(slot);
                    });
                    continue;
                }
            }
        };
        let router = router.clone();
        tokio::spawn(async move {
            connection(stream, peer, router, limits).await;
            drop((slot, held));
        });
    }
}

/// Serves one connection within `limits`.
async fn connection(stream: TcpStream, peer: SocketAddr, router: Router, limits: ConnectionLimits) {
    let service = hyper::service::service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        let answer = router.clone().oneshot(request.map(Body::new));
        async move {
            Ok::<_, std::convert::Infallible>(
                match tokio::time::timeout(limits.request_timeout, answer).await {
                    Ok(Ok(response)) => response,
                    Ok(Err(never)) => match never {},
                    Err(_) => late(limits.request_timeout),
                },
            )
        }
    });
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(conn);
    let finished = tokio::select! {
        result = conn.as_mut() => Some(result),
        () = tokio::time::sleep(limits.connection_lifetime) => None,
    };
    let result = match finished {
        Some(result) => result,
        None => {
            // Finish the request in hand, if any, and close; one that takes too long is cut.
            conn.as_mut().graceful_shutdown();
            match tokio::time::timeout(limits.request_timeout, conn).await {
                Ok(result) => result,
                Err(_) => return debug!(%peer, "HTTP connection cut at the end of its life"),
            }
        }
    };
    if let Err(e) = result {
        debug!(%peer, error = %e, "HTTP connection ended");
    }
}

/// The answer to a request that did not arrive (or was not handled) within `limit`.
fn late(limit: Duration) -> Response {
    ApiError::new(
        StatusCode::REQUEST_TIMEOUT,
        ErrorCode::RequestTimeout,
        format!(
            "the request did not arrive within {} s; send its body at once, or a smaller batch",
            limit.as_secs_f64()
        ),
    )
    .into_response()
}

/// Tells a client over its connection limit why, without reading its request, and closes:
/// what it sent meanwhile is read and dropped for a moment, so that the close does not reset
/// the connection before the answer is read.
async fn refuse(mut stream: TcpStream, client: IpAddr, limit: usize) {
    debug!(%client, "HTTP connection refused: too many from one address");
    let body = serde_json::to_string(&ErrorBody {
        error: ErrorDetail {
            code: ErrorCode::RateLimited.into(),
            message: format!(
                "more than {limit} connections at once from {client}; close some (reuse one \
                 with keep-alive) and retry"
            ),
        },
    })
    .unwrap_or_default();
    let answer = format!(
        "HTTP/1.1 429 Too Many Requests\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nretry-after: 1\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let linger = async {
        stream.write_all(answer.as_bytes()).await?;
        stream.shutdown().await?;
        tokio::io::copy(
            &mut (&mut stream).take(REFUSED_DRAIN_BYTES),
            &mut tokio::io::sink(),
        )
        .await
    };
    let _ = tokio::time::timeout(Duration::from_secs(1), linger).await;
}

/// What a refused connection's request may bring that is read and dropped.
const REFUSED_DRAIN_BYTES: u64 = 64 * 1024;

/// Whether an accept error is the connection's own (reset or aborted before it was taken),
/// not the server's lack of resources.
fn is_connection_error(e: &std::io::Error) -> bool {
    use std::io::ErrorKind::*;
    matches!(
        e.kind(),
        ConnectionRefused | ConnectionAborted | ConnectionReset
    )
}

/// The connections each client address holds.
#[derive(Clone, Default)]
struct Clients(Arc<Mutex<HashMap<IpAddr, usize>>>);

impl Clients {
    /// The counts, also after a panic elsewhere while they were held (each update is whole).
    fn counts(&self) -> MutexGuard<'_, HashMap<IpAddr, usize>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// One more connection for `client`, unless it holds `limit` already.
    fn take(&self, client: IpAddr, limit: usize) -> Option<Held> {
        let mut held = self.counts();
        let count = held.entry(client).or_insert(0);
        if *count >= limit {
            return None;
        }
        *count += 1;
        Some(Held {
            clients: self.clone(),
            client,
        })
    }
}

/// A connection counted against its client; given back when dropped.
struct Held {
    clients: Clients,
    client: IpAddr,
}

impl Drop for Held {
    fn drop(&mut self) {
        let mut held = self.clients.counts();
        if let Some(count) = held.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                held.remove(&self.client);
            }
        }
    }
}

#[cfg(test)]
#[path = "serve_tests.rs"]
mod tests;
