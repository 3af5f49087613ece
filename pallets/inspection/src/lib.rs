//! Random inspections (双随机、一公开, DOMAIN.md §5): plans, conflicts of interest, the draw
//! and its results.
//!
//! A regulator publishes a plan for its region (business types, a sampling ratio per grade, a
//! pool of its inspectors, a reveal height at least two blocks ahead); it never changes.
//! Inspectors declare conflicts of interest (回避) with businesses. When the block at the
//! reveal height is finalized, the next block begins by drawing the plan with
//! [`hengxin_primitives::draw::draw`], seeded by that block's hash, over the region's businesses
//! graded that day: nobody knew the seed when the plan was made, and anyone can recompute the
//! draw from public data. A drawn inspector of a target records its result, which becomes a
//! credit record (pass → P1, a finding → its V-record).
//!
//! State: each plan under [`StorageKey::Plan`], a region's plan ids under
//! [`StorageKey::PlansOf`], the plans waiting on a height under [`StorageKey::PlansRevealing`],
//! a plan's draw under [`StorageKey::Draw`], each target's result under
//! [`StorageKey::InspectionResult`], and each inspector's conflicts under
//! [`StorageKey::Conflicts`].

mod calls;
mod reveal;
#[cfg(test)]
mod tests;

use hengxin_primitives::credit::CreditEvent;
use hengxin_primitives::inspection::{Assignment, Conflict, DrawRecord, InspectionPlan, Outcome};
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Hash, RegionCode};
use hengxin_support::{DispatchResult, Env, PalletError, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

pub use reveal::{on_block_start, plan_conflicts};

/// The reveal height is at least this many blocks after the plan's.
pub const REVEAL_AHEAD_MIN: u64 = 2;
/// The reveal height is at most this many blocks after the plan's.
pub const REVEAL_AHEAD_MAX: u64 = 10_000_000;
/// The most inspectors in a plan's pool (as many as a region registers).
pub const POOL_MAX: usize = hengxin_membership::INSPECTORS_PER_REGION_MAX;
/// The most plans one region keeps (one state value lists them).
pub const PLANS_PER_REGION_MAX: usize = 8000;
/// The most plans revealed at one height.
pub const PLANS_PER_HEIGHT_MAX: usize = 64;
/// The most conflicts of interest one inspector declares.
pub const CONFLICTS_MAX: usize = 256;

/// The plan `id`.
pub fn plan(s: &mut dyn Storage, id: u64) -> Result<Option<InspectionPlan>, StorageError> {
    s.get(&StorageKey::Plan(id))
}

/// The ids of `region`'s plans, oldest first.
pub fn plans_of(s: &mut dyn Storage, region: &RegionCode) -> Result<Vec<u64>, StorageError> {
    Ok(s.get(&StorageKey::PlansOf(region.clone()))?
        .unwrap_or_default())
}

/// Plan `id`'s draw, once made.
pub fn draw(s: &mut dyn Storage, id: u64) -> Result<Option<DrawRecord>, StorageError> {
    s.get(&StorageKey::Draw(id))
}

/// The inspectors assigned to `credit_code`'s target of plan `id`, oldest first.
pub fn assignments(
    s: &mut dyn Storage,
    id: u64,
    credit_code: &CreditCode,
) -> Result<Vec<Assignment>, StorageError> {
    Ok(s.get(&StorageKey::Assignments(id, credit_code.clone()))?
        .unwrap_or_default())
}

/// The conflicts of interest `inspector` declared, oldest first.
pub fn conflicts(
    s: &mut dyn Storage,
    inspector: &AccountId,
) -> Result<Vec<Conflict>, StorageError> {
    Ok(s.get(&StorageKey::Conflicts(*inspector))?
        .unwrap_or_default())
}

/// What a successful call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// A plan was published.
    #[codec(index = 0)]
    Planned {
        /// Its id.
        id: u64,
        /// The height whose block seeds its draw.
        reveal_height: u64,
    },
    /// An inspector declared a conflict of interest.
    #[codec(index = 1)]
    ConflictDeclared {
        /// The inspector.
        inspector: AccountId,
        /// The business.
        credit_code: CreditCode,
    },
    /// A drawn inspector recorded a target's result.
    #[codec(index = 2)]
    ResultRecorded {
        /// The plan.
        plan: u64,
        /// The business.
        credit_code: CreditCode,
        /// What was found.
        outcome: Outcome,
        /// The credit record it made.
        credit_record: u64,
    },
    /// A regulator completed a short target.
    #[codec(index = 3)]
    InspectorsAssigned {
        /// The plan.
        plan: u64,
        /// The business.
        credit_code: CreditCode,
        /// The inspectors assigned.
        inspectors: Vec<AccountId>,
    },
}

