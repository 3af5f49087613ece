//! Integrity-metrology credit (诚信计量): self-commitments, credit records and their repair.
//!
//! A business files its self-commitment with its own key, or its regulator files one made on
//! paper; inspectors and regulators of its region record findings (V1–V6) and passed
//! inspections (P1), regulators designate model units (P2) and withdraw designations; the
//! business applies to repair a V-record once enough time has passed, and its regulator
//! approves or rejects. The score and grade are one rule,
//! [`hengxin_primitives::credit::grade`], over the records and the rule table the genesis
//! fixed ([`StorageKey::CreditParams`]).
//!
//! State: a business's self-commitments under [`StorageKey::Commitment`] and all its records
//! under [`StorageKey::CreditRecords`], each one key, so a proof of them is complete: a node
//! cannot leave a record out of a business's proof.

mod calls;
#[cfg(test)]
mod tests;

use hengxin_primitives::credit::{Commitment, CreditEvent, CreditParams, CreditRecord, Standing};
use hengxin_primitives::gather;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CreditCode, Date, Hash, RegionCode};
use hengxin_support::{DispatchResult, Env, PalletError, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

pub use calls::add_record;

/// The most credit records a business keeps (one state value holds them all).
pub const RECORDS_MAX: usize = 512;
/// The most self-commitments a business keeps (one a year).
pub const COMMITMENTS_MAX: usize = 64;

/// The credit rule table the genesis fixed (the default table if none was stored).
pub fn params(s: &mut dyn Storage) -> Result<CreditParams, StorageError> {
    gather::credit_params(s)
}

/// Every credit record of a business, by id.
pub fn records(s: &mut dyn Storage, code: &CreditCode) -> Result<Vec<CreditRecord>, StorageError> {
    Ok(s.get(&StorageKey::CreditRecords(code.clone()))?
        .unwrap_or_default())
}

/// A business's self-commitments, by date.
pub fn commitments(
    s: &mut dyn Storage,
    code: &CreditCode,
) -> Result<Vec<Commitment>, StorageError> {
    Ok(s.get(&StorageKey::Commitment(code.clone()))?
        .unwrap_or_default())
}

/// The score and grade of business `code` on `on`: its inputs gathered by the one read path
/// ([`gather::credit_inputs`], as the node and the verifier gather them), graded by the one
/// rule ([`hengxin_primitives::credit::grade`]).
pub fn standing(
    s: &mut dyn Storage,
    code: &CreditCode,
    on: Date,
) -> Result<Standing, StorageError> {
    Ok(gather::credit_inputs(s, code)?.standing(on))
}

/// What a successful call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// A self-commitment was filed.
    #[codec(index = 0)]
    CommitmentFiled {
        /// The business.
        credit_code: CreditCode,
        /// Its date.
        date: Date,
    },
    /// A credit record was made.
    #[codec(index = 1)]
    Recorded {
        /// The business.
        credit_code: CreditCode,
        /// The record's id.
        id: u64,
        /// What it says.
        event: CreditEvent,
    },
    /// A P2 designation was withdrawn.
    #[codec(index = 2)]
    Withdrawn {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        id: u64,
    },
    /// The business applied to repair a record.
    #[codec(index = 3)]
    RepairApplied {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        id: u64,
    },
    /// Its regulator approved the repair: the record stops counting.
    #[codec(index = 4)]
    RepairApproved {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        id: u64,
    },
    /// Its regulator rejected the repair.
    #[codec(index = 5)]
    RepairRejected {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        id: u64,
    },
}

/// Why a call was refused.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// No business has this code.
    #[codec(index = 0)]
    #[error("no business {0} is registered")]
    UnknownBusiness(CreditCode),
    /// Only the business's own key or a regulator of its region files a commitment.
    #[codec(index = 1)]
    #[error("only business {0}'s own key or a regulator of its region may do this")]
    NotBusinessOrRegulator(CreditCode),
    /// Only an inspector or a regulator of the business's region records.
    #[codec(index = 2)]
    #[error("only an inspector or a regulator of {0} may record a business's credit")]
    NotInspectorOrRegulator(RegionCode),
    /// Only a regulator of the business's region may do this (P2, withdrawals, repairs).
    #[codec(index = 3)]
    #[error("only a regulator of {0} may do this")]
    NotRegulatorOf(RegionCode),
    /// A date after the chain's date.
    #[codec(index = 4)]
    #[error("the date is after today ({today}) on the chain")]
    DateInFuture {
        /// The chain's date.
        today: Date,
    },
    /// Over the record limit.
    #[codec(index = 5)]
    #[error("a business keeps at most {RECORDS_MAX} credit records")]
    TooManyRecords,
    /// Over the commitment limit.
    #[codec(index = 6)]
    #[error("a business keeps at most {COMMITMENTS_MAX} self-commitments")]
    TooManyCommitments,
    /// No record has this id.
    #[codec(index = 7)]
    #[error("business has no credit record {0}")]
    NoSuchRecord(u64),
    /// Only a P2 designation is withdrawn.
    #[codec(index = 8)]
    #[error("only a P2 designation can be withdrawn; record {0} is not one")]
    NotWithdrawable(u64),
    /// Withdrawn already.
    #[codec(index = 9)]
    #[error("record {0} is withdrawn already")]
    AlreadyWithdrawn(u64),
    /// Only a violation (V1–V6) is repaired.
    #[codec(index = 10)]
    #[error("only a violation (V1–V6) can be repaired; record {0} is not one")]
    NotRepairable(u64),
    /// Before the repair opens.
    #[codec(index = 11)]
    #[error("record's repair opens on {from}")]
    RepairTooEarly {
        /// The first date the business may apply.
        from: Date,
    },
    /// Repaired already.
    #[codec(index = 12)]
    #[error("record {0} is repaired already")]
    AlreadyRepaired(u64),
    /// An application waits already.
    #[codec(index = 13)]
    #[error("a repair of record {0} waits for the regulator already")]
    RepairPending(u64),
    /// No application to decide.
    #[codec(index = 14)]
    #[error("no repair of record {0} was applied for")]
    NoRepairApplication(u64),
    /// Only the business itself applies for a repair.
    #[codec(index = 15)]
    #[error("only business {0}'s own key may apply for a repair")]
    NotBusiness(CreditCode),
    /// A severe record needs the hash of its evidence.
    #[codec(index = 16)]
    #[error(
        "{0} 记录必须附证据文件 / a {0} record needs its evidence: give the evidence file's \
         hash (hengxin credit record … --evidence FILE)"
    )]
    EvidenceRequired(CreditEvent),
}

