//! Signatures made here with fresh keys (P-256, P-384, RSA PKCS#1 v1.5 and PSS) by bergshamra's
//! signer: every supported method and canonicalization, the signing time against the
//! certificate's validity, and signature-wrapping attempts.

use std::sync::OnceLock;

use hengxin_client::dcc::signature::{ReferenceTarget, SignatureError};

use super::common::*;
use super::{is_digest_mismatch, refused, signed};

struct Pki {
    ca: Ca,
    p256: Key,
    p256_cert: Vec<u8>,
    other_cert: Vec<u8>,
}

fn pki() -> &'static Pki {
    static PKI: OnceLock<Pki> = OnceLock::new();
    PKI.get_or_init(|| {
        let ca = Ca::new();
        let p256 = Key::p256();
        let p256_cert = ca.issue(
            &p256,
            "CN=Fresh Lab P-256,O=Test Lab GmbH,C=DE",
            unix(2024, 1, 1),
            unix(2027, 1, 1),
            1,
        );
        let other = Key::p256();
        let other_cert = ca.issue(
            &other,
            "CN=Other Lab,O=Other GmbH,C=DE",
            unix(2024, 1, 1),
            unix(2027, 1, 1),
            2,
        );
        Pki {
            ca,
            p256,
            p256_cert,
            other_cert,
        }
    })
}

fn rsa_key() -> &'static Key {
    static RSA: OnceLock<Key> = OnceLock::new();
    RSA.get_or_init(|| Key::rsa(2048))
}

#[test]
fn fresh_p256_signature_over_a_fixture_verifies() {
    let p = pki();
    let xml = sign_dcc(
        &read(UNSIGNED_HUMIDITY),
        &p.p256,
        &Options::new(&p.p256_cert),
    );
    let s = signed(&xml);
    assert_eq!(hex(&s.certificate.fingerprint), sha256_hex(&p.p256_cert));
    assert_eq!(
        s.certificate.subject,
        "CN=Fresh Lab P-256,O=Test Lab GmbH,C=DE"
    );
    assert_eq!(
        s.certificate.issuer,
        "CN=Test Calibration CA,O=Test PKI,C=DE"
    );
    assert_eq!(
        s.certificate.not_before_unix,
        i64::try_from(unix(2024, 1, 1)).unwrap()
    );
    assert_eq!(
        s.certificate.not_after_unix,
        i64::try_from(unix(2027, 1, 1)).unwrap()
    );
    assert_eq!(
        s.signing_time_unix,
        i64::try_from(unix(2025, 6, 30) + 10 * 3600).unwrap()
    );
    assert_eq!(s.certificate.der, p.p256_cert);

    // The same file, changed after signing, is refused.
    let changed = replace_once(
        &xml,
        "<dcc:countryCodeISO3166_1>DE<",
        "<dcc:countryCodeISO3166_1>FR<",
    );
    assert!(is_digest_mismatch(
        &refused(&changed),
        "",
        ReferenceTarget::Document
    ));
    // Whitespace inside a tag is not content: canonicalization ignores it.
    let reformatted = replace_once(&xml, "<dcc:coreData>", "<dcc:coreData  >");
    signed(&reformatted);
}

#[test]
fn fresh_p384_signature_with_exclusive_c14n_and_comments_verifies() {
    let p = pki();
    let key = Key::p384();
    let cert = p.ca.issue(
        &key,
        "CN=Fresh Lab P-384,O=Test Lab GmbH,C=DE",
        unix(2024, 1, 1),
        unix(2027, 1, 1),
        3,
    );
    let o = Options {
        signature_method: ECDSA_SHA384,
        digest: SHA384,
        signed_info_c14n: EXC_C,
        document_c14n: EXC_C,
        properties_c14n: EXC_C,
        ..Options::new(&cert)
    };
    let xml = sign_dcc(&read(UNSIGNED_TEMPERATURE), &key, &o);
    assert_eq!(
        hex(&signed(&xml).certificate.fingerprint),
        sha256_hex(&cert)
    );
    // URI="" drops comments before the transforms: a changed comment does not matter.
    let comment = replace_once(
        &xml,
        "Draft Good Practise Temperature",
        "Draft Good Practice Temperature",
    );
    signed(&comment);
}

