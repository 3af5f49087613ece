//! Transaction checks before dispatch: signature, chain, nonce, expiry.

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::{Hash, Keypair, Signature, TxPayload};
use hengxin_runtime::TxError;

use crate::harness::*;

#[test]
fn replayed_transaction_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let tx = chain.tx(&demo_key("lab-cq"), anchor(fields("REPLAY", today)));
    assert!(chain.block(std::slice::from_ref(&tx))[0].result.is_ok());
    assert_eq!(
        chain.rejects_tx(tx),
        TxError::StaleNonce {
            expected: 1,
            found: 0
        }
    );
}

#[test]
fn transaction_for_another_chain_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let key = demo_key("lab-cq");
    let tx = TxPayload {
        genesis_hash: Hash([0xee; 32]),
        signer: key.public(),
        nonce: 0,
        valid_until_height: 100,
        call: anchor(fields("OTHER-CHAIN", today)),
    }
    .sign(&key);
    assert_eq!(
        chain.rejects_tx(tx),
        TxError::WrongChain {
            expected: chain.genesis_hash(),
            found: Hash([0xee; 32])
        }
    );
}

#[test]
fn a_key_of_the_other_scheme_is_refused_naming_both() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let other = match scheme() {
        Scheme::Ed25519Sha256 => Scheme::Sm2Sm3,
        Scheme::Sm2Sm3 => Scheme::Ed25519Sha256,
    };
    let foreign = Keypair::from_secret(other, &[9; 32]).unwrap();
    let tx = chain.tx(&foreign, anchor(fields("OTHER-SCHEME", today)));
    assert!(
        tx.signature_is_valid(),
        "a well-signed transaction of the other scheme"
    );
    let e = chain.rejects_tx(tx);
    assert_eq!(
        e,
        TxError::WrongScheme {
            chain: scheme(),
            found: other
        }
    );
    assert!(e.to_string().contains("sm2-sm3") && e.to_string().contains("ed25519-sha256"));
    assert_eq!(e.code(), "wrong_scheme");
}

#[test]
fn bad_signature_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let mut tx = chain.tx(&demo_key("lab-cq"), anchor(fields("FORGED", today)));
    match &mut tx.signature {
        Signature::Ed25519(bytes) | Signature::Sm2(bytes) => bytes[10] ^= 1,
    }
    assert_eq!(chain.rejects_tx(tx.clone()), TxError::BadSignature);
    // Signed by someone else for the lab's account.
    let mut stolen = chain.tx(&demo_key("lab-sc"), anchor(fields("FORGED", today)));
    stolen.payload.signer = demo_key("lab-cq").public();
    assert_eq!(chain.rejects_tx(stolen), TxError::BadSignature);
    // A bad signature among good ones fails alone (the batch check falls back to each).
    let good = chain.tx(&demo_key("lab-sc"), anchor(fields("GOOD", today)));
    let outcomes = chain.block(&[good, tx]);
    assert!(outcomes[0].result.is_ok());
    assert_eq!(outcomes[1].result, Err(TxError::BadSignature));
}

/// The hashes a node's admission checked.
struct Checked(std::collections::BTreeSet<Hash>);

impl hengxin_runtime::CheckedSignatures for Checked {
    fn checked(&self, tx_hash: &Hash) -> bool {
        self.0.contains(tx_hash)
    }
}

#[test]
fn execution_checks_only_the_signatures_the_node_has_not() {
    let plain = TestChain::new();
    let today = plain.today();
    let good = plain.tx(&demo_key("lab-sc"), anchor(fields("CHECKED", today)));
    let mut forged = plain.tx(&demo_key("lab-cq"), anchor(fields("FORGED", today)));
    match &mut forged.signature {
        Signature::Ed25519(bytes) | Signature::Sm2(bytes) => bytes[10] ^= 1,
    }
    let mut unchecked = forged.clone();
    unchecked.payload.nonce += 1;
    // Trusting a hash skips its check: the proof that the check is skipped. A node trusts only
    // its mempool, which admits no bad signature.
    let trusted = Checked([good.hash(), forged.hash()].into());
    let TestChain { chain, head } = plain;
    let mut chain = TestChain {
        chain: chain.trusting(std::sync::Arc::new(trusted)),
        head,
    };
    let outcomes = chain.block(&[good, forged, unchecked]);
    assert!(outcomes[0].result.is_ok());
    assert!(
        outcomes[1].result.is_ok(),
        "a trusted hash is not checked again"
    );
    assert_eq!(
        outcomes[2].result,
        Err(TxError::BadSignature),
        "the others are"
    );
}

#[test]
fn nonces_must_be_sequential_and_failures_consume_none() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let key = demo_key("lab-cq");
    let ahead = chain.tx_with_nonce(&key, anchor(fields("AHEAD", today)), 1);
    assert_eq!(
        chain.rejects_tx(ahead),
        TxError::FutureNonce {
            expected: 0,
            found: 1
        }
    );
    // A refused call leaves the nonce where it was.
    let mut bad = fields("BAD", today);
    bad.valid_until = None;
    chain.rejects(&key, anchor(bad));
    assert_eq!(
        chain.chain.nonce(&key.public(), chain.head.height).unwrap(),
        0
    );
    // Two in one block, in order.
    let a = chain.tx_with_nonce(&key, anchor(fields("A", today)), 0);
    let b = chain.tx_with_nonce(&key, anchor(fields("B", today)), 1);
    assert!(chain.block(&[a, b]).iter().all(|o| o.result.is_ok()));
    assert_eq!(
        chain.chain.nonce(&key.public(), chain.head.height).unwrap(),
        2
    );
}

#[test]
fn expired_transaction_is_refused() {
    let mut chain = TestChain::new();
    let today = chain.today();
    let key = demo_key("lab-cq");
    let mut tx = chain.tx(&key, anchor(fields("LATE", today)));
    tx.payload.valid_until_height = chain.head.height;
    let tx = tx.payload.sign(&key);
    let height = chain.head.height + 1;
    assert_eq!(
        chain.rejects_tx(tx),
        TxError::Expired {
            valid_until_height: height - 1,
            height
        }
    );
}

#[test]
fn mempool_check_accepts_future_nonces_and_refuses_the_rest() {
    let chain = TestChain::new();
    let today = chain.today();
    let key = demo_key("lab-cq");
    let v = chain.head.height;
    let future = chain.tx_with_nonce(&key, anchor(fields("F", today)), 5);
    assert_eq!(chain.chain.check_transaction(&future, v).unwrap(), Ok(()));
    let mut forged = chain.tx(&key, anchor(fields("G", today)));
    forged.payload.nonce = 1;
    assert_eq!(
        chain.chain.check_transaction(&forged, v).unwrap(),
        Err(TxError::BadSignature)
    );
}

#[test]
fn blocks_need_increasing_timestamps_and_matching_headers() {
    let chain = TestChain::new();
    let proposer = validator_key().public();
    let same_time = chain
        .chain
        .execute(&chain.head, chain.head.timestamp_ms, proposer, &[]);
    assert!(same_time.is_err());
    let executed = chain
        .chain
        .execute(&chain.head, chain.head.timestamp_ms + 1, proposer, &[])
        .unwrap();
    assert!(
        chain
            .chain
            .import(&chain.head, &executed.header, &[])
            .is_ok()
    );
    let mut lying = executed.header.clone();
    lying.state_root = Hash([1; 32]);
    assert_eq!(
        chain.chain.import(&chain.head, &lying, &[]).unwrap_err(),
        hengxin_runtime::BlockError::HeaderMismatch
    );
}
