//! Codec properties: everything round-trips, and strict decoding of arbitrary bytes never
//! panics and accepts only canonical encodings.

use hengxin_primitives::codec::decode_strict;
use hengxin_primitives::records::{CertKind, Conclusion};
use hengxin_primitives::{Category, Date, Hash, Keypair, Text, TxPayload};
use hengxin_runtime::Transaction;
use parity_scale_codec::Encode;
use proptest::prelude::*;

use crate::harness::{anchor, fields};

fn printable() -> impl Strategy<Value = String> {
    "[A-Za-z0-9 /_.\\-\u{4e00}-\u{4e20}]{0,40}"
}

#[test]
fn submitted_bytes_are_size_limited_and_strict() {
    use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
    use hengxin_runtime::{TxDecodeError, decode_transaction};
    let key = Keypair::from_seed(&[1; 32]);
    let tx = TxPayload {
        genesis_hash: Hash::ZERO,
        signer: key.public(),
        nonce: 0,
        valid_until_height: 9,
        call: anchor(fields("S-1", Date::parse("2024-10-04").unwrap())),
    }
    .sign(&key);
    let bytes = tx.encode();
    assert_eq!(decode_transaction(&bytes).unwrap(), tx);
    let mut trailing = bytes.clone();
    trailing.push(0);
    assert!(matches!(
        decode_transaction(&trailing),
        Err(TxDecodeError::Undecodable(_))
    ));
    let huge = vec![0u8; TX_SIZE_BYTES_MAX + 1];
    assert_eq!(
        decode_transaction(&huge),
        Err(TxDecodeError::TooLarge {
            size: TX_SIZE_BYTES_MAX + 1
        })
    );
    // Call index 3 is reserved for a pallet that does not exist yet.
    let mut reserved = bytes;
    let call_at = 32 + 33 + 8 + 8;
    assert_eq!(reserved[call_at], 1, "the certificates call index");
    reserved[call_at] = 3;
    assert!(matches!(
        decode_transaction(&reserved),
        Err(TxDecodeError::Undecodable(_))
    ));
}

proptest! {
    #[test]
    fn transactions_round_trip(
        seed in any::<[u8; 32]>(),
        nonce in any::<u64>(),
        until in any::<u64>(),
        days in Date::MIN.0..Date::MAX.0,
        number in "[A-Za-z0-9][A-Za-z0-9 /\\-]{0,30}[A-Za-z0-9]",
        item in printable(),
        kind in 0usize..3,
        category in 0usize..10,
        hash in any::<[u8; 32]>(),
    ) {
        let mut f = fields(&number, Date(days));
        f.item = Text::new(&item).unwrap();
        f.kind = [CertKind::Verification, CertKind::Calibration, CertKind::Notice][kind];
        f.category = Category::ALL[category];
        f.conclusion = Conclusion::Fail { failed_items: vec![Text::new(&item).unwrap()] };
        f.document_hash = Hash(hash);
        let key = Keypair::from_seed(&seed);
        let tx = TxPayload { genesis_hash: Hash(hash), signer: key.public(), nonce, valid_until_height: until, call: anchor(f) }
            .sign(&key);
        let bytes = tx.encode();
        let back: Transaction = decode_strict("transaction", &bytes).unwrap();
        prop_assert!(back.signature_is_valid());
        prop_assert_eq!(back.hash(), tx.hash());
        prop_assert_eq!(back, tx);
    }

    #[test]
    fn arbitrary_bytes_decode_only_canonically(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        if let Ok(tx) = decode_strict::<Transaction>("transaction", &bytes) {
            prop_assert_eq!(tx.encode(), bytes);
        }
    }

    #[test]
    fn mutated_transactions_never_panic_and_stay_canonical(
        seed in any::<[u8; 32]>(),
        position in any::<prop::sample::Index>(),
        byte in any::<u8>(),
    ) {
        let key = Keypair::from_seed(&seed);
        let tx = TxPayload { genesis_hash: Hash::ZERO, signer: key.public(), nonce: 1, valid_until_height: 9, call: anchor(fields("M-1", Date::parse("2024-10-04").unwrap())) }
            .sign(&key);
        let mut bytes = tx.encode();
        let i = position.index(bytes.len());
        bytes[i] = byte;
        if let Ok(back) = decode_strict::<Transaction>("transaction", &bytes) {
            prop_assert_eq!(back.encode(), bytes);
        }
    }
}
