//! The rules a verifier recomputes from proven records: certificate status on a date, and the
//! traceability verdict. The pallets call the same functions.

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use crate::ids::{Category, CertNumber, LabCode, StandardId};
use crate::read::StateRead;
use crate::records::{
    CertKind, CertStatus, CertificateRecord, StandardLevel, StandardRecord, TraceSource,
};
use crate::state::StorageKey;
use crate::time::Date;

/// The most standard links on any one path of a traceability chain.
pub const TRACE_DEPTH_MAX: u8 = 8;
/// The most links a traceability report holds, over all paths.
pub const TRACE_LINKS_MAX: usize = 64;

crate::wire_words! {
    /// A certificate's status as a reader sees it: the stored status plus derived expiry.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum CertificateState: "certificate status" {
        /// Authentic and current.
        Valid = "valid" ("有效", "Valid"),
        /// Revoked.
        Revoked = "revoked" ("已撤销", "Revoked"),
        /// Replaced by a newer certificate.
        Superseded = "superseded" ("已被替代", "Superseded"),
        /// Past its 有效期至.
        Expired = "expired" ("已过期", "Expired"),
    }
}

/// The status of `record` on `today` (CST): revocation and supersession first, then expiry.
/// A certificate is valid through the whole of its 有效期至 day.
pub fn certificate_state(record: &CertificateRecord, today: Date) -> CertificateState {
    match record.status {
        CertStatus::Revoked { .. } => CertificateState::Revoked,
        CertStatus::Superseded { .. } => CertificateState::Superseded,
        CertStatus::Valid => match record.fields.valid_until {
            Some(until) if until < today => CertificateState::Expired,
            _ => CertificateState::Valid,
        },
    }
}

/// The first day after `on` on which [`certificate_state`] may answer otherwise with nothing
/// new recorded: the day after a current certificate's 有效期至 (`None`: never).
pub fn certificate_state_changes_after(record: &CertificateRecord, on: Date) -> Option<Date> {
    match (&record.status, record.fields.valid_until) {
        (CertStatus::Valid, Some(until)) => {
            Some(Date(until.0.saturating_add(1))).filter(|d| *d > on)
        }
        _ => None,
    }
}

/// A certificate's identity.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug)]
pub struct CertRef {
    /// Issuing lab.
    pub lab: LabCode,
    /// Number.
    pub number: CertNumber,
}

/// Why one link of a chain fails.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LinkProblem {
    /// The certificate lists no standards, so nothing traces it.
    NoStandardsDeclared,
    /// The standard is not registered.
    StandardMissing,
    /// The standard measures another category than the certificate's.
    CategoryMismatch {
        /// The standard's category.
        standard: Category,
        /// The certificate's.
        certificate: Category,
    },
    /// None of the standard's assessment certificates covered the date (the current one is
    /// reported).
    AssessmentNotValid {
        /// Its issue date.
        issued: Date,
        /// Its last valid day.
        valid_until: Date,
    },
    /// The standard has no traceability certificate.
    NoTrace,
    /// The traceability certificate is not on the ledger.
    TraceCertificateMissing,
    /// The traceability certificate was issued after the date.
    TraceCertificateNotYetIssued {
        /// Its issue date.
        issued: Date,
    },
    /// The traceability certificate was revoked on or before the date.
    TraceCertificateRevoked,
    /// The traceability certificate was superseded on or before the date.
    TraceCertificateSuperseded,
    /// The traceability certificate's validity ended before the date.
    TraceCertificateExpired {
        /// Its last valid day.
        valid_until: Date,
    },
    /// The traceability certificate is a failed-verification notice.
    TraceCertificateFailed,
    /// The external certificate did not cover the date.
    ExternalNotValid {
        /// Its date.
        issued: Date,
        /// Its last valid day.
        valid_until: Date,
    },
    /// The chain comes back to a certificate already on this path.
    Cycle,
    /// More than `TRACE_DEPTH_MAX` links deep.
    TooDeep,
    /// More than `TRACE_LINKS_MAX` links in all.
    TooManyLinks,
}

impl LinkProblem {
    /// A stable snake_case name, for APIs and pages.
    pub fn code(&self) -> &'static str {
        match self {
            LinkProblem::NoStandardsDeclared => "no_standards_declared",
            LinkProblem::StandardMissing => "standard_missing",
            LinkProblem::CategoryMismatch { .. } => "category_mismatch",
            LinkProblem::AssessmentNotValid { .. } => "assessment_not_valid",
            LinkProblem::NoTrace => "no_trace",
            LinkProblem::TraceCertificateMissing => "trace_certificate_missing",
            LinkProblem::TraceCertificateNotYetIssued { .. } => "trace_certificate_not_yet_issued",
            LinkProblem::TraceCertificateRevoked => "trace_certificate_revoked",
            LinkProblem::TraceCertificateSuperseded => "trace_certificate_superseded",
            LinkProblem::TraceCertificateExpired { .. } => "trace_certificate_expired",
            LinkProblem::TraceCertificateFailed => "trace_certificate_failed",
            LinkProblem::ExternalNotValid { .. } => "external_not_valid",
            LinkProblem::Cycle => "cycle",
            LinkProblem::TooDeep => "too_deep",
            LinkProblem::TooManyLinks => "too_many_links",
        }
    }
}

