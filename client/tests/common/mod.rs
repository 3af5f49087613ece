//! What the CLI's test binaries share: running `hengxin` against a node with its own config.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

use hengxin_tests::DevNode;

/// `hengxin --node URL ARGS…` with its own config directory (for trust pins).
pub fn hengxin(node: &str, config: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_hengxin"))
        .arg("--node")
        .arg(node)
        .args(args)
        .env("XDG_CONFIG_HOME", config)
        .env_remove("HENGXIN_NODE")
        .output()
        .unwrap()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn code(output: &Output) -> i32 {
    output.status.code().unwrap_or(-1)
}

/// Runs `hengxin ARGS…` against `node`: exit status, standard output, standard error.
pub fn run_cli(node: &DevNode, config: &Path, args: &[&str]) -> (i32, String, String) {
    let output = hengxin(&node.url, config, args);
    (code(&output), stdout(&output), stderr(&output))
}

/// The path of the dev node's demo key `name`.
pub fn demo_key(node: &DevNode, name: &str) -> String {
    node.path(&format!("keys/{name}.key"))
        .to_str()
        .unwrap()
        .to_string()
}
