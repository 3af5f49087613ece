//! `hengxin-bench` end to end: a short load on four validator processes writes every key of its
//! JSON contract with figures that make sense, and leaves no `hengxin-node` running.

use std::path::Path;
use std::process::Command;

use hengxin_tests::workspace_bin;
use serde_json::Value;

use crate::cluster::SERIAL;

/// The keys of the bench's JSON contract.
const KEYS: [&str; 20] = [
    "finalized_tps",
    "latency_ms",
    "blocks_per_s",
    "crypto",
    "ed25519_verify_per_core_s",
    "sm2_verify_per_core_s",
    "ceiling_fraction",
    "validators",
    "duration_s",
    "offered_rate",
    "labs",
    "batch",
    "submitted",
    "accepted",
    "refused",
    "finalized",
    "cores",
    "ceiling_tps",
    "nodes",
    "disk_bytes_per_tx",
];
/// The keys of each node's entry.
const NODE_KEYS: [&str; 5] = [
    "cpu_s_per_tx",
    "cpu_s",
    "peak_rss_bytes",
    "disk_bytes_per_tx",
    "disk_growth_bytes",
];

/// The processes whose command line names something under `dir`, as `pid: command line`.
fn processes_under(dir: &Path) -> Vec<String> {
    let dir = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().parse::<u32>().is_ok())
        .filter_map(|entry| {
            // A process may exit while we look: then it is not running.
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            let args: Vec<String> = cmdline
                .split(|b| *b == 0)
                .map(|arg| String::from_utf8_lossy(arg).into_owned())
                .collect();
            args.iter().any(|arg| arg.contains(&dir)).then(|| {
                format!(
                    "{}: {}",
                    entry.file_name().to_string_lossy(),
                    args.join(" ")
                )
            })
        })
        .collect()
}

#[test]
fn the_bench_measures_a_network_of_node_processes_and_stops_them() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = tempfile::tempdir().unwrap();
    let (net, json) = (root.path().join("net"), root.path().join("bench.json"));
    let output = Command::new(workspace_bin("hengxin-bench"))
        .args(["--validators", "4", "--duration", "3", "--rate", "300"])
        .args(["--labs", "64"])
        .args([
            "--crypto",
            hengxin_chain_spec::demo::test_scheme().name(),
            "--json",
        ])
        .arg(&json)
        .arg("--dir")
        .arg(&net)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "hengxin-bench failed:\n{stderr}");
    let results: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    for key in KEYS {
        assert!(results.get(key).is_some(), "no `{key}` in {results:#}");
    }
    assert_eq!(results["validators"], 4);
    assert_eq!(
        results["crypto"],
        hengxin_chain_spec::demo::test_scheme().name()
    );
    for scheme in ["ed25519", "sm2"] {
        let per_core = results[format!("{scheme}_verify_per_core_s")].as_f64();
        assert!(per_core.is_some_and(|v| v > 0.0), "{results:#}");
    }
    assert_eq!(results["labs"], 64);
    assert_eq!(results["offered_rate"].as_f64(), Some(300.0));
    assert!(results["finalized"].as_u64().unwrap() > 0, "{results:#}");
    assert!(results["finalized_tps"].as_f64().unwrap() > 0.0);
    let latency = |p: &str| results["latency_ms"][p].as_f64().unwrap();
    let (p50, p90, p99) = (latency("p50"), latency("p90"), latency("p99"));
    assert!(0.0 < p50 && p50 <= p90 && p90 <= p99, "{results:#}");
    let nodes = results["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 4);
    for node in nodes {
        for key in NODE_KEYS {
            assert!(node.get(key).is_some(), "no `{key}` in {node}");
        }
        assert!(node["cpu_s"].as_f64().unwrap() > 0.0, "{node}");
        assert!(node["peak_rss_bytes"].as_u64().unwrap() > 0, "{node}");
    }
    // Every node ran from the bench's directory, and none outlives the bench.
    assert!(net.join("node-3/node.log").exists(), "{stderr}");
    let left = processes_under(&net);
    assert!(left.is_empty(), "still running after the bench: {left:?}");
}

/// `--serve` (what `tests/lookups` loads): the network the flags ask for, each node's API on
/// stdout once ready, an observer among them, and every node stopped on SIGTERM.
#[test]
fn the_bench_serves_a_network_until_sigterm_and_then_stops_it() {
    use std::io::{BufRead, BufReader};
    use std::process::Stdio;

    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let root = tempfile::tempdir().unwrap();
    let net = root.path().join("net");
    let mut bench = Command::new(workspace_bin("hengxin-bench"))
        .args(["--serve", "--validators", "1", "--observers", "1"])
        .args(["--heartbeat-ms", "60000", "--dir"])
        .arg(&net)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(bench.stdout.take().unwrap()).lines();
    let mut urls = Vec::new();
    for name in ["node-0", "node-1"] {
        let line = lines.next().expect("the bench printed the nodes").unwrap();
        let url = line.strip_prefix(&format!("{name} ")).unwrap_or_else(|| {
            panic!("`{line}` names {name}'s API");
        });
        urls.push(url.to_string());
    }
    let health = |url: &str| -> Value {
        let mut response = ureq::get(&format!("{url}/v1/health")).call().unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    };
    assert_eq!(
        health(&urls[1])["role"],
        "observer",
        "node-1 is the observer"
    );
    assert!(health(&urls[0])["height"].as_u64().unwrap() >= 1);
    // The rate limit and the connections per address are lifted, as for a run.
    let config = std::fs::read_to_string(net.join("node-1/config.toml")).unwrap();
    for key in ["requests_per_s", "burst", "connections_per_client"] {
        assert!(
            config.contains(&format!("{key} = 4294967295")),
            "{key} not lifted:\n{config}"
        );
    }
    let pid = nix::unistd::Pid::from_raw(i32::try_from(bench.id()).unwrap());
    nix::sys::signal::kill(pid, nix::sys::signal::Signal::SIGTERM).unwrap();
    let output = bench.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "hengxin-bench --serve failed:\n{stderr}"
    );
    let left = processes_under(&net);
    assert!(left.is_empty(), "still running after the bench: {left:?}");
}
