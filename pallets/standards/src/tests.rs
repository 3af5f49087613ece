//! The stable error codes, and the refusals the runtime's scenario tests do not reach, each
//! checked to leave storage untouched.

use std::collections::BTreeMap;

use hengxin_primitives::records::{
    AccountRole, Assessment, LabKind, LabRecord, LabStatus, StandardFields, StandardLevel,
    TraceSource,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{
    AccountId, Category, CertNumber, Date, Hash, LabCode, PublicKey, RegionCode, StandardId, Text,
};
use hengxin_support::{Env, Failure, Storage, StorageError};

use crate::{Call, Error, Event, TRACES_MAX, dispatch};

#[test]
fn every_error_has_its_stable_code() {
    let lab = LabCode::new("CQJL").unwrap();
    let standard = StandardId {
        owner: lab.clone(),
        code: "S1".parse().unwrap(),
    };
    let cases = [
        (
            Error::NationalPrimaryNeedsRegulator,
            "standards.national_primary_needs_regulator",
        ),
        (
            Error::NotOwnerOrRegulator(lab.clone()),
            "standards.not_owner_or_regulator",
        ),
        (Error::UnknownLab(lab.clone()), "standards.unknown_lab"),
        (
            Error::StandardExists(standard.clone()),
            "standards.standard_exists",
        ),
        (
            Error::UnknownStandard(standard),
            "standards.unknown_standard",
        ),
        (Error::InvalidAssessment, "standards.invalid_assessment"),
        (Error::PrimaryHasNoTrace, "standards.primary_has_no_trace"),
        (
            Error::UnknownTraceCertificate {
                lab,
                number: CertNumber::new("JJG 52-2013/No. 17").unwrap(),
            },
            "standards.unknown_trace_certificate",
        ),
        (
            Error::InvalidExternalTrace,
            "standards.invalid_external_trace",
        ),
        (Error::TooManyTraces, "standards.too_many_traces"),
        (Error::TooManyAssessments, "standards.too_many_assessments"),
    ];
    hengxin_support::assert_error_codes(&cases, Error::code);
}

/// A storage that is a map, so a test can compare it before and after a call.
#[derive(Default, Clone, PartialEq, Eq, Debug)]
struct Memory(BTreeMap<Vec<u8>, Vec<u8>>);

impl Storage for Memory {
    fn get_raw(&mut self, key: &[u8]) -> Result<Option<Vec<u8>>, StorageError> {
        Ok(self.0.get(key).cloned())
    }

    fn put_raw(&mut self, key: Vec<u8>, value: Option<Vec<u8>>) {
        match value {
            Some(value) => self.0.insert(key, value),
            None => self.0.remove(&key),
        };
    }
}

const ENV: Env = Env {
    height: 7,
    timestamp_ms: 1_772_409_600_000,
    scheme: hengxin_primitives::crypto::Scheme::Ed25519Sha256,
};

fn regulator() -> AccountId {
    PublicKey::Ed25519([1; 32])
}

fn date(day: u32) -> Date {
    Date::from_ymd(2026, 3, day).unwrap()
}

/// A state with lab `CQJL` in region `CQ` and a regulator of `CQ`.
fn state() -> Memory {
    let mut memory = Memory::default();
    let region = RegionCode::new("CQ").unwrap();
    let lab = LabRecord {
        code: LabCode::new("CQJL").unwrap(),
        name: Text::lossy("重庆市计量质量检测研究院"),
        region: region.clone(),
        kind: LabKind::StatutoryVerification,
        scope: Vec::new(),
        status: LabStatus::Active,
        status_history: Vec::new(),
        keys: Vec::new(),
        dcc_certs: Vec::new(),
        registered_height: 0,
    };
    let s: &mut dyn Storage = &mut memory;
    s.put(
        &StorageKey::Role(regulator()),
        &AccountRole::Regulator { region },
    );
    s.put(&StorageKey::Lab(lab.code.clone()), &lab);
    memory
}

fn id(owner: &str, code: &str) -> StandardId {
    StandardId {
        owner: LabCode::new(owner).unwrap(),
        code: code.parse().unwrap(),
    }
}

fn external(issued: Date, valid_until: Date) -> TraceSource {
    TraceSource::External {
        issuer: Text::lossy("NIM"),
        number: Text::lossy("NIM-2026-1"),
        document_hash: Hash([9; 32]),
        issued,
        valid_until,
    }
}

fn fields(id: StandardId, level: StandardLevel, traces: Vec<TraceSource>) -> StandardFields {
    StandardFields {
        id,
        name: Text::lossy("标准装置"),
        category: Category::Thermal,
        level,
        range: Text::lossy("(0~100)℃"),
        uncertainty: Text::lossy("U=0.1℃"),
        assessment: Assessment {
            number: Text::lossy("考核-1"),
            issued: date(1),
            valid_until: date(1).add_months(24),
        },
        traces,
    }
}

fn register(standard: StandardFields) -> Call {
    Call::Register { standard }
}

fn add_trace(id: StandardId, trace: TraceSource) -> Call {
    Call::AddTrace { id, trace }
}

/// Dispatches `call` by the regulator and expects it to succeed.
fn ok(s: &mut Memory, call: Call) -> Event {
    match dispatch(s, &ENV, &regulator(), call) {
        Ok(event) => event,
        Err(e) => panic!("expected success, got {e:?}"),
    }
}

/// Dispatches `call` by the regulator, expects a refusal, and checks it wrote nothing.
fn refuses(s: &mut Memory, call: Call) -> Error {
    let before = s.clone();
    let outcome = dispatch(s, &ENV, &regulator(), call);
    assert_eq!(*s, before, "a refused call wrote to storage");
    match outcome {
        Err(Failure::Rejected(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[test]
fn a_national_primary_is_registered_without_traces() {
    let mut s = state();
    let trace = external(date(1), date(2));
    let primary = fields(
        id("NIM", "P-1"),
        StandardLevel::NationalPrimary,
        vec![trace],
    );
    assert_eq!(refuses(&mut s, register(primary)), Error::PrimaryHasNoTrace);
}

#[test]
fn a_national_primary_takes_no_trace_later() {
    let mut s = state();
    let primary = fields(id("NIM", "P-1"), StandardLevel::NationalPrimary, vec![]);
    ok(&mut s, register(primary));
    let call = add_trace(id("NIM", "P-1"), external(date(1), date(2)));
    assert_eq!(refuses(&mut s, call), Error::PrimaryHasNoTrace);
}

#[test]
fn an_external_trace_may_not_end_before_it_was_issued() {
    let mut s = state();
    let backwards = external(date(2), date(1));
    let working = fields(id("CQJL", "W-1"), StandardLevel::Working, vec![backwards]);
    assert_eq!(
        refuses(&mut s, register(working)),
        Error::InvalidExternalTrace
    );
    ok(
        &mut s,
        register(fields(id("CQJL", "W-1"), StandardLevel::Working, vec![])),
    );
    let call = add_trace(id("CQJL", "W-1"), external(date(2), date(1)));
    assert_eq!(refuses(&mut s, call), Error::InvalidExternalTrace);
}

#[test]
fn a_standard_keeps_at_most_traces_max_traces() {
    let mut s = state();
    let traces = |n| vec![external(date(1), date(2)); n];
    let over = fields(
        id("CQJL", "W-1"),
        StandardLevel::Working,
        traces(TRACES_MAX + 1),
    );
    assert_eq!(refuses(&mut s, register(over)), Error::TooManyTraces);
    let full = fields(
        id("CQJL", "W-1"),
        StandardLevel::Working,
        traces(TRACES_MAX),
    );
    ok(&mut s, register(full));
    let call = add_trace(id("CQJL", "W-1"), external(date(1), date(2)));
    assert_eq!(refuses(&mut s, call), Error::TooManyTraces);
}

#[test]
fn a_standard_of_an_unregistered_lab_is_refused() {
    let mut s = state();
    let orphan = fields(id("XXJL", "W-1"), StandardLevel::Working, vec![]);
    assert_eq!(
        refuses(&mut s, register(orphan)),
        Error::UnknownLab(LabCode::new("XXJL").unwrap())
    );
}
