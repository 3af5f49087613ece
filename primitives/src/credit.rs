//! Integrity-metrology credit (诚信计量信用): a business's records, its self-commitment, and
//! the one rule that turns them into a score and a grade on a date (DOMAIN.md §4).
//!
//! The pallet, the node and the verifier all call [`grade`], with the rule table the genesis
//! holds ([`CreditParams`]), so a grade read from a proof is the grade the chain computed.

use parity_scale_codec::{Decode, Encode};

use crate::crypto::{AccountId, Hash};
use crate::time::Date;

crate::wire_words! {
    /// What a credit record says: a violation V1–V6, or a positive record P1–P2.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
    pub enum CreditEvent: "credit record code" {
        /// 未按规定申请强制检定: an instrument in use without required compulsory verification.
        #[codec(index = 0)]
        V1 = "V1",
        /// 使用不合格或超期计量器具: an instrument in use that failed or is overdue.
        #[codec(index = 1)]
        V2 = "V2",
        /// 破坏准确度, 计量作弊: tampering with an instrument's accuracy, cheating.
        #[codec(index = 2)]
        V3 = "V3",
        /// 伪造数据, 出具虚假证书: forged metrology data or a false certificate.
        #[codec(index = 3)]
        V4 = "V4",
        /// 定量包装商品净含量不合格: pre-packaged goods failing their net content.
        #[codec(index = 4)]
        V5 = "V5",
        /// 经查实的计量投诉: an upheld complaint (short weight…).
        #[codec(index = 5)]
        V6 = "V6",
        /// 双随机 inspection passed with no findings.
        #[codec(index = 6)]
        P1 = "P1",
        /// 诚信计量示范单位: designated a model unit by a regulator.
        #[codec(index = 7)]
        P2 = "P2",
    }
}

impl CreditEvent {
    /// A violation (V1–V6): it can be repaired.
    pub fn is_violation(self) -> bool {
        !matches!(self, CreditEvent::P1 | CreditEvent::P2)
    }

    /// A severe violation (V3 tampering, V4 forgery): recorded only with its evidence's hash.
    pub fn needs_evidence(self) -> bool {
        matches!(self, CreditEvent::V3 | CreditEvent::V4)
    }

    /// The Chinese name, for people.
    pub fn name_zh(self) -> &'static str {
        match self {
            CreditEvent::V1 => "未按规定申请强制检定",
            CreditEvent::V2 => "使用不合格或超期计量器具",
            CreditEvent::V3 => "破坏计量器具准确度或计量作弊",
            CreditEvent::V4 => "伪造计量数据或出具虚假证书",
            CreditEvent::V5 => "定量包装商品净含量不合格",
            CreditEvent::V6 => "经查实的计量投诉",
            CreditEvent::P1 => "双随机抽查合格",
            CreditEvent::P2 => "诚信计量示范单位",
        }
    }
}

crate::wire_words! {
    /// A credit grade: A best, D worst.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
    pub enum Grade: "credit grade" {
        /// Score 90 or more, no cap.
        #[codec(index = 0)]
        A = "A",
        /// 75–89, or capped for want of a current self-commitment.
        #[codec(index = 1)]
        B = "B",
        /// 60–74.
        #[codec(index = 2)]
        C = "C",
        /// Under 60, or capped by a counting V3/V4.
        #[codec(index = 3)]
        D = "D",
    }
}

/// What one kind of record does. Its JSON/TOML form is a table `{ points, months, severe }`
/// (`severe` false when left out).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Serialize, serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct EventRule {
    /// Points while it counts (negative for a violation).
    pub points: i32,
    /// Months it counts for from its date; 0: until withdrawn (P2).
    pub months: u32,
    /// While it counts, the grade is at most D; and it can be repaired only after
    /// [`CreditParams::severe_repair_months`] (V3, V4).
    #[cfg_attr(feature = "serde", serde(default))]
    pub severe: bool,
}

