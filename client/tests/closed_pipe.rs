//! Output into a closed pipe (`hengxin … | head -5`) ends the CLI quietly with status 0, as a
//! Unix tool stops when its reader has read enough: no panic, no stack trace.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::process::{Command, Stdio};

#[test]
fn output_into_a_closed_pipe_ends_quietly_with_status_0() {
    let dir = tempfile::tempdir().unwrap();
    let key = dir.path().join("lab.key");
    let made = Command::new(env!("CARGO_BIN_EXE_hengxin"))
        .args(["key", "new", "--out"])
        .arg(&key)
        .output()
        .unwrap();
    assert!(made.status.success(), "{made:?}");
    for json in [false, true] {
        // The reader is gone before the command writes a byte.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut command = Command::new(env!("CARGO_BIN_EXE_hengxin"));
        if json {
            command.arg("--json");
        }
        let out = command
            .args(["key", "show"])
            .arg(&key)
            .stdout(writer)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "json {json}: {stderr}");
        assert!(
            stderr.is_empty(),
            "json {json}: nothing on stderr: {stderr}"
        );
    }
}