#[test]
fn fresh_rsa_pkcs1_signature_with_c14n_10_verifies() {
    let p = pki();
    let key = rsa_key();
    let cert = p.ca.issue(
        key,
        "CN=Fresh Lab RSA,O=Test Lab GmbH,C=DE",
        unix(2024, 1, 1),
        unix(2027, 1, 1),
        4,
    );
    let o = Options {
        signature_method: RSA_SHA256,
        signed_info_c14n: C14N10,
        document_c14n: C14N10,
        properties_c14n: C14N10,
        ..Options::new(&cert)
    };
    let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), key, &o);
    assert_eq!(
        hex(&signed(&xml).certificate.fingerprint),
        sha256_hex(&cert)
    );
    let changed = replace_once(
        &xml,
        "<dcc:countryCodeISO3166_1>DE<",
        "<dcc:countryCodeISO3166_1>FR<",
    );
    assert!(is_digest_mismatch(
        &refused(&changed),
        "",
        ReferenceTarget::Document
    ));
}

#[test]
fn fresh_rsa_pss_signature_with_c14n_11_and_comments_verifies() {
    let p = pki();
    let key = rsa_key();
    let cert = p.ca.issue(
        key,
        "CN=Fresh Lab RSA-PSS,O=Test Lab GmbH,C=DE",
        unix(2024, 1, 1),
        unix(2027, 1, 1),
        5,
    );
    let o = Options {
        signature_method: RSA_PSS_SHA512,
        digest: SHA512,
        signed_info_c14n: C14N11_C,
        document_c14n: C14N11_C,
        properties_c14n: C14N10_C,
        ..Options::new(&cert)
    };
    let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), key, &o);
    assert_eq!(
        hex(&signed(&xml).certificate.fingerprint),
        sha256_hex(&cert)
    );
}

#[test]
fn a_signed_keyinfo_and_whitespace_after_the_signature_are_accepted() {
    let p = pki();
    let o = Options {
        sign_keyinfo: true,
        after_signature: "\n  \n",
        ..Options::new(&p.p256_cert)
    };
    let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), &p.p256, &o);
    assert_eq!(
        hex(&signed(&xml).certificate.fingerprint),
        sha256_hex(&p.p256_cert)
    );
    // The signed KeyInfo changed: its reference's digest fails.
    let changed = replace_once(
        &xml,
        "<ds:X509Data>",
        "<ds:X509Data><ds:X509SubjectName>x</ds:X509SubjectName>",
    );
    assert!(is_digest_mismatch(
        &refused(&changed),
        "#keyinfo-sig-test-1",
        ReferenceTarget::KeyInfo
    ));
}

#[test]
fn signing_certificate_naming_another_certificate_is_refused() {
    let p = pki();
    let o = Options {
        named_cert: &p.other_cert,
        ..Options::new(&p.p256_cert)
    };
    let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), &p.p256, &o);
    assert_eq!(refused(&xml), SignatureError::SigningCertificateMismatch);
}

#[test]
fn signing_time_must_lie_within_the_certificates_validity() {
    let p = pki();
    for (time, ok) in [
        ("2023-12-31T23:59:59Z", false),
        ("2024-01-01T00:00:00Z", true),
        ("2024-01-01T01:00:00+01:00", true),
        ("2027-01-01T00:00:00Z", true),
        ("2027-01-01T00:00:00.5Z", false),
        ("2027-01-01T01:00:00+01:00", true),
        ("2027-01-01T00:00:01Z", false),
        ("2031-05-05T12:00:00Z", false),
    ] {
        let o = Options {
            signing_time: time,
            ..Options::new(&p.p256_cert)
        };
        let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), &p.p256, &o);
        if ok {
            signed(&xml);
        } else {
            match refused(&xml) {
                SignatureError::SigningTimeOutsideValidity {
                    signing_time,
                    not_before,
                    not_after,
                } => {
                    assert_eq!(signing_time, time);
                    assert_eq!(not_before, "2024-01-01T00:00:00Z");
                    assert_eq!(not_after, "2027-01-01T00:00:00Z");
                }
                e => panic!("{time}: {e:?}"),
            }
        }
    }
    for bad in ["2025-06-30T12:00:00", "30.06.2025", ""] {
        let o = Options {
            signing_time: bad,
            ..Options::new(&p.p256_cert)
        };
        let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), &p.p256, &o);
        assert_eq!(
            refused(&xml),
            SignatureError::SigningTimeInvalid { value: bad.into() },
            "{bad}"
        );
    }
}

