//! Reading a PTB Digital Calibration Certificate (DCC XML, namespace `https://ptb.de/dcc`):
//! the fields a lab anchors. The hash is over the file's exact bytes, never over a parsed or
//! normalised form. Its enveloped XAdES signature, where it has one, is verified in
//! [`signature`].

pub mod signature;

use std::borrow::Cow;

use hengxin_primitives::Date;

/// The DCC namespace.
pub const NAMESPACE: &str = "https://ptb.de/dcc";
/// The largest DCC read (they can embed files, but not without bound).
pub const DCC_BYTES_MAX: usize = 64 * 1024 * 1024;

/// What a DCC says that a certificate record needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DccFields {
    /// `coreData/uniqueIdentifier`: the certificate number.
    pub unique_identifier: String,
    /// `coreData/beginPerformanceDate`.
    pub begin_performance: Date,
    /// `coreData/endPerformanceDate`: the calibration date.
    pub end_performance: Date,
    /// `coreData/issueDate`, where the DCC has one (schema 3.2+).
    pub issue_date: Option<Date>,
    /// The first calibration item: its name, manufacturer, model and serial number.
    pub item: String,
    /// Manufacturer of the item.
    pub manufacturer: String,
    /// Model of the item.
    pub model: String,
    /// Serial number of the item (the identification named "serial").
    pub serial: String,
    /// The ledger id of the registered instrument (一器一码, `CQ-1`): the identification
    /// named 器具码 or "instrument id", where the DCC has one.
    pub instrument_id: Option<String>,
    /// Every item's name, for the record.
    pub items: Vec<String>,
    /// The measuring equipment used (names).
    pub measuring_equipment: Vec<String>,
}

/// Why a file is not a DCC this reader can use.
#[derive(Debug, thiserror::Error)]
pub enum DccError {
    /// Too big.
    #[error("the file is over {DCC_BYTES_MAX} bytes")]
    TooLarge,
    /// Not well-formed XML.
    #[error("not well-formed XML: {0}")]
    Xml(String),
    /// Not a DCC.
    #[error("not a DCC: the root element is not {{{NAMESPACE}}}digitalCalibrationCertificate")]
    NotDcc,
    /// A required element is missing or empty.
    #[error("the DCC has no {0}")]
    Missing(&'static str),
    /// A date is not `YYYY-MM-DD`.
    #[error("the DCC's {what} `{text}` is not a date YYYY-MM-DD")]
    BadDate {
        /// Which element.
        what: &'static str,
        /// Its text.
        text: String,
    },
}

type Node<'a, 'input> = roxmltree::Node<'a, 'input>;

fn child<'a, 'input>(node: Node<'a, 'input>, name: &str) -> Option<Node<'a, 'input>> {
    node.children().find(|c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(NAMESPACE)
    })
}

fn children<'a, 'input: 'a>(
    node: Node<'a, 'input>,
    name: &'a str,
) -> impl Iterator<Item = Node<'a, 'input>> + 'a {
    node.children().filter(move |c| {
        c.is_element() && c.tag_name().name() == name && c.tag_name().namespace() == Some(NAMESPACE)
    })
}

fn path<'a, 'input>(node: Node<'a, 'input>, names: &[&str]) -> Option<Node<'a, 'input>> {
    names.iter().try_fold(node, |n, name| child(n, name))
}

