//! Builds the verify page's assets: the verifier crate for `wasm32-unknown-unknown`, once for
//! each of the page's four modules (certificates and files; businesses and instruments; each
//! for an ed25519-sha256 chain and for an sm2-sm3 one), with
//! its own target directory (a nested cargo on the outer build's directory would wait on the
//! outer build's lock forever; one directory for every profile and feature set of the outer
//! build, so that clippy, the tests and a release build compile it once); each shrunk by
//! binaryen's `wasm-opt` where it is installed, then given its JS glue by wasm-bindgen's CLI
//! support, at the exact version the verifier links. The node embeds the results and serves
//! them at `/verify`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

const TARGET: &str = "wasm32-unknown-unknown";

/// The page's wasm modules and the verifier features each is built with: certificates and
/// files (`paper`), businesses and instruments (`field`), each for one scheme's signatures
/// (`_sm`: SM2); a reader downloads the one its check and the page's trust anchor need.
const MODULES: [(&str, &str); 4] = [
    ("hengxin_verifier", "paper,ed25519"),
    ("hengxin_field", "field,ed25519"),
    ("hengxin_verifier_sm", "paper,sm2"),
    ("hengxin_field_sm", "field,sm2"),
];

/// What to do when the toolchain lacks the wasm target.
const INSTALL_HINT: &str = "run `rustup toolchain install` in the checkout (it reads \
    rust-toolchain.toml and installs the pinned toolchain with its wasm32-unknown-unknown \
    target; needed where rustup does not install toolchains on its own, RUSTUP_AUTO_INSTALL=0), \
    or `rustup target add wasm32-unknown-unknown`";

fn main() {
    if let Err(e) = run() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
}

fn env(name: &str) -> Result<OsString, String> {
    std::env::var_os(name).ok_or_else(|| format!("cargo did not set {name}"))
}

fn run() -> Result<(), String> {
    let manifest = PathBuf::from(env("CARGO_MANIFEST_DIR")?);
    let root = manifest
        .parent()
        .ok_or("node/ is not inside the workspace")?;
    let out = PathBuf::from(env("OUT_DIR")?);
    for path in [
        "wasm-verifier/src",
        "wasm-verifier/Cargo.toml",
        "primitives/src",
        "primitives/Cargo.toml",
        "Cargo.lock",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(path).display());
    }
    check_target()?;
    // OUT_DIR is <target>/<profile>/build/hengxin-node-<hash>/out.
    let shared = out.ancestors().nth(4).unwrap_or(&out);
    for (module, feature) in MODULES {
        let built = build_wasm(root, &shared.join("hengxin-verifier-wasm"), feature)?;
        let wasm = shrink(&built, &out.join(format!("{module}.wasm")))?;
        wasm_bindgen_cli_support::Bindgen::new()
            .input_path(&wasm)
            .web(true)
            .map_err(|e| format!("wasm-bindgen's web target: {e:#}"))?
            .typescript(false)
            // Function names are for debuggers; they were a quarter of the served file.
            .remove_name_section(true)
            .remove_producers_section(true)
            .generate(out.join("verifier"))
            .map_err(|e| format!("generating the {module} module's JS glue: {e:#}"))?;
    }
    copy_qr_decoder(root, &out.join("verifier/jsqr.js"))?;
    copy_charts(root, &out.join("console"))
}

/// The supervision platform's charts: Apache ECharts as npm installed it from
/// `node/console/package-lock.json`. Without it the console shows its figures and tables, and
/// says the charts are missing.
fn copy_charts(root: &Path, dir: &Path) -> Result<(), String> {
    let from = root.join("node/console/node_modules/echarts/dist/echarts.min.js");
    println!("cargo:rerun-if-changed={}", from.display());
    std::fs::create_dir_all(dir).map_err(|e| format!("creating {}: {e}", dir.display()))?;
    let to = dir.join("echarts.min.js");
    match std::fs::read(&from) {
        Ok(bytes) => std::fs::write(&to, bytes),
        Err(_) => {
            println!(
                "cargo:warning=the console's charts (Apache ECharts) are not installed: run \
                 `npm ci --prefix node/console` and rebuild (the console shows its tables \
                 without charts until then)"
            );
            std::fs::write(
                &to,
                "// ECharts was not installed when this node was built.\n",
            )
        }
    }
    .map_err(|e| format!("writing {}: {e}", to.display()))
}

