//! The files a node runs from: its TOML config, the genesis file, key files and the trust anchor;
//! and the two ways to make them: `--dev` (one validator, the demo consortium) and `testnet`
//! (N validators on loopback).
//!
//! Paths inside a config are relative to the config file's directory. Every file is written to a
//! temporary name and renamed, so a crash never leaves half a file; key files are `0600`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use hengxin_primitives::Keypair;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::files::{key_file, trust_file, write_atomic};
use hengxin_runtime::consortium::Consortium;
use hengxin_runtime::{Chain, GenesisConfig, demo};
use hengxin_support::MemoryBackend;
use malachite_app_channel::app::net::Multiaddr;
use malachite_app_channel::app::types::core::LinearTimeouts;
use serde::{Deserialize, Serialize};

use crate::api::{ConnectionLimits, RateLimit, TrustedProxies};
use crate::consensus::app::BlockParams;
use crate::keys::read_key;
use crate::mempool::MempoolLimits;
use crate::node::{NodeRole, NodeSettings, network_keypair};

/// The HTTP address `--dev` serves on unless told otherwise.
pub const DEV_HTTP: &str = "127.0.0.1:8686";

/// The genesis file (`genesis.json`): the consortium it was built from, written out in full
/// (defaults included), and the genesis hash. The node rebuilds the genesis from it and checks
/// the hash it records.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GenesisFile {
    /// The consortium.
    pub consortium: Consortium,
    /// The genesis hash, written by the tool that made the file.
    pub genesis_hash: String,
}

impl GenesisFile {
    /// The genesis file of `consortium`, with its hash.
    pub fn new(consortium: Consortium) -> anyhow::Result<GenesisFile> {
        let mut file = GenesisFile {
            consortium,
            genesis_hash: String::new(),
        };
        file.genesis_hash = file.build()?.1.genesis_hash.to_hex();
        Ok(file)
    }

    /// The genesis of the demo consortium at `genesis_time_ms` with `validators`, dialled at
    /// `addresses`.
    pub fn demo(
        genesis_time_ms: u64,
        validators: &ValidatorSet,
        addresses: &[String],
    ) -> anyhow::Result<GenesisFile> {
        GenesisFile::new(demo::consortium(genesis_time_ms, validators, addresses)?)
    }

    /// The chain's genesis and its trust anchor, checked against the recorded hash.
    pub fn build(&self) -> anyhow::Result<(GenesisConfig, TrustAnchor)> {
        let config = self.consortium.genesis()?;
        let validators = config.membership.validators.clone();
        let (_, header) = Chain::from_genesis(MemoryBackend::default(), &config)
            .map_err(|e| anyhow::anyhow!("the genesis is invalid: {e}"))?;
        let hash = header.hash().to_hex();
        if !self.genesis_hash.is_empty() && self.genesis_hash != hash {
            bail!(
                "the genesis file records hash {} but describes a chain with hash {hash}: it was \
                 edited, or written by another version of hengxin-node",
                self.genesis_hash
            );
        }
        Ok((
            config,
            TrustAnchor {
                genesis_hash: header.hash(),
                validators,
            },
        ))
    }
}

/// A node's config file (`config.toml`).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConfigFile {
    /// A name for logs.
    pub moniker: String,
    /// `validator` (the default), or `observer`: a node in the consortium's node list that
    /// follows the chain without ever voting and serves the read API, proofs and the verify
    /// page, so that the public's scans need not reach the validators.
    #[serde(default)]
    pub role: NodeRole,
    /// The validator's key file (plain, or encrypted: see `key_passphrase_file`).
    pub key_file: PathBuf,
    /// A file whose first line is the passphrase of an encrypted key file (else
    /// `HENGXIN_PASSPHRASE`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_passphrase_file: Option<PathBuf>,
    /// The chain's genesis file.
    pub genesis_file: PathBuf,
    /// Where the database and the consensus WAL live.
    pub data_dir: PathBuf,
    /// The consensus network.
    pub consensus: NetworkSection,
    /// The transaction gossip network.
    pub gossip: NetworkSection,
    /// The HTTP API.
    pub http: HttpSection,
    /// Block limits and pacing.
    #[serde(default)]
    pub blocks: BlocksSection,
    /// Mempool limits.
    #[serde(default)]
    pub mempool: MempoolSection,
    /// Test builds only: the attacks of the byzantine mode (see `byzantine.rs`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub byzantine: Option<toml::Table>,
}

