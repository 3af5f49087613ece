//! The enveloped XAdES signature of a signed Digital Calibration Certificate (DCC).
//!
//! A signed DCC is anchored only when every reference digest and the signature value verify,
//! the XAdES `SigningCertificate(V2)` digest names the certificate in `KeyInfo`, the
//! `SigningTime` lies within that certificate's validity, and that certificate is one the
//! anchoring lab registered (the last check is the caller's: it gets the certificate's
//! fingerprint, subject and validity in [`Signer`]).
//!
//! The XML-DSig core (dereferencing, the enveloped-signature transform, C14N 1.0/1.1/exclusive
//! with and without comments, digests, the signature value) is bergshamra's, run with the
//! `KeyInfo` certificate as its only key and without its own position rule (which refuses the
//! XAdES reference into `ds:Signature`). This module keeps the structure to itself instead,
//! before any cryptography: one `ds:Signature`, the root's last child; a reference `URI=""`
//! with the enveloped-signature transform; a reference to the `SignedProperties` inside this
//! signature's own `QualifyingProperties` (and at most one to its own `KeyInfo`); nothing
//! else; only the algorithms and transforms named below. After bergshamra's verdict it checks
//! that each reference resolved to the very node this module read (one parse, bergshamra's
//! tree), so the signing time and certificate digest it reads are the signed ones.
//!
//! Limits: at most [`MAX_DCC_BYTES`] bytes, no DOCTYPE, element nesting of at most 128 (the
//! parser's default), at most 3 references of at most 2 transforms, 8 certificates in
//! `KeyInfo` and 16 `Cert` entries in `SigningCertificate(V2)`.
//!
//! The parts, in the order a file meets them: `structure` (placement and the signature's
//! elements) with `references` (which references are allowed: the wrapping rules), all read
//! before any cryptography; `xmldsig` (the key's fit to the method, bergshamra's run and its
//! verdict); `cert` (X.509 and PEM); `time` (the signed `SigningTime` against the validity).

mod cert;
mod references;
mod structure;
mod time;
mod xmldsig;

use structure::Parts;

/// The largest DCC file accepted, in bytes: the same bound as reading a DCC's fields.
pub const MAX_DCC_BYTES: usize = super::DCC_BYTES_MAX;
/// The largest certificate file [`read_certificate`] accepts, in bytes.
pub const MAX_CERTIFICATE_FILE_BYTES: usize = 1024 * 1024;

/// What [`verify_dcc_signature`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DccSignature {
    /// No `ds:Signature` anywhere in the document.
    Unsigned,
    /// One enveloped XAdES signature that verified completely.
    Signed(Signer),
}

/// The signer of a verified DCC: its certificate (from `KeyInfo`) and the signed signing time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signer {
    /// The certificate that signed it.
    pub certificate: CertInfo,
    /// The signed XAdES `SigningTime`, Unix seconds (fractions dropped).
    pub signing_time_unix: i64,
}

/// A certificate read by [`read_certificate`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertInfo {
    /// SHA-256 of the certificate's DER encoding.
    pub fingerprint: [u8; 32],
    /// The certificate's subject, RFC 4514 (most specific first).
    pub subject: String,
    /// The certificate's issuer, RFC 4514.
    pub issuer: String,
    /// The certificate's serial number, lower-case hex.
    pub serial_hex: String,
    /// Start of the certificate's validity, Unix seconds.
    pub not_before_unix: i64,
    /// End of the certificate's validity, Unix seconds.
    pub not_after_unix: i64,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

/// Which kind of algorithm an [`SignatureError::UnsupportedAlgorithm`] names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlgorithmKind {
    /// `SignedInfo/SignatureMethod`.
    Signature,
    /// A reference's `DigestMethod`.
    Digest,
    /// `SignedInfo/CanonicalizationMethod`.
    Canonicalization,
    /// The `DigestMethod` of a `SigningCertificate(V2)` certificate digest.
    CertificateDigest,
}

impl AlgorithmKind {
    fn zh(self) -> &'static str {
        match self {
            Self::Signature => "签名算法",
            Self::Digest => "摘要算法",
            Self::Canonicalization => "规范化算法",
            Self::CertificateDigest => "证书摘要算法",
        }
    }
    fn en(self) -> &'static str {
        match self {
            Self::Signature => "signature method",
            Self::Digest => "digest method",
            Self::Canonicalization => "canonicalization method",
            Self::CertificateDigest => "certificate digest method",
        }
    }
    fn supported(self) -> &'static str {
        match self {
            Self::Signature => {
                "ECDSA (P-256/P-384/P-521), RSA PKCS#1 v1.5 or RSA-PSS (MGF1) with SHA-256/384/512"
            }
            Self::Digest | Self::CertificateDigest => "SHA-256, SHA-384, SHA-512",
            Self::Canonicalization => "C14N 1.0, C14N 1.1, exclusive C14N (± comments)",
        }
    }
}

