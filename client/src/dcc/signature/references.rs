//! The signature's references and the rules against signature wrapping: one `URI=""` over the
//! whole document, one `#Id` to this signature's own `SignedProperties`, at most one to its own
//! `KeyInfo`, each resolving to exactly one element, and nothing else.

use std::collections::BTreeMap;

use uppsala::{Document, NodeId};

use super::structure::{
    C14N, DSIG, DigestAlg, algorithm, attribute, children_named, one_child, structure,
};
use super::{AlgorithmKind, ReferenceTarget, SignatureError};

const MAX_REFERENCES: usize = 3;
const MAX_TRANSFORMS: usize = 2;

const ENVELOPED: &str = "http://www.w3.org/2000/09/xmldsig#enveloped-signature";

/// A reference as read, and the node it must resolve to when bergshamra verifies it.
pub(super) struct Reference {
    pub(super) uri: String,
    /// `URI="…"`, with the reference's `Id` where it has one: how errors name it.
    pub(super) label: String,
    pub(super) target: ReferenceTarget,
    /// The element a `#id` reference must resolve to.
    pub(super) node: Option<NodeId>,
}

/// The elements a reference may name: this signature's own.
struct Allowed {
    signed_properties: NodeId,
    key_info: NodeId,
}

/// Every `SignedInfo/Reference`, each allowed, then their counts: exactly one over the
/// document, exactly one over the `SignedProperties` (`sp_id` names them in the error), at
/// most one over the `KeyInfo`.
pub(super) fn read_references(
    doc: &Document<'_>,
    signed_info: NodeId,
    signed_properties: NodeId,
    key_info: NodeId,
    sp_id: &str,
) -> Result<Vec<Reference>, SignatureError> {
    let reference_nodes = children_named(doc, signed_info, DSIG, "Reference");
    if reference_nodes.is_empty() {
        return Err(SignatureError::MissingElement {
            element: "ds:Reference",
        });
    }
    if reference_nodes.len() > MAX_REFERENCES {
        return Err(structure(
            format!(
                "签名含 {} 个引用（最多 {MAX_REFERENCES} 个）",
                reference_nodes.len()
            ),
            format!(
                "the signature has {} references (at most {MAX_REFERENCES})",
                reference_nodes.len()
            ),
        ));
    }
    let fragment_ids: Vec<&str> = reference_nodes
        .iter()
        .filter_map(|&r| attribute(doc, r, "URI"))
        .filter_map(|u| u.strip_prefix('#'))
        .collect();
    let ids = elements_with_ids(doc, &fragment_ids);
    let allowed = Allowed {
        signed_properties,
        key_info,
    };
    let mut references = Vec::with_capacity(reference_nodes.len());
    for &r in &reference_nodes {
        references.push(read_reference(doc, r, &ids, &allowed)?);
    }
    check_reference_counts(&references, sp_id)?;
    Ok(references)
}

/// One reference: its URI, a supported digest method, a digest value, at most
/// [`MAX_TRANSFORMS`] transforms, and what it points at.
fn read_reference(
    doc: &Document<'_>,
    r: NodeId,
    ids: &BTreeMap<String, Vec<NodeId>>,
    allowed: &Allowed,
) -> Result<Reference, SignatureError> {
    let uri = attribute(doc, r, "URI").ok_or_else(|| {
        structure(
            "ds:Reference 缺少 URI 属性",
            "a ds:Reference has no URI attribute",
        )
    })?;
    let label = reference_label(uri, attribute(doc, r, "Id"));
    let digest_node = one_child(doc, r, DSIG, "DigestMethod", "ds:Reference/ds:DigestMethod")?;
    let digest = algorithm(doc, digest_node, "ds:DigestMethod")?;
    if DigestAlg::from_uri(&digest).is_none() {
        return Err(SignatureError::UnsupportedAlgorithm {
            kind: AlgorithmKind::Digest,
            uri: digest,
        });
    }
    one_child(doc, r, DSIG, "DigestValue", "ds:Reference/ds:DigestValue")?;
    let transform_uris = read_transforms(doc, r, &label)?;
    let (target, node) = if uri.is_empty() {
        check_document_transforms(&label, &transform_uris)?;
        (ReferenceTarget::Document, None)
    } else if let Some(id) = uri.strip_prefix('#') {
        let (target, node) = fragment_target(&label, id, &transform_uris, ids, allowed)?;
        (target, Some(node))
    } else {
        return Err(SignatureError::ReferenceNotAllowed {
            reference: label,
            zh: "只允许 URI=\"\" 和 URI=\"#Id\"",
            en: "only URI=\"\" and URI=\"#Id\" are allowed",
        });
    };
    Ok(Reference {
        uri: uri.to_owned(),
        label,
        target,
        node,
    })
}

/// The `Algorithm` of each of the reference's transforms, in order.
fn read_transforms(
    doc: &Document<'_>,
    r: NodeId,
    label: &str,
) -> Result<Vec<String>, SignatureError> {
    let transforms = match children_named(doc, r, DSIG, "Transforms").as_slice() {
        [] => Vec::new(),
        [t] => children_named(doc, *t, DSIG, "Transform"),
        _ => {
            return Err(structure(
                format!("引用 {label} 含多个 ds:Transforms"),
                format!("reference {label} has more than one ds:Transforms"),
            ));
        }
    };
    if transforms.len() > MAX_TRANSFORMS {
        return Err(structure(
            format!(
                "引用 {label} 含 {} 个变换（最多 {MAX_TRANSFORMS} 个）",
                transforms.len()
            ),
            format!(
                "reference {label} has {} transforms (at most {MAX_TRANSFORMS})",
                transforms.len()
            ),
        ));
    }
    transforms
        .iter()
        .map(|&t| algorithm(doc, t, "ds:Transform"))
        .collect()
}

