//! Identifiers and bounded text. Each type checks itself when built *and* when decoded, so an
//! invalid identifier can never enter the chain, whatever bytes arrive.

use alloc::string::String;
use core::fmt;

use parity_scale_codec::{Decode, Encode, Input};

/// Why a piece of text was refused as an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// Nothing was given.
    #[error("{what} is empty")]
    Empty {
        /// The kind of identifier.
        what: &'static str,
    },
    /// Over the length limit.
    #[error("{what} is longer than {max} characters")]
    TooLong {
        /// The kind of identifier.
        what: &'static str,
        /// The limit.
        max: usize,
    },
    /// Holds a character outside the allowed set.
    #[error("{what} may only hold {allowed}")]
    BadCharacter {
        /// The kind of identifier.
        what: &'static str,
        /// A description of what is allowed.
        allowed: &'static str,
    },
    /// `.` or `..`: a URL path segment that browsers and proxies resolve away, so no URL could
    /// name it.
    #[error(
        "{what} cannot be '.' or '..': in a URL (the verify page's, a QR code's) it would mean \
         this folder or the one above; add a character, like '.1'"
    )]
    DotSegment {
        /// The kind of identifier.
        what: &'static str,
    },
    /// A 统一社会信用代码 whose last character is not the check digit of the first 17.
    #[error("credit code check digit is wrong: the 18th character should be {expected}")]
    CheckDigit {
        /// The check digit the first 17 characters call for.
        expected: char,
    },
}

impl IdError {
    fn codec_reason(&self) -> &'static str {
        match self {
            IdError::Empty { .. } => "empty identifier",
            IdError::TooLong { .. } => "identifier too long",
            IdError::BadCharacter { .. } => "identifier with a forbidden character",
            IdError::DotSegment { .. } => "identifier that is a dot segment",
            IdError::CheckDigit { .. } => "credit code with a wrong check digit",
        }
    }
}

/// Characters that render as nothing or reorder text: refused so two ids never look alike.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}')
}

fn check_printable(what: &'static str, text: &str, min: usize, max: usize) -> Result<(), IdError> {
    let count = text.chars().count();
    if count < min {
        return Err(IdError::Empty { what });
    }
    if count > max {
        return Err(IdError::TooLong { what, max });
    }
    if text.chars().any(|c| c.is_control() || is_invisible(c)) {
        return Err(IdError::BadCharacter {
            what,
            allowed: "printable characters (no control or invisible characters)",
        });
    }
    Ok(())
}

/// 1–64 printable characters without leading or trailing space, not `.` or `..`: a
/// certificate number, a standard's code, an instrument's site.
fn check_number(what: &'static str, text: &str) -> Result<(), IdError> {
    check_printable(what, text, 1, 64)?;
    if text.starts_with(char::is_whitespace) || text.ends_with(char::is_whitespace) {
        return Err(IdError::BadCharacter {
            what,
            allowed: "printable characters, without leading or trailing spaces",
        });
    }
    if text == "." || text == ".." {
        return Err(IdError::DotSegment { what });
    }
    Ok(())
}

fn check_text(text: &str) -> Result<(), IdError> {
    check_printable("text", text, 0, 256)
}

fn check_region(text: &str) -> Result<(), IdError> {
    let what = "region code";
    check_printable(what, text, 1, 8)?;
    if !text.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(IdError::BadCharacter {
            what,
            allowed: "upper-case letters A-Z, like CQ or SC",
        });
    }
    Ok(())
}

fn check_lab(text: &str) -> Result<(), IdError> {
    check_code(
        "lab code",
        "A-Z, 0-9 and '-', starting with a letter, like CQJL",
        text,
    )
}

fn check_class(text: &str) -> Result<(), IdError> {
    check_code(
        "instrument class",
        "A-Z, 0-9 and '-', starting with a letter, like FUEL",
        text,
    )
}

/// 1–16 of A-Z, 0-9 and '-', starting with a letter: a lab's or an instrument class's code.
fn check_code(what: &'static str, allowed: &'static str, text: &str) -> Result<(), IdError> {
    check_printable(what, text, 1, 16)?;
    let ok = text
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && text.as_bytes()[0].is_ascii_uppercase();
    if !ok {
        return Err(IdError::BadCharacter { what, allowed });
    }
    Ok(())
}