/// One of a node's libp2p networks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkSection {
    /// The listen address, e.g. `/ip4/127.0.0.1/tcp/27000`.
    pub listen: String,
    /// The other nodes, each `/ip4/…/tcp/…/p2p/<peer id>`; only these may connect.
    pub peers: Vec<String>,
}

/// The HTTP API.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSection {
    /// Where to serve it, e.g. `127.0.0.1:8686`.
    pub listen: SocketAddr,
    /// Requests per second each client address may make, sustained.
    #[serde(default = "default_requests_per_s")]
    pub requests_per_s: u32,
    /// Requests each client address may make at once.
    #[serde(default = "default_burst")]
    pub burst: u32,
    /// The reverse proxies in front of the API (addresses or networks, `10.0.0.0/8`): from
    /// them, the client named by `Forwarded` or `X-Forwarded-For` is rate-limited, not the
    /// proxy. Headers from anyone else are ignored.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<String>,
    /// Connections served at once; more wait in the listen queue (keep it under the node's
    /// open-file limit, which the Debian package's unit sets to 65536).
    #[serde(default = "default_connections_max")]
    pub connections_max: usize,
    /// Connections served at once from one address; more are answered 429 and closed. A
    /// trusted proxy's are not counted.
    #[serde(default = "default_connections_per_client")]
    pub connections_per_client: usize,
    /// Where QR codes send readers, when it is not this node's own `/verify`: the address of
    /// the page a regulator hosts (`hengxin-node export-page`), e.g. `https://verify.example.cn`.
    /// The node tells clients in `/v1/health`; `hengxin cert qr` uses it unless given `--base`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_base: Option<String>,
}

impl Default for HttpSection {
    fn default() -> Self {
        HttpSection {
            listen: SocketAddr::from(([127, 0, 0, 1], 8686)),
            requests_per_s: default_requests_per_s(),
            burst: default_burst(),
            trusted_proxies: Vec::new(),
            connections_max: default_connections_max(),
            connections_per_client: default_connections_per_client(),
            verify_base: None,
        }
    }
}

impl HttpSection {
    /// Its connection limits, each at least 1.
    fn connection_limits(&self) -> anyhow::Result<ConnectionLimits> {
        if self.connections_max == 0 || self.connections_per_client == 0 {
            bail!("[http] connections_max and connections_per_client must be at least 1");
        }
        Ok(ConnectionLimits {
            connections_max: self.connections_max,
            connections_per_client: self.connections_per_client,
            ..ConnectionLimits::default()
        })
    }
}

fn default_requests_per_s() -> u32 {
    RateLimit::default().per_second
}

fn default_burst() -> u32 {
    RateLimit::default().burst
}

fn default_connections_max() -> usize {
    ConnectionLimits::default().connections_max
}

fn default_connections_per_client() -> usize {
    ConnectionLimits::default().connections_per_client
}

/// Block limits and consensus timing.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BlocksSection {
    /// Most transactions in a block.
    pub txs_max: usize,
    /// Most transaction bytes in a block.
    pub bytes_max: usize,
    /// Minimum time per height while transactions wait, ms (0: as fast as consensus goes).
    pub target_time_ms: u64,
    /// With no transaction waiting, how long after the last block the next one is made, ms: an
    /// idle chain makes one block a heartbeat, so its time still advances for expiry and proof
    /// age.
    pub heartbeat_ms: u64,
    /// How long to wait for a proposal, ms.
    pub propose_timeout_ms: u64,
    /// How long to wait for prevotes and precommits after a quorum of any, ms.
    pub vote_timeout_ms: u64,
}

impl Default for BlocksSection {
    fn default() -> Self {
        BlocksSection {
            txs_max: 5_000,
            bytes_max: 8 * 1024 * 1024,
            target_time_ms: 100,
            heartbeat_ms: 10_000,
            propose_timeout_ms: 500,
            vote_timeout_ms: 200,
        }
    }
}

