//! Block execution: from a parent header and transactions to a new header, the outcomes, and
//! the batch that stores the new state. Execution writes nothing; `commit` does.

use std::sync::Arc;

use hengxin_primitives::block::{self, ValidatorSet};
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, Hash, Header, PublicKey};
use hengxin_support::{Backend, Env, Failure, Overlay, StateDb, Storage, StorageError, WriteBatch};

use crate::{
    Call, Event, Transaction, TxError, TxOutcome, certificates, credit, inspection, instruments,
    membership, recognition, standards,
};

/// A chain's runtime: its state and its identity.
pub struct Chain<B> {
    state: StateDb<B>,
    genesis_hash: Hash,
    checked: Option<Arc<dyn CheckedSignatures>>,
}

impl<B> std::fmt::Debug for Chain<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Chain")
            .field("genesis_hash", &self.genesis_hash)
            .field("trusts_checked_signatures", &self.checked.is_some())
            .finish_non_exhaustive()
    }
}

/// Transactions whose signatures this node has already checked by the one rule
/// (`Transaction::signature_is_valid`), by hash: a node's mempool holds only such. The hash
/// covers the signature, so a transaction with these exact bytes needs no second check.
pub trait CheckedSignatures: Send + Sync {
    /// Whether the transaction with this hash was checked and found valid.
    fn checked(&self, tx_hash: &Hash) -> bool;
}

/// The result of executing a block, not yet written.
#[derive(Debug, Clone)]
pub struct Executed {
    /// The block's header, with the new state root.
    pub header: Header,
    /// One outcome per transaction.
    pub outcomes: Vec<TxOutcome>,
    /// The state writes; commit them (with the block) to make the block's state current.
    pub batch: WriteBatch,
}

/// Why a proposed block is invalid. Validators vote nil on such a block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BlockError {
    /// Not the child of the parent.
    #[error("block is not a child of the parent header (height or parent hash)")]
    NotChild,
    /// The timestamp does not increase.
    #[error("block timestamp {found} is not after the parent's {parent}")]
    TimestampNotIncreasing {
        /// The parent's timestamp.
        parent: u64,
        /// The block's.
        found: u64,
    },
    /// Re-execution gives another header.
    #[error("block header does not match re-execution (state root, tx root or validator sets)")]
    HeaderMismatch,
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

impl<B: Backend> Chain<B> {
    /// A chain over `state` (whose scheme is the chain's), whose genesis header hashes to
    /// `genesis_hash`.
    pub fn new(state: StateDb<B>, genesis_hash: Hash) -> Chain<B> {
        Chain {
            state,
            genesis_hash,
            checked: None,
        }
    }

    /// The chain's scheme, fixed in its genesis.
    pub fn scheme(&self) -> Scheme {
        self.state.scheme()
    }

    /// This chain, trusting `checked` for the signatures it already verified: execution checks
    /// only the others. The outcome is the same, since the rule is deterministic.
    pub fn trusting(mut self, checked: Arc<dyn CheckedSignatures>) -> Chain<B> {
        self.checked = Some(checked);
        self
    }

    /// The chain's genesis hash.
    pub fn genesis_hash(&self) -> Hash {
        self.genesis_hash
    }

    /// The state.
    pub fn state(&self) -> &StateDb<B> {
        &self.state
    }

    /// A typed read of the state at `version`.
    pub fn read<T: parity_scale_codec::Decode>(
        &self,
        key: &StorageKey,
        version: u64,
    ) -> Result<Option<T>, StorageError> {
        (&mut self.view(version) as &mut dyn Storage).get(key)
    }

