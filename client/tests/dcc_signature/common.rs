//! Test support: fixtures, a throw-away PKI (pure Rust) and an enveloped XAdES signer built on
//! bergshamra's template signing, so tests can make signatures with fresh keys.
#![allow(dead_code)]

use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use bergshamra_dsig::DsigContext;
use bergshamra_keys::KeysManager;
use hengxin_client::dcc::signature::read_certificate;
use rand_core::OsRng;
use sha2::{Digest as _, Sha256, Sha512};
use x509_cert::builder::{Builder, CertificateBuilder, Profile};
use x509_cert::der::Encode as _;
use x509_cert::der::asn1::UtcTime;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::SubjectPublicKeyInfoOwned;
use x509_cert::time::{Time, Validity};

/// The project's published DCC fixtures (`tests/fixtures` at the workspace root).
pub fn fixtures() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

pub fn read(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The XML-DSig vectors made here (`client/tests/data/xmldsig`).
pub fn data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/xmldsig")
}

pub fn data(rel: &str) -> Vec<u8> {
    let p = data_dir().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The published signer certificate's DER, read from its PEM file (`signer.crt`).
pub fn signer_der() -> Vec<u8> {
    read_certificate(&read(SIGNER_CRT)).unwrap().der
}

pub const SIGNED: &str = "dcc-signed/dcc_gp_temperature_typical_v12_signed.xml";
pub const MANIPULATED: &str = "dcc-signed/dcc_gp_temperature_typical_v12_signed_manipulated.xml";
pub const UNSIGNED_HUMIDITY: &str = "dcc/dcc_gp_humidity_v1.0.xml";
pub const UNSIGNED_TEMPERATURE: &str = "dcc/dcc_gp_temperature_typical_v12.xml";
pub const SIGNER_CRT: &str = "dcc-signed/signer.crt";

pub fn unix(y: i32, mo: u8, d: u8) -> u64 {
    // Days from civil (proleptic Gregorian), independent of the module's own helper.
    let (y, m) = if mo <= 2 {
        (i64::from(y) - 1, i64::from(mo) + 9)
    } else {
        (i64::from(y), i64::from(mo) - 3)
    };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    u64::try_from((era * 146_097 + doe - 719_468) * 86_400).unwrap()
}

/// A signing key of the kinds the verifier supports.
pub enum Key {
    P256(p256::SecretKey),
    P384(p384::SecretKey),
    Rsa(Box<rsa::RsaPrivateKey>),
}

impl Key {
    pub fn p256() -> Self {
        Key::P256(p256::SecretKey::random(&mut OsRng))
    }
    pub fn p384() -> Self {
        Key::P384(p384::SecretKey::random(&mut OsRng))
    }
    pub fn rsa(bits: usize) -> Self {
        Key::Rsa(Box::new(rsa::RsaPrivateKey::new(&mut OsRng, bits).unwrap()))
    }
    pub fn pkcs8_pem(&self) -> String {
        use p256::pkcs8::EncodePrivateKey as _;
        use p256::pkcs8::LineEnding;
        match self {
            Key::P256(k) => k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            Key::P384(k) => k.to_pkcs8_pem(LineEnding::LF).unwrap().to_string(),
            Key::Rsa(k) => rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(k.as_ref(), LineEnding::LF)
                .unwrap()
                .to_string(),
        }
    }
    pub fn spki(&self) -> SubjectPublicKeyInfoOwned {
        match self {
            Key::P256(k) => SubjectPublicKeyInfoOwned::from_key(k.public_key()).unwrap(),
            Key::P384(k) => SubjectPublicKeyInfoOwned::from_key(k.public_key()).unwrap(),
            Key::Rsa(k) => SubjectPublicKeyInfoOwned::from_key(k.to_public_key()).unwrap(),
        }
    }
}

/// A test CA (P-256) that issues leaf certificates for any [`Key`].
pub struct Ca {
    key: p256::ecdsa::SigningKey,
    name: Name,
}

impl Ca {
    pub fn new() -> Self {
        Ca {
            key: p256::ecdsa::SigningKey::random(&mut OsRng),
            name: Name::from_str("CN=Test Calibration CA,O=Test PKI,C=DE").unwrap(),
        }
    }
    /// A leaf certificate (DER) for `key`, valid `[not_before, not_after]` (Unix seconds).
    pub fn issue(
        &self,
        key: &Key,
        subject: &str,
        not_before: u64,
        not_after: u64,
        serial: u32,
    ) -> Vec<u8> {
        let validity = Validity {
            not_before: Time::UtcTime(
                UtcTime::from_unix_duration(Duration::from_secs(not_before)).unwrap(),
            ),
            not_after: Time::UtcTime(
                UtcTime::from_unix_duration(Duration::from_secs(not_after)).unwrap(),
            ),
        };
        let profile = Profile::Leaf {
            issuer: self.name.clone(),
            enable_key_agreement: false,
            enable_key_encipherment: false,
        };
        let builder = CertificateBuilder::new(
            profile,
            SerialNumber::from(serial),
            validity,
            Name::from_str(subject).unwrap(),
            key.spki(),
            &self.key,
        )
        .unwrap();
        builder
            .build::<p256::ecdsa::DerSignature>()
            .unwrap()
            .to_der()
            .unwrap()
    }
}

pub const C14N10: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";
pub const C14N10_C: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments";
pub const C14N11: &str = "http://www.w3.org/2006/12/xml-c14n11";
pub const C14N11_C: &str = "http://www.w3.org/2006/12/xml-c14n11#WithComments";
pub const EXC: &str = "http://www.w3.org/2001/10/xml-exc-c14n#";
pub const EXC_C: &str = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments";
pub const SHA256: &str = "http://www.w3.org/2001/04/xmlenc#sha256";
pub const SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#sha384";
pub const SHA512: &str = "http://www.w3.org/2001/04/xmlenc#sha512";
pub const ECDSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256";
pub const ECDSA_SHA384: &str = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384";
pub const RSA_SHA256: &str = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256";
pub const RSA_PSS_SHA512: &str = "http://www.w3.org/2007/05/xmldsig-more#sha512-rsa-MGF1";

/// How [`sign_dcc`] signs.
pub struct Options<'a> {
    pub signature_method: &'a str,
    pub digest: &'a str,
    pub signed_info_c14n: &'a str,
    pub document_c14n: &'a str,
    pub properties_c14n: &'a str,
    /// The certificate put in KeyInfo.
    pub keyinfo_cert: &'a [u8],
    /// The certificate whose SHA-512 digest SigningCertificateV2 carries (normally the same).
    pub named_cert: &'a [u8],
    pub signing_time: &'a str,
    /// The second reference's URI (normally `#xades-<sig id>`).
    pub properties_uri: Option<&'a str>,
    /// Extra content inserted before the Signature (inside the root element).
    pub extra_before_signature: &'a str,
    /// Text inserted after the Signature, before the root's end tag.
    pub after_signature: &'a str,
    /// Also sign the KeyInfo (a third reference, as signxml and others do).
    pub sign_keyinfo: bool,
}

