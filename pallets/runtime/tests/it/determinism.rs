//! The same blocks executed twice, from scratch, give the same state roots and block hashes.

use hengxin_primitives::Hash;
use hengxin_primitives::LabCode;
use hengxin_runtime::Call;
use hengxin_runtime::certificates::Call as CertCall;

use crate::harness::*;

fn run() -> Vec<(Hash, Hash)> {
    let mut chain = TestChain::new();
    let today = chain.today();
    let mut roots = vec![(chain.root(), chain.head.hash())];
    for block in 0..5 {
        let mut txs = Vec::new();
        for (i, who) in ["lab-cq", "lab-sc"].iter().enumerate() {
            let key = demo_key(who);
            let nonce = chain.chain.nonce(&key.public(), chain.head.height).unwrap();
            for j in 0..4u64 {
                let n = format!("D-{block}-{i}-{j}");
                txs.push(chain.tx_with_nonce(&key, anchor(fields(&n, today)), nonce + j));
            }
        }
        let revoke = Call::Certificates(CertCall::Revoke {
            lab: LabCode::new("CQJL").unwrap(),
            number: number(&format!("D-{block}-0-0")),
            reason: text("r"),
        });
        chain.block(&txs);
        chain.submit(&demo_key("regulator-cq"), revoke).unwrap();
        roots.push((chain.root(), chain.head.hash()));
    }
    roots
}

#[test]
fn same_blocks_give_same_roots() {
    let first = run();
    let second = run();
    assert_eq!(first, second);
    let distinct: std::collections::BTreeSet<_> = first.iter().map(|(root, _)| *root).collect();
    assert_eq!(distinct.len(), first.len(), "every block changed the state");
}

/// An ed25519-sha256 chain is what it was before a genesis could name its scheme, byte for
/// byte: the demo genesis and five blocks of anchors and revocations give the state roots and
/// block hashes recorded from the code before SM2/SM3. On an sm2-sm3 run, its roots are others.
#[test]
fn an_ed25519_chain_is_unchanged_byte_for_byte() {
    let hex = |h: &Hash| h.to_hex();
    let roots = run();
    let (genesis, last) = (roots[0], roots[roots.len() - 1]);
    let recorded = [
        "b9b13893778b58db3cfba0702064bb66f6280c54af3bf12c586bbaa6b0fee638",
        "347e6cff5145b7e86f1ffbad252f26c96aa34afe18631b4edd2f0f1afcba6bcd",
        "d9415ffd33667de138c7aef73f819cf2fb6f16b2e62e69c217dbd85283918f06",
        "305611a8ecceba58e59f6a57d953b530c8c20d1f67f84e43e17eba0708c5fda3",
    ];
    let got = [hex(&genesis.0), hex(&genesis.1), hex(&last.0), hex(&last.1)];
    match scheme() {
        hengxin_primitives::crypto::Scheme::Ed25519Sha256 => assert_eq!(got, recorded),
        hengxin_primitives::crypto::Scheme::Sm2Sm3 => {
            assert!(got.iter().zip(&recorded).all(|(a, b)| a != b), "{got:?}")
        }
    }
}
