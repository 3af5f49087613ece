//! Block headers, validator sets and commit certificates, with the checks a light client runs.

use alloc::vec;
use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::crypto::{Hash, Keypair, PublicKey, Scheme, Signature};

/// Domain tag of a header hash.
pub const HEADER_TAG: &[u8] = b"hengxin/header/v1";
/// Domain tag of a validator-set hash.
pub const VALIDATOR_SET_TAG: &[u8] = b"hengxin/validators/v1";
/// Domain tag of the transaction root.
pub const TX_ROOT_TAG: &[u8] = b"hengxin/txroot/v1";
/// Domain tag of consensus vote sign-bytes.
pub const VOTE_TAG: &[u8] = b"hengxin/vote/v1";
/// The most validators a set may hold.
pub const VALIDATORS_MAX: usize = 128;

/// A block header. `state_root` is the state after this block.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Header {
    /// Hash of the previous header (zero for genesis).
    pub parent_hash: Hash,
    /// 0 for genesis.
    pub height: u64,
    /// The proposer's clock, UTC milliseconds; strictly increasing.
    pub timestamp_ms: u64,
    /// The validator that proposed the block.
    pub proposer: PublicKey,
    /// Commits to the block's transactions, in order.
    pub tx_root: Hash,
    /// The state root after executing this block.
    pub state_root: Hash,
    /// The set whose commit finalizes this block.
    pub validator_set_hash: Hash,
    /// The set that finalizes the next block; differs from `validator_set_hash` on a hand-off.
    pub next_validator_set_hash: Hash,
}

impl Header {
    /// The block hash, with the hash of the chain's scheme (the proposer's key is of it; the
    /// genesis header's proposer is the scheme's [`Scheme::zero_key`]).
    pub fn hash(&self) -> Hash {
        self.scheme().tagged_hash(HEADER_TAG, &self.encode())
    }

    /// The chain's scheme, as the proposer's key shows it.
    pub fn scheme(&self) -> Scheme {
        self.proposer.scheme()
    }
}

/// The transaction root of a block: a tagged hash over the ordered transaction hashes.
pub fn tx_root(scheme: Scheme, tx_hashes: &[Hash]) -> Hash {
    scheme.tagged_hash(TX_ROOT_TAG, &tx_hashes.encode())
}

/// A validator and its voting power.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Validator {
    /// The consensus signing key.
    pub key: PublicKey,
    /// Voting power, at least 1.
    pub power: u64,
}

/// Why a validator set is malformed.
#[derive(Debug, Clone, PartialEq, Eq, Encode, Decode, thiserror::Error)]
pub enum ValidatorSetError {
    /// No validators.
    #[error("a validator set needs at least one validator")]
    Empty,
    /// Too many validators.
    #[error("a validator set holds at most {VALIDATORS_MAX} validators")]
    TooMany,
    /// Not sorted by key, or a key twice.
    #[error("validators must be sorted by key, each key once")]
    NotSorted,
    /// A power of zero, or a total that could overflow.
    #[error("each validator needs a power of at least 1, and the total must stay below 2^60")]
    BadPower,
    /// Keys of both schemes in one set.
    #[error("a validator set's keys must all be of one scheme (ed25519 or sm2)")]
    MixedSchemes,
}

/// The validators of a height, sorted by key.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ValidatorSet {
    /// Sorted by key, each key once.
    pub validators: Vec<Validator>,
}

impl ValidatorSet {
    /// Builds a set from validators in any order; checks the set's rules.
    pub fn new(mut validators: Vec<Validator>) -> Result<ValidatorSet, ValidatorSetError> {
        validators.sort_by_key(|v| v.key);
        let set = ValidatorSet { validators };
        set.check()?;
        Ok(set)
    }

    /// A set of `keys`, each with voting power 1.
    pub fn equal_power(
        keys: impl IntoIterator<Item = PublicKey>,
    ) -> Result<ValidatorSet, ValidatorSetError> {
        ValidatorSet::new(
            keys.into_iter()
                .map(|key| Validator { key, power: 1 })
                .collect(),
        )
    }

    /// Checks a decoded set: non-empty, bounded, sorted, unique, powers in range.
    pub fn check(&self) -> Result<(), ValidatorSetError> {
        if self.validators.is_empty() {
            return Err(ValidatorSetError::Empty);
        }
        if self.validators.len() > VALIDATORS_MAX {
            return Err(ValidatorSetError::TooMany);
        }
        if self.validators.windows(2).any(|w| w[0].key >= w[1].key) {
            return Err(ValidatorSetError::NotSorted);
        }
        if self
            .validators
            .iter()
            .any(|v| v.key.scheme() != self.scheme())
        {
            return Err(ValidatorSetError::MixedSchemes);
        }
        let mut total: u64 = 0;
        for v in &self.validators {
            if v.power == 0 || v.power > 1 << 52 {
                return Err(ValidatorSetError::BadPower);
            }
            total += v.power;
        }
        if total >= 1 << 60 {
            return Err(ValidatorSetError::BadPower);
        }
        Ok(())
    }