/// What a signature reference points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceTarget {
    /// `URI=""`: the whole document less the signature.
    Document,
    /// This signature's XAdES `SignedProperties`.
    SignedProperties,
    /// This signature's own `KeyInfo`.
    KeyInfo,
}

/// Why a signed DCC is refused. Each message is Chinese, then English, and says what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum SignatureError {
    /// The file is over [`MAX_DCC_BYTES`].
    #[error(
        "文件过大（{size} 字节，上限 {max} 字节），不予验证 / the file is too large ({size} bytes, at most {max}): it is not verified"
    )]
    TooLarge {
        /// The file's size, in bytes.
        size: usize,
        /// The largest size accepted, in bytes.
        max: usize,
    },

    /// The file is not UTF-8 or not well-formed XML.
    #[error(
        "文件不是格式正确的 XML（{detail}）：请提供实验室签发的原始 DCC 文件 / the file is not well-formed XML ({detail}): provide the DCC file exactly as the lab issued it"
    )]
    Malformed {
        /// The parser's account of the fault.
        detail: String,
    },

    /// A signed file has a DOCTYPE (entities could change what is signed).
    #[error(
        "文件含 DOCTYPE 声明，签名的 DCC 不允许使用 DTD：请提供实验室签发的原始文件 / the file has a DOCTYPE declaration, which a signed DCC must not have: provide the file exactly as the lab issued it"
    )]
    DoctypeNotAllowed,

    /// More than one `ds:Signature` in the file.
    #[error(
        "文件含 {count} 个 ds:Signature，只支持一个包络签名：请提供只带实验室签名的文件 / the file has {count} ds:Signature elements, but only one enveloped signature is supported: anchor a file that carries only the lab's signature"
    )]
    MultipleSignatures {
        /// How many `ds:Signature` elements the file has.
        count: usize,
    },

    /// The `ds:Signature` is not the root element's last child.
    #[error(
        "ds:Signature 不是根元素的最后一个子元素（包络签名应在此处），文件结构可能被改动：请使用实验室签名的原始文件 / the ds:Signature is not the last child of the root element, where an enveloped signature lives; the file may have been rearranged: use the file exactly as the lab signed it"
    )]
    SignatureMisplaced,

    /// A required element of the signature is absent.
    #[error(
        "签名缺少 {element}，签名不完整：请让实验室重新签名 / the signature has no {element}: it is incomplete; have the file signed again"
    )]
    MissingElement {
        /// The missing element, e.g. `ds:SignedInfo`.
        element: &'static str,
    },

    /// The signature's elements break a XAdES structure rule.
    #[error(
        "签名结构不符合 XAdES：{zh} / the signature is not a well-formed XAdES signature: {en}; have the file signed again with a XAdES signer"
    )]
    Structure {
        /// The broken rule, in Chinese.
        zh: String,
        /// The broken rule, in English.
        en: String,
    },

    /// An algorithm outside the supported set.
    #[error(
        "不支持的{}：{uri}（支持：{}）：请让实验室用支持的算法重新签名 / unsupported {} {uri} (supported: {}): have the file signed again with a supported algorithm",
        kind.zh(), kind.supported(), kind.en(), kind.supported()
    )]
    UnsupportedAlgorithm {
        /// Where the algorithm is named.
        kind: AlgorithmKind,
        /// The algorithm's URI.
        uri: String,
    },

    /// A reference's transform other than enveloped-signature and C14N.
    #[error(
        "引用 {reference} 使用了不支持的变换 {uri}（只允许 enveloped-signature 和 C14N）：请让实验室按常规 XAdES 方式重新签名 / reference {reference} uses the transform {uri}, which is not supported (only enveloped-signature and C14N are): have the file signed again the usual XAdES way"
    )]
    UnsupportedTransform {
        /// The reference, as `URI="…"` with its `Id` where it has one.
        reference: String,
        /// The transform's URI.
        uri: String,
    },

    /// A reference to something other than the document, its own `SignedProperties` or
    /// `KeyInfo`: a possible signature-wrapping attack.
    #[error(
        "签名引用 {reference} 既不指向整个文件，也不指向本签名自己的 SignedProperties（{zh}），可能是签名包装攻击：文件被拒绝 / the signature's reference {reference} points neither at the whole document nor at this signature's own SignedProperties ({en}); this may be a signature-wrapping attack: the file is refused"
    )]
    ReferenceNotAllowed {
        /// The reference, as `URI="…"` with its `Id` where it has one.
        reference: String,
        /// Why it is not allowed, in Chinese.
        zh: &'static str,
        /// Why it is not allowed, in English.
        en: &'static str,
    },

    /// No reference `URI=""` with the enveloped-signature transform.
    #[error(
        "签名没有覆盖整个文件：缺少 URI=\"\" 且带 enveloped-signature 变换的引用：请让实验室对整个文件做包络签名 / the signature does not cover the whole document: it has no reference URI=\"\" with the enveloped-signature transform; have the lab sign the whole file with an enveloped signature"
    )]
    DocumentReferenceMissing,

    /// No reference to this signature's XAdES `SignedProperties`.
    #[error(
        "签名没有签署 XAdES SignedProperties（签名时间和签名证书）：请让实验室用 XAdES 重新签名 / the signature does not sign its XAdES SignedProperties (signing time and signing certificate): have the file signed again with XAdES"
    )]
    SignedPropertiesReferenceMissing,

    /// A reference's digest does not match what it points at.
    #[error("{}", digest_mismatch_message(reference, *target))]
    DigestMismatch {
        /// The reference, as `URI="…"` with its `Id` where it has one.
        reference: String,
        /// What the reference points at.
        target: ReferenceTarget,
    },

    /// The signature value does not verify with the `KeyInfo` certificate's key.
    #[error(
        "签名无效：签名值与 KeyInfo 中证书的公钥不符（签名或证书被改动）：请锚定实验室签名的原始文件，或让其重新签名 / the signature value does not verify with the public key of the certificate in KeyInfo (the signature or the certificate was altered): anchor the file exactly as signed, or have it signed again"
    )]
    SignatureValueInvalid,

    /// `KeyInfo` holds no `ds:X509Certificate`.
    #[error(
        "签名的 KeyInfo 中没有签名者证书（ds:X509Certificate）：请让实验室签名时附上其证书 / the signature's KeyInfo holds no signer certificate (ds:X509Certificate): have the lab sign with its certificate included"
    )]
    NoCertificate,

    /// A `KeyInfo` certificate is not a readable, canonical X.509 certificate.
    #[error(
        "KeyInfo 中的证书无法读取（{detail}）：请让实验室重新签名 / a certificate in KeyInfo cannot be read ({detail}): have the file signed again"
    )]
    CertificateUnreadable {
        /// The decoder's account of the fault.
        detail: String,
    },

    /// The signing certificate's key is of a kind or size not supported.
    #[error(
        "签名证书的公钥不受支持（{detail}；支持 ECDSA P-256/P-384/P-521 和至少 2048 位的 RSA）：请让实验室用受支持的密钥签名 / the signing certificate's public key is not supported ({detail}; ECDSA P-256/P-384/P-521 and RSA of at least 2048 bits are): have the lab sign with a supported key"
    )]
    UnsupportedKey {
        /// The key found, e.g. `RSA key of 1024 bits`.
        detail: String,
    },

    /// The signature method is for another kind of key than the certificate's.
    #[error(
        "签名算法 {method} 与签名证书的 {key} 公钥不匹配：请让实验室重新签名 / the signature method {method} does not fit the signing certificate's {key} key: have the file signed again"
    )]
    KeyAlgorithmMismatch {
        /// The `SignatureMethod` URI.
        method: String,
        /// The certificate's key kind: `ECDSA` or `RSA`.
        key: &'static str,
    },

    /// The `SignedProperties` carry no `SigningCertificate(V2)` digest.
    #[error(
        "XAdES SignedProperties 中缺少 SigningCertificateV2 或 SigningCertificate：无法确认签名者证书，请让实验室用 XAdES 重新签名 / the XAdES SignedProperties have no SigningCertificateV2 or SigningCertificate, so the signer's certificate is not bound to the signature: have the file signed again with XAdES"
    )]
    SigningCertificateMissing,

    /// No `SigningCertificate(V2)` digest names the `KeyInfo` certificate.
    #[error(
        "XAdES SigningCertificate(V2) 的证书摘要与 KeyInfo 中的证书不符（证书被替换）：文件被拒绝，请让实验室重新签名 / the certificate digest in XAdES SigningCertificate(V2) does not name the certificate in KeyInfo (the certificate was replaced): the file is refused; have it signed again"
    )]
    SigningCertificateMismatch,

    /// The `SignedProperties` carry no `SigningTime`.
    #[error(
        "XAdES SignedProperties 中缺少 SigningTime：无法确认签名时证书有效，请让实验室用 XAdES 重新签名 / the XAdES SignedProperties have no SigningTime, so the certificate's validity at signing cannot be checked: have the file signed again with XAdES"
    )]
    SigningTimeMissing,

    /// The `SigningTime` is not an `xsd:dateTime` with a time zone.
    #[error(
        "XAdES SigningTime “{value}” 不是带时区的 xsd:dateTime：请让实验室重新签名 / the XAdES SigningTime \"{value}\" is not an xsd:dateTime with a time zone: have the file signed again"
    )]
    SigningTimeInvalid {
        /// The `SigningTime` as written.
        value: String,
    },

    /// The `SigningTime` lies outside the signing certificate's validity.
    #[error(
        "签名时间 {signing_time} 不在签名证书的有效期 {not_before} 至 {not_after} 之内：文件被拒绝，请让实验室用有效证书重新签名 / the signing time {signing_time} lies outside the signing certificate's validity, {not_before} to {not_after}: the file is refused; have it signed again with a valid certificate"
    )]
    SigningTimeOutsideValidity {
        /// The `SigningTime` as written (trimmed).
        signing_time: String,
        /// Start of the certificate's validity, `YYYY-MM-DDThh:mm:ssZ`.
        not_before: String,
        /// End of the certificate's validity, `YYYY-MM-DDThh:mm:ssZ`.
        not_after: String,
    },

    /// bergshamra refused for a reason not classified above (or did not check what was read).
    #[error(
        "签名无法验证（{detail}）：请锚定实验室签名的原始文件，或让其重新签名 / the signature could not be verified ({detail}): anchor the file exactly as signed, or have it signed again"
    )]
    Verifier {
        /// The verifier's account of the failure.
        detail: String,
    },
}

