//! Soak: a 4-validator network of real nodes under steady load for a while, then the checks a
//! regulator would ask for. `cargo build --release -p hengxin-node && cargo run --release -p
//! hengxin-tests --bin soak -- [--minutes 10] [--rate 50]`.
//!
//! Every node must hold the same state root at every height; every submitted transaction must
//! end finalized or rejected with a reason; resident memory, sampled every 10 s, must not keep
//! growing (the last third of the samples at most 1.5× the middle third); the databases must
//! grow with the chain and no more (at most 64 KiB a block; reported per block and per
//! transaction). Prints the figures
//! and exits 1 when a check fails.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use hengxin_tests::cluster::{Cluster, anchor, bytes};

fn arg(args: &[String], name: &str, default: u64) -> u64 {
    args.iter()
        .position(|a| a == name)
        .and_then(|i| args.get(i + 1))
        .map_or(default, |v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} takes a number"))
        })
}

/// Resident memory of a process, in KiB.
fn rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmRSS:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn dir_bytes(dir: &std::path::Path) -> u64 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .flatten()
        .map(|e| match e.metadata() {
            Ok(m) if m.is_dir() => dir_bytes(&e.path()),
            Ok(m) => m.len(),
            Err(_) => 0,
        })
        .sum()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let (minutes, rate) = (arg(&args, "--minutes", 10), arg(&args, "--rate", 50));
    let mut net = Cluster::testnet(4);
    net.start_all();
    net.wait_height(0, 2, Duration::from_secs(120));
    let genesis = net.genesis_hash();
    let lab = net.key("lab-cq");
    let data_at_start: u64 = (0..4)
        .map(|i| dir_bytes(&net.nodes[i].dir.join("data")))
        .sum();
    let start_height = net.height(0).unwrap();
    eprintln!("soaking for {minutes} min at {rate} tx/s…");

    let (mut submitted, mut samples) = (Vec::new(), Vec::new());
    let start = Instant::now();
    let mut next_sample = Duration::ZERO;
    let interval = Duration::from_secs_f64(1.0 / rate as f64);
    let mut nonce = 0u64;
    while start.elapsed() < Duration::from_secs(minutes * 60) {
        let tx = anchor(genesis, &lab, nonce, &format!("SOAK-{nonce}"));
        match net.post_tx(usize::try_from(nonce % 4).unwrap(), &bytes(&tx)) {
            Some((202, _)) => {
                submitted.push(tx.hash());
                nonce += 1;
            }
            other => eprintln!("refused at nonce {nonce}: {other:?}"),
        }
        if start.elapsed() >= next_sample {
            let rss: Vec<u64> = (0..4)
                .map(|i| net.pid(i).and_then(rss_kib).unwrap_or(0))
                .collect();
            eprintln!(
                "{:>4} s: height {:?}, RSS KiB {rss:?}",
                start.elapsed().as_secs(),
                net.height(0)
            );
            samples.push(rss);
            next_sample += Duration::from_secs(10);
        }
        std::thread::sleep(interval.saturating_sub(Duration::from_millis(1)));
    }
    eprintln!("load stopped; waiting for every transaction to be finalized or rejected…");
    let mut failures = Vec::new();
    let (mut finalized, mut rejected) = (0, 0);
    for hash in &submitted {
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            match net.tx_status(0, hash) {
                Some((status, _)) if status == "finalized" => {
                    finalized += 1;
                    break;
                }
                Some((status, _)) if status == "rejected" => {
                    rejected += 1;
                    break;
                }
                _ if Instant::now() > deadline => {
                    failures.push(format!("transaction {hash} neither finalized nor rejected"));
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
    }
    let top = (0..4).map(|i| net.height(i).unwrap()).min().unwrap();
    for height in 1..=top {
        let roots: Vec<_> = (0..4)
            .map(|i| {
                net.get(i, &format!("/v1/blocks/{height}"))
                    .map(|(_, b)| b["state_root"].clone())
            })
            .collect();
        if roots.iter().any(|r| r != &roots[0] || r.is_none()) {
            failures.push(format!("height {height}: state roots differ: {roots:?}"));
        }
    }
    let third = samples.len() / 3;
    let mean = |part: &[Vec<u64>]| {
        part.iter().map(|s| s.iter().sum::<u64>()).sum::<u64>() / part.len().max(1) as u64
    };
    let (middle, last) = (
        mean(&samples[third..2 * third]),
        mean(&samples[2 * third..]),
    );
    if third > 0 && last * 2 > middle * 3 {
        failures.push(format!(
            "resident memory grew from {middle} to {last} KiB (4 nodes)"
        ));
    }
    let data: u64 = (0..4)
        .map(|i| dir_bytes(&net.nodes[i].dir.join("data")))
        .sum();
    let blocks = top - start_height;
    // A block's header, commit, transactions and state changes, with sled's own overhead: tens
    // of KiB. Far more means something is kept that should not be (proposals, say).
    let per_block = (data - data_at_start) / 4 / blocks.max(1);
    if per_block > 64 * 1024 {
        failures.push(format!("the databases grew {per_block} bytes a block"));
    }
    println!(
        "soak: {minutes} min at {rate} tx/s on 4 validators: {} submitted, {finalized} finalized, \
         {rejected} rejected; {blocks} blocks, state roots equal at all {top} heights: {}; \
         RSS of the 4 nodes {middle} KiB (middle third) -> {last} KiB (last third); databases \
         grew {} MiB: {} bytes a block, {} bytes a transaction (per node)",
        submitted.len(),
        failures.iter().all(|f| !f.contains("state roots")),
        (data - data_at_start) >> 20,
        per_block,
        (data - data_at_start) / 4 / finalized.max(1),
    );
    for failure in &failures {
        eprintln!("FAILED: {failure}");
    }
    if !failures.is_empty() {
        std::process::exit(1);
    }
}
