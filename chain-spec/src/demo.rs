//! The demo consortium that `hengxin-node --dev` and `testnet` start with: the consortium file
//! `demo-consortium.toml` (regions `CQ` and `SC` with one regulator each, labs `CQJL` and `SCJL`
//! accredited for all ten categories, two inspectors, two businesses with their keys), and
//! the sample data it asks for: the 川渝 agreement, a self-commitment, a small traceability
//! chain of standards, and sample certificates.
//!
//! Demo keys are derived from their names, so every dev chain has the same ones: they are for
//! trying the system, never for a real deployment.

use std::collections::BTreeMap;

use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::crypto::Scheme;
use hengxin_runtime::GenesisConfig;

use crate::consortium::{Consortium, ConsortiumError, NodeEntry, format_time};
pub use crate::names::{
    BUSINESS_CQ, BUSINESS_SC, CERT_NOTICE, CERT_REVOKED, CERT_SCJL_CALIBRATION, CERT_VALID,
    CHUANYU_AGREEMENT, INSTRUMENT_DUE_SOON, INSTRUMENT_FAILED, INSTRUMENT_OVERDUE,
    INSTRUMENT_RETIRED, INSTRUMENT_SCALE_REPAIRED, INSTRUMENT_SCALE_VALID, INSTRUMENT_UNVERIFIED,
    INSTRUMENT_VALID, KEY_NAMES, key, key_of,
};
pub use crate::samples::{document, sample_anchor, sample_calls, sample_standard};

/// The demo consortium file: regions, regulators, labs, inspectors and businesses with the demo
/// keys, and `demo_data` for the sample standards and certificates. Its validators are given by
/// whoever starts it (`--dev`, `testnet`).
pub const CONSORTIUM: &str = include_str!("../demo-consortium.toml");

/// The demo consortium at `genesis_time_ms` with `validators` (named `validator-I`, dialled at
/// `addresses[I]`, or nowhere), in the scheme of the validators' keys: on `sm2-sm3` every demo
/// key is the same name's SM2 key.
pub fn consortium(
    genesis_time_ms: u64,
    validators: &ValidatorSet,
    addresses: &[String],
) -> Result<Consortium, ConsortiumError> {
    let mut consortium = Consortium::from_toml(CONSORTIUM)?;
    consortium.genesis_time = format_time(genesis_time_ms);
    in_scheme(&mut consortium, validators.scheme());
    let regions: Vec<String> = consortium.regions.iter().map(|r| r.code.clone()).collect();
    consortium.validators = validators
        .validators
        .iter()
        .enumerate()
        .map(|(i, v)| NodeEntry {
            name: format!("validator-{i}"),
            region: regions.get(i % regions.len().max(1)).cloned(),
            public_key: v.key.to_hex(),
            peer_id: None,
            power: v.power,
            address: addresses
                .get(i)
                .cloned()
                .unwrap_or_else(|| "/ip4/127.0.0.1/tcp/0".into()),
            gossip_address: None,
        })
        .collect();
    Ok(consortium)
}

/// The demo file's keys (ed25519, by name) replaced by the same names' keys of `scheme`.
fn in_scheme(consortium: &mut Consortium, scheme: Scheme) {
    consortium.crypto = scheme;
    let renamed: BTreeMap<String, String> = KEY_NAMES
        .iter()
        .map(|n| {
            (
                key(n).public().to_hex(),
                key_of(scheme, n).public().to_hex(),
            )
        })
        .collect();
    let rename = |hex: &mut String| {
        if let Some(new) = renamed.get(hex.as_str()) {
            hex.clone_from(new);
        }
    };
    for region in &mut consortium.regions {
        rename(&mut region.regulator.public_key);
    }
    consortium
        .labs
        .iter_mut()
        .flat_map(|l| &mut l.keys)
        .for_each(rename);
    for inspector in &mut consortium.inspectors {
        rename(&mut inspector.public_key);
    }
    consortium
        .businesses
        .iter_mut()
        .filter_map(|b| b.key.as_mut())
        .for_each(rename);
}

