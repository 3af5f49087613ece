//! `hengxin-node`: runs a validator of a hengxin chain, the one-validator dev chain, or writes a
//! local test network.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};
use hengxin_chain_spec::demo;
use hengxin_node::config::{self, DEV_HTTP, TestnetPorts};
use hengxin_node::node::{self, NodeSettings};
use hengxin_primitives::crypto::Scheme;
use tracing::{error, info};

/// mimalloc rather than glibc's malloc: allocation was a quarter of a validator's CPU at the
/// maximum rate, most of it glibc's free-list work (docs/performance.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A validator node of hengxin (衡信), the permissioned ledger of the metrology labs and
/// regulators of Sichuan and Chongqing.
///
/// Run `hengxin-node --dev` to try it: a one-validator chain with a demo consortium, an HTTP API
/// on 127.0.0.1:8686, and demo keys for the CLI. Logs go to stderr; set RUST_LOG (e.g.
/// `RUST_LOG=debug`) for more.
#[derive(Parser, Debug)]
#[command(version, about, args_conflicts_with_subcommands = true)]
#[command(group = clap::ArgGroup::new("mode").required(true).args(["dev", "config"]))]
struct Args {
    /// Run the dev chain: one validator and the demo consortium (two regulators, two labs,
    /// inspectors, businesses, sample certificates), producing blocks at once.
    #[arg(long)]
    dev: bool,

    /// Run the node a config file describes (from `hengxin-node config`, or `testnet`).
    #[arg(long, value_name = "FILE", conflicts_with = "dev")]
    config: Option<PathBuf>,

    /// With --dev: where to keep the chain, the demo keys and trust.json
    /// [default: ~/.local/share/hengxin/dev].
    #[arg(long, value_name = "DIR", requires = "dev")]
    data_dir: Option<PathBuf>,

    /// Where to serve the HTTP API (overrides the config file's) [--dev default: 127.0.0.1:8686].
    #[arg(long, value_name = "ADDR")]
    http: Option<SocketAddr>,

