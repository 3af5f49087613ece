//! The rules a real consortium's file is held to: no key twice, every region named resolving,
//! every region with a validator, no demo key.

use std::collections::{BTreeMap, BTreeSet};

use hengxin_primitives::PublicKey;
use hengxin_primitives::crypto::Scheme;

use crate::consortium::{Consortium, ConsortiumError, err, key};
use crate::names;

impl Consortium {
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
        let demo_keys: BTreeMap<PublicKey, String> = names::KEY_NAMES
            .iter()
            .map(|n| n.to_string())
            .chain((0..128).map(|i| format!("validator-{i}")))
            .map(|n| (names::key_of(self.crypto, &n).public(), n))
            .collect();
        let mut seen: BTreeMap<PublicKey, String> = BTreeMap::new();
        for (what, hex) in self.keys() {
            let k = key(self.crypto, &what, hex)?;
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
            if self.crypto == Scheme::Sm2Sm3 && v.peer_id.is_none() {
                return err(format!(
                    "node {} gives no peer_id: on an sm2-sm3 chain each node's network identity \
                     is an ed25519 key of its own (libp2p cannot carry SM2); copy the peer id \
                     `hengxin-node key new --crypto sm2-sm3` printed into peer_id = \"12D3KooW…\"",
                    v.name
                ));
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
}
