//! Tests of the DCC XAdES verifier on the published fixtures, on signatures made here with
//! fresh keys, and on vectors signed by xmlsec1 (libxmlsec1, the C reference implementation).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

// The parts live in `tests/dcc_signature/`: `mod common;` alone would be `tests/common/mod.rs`,
// the CLI tests' support.
#[path = "dcc_signature/common.rs"]
mod common;
#[path = "dcc_signature/fresh_keys.rs"]
mod fresh_keys;
#[path = "dcc_signature/xmlsec1.rs"]
mod xmlsec1;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use common::*;
use hengxin_client::dcc::signature::{
    AlgorithmKind, CertError, DccSignature, MAX_DCC_BYTES, ReferenceTarget, SignatureError, Signer,
    read_certificate, verify_dcc_signature,
};

/// openssl x509 -in signer.crt -outform DER | sha256sum
const SIGNER_FINGERPRINT: &str = "2d0dcb6661fa15af1d79177b6aaa062971a76d84c9d2f1523221b47e44775a2c";
const SIGNER_SUBJECT: &str = "CN=Calibration Lab A1,O=Calibration A GmbH,C=DE";

fn signed(xml: &[u8]) -> Signer {
    match verify_dcc_signature(xml) {
        Ok(DccSignature::Signed(s)) => s,
        other => panic!("expected a verified signature, got {other:?}"),
    }
}

fn refused(xml: &[u8]) -> SignatureError {
    match verify_dcc_signature(xml) {
        Err(e) => {
            let msg = e.to_string();
            // Chinese first, then English after " / ".
            assert!(msg.contains(" / "), "{msg}");
            let (zh, _en) = msg.split_once(" / ").unwrap();
            assert!(
                zh.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{msg}"
            );
            e
        }
        Ok(other) => panic!("expected a refusal, got {other:?}"),
    }
}

fn is_digest_mismatch(e: &SignatureError, uri: &str, target: ReferenceTarget) -> bool {
    matches!(e, SignatureError::DigestMismatch { reference, target: t }
        if reference.starts_with(&format!("URI=\"{uri}\"")) && *t == target)
}

// ---------------------------------------------------------------------------------------------
// The published fixtures

#[test]
fn genuine_fixture_verifies_and_names_its_signer() {
    let s = signed(&read(SIGNED));
    assert_eq!(hex(&s.certificate.fingerprint), SIGNER_FINGERPRINT);
    assert_eq!(s.certificate.subject, SIGNER_SUBJECT);
    assert_eq!(
        s.certificate.issuer,
        "CN=Calibration Community Sub CA 01,O=Calibration Community,C=DE"
    );
    assert_eq!(s.certificate.serial_hex, "4b6e137be0debcee");
    assert_eq!(s.certificate.not_before_unix, 1_638_448_800); // 2021-12-02T12:40:00Z
    assert_eq!(s.certificate.not_after_unix, 1_733_143_200); // 2024-12-02T12:40:00Z
    assert_eq!(s.signing_time_unix, 1_666_338_441); // 2022-10-21T07:47:21Z
    assert_eq!(s.certificate.der, signer_der());
}

#[test]
fn manipulated_fixture_is_refused_by_the_document_digest() {
    let e = refused(&read(MANIPULATED));
    assert!(
        is_digest_mismatch(&e, "", ReferenceTarget::Document),
        "{e:?}"
    );
    let msg = e.to_string();
    assert!(msg.starts_with("签名无效：引用 URI=\"\""), "{msg}");
    assert!(msg.contains("the file was changed after signing"), "{msg}");
}

#[test]
fn unsigned_fixtures_are_unsigned() {
    for f in [UNSIGNED_HUMIDITY, UNSIGNED_TEMPERATURE] {
        assert_eq!(
            verify_dcc_signature(&read(f)),
            Ok(DccSignature::Unsigned),
            "{f}"
        );
    }
}

#[test]
fn changed_signing_time_fails_the_signed_properties_digest() {
    let xml = replace_once(
        &read(SIGNED),
        "2022-10-21T07:47:21Z",
        "2022-10-21T07:47:22Z",
    );
    let e = refused(&xml);
    assert!(
        is_digest_mismatch(
            &e,
            "#xades-id-d4e6c60a14556a1024607adf2902d276",
            ReferenceTarget::SignedProperties
        ),
        "{e:?}"
    );
}

#[test]
fn changed_certificate_digest_fails_the_signed_properties_digest() {
    let xml = replace_once(
        &read(SIGNED),
        "DrTx5hgVg+sOrOW963wmnkFEg7",
        "ErTx5hgVg+sOrOW963wmnkFEg7",
    );
    let e = refused(&xml);
    assert!(
        matches!(
            e,
            SignatureError::DigestMismatch {
                target: ReferenceTarget::SignedProperties,
                ..
            }
        ),
        "{e:?}"
    );
}

