//! Calendar dates in China Standard Time (UTC+8), derived from the chain's millisecond clock.

use alloc::string::String;
use core::fmt;

use parity_scale_codec::{Decode, Encode, Input};

const MS_PER_DAY: u64 = 86_400_000;
const CST_OFFSET_MS: u64 = 8 * 3_600_000;
/// Days from 0000-03-01 to 1970-01-01.
const UNIX_EPOCH_DAYS: u32 = 719_468;

/// A calendar date from 0001-01-01 to 9999-12-31 (proleptic Gregorian), stored as days since
/// 0000-03-01 (the start of the algorithm's era). Certificates, standards and the DCCs they come
/// from can be older than 1970.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
pub struct Date(pub u32);

impl Decode for Date {
    fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
        let days = u32::decode(input)?;
        if days > Date::MAX.0 {
            return Err("date after 9999-12-31".into());
        }
        if days < Date::MIN.0 {
            return Err("date before 0001-01-01".into());
        }
        Ok(Date(days))
    }
}

impl Date {
    /// 0001-01-01, the first date there is.
    pub const MIN: Date = Date(306);
    /// 1970-01-01, where Unix time starts.
    pub const UNIX_EPOCH: Date = Date(UNIX_EPOCH_DAYS);
    /// 9999-12-31, the last date there is.
    pub const MAX: Date = Date(3_652_364);

    /// The date in China Standard Time of a UTC millisecond timestamp (at most [`Date::MAX`]).
    pub fn from_unix_ms_cst(ms: u64) -> Date {
        let days = ms.saturating_add(CST_OFFSET_MS) / MS_PER_DAY + u64::from(UNIX_EPOCH_DAYS);
        Date(u32::try_from(days).unwrap_or(u32::MAX).min(Date::MAX.0))
    }

    /// The date `year-month-day`, if it exists on the calendar (years 1..=9999).
    pub fn from_ymd(year: u32, month: u32, day: u32) -> Option<Date> {
        if !(1..=9999).contains(&year) || !(1..=12).contains(&month) {
            return None;
        }
        if day == 0 || day > days_in_month(year, month) {
            return None;
        }
        Some(Date(days_from_civil(year, month, day)))
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: core::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())?
        };
        Date::from_ymd(number(0..4)?, number(5..7)?, number(8..10)?)
    }

    /// `(year, month, day)`.
    pub fn ymd(self) -> (u32, u32, u32) {
        civil_from_days(self.0.clamp(Date::MIN.0, Date::MAX.0))
    }

    /// The same day `months` later, clamped to the month's last day (Jan 31 + 1 month = Feb 28/29)
    /// and to [`Date::MAX`].
    pub fn add_months(self, months: u32) -> Date {
        let (y, m, d) = self.ymd();
        let index = (m - 1) + months;
        let year = y + index / 12;
        let month = index % 12 + 1;
        if year > 9999 {
            return Date::MAX;
        }
        let day = d.min(days_in_month(year, month));
        Date(days_from_civil(year, month, day))
    }

    /// `YYYY-MM-DD`.
    pub fn to_iso(self) -> String {
        alloc::format!("{self}")
    }
}

/// A UTC millisecond timestamp as a reader in China reads it: `2026-12-01 14:56 (北京时间)`.
pub fn beijing_time(ms: u64) -> String {
    let date = Date::from_unix_ms_cst(ms);
    let minutes = (ms.saturating_add(CST_OFFSET_MS) % MS_PER_DAY) / 60_000;
    alloc::format!("{date} {:02}:{:02} (北京时间)", minutes / 60, minutes % 60)
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (y, m, d) = self.ymd();
        write!(f, "{y:04}-{m:02}-{d:02}")
    }
}

impl fmt::Debug for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

// Howard Hinnant's civil-calendar algorithms, counting days from 0000-03-01 (years 1..=9999).
fn days_from_civil(year: u32, month: u32, day: u32) -> u32 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe
}

fn civil_from_days(days: u32) -> (u32, u32, u32) {
    let z = days;
    let era = z / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u32::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beijing_time_is_utc_plus_eight_to_the_minute() {
        // 2025-12-01 06:56:59 UTC.
        assert_eq!(
            beijing_time(1_764_572_219_000),
            "2025-12-01 14:56 (北京时间)"
        );
        // 16:30 UTC is half past midnight of the next day in Beijing.
        assert_eq!(
            beijing_time(1_764_606_600_000),
            "2025-12-02 00:30 (北京时间)"
        );
    }

    #[test]
    fn dates_round_trip_through_text() {
        for text in [
            "0001-01-01",
            "1957-08-13",
            "1970-01-01",
            "2000-02-29",
            "2026-11-27",
            "9999-12-31",
        ] {
            assert_eq!(Date::parse(text).unwrap().to_iso(), text);
        }
        assert_eq!(Date::parse("1970-01-01").unwrap(), Date::UNIX_EPOCH);
        assert_eq!(Date::parse("0001-01-01").unwrap(), Date::MIN);
        assert_eq!(Date::from_unix_ms_cst(0), Date::UNIX_EPOCH);
        for bad in [
            "2026-02-29",
            "2026-13-01",
            "2026-1-01",
            "20260101",
            "+026-01-01",
            "0000-12-31",
        ] {
            assert!(Date::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn cst_day_starts_at_16_utc() {
        let utc_midnight = 1_767_225_600_000; // 2026-01-01T00:00:00Z
        assert_eq!(Date::from_unix_ms_cst(utc_midnight).to_iso(), "2026-01-01");
        let before = utc_midnight - 8 * 3_600_000 - 1; // 2025-12-31T15:59:59.999Z
        assert_eq!(Date::from_unix_ms_cst(before).to_iso(), "2025-12-31");
        assert_eq!(Date::from_unix_ms_cst(before + 1).to_iso(), "2026-01-01");
    }

    #[test]
    fn dates_past_9999_are_refused_or_clamped() {
        use crate::codec::decode_strict;
        assert_eq!(Date::MAX.to_iso(), "9999-12-31");
        assert_eq!(
            decode_strict::<Date>("date", &Date::MAX.encode()).unwrap(),
            Date::MAX
        );
        assert!(decode_strict::<Date>("date", &(Date::MAX.0 + 1).encode()).is_err());
        assert!(decode_strict::<Date>("date", &u32::MAX.encode()).is_err());
        assert!(decode_strict::<Date>("date", &(Date::MIN.0 - 1).encode()).is_err());
        assert_eq!(Date(0).to_iso(), "0001-01-01", "clamped, never a year 0");
        assert_eq!(Date::from_unix_ms_cst(u64::MAX), Date::MAX);
        assert_eq!(Date::MAX.add_months(48), Date::MAX);
        assert_eq!(
            Date(u32::MAX).to_iso(),
            "9999-12-31",
            "never panics, even on a hand-made value"
        );
    }

    #[test]
    fn adding_months_clamps_to_month_end() {
        let d = Date::parse("2024-01-31").unwrap();
        assert_eq!(d.add_months(1).to_iso(), "2024-02-29");
        assert_eq!(d.add_months(13).to_iso(), "2025-02-28");
        assert_eq!(d.add_months(48).to_iso(), "2028-01-31");
    }
}
