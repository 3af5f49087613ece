//! JSON forms (serde) of the identifiers, hashes, keys and dates: their text, checked on
//! reading exactly as when they are decoded from SCALE.

use alloc::borrow::Cow;
use alloc::string::ToString;

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::crypto::{Hash, PublicKey};
use crate::ids::{CertNumber, CreditCode, LabCode, RegionCode, StandardCode, Text};
use crate::time::Date;

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
    .ok_or("a public key is 64 hex digits"));
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
}
