//! Each rule's inputs, gathered by one function that the pallets, the node and the verifier
//! all call through their [`StateRead`]: a certificate's facts (status, revoker, recognition,
//! traceability), a business's credit standing, a 双随机 draw's scope, and an instrument's
//! status ([`instruments`]). The node's reader
//! records the keys these functions read, so a proof bundle proves exactly what the rule read,
//! absences included; and a missing value is judged here, the same for every reader.

use alloc::string::String;
use alloc::vec::Vec;

use crate::Hash;
use crate::credit::{self, Commitment, CreditParams, CreditRecord, Grade, Standing};
use crate::ids::{CertNumber, CreditCode, LabCode, RegionCode};
use crate::read::{ReadError, StateRead};
use crate::recognition::{self, Agreement};
use crate::records::{
    AccountRole, BusinessRecord, BusinessType, CertStatus, CertificateRecord, DocumentHolder,
    LabRecord, RegionRecord,
};
use crate::rules::{self, TraceReport};
use crate::state::StorageKey;
use crate::time::Date;

/// A certificate and its lab: what a QR code's stapled proof carries.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CertificateFacts {
    /// The record.
    pub record: CertificateRecord,
    /// Its lab's record (`None`: the state holds none).
    pub issuer: Option<LabRecord>,
}

/// What a full proof adds to a certificate's facts: who revoked it, where it is recognised,
/// and its traceability chain.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CertificateContext {
    /// Whom the revoking key acts for ([`AccountRole::acting_for`]), for a revoked
    /// certificate whose key still has a role.
    pub revoker: Option<String>,
    /// Where it is recognised ([`recognition::recognized_in`] over its lab's agreements);
    /// empty when its lab is not on the ledger.
    pub recognized_in: Vec<RegionCode>,
    /// Its traceability chain.
    pub trace: TraceReport,
}

/// The certificate `lab`/`number` and its lab, or `None` when there is no such certificate.
pub fn certificate<R: StateRead + ?Sized>(
    r: &mut R,
    lab: &LabCode,
    number: &CertNumber,
) -> Result<Option<CertificateFacts>, R::Error> {
    let key = StorageKey::Certificate(lab.clone(), number.clone());
    let Some(record) = r.read::<CertificateRecord>(&key)? else {
        return Ok(None);
    };
    let issuer = r.read::<LabRecord>(&StorageKey::Lab(lab.clone()))?;
    Ok(Some(CertificateFacts { record, issuer }))
}

/// The rest of what a reader is told about a certificate: its revoker, recognition and
/// traceability.
pub fn certificate_context<R: StateRead + ?Sized>(
    r: &mut R,
    facts: &CertificateFacts,
) -> Result<CertificateContext, R::Error> {
    let CertificateFacts { record, issuer } = facts;
    let revoker = match &record.status {
        CertStatus::Revoked { by, .. } => revoker(r, by, issuer.as_ref())?,
        CertStatus::Valid | CertStatus::Superseded { .. } => None,
    };
    let recognized_in = match issuer {
        Some(lab) => {
            let agreements = agreements_of(r, &lab.region)?;
            recognition::recognized_in(record, lab, &agreements)
        }
        None => Vec::new(),
    };
    let trace = rules::traceability_chain(record, r)?;
    Ok(CertificateContext {
        revoker,
        recognized_in,
        trace,
    })
}

/// Whom the key `by` acts for, in its role's own words; `None` when it has no role.
fn revoker<R: StateRead + ?Sized>(
    r: &mut R,
    by: &crate::AccountId,
    issuer: Option<&LabRecord>,
) -> Result<Option<String>, R::Error> {
    let Some(role) = r.read::<AccountRole>(&StorageKey::Role(*by))? else {
        return Ok(None);
    };
    let region = match &role {
        AccountRole::Regulator { region } => {
            r.read::<RegionRecord>(&StorageKey::Region(region.clone()))?
        }
        _ => None,
    };
    Ok(Some(role.acting_for(issuer, region.as_ref())))
}

/// Which certificate holds the document whose SHA-256 is `hash`.
pub fn document<R: StateRead + ?Sized>(
    r: &mut R,
    hash: &Hash,
) -> Result<Option<DocumentHolder>, R::Error> {
    r.read(&StorageKey::Document(*hash))
}

/// Every agreement `region` is a party to, from its complete list, oldest first.
pub fn agreements_of<R: StateRead + ?Sized>(
    r: &mut R,
    region: &RegionCode,
) -> Result<Vec<Agreement>, R::Error> {
    let ids: Vec<u64> = r
        .read(&StorageKey::AgreementsOf(region.clone()))?
        .unwrap_or_default();
    ids.into_iter()
        .map(|id| {
            r.read::<Agreement>(&StorageKey::Agreement(id))?
                .ok_or_else(|| dangling(alloc::format!("agreement {id} of region {region}")))
        })
        .collect()
}

/// A list kept in pages of `per_page` items (the `page(n)` keys) whose length the state holds
/// apart (`count`): every item, in order, one read a page, checked against the count (`list`
/// names the list when they disagree).
pub(crate) fn read_pages<R: StateRead + ?Sized, T: parity_scale_codec::Decode>(
    r: &mut R,
    count: u64,
    per_page: u64,
    page: impl Fn(u64) -> Result<StorageKey, ReadError>,
    list: impl FnOnce() -> String,
) -> Result<Vec<T>, R::Error> {
    let mut all = Vec::new();
    for n in 0..count.div_ceil(per_page) {
        let items: Vec<T> = r.read(&page(n)?)?.unwrap_or_default();
        all.extend(items);
    }
    if all.len() as u64 != count {
        return Err(dangling(alloc::format!(
            "{} counts {count} but its pages hold {}",
            list(),
            all.len()
        )));
    }
    Ok(all)
}

