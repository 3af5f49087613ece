//! Reads for 双随机 supervision: a region's businesses with their grades (at any finalized
//! height, so a plan's draw can be recomputed from what it was made from) and inspection plans
//! with their draws and results. Everything is read through the pallets' own read functions
//! and graded by the one credit rule.

use hengxin_api_types::{
    AssignmentView, BusinessSummary, BusinessesView, ConflictView, NamedKey, PerGrade, PlanStatus,
    PlanSummary, PlanView, ResultView, TargetView,
};
use hengxin_primitives::inspection::{InspectionPlan, InspectionResult};
use hengxin_primitives::records::{AccountRole, BusinessRecord, BusinessType};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Date, Header, RegionCode};
use hengxin_runtime::{Chain, credit, inspection, membership};
use hengxin_sled_store::SledBackend;
use hengxin_support::Storage;

use super::QueryError;

/// The most businesses in one page of a region's list.
pub const BUSINESS_PAGE_MAX: usize = 1000;

/// Which page of a region's businesses.
pub struct BusinessPage<'a> {
    /// The region.
    pub region: &'a RegionCode,
    /// Only this type.
    pub business_type: Option<BusinessType>,
    /// Only codes after this one.
    pub after: Option<&'a CreditCode>,
    /// At most this many (1–[`BUSINESS_PAGE_MAX`]).
    pub limit: usize,
}

/// A page of `page.region`'s businesses at `header`, ordered by credit code, each graded on
/// `header`'s date; `None` when the region does not exist.
pub fn businesses(
    chain: &Chain<SledBackend>,
    header: &Header,
    page: &BusinessPage<'_>,
) -> Result<Option<BusinessesView>, QueryError> {
    let mut view = chain.view(header.height);
    let s: &mut dyn Storage = &mut view;
    if !membership::regions(s)?.contains(page.region) {
        return Ok(None);
    }
    let on = Date::from_unix_ms_cst(header.timestamp_ms);
    let mut codes = membership::businesses_of(s, page.region)?;
    codes.sort();
    let mut businesses = Vec::new();
    let mut next = None;
    for code in codes
        .into_iter()
        .filter(|c| page.after.is_none_or(|a| c > a))
    {
        let b: BusinessRecord =
            membership::business(s, &code)?.ok_or(QueryError::Missing("indexed business"))?;
        if page.business_type.is_some_and(|t| t != b.business_type) {
            continue;
        }
        if businesses.len() == page.limit {
            next = businesses
                .last()
                .map(|b: &BusinessSummary| b.credit_code.clone());
            break;
        }
        let standing = credit::standing(s, &code, on)?;
        businesses.push(BusinessSummary {
            credit_code: code,
            name: b.name,
            business_type: b.business_type,
            grade: standing.grade,
            score: standing.score,
        });
    }
    Ok(Some(BusinessesView {
        businesses,
        region: page.region.clone(),
        on,
        height: header.height,
        next,
    }))
}

/// Plan `id` at `header`, with its conflicts, its draw once made and its results; `None`
/// when there is no such plan.
pub fn plan(
    chain: &Chain<SledBackend>,
    header: &Header,
    id: u64,
) -> Result<Option<PlanView>, QueryError> {
    let mut view = chain.view(header.height);
    let s: &mut dyn Storage = &mut view;
    let Some(plan) = inspection::plan(s, id)? else {
        return Ok(None);
    };
    let conflicts = inspection::plan_conflicts(s, &plan)?
        .into_iter()
        .map(|(inspector, credit_code)| ConflictView {
            inspector,
            credit_code,
        })
        .collect();
    let drawn = inspection::draw(s, id)?;
    let mut results = Vec::new();
    for target in drawn.iter().flat_map(|d| &d.targets) {
        let key = StorageKey::InspectionResult(id, target.credit_code.clone());
        if let Some(r) = s.get::<InspectionResult>(&key)? {
            results.push(ResultView {
                credit_code: r.credit_code,
                outcome: r.outcome,
                inspector: r.inspector,
                height: r.height,
                evidence_hash: r.evidence_hash,
                credit_record: r.credit_record,
            });
        }
    }
    let mut targets = Vec::new();
    for t in drawn.iter().flat_map(|d| &d.targets) {
        let assigned = inspection::assignments(s, id, &t.credit_code)?
            .into_iter()
            .map(|a| AssignmentView {
                inspector: a.inspector,
                by: a.by,
                height: a.height,
            })
            .collect();
        targets.push(TargetView {
            credit_code: t.credit_code.clone(),
            grade: t.grade,
            inspectors: t.inspectors.clone(),
            short: t.short,
            assigned,
        });
    }
    let names = inspector_names(
        s,
        plan.inspectors
            .iter()
            .chain(targets.iter().flat_map(|t| &t.inspectors))
            .chain(
                targets
                    .iter()
                    .flat_map(|t| t.assigned.iter().map(|a| &a.inspector)),
            )
            .chain(results.iter().map(|r| &r.inspector)),
    )?;
    let summary = summary(&plan, drawn.is_some());
    Ok(Some(PlanView {
        plan_id: id,
        region: summary.region,
        business_types: summary.business_types,
        ratios: summary.ratios,
        inspectors: plan.inspectors,
        conflicts,
        reveal_height: plan.reveal_height,
        status: summary.status,
        seed: drawn.as_ref().map(|d| d.seed),
        block_hash: drawn.as_ref().map(|d| d.block_hash),
        on: drawn.as_ref().map(|d| d.on),
        in_scope: drawn.as_ref().map(|d| PerGrade::new(d.in_scope)),
        targets,
        results,
        created_by: plan.created_by,
        created_height: plan.created_height,
        names,
        height: header.height,
    }))
}

/// The name of each inspector among `keys`, once each, in key order.
fn inspector_names<'k>(
    s: &mut dyn Storage,
    keys: impl Iterator<Item = &'k AccountId>,
) -> Result<Vec<NamedKey>, QueryError> {
    let mut keys: Vec<AccountId> = keys.copied().collect();
    hengxin_primitives::draw::pool_order(&mut keys);
    let mut names = Vec::new();
    for key in keys {
        if let Some(AccountRole::Inspector { name, .. }) = membership::role(s, &key)? {
            names.push(NamedKey { key, name });
        }
    }
    Ok(names)
}

fn summary(plan: &InspectionPlan, drawn: bool) -> PlanSummary {
    PlanSummary {
        plan_id: plan.id,
        region: plan.region.clone(),
        business_types: plan.business_types.clone(),
        ratios: PerGrade::new(plan.ratios),
        reveal_height: plan.reveal_height,
        status: if drawn {
            PlanStatus::Drawn
        } else {
            PlanStatus::Waiting
        },
        created_by: plan.created_by,
        created_height: plan.created_height,
    }
}

/// Every plan of `region` at `header`, oldest first; `None` when the region does not exist. A
/// plan is drawn in the block after its reveal height, so its status needs no read of the draw.
pub fn plans(
    chain: &Chain<SledBackend>,
    header: &Header,
    region: &RegionCode,
) -> Result<Option<Vec<PlanSummary>>, QueryError> {
    let mut view = chain.view(header.height);
    let s: &mut dyn Storage = &mut view;
    if !membership::regions(s)?.contains(region) {
        return Ok(None);
    }
    let mut all = Vec::new();
    for id in inspection::plans_of(s, region)? {
        let plan = inspection::plan(s, id)?.ok_or(QueryError::Missing("listed plan"))?;
        all.push(summary(&plan, header.height > plan.reveal_height));
    }
    Ok(Some(all))
}