/// The scheme the test suites run their demo chains on: `HENGXIN_TEST_CRYPTO` (`tests/run`
/// runs the workspace once more with `sm2-sm3`), else ed25519-sha256. Tests only; nothing a
/// node or the CLI does reads it. A value that names no scheme stops the test process (exit
/// status 2) with the reason: a typo must not quietly test the default.
pub fn test_scheme() -> Scheme {
    match std::env::var("HENGXIN_TEST_CRYPTO") {
        Err(_) => Scheme::Ed25519Sha256,
        Ok(name) => name.parse().unwrap_or_else(|e| {
            eprintln!("error: HENGXIN_TEST_CRYPTO: {e}");
            std::process::exit(2)
        }),
    }
}

/// The demo key `name` of the test suites' scheme ([`test_scheme`]).
pub fn test_key(name: &str) -> hengxin_primitives::Keypair {
    key_of(test_scheme(), name)
}

/// The demo genesis at `genesis_time_ms` with `validators`.
pub fn genesis(
    genesis_time_ms: u64,
    validators: ValidatorSet,
) -> Result<GenesisConfig, ConsortiumError> {
    consortium(genesis_time_ms, &validators, &[])?.genesis()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_consortium_file_holds_the_demo_keys_by_name() {
        let file = Consortium::from_toml(CONSORTIUM).unwrap();
        let key_of = |hex: &str| KEY_NAMES.iter().find(|n| key(n).public().to_hex() == hex);
        assert_eq!(
            key_of(&file.regions[0].regulator.public_key),
            Some(&"regulator-cq")
        );
        assert_eq!(key_of(&file.labs[1].keys[0]), Some(&"lab-sc"));
        assert_eq!(
            key_of(file.businesses[0].key.as_deref().unwrap()),
            Some(&"business-cq")
        );
        assert!(file.demo_data);
        let e = file.check().unwrap_err().to_string();
        assert!(
            e.contains("demo"),
            "a real consortium may not be the demo: {e}"
        );
    }

    /// The SM2/SM3 demo: every key the same name's SM2 key, and a genesis that builds (its
    /// sample calls signed by those keys pass the runtime's checks).
    #[test]
    fn the_sm2_demo_holds_the_same_names_sm2_keys_and_builds() {
        let sm = Scheme::Sm2Sm3;
        let validators = ValidatorSet::equal_power([key_of(sm, "validator-0").public()]).unwrap();
        let file = consortium(1_800_000_000_000, &validators, &[]).unwrap();
        assert_eq!(file.crypto, sm);
        let key_of_sm = |hex: &str| {
            KEY_NAMES
                .iter()
                .find(|n| key_of(sm, n).public().to_hex() == hex)
        };
        assert_eq!(
            key_of_sm(&file.regions[1].regulator.public_key),
            Some(&"regulator-sc")
        );
        assert_eq!(key_of_sm(&file.labs[0].keys[0]), Some(&"lab-cq"));
        assert_eq!(
            key_of_sm(&file.inspectors[0].public_key),
            Some(&"inspector-cq")
        );
        let toml = toml::to_string(&file).unwrap();
        assert!(toml.contains("crypto = \"sm2-sm3\""), "{toml}");
        let genesis = file.genesis().unwrap();
        assert_eq!(genesis.crypto, sm);
        let (_, header) = hengxin_runtime::Chain::from_genesis(
            hengxin_support::MemoryBackend::default(),
            &genesis,
        )
        .unwrap();
        assert_eq!(header.proposer, sm.zero_key());
        // An ed25519 key in an sm2-sm3 file is refused, naming both.
        let mut mixed = file.clone();
        mixed.inspectors[0].public_key = key("inspector-cq").public().to_hex();
        let e = mixed.genesis().unwrap_err().to_string();
        assert!(e.contains("ed25519") && e.contains("sm2-sm3"), "{e}");
    }
}