impl BlocksSection {
    fn params(&self) -> anyhow::Result<BlockParams> {
        if self.txs_max == 0 || self.bytes_max < hengxin_primitives::tx::TX_SIZE_BYTES_MAX {
            bail!(
                "[blocks] txs_max must be at least 1 and bytes_max at least {} (one transaction)",
                hengxin_primitives::tx::TX_SIZE_BYTES_MAX
            );
        }
        if self.propose_timeout_ms == 0 || self.vote_timeout_ms == 0 || self.heartbeat_ms == 0 {
            bail!("[blocks] timeouts and the heartbeat must be positive");
        }
        let ms = Duration::from_millis;
        Ok(BlockParams {
            txs_max: self.txs_max,
            bytes_max: self.bytes_max,
            timeouts: LinearTimeouts {
                propose: ms(self.propose_timeout_ms),
                prevote: ms(self.vote_timeout_ms),
                precommit: ms(self.vote_timeout_ms),
                ..LinearTimeouts::default()
            },
            target_time: (self.target_time_ms > 0).then(|| ms(self.target_time_ms)),
            heartbeat: ms(self.heartbeat_ms),
        })
    }
}

/// Mempool limits.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MempoolSection {
    /// Transactions in all.
    pub txs_max: usize,
    /// Encoded bytes in all.
    pub bytes_max: usize,
    /// Transactions of one account.
    pub per_account_max: usize,
}

impl Default for MempoolSection {
    fn default() -> Self {
        let limits = MempoolLimits::default();
        MempoolSection {
            txs_max: limits.txs_max,
            bytes_max: limits.bytes_max,
            per_account_max: limits.per_account_max,
        }
    }
}

/// Reads `path` as UTF-8 text, naming the file in the error.
fn read_text(path: &Path, what: &str) -> anyhow::Result<String> {
    std::fs::read_to_string(path).with_context(|| format!("reading the {what} {}", path.display()))
}

fn write_file(path: &Path, contents: &str, secret: bool) -> anyhow::Result<()> {
    write_atomic(path, contents, secret).with_context(|| format!("writing {}", path.display()))
}

/// Reads a genesis file.
pub fn read_genesis(path: &Path) -> anyhow::Result<GenesisFile> {
    serde_json::from_str(&read_text(path, "genesis file")?).with_context(|| {
        format!(
            "reading the genesis file {} (one written by an older hengxin-node, or edited by \
             hand, does not read: make it again with `hengxin-node genesis`)",
            path.display()
        )
    })
}

fn parse_addr(text: &str, what: &str) -> anyhow::Result<Multiaddr> {
    text.parse().with_context(|| {
        format!("{what} `{text}` is not a multiaddr like /ip4/127.0.0.1/tcp/27000")
    })
}

impl NetworkSection {
    fn addresses(&self, section: &str) -> anyhow::Result<(Multiaddr, Vec<Multiaddr>)> {
        let listen = parse_addr(&self.listen, &format!("[{section}] listen"))?;
        let peers = self
            .peers
            .iter()
            .map(|p| {
                let addr = parse_addr(p, &format!("[{section}] peer"))?;
                if !matches!(
                    addr.iter().last(),
                    Some(libp2p::multiaddr::Protocol::P2p(_))
                ) {
                    bail!("[{section}] peer `{p}` must end in /p2p/<peer id>");
                }
                Ok(addr)
            })
            .collect::<anyhow::Result<_>>()?;
        Ok((listen, peers))
    }
}