impl LinkProblem {
    /// What a reader is told: a sentence, Chinese first, never the bare code.
    pub fn sentence(&self) -> String {
        let name = |c: &Category| c.names().map_or(c.code(), |(zh, _)| zh);
        match self {
            LinkProblem::NoStandardsDeclared => {
                "证书未声明所用计量标准 · the certificate declares no measurement standard".into()
            }
            LinkProblem::StandardMissing => {
                "所用计量标准未在账本登记 · the standard used is not registered".into()
            }
            LinkProblem::CategoryMismatch {
                standard,
                certificate,
            } => format!(
                "计量标准属{}专业，与证书的{}专业不符 · the standard measures {}, not the \
                 certificate's category {}",
                name(standard),
                name(certificate),
                standard.code(),
                certificate.code()
            ),
            LinkProblem::AssessmentNotValid {
                issued,
                valid_until,
            } => format!(
                "该日期计量标准考核证书不在有效期内（现行 {issued} 至 {valid_until}） · the \
                 standard's assessment was not in force on that date (the current one runs \
                 {issued} to {valid_until})"
            ),
            LinkProblem::NoTrace => {
                "计量标准没有溯源证书 · the standard has no traceability certificate".into()
            }
            LinkProblem::TraceCertificateMissing => {
                "溯源证书不在账本上 · its traceability certificate is not on the ledger".into()
            }
            LinkProblem::TraceCertificateNotYetIssued { issued } => format!(
                "溯源证书 {issued} 才签发，晚于该日期 · its traceability certificate was issued \
                 only on {issued}"
            ),
            LinkProblem::TraceCertificateRevoked => {
                "溯源证书当时已被撤销 · its traceability certificate was revoked by then".into()
            }
            LinkProblem::TraceCertificateSuperseded => {
                "溯源证书当时已被替代 · its traceability certificate was superseded by then".into()
            }
            LinkProblem::TraceCertificateExpired { valid_until } => format!(
                "溯源证书已于 {valid_until} 到期 · its traceability certificate expired on \
                 {valid_until}"
            ),
            LinkProblem::TraceCertificateFailed => {
                "溯源证书是检定结果通知书（不合格） · its traceability certificate is a \
                 failed-verification notice"
                    .into()
            }
            LinkProblem::ExternalNotValid {
                issued,
                valid_until,
            } => format!(
                "国家计量院证书不覆盖该日期（{issued} 至 {valid_until}） · the NMI certificate \
                 did not cover that date ({issued} to {valid_until})"
            ),
            LinkProblem::Cycle => "溯源链循环引用 · the chain comes back on itself".into(),
            LinkProblem::TooDeep => {
                format!("溯源链超过 {TRACE_DEPTH_MAX} 层 · deeper than {TRACE_DEPTH_MAX} links")
            }
            LinkProblem::TooManyLinks => {
                format!("溯源链超过 {TRACE_LINKS_MAX} 环 · more than {TRACE_LINKS_MAX} links")
            }
        }
    }
}

/// How one link ended.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum LinkOutcome {
    /// Sound; the chain continues through a ledger certificate.
    Continues,
    /// Sound and final: a national primary standard, or an NMI certificate under the CIPM MRA.
    Terminal,
    /// Unsound.
    Broken(LinkProblem),
}

impl LinkOutcome {
    /// The outcome's word, without the problem.
    pub fn word(&self) -> LinkWord {
        match self {
            LinkOutcome::Continues => LinkWord::Continues,
            LinkOutcome::Terminal => LinkWord::Terminal,
            LinkOutcome::Broken(_) => LinkWord::Broken,
        }
    }
}

crate::wire_words! {
    /// How a traceability link ended, as one word.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum LinkWord: "link outcome" {
        /// [`LinkOutcome::Continues`].
        Continues = "continues" ("溯源继续", "continues"),
        /// [`LinkOutcome::Terminal`].
        Terminal = "terminal" ("溯源至国家基准或国家计量院", "reaches a national standard or an NMI"),
        /// [`LinkOutcome::Broken`].
        Broken = "broken" ("溯源断开", "broken"),
    }
}