fn digest_mismatch_message(reference: &str, target: ReferenceTarget) -> String {
    match target {
        ReferenceTarget::Document => format!(
            "签名无效：引用 {reference} 的摘要与文件内容不符（文件在签名后被修改）：请锚定实验室签名的原始文件，或让其重新签名 / the digest of reference {reference} does not match: the file was changed after signing; anchor the file exactly as signed, or have it signed again"
        ),
        ReferenceTarget::SignedProperties => format!(
            "签名无效：引用 {reference} 的摘要与 XAdES SignedProperties 不符（签名时间或签名证书在签名后被修改）：请锚定实验室签名的原始文件，或让其重新签名 / the digest of reference {reference} does not match the XAdES SignedProperties: the signing time or signing certificate was changed after signing; anchor the file exactly as signed, or have it signed again"
        ),
        ReferenceTarget::KeyInfo => format!(
            "签名无效：引用 {reference} 的摘要与 KeyInfo 不符（证书在签名后被修改）：请锚定实验室签名的原始文件，或让其重新签名 / the digest of reference {reference} does not match the KeyInfo: the certificate was changed after signing; anchor the file exactly as signed, or have it signed again"
        ),
    }
}

/// Why [`read_certificate`] could not read a certificate file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CertError {
    /// The file is empty.
    #[error("证书文件为空 / the certificate file is empty")]
    Empty,
    /// The file is over [`MAX_CERTIFICATE_FILE_BYTES`].
    #[error(
        "证书文件过大（{size} 字节，上限 {max} 字节）/ the certificate file is too large ({size} bytes, at most {max})"
    )]
    TooLarge {
        /// The file's size, in bytes.
        size: usize,
        /// The largest size accepted, in bytes.
        max: usize,
    },
    /// The file is PEM, but of something else (a key, a request).
    #[error(
        "文件不是证书（找到的是 PEM “{label}”）：请提供实验室的 X.509 证书（PEM 或 DER）/ the file is not a certificate (it holds PEM \"{label}\"): give the lab's X.509 certificate, PEM or DER"
    )]
    NotACertificate {
        /// The PEM label found, e.g. `PRIVATE KEY`.
        label: String,
    },
    /// The file holds a chain, not one certificate.
    #[error(
        "文件含 {count} 个证书：请只提供签名者自己的证书 / the file holds {count} certificates: give only the signer's own certificate"
    )]
    MultipleCertificates {
        /// How many PEM certificates the file holds.
        count: usize,
    },
    /// The PEM block is cut off or not base64.
    #[error(
        "PEM 证书无法解码（{detail}）：请提供完整的 PEM 或 DER 证书文件 / the PEM certificate cannot be decoded ({detail}): give a complete PEM or DER certificate file"
    )]
    Pem {
        /// The decoder's account of the fault.
        detail: String,
    },
    /// The bytes are not a canonical DER X.509 certificate.
    #[error(
        "不是有效的 X.509 证书（{detail}）：请提供实验室的 X.509 证书（PEM 或 DER）/ not a valid X.509 certificate ({detail}): give the lab's X.509 certificate, PEM or DER"
    )]
    Der {
        /// The decoder's account of the fault.
        detail: String,
    },
}

