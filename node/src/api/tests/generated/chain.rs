//! The generator: a seeded random walk through every kind of call, each one valid when made.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use hengxin_primitives::credit::CreditEvent;
use hengxin_primitives::inspection::{DEFAULT_RATIOS, Outcome};
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentUse, Seal};
use hengxin_primitives::records::{
    BusinessType, CertKind, CertificateFields, Conclusion, Instrument,
};
use hengxin_primitives::{Category, ClassCode, Keypair, RegionCode, Site, Text, crypto};
use hengxin_runtime::instruments::Registration;
use hengxin_runtime::{
    Call, Event, Transaction, certificates, credit, inspection, instruments, membership,
    recognition,
};

mod calls;

use super::super::stats::{Indexed, get};
use super::super::*;

/// Each region's code, lab, lab key, regulator key, demo business key and first division.
const REGIONS: [(&str, &str, &str, &str, &str, u32); 2] = [
    (
        "CQ",
        "CQJL",
        "lab-cq",
        "regulator-cq",
        "business-cq",
        500101,
    ),
    (
        "SC",
        "SCJL",
        "lab-sc",
        "regulator-sc",
        "business-sc",
        510104,
    ),
];
/// Instrument classes used, with their categories and periods (the demo consortium's).
const CLASSES: [(&str, Category, u32); 3] = [
    ("FUEL", Category::Mechanical, 6),
    ("SCALE", Category::Mechanical, 12),
    ("TAXI", Category::TimeFrequency, 12),
];
pub(super) const BLOCKS: u64 = 120;
const DAY_MS: u64 = 86_400_000;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }
}

struct Cert {
    region: usize,
    number: String,
    live: bool,
}

struct Inst {
    id: InstrumentId,
    region: usize,
    class: usize,
    retired: bool,
}

struct Plan {
    id: u64,
    region: usize,
    /// How many inspectors its pool has.
    pool: usize,
    reveal_height: u64,
}

pub(super) struct Generator<'a> {
    t: &'a Indexed,
    rng: Rng,
    keys: BTreeMap<String, Keypair>,
    nonces: BTreeMap<String, u64>,
    pending: Vec<Transaction>,
    certificates: Vec<Cert>,
    instruments: Vec<Inst>,
    businesses: [Vec<(CreditCode, String)>; 2],
    inspectors: [Vec<String>; 2],
    plans: Vec<Plan>,
    /// The classes of instruments and the regions and pool sizes of plans queued, in order, until their
    /// events name their ids.
    registering: VecDeque<(usize, usize)>,
    planning: VecDeque<(usize, usize)>,
    conflicted: BTreeSet<(String, CreditCode)>,
    repairs: Vec<(usize, CreditCode, u64)>,
    agreement: Option<u64>,
    serial: u64,
    pub(super) transactions: u64,
}

impl<'a> Generator<'a> {
    pub(super) fn new(t: &'a Indexed, seed: u64) -> Self {
        let mut g = Generator {
            t,
            rng: Rng(seed | 1),
            keys: BTreeMap::new(),
            nonces: BTreeMap::new(),
            pending: Vec::new(),
            certificates: Vec::new(),
            instruments: Vec::new(),
            businesses: [Vec::new(), Vec::new()],
            inspectors: [Vec::new(), Vec::new()],
            plans: Vec::new(),
            registering: VecDeque::new(),
            planning: VecDeque::new(),
            conflicted: BTreeSet::new(),
            repairs: Vec::new(),
            agreement: None,
            serial: 0,
            transactions: 0,
        };
        for (r, (region, _, _, _, business, _)) in REGIONS.iter().enumerate() {
            let code = match *region {
                "CQ" => demo::BUSINESS_CQ,
                _ => demo::BUSINESS_SC,
            };
            g.businesses[r].push((CreditCode::new(code).unwrap(), (*business).to_owned()));
            g.inspectors[r].push(format!("inspector-{}", region.to_lowercase()));
        }
        g
    }

    fn head(&self) -> Header {
        self.t.store.head().unwrap().unwrap()
    }

    fn today(&self) -> Date {
        Date::from_unix_ms_cst(self.head().timestamp_ms)
    }

    fn key(&mut self, name: &str) -> Keypair {
        self.keys
            .entry(name.to_owned())
            .or_insert_with(|| demo::key(name))
            .clone()
    }

