//! The files a node runs from: its TOML config, the genesis file, key files and the trust anchor;
//! the two ways to make them, `--dev` and `testnet`, are in `local`.
//!
//! Paths inside a config are relative to the config file's directory. Every file is written to a
//! temporary name and renamed, so a crash never leaves half a file; key files are `0600`.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, bail};
use hengxin_chain_spec::consortium::Consortium;
use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::files::write_atomic;
use hengxin_runtime::{Chain, GenesisConfig};
use hengxin_support::MemoryBackend;
use malachite_app_channel::app::net::Multiaddr;
use malachite_app_channel::app::types::core::LinearTimeouts;
use serde::{Deserialize, Serialize};

use crate::api::{ConnectionLimits, RateLimit, TrustedProxies};
use crate::consensus::app::BlockParams;
use crate::keys::read_key;
use crate::mempool::MempoolLimits;
use crate::node::{NodeRole, NodeSettings};

mod local;
pub use local::{Testnet, TestnetPorts, default_dev_dir, dev, testnet};

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
    /// The SQL index of finalized state (the supervision platform's database).
    #[serde(default)]
    pub index: IndexSection,
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

/// The SQL index.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IndexSection {
    /// `sqlite:PATH` (relative to the data directory; the default, `sqlite:index.sqlite`),
    /// `postgres://USER:PASSWORD@HOST/DATABASE` for a database regulators share, or `off`.
    pub database: String,
}

impl Default for IndexSection {
    fn default() -> Self {
        IndexSection {
            database: crate::index::DEFAULT_DATABASE.into(),
        }
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
        index: config.index.database,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_edited_genesis_is_refused() {
        let set = ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap();
        let mut genesis = GenesisFile::demo(1_780_000_000_000, &set, &[]).unwrap();
        genesis.consortium.chain.push('x');
        let e = genesis.build().unwrap_err().to_string();
        assert!(e.contains("was edited"), "{e}");
    }
}