/// Why a call was refused.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// Only a regulator of the plan's region publishes it.
    #[codec(index = 0)]
    #[error("only a regulator of {0} may publish a plan for it")]
    NotRegulatorOf(RegionCode),
    /// The reveal is too close.
    #[codec(index = 1)]
    #[error("the reveal must be at least {REVEAL_AHEAD_MIN} blocks after the plan")]
    RevealTooSoon,
    /// The reveal is too far.
    #[codec(index = 2)]
    #[error("the reveal must be at most {REVEAL_AHEAD_MAX} blocks after the plan")]
    RevealTooFar,
    /// No business type.
    #[codec(index = 3)]
    #[error("a plan covers at least one business type")]
    NoBusinessTypes,
    /// A ratio over 100 percent.
    #[codec(index = 4)]
    #[error("sampling ratio {0} is over 100 percent")]
    BadRatio(u8),
    /// No inspector.
    #[codec(index = 5)]
    #[error("the region has no active inspector to draw from")]
    EmptyPool,
    /// Too many inspectors.
    #[codec(index = 6)]
    #[error("a plan's pool has at most {POOL_MAX} inspectors")]
    PoolTooLarge,
    /// A pool member is not an active inspector of the region.
    #[codec(index = 7)]
    #[error("{0} is not an active inspector of {1}")]
    NotInspectorOf(AccountId, RegionCode),
    /// Too many plans reveal at that height.
    #[codec(index = 8)]
    #[error("{PLANS_PER_HEIGHT_MAX} plans reveal at height {0} already; choose another")]
    TooManyPlansAtHeight(u64),
    /// The region has too many plans.
    #[codec(index = 9)]
    #[error("region {0} has {PLANS_PER_REGION_MAX} plans already")]
    TooManyPlans(RegionCode),
    /// Only an active inspector declares a conflict.
    #[codec(index = 10)]
    #[error("only an active inspector may declare a conflict of interest")]
    NotInspector,
    /// No business has this code.
    #[codec(index = 11)]
    #[error("no business {0} is registered")]
    UnknownBusiness(CreditCode),
    /// Declared already.
    #[codec(index = 12)]
    #[error("a conflict with {0} is declared already")]
    ConflictExists(CreditCode),
    /// Too many conflicts.
    #[codec(index = 13)]
    #[error("an inspector declares at most {CONFLICTS_MAX} conflicts of interest")]
    TooManyConflicts,
    /// No plan has this id.
    #[codec(index = 14)]
    #[error("there is no plan {0}")]
    NoSuchPlan(u64),
    /// The draw is not made yet.
    #[codec(index = 15)]
    #[error("plan's draw is made once block {reveal_height} is finalized")]
    NotDrawn {
        /// The plan's reveal height.
        reveal_height: u64,
    },
    /// The business was not drawn.
    #[codec(index = 16)]
    #[error("{0} is not a target of this plan")]
    NotTarget(CreditCode),
    /// The signer was not drawn for this target.
    #[codec(index = 17)]
    #[error("only an inspector drawn for {0} may record its result")]
    NotDrawnInspector(CreditCode),
    /// A result is recorded already.
    #[codec(index = 18)]
    #[error("the result for {0} is recorded already")]
    AlreadyRecorded(CreditCode),
    /// The business's credit records are full.
    #[codec(index = 19)]
    #[error("business {0} has no room for another credit record")]
    CreditRecordsFull(CreditCode),
    /// A V3 or V4 finding needs its evidence (the credit record's rule).
    #[codec(index = 20)]
    #[error(
        "{0} 结果必须附证据文件 / a {0} finding needs its evidence: record it with --evidence FILE"
    )]
    EvidenceRequired(CreditEvent),
    /// The target has its two inspectors: nothing to complete.
    #[codec(index = 21)]
    #[error(
        "抽查对象 {0} 已有两名检查人员，无需指派 / target {0} has its two inspectors already; \
         only a short target is completed by assignment"
    )]
    NotShort(CreditCode),
    /// The inspector may not be assigned to this target.
    #[codec(index = 22)]
    #[error(
        "{inspector} 不能指派给 {credit_code}：{why} / {inspector} cannot be assigned to \
         {credit_code}: {why}"
    )]
    CannotAssign {
        /// The inspector.
        inspector: AccountId,
        /// The target.
        credit_code: CreditCode,
        /// Why.
        why: AssignRefusal,
    },
}

/// Why an inspector cannot be assigned to a target.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub enum AssignRefusal {
    /// Not an active inspector of the plan's region.
    #[codec(index = 0)]
    NotInspectorOfRegion,
    /// Drawn or assigned already.
    #[codec(index = 1)]
    AlreadyOnTarget,
    /// Declared a conflict of interest with the business.
    #[codec(index = 2)]
    Conflict,
    /// The target would have more than two inspectors.
    #[codec(index = 3)]
    TooMany,
    /// Its result is recorded already.
    #[codec(index = 4)]
    ResultRecorded,
}

