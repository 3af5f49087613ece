//! A consortium file's genesis: each entry read into its record, the businesses' keys and
//! (for the demo) the sample data as calls at height 0.

use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::instruments::InstrumentClass;
use hengxin_primitives::records::{
    BusinessRecord, BusinessType, LabKeyEntry, LabKind, LabRecord, LabStatus, RegionRecord,
    ScopeEntry,
};
use hengxin_primitives::{AccountId, Category, ClassCode, CreditCode, LabCode, WireWord};
use hengxin_runtime::instruments::GenesisConfig as InstrumentsGenesis;
use hengxin_runtime::membership::{
    self, GenesisConfig as MembershipGenesis, GenesisInspector, GenesisRegion,
};
use hengxin_runtime::{Call, GenesisConfig};

use crate::consortium::{
    BusinessEntry, ClassEntry, Consortium, ConsortiumError, LabEntry, RegionEntry, key, parse_time,
    region, text,
};
use crate::samples;

impl Consortium {
    /// The chain's genesis.
    pub fn genesis(&self) -> Result<GenesisConfig, ConsortiumError> {
        let genesis_time_ms = parse_time(&self.genesis_time)?;
        let validators = self
            .validators
            .iter()
            .map(|v| {
                Ok(Validator {
                    key: key(self.crypto, &format!("validator {}", v.name), &v.public_key)?,
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
                .map(|r| region_entry(self.crypto, r))
                .collect::<Result<_, _>>()?,
            labs: self
                .labs
                .iter()
                .map(|l| lab_entry(self.crypto, l))
                .collect::<Result<_, _>>()?,
            inspectors: self
                .inspectors
                .iter()
                .map(|i| {
                    let what = format!("inspector {}", i.name);
                    Ok(GenesisInspector {
                        key: key(self.crypto, &what, &i.public_key)?,
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
                samples::sample_calls(self.crypto, genesis_time_ms)
                    .map_err(|e| ConsortiumError(e.to_string()))?,
            );
        }
        let chain_name = text("chain", &self.chain)?;
        self.credit
            .validate()
            .map_err(|e| ConsortiumError(format!("[credit] {e}")))?;
        let instruments = InstrumentsGenesis {
            classes: self
                .instrument_classes
                .iter()
                .map(class_entry)
                .collect::<Result<_, _>>()?,
            params: self.instruments,
        };
        Ok(GenesisConfig {
            chain_name,
            crypto: self.crypto,
            genesis_time_ms,
            membership,
            credit: self.credit.clone(),
            instruments,
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
                key: key(self.crypto, &what, hex)?,
            });
            let regulator = key(self.crypto, &what, &regulator.regulator.public_key)?;
            calls.push((regulator, call));
        }
        Ok(calls)
    }
}

/// The GB/T 2260 province code of a region the consortium file names without one.
fn known_province(code: &str) -> Option<u8> {
    match code {
        "CQ" => Some(50),
        "SC" => Some(51),
        _ => None,
    }
}

fn credit_code(what: &str, code: &str) -> Result<CreditCode, ConsortiumError> {
    CreditCode::new(code).map_err(|e| ConsortiumError(format!("{what}: {e}")))
}

fn region_entry(scheme: Scheme, r: &RegionEntry) -> Result<GenesisRegion, ConsortiumError> {
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
            scheme,
            &format!("regulator of {}", r.code),
            &r.regulator.public_key,
        )?],
    })
}

fn lab_entry(scheme: Scheme, l: &LabEntry) -> Result<LabRecord, ConsortiumError> {
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
                    key: key(scheme, &what, k)?,
                    added_height: 0,
                    removed: None,
                })
            })
            .collect::<Result<_, ConsortiumError>>()?,
        dcc_certs: Vec::new(),
        registered_height: 0,
    })
}

fn class_entry(c: &ClassEntry) -> Result<InstrumentClass, ConsortiumError> {
    let what = format!("instrument_class {}", c.code);
    let fail = |e: String| ConsortiumError(format!("{what}: {e}"));
    Ok(InstrumentClass {
        code: ClassCode::new(&c.code).map_err(|e| fail(e.to_string()))?,
        name: text(&what, &c.name)?,
        category: Category::parse_word(&c.category).map_err(|e| fail(e.to_string()))?,
        item: text(&what, c.item.as_deref().unwrap_or(&c.name))?,
        procedure: text(&what, &c.procedure)?,
        compulsory: c.compulsory,
        period_months: c.period_months,
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
