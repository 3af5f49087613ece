//! The records of a 双随机 inspection plan (DOMAIN.md §5): the plan, its draw and its results,
//! and the conflicts of interest (回避) inspectors declare. The draw itself is [`crate::draw`].

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::credit::CreditEvent;
use crate::crypto::{AccountId, Hash};
use crate::draw::Target;
use crate::ids::{CreditCode, RegionCode};
use crate::records::BusinessType;
use crate::time::Date;

/// The default sampling ratios in whole percent, for grades A, B, C, D.
pub const DEFAULT_RATIOS: [u8; 4] = [5, 10, 30, 100];

/// A random-inspection plan. It never changes once created.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct InspectionPlan {
    /// Its id, from 1.
    pub id: u64,
    /// The region whose businesses it inspects.
    pub region: RegionCode,
    /// The business types in scope, sorted, each once.
    pub business_types: Vec<BusinessType>,
    /// The share of each grade's businesses drawn, in whole percent, for A, B, C, D.
    pub ratios: [u8; 4],
    /// The inspectors it draws from, sorted by key, each once.
    pub inspectors: Vec<AccountId>,
    /// The finalized block whose hash seeds the draw.
    pub reveal_height: u64,
    /// The regulator who made it.
    pub created_by: AccountId,
    /// The height it was made at.
    pub created_height: u64,
}

/// A plan's draw, made when its reveal block is finalized (as the next block begins).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct DrawRecord {
    /// The hash of the block at the plan's reveal height.
    pub block_hash: Hash,
    /// [`crate::draw::seed`] of the plan id and that hash.
    pub seed: Hash,
    /// The CST date of the reveal block, on which the businesses were graded.
    pub on: Date,
    /// How many businesses of each grade A, B, C, D were in scope.
    pub in_scope: [u32; 4],
    /// The targets, by grade then rank.
    pub targets: Vec<Target>,
}

/// An inspector the region's regulator assigned to a target the draw left short
/// (DOMAIN.md §5): public, kept with the plan, never changing the draw itself.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Assignment {
    /// The inspector.
    pub inspector: AccountId,
    /// The regulator who assigned it.
    pub by: AccountId,
    /// The height it was assigned at.
    pub height: u64,
}

/// A conflict of interest (回避) an inspector declared with a business: it counts for every
/// plan whose reveal height is after `height`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Conflict {
    /// The business.
    pub credit_code: CreditCode,
    /// The height it was declared at.
    pub height: u64,
}

crate::wire_words! {
    /// What an inspection found.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
    pub enum Outcome: "inspection outcome" {
        /// Passed: a P1 record.
        #[codec(index = 0)]
        Pass = "pass",
        /// A V1 finding.
        #[codec(index = 1)]
        V1 = "V1",
        /// A V2 finding.
        #[codec(index = 2)]
        V2 = "V2",
        /// A V3 finding.
        #[codec(index = 3)]
        V3 = "V3",
        /// A V4 finding.
        #[codec(index = 4)]
        V4 = "V4",
        /// A V5 finding.
        #[codec(index = 5)]
        V5 = "V5",
        /// A V6 finding.
        #[codec(index = 6)]
        V6 = "V6",
    }
}

impl Outcome {
    /// The credit record the outcome makes: pass → P1, a finding → its V-record.
    pub fn credit_event(self) -> CreditEvent {
        match self {
            Outcome::Pass => CreditEvent::P1,
            Outcome::V1 => CreditEvent::V1,
            Outcome::V2 => CreditEvent::V2,
            Outcome::V3 => CreditEvent::V3,
            Outcome::V4 => CreditEvent::V4,
            Outcome::V5 => CreditEvent::V5,
            Outcome::V6 => CreditEvent::V6,
        }
    }
}

/// The result of inspecting one target of a plan.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct InspectionResult {
    /// The business.
    pub credit_code: CreditCode,
    /// What was found.
    pub outcome: Outcome,
    /// SHA-256 of the evidence.
    pub evidence_hash: Hash,
    /// The drawn inspector who recorded it.
    pub inspector: AccountId,
    /// The height it was recorded at.
    pub height: u64,
    /// The credit record it made.
    pub credit_record: u64,
}
