//! `hengxin-bench`: a local N-validator network under load, measured as it runs in production.
//!
//! It writes a testnet with `hengxin-node testnet`, starts every validator as its own
//! `hengxin-node` process, registers its own labs (a setup that is not measured), signs the
//! whole load before the clock starts, and submits it open-loop on a fixed schedule, in batches,
//! through every node. Over a window after a warm-up it reports finalized transactions and
//! blocks per second, submit-to-finalized latency, each validator's CPU, peak memory and disk
//! per transaction, and how that compares with what signature checking alone would allow on
//! this machine. `--idle` runs no load and reports what an idle chain costs in disk a day;
//! `--serve` only starts the network, opened up for load, for another tool to load it.

mod http;
mod labs;
mod load;
mod network;
mod report;
mod schedule;
mod watch;

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use hengxin_primitives::Keypair;
use hengxin_primitives::crypto::Scheme;

use crate::load::{Counters, Load, Plan};
use crate::network::{Layout, Network};
use crate::schedule::{Clock, Rate, parse_rate};

/// Runs a local network of `hengxin-node` processes under load and measures it.
///
/// Every validator is a separate `hengxin-node` process on loopback, as in production. The load
/// is certificate anchors of `--labs` labs registered for the run, signed before the clock
/// starts, and submitted on a fixed schedule whatever the answers (lab k always through node
/// k % N). Results go to stdout as a table, and with --json to a file; progress to stderr.
#[derive(Parser, Debug)]
#[command(version, about)]
struct Args {
    /// How many validators (1–100).
    #[arg(long, default_value_t = 4)]
    validators: usize,
    /// How long to measure, in seconds, after a one-second warm-up (for --idle use a longer
    /// window, e.g. --duration 300).
    #[arg(long, default_value_t = 10)]
    duration: u64,
    /// Offered load: transactions per second on a fixed schedule, or `max` to submit as fast as
    /// the nodes accept.
    #[arg(long, default_value = "max", value_parser = parse_rate)]
    rate: Rate,
    /// How many labs sign the load (each registered for the run, at least 1).
    #[arg(long, default_value_t = 64)]
    labs: usize,
    /// Most transactions per request (1–500; 1 uses POST /v1/transactions, more the batch
    /// endpoint). A worker sends a batch once it is full of due transactions, or once its first
    /// has waited 20 ms. Default: about 20 ms of the offered rate (for `max`, 20 ms of the
    /// signature-checking ceiling).
    #[arg(long)]
    batch: Option<usize>,
    /// Run no load: measure what an idle chain makes and writes (blocks, disk a day).
    #[arg(long, conflicts_with_all = ["rate", "labs", "batch"])]
    idle: bool,
    /// Run no load and measure nothing: start the network (its limits lifted as for a run),
    /// print each node's API as `node-I URL` on stdout once every node has finalized height 1,
    /// and keep it running until Ctrl-C or SIGTERM, for another tool's load (`tests/lookups`).
    #[arg(long, conflicts_with_all = ["rate", "labs", "batch", "idle", "json", "duration"])]
    serve: bool,
    /// With --serve: how many observers (nodes that follow without voting and serve reads),
    /// after the validators: node-N… for N validators.
    #[arg(long, default_value_t = 0, requires = "serve")]
    observers: usize,
    /// With --serve: with no transaction waiting, make a block every this many ms
    /// (`hengxin-node testnet --heartbeat-ms`) [default: the node's].
    #[arg(long, value_name = "MS", requires = "serve")]
    heartbeat_ms: Option<u64>,
    /// Most transactions a block takes (`[blocks] txs_max` in every node's config) [default:
    /// the node's].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    block_txs: Option<u32>,
    /// Pin node I to core I modulo this machine's cores (`taskset`, from util-linux): with as
    /// many cores as nodes, each validator a process on a core of its own; without it the
    /// kernel moves them between cores. The bench's own threads are not pinned.
    #[arg(long)]
    pin: bool,
    /// Also write the results as JSON to this file.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// The chain's cryptography: `ed25519-sha256` or `sm2-sm3` (国密).
    #[arg(long, value_name = "SCHEME", default_value = "ed25519-sha256")]
    crypto: Scheme,
    /// The `hengxin-node` binary [default: the one next to this one].
    #[arg(long, value_name = "PATH")]
    node_bin: Option<PathBuf>,
    /// Write the testnet (configs, data, each node's node.log and, at the window's end, its
    /// metrics.txt) to this new or empty directory and keep it [default: a temporary directory,
    /// removed at the end].
    #[arg(long, value_name = "DIR")]
    dir: Option<PathBuf>,
}

