//! The consortium file: the reviewed text from which a chain's genesis is built (DESIGN.md's
//! interface contract). Regions and their regulators, validators (and observers) with the
//! addresses the others dial, initial labs, inspectors and businesses, the credit rule
//! table, and the instrument classes; every key is a public key the member made on its own machine.
//!
//! [`Consortium::check`] holds a file to the rules of a real deployment (no key twice, every
//! name resolving, every region with a validator, none of the demo keys: `check.rs`);
//! [`Consortium::genesis`] builds the chain's
//! [`GenesisConfig`](hengxin_runtime::GenesisConfig) (`genesis.rs`). The demo consortium of
//! `--dev` and `testnet` is such a file too (`demo-consortium.toml`, with `demo_data` adding
//! its sample standards and certificates).

use hengxin_primitives::credit::CreditParams;
use hengxin_primitives::crypto::{KEY_TEXT_FORMS, Scheme};
use hengxin_primitives::instruments::InstrumentParams;
use hengxin_primitives::{PublicKey, RegionCode, Text};
use serde::{Deserialize, Serialize};

/// A consortium file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consortium {
    /// The chain's name (`chuanyu-metrology`).
    pub chain: String,
    /// Genesis time, RFC 3339 (`2027-01-01T00:00:00+08:00`); the first block comes after it.
    pub genesis_time: String,
    /// The chain's cryptography, fixed for its life: `ed25519-sha256` (ed25519 signatures,
    /// SHA-256) or `sm2-sm3` (国密: SM2 signatures, SM3) [default: ed25519-sha256]. Every key
    /// in the file is of its signature algorithm.
    #[serde(default, skip_serializing_if = "is_default_scheme")]
    pub crypto: Scheme,
    /// Add the demo's sample agreement, standards and certificates (the demo consortium only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub demo_data: bool,
    /// The regions, each with its regulator.
    #[serde(rename = "region")]
    pub regions: Vec<RegionEntry>,
    /// The validators.
    #[serde(rename = "validator", default)]
    pub validators: Vec<NodeEntry>,
    /// Nodes that follow the chain without voting.
    #[serde(rename = "observer", default, skip_serializing_if = "Vec::is_empty")]
    pub observers: Vec<NodeEntry>,
    /// Labs registered at genesis.
    #[serde(rename = "lab", default, skip_serializing_if = "Vec::is_empty")]
    pub labs: Vec<LabEntry>,
    /// Inspectors registered at genesis.
    #[serde(rename = "inspector", default, skip_serializing_if = "Vec::is_empty")]
    pub inspectors: Vec<PersonEntry>,
    /// Businesses registered at genesis.
    #[serde(rename = "business", default, skip_serializing_if = "Vec::is_empty")]
    pub businesses: Vec<BusinessEntry>,
    /// The credit rule table (诚信计量), fixed for the life of the chain [default: DOMAIN.md §4];
    /// `[credit]` with `[credit.events]`, each record code's rule.
    #[serde(default)]
    pub credit: CreditParams,
    /// The instrument rules' numbers (DOMAIN.md §7): `[instruments]` `warning_days`
    /// [default: 30].
    #[serde(default)]
    pub instruments: InstrumentParams,
    /// The instrument classes (器具类别) a chain starts with; regulators add more by a call.
    #[serde(
        rename = "instrument_class",
        default,
        skip_serializing_if = "Vec::is_empty"
    )]
    pub instrument_classes: Vec<ClassEntry>,
}

/// An instrument class (器具类别).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassEntry {
    /// `FUEL`: A-Z, 0-9 and '-', at most 16.
    pub code: String,
    /// `燃油加油机`.
    pub name: String,
    /// The category (`MEC`) its verification certificates are of.
    pub category: String,
    /// The item within the category [default: the name].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    /// The verification procedure (`JJG 443`).
    pub procedure: String,
    /// Under compulsory verification (强检).
    pub compulsory: bool,
    /// The verification period (检定周期) in months, 1 to 240.
    pub period_months: u16,
}

/// A region and its regulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegionEntry {
    /// `CQ`.
    pub code: String,
    /// `重庆`.
    pub name: String,
    /// The market regulator that speaks for it.
    pub regulator: Member,
    /// Its GB/T 2260 province code (`50` Chongqing, `51` Sichuan): its businesses' credit
    /// codes carry it [default: 50 for CQ, 51 for SC; required for any other region].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub province: Option<u8>,
}

/// A named key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its public key: 64 hex digits (ed25519), or 130 beginning `04` (SM2).
    pub public_key: String,
}

