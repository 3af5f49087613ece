//! Four validators as separate processes on loopback: agreement, hostile input, a stopped and
//! restarted validator, `kill -9` under load, a stranger, and the node's refusals at start.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use hengxin_chain_spec::demo;
use hengxin_primitives::files::key_file;
use hengxin_primitives::{Hash, Keypair, TxPayload};
use parity_scale_codec::Encode;

use crate::cluster::{Cluster, HTTP_OFFSET, SERIAL, anchor, bytes, node_bin, wait_until};

const START: Duration = Duration::from_secs(60);
const FINALIZE: Duration = Duration::from_secs(30);

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

#[test]
fn four_validators_agree_refuse_bad_transactions_and_survive_a_stop() {
    let _serial = serial();
    let mut cluster = Cluster::testnet(4);
    cluster.start_all();
    for i in 0..4 {
        cluster.wait_height(i, 2, START);
    }
    let genesis = cluster.genesis_hash();
    let lab_cq = cluster.key("lab-cq");
    let lab_sc = cluster.key("lab-sc");

    // Submissions to different nodes are finalized, and every node sees them.
    let mut hashes = Vec::new();
    for (i, (lab, code)) in [
        (&lab_cq, "CQJL"),
        (&lab_sc, "SCJL"),
        (&lab_cq, "CQJL"),
        (&lab_sc, "SCJL"),
    ]
    .into_iter()
    .enumerate()
    {
        let nonce = u64::try_from(i / 2).unwrap();
        let tx = anchor(genesis, lab, nonce, &format!("{code}-NET-{i}"));
        let (status, body) = cluster.post_tx(i, &bytes(&tx)).unwrap();
        assert_eq!(status, 202, "node {i}: {body}");
        hashes.push(tx.hash());
    }
    for hash in &hashes {
        cluster.wait_finalized(&[0, 1, 2, 3], hash, FINALIZE);
    }
    let (status, body) = cluster.get(3, "/v1/certificates/CQJL/CQJL-NET-0").unwrap();
    assert_eq!((status, body["status"].as_str()), (200, Some("valid")));
    cluster.assert_agreement(&[0, 1, 2, 3]);

    // Hostile input: each refused with its code, nothing stored, the nonce untouched.
    let nonce = cluster.nonce(0, &lab_cq).unwrap();
    let good = anchor(genesis, &lab_cq, nonce, "CQJL-NET-HOSTILE");
    let mut forged = good.clone();
    forged.payload.call = demo::sample_anchor(
        demo::test_scheme(),
        "CQJL-NET-FORGED".parse().unwrap(),
        hengxin_primitives::Date::parse("2024-10-04").unwrap(),
    );
    let other_chain = TxPayload {
        genesis_hash: Hash([7; 32]),
        ..good.payload.clone()
    }
    .sign(&lab_cq);
    let replayed = anchor(genesis, &lab_cq, 0, "CQJL-NET-0");
    let oversize = vec![0u8; 70_000];
    let cases: [(&str, Vec<u8>, u16, &str); 5] = [
        (
            "malformed",
            b"\x01\x02 definitely not SCALE".to_vec(),
            400,
            "undecodable_transaction",
        ),
        ("oversize", oversize, 413, "body_too_large"),
        ("wrongly signed", forged.encode(), 400, "bad_signature"),
        ("replayed", replayed.encode(), 400, "stale_nonce"),
        ("wrong chain", other_chain.encode(), 400, "wrong_chain"),
    ];
    for (i, (what, body, status, code)) in cases.iter().enumerate() {
        let (got, answer) = cluster.post_tx(i % 4, body).unwrap();
        assert_eq!(
            (got, answer["error"]["code"].as_str()),
            (*status, Some(*code)),
            "{what}: {answer}"
        );
    }
    let later = cluster.height(0).unwrap() + 3;
    cluster.wait_height(0, later, FINALIZE);
    assert_eq!(
        cluster.nonce(0, &lab_cq),
        Some(nonce),
        "no refused transaction used the nonce"
    );
    for tx in [&forged, &other_chain] {
        assert_eq!(
            cluster.tx_status(1, &tx.hash()).map(|s| s.0),
            Some("transaction_not_found".into())
        );
    }
    let (status, _) = cluster
        .get(2, "/v1/certificates/CQJL/CQJL-NET-FORGED")
        .unwrap();
    assert_eq!(status, 404);

    // One validator stops (gracefully): the other three keep finalizing.
    assert!(cluster.terminate(3).success(), "SIGTERM is a clean stop");
    let stopped_at = cluster.height(0).unwrap();
    let tx = anchor(genesis, &lab_cq, nonce, "CQJL-NET-THREE");
    assert_eq!(cluster.post_tx(1, &bytes(&tx)).unwrap().0, 202);
    let landed = cluster.wait_finalized(&[0, 1, 2], &tx.hash(), FINALIZE);
    cluster.wait_height(0, stopped_at + 5, FINALIZE);
    assert!(landed > stopped_at);

    // It restarts and catches up, transaction included.
    cluster.start(3);
    let target = cluster.height(0).unwrap();
    cluster.wait_height(3, target, START);
    cluster.wait_finalized(&[3], &tx.hash(), FINALIZE);
    cluster.assert_agreement(&[0, 1, 2, 3]);
}