/// Reads a node's config file and everything it names.
pub fn load(path: &Path) -> anyhow::Result<NodeSettings> {
    let config: ConfigFile = toml::from_str(&read_text(path, "config file")?)
        .with_context(|| format!("reading the config file {}", path.display()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    let passphrase_file = config.key_passphrase_file.as_ref().map(|p| base.join(p));
    let key = read_key(&base.join(&config.key_file), passphrase_file.as_deref())?;
    let (genesis, _) = read_genesis(&base.join(&config.genesis_file))?.build()?;
    let (listen, peers) = config.consensus.addresses("consensus")?;
    let (gossip_listen, gossip_peers) = config.gossip.addresses("gossip")?;
    Ok(NodeSettings {
        moniker: config.moniker,
        data_dir: base.join(&config.data_dir),
        key,
        genesis,
        listen,
        peers,
        gossip_listen,
        gossip_peers,
        http: Some(config.http.listen),
        rate_limit: RateLimit {
            per_second: config.http.requests_per_s,
            burst: config.http.burst,
        },
        trusted_proxies: TrustedProxies::parse(&config.http.trusted_proxies)
            .map_err(|e| anyhow::anyhow!("[http] {e}"))?,
        connections: config.http.connection_limits()?,
        verify_base: config
            .http
            .verify_base
            .as_deref()
            .map(crate::verify_page::node_url)
            .transpose()
            .map_err(|e| anyhow::anyhow!("[http] verify_base: {e}"))?,
        blocks: config.blocks.params()?,
        mempool: MempoolLimits {
            txs_max: config.mempool.txs_max,
            bytes_max: config.mempool.bytes_max,
            per_account_max: config.mempool.per_account_max,
        },
        role: config.role,
        byzantine: config.byzantine,
    })
}

fn now_ms() -> anyhow::Result<u64> {
    Ok(u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?)
}

/// Writes the demo keys to `dir/keys/<name>.key`, unless they are there already.
fn write_demo_keys(dir: &Path) -> anyhow::Result<()> {
    for name in demo::KEY_NAMES {
        let path = dir.join("keys").join(format!("{name}.key"));
        if !path.exists() {
            write_file(&path, &key_file(&demo::key(name)), true)?;
        }
    }
    Ok(())
}

/// The per-user default data directory of `--dev`.
pub fn default_dev_dir() -> anyhow::Result<PathBuf> {
    let data = match std::env::var_os("XDG_DATA_HOME") {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir),
        _ => match std::env::var_os("HOME") {
            Some(home) if !home.is_empty() => PathBuf::from(home).join(".local").join("share"),
            _ => bail!("neither XDG_DATA_HOME nor HOME is set; give --data-dir DIR"),
        },
    };
    Ok(data.join("hengxin").join("dev"))
}

/// The `--dev` node: one validator and the demo consortium, in `dir`. The first start writes
/// the demo keys, the genesis file and the trust anchor; later starts resume the same chain.
pub fn dev(dir: &Path, http: SocketAddr) -> anyhow::Result<NodeSettings> {
    let genesis_path = dir.join("genesis.json");
    let key_path = dir.join("keys").join("validator.key");
    if !genesis_path.exists() {
        if dir.join("db").exists() {
            bail!(
                "{} holds a database but no genesis.json: it is not a --dev data directory; give \
                 another --data-dir",
                dir.display()
            );
        }
        let key = demo::key("validator-0");
        let set = ValidatorSet::equal_power([key.public()])?;
        let genesis = GenesisFile::demo(now_ms()?, &set, &[])?;
        let (_, anchor) = genesis.build()?;
        write_demo_keys(dir)?;
        write_file(&key_path, &key_file(&key), true)?;
        write_file(
            &dir.join("trust.json"),
            &trust_file("hengxin-dev", &anchor),
            false,
        )?;
        write_file(
            &genesis_path,
            &serde_json::to_string_pretty(&genesis)?,
            false,
        )?;
    }
    let (genesis, _) = read_genesis(&genesis_path)?.build()?;
    let loopback: Multiaddr = parse_addr("/ip4/127.0.0.1/tcp/0", "loopback")?;
    Ok(NodeSettings {
        moniker: "dev".into(),
        data_dir: dir.to_path_buf(),
        key: read_key(&key_path, None)?,
        genesis,
        listen: loopback.clone(),
        peers: Vec::new(),
        gossip_listen: loopback.clone(),
        gossip_peers: Vec::new(),
        http: Some(http),
        blocks: BlocksSection::default().params()?,
        mempool: MempoolLimits::default(),
        rate_limit: RateLimit::default(),
        trusted_proxies: TrustedProxies::default(),
        connections: ConnectionLimits::default(),
        verify_base: None,
        role: NodeRole::Validator,
        byzantine: None,
    })
}

/// Where the nodes of a testnet listen.
#[derive(Debug, Clone, Copy)]
pub struct TestnetPorts {
    /// Node I's consensus port is `consensus + I`, its gossip port `consensus + 100 + I`.
    pub consensus: u16,
    /// Node I's HTTP port is `http + I`.
    pub http: u16,
}

/// A local network for `testnet`.
#[derive(Debug, Clone)]
pub struct Testnet {
    /// Validators, in the genesis set.
    pub validators: usize,
    /// Observers: nodes after the validators, in every node's peer list, in no validator set.
    pub observers: usize,
    /// Where the nodes listen.
    pub ports: TestnetPorts,
    /// Every node's `[blocks]` section.
    pub blocks: BlocksSection,
}

/// Writes a local network to `out`: `genesis.json`, `trust.json`, the demo keys in `keys/`, and
/// for each node (the validators, then the observers) `node-I/config.toml` with its `node.key`.
pub fn testnet(net: &Testnet, out: &Path) -> anyhow::Result<()> {
    use rand::RngCore;
    let (n, ports) = (net.validators, net.ports);
    if !(1..=100).contains(&n) || net.observers > 100 {
        bail!("--validators must be between 1 and 100, and --observers at most 100");
    }
    net.blocks.params()?;
    let total = n + net.observers;
    let last = |base: u16, span: usize| usize::from(base) + span < usize::from(u16::MAX);
    if !last(ports.consensus, 100 + total) || !last(ports.http, total) {
        bail!("the ports run past 65535; choose lower --base-port and --http-port");
    }
    if out.exists() && out.read_dir()?.next().is_some() {
        bail!(
            "{} is not empty; give a new directory to --out",
            out.display()
        );
    }
    let keys: Vec<Keypair> = (0..total)
        .map(|_| {
            let mut seed = [0u8; 32];
            rand::rngs::OsRng.fill_bytes(&mut seed);
            Keypair::from_seed(&seed)
        })
        .collect();
    let set = ValidatorSet::equal_power(keys[..n].iter().map(|k| k.public()))?;
    let addresses: Vec<String> = (0..n)
        .map(|i| format!("/ip4/127.0.0.1/tcp/{}", usize::from(ports.consensus) + i))
        .collect();
    let genesis = GenesisFile::demo(now_ms()?, &set, &addresses)?;
    let (_, anchor) = genesis.build()?;
    write_file(
        &out.join("genesis.json"),
        &serde_json::to_string_pretty(&genesis)?,
        false,
    )?;
    write_file(
        &out.join("trust.json"),
        &trust_file("hengxin-testnet", &anchor),
        false,
    )?;
    write_demo_keys(out)?;

    let peer_ids = keys
        .iter()
        .map(|key| Ok(network_keypair(key)?.public().to_peer_id()))
        .collect::<anyhow::Result<Vec<_>>>()?;
    for (i, key) in keys.iter().enumerate() {
        let mut config = testnet_config(i, &peer_ids, ports, &net.blocks)?;
        let validators = if n == 1 {
            "1 validator".to_string()
        } else {
            format!("{n} validators")
        };
        let what = if i < n {
            format!("validator {i} of a local network of {validators}")
        } else {
            config.role = NodeRole::Observer;
            format!("an observer of a local network of {validators}")
        };
        let dir = out.join(format!("node-{i}"));
        write_file(&dir.join("node.key"), &key_file(key), true)?;
        let text = format!(
            "# hengxin node {i}: {what} (written by `hengxin-node testnet`).\n\
             # Run it with: hengxin-node --config {}\n\n{}",
            dir.join("config.toml").display(),
            toml::to_string(&config)?
        );
        write_file(&dir.join("config.toml"), &text, false)?;
    }
    Ok(())
}

/// Node `i`'s config in a local network of `peers.len()` nodes: consensus on
/// `ports.consensus + i`, gossip 100 ports above, HTTP on `ports.http + i`, all on loopback.
fn testnet_config(
    i: usize,
    peer_ids: &[libp2p::PeerId],
    ports: TestnetPorts,
    blocks: &BlocksSection,
) -> anyhow::Result<ConfigFile> {
    let port = |base: u16, i: usize| usize::from(base) + i;
    let others = |offset: usize| {
        (0..peer_ids.len())
            .filter(|&j| j != i)
            .map(|j| {
                let port = port(ports.consensus, offset + j);
                format!("/ip4/127.0.0.1/tcp/{port}/p2p/{}", peer_ids[j])
            })
            .collect::<Vec<_>>()
    };
    Ok(ConfigFile {
        moniker: format!("node-{i}"),
        role: NodeRole::Validator,
        key_file: "node.key".into(),
        key_passphrase_file: None,
        genesis_file: "../genesis.json".into(),
        data_dir: "data".into(),
        consensus: NetworkSection {
            listen: format!("/ip4/127.0.0.1/tcp/{}", port(ports.consensus, i)),
            peers: others(0),
        },
        gossip: NetworkSection {
            listen: format!("/ip4/127.0.0.1/tcp/{}", port(ports.consensus, 100 + i)),
            peers: others(100),
        },
        http: HttpSection {
            listen: format!("127.0.0.1:{}", port(ports.http, i)).parse()?,
            ..HttpSection::default()
        },
        blocks: blocks.clone(),
        mempool: MempoolSection::default(),
        byzantine: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_testnet_loads_back_into_settings() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("net");
        let ports = TestnetPorts {
            consensus: 40_000,
            http: 40_500,
        };
        let net = Testnet {
            validators: 4,
            observers: 1,
            ports,
            blocks: BlocksSection::default(),
        };
        testnet(&net, &out).unwrap();
        let settings: Vec<_> = (0..5)
            .map(|i| load(&out.join(format!("node-{i}/config.toml"))).unwrap())
            .collect();
        assert_eq!(settings[2].peers.len(), 4, "the others and the observer");
        assert_eq!(settings[4].role, NodeRole::Observer);
        assert_eq!(settings[3].role, NodeRole::Validator);
        assert_eq!(settings[3].http, Some("127.0.0.1:40503".parse().unwrap()));
        let keys: Vec<_> = settings.iter().map(|s| s.key.public()).collect();
        let set = &settings[0].genesis.membership.validators;
        assert_eq!(
            set.validators.len(),
            4,
            "every validator is in the genesis set"
        );
        assert!(
            !set.validators.iter().any(|v| v.key == keys[4]),
            "the observer is not"
        );
        assert!(keys.windows(2).all(|w| w[0] != w[1]));
        assert!(out.join("keys/lab-cq.key").exists());
        assert_eq!(settings[0].verify_base, None);
        // A regulator's page for QR codes: checked as the exported page checks node addresses.
        let config = out.join("node-0/config.toml");
        let text = std::fs::read_to_string(&config).unwrap();
        for (base, loaded) in [
            (
                "https://verify.example.cn/",
                Some("https://verify.example.cn"),
            ),
            ("verify.example.cn", None),
        ] {
            let edited = text.replace("[http]\n", &format!("[http]\nverify_base = \"{base}\"\n"));
            assert_ne!(edited, text);
            std::fs::write(&config, edited).unwrap();
            match loaded {
                Some(want) => assert_eq!(load(&config).unwrap().verify_base.as_deref(), Some(want)),
                None => {
                    let e = load(&config).map(|_| ()).unwrap_err().to_string();
                    assert!(e.contains("verify_base"), "{e}");
                }
            }
        }
        // A second testnet may not overwrite the first.
        assert!(testnet(&net, &out).is_err());
    }

    #[test]
    fn an_edited_genesis_is_refused() {
        let set = ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap();
        let mut genesis = GenesisFile::demo(1_780_000_000_000, &set, &[]).unwrap();
        genesis.consortium.chain.push('x');
        let e = genesis.build().unwrap_err().to_string();
        assert!(e.contains("was edited"), "{e}");
    }

    #[test]
    fn dev_resumes_its_own_chain() {
        let dir = tempfile::tempdir().unwrap();
        let first = dev(dir.path(), DEV_HTTP.parse().unwrap()).unwrap();
        let again = dev(dir.path(), DEV_HTTP.parse().unwrap()).unwrap();
        assert_eq!(first.genesis.genesis_time_ms, again.genesis.genesis_time_ms);
        let file = read_genesis(&dir.path().join("genesis.json")).unwrap();
        assert!(
            file.consortium.demo_data,
            "the demo consortium, from its file"
        );
        let lab = read_key(&dir.path().join("keys/lab-cq.key"), None).unwrap();
        assert_eq!(lab.public(), demo::key("lab-cq").public());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.path().join("keys/lab-cq.key"))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600);
        }
    }
}
