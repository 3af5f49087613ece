//! The 双随机 draw: which businesses a plan inspects and which two inspectors go to each, from
//! public data only, to the byte (DOMAIN.md §5), so that anyone can recompute it.
//!
//! The seed comes from the finalized block at the plan's reveal height, which nobody knew when
//! the plan was made; every ranking is a hash of the seed and public identifiers, with the
//! chain's hash (SHA-256, or SM3 on an SM2/SM3 chain).

use alloc::vec::Vec;

use crate::credit::Grade;
use crate::crypto::{AccountId, Hash, Scheme};
use crate::ids::CreditCode;
use crate::records::BusinessType;
use parity_scale_codec::{Decode, Encode};

/// The domain tag of the seed: its 15 ASCII bytes.
pub const DRAW_TAG: &[u8; 15] = b"hengxin/draw/v1";

/// Inspectors sent to each target.
pub const INSPECTORS_PER_TARGET: usize = 2;

/// Whether a business of `business_type` is in the scope of a plan over `types`: the ledger's
/// draw and a recomputation from the public list both ask this.
pub fn in_scope(types: &[BusinessType], business_type: BusinessType) -> bool {
    types.contains(&business_type)
}

/// `H("hengxin/draw/v1" ‖ plan_id as 8 bytes little-endian ‖ block_hash)`, `H` the chain's hash.
pub fn seed(scheme: Scheme, plan_id: u64, block_hash: &Hash) -> Hash {
    let mut hasher = scheme.hasher();
    hasher.update(DRAW_TAG);
    hasher.update(&plan_id.to_le_bytes());
    hasher.update(&block_hash.0);
    hasher.finalize()
}

/// A business's rank: `H(seed ‖ credit_code)`, the code's 18 ASCII bytes.
pub fn business_rank(scheme: Scheme, seed: &Hash, business: &CreditCode) -> Hash {
    let mut hasher = scheme.hasher();
    hasher.update(&seed.0);
    hasher.update(business.as_str().as_bytes());
    hasher.finalize()
}

/// An inspector's rank for a business: `H(seed ‖ credit_code ‖ key)`, the key's raw bytes (32
/// for ed25519, 65 for SM2's `04 ‖ x ‖ y`).
pub fn inspector_rank(
    scheme: Scheme,
    seed: &Hash,
    business: &CreditCode,
    inspector: &AccountId,
) -> Hash {
    let mut hasher = scheme.hasher();
    hasher.update(&seed.0);
    hasher.update(business.as_str().as_bytes());
    hasher.update(inspector.as_bytes());
    hasher.finalize()
}

/// A pool of inspectors in the draw's order: by key bytes, each once.
pub fn pool_order(pool: &mut Vec<AccountId>) {
    pool.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    pool.dedup();
}

/// How many of `count` businesses a ratio in whole percent takes: `ceil(count × ratio / 100)`,
/// at most all of them.
pub fn sample_size(count: usize, ratio_percent: u8) -> usize {
    (count * usize::from(ratio_percent))
        .div_ceil(100)
        .min(count)
}

/// How many of `businesses` have each grade, in grade order A, B, C, D.
pub fn count_by_grade(businesses: &[(CreditCode, Grade)]) -> [u32; 4] {
    let mut counts = [0u32; 4];
    for (count, grade) in counts.iter_mut().zip(Grade::ALL) {
        *count = businesses.iter().filter(|(_, g)| g == grade).count() as u32;
    }
    counts
}

/// One business drawn, with the inspectors drawn for it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Target {
    /// The business.
    pub credit_code: CreditCode,
    /// Its grade on the reveal block's date.
    pub grade: Grade,
    /// Its inspectors, by rank: two, or fewer when the pool runs short.
    pub inspectors: Vec<AccountId>,
    /// Fewer than two inspectors without a conflict were left.
    pub short: bool,
}

/// The draw of a plan: from `businesses` in scope (each with its grade on the reveal date),
/// for each grade A, B, C, D the first `ceil(count × ratio / 100)` by [`business_rank`]; for
/// each, the first two of `pool` by [`inspector_rank`] without a declared conflict with it.
/// Targets are listed by grade, then by rank. A business or inspector listed twice counts once.
/// `scheme` is the chain's: its hash ranks.
pub fn draw(
    scheme: Scheme,
    seed: &Hash,
    businesses: &[(CreditCode, Grade)],
    ratios: &[u8; 4],
    pool: &[AccountId],
    conflicts: &[(AccountId, CreditCode)],
) -> Vec<Target> {
    let mut businesses = businesses.to_vec();
    businesses.sort_by(|a, b| a.0.cmp(&b.0));
    businesses.dedup_by(|a, b| a.0 == b.0);
    let mut pool = pool.to_vec();
    pool_order(&mut pool);
    let mut targets = Vec::new();
    for (grade, ratio) in Grade::ALL.iter().zip(ratios) {
        let mut ranked: Vec<(Hash, &CreditCode)> = businesses
            .iter()
            .filter(|(_, g)| g == grade)
            .map(|(code, _)| (business_rank(scheme, seed, code), code))
            .collect();
        ranked.sort();
        let take = sample_size(ranked.len(), *ratio);
        for (_, code) in ranked.into_iter().take(take) {
            let inspectors = inspectors_for(scheme, seed, code, &pool, conflicts);
            targets.push(Target {
                credit_code: code.clone(),
                grade: *grade,
                short: inspectors.len() < INSPECTORS_PER_TARGET,
                inspectors,
            });
        }
    }
    targets
}

/// The first two of `pool` by [`inspector_rank`] for `business`, skipping those with a
/// conflict declared with it.
fn inspectors_for(
    scheme: Scheme,
    seed: &Hash,
    business: &CreditCode,
    pool: &[AccountId],
    conflicts: &[(AccountId, CreditCode)],
) -> Vec<AccountId> {
    let mut ranked: Vec<(Hash, AccountId)> = pool
        .iter()
        .filter(|k| !conflicts.iter().any(|(i, c)| i == *k && c == business))
        .map(|k| (inspector_rank(scheme, seed, business, k), *k))
        .collect();
    ranked.sort_by_key(|(rank, _)| *rank);
    ranked
        .into_iter()
        .take(INSPECTORS_PER_TARGET)
        .map(|(_, k)| k)
        .collect()
}

#[cfg(test)]
#[path = "draw_tests.rs"]
mod tests;
