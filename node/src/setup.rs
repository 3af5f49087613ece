//! Setting up a real consortium: the genesis file from the consortium file, each node's config
//! from both and its own key, and the verifiers' trust file from the genesis alone.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use hengxin_chain_spec::consortium::{Consortium, NodeEntry};
use hengxin_primitives::PublicKey;
use hengxin_primitives::files::{trust_file, write_atomic};
use libp2p::multiaddr::Protocol;
use malachite_app_channel::app::net::Multiaddr;

use crate::config::{
    BlocksSection, ConfigFile, GenesisFile, HttpSection, MempoolSection, NetworkSection,
    read_genesis,
};
use crate::keys::read_key;
use crate::node::NodeRole;

/// Reads and checks a consortium file.
pub fn read_consortium(path: &Path) -> anyhow::Result<Consortium> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("reading the consortium file {}", path.display()))?;
    let consortium = Consortium::from_toml(&text)
        .with_context(|| format!("reading the consortium file {}", path.display()))?;
    consortium
        .check()
        .with_context(|| format!("checking the consortium file {}", path.display()))?;
    Ok(consortium)
}

fn write_new(path: &Path, text: &str) -> anyhow::Result<()> {
    if path.exists() {
        bail!(
            "{} exists; give another --out (nothing is overwritten)",
            path.display()
        );
    }
    write_atomic(path, text, false).with_context(|| format!("writing {}", path.display()))
}

/// `hengxin-node genesis`: the genesis file of a checked consortium file; its hash.
pub fn genesis(consortium: &Path, out: &Path) -> anyhow::Result<GenesisFile> {
    let file = GenesisFile::new(read_consortium(consortium)?)?;
    write_new(out, &format!("{}\n", serde_json::to_string_pretty(&file)?))?;
    Ok(file)
}

/// `hengxin-node trust`: the verifiers' trust file, from the genesis file alone.
pub fn trust(genesis: &Path, out: &Path) -> anyhow::Result<()> {
    let file = read_genesis(genesis)?;
    let (_, anchor) = file.build()?;
    write_new(out, &trust_file(&file.consortium.chain, &anchor))
}

/// The libp2p peer id of `node`: its `peer_id`, which an ed25519 key implies (and must match
/// when both are given), and which an SM2 node gives (`hengxin-node key new` prints it).
fn peer_id(node: &NodeEntry) -> anyhow::Result<libp2p::PeerId> {
    let what = format!("node {}", node.name);
    let given = node
        .peer_id
        .as_deref()
        .map(|text| {
            text.parse::<libp2p::PeerId>().with_context(|| {
                format!("{what}: peer_id `{text}` is not a libp2p peer id (12D3KooW…)")
            })
        })
        .transpose()?;
    let implied = match PublicKey::from_hex(&node.public_key) {
        Some(PublicKey::Ed25519(bytes)) => {
            let key = libp2p::identity::ed25519::PublicKey::try_from_bytes(&bytes)
                .with_context(|| format!("{what}: its key is not an ed25519 point"))?;
            Some(libp2p::identity::PublicKey::from(key).to_peer_id())
        }
        _ => None,
    };
    match (given, implied) {
        (Some(given), Some(implied)) if given != implied => bail!(
            "{what}: peer_id {given} is not the one its ed25519 key implies ({implied}); leave \
             peer_id out"
        ),
        (Some(id), _) | (None, Some(id)) => Ok(id),
        (None, None) => bail!(
            "{what} gives no peer_id: an SM2 node's network identity is an ed25519 key of its \
             own; copy the peer id `hengxin-node key new --crypto sm2-sm3` printed into peer_id"
        ),
    }
}

fn multiaddr(text: &str, what: &str) -> anyhow::Result<Multiaddr> {
    text.parse().with_context(|| {
        format!("{what} `{text}` is not a multiaddr like /dns4/node1.example.cn/tcp/27000")
    })
}

/// The TCP port of an address.
fn port(addr: &Multiaddr) -> Option<u16> {
    addr.iter().find_map(|p| match p {
        Protocol::Tcp(port) => Some(port),
        _ => None,
    })
}

/// A node's gossip address: its own, or its consensus address with the port 100 up.
fn gossip_address(node: &NodeEntry) -> anyhow::Result<Multiaddr> {
    if let Some(text) = &node.gossip_address {
        return multiaddr(text, &format!("node {}'s gossip_address", node.name));
    }
    let consensus = multiaddr(&node.address, &format!("node {}'s address", node.name))?;
    consensus
        .iter()
        .map(|p| match p {
            Protocol::Tcp(port) => port.checked_add(100).map(Protocol::Tcp).with_context(|| {
                format!(
                    "node {}'s port is too high for its gossip port (+100); give gossip_address",
                    node.name
                )
            }),
            other => Ok(other),
        })
        .collect()
}

/// Where a node listens: `listen`'s host with the port of its own address.
fn listen_on(listen: &Multiaddr, advertised: &Multiaddr, what: &str) -> anyhow::Result<String> {
    let port =
        port(advertised).with_context(|| format!("{what} `{advertised}` has no /tcp/ port"))?;
    let host: Multiaddr = listen
        .iter()
        .filter(|p| !matches!(p, Protocol::Tcp(_)))
        .collect();
    Ok(format!("{host}/tcp/{port}"))
}

