//! The consortium file: the reviewed text from which a chain's genesis is built (DESIGN.md's
//! interface contract). Regions and their regulators, validators (and observers) with the
//! addresses the others dial, initial labs, inspectors and businesses, and the credit rule
//! table; every key is a public key the member made on its own machine.
//!
//! [`Consortium::check`] holds a file to the rules of a real deployment (no key twice, every
//! name resolving, every region with a validator, none of the demo keys);
//! [`Consortium::genesis`] builds the [`GenesisConfig`]. The demo consortium of `--dev` and
//! `testnet` is such a file too (`demo-consortium.toml`, with `demo_data` adding its sample
//! standards and certificates).

use std::collections::{BTreeMap, BTreeSet};

use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_primitives::credit::{CreditEvent, CreditParams, EventRule};
use hengxin_primitives::records::{
    BusinessRecord, BusinessType, LabKeyEntry, LabKind, LabRecord, LabStatus, RegionRecord,
    ScopeEntry,
};
use hengxin_primitives::{AccountId, CreditCode, LabCode, PublicKey, RegionCode, Text, WireWord};
use serde::{Deserialize, Serialize};

use crate::membership::{GenesisConfig as MembershipGenesis, GenesisInspector, GenesisRegion};
use crate::{Call, GenesisConfig, demo, membership};

/// A consortium file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Consortium {
    /// The chain's name (`chuanyu-metrology`).
    pub chain: String,
    /// Genesis time, RFC 3339 (`2027-01-01T00:00:00+08:00`); the first block comes after it.
    pub genesis_time: String,
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
    /// The credit rule table (诚信计量), fixed for the life of the chain [default: DOMAIN.md §4].
    #[serde(default)]
    pub credit: CreditTable,
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

/// The GB/T 2260 province code of a region the consortium file names without one.
fn known_province(code: &str) -> Option<u8> {
    match code {
        "CQ" => Some(50),
        "SC" => Some(51),
        _ => None,
    }
}

/// A named key.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Member {
    /// Its name.
    pub name: String,
    /// Its ed25519 public key, 64 hex digits.
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

/// The credit rule table as the file writes it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditTable {
    /// The score of a business without records.
    pub start: i32,
    /// The score never exceeds this.
    pub ceiling: i32,
    /// The P1 records counting on a date add at most this together.
    pub p1_cap: i32,
    /// The least score of A, B and C.
    pub thresholds: [i32; 3],
    /// A self-commitment is current for this many months.
    pub commitment_months: u32,
    /// A violation can be repaired from this many months after its date…
    pub repair_months: u32,
    /// … a severe one (V3, V4) from this many.
    pub severe_repair_months: u32,
    /// Each record code's points, months (0: until withdrawn) and severity.
    pub events: BTreeMap<String, RuleEntry>,
}

/// One record code's rule.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleEntry {
    /// Points while it counts.
    pub points: i32,
    /// Months it counts for; 0: until withdrawn.
    pub months: u32,
    /// Caps the grade at D and repairs late.
    #[serde(default)]
    pub severe: bool,
}

impl Default for CreditTable {
    fn default() -> CreditTable {
        let p = CreditParams::default();
        CreditTable {
            start: p.start,
            ceiling: p.ceiling,
            p1_cap: p.p1_cap,
            thresholds: p.thresholds,
            commitment_months: p.commitment_months,
            repair_months: p.repair_months,
            severe_repair_months: p.severe_repair_months,
            events: CreditEvent::ALL
                .iter()
                .map(|e| {
                    let r = p.rule(*e);
                    let entry = RuleEntry {
                        points: r.points,
                        months: r.months,
                        severe: r.severe,
                    };
                    (e.code().to_string(), entry)
                })
                .collect(),
        }
    }
}

impl CreditTable {
    fn params(&self) -> Result<CreditParams, String> {
        let mut params = CreditParams {
            start: self.start,
            ceiling: self.ceiling,
            p1_cap: self.p1_cap,
            thresholds: self.thresholds,
            commitment_months: self.commitment_months,
            repair_months: self.repair_months,
            severe_repair_months: self.severe_repair_months,
            ..CreditParams::default()
        };
        for code in self.events.keys() {
            CreditEvent::parse_word(code).map_err(|e| format!("[credit.events] {e}"))?;
        }
        for (slot, event) in params.rules.iter_mut().zip(CreditEvent::ALL) {
            let rule = self
                .events
                .get(event.code())
                .ok_or_else(|| format!("[credit.events] has no rule for {}", event.code()))?;
            *slot = EventRule {
                points: rule.points,
                months: rule.months,
                severe: rule.severe,
            };
        }
        let [a, b, c] = self.thresholds;
        if !(a > b && b > c) || self.ceiling < self.start {
            return Err(
                "[credit] thresholds must fall (A > B > C) and the ceiling be at least the start"
                    .into(),
            );
        }
        Ok(params)
    }
}

