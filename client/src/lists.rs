//! The lists a node serves page by page: labs, a lab's certificates (from its SQL index), a
//! standard and a region's inspectors, read whole or up to a number of items.

use hengxin_api_types::{ErrorCode, InspectorsView, LabCertificatesView, LabsView, StandardView};
use hengxin_primitives::{Date, LabCode, RegionCode, StandardId};

use crate::api::{Client, ClientError, Result, percent_encode};

/// The most items read from one list (narrow it, or page it with `--after`, past that).
pub const LIST_MAX: usize = 1_000_000;

/// A list answer of pages.
trait Paged: serde::de::DeserializeOwned {
    type Item;
    fn split(self) -> (Vec<Self::Item>, Option<String>, u64);
    fn key(item: &Self::Item) -> &str;
}

impl Paged for LabsView {
    type Item = hengxin_api_types::LabSummary;
    fn split(self) -> (Vec<Self::Item>, Option<String>, u64) {
        (self.labs, self.next, self.at.height)
    }
    fn key(item: &Self::Item) -> &str {
        &item.code
    }
}

impl Paged for LabCertificatesView {
    type Item = hengxin_api_types::CertificateSummary;
    fn split(self) -> (Vec<Self::Item>, Option<String>, u64) {
        (self.certificates, self.next, self.at.height)
    }
    fn key(item: &Self::Item) -> &str {
        &item.number
    }
}

impl Client {
    /// Up to `max` items of the list at `path` (which has a `?`), page after page; each page
    /// must go on past the one before, so a node cannot keep a client paging forever. The
    /// items and whether the list goes on past them.
    fn pages<V: Paged>(&self, path: &str, max: usize) -> Result<(Vec<V::Item>, bool)> {
        let mut items: Vec<V::Item> = Vec::new();
        let mut next: Option<String> = None;
        loop {
            let url = match &next {
                None => path.to_owned(),
                Some(after) => format!("{path}&after={}", percent_encode(after)),
            };
            let (page, more, _) = self.get::<V>(&url)?.split();
            if let Some(after) = &next {
                let past = page.iter().all(|i| V::key(i) > after.as_str())
                    && more.as_deref().is_none_or(|m| m > after.as_str());
                if !past || (page.is_empty() && more.is_some()) {
                    return Err(ClientError::BadAnswer {
                        what: url,
                        reason: "a page that does not go on past the previous one".into(),
                    });
                }
            }
            items.extend(page);
            if items.len() >= max {
                let over = items.len() > max || more.is_some();
                items.truncate(max);
                return Ok((items, over));
            }
            match more {
                Some(m) => next = Some(m),
                None => return Ok((items, false)),
            }
        }
    }

    /// Up to `max` labs, of `region` or of all; and whether there are more.
    pub fn labs(
        &self,
        region: Option<&RegionCode>,
        max: usize,
    ) -> Result<(Vec<hengxin_api_types::LabSummary>, bool)> {
        let region = region.map_or_else(String::new, |r| format!("region={r}&"));
        self.pages::<LabsView>(&format!("/v1/labs?{region}limit=1000"), max)
    }

    /// Up to `max` of `lab`'s certificates issued from `from` to `to`, by number; and whether
    /// there are more.
    pub fn lab_certificates(
        &self,
        lab: &LabCode,
        (from, to): (Option<Date>, Option<Date>),
        max: usize,
    ) -> Result<(Vec<hengxin_api_types::CertificateSummary>, bool)> {
        let mut path = format!(
            "/v1/labs/{}/certificates?limit=1000",
            percent_encode(lab.as_str())
        );
        if let Some(from) = from {
            path.push_str(&format!("&from={from}"));
        }
        if let Some(to) = to {
            path.push_str(&format!("&to={to}"));
        }
        self.pages::<LabCertificatesView>(&path, max)
    }

    /// A measurement standard (`None`: no such standard).
    pub fn standard(&self, id: &StandardId) -> Result<Option<StandardView>> {
        self.get_found(
            &format!(
                "/v1/standards/{}/{}",
                percent_encode(id.owner.as_str()),
                percent_encode(id.code.as_str())
            ),
            ErrorCode::StandardNotFound,
        )
    }

    /// A region's inspectors.
    pub fn inspectors(&self, region: &RegionCode) -> Result<InspectorsView> {
        self.get(&format!(
            "/v1/inspectors?region={}",
            percent_encode(region.as_str())
        ))
    }
}