/// One link: a certificate used a standard on its calibration date; the standard was traced by
/// `via`.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TraceLink {
    /// 1 for the standards of the certificate asked about, 2 for theirs, …
    pub depth: u8,
    /// The dependent certificate.
    pub certificate: CertRef,
    /// Its calibration date: the date every check of this link is made for.
    pub on: Date,
    /// The standard used (`None` when the certificate declared none).
    pub standard: Option<StandardId>,
    /// The standard's level, when it is known.
    pub level: Option<StandardLevel>,
    /// The traceability certificate used (or the newest tried, when none held).
    pub via: Option<TraceSource>,
    /// The verdict on this link.
    pub outcome: LinkOutcome,
}

/// A certificate's traceability chain, each link with its verdict.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct TraceReport {
    /// Depth-first, in the order the certificate lists its standards.
    pub links: Vec<TraceLink>,
}

impl TraceReport {
    /// Complete when there is at least one link and none is broken.
    pub fn is_complete(&self) -> bool {
        !self.links.is_empty()
            && self
                .links
                .iter()
                .all(|l| !matches!(l.outcome, LinkOutcome::Broken(_)))
    }
}

/// Follows `root`'s traceability chain: certificate → standards used → each standard's own
/// certificate → its standards … until a national primary standard or an external NMI
/// certificate. Each link is checked on the dependent certificate's calibration date.
/// Cycle-safe and bounded (`TRACE_DEPTH_MAX`, `TRACE_LINKS_MAX`). Reads the standards and
/// certificates it walks through `r`; a read that fails ends the walk with its error.
pub fn traceability_chain<R: StateRead + ?Sized>(
    root: &CertificateRecord,
    r: &mut R,
) -> Result<TraceReport, R::Error> {
    let mut walk = Walk {
        r,
        links: Vec::new(),
        path: Vec::new(),
        done: Vec::new(),
    };
    walk.certificate(root, 1)?;
    Ok(TraceReport { links: walk.links })
}

/// A standard's judgement: the trace used, the outcome, and the ledger certificate to follow.
type StandardVerdict = (Option<TraceSource>, LinkOutcome, Option<CertificateRecord>);

struct Walk<'a, R: ?Sized> {
    r: &'a mut R,
    links: Vec<TraceLink>,
    path: Vec<CertRef>,
    /// Certificates walked to the end (a short list: the walk has at most `TRACE_LINKS_MAX`
    /// links).
    done: Vec<CertRef>,
}

