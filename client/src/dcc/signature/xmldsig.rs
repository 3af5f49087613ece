//! The XML-DSig core: the signing key's fit to the signature method, bergshamra's run with that
//! key alone, and its verdict told apart (which reference failed, or the signature value).

use bergshamra_dsig::{DsigContext, VerifiedReference, VerifyResult};
use bergshamra_keys::KeysManager;
use uppsala::{Document, NodeId};
use x509_cert::Certificate;
use x509_cert::der::asn1::ObjectIdentifier;

use super::SignatureError;
use super::structure::{Parts, structure};

const OID_EC_PUBLIC_KEY: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
const OID_RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");
const OID_P384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.34");
const OID_P521: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.132.0.35");
const MIN_RSA_BITS: usize = 2048;

/// The kind of key a signature method needs.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum KeyType {
    Ec,
    Rsa,
}

/// The key a supported `SignatureMethod` needs; `None` for any other method.
pub(super) fn signature_method_key(uri: &str) -> Option<KeyType> {
    match uri {
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
        | "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384"
        | "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512" => Some(KeyType::Ec),
        "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
        | "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384"
        | "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
        | "http://www.w3.org/2007/05/xmldsig-more#sha256-rsa-MGF1"
        | "http://www.w3.org/2007/05/xmldsig-more#sha384-rsa-MGF1"
        | "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1" => Some(KeyType::Rsa),
        _ => None,
    }
}

/// The certificate's key is supported (a named NIST curve, RSA of at least [`MIN_RSA_BITS`])
/// and of the kind `method` needs: said before bergshamra runs, so a mismatch is named as
/// one rather than as a failed signature value.
pub(super) fn check_key_fits_method(
    cert: &Certificate,
    method: &str,
) -> Result<(), SignatureError> {
    let spki = &cert.tbs_certificate.subject_public_key_info;
    let key = if spki.algorithm.oid == OID_EC_PUBLIC_KEY {
        let curve = spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.decode_as::<ObjectIdentifier>().ok());
        match curve {
            Some(c) if c == OID_P256 || c == OID_P384 || c == OID_P521 => KeyType::Ec,
            Some(c) => {
                return Err(SignatureError::UnsupportedKey {
                    detail: format!("EC curve {c}"),
                });
            }
            None => {
                return Err(SignatureError::UnsupportedKey {
                    detail: "EC key without a named curve".to_owned(),
                });
            }
        }
    } else if spki.algorithm.oid == OID_RSA_ENCRYPTION {
        let bits = rsa_modulus_bits(spki.subject_public_key.raw_bytes()).ok_or_else(|| {
            SignatureError::UnsupportedKey {
                detail: "unreadable RSA public key".to_owned(),
            }
        })?;
        if bits < MIN_RSA_BITS {
            return Err(SignatureError::UnsupportedKey {
                detail: format!("RSA key of {bits} bits"),
            });
        }
        KeyType::Rsa
    } else {
        return Err(SignatureError::UnsupportedKey {
            detail: format!("public key algorithm {}", spki.algorithm.oid),
        });
    };
    if signature_method_key(method) != Some(key) {
        return Err(SignatureError::KeyAlgorithmMismatch {
            method: method.to_owned(),
            key: match key {
                KeyType::Ec => "ECDSA",
                KeyType::Rsa => "RSA",
            },
        });
    }
    Ok(())
}

/// The bit length of the modulus of a PKCS#1 `RSAPublicKey` (SEQUENCE { INTEGER n, INTEGER e }).
fn rsa_modulus_bits(der: &[u8]) -> Option<usize> {
    use x509_cert::der::asn1::UintRef;
    use x509_cert::der::{Decode as _, Reader as _, SliceReader};
    let mut reader = SliceReader::new(der).ok()?;
    let n = reader
        .sequence(|r| {
            let n = UintRef::decode(r)?;
            UintRef::decode(r)?;
            Ok(n)
        })
        .ok()?;
    reader.finish(()).ok()?;
    let bytes = n.as_bytes();
    let first = bytes.first()?;
    Some(bytes.len() * 8 - first.leading_zeros() as usize)
}

