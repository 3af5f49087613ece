//! Proposal parts: a block travels as a stream of parts (`Init`, transaction chunks, `Fin`).
//! `publish` streams this node's blocks; `receive` gathers the parts peers stream and judges
//! the block they make up once its stream is complete; `reassembly` turns a complete stream
//! into a block, over the parts alone.

mod publish;
mod reassembly;
mod receive;

pub(super) use self::receive::PartStream;

#[cfg(test)]
mod tests {
    use std::ops::Range;

    use hengxin_chain_spec::demo;
    use hengxin_primitives::{Date, Hash, Header, PublicKey, TxPayload};
    use hengxin_runtime::Transaction;

    /// A header that no chain made: for what looks at parts only.
    pub(super) fn header(height: u64, proposer: PublicKey) -> Header {
        Header {
            parent_hash: Hash([2; 32]),
            height,
            timestamp_ms: 1_000,
            proposer,
            tx_root: Hash([3; 32]),
            state_root: Hash([4; 32]),
            validator_set_hash: Hash([5; 32]),
            next_validator_set_hash: Hash([5; 32]),
        }
    }

    /// Anchors signed by the demo lab, one per nonce.
    pub(super) fn anchors(genesis_hash: Hash, today: Date, nonces: Range<u64>) -> Vec<Transaction> {
        let lab = demo::key("lab-cq");
        nonces
            .map(|nonce| {
                let call = demo::sample_anchor(
                    Default::default(),
                    format!("A-{nonce}").parse().unwrap(),
                    today,
                );
                TxPayload {
                    genesis_hash,
                    signer: lab.public(),
                    nonce,
                    valid_until_height: 50,
                    call,
                }
                .sign(&lab)
            })
            .collect()
    }
}
