//! Streaming a block to the other validators as proposal parts.

use bytes::Bytes;
use hengxin_primitives::{Hash, Keypair};
use hengxin_runtime::Block;
use malachite_app_channel::app::streaming::StreamContent;
use malachite_app_channel::app::types::core::Round;
use malachite_app_channel::app::types::streaming::{StreamId, StreamMessage};
use malachite_app_channel::{Channels, NetworkMsg};

use crate::consensus::app::{App, TXS_PER_PART};
use crate::consensus::context::{
    BlockHash, Height, HengxinContext, ProposalFin, ProposalInit, ProposalPart, parts_sign_bytes,
};
use crate::metrics::Stage;

impl App {
    /// Streams a block this node holds again, when the engine asks.
    pub(in crate::consensus::app) async fn restream_proposal(
        &self,
        channels: &Channels<HengxinContext>,
        height: Height,
        round: Round,
        valid_round: Round,
        value_id: BlockHash,
    ) -> anyhow::Result<()> {
        if self.proposals.contains_key(&(height.0, value_id.0)) {
            self.stream_block(channels, height.0, round, valid_round, value_id.0)
                .await?;
        }
        Ok(())
    }

    /// Publishes a block as parts: `Init` (header), transaction chunks, `Fin` (our signature).
    pub(in crate::consensus::app) async fn stream_block(
        &self,
        channels: &Channels<HengxinContext>,
        height: u64,
        round: Round,
        valid_round: Round,
        hash: Hash,
    ) -> anyhow::Result<()> {
        let Some(proposed) = self.proposals.get(&(height, hash)) else {
            return Ok(());
        };
        let round_u32 = round.as_u32().unwrap_or(0);
        let (key, chain, block) = (&self.key, &self.ctx.chain, &proposed.block);
        let parts = self.metrics.timed(Stage::Stream, || {
            block_parts(key, chain, height, round_u32, valid_round, block, &hash)
        })?;
        let stream_id = StreamId::new(Bytes::from(
            [height.to_be_bytes(), u64::from(round_u32).to_be_bytes()].concat(),
        ));
        let count = parts.len() as u64;
        for (sequence, part) in parts.into_iter().enumerate() {
            let msg = StreamMessage::new(
                stream_id.clone(),
                sequence as u64,
                StreamContent::Data(part),
            );
            channels
                .network
                .send(NetworkMsg::PublishProposalPart(msg))
                .await?;
        }
        let fin = StreamMessage::new(stream_id, count, StreamContent::Fin);
        channels
            .network
            .send(NetworkMsg::PublishProposalPart(fin))
            .await?;
        Ok(())
    }
}

/// The parts of `block` (whose hash is `hash`) proposed at `height` and `round` by the holder of
/// `key` on `chain`, in stream order: `Init`, chunks of `TXS_PER_PART` transactions, `Fin`.
fn block_parts(
    key: &Keypair,
    chain: &Hash,
    height: u64,
    round: u32,
    valid_round: Round,
    block: &Block,
    hash: &Hash,
) -> anyhow::Result<Vec<ProposalPart>> {
    let init = ProposalInit {
        height,
        round,
        valid_round: valid_round.as_u32(),
        proposer: key.public(),
        header: block.header.clone(),
        tx_count: u32::try_from(block.transactions.len())?,
    };
    let signature = key.sign(&parts_sign_bytes(chain, height, round, hash));
    let mut parts = vec![ProposalPart::Init(Box::new(init))];
    parts.extend(
        block
            .transactions
            .chunks(TXS_PER_PART)
            .map(|c| ProposalPart::Transactions(c.to_vec())),
    );
    parts.push(ProposalPart::Fin(ProposalFin { signature }));
    Ok(parts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use hengxin_chain_spec::demo;
    use hengxin_primitives::Date;

    use super::super::reassembly::{Reassembled, reassemble};
    use super::super::tests::{anchors, header};

    #[test]
    fn a_streamed_block_reassembles_into_itself() {
        let key = demo::key("validator-0");
        let chain = Hash([1; 32]);
        let transactions = anchors(chain, Date(20_000), 0..TXS_PER_PART as u64 + 1);
        let header = header(7, key.public());
        let hash = header.hash();
        let block = Block {
            header,
            transactions,
        };
        let parts = block_parts(&key, &chain, 7, 2, Round::new(1), &block, &hash).unwrap();
        assert_eq!(parts.len(), 4, "init, two chunks, fin");

        let Reassembled {
            init,
            transactions,
            fin,
        } = reassemble(parts).unwrap();
        assert_eq!((init.height, init.round, init.valid_round), (7, 2, Some(1)));
        assert_eq!(init.proposer, key.public());
        assert_eq!(init.header, block.header);
        assert_eq!(transactions, block.transactions);
        let sign_bytes = parts_sign_bytes(&chain, 7, 2, &hash);
        assert!(key.public().verify(&sign_bytes, &fin.signature));
    }
}