    /// The state at `version`, for the pallets' own read functions (writes stay in memory).
    pub fn view(&self, version: u64) -> Overlay<'_, B> {
        Overlay::new(&self.state, Some(version))
    }

    /// The state keys the block at `version` wrote or deleted (genesis at 0), decoded; `None`
    /// for a version not committed. A key this runtime does not know is an error.
    pub fn changed_keys(&self, version: u64) -> Result<Option<Vec<StorageKey>>, StorageError> {
        let Some(keys) = self.state.changed_keys(version)? else {
            return Ok(None);
        };
        keys.iter()
            .map(|k| {
                hengxin_primitives::codec::decode_strict("state key", k)
                    .map_err(|e| StorageError::Corrupt(e.to_string()))
            })
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    }

    /// The next nonce of `account` at `version`.
    pub fn nonce(&self, account: &AccountId, version: u64) -> Result<u64, StorageError> {
        Ok(self
            .read(&StorageKey::Nonce(*account), version)?
            .unwrap_or(0))
    }

    /// Executes `transactions` on top of `parent`, as the proposer does. Invalid transactions
    /// get a failed outcome and change nothing.
    pub fn execute(
        &self,
        parent: &Header,
        timestamp_ms: u64,
        proposer: PublicKey,
        transactions: &[Transaction],
    ) -> Result<Executed, BlockError> {
        if timestamp_ms <= parent.timestamp_ms {
            return Err(BlockError::TimestampNotIncreasing {
                parent: parent.timestamp_ms,
                found: timestamp_ms,
            });
        }
        let env = Env {
            height: parent.height + 1,
            timestamp_ms,
            scheme: self.scheme(),
        };
        let mut overlay = Overlay::new(&self.state, Some(parent.height));
        membership::on_block_start(&mut overlay)?;
        inspection::on_block_start(&mut overlay, parent)?;
        overlay.commit_tx();
        let validator_set_hash = set_hash(membership::validators(&mut overlay)?);

        let hashes: Vec<Hash> = transactions.iter().map(Transaction::hash).collect();
        let signatures_ok = self.check_signatures(transactions, &hashes);
        let mut outcomes = Vec::with_capacity(transactions.len());
        for ((tx, hash), signature_ok) in transactions.iter().zip(hashes).zip(signatures_ok) {
            let result = self.apply(&mut overlay, &env, tx, signature_ok)?;
            match result {
                Ok(_) => overlay.commit_tx(),
                Err(_) => overlay.rollback_tx(),
            }
            outcomes.push(TxOutcome { hash, result });
        }
        let next_validator_set_hash = set_hash(membership::next_validators(&mut overlay)?);

        let changes = overlay.into_changes();
        let (state_root, batch) = self.state.compute(changes, env.height)?;
        let tx_hashes: Vec<Hash> = outcomes.iter().map(|o| o.hash).collect();
        let header = Header {
            parent_hash: parent.hash(),
            height: env.height,
            timestamp_ms,
            proposer,
            tx_root: block::tx_root(env.scheme, &tx_hashes),
            state_root,
            validator_set_hash,
            next_validator_set_hash,
        };
        Ok(Executed {
            header,
            outcomes,
            batch,
        })
    }

    /// Re-executes a proposed block on top of `parent` and checks its header, as validators do.
    pub fn import(
        &self,
        parent: &Header,
        header: &Header,
        transactions: &[Transaction],
    ) -> Result<Executed, BlockError> {
        if header.height != parent.height + 1 || header.parent_hash != parent.hash() {
            return Err(BlockError::NotChild);
        }
        let executed = self.execute(parent, header.timestamp_ms, header.proposer, transactions)?;
        if executed.header != *header {
            return Err(BlockError::HeaderMismatch);
        }
        Ok(executed)
    }

    /// Writes an executed block's state batch, atomically and durably.
    pub fn commit(&self, batch: WriteBatch) -> Result<(), StorageError> {
        self.state.backend().commit(batch)
    }

    /// Checks a transaction for the mempool against the state at `version`: chain, expiry,
    /// signature, and a nonce not yet used (a future nonce may wait in the pool).
    pub fn check_transaction(
        &self,
        tx: &Transaction,
        version: u64,
    ) -> Result<Result<(), TxError>, StorageError> {
        let expected = self.nonce(&tx.payload.signer, version)?;
        Ok(self.check_payload(tx, version + 1, || tx.signature_is_valid(), expected, true))
    }

    /// The checks every transaction passes before dispatch, cheapest first.
    fn check_payload(
        &self,
        tx: &Transaction,
        height: u64,
        signature_ok: impl FnOnce() -> bool,
        expected_nonce: u64,
        allow_future_nonce: bool,
    ) -> Result<(), TxError> {
        let p = &tx.payload;
        if p.genesis_hash != self.genesis_hash {
            return Err(TxError::WrongChain {
                expected: self.genesis_hash,
                found: p.genesis_hash,
            });
        }
        if p.signer.scheme() != self.scheme() {
            return Err(TxError::WrongScheme {
                chain: self.scheme(),
                found: p.signer.scheme(),
            });
        }
        if p.valid_until_height < height {
            return Err(TxError::Expired {
                valid_until_height: p.valid_until_height,
                height,
            });
        }
        if !signature_ok() {
            return Err(TxError::BadSignature);
        }
        if p.nonce < expected_nonce {
            return Err(TxError::StaleNonce {
                expected: expected_nonce,
                found: p.nonce,
            });
        }
        if p.nonce > expected_nonce && !allow_future_nonce {
            return Err(TxError::FutureNonce {
                expected: expected_nonce,
                found: p.nonce,
            });
        }
        Ok(())
    }

    fn apply(
        &self,
        s: &mut dyn Storage,
        env: &Env,
        tx: &Transaction,
        signature_ok: bool,
    ) -> Result<Result<Vec<Event>, TxError>, StorageError> {
        let p = &tx.payload;
        let nonce_key = StorageKey::Nonce(p.signer);
        let expected: u64 = s.get(&nonce_key)?.unwrap_or(0);
        if let Err(e) = self.check_payload(tx, env.height, || signature_ok, expected, false) {
            return Ok(Err(e));
        }
        let result = dispatch(s, env, &p.signer, p.call.clone());
        match result {
            Ok(event) => {
                s.put(&nonce_key, &(expected + 1));
                Ok(Ok(vec![event]))
            }
            Err(Flat::Rejected(e)) => Ok(Err(e)),
            Err(Flat::Storage(e)) => Err(e),
        }
    }
}