    /// With --dev: the new dev chain's cryptography, `ed25519-sha256` or `sm2-sm3` (国密: SM2
    /// signatures, SM3 hashes) [default: ed25519-sha256; a data directory keeps its chain's].
    #[arg(long, value_name = "SCHEME", requires = "dev")]
    crypto: Option<Scheme>,

    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum KeyCommand {
    /// Make this node's key (run it on the host that will use it). Prints the public key (the
    /// validator's, for the consortium file) and the libp2p peer id it implies; never the
    /// secret.
    New {
        /// Where to write it (must not exist; written 0600).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// The chain's cryptography: `ed25519-sha256`, or `sm2-sm3` for an SM2 key (its peer id
        /// then goes in the consortium file as the node's `peer_id`).
        #[arg(long, value_name = "SCHEME", default_value = "ed25519-sha256")]
        crypto: Scheme,
        /// Encrypt it with the passphrase from --passphrase-file or HENGXIN_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
        /// A file whose first line is the passphrase.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
    /// Show a node key's public key and peer id.
    Show {
        /// The key file.
        file: PathBuf,
        /// A file whose first line is the passphrase, for an encrypted key.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
enum Command {
    /// A node's key: make one, or show one's public key and peer id.
    #[command(subcommand)]
    Key(KeyCommand),
    /// Build the genesis file from a consortium file; prints the genesis hash last.
    ///
    /// The file is checked first: no key twice, every name resolving, every region with a
    /// validator, no demo key. Every member builds the genesis from the same file and compares
    /// the hash out of band before starting.
    Genesis {
        /// The consortium file (TOML; see the README's operator guide).
        #[arg(long, value_name = "FILE")]
        consortium: PathBuf,
        /// The genesis file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write this node's config from the genesis, the consortium file and its own key.
    ///
    /// The node listens on --listen with the ports of its own addresses in the consortium file,
    /// and dials every other member (only they may connect).
    Config {
        /// The genesis file (`hengxin-node genesis`).
        #[arg(long, value_name = "FILE")]
        genesis: PathBuf,
        /// This node's key file (`hengxin-node key new`).
        #[arg(long, value_name = "FILE")]
        key: PathBuf,
        /// A file whose first line is the key's passphrase, if it is encrypted.
        #[arg(long, value_name = "FILE")]
        passphrase_file: Option<PathBuf>,
        /// The consortium file the genesis was built from.
        #[arg(long, value_name = "FILE")]
        consortium: PathBuf,
        /// The interface to listen on, e.g. /ip4/0.0.0.0 (every interface) or /ip4/10.0.0.5.
        #[arg(long, value_name = "MULTIADDR", default_value = "/ip4/0.0.0.0")]
        listen: String,
        /// Where to serve the HTTP API (put a reverse proxy with TLS in front of it).
        #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8686")]
        http: SocketAddr,
        /// Where the node keeps its database.
        #[arg(long, value_name = "DIR", default_value = "data")]
        data_dir: PathBuf,
        /// The config file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write the verifiers' trust file (genesis hash and validators) from the genesis file.
    Trust {
        /// The genesis file.
        #[arg(long, value_name = "FILE")]
        genesis: PathBuf,
        /// The trust file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Write the verify page as static files for any web server: a regulator hosts it at its
    /// own address, which QR codes then carry (`hengxin cert qr --base URL`).
    ///
    /// The page trusts the trust file's anchor alone and asks the listed nodes in turn for
    /// proofs (their CORS is open); it goes under OUT/verify/, so that OUT served at
    /// https://verify.example.cn answers https://verify.example.cn/verify?c=….
    ExportPage {
        /// The trust file (`trust.json`: genesis hash and validators).
        #[arg(long, value_name = "FILE")]
        trust: PathBuf,
        /// The nodes the page asks, in order, comma-separated: https://node1.example.cn,….
        #[arg(long, value_name = "URL,…", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        /// The directory to write (created if missing; the page's files are replaced).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write the supervision platform (`/console`) as static files for any web server: it goes
    /// under OUT/console/ and asks the listed nodes in turn for its figures (their CORS is open).
    ExportConsole {
        /// The nodes the console asks, in order, comma-separated: https://node1.example.cn,….
        #[arg(long, value_name = "URL,…", value_delimiter = ',', required = true)]
        nodes: Vec<String>,
        /// The directory to write (created if missing; the console's files are replaced).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Rebuild the SQL index (the supervision platform's database, `[index] database`) from
    /// the node's blocks: it is emptied, then filled block by block. Stop the node first.
    Reindex {
        /// The node's config file.
        #[arg(long, value_name = "FILE", conflicts_with = "data_dir")]
        config: Option<PathBuf>,
        /// Or the dev chain's data directory [default: ~/.local/share/hengxin/dev].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
    },
    /// Write keys, a genesis and one config per node for a local network on loopback.
    ///
    /// Node I listens on consensus port BASE+I, gossip port BASE+100+I and HTTP port
    /// HTTP_PORT+I. Start each with `hengxin-node --config DIR/node-I/config.toml`.
    Testnet {
        /// How many validators.
        #[arg(long, default_value_t = 4)]
        validators: usize,
        /// How many observers (nodes that follow without voting and serve reads), after the
        /// validators: node-N… for N validators.
        #[arg(long, default_value_t = 0)]
        observers: usize,
        /// A new (or empty) directory for the network's files.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The first consensus port.
        #[arg(long, default_value_t = 27000)]
        base_port: u16,
        /// The first HTTP port.
        #[arg(long, default_value_t = 8686)]
        http_port: u16,
        /// With no transaction waiting, make a block every this many ms (the configs' [blocks]
        /// heartbeat_ms; default 10000).
        #[arg(long, value_name = "MS")]
        heartbeat_ms: Option<u64>,
        /// The network's cryptography: `ed25519-sha256` or `sm2-sm3` (国密).
        #[arg(long, value_name = "SCHEME", default_value = "ed25519-sha256")]
        crypto: Scheme,
    },
}

/// What is logged unless `RUST_LOG` says otherwise: our node at info, the engine's warnings.
/// A dev chain has no peers, so the engine's complaints about publishing to nobody are off.
fn default_log_filter(dev: bool) -> String {
    let mut filter =
        String::from("info,arc_malachitebft=warn,arc_malachitebft_core_consensus=warn");
    filter.push_str(if dev {
        ",arc_malachitebft_network=off"
    } else {
        ",arc_malachitebft_network=warn"
    });
    filter
}

fn main() -> ExitCode {
    use std::io::IsTerminal;
    let args = Args::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_log_filter(args.dev)));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .init();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Prints a node key's public key and peer id.
fn print_key(key: &hengxin_primitives::Keypair) -> anyhow::Result<()> {
    let (public, peer) = hengxin_node::keys::describe(key)?;
    println!("public key  {public}");
    println!("peer id     {peer}");
    Ok(())
}

fn key_command(command: KeyCommand) -> anyhow::Result<()> {
    match command {
        KeyCommand::New {
            out,
            crypto,
            encrypt,
            passphrase_file,
        } => {
            let key =
                hengxin_node::keys::new_key(&out, crypto, encrypt, passphrase_file.as_deref())?;
            println!("wrote {}", out.display());
            print_key(&key)
        }
        KeyCommand::Show {
            file,
            passphrase_file,
        } => print_key(&hengxin_node::keys::read_key(
            &file,
            passphrase_file.as_deref(),
        )?),
    }
}

/// The commands that set up a consortium.
fn setup_command(command: Command) -> anyhow::Result<()> {
    use hengxin_node::setup;
    match command {
        Command::Key(command) => key_command(command),
        Command::Genesis { consortium, out } => {
            let file = setup::genesis(&consortium, &out)?;
            println!("wrote {}", out.display());
            for line in setup::summary(&file) {
                println!("{line}");
            }
            Ok(())
        }
        Command::Config {
            genesis,
            key,
            passphrase_file,
            consortium,
            listen,
            http,
            data_dir,
            out,
        } => {
            let request = setup::ConfigRequest {
                genesis: &genesis,
                key: &key,
                passphrase_file: passphrase_file.as_deref(),
                consortium: &consortium,
                listen: listen.parse().with_context(|| {
                    format!("--listen `{listen}` is not a multiaddr like /ip4/0.0.0.0")
                })?,
                http,
                data_dir: &data_dir,
                out: &out,
            };
            let config = setup::config(&request)?;
            setup::write_config(&config, &out)?;
            println!(
                "wrote {} for node {}: consensus on {}, gossip on {}, HTTP on {}, {} peers",
                out.display(),
                config.moniker,
                config.consensus.listen,
                config.gossip.listen,
                config.http.listen,
                config.consensus.peers.len()
            );
            println!("start it with: hengxin-node --config {}", out.display());
            Ok(())
        }
        Command::Trust { genesis, out } => {
            setup::trust(&genesis, &out)?;
            println!("wrote {}", out.display());
            Ok(())
        }
        Command::Testnet {
            validators,
            observers,
            out,
            base_port,
            http_port,
            heartbeat_ms,
            crypto,
        } => {
            let mut blocks = config::BlocksSection::default();
            if let Some(ms) = heartbeat_ms {
                blocks.heartbeat_ms = ms;
            }
            let net = config::Testnet {
                validators,
                observers,
                ports: TestnetPorts {
                    consensus: base_port,
                    http: http_port,
                },
                blocks,
                crypto,
            };
            testnet(&net, &out)
        }
        Command::ExportPage { trust, nodes, out } => export_page(&trust, &nodes, &out),
        Command::Reindex { config, data_dir } => reindex(config, data_dir),
        Command::ExportConsole { nodes, out } => {
            let written =
                hengxin_node::console::export(&nodes, &out).map_err(anyhow::Error::msg)?;
            for path in &written {
                println!("wrote {}", path.display());
            }
            println!(
                "serve {} with any web server: the console is at <that server>/console/ and asks \
                 {} in turn",
                out.display(),
                nodes.join(", ")
            );
            Ok(())
        }
    }
}

fn reindex(config: Option<PathBuf>, data_dir: Option<PathBuf>) -> anyhow::Result<()> {
    use hengxin_node::index;
    let settings = match config {
        Some(path) => config::load(&path)?,
        None => {
            let dir = match data_dir {
                Some(dir) => dir,
                None => config::default_dev_dir()?,
            };
            if !dir.join("genesis.json").exists() {
                anyhow::bail!(
                    "{} holds no dev chain; give the node's --config FILE, or the dev chain's \
                     --data-dir DIR",
                    dir.display()
                );
            }
            config::dev(&dir, DEV_HTTP.parse()?, None)?
        }
    };
    let Some(target) = index::resolve(&settings.index, &settings.data_dir)? else {
        anyhow::bail!("the node's [index] database is \"off\": there is no index to rebuild");
    };
    let db_dir = settings.data_dir.join("db");
    let store = hengxin_node::store::Store::open(&db_dir).map_err(|e| {
        anyhow::anyhow!(
            "cannot open the node's database {} ({e}); if the node is running, stop it first",
            db_dir.display()
        )
    })?;
    let store = std::sync::Arc::new(store);
    let genesis = store.init_genesis(&settings.genesis)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    println!(
        "rebuilding the index in {} from the blocks",
        hengxin_index::db::shown(&target.1)
    );
    let last = std::cell::Cell::new(std::time::Instant::now());
    let at = runtime.block_on(index::reindex(target, store, &genesis, |at, head| {
        if last.get().elapsed() >= std::time::Duration::from_secs(2) {
            println!("  block {} of {head}", at.height);
            last.set(std::time::Instant::now());
        }
    }))?;
    println!(
        "indexed up to block {} ({}), dated {}",
        at.height, at.hash, at.date
    );
    Ok(())
}

fn export_page(
    trust: &std::path::Path,
    nodes: &[String],
    out: &std::path::Path,
) -> anyhow::Result<()> {
    let text = std::fs::read_to_string(trust)
        .with_context(|| format!("reading the trust file {}", trust.display()))?;
    let (chain, anchor) = hengxin_primitives::files::read_trust_file(&text)
        .with_context(|| format!("{} is not a trust file", trust.display()))?;
    let nodes = nodes
        .iter()
        .map(|n| hengxin_node::verify_page::node_url(n.trim()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(anyhow::Error::msg)?;
    let written = hengxin_node::verify_page::export(&anchor, &chain, &nodes, out)
        .with_context(|| format!("writing the page to {}", out.display()))?;
    for path in &written {
        println!("wrote {}", path.display());
    }
    println!(
        "serve {} with any web server; the page asks {} in turn. QR codes for it: \
         hengxin cert qr --base https://<that server> …",
        out.display(),
        nodes.join(", ")
    );
    Ok(())
}

fn testnet(net: &config::Testnet, out: &std::path::Path) -> anyhow::Result<()> {
    config::testnet(net, out)?;
    println!(
        "wrote a network of {} validators and {} observers to {}",
        net.validators,
        net.observers,
        out.display()
    );
    for i in 0..net.validators + net.observers {
        let role = if i < net.validators {
            "validator"
        } else {
            "observer"
        };
        println!(
            "  node {i} ({role}): hengxin-node --config {}   (HTTP http://127.0.0.1:{})",
            out.join(format!("node-{i}/config.toml")).display(),
            usize::from(net.ports.http) + i
        );
    }
    println!(
        "  demo keys in {}, trust anchor in {}",
        out.join("keys").display(),
        out.join("trust.json").display()
    );
    Ok(())
}

fn run(args: Args) -> anyhow::Result<()> {
    if let Some(command) = args.command {
        return setup_command(command);
    }
    let mut settings = match &args.config {
        Some(path) => config::load(path)?,
        None => {
            let dir = match args.data_dir {
                Some(dir) => dir,
                None => config::default_dev_dir()?,
            };
            let http = args.http.unwrap_or(DEV_HTTP.parse()?);
            config::dev(&dir, http, args.crypto)?
        }
    };
    if let Some(http) = args.http {
        settings.http = Some(http);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(settings, args.dev))
}

async fn serve(settings: NodeSettings, dev: bool) -> anyhow::Result<()> {
    let data_dir = settings.data_dir.clone();
    let mut node = node::start(settings).await?;
    let genesis = node.genesis.hash();
    let head = node.store.head()?.map_or(0, |h| h.height);
    info!(%genesis, height = head, "node started");
    if let Some(http) = node.http {
        let base = format!("http://{http}");
        println!("hengxin-node: chain {genesis}, at height {head}");
        println!("  HTTP API     {base}/v1/health");
        println!(
            "  certificate  {base}/v1/certificates/CQJL/{}",
            demo::CERT_VALID
        );
        println!("  OpenAPI      {base}/v1/openapi.json");
        println!("  verify page  {base}/verify?c=CQJL/{}", demo::CERT_VALID);
        println!("  console      {base}/console");
        if dev {
            println!(
                "  demo keys    {}  ({})",
                data_dir.join("keys").display(),
                demo::KEY_NAMES.join(", ")
            );
            println!("  trust anchor {}", data_dir.join("trust.json").display());
        }
        println!("Ctrl-C stops the node; starting it again resumes the chain.");
    }
    let failed = tokio::select! {
        signal = shutdown_signal() => {
            info!(signal = signal?, "stopping");
            None
        }
        result = node.app_stopped() => Some(result),
    };
    node.stop().await;
    match failed {
        None => {
            info!("stopped");
            Ok(())
        }
        Some(result) => {
            let e = result.err().unwrap_or_else(|| anyhow::anyhow!("stopped"));
            error!(error = %e, "the consensus loop ended");
            Err(e.context(
                "the consensus loop ended; the chain on disk is consistent, restart the node",
            ))
        }
    }
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
async fn shutdown_signal() -> anyhow::Result<&'static str> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut term = signal(SignalKind::terminate())?;
        tokio::select! {
            r = tokio::signal::ctrl_c() => { r?; Ok("SIGINT") }
            _ = term.recv() => Ok("SIGTERM"),
        }
    }
    #[cfg(not(unix))]
    {
        tokio::signal::ctrl_c().await?;
        Ok("Ctrl-C")
    }
}
