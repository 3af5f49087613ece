//! DOMAIN.md §4, row by row and day by day.

use super::*;
use crate::crypto::PublicKey;

fn day(text: &str) -> Date {
    Date::parse(text).unwrap()
}

fn inspector() -> AccountId {
    PublicKey::Ed25519([7; 32])
}

fn record(id: u64, event: CreditEvent, date: &str) -> CreditRecord {
    CreditRecord {
        id,
        event,
        date: day(date),
        evidence_hash: Hash([id as u8; 32]),
        recorded_by: inspector(),
        repair_applied: None,
        repaired: None,
        withdrawn: None,
    }
}

fn commitment(date: &str) -> Commitment {
    Commitment {
        document_hash: Hash([9; 32]),
        date: day(date),
        filed_by: inspector(),
    }
}

fn standing(records: &[CreditRecord], committed: Option<&str>, on: &str) -> (i64, Grade) {
    let commitment = committed.map(commitment);
    let s = grade(
        records,
        commitment.as_ref(),
        day(on),
        &CreditParams::default(),
    );
    (s.score, s.grade)
}

#[test]
fn each_event_s_points_count_from_its_date() {
    let table = [
        (CreditEvent::V1, 90, Grade::A),
        (CreditEvent::V2, 85, Grade::B),
        (CreditEvent::V3, 60, Grade::D),
        (CreditEvent::V4, 50, Grade::D),
        (CreditEvent::V5, 90, Grade::A),
        (CreditEvent::V6, 95, Grade::A),
        (CreditEvent::P1, 102, Grade::A),
        (CreditEvent::P2, 110, Grade::A),
    ];
    for (event, score, grade) in table {
        let records = [record(0, event, "2026-03-10")];
        assert_eq!(
            standing(&records, Some("2026-01-01"), "2026-03-10"),
            (score, grade),
            "{event}"
        );
        assert_eq!(
            standing(&records, Some("2026-01-01"), "2026-03-09"),
            (100, Grade::A),
            "{event} does not count before its date"
        );
    }
}

#[test]
fn each_window_ends_on_its_exact_day_month_ends_included() {
    // (event, record date, last day it counts, first day it does not)
    let table = [
        (CreditEvent::V1, "2026-03-10", "2027-03-09", "2027-03-10"),
        (CreditEvent::V2, "2026-03-10", "2028-03-09", "2028-03-10"),
        (CreditEvent::V3, "2026-03-10", "2029-03-09", "2029-03-10"),
        (CreditEvent::V4, "2026-01-31", "2029-01-30", "2029-01-31"),
        (CreditEvent::V5, "2025-08-31", "2026-08-30", "2026-08-31"),
        (CreditEvent::V6, "2024-02-29", "2025-02-27", "2025-02-28"),
        (CreditEvent::P1, "2026-05-31", "2027-05-30", "2027-05-31"),
        (CreditEvent::V2, "2024-02-29", "2026-02-27", "2026-02-28"),
    ];
    let params = CreditParams::default();
    for (event, date, last, first_after) in table {
        let r = record(0, event, date);
        assert_eq!(
            r.state(day(last), &params),
            RecordState::Counting,
            "{event} {date}"
        );
        assert_eq!(
            r.state(day(first_after), &params),
            RecordState::Expired,
            "{event} {date} on {first_after}"
        );
        assert_eq!(r.counts_until(&params), Some(day(first_after)));
    }
    let p2 = record(0, CreditEvent::P2, "2020-01-01");
    assert_eq!(p2.counts_until(&params), None, "P2 counts until withdrawn");
    assert_eq!(p2.state(day("9999-12-31"), &params), RecordState::Counting);
}

#[test]
fn p1_records_add_at_most_ten_together() {
    let p1s: Vec<_> = (0..6)
        .map(|i| record(i, CreditEvent::P1, &format!("2026-0{}-01", i + 1)))
        .collect();
    assert_eq!(standing(&p1s[..4], Some("2026-01-01"), "2026-07-01").0, 108);
    assert_eq!(standing(&p1s, Some("2026-01-01"), "2026-07-01").0, 110);
    // With a violation too, the P1s still add only 10.
    let mut records = p1s.clone();
    records.push(record(6, CreditEvent::V1, "2026-07-01"));
    assert_eq!(standing(&records, Some("2026-01-01"), "2026-07-01").0, 100);
    // Once the first expires, five remain: still capped at 10.
    assert_eq!(standing(&p1s, Some("2026-06-01"), "2027-01-01").0, 110);
    // Two expired, four remain: 8.
    assert_eq!(standing(&p1s, Some("2026-06-01"), "2027-02-01").0, 108);
}

#[test]
fn the_score_never_exceeds_110() {
    let mut records = vec![record(0, CreditEvent::P2, "2026-01-01")];
    records.extend((1..6).map(|i| record(i, CreditEvent::P1, "2026-02-01")));
    assert_eq!(
        standing(&records, Some("2026-01-01"), "2026-03-01"),
        (110, Grade::A)
    );
}

