//! OpenAPI schemas (utoipa) of the identifiers, hashes, keys, dates and wire words, so the API
//! types that hold them document their JSON text.

use alloc::borrow::Cow;

use utoipa::openapi::schema::{ObjectBuilder, Type};
#[doc(hidden)]
pub use utoipa::openapi::{RefOr, schema::Schema};
#[doc(hidden)]
pub use utoipa::{PartialSchema, ToSchema};

use crate::crypto::{Hash, PublicKey, Scheme};
use crate::ids::{
    CertNumber, ClassCode, CreditCode, LabCode, RegionCode, Site, StandardCode, Text,
};
use crate::instruments::{Division, InstrumentId};
use crate::time::Date;

/// A string schema with a description and, for a wire word, its values.
#[doc(hidden)]
pub fn text_schema(description: &str, values: Option<&[&str]>) -> RefOr<Schema> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(values.map(|v| v.iter().copied()))
        .build()
        .into()
}

macro_rules! text_schema {
    ($ty:ident, $description:literal) => {
        impl PartialSchema for $ty {
            fn schema() -> RefOr<Schema> {
                text_schema($description, None)
            }
        }

        impl ToSchema for $ty {
            fn name() -> Cow<'static, str> {
                Cow::Borrowed(stringify!($ty))
            }
        }
    };
}

text_schema!(
    Hash,
    "The chain's hash (SHA-256, or SM3 on an sm2-sm3 chain), 64 lower-case hex digits"
);
text_schema!(
    PublicKey,
    "A public key: ed25519, 64 lower-case hex digits; or SM2, 130 beginning 04 (uncompressed)"
);
impl PartialSchema for Scheme {
    fn schema() -> RefOr<Schema> {
        text_schema(
            "The chain's cryptography, fixed in its genesis: ed25519 with SHA-256, or SM2 with SM3 (国密)",
            Some(&["ed25519-sha256", "sm2-sm3"]),
        )
    }
}

impl ToSchema for Scheme {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Scheme")
    }
}

text_schema!(Date, "A calendar date (China Standard Time), YYYY-MM-DD");
text_schema!(RegionCode, "A region's code: CQ (重庆), SC (四川)");
text_schema!(LabCode, "A lab's code (CQJL): 1–16 of A-Z, 0-9, '-'");
text_schema!(
    CertNumber,
    "A certificate number (证书编号): 1–64 printable characters, spaces and slashes included"
);
text_schema!(
    StandardCode,
    "A measurement standard's code within its owner"
);
text_schema!(
    CreditCode,
    "统一社会信用代码: 18 characters with a valid check digit"
);
text_schema!(Text, "Text on the ledger: at most 256 printable characters");
text_schema!(
    ClassCode,
    "An instrument class (器具类别, FUEL): 1–16 of A-Z, 0-9, '-'"
);
text_schema!(
    Site,
    "Where an instrument stands in its division (3号加油岛 2号枪): 1–64 characters"
);
text_schema!(
    InstrumentId,
    "An instrument's id (一器一码), given by the chain: its region, '-', a number (CQ-1)"
);
text_schema!(
    Division,
    "A district's or county's GB/T 2260 code, 6 digits (500103)"
);

/// The OpenAPI schema of a wire word: a string with its values.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_word_openapi {
    ($name:ident, $what:literal, [$($code:literal),+]) => {
        impl $crate::openapi::PartialSchema for $name {
            fn schema() -> $crate::openapi::RefOr<$crate::openapi::Schema> {
                $crate::openapi::text_schema($what, Some(&[$($code),+]))
            }
        }

        impl $crate::openapi::ToSchema for $name {
            fn name() -> $crate::words::Cow<'static, str> {
                $crate::words::Cow::Borrowed(stringify!($name))
            }
        }
    };
}
