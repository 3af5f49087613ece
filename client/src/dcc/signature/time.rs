//! The signed XAdES `SigningTime` (xsd:dateTime with a time zone) against the signing
//! certificate's validity: the certificate must have been valid when it signed, not today.

use hengxin_primitives::Date;

use super::{CertInfo, SignatureError};

/// The signing time in Unix seconds, once it is a valid xsd:dateTime within `cert`'s
/// validity. A fraction of a second past `notAfter` is already outside it.
pub(super) fn signing_time_within_validity(
    signing_time: &str,
    cert: &CertInfo,
) -> Result<i64, SignatureError> {
    let time =
        parse_xsd_datetime(signing_time).ok_or_else(|| SignatureError::SigningTimeInvalid {
            value: signing_time.to_owned(),
        })?;
    let after_end = time.seconds > cert.not_after_unix
        || (time.seconds == cert.not_after_unix && time.has_fraction);
    if time.seconds < cert.not_before_unix || after_end {
        return Err(SignatureError::SigningTimeOutsideValidity {
            signing_time: signing_time.trim().to_owned(),
            not_before: format_unix(cert.not_before_unix),
            not_after: format_unix(cert.not_after_unix),
        });
    }
    Ok(time.seconds)
}

struct XsdTime {
    seconds: i64,
    has_fraction: bool,
}

/// xsd:dateTime with a time zone: `YYYY-MM-DDThh:mm:ss[.fff](Z|±hh:mm)`.
fn parse_xsd_datetime(value: &str) -> Option<XsdTime> {
    let s = value.trim().as_bytes();
    let num = |range: std::ops::Range<usize>| -> Option<i64> {
        let digits = s.get(range)?;
        if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        digits.iter().try_fold(0i64, |acc, d| {
            acc.checked_mul(10)?.checked_add(i64::from(d - b'0'))
        })
    };
    if s.len() < 20
        || s.get(4) != Some(&b'-')
        || s.get(7) != Some(&b'-')
        || s.get(10) != Some(&b'T')
        || s.get(13) != Some(&b':')
        || s.get(16) != Some(&b':')
    {
        return None;
    }
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut i = 19;
    let mut has_fraction = false;
    if s.get(i) == Some(&b'.') {
        let start = i + 1;
        i = start;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            has_fraction |= s.get(i) != Some(&b'0');
            i += 1;
        }
        if i == start {
            return None;
        }
    }
    let offset = match s.get(i..)? {
        b"Z" => 0,
        [sign @ (b'+' | b'-'), ..] if s.len() == i + 6 && s.get(i + 3) == Some(&b':') => {
            let (oh, om) = (num(i + 1..i + 3)?, num(i + 4..i + 6)?);
            if oh > 14 || om > 59 || (oh == 14 && om != 0) {
                return None;
            }
            let off = oh * 3600 + om * 60;
            if *sign == b'+' { off } else { -off }
        }
        _ => return None,
    };
    let days = days_from_civil(year, month, day)?;
    Some(XsdTime {
        seconds: days * 86_400 + hour * 3600 + minute * 60 + second - offset,
        has_fraction,
    })
}

/// Days since 1970-01-01 of a calendar date (years 1–9999), by the chain's own calendar.
fn days_from_civil(year: i64, month: i64, day: i64) -> Option<i64> {
    let part = |v: i64| u32::try_from(v).ok();
    let date = Date::from_ymd(part(year)?, part(month)?, part(day)?)?;
    Some(i64::from(date.0) - i64::from(Date::UNIX_EPOCH.0))
}

/// `YYYY-MM-DDThh:mm:ssZ` for messages.
fn format_unix(t: i64) -> String {
    let days = t.div_euclid(86_400) + i64::from(Date::UNIX_EPOCH.0);
    let secs = t.rem_euclid(86_400);
    let date = u32::try_from(days)
        .ok()
        .filter(|d| (Date::MIN.0..=Date::MAX.0).contains(d));
    match date {
        Some(days) => format!(
            "{}T{:02}:{:02}:{:02}Z",
            Date(days),
            secs / 3600,
            secs % 3600 / 60,
            secs % 60
        ),
        None => format!("{t} s after 1970-01-01"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xsd_datetime() {
        let t = parse_xsd_datetime("2022-10-21T07:47:21Z").map(|t| t.seconds);
        assert_eq!(t, Some(1_666_338_441));
        let t = parse_xsd_datetime(" 2022-10-21T09:47:21+02:00 ").map(|t| t.seconds);
        assert_eq!(t, Some(1_666_338_441));
        let t = parse_xsd_datetime("2022-10-21T07:47:21.250-00:30")
            .map(|t| (t.seconds, t.has_fraction));
        assert_eq!(t, Some((1_666_340_241, true)));
        for bad in [
            "2022-10-21T07:47:21",
            "2022-10-21 07:47:21Z",
            "2022-02-29T00:00:00Z",
            "2022-10-21T24:00:00Z",
            "2022-10-21T07:47:21.Z",
            "2022-10-21T07:47:21+2:00",
            "",
        ] {
            assert!(parse_xsd_datetime(bad).is_none(), "{bad}");
        }
        assert_eq!(format_unix(1_666_338_441), "2022-10-21T07:47:21Z");
        assert_eq!(format_unix(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(days_from_civil(1970, 1, 1), Some(0));
        assert_eq!(days_from_civil(2022, 2, 29), None);
    }
}