/// Submits anchors of `lab` with consecutive nonces to `targets` in turn until `stop`,
/// retrying on the next target when one does not answer. Returns the hashes by nonce.
fn load(
    cluster: Arc<Mutex<Cluster>>,
    genesis: Hash,
    lab: Keypair,
    targets: Vec<usize>,
    stop: Arc<AtomicBool>,
) -> std::thread::JoinHandle<Vec<Hash>> {
    std::thread::spawn(move || {
        let mut hashes = Vec::new();
        let mut nonce = 0u64;
        let mut turn = 0;
        while !stop.load(Ordering::Relaxed) {
            let tx = anchor(genesis, &lab, nonce, &format!("LOAD-{nonce:06}"));
            let target = targets[turn % targets.len()];
            turn += 1;
            let answer = cluster.lock().unwrap().post_tx(target, &bytes(&tx));
            match answer {
                Some((202, _)) => {
                    hashes.push(tx.hash());
                    nonce += 1;
                }
                // The pool is full or the node is down: try again, elsewhere.
                _ => std::thread::sleep(Duration::from_millis(20)),
            }
            std::thread::sleep(Duration::from_millis(4));
        }
        hashes
    })
}

/// Heights of the load's transactions that node `i` reports finalized, by nonce.
fn finalized_heights(
    cluster: &Cluster,
    i: usize,
    hashes: &[Hash],
    lab: &Keypair,
) -> BTreeMap<usize, u64> {
    let finalized = usize::try_from(cluster.nonce(i, lab).unwrap()).unwrap();
    hashes[..finalized.min(hashes.len())]
        .iter()
        .enumerate()
        .map(|(nonce, hash)| {
            let (status, height) = cluster.tx_status(i, hash).unwrap();
            assert_eq!(
                status, "finalized",
                "nonce {nonce} is below the account nonce"
            );
            (nonce, height.unwrap())
        })
        .collect()
}

#[test]
fn kill_9_under_load_loses_nothing_finalized() {
    let _serial = serial();
    let mut cluster = Cluster::testnet(4);
    cluster.start_all();
    for i in 0..4 {
        cluster.wait_height(i, 2, START);
    }
    let genesis = cluster.genesis_hash();
    let lab = cluster.key("lab-cq");
    let cluster = Arc::new(Mutex::new(cluster));
    let stop = Arc::new(AtomicBool::new(false));
    // The load goes to nodes 1–3; node 0 is the one killed first.
    let loader = load(
        cluster.clone(),
        genesis,
        lab.clone(),
        vec![1, 2, 3],
        stop.clone(),
    );
    let nonce = |i: usize| cluster.lock().unwrap().nonce(i, &lab).unwrap_or(0);

    wait_until("100 load transactions finalized", FINALIZE, || {
        nonce(1) >= 100
    });
    cluster.lock().unwrap().kill(0);
    let before = nonce(1);
    wait_until("the three to finalize 100 more", FINALIZE, || {
        nonce(1) >= before + 100
    });
    cluster.lock().unwrap().start(0);
    let target = cluster.lock().unwrap().height(1).unwrap();
    cluster.lock().unwrap().wait_height(0, target, START);

    // Now every node at once, still under load.
    wait_until("the load to go on", FINALIZE, || nonce(1) >= before + 200);
    {
        let mut c = cluster.lock().unwrap();
        for i in 0..4 {
            c.kill(i);
        }
    }
    stop.store(true, Ordering::Relaxed);
    let hashes = loader.join().unwrap();
    let mut cluster = Arc::into_inner(cluster).unwrap().into_inner().unwrap();
    // What node 1 had finalized when it died was read from its disk after the restart below;
    // what the load saw accepted is `hashes`. Restart and compare every node.
    cluster.start_all();
    for i in 0..4 {
        cluster.wait_height(i, 1, START);
    }
    let reference = finalized_heights(&cluster, 1, &hashes, &lab);
    assert!(
        reference.len() >= usize::try_from(before + 200).unwrap(),
        "node 1 lost finalized transactions: {} after the restart, {} seen before",
        reference.len(),
        before + 200
    );
    let top = reference.values().max().copied().unwrap();
    for i in 0..4 {
        cluster.wait_height(i, top, START);
        for (nonce, height) in &reference {
            let (status, h) = cluster.tx_status(i, &hashes[*nonce]).unwrap();
            assert_eq!(
                (status.as_str(), h),
                ("finalized", Some(*height)),
                "node {i}, load transaction {nonce}"
            );
        }
    }
    let low = cluster.height(0).unwrap();
    cluster.wait_height(0, low + 3, FINALIZE);
    cluster.assert_agreement(&[0, 1, 2, 3]);
}