/// Why a consortium file cannot make a genesis.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("consortium file: {0}")]
pub struct ConsortiumError(pub String);

fn err<T>(message: impl Into<String>) -> Result<T, ConsortiumError> {
    Err(ConsortiumError(message.into()))
}

fn key(what: &str, hex: &str) -> Result<PublicKey, ConsortiumError> {
    PublicKey::from_hex(hex)
        .ok_or_else(|| ConsortiumError(format!("{what}: public_key `{hex}` is not 64 hex digits")))
}

fn text(what: &str, value: &str) -> Result<Text, ConsortiumError> {
    Text::new(value).map_err(|e| ConsortiumError(format!("{what}: {e}")))
}

fn region(what: &str, code: &str) -> Result<RegionCode, ConsortiumError> {
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

    /// Every public key the file names, with what it is.
    fn keys(&self) -> Vec<(String, &str)> {
        let mut all = Vec::new();
        for r in &self.regions {
            all.push((
                format!("regulator of {}", r.code),
                r.regulator.public_key.as_str(),
            ));
        }
        for (kind, nodes) in [
            ("validator", &self.validators),
            ("observer", &self.observers),
        ] {
            for n in nodes {
                all.push((format!("{kind} {}", n.name), n.public_key.as_str()));
            }
        }
        for l in &self.labs {
            for k in &l.keys {
                all.push((format!("lab {}", l.code), k.as_str()));
            }
        }
        for i in &self.inspectors {
            all.push((format!("inspector {}", i.name), i.public_key.as_str()));
        }
        for b in &self.businesses {
            if let Some(k) = &b.key {
                all.push((format!("business {}", b.credit_code), k.as_str()));
            }
        }
        all
    }

    /// Holds the file to the rules of a real consortium: no key twice, every region named
    /// resolving, every region with a validator, no demo key.
    pub fn check(&self) -> Result<(), ConsortiumError> {
        if self.demo_data {
            return err("demo_data is for the demo consortium only");
        }
        let demo_keys: BTreeMap<PublicKey, String> = demo::KEY_NAMES
            .iter()
            .map(|n| n.to_string())
            .chain((0..128).map(|i| format!("validator-{i}")))
            .map(|n| (demo::key(&n).public(), n))
            .collect();
        let mut seen: BTreeMap<PublicKey, String> = BTreeMap::new();
        for (what, hex) in self.keys() {
            let k = key(&what, hex)?;
            if let Some(name) = demo_keys.get(&k) {
                return err(format!(
                    "{what} uses the demo key `{name}`, which everyone knows; make a key with `hengxin key new` or `hengxin-node key new`"
                ));
            }
            if let Some(first) = seen.insert(k, what.clone()) {
                return err(format!(
                    "{what} and {first} have the same key {hex}; every member makes its own"
                ));
            }
        }
        let codes: BTreeSet<&str> = self.regions.iter().map(|r| r.code.as_str()).collect();
        let named = self
            .labs
            .iter()
            .map(|l| (format!("lab {}", l.code), l.region.as_str()))
            .chain(
                self.inspectors
                    .iter()
                    .map(|i| (format!("inspector {}", i.name), i.region.as_str())),
            )
            .chain(
                self.businesses
                    .iter()
                    .map(|b| (format!("business {}", b.credit_code), b.region.as_str())),
            );
        for (what, code) in named {
            if !codes.contains(code) {
                return err(format!(
                    "{what} names region {code}, which no [[region]] defines"
                ));
            }
        }
        let mut served = BTreeSet::new();
        for v in self.validators.iter().chain(&self.observers) {
            let r = self.node_region(v).ok_or_else(|| {
                ConsortiumError(format!(
                    "node {} names no region: add region = \"CQ\" (or name it cq-…)",
                    v.name
                ))
            })?;
            if !codes.contains(r.as_str()) {
                return err(format!(
                    "node {} names region {r}, which no [[region]] defines",
                    v.name
                ));
            }
            if self.validators.contains(v) {
                served.insert(r);
            }
        }
        for code in &codes {
            if !served.contains(*code) {
                return err(format!(
                    "region {code} runs no validator; every region runs at least one"
                ));
            }
        }
        let mut names = BTreeSet::new();
        for v in self.validators.iter().chain(&self.observers) {
            if !names.insert(v.name.as_str()) {
                return err(format!("two nodes are named {}", v.name));
            }
        }
        self.genesis().map(|_| ())
    }

    /// The chain's genesis.
    pub fn genesis(&self) -> Result<GenesisConfig, ConsortiumError> {
        let genesis_time_ms = parse_time(&self.genesis_time)?;
        let validators = self
            .validators
            .iter()
            .map(|v| {
                Ok(Validator {
                    key: key(&format!("validator {}", v.name), &v.public_key)?,
                    power: v.power,
                })
            })
            .collect::<Result<Vec<_>, ConsortiumError>>()?;
        let validators = ValidatorSet::new(validators)
            .map_err(|e| ConsortiumError(format!("the validators: {e}")))?;
        let membership = MembershipGenesis {
            regions: self
                .regions
                .iter()
                .map(region_entry)
                .collect::<Result<_, _>>()?,
            labs: self.labs.iter().map(lab_entry).collect::<Result<_, _>>()?,
            inspectors: self
                .inspectors
                .iter()
                .map(|i| {
                    let what = format!("inspector {}", i.name);
                    Ok(GenesisInspector {
                        key: key(&what, &i.public_key)?,
                        region: region(&what, &i.region)?,
                        name: text(&what, &i.name)?,
                    })
                })
                .collect::<Result<_, ConsortiumError>>()?,
            businesses: self
                .businesses
                .iter()
                .map(business_entry)
                .collect::<Result<_, _>>()?,
            validators,
        };
        let mut calls = self.business_keys()?;
        if self.demo_data {
            calls.extend(
                demo::sample_calls(genesis_time_ms).map_err(|e| ConsortiumError(e.to_string()))?,
            );
        }
        Ok(GenesisConfig {
            chain_name: text("chain", &self.chain)?,
            genesis_time_ms,
            membership,
            credit: self.credit.params().map_err(ConsortiumError)?,
            calls,
        })
    }

    /// Each business's own key, given by its region's regulator at height 0.
    fn business_keys(&self) -> Result<Vec<(AccountId, Call)>, ConsortiumError> {
        let mut calls = Vec::new();
        for b in &self.businesses {
            let Some(hex) = &b.key else { continue };
            let what = format!("business {}", b.credit_code);
            let regulator = self
                .regions
                .iter()
                .find(|r| r.code == b.region)
                .ok_or_else(|| {
                    ConsortiumError(format!(
                        "{what} names region {}, which no [[region]] defines",
                        b.region
                    ))
                })?;
            let call = Call::Membership(membership::Call::AddBusinessKey {
                credit_code: credit_code(&what, &b.credit_code)?,
                key: key(&what, hex)?,
            });
            calls.push((key(&what, &regulator.regulator.public_key)?, call));
        }
        Ok(calls)
    }
}