impl<'a> Options<'a> {
    pub fn new(cert: &'a [u8]) -> Self {
        Options {
            signature_method: ECDSA_SHA256,
            digest: SHA256,
            signed_info_c14n: EXC,
            document_c14n: C14N11,
            properties_c14n: EXC,
            keyinfo_cert: cert,
            named_cert: cert,
            signing_time: "2025-06-30T12:00:00+02:00",
            properties_uri: None,
            extra_before_signature: "",
            after_signature: "",
            sign_keyinfo: false,
        }
    }
}

/// Signs `unsigned` (a DCC) as an enveloped XAdES-B-B signature, the last child of the root,
/// like the fixture: reference URI="" (enveloped-signature, then `document_c14n`) and a
/// reference to the SignedProperties. bergshamra fills the digests and the signature value.
pub fn sign_dcc(unsigned: &[u8], key: &Key, o: &Options<'_>) -> Vec<u8> {
    let text = std::str::from_utf8(unsigned).unwrap();
    let close = text.trim_end().rfind("</").unwrap();
    let sid = "sig-test-1";
    let props_uri = o
        .properties_uri
        .map_or_else(|| format!("#xades-{sid}"), str::to_owned);
    let cert_b64 = BASE64.encode(o.keyinfo_cert);
    let named_digest = BASE64.encode(Sha512::digest(o.named_cert));
    let template = format!(
        r##"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#" Id="{sid}"><ds:SignedInfo><ds:CanonicalizationMethod Algorithm="{si_c14n}"/><ds:SignatureMethod Algorithm="{method}"/><ds:Reference Id="r-doc" URI=""><ds:Transforms><ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/><ds:Transform Algorithm="{doc_c14n}"/></ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/></ds:Reference><ds:Reference Type="http://uri.etsi.org/01903#SignedProperties" URI="{props_uri}"><ds:Transforms><ds:Transform Algorithm="{sp_c14n}"/></ds:Transforms><ds:DigestMethod Algorithm="{digest}"/><ds:DigestValue/></ds:Reference>{keyinfo_ref}</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo{keyinfo_id}><ds:X509Data><ds:X509Certificate>{cert_b64}</ds:X509Certificate></ds:X509Data></ds:KeyInfo><ds:Object><xades:QualifyingProperties xmlns:xades="http://uri.etsi.org/01903/v1.3.2#" Target="#{sid}"><xades:SignedProperties Id="xades-{sid}"><xades:SignedSignatureProperties><xades:SigningTime>{time}</xades:SigningTime><xades:SigningCertificateV2><xades:Cert><xades:CertDigest><ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha512"/><ds:DigestValue>{named_digest}</ds:DigestValue></xades:CertDigest></xades:Cert></xades:SigningCertificateV2></xades:SignedSignatureProperties><xades:SignedDataObjectProperties><xades:DataObjectFormat ObjectReference="#r-doc"><xades:MimeType>text/xml</xades:MimeType></xades:DataObjectFormat></xades:SignedDataObjectProperties></xades:SignedProperties></xades:QualifyingProperties></ds:Object></ds:Signature>"##,
        si_c14n = o.signed_info_c14n,
        method = o.signature_method,
        doc_c14n = o.document_c14n,
        digest = o.digest,
        sp_c14n = o.properties_c14n,
        time = o.signing_time,
        keyinfo_ref = if o.sign_keyinfo {
            format!(
                r##"<ds:Reference URI="#keyinfo-{sid}"><ds:DigestMethod Algorithm="{}"/><ds:DigestValue/></ds:Reference>"##,
                o.digest
            )
        } else {
            String::new()
        },
        keyinfo_id = if o.sign_keyinfo {
            format!(r#" Id="keyinfo-{sid}""#)
        } else {
            String::new()
        },
    );
    let doc = format!(
        "{}{}{}{}",
        &text[..close],
        o.extra_before_signature,
        template,
        &text[close..]
    );
    let private = bergshamra_keys::loader::load_pem_auto(key.pkcs8_pem().as_bytes(), None).unwrap();
    let mut keys = KeysManager::new();
    keys.add_key(private);
    let ctx = DsigContext::new_permissive(keys);
    bergshamra_dsig::sign::sign(&ctx, &doc)
        .unwrap()
        .into_bytes()
}

/// SHA-256 of `data`, lower-case hex.
pub fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn hex(data: &[u8]) -> String {
    data.iter().map(|b| format!("{b:02x}")).collect()
}

/// Replaces the one occurrence of `from` in `xml` (panics when not exactly one).
pub fn replace_once(xml: &[u8], from: &str, to: &str) -> Vec<u8> {
    let s = std::str::from_utf8(xml).unwrap();
    assert_eq!(
        s.matches(from).count(),
        1,
        "{from:?} must occur exactly once"
    );
    s.replacen(from, to, 1).into_bytes()
}