impl core::fmt::Display for AssignRefusal {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(match self {
            AssignRefusal::NotInspectorOfRegion => {
                "不是本地区在册检查人员 (not an active inspector of the plan's region)"
            }
            AssignRefusal::AlreadyOnTarget => "已是该对象的检查人员 (already on the target)",
            AssignRefusal::Conflict => "已申报回避 (declared a conflict of interest with it)",
            AssignRefusal::TooMany => "该对象最多两名检查人员 (a target has at most two)",
            AssignRefusal::ResultRecorded => "结果已记录 (its result is recorded)",
        })
    }
}

impl Error {
    /// The stable code the API reports for this refusal. Written out: a rename cannot change
    /// it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotRegulatorOf(_) => "inspection.not_regulator_of",
            Error::RevealTooSoon => "inspection.reveal_too_soon",
            Error::RevealTooFar => "inspection.reveal_too_far",
            Error::NoBusinessTypes => "inspection.no_business_types",
            Error::BadRatio(_) => "inspection.bad_ratio",
            Error::EmptyPool => "inspection.empty_pool",
            Error::PoolTooLarge => "inspection.pool_too_large",
            Error::NotInspectorOf(..) => "inspection.not_inspector_of",
            Error::TooManyPlansAtHeight(_) => "inspection.too_many_plans_at_height",
            Error::TooManyPlans(_) => "inspection.too_many_plans",
            Error::NotInspector => "inspection.not_inspector",
            Error::UnknownBusiness(_) => "inspection.unknown_business",
            Error::ConflictExists(_) => "inspection.conflict_exists",
            Error::TooManyConflicts => "inspection.too_many_conflicts",
            Error::NoSuchPlan(_) => "inspection.no_such_plan",
            Error::NotDrawn { .. } => "inspection.not_drawn",
            Error::NotTarget(_) => "inspection.not_target",
            Error::NotDrawnInspector(_) => "inspection.not_drawn_inspector",
            Error::AlreadyRecorded(_) => "inspection.already_recorded",
            Error::CreditRecordsFull(_) => "inspection.credit_records_full",
            Error::EvidenceRequired(_) => "inspection.evidence_required",
            Error::NotShort(_) => "inspection.not_short",
            Error::CannotAssign { .. } => "inspection.cannot_assign",
        }
    }
}

impl PalletError for Error {}

/// The inspection calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Publishes a plan for `region` (a regulator of it), revealed `reveal_in` blocks after
    /// the block it lands in.
    #[codec(index = 0)]
    Plan {
        /// The region.
        region: RegionCode,
        /// The business types in scope.
        business_types: Vec<BusinessType>,
        /// The share of each grade's businesses drawn, in whole percent, for A, B, C, D.
        ratios: [u8; 4],
        /// The inspectors it draws from: active inspectors of the region (none named: every
        /// active inspector of the region).
        inspectors: Vec<AccountId>,
        /// How many blocks after this one the block whose hash seeds the draw comes: at least
        /// two. Relative, so the plan cannot miss its window while it waits to be included.
        reveal_in: u64,
    },
    /// Declares a conflict of interest (回避) with a business (an active inspector): it is
    /// never drawn for it by a plan revealed later.
    #[codec(index = 1)]
    DeclareConflict {
        /// The business.
        credit_code: CreditCode,
    },
    /// Records a target's result (an inspector drawn for it).
    #[codec(index = 2)]
    RecordResult {
        /// The plan.
        plan: u64,
        /// The business.
        credit_code: CreditCode,
        /// What was found.
        outcome: Outcome,
        /// SHA-256 of the evidence.
        evidence_hash: Hash,
    },
    /// Completes a target the draw left short (a regulator of the plan's region): assigns
    /// active inspectors of the region without a declared conflict with the business.
    #[codec(index = 3)]
    Assign {
        /// The plan.
        plan: u64,
        /// The short target.
        credit_code: CreditCode,
        /// The inspectors assigned (with the drawn ones, at most two).
        inspectors: Vec<AccountId>,
    },
}

/// Routes a call to its function.
pub fn dispatch(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    call: Call,
) -> DispatchResult<Event, Error> {
    match call {
        Call::Plan {
            region,
            business_types,
            ratios,
            inspectors,
            reveal_in,
        } => {
            let plan = calls::NewPlan {
                region,
                business_types,
                ratios,
                inspectors,
                reveal_in,
            };
            calls::plan(s, env, signer, plan)
        }
        Call::DeclareConflict { credit_code } => {
            calls::declare_conflict(s, env, signer, credit_code)
        }
        Call::RecordResult {
            plan,
            credit_code,
            outcome,
            evidence_hash,
        } => calls::record_result(s, env, signer, plan, credit_code, outcome, evidence_hash),
        Call::Assign {
            plan,
            credit_code,
            inspectors,
        } => calls::assign(s, env, signer, plan, credit_code, inspectors),
    }
}