/// The credit rule table: a genesis parameter, the same for every node and every verifier.
///
/// Its JSON/TOML form (the consortium file's `[credit]`) names each field as here, but for
/// `rules`, written `events`: a table from each record's code to its rule, every code once
/// (see `serde_impls`). Read from a file, it is then checked with [`CreditParams::validate`].
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
#[cfg_attr(
    feature = "serde",
    derive(serde::Deserialize),
    serde(deny_unknown_fields)
)]
pub struct CreditParams {
    /// What each record does, by [`CreditEvent`] (indexed by its codec index, V1 first).
    #[cfg_attr(
        feature = "serde",
        serde(
            rename = "events",
            deserialize_with = "crate::serde_impls::rules_by_code"
        )
    )]
    pub rules: [EventRule; 8],
    /// The score of a business without records.
    pub start: i32,
    /// The score never exceeds this.
    pub ceiling: i32,
    /// The P1 records counting on a date add at most this together.
    pub p1_cap: i32,
    /// The least score of A, B and C.
    pub thresholds: [i32; 3],
    /// A self-commitment is current for this many months from its date.
    pub commitment_months: u32,
    /// A violation can be repaired from this many months after its date…
    pub repair_months: u32,
    /// … and a severe one (V3, V4) from this many.
    pub severe_repair_months: u32,
}

impl Default for CreditParams {
    /// The table of DOMAIN.md §4.
    fn default() -> CreditParams {
        let rule = |points, months, severe| EventRule {
            points,
            months,
            severe,
        };
        CreditParams {
            rules: [
                rule(-10, 12, false),
                rule(-15, 24, false),
                rule(-40, 36, true),
                rule(-50, 36, true),
                rule(-10, 12, false),
                rule(-5, 12, false),
                rule(2, 12, false),
                rule(10, 0, false),
            ],
            start: 100,
            ceiling: 110,
            p1_cap: 10,
            thresholds: [90, 75, 60],
            commitment_months: 12,
            repair_months: 6,
            severe_repair_months: 12,
        }
    }
}

impl CreditParams {
    /// The rule for `event`.
    pub fn rule(&self, event: CreditEvent) -> EventRule {
        self.rules[event as usize]
    }

    /// Whether the table can be a chain's: thresholds falling (A > B > C) and the ceiling at
    /// least the start.
    pub fn validate(&self) -> Result<(), InvalidCreditParams> {
        let [a, b, c] = self.thresholds;
        if !(a > b && b > c) || self.ceiling < self.start {
            return Err(InvalidCreditParams);
        }
        Ok(())
    }
}

/// Why a credit rule table cannot be a chain's.
#[derive(Clone, Copy, PartialEq, Eq, Debug, thiserror::Error)]
#[error("thresholds must fall (A > B > C) and the ceiling be at least the start")]
pub struct InvalidCreditParams;

/// One credit record of a business.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CreditRecord {
    /// Its number within the business's records, from 0.
    pub id: u64,
    /// What it says.
    pub event: CreditEvent,
    /// The date of the finding (or designation), CST.
    pub date: Date,
    /// SHA-256 of the evidence.
    pub evidence_hash: Hash,
    /// The inspector or regulator who recorded it.
    pub recorded_by: AccountId,
    /// The date its business applied for repair (信用修复), while the application waits.
    pub repair_applied: Option<Date>,
    /// The date a regulator approved its repair: from then on it does not count.
    pub repaired: Option<Date>,
    /// The date a regulator withdrew it (a P2 designation): from then on it does not count.
    pub withdrawn: Option<Date>,
}

/// A business's self-commitment (诚信计量自我承诺).
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Commitment {
    /// SHA-256 of the signed commitment document.
    pub document_hash: Hash,
    /// Its date, CST.
    pub date: Date,
    /// Who filed it: the business's own key, or its regulator on its behalf.
    pub filed_by: AccountId,
}

impl Commitment {
    /// Current on every date from its date to before `date + commitment_months`.
    pub fn is_current(&self, on: Date, params: &CreditParams) -> bool {
        self.date <= on && on < self.date.add_months(params.commitment_months)
    }
}

