//! The bench's flags: their limits are refused before any node starts, with what to give
//! instead. (The runs themselves, with real `hengxin-node` processes, are tested in
//! `tests/tests/it/bench.rs`; this test also makes `cargo test` build the binary they run.)
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::PathBuf;
use std::process::{Command, Output};

/// The binary, next to this test's directory (`target/debug/deps/..`). Not
/// `env!("CARGO_BIN_EXE_hengxin-bench")`: CI's clippy wrapper is a `/bin/sh` script, which
/// does not pass on a variable whose name has a `-`.
fn bench_bin() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    let mut dir = exe.parent().unwrap();
    if dir.ends_with("deps") {
        dir = dir.parent().unwrap();
    }
    dir.join(format!("hengxin-bench{}", std::env::consts::EXE_SUFFIX))
}

fn bench(args: &[&str]) -> Output {
    Command::new(bench_bin()).args(args).output().unwrap()
}

fn refused(args: &[&str]) -> String {
    let output = bench(args);
    assert!(!output.status.success(), "{args:?} was accepted");
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn flags_out_of_their_limits_are_refused_naming_the_limit() {
    let cases: [(&[&str], &str); 6] = [
        (&["--validators", "0"], "--validators must be 1 to 100"),
        (&["--duration", "0"], "--duration must be at least 1"),
        (&["--batch", "501"], "--batch must be 1 to 500"),
        (&["--rate", "fast"], "neither a positive number"),
        (
            &["--serve", "--observers", "101"],
            "--observers must be 0 to 100",
        ),
        (
            &["--node-bin", "/nonexistent/hengxin-node"],
            "no hengxin-node at /nonexistent/hengxin-node",
        ),
    ];
    for (args, expected) in cases {
        let stderr = refused(args);
        assert!(
            stderr.contains(expected),
            "{args:?}: expected `{expected}` in {stderr}"
        );
    }
}

#[test]
fn the_network_flags_of_serve_go_with_serve_only() {
    for args in [
        &["--observers", "1"][..],
        &["--heartbeat-ms", "1000"],
        &["--serve", "--rate", "100"],
        &["--serve", "--idle"],
        &["--serve", "--json", "out.json"],
    ] {
        let stderr = refused(args);
        assert!(stderr.contains("--serve"), "{args:?}: {stderr}");
    }
}
