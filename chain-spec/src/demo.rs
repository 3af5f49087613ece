//! The demo consortium that `hengxin-node --dev` and `testnet` start with: the consortium file
//! `demo-consortium.toml` (regions `CQ` and `SC` with one regulator each, labs `CQJL` and `SCJL`
//! accredited for all ten categories, two inspectors, two businesses with their keys), and
//! the sample data it asks for: the 川渝 agreement, a self-commitment, a small traceability
//! chain of standards, and sample certificates.
//!
//! Demo keys are derived from their names, so every dev chain has the same ones: they are for
//! trying the system, never for a real deployment.

use hengxin_primitives::block::ValidatorSet;
use hengxin_runtime::GenesisConfig;

use crate::consortium::{Consortium, ConsortiumError, NodeEntry, format_time};
pub use crate::names::{
    BUSINESS_CQ, BUSINESS_SC, CERT_NOTICE, CERT_REVOKED, CERT_SCJL_CALIBRATION, CERT_VALID,
    CHUANYU_AGREEMENT, INSTRUMENT_DUE_SOON, INSTRUMENT_FAILED, INSTRUMENT_OVERDUE,
    INSTRUMENT_RETIRED, INSTRUMENT_SCALE_REPAIRED, INSTRUMENT_SCALE_VALID, INSTRUMENT_UNVERIFIED,
    INSTRUMENT_VALID, KEY_NAMES, key,
};
pub use crate::samples::{document, sample_anchor, sample_calls, sample_standard};

/// The demo consortium file: regions, regulators, labs, inspectors and businesses with the demo
/// keys, and `demo_data` for the sample standards and certificates. Its validators are given by
/// whoever starts it (`--dev`, `testnet`).
pub const CONSORTIUM: &str = include_str!("../demo-consortium.toml");

/// The demo consortium at `genesis_time_ms` with `validators` (named `validator-I`, dialled at
/// `addresses[I]`, or nowhere).
pub fn consortium(
    genesis_time_ms: u64,
    validators: &ValidatorSet,
    addresses: &[String],
) -> Result<Consortium, ConsortiumError> {
    let mut consortium = Consortium::from_toml(CONSORTIUM)?;
    consortium.genesis_time = format_time(genesis_time_ms);
    let regions: Vec<String> = consortium.regions.iter().map(|r| r.code.clone()).collect();
    consortium.validators = validators
        .validators
        .iter()
        .enumerate()
        .map(|(i, v)| NodeEntry {
            name: format!("validator-{i}"),
            region: regions.get(i % regions.len().max(1)).cloned(),
            public_key: v.key.to_hex(),
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
}