/// A pallet failure lifted to the runtime's error type.
pub(crate) enum Flat {
    Rejected(TxError),
    Storage(StorageError),
}

fn lift<T, E>(result: Result<T, Failure<E>>, wrap: fn(E) -> TxError) -> Result<T, Flat> {
    result.map_err(|f| match f {
        Failure::Rejected(e) => Flat::Rejected(wrap(e)),
        Failure::Storage(e) => Flat::Storage(e),
    })
}

/// Routes a call to its pallet.
pub(crate) fn dispatch(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    call: Call,
) -> Result<Event, Flat> {
    match call {
        Call::Membership(c) => lift(membership::dispatch(s, env, signer, c), TxError::Membership)
            .map(Event::Membership),
        Call::Certificates(c) => lift(
            certificates::dispatch(s, env, signer, c),
            TxError::Certificates,
        )
        .map(Event::Certificates),
        Call::Standards(c) => {
            lift(standards::dispatch(s, env, signer, c), TxError::Standards).map(Event::Standards)
        }
        Call::Recognition(c) => lift(
            recognition::dispatch(s, env, signer, c),
            TxError::Recognition,
        )
        .map(Event::Recognition),
        Call::Credit(c) => {
            lift(credit::dispatch(s, env, signer, c), TxError::Credit).map(Event::Credit)
        }
        Call::Inspection(c) => lift(inspection::dispatch(s, env, signer, c), TxError::Inspection)
            .map(Event::Inspection),
        Call::Instruments(c) => lift(
            instruments::dispatch(s, env, signer, c),
            TxError::Instruments,
        )
        .map(Event::Instruments),
    }
}

fn set_hash(set: Option<ValidatorSet>) -> Hash {
    set.map_or(Hash::ZERO, |s| s.hash())
}

impl<B> Chain<B> {
    /// Checks every transaction's signature with the one rule (`PublicKey::verify`, ed25519
    /// `verify_strict`) that admission, commits and the verifier use, but for those this node
    /// checked already (see `trusting`). Not batched: the batch equation is cofactored and
    /// accepts signatures the rule refuses (the edge cases of
    /// `primitives/tests/ed25519_edge_cases.rs`), so a block could carry one the mempool refused.
    fn check_signatures(&self, transactions: &[Transaction], hashes: &[Hash]) -> Vec<bool> {
        let checked = |hash: &Hash| self.checked.as_ref().is_some_and(|c| c.checked(hash));
        transactions
            .iter()
            .zip(hashes)
            .map(|(tx, hash)| checked(hash) || tx.signature_is_valid())
            .collect()
    }
}
