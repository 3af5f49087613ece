//! Signing transactions with one key, safely from many threads: nonces are reserved locally in
//! order, and re-read from the node after a refusal that says the local count is off.

use std::sync::Mutex;
use std::time::Duration;

use hengxin_api_types::{ErrorCode, TxStatus};
use hengxin_primitives::{Hash, Keypair, TxPayload};
use hengxin_runtime::{Call, Transaction, TxError};

use crate::api::{Client, ClientError};

/// How many blocks a transaction stays valid for.
pub const VALIDITY_BLOCKS: u64 = 10_000;

/// Whether the node refused a transaction for its nonce: the local count is off (another
/// process used the key, a transaction was lost, or a copy is still pooled).
pub fn is_nonce_refusal(e: &ClientError) -> bool {
    let nonce = [
        TxError::StaleNonce {
            expected: 0,
            found: 0,
        },
        TxError::FutureNonce {
            expected: 0,
            found: 0,
        },
    ];
    e.is(ErrorCode::NonceTaken) || nonce.iter().any(|n| e.code() == Some(n.code()))
}

/// A key that signs transactions for one chain.
pub struct Signer {
    key: Keypair,
    genesis: Hash,
    /// The next nonce to hand out, and the height the account was read at.
    next: Mutex<Option<(u64, u64)>>,
}

impl Signer {
    /// A signer with `key` for the chain whose genesis is `genesis`.
    pub fn new(key: Keypair, genesis: Hash) -> Signer {
        Signer {
            key,
            genesis,
            next: Mutex::new(None),
        }
    }

    /// The key.
    pub fn key(&self) -> &Keypair {
        &self.key
    }

    /// Signs `call` with the next free nonce (read from the node the first time).
    pub fn sign(&self, client: &Client, call: Call) -> Result<Transaction, ClientError> {
        let mut next = self.next.lock().unwrap_or_else(|e| e.into_inner());
        let (nonce, height) = match *next {
            Some(reserved) => reserved,
            None => {
                let account = client.account(&self.key.public())?;
                (account.nonce, account.height)
            }
        };
        *next = Some((nonce + 1, height));
        Ok(TxPayload {
            genesis_hash: self.genesis,
            signer: self.key.public(),
            nonce,
            valid_until_height: height + VALIDITY_BLOCKS,
            call,
        }
        .sign(&self.key))
    }

    /// Forgets the local nonce: the next transaction reads it from the node again.
    pub fn resync(&self) {
        *self.next.lock().unwrap_or_else(|e| e.into_inner()) = None;
    }

    /// Signs and submits `call`; when the node refuses the nonce (another process used the key,
    /// or a transaction was lost), re-reads it and tries once more.
    pub fn submit(&self, client: &Client, call: Call) -> Result<Hash, ClientError> {
        let tx = self.sign(client, call.clone())?;
        match client.submit(&tx) {
            Err(e) if is_nonce_refusal(&e) => {
                self.resync();
                let tx = self.sign(client, call)?;
                client.submit(&tx)
            }
            Err(e) => {
                // The node refused it outright: the nonce was not used.
                if matches!(e, ClientError::Api { .. }) {
                    self.resync();
                }
                Err(e)
            }
            ok => ok,
        }
    }

    /// Submits `call` and waits until it is finalized; a rejection in the block is an error.
    pub fn execute(
        &self,
        client: &Client,
        call: Call,
        timeout: Duration,
    ) -> Result<(Hash, TxStatus), ClientError> {
        let hash = self.submit(client, call)?;
        let status = client.wait_finalized(&hash, timeout)?;
        match &status.error {
            Some(error) => {
                self.resync();
                Err(ClientError::Api {
                    status: 422,
                    code: error.code.clone(),
                    message: error.message.clone(),
                })
            }
            None => Ok((hash, status)),
        }
    }
}
