//! The signature's structure, read before any cryptography: where it sits, its `SignedInfo`
//! algorithms, its own XAdES `SignedProperties`, its `KeyInfo` certificates, and the signing
//! time and certificate digests it claims (trusted only once bergshamra has verified them).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest as _, Sha256, Sha384, Sha512};
use uppsala::{Document, NodeId, NodeKind};

use super::references::{self, Reference};
use super::xmldsig::signature_method_key;
use super::{AlgorithmKind, SignatureError};

const MAX_KEYINFO_CERTIFICATES: usize = 8;
const MAX_CERT_ENTRIES: usize = 16;

pub(super) const DSIG: &str = "http://www.w3.org/2000/09/xmldsig#";
const XADES: &str = "http://uri.etsi.org/01903/v1.3.2#";

/// The canonicalizations allowed for `SignedInfo` and as reference transforms.
pub(super) const C14N: [&str; 6] = [
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
];

/// What this module reads from the signature before any cryptography.
pub(super) struct Parts {
    pub(super) signature_method: String,
    pub(super) references: Vec<Reference>,
    pub(super) keyinfo_certificates: Vec<Vec<u8>>,
    pub(super) cert_digests: Vec<CertDigest>,
    pub(super) signing_time: String,
}

/// One `SigningCertificate(V2)` certificate digest.
pub(super) struct CertDigest {
    algorithm: DigestAlg,
    value: Vec<u8>,
}

impl CertDigest {
    pub(super) fn matches(&self, der: &[u8]) -> bool {
        self.algorithm.digest(der) == self.value
    }
}

#[derive(Clone, Copy)]
pub(super) enum DigestAlg {
    Sha256,
    Sha384,
    Sha512,
}

impl DigestAlg {
    pub(super) fn from_uri(uri: &str) -> Option<Self> {
        match uri {
            "http://www.w3.org/2001/04/xmlenc#sha256" => Some(Self::Sha256),
            "http://www.w3.org/2001/04/xmldsig-more#sha384" => Some(Self::Sha384),
            "http://www.w3.org/2001/04/xmlenc#sha512" => Some(Self::Sha512),
            _ => None,
        }
    }
    fn digest(self, data: &[u8]) -> Vec<u8> {
        match self {
            Self::Sha256 => Sha256::digest(data).to_vec(),
            Self::Sha384 => Sha384::digest(data).to_vec(),
            Self::Sha512 => Sha512::digest(data).to_vec(),
        }
    }
}

/// A [`SignatureError::Structure`] with its Chinese and English text.
pub(super) fn structure(zh: impl Into<String>, en: impl Into<String>) -> SignatureError {
    SignatureError::Structure {
        zh: zh.into(),
        en: en.into(),
    }
}

/// The document's one `ds:Signature`, or `None` when it has none. A signed document must have
/// no DOCTYPE and its signature must be the root's last child; an unsigned one is just
/// unsigned, DOCTYPE or not.
pub(super) fn the_signature(doc: &Document<'_>) -> Result<Option<NodeId>, SignatureError> {
    let signatures = doc.get_elements_by_tag_name_ns(DSIG, "Signature");
    let sig = match signatures.as_slice() {
        [] => return Ok(None),
        [one] => *one,
        more => return Err(SignatureError::MultipleSignatures { count: more.len() }),
    };
    if doc.doctype.is_some() {
        return Err(SignatureError::DoctypeNotAllowed);
    }
    check_placement(doc, sig)?;
    Ok(Some(sig))
}

/// The signature must be the root element's last child (only whitespace may follow it).
fn check_placement(doc: &Document<'_>, sig: NodeId) -> Result<(), SignatureError> {
    let root = doc.document_element();
    if root.is_none() || doc.parent(sig) != root {
        return Err(SignatureError::SignatureMisplaced);
    }
    let mut next = doc.next_sibling(sig);
    while let Some(n) = next {
        match doc.node_kind(n) {
            Some(NodeKind::Text(t)) if t.trim().is_empty() => {}
            _ => return Err(SignatureError::SignatureMisplaced),
        }
        next = doc.next_sibling(n);
    }
    Ok(())
}

