//! Why a certificate is not current, and who signed its document, in words: for the page's
//! `#why`, `a#successor` and `#signer`, for `cert verify` (from proven records) and for
//! `cert show` (from the node's answer), so both say it the same way.

use alloc::format;
use alloc::string::String;
use hengxin_primitives::gather::CertificateContext;
use hengxin_primitives::records::{CertStatus, CertificateRecord, LabRecord};
use hengxin_primitives::time::beijing_time;
use hengxin_primitives::{CertNumber, Hash};

/// Why a certificate stopped being current, as proven.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Why {
    /// Revoked.
    Revoked {
        /// The reason recorded.
        reason: String,
        /// When, chain time (UTC ms).
        at_ms: u64,
        /// Who the revoking key acts for, when the proof says (else its key).
        by: String,
    },
    /// Superseded.
    Superseded {
        /// The successor's number (same lab).
        successor: CertNumber,
        /// When, chain time (UTC ms).
        at_ms: u64,
    },
}

impl Why {
    /// One sentence, Chinese first.
    pub fn sentence(&self) -> String {
        match self {
            Why::Revoked { reason, at_ms, by } => revoked_sentence(reason, *at_ms, by),
            Why::Superseded { successor, at_ms } => superseded_sentence(successor, *at_ms),
        }
    }
}

/// `已于 … 由 … 撤销，原因：… · revoked on … by …: …`.
pub fn revoked_sentence(reason: &str, at_ms: u64, by: &str) -> String {
    let at = beijing_time(at_ms);
    format!("已于 {at} 由 {by} 撤销，原因：{reason} · revoked on {at} by {by}: {reason}")
}

/// `已于 … 被证书 … 替代 · superseded on … by certificate …`.
pub fn superseded_sentence(successor: &CertNumber, at_ms: u64) -> String {
    let at = beijing_time(at_ms);
    format!("已于 {at} 被证书 {successor} 替代 · superseded on {at} by certificate {successor}")
}

/// Why `record` is not current, from its proven status and, when the proof carries it, whom
/// the revoking key acts for ([`CertificateContext::revoker`]; else the key itself).
pub(crate) fn explain(
    record: &CertificateRecord,
    context: Option<&CertificateContext>,
) -> Option<Why> {
    match &record.status {
        CertStatus::Valid => None,
        CertStatus::Revoked {
            reason,
            timestamp_ms,
            by,
            ..
        } => Some(Why::Revoked {
            reason: format!("{reason}"),
            at_ms: *timestamp_ms,
            by: context
                .and_then(|c| c.revoker.clone())
                .unwrap_or_else(|| format!("密钥 key {}", by.to_hex())),
        }),
        CertStatus::Superseded {
            by, timestamp_ms, ..
        } => Some(Why::Superseded {
            successor: by.clone(),
            at_ms: *timestamp_ms,
        }),
    }
}

/// Who signed the document, as the lab registered the certificate: its subject, or its
/// fingerprint when the lab's record does not list it; `None` for an unsigned file.
pub fn signer_subject(fingerprint: Option<&Hash>, issuer: Option<&LabRecord>) -> Option<String> {
    let fingerprint = fingerprint?;
    Some(match issuer.and_then(|lab| lab.dcc_cert(fingerprint)) {
        Some(cert) => format!("{}", cert.subject),
        None => format!("SHA-256 {}", fingerprint.to_hex()),
    })
}
