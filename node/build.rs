//! Builds the verify page's assets: the verifier crate for `wasm32-unknown-unknown` (with its
//! own target directory: a nested cargo on the outer build's directory would wait on the outer
//! build's lock forever), then its JS glue with wasm-bindgen's CLI support, at the exact
//! version the verifier links. The node embeds the results and serves them at `/verify`.

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let manifest = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let root = manifest.parent().expect("node/ is in the workspace");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it"));
    for path in [
        "wasm-verifier/src",
        "wasm-verifier/Cargo.toml",
        "primitives/src",
        "primitives/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    let wasm = build_wasm(root, &out.join("wasm-target"));
    let glue = out.join("verifier");
    wasm_bindgen_cli_support::Bindgen::new()
        .input_path(&wasm)
        .web(true)
        .expect("wasm-bindgen web target")
        .typescript(false)
        .generate(&glue)
        .unwrap_or_else(|e| panic!("generating the verifier's JS glue: {e:#}"));
}

fn build_wasm(root: &Path, target_dir: &Path) -> PathBuf {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            "wasm32-unknown-unknown",
            "-p",
            "hengxin-verifier",
            "--target-dir",
        ])
        .arg(target_dir)
        // Small code for the browser.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "s")
        .env("CARGO_PROFILE_RELEASE_LTO", "fat")
        .env("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1")
        .env("CARGO_PROFILE_RELEASE_PANIC", "abort");
    // What the outer build set for the host (flags, clippy's wrapper) is not for this build.
    for var in [
        "CARGO_TARGET_DIR",
        "CARGO_ENCODED_RUSTFLAGS",
        "RUSTFLAGS",
        "RUSTC_WRAPPER",
        "RUSTC_WORKSPACE_WRAPPER",
        "CLIPPY_ARGS",
        "CARGO_BUILD_TARGET",
    ] {
        command.env_remove(var);
    }
    let status = command
        .status()
        .expect("running cargo to build the verifier for wasm32");
    assert!(
        status.success(),
        "building hengxin-verifier for wasm32-unknown-unknown failed; is the target installed \
         (`rustup target add wasm32-unknown-unknown`, or through rust-toolchain.toml)?"
    );
    target_dir.join("wasm32-unknown-unknown/release/hengxin_verifier.wasm")
}