/// Verifies the enveloped XAdES signature of a DCC (at most [`MAX_DCC_BYTES`] bytes).
///
/// `Ok(Unsigned)`: the document has no `ds:Signature` at all. `Ok(Signed)`: every check of
/// the module documentation passed; the caller still checks that the lab registered
/// [`Signer::fingerprint`]. Any other case is an error naming the failed check.
pub fn verify_dcc_signature(xml: &[u8]) -> Result<DccSignature, SignatureError> {
    if xml.len() > MAX_DCC_BYTES {
        return Err(SignatureError::TooLarge {
            size: xml.len(),
            max: MAX_DCC_BYTES,
        });
    }
    let xml = xml.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(xml);
    let text = std::str::from_utf8(xml).map_err(|e| SignatureError::Malformed {
        detail: format!("not UTF-8: {e}"),
    })?;
    let doc = uppsala::parse(text).map_err(|e| SignatureError::Malformed {
        detail: e.to_string(),
    })?;
    let Some(sig) = structure::the_signature(&doc)? else {
        return Ok(DccSignature::Unsigned);
    };

    let parts = structure::read_structure(&doc, sig)?;
    let signer_der = select_signer_certificate(&parts)?;
    let signer_cert = cert::parse_certificate(&signer_der)
        .map_err(|detail| SignatureError::CertificateUnreadable { detail })?;
    xmldsig::check_key_fits_method(&signer_cert, &parts.signature_method)?;

    xmldsig::run_xmldsig(&doc, text, sig, &parts, &signer_der)?;

    // From here on, the SignedProperties are authenticated: bergshamra digested the very node
    // of this tree that `read_structure` read them from (checked in `run_xmldsig`), under a
    // verified signature value.
    if !parts.cert_digests.iter().any(|d| d.matches(&signer_der)) {
        return Err(SignatureError::SigningCertificateMismatch);
    }
    let info = cert::cert_info(&signer_cert, signer_der)
        .map_err(|detail| SignatureError::CertificateUnreadable { detail })?;
    let signing_time_unix = time::signing_time_within_validity(&parts.signing_time, &info)?;
    Ok(DccSignature::Signed(Signer {
        certificate: info,
        signing_time_unix,
    }))
}

