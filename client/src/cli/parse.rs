//! Arguments into ledger types, each refusal a usage error (exit 2) naming the argument.

use hengxin_primitives::instruments::{InstrumentId, InstrumentUse, Seal, check_seals};
use hengxin_primitives::records::{ScopeEntry, TraceSource};
use hengxin_primitives::{
    Category, CertNumber, CreditCode, Date, LabCode, PublicKey, RegionCode, StandardId, Text,
    WireWord,
};

use super::exit::Failure;

/// A wire word (`--kind calibration`, or its Chinese or English name: `--type 加油站`), for
/// clap's `value_parser`: the error lists the words.
pub fn word<T: WireWord>(text: &str) -> Result<T, String> {
    T::parse_name(text).map_err(|e| e.to_string())
}

/// A business type: its code (`gas_station`) or name (`加油站`).
pub fn business_type(text: &str) -> Result<hengxin_primitives::records::BusinessType, Failure> {
    word(text).map_err(Failure::usage)
}

/// Splits `LAB/NUMBER` at the first slash (a number may hold more).
pub fn certificate(text: &str) -> Result<(LabCode, CertNumber), Failure> {
    let (lab, number) = text.split_once('/').ok_or_else(|| {
        Failure::usage(format!(
            "`{text}` is not LAB/NUMBER (e.g. CQJL/CQJL-2026-JD-0001)"
        ))
    })?;
    Ok((lab_code(lab)?, number_of("certificate number", number)?))
}

/// A certificate number.
pub fn number_of(what: &str, text: &str) -> Result<CertNumber, Failure> {
    text.parse()
        .map_err(|e| Failure::usage(format!("{what} `{text}`: {e}")))
}

/// A date, YYYY-MM-DD.
pub fn date(what: &str, text: &str) -> Result<Date, Failure> {
    Date::parse(text).ok_or_else(|| {
        Failure::usage(format!(
            "{what} `{text}` is not a date YYYY-MM-DD between 0001-01-01 and 9999-12-31"
        ))
    })
}

/// Text for the ledger (at most 256 printable characters).
pub fn text(what: &str, value: &str) -> Result<Text, Failure> {
    Text::new(value).map_err(|e| Failure::usage(format!("{what}: {e}")))
}

/// A lab code.
pub fn lab_code(text: &str) -> Result<LabCode, Failure> {
    LabCode::new(&text.to_ascii_uppercase())
        .map_err(|e| Failure::usage(format!("lab code `{text}`: {e}")))
}

/// A region code.
pub fn region(text: &str) -> Result<RegionCode, Failure> {
    RegionCode::new(&text.to_ascii_uppercase())
        .map_err(|e| Failure::usage(format!("region `{text}`: {e}")))
}

/// A 统一社会信用代码 (lowercase letters read as uppercase).
pub fn credit_code(text: &str) -> Result<CreditCode, Failure> {
    text.trim()
        .to_ascii_uppercase()
        .parse()
        .map_err(|e| Failure::usage(format!("credit code `{text}`: {e}")))
}

/// A measurement category code.
pub fn category(text: &str) -> Result<Category, Failure> {
    Category::parse_name(text).map_err(Failure::usage)
}

/// A public key given in hex (64 digits ed25519, 130 SM2), or as a key file (an encrypted one
/// is not opened).
pub fn public_key(text: &str) -> Result<PublicKey, Failure> {
    if let Some(key) = PublicKey::from_hex(text) {
        return Ok(key);
    }
    let file = std::fs::read_to_string(text).map_err(|e| {
        Failure::usage(format!(
            "`{text}` is neither a public key ({}) nor a key file: {e}",
            hengxin_primitives::crypto::KEY_TEXT_FORMS
        ))
    })?;
    hengxin_primitives::keyfile::public_key(&file)
        .map_err(|e| Failure::error(format!("key file {text}: {e}")))
}

/// A standard, `OWNER/CODE`.
pub fn standard_id(text: &str) -> Result<StandardId, Failure> {
    let (owner, code) = text
        .split_once('/')
        .ok_or_else(|| Failure::usage(format!("standard `{text}` is not OWNER/CODE")))?;
    Ok(StandardId {
        owner: lab_code(owner)?,
        code: code
            .parse()
            .map_err(|e| Failure::usage(format!("standard code `{code}`: {e}")))?,
    })
}

/// A traceability certificate on this ledger, `LAB/NUMBER`.
pub fn ledger_trace(text: &str) -> Result<TraceSource, Failure> {
    let (lab, number) = certificate(text)?;
    Ok(TraceSource::Ledger { lab, number })
}

/// A scope entry, `CATEGORY[:ITEM]@VALID-UNTIL`.
pub fn scope_entry(entry: &str) -> Result<ScopeEntry, Failure> {
    ScopeEntry::parse(entry).map_err(Failure::usage)
}

/// Every `--scope` entry.
pub fn scope(entries: &[String]) -> Result<Vec<ScopeEntry>, Failure> {
    entries.iter().map(|s| scope_entry(s)).collect()
}

/// An instrument's id, `CQ-1`.
pub fn instrument_id(text: &str) -> Result<InstrumentId, Failure> {
    InstrumentId::parse(text.trim())
        .map_err(|e| Failure::usage(format!("instrument id `{text}`: {e}")))
}

/// A seal, `POSITION=NUMBER` (`主板=QF-0012`).
pub fn seal(text: &str) -> Result<Seal, Failure> {
    let (position, number) = text
        .split_once('=')
        .filter(|(p, n)| !p.trim().is_empty() && !n.trim().is_empty())
        .ok_or_else(|| {
            Failure::usage(format!(
                "--seal `{text}` is not POSITION=NUMBER (e.g. --seal 主板=QF-0012)"
            ))
        })?;
    Ok(Seal {
        position: self::text("--seal position", position.trim())?,
        number: self::text("--seal number", number.trim())?,
    })
}

/// The instrument a certificate is for and its seals, from `--instrument-id` and `--seal`.
pub fn instrument_use(
    id: Option<&str>,
    seals: &[String],
) -> Result<Option<Box<InstrumentUse>>, Failure> {
    let Some(id) = id else {
        if seals.is_empty() {
            return Ok(None);
        }
        return Err(Failure::usage(
            "--seal records a seal on a registered instrument: give its --instrument-id too",
        ));
    };
    let seals: Vec<Seal> = seals.iter().map(|s| seal(s)).collect::<Result<_, _>>()?;
    check_seals(&seals).map_err(|e| Failure::usage(format!("--seal: {e}")))?;
    Ok(Some(Box::new(InstrumentUse {
        id: instrument_id(id)?,
        seals,
    })))
}
