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

/// A stand-in node on loopback: each request's path is given to `answer`, and what it returns
/// is sent back as the JSON body (a proxy fetches it from the real node, bent or not).
pub fn stand_in(answer: impl Fn(&str) -> serde_json::Value + Send + 'static) -> String {
    use std::io::{BufRead, BufReader, Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut line = String::new();
            if reader.read_line(&mut line).is_err() {
                continue;
            }
            let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            let body = answer(&path).to_string();
            let mut stream = stream;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let mut rest = Vec::new();
            let _ = reader.get_mut().read_to_end(&mut rest);
        }
    });
    url
}