/// A validator or an observer node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NodeEntry {
    /// Its name (`cq-1`), for logs and configs.
    pub name: String,
    /// The region that runs it [default: the region whose code its name starts with, `cq-1` →
    /// `CQ`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// Its node key's public key (`hengxin-node key new`).
    pub public_key: String,
    /// Its libp2p peer id, which `hengxin-node key new` prints [default: the one an ed25519
    /// `public_key` implies; required on an sm2-sm3 chain, as libp2p cannot carry an SM2 key].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peer_id: Option<String>,
    /// Its voting power (validators).
    #[serde(default = "one")]
    pub power: u64,
    /// The consensus address the others dial (`/dns4/node1.example.cn/tcp/27000`).
    pub address: String,
    /// The transaction-gossip address the others dial [default: `address` with its port + 100].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gossip_address: Option<String>,
}

fn one() -> u64 {
    1
}

fn is_default_scheme(scheme: &Scheme) -> bool {
    *scheme == Scheme::default()
}

/// A lab registered at genesis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LabEntry {
    /// `CQJL`.
    pub code: String,
    /// Full name.
    pub name: String,
    /// Home region.
    pub region: String,
    /// `statutory_verification`, `authorized` or `cnas_calibration`.
    pub kind: String,
    /// Its signing keys.
    pub keys: Vec<String>,
    /// What it is accredited for: `CATEGORY[:ITEM]@VALID-UNTIL` each.
    pub scope: Vec<String>,
}

/// An inspector registered at genesis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PersonEntry {
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// Public key.
    pub public_key: String,
}

/// A business registered at genesis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BusinessEntry {
    /// 统一社会信用代码.
    pub credit_code: String,
    /// Name.
    pub name: String,
    /// Region.
    pub region: String,
    /// `gas_station`, `market`…
    #[serde(rename = "type")]
    pub business_type: String,
    /// Its own signing key, if it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
}

/// Why a consortium file cannot make a genesis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("consortium file: {0}")]
pub struct ConsortiumError(pub String);

pub(crate) fn err<T>(message: impl Into<String>) -> Result<T, ConsortiumError> {
    Err(ConsortiumError(message.into()))
}

/// The key `hex` of `what`, which must be of the chain's `scheme`.
pub(crate) fn key(scheme: Scheme, what: &str, hex: &str) -> Result<PublicKey, ConsortiumError> {
    let key = PublicKey::from_hex(hex).ok_or_else(|| {
        ConsortiumError(format!(
            "{what}: public_key `{hex}` is not a key: {KEY_TEXT_FORMS}"
        ))
    })?;
    if key.scheme() != scheme {
        return err(format!(
            "{what}: public_key `{hex}` is an {} key, and this chain's crypto is {scheme}: make \
             the member's key with `hengxin key new --crypto {scheme}` (or `hengxin-node key new \
             --crypto {scheme}`), or set crypto = \"{}\"",
            key.scheme().key_name(),
            key.scheme()
        ));
    }
    Ok(key)
}

pub(crate) fn text(what: &str, value: &str) -> Result<Text, ConsortiumError> {
    Text::new(value).map_err(|e| ConsortiumError(format!("{what}: {e}")))
}

pub(crate) fn region(what: &str, code: &str) -> Result<RegionCode, ConsortiumError> {
    RegionCode::new(code).map_err(|e| ConsortiumError(format!("{what}: {e}")))
}

/// RFC 3339 to UTC milliseconds.
pub fn parse_time(text: &str) -> Result<u64, ConsortiumError> {
    let at = time::OffsetDateTime::parse(text, &time::format_description::well_known::Rfc3339)
        .map_err(|e| {
            ConsortiumError(format!(
                "genesis_time `{text}` is not RFC 3339 like 2027-01-01T00:00:00+08:00: {e}"
            ))
        })?;
    u64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| ConsortiumError(format!("genesis_time `{text}` is before 1970")))
}

/// UTC milliseconds as RFC 3339 in China Standard Time.
pub fn format_time(ms: u64) -> String {
    let cst = time::UtcOffset::from_hms(8, 0, 0).unwrap_or(time::UtcOffset::UTC);
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.to_offset(cst)
                .format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

impl Consortium {
    /// Reads a consortium file's TOML text (errors name the line).
    pub fn from_toml(text: &str) -> Result<Consortium, ConsortiumError> {
        toml::from_str(text).map_err(|e| ConsortiumError(e.to_string()))
    }

    /// The region a node runs for: its own `region`, else the one its name starts with.
    pub fn node_region(&self, node: &NodeEntry) -> Option<String> {
        node.region.clone().or_else(|| {
            let prefix = node
                .name
                .split(['-', '_', '.'])
                .next()?
                .to_ascii_uppercase();
            self.regions
                .iter()
                .find(|r| r.code == prefix)
                .map(|r| r.code.clone())
        })
    }
}

#[cfg(test)]
mod tests;
