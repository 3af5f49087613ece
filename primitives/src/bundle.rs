//! Proof bundles: everything a light client needs to trust records, from its trust anchor alone.
//!
//! A bundle carries a finalized header with its commit certificate, the validator-set hand-offs
//! from genesis to that header, and state proofs against the header's state root. The verifier
//! checks each part in that order; a bundle that fails any check proves nothing.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::block::{CommitCertificate, CommitError, Header, ValidatorSet, ValidatorSetError};
use crate::codec::{DecodeError, decode_strict};
use crate::crypto::{Hash, Scheme};
use crate::read::{ReadError, StateRead};
use crate::state::{StateProof, StateProofError, StorageKey};

/// The largest encoded bundle a verifier reads.
pub const BUNDLE_SIZE_BYTES_MAX: usize = 1024 * 1024;
/// The most validator-set hand-offs in one bundle.
pub const HANDOFFS_MAX: usize = 256;
/// The most state proofs in one bundle.
pub const ENTRIES_MAX: usize = 1024;

/// What a verifier trusts, fixed when it is built or configured, never taken from a server.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct TrustAnchor {
    /// The chain's genesis hash.
    pub genesis_hash: Hash,
    /// The genesis validator set.
    pub validators: ValidatorSet,
}

impl TrustAnchor {
    /// The chain's scheme: its validators' keys are of it (the anchor's bytes are the same as
    /// before a chain could choose).
    pub fn scheme(&self) -> Scheme {
        self.validators.scheme()
    }
}

/// A change of validator set, proven by a commit of the outgoing set.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ValidatorHandoff {
    /// The header announcing the new set in `next_validator_set_hash`.
    pub header: Header,
    /// The outgoing set's commit of that header.
    pub commit: CommitCertificate,
    /// The incoming set.
    pub next_validators: ValidatorSet,
}

/// A finalized header and state proofs against it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ProofBundle {
    /// The chain the bundle is for.
    pub genesis_hash: Hash,
    /// Validator-set hand-offs from the anchor's set to the header's, oldest first.
    pub handoffs: Vec<ValidatorHandoff>,
    /// The finalized header the state proofs are against.
    pub header: Header,
    /// Its commit certificate.
    pub commit: CommitCertificate,
    /// The proven keys, sorted by key bytes, each once.
    pub entries: Vec<StateProof>,
}

/// Why a bundle proves nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BundleError {
    /// Not a bundle.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// Over a size or count limit.
    #[error("proof bundle is over its size limit")]
    TooLarge,
    /// For another chain than the trust anchor's.
    #[error("proof bundle is for chain {found}, not the trusted chain {expected}")]
    WrongChain {
        /// The anchor's genesis.
        expected: Hash,
        /// The bundle's.
        found: Hash,
    },
    /// A hand-off is not signed by the set it leaves, or names another set.
    #[error("validator hand-off {index} is not proven: {reason}")]
    Handoff {
        /// Which hand-off.
        index: usize,
        /// Why.
        reason: HandoffProblem,
    },
    /// The header names another validator set than the one the hand-offs lead to.
    #[error("header names a validator set the hand-offs do not lead to")]
    ValidatorSetMismatch,
    /// A header or validator set of another scheme than the anchor's.
    #[error("proof bundle is from an {found} chain; the trusted chain is {expected}")]
    WrongScheme {
        /// The anchor's scheme.
        expected: Scheme,
        /// The bundle's.
        found: Scheme,
    },
    /// Heights go backwards.
    #[error("hand-offs and header must be in increasing height order")]
    HeightOrder,
    /// The header's commit is not valid.
    #[error("header commit is not valid: {0}")]
    Commit(CommitError),
    /// A state proof does not hold.
    #[error("state proof {index} is not valid: {reason}")]
    State {
        /// Which entry.
        index: usize,
        /// Why.
        reason: StateProofError,
    },
    /// The state proofs are not sorted by key, or prove one key twice (a bundle has one form).
    #[error("proof bundle's state proofs must be sorted by key, each key once")]
    EntryOrder,
}

/// Why a hand-off failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandoffProblem {
    /// Not signed by the outgoing set.
    #[error("{0}")]
    Commit(CommitError),
    /// The header's current set is not the set in force.
    #[error("header is not for the validator set in force")]
    SetMismatch,
    /// The new set is not the one the header announces, or no change at all.
    #[error("new validator set is not the one the header announces")]
    NextMismatch,
    /// The new set breaks the set rules.
    #[error("new validator set is malformed: {0}")]
    Malformed(ValidatorSetError),
}

/// A bundle's proven state: the header and the value (or absence) of each proven key.
#[derive(Clone, PartialEq, Eq, Debug)]
pub struct VerifiedState {
    /// The finalized header.
    pub header: Header,
    /// The validator set that finalized it, proven from the anchor's through the hand-offs:
    /// a newer trust anchor (`TrustAnchor { genesis_hash, validators }`) for later bundles.
    pub validators: ValidatorSet,
    /// Each proven key's value (or absence), sorted by key, each key once.
    entries: Vec<(Vec<u8>, Option<Vec<u8>>)>,
}

