//! The gathering functions over a state in memory: what each reads, and how a missing or
//! inconsistent value is judged (the same for every reader, since every reader calls these).

use alloc::collections::BTreeMap;
use alloc::vec;
use alloc::vec::Vec;

use parity_scale_codec::Encode;

use super::*;
use crate::ids::Text;

/// A state in memory that records the keys read, as the node's reader does.
#[derive(Default)]
struct Memory {
    values: BTreeMap<Vec<u8>, Vec<u8>>,
    read: Vec<StorageKey>,
}

impl Memory {
    fn put(&mut self, key: StorageKey, value: impl Encode) {
        self.values.insert(key.to_bytes(), value.encode());
    }
}

impl StateRead for Memory {
    type Error = ReadError;

    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>, ReadError> {
        self.read.push(key.clone());
        Ok(self.values.get(&key.to_bytes()).cloned())
    }
}

fn region(code: &str) -> RegionCode {
    RegionCode::new(code).unwrap()
}

fn record(code: &str, business_type: BusinessType) -> BusinessRecord {
    BusinessRecord {
        credit_code: code.parse().unwrap(),
        name: Text::lossy("示范"),
        region: region("CQ"),
        business_type,
        registered_height: 1,
    }
}

const GAS: &str = "91500103MA60K7LX03";
const MARKET: &str = "91510104MA6CJ2Q4R3";

fn two_businesses() -> Memory {
    let mut m = Memory::default();
    let codes: Vec<CreditCode> = vec![GAS.parse().unwrap(), MARKET.parse().unwrap()];
    m.put(StorageKey::BusinessCount(region("CQ")), 2u64);
    m.put(StorageKey::BusinessPage(region("CQ"), 0), codes);
    m.put(
        StorageKey::Business(GAS.parse().unwrap()),
        record(GAS, BusinessType::GasStation),
    );
    m.put(
        StorageKey::Business(MARKET.parse().unwrap()),
        record(MARKET, BusinessType::Market),
    );
    m
}

#[test]
fn a_missing_rule_table_is_the_default_table_and_its_absence_is_read() {
    let mut m = two_businesses();
    let code: CreditCode = GAS.parse().unwrap();
    let (_, inputs) = business(&mut m, &code).unwrap().unwrap();
    assert_eq!(inputs.params, CreditParams::default());
    assert!(inputs.records.is_empty() && inputs.commitments.is_empty());
    // Every key the grade depends on was read, absent ones included: a bundle proves them.
    for key in [
        StorageKey::Business(code.clone()),
        StorageKey::Commitment(code.clone()),
        StorageKey::CreditRecords(code),
        StorageKey::CreditParams,
    ] {
        assert!(m.read.contains(&key), "{key:?} not read");
    }
}

#[test]
fn a_draw_s_scope_holds_the_plan_s_types_only_and_grades_only_those() {
    let mut m = two_businesses();
    let on = Date::parse("2026-12-01").unwrap();
    let scope = draw_scope(&mut m, &region("CQ"), &[BusinessType::Market], on).unwrap();
    assert_eq!(scope, vec![(MARKET.parse().unwrap(), Grade::B)]);
    assert!(
        !m.read
            .contains(&StorageKey::CreditRecords(GAS.parse().unwrap())),
        "a business out of scope is not graded"
    );
}

#[test]
fn an_index_naming_what_is_not_stored_is_an_inconsistent_state() {
    let mut m = two_businesses();
    m.put(StorageKey::BusinessCount(region("CQ")), 3u64);
    assert!(matches!(
        businesses_of(&mut m, &region("CQ")),
        Err(ReadError::Dangling(_))
    ));
    let mut m = Memory::default();
    m.put(StorageKey::AgreementsOf(region("CQ")), vec![7u64]);
    let err = agreements_of(&mut m, &region("CQ")).unwrap_err();
    assert_eq!(
        err,
        ReadError::Dangling("agreement 7 of region CQ".into()),
        "{err}"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_corrupt_not_absent() {
    let mut m = Memory::default();
    m.values
        .insert(StorageKey::CreditParams.to_bytes(), vec![0xff]);
    assert!(matches!(credit_params(&mut m), Err(ReadError::Corrupt(_))));
}
