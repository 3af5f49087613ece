//! Faults on a 4-validator network of real node processes: a validator's consensus WAL
//! truncated or corrupted while it is down. The node must refuse to start with a message
//! naming the WAL, or recover and catch up; either way the others keep finalizing and every
//! node that runs ends on the same block hashes.

use std::time::{Duration, Instant};

use crate::cluster::{Cluster, SERIAL};

/// How a WAL is damaged.
#[derive(Debug, Clone, Copy)]
enum Damage {
    /// Cut at this fraction of its length (per mille).
    Truncate(usize),
    /// Sixteen bytes inverted at this fraction of its length (per mille).
    Corrupt(usize),
}

fn damage(path: &std::path::Path, how: Damage) {
    let mut bytes = std::fs::read(path).unwrap();
    assert!(!bytes.is_empty(), "the validator wrote a WAL");
    match how {
        Damage::Truncate(per_mille) => bytes.truncate(bytes.len() * per_mille / 1000),
        Damage::Corrupt(per_mille) => {
            let at = bytes.len() * per_mille / 1000;
            let end = (at + 16).min(bytes.len());
            for b in &mut bytes[at..end] {
                *b = !*b;
            }
        }
    }
    std::fs::write(path, bytes).unwrap();
}

#[test]
fn a_damaged_wal_is_refused_or_recovered_from_and_nothing_forks() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut net = Cluster::testnet(4);
    net.start_all();
    net.wait_height(0, 3, Duration::from_secs(120));
    let wal = net.nodes[3].dir.join("data/wal/consensus.wal");
    for how in [
        Damage::Corrupt(500),
        Damage::Truncate(700),
        Damage::Corrupt(37),
    ] {
        net.kill(3);
        damage(&wal, how);
        let before = net.height(0).unwrap();
        net.start(3);
        // The others go on; the damaged one catches up, or stops saying why.
        let start = Instant::now();
        let outcome = loop {
            if let Some(status) = net.exited(3) {
                let log = net.log_tail(3);
                assert!(
                    !status.success() && log.to_lowercase().contains("wal"),
                    "{how:?}: node 3 exited ({status}) without naming the WAL:\n{log}"
                );
                break "refused";
            }
            let (theirs, ours) = (net.height(0), net.height(3));
            if theirs.is_some_and(|h| h >= before + 3) && ours >= theirs.map(|h| h - 1) {
                break "recovered";
            }
            assert!(
                start.elapsed() < Duration::from_secs(90),
                "{how:?}: after 90 s node 0 is at {theirs:?} (was {before}), node 3 at {ours:?}:\n{}",
                net.log_tail(3)
            );
            std::thread::sleep(Duration::from_millis(100));
        };
        eprintln!("{how:?}: {outcome}");
        if outcome == "refused" {
            // Restored from nothing, it syncs again.
            std::fs::remove_file(&wal).unwrap();
            net.start(3);
        }
    }
    let top = net.height(0).unwrap();
    net.wait_height(3, top, Duration::from_secs(60));
    for height in 1..=top {
        let hashes: Vec<_> = (0..4).map(|i| net.block_hash(i, height)).collect();
        assert!(
            hashes.iter().all(|h| h.is_some() && *h == hashes[0]),
            "height {height}: {hashes:?}"
        );
    }
}