/// The 31 characters of a 统一社会信用代码 (GB 32100-2015): digits and letters without I, O, S, V, Z.
const CREDIT_CHARSET: &[u8; 31] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
const CREDIT_WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

fn check_credit(text: &str) -> Result<(), IdError> {
    let what = "credit code";
    let bytes = text.as_bytes();
    if bytes.is_empty() {
        return Err(IdError::Empty { what });
    }
    let allowed = "18 characters of 0-9 and A-Z without I, O, S, V, Z (统一社会信用代码)";
    let values: Option<alloc::vec::Vec<u32>> = bytes
        .iter()
        .map(|b| CREDIT_CHARSET.iter().position(|c| c == b).map(|p| p as u32))
        .collect();
    let Some(values) = values.filter(|v| v.len() == 18) else {
        return Err(IdError::BadCharacter { what, allowed });
    };
    let sum: u32 = values.iter().zip(CREDIT_WEIGHTS).map(|(v, w)| v * w).sum();
    let check = (31 - sum % 31) % 31;
    if values[17] != check {
        return Err(IdError::CheckDigit {
            expected: char::from(CREDIT_CHARSET[check as usize]),
        });
    }
    Ok(())
}

macro_rules! checked_text {
    ($(#[$meta:meta])* $name:ident, $check:expr) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Encode)]
        pub struct $name(String);

        impl $name {
            /// Checks `text` and wraps it.
            pub fn new(text: &str) -> Result<Self, IdError> {
                ($check)(text)?;
                Ok(Self(text.into()))
            }

            /// The text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl Decode for $name {
            fn decode<I: Input>(input: &mut I) -> Result<Self, parity_scale_codec::Error> {
                let text = String::decode(input)?;
                ($check)(text.as_str()).map_err(|e: IdError| e.codec_reason())?;
                Ok(Self(text))
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Debug::fmt(&self.0, f)
            }
        }

        impl core::str::FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::new(text)
            }
        }
    };
}

checked_text!(
    /// A region: `CQ` (重庆) or `SC` (四川); 1–8 upper-case letters.
    RegionCode, check_region
);
checked_text!(
    /// A lab's code, like `CQJL`: 1–16 of A-Z, 0-9, '-', starting with a letter.
    LabCode, check_lab
);
checked_text!(
    /// An instrument class (器具类别), like `FUEL`: 1–16 of A-Z, 0-9, '-', starting with a
    /// letter.
    ClassCode, check_class
);
checked_text!(
    /// Where an instrument stands within its division (`3号加油岛 2号枪`): 1–64 printable
    /// characters, no leading or trailing space.
    Site, |t| check_number("site", t)
);
checked_text!(
    /// A certificate number (证书编号), unique per lab: 1–64 printable characters, spaces and
    /// slashes included, no leading or trailing space, and not `.` or `..` (which no URL path
    /// can carry).
    CertNumber, |t| check_number("certificate number", t)
);
checked_text!(
    /// The code of a measurement standard within its owner: same rules as a certificate number.
    StandardCode, |t| check_number("standard code", t)
);
checked_text!(
    /// A business's 统一社会信用代码: 18 characters with a valid check digit.
    CreditCode, check_credit
);
checked_text!(
    /// Free text on the ledger (names, items, reasons): at most 256 printable characters.
    Text, check_text
);

impl CreditCode {
    /// The GB/T 2260 province code in its 3rd and 4th characters (the division of the
    /// authority that registered the business), when they are digits.
    pub fn province(&self) -> Option<u8> {
        let digits = self.as_str().as_bytes().get(2..4)?;
        if !digits.iter().all(u8::is_ascii_digit) {
            return None;
        }
        Some((digits[0] - b'0') * 10 + (digits[1] - b'0'))
    }

    /// The code of the first 17 characters `body` with its check digit appended (for tests and
    /// tools that make codes).
    pub fn completing(body: &str) -> Result<CreditCode, IdError> {
        match CreditCode::new(&alloc::format!("{body}0")) {
            Err(IdError::CheckDigit { expected }) => {
                CreditCode::new(&alloc::format!("{body}{expected}"))
            }
            other => other,
        }
    }
}

impl Text {
    /// Text known to be valid at compile time (the demo genesis); over-long input is cut.
    pub fn lossy(text: &str) -> Text {
        let kept: String = text
            .chars()
            .filter(|c| !c.is_control() && !is_invisible(*c))
            .take(256)
            .collect();
        Text(kept)
    }
}