/// Reads the signature's structure, in this order (so that a file breaking several rules
/// always gets the same error): its three required children, the `SignedInfo` algorithms, its
/// own `SignedProperties`, the references, the `KeyInfo` certificates, then the signed
/// signature properties.
pub(super) fn read_structure(doc: &Document<'_>, sig: NodeId) -> Result<Parts, SignatureError> {
    let signed_info = one_child(doc, sig, DSIG, "SignedInfo", "ds:SignedInfo")?;
    one_child(doc, sig, DSIG, "SignatureValue", "ds:SignatureValue")?;
    let key_info = one_child(doc, sig, DSIG, "KeyInfo", "ds:KeyInfo")?;
    let signature_method = read_signed_info_methods(doc, signed_info)?;
    let (signed_properties, sp_id) = own_signed_properties(doc, sig)?;
    let references =
        references::read_references(doc, signed_info, signed_properties, key_info, sp_id)?;
    let keyinfo_certificates = read_keyinfo_certificates(doc, key_info)?;
    let (signing_time, cert_digests) = read_signed_signature_properties(doc, signed_properties)?;
    Ok(Parts {
        signature_method,
        references,
        keyinfo_certificates,
        cert_digests,
        signing_time,
    })
}

/// `SignedInfo`'s canonicalization and signature methods, both supported, the latter without
/// parameters (HMAC output lengths and the like have no place in a lab's signature).
fn read_signed_info_methods(
    doc: &Document<'_>,
    signed_info: NodeId,
) -> Result<String, SignatureError> {
    let c14n_method = one_child(
        doc,
        signed_info,
        DSIG,
        "CanonicalizationMethod",
        "ds:CanonicalizationMethod",
    )?;
    let c14n = algorithm(doc, c14n_method, "ds:CanonicalizationMethod")?;
    if !C14N.contains(&c14n.as_str()) {
        return Err(SignatureError::UnsupportedAlgorithm {
            kind: AlgorithmKind::Canonicalization,
            uri: c14n,
        });
    }
    let method_node = one_child(
        doc,
        signed_info,
        DSIG,
        "SignatureMethod",
        "ds:SignatureMethod",
    )?;
    let signature_method = algorithm(doc, method_node, "ds:SignatureMethod")?;
    if signature_method_key(&signature_method).is_none() {
        return Err(SignatureError::UnsupportedAlgorithm {
            kind: AlgorithmKind::Signature,
            uri: signature_method,
        });
    }
    if child_elements(doc, method_node).next().is_some() {
        return Err(structure(
            "ds:SignatureMethod 不应含参数",
            "ds:SignatureMethod must not carry parameters",
        ));
    }
    Ok(signature_method)
}

/// This signature's own XAdES `SignedProperties` and their `Id`: inside the one
/// `ds:Object/xades:QualifyingProperties` whose `Target` names this signature, so that
/// properties belonging to another signature are not taken for its own.
fn own_signed_properties<'d>(
    doc: &'d Document<'_>,
    sig: NodeId,
) -> Result<(NodeId, &'d str), SignatureError> {
    let sig_id = attribute(doc, sig, "Id").ok_or_else(|| {
        structure(
            "ds:Signature 缺少 Id 属性（XAdES 的 QualifyingProperties/@Target 要指向它）",
            "ds:Signature has no Id attribute (XAdES QualifyingProperties/@Target must point at it)",
        )
    })?;
    let mut qualifying = Vec::new();
    for object in children_named(doc, sig, DSIG, "Object") {
        qualifying.extend(children_named(doc, object, XADES, "QualifyingProperties"));
    }
    let qualifying = match qualifying.as_slice() {
        [] => {
            return Err(SignatureError::MissingElement {
                element: "ds:Object/xades:QualifyingProperties (XAdES 1.3.2)",
            });
        }
        [one] => *one,
        _ => {
            return Err(structure(
                "签名含多个 xades:QualifyingProperties",
                "the signature has more than one xades:QualifyingProperties",
            ));
        }
    };
    if attribute(doc, qualifying, "Target") != Some(&format!("#{sig_id}")) {
        return Err(structure(
            format!("xades:QualifyingProperties/@Target 不是 \"#{sig_id}\"（不属于本签名）"),
            format!(
                "xades:QualifyingProperties/@Target is not \"#{sig_id}\" (it does not belong to this signature)"
            ),
        ));
    }
    let signed_properties = one_child(
        doc,
        qualifying,
        XADES,
        "SignedProperties",
        "xades:SignedProperties",
    )?;
    let sp_id = attribute(doc, signed_properties, "Id").ok_or_else(|| {
        structure(
            "xades:SignedProperties 缺少 Id 属性",
            "xades:SignedProperties has no Id attribute",
        )
    })?;
    Ok((signed_properties, sp_id))
}