#[test]
fn a_counting_v3_or_v4_caps_a_high_score_at_d() {
    for severe in [CreditEvent::V3, CreditEvent::V4] {
        let mut records = vec![record(0, CreditEvent::P2, "2025-01-01")];
        records.extend((1..6).map(|i| record(i, CreditEvent::P1, "2026-02-01")));
        records.push(record(6, severe, "2026-02-02"));
        let (score, grade) = standing(&records, Some("2026-01-01"), "2026-03-01");
        assert!(score >= 60, "{severe}: {score} would be C or better");
        assert_eq!(grade, Grade::D, "{severe}");
        // 36 months later it no longer counts, and the cap goes with it.
        let later = standing(&records[..1], Some("2029-01-01"), "2029-02-02");
        assert_eq!(later.1, Grade::A);
        let records_later = standing(&records, Some("2029-01-01"), "2029-02-02");
        assert_eq!(records_later, (110, Grade::A), "{severe} expired");
    }
}

#[test]
fn without_a_current_self_commitment_the_grade_is_at_most_b() {
    let none: [CreditRecord; 0] = [];
    assert_eq!(standing(&none, None, "2026-06-01"), (100, Grade::B));
    assert_eq!(
        standing(&none, Some("2025-06-01"), "2026-05-31"),
        (100, Grade::A),
        "current on its last day"
    );
    assert_eq!(
        standing(&none, Some("2025-06-01"), "2026-06-01"),
        (100, Grade::B),
        "no longer current 12 months on"
    );
    assert_eq!(
        standing(&none, Some("2025-08-31"), "2026-08-30"),
        (100, Grade::A)
    );
    assert_eq!(
        standing(&none, Some("2026-07-01"), "2026-06-30"),
        (100, Grade::B),
        "not yet made"
    );
    // The cap only lowers: a C stays C without a commitment.
    let v3_free = [
        record(0, CreditEvent::V2, "2026-01-01"),
        record(1, CreditEvent::V5, "2026-01-02"),
    ];
    assert_eq!(standing(&v3_free, None, "2026-02-01"), (75, Grade::B));
    let c = [
        record(0, CreditEvent::V2, "2026-01-01"),
        record(1, CreditEvent::V2, "2026-01-02"),
    ];
    assert_eq!(standing(&c, None, "2026-02-01"), (70, Grade::C));
}

#[test]
fn the_grade_thresholds_are_90_75_60() {
    let params = CreditParams::default();
    let at = |score_points: &[CreditEvent]| {
        let records: Vec<_> = score_points
            .iter()
            .enumerate()
            .map(|(i, e)| record(i as u64, *e, "2026-01-01"))
            .collect();
        let c = commitment("2026-01-01");
        grade(&records, Some(&c), day("2026-01-02"), &params)
    };
    use CreditEvent::*;
    assert_eq!(at(&[V1]).grade, Grade::A, "90");
    assert_eq!(at(&[V1, V6]).grade, Grade::B, "85");
    assert_eq!(at(&[V2, V1]).grade, Grade::B, "75");
    assert_eq!(at(&[V2, V1, V6]).grade, Grade::C, "70");
    assert_eq!(at(&[V2, V2, V1]).grade, Grade::C, "60");
    assert_eq!(at(&[V2, V2, V1, V6]).grade, Grade::D, "55");
    let deep = at(&[V2, V2, V2, V2, V2, V2, V2, V2]);
    assert_eq!(
        (deep.score, deep.grade),
        (-20, Grade::D),
        "below 0 is allowed"
    );
}

#[test]
fn repair_opens_six_months_on_and_twelve_for_v3_and_v4() {
    let params = CreditParams::default();
    let table = [
        (CreditEvent::V1, "2026-08-31", "2027-02-28"),
        (CreditEvent::V2, "2026-03-15", "2026-09-15"),
        (CreditEvent::V5, "2026-12-31", "2027-06-30"),
        (CreditEvent::V6, "2026-01-01", "2026-07-01"),
        (CreditEvent::V3, "2026-08-31", "2027-08-31"),
        (CreditEvent::V4, "2024-02-29", "2025-02-28"),
    ];
    for (event, date, from) in table {
        let r = record(0, event, date);
        assert_eq!(
            r.repairable_from(&params),
            Some(day(from)),
            "{event} {date}"
        );
    }
    for positive in [CreditEvent::P1, CreditEvent::P2] {
        let r = record(0, positive, "2026-01-01");
        assert_eq!(
            r.repairable_from(&params),
            None,
            "{positive} is not repaired"
        );
    }
}