    /// The set's hash, announced in headers, with the hash of its keys' scheme.
    pub fn hash(&self) -> Hash {
        self.scheme().tagged_hash(VALIDATOR_SET_TAG, &self.encode())
    }

    /// The scheme of its keys ([`ValidatorSet::check`] refuses a set that mixes them; an empty
    /// set, which it also refuses, is the default scheme's).
    pub fn scheme(&self) -> Scheme {
        self.validators
            .first()
            .map_or(Scheme::default(), |v| v.key.scheme())
    }

    /// The sum of voting power.
    pub fn total_power(&self) -> u64 {
        self.validators.iter().map(|v| v.power).sum()
    }

    /// The power of `key`, if it is a member.
    pub fn power_of(&self, key: &PublicKey) -> Option<u64> {
        self.position(key).map(|i| self.validators[i].power)
    }

    /// Where `key` is in the set.
    fn position(&self, key: &PublicKey) -> Option<usize> {
        self.validators.binary_search_by(|v| v.key.cmp(key)).ok()
    }
}

/// Prevote or precommit.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
pub enum VoteType {
    /// First round of voting.
    #[codec(index = 0)]
    Prevote,
    /// Second round; a quorum of these for a block is its commit.
    #[codec(index = 1)]
    Precommit,
}

/// What a consensus vote signs, after `VOTE_TAG`. Ours, not Malachite's, so the WASM verifier
/// can check a commit without the engine.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct VoteSignBytes {
    /// The chain (genesis hash).
    pub chain: Hash,
    /// The height voted on.
    pub height: u64,
    /// The consensus round.
    pub round: u32,
    /// Prevote or precommit.
    pub vote_type: VoteType,
    /// The block hash voted for, or `None` for nil.
    pub value: Option<Hash>,
}

impl VoteSignBytes {
    /// `VOTE_TAG ‖ SCALE(self)`.
    pub fn to_bytes(&self) -> Vec<u8> {
        crate::crypto::tagged_bytes(VOTE_TAG, self)
    }
}

/// One validator's precommit in a commit certificate.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CommitSignature {
    /// The validator.
    pub validator: PublicKey,
    /// Its signature over the precommit's sign-bytes.
    pub signature: Signature,
}

/// Proof of finality: precommits for one block from more than 2/3 of the voting power.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CommitCertificate {
    /// The decided height.
    pub height: u64,
    /// The round in which it was decided.
    pub round: u32,
    /// The decided block's hash.
    pub block_hash: Hash,
    /// The precommits, each validator at most once.
    pub signatures: Vec<CommitSignature>,
}

/// Why a commit certificate was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommitError {
    /// Signed by a key outside the validator set.
    #[error("commit signed by {0}, which is not in the validator set")]
    UnknownValidator(PublicKey),
    /// A validator signed twice.
    #[error("commit holds two signatures from {0}")]
    DuplicateValidator(PublicKey),
    /// A signature does not verify (refused even if the others reach 2/3).
    #[error("commit holds an invalid signature from {0}")]
    InvalidSignature(PublicKey),
    /// The valid signatures hold 2/3 of the power or less.
    #[error("commit holds {signed} of {total} voting power; more than 2/3 is needed")]
    InsufficientPower {
        /// Power that signed.
        signed: u64,
        /// Total power of the set.
        total: u64,
    },
    /// The commit is for another height or block.
    #[error("commit is for height {commit_height}, block {commit_block}, not the header's")]
    WrongBlock {
        /// The height the commit names.
        commit_height: u64,
        /// The block the commit names.
        commit_block: Hash,
    },
}

/// What a validator's precommit for `block_hash` signs.
pub fn precommit_sign_bytes(chain: &Hash, height: u64, round: u32, block_hash: &Hash) -> Vec<u8> {
    VoteSignBytes {
        chain: *chain,
        height,
        round,
        vote_type: VoteType::Precommit,
        value: Some(*block_hash),
    }
    .to_bytes()
}

impl CommitCertificate {
    /// The commit of `header` made by `signers`' precommits in `round` (tools and tests; nodes
    /// take theirs from consensus).
    pub fn signed_by(
        chain: &Hash,
        header: &Header,
        round: u32,
        signers: &[Keypair],
    ) -> CommitCertificate {
        let block_hash = header.hash();
        let bytes = precommit_sign_bytes(chain, header.height, round, &block_hash);
        let signatures = signers
            .iter()
            .map(|k| CommitSignature {
                validator: k.public(),
                signature: k.sign(&bytes),
            })
            .collect();
        CommitCertificate {
            height: header.height,
            round,
            block_hash,
            signatures,
        }
    }

