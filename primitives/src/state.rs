//! The state layout (one key enum for every pallet) and proofs of state against a state root.
//!
//! The state is a Jellyfish Merkle Tree over `SHA-256(SCALE(StorageKey))`. A proof of a key is
//! its value (or its absence) with the tree's sparse Merkle proof, which the WASM verifier checks
//! with the same code as the client.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::crypto::{AccountId, Hash, Scheme};
use crate::ids::{CertNumber, ClassCode, CreditCode, LabCode, RegionCode, StandardId};
use crate::instruments::InstrumentId;
use crate::merkle::{self, ProofError};

/// Every key of the runtime's state. Explicit indexes keep the layout stable; each pallet has
/// its own range (0–9 system, 10–19 membership, 20–29 certificates, 30–39 standards, 40–49
/// recognition, 50–59 credit, 60–69 inspection, 70–79 membership's indexes, 80–89
/// instruments).
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
pub enum StorageKey {
    /// `u64`: the next nonce an account must use.
    #[codec(index = 0)]
    Nonce(AccountId),
    /// `ChainInfo`: name and parameters fixed at genesis.
    #[codec(index = 1)]
    Chain,
    /// `RegionRecord`.
    #[codec(index = 10)]
    Region(RegionCode),
    /// `AccountRole`: what an account may do.
    #[codec(index = 11)]
    Role(AccountId),
    /// `LabRecord`.
    #[codec(index = 12)]
    Lab(LabCode),
    /// `BusinessRecord`.
    #[codec(index = 13)]
    Business(CreditCode),
    /// `ValidatorSet`: the set that finalizes the current block.
    #[codec(index = 14)]
    Validators,
    /// `ValidatorSet`: the set that takes over at the next height, once approved.
    #[codec(index = 15)]
    NextValidators,
    /// `ValidatorProposal`: a proposed set awaiting the other regions' approval.
    #[codec(index = 16)]
    ValidatorProposal,
    /// `Vec<RegionCode>`: every region, sorted; validator changes need all of them.
    #[codec(index = 17)]
    Regions,
    /// `u64`: how many businesses a region has registered.
    #[codec(index = 18)]
    BusinessCount(RegionCode),
    /// `Vec<CreditCode>`: one page of a region's businesses, in registration order
    /// (`hengxin_membership::BUSINESS_PAGE` to a page; complete: the count says how many).
    #[codec(index = 19)]
    BusinessPage(RegionCode, u32),
    /// `CertificateRecord`.
    #[codec(index = 20)]
    Certificate(LabCode, CertNumber),
    /// The certificate holding a document: its `DocumentHolder`, by the document's SHA-256.
    #[codec(index = 21)]
    Document(Hash),
    /// `StandardRecord`.
    #[codec(index = 30)]
    Standard(StandardId),
    /// `Agreement`: a mutual-recognition agreement by id.
    #[codec(index = 40)]
    Agreement(u64),
    /// `Vec<u64>`: the ids of every agreement a region is a party to, oldest first (complete:
    /// a proof of it shows every agreement that can decide a certificate's recognition).
    #[codec(index = 41)]
    AgreementsOf(RegionCode),
    /// `u64`: the number of agreements made; the last id.
    #[codec(index = 42)]
    AgreementCount,
    /// `CreditParams`: the credit rule table, fixed at genesis.
    #[codec(index = 50)]
    CreditParams,
    /// `Vec<Commitment>`: a business's self-commitments, by date (a grade on a past date uses
    /// the one made by then).
    #[codec(index = 51)]
    Commitment(CreditCode),
    /// `Vec<CreditRecord>`: every credit record of a business, by id (complete: a proof of it
    /// shows every record its grade is computed from).
    #[codec(index = 52)]
    CreditRecords(CreditCode),
    /// `InspectionPlan`: a 双随机 plan by id.
    #[codec(index = 60)]
    Plan(u64),
    /// `u64`: the number of plans made; the last id.
    #[codec(index = 61)]
    PlanCount,
    /// `Vec<u64>`: the ids of a region's plans, oldest first.
    #[codec(index = 62)]
    PlansOf(RegionCode),
    /// `Vec<u64>`: the plans whose reveal height this is, drawn as the next block begins.
    #[codec(index = 63)]
    PlansRevealing(u64),
    /// `DrawRecord`: a plan's draw, once its reveal block is finalized.
    #[codec(index = 64)]
    Draw(u64),
    /// `InspectionResult`: the result of inspecting one target of a plan.
    #[codec(index = 65)]
    InspectionResult(u64, CreditCode),
    /// `Vec<Conflict>`: the conflicts of interest an inspector declared, oldest first.
    #[codec(index = 66)]
    Conflicts(AccountId),
    /// `Vec<Assignment>`: the inspectors assigned to a short target of a plan, oldest first.
    #[codec(index = 67)]
    Assignments(u64, CreditCode),
    /// `Vec<AccountId>`: every inspector a region registered, removed ones included (their
    /// role says whether they are active), oldest first.
    #[codec(index = 70)]
    InspectorsOf(RegionCode),
    /// `InstrumentClass`: an instrument class (器具类别) by code.
    #[codec(index = 80)]
    InstrumentClass(ClassCode),
    /// `Vec<ClassCode>`: every class, in the order they were added.
    #[codec(index = 81)]
    InstrumentClasses,
    /// `InstrumentParams`: the instrument rules' numbers, fixed at genesis.
    #[codec(index = 82)]
    InstrumentParams,
    /// `u64`: how many instruments a region has registered; the last id's number.
    #[codec(index = 83)]
    InstrumentCount(RegionCode),
    /// `InstrumentRecord`.
    #[codec(index = 84)]
    Instrument(InstrumentId),
    /// `Vec<Entry>`: one page of an instrument's history, oldest first
    /// (`instruments::HISTORY_PAGE` to a page; complete: the record says how many entries).
    #[codec(index = 85)]
    InstrumentHistory(InstrumentId, u32),
    /// `InstrumentId`: the instrument of a class, manufacturer and serial (one each), by
    /// `instruments::identity_hash` of the three.
    #[codec(index = 86)]
    InstrumentSerial(Hash),
    /// `u64`: how many instruments a business has owned (registered to it or transferred to
    /// it), its list's length.
    #[codec(index = 87)]
    InstrumentsOwned(CreditCode),
    /// `Vec<InstrumentId>`: one page of a business's list, in the order it came to own them;
    /// an instrument since transferred stays listed, and its record names its owner now.
    #[codec(index = 88)]
    InstrumentsOwnedPage(CreditCode, u32),
}