/// The self-commitment in force on `on`: the newest of `commitments` (sorted by date) dated on
/// or before it. [`grade`] then checks it is still current.
pub fn commitment_on(commitments: &[Commitment], on: Date) -> Option<&Commitment> {
    commitments.iter().rev().find(|c| c.date <= on)
}

crate::wire_words! {
    /// Where a record stands on a date.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum RecordState: "record state" {
        /// It counts.
        Counting = "counting" ("计分中", "counting"),
        /// Its time is over (or it is dated later).
        Expired = "expired" ("已过期", "expired"),
        /// Repaired: it stopped counting, and stays in the history.
        Repaired = "repaired" ("已修复", "repaired"),
        /// Withdrawn by a regulator (a P2 designation).
        Withdrawn = "withdrawn" ("已撤销", "withdrawn"),
    }
}

impl CreditRecord {
    /// The first date it no longer counts for its time (`None`: until withdrawn).
    pub fn counts_until(&self, params: &CreditParams) -> Option<Date> {
        match params.rule(self.event).months {
            0 => None,
            months => Some(self.date.add_months(months)),
        }
    }

    /// Where it stands on `on`: repaired or withdrawn on or before `on`, counting from its
    /// date to before [`CreditRecord::counts_until`], expired otherwise.
    pub fn state(&self, on: Date, params: &CreditParams) -> RecordState {
        if self.repaired.is_some_and(|d| d <= on) {
            return RecordState::Repaired;
        }
        if self.withdrawn.is_some_and(|d| d <= on) {
            return RecordState::Withdrawn;
        }
        let within = self.counts_until(params).is_none_or(|until| on < until);
        if self.date <= on && within {
            RecordState::Counting
        } else {
            RecordState::Expired
        }
    }

    /// The first date its business may apply to repair it (`None`: not a violation).
    pub fn repairable_from(&self, params: &CreditParams) -> Option<Date> {
        if !self.event.is_violation() {
            return None;
        }
        let months = match params.rule(self.event).severe {
            true => params.severe_repair_months,
            false => params.repair_months,
        };
        Some(self.date.add_months(months))
    }
}

/// A business's score and grade on a date.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Standing {
    /// 100 plus the points of the records counting, at most the ceiling (it may go below 0).
    pub score: i64,
    /// From the score, then capped.
    pub grade: Grade,
}

/// The score and grade of a business with `records` and `commitment` on `on` (DOMAIN.md §4):
/// the start plus the points of the records counting that day (P1s together at most the P1
/// cap), at most the ceiling; A/B/C/D by the thresholds; at most D while a severe record
/// (V3, V4) counts; at most B without a current self-commitment.
pub fn grade(
    records: &[CreditRecord],
    commitment: Option<&Commitment>,
    on: Date,
    params: &CreditParams,
) -> Standing {
    let mut points = i64::from(params.start);
    let mut p1 = 0i64;
    let mut severe = false;
    for record in records {
        if record.state(on, params) != RecordState::Counting {
            continue;
        }
        let rule = params.rule(record.event);
        match record.event {
            CreditEvent::P1 => p1 += i64::from(rule.points),
            _ => points += i64::from(rule.points),
        }
        severe |= rule.severe;
    }
    let score = (points + p1.min(i64::from(params.p1_cap))).min(i64::from(params.ceiling));
    let [a, b, c] = params.thresholds.map(i64::from);
    let mut grade = match score {
        s if s >= a => Grade::A,
        s if s >= b => Grade::B,
        s if s >= c => Grade::C,
        _ => Grade::D,
    };
    if severe {
        grade = Grade::D;
    }
    if !commitment.is_some_and(|c| c.is_current(on, params)) {
        grade = grade.max(Grade::B);
    }
    Standing { score, grade }
}

#[cfg(test)]
#[path = "credit_tests.rs"]
mod tests;