/// A lookup in verified state that the bundle did not prove, or whose value does not decode.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProvenLookupError {
    /// The key is not in the bundle.
    #[error("the bundle does not prove this key")]
    NotProven,
    /// The value is not of the key's type.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The proven state is not what the chain writes (a list naming what is not stored).
    #[error(transparent)]
    State(#[from] ReadError),
}

impl VerifiedState {
    /// The proven value of `key`: `Ok(None)` when proven absent.
    pub fn get<T: Decode>(&self, key: &StorageKey) -> Result<Option<T>, ProvenLookupError> {
        match self.raw(key)? {
            None => Ok(None),
            Some(bytes) => Ok(Some(decode_strict("proven record", bytes)?)),
        }
    }

    fn raw(&self, key: &StorageKey) -> Result<Option<&Vec<u8>>, ProvenLookupError> {
        let key = key.to_bytes();
        let Ok(at) = self.entries.binary_search_by(|(k, _)| k.cmp(&key)) else {
            return Err(ProvenLookupError::NotProven);
        };
        Ok(self.entries[at].1.as_ref())
    }

    /// The proven keys.
    pub fn keys(&self) -> impl Iterator<Item = &Vec<u8>> {
        self.entries.iter().map(|(key, _)| key)
    }
}

/// The proven state as a rule reads it: a key the bundle does not prove is
/// [`ProvenLookupError::NotProven`], never taken on trust.
impl StateRead for VerifiedState {
    type Error = ProvenLookupError;

    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>, ProvenLookupError> {
        Ok(self.raw(key)?.cloned())
    }
}

impl ProofBundle {
    /// Decodes a bundle from untrusted bytes, strictly and within limits.
    pub fn decode_untrusted(bytes: &[u8]) -> Result<ProofBundle, BundleError> {
        if bytes.len() > BUNDLE_SIZE_BYTES_MAX {
            return Err(BundleError::TooLarge);
        }
        Ok(decode_strict("proof bundle", bytes)?)
    }

    /// Checks the bundle against the trust anchor: chain, hand-offs, commit, every state proof.
    pub fn verify(&self, anchor: &TrustAnchor) -> Result<VerifiedState, BundleError> {
        if self.handoffs.len() > HANDOFFS_MAX || self.entries.len() > ENTRIES_MAX {
            return Err(BundleError::TooLarge);
        }
        if self.genesis_hash != anchor.genesis_hash {
            return Err(BundleError::WrongChain {
                expected: anchor.genesis_hash,
                found: self.genesis_hash,
            });
        }
        let chain = anchor.genesis_hash;
        let scheme = anchor.scheme();
        let same_scheme = |found: Scheme| {
            if found == scheme {
                Ok(())
            } else {
                Err(BundleError::WrongScheme {
                    expected: scheme,
                    found,
                })
            }
        };
        same_scheme(self.header.scheme())?;
        let mut current = anchor.validators.clone();
        let mut last_height = 0;
        for (index, h) in self.handoffs.iter().enumerate() {
            let fail = |reason| BundleError::Handoff { index, reason };
            if h.header.height <= last_height && index > 0 {
                return Err(BundleError::HeightOrder);
            }
            same_scheme(h.header.scheme())?;
            same_scheme(h.next_validators.scheme())?;
            if h.header.validator_set_hash != current.hash() {
                return Err(fail(HandoffProblem::SetMismatch));
            }
            h.commit
                .verify(&chain, &h.header, &current)
                .map_err(|e| fail(HandoffProblem::Commit(e)))?;
            h.next_validators
                .check()
                .map_err(|e| fail(HandoffProblem::Malformed(e)))?;
            let next_hash = h.next_validators.hash();
            if h.header.next_validator_set_hash != next_hash || next_hash == current.hash() {
                return Err(fail(HandoffProblem::NextMismatch));
            }
            current = h.next_validators.clone();
            last_height = h.header.height;
        }
        if !self.handoffs.is_empty() && self.header.height <= last_height {
            return Err(BundleError::HeightOrder);
        }
        if self.header.validator_set_hash != current.hash() {
            return Err(BundleError::ValidatorSetMismatch);
        }
        self.commit
            .verify(&chain, &self.header, &current)
            .map_err(BundleError::Commit)?;
        if self
            .entries
            .windows(2)
            .any(|pair| pair[0].key >= pair[1].key)
        {
            return Err(BundleError::EntryOrder);
        }
        let mut entries = Vec::with_capacity(self.entries.len());
        for (index, proof) in self.entries.iter().enumerate() {
            proof
                .verify(scheme, &self.header.state_root)
                .map_err(|reason| BundleError::State { index, reason })?;
            entries.push((proof.key.clone(), proof.value.clone()));
        }
        Ok(VerifiedState {
            header: self.header.clone(),
            validators: current,
            entries,
        })
    }
}