/// A measurement standard: its owner's code and the owner's own code for it.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, Debug)]
pub struct StandardId {
    /// The lab (or national institute) that keeps the standard.
    pub owner: LabCode,
    /// The owner's code for it.
    pub code: StandardCode,
}

impl fmt::Display for StandardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.code)
    }
}

crate::wire_words! {
    /// The ten measurement categories (十大计量).
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode, Debug)]
    pub enum Category: "category" {
        /// LEN 几何量/长度
        #[codec(index = 0)]
        Length = "LEN" ("长度", "Length"),
        /// THE 热学
        #[codec(index = 1)]
        Thermal = "THE" ("热学", "Thermal"),
        /// MEC 力学
        #[codec(index = 2)]
        Mechanical = "MEC" ("力学", "Mechanical"),
        /// ELE 电磁学
        #[codec(index = 3)]
        Electromagnetic = "ELE" ("电磁", "Electromagnetic"),
        /// RAD 无线电
        #[codec(index = 4)]
        Radio = "RAD" ("无线电", "Radio"),
        /// TIM 时间频率
        #[codec(index = 5)]
        TimeFrequency = "TIM" ("时间频率", "Time and frequency"),
        /// OPT 光学
        #[codec(index = 6)]
        Optical = "OPT" ("光学", "Optical"),
        /// ACO 声学
        #[codec(index = 7)]
        Acoustic = "ACO" ("声学", "Acoustic"),
        /// ION 电离辐射
        #[codec(index = 8)]
        IonizingRadiation = "ION" ("电离辐射", "Ionizing radiation"),
        /// CHE 化学 (物理化学)
        #[codec(index = 9)]
        Chemical = "CHE" ("化学", "Chemical"),
    }
}

impl Category {
    /// The Chinese name.
    pub fn name_zh(self) -> &'static str {
        [
            "几何量",
            "热学",
            "力学",
            "电磁学",
            "无线电",
            "时间频率",
            "光学",
            "声学",
            "电离辐射",
            "化学",
        ][self as usize]
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codec::decode_strict;

    #[test]
    fn credit_codes_are_checked() {
        assert!(CreditCode::new("91500103MA60K7LX03").is_ok());
        assert!(CreditCode::new("91510104MA6CJ2Q4R3").is_ok());
        assert_eq!(
            CreditCode::new("91500103MA60K7LX04"),
            Err(IdError::CheckDigit { expected: '3' })
        );
        assert!(
            CreditCode::new("91500103MA60K7LXO3").is_err(),
            "O is not in the charset"
        );
        assert!(CreditCode::new("9150010").is_err());
        assert_eq!(
            CreditCode::completing("91500103MA60K7LX0")
                .unwrap()
                .as_str(),
            "91500103MA60K7LX03"
        );
        assert!(CreditCode::completing("91500103MA60K7LXI").is_err());
    }

    #[test]
    fn certificate_numbers_allow_spaces_and_slashes_but_not_controls() {
        assert!(CertNumber::new("JJG 52-2013/No. 17").is_ok());
        assert!(CertNumber::new("校准 2026/0001").is_ok());
        assert!(CertNumber::new("").is_err());
        assert!(CertNumber::new(" lead").is_err());
        assert!(CertNumber::new("a\nb").is_err());
        assert!(CertNumber::new("a\u{202E}b").is_err());
        assert!(CertNumber::new(&"x".repeat(65)).is_err());
        for dots in [".", ".."] {
            assert_eq!(
                CertNumber::new(dots),
                Err(IdError::DotSegment {
                    what: "certificate number"
                })
            );
        }
        assert!(CertNumber::new("...").is_ok() && StandardCode::new("a..b").is_ok());
    }

    #[test]
    fn decoding_refuses_invalid_ids() {
        let bytes = String::from("cq-lower").encode();
        assert!(decode_strict::<LabCode>("lab", &bytes).is_err());
        let bytes = String::from("CQJL").encode();
        assert_eq!(
            decode_strict::<LabCode>("lab", &bytes).unwrap().as_str(),
            "CQJL"
        );
    }

    #[test]
    fn category_codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(*c));
        }
        assert_eq!(Category::from_code("XYZ"), None);
    }
}
