//! One validator: it produces blocks at once, finalizes a submitted transaction, and after a
//! stop and restart resumes from its last decided height with a valid commit certificate.

use std::time::Duration;

use hengxin_chain_spec::demo;
use hengxin_node::node::start;

use crate::common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n1_finalizes_a_transaction_and_resumes_after_restart() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, set) = single_validator();
    let settings = settings("n1", dir.path(), key, set.clone(), now_ms() - 1_000);
    let node = start(settings.clone()).await.unwrap();
    wait_until("three blocks", Duration::from_secs(60), || head(&node) >= 3).await;

    let hash = node
        .submit(anchor_tx(&node, &demo::test_key("lab-cq"), "N1-0001"))
        .unwrap();
    wait_until(
        "the transaction to be finalized",
        Duration::from_secs(60),
        || node.store.transaction(&hash).unwrap().is_some(),
    )
    .await;
    assert_eq!(
        node.store.transaction(&hash).unwrap().unwrap().result,
        Ok(())
    );
    // The pool is pruned just after the block's outcomes are stored.
    wait_until(
        "the finalized transaction to leave the pool",
        Duration::from_secs(10),
        || node.mempool.is_empty(),
    )
    .await;
    let (status, body) = http_get(&node, &format!("/v1/transactions/{}", hash.to_hex())).await;
    assert!(status.contains("200"), "{status}");
    assert!(body.contains("\"finalized\""), "{body}");
    let (status, body) = http_get(&node, "/v1/health").await;
    assert!(
        status.contains("200") && body.contains(&node.genesis.hash().to_hex()),
        "{status} {body}"
    );
    // A 20 MB upload that waits for `100 Continue` (curl's default) is refused at once.
    let oversize = "POST /v1/transactions HTTP/1.1\r\nHost: localhost\r\n\
        Content-Type: application/octet-stream\r\nContent-Length: 20000000\r\n\
        Expect: 100-continue\r\nConnection: close\r\n\r\n";
    let (status, body) = tokio::time::timeout(Duration::from_secs(10), http_raw(&node, oversize))
        .await
        .expect("the node answers without waiting for the body");
    assert!(
        status.contains("413"),
        "the first answer is the 413, not 100: {status}"
    );
    assert!(body.contains("body_too_large"), "{body}");

    let stopped_at = head(&node);
    node.stop().await;
    let node = start(settings).await.unwrap();
    assert!(head(&node) >= stopped_at, "nothing decided is lost");
    wait_until("blocks after the restart", Duration::from_secs(60), || {
        head(&node) >= stopped_at + 3
    })
    .await;
    let head_header = node.store.head().unwrap().unwrap();
    let commit = node.store.commit(head_header.height).unwrap().unwrap();
    commit
        .verify(&node.genesis.hash(), &head_header, &set)
        .unwrap();
    node.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_port_in_use_fails_the_start_cleanly() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, set) = single_validator();
    let mut settings = settings("n1-port", dir.path(), key, set, now_ms() - 1_000);
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    settings.http = Some(taken.local_addr().unwrap());
    let error = start(settings.clone())
        .await
        .err()
        .expect("the port is taken");
    assert!(
        error.to_string().contains("cannot serve the HTTP API"),
        "{error}"
    );
    // Nothing was left running or locked: the same data directory starts on a free port.
    settings.http = Some("127.0.0.1:0".parse().unwrap());
    let node = start(settings).await.unwrap();
    wait_until("a block", Duration::from_secs(60), || head(&node) >= 1).await;
    node.stop().await;
}

/// A start that fails after the transaction gossip is running (the engine refuses its
/// network: here a `[byzantine]` section that is not Malachite's) stops the gossip and drops
/// the store before it reports: its port is free again, and the data directory starts.
#[cfg(feature = "byzantine")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_that_fails_after_the_gossip_runs_leaves_nothing_running() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, set) = single_validator();
    let mut settings = settings("n1-late", dir.path(), key, set, now_ms() - 1_000);
    let (host, ports) = hengxin_index::scratch::private_ports(1).unwrap();
    let port = ports[0];
    settings.gossip_listen = format!("/ip4/{host}/tcp/{port}").parse().unwrap();
    settings.byzantine =
        Some(toml::from_str("equivocate_votes = { mode = \"sometimes\" }").unwrap());
    let error = start(settings.clone())
        .await
        .err()
        .expect("the attack is not one Malachite knows");
    assert!(format!("{error:#}").contains("[byzantine]"), "{error:#}");
    // The gossip let its port go (within a moment: its task ends when told to stop).
    wait_until(
        "the gossip port to be free",
        Duration::from_secs(10),
        || std::net::TcpListener::bind((host, port)).is_ok(),
    )
    .await;
    settings.byzantine = None;
    let node = start(settings).await.unwrap();
    wait_until("a block", Duration::from_secs(60), || head(&node) >= 1).await;
    node.stop().await;
}

/// A consensus WAL cut inside its 12-byte header (what a crash or a bad copy leaves of a WAL
/// just reset for a new height) is refused with its path and the way out, where the engine
/// alone said only "Failed to read sequence number"; moved aside, the node starts and goes on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wal_cut_in_its_header_is_refused_naming_it_then_starts_without_it() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let (key, set) = single_validator();
    let settings = settings("n1-wal", dir.path(), key, set, now_ms() - 1_000);
    let node = start(settings.clone()).await.unwrap();
    wait_until("a block", Duration::from_secs(60), || head(&node) >= 1).await;
    node.stop().await;
    let wal = dir.path().join("wal/consensus.wal");
    let bytes = std::fs::read(&wal).unwrap();
    std::fs::write(&wal, &bytes[..8]).unwrap();
    let error = start(settings.clone())
        .await
        .err()
        .expect("a WAL cut in its header is refused");
    let message = format!("{error:#}");
    assert!(
        message.contains(&wal.display().to_string()) && message.contains("Move the file aside"),
        "{message}"
    );
    assert_eq!(
        std::fs::read(&wal).unwrap(),
        &bytes[..8],
        "the refusal changed the WAL"
    );
    std::fs::remove_file(&wal).unwrap();
    let node = start(settings).await.unwrap();
    let at = head(&node);
    wait_until("another block", Duration::from_secs(60), || {
        head(&node) > at
    })
    .await;
    node.stop().await;
}