/// The warm-up before the window: load runs, nothing is counted.
const WARMUP: Duration = Duration::from_secs(1);
/// Most transactions in one request (the API allows more; this keeps a request short).
const BATCH_MAX: usize = 500;
/// Most transactions signed for a `max` run, whatever the ceiling (memory and signing time).
const MAX_LOAD: usize = 1_500_000;
/// How often `--serve` looks for an interrupt or an exited node.
const SERVE_POLL: Duration = Duration::from_millis(200);

/// Runs the bench; an error is printed with its causes, and the exit status is 1.
fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Starts the network, runs the load (or none) over the window, and reports.
fn run(args: Args) -> anyhow::Result<()> {
    check(&args)?;
    let node_bin = node_bin(&args)?;
    network::catch_interrupts();
    if args.serve {
        return serve(&args, &node_bin);
    }
    let load_average = network::load_average();
    let per_core = |scheme| verifications_per_second(scheme);
    let (ed25519, sm2) = (per_core(Scheme::Ed25519Sha256), per_core(Scheme::Sm2Sm3));
    let verify_per_core = match args.crypto {
        Scheme::Ed25519Sha256 => ed25519,
        Scheme::Sm2Sm3 => sm2,
    };
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    eprintln!(
        "signature verifications per core per second here: ed25519 (strict) {ed25519:.0}, SM2 \
         {sm2:.0}; the chain is {}",
        args.crypto
    );
    let ceiling_tps = verify_per_core * cores as f64 / args.validators as f64;

    // A temporary directory lives until the end of `run`, after the network is stopped.
    let (dir, _temporary) = network_dir(&args)?;
    let mut network = start(&args, &node_bin, &dir)?;
    let context = report::Context {
        validators: args.validators,
        duration_s: args.duration,
        crypto: args.crypto,
        ed25519_verify_per_core: ed25519,
        sm2_verify_per_core: sm2,
        cores,
        ceiling_tps,
        load_average,
        pinned: args.pin,
    };
    let results = if args.idle {
        let clock = Clock::after(Instant::now(), WARMUP, args.duration);
        eprintln!("idle: no load for {} s after the warm-up", args.duration);
        let observed = watch::measure(&mut network, None, &clock)?;
        report::idle(&context, &observed)
    } else {
        run_load(&args, &mut network, &context)?
    };
    print!("{}", report::table(&results));
    if let Some(path) = &args.json {
        std::fs::write(path, serde_json::to_string_pretty(&results)? + "\n")
            .with_context(|| format!("writing {}", path.display()))?;
    }
    drop(network);
    if args.dir.is_some() {
        eprintln!(
            "the testnet, each node's node.log and metrics.txt are in {}",
            dir.display()
        );
    }
    Ok(())
}

/// The network's directory: `--dir`, or a temporary one (removed when the second is dropped,
/// which must come after the network is stopped).
fn network_dir(args: &Args) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    Ok(match &args.dir {
        Some(dir) => (dir.clone(), None),
        None => {
            let temp = tempfile::tempdir().context("making a temporary directory")?;
            (temp.path().to_path_buf(), Some(temp))
        }
    })
}

/// Writes the testnet the flags ask for to `dir`, starts its nodes and waits until each has
/// finalized height 1.
fn start(args: &Args, node_bin: &Path, dir: &Path) -> anyhow::Result<Network> {
    let layout = Layout {
        validators: args.validators,
        observers: args.observers,
        heartbeat_ms: args.heartbeat_ms,
        crypto: args.crypto,
        block_txs: args.block_txs,
        pin: args.pin,
    };
    let observers = match layout.observers {
        0 => String::new(),
        n => format!(" and {n} observers"),
    };
    eprintln!(
        "starting {} validators{observers} ({}) in {}",
        layout.validators,
        node_bin.display(),
        dir.display()
    );
    let network = Network::start(node_bin, &layout, dir)?;
    eprintln!("every node is at height 1 or more");
    Ok(network)
}

/// `--serve`: starts the network, prints each node's API, and keeps it until Ctrl-C or SIGTERM
/// (or until a node exits, an error).
fn serve(args: &Args, node_bin: &Path) -> anyhow::Result<()> {
    let (dir, _temporary) = network_dir(args)?;
    let mut network = start(args, node_bin, &dir)?;
    let mut stdout = std::io::stdout().lock();
    for node in &network.nodes {
        writeln!(stdout, "{} {}", node.name, node.url)?;
    }
    stdout.flush()?;
    eprintln!("serving until Ctrl-C or SIGTERM");
    while !network::interrupted() {
        network.check_alive()?;
        std::thread::sleep(SERVE_POLL);
    }
    eprintln!("interrupted: every node is stopped");
    Ok(())
}

