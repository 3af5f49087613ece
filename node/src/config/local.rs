//! The two ways to make a node's files on one machine: `--dev` (one validator, the demo
//! consortium) and `testnet` (N validators, and observers, on loopback).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::bail;
use hengxin_chain_spec::demo;
use hengxin_primitives::Keypair;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::files::{key_file, trust_file};
use malachite_app_channel::app::net::Multiaddr;

use super::{
    BlocksSection, ConfigFile, GenesisFile, HttpSection, MempoolSection, NetworkSection,
    parse_addr, read_genesis, write_file,
};
use crate::api::{ConnectionLimits, RateLimit, TrustedProxies};
use crate::keys::{random_key, read_key};
use crate::mempool::MempoolLimits;
use crate::node::{NodeRole, NodeSettings, network_keypair};

fn now_ms() -> anyhow::Result<u64> {
    Ok(u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?)
}

/// Writes the demo keys of `scheme` to `dir/keys/<name>.key`, unless they are there already.
fn write_demo_keys(dir: &Path, scheme: Scheme) -> anyhow::Result<()> {
    for name in demo::KEY_NAMES {
        let path = dir.join("keys").join(format!("{name}.key"));
        if !path.exists() {
            write_file(&path, &key_file(&demo::key_of(scheme, name)), true)?;
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

/// The `--dev` node: one validator and the demo consortium, in `dir`, on a chain of `crypto`
/// (default ed25519-sha256). The first start writes the demo keys, the genesis file and the
/// trust anchor; later starts resume the same chain, whose scheme `crypto` must then name if
/// given.
pub fn dev(dir: &Path, http: SocketAddr, crypto: Option<Scheme>) -> anyhow::Result<NodeSettings> {
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
        let scheme = crypto.unwrap_or_default();
        let key = demo::key_of(scheme, "validator-0");
        let set = ValidatorSet::equal_power([key.public()])?;
        let genesis = GenesisFile::demo(now_ms()?, &set, &[])?;
        let (_, anchor) = genesis.build()?;
        write_demo_keys(dir, scheme)?;
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
    if let Some(asked) = crypto.filter(|&c| c != genesis.crypto) {
        bail!(
            "{} holds a dev chain of {}, not {asked}: a chain's scheme is fixed in its genesis; \
             give another --data-dir for an {asked} dev chain (or leave out --crypto)",
            dir.display(),
            genesis.crypto
        );
    }
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
        index: crate::index::DEFAULT_DATABASE.into(),
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
    /// The network's scheme.
    pub crypto: Scheme,
}

/// Writes a local network to `out`: `genesis.json`, `trust.json`, the demo keys in `keys/`, and
/// for each node (the validators, then the observers) `node-I/config.toml` with its `node.key`.
pub fn testnet(net: &Testnet, out: &Path) -> anyhow::Result<()> {
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
    let keys: Vec<Keypair> = (0..total).map(|_| random_key(net.crypto)).collect();
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
    write_demo_keys(out, net.crypto)?;

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
        index: super::IndexSection::default(),
        byzantine: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{DEV_HTTP, load};

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
            crypto: Scheme::Ed25519Sha256,
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
    fn dev_resumes_its_own_chain() {
        let dir = tempfile::tempdir().unwrap();
        let first = dev(dir.path(), DEV_HTTP.parse().unwrap(), None).unwrap();
        let again = dev(dir.path(), DEV_HTTP.parse().unwrap(), None).unwrap();
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

    /// `--dev --crypto sm2-sm3`: SM2 demo keys, an SM2/SM3 genesis and trust file; the same
    /// directory refuses another scheme, and resumes without `--crypto`.
    #[test]
    fn an_sm2_dev_chain_keeps_its_scheme() {
        let dir = tempfile::tempdir().unwrap();
        let http = DEV_HTTP.parse().unwrap();
        let sm = Some(Scheme::Sm2Sm3);
        let first = dev(dir.path(), http, sm).unwrap();
        assert_eq!(first.genesis.crypto, Scheme::Sm2Sm3);
        assert_eq!(first.key.scheme(), Scheme::Sm2Sm3);
        let lab = read_key(&dir.path().join("keys/lab-cq.key"), None).unwrap();
        assert_eq!(
            lab.public(),
            demo::key_of(Scheme::Sm2Sm3, "lab-cq").public()
        );
        let trust = std::fs::read_to_string(dir.path().join("trust.json")).unwrap();
        assert!(trust.contains("\"crypto\": \"sm2-sm3\""), "{trust}");
        assert_eq!(
            dev(dir.path(), http, None).unwrap().genesis.crypto,
            Scheme::Sm2Sm3
        );
        let e = dev(dir.path(), http, Some(Scheme::Ed25519Sha256))
            .map(|_| ())
            .unwrap_err()
            .to_string();
        assert!(e.contains("sm2-sm3") && e.contains("ed25519-sha256"), "{e}");
    }

    #[test]
    fn an_sm2_testnet_has_sm2_keys_and_ed25519_peer_ids() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("net");
        let net = Testnet {
            validators: 2,
            observers: 0,
            ports: TestnetPorts {
                consensus: 41_000,
                http: 41_500,
            },
            blocks: BlocksSection::default(),
            crypto: Scheme::Sm2Sm3,
        };
        testnet(&net, &out).unwrap();
        let node = load(&out.join("node-1/config.toml")).unwrap();
        assert_eq!(node.key.scheme(), Scheme::Sm2Sm3);
        assert_eq!(node.genesis.crypto, Scheme::Sm2Sm3);
        let other = load(&out.join("node-0/config.toml")).unwrap();
        let peer = network_keypair(&other.key).unwrap().public().to_peer_id();
        assert!(node.peers[0].to_string().ends_with(&peer.to_string()));
    }
}
