//! A lab's DCC signing certificates (X.509 leaves): registered from their DER, so that the
//! chain reads the fingerprint, subject and validity itself, and removed; every one is kept
//! with its heights, like the lab's keys.

use hengxin_primitives::crypto::sha256;
use hengxin_primitives::records::DccCertEntry;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, Hash, LabCode, Text};
use hengxin_support::{DispatchResult, Env, Storage};

use crate::labs::existing_lab;
use crate::origin::ensure_lab_or_regulator;
use crate::{Error, Event};

/// The largest certificate registered (a leaf is one or two KiB).
pub const DCC_CERT_BYTES_MAX: usize = 8 * 1024;
/// The most DCC signing certificates a lab may have had.
pub const DCC_CERTS_MAX: usize = 32;

/// What the chain reads from a certificate's DER.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct DccCertInfo {
    /// SHA-256 of the DER.
    pub fingerprint: Hash,
    /// The subject, `CN=…, O=…`.
    pub subject: Text,
    /// First second of validity, UTC.
    pub not_before_s: u64,
    /// Last second of validity, UTC.
    pub not_after_s: u64,
}

/// Reads an X.509 certificate (DER): the one reading that the runtime registers and the CLI
/// shows. Anything but one whole, well-formed certificate is refused with the reason.
pub fn read_dcc_cert(der: &[u8]) -> Result<DccCertInfo, Error> {
    let invalid = |why: &str| Error::InvalidDccCert(Text::lossy(why));
    if der.len() > DCC_CERT_BYTES_MAX {
        return Err(invalid(&format!(
            "证书超过 {DCC_CERT_BYTES_MAX} 字节 / over {DCC_CERT_BYTES_MAX} bytes"
        )));
    }
    let (rest, cert) = x509_parser::parse_x509_certificate(der).map_err(|e| {
        invalid(&format!(
            "不是 X.509 证书 / not an X.509 certificate (DER): {e}"
        ))
    })?;
    if !rest.is_empty() {
        return Err(invalid(
            "证书之后还有多余的字节 / bytes follow the certificate",
        ));
    }
    let seconds = |t: i64| u64::try_from(t).map_err(|_| invalid("validity before 1970"));
    let validity = cert.validity();
    let (not_before_s, not_after_s) = (
        seconds(validity.not_before.timestamp())?,
        seconds(validity.not_after.timestamp())?,
    );
    if not_after_s < not_before_s {
        return Err(invalid("notAfter is before notBefore"));
    }
    Ok(DccCertInfo {
        fingerprint: sha256(der),
        subject: Text::lossy(&subject_text(cert.subject())),
        not_before_s,
        not_after_s,
    })
}

/// A name as RFC 4514 writes it, most specific first (`CN=Calibration Lab A1,O=…,C=DE`):
/// attribute short names, special characters escaped, a value that is not text in hex.
fn subject_text(name: &x509_parser::x509::X509Name<'_>) -> String {
    use x509_parser::der_parser::asn1_rs::Tag;
    let registry = x509_parser::objects::oid_registry();
    let value = |atv: &x509_parser::x509::AttributeTypeAndValue<'_>| {
        let bytes = atv.attr_value().as_bytes();
        let text = match atv.attr_value().tag() {
            Tag::BmpString => char::decode_utf16(
                bytes
                    .chunks(2)
                    .map(|p| u16::from_be_bytes([p[0], *p.get(1).unwrap_or(&0)])),
            )
            .collect::<Result<String, _>>()
            .ok(),
            _ => atv.as_str().ok().map(String::from),
        };
        match text {
            Some(text) => escape_rfc4514(&text),
            None => format!("#{}", hengxin_primitives::hex::encode(bytes)),
        }
    };
    let mut rdns: Vec<String> = name
        .iter()
        .map(|rdn| {
            rdn.iter()
                .map(|atv| {
                    let key = x509_parser::objects::oid2abbrev(atv.attr_type(), registry)
                        .map_or_else(|_| atv.attr_type().to_id_string(), String::from);
                    format!("{key}={}", value(atv))
                })
                .collect::<Vec<_>>()
                .join("+")
        })
        .collect();
    rdns.reverse();
    rdns.join(",")
}

/// RFC 4514's escapes: `, + " \ < > ;`, a leading `#` or space, a trailing space.
fn escape_rfc4514(text: &str) -> String {
    let last = text.chars().count().saturating_sub(1);
    let mut out = String::with_capacity(text.len());
    for (i, c) in text.chars().enumerate() {
        let special = matches!(c, ',' | '+' | '"' | '\\' | '<' | '>' | ';')
            || (i == 0 && matches!(c, '#' | ' '))
            || (i == last && c == ' ');
        if special {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// [`crate::Call::AddDccCert`]: the lab or its regulator registers a DCC signing certificate.
pub(crate) fn add_dcc_cert(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    certificate: Vec<u8>,
) -> DispatchResult<Event, Error> {
    let mut record = existing_lab(s, &code)?;
    ensure_lab_or_regulator(s, env, signer, &record)?;
    let info = read_dcc_cert(&certificate)?;
    if record.dcc_cert(&info.fingerprint).is_some() {
        return Err(Error::DccCertExists {
            lab: code,
            fingerprint: info.fingerprint,
        }
        .into());
    }
    if record.dcc_certs.len() >= DCC_CERTS_MAX {
        return Err(crate::labs::too_many("DCC signing certificates", DCC_CERTS_MAX).into());
    }
    record.dcc_certs.push(DccCertEntry {
        fingerprint: info.fingerprint,
        subject: info.subject,
        not_before_s: info.not_before_s,
        not_after_s: info.not_after_s,
        added_height: env.height,
        removed_height: None,
    });
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(Event::DccCertAdded {
        lab: code,
        fingerprint: info.fingerprint,
    })
}

/// [`crate::Call::RemoveDccCert`]: the lab or its regulator withdraws one; DCCs it signed and
/// that were anchored before stay as they are.
pub(crate) fn remove_dcc_cert(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    fingerprint: Hash,
) -> DispatchResult<Event, Error> {
    let mut record = existing_lab(s, &code)?;
    ensure_lab_or_regulator(s, env, signer, &record)?;
    let entry = record
        .dcc_certs
        .iter_mut()
        .find(|c| c.fingerprint == fingerprint)
        .ok_or_else(|| Error::UnknownDccCert {
            lab: code.clone(),
            fingerprint,
        })?;
    if entry.removed_height.is_some() {
        return Err(Error::DccCertAlreadyRemoved(fingerprint).into());
    }
    entry.removed_height = Some(env.height);
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(Event::DccCertRemoved {
        lab: code,
        fingerprint,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc_4514_escapes_what_would_read_as_structure() {
        assert_eq!(escape_rfc4514("Lab A1"), "Lab A1");
        assert_eq!(escape_rfc4514("A, B+C"), "A\\, B\\+C");
        assert_eq!(escape_rfc4514("#1 "), "\\#1\\ ");
        assert_eq!(escape_rfc4514("重庆市计量院"), "重庆市计量院");
    }
}