fn text(node: Option<Node<'_, '_>>) -> String {
    node.and_then(|n| n.text())
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// A `dcc:name`-like element's text: Chinese, then English, then the first content.
fn localized(node: Option<Node<'_, '_>>) -> String {
    let Some(node) = node else {
        return String::new();
    };
    let contents: Vec<_> = children(node, "content").collect();
    let lang = |code: &str| {
        contents
            .iter()
            .find(|c| {
                c.attribute("lang")
                    .is_some_and(|l| l.eq_ignore_ascii_case(code))
            })
            .copied()
    };
    text(
        lang("zh")
            .or_else(|| lang("en"))
            .or_else(|| contents.first().copied()),
    )
}

fn date(node: Option<Node<'_, '_>>, what: &'static str) -> Result<Option<Date>, DccError> {
    let text = text(node);
    if text.is_empty() {
        return Ok(None);
    }
    // xs:date may carry a time zone (`2026-01-02Z`, `2026-01-02+08:00`): the day is what counts.
    let day = text.get(..10).unwrap_or(&text);
    Date::parse(day)
        .map(Some)
        .ok_or(DccError::BadDate { what, text })
}

/// The XML's text: UTF-8 (with or without a byte-order mark), or UTF-16 with its byte-order
/// mark, as some XML writers save a document.
fn xml_text(bytes: &[u8]) -> Result<Cow<'_, str>, DccError> {
    let utf16 = |units: &[u8], unit: fn([u8; 2]) -> u16| {
        if !units.len().is_multiple_of(2) {
            return Err(DccError::Xml(
                "UTF-16 text of an odd number of bytes".into(),
            ));
        }
        let units = units.chunks_exact(2).map(|b| unit([b[0], b[1]]));
        char::decode_utf16(units)
            .collect::<Result<String, _>>()
            .map(Cow::Owned)
            .map_err(|e| DccError::Xml(format!("not UTF-16 text: {e}")))
    };
    match bytes {
        [0xFF, 0xFE, rest @ ..] => utf16(rest, u16::from_le_bytes),
        [0xFE, 0xFF, rest @ ..] => utf16(rest, u16::from_be_bytes),
        _ => std::str::from_utf8(bytes).map(Cow::Borrowed).map_err(|e| {
            DccError::Xml(format!(
                "not UTF-8 text ({e}); save the DCC as UTF-8, or UTF-16 with a byte-order mark"
            ))
        }),
    }
}

/// The names (any language of `dcc:name`, matched without case) of the identification that
/// holds an instrument's ledger id.
pub const INSTRUMENT_ID_NAMES: [&str; 3] = ["器具码", "一器一码", "instrument id"];

/// The value of `item`'s first identification whose name holds one of `names`.
fn identification(item: Node<'_, '_>, names: &[&str]) -> Option<String> {
    child(item, "identifications")
        .into_iter()
        .flat_map(|ids| children(ids, "identification"))
        .find(|id| {
            let name = localized(child(*id, "name")).to_lowercase();
            names.iter().any(|n| name.contains(n))
        })
        .map(|id| text(child(id, "value")))
}

