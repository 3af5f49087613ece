//! The same blocks executed twice, from scratch, give the same state roots and block hashes.

use hengxin_chain_spec::demo;
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
            let key = demo::key(who);
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
        chain.submit(&demo::key("regulator-cq"), revoke).unwrap();
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
