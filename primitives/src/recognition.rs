//! 川渝 mutual recognition (互认): agreements between two regions, and the one rule that says
//! where a certificate is recognised (DOMAIN.md §6). The pallet, the node and the verifier all
//! call [`recognized_in`], the verifier on agreements it holds proofs of.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::ids::{Category, RegionCode};
use crate::records::{CertKind, CertificateRecord, LabRecord, LabStatus};
use crate::time::Date;

/// A mutual-recognition agreement: proposed by one region's regulator, accepted by the
/// other's; it covers kinds and categories of certificates issued while it is in force.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Agreement {
    /// Its id, increasing from 1.
    pub id: u64,
    /// The region whose regulator proposed it.
    pub proposer: RegionCode,
    /// The region whose regulator must accept it.
    pub partner: RegionCode,
    /// The certificate kinds it covers.
    pub kinds: Vec<CertKind>,
    /// The measurement categories it covers.
    pub categories: Vec<Category>,
    /// In force for certificates issued on or after this date…
    pub from: Date,
    /// … once accepted (the height of acceptance) …
    pub accepted_height: Option<u64>,
    /// … and before this date, when either side ended it.
    pub ended_from: Option<Date>,
}

crate::wire_words! {
    /// Where an agreement stands on a date.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum AgreementStatus: "agreement status" {
        /// Waiting for the partner region to accept it.
        Proposed = "proposed",
        /// Accepted and not ended on the date.
        InForce = "in_force",
        /// Ended on or before the date.
        Ended = "ended",
    }
}

impl Agreement {
    /// Its status on `on`.
    pub fn status(&self, on: Date) -> AgreementStatus {
        if self.accepted_height.is_none() {
            AgreementStatus::Proposed
        } else if self.ended_from.is_some_and(|end| end <= on) {
            AgreementStatus::Ended
        } else {
            AgreementStatus::InForce
        }
    }

    /// Whether it was accepted and in force on `date`: from its start, before its end.
    pub fn in_force_on(&self, date: Date) -> bool {
        self.accepted_height.is_some()
            && self.from <= date
            && self.ended_from.is_none_or(|end| date < end)
    }

    /// Whether it covers certificates of `kind` in `category`.
    pub fn covers(&self, kind: CertKind, category: Category) -> bool {
        self.kinds.contains(&kind) && self.categories.contains(&category)
    }

    /// The other region of the agreement, when `region` is one of its two.
    pub fn other_region(&self, region: &RegionCode) -> Option<&RegionCode> {
        if *region == self.proposer {
            Some(&self.partner)
        } else if *region == self.partner {
            Some(&self.proposer)
        } else {
            None
        }
    }
}

/// Where `certificate`, issued by `lab`, is recognised: the lab's home region, and each other
/// region with an agreement with it that covers the certificate's kind and category and was in
/// force on its issue date, provided the lab was active and in scope on that date. Sorted.
pub fn recognized_in(
    certificate: &CertificateRecord,
    lab: &LabRecord,
    agreements: &[Agreement],
) -> Vec<RegionCode> {
    let f = &certificate.fields;
    let issued = f.issue_date;
    let mut regions = alloc::vec![lab.region.clone()];
    let standing =
        lab.status_on(issued) == LabStatus::Active && lab.scope_covers(f.category, &f.item, issued);
    if standing {
        for agreement in agreements {
            if let Some(other) = agreement.other_region(&lab.region)
                && agreement.in_force_on(issued)
                && agreement.covers(f.kind, f.category)
            {
                // Sorted, each region once.
                if let Err(at) = regions.binary_search(other) {
                    regions.insert(at, other.clone());
                }
            }
        }
    }
    regions
}

#[cfg(test)]
#[path = "recognition_tests.rs"]
mod tests;
