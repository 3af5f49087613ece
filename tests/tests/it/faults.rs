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
            // Its WAL moved aside, it syncs again (and writes a new WAL, damaged next).
            std::fs::remove_file(&wal).unwrap();
            net.start(3);
            let top = net.height(0).unwrap();
            net.wait_height(3, top, Duration::from_secs(60));
        }
    }
    let top = net.height(0).unwrap();
    net.wait_height(3, top, Duration::from_secs(60));
    net.assert_agreement(&[0, 1, 2, 3]);
}

/// A small tmpfs mounted on a directory, unmounted when dropped.
struct Tmpfs(std::path::PathBuf);

impl Tmpfs {
    fn mount(dir: &std::path::Path, megabytes: u32) -> Option<Tmpfs> {
        std::fs::create_dir_all(dir).unwrap();
        let mounted = std::process::Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={megabytes}m"), "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        mounted.then(|| Tmpfs(dir.to_path_buf()))
    }

    /// Writes a file until the filesystem is full.
    fn fill(&self) -> std::path::PathBuf {
        use std::io::Write;
        let path = self.0.join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let block = vec![0u8; 1 << 20];
        while file.write_all(&block).is_ok() {}
        while file.write_all(&block[..4096]).is_ok() {}
        path
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = std::process::Command::new("umount").arg(&self.0).status();
    }
}

#[test]
fn a_validator_whose_disk_fills_stops_then_catches_up_once_it_is_freed() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut net = Cluster::testnet(4);
    let Some(disk) = Tmpfs::mount(&net.nodes[3].dir.join("data"), 64) else {
        assert!(
            std::env::var_os("HENGXIN_REQUIRE_NETNS").is_none(),
            "mounting a tmpfs needs root, which CI has"
        );
        eprintln!("skipped: mounting a tmpfs needs root");
        return;
    };
    net.start_all();
    net.wait_height(3, 3, Duration::from_secs(120));
    let filler = disk.fill();
    // It stops, saying why, rather than go on voting on blocks it could not store.
    let start = Instant::now();
    let status = loop {
        if let Some(status) = net.exited(3) {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "node 3 still runs 60 s after its disk filled:\n{}",
            net.log_tail(3)
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = net.log_tail(3);
    assert!(!status.success(), "{status}");
    assert!(
        log.contains("No space left") && log.contains("did not persist"),
        "the log says what failed and why it stopped:\n{log}"
    );
    // The others go on without it (three of four votes).
    let at = net.height(0).unwrap();
    net.wait_height(0, at + 5, Duration::from_secs(60));
    std::fs::remove_file(filler).unwrap();
    net.start(3);
    let top = net.height(0).unwrap();
    net.wait_height(3, top, Duration::from_secs(60));
    net.assert_agreement(&[0, 1, 2, 3]);
    net.kill(3);
}

#[test]
fn a_flood_from_one_key_does_not_keep_other_labs_out() {
    use crate::cluster::{anchor, bytes};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut net = Cluster::testnet(4);
    // A small pool, so that the flood is ten times it.
    let (pool, per_account) = (1_000, 500);
    for node in &net.nodes {
        let text = std::fs::read_to_string(&node.config).unwrap();
        let text = text
            .replace("txs_max = 20000", &format!("txs_max = {pool}"))
            .replace(
                "per_account_max = 5000",
                &format!("per_account_max = {per_account}"),
            );
        std::fs::write(&node.config, text).unwrap();
    }
    net.start_all();
    net.wait_height(0, 2, Duration::from_secs(120));
    let genesis = net.genesis_hash();
    let (flooder, lab) = (net.key("lab-cq"), net.key("lab-sc"));
    // Nonces past a gap: none can be included, so they would sit in the pool for good if the
    // pool let one key fill it.
    let flood: Vec<Vec<u8>> = (1..=10 * pool as u64)
        .map(|nonce| bytes(&anchor(genesis, &flooder, nonce, &format!("FLOOD-{nonce}"))))
        .collect();
    let others: Vec<_> = (0..20u64)
        .map(|nonce| anchor(genesis, &lab, nonce, &format!("SCJL-OTHER-{nonce}")))
        .collect();

    let sent = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let (net, sent) = (&net, &sent);
        let flooding = scope.spawn(move || {
            let mut answers = std::collections::BTreeMap::<u16, usize>::new();
            for tx in &flood {
                let status = net.post_tx(0, tx).map_or(0, |(s, _)| s);
                *answers.entry(status).or_default() += 1;
                sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            answers
        });
        // Once the flooding key holds its share of the pool, and while it goes on:
        while sent.load(std::sync::atomic::Ordering::Relaxed) < 2 * per_account {
            std::thread::sleep(Duration::from_millis(5));
        }
        let start = Instant::now();
        let mut waiting = Vec::new();
        for tx in &others {
            let (status, body) = net.post_tx(1, &bytes(tx)).unwrap();
            assert_eq!(status, 202, "another lab's transaction is admitted: {body}");
            waiting.push((tx.hash(), start.elapsed()));
        }
        let mut slowest = Duration::ZERO;
        while !waiting.is_empty() {
            assert!(
                start.elapsed() < Duration::from_secs(120),
                "another lab's transactions wait in the flood: {} left",
                waiting.len()
            );
            waiting.retain(|(hash, at)| {
                let done = net
                    .tx_status(1, hash)
                    .is_some_and(|(status, _)| status == "finalized");
                if done {
                    slowest = slowest.max(start.elapsed() - *at);
                }
                !done
            });
            std::thread::sleep(Duration::from_millis(10));
        }
        let answers = flooding.join().unwrap();
        eprintln!(
            "flood of {} from one key (answers by status {answers:?}): the other lab's 20 \
             transactions finalized, the slowest {slowest:?} after it was submitted",
            10 * pool
        );
        assert!(
            answers.get(&429).is_some_and(|&n| n > 0),
            "the flooding key is held to its share of the pool: {answers:?}"
        );
    });
}