pub(crate) fn dangling<E: From<ReadError>>(what: String) -> E {
    ReadError::Dangling(what).into()
}

/// What a business's grade is computed from.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct CreditInputs {
    /// Its self-commitments, by date.
    pub commitments: Vec<Commitment>,
    /// All its credit records, by id.
    pub records: Vec<CreditRecord>,
    /// The rule table the genesis fixed (the default table when the state holds none).
    pub params: CreditParams,
}

impl CreditInputs {
    /// The score and grade on `on`, by the one rule ([`credit::grade`]).
    pub fn standing(&self, on: Date) -> Standing {
        credit::grade(&self.records, self.commitment_on(on), on, &self.params)
    }

    /// The first day after `on` on which the standing may differ with nothing new recorded
    /// (`None`: never): a record's or commitment's date, a record's end of counting, repair
    /// or withdrawal, or a commitment's end. Between `on` and that day the grade stays.
    pub fn standing_changes_after(&self, on: Date) -> Option<Date> {
        let params = &self.params;
        let records = self.records.iter().flat_map(|r| {
            [
                Some(r.date),
                r.counts_until(params),
                r.repaired,
                r.withdrawn,
            ]
        });
        let commitments = self.commitments.iter().flat_map(|c| {
            [
                Some(c.date),
                Some(c.date.add_months(params.commitment_months)),
            ]
        });
        records
            .chain(commitments)
            .flatten()
            .filter(|d| *d > on)
            .min()
    }

    /// The self-commitment in force on `on`.
    pub fn commitment_on(&self, on: Date) -> Option<&Commitment> {
        credit::commitment_on(&self.commitments, on)
    }
}

/// Everything the grade of business `code` is computed from: each list one key, so a proof
/// of them is complete.
pub fn credit_inputs<R: StateRead + ?Sized>(
    r: &mut R,
    code: &CreditCode,
) -> Result<CreditInputs, R::Error> {
    Ok(CreditInputs {
        commitments: r
            .read(&StorageKey::Commitment(code.clone()))?
            .unwrap_or_default(),
        records: r
            .read(&StorageKey::CreditRecords(code.clone()))?
            .unwrap_or_default(),
        params: credit_params(r)?,
    })
}

/// The credit rule table the genesis fixed; the default table when the state holds none.
pub fn credit_params<R: StateRead + ?Sized>(r: &mut R) -> Result<CreditParams, R::Error> {
    Ok(r.read(&StorageKey::CreditParams)?.unwrap_or_default())
}

/// The business `code` with its credit inputs, or `None` when it is not registered.
pub fn business<R: StateRead + ?Sized>(
    r: &mut R,
    code: &CreditCode,
) -> Result<Option<(BusinessRecord, CreditInputs)>, R::Error> {
    let Some(business) = r.read::<BusinessRecord>(&StorageKey::Business(code.clone()))? else {
        return Ok(None);
    };
    Ok(Some((business, credit_inputs(r, code)?)))
}

/// Businesses to a page of a region's index ([`StorageKey::BusinessPage`]).
pub const BUSINESS_PAGE: u64 = 1000;

/// How many businesses `region` has registered.
pub fn business_count<R: StateRead + ?Sized>(
    r: &mut R,
    region: &RegionCode,
) -> Result<u64, R::Error> {
    Ok(r.read(&StorageKey::BusinessCount(region.clone()))?
        .unwrap_or(0))
}

/// The index page that holds a region's `page`-th thousand businesses.
pub fn business_page(region: &RegionCode, page: u64) -> Result<StorageKey, ReadError> {
    let page = u32::try_from(page)
        .map_err(|_| ReadError::Dangling(alloc::format!("business page {page} of {region}")))?;
    Ok(StorageKey::BusinessPage(region.clone(), page))
}

/// Every business registered in `region`, in registration order (one read per page).
pub fn businesses_of<R: StateRead + ?Sized>(
    r: &mut R,
    region: &RegionCode,
) -> Result<Vec<CreditCode>, R::Error> {
    let count = business_count(r, region)?;
    read_pages(
        r,
        count,
        BUSINESS_PAGE,
        |page| business_page(region, page),
        || alloc::format!("region {region}'s list of businesses"),
    )
}

/// A 双随机 draw's scope: `region`'s businesses of the plan's `types`
/// ([`crate::draw::in_scope`]), each graded on `on`.
pub fn draw_scope<R: StateRead + ?Sized>(
    r: &mut R,
    region: &RegionCode,
    types: &[BusinessType],
    on: Date,
) -> Result<Vec<(CreditCode, Grade)>, R::Error> {
    let mut scope = Vec::new();
    for code in businesses_of(r, region)? {
        let Some(business) = r.read::<BusinessRecord>(&StorageKey::Business(code.clone()))? else {
            return Err(dangling(alloc::format!(
                "business {code} of region {region}"
            )));
        };
        if crate::draw::in_scope(types, business.business_type) {
            let grade = credit_inputs(r, &code)?.standing(on).grade;
            scope.push((code, grade));
        }
    }
    Ok(scope)
}

pub mod instruments;

#[cfg(test)]
#[path = "gather_tests.rs"]
mod tests;
