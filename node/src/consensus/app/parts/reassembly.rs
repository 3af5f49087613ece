//! The reassembly of a complete part stream into a block, over the parts alone: what the
//! parts claim is checked by the caller against the chain.

use hengxin_runtime::Transaction;

use crate::consensus::context::{ProposalFin, ProposalInit, ProposalPart};

/// A block as its parts carried it: the `Init`, every transaction in order, the `Fin`.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Reassembled {
    pub(super) init: ProposalInit,
    pub(super) transactions: Vec<Transaction>,
    pub(super) fin: ProposalFin,
}

/// The block that `parts`, in stream order, make up: an `Init`, then `Transactions` chunks,
/// then one `Fin` as the last part, and as many transactions as the `Init` announced.
/// `None` for any other shape.
pub(super) fn reassemble(parts: impl IntoIterator<Item = ProposalPart>) -> Option<Reassembled> {
    let mut parts = parts.into_iter();
    let Some(ProposalPart::Init(init)) = parts.next() else {
        return None;
    };
    let (mut transactions, mut fin) = (Vec::new(), None);
    for part in parts {
        match part {
            ProposalPart::Transactions(chunk) if fin.is_none() => transactions.extend(chunk),
            ProposalPart::Fin(f) if fin.is_none() => fin = Some(f),
            _ => return None,
        }
    }
    let fin = fin?;
    if transactions.len() != init.tx_count as usize {
        return None;
    }
    Some(Reassembled {
        init: *init,
        transactions,
        fin,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use hengxin_chain_spec::demo;
    use hengxin_primitives::{Date, Hash};

    use super::super::tests::{anchors, header};

    fn txs(from: u64, n: u64) -> Vec<Transaction> {
        anchors(Hash([1; 32]), Date(20_000), from..from + n)
    }

    fn the_init(tx_count: u32) -> ProposalInit {
        let proposer = demo::key("validator-0").public();
        ProposalInit {
            height: 1,
            round: 0,
            valid_round: None,
            proposer,
            header: header(1, proposer),
            tx_count,
        }
    }

    fn the_fin() -> ProposalFin {
        let signature = demo::key("validator-0").sign(b"parts");
        ProposalFin { signature }
    }

    fn init(tx_count: u32) -> ProposalPart {
        ProposalPart::Init(Box::new(the_init(tx_count)))
    }

    fn fin() -> ProposalPart {
        ProposalPart::Fin(the_fin())
    }

    #[test]
    fn chunks_between_init_and_fin_make_the_block_in_order() {
        let (first, second) = (txs(0, 2), txs(2, 3));
        let parts = [
            init(5),
            ProposalPart::Transactions(first.clone()),
            ProposalPart::Transactions(second.clone()),
            fin(),
        ];
        let expected = Reassembled {
            init: the_init(5),
            transactions: [first, second].concat(),
            fin: the_fin(),
        };
        assert_eq!(reassemble(parts), Some(expected));
    }

    #[test]
    fn an_empty_block_needs_no_transactions_part() {
        let block = reassemble([init(0), fin()]).unwrap();
        assert!(block.transactions.is_empty());
        let with_empty_chunk = [init(0), ProposalPart::Transactions(Vec::new()), fin()];
        assert!(reassemble(with_empty_chunk).is_some());
    }

    #[test]
    fn a_stream_not_opened_by_init_is_no_block() {
        assert_eq!(reassemble([]), None);
        let chunk = ProposalPart::Transactions(txs(0, 1));
        assert_eq!(reassemble([chunk.clone(), init(1), fin()]), None);
        assert_eq!(reassemble([fin(), init(0)]), None);
    }

    #[test]
    fn a_stream_without_fin_is_no_block() {
        assert_eq!(reassemble([init(0)]), None);
        assert_eq!(
            reassemble([init(1), ProposalPart::Transactions(txs(0, 1))]),
            None
        );
    }

    #[test]
    fn nothing_may_follow_fin() {
        let chunk = ProposalPart::Transactions(txs(0, 1));
        assert_eq!(reassemble([init(1), fin(), chunk.clone()]), None);
        assert_eq!(reassemble([init(1), chunk.clone(), fin(), fin()]), None);
        assert_eq!(reassemble([init(1), chunk, fin(), init(1)]), None);
    }

    #[test]
    fn a_second_init_is_no_block() {
        let chunk = ProposalPart::Transactions(txs(0, 1));
        assert_eq!(reassemble([init(1), init(1), chunk, fin()]), None);
    }

    #[test]
    fn the_transactions_must_be_as_many_as_init_announced() {
        let chunk = || ProposalPart::Transactions(txs(0, 2));
        assert!(reassemble([init(2), chunk(), fin()]).is_some());
        assert_eq!(reassemble([init(1), chunk(), fin()]), None);
        assert_eq!(reassemble([init(3), chunk(), fin()]), None);
    }
}
