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
    let subject = cert
        .subject()
        .to_string_with_registry(x509_parser::objects::oid_registry())
        .map_err(|_| invalid("its subject cannot be read as text"))?;
    Ok(DccCertInfo {
        fingerprint: sha256(der),
        subject: Text::lossy(&subject),
        not_before_s,
        not_after_s,
    })
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
