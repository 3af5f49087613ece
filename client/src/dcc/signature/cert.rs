//! X.509 certificates: the signer's from `KeyInfo` and a lab's given as a file (PEM or DER),
//! read into the fingerprint, names and validity a lab registers and a verifier shows.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest as _, Sha256};
use x509_cert::Certificate;
use x509_cert::der::{Decode as _, Encode as _};

use super::{CertError, CertInfo};

pub(super) fn parse_certificate(der: &[u8]) -> Result<Certificate, String> {
    Certificate::from_der(der).map_err(|e| e.to_string())
}

/// What a lab registers and a verifier shows of `cert`, whose encoding is `der`.
pub(super) fn cert_info(cert: &Certificate, der: Vec<u8>) -> Result<CertInfo, String> {
    let tbs = &cert.tbs_certificate;
    let unix = |t: x509_cert::time::Time| {
        i64::try_from(t.to_unix_duration().as_secs()).map_err(|e| e.to_string())
    };
    // Re-encoding must give the same bytes: the fingerprint names exactly this DER.
    let reencoded = cert.to_der().map_err(|e| e.to_string())?;
    if reencoded != der {
        return Err("the certificate is not in canonical DER".to_owned());
    }
    Ok(CertInfo {
        fingerprint: Sha256::digest(&der).into(),
        subject: tbs.subject.to_string(),
        issuer: tbs.issuer.to_string(),
        serial_hex: tbs
            .serial_number
            .as_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect(),
        not_before_unix: unix(tbs.validity.not_before)?,
        not_after_unix: unix(tbs.validity.not_after)?,
        der,
    })
}

/// The DER of the one PEM `CERTIFICATE` block in `bytes`. Header lines (`Key: value`) and text
/// around the block are skipped, as certificate files from a CA's web page often carry them.
pub(super) fn decode_pem_certificate(bytes: &[u8]) -> Result<Vec<u8>, CertError> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    const END: &str = "-----END CERTIFICATE-----";
    let text = String::from_utf8_lossy(bytes);
    let count = text.matches(BEGIN).count();
    if count == 0 {
        let label = text
            .split("-----BEGIN ")
            .nth(1)
            .and_then(|s| s.split("-----").next())
            .map(str::to_owned);
        return Err(match label {
            Some(label) => CertError::NotACertificate { label },
            None => CertError::Der {
                detail: "neither DER nor a PEM CERTIFICATE block".to_owned(),
            },
        });
    }
    if count > 1 {
        return Err(CertError::MultipleCertificates { count });
    }
    let body = text
        .split(BEGIN)
        .nth(1)
        .and_then(|s| s.split(END).next().filter(|_| s.contains(END)))
        .ok_or_else(|| CertError::Pem {
            detail: format!("no {END} line"),
        })?;
    let compact: String = body
        .lines()
        .filter(|l| !l.contains(':'))
        .flat_map(str::chars)
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    BASE64
        .decode(compact.as_bytes())
        .map_err(|e| CertError::Pem {
            detail: e.to_string(),
        })
}
