//! The inspection calls, one function each: check who signs, validate, write, say what
//! happened. Nothing is written before everything is checked.

use hengxin_primitives::draw::Target;
use hengxin_primitives::inspection::{
    Assignment, Conflict, InspectionPlan, InspectionResult, Outcome,
};
use hengxin_primitives::records::{AccountRole, BusinessType};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Hash, RegionCode};
use hengxin_support::{DispatchResult, Env, Failure, Storage};

use crate::{
    AssignRefusal, CONFLICTS_MAX, Error, Event, PLANS_PER_HEIGHT_MAX, PLANS_PER_REGION_MAX,
    POOL_MAX, REVEAL_AHEAD_MAX, REVEAL_AHEAD_MIN, assignments, conflicts, draw, plan as load_plan,
    plans_of,
};

/// A plan as [`crate::Call::Plan`] names it.
pub(crate) struct NewPlan {
    pub(crate) region: RegionCode,
    pub(crate) business_types: Vec<BusinessType>,
    pub(crate) ratios: [u8; 4],
    pub(crate) inspectors: Vec<AccountId>,
    pub(crate) reveal_in: u64,
}

/// [`crate::Call::Plan`]: a regulator of the region publishes a plan revealed at least two
/// blocks ahead, over its own active inspectors (all of them when none is named).
pub(crate) fn plan(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    new: NewPlan,
) -> DispatchResult<Event, Error> {
    match hengxin_membership::role(s, signer)? {
        Some(AccountRole::Regulator { region }) if region == new.region => {}
        _ => return Err(Error::NotRegulatorOf(new.region).into()),
    }
    if new.reveal_in < REVEAL_AHEAD_MIN {
        return Err(Error::RevealTooSoon.into());
    }
    if new.reveal_in > REVEAL_AHEAD_MAX {
        return Err(Error::RevealTooFar.into());
    }
    let reveal_height = env.height + new.reveal_in;
    let mut business_types = new.business_types;
    business_types.sort();
    business_types.dedup();
    if business_types.is_empty() {
        return Err(Error::NoBusinessTypes.into());
    }
    if let Some(ratio) = new.ratios.iter().find(|r| **r > 100) {
        return Err(Error::BadRatio(*ratio).into());
    }
    let mut inspectors = if new.inspectors.is_empty() {
        hengxin_membership::active_inspectors_of(s, &new.region)?
    } else {
        new.inspectors
    };
    hengxin_primitives::draw::pool_order(&mut inspectors);
    if inspectors.is_empty() {
        return Err(Error::EmptyPool.into());
    }
    if inspectors.len() > POOL_MAX {
        return Err(Error::PoolTooLarge.into());
    }
    for inspector in &inspectors {
        if !hengxin_membership::is_active_inspector_of(s, inspector, &new.region)? {
            return Err(Error::NotInspectorOf(*inspector, new.region).into());
        }
    }
    let mut of_region = plans_of(s, &new.region)?;
    if of_region.len() >= PLANS_PER_REGION_MAX {
        return Err(Error::TooManyPlans(new.region).into());
    }
    let revealing_key = StorageKey::PlansRevealing(reveal_height);
    let mut revealing: Vec<u64> = s.get(&revealing_key)?.unwrap_or_default();
    if revealing.len() >= PLANS_PER_HEIGHT_MAX {
        return Err(Error::TooManyPlansAtHeight(reveal_height).into());
    }
    let id = s.get::<u64>(&StorageKey::PlanCount)?.unwrap_or(0) + 1;
    of_region.push(id);
    revealing.push(id);
    s.put(&StorageKey::PlanCount, &id);
    s.put(&StorageKey::PlansOf(new.region.clone()), &of_region);
    s.put(&revealing_key, &revealing);
    let plan = InspectionPlan {
        id,
        region: new.region,
        business_types,
        ratios: new.ratios,
        inspectors,
        reveal_height,
        created_by: *signer,
        created_height: env.height,
    };
    s.put(&StorageKey::Plan(id), &plan);
    Ok(Event::Planned {
        id,
        reveal_height: plan.reveal_height,
    })
}

/// [`crate::Call::DeclareConflict`]: an active inspector declares a conflict of interest with
/// a registered business.
pub(crate) fn declare_conflict(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
) -> DispatchResult<Event, Error> {
    match hengxin_membership::role(s, signer)? {
        Some(AccountRole::Inspector { active: true, .. }) => {}
        _ => return Err(Error::NotInspector.into()),
    }
    if hengxin_membership::business(s, &credit_code)?.is_none() {
        return Err(Error::UnknownBusiness(credit_code).into());
    }
    let mut declared = conflicts(s, signer)?;
    if declared.iter().any(|c| c.credit_code == credit_code) {
        return Err(Error::ConflictExists(credit_code).into());
    }
    if declared.len() >= CONFLICTS_MAX {
        return Err(Error::TooManyConflicts.into());
    }
    declared.push(Conflict {
        credit_code: credit_code.clone(),
        height: env.height,
    });
    s.put(&StorageKey::Conflicts(*signer), &declared);
    Ok(Event::ConflictDeclared {
        inspector: *signer,
        credit_code,
    })
}