    /// Queues `call` signed by the key named `name`.
    fn push(&mut self, name: &str, call: Call) {
        let key = self.key(name);
        let head = self.head();
        let chain = self.t.store.chain(&self.t.genesis);
        let nonce = self
            .nonces
            .entry(name.to_owned())
            .or_insert_with(|| chain.nonce(&key.public(), head.height).unwrap());
        let tx = hengxin_primitives::TxPayload {
            genesis_hash: self.t.genesis.hash(),
            signer: key.public(),
            nonce: *nonce,
            valid_until_height: head.height + 10,
            call,
        }
        .sign(&key);
        *nonce += 1;
        self.pending.push(tx);
    }

    /// Commits the queued transactions `after_ms` after the head; every one must succeed (the
    /// generator's model of what is live would be wrong otherwise). Their events.
    fn commit(&mut self, after_ms: u64) -> Vec<Event> {
        let txs = std::mem::take(&mut self.pending);
        self.transactions += txs.len() as u64;
        let calls: Vec<_> = txs.iter().map(|t| t.payload.call.clone()).collect();
        let outcomes = commit_block_after(
            &self.t.store,
            &self.t.genesis,
            txs,
            &[demo::key("validator-0")],
            after_ms,
        );
        let mut events = Vec::new();
        for (outcome, call) in outcomes.into_iter().zip(calls) {
            match outcome.result {
                Ok(e) => events.extend(e),
                Err(e) => panic!("the generator made a failing call: {e:?}\n{call:?}"),
            }
        }
        events
    }

    fn number(&mut self, region: usize) -> String {
        self.serial += 1;
        format!("{}-GEN-{:05}", REGIONS[region].1, self.serial)
    }

    fn fields(&mut self, region: usize) -> CertificateFields {
        let number = self.number(region);
        let today = self.today();
        let issued = Date(today.0 - self.rng.below(5) as u32);
        let ((kind, conclusion), valid_until) = match self.rng.below(4) {
            0 => ((CertKind::Calibration, Conclusion::None), None),
            1 => (verdict(false), None),
            _ => (verdict(true), Some(issued.add_months(12))),
        };
        CertificateFields {
            number: CertNumber::new(&number).unwrap(),
            kind,
            category: Category::ALL[self.rng.below(Category::ALL.len())],
            item: Text::lossy("压力表"),
            instrument: Instrument {
                name: Text::lossy("一般压力表"),
                model: Text::lossy("Y-100"),
                serial: Text::lossy(&format!("SN-{number}")),
                manufacturer: Text::lossy("重庆示范仪表厂"),
            },
            procedure: Text::lossy("JJG 52-2013"),
            calibration_date: issued,
            issue_date: issued,
            valid_until,
            conclusion,
            standards: Vec::new(),
            document_hash: crypto::sha256(number.as_bytes()),
            signer: None,
            for_instrument: None,
        }
    }

    fn anchor(&mut self, region: usize) {
        let fields = self.fields(region);
        self.anchor_fields(region, fields);
    }

    /// Anchors `fields` by `region`'s lab.
    fn anchor_fields(&mut self, region: usize, fields: CertificateFields) {
        self.certificates.push(Cert {
            region,
            number: fields.number.as_str().to_owned(),
            live: true,
        });
        self.push(
            REGIONS[region].2,
            Call::Certificates(certificates::Call::Anchor { fields }),
        );
    }

    /// A live certificate of `region`'s lab, no longer live.
    fn end_one(&mut self, region: usize) -> Option<String> {
        let live: Vec<usize> = (0..self.certificates.len())
            .filter(|&i| self.certificates[i].live && self.certificates[i].region == region)
            .collect();
        let i = *live.get(self.rng.below(live.len()))?;
        self.certificates[i].live = false;
        Some(self.certificates[i].number.clone())
    }

    fn revoke(&mut self, region: usize) {
        let Some(number) = self.end_one(region) else {
            return;
        };
        // The lab, or now and then its regulator.
        let signer = match self.rng.one_in(3) {
            true => REGIONS[region].3,
            false => REGIONS[region].2,
        };
        let call = Call::Certificates(certificates::Call::Revoke {
            lab: LabCode::new(REGIONS[region].1).unwrap(),
            number: CertNumber::new(&number).unwrap(),
            reason: Text::lossy("录入错误"),
        });
        self.push(signer, call);
    }

    fn supersede(&mut self, region: usize) {
        let Some(old) = self.end_one(region) else {
            return;
        };
        let fields = self.fields(region);
        self.certificates.push(Cert {
            region,
            number: fields.number.as_str().to_owned(),
            live: true,
        });
        let call = Call::Certificates(certificates::Call::Supersede {
            old: CertNumber::new(&old).unwrap(),
            fields,
        });
        self.push(REGIONS[region].2, call);
    }

