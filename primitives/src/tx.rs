//! Signed transactions: domain-separated signatures over the chain, the signer, a nonce, an
//! expiry height and the call.

use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::crypto::{self, AccountId, Hash, Keypair, Signature};

/// The domain tag a transaction signature covers before `SCALE(payload)`.
pub const TX_SIGNING_TAG: &[u8] = b"hengxin/tx/v1";

/// The largest encoded transaction a node accepts.
pub const TX_SIZE_BYTES_MAX: usize = 64 * 1024;

/// What the signer signs. `C` is the runtime's `Call`.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct TxPayload<C> {
    /// The chain this transaction is for: stops replay on another chain.
    pub genesis_hash: Hash,
    /// The signing account.
    pub signer: AccountId,
    /// Per-account, strictly sequential from 0.
    pub nonce: u64,
    /// The last height at which this transaction may be included.
    pub valid_until_height: u64,
    /// What to do.
    pub call: C,
}

/// A payload with its signature.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct SignedTx<C> {
    /// The signed content.
    pub payload: TxPayload<C>,
    /// The signer's signature over `TX_SIGNING_TAG ‖ SCALE(payload)`.
    pub signature: Signature,
}

impl<C: Encode> TxPayload<C> {
    /// The bytes the signature covers.
    pub fn signing_bytes(&self) -> Vec<u8> {
        crypto::tagged_bytes(TX_SIGNING_TAG, self)
    }

    /// Signs the payload. The key must be the payload's `signer` for the result to verify.
    pub fn sign(self, key: &Keypair) -> SignedTx<C> {
        let signature = key.sign(&self.signing_bytes());
        SignedTx {
            payload: self,
            signature,
        }
    }
}

impl<C: Encode> SignedTx<C> {
    /// Whether the signature is the signer's over this payload.
    pub fn signature_is_valid(&self) -> bool {
        self.payload
            .signer
            .verify(&self.payload.signing_bytes(), &self.signature)
    }

    /// The transaction's hash: the hash of its signer's scheme (the chain's: the runtime
    /// refuses another) over its SCALE encoding, the bytes that are submitted.
    pub fn hash(&self) -> Hash {
        self.hash_encoded(&self.encode())
    }

    /// [`SignedTx::hash`] from the transaction's own encoding, `encoded`, when the caller holds
    /// those bytes (strict decoding proved them canonical).
    pub fn hash_encoded(&self, encoded: &[u8]) -> Hash {
        self.payload.signer.scheme().hash(encoded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(key: &Keypair) -> TxPayload<u32> {
        TxPayload {
            genesis_hash: Hash([9; 32]),
            signer: key.public(),
            nonce: 3,
            valid_until_height: 100,
            call: 42,
        }
    }

    #[test]
    fn any_change_to_the_payload_breaks_the_signature() {
        let key = Keypair::from_seed(&[7; 32]);
        let tx = payload(&key).sign(&key);
        assert!(tx.signature_is_valid());
        let mut other = tx.clone();
        other.payload.genesis_hash = Hash([8; 32]);
        assert!(!other.signature_is_valid());
        let mut other = tx.clone();
        other.payload.nonce = 4;
        assert!(!other.signature_is_valid());
        let mut other = tx;
        other.payload.call = 43;
        assert!(!other.signature_is_valid());
    }

    #[test]
    fn signing_bytes_are_domain_separated() {
        let key = Keypair::from_seed(&[7; 32]);
        let p = payload(&key);
        assert!(p.signing_bytes().starts_with(TX_SIGNING_TAG));
        assert_eq!(&p.signing_bytes()[TX_SIGNING_TAG.len()..], &p.encode()[..]);
    }
}