/// Reads a certificate file given by a user: PEM (one `CERTIFICATE` block; line length and
/// surrounding text are not checked) or DER.
pub fn read_certificate(bytes: &[u8]) -> Result<CertInfo, CertError> {
    if bytes.is_empty() {
        return Err(CertError::Empty);
    }
    if bytes.len() > MAX_CERTIFICATE_FILE_BYTES {
        return Err(CertError::TooLarge {
            size: bytes.len(),
            max: MAX_CERTIFICATE_FILE_BYTES,
        });
    }
    // A DER certificate is a SEQUENCE; PEM starts with text.
    let der = if bytes.first() == Some(&0x30) {
        bytes.to_vec()
    } else {
        cert::decode_pem_certificate(bytes)?
    };
    let parsed = cert::parse_certificate(&der).map_err(|detail| CertError::Der { detail })?;
    cert::cert_info(&parsed, der).map_err(|detail| CertError::Der { detail })
}

/// The certificate whose key must verify the signature: the only one in `KeyInfo`, or, of
/// several, the one `SigningCertificate(V2)` names (checked again once it is authenticated).
fn select_signer_certificate(parts: &Parts) -> Result<Vec<u8>, SignatureError> {
    match parts.keyinfo_certificates.as_slice() {
        [] => Err(SignatureError::NoCertificate),
        [one] => Ok(one.clone()),
        several => several
            .iter()
            .find(|der| parts.cert_digests.iter().any(|d| d.matches(der)))
            .cloned()
            .ok_or(SignatureError::SigningCertificateMismatch),
    }
}