    fn register_business(&mut self, region: usize) {
        self.serial += 1;
        let prefix = ["91500103", "91510104"][region];
        let code = CreditCode::completing(&format!("{prefix}MC{:07}", self.serial)).unwrap();
        let key_name = format!("generated-business-{}", code.as_str());
        let types = [
            BusinessType::GasStation,
            BusinessType::Market,
            BusinessType::Supermarket,
            BusinessType::Hospital,
        ];
        let call = Call::Membership(membership::Call::RegisterBusiness {
            credit_code: code.clone(),
            name: Text::new(&format!("生成的经营者 {}", self.serial)).unwrap(),
            region: RegionCode::new(REGIONS[region].0).unwrap(),
            business_type: types[self.rng.below(types.len())],
            key: Some(self.key(&key_name).public()),
        });
        self.push(REGIONS[region].3, call);
        self.businesses[region].push((code, key_name));
    }

    fn register_inspector(&mut self, region: usize) {
        let name = format!("generated-inspector-{}-{}", REGIONS[region].0, self.serial);
        self.serial += 1;
        let call = Call::Membership(membership::Call::RegisterInspector {
            inspector: self.key(&name).public(),
            region: RegionCode::new(REGIONS[region].0).unwrap(),
            name: Text::new(&format!("生成的检查员 {}", self.serial)).unwrap(),
        });
        self.push(REGIONS[region].3, call);
        self.inspectors[region].push(name);
    }

    fn business(&mut self, region: usize) -> (CreditCode, String) {
        let list = &self.businesses[region];
        list[self.rng.below(list.len())].clone()
    }
}

impl Generator<'_> {
    /// Block `n` of the chain: some thirty transactions, three to four days after the last.
    pub(super) async fn block(&mut self, n: u64) {
        self.decide_repairs();
        if n == 0 {
            for region in 0..2 {
                self.register_inspector(region);
                self.register_inspector(region);
            }
        }
        if n == 60 {
            for region in 0..2 {
                self.register_inspector(region);
            }
        }
        for region in 0..2 {
            if n < 40 {
                self.register_business(region);
            }
            if n < 70 {
                self.register_instrument(region);
                self.register_instrument(region);
            }
            for _ in 0..8 {
                self.anchor(region);
            }
            for _ in 0..3 {
                self.verify(region);
            }
            if self.rng.one_in(2) {
                self.revoke(region);
            }
            if self.rng.one_in(2) {
                self.supersede(region);
            }
            if self.rng.one_in(2) {
                self.change_instrument(region);
            }
            self.record(region);
            if self.rng.one_in(8) {
                self.commitment(region);
            }
            if self.rng.one_in(3) {
                self.apply_repair(region);
            }
            if n % 15 == 5 {
                // The first plan of the first region has a pool of one: its targets stay
                // short, whatever the walk draws.
                let pool = if n == 5 && region == 0 { 1 } else { 3 };
                self.plan(region, pool);
            }
            if n == 3 || n == 50 {
                self.conflicts(region);
            }
        }
        match n {
            30 => self.agreement(0),
            33 => self.agreement(1),
            90 => self.agreement(2),
            _ => {}
        }
        self.work_plans().await;
        let after = 3 * DAY_MS + self.rng.next() % DAY_MS;
        let events = self.commit(after);
        self.note(events);
    }
}

/// A verification's kind and conclusion: a certificate when it passed, a notice when not.
fn verdict(passed: bool) -> (CertKind, Conclusion) {
    match passed {
        true => (
            CertKind::Verification,
            Conclusion::Pass {
                accuracy_class: None,
            },
        ),
        false => (
            CertKind::Notice,
            Conclusion::Fail {
                failed_items: vec![Text::lossy("示值误差超差")],
            },
        ),
    }
}

pub(super) fn seed() -> u64 {
    let seed = std::env::var("HENGXIN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos() as u64
        });
    eprintln!("generated chain: HENGXIN_TEST_SEED={seed}");
    seed
}

impl Generator<'_> {
    /// Every (lab, number) anchored.
    pub(super) fn numbers(&self) -> BTreeSet<(String, String)> {
        self.certificates
            .iter()
            .map(|c| (REGIONS[c.region].1.to_owned(), c.number.clone()))
            .collect()
    }
}
