//! An idle chain: four validators with the default heartbeat (10 s) make one block a heartbeat,
//! never more, and a transaction submitted to the idle chain is finalized at once, without
//! waiting for the heartbeat.

use std::time::Duration;

use hengxin_tests::now_ms;

use crate::cluster::{Cluster, SERIAL, anchor, bytes};

/// The configs' default `[blocks] heartbeat_ms`.
const HEARTBEAT_MS: u64 = 10_000;
/// Room for the wall clock against the monotonic timer that wakes a validator.
const CLOCK_SLACK_MS: u64 = 50;

/// A block's timestamp and transaction count on node 0.
fn block(cluster: &Cluster, height: u64) -> (u64, u64) {
    let (status, body) = cluster.get(0, &format!("/v1/blocks/{height}")).unwrap();
    assert_eq!(status, 200, "block {height}: {body}");
    (
        body["timestamp_ms"].as_u64().unwrap(),
        body["tx_count"].as_u64().unwrap(),
    )
}

/// Checks that every block in `from..=to` is empty and made no sooner than a heartbeat after
/// its parent.
fn assert_heartbeats(cluster: &Cluster, from: u64, to: u64) {
    for height in from..=to {
        let ((parent, _), (at, txs)) = (block(cluster, height - 1), block(cluster, height));
        assert_eq!(txs, 0, "block {height} of an idle chain holds transactions");
        assert!(
            at - parent >= HEARTBEAT_MS - CLOCK_SLACK_MS,
            "block {height} came {} ms after its parent, before the heartbeat",
            at - parent
        );
    }
}

#[test]
fn an_idle_network_makes_a_block_a_heartbeat_and_a_transaction_at_once() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut cluster = Cluster::testnet_with(4, 0, &[]);
    cluster.start_all();
    // Height 1 starts with the engine; then one block a heartbeat.
    for i in 0..4 {
        cluster.wait_height(i, 3, Duration::from_secs(60));
    }
    assert_heartbeats(&cluster, 2, 3);

    // Submitted just after a block (the next heartbeat is seconds away), the transaction's
    // block comes before that heartbeat.
    let genesis = cluster.genesis_hash();
    let lab = cluster.key("lab-cq");
    let mut head = cluster.height(0).unwrap();
    let tx = anchor(genesis, &lab, 0, "CQJL-IDLE-1");
    let submitted_after = loop {
        cluster.wait_height(0, head + 1, Duration::from_secs(30));
        head = cluster.height(0).unwrap();
        let (at, _) = block(&cluster, head);
        if now_ms() < at + HEARTBEAT_MS / 2 {
            let (status, body) = cluster.post_tx(1, &bytes(&tx)).unwrap();
            assert_eq!(status, 202, "{body}");
            break head;
        }
    };
    let included = cluster.wait_finalized(&[0], &tx.hash(), Duration::from_secs(30));
    assert_heartbeats(&cluster, submitted_after + 1, included - 1);
    let ((parent, _), (at, txs)) = (block(&cluster, included - 1), block(&cluster, included));
    assert_eq!(txs, 1);
    assert!(
        at - parent < HEARTBEAT_MS,
        "the transaction waited for the heartbeat ({} ms after the block before)",
        at - parent
    );

    // Then idle again: the next block is a heartbeat's.
    for i in 0..4 {
        cluster.wait_height(i, included + 1, Duration::from_secs(30));
    }
    assert_heartbeats(&cluster, included + 1, included + 1);
    cluster.assert_agreement(&[0, 1, 2, 3]);
}
