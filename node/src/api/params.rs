//! Query parameters shared by the lists and figures: each parsed once, its error naming the
//! parameter and its form.

use hengxin_api_types::ErrorCode;
use hengxin_primitives::{CreditCode, Date, LabCode, RegionCode};

use super::error::ApiError;

/// The most items a page of a list holds.
pub(super) const PAGE_MAX: usize = 1_000;

/// `?limit=`: 1 to `max`, `max` when absent.
pub(super) fn limit(text: Option<&str>, max: usize) -> Result<usize, ApiError> {
    match text {
        None => Ok(max),
        Some(text) => text
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| {
                ApiError::bad_request(
                    ErrorCode::InvalidLimit,
                    format!("?limit= is a whole number from 1 to {max}"),
                )
            }),
    }
}

/// An optional `?region=`, well-formed (uppercase accepted in any case).
pub(super) fn region(text: Option<&str>) -> Result<Option<RegionCode>, ApiError> {
    text.map(|t| {
        RegionCode::new(&t.to_ascii_uppercase())
            .map_err(|e| ApiError::bad_request(ErrorCode::InvalidRegion, format!("?region=: {e}")))
    })
    .transpose()
}

/// An optional lab code.
pub(super) fn lab(name: &str, text: Option<&str>) -> Result<Option<LabCode>, ApiError> {
    text.map(|t| {
        LabCode::new(&t.to_ascii_uppercase())
            .map_err(|e| ApiError::bad_request(ErrorCode::InvalidLabCode, format!("{name}: {e}")))
    })
    .transpose()
}

/// An optional credit code (lowercase read as uppercase).
pub(super) fn credit_code(name: &str, text: Option<&str>) -> Result<Option<CreditCode>, ApiError> {
    text.map(|t| {
        CreditCode::new(&t.to_ascii_uppercase()).map_err(|e| {
            ApiError::bad_request(ErrorCode::InvalidCreditCode, format!("{name}: {e}"))
        })
    })
    .transpose()
}

/// An optional `YYYY-MM`.
pub(super) fn month(name: &str, text: Option<&str>) -> Result<Option<String>, ApiError> {
    text.map(|t| {
        let ok =
            t.len() == 7 && t.as_bytes()[4] == b'-' && Date::parse(&format!("{t}-01")).is_some();
        match ok {
            true => Ok(t.to_owned()),
            false => Err(ApiError::bad_request(
                ErrorCode::InvalidMonth,
                format!("{name} is a month YYYY-MM, e.g. 2026-12"),
            )),
        }
    })
    .transpose()
}

/// An optional `YYYY-MM-DD`.
pub(super) fn date(name: &str, text: Option<&str>) -> Result<Option<Date>, ApiError> {
    text.map(|t| {
        Date::parse(t).ok_or_else(|| {
            ApiError::bad_request(
                ErrorCode::InvalidDate,
                format!("{name} is a date YYYY-MM-DD"),
            )
        })
    })
    .transpose()
}
