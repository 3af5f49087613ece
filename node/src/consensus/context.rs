//! hengxin's Malachite context: heights, validators, values (block hashes), proposals and votes.
//!
//! Vote sign-bytes are the primitives' `VoteSignBytes` (domain tag, chain, height, round, type,
//! block hash), never Malachite's, so the WASM verifier checks a commit certificate without the
//! engine. They depend only on what `new_precommit` can rebuild: the engine re-verifies every
//! certificate it builds from exactly those fields.

use std::fmt;

use hengxin_primitives::block::{self, VoteSignBytes};
use hengxin_primitives::crypto::{self, Keypair};
use hengxin_primitives::{Hash, Header, PublicKey, Signature};
use hengxin_runtime::Transaction;
use malachite_app_channel::app::types::core::{
    self as mc, LinearTimeouts, NilOrVal, Round, SignedExtension, VoteType, VotingPower,
};
use parity_scale_codec::{Decode, Encode};

/// Domain tag of a proposal signature.
pub const PROPOSAL_TAG: &[u8] = b"hengxin/proposal/v1";
/// Domain tag of the proposer's signature over a streamed block (the `Fin` part).
pub const PROPOSAL_PARTS_TAG: &[u8] = b"hengxin/proposal-parts/v1";
/// Domain tag of a vote-extension signature (extensions are disabled; kept distinct anyway).
pub const EXTENSION_TAG: &[u8] = b"hengxin/vote-extension/v1";

/// The context: the chain's genesis hash is part of every signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HengxinContext {
    /// The chain.
    pub chain: Hash,
}

/// A block height.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Height(pub u64);

impl fmt::Display for Height {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl mc::Height for Height {
    const ZERO: Self = Height(0);
    const INITIAL: Self = Height(1);

    fn increment_by(&self, n: u64) -> Self {
        Height(self.0.saturating_add(n))
    }

    fn decrement_by(&self, n: u64) -> Option<Self> {
        self.0.checked_sub(n).map(Height)
    }

    fn as_u64(&self) -> u64 {
        self.0
    }
}

/// A validator's address: its consensus key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct Address(pub PublicKey);

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl mc::Address for Address {}

/// A validator with its voting power.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Validator {
    /// The address (its key).
    pub address: Address,
    /// The key.
    pub public_key: PublicKey,
    /// Voting power.
    pub power: VotingPower,
}

impl mc::Validator<HengxinContext> for Validator {
    fn address(&self) -> &Address {
        &self.address
    }

    fn public_key(&self) -> &PublicKey {
        &self.public_key
    }

    fn voting_power(&self) -> VotingPower {
        self.power
    }
}

/// The validators of a height, sorted by address (the primitives' order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValidatorSet {
    validators: Vec<Validator>,
}

impl ValidatorSet {
    /// The engine's view of a chain validator set.
    pub fn new(set: &block::ValidatorSet) -> ValidatorSet {
        let validators = set
            .validators
            .iter()
            .map(|v| Validator {
                address: Address(v.key),
                public_key: v.key,
                power: v.power,
            })
            .collect();
        ValidatorSet { validators }
    }
}

impl mc::ValidatorSet<HengxinContext> for ValidatorSet {
    fn count(&self) -> usize {
        self.validators.len()
    }

    fn total_voting_power(&self) -> VotingPower {
        self.validators.iter().map(|v| v.power).sum()
    }

    fn get_by_address(&self, address: &Address) -> Option<&Validator> {
        self.validators
            .binary_search_by(|v| v.address.cmp(address))
            .ok()
            .map(|i| &self.validators[i])
    }

    fn get_by_index(&self, index: usize) -> Option<&Validator> {
        self.validators.get(index)
    }
}

/// The value consensus decides on: a block's hash. The block travels as proposal parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Encode, Decode)]
pub struct BlockHash(pub Hash);

impl fmt::Display for BlockHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl mc::Value for BlockHash {
    type Id = BlockHash;

    fn id(&self) -> BlockHash {
        *self
    }
}

/// The first part of a streamed block: who proposes what.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ProposalInit {
    /// Height.
    pub height: u64,
    /// Round.
    pub round: u32,
    /// The proof-of-lock round, if the block is re-proposed.
    pub valid_round: Option<u32>,
    /// The proposer.
    pub proposer: PublicKey,
    /// The block's header (its hash is the value).
    pub header: Header,
    /// How many transactions the `Transactions` parts carry in all.
    pub tx_count: u32,
}