#[test]
fn a_node_whose_key_is_not_in_the_consortium_is_not_heard() {
    let _serial = serial();
    let mut cluster = Cluster::testnet(4);
    // A stranger: the same genesis and peer list as node 0, its own key and ports.
    let node0 = std::fs::read_to_string(&cluster.nodes[0].config).unwrap();
    let base = cluster.base_port;
    let stranger = Keypair::from_secret(demo::test_scheme(), &[42; 32]).unwrap();
    let dir = cluster.nodes[0].dir.clone();
    std::fs::write(dir.join("stranger.key"), key_file(&stranger)).unwrap();
    let config = node0
        .replace("\"node.key\"", "\"stranger.key\"")
        .replace("\"data\"", "\"stranger-data\"")
        .replace(&format!("tcp/{base}\""), &format!("tcp/{}\"", base + 4))
        .replace(
            &format!("tcp/{}\"", base + 100),
            &format!("tcp/{}\"", base + 104),
        )
        .replace(
            &format!("127.0.0.1:{}", base + HTTP_OFFSET),
            &format!("127.0.0.1:{}", base + HTTP_OFFSET + 4),
        );
    assert_ne!(config, node0);
    std::fs::write(dir.join("stranger.toml"), &config).unwrap();
    cluster.nodes.push(crate::cluster::Node::new(
        dir.join("stranger.toml"),
        format!("http://127.0.0.1:{}", base + HTTP_OFFSET + 4),
    ));
    cluster.start_all();
    for i in 0..4 {
        cluster.wait_height(i, 2, START);
    }
    let start = cluster.height(0).unwrap();
    cluster.wait_height(0, start + 20, FINALIZE);
    // The stranger runs and answers, but no validator let it in: it learned nothing.
    assert_eq!(cluster.height(4), Some(0), "{}", cluster.log_tail(4));
    // It redials every second and each validator closes the connection on sight, so one
    // reading may catch a connection being closed; an accepted stranger would never read 0.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let alone = loop {
        let (_, health) = cluster.get(4, "/v1/health").unwrap();
        if health["peers"] == 0 || std::time::Instant::now() > deadline {
            break health["peers"] == 0;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(alone, "no gossip peer kept the stranger for 15 s");
    let (_, health) = cluster.get(0, "/v1/health").unwrap();
    assert_eq!(
        health["peers"], 3,
        "node 0's peers are the other validators"
    );
}

#[test]
fn the_node_refuses_bad_configs_other_chains_and_taken_ports() {
    let _serial = serial();
    let cluster = Cluster::testnet(1);
    let config = cluster.nodes[0].config.clone();
    // Each start must fail: one that runs instead is killed after a while, and fails the test.
    let run = |args: &[&std::ffi::OsStr]| {
        let log = cluster.root.path().join("refused.log");
        let mut child = std::process::Command::new(node_bin())
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + START;
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break Some(status);
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                break None;
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        let stderr = std::fs::read_to_string(&log).unwrap();
        let status = status.unwrap_or_else(|| panic!("the node ran instead of refusing: {stderr}"));
        (status, stderr)
    };
    let os = |s: &str| std::ffi::OsString::from(s);

    // A config with a typo in a key.
    let text = std::fs::read_to_string(&config).unwrap();
    let bad = cluster.nodes[0].dir.join("bad.toml");
    std::fs::write(&bad, text.replace("moniker", "monicker")).unwrap();
    let (status, stderr) = run(&[&os("--config"), bad.as_os_str()]);
    assert!(!status.success());
    assert!(
        stderr.contains("bad.toml") && stderr.contains("monicker"),
        "{stderr}"
    );

    // A data directory that holds another chain (a dev chain's).
    let dev = cluster.root.path().join("dev");
    let port = crate::cluster::free_base_port(&[0], 1).to_string();
    let mut child = std::process::Command::new(node_bin())
        .args([
            os("--dev"),
            os("--data-dir"),
            dev.clone().into(),
            os("--http"),
            os(&format!("127.0.0.1:{port}")),
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    // Its API answers once its genesis is stored.
    wait_until("the dev chain's genesis", START, || {
        hengxin_tests::get_json(&format!("http://127.0.0.1:{port}/v1/health")).is_some()
    });
    child.kill().unwrap();
    child.wait().unwrap();
    let other = cluster.nodes[0].dir.join("other.toml");
    std::fs::write(
        &other,
        text.replace(
            "data_dir = \"data\"",
            &format!("data_dir = {:?}", dev.display().to_string()),
        ),
    )
    .unwrap();
    let (status, stderr) = run(&[&os("--config"), other.as_os_str()]);
    assert!(!status.success());
    assert!(stderr.contains("holds chain"), "{stderr}");

    // The HTTP port is taken.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let address = taken.local_addr().unwrap().to_string();
    let (status, stderr) = run(&[
        &os("--config"),
        config.as_os_str(),
        &os("--http"),
        &os(&address),
    ]);
    assert!(!status.success());
    assert!(stderr.contains("cannot serve the HTTP API"), "{stderr}");
}