/// Shrinks a built module with binaryen's `wasm-opt -Oz` (a tenth smaller) into `to`, before
/// wasm-bindgen reads it (binaryen rewrites the externref table that wasm-bindgen's glue sets
/// up, so it runs first), where it is installed (Debian's `binaryen`; `tests/run` installs
/// it). Without it the module is copied as built: the page works the same from a larger file,
/// and the size-budget test says what to install.
fn shrink(wasm: &Path, to: &Path) -> Result<PathBuf, String> {
    println!("cargo:rerun-if-env-changed=PATH");
    let run = Command::new("wasm-opt")
        .args([
            "-Oz",
            "--enable-bulk-memory",
            "--enable-sign-ext",
            "--enable-mutable-globals",
            "--enable-nontrapping-float-to-int",
            "--enable-reference-types",
            "--enable-multivalue",
        ])
        .arg(wasm)
        .arg("-o")
        .arg(to)
        .output();
    match run {
        Ok(output) if output.status.success() => Ok(to.to_path_buf()),
        Ok(output) => Err(format!(
            "wasm-opt failed on {}: {}",
            wasm.display(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(_) => {
            println!(
                "cargo:warning=wasm-opt (Debian's binaryen) is not installed: the verify page's \
                 wasm is served unoptimized, a tenth larger than its size budget allows; \
                 `apt-get install binaryen` (tests/run does) and rebuild"
            );
            std::fs::copy(wasm, to)
                .map_err(|e| format!("copying {} to {}: {e}", wasm.display(), to.display()))?;
            Ok(to.to_path_buf())
        }
    }
}

/// The page's QR decoder for browsers without BarcodeDetector: jsQR as npm installed it from
/// `wasm-verifier/web/package-lock.json`. Without it the page still scans where the browser
/// decodes, and says what is missing elsewhere.
fn copy_qr_decoder(root: &Path, to: &Path) -> Result<(), String> {
    let from = root.join("wasm-verifier/web/node_modules/jsqr/dist/jsQR.js");
    println!("cargo:rerun-if-changed={}", from.display());
    match std::fs::read(&from) {
        Ok(bytes) => std::fs::write(to, bytes),
        Err(_) => {
            println!(
                "cargo:warning=the verify page's QR decoder is not installed: run \
                 `npm ci --prefix wasm-verifier/web` (photos of QR codes then decode in every \
                 browser, not only those with BarcodeDetector)"
            );
            std::fs::write(to, "// jsQR was not installed when this node was built.\n")
        }
    }
    .map_err(|e| format!("writing {}: {e}", to.display()))
}

/// Fails at once, with the fix, when the toolchain has no standard library for the target.
fn check_target() -> Result<(), String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = Command::new(rustc)
        .args(["--print", "target-libdir", "--target", TARGET])
        .output()
        .map_err(|e| format!("running rustc: {e}"))?;
    let libdir = String::from_utf8_lossy(&output.stdout).trim().to_string();
    if output.status.success() && Path::new(&libdir).is_dir() {
        return Ok(());
    }
    Err(format!(
        "the toolchain lacks the {TARGET} target that the verify page is built for: \
         {INSTALL_HINT}"
    ))
}

/// Builds the verifier for the browser with `feature` (a comma-separated list) alone; the module's path (the next
/// build writes the same path: use it first).
fn build_wasm(root: &Path, target_dir: &Path, feature: &str) -> Result<PathBuf, String> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(root)
        .args([
            "build",
            "--release",
            "--target",
            TARGET,
            "-p",
            "hengxin-verifier",
            "--no-default-features",
            "--features",
            feature,
            "--target-dir",
        ])
        .arg(target_dir)
        // Small code for the browser.
        .env("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z")
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
    // At opt-level z LLVM leaves tiny functions uninlined, so the strings they are passed stay
    // in the file (8 KB of the codec's unused "Could not decode" texts): a little inlining
    // makes the whole smaller.
    command.env(
        "CARGO_ENCODED_RUSTFLAGS",
        "-Cllvm-args=-inline-threshold=10",
    );
    let status = command
        .status()
        .map_err(|e| format!("running cargo to build the verifier for {TARGET}: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building hengxin-verifier for {TARGET} failed (its errors are above); if the \
             target is missing: {INSTALL_HINT}"
        ));
    }
    Ok(target_dir.join(format!("{TARGET}/release/hengxin_verifier.wasm")))
}
