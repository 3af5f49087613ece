//! The draw of the plans revealed by a finalized block, made as the next block begins: the
//! region's businesses in scope graded on the reveal block's date, the pool's conflicts
//! declared before the reveal height, and [`hengxin_primitives::draw::draw`] over them.

use hengxin_primitives::inspection::{DrawRecord, InspectionPlan};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Date, Header};
use hengxin_primitives::{draw, gather};
use hengxin_support::{Storage, StorageError};

use crate::{conflicts, plan};

/// Draws every plan whose reveal height is `parent`'s, seeded by `parent`'s hash. Called as
/// the block after `parent` begins, before its transactions: the state is then exactly the
/// state at the reveal height, and `parent` is finalized.
pub fn on_block_start(s: &mut dyn Storage, parent: &Header) -> Result<(), StorageError> {
    let key = StorageKey::PlansRevealing(parent.height);
    let Some(ids) = s.get::<Vec<u64>>(&key)? else {
        return Ok(());
    };
    let block_hash = parent.hash();
    let on = Date::from_unix_ms_cst(parent.timestamp_ms);
    for id in ids {
        let plan = plan(s, id)?.ok_or_else(|| missing("plan", id))?;
        let record = draw_plan(s, parent.scheme(), &plan, block_hash, on)?;
        s.put(&StorageKey::Draw(id), &record);
    }
    s.remove(&key);
    Ok(())
}

fn missing(what: &str, id: u64) -> StorageError {
    StorageError::Corrupt(format!("{what} {id} is listed but not stored"))
}

/// The draw of `plan` from the current state, on a chain of `scheme`.
fn draw_plan(
    s: &mut dyn Storage,
    scheme: hengxin_primitives::crypto::Scheme,
    plan: &InspectionPlan,
    block_hash: hengxin_primitives::Hash,
    on: Date,
) -> Result<DrawRecord, StorageError> {
    let scope = gather::draw_scope(s, &plan.region, &plan.business_types, on)?;
    let in_scope = draw::count_by_grade(&scope);
    let seed = draw::seed(scheme, plan.id, &block_hash);
    let conflicts = plan_conflicts(s, plan)?;
    let targets = draw::draw(
        scheme,
        &seed,
        &scope,
        &plan.ratios,
        &plan.inspectors,
        &conflicts,
    );
    Ok(DrawRecord {
        block_hash,
        seed,
        on,
        in_scope,
        targets,
    })
}

/// The conflicts that count for `plan`: those its pool's inspectors declared below its reveal
/// height, by inspector (in pool order) then declaration.
pub fn plan_conflicts(
    s: &mut dyn Storage,
    plan: &InspectionPlan,
) -> Result<Vec<(AccountId, CreditCode)>, StorageError> {
    let mut all = Vec::new();
    for inspector in &plan.inspectors {
        for conflict in conflicts(s, inspector)? {
            if conflict.height < plan.reveal_height {
                all.push((*inspector, conflict.credit_code));
            }
        }
    }
    Ok(all)
}
