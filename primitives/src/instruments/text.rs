//! An instrument's history as people read it, Chinese first: one rendering for the node's
//! JSON, the CLI and the verify page.

use alloc::format;
use alloc::string::String;

use super::{Change, Entry, Seal};
use crate::records::{CertStatus, CertificateRecord};

crate::wire_words! {
    /// What an entry of an instrument's history records, as one word.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum ChangeWord: "instrument change" {
        /// [`Change::Registered`].
        Registered = "registered" ("登记", "Registered"),
        /// [`Change::Moved`].
        Moved = "moved" ("迁移", "Moved"),
        /// [`Change::Transferred`].
        Transferred = "transferred" ("转让", "Transferred"),
        /// [`Change::Retired`].
        Retired = "retired" ("报废", "Retired"),
        /// [`Change::Repaired`].
        Repaired = "repaired" ("维修", "Repaired"),
        /// [`Change::Certificate`].
        Certificate = "certificate" ("证书", "Certificate"),
    }
}

impl Change {
    /// The change's word.
    pub fn word(&self) -> ChangeWord {
        match self {
            Change::Registered { .. } => ChangeWord::Registered,
            Change::Moved { .. } => ChangeWord::Moved,
            Change::Transferred { .. } => ChangeWord::Transferred,
            Change::Retired { .. } => ChangeWord::Retired,
            Change::Repaired { .. } => ChangeWord::Repaired,
            Change::Certificate { .. } => ChangeWord::Certificate,
        }
    }
}

fn seals(seals: &[Seal]) -> String {
    let mut text = String::new();
    for (i, s) in seals.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        text.push_str(&format!("{} {}", s.position, s.number));
    }
    text
}

impl Entry {
    /// The entry in one line, after its date: `维修 Repaired: CQJL 2026-11-27; 破封 seals
    /// broken: 主板 QF-1`. For a certificate, `certificate` is its record (as gathered).
    pub fn line(&self, certificate: Option<&CertificateRecord>) -> String {
        if let (Change::Certificate { .. }, Some(c)) = (&self.change, certificate) {
            return certificate_line(c);
        }
        let mut line = self.change.word().label();
        line.push_str(": ");
        let detail = match &self.change {
            Change::Registered {
                owner,
                division,
                site,
            } => format!("{owner}, {division} {site}"),
            Change::Moved { division, site } => format!("{division} {site}"),
            Change::Transferred { from, to } => format!("{from} → {to}"),
            Change::Retired { reason } => format!("{reason}"),
            Change::Repaired {
                lab,
                date,
                seals_broken,
                ..
            } => {
                let mut text = format!("{lab} {date}");
                if !seals_broken.is_empty() {
                    text.push_str("; 破封 seals broken: ");
                    text.push_str(&seals(seals_broken));
                }
                text
            }
            Change::Certificate { lab, number } => format!("{lab}/{number}"),
        };
        line.push_str(&detail);
        line
    }
}

/// `检定证书 CQJL/… 2026-11-06 有效期至 2027-05-05 (已撤销 revoked)`.
fn certificate_line(c: &CertificateRecord) -> String {
    let f = &c.fields;
    let kind = f.kind.names().map_or(f.kind.code(), |(zh, _)| zh);
    let mut line = format!("{kind} {}/{} {}", c.lab, f.number, f.calibration_date);
    if let Some(until) = f.valid_until {
        line.push_str(&format!(" 有效期至 {until}"));
    }
    if let Some(u) = f.for_instrument.as_deref()
        && !u.seals.is_empty()
    {
        line.push_str(&format!("; 封签 seals: {}", seals(&u.seals)));
    }
    match &c.status {
        CertStatus::Valid => {}
        CertStatus::Revoked { reason, .. } => {
            line.push_str(&format!(" (已撤销 revoked: {reason})"));
        }
        CertStatus::Superseded { by, .. } => {
            line.push_str(&format!(" (已被 {by} 替代 superseded)"));
        }
    }
    line
}