/// Reads the fields of a DCC from its bytes.
pub fn read(bytes: &[u8]) -> Result<DccFields, DccError> {
    if bytes.len() > DCC_BYTES_MAX {
        return Err(DccError::TooLarge);
    }
    let xml = xml_text(bytes)?;
    let document = roxmltree::Document::parse_with_options(
        &xml,
        roxmltree::ParsingOptions {
            allow_dtd: false,
            ..roxmltree::ParsingOptions::default()
        },
    )
    .map_err(|e| DccError::Xml(e.to_string()))?;
    let root = document.root_element();
    if root.tag_name().name() != "digitalCalibrationCertificate"
        || root.tag_name().namespace() != Some(NAMESPACE)
    {
        return Err(DccError::NotDcc);
    }
    let admin = child(root, "administrativeData").ok_or(DccError::Missing("administrativeData"))?;
    let core = child(admin, "coreData").ok_or(DccError::Missing("coreData"))?;
    let unique_identifier = text(child(core, "uniqueIdentifier"));
    if unique_identifier.is_empty() {
        return Err(DccError::Missing("coreData/uniqueIdentifier"));
    }
    let begin = date(child(core, "beginPerformanceDate"), "beginPerformanceDate")?
        .ok_or(DccError::Missing("coreData/beginPerformanceDate"))?;
    let end = date(child(core, "endPerformanceDate"), "endPerformanceDate")?.unwrap_or(begin);
    let issue_date = date(child(core, "issueDate"), "issueDate")?;

    let items_node = child(admin, "items");
    let items: Vec<Node<'_, '_>> = items_node
        .map(|items| children(items, "item").collect())
        .unwrap_or_default();
    let first = *items.first().ok_or(DccError::Missing("items/item"))?;
    let serial = identification(first, &["serial", "出厂编号"]).unwrap_or_default();
    let instrument_id = identification(first, &INSTRUMENT_ID_NAMES);
    let measuring_equipment = path(root, &["measurementResults", "measurementResult"])
        .and_then(|r| child(r, "measuringEquipments"))
        .into_iter()
        .flat_map(|m| children(m, "measuringEquipment"))
        .map(|m| localized(child(m, "name")))
        .filter(|n| !n.is_empty())
        .collect();
    Ok(DccFields {
        unique_identifier,
        begin_performance: begin,
        end_performance: end,
        issue_date,
        // The items' own name (a system: "Hygrometer") when there is one, else the first item's.
        item: Some(localized(items_node.and_then(|i| child(i, "name"))))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| localized(child(first, "name"))),
        manufacturer: localized(child(first, "manufacturer").and_then(|m| child(m, "name"))),
        model: text(child(first, "model")),
        serial,
        instrument_id,
        items: items.iter().map(|i| localized(child(*i, "name"))).collect(),
        measuring_equipment,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/dcc/");

    #[test]
    fn reads_the_ptb_examples() {
        let bytes = std::fs::read(format!("{FIXTURES}dcc_gp_temperature_typical_v12.xml")).unwrap();
        let dcc = read(&bytes).unwrap();
        assert_eq!(dcc.unique_identifier, "GP_DCC_temperature_typical_1.2");
        assert_eq!(dcc.end_performance.to_iso(), "1957-08-13");
        assert_eq!(dcc.item, "Temperature sensor");
        assert_eq!(dcc.model, "String");
        assert_eq!(dcc.measuring_equipment, ["Pt 100 thermometer"]);

        let bytes = std::fs::read(format!("{FIXTURES}dcc_gp_humidity_v1.0.xml")).unwrap();
        let dcc = read(&bytes).unwrap();
        assert_eq!(dcc.unique_identifier, "Id 123456789 HtW");
        assert_eq!(
            (dcc.begin_performance.to_iso(), dcc.end_performance.to_iso()),
            ("1957-08-13".into(), "1957-08-14".into())
        );
        assert_eq!(dcc.item, "Hygrometer");
        assert!(dcc.items.len() >= 2, "{:?}", dcc.items);
    }

    #[test]
    fn an_identification_named_器具码_names_the_instrument() {
        let text = std::fs::read_to_string(format!("{FIXTURES}dcc_gp_temperature_typical_v12.xml"))
            .unwrap();
        assert_eq!(read(text.as_bytes()).unwrap().instrument_id, None);
        let named = |name: &str| {
            let identification = format!(
                "<dcc:identifications>\n<dcc:identification><dcc:issuer>owner</dcc:issuer>\
                 <dcc:value>CQ-3</dcc:value><dcc:name><dcc:content lang=\"zh\">{name}\
                 </dcc:content></dcc:name></dcc:identification>"
            );
            // The calibrated item's identifications (the second list in the file).
            let at = text
                .match_indices("<dcc:identifications>")
                .nth(1)
                .unwrap()
                .0;
            let mut edited = text.clone();
            edited.replace_range(at..at + "<dcc:identifications>".len(), &identification);
            read(edited.as_bytes()).unwrap().instrument_id
        };
        assert_eq!(named("器具码").as_deref(), Some("CQ-3"));
        assert_eq!(named("Instrument ID").as_deref(), Some("CQ-3"));
        assert_eq!(named("出厂编号"), None, "a serial is not the ledger's id");
    }

    #[test]
    fn reads_a_dcc_saved_as_utf16_or_with_a_byte_order_mark() {
        let bytes = std::fs::read(format!("{FIXTURES}dcc_gp_temperature_typical_v12.xml")).unwrap();
        let utf8 = read(&bytes).unwrap();
        let text = std::str::from_utf8(&bytes).unwrap();
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(&bytes);
        let mut le = vec![0xFF, 0xFE];
        let mut be = vec![0xFE, 0xFF];
        for unit in text.encode_utf16() {
            le.extend_from_slice(&unit.to_le_bytes());
            be.extend_from_slice(&unit.to_be_bytes());
        }
        for other in [bom, le, be] {
            assert_eq!(read(&other).unwrap(), utf8);
        }
        let latin1 = b"<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>\xE9</a>";
        let error = read(latin1).unwrap_err().to_string();
        assert!(error.contains("save the DCC as UTF-8"), "{error}");
        assert!(matches!(read(&[0xFF, 0xFE, 0x3C]), Err(DccError::Xml(_))));
    }

    #[test]
    fn refuses_what_is_not_a_dcc() {
        assert!(matches!(read(b"<a/>"), Err(DccError::NotDcc)));
        assert!(matches!(read(b"not xml"), Err(DccError::Xml(_))));
        let bomb = br#"<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x "xxxxxxxx">]><a>&x;</a>"#;
        assert!(
            matches!(read(bomb), Err(DccError::Xml(_))),
            "no DTDs, no entity tricks"
        );
        let no_number = br#"<dcc:digitalCalibrationCertificate xmlns:dcc="https://ptb.de/dcc"><dcc:administrativeData><dcc:coreData/></dcc:administrativeData></dcc:digitalCalibrationCertificate>"#;
        assert!(matches!(read(no_number), Err(DccError::Missing(_))));
    }
}