/// The whole document: enveloped-signature, then optionally one C14N. A transform outside
/// those two is named before the missing enveloped-signature, which says less.
fn check_document_transforms(label: &str, transform_uris: &[String]) -> Result<(), SignatureError> {
    match transform_uris {
        [first, rest @ ..] if first == ENVELOPED => {
            if let Some(other) = rest.iter().find(|u| !C14N.contains(&u.as_str())) {
                return Err(SignatureError::UnsupportedTransform {
                    reference: label.to_owned(),
                    uri: other.clone(),
                });
            }
            Ok(())
        }
        _ => {
            if let Some(other) = transform_uris
                .iter()
                .find(|u| *u != ENVELOPED && !C14N.contains(&u.as_str()))
            {
                return Err(SignatureError::UnsupportedTransform {
                    reference: label.to_owned(),
                    uri: other.clone(),
                });
            }
            Err(SignatureError::DocumentReferenceMissing)
        }
    }
}

/// A `#id` reference: C14N transforms only, and `id` carried by exactly one element, which is
/// this signature's own `SignedProperties` or `KeyInfo` (a copy elsewhere would be a wrapping).
fn fragment_target(
    label: &str,
    id: &str,
    transform_uris: &[String],
    ids: &BTreeMap<String, Vec<NodeId>>,
    allowed: &Allowed,
) -> Result<(ReferenceTarget, NodeId), SignatureError> {
    if let Some(other) = transform_uris.iter().find(|u| !C14N.contains(&u.as_str())) {
        return Err(SignatureError::UnsupportedTransform {
            reference: label.to_owned(),
            uri: other.clone(),
        });
    }
    let not_allowed = |zh, en| SignatureError::ReferenceNotAllowed {
        reference: label.to_owned(),
        zh,
        en,
    };
    let node = match ids.get(id).map(Vec::as_slice) {
        Some([one]) => *one,
        Some([_, _, ..]) => {
            return Err(not_allowed(
                "文件中有多个元素带这个 Id",
                "more than one element in the file carries this Id",
            ));
        }
        _ => {
            return Err(not_allowed(
                "文件中没有带这个 Id 的元素（或不是简单的 #Id 形式）",
                "no element in the file carries this Id (or it is not a plain #Id)",
            ));
        }
    };
    if node == allowed.signed_properties {
        Ok((ReferenceTarget::SignedProperties, node))
    } else if node == allowed.key_info {
        Ok((ReferenceTarget::KeyInfo, node))
    } else {
        Err(not_allowed(
            "它指向的元素不是本签名的 SignedProperties 或 KeyInfo",
            "the element it names is not this signature's SignedProperties or KeyInfo",
        ))
    }
}

/// Exactly one reference over the document and one over the `SignedProperties`, at most one
/// over the `KeyInfo`.
fn check_reference_counts(references: &[Reference], sp_id: &str) -> Result<(), SignatureError> {
    let count = |t: ReferenceTarget| references.iter().filter(|r| r.target == t).count();
    if count(ReferenceTarget::Document) != 1 {
        if count(ReferenceTarget::Document) == 0 {
            return Err(SignatureError::DocumentReferenceMissing);
        }
        return Err(structure(
            "签名含多个 URI=\"\" 引用",
            "the signature has more than one URI=\"\" reference",
        ));
    }
    if count(ReferenceTarget::SignedProperties) != 1 {
        if count(ReferenceTarget::SignedProperties) == 0 {
            return Err(SignatureError::SignedPropertiesReferenceMissing);
        }
        return Err(structure(
            format!("SignedProperties（Id=\"{sp_id}\"）被引用了多次"),
            format!("the SignedProperties (Id=\"{sp_id}\") are referenced more than once"),
        ));
    }
    if count(ReferenceTarget::KeyInfo) > 1 {
        return Err(structure(
            "KeyInfo 被引用了多次",
            "the KeyInfo is referenced more than once",
        ));
    }
    Ok(())
}

/// Element ids named by the `Id`, `ID` and `id` attributes (any namespace, as bergshamra
/// registers them) equal to one of `wanted`. A lookup only: the map's order feeds nothing.
fn elements_with_ids(doc: &Document<'_>, wanted: &[&str]) -> BTreeMap<String, Vec<NodeId>> {
    let mut found: BTreeMap<String, Vec<NodeId>> = BTreeMap::new();
    if wanted.is_empty() {
        return found;
    }
    for id in doc.descendants(doc.root()) {
        let Some(e) = doc.element(id) else { continue };
        for a in &e.attributes {
            if matches!(&*a.name.local_name, "Id" | "ID" | "id") && wanted.contains(&&*a.value) {
                let nodes = found.entry(a.value.to_string()).or_default();
                if !nodes.contains(&id) {
                    nodes.push(id);
                }
            }
        }
    }
    found
}

fn reference_label(uri: &str, id: Option<&str>) -> String {
    match id {
        Some(id) => format!("URI=\"{uri}\" (Id=\"{id}\")"),
        None => format!("URI=\"{uri}\""),
    }
}
