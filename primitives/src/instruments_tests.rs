use super::*;
use crate::codec::decode_strict;
use crate::records::{CertificateFields, Conclusion, Instrument};
use alloc::vec;

fn date(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn id(text: &str) -> InstrumentId {
    InstrumentId::parse(text).unwrap()
}

fn stamp(height: u64, on: &str) -> Stamp {
    Stamp {
        height,
        date: date(on),
        by: AccountId::Ed25519([1; 32]),
    }
}

fn nozzle(retired: Option<&str>) -> InstrumentRecord {
    InstrumentRecord {
        id: id("CQ-1"),
        class: ClassCode::new("FUEL").unwrap(),
        manufacturer: Text::lossy("正星"),
        model: Text::lossy("ZX-2"),
        serial: Text::lossy("SN-1"),
        production_code: None,
        owner: CreditCode::new("91500103MA60K7LX03").unwrap(),
        division: Division::new(500103).unwrap(),
        site: Site::new("3号加油岛 2号枪").unwrap(),
        registered: stamp(1, "2025-01-01"),
        retired: retired.map(|d| stamp(90, d)),
        history_len: 0,
    }
}

/// A certificate of `kind` for `instrument`, verified on `verified`, anchored at `height`.
fn cert(
    number: &str,
    kind: CertKind,
    verified: &str,
    until: Option<&str>,
    height: u64,
) -> CertificateRecord {
    let conclusion = match kind {
        CertKind::Notice => Conclusion::Fail {
            failed_items: vec![Text::lossy("示值误差")],
        },
        CertKind::Verification => Conclusion::Pass {
            accuracy_class: None,
        },
        CertKind::Calibration => Conclusion::None,
    };
    CertificateRecord {
        lab: LabCode::new("CQJL").unwrap(),
        fields: CertificateFields {
            number: CertNumber::new(number).unwrap(),
            kind,
            category: Category::Mechanical,
            item: Text::lossy("燃油加油机"),
            instrument: Instrument {
                name: Text::lossy("燃油加油机"),
                model: Text::lossy("ZX-2"),
                serial: Text::lossy("SN-1"),
                manufacturer: Text::lossy("正星"),
            },
            procedure: Text::lossy("JJG 443"),
            calibration_date: date(verified),
            issue_date: date(verified),
            valid_until: until.map(date),
            conclusion,
            standards: Vec::new(),
            document_hash: Hash([height as u8; 32]),
            signer: None,
            for_instrument: Some(Box::new(InstrumentUse {
                id: id("CQ-1"),
                seals: vec![Seal {
                    position: Text::lossy("计量器"),
                    number: Text::lossy(number),
                }],
            })),
        },
        supersedes: None,
        signing_key: AccountId::Ed25519([2; 32]),
        anchored_height: height,
        anchored_ms: 0,
        status: CertStatus::Valid,
    }
}

fn passed(number: &str, verified: &str, until: &str, height: u64) -> CertificateRecord {
    cert(
        number,
        CertKind::Verification,
        verified,
        Some(until),
        height,
    )
}

fn revoked(mut c: CertificateRecord) -> CertificateRecord {
    c.status = CertStatus::Revoked {
        reason: Text::lossy("错误"),
        height: 50,
        timestamp_ms: 0,
        by: AccountId::Ed25519([2; 32]),
    };
    c
}

fn superseded(mut c: CertificateRecord, by: &str) -> CertificateRecord {
    c.status = CertStatus::Superseded {
        by: CertNumber::new(by).unwrap(),
        height: 50,
        timestamp_ms: 0,
    };
    c
}

fn repaired(on: &str) -> Entry {
    Entry {
        at: stamp(40, on),
        change: Change::Repaired {
            lab: LabCode::new("CQJL").unwrap(),
            date: date(on),
            evidence: Hash([7; 32]),
            seals_broken: Vec::new(),
        },
    }
}

struct Case {
    why: &'static str,
    retired: Option<&'static str>,
    certificates: Vec<CertificateRecord>,
    repairs: Vec<&'static str>,
    on: &'static str,
    status: InstrumentStatus,
    /// The number of the certificate that decided, if any.
    latest: Option<&'static str>,
}

fn case(
    why: &'static str,
    certificates: Vec<CertificateRecord>,
    on: &'static str,
    status: InstrumentStatus,
    latest: Option<&'static str>,
) -> Case {
    Case {
        why,
        retired: None,
        certificates,
        repairs: Vec::new(),
        on,
        status,
        latest,
    }
}

fn cases() -> Vec<Case> {
    use InstrumentStatus::*;
    let one = || vec![passed("A", "2026-01-10", "2026-07-09", 10)];
    vec![
        case(
            "nothing verified it",
            Vec::new(),
            "2026-03-01",
            Unverified,
            None,
        ),
        case(
            "verified, far from due",
            one(),
            "2026-03-01",
            Valid,
            Some("A"),
        ),
        case(
            "31 days before: not yet in the window",
            one(),
            "2026-06-08",
            Valid,
            Some("A"),
        ),
        case(
            "the window's first day: 30 days before",
            one(),
            "2026-06-09",
            DueSoon,
            Some("A"),
        ),
        case(
            "its 有效期至 itself: still usable",
            one(),
            "2026-07-09",
            DueSoon,
            Some("A"),
        ),
        case(
            "the day after its 有效期至",
            one(),
            "2026-07-10",
            Overdue,
            Some("A"),
        ),
        case("a year later", one(), "2027-07-10", Overdue, Some("A")),
        case(
            "before its verification date nothing counted yet",
            one(),
            "2026-01-09",
            Unverified,
            None,
        ),
        case(
            "the latest is a notice: failed",
            vec![
                passed("A", "2026-01-10", "2026-07-09", 10),
                cert("N", CertKind::Notice, "2026-02-01", None, 11),
            ],
            "2026-03-01",
            Failed,
            Some("N"),
        ),
        case(
            "a failed instrument verified again after repair",
            vec![
                cert("N", CertKind::Notice, "2026-02-01", None, 11),
                passed("B", "2026-02-20", "2026-08-19", 12),
            ],
            "2026-03-01",
            Valid,
            Some("B"),
        ),
        case(
            "a revoked latest falls back to the one before",
            vec![
                passed("A", "2026-01-10", "2026-07-09", 10),
                revoked(passed("B", "2026-02-20", "2026-08-19", 12)),
            ],
            "2026-07-20",
            Overdue,
            Some("A"),
        ),
        case(
            "a revoked only certificate: unverified",
            vec![revoked(passed("A", "2026-01-10", "2026-07-09", 10))],
            "2026-03-01",
            Unverified,
            None,
        ),
        case(
            "a superseded one is replaced by its successor",
            vec![
                superseded(passed("A", "2026-01-10", "2026-07-09", 10), "A2"),
                cert("A2", CertKind::Notice, "2026-01-10", None, 12),
            ],
            "2026-03-01",
            Failed,
            Some("A2"),
        ),
        case(
            "calibration certificates never decide",
            vec![
                passed("A", "2026-01-10", "2026-07-09", 10),
                cert(
                    "C",
                    CertKind::Calibration,
                    "2026-05-01",
                    Some("2027-05-01"),
                    20,
                ),
            ],
            "2026-08-01",
            Overdue,
            Some("A"),
        ),
        case(
            "only a calibration certificate: unverified",
            vec![cert("C", CertKind::Calibration, "2026-05-01", None, 20)],
            "2026-06-01",
            Unverified,
            None,
        ),
        case(
            "the same verification date: the later anchored decides",
            vec![
                cert("N", CertKind::Notice, "2026-02-01", None, 30),
                passed("B", "2026-02-01", "2026-08-01", 31),
            ],
            "2026-03-01",
            Valid,
            Some("B"),
        ),
        case(
            "a later verification date wins over a later height",
            vec![
                passed("B", "2026-02-01", "2026-08-01", 31),
                cert("N", CertKind::Notice, "2026-01-01", None, 40),
            ],
            "2026-03-01",
            Valid,
            Some("B"),
        ),
        Case {
            repairs: vec!["2026-02-01"],
            ..case(
                "repaired after its latest verification",
                one(),
                "2026-03-01",
                Unverified,
                Some("A"),
            )
        },
        Case {
            repairs: vec!["2026-01-10"],
            ..case(
                "repaired on the day it was verified: the verification stands",
                one(),
                "2026-03-01",
                Valid,
                Some("A"),
            )
        },
        Case {
            repairs: vec!["2026-02-01"],
            ..case(
                "a repair dated after the status's date is not known yet",
                one(),
                "2026-01-20",
                Valid,
                Some("A"),
            )
        },
        Case {
            retired: Some("2026-03-01"),
            ..case("retired that day", one(), "2026-03-01", Retired, Some("A"))
        },
        Case {
            retired: Some("2026-03-01"),
            ..case(
                "before its retirement",
                one(),
                "2026-02-28",
                Valid,
                Some("A"),
            )
        },
        Case {
            retired: Some("2026-03-01"),
            ..case(
                "retired, never verified",
                Vec::new(),
                "2027-01-01",
                Retired,
                None,
            )
        },
    ]
}

#[test]
fn every_row_of_the_status_table() {
    let params = InstrumentParams::default();
    for c in cases() {
        let record = nozzle(c.retired);
        let history: Vec<Entry> = c.repairs.iter().map(|d| repaired(d)).collect();
        let standing = instrument_status(&record, &history, &c.certificates, date(c.on), &params);
        assert_eq!(standing.status, c.status, "{}", c.why);
        assert_eq!(
            standing.latest.map(|l| l.fields.number.as_str()),
            c.latest,
            "{}",
            c.why
        );
        assert_eq!(
            standing.status.may_be_used(),
            matches!(
                c.status,
                InstrumentStatus::Valid | InstrumentStatus::DueSoon
            )
        );
    }
}

#[test]
fn the_warning_window_is_the_genesis_number() {
    let record = nozzle(None);
    let certs = [passed("A", "2026-01-10", "2026-07-09", 10)];
    let status = |on: &str, warning_days| {
        instrument_status(
            &record,
            &[],
            &certs,
            date(on),
            &InstrumentParams { warning_days },
        )
        .status
    };
    assert_eq!(status("2026-07-02", 7), InstrumentStatus::DueSoon);
    assert_eq!(status("2026-07-01", 7), InstrumentStatus::Valid);
    assert_eq!(status("2026-07-09", 0), InstrumentStatus::DueSoon);
    assert_eq!(status("2026-07-08", 0), InstrumentStatus::Valid);
}

#[test]
fn a_certificate_for_another_instrument_never_decides() {
    let record = nozzle(None);
    let mut other = passed("A", "2026-01-10", "2026-07-09", 10);
    other.fields.for_instrument.as_mut().unwrap().id = id("CQ-2");
    let standing = instrument_status(
        &record,
        &[],
        core::slice::from_ref(&other),
        date("2026-03-01"),
        &InstrumentParams::default(),
    );
    assert_eq!(standing.status, InstrumentStatus::Unverified);
}

#[test]
fn the_seals_and_due_date_are_the_deciding_certificates() {
    let record = nozzle(None);
    let certs = [
        passed("A", "2026-01-10", "2026-07-09", 10),
        passed("B", "2026-04-10", "2026-10-09", 11),
    ];
    let standing = instrument_status(
        &record,
        &[],
        &certs,
        date("2026-05-01"),
        &InstrumentParams::default(),
    );
    assert_eq!(standing.valid_until(), Some(date("2026-10-09")));
    assert_eq!(seals(&standing)[0].number.as_str(), "B");
}

#[test]
fn ids_have_one_spelling() {
    assert_eq!(id("CQ-1").to_string(), "CQ-1");
    assert_eq!(id("SC-18446744073709551615").seq, u64::MAX);
    for bad in [
        "CQ-0",
        "CQ-01",
        "CQ-",
        "CQ1",
        "-1",
        "cq-1",
        "CQ-+1",
        "CQ-1-2",
        "CQ- 1",
        "CQ-1 ",
        "CQ-18446744073709551616",
    ] {
        assert!(InstrumentId::parse(bad).is_err(), "{bad}");
    }
    let bytes = InstrumentId {
        region: RegionCode::new("CQ").unwrap(),
        seq: 0,
    }
    .encode();
    assert!(decode_strict::<InstrumentId>("id", &bytes).is_err());
    let good = id("CQ-7");
    assert_eq!(
        decode_strict::<InstrumentId>("id", &good.encode()).unwrap(),
        good
    );
}

#[test]
fn divisions_are_six_digits_of_a_district() {
    let d = Division::parse("500103").unwrap();
    assert_eq!((d.province(), d.to_string()), (50, "500103".into()));
    for bad in [
        "50010", "5001030", "500000", "51000", "abcdef", "+50103", "000001", "",
    ] {
        assert!(Division::parse(bad).is_err(), "{bad}");
    }
    assert!(decode_strict::<Division>("division", &500000u32.encode()).is_err());
    assert!(decode_strict::<Division>("division", &5u32.encode()).is_err());
}

#[test]
fn a_class_period_ends_on_the_same_day_months_later() {
    let class = InstrumentClass {
        code: ClassCode::new("FUEL").unwrap(),
        name: Text::lossy("燃油加油机"),
        category: Category::Mechanical,
        item: Text::lossy("燃油加油机"),
        procedure: Text::lossy("JJG 443"),
        compulsory: true,
        period_months: 6,
    };
    assert_eq!(
        class.latest_valid_until(date("2026-01-10")),
        date("2026-07-10")
    );
    assert_eq!(
        class.latest_valid_until(date("2026-08-31")),
        date("2027-02-28")
    );
}

#[test]
fn a_page_of_the_largest_entries_stays_within_the_value_limit() {
    let wide = |n: usize| Text::lossy(&"𠀀".repeat(n));
    let seals: Vec<Seal> = (0..SEALS_MAX)
        .map(|_| Seal {
            position: wide(SEAL_TEXT_MAX),
            number: wide(SEAL_TEXT_MAX),
        })
        .collect();
    assert!(check_seals(&seals).is_ok());
    let too_long = [Seal {
        position: wide(SEAL_TEXT_MAX + 1),
        number: wide(1),
    }];
    assert!(check_seals(&too_long).is_err());
    let repair = Entry {
        at: stamp(1, "2026-01-01"),
        change: Change::Repaired {
            lab: LabCode::new("ABCDEFGHIJKLMNOP").unwrap(),
            date: date("2026-01-01"),
            evidence: Hash([1; 32]),
            seals_broken: seals,
        },
    };
    let retired = Entry {
        at: stamp(1, "2026-01-01"),
        change: Change::Retired { reason: wide(256) },
    };
    for entry in [repair, retired] {
        let page = vec![entry; HISTORY_PAGE as usize];
        let bytes = page.encode().len();
        assert!(
            bytes < crate::state::VALUE_SIZE_BYTES_MAX,
            "{bytes} bytes for a page of {HISTORY_PAGE}"
        );
    }
}

/// Day by day across every case's dates: whenever the status on the next day differs, the
/// day before named it as the day the status may change (so an index that rechecks then never
/// holds a stale status).
#[test]
fn every_change_of_status_is_announced_the_day_before() {
    let params = InstrumentParams::default();
    for c in cases() {
        let record = nozzle(c.retired);
        let history: Vec<Entry> = c.repairs.iter().map(|d| repaired(d)).collect();
        let status = |on: Date| instrument_status(&record, &history, &c.certificates, on, &params);
        let (mut on, end) = (date("2025-06-01"), date("2028-06-01"));
        while on < end {
            let next = Date(on.0 + 1);
            let announced = status_changes_after(&record, &history, &c.certificates, on, &params);
            assert!(announced.is_none_or(|d| d > on), "{}", c.why);
            if status(next).status != status(on).status {
                assert_eq!(announced, Some(next), "{} on {}", c.why, on.to_iso());
            }
            on = next;
        }
    }
}
