//! Clock skew: one validator of four runs with its wall clock 10 s ahead or behind (libfaketime,
//! monotonic time left alone so its timers run true). Blocks are stamped with their proposer's
//! clock; a validator refuses a block stamped more than the drift bound (2 s) ahead of its own,
//! and the runtime refuses one not after its parent. So a fast clock's proposals are refused
//! (its rounds pass to the next proposer); a slow clock refuses everyone's proposals (3 of 4
//! still decide, and it takes the decided blocks), and could stamp its own only its parent's
//! time + 1 ms. The chain's time neither runs ahead nor goes back.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::cluster::{Cluster, SERIAL, now_ms, wait_until};

/// The validators' drift bound (the node's `CLOCK_DRIFT_MS_MAX`).
const DRIFT_MS: u64 = 2_000;
/// Where Debian's faketime package puts the library.
const LIBFAKETIME: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";

/// A finalized block as first seen: its stamp, proposer, and our clock when we saw it.
struct Seen {
    height: u64,
    timestamp_ms: u64,
    proposer: String,
    seen_ms: u64,
}

/// Runs node 3 with its clock `offset` ("+10s", "-10s") and watches node 0 finalize 24 blocks
/// past the start; every block is checked against the wall clock as it appears. Idle blocks
/// come a heartbeat (500 ms) apart: at the tests' usual 100 ms a validator that refuses every
/// block (the slow clock) could stay a height or two behind, syncing each decided block after
/// the next proposal had come, so that it never judged one.
fn run_with_skewed_validator(offset: &str) -> (Cluster, Vec<Seen>, String) {
    assert!(
        std::path::Path::new(LIBFAKETIME).exists(),
        "{LIBFAKETIME} is missing: install Debian's faketime package (apt-get install faketime)"
    );
    let mut net = Cluster::testnet_with(4, 0, &["--heartbeat-ms", "500"]);
    for i in 0..3 {
        net.start(i);
    }
    net.start_with(
        3,
        &[
            ("LD_PRELOAD", LIBFAKETIME),
            ("FAKETIME", offset),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ],
    );
    let skewed = net.node_key(3).public().to_hex();
    net.wait_height(0, 2, Duration::from_secs(120));
    let from = net.height(0).unwrap();
    let mut seen: Vec<Seen> = Vec::new();
    let start = Instant::now();
    let mut next = from;
    while next <= from + 24 {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "the network stalled at height {next} with node 3's clock {offset}; node 0's log:\n{}",
            net.log_tail(0)
        );
        match net.get(0, &format!("/v1/blocks/{next}")) {
            Some((200, block)) => {
                seen.push(seen_block(&block));
                next += 1;
            }
            _ => std::thread::sleep(Duration::from_millis(20)),
        }
    }
    (net, seen, skewed)
}

fn seen_block(block: &Value) -> Seen {
    Seen {
        height: block["height"].as_u64().unwrap(),
        timestamp_ms: block["timestamp_ms"].as_u64().unwrap(),
        proposer: block["proposer"].as_str().unwrap().to_string(),
        seen_ms: now_ms(),
    }
}

/// What holds whatever the skew: no block stamped past the drift bound of the honest clocks,
/// time strictly increasing, every node on the same blocks.
fn assert_time_holds(net: &Cluster, seen: &[Seen]) {
    for pair in seen.windows(2) {
        assert!(
            pair[1].timestamp_ms > pair[0].timestamp_ms,
            "time went back at height {}",
            pair[1].height
        );
    }
    for block in seen {
        assert!(
            block.timestamp_ms <= block.seen_ms + DRIFT_MS,
            "height {} is stamped {} ms ahead of the honest clocks",
            block.height,
            block.timestamp_ms - block.seen_ms
        );
    }
    net.assert_agreement(&[0, 1, 2, 3]);
}

#[test]
fn a_validator_whose_clock_runs_ahead_gets_no_block_in_and_the_chain_goes_on() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (net, seen, skewed) = run_with_skewed_validator("+10s");
    assert_time_holds(&net, &seen);
    assert!(
        seen.iter().all(|b| b.proposer != skewed),
        "a block of the validator 10 s ahead was finalized"
    );
    let refused = (0..3).any(|i| net.log(i).contains("ahead of this node's clock"));
    assert!(
        refused,
        "no validator said it refused the fast clock's block"
    );
}

#[test]
fn a_validator_whose_clock_runs_behind_cannot_turn_time_back_and_follows_the_chain() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (net, seen, skewed) = run_with_skewed_validator("-10s");
    assert_time_holds(&net, &seen);
    // To the slow clock every honest block is 10 s ahead: it refuses them (it votes nil), and
    // takes each by sync once the others decided it. Syncing, it is often a height behind when
    // the next proposal comes, and judges only some (at any heartbeat: one in 12 here, at 500
    // ms; the CI run of 0d39365 saw none in 24 at 100 ms): wait, bounded, for one.
    wait_until(
        "the slow validator to refuse a block of its future (ahead of this node's clock)",
        Duration::from_secs(90),
        || net.log(3).contains("ahead of this node's clock"),
    );
    // Were it to get one of its own in, it could stamp it only its parent's time + 1 ms.
    for pair in seen.windows(2).filter(|p| p[1].proposer == skewed) {
        assert_eq!(
            pair[1].timestamp_ms,
            pair[0].timestamp_ms + 1,
            "height {}: the slow validator's block is not stamped its parent's time + 1 ms",
            pair[1].height
        );
    }
}
