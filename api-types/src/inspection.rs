//! The answers about 双随机 inspection plans and the region's business list they draw from.

use hengxin_primitives::credit::Grade;
use hengxin_primitives::inspection::Outcome;
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::{CreditCode, Date, Hash, PublicKey, RegionCode, Text};
use serde::{Deserialize, Serialize};

hengxin_primitives::wire_words! {
    /// Whether a plan's draw is made.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum PlanStatus: "plan status" {
        /// The reveal block is not finalized yet (or the next block has not begun).
        Waiting = "waiting" ("待揭晓", "Waiting for its reveal block"),
        /// The draw is made.
        Drawn = "drawn" ("已抽取", "Drawn"),
    }
}

/// One number per grade: `{"A": 5, "B": 10, "C": 30, "D": 100}`.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PerGrade {
    /// Grade A.
    #[serde(rename = "A")]
    pub a: u32,
    /// Grade B.
    #[serde(rename = "B")]
    pub b: u32,
    /// Grade C.
    #[serde(rename = "C")]
    pub c: u32,
    /// Grade D.
    #[serde(rename = "D")]
    pub d: u32,
}

impl PerGrade {
    /// From values in grade order A, B, C, D.
    pub fn new<T: Copy + Into<u32>>(values: [T; 4]) -> PerGrade {
        let [a, b, c, d] = values.map(Into::into);
        PerGrade { a, b, c, d }
    }

    /// The values in grade order A, B, C, D.
    pub fn values(&self) -> [u32; 4] {
        [self.a, self.b, self.c, self.d]
    }
}

/// A conflict of interest that counts for a plan.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConflictView {
    /// The inspector.
    pub inspector: PublicKey,
    /// The business it will not be sent to.
    pub credit_code: CreditCode,
}

/// A business drawn, with its inspectors.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TargetView {
    /// The business.
    pub credit_code: CreditCode,
    /// Its grade on the reveal block's date.
    pub grade: Grade,
    /// Its inspectors by rank: two, or fewer when the pool ran short.
    pub inspectors: Vec<PublicKey>,
    /// Fewer than two inspectors without a conflict were left.
    pub short: bool,
    /// The inspectors the region's regulator assigned to complete a short target, oldest
    /// first (public, like the draw).
    #[serde(default)]
    pub assigned: Vec<AssignmentView>,
}

/// A key with the name the membership gives it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NamedKey {
    /// The key.
    pub key: PublicKey,
    /// Its holder's name (an inspector's).
    pub name: Text,
}

/// An inspector assigned to a short target.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssignmentView {
    /// The inspector.
    pub inspector: PublicKey,
    /// The regulator who assigned it.
    pub by: PublicKey,
    /// The height it was assigned at.
    pub height: u64,
}

/// A target's recorded result.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ResultView {
    /// The business.
    pub credit_code: CreditCode,
    /// `pass` or `V1`..`V6`.
    pub outcome: Outcome,
    /// The drawn inspector who recorded it.
    pub inspector: PublicKey,
    /// The height it was recorded at.
    pub height: u64,
    /// SHA-256 of the evidence.
    pub evidence_hash: Hash,
    /// The id of the credit record it made.
    pub credit_record: u64,
}

/// `GET /v1/inspections/{plan_id}`: a plan, its draw once made, and its results.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanView {
    /// Its id.
    pub plan_id: u64,
    /// The region whose businesses it inspects.
    pub region: RegionCode,
    /// The business types in scope.
    pub business_types: Vec<BusinessType>,
    /// The share of each grade drawn, in whole percent.
    pub ratios: PerGrade,
    /// The pool, sorted by key.
    pub inspectors: Vec<PublicKey>,
    /// The pool's conflicts of interest declared below the reveal height (so far, while
    /// waiting).
    pub conflicts: Vec<ConflictView>,
    /// The block whose hash seeds the draw.
    pub reveal_height: u64,
    /// `waiting` or `drawn`.
    pub status: PlanStatus,
    /// `SHA-256("hengxin/draw/v1" ‖ plan_id ‖ block_hash)`, once drawn.
    pub seed: Option<Hash>,
    /// The hash of the block at the reveal height, once drawn.
    pub block_hash: Option<Hash>,
    /// The date the businesses were graded on (the reveal block's, CST), once drawn.
    pub on: Option<Date>,
    /// How many businesses of each grade were in scope, once drawn.
    pub in_scope: Option<PerGrade>,
    /// The targets by grade (A, B, C, D), then rank.
    pub targets: Vec<TargetView>,
    /// The results recorded so far.
    pub results: Vec<ResultView>,
    /// The regulator who made it.
    pub created_by: PublicKey,
    /// The height it was made at.
    pub created_height: u64,
    /// The inspectors' names, for every key above (pool, targets, assignments, results).
    #[serde(default)]
    pub names: Vec<NamedKey>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// A plan in a list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanSummary {
    /// Its id.
    pub plan_id: u64,
    /// Its region.
    pub region: RegionCode,
    /// The business types in scope.
    pub business_types: Vec<BusinessType>,
    /// The share of each grade drawn, in whole percent.
    pub ratios: PerGrade,
    /// The block whose hash seeds the draw.
    pub reveal_height: u64,
    /// `waiting` or `drawn`.
    pub status: PlanStatus,
    /// The regulator who made it.
    pub created_by: PublicKey,
    /// The height it was made at.
    pub created_height: u64,
}

/// `GET /v1/inspections?region=CQ`: a region's plans, oldest first.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlansView {
    /// The plans.
    pub plans: Vec<PlanSummary>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// `?region=`: whose plans.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PlansQuery {
    /// The region's code (`CQ`).
    pub region: Option<String>,
}

/// A business in a region's list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessSummary {
    /// 统一社会信用代码.
    pub credit_code: CreditCode,
    /// Registered name.
    pub name: Text,
    /// `gas_station`, `market`…
    pub business_type: BusinessType,
    /// The grade on the list's date.
    pub grade: Grade,
    /// The score on the list's date.
    pub score: i64,
}

/// `GET /v1/businesses?region=CQ`: a page of a region's businesses, by credit code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessesView {
    /// The businesses, ordered by credit code.
    pub businesses: Vec<BusinessSummary>,
    /// The region.
    pub region: RegionCode,
    /// The date they are graded on: that of the block read at (CST).
    pub on: Date,
    /// The finalized height this answer was read at.
    pub height: u64,
    /// Pass as `after` for the next page; `null` on the last page.
    pub next: Option<CreditCode>,
}

/// `?region=CQ&type=&after=&limit=&at=`: which page of a region's businesses.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct BusinessListQuery {
    /// The region's code (required).
    pub region: Option<String>,
    /// Only businesses of this type (`gas_station`…).
    #[serde(rename = "type")]
    pub business_type: Option<String>,
    /// Only codes after this one (the previous page's `next`).
    pub after: Option<String>,
    /// At most this many, 1–1000 (default 1000).
    pub limit: Option<String>,
    /// The state after this finalized height, graded on its block's date (default: the head):
    /// a plan's reveal height gives the businesses and grades its draw was made from.
    pub at: Option<String>,
}
