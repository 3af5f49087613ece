//! The lists the platform pages through: labs with their certificates counted, a lab's
//! certificates, a lab's standards.

use hengxin_api_types::{
    CertificateSummary, LabCertificatesView, LabSummary, LabsView, StandardSummary,
};

use super::{Snapshot, Where, n, opt, page, s};
use crate::IndexError;

impl Snapshot {
    /// `/v1/labs`.
    pub async fn labs(
        mut self,
        region: Option<&str>,
        after: Option<&str>,
        limit: usize,
    ) -> Result<LabsView, IndexError> {
        let mut w = Where::default();
        w.eq("l.region", region).cmp("l.code", ">", after);
        let limit = limit.clamp(1, 1_000);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT l.code, l.name, l.region, l.kind, l.status, l.scope_entries, \
                     l.active_keys, l.dcc_certs, \
                     (SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM certificate_counts c \
                      WHERE c.lab = l.code) \
                     FROM labs l{} ORDER BY l.code LIMIT {}",
                    w.sql(),
                    limit + 1
                ),
            )
            .await?;
        let mut labs = rows
            .iter()
            .map(|r| {
                Ok(LabSummary {
                    code: s(r, 0)?,
                    name: s(r, 1)?,
                    region: s(r, 2)?,
                    kind: s(r, 3)?,
                    status: s(r, 4)?,
                    scope_entries: n(r, 5)?,
                    active_keys: n(r, 6)?,
                    dcc_certs: n(r, 7)?,
                    certificates: n(r, 8)?,
                })
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        let next = page(&mut labs, limit, |l| l.code.clone());
        Ok(LabsView {
            at: self.at,
            labs,
            next,
        })
    }

    /// `/v1/labs/{code}/certificates`: by number, issued from `from` to `to` (`YYYY-MM-DD`).
    pub async fn lab_certificates(
        mut self,
        lab: &str,
        (from, to): (Option<&str>, Option<&str>),
        after: Option<&str>,
        limit: usize,
    ) -> Result<LabCertificatesView, IndexError> {
        let mut w = Where::default();
        w.eq("lab", Some(lab))
            .cmp("issue_date", ">=", from)
            .cmp("issue_date", "<=", to)
            .cmp("number", ">", after);
        let limit = limit.clamp(1, 1_000);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT number, kind, category, item, instrument_name, serial, issue_date, \
                     valid_until, conclusion, status, instrument_id, anchored_height \
                     FROM certificates{} ORDER BY number LIMIT {}",
                    w.sql(),
                    limit + 1
                ),
            )
            .await?;
        let mut certificates = rows
            .iter()
            .map(|r| {
                Ok(CertificateSummary {
                    number: s(r, 0)?,
                    kind: s(r, 1)?,
                    category: s(r, 2)?,
                    item: s(r, 3)?,
                    instrument_name: s(r, 4)?,
                    serial: s(r, 5)?,
                    issue_date: s(r, 6)?,
                    valid_until: opt(r, 7)?,
                    conclusion: s(r, 8)?,
                    status: s(r, 9)?,
                    instrument_id: opt(r, 10)?,
                    anchored_height: n(r, 11)?,
                })
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        let next = page(&mut certificates, limit, |c| c.number.clone());
        Ok(LabCertificatesView {
            at: self.at,
            lab: lab.to_owned(),
            certificates,
            next,
        })
    }

    /// A lab's standards, by code (at most 10,000).
    pub async fn lab_standards(mut self, lab: &str) -> Result<Vec<StandardSummary>, IndexError> {
        let mut w = Where::default();
        w.eq("lab", Some(lab));
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT code, name, category, level, assessment_valid_until FROM standards{} \
                     ORDER BY code LIMIT 10000",
                    w.sql()
                ),
            )
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StandardSummary {
                    code: s(r, 0)?,
                    name: s(r, 1)?,
                    category: s(r, 2)?,
                    level: s(r, 3)?,
                    assessment_valid_until: s(r, 4)?,
                })
            })
            .collect()
    }
}