/// Runs bergshamra over the parsed tree with `signer_der`'s key as its only key, then checks
/// that it verified this signature's references on the very nodes [`Parts`] was read from.
pub(super) fn run_xmldsig(
    doc: &Document<'_>,
    text: &str,
    sig: NodeId,
    parts: &Parts,
    signer_der: &[u8],
) -> Result<(), SignatureError> {
    let key = bergshamra_keys::loader::load_x509_cert_der(signer_der).map_err(|e| {
        SignatureError::UnsupportedKey {
            detail: e.to_string(),
        }
    })?;
    let mut keys = KeysManager::new();
    keys.add_key(key);
    // Secure defaults (only the given key, reference digests required), without bergshamra's
    // position rule (it refuses the XAdES reference into ds:Signature; this module checks
    // positions itself) and without its certificate time checks (the signing time is checked
    // here, against the certificate's validity, not today's date).
    let ctx = DsigContext::new(keys)
        .with_trusted_keys_only(true)
        .with_strict_verification(false)
        .with_require_reference_digests(true)
        .with_skip_time_checks(true);
    let result = bergshamra_dsig::verify::verify_document_with_source(&ctx, doc, Some(text))
        .map_err(classify_error)?;
    match result {
        VerifyResult::Valid {
            signature_node,
            references,
            ..
        } => check_verified_references(sig, parts, signature_node, &references),
        VerifyResult::Invalid { reason } => Err(classify_invalid(&reason, parts)),
    }
}

/// bergshamra's errors (as opposed to its `Invalid` verdicts): a duplicate `Id` is a structure
/// fault the user can understand; the rest are passed on as they are.
fn classify_error(e: bergshamra_core::Error) -> SignatureError {
    match e {
        bergshamra_core::Error::UnsupportedAlgorithm(detail) => SignatureError::Verifier { detail },
        bergshamra_core::Error::XmlStructure(detail) if detail.starts_with("duplicate ID") => {
            structure(
                format!("文件中有重复的 Id（{detail}），引用无法唯一确定"),
                format!("the file has a duplicate Id ({detail}), so references are ambiguous"),
            )
        }
        other => SignatureError::Verifier {
            detail: other.to_string(),
        },
    }
}

/// A `Valid` verdict counts only for this signature, with each reference's digest verified on
/// the node read before: otherwise the signing time read may not be the one signed.
fn check_verified_references(
    sig: NodeId,
    parts: &Parts,
    signature_node: NodeId,
    references: &[VerifiedReference],
) -> Result<(), SignatureError> {
    if signature_node != sig || references.len() != parts.references.len() {
        return Err(SignatureError::Verifier {
            detail: "the verifier processed another signature or other references".to_owned(),
        });
    }
    for (done, expected) in references.iter().zip(&parts.references) {
        if !done.digest_verified || done.uri != expected.uri || done.resolved_node != expected.node
        {
            return Err(SignatureError::Verifier {
                detail: format!(
                    "reference {} was not verified on the expected node",
                    expected.label
                ),
            });
        }
    }
    Ok(())
}

/// Maps bergshamra's reason text to the failed check; an unknown text still refuses.
fn classify_invalid(reason: &str, parts: &Parts) -> SignatureError {
    if let Some(rest) = reason.strip_prefix("Reference digest failed: URI=")
        && let Some(r) = parts
            .references
            .iter()
            .find(|r| rest.starts_with(&format!("{}: ", r.uri)))
    {
        return SignatureError::DigestMismatch {
            reference: r.label.clone(),
            target: r.target,
        };
    }
    if reason.starts_with("signature value verification failed") {
        return SignatureError::SignatureValueInvalid;
    }
    SignatureError::Verifier {
        detail: reason.to_owned(),
    }
}