#[test]
fn a_repaired_record_stops_counting_and_the_past_keeps_it() {
    let mut v2 = record(0, CreditEvent::V2, "2026-01-10");
    v2.repaired = Some(day("2026-07-20"));
    let records = [v2];
    let params = CreditParams::default();
    assert_eq!(
        records[0].state(day("2026-07-19"), &params),
        RecordState::Counting
    );
    assert_eq!(
        records[0].state(day("2026-07-20"), &params),
        RecordState::Repaired
    );
    assert_eq!(
        standing(&records, Some("2026-01-01"), "2026-07-19"),
        (85, Grade::B)
    );
    assert_eq!(
        standing(&records, Some("2026-01-01"), "2026-07-20"),
        (100, Grade::A)
    );
    let mut p2 = record(1, CreditEvent::P2, "2025-01-01");
    p2.withdrawn = Some(day("2026-01-01"));
    assert_eq!(p2.state(day("2025-12-31"), &params), RecordState::Counting);
    assert_eq!(p2.state(day("2026-01-01"), &params), RecordState::Withdrawn);
}

#[test]
fn a_business_s_story_over_four_years() {
    use CreditEvent::*;
    let mut records = Vec::new();
    let mut commitments = vec![commitment("2025-03-01")];
    let check = |records: &[CreditRecord], commitments: &[Commitment], on: &str| {
        let latest = commitment_on(commitments, day(on));
        let s = grade(records, latest, day(on), &CreditParams::default());
        (s.score, s.grade)
    };
    assert_eq!(check(&records, &commitments, "2025-03-01"), (100, Grade::A));
    records.push(record(0, P1, "2025-04-10"));
    assert_eq!(check(&records, &commitments, "2025-04-10"), (102, Grade::A));
    records.push(record(1, V2, "2025-06-01"));
    assert_eq!(check(&records, &commitments, "2025-06-01"), (87, Grade::B));
    // The commitment lapses on 2026-03-01 …
    assert_eq!(check(&records, &commitments, "2026-03-01"), (87, Grade::B));
    // … the P1 on 2026-04-10.
    assert_eq!(check(&records, &commitments, "2026-04-10"), (85, Grade::B));
    commitments.push(commitment("2026-04-15"));
    records.push(record(2, V3, "2026-05-01"));
    assert_eq!(check(&records, &commitments, "2026-05-01"), (45, Grade::D));
    // V2 repaired after six months: still D while the V3 counts.
    records[1].repaired = Some(day("2026-06-01"));
    assert_eq!(check(&records, &commitments, "2026-06-01"), (60, Grade::D));
    // V3 repaired after twelve months.
    records[2].repaired = Some(day("2027-05-01"));
    commitments.push(commitment("2027-04-15"));
    assert_eq!(check(&records, &commitments, "2027-05-01"), (100, Grade::A));
    records.push(record(3, P2, "2027-06-01"));
    assert_eq!(check(&records, &commitments, "2027-06-01"), (110, Grade::A));
    // The commitment of 2027-04-15 lapses; a P2 does not lift the cap.
    assert_eq!(check(&records, &commitments, "2028-04-15"), (110, Grade::B));
    // Asked about a past date, the grade is that day's.
    assert_eq!(check(&records, &commitments, "2026-05-15"), (45, Grade::D));
}

#[test]
fn a_table_with_rising_thresholds_or_a_ceiling_below_the_start_is_invalid() {
    assert_eq!(CreditParams::default().validate(), Ok(()));
    let rising = CreditParams {
        thresholds: [60, 75, 90],
        ..CreditParams::default()
    };
    assert_eq!(rising.validate(), Err(InvalidCreditParams));
    let equal = CreditParams {
        thresholds: [90, 90, 60],
        ..CreditParams::default()
    };
    assert_eq!(equal.validate(), Err(InvalidCreditParams));
    let low_ceiling = CreditParams {
        ceiling: 99,
        ..CreditParams::default()
    };
    assert_eq!(low_ceiling.validate(), Err(InvalidCreditParams));
}

/// Day by day over records of every kind, repaired and withdrawn ones and a lapsing
/// commitment: whenever the standing on the next day differs, the day before named it.
#[test]
fn every_change_of_grade_is_announced_the_day_before() {
    let mut repaired = record(3, CreditEvent::V2, "2026-02-28");
    repaired.repaired = Some(day("2026-09-01"));
    let mut withdrawn = record(4, CreditEvent::P2, "2026-01-15");
    withdrawn.withdrawn = Some(day("2027-03-01"));
    let inputs = crate::gather::CreditInputs {
        commitments: vec![commitment("2026-01-01"), commitment("2027-06-30")],
        records: vec![
            record(1, CreditEvent::V1, "2026-03-31"),
            record(2, CreditEvent::V3, "2026-08-31"),
            repaired,
            withdrawn,
            record(5, CreditEvent::P1, "2026-05-10"),
            record(6, CreditEvent::P1, "2027-12-01"),
        ],
        params: CreditParams::default(),
    };
    let (mut on, end) = (day("2025-12-01"), day("2030-12-01"));
    let mut changes = 0;
    while on < end {
        let next = Date(on.0 + 1);
        let announced = inputs.standing_changes_after(on);
        assert!(announced.is_none_or(|d| d > on));
        if inputs.standing(next) != inputs.standing(on) {
            assert_eq!(announced, Some(next), "on {}", on.to_iso());
            changes += 1;
        }
        on = next;
    }
    assert!(
        changes >= 8,
        "the records change the standing {changes} times"
    );
}