/// The last part: the proposer's signature over the header, so nobody else can inject a block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub struct ProposalFin {
    /// Signature over `PROPOSAL_PARTS_TAG ‖ SCALE(chain, height, round, header hash)`.
    pub signature: Signature,
}

/// A piece of a streamed block.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode)]
pub enum ProposalPart {
    /// The header and the proposer.
    #[codec(index = 0)]
    Init(Box<ProposalInit>),
    /// A chunk of the block's transactions, in order.
    #[codec(index = 1)]
    Transactions(Vec<Transaction>),
    /// The proposer's signature.
    #[codec(index = 2)]
    Fin(ProposalFin),
}

impl mc::ProposalPart<HengxinContext> for ProposalPart {
    fn is_first(&self) -> bool {
        matches!(self, ProposalPart::Init(_))
    }

    fn is_last(&self) -> bool {
        matches!(self, ProposalPart::Fin(_))
    }
}

/// The bytes a proposer signs for its streamed block.
pub fn parts_sign_bytes(chain: &Hash, height: u64, round: u32, header_hash: &Hash) -> Vec<u8> {
    crypto::tagged_bytes(PROPOSAL_PARTS_TAG, &(chain, height, round, header_hash))
}

/// A proposal: the proposer offers a block hash at a height and round.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Proposal {
    /// Height.
    pub height: Height,
    /// Round.
    pub round: Round,
    /// The block hash.
    pub value: BlockHash,
    /// Proof-of-lock round (`Nil` for a fresh block).
    pub pol_round: Round,
    /// The proposer.
    pub proposer: Address,
}

impl Proposal {
    /// `PROPOSAL_TAG ‖ SCALE(chain, height, round, value, pol_round)`.
    pub fn sign_bytes(&self, chain: &Hash) -> Vec<u8> {
        let fields = (
            chain,
            self.height.0,
            self.round.as_i64(),
            self.value.0,
            self.pol_round.as_i64(),
        );
        crypto::tagged_bytes(PROPOSAL_TAG, &fields)
    }
}

impl mc::Proposal<HengxinContext> for Proposal {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &BlockHash {
        &self.value
    }

    fn take_value(self) -> BlockHash {
        self.value
    }

    fn pol_round(&self) -> Round {
        self.pol_round
    }

    fn validator_address(&self) -> &Address {
        &self.proposer
    }
}

/// A prevote or precommit.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vote {
    /// Prevote or precommit.
    pub vote_type: VoteType,
    /// Height.
    pub height: Height,
    /// Round.
    pub round: Round,
    /// The block hash voted for, or nil.
    pub value: NilOrVal<BlockHash>,
    /// The voter.
    pub validator: Address,
    /// Unused (extensions are disabled), excluded from the sign-bytes as the engine requires.
    pub extension: Option<SignedExtension<HengxinContext>>,
}

impl Vote {
    /// The primitives' `VoteSignBytes`: what the light client checks in a commit certificate.
    pub fn sign_bytes(&self, chain: &Hash) -> Vec<u8> {
        VoteSignBytes {
            chain: *chain,
            height: self.height.0,
            // Votes are always cast in a defined round; `Nil` cannot verify against a commit.
            round: self.round.as_u32().unwrap_or(u32::MAX),
            vote_type: match self.vote_type {
                VoteType::Prevote => block::VoteType::Prevote,
                VoteType::Precommit => block::VoteType::Precommit,
            },
            value: match self.value {
                NilOrVal::Val(hash) => Some(hash.0),
                NilOrVal::Nil => None,
            },
        }
        .to_bytes()
    }
}

impl mc::Vote<HengxinContext> for Vote {
    fn height(&self) -> Height {
        self.height
    }

    fn round(&self) -> Round {
        self.round
    }

    fn value(&self) -> &NilOrVal<BlockHash> {
        &self.value
    }

    fn take_value(self) -> NilOrVal<BlockHash> {
        self.value
    }

    fn vote_type(&self) -> VoteType {
        self.vote_type
    }

    fn validator_address(&self) -> &Address {
        &self.validator
    }