/// Registers the labs, signs the load, runs it and measures the window.
fn run_load(
    args: &Args,
    network: &mut Network,
    context: &report::Context,
) -> anyhow::Result<report::Results> {
    let agent = http::agent();
    let genesis = network.genesis_hash;
    eprintln!("setup: registering {} labs…", args.labs);
    let labs = labs::register(&agent, network, args.labs)?;
    let batch = args
        .batch
        .unwrap_or_else(|| default_batch(args.rate, context.ceiling_tps));
    let seconds = (WARMUP.as_secs() + args.duration) as f64;
    let total = match args.rate {
        // The schedule to the window's end and half a second more, so that no worker runs out.
        Rate::PerSecond(rate) => (rate * (seconds + 0.5)).ceil() as usize,
        // Enough for the ceiling over the whole run, and every pool full besides.
        Rate::Max => ((context.ceiling_tps * seconds) as usize
            + args.validators * network.pool_txs_max)
            .min(MAX_LOAD),
    };
    let signing = Instant::now();
    eprintln!("signing {total} transactions ({} labs)…", labs.len());
    let load = Load::sign(genesis, &labs, total.max(1), context.cores);
    eprintln!(
        "signed {} in {:.1} s (not measured)",
        load.len(),
        signing.elapsed().as_secs_f64()
    );
    let plan = Plan {
        rate: args.rate,
        batch,
        urls: network.urls(),
    };
    let clock = Clock::after(Instant::now(), WARMUP, args.duration);
    let counters = Counters::default();
    let stop = AtomicBool::new(false);
    let observed = std::thread::scope(|scope| {
        load::start_workers(scope, &load, &plan, &clock, &counters, &stop);
        let observed = watch::measure(network, Some((&load, &counters)), &clock);
        stop.store(true, Ordering::Relaxed);
        observed
    })?;
    if counters.exhausted.load(Ordering::Relaxed) {
        eprintln!(
            "warning: the signed load ran out before the window ended; the figures undercount \
             what the nodes could take"
        );
    }
    let sample = watch::check_sample(&agent, &network.urls()[0], &observed.sample)?;
    let offered = report::Offered {
        rate: args.rate,
        labs: args.labs,
        batch,
    };
    Ok(report::load(
        context, &offered, &observed, &counters, sample,
    ))
}

/// The flags' own limits, with what to give instead.
fn check(args: &Args) -> anyhow::Result<()> {
    if !(1..=100).contains(&args.validators) {
        bail!("--validators must be 1 to 100, not {}", args.validators);
    }
    if args.observers > 100 {
        bail!("--observers must be 0 to 100, not {}", args.observers);
    }
    if args.duration == 0 {
        bail!("--duration must be at least 1 (seconds)");
    }
    if args.labs == 0 {
        bail!("--labs must be at least 1");
    }
    if let Some(dir) = &args.dir
        && dir
            .read_dir()
            .is_ok_and(|mut entries| entries.next().is_some())
    {
        bail!(
            "--dir {} is not empty: give a new or empty directory",
            dir.display()
        );
    }
    if let Some(batch) = args.batch
        && !(1..=BATCH_MAX).contains(&batch)
    {
        bail!("--batch must be 1 to {BATCH_MAX}, not {batch}");
    }
    if args.pin && !network::taskset_runs() {
        bail!("--pin needs `taskset`, which does not run here: apt-get install util-linux");
    }
    Ok(())
}

/// The `hengxin-node` binary: `--node-bin`, or the one next to this binary.
fn node_bin(args: &Args) -> anyhow::Result<PathBuf> {
    let path = match &args.node_bin {
        Some(path) => path.clone(),
        None => std::env::current_exe()
            .context("finding this binary's path")?
            .with_file_name(format!("hengxin-node{}", std::env::consts::EXE_SUFFIX)),
    };
    if !path.is_file() {
        bail!(
            "no hengxin-node at {}: build it (`cargo build --release -p hengxin-node -p \
             hengxin-bench` builds both binaries) or give --node-bin PATH",
            path.display()
        );
    }
    Ok(path)
}

/// About 20 ms of the offered rate per request (of the ceiling for `max`), 1 to `BATCH_MAX`.
fn default_batch(rate: Rate, ceiling_tps: f64) -> usize {
    let rate = match rate {
        Rate::PerSecond(rate) => rate,
        Rate::Max => ceiling_tps,
    };
    ((rate * 0.020).ceil() as usize).clamp(1, BATCH_MAX)
}

/// Single-core signature verifications of `scheme` per second by the one rule the nodes use
/// (`PublicKey::verify`), measured for half a second.
fn verifications_per_second(scheme: Scheme) -> f64 {
    let Some(key) = Keypair::from_secret(scheme, &[1; 32]) else {
        return 0.0;
    };
    let message = b"hengxin bench";
    let signature = key.sign(message);
    let public = key.public();
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < Duration::from_millis(500) {
        for _ in 0..100 {
            std::hint::black_box(public.verify(std::hint::black_box(message), &signature));
        }
        count += 100;
    }
    count as f64 / start.elapsed().as_secs_f64()
}