#[test]
fn a_validator_killed_under_load_catches_up_faster_than_the_chain_grows() {
    use crate::cluster::{anchor, bytes};
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut net = Cluster::testnet(4);
    net.start_all();
    net.wait_height(3, 2, Duration::from_secs(120));
    let (genesis, lab) = (net.genesis_hash(), net.key("lab-cq"));
    let submit_to = format!("{}/v1/transactions", net.nodes[0].url);
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Steady load throughout: a lab anchoring certificates one after another.
    let load = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            let agent = hengxin_tests::agent();
            let mut nonce = 0;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                let tx = bytes(&anchor(genesis, &lab, nonce, &format!("LOAD-{nonce}")));
                let sent = agent
                    .post(&submit_to)
                    .header("content-type", "application/octet-stream")
                    .send(&tx[..]);
                if sent.is_ok_and(|r| r.status() == 202) {
                    nonce += 1;
                }
                std::thread::sleep(Duration::from_millis(2));
            }
            nonce
        })
    };
    let left_at = net.height(3).unwrap();
    net.kill(3);
    let start = Instant::now();
    let from = net.height(0).unwrap();
    // Long enough to measure, short enough for CI (the loaded chain grows a few blocks a second).
    let grown = 150;
    net.wait_height(0, from + grown, Duration::from_secs(120));
    let production = grown as f64 / start.elapsed().as_secs_f64();
    let target = net.height(0).unwrap();
    let restart = Instant::now();
    net.start(3);
    net.wait_height(3, target, Duration::from_secs(120));
    let catch_up = (target - left_at) as f64 / restart.elapsed().as_secs_f64();
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let anchored = load.join().unwrap();
    assert!(anchored > 0, "the load ran");
    eprintln!(
        "under load ({anchored} anchors): the chain grew {production:.0} blocks/s without node 3; \
         restarted, node 3 caught up {} heights at {catch_up:.0} blocks/s (process start \
         included), {:.1}x the production rate",
        target - left_at,
        catch_up / production
    );
    for height in (left_at..=target).step_by(37) {
        assert_eq!(
            net.block_hash(3, height),
            net.block_hash(0, height),
            "height {height}"
        );
    }
}

#[test]
fn a_validator_that_double_signs_is_logged_and_outvoted_without_a_fork() {
    use hengxin_primitives::bundle::ProofBundle;
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut net = Cluster::testnet(4);
    // Node 3 runs the node's test-only byzantine mode (Malachite's network proxy): with each
    // vote for a block it also signs and sends a conflicting one, for nil.
    let config = std::fs::read_to_string(&net.nodes[3].config).unwrap();
    let byzantine = format!("{config}\n[byzantine]\nequivocate_votes = {{ mode = \"always\" }}\n");
    std::fs::write(&net.nodes[3].config, byzantine).unwrap();
    net.start_all();
    net.wait_height(0, 3, Duration::from_secs(120));
    let from = net.height(0).unwrap();
    // The honest three finalize on, and say what they saw.
    let byzantine = net.node_key(3).public().to_hex();
    let logged = |net: &Cluster| {
        (0..3).any(|i| {
            net.log(i)
                .lines()
                .any(|line| line.contains("equivocation evidence") && line.contains(&byzantine))
        })
    };
    let start = Instant::now();
    while !logged(&net) {
        assert!(
            start.elapsed() < Duration::from_secs(90),
            "no equivocation logged in 90 s (from height {from} to {:?}); node 0's log ends:\n{}\n\
             the byzantine node's:\n{}",
            net.height(0),
            net.log_tail(0),
            net.log_tail(3)
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    net.wait_height(0, from + 20, Duration::from_secs(120));
    net.assert_agreement(&[0, 1, 2]);
    // A commit never counts one validator twice.
    for i in 0..3 {
        let (_, body) = net
            .get(
                i,
                &format!(
                    "/v1/certificates/CQJL/{}/proof?trace=false",
                    hengxin_chain_spec::demo::CERT_VALID
                ),
            )
            .unwrap();
        let bytes = serde_json::from_value::<hengxin_api_types::BundleBody>(body)
            .unwrap()
            .bytes()
            .unwrap();
        let bundle = ProofBundle::decode_untrusted(&bytes).unwrap();
        let mut signers: Vec<_> = bundle
            .commit
            .signatures
            .iter()
            .map(|s| s.validator)
            .collect();
        let count = signers.len();
        signers.sort();
        signers.dedup();
        assert_eq!(
            signers.len(),
            count,
            "node {i}'s commit counts a validator twice"
        );
    }
}