#[test]
fn changed_signature_value_is_refused() {
    let xml = replace_once(&read(SIGNED), "mQMqeZgbqYAjd2Ff", "mQMqeZgbqYAjd2Fe");
    assert_eq!(refused(&xml), SignatureError::SignatureValueInvalid);
}

#[test]
fn another_certificate_in_keyinfo_is_refused() {
    // The sub-CA's certificate (also P-256) in place of the signer's.
    let genuine = read(SIGNED);
    let signer_b64 = BASE64.encode(signer_der());
    let sub = read_certificate(&read("dcc-signed/sub.crt")).unwrap();
    let xml = replace_once(&genuine, &signer_b64, &BASE64.encode(&sub.der));
    assert_eq!(refused(&xml), SignatureError::SignatureValueInvalid);
}

#[test]
fn signature_must_be_the_roots_last_child() {
    let genuine = String::from_utf8(read(SIGNED)).unwrap();
    let start = genuine.find("<ds:Signature").unwrap();
    let end = genuine.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &genuine[start..end];
    let without = format!("{}{}", &genuine[..start], &genuine[end..]);

    // Moved to the root's first child.
    let at = without.find("<dcc:administrativeData>").unwrap();
    let moved = format!("{}{}{}", &without[..at], signature, &without[at..]);
    assert_eq!(
        refused(moved.as_bytes()),
        SignatureError::SignatureMisplaced
    );

    // Moved inside another element.
    let at = without.find("</dcc:administrativeData>").unwrap();
    let nested = format!("{}{}{}", &without[..at], signature, &without[at..]);
    assert_eq!(
        refused(nested.as_bytes()),
        SignatureError::SignatureMisplaced
    );

    // The whole signed document wrapped in another root.
    let decl_end = genuine.find("?>").unwrap() + 2;
    let wrapped = format!(
        "{}<wrapper>{}</wrapper>",
        &genuine[..decl_end],
        &genuine[decl_end..]
    );
    assert_eq!(
        refused(wrapped.as_bytes()),
        SignatureError::SignatureMisplaced
    );

    // Only whitespace may follow it.
    let trailing = genuine.replace("</ds:Signature></dcc:", "</ds:Signature><!-- x --></dcc:");
    assert_eq!(
        refused(trailing.as_bytes()),
        SignatureError::SignatureMisplaced
    );
}

#[test]
fn two_signatures_are_refused() {
    let genuine = String::from_utf8(read(SIGNED)).unwrap();
    let start = genuine.find("<ds:Signature").unwrap();
    let end = genuine.find("</ds:Signature>").unwrap() + "</ds:Signature>".len();
    let signature = &genuine[start..end];
    let at = genuine.find("</dcc:administrativeData>").unwrap();
    let two = format!(
        "{}{}{}",
        &genuine[..at],
        signature.replace("Id=\"", "Id=\"copy-"),
        &genuine[at..]
    );
    assert_eq!(
        refused(two.as_bytes()),
        SignatureError::MultipleSignatures { count: 2 }
    );
}

#[test]
fn unsupported_transform_and_algorithms_are_named() {
    let genuine = read(SIGNED);
    let xpath = replace_once(
        &genuine,
        r#"<ds:Transform Algorithm="http://www.w3.org/2006/12/xml-c14n11"/>"#,
        r#"<ds:Transform Algorithm="http://www.w3.org/TR/1999/REC-xpath-19991116"><ds:XPath>1</ds:XPath></ds:Transform>"#,
    );
    match refused(&xpath) {
        SignatureError::UnsupportedTransform { reference, uri } => {
            assert!(
                reference.contains("r-dcc_gp_temperature_typical_v12.xml"),
                "{reference}"
            );
            assert_eq!(uri, "http://www.w3.org/TR/1999/REC-xpath-19991116");
        }
        e => panic!("{e:?}"),
    }

    let s = String::from_utf8(genuine.clone()).unwrap();
    let sha1 = s.replacen(
        r#"<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>"#,
        r#"<ds:DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>"#,
        1,
    );
    assert_eq!(
        refused(sha1.as_bytes()),
        SignatureError::UnsupportedAlgorithm {
            kind: AlgorithmKind::Digest,
            uri: "http://www.w3.org/2000/09/xmldsig#sha1".into()
        }
    );

    let dsa = replace_once(
        &genuine,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        "http://www.w3.org/2009/xmldsig11#dsa-sha256",
    );
    assert!(matches!(
        refused(&dsa),
        SignatureError::UnsupportedAlgorithm {
            kind: AlgorithmKind::Signature,
            ..
        }
    ));

    // An RSA method with the fixture's EC key.
    let rsa = replace_once(
        &genuine,
        "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
        RSA_SHA256,
    );
    assert!(matches!(
        refused(&rsa),
        SignatureError::KeyAlgorithmMismatch { key: "ECDSA", .. }
    ));

    // A document reference without the enveloped-signature transform.
    let no_env = replace_once(
        &genuine,
        r#"<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>"#,
        "",
    );
    assert_eq!(refused(&no_env), SignatureError::DocumentReferenceMissing);
}

