//! Wire words: the one place each enum's stable text code is defined.
//!
//! An enum whose values reach people or JSON (a certificate's kind, a lab's status, a business
//! type…) is declared with [`wire_words!`], which gives it `code()`, `from_code()` and `ALL`
//! from one table, and implements [`WireWord`] so the node, the client and the verifier parse
//! and print it the same way. With the `serde` feature the word is also its JSON form.

#[doc(hidden)]
pub use alloc::borrow::Cow;
pub use alloc::string::String;
use core::fmt;

/// An enum with one stable text code per value.
pub trait WireWord: Copy + Sized + 'static {
    /// What the values are, for messages (`lab kind`).
    const WHAT: &'static str;
    /// Every value, in declaration order.
    const ALL: &'static [Self];
    /// Every value's code, in declaration order.
    const CODES: &'static [&'static str];
    /// The value's code.
    fn code(self) -> &'static str;
    /// The value with `code`, if any.
    fn from_code(code: &str) -> Option<Self>;
    /// Its names, Chinese and English, where declared.
    fn names(self) -> Option<(&'static str, &'static str)>;
    /// The value people name as `text`: its code, its Chinese name, or its English name (in
    /// any case), or an error that lists the codes.
    fn parse_name(text: &str) -> Result<Self, UnknownWord> {
        let text = text.trim();
        let named = Self::ALL.iter().copied().find(|w| {
            w.names()
                .is_some_and(|(zh, en)| zh == text || en.eq_ignore_ascii_case(text))
        });
        match named {
            Some(word) => Ok(word),
            None => Self::parse_word(text),
        }
    }
    /// The value with `code`, or an error that lists the known codes.
    fn parse_word(code: &str) -> Result<Self, UnknownWord> {
        Self::from_code(code).ok_or_else(|| UnknownWord {
            what: Self::WHAT,
            // Echoed to people: no control characters, and not too much of it.
            found: code.chars().filter(|c| !c.is_control()).take(64).collect(),
            known: Self::CODES,
        })
    }
}

/// A code that names no value; its message lists the codes that do.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct UnknownWord {
    /// What the values are (`lab kind`).
    pub what: &'static str,
    /// The code given (at most 64 characters of it, control characters left out).
    pub found: String,
    /// The codes that name a value.
    pub known: &'static [&'static str],
}

impl fmt::Display for UnknownWord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} `{}` is unknown; use one of ", self.what, self.found)?;
        for (i, code) in self.known.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(code)?;
        }
        Ok(())
    }
}

impl core::error::Error for UnknownWord {}

/// Declares a field-less enum with a code per variant: `Variant = "code"`, optionally with the
/// names people read, Chinese and English: `Variant = "code" ("检定证书", "Verification
/// certificate")`. Attributes (docs, `#[codec(index = n)]`, derives) pass through.
#[macro_export]
macro_rules! wire_words {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident: $what:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $code:literal $(($zh:literal, $en:literal))? ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        $vis enum $name {
            $( $(#[$vmeta])* $variant ),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code.
            pub fn code(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }

            /// The value with `code`, if any.
            pub fn from_code(code: &str) -> Option<$name> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// The names people read, Chinese and English, where the declaration gives them.
            pub fn names(self) -> Option<(&'static str, &'static str)> {
                match self {
                    $($name::$variant => $crate::__wire_word_names!($($zh, $en)?)),+
                }
            }

            /// As people read it: `检定证书 Verification certificate`, or the code where the
            /// declaration gives no names.
            pub fn label(self) -> $crate::words::String {
                $crate::words::label(self.names(), self.code())
            }
        }

        impl $crate::words::WireWord for $name {
            const WHAT: &'static str = $what;
            const ALL: &'static [$name] = $name::ALL;
            const CODES: &'static [&'static str] = &[$($code),+];
            fn code(self) -> &'static str {
                $name::code(self)
            }
            fn from_code(code: &str) -> Option<$name> {
                $name::from_code(code)
            }
            fn names(self) -> Option<(&'static str, &'static str)> {
                $name::names(self)
            }
        }

        impl core::fmt::Display for $name {
            fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
                f.write_str($name::code(*self))
            }
        }

        $crate::__wire_word_serde!($name);
        $crate::__wire_word_openapi!($name, $what, [$($code),+]);
    };
}

/// A word as people read it: its Chinese name, then its English one; its code where it has
/// no names.
pub fn label(names: Option<(&str, &str)>, code: &str) -> String {
    names.map_or_else(|| code.into(), |(zh, en)| alloc::format!("{zh} {en}"))
}

/// A variant's names, if declared.
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_word_names {
    () => {
        None
    };
    ($zh:literal, $en:literal) => {
        Some(($zh, $en))
    };
}

/// The JSON form of a wire word: its code.
#[cfg(feature = "serde")]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_word_serde {
    ($name:ident) => {
        impl $crate::serde::Serialize for $name {
            fn serialize<S: $crate::serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str($name::code(*self))
            }
        }

        impl<'de> $crate::serde::Deserialize<'de> for $name {
            fn deserialize<D: $crate::serde::Deserializer<'de>>(d: D) -> Result<$name, D::Error> {
                let text = <$crate::words::Cow<'de, str>>::deserialize(d)?;
                <$name as $crate::words::WireWord>::parse_word(&text)
                    .map_err(<D::Error as $crate::serde::de::Error>::custom)
            }
        }
    };
}

#[cfg(not(feature = "serde"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_word_serde {
    ($name:ident) => {};
}

#[cfg(not(feature = "openapi"))]
#[doc(hidden)]
#[macro_export]
macro_rules! __wire_word_openapi {
    ($name:ident, $what:literal, [$($code:literal),+]) => {};
}

#[cfg(test)]
mod tests {
    use super::WireWord;
    use crate::Category;
    use crate::records::{BusinessType, CertKind, LabKind, LabStatus, StandardLevel};
    use crate::rules::CertificateState;

    fn round_trips<T: WireWord + PartialEq + core::fmt::Debug>() {
        let mut seen = alloc::collections::BTreeSet::new();
        for v in T::ALL {
            assert_eq!(T::from_code(v.code()), Some(*v));
            assert!(seen.insert(v.code()), "{} twice", v.code());
        }
        assert!(T::from_code("no such word").is_none());
    }

    #[test]
    fn every_word_parses_back_and_is_unique() {
        round_trips::<CertKind>();
        round_trips::<LabKind>();
        round_trips::<LabStatus>();
        round_trips::<BusinessType>();
        round_trips::<StandardLevel>();
        round_trips::<CertificateState>();
        round_trips::<Category>();
    }

    #[test]
    fn the_wire_words_are_the_api_s() {
        let codes = |all: &[&str]| all.join(" ");
        let kinds: Vec<_> = CertKind::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes(&kinds), "verification calibration notice");
        let states: Vec<_> = CertificateState::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(codes(&states), "valid revoked superseded expired");
        let types: Vec<_> = BusinessType::ALL.iter().map(|k| k.code()).collect();
        assert_eq!(
            codes(&types),
            "gas_station market optical_shop hospital supermarket manufacturer other"
        );
    }

    #[test]
    fn an_unknown_word_lists_the_known_ones() {
        let Err(e) = LabKind::parse_word("lab") else {
            panic!("`lab` is no lab kind");
        };
        assert_eq!(
            alloc::format!("{e}"),
            "lab kind `lab` is unknown; use one of statutory_verification, authorized, \
             cnas_calibration"
        );
    }
}
