//! JSON forms (serde) of the identifiers, hashes, keys and dates: their text, checked on
//! reading exactly as when they are decoded from SCALE; and of the credit rule table, its rules
//! by record code.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::{String, ToString};

use serde::de::Error as _;
use serde::ser::SerializeStruct as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::credit::{CreditEvent, CreditParams, EventRule};
use crate::crypto::{Hash, KEY_TEXT_FORMS, PublicKey, Scheme};
use crate::ids::{
    CertNumber, ClassCode, CreditCode, LabCode, RegionCode, Site, StandardCode, Text,
};
use crate::instruments::{Division, InstrumentId};
use crate::time::Date;
use crate::words::WireWord as _;

/// Serializes `$ty` as its `Display` text and reads it back with `$parse`, which returns
/// `Result<$ty, impl Display>`.
macro_rules! as_text {
    ($ty:ty, $parse:expr) => {
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_str(self)
            }
        }

        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$ty, D::Error> {
                let text = Cow::<'de, str>::deserialize(d)?;
                ($parse)(text.as_ref()).map_err(D::Error::custom)
            }
        }
    };
}

as_text!(Hash, |t: &str| Hash::from_hex(t)
    .ok_or("a hash is 64 hex digits"));
as_text!(PublicKey, |t: &str| PublicKey::from_hex(t)
    .ok_or(alloc::format!("a public key is {KEY_TEXT_FORMS}")));
as_text!(Scheme, |t: &str| t.parse::<Scheme>());
as_text!(Date, |t: &str| Date::parse(t).ok_or_else(|| {
    alloc::format!(
        "`{}` is not a date YYYY-MM-DD",
        t.chars().take(32).collect::<alloc::string::String>()
    )
}));
as_text!(RegionCode, |t: &str| RegionCode::new(t)
    .map_err(|e| e.to_string()));
as_text!(LabCode, |t: &str| LabCode::new(t)
    .map_err(|e| e.to_string()));
as_text!(CertNumber, |t: &str| CertNumber::new(t)
    .map_err(|e| e.to_string()));
as_text!(StandardCode, |t: &str| StandardCode::new(t)
    .map_err(|e| e.to_string()));
as_text!(CreditCode, |t: &str| CreditCode::new(t)
    .map_err(|e| e.to_string()));
as_text!(Text, |t: &str| Text::new(t).map_err(|e| e.to_string()));
as_text!(ClassCode, |t: &str| ClassCode::new(t)
    .map_err(|e| e.to_string()));
as_text!(Site, |t: &str| Site::new(t).map_err(|e| e.to_string()));
as_text!(InstrumentId, |t: &str| InstrumentId::parse(t)
    .map_err(|e| e.to_string()));
as_text!(Division, |t: &str| Division::parse(t)
    .map_err(|e| e.to_string()));

/// The credit rule table as the consortium file writes it: the numbers first, then `events`,
/// each record code's rule, by code.
impl Serialize for CreditParams {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let events: BTreeMap<&str, &EventRule> = CreditEvent::ALL
            .iter()
            .zip(&self.rules)
            .map(|(event, rule)| (event.code(), rule))
            .collect();
        let mut table = s.serialize_struct("CreditParams", 8)?;
        table.serialize_field("start", &self.start)?;
        table.serialize_field("ceiling", &self.ceiling)?;
        table.serialize_field("p1_cap", &self.p1_cap)?;
        table.serialize_field("thresholds", &self.thresholds)?;
        table.serialize_field("commitment_months", &self.commitment_months)?;
        table.serialize_field("repair_months", &self.repair_months)?;
        table.serialize_field("severe_repair_months", &self.severe_repair_months)?;
        table.serialize_field("events", &events)?;
        table.end()
    }
}

/// Reads [`CreditParams::rules`] from a table of record codes: every code once, no other.
pub(crate) fn rules_by_code<'de, D: Deserializer<'de>>(d: D) -> Result<[EventRule; 8], D::Error> {
    let events = BTreeMap::<String, EventRule>::deserialize(d)?;
    for code in events.keys() {
        CreditEvent::parse_word(code)
            .map_err(|e| D::Error::custom(alloc::format!("[credit.events] {e}")))?;
    }
    let mut rules = CreditParams::default().rules;
    for (slot, event) in rules.iter_mut().zip(CreditEvent::ALL) {
        *slot = *events.get(event.code()).ok_or_else(|| {
            D::Error::custom(alloc::format!(
                "[credit.events] has no rule for {}",
                event.code()
            ))
        })?;
    }
    Ok(rules)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_hashes_and_dates_are_their_text_and_are_checked_on_reading() {
        let code: CreditCode = serde_json::from_str("\"91500103MA60K7LX03\"").unwrap();
        assert_eq!(
            serde_json::to_string(&code).unwrap(),
            "\"91500103MA60K7LX03\""
        );
        assert!(serde_json::from_str::<CreditCode>("\"91500103MA60K7LX04\"").is_err());
        let date: Date = serde_json::from_str("\"2026-02-28\"").unwrap();
        assert_eq!(serde_json::to_string(&date).unwrap(), "\"2026-02-28\"");
        assert!(serde_json::from_str::<Date>("\"2026-02-30\"").is_err());
        let hash = Hash([0xab; 32]);
        let text = serde_json::to_string(&hash).unwrap();
        assert_eq!(serde_json::from_str::<Hash>(&text).unwrap(), hash);
        assert!(serde_json::from_str::<Hash>("\"abc\"").is_err());
        assert!(serde_json::from_str::<LabCode>("\"cq!\"").is_err());
    }

    #[test]
    fn the_credit_table_is_its_numbers_then_its_rules_by_code_and_reads_back() {
        let params = CreditParams::default();
        let text = serde_json::to_string(&params).unwrap();
        assert!(
            text.starts_with(r#"{"start":100,"ceiling":110,"p1_cap":10,"thresholds":[90,75,60],"#),
            "{text}"
        );
        assert!(
            text.contains(r#""events":{"P1":{"points":2,"months":12,"severe":false},"#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<CreditParams>(&text).unwrap(), params);
        let missing = text.replace(r#""V5":{"points":-10,"months":12,"severe":false},"#, "");
        let e = serde_json::from_str::<CreditParams>(&missing).unwrap_err();
        assert!(e.to_string().contains("has no rule for V5"), "{e}");
        let unknown = text.replace(r#""V6":"#, r#""V9":"#);
        let e = serde_json::from_str::<CreditParams>(&unknown).unwrap_err();
        assert!(e.to_string().contains("V9"), "{e}");
        let extra = text.replace(r#""start":100"#, r#""start":100,"floor":0"#);
        assert!(serde_json::from_str::<CreditParams>(&extra).is_err());
    }
}