/// What `hengxin-node config` is told.
pub struct ConfigRequest<'a> {
    /// The genesis file.
    pub genesis: &'a Path,
    /// This node's key file.
    pub key: &'a Path,
    /// A file with the key's passphrase, when it is encrypted.
    pub passphrase_file: Option<&'a Path>,
    /// The consortium file.
    pub consortium: &'a Path,
    /// The interface to listen on (`/ip4/0.0.0.0`); the ports are those of the node's own
    /// addresses.
    pub listen: Multiaddr,
    /// Where to serve the HTTP API.
    pub http: SocketAddr,
    /// Where the node keeps its data.
    pub data_dir: &'a Path,
    /// The config to write.
    pub out: &'a Path,
}

fn absolute(path: &Path) -> anyhow::Result<PathBuf> {
    std::path::absolute(path).with_context(|| format!("resolving {}", path.display()))
}

/// `hengxin-node config`: this node's config, with the other members as its peers.
pub fn config(request: &ConfigRequest<'_>) -> anyhow::Result<ConfigFile> {
    let consortium = read_consortium(request.consortium)?;
    let genesis = read_genesis(request.genesis)?;
    if GenesisFile::new(consortium.clone())?.genesis_hash != genesis.genesis_hash {
        bail!(
            "{} is not the genesis of {}: make it again with `hengxin-node genesis`, and compare \
             its hash with the other members'",
            request.genesis.display(),
            request.consortium.display()
        );
    }
    let key = read_key(request.key, request.passphrase_file)?;
    let me = key.public().to_hex();
    let nodes: Vec<&NodeEntry> = consortium
        .validators
        .iter()
        .chain(&consortium.observers)
        .collect();
    let own = nodes.iter().find(|n| n.public_key == me).with_context(|| {
        format!(
            "the key {} ({me}) is no validator's or observer's in {}",
            request.key.display(),
            request.consortium.display()
        )
    })?;
    let own_peer = crate::node::network_keypair(&key)?.public().to_peer_id();
    if peer_id(own)? != own_peer {
        bail!(
            "node {}'s peer_id in {} is not its key's: `hengxin-node key show {}` prints {own_peer}",
            own.name,
            request.consortium.display(),
            request.key.display()
        );
    }
    let mut consensus_peers = Vec::new();
    let mut gossip_peers = Vec::new();
    for node in nodes.iter().filter(|n| n.public_key != me) {
        let id = peer_id(node)?;
        let address = multiaddr(&node.address, &format!("node {}'s address", node.name))?;
        consensus_peers.push(format!("{address}/p2p/{id}"));
        gossip_peers.push(format!("{}/p2p/{id}", gossip_address(node)?));
    }
    let own_address = multiaddr(&own.address, &format!("node {}'s address", own.name))?;
    let passphrase = request.passphrase_file.map(absolute).transpose()?;
    let role = if consortium.observers.iter().any(|o| o.public_key == me) {
        NodeRole::Observer
    } else {
        NodeRole::Validator
    };
    Ok(ConfigFile {
        moniker: own.name.clone(),
        role,
        key_file: absolute(request.key)?,
        key_passphrase_file: passphrase,
        genesis_file: absolute(request.genesis)?,
        data_dir: absolute(request.data_dir)?,
        consensus: NetworkSection {
            listen: listen_on(&request.listen, &own_address, "its address")?,
            peers: consensus_peers,
        },
        gossip: NetworkSection {
            listen: listen_on(&request.listen, &gossip_address(own)?, "its gossip address")?,
            peers: gossip_peers,
        },
        http: HttpSection {
            listen: request.http,
            ..HttpSection::default()
        },
        blocks: BlocksSection::default(),
        mempool: MempoolSection::default(),
        index: crate::config::IndexSection::default(),
        byzantine: None,
    })
}

/// Writes `config` to `out` with a header saying what it is.
pub fn write_config(config: &ConfigFile, out: &Path) -> anyhow::Result<()> {
    let text = format!(
        "# hengxin node {} (written by `hengxin-node config`). Run it with:\n#   hengxin-node --config {}\n\n{}",
        config.moniker,
        out.display(),
        toml::to_string(config)?
    );
    write_new(out, &text)
}

/// The lines `hengxin-node genesis` prints: what the genesis holds, then its hash (last).
pub fn summary(file: &GenesisFile) -> Vec<String> {
    let c = &file.consortium;
    let mut lines = vec![format!(
        "chain {}, genesis time {}",
        c.chain, c.genesis_time
    )];
    for r in &c.regions {
        lines.push(format!(
            "  region {} {}: regulator {} {}",
            r.code, r.name, r.regulator.name, r.regulator.public_key
        ));
    }
    for v in &c.validators {
        let region = c.node_region(v).unwrap_or_default();
        lines.push(format!(
            "  validator {} ({region}, power {}) {} at {}",
            v.name, v.power, v.public_key, v.address
        ));
    }
    lines.push(format!(
        "  {} observers, {} labs, {} inspectors, {} businesses",
        c.observers.len(),
        c.labs.len(),
        c.inspectors.len(),
        c.businesses.len()
    ));
    lines.push("genesis hash (every member compares it out of band before starting):".into());
    lines.push(file.genesis_hash.clone());
    lines
}