impl<R: StateRead + ?Sized> Walk<'_, R> {
    fn certificate(&mut self, cert: &CertificateRecord, depth: u8) -> Result<(), R::Error> {
        let this = CertRef {
            lab: cert.lab.clone(),
            number: cert.fields.number.clone(),
        };
        let on = cert.fields.calibration_date;
        let link = |standard, outcome| TraceLink {
            depth,
            certificate: this.clone(),
            on,
            standard,
            level: None,
            via: None,
            outcome,
        };
        if cert.fields.standards.is_empty() {
            self.push(link(
                None,
                LinkOutcome::Broken(LinkProblem::NoStandardsDeclared),
            ));
            return Ok(());
        }
        self.path.push(this.clone());
        for id in &cert.fields.standards {
            if self.links.len() >= TRACE_LINKS_MAX {
                break;
            }
            if depth > TRACE_DEPTH_MAX {
                self.push(link(
                    Some(id.clone()),
                    LinkOutcome::Broken(LinkProblem::TooDeep),
                ));
                continue;
            }
            let key = StorageKey::Standard(id.clone());
            let Some(standard) = self.r.read::<StandardRecord>(&key)? else {
                self.push(link(
                    Some(id.clone()),
                    LinkOutcome::Broken(LinkProblem::StandardMissing),
                ));
                continue;
            };
            let mut entry = link(Some(id.clone()), LinkOutcome::Terminal);
            entry.level = Some(standard.fields.level);
            let (via, outcome, next) = self.standard_on(&standard, cert.fields.category, on)?;
            entry.via = via;
            entry.outcome = outcome;
            self.push(entry);
            if let Some(next) = next {
                let key = CertRef {
                    lab: next.lab.clone(),
                    number: next.fields.number.clone(),
                };
                if !self.done.contains(&key) {
                    self.certificate(&next, depth + 1)?;
                }
            }
        }
        self.path.pop();
        if !self.done.contains(&this) {
            self.done.push(this);
        }
        Ok(())
    }

    /// Judges a standard on `on`; returns the trace used, the outcome, and the ledger
    /// certificate to follow next.
    fn standard_on(
        &mut self,
        standard: &StandardRecord,
        category: Category,
        on: Date,
    ) -> Result<StandardVerdict, R::Error> {
        if let Err(problem) = standard_fits(standard, category, on) {
            return Ok((None, LinkOutcome::Broken(problem), None));
        }
        if standard.fields.level == StandardLevel::NationalPrimary {
            return Ok((None, LinkOutcome::Terminal, None));
        }
        let mut newest_failure = None;
        for trace in standard.fields.traces.iter().rev() {
            match self.trace_on(trace, on)? {
                Ok(next) => {
                    let outcome = if next.is_some() {
                        LinkOutcome::Continues
                    } else {
                        LinkOutcome::Terminal
                    };
                    return Ok((Some(trace.clone()), outcome, next));
                }
                Err(problem) => {
                    newest_failure.get_or_insert((trace.clone(), problem));
                }
            }
        }
        Ok(match newest_failure {
            Some((trace, problem)) => (Some(trace), LinkOutcome::Broken(problem), None),
            None => (None, LinkOutcome::Broken(LinkProblem::NoTrace), None),
        })
    }

    /// Checks one trace on `on`: `Ok(None)` ends the chain, `Ok(Some(cert))` continues it.
    fn trace_on(
        &mut self,
        trace: &TraceSource,
        on: Date,
    ) -> Result<Result<Option<CertificateRecord>, LinkProblem>, R::Error> {
        Ok(match trace {
            TraceSource::External {
                issued,
                valid_until,
                ..
            } => {
                if *issued <= on && on <= *valid_until {
                    Ok(None)
                } else {
                    Err(LinkProblem::ExternalNotValid {
                        issued: *issued,
                        valid_until: *valid_until,
                    })
                }
            }
            TraceSource::Ledger { lab, number } => {
                let key = StorageKey::Certificate(lab.clone(), number.clone());
                let Some(cert) = self.r.read::<CertificateRecord>(&key)? else {
                    return Ok(Err(LinkProblem::TraceCertificateMissing));
                };
                let at = CertRef {
                    lab: lab.clone(),
                    number: number.clone(),
                };
                match link_certificate_problem(&cert, on) {
                    Some(problem) => Err(problem),
                    None if self.path.contains(&at) => Err(LinkProblem::Cycle),
                    None => Ok(Some(cert)),
                }
            }
        })
    }

    fn push(&mut self, link: TraceLink) {
        if self.links.len() < TRACE_LINKS_MAX {
            self.links.push(link);
        } else if let Some(last) = self.links.last_mut() {
            last.outcome = LinkOutcome::Broken(LinkProblem::TooManyLinks);
        }
    }
}

/// Whether `standard` may serve a certificate of `category` calibrated on `on`: of that
/// category, with an assessment in force on that date (when none is, the current one is
/// reported). Anchoring refuses a certificate that declares a standard failing this; the
/// traceability walk reports it for records anchored before the rule.
pub fn standard_fits(
    standard: &StandardRecord,
    category: Category,
    on: Date,
) -> Result<(), LinkProblem> {
    if standard.fields.category != category {
        return Err(LinkProblem::CategoryMismatch {
            standard: standard.fields.category,
            certificate: category,
        });
    }
    if standard.assessment_on(on).is_none() {
        let a = &standard.fields.assessment;
        return Err(LinkProblem::AssessmentNotValid {
            issued: a.issued,
            valid_until: a.valid_until,
        });
    }
    Ok(())
}

/// Whether a certificate could serve as a traceability link on `on`: issued by then, not
/// revoked or superseded by then, not expired, and not a failed-verification notice.
fn link_certificate_problem(cert: &CertificateRecord, on: Date) -> Option<LinkProblem> {
    let f = &cert.fields;
    if f.kind == CertKind::Notice {
        return Some(LinkProblem::TraceCertificateFailed);
    }
    if on < f.issue_date {
        return Some(LinkProblem::TraceCertificateNotYetIssued {
            issued: f.issue_date,
        });
    }
    match &cert.status {
        CertStatus::Revoked { timestamp_ms, .. } if Date::from_unix_ms_cst(*timestamp_ms) <= on => {
            return Some(LinkProblem::TraceCertificateRevoked);
        }
        CertStatus::Superseded { timestamp_ms, .. }
            if Date::from_unix_ms_cst(*timestamp_ms) <= on =>
        {
            return Some(LinkProblem::TraceCertificateSuperseded);
        }
        _ => {}
    }
    match f.valid_until {
        Some(until) if until < on => {
            Some(LinkProblem::TraceCertificateExpired { valid_until: until })
        }
        _ => None,
    }
}

#[path = "rules_text.rs"]
mod text;

#[cfg(test)]
#[path = "rules_tests.rs"]
mod tests;