    fn extension(&self) -> Option<&SignedExtension<HengxinContext>> {
        self.extension.as_ref()
    }

    fn take_extension(&mut self) -> Option<SignedExtension<HengxinContext>> {
        self.extension.take()
    }

    fn extend(self, extension: SignedExtension<HengxinContext>) -> Self {
        Vote {
            extension: Some(extension),
            ..self
        }
    }
}

/// The primitives' keys and signatures (ed25519, or SM2 on an sm2-sm3 chain).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChainKeys;

/// Bytes that are not a key or signature of the scheme.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected} bytes, got {found}")]
pub struct KeyDecodingError {
    expected: usize,
    found: usize,
}

impl mc::SigningScheme for ChainKeys {
    type DecodingError = KeyDecodingError;
    type Signature = Signature;
    type PublicKey = PublicKey;
    type PrivateKey = Keypair;

    /// 64 bytes are an ed25519 signature; an SM2 one (also 64) is tagged `0x01` first.
    fn decode_signature(bytes: &[u8]) -> Result<Signature, KeyDecodingError> {
        let wrong = |expected| KeyDecodingError {
            expected,
            found: bytes.len(),
        };
        match bytes {
            [0x01, rs @ ..] => Ok(Signature::Sm2(rs.try_into().map_err(|_| wrong(65))?)),
            _ => Ok(Signature::Ed25519(bytes.try_into().map_err(|_| wrong(64))?)),
        }
    }

    fn encode_signature(signature: &Signature) -> Vec<u8> {
        match signature {
            Signature::Ed25519(bytes) => bytes.to_vec(),
            Signature::Sm2(rs) => [&[0x01][..], rs].concat(),
        }
    }

    /// 32 bytes are an ed25519 key, 65 an SM2 one (`04 ‖ x ‖ y`).
    fn decode_public_key(bytes: &[u8]) -> Result<PublicKey, KeyDecodingError> {
        if let Ok(key) = <[u8; 65]>::try_from(bytes)
            && key[0] == 0x04
        {
            return Ok(PublicKey::Sm2(key));
        }
        let array: [u8; 32] = bytes.try_into().map_err(|_| KeyDecodingError {
            expected: 32,
            found: bytes.len(),
        })?;
        Ok(PublicKey::Ed25519(array))
    }

    fn encode_public_key(public_key: &PublicKey) -> Vec<u8> {
        public_key.as_bytes().to_vec()
    }
}

impl mc::Context for HengxinContext {
    type Address = Address;
    type Height = Height;
    type ProposalPart = ProposalPart;
    type Proposal = Proposal;
    type Validator = Validator;
    type ValidatorSet = ValidatorSet;
    type Timeouts = LinearTimeouts;
    type Value = BlockHash;
    type Vote = Vote;
    type Extension = ();
    type SigningScheme = ChainKeys;

    /// Round-robin over the validators in address order, shifted by height and round.
    fn select_proposer<'a>(
        &self,
        set: &'a ValidatorSet,
        height: Height,
        round: Round,
    ) -> &'a Validator {
        let n = set.validators.len().max(1) as u64;
        let round = u64::from(round.as_u32().unwrap_or(0));
        let index = (height.0.wrapping_add(round) % n) as usize;
        // A validator set is never empty (the primitives refuse one), so the index exists.
        &set.validators[index.min(set.validators.len().saturating_sub(1))]
    }

    fn new_proposal(
        &self,
        height: Height,
        round: Round,
        value: BlockHash,
        pol_round: Round,
        address: Address,
    ) -> Proposal {
        Proposal {
            height,
            round,
            value,
            pol_round,
            proposer: address,
        }
    }

    fn new_prevote(
        &self,
        height: Height,
        round: Round,
        value: NilOrVal<BlockHash>,
        address: Address,
    ) -> Vote {
        Vote {
            vote_type: VoteType::Prevote,
            height,
            round,
            value,
            validator: address,
            extension: None,
        }
    }

    fn new_precommit(
        &self,
        height: Height,
        round: Round,
        value: NilOrVal<BlockHash>,
        address: Address,
    ) -> Vote {
        Vote {
            vote_type: VoteType::Precommit,
            height,
            round,
            value,
            validator: address,
            extension: None,
        }
    }
}
