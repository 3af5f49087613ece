//! Genesis: the membership of a new chain, then calls applied at height 0 with the pallets' own
//! checks (standards, sample certificates), committed as state version 0.

use hengxin_primitives::block;
use hengxin_primitives::credit::CreditParams;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::records::ChainInfo;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, Hash, Header, Text};
use hengxin_support::{Backend, Env, Overlay, StateDb, Storage, StorageError};

use crate::chain::{Chain, Executed, Flat, dispatch};
use crate::{Call, instruments, membership};

/// A new chain's contents.
#[derive(Clone, Debug)]
pub struct GenesisConfig {
    /// The chain's name (`hengxin-dev`, …).
    pub chain_name: Text,
    /// Its scheme: ed25519 with SHA-256, or SM2 with SM3, for the life of the chain. Every key
    /// in it is of this scheme.
    pub crypto: Scheme,
    /// Genesis time, UTC milliseconds; the first block must come after it.
    pub genesis_time_ms: u64,
    /// Regions, regulators, labs, inspectors, businesses, validators.
    pub membership: membership::GenesisConfig,
    /// The credit rule table (诚信计量), fixed for the life of the chain.
    pub credit: CreditParams,
    /// The instrument class table and the instrument rules' numbers.
    pub instruments: instruments::GenesisConfig,
    /// Calls applied in order at height 0, as if signed by their account: standards and sample
    /// certificates go through the same checks as later transactions.
    pub calls: Vec<(AccountId, Call)>,
}

/// Why a genesis cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// The membership is inconsistent.
    #[error("genesis membership: {0}")]
    Membership(#[from] membership::GenesisError),
    /// The instrument class table is refused.
    #[error("genesis instruments: {0}")]
    Instruments(#[from] instruments::GenesisError),
    /// A genesis call was refused.
    #[error("genesis call {index} (signed by {signer}) was refused: {reason}")]
    Call {
        /// Its position.
        index: usize,
        /// Its account.
        signer: AccountId,
        /// Why.
        reason: String,
    },
    /// The state to build on hashes with another scheme than the genesis names.
    #[error("genesis names {genesis} but its state is built with {state}")]
    StateScheme {
        /// The genesis's scheme.
        genesis: Scheme,
        /// The state's.
        state: Scheme,
    },
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl GenesisConfig {
    /// Builds the genesis state on an empty `state` and returns the genesis header with the
    /// batch that stores it (not yet written).
    pub fn execute<B: Backend>(&self, state: &StateDb<B>) -> Result<Executed, GenesisError> {
        if state.scheme() != self.crypto {
            return Err(GenesisError::StateScheme {
                genesis: self.crypto,
                state: state.scheme(),
            });
        }
        let mut overlay = Overlay::new(state, None);
        let s: &mut dyn Storage = &mut overlay;
        s.put(
            &StorageKey::Chain,
            &ChainInfo {
                name: self.chain_name.clone(),
                genesis_time_ms: self.genesis_time_ms,
            },
        );
        membership::build_genesis(s, self.crypto, &self.membership)?;
        s.put(&StorageKey::CreditParams, &self.credit);
        instruments::build_genesis(s, &self.instruments)?;
        let env = Env {
            height: 0,
            timestamp_ms: self.genesis_time_ms,
            scheme: self.crypto,
        };
        for (index, (signer, call)) in self.calls.iter().enumerate() {
            match dispatch(s, &env, signer, call.clone()) {
                Ok(_) => {}
                Err(Flat::Rejected(e)) => {
                    return Err(GenesisError::Call {
                        index,
                        signer: *signer,
                        reason: e.to_string(),
                    });
                }
                Err(Flat::Storage(e)) => return Err(e.into()),
            }
        }
        let changes = overlay.into_changes();
        let (state_root, batch) = state.compute(changes, 0)?;
        let set_hash = self.membership.validators.hash();
        let header = Header {
            parent_hash: Hash::ZERO,
            height: 0,
            timestamp_ms: self.genesis_time_ms,
            proposer: self.crypto.zero_key(),
            tx_root: block::tx_root(self.crypto, &[]),
            state_root,
            validator_set_hash: set_hash,
            next_validator_set_hash: set_hash,
        };
        Ok(Executed {
            header,
            outcomes: Vec::new(),
            batch,
        })
    }
}

impl<B: Backend> Chain<B> {
    /// Builds and commits the genesis state on an empty backend; returns the chain and the
    /// genesis header, whose hash is the chain's identity.
    pub fn from_genesis(
        backend: B,
        config: &GenesisConfig,
    ) -> Result<(Chain<B>, Header), GenesisError> {
        let state = StateDb::new(backend, config.crypto);
        let executed = config.execute(&state)?;
        state.backend().commit(executed.batch)?;
        let genesis_hash = executed.header.hash();
        Ok((Chain::new(state, genesis_hash), executed.header))
    }
}