    /// Checks that this commit finalizes `header` on `chain` under `validators`: every
    /// signature valid and from a distinct member, and more than 2/3 of the power.
    pub fn verify(
        &self,
        chain: &Hash,
        header: &Header,
        validators: &ValidatorSet,
    ) -> Result<(), CommitError> {
        if self.height != header.height || self.block_hash != header.hash() {
            return Err(CommitError::WrongBlock {
                commit_height: self.height,
                commit_block: self.block_hash,
            });
        }
        let sign_bytes = precommit_sign_bytes(chain, self.height, self.round, &self.block_hash);
        let mut seen = vec![false; validators.validators.len()];
        let mut signed: u64 = 0;
        for s in &self.signatures {
            let at = validators
                .position(&s.validator)
                .ok_or(CommitError::UnknownValidator(s.validator))?;
            if core::mem::replace(&mut seen[at], true) {
                return Err(CommitError::DuplicateValidator(s.validator));
            }
            let power = validators.validators[at].power;
            if !s.validator.verify(&sign_bytes, &s.signature) {
                return Err(CommitError::InvalidSignature(s.validator));
            }
            signed += power;
        }
        let total = validators.total_power();
        if u128::from(signed) * 3 <= u128::from(total) * 2 {
            return Err(CommitError::InsufficientPower { signed, total });
        }
        Ok(())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn keys(n: u8) -> Vec<Keypair> {
        (1..=n).map(|i| Keypair::from_seed(&[i; 32])).collect()
    }

    pub(crate) fn set_of(keys: &[Keypair]) -> ValidatorSet {
        ValidatorSet::new(
            keys.iter()
                .map(|k| Validator {
                    key: k.public(),
                    power: 10,
                })
                .collect(),
        )
        .unwrap()
    }

    pub(crate) fn header(height: u64, set: &ValidatorSet, next: &ValidatorSet) -> Header {
        Header {
            parent_hash: Hash([1; 32]),
            height,
            timestamp_ms: 1_700_000_000_000 + height,
            proposer: set.validators[0].key,
            tx_root: tx_root(Scheme::Ed25519Sha256, &[]),
            state_root: Hash([2; 32]),
            validator_set_hash: set.hash(),
            next_validator_set_hash: next.hash(),
        }
    }

    pub(crate) fn commit(chain: &Hash, header: &Header, signers: &[Keypair]) -> CommitCertificate {
        CommitCertificate::signed_by(chain, header, 0, signers)
    }

    #[test]
    fn commit_needs_more_than_two_thirds() {
        let keys = keys(4);
        let set = set_of(&keys);
        let chain = Hash([5; 32]);
        let h = header(7, &set, &set);
        assert!(
            commit(&chain, &h, &keys[..3])
                .verify(&chain, &h, &set)
                .is_ok()
        );
        assert_eq!(
            commit(&chain, &h, &keys[..2]).verify(&chain, &h, &set),
            Err(CommitError::InsufficientPower {
                signed: 20,
                total: 40
            })
        );
    }

    #[test]
    fn one_bad_signature_spoils_the_commit() {
        let keys = keys(4);
        let set = set_of(&keys);
        let chain = Hash([5; 32]);
        let h = header(7, &set, &set);
        let mut c = commit(&chain, &h, &keys);
        c.signatures[3].signature = c.signatures[2].signature;
        assert!(matches!(
            c.verify(&chain, &h, &set),
            Err(CommitError::InvalidSignature(_))
        ));
    }

    #[test]
    fn commit_for_another_chain_or_block_or_twice_signed_is_refused() {
        let keys = keys(4);
        let set = set_of(&keys);
        let chain = Hash([5; 32]);
        let h = header(7, &set, &set);
        let c = commit(&chain, &h, &keys);
        assert!(matches!(
            c.verify(&Hash([6; 32]), &h, &set),
            Err(CommitError::InvalidSignature(_))
        ));
        let other = header(8, &set, &set);
        assert!(matches!(
            c.verify(&chain, &other, &set),
            Err(CommitError::WrongBlock { .. })
        ));
        let mut twice = commit(&chain, &h, &keys[..2]);
        twice.signatures.push(twice.signatures[0].clone());
        assert!(matches!(
            twice.verify(&chain, &h, &set),
            Err(CommitError::DuplicateValidator(_))
        ));
        let stranger = Keypair::from_seed(&[99; 32]);
        let c = commit(&chain, &h, &[stranger]);
        assert!(matches!(
            c.verify(&chain, &h, &set),
            Err(CommitError::UnknownValidator(_))
        ));
    }

    #[test]
    fn validator_sets_must_be_well_formed() {
        assert_eq!(ValidatorSet::new(Vec::new()), Err(ValidatorSetError::Empty));
        let k = Keypair::from_seed(&[1; 32]).public();
        let twice = vec![
            Validator { key: k, power: 1 },
            Validator { key: k, power: 1 },
        ];
        assert_eq!(ValidatorSet::new(twice), Err(ValidatorSetError::NotSorted));
        assert_eq!(
            ValidatorSet::new(vec![Validator { key: k, power: 0 }]),
            Err(ValidatorSetError::BadPower)
        );
    }
}
