//! The chain's answers: health, blocks, transactions, validators and accounts.

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::records::Role;
use hengxin_primitives::{CreditCode, Hash, LabCode, PublicKey, RegionCode};
use serde::{Deserialize, Serialize};

use crate::ErrorDetail;

/// `GET /v1/health`: a node's view of the chain.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Health {
    /// The last finalized height.
    pub height: u64,
    /// Its block hash.
    pub finalized_hash: Hash,
    /// Connected peers.
    pub peers: u64,
    /// Whether the node is catching up (it applied a block from sync in the last 2 s).
    pub syncing: bool,
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The chain's cryptography, fixed in its genesis: what its keys sign with and what
    /// documents are hashed with.
    #[serde(default)]
    pub crypto: Scheme,
    /// What the node does: a validator, or an observer that serves reads.
    #[serde(default)]
    pub role: NodeRole,
    /// Where QR codes should send readers when not to this node's own `/verify` (the node's
    /// `[http] verify_base`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verify_base: Option<String>,
}

/// What a node does in the consortium (its config's `role`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "lowercase")]
pub enum NodeRole {
    /// Votes on blocks while its key is in the validator set, and proposes in turn.
    #[default]
    Validator,
    /// Follows the chain without ever signing a vote, and serves the read API, proofs and the
    /// verify page; a transaction sent to it is checked and forwarded to the validators by
    /// the transaction gossip.
    Observer,
}

/// `GET /v1/blocks/{height}`: a finalized block's header, briefly.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockView {
    /// Height.
    pub height: u64,
    /// Hash.
    pub hash: Hash,
    /// Parent hash.
    pub parent_hash: Hash,
    /// State root after the block.
    pub state_root: Hash,
    /// Proposer's time, UTC ms.
    pub timestamp_ms: u64,
    /// The validator that proposed it (genesis: the all-zero key).
    pub proposer: PublicKey,
    /// Transactions in it.
    pub tx_count: u64,
    /// Their hashes, in block order.
    pub transactions: Vec<Hash>,
}

/// `POST /v1/transactions`: the pooled transaction's hash.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Submitted {
    /// SHA-256 of the encoded signed transaction.
    pub hash: Hash,
}

/// Most transactions in one `POST /v1/transactions/batch`.
pub const BATCH_TXS_MAX: usize = 1_000;
/// Most bytes in the body of one `POST /v1/transactions/batch`.
pub const BATCH_BYTES_MAX: usize = 4 * 1024 * 1024;

/// `POST /v1/transactions/batch`: what became of each transaction, in the batch's order.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchSubmitted {
    /// How many were pooled.
    pub accepted: u32,
    /// One for each transaction of the batch.
    pub results: Vec<BatchResult>,
}

/// One transaction of a batch: pooled (its hash) or refused (the error a single submission
/// would have had).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BatchResult {
    /// Its hash, when it was pooled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash: Option<Hash>,
    /// Why it was refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

hengxin_primitives::wire_words! {
    /// Where a transaction is.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum TxState: "transaction status" {
        /// Waiting in this node's pool.
        Pending = "pending",
        /// In a finalized block, and it succeeded.
        Finalized = "finalized",
        /// In a finalized block, and it was refused (nothing changed).
        Rejected = "rejected",
    }
}

/// `GET /v1/transactions/{hash}`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TxStatus {
    /// `pending`, `finalized` or `rejected`.
    pub status: TxState,
    /// The block it landed in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u64>,
    /// Why it was rejected.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorDetail>,
}

/// A validator and its voting power.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidatorView {
    /// ed25519 public key.
    pub public_key: PublicKey,
    /// Voting power.
    pub power: u64,
}

/// A proposed validator set and the regions that approved it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProposalView {
    /// Its id (what `ApproveValidatorSet` names).
    pub id: u64,
    /// The proposed set.
    pub validators: Vec<ValidatorView>,
    /// Regions whose regulator approved.
    pub approved_by: Vec<RegionCode>,
    /// Height at which every region had approved (the set takes over at the next height).
    pub scheduled_height: Option<u64>,
}

/// `GET /v1/validators`: the validator sets and the governance in progress.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidatorsView {
    /// The set deciding the next height.
    pub current: Vec<ValidatorView>,
    /// The set announced for the height after (equal to `current` unless a change is due).
    pub next: Vec<ValidatorView>,
    /// The latest proposal, if any.
    pub proposal: Option<ProposalView>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// `GET /v1/accounts/{public_key}`: an account's standing.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountView {
    /// The public key.
    pub public_key: PublicKey,
    /// The nonce its next transaction must carry.
    pub nonce: u64,
    /// `regulator`, `lab_key`, `inspector`, `business`, or `none`.
    pub role: Role,
    /// The lab it signs for (a lab key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lab: Option<LabCode>,
    /// The region it acts for (a regulator or an inspector).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<RegionCode>,
    /// The business it signs for (a business key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business: Option<CreditCode>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

impl AccountView {
    /// The lab this account signs for, when it is a lab key.
    pub fn lab_key_of(&self) -> Option<&LabCode> {
        self.lab.as_ref().filter(|_| self.role == Role::LabKey)
    }
}