/// The DER of every `KeyInfo/X509Data/X509Certificate`, at most [`MAX_KEYINFO_CERTIFICATES`].
fn read_keyinfo_certificates(
    doc: &Document<'_>,
    key_info: NodeId,
) -> Result<Vec<Vec<u8>>, SignatureError> {
    let mut keyinfo_certificates = Vec::new();
    for data in children_named(doc, key_info, DSIG, "X509Data") {
        for c in children_named(doc, data, DSIG, "X509Certificate") {
            if keyinfo_certificates.len() == MAX_KEYINFO_CERTIFICATES {
                return Err(structure(
                    format!("KeyInfo 含超过 {MAX_KEYINFO_CERTIFICATES} 个证书"),
                    format!("the KeyInfo holds more than {MAX_KEYINFO_CERTIFICATES} certificates"),
                ));
            }
            let text = leaf_text(doc, c, "ds:X509Certificate")?;
            keyinfo_certificates.push(decode_base64(&text, "ds:X509Certificate")?);
        }
    }
    Ok(keyinfo_certificates)
}

/// `SignedSignatureProperties`: the one `SigningTime` (as written) and the certificate
/// digests of `SigningCertificateV2` and `SigningCertificate` (at least one).
fn read_signed_signature_properties(
    doc: &Document<'_>,
    signed_properties: NodeId,
) -> Result<(String, Vec<CertDigest>), SignatureError> {
    let ssp = one_child(
        doc,
        signed_properties,
        XADES,
        "SignedSignatureProperties",
        "xades:SignedSignatureProperties",
    )?;
    let signing_time = match children_named(doc, ssp, XADES, "SigningTime").as_slice() {
        [] => return Err(SignatureError::SigningTimeMissing),
        [one] => leaf_text(doc, *one, "xades:SigningTime")?,
        _ => {
            return Err(structure(
                "xades:SigningTime 出现了多次",
                "xades:SigningTime occurs more than once",
            ));
        }
    };
    let mut cert_digests = Vec::new();
    let mut signing_certificate_seen = false;
    for name in ["SigningCertificateV2", "SigningCertificate"] {
        for sc in children_named(doc, ssp, XADES, name) {
            signing_certificate_seen = true;
            for cert in children_named(doc, sc, XADES, "Cert") {
                if cert_digests.len() == MAX_CERT_ENTRIES {
                    return Err(structure(
                        format!("SigningCertificate(V2) 含超过 {MAX_CERT_ENTRIES} 个 Cert"),
                        format!(
                            "SigningCertificate(V2) has more than {MAX_CERT_ENTRIES} Cert entries"
                        ),
                    ));
                }
                cert_digests.push(read_cert_digest(doc, cert)?);
            }
        }
    }
    if !signing_certificate_seen || cert_digests.is_empty() {
        return Err(SignatureError::SigningCertificateMissing);
    }
    Ok((signing_time, cert_digests))
}