#[test]
fn an_expired_certificate_verifies_when_it_was_valid_at_signing() {
    let p = pki();
    let cert = p.ca.issue(
        &p.p256,
        "CN=Old Lab,O=Test Lab GmbH,C=DE",
        unix(2019, 1, 1),
        unix(2021, 1, 1),
        6,
    );
    let o = Options {
        signing_time: "2020-03-04T05:06:07Z",
        ..Options::new(&cert)
    };
    let s = signed(&sign_dcc(&read(UNSIGNED_HUMIDITY), &p.p256, &o));
    assert_eq!(
        s.signing_time_unix,
        i64::try_from(unix(2020, 3, 4) + 5 * 3600 + 6 * 60 + 7).unwrap()
    );
}

#[test]
fn wrapping_a_reference_to_an_element_outside_the_signature_is_refused() {
    // A valid signature whose second reference signs an element outside ds:Signature.
    let p = pki();
    let o = Options {
        properties_uri: Some("#outside"),
        extra_before_signature: r#"<dcc:remark Id="outside">signed, but not the SignedProperties</dcc:remark>"#,
        ..Options::new(&p.p256_cert)
    };
    let xml = sign_dcc(&read(UNSIGNED_HUMIDITY), &p.p256, &o);
    match refused(&xml) {
        SignatureError::ReferenceNotAllowed { reference, .. } => {
            assert_eq!(reference, "URI=\"#outside\"")
        }
        e => panic!("{e:?}"),
    }
}

#[test]
fn wrapping_a_copy_of_the_signed_properties_elsewhere_is_refused() {
    // The genuine SignedProperties copied outside the signature, with the same Id.
    let genuine = String::from_utf8(read(SIGNED)).unwrap();
    let start = genuine.find("<xades:SignedProperties").unwrap();
    let end =
        genuine.find("</xades:SignedProperties>").unwrap() + "</xades:SignedProperties>".len();
    let copy = genuine[start..end].replacen(
        "<xades:SignedProperties",
        r#"<xades:SignedProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" xmlns:ds="http://www.w3.org/2000/09/xmldsig#""#,
        1,
    );
    let at = genuine.find("</dcc:administrativeData>").unwrap();
    let xml = format!("{}{}{}", &genuine[..at], copy, &genuine[at..]);
    assert!(matches!(
        refused(xml.as_bytes()),
        SignatureError::ReferenceNotAllowed { .. }
    ));

    // And the signature's own one renamed away, so only the outside copy carries the Id.
    // The first `Id="xades-id-` is the outside copy (it comes first): rename only the second.
    let first = xml.find(r#"Id="xades-id-"#).unwrap();
    let second = first + 1 + xml[first + 1..].find(r#"Id="xades-id-"#).unwrap();
    let own_renamed = format!("{}Id=\"moved-{}", &xml[..second], &xml[second + 4..]);
    assert!(matches!(
        refused(own_renamed.as_bytes()),
        SignatureError::ReferenceNotAllowed { .. }
    ));
}

#[test]
fn a_qualifying_properties_of_another_signature_is_refused() {
    let xml = replace_once(
        &read(SIGNED),
        r##"Target="#id-d4e6c60a14556a1024607adf2902d276""##,
        r##"Target="#id-another""##,
    );
    assert!(matches!(refused(&xml), SignatureError::Structure { .. }));
}