impl Error {
    /// The stable code the API reports for this refusal. Written out: a rename cannot change
    /// it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::UnknownBusiness(_) => "credit.unknown_business",
            Error::NotBusinessOrRegulator(_) => "credit.not_business_or_regulator",
            Error::NotInspectorOrRegulator(_) => "credit.not_inspector_or_regulator",
            Error::NotRegulatorOf(_) => "credit.not_regulator_of",
            Error::DateInFuture { .. } => "credit.date_in_future",
            Error::TooManyRecords => "credit.too_many_records",
            Error::TooManyCommitments => "credit.too_many_commitments",
            Error::NoSuchRecord(_) => "credit.no_such_record",
            Error::NotWithdrawable(_) => "credit.not_withdrawable",
            Error::AlreadyWithdrawn(_) => "credit.already_withdrawn",
            Error::NotRepairable(_) => "credit.not_repairable",
            Error::RepairTooEarly { .. } => "credit.repair_too_early",
            Error::AlreadyRepaired(_) => "credit.already_repaired",
            Error::RepairPending(_) => "credit.repair_pending",
            Error::NoRepairApplication(_) => "credit.no_repair_application",
            Error::NotBusiness(_) => "credit.not_business",
            Error::EvidenceRequired(_) => "credit.evidence_required",
        }
    }
}

impl PalletError for Error {}

/// The credit calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Files a self-commitment (诚信计量自我承诺): the business's own key, or its regulator for
    /// one made on paper.
    #[codec(index = 0)]
    Commit {
        /// The business.
        credit_code: CreditCode,
        /// SHA-256 of the signed commitment.
        document_hash: Hash,
        /// Its date (not after today).
        date: Date,
    },
    /// Records a finding or a positive record (inspectors and regulators of the region; P2
    /// regulators only).
    #[codec(index = 1)]
    Record {
        /// The business.
        credit_code: CreditCode,
        /// What it says.
        event: CreditEvent,
        /// The finding's date (not after today).
        date: Date,
        /// SHA-256 of the evidence.
        evidence_hash: Hash,
    },
    /// Withdraws a P2 designation (a regulator of the region).
    #[codec(index = 2)]
    Withdraw {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        record: u64,
    },
    /// Applies to repair a V-record (信用修复; the business's own key).
    #[codec(index = 3)]
    ApplyRepair {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        record: u64,
    },
    /// Approves a repair (a regulator of the region): the record stops counting.
    #[codec(index = 4)]
    ApproveRepair {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        record: u64,
    },
    /// Rejects a repair (a regulator of the region).
    #[codec(index = 5)]
    RejectRepair {
        /// The business.
        credit_code: CreditCode,
        /// The record.
        record: u64,
    },
}

/// Routes a call to its function.
pub fn dispatch(
    s: &mut dyn Storage,
    env: &Env,
    signer: &hengxin_primitives::AccountId,
    call: Call,
) -> DispatchResult<Event, Error> {
    match call {
        Call::Commit {
            credit_code,
            document_hash,
            date,
        } => calls::commit(s, env, signer, credit_code, document_hash, date),
        Call::Record {
            credit_code,
            event,
            date,
            evidence_hash,
        } => calls::record(s, env, signer, credit_code, event, date, evidence_hash),
        Call::Withdraw {
            credit_code,
            record,
        } => calls::withdraw(s, env, signer, credit_code, record),
        Call::ApplyRepair {
            credit_code,
            record,
        } => calls::apply_repair(s, env, signer, credit_code, record),
        Call::ApproveRepair {
            credit_code,
            record,
        } => calls::decide_repair(s, env, signer, credit_code, record, true),
        Call::RejectRepair {
            credit_code,
            record,
        } => calls::decide_repair(s, env, signer, credit_code, record, false),
    }
}