/// One `xades:Cert`'s `CertDigest`: a supported digest method and its value.
fn read_cert_digest(doc: &Document<'_>, cert: NodeId) -> Result<CertDigest, SignatureError> {
    let cd = one_child(
        doc,
        cert,
        XADES,
        "CertDigest",
        "xades:Cert/xades:CertDigest",
    )?;
    let dm = one_child(
        doc,
        cd,
        DSIG,
        "DigestMethod",
        "xades:CertDigest/ds:DigestMethod",
    )?;
    let uri = algorithm(doc, dm, "ds:DigestMethod")?;
    let alg = DigestAlg::from_uri(&uri).ok_or(SignatureError::UnsupportedAlgorithm {
        kind: AlgorithmKind::CertificateDigest,
        uri,
    })?;
    let dv = one_child(
        doc,
        cd,
        DSIG,
        "DigestValue",
        "xades:CertDigest/ds:DigestValue",
    )?;
    let value = decode_base64(&leaf_text(doc, dv, "ds:DigestValue")?, "ds:DigestValue")?;
    Ok(CertDigest {
        algorithm: alg,
        value,
    })
}

// ---------------------------------------------------------------------------------------------
// Reading the tree

fn is_element(doc: &Document<'_>, id: NodeId, ns: &str, local: &str) -> bool {
    doc.element(id)
        .is_some_and(|e| e.matches_name_ns(ns, local))
}

fn child_elements<'d>(doc: &'d Document<'_>, id: NodeId) -> impl Iterator<Item = NodeId> + 'd {
    doc.children_iter(id)
        .filter(move |&c| matches!(doc.node_kind(c), Some(NodeKind::Element(_))))
}

pub(super) fn children_named(doc: &Document<'_>, id: NodeId, ns: &str, local: &str) -> Vec<NodeId> {
    child_elements(doc, id)
        .filter(|&c| is_element(doc, c, ns, local))
        .collect()
}

/// Exactly one child `ns:local` of `id`; `element` names it in the error.
pub(super) fn one_child(
    doc: &Document<'_>,
    id: NodeId,
    ns: &str,
    local: &str,
    element: &'static str,
) -> Result<NodeId, SignatureError> {
    match children_named(doc, id, ns, local).as_slice() {
        [] => Err(SignatureError::MissingElement { element }),
        [one] => Ok(*one),
        _ => Err(structure(
            format!("{element} 出现了多次"),
            format!("{element} occurs more than once"),
        )),
    }
}

/// An attribute without a namespace (`Id`, `URI`, `Algorithm`, `Target`).
pub(super) fn attribute<'d>(doc: &'d Document<'_>, id: NodeId, local: &str) -> Option<&'d str> {
    doc.element(id).and_then(|e| {
        e.attributes
            .iter()
            .find(|a| a.name.namespace_uri.is_none() && *a.name.local_name == *local)
            .map(|a| &*a.value)
    })
}

/// The `Algorithm` attribute `element` must have.
pub(super) fn algorithm(
    doc: &Document<'_>,
    id: NodeId,
    element: &'static str,
) -> Result<String, SignatureError> {
    attribute(doc, id, "Algorithm")
        .map(str::to_owned)
        .ok_or_else(|| {
            structure(
                format!("{element} 缺少 Algorithm 属性"),
                format!("{element} has no Algorithm attribute"),
            )
        })
}

/// The character content of a leaf element (text and CDATA; comments skipped).
fn leaf_text(
    doc: &Document<'_>,
    id: NodeId,
    element: &'static str,
) -> Result<String, SignatureError> {
    let mut out = String::new();
    for c in doc.children_iter(id) {
        match doc.node_kind(c) {
            Some(NodeKind::Text(t)) | Some(NodeKind::CData(t)) => out.push_str(t),
            Some(NodeKind::Element(_)) => {
                return Err(structure(
                    format!("{element} 不应含子元素"),
                    format!("{element} must not have child elements"),
                ));
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Base64 content, line breaks and other whitespace allowed (signers wrap it).
fn decode_base64(text: &str, element: &'static str) -> Result<Vec<u8>, SignatureError> {
    let compact: String = text.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    BASE64.decode(compact.as_bytes()).map_err(|e| {
        structure(
            format!("{element} 不是有效的 Base64（{e}）"),
            format!("{element} is not valid base64 ({e})"),
        )
    })
}