impl StorageKey {
    /// The key's bytes in the state.
    pub fn to_bytes(&self) -> Vec<u8> {
        self.encode()
    }
}

/// The tree's key for raw key bytes: their hash, with the chain's hash.
pub fn key_hash(scheme: Scheme, key: &[u8]) -> [u8; 32] {
    scheme.hash(key).0
}

/// The largest state value; records are far smaller.
pub const VALUE_SIZE_BYTES_MAX: usize = 64 * 1024;
/// The largest encoded key.
pub const KEY_SIZE_BYTES_MAX: usize = 1024;
/// The largest encoded Merkle proof (256 siblings of at most 65 bytes, and a leaf).
pub const PROOF_SIZE_BYTES_MAX: usize = 256 * 65 + 128;

/// A key's value, or its absence, proven against a state root.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StateProof {
    /// The key's bytes (`SCALE(StorageKey)`).
    pub key: Vec<u8>,
    /// The value, or `None` for a proof of absence.
    pub value: Option<Vec<u8>>,
    /// The Jellyfish Merkle proof, in the tree crate's own canonical (borsh) encoding (see
    /// `merkle`).
    pub proof: Vec<u8>,
}

/// Why a state proof was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StateProofError {
    /// Key, value or proof over its size limit.
    #[error("state proof field over its size limit")]
    TooLarge,
    /// The proof's bytes are not a Merkle proof.
    #[error("state proof is malformed")]
    Malformed,
    /// The proof does not lead to the root.
    #[error("state proof does not match the state root")]
    Mismatch,
}

impl StateProof {
    /// Checks the value (or absence) of `key` against `state_root`, a root of a chain of
    /// `scheme`.
    pub fn verify(&self, scheme: Scheme, state_root: &Hash) -> Result<(), StateProofError> {
        if self.key.len() > KEY_SIZE_BYTES_MAX
            || self
                .value
                .as_ref()
                .is_some_and(|v| v.len() > VALUE_SIZE_BYTES_MAX)
            || self.proof.len() > PROOF_SIZE_BYTES_MAX
        {
            return Err(StateProofError::TooLarge);
        }
        merkle::verify(
            scheme,
            &self.proof,
            &state_root.0,
            &key_hash(scheme, &self.key),
            self.value.as_deref(),
        )
        .map_err(|e| match e {
            ProofError::Malformed => StateProofError::Malformed,
            ProofError::Mismatch => StateProofError::Mismatch,
        })
    }
}