/// `credit_code`'s target in the draw of `plan`: `NotDrawn` before the draw, `NotTarget` when
/// the draw did not pick it.
fn drawn_target(
    s: &mut dyn Storage,
    plan: &InspectionPlan,
    credit_code: &CreditCode,
) -> DispatchResult<Target, Error> {
    let drawn = draw(s, plan.id)?.ok_or(Error::NotDrawn {
        reveal_height: plan.reveal_height,
    })?;
    Ok(drawn
        .targets
        .into_iter()
        .find(|t| t.credit_code == *credit_code)
        .ok_or_else(|| Error::NotTarget(credit_code.clone()))?)
}

/// [`crate::Call::RecordResult`]: an active inspector drawn for a target records its result
/// once; it becomes the business's credit record, dated today.
pub(crate) fn record_result(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    plan: u64,
    credit_code: CreditCode,
    outcome: Outcome,
    evidence_hash: Hash,
) -> DispatchResult<Event, Error> {
    let record = load_plan(s, plan)?.ok_or(Error::NoSuchPlan(plan))?;
    let target = drawn_target(s, &record, &credit_code)?;
    let assigned = assignments(s, plan, &credit_code)?;
    let on_target =
        target.inspectors.contains(signer) || assigned.iter().any(|a| a.inspector == *signer);
    if !on_target || !hengxin_membership::is_active_inspector_of(s, signer, &record.region)? {
        return Err(Error::NotDrawnInspector(credit_code).into());
    }
    let key = StorageKey::InspectionResult(plan, credit_code.clone());
    if s.contains(&key)? {
        return Err(Error::AlreadyRecorded(credit_code).into());
    }
    let event = outcome.credit_event();
    let credit_record =
        hengxin_credit::add_record(s, &credit_code, event, env.today(), evidence_hash, *signer)
            .map_err(|e| match e {
                Failure::Rejected(hengxin_credit::Error::EvidenceRequired(event)) => {
                    Failure::Rejected(Error::EvidenceRequired(event))
                }
                Failure::Rejected(_) => {
                    Failure::Rejected(Error::CreditRecordsFull(credit_code.clone()))
                }
                Failure::Storage(e) => Failure::Storage(e),
            })?;
    let result = InspectionResult {
        credit_code: credit_code.clone(),
        outcome,
        evidence_hash,
        inspector: *signer,
        height: env.height,
        credit_record,
    };
    s.put(&key, &result);
    Ok(Event::ResultRecorded {
        plan,
        credit_code,
        outcome,
        credit_record,
    })
}

/// The most inspectors a target has, drawn and assigned (DOMAIN.md §5: two).
const TARGET_INSPECTORS: usize = 2;

/// [`crate::Call::Assign`]: a regulator of the plan's region completes a target the draw
/// left short with active inspectors of the region who declared no conflict with it.
pub(crate) fn assign(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    plan: u64,
    credit_code: CreditCode,
    inspectors: Vec<AccountId>,
) -> DispatchResult<Event, Error> {
    let record = load_plan(s, plan)?.ok_or(Error::NoSuchPlan(plan))?;
    match hengxin_membership::role(s, signer)? {
        Some(AccountRole::Regulator { region }) if region == record.region => {}
        _ => return Err(Error::NotRegulatorOf(record.region).into()),
    }
    let target = drawn_target(s, &record, &credit_code)?;
    if !target.short {
        return Err(Error::NotShort(credit_code).into());
    }
    if inspectors.is_empty() {
        return Err(Error::EmptyPool.into());
    }
    let mut assigned = assignments(s, plan, &credit_code)?;
    let refuse = |inspector: AccountId, why| Error::CannotAssign {
        inspector,
        credit_code: credit_code.clone(),
        why,
    };
    if s.contains(&StorageKey::InspectionResult(plan, credit_code.clone()))? {
        let first = inspectors.first().copied().unwrap_or(*signer);
        return Err(refuse(first, AssignRefusal::ResultRecorded).into());
    }
    // Who can still inspect it: drawn or assigned, and active now.
    let mut serving = 0;
    for key in target
        .inspectors
        .iter()
        .chain(assigned.iter().map(|a| &a.inspector))
    {
        if hengxin_membership::is_active_inspector_of(s, key, &record.region)? {
            serving += 1;
        }
    }
    for inspector in &inspectors {
        if serving >= TARGET_INSPECTORS {
            return Err(refuse(*inspector, AssignRefusal::TooMany).into());
        }
        if !hengxin_membership::is_active_inspector_of(s, inspector, &record.region)? {
            return Err(refuse(*inspector, AssignRefusal::NotInspectorOfRegion).into());
        }
        if target.inspectors.contains(inspector)
            || assigned.iter().any(|a| a.inspector == *inspector)
        {
            return Err(refuse(*inspector, AssignRefusal::AlreadyOnTarget).into());
        }
        if conflicts(s, inspector)?
            .iter()
            .any(|c| c.credit_code == credit_code)
        {
            return Err(refuse(*inspector, AssignRefusal::Conflict).into());
        }
        assigned.push(Assignment {
            inspector: *inspector,
            by: *signer,
            height: env.height,
        });
        serving += 1;
    }
    s.put(
        &StorageKey::Assignments(plan, credit_code.clone()),
        &assigned,
    );
    Ok(Event::InspectorsAssigned {
        plan,
        credit_code,
        inspectors,
    })
}