#[test]
fn malformed_oversized_and_doctype_inputs_are_refused() {
    assert!(matches!(
        refused(b"<dcc:x xmlns:dcc=\"u\"><unclosed></dcc:x>"),
        SignatureError::Malformed { .. }
    ));
    assert!(matches!(
        refused(b"\xff\xfe<x/>"),
        SignatureError::Malformed { .. }
    ));

    let genuine = String::from_utf8(read(SIGNED)).unwrap();
    let decl_end = genuine.find("?>").unwrap() + 2;
    let doctype = format!(
        "{}<!DOCTYPE dcc:digitalCalibrationCertificate [<!ENTITY e \"x\">]>{}",
        &genuine[..decl_end],
        &genuine[decl_end..]
    );
    assert_eq!(
        refused(doctype.as_bytes()),
        SignatureError::DoctypeNotAllowed
    );
    // An unsigned DCC with a DOCTYPE is just unsigned.
    let unsigned = String::from_utf8(read(UNSIGNED_TEMPERATURE)).unwrap();
    let decl_end = unsigned.find("?>").unwrap() + 2;
    let unsigned = format!(
        "{}<!DOCTYPE x>{}",
        &unsigned[..decl_end],
        &unsigned[decl_end..]
    );
    assert_eq!(
        verify_dcc_signature(unsigned.as_bytes()),
        Ok(DccSignature::Unsigned)
    );

    let big = vec![b' '; MAX_DCC_BYTES + 1];
    assert!(matches!(refused(&big), SignatureError::TooLarge { .. }));
}

#[test]
fn a_bom_before_the_genuine_fixture_is_accepted() {
    let mut xml = b"\xEF\xBB\xBF".to_vec();
    xml.extend(read(SIGNED));
    assert_eq!(
        hex(&signed(&xml).certificate.fingerprint),
        SIGNER_FINGERPRINT
    );
}

// ---------------------------------------------------------------------------------------------
// read_certificate

#[test]
fn read_certificate_reads_pem_and_der() {
    let pem = read(SIGNER_CRT);
    let from_pem = read_certificate(&pem).unwrap();
    assert_eq!(hex(&from_pem.fingerprint), SIGNER_FINGERPRINT);
    assert_eq!(from_pem.subject, SIGNER_SUBJECT);
    assert_eq!(from_pem.not_before_unix, 1_638_448_800);
    assert_eq!(from_pem.not_after_unix, 1_733_143_200);
    let from_der = read_certificate(&signer_der()).unwrap();
    assert_eq!(from_der, from_pem);
    // CRLF line ends and text around the block.
    let crlf = String::from_utf8(pem).unwrap().replace('\n', "\r\n");
    let noisy = format!("Subject: Calibration Lab A1\r\n{crlf}\r\ntrailing notes\r\n");
    assert_eq!(read_certificate(noisy.as_bytes()).unwrap(), from_pem);
}

#[test]
fn read_certificate_refuses_what_is_not_one_certificate() {
    assert_eq!(read_certificate(b""), Err(CertError::Empty));
    let chain = [read(SIGNER_CRT), read("dcc-signed/sub.crt")].concat();
    assert_eq!(
        read_certificate(&chain),
        Err(CertError::MultipleCertificates { count: 2 })
    );
    let key = Key::p256().pkcs8_pem();
    assert_eq!(
        read_certificate(key.as_bytes()),
        Err(CertError::NotACertificate {
            label: "PRIVATE KEY".into()
        })
    );
    let mut der = signer_der();
    der.truncate(100);
    assert!(matches!(read_certificate(&der), Err(CertError::Der { .. })));
    let broken = String::from_utf8(read(SIGNER_CRT))
        .unwrap()
        .replace("MIIB9DCC", "MIIB9D!C");
    assert!(matches!(
        read_certificate(broken.as_bytes()),
        Err(CertError::Pem { .. })
    ));
    assert!(matches!(
        read_certificate(b"hello"),
        Err(CertError::Der { .. })
    ));
}