fn credit_code(what: &str, code: &str) -> Result<CreditCode, ConsortiumError> {
    CreditCode::new(code).map_err(|e| ConsortiumError(format!("{what}: {e}")))
}

fn region_entry(r: &RegionEntry) -> Result<GenesisRegion, ConsortiumError> {
    let what = format!("region {}", r.code);
    Ok(GenesisRegion {
        record: RegionRecord {
            code: region(&what, &r.code)?,
            name: text(&what, &r.name)?,
            province: match r.province.or_else(|| known_province(&r.code)) {
                Some(p @ 10..=99) => p,
                Some(p) => {
                    return Err(ConsortiumError(format!(
                        "{what}: province = {p} is not a GB/T 2260 province code (two digits, \
                         e.g. 50 for 重庆, 51 for 四川)"
                    )));
                }
                None => {
                    return Err(ConsortiumError(format!(
                        "{what}: give its GB/T 2260 province code, e.g. province = 50 (重庆) \
                         or 51 (四川): its businesses' credit codes carry it"
                    )));
                }
            },
        },
        regulators: vec![key(
            &format!("regulator of {}", r.code),
            &r.regulator.public_key,
        )?],
    })
}

fn lab_entry(l: &LabEntry) -> Result<LabRecord, ConsortiumError> {
    let what = format!("lab {}", l.code);
    let fail = |e: String| ConsortiumError(format!("{what}: {e}"));
    Ok(LabRecord {
        code: LabCode::new(&l.code).map_err(|e| fail(e.to_string()))?,
        name: text(&what, &l.name)?,
        region: region(&what, &l.region)?,
        kind: LabKind::parse_word(&l.kind).map_err(|e| fail(e.to_string()))?,
        scope: l
            .scope
            .iter()
            .map(|s| ScopeEntry::parse(s).map_err(fail))
            .collect::<Result<_, _>>()?,
        status: LabStatus::Active,
        status_history: Vec::new(),
        keys: l
            .keys
            .iter()
            .map(|k| {
                Ok(LabKeyEntry {
                    key: key(&what, k)?,
                    added_height: 0,
                    removed: None,
                })
            })
            .collect::<Result<_, ConsortiumError>>()?,
        dcc_certs: Vec::new(),
        registered_height: 0,
    })
}

fn business_entry(b: &BusinessEntry) -> Result<BusinessRecord, ConsortiumError> {
    let what = format!("business {}", b.credit_code);
    Ok(BusinessRecord {
        credit_code: credit_code(&what, &b.credit_code)?,
        name: text(&what, &b.name)?,
        region: region(&what, &b.region)?,
        business_type: BusinessType::parse_word(&b.business_type)
            .map_err(|e| ConsortiumError(format!("{what}: {e}")))?,
        registered_height: 0,
    })
}

#[cfg(test)]
#[path = "consortium_tests.rs"]
mod tests;
