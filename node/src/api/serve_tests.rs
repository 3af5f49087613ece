//! The server's limits, over real loopback connections.

use std::time::Duration;

use axum::body::Bytes;
use axum::routing::{get, post};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

/// Long enough for a slow test machine to see any answer.
const PATIENCE: Duration = Duration::from_secs(10);

fn limits() -> ConnectionLimits {
    ConnectionLimits {
        connections_max: 16,
        connections_per_client: 16,
        header_timeout: Duration::from_secs(60),
        request_timeout: Duration::from_secs(60),
        connection_lifetime: Duration::from_secs(600),
    }
}

/// A server of `GET /` (`ok`) and `POST /echo` within `limits`; its address.
async fn start(limits: ConnectionLimits, proxies: &[&str]) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let router = Router::new()
        .route("/", get(|| async { "ok" }))
        .route("/echo", post(|body: Bytes| async move { body }));
    let proxies: Vec<String> = proxies.iter().map(|p| p.to_string()).collect();
    let proxies = TrustedProxies::parse(&proxies).unwrap();
    tokio::spawn(serve(listener, router, limits, proxies));
    address
}

const GET: &[u8] = b"GET / HTTP/1.1\r\nhost: node\r\n\r\n";

/// What the server sends until it closes the connection; `None` if it is still open after
/// `within`.
async fn until_closed(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut bytes = Vec::new();
    match tokio::time::timeout(within, stream.read_to_end(&mut bytes)).await {
        Ok(_) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Err(_) => None,
    }
}

/// One answer to `GET /` on a kept-alive connection (its body is the 2 bytes `ok`); `None` if
/// none came within `within`.
async fn answer(stream: &mut TcpStream, within: Duration) -> Option<String> {
    let mut bytes = Vec::new();
    let read = async {
        let mut buffer = [0u8; 1024];
        while !bytes.ends_with(b"\r\n\r\nok") {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => bytes.extend_from_slice(&buffer[..n]),
            }
        }
    };
    tokio::time::timeout(within, read).await.ok()?;
    Some(String::from_utf8_lossy(&bytes).into_owned())
}

/// A connection to `address` that was answered `GET /` with a 200 and is kept alive.
async fn served(address: SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream.write_all(GET).await.unwrap();
    let answer = answer(&mut stream, PATIENCE).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    stream
}

#[tokio::test]
async fn an_idle_connection_and_a_dripped_head_are_closed_after_the_header_timeout() {
    let address = start(
        ConnectionLimits {
            header_timeout: Duration::from_millis(300),
            ..limits()
        },
        &[],
    )
    .await;

    // Kept alive after an answer, then silent.
    let mut idle = TcpStream::connect(address).await.unwrap();
    idle.write_all(GET).await.unwrap();
    let first = answer(&mut idle, PATIENCE).await.unwrap();
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    assert_eq!(until_closed(&mut idle, PATIENCE).await.as_deref(), Some(""));

    // A head sent a byte at a time, never finished: the drip does not reset the clock.
    let (mut read, mut write) = TcpStream::connect(address).await.unwrap().into_split();
    let drip = tokio::spawn(async move {
        let mut next: &[u8] = b"GET / HTTP/1.1\r\n";
        while write.write_all(next).await.is_ok() {
            next = b"x";
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    });
    let mut rest = Vec::new();
    let closed = tokio::time::timeout(PATIENCE, read.read_to_end(&mut rest)).await;
    assert!(closed.is_ok(), "a dripped head kept its connection");
    drip.abort();
}

#[tokio::test]
async fn a_body_that_does_not_arrive_in_time_is_answered_408() {
    let address = start(
        ConnectionLimits {
            request_timeout: Duration::from_millis(300),
            ..limits()
        },
        &[],
    )
    .await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: node\r\ncontent-length: 100\r\n\r\n0123456789")
        .await
        .unwrap();
    let answer = until_closed(&mut stream, PATIENCE).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(answer.contains(r#""code":"request_timeout""#), "{answer}");

    // A body that comes whole is answered.
    let mut stream = TcpStream::connect(address).await.unwrap();
    stream
        .write_all(b"POST /echo HTTP/1.1\r\nhost: node\r\ncontent-length: 5\r\nconnection: close\r\n\r\nhello")
        .await
        .unwrap();
    let answer = until_closed(&mut stream, PATIENCE).await.unwrap();
    assert!(
        answer.starts_with("HTTP/1.1 200") && answer.ends_with("hello"),
        "{answer}"
    );
}

#[tokio::test]
async fn one_address_holds_at_most_its_share_of_connections() {
    let limits = ConnectionLimits {
        connections_per_client: 2,
        ..limits()
    };
    let address = start(limits, &[]).await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(served(address).await);
    }
    // Refused whether or not its request was sent.
    let mut third = TcpStream::connect(address).await.unwrap();
    let refused = until_closed(&mut third, PATIENCE).await.unwrap();
    let mut fourth = TcpStream::connect(address).await.unwrap();
    fourth.write_all(GET).await.unwrap();
    assert_eq!(until_closed(&mut fourth, PATIENCE).await.unwrap(), refused);
    assert!(refused.starts_with("HTTP/1.1 429"), "{refused}");
    assert!(
        refused.contains(r#""code":"rate_limited""#) && refused.contains("more than 2 connections"),
        "{refused}"
    );

    // One closed, another is served (once the server has seen the close).
    drop(held.pop());
    let another = async {
        loop {
            let mut stream = TcpStream::connect(address).await.unwrap();
            stream.write_all(GET).await.unwrap();
            if let Some(answer) = answer(&mut stream, PATIENCE).await
                && answer.starts_with("HTTP/1.1 200")
            {
                return stream;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(PATIENCE, another).await.unwrap();

    // A trusted proxy carries many clients: its connections are not counted.
    let address = start(limits, &["127.0.0.1"]).await;
    let mut through_proxy = Vec::new();
    for _ in 0..3 {
        through_proxy.push(served(address).await);
    }
}

#[tokio::test]
async fn past_the_connection_cap_a_client_waits_until_one_closes() {
    let address = start(
        ConnectionLimits {
            connections_max: 2,
            ..limits()
        },
        &[],
    )
    .await;
    let mut held = Vec::new();
    for _ in 0..2 {
        held.push(served(address).await);
    }
    // The kernel takes the third connection; the server does not serve it yet.
    let mut third = TcpStream::connect(address).await.unwrap();
    third.write_all(GET).await.unwrap();
    assert_eq!(answer(&mut third, Duration::from_millis(500)).await, None);
    drop(held.pop());
    let served = answer(&mut third, PATIENCE).await.unwrap();
    assert!(served.starts_with("HTTP/1.1 200"), "{served}");
}

#[tokio::test]
async fn a_connection_is_closed_at_the_end_of_its_life() {
    let address = start(
        ConnectionLimits {
            connection_lifetime: Duration::from_millis(300),
            ..limits()
        },
        &[],
    )
    .await;
    let mut stream = TcpStream::connect(address).await.unwrap();
    let busy = async {
        // A client that keeps asking; each answer comes whole until the server closes.
        let mut answers = 0;
        loop {
            if stream.write_all(GET).await.is_err() {
                return answers;
            }
            match answer(&mut stream, PATIENCE).await {
                Some(a) if a.starts_with("HTTP/1.1 200") => answers += 1,
                _ => return answers,
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    let answers = tokio::time::timeout(PATIENCE, busy).await.unwrap();
    assert!(answers > 0);
    assert_eq!(
        until_closed(&mut stream, PATIENCE).await.as_deref(),
        Some("")
    );
}
