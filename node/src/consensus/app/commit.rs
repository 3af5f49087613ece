//! Commit: a decided block is stored with its certificate in one batch before the engine hears
//! back.

use hengxin_primitives::{CommitCertificate, CommitSignature};
use malachite_app_channel::Reply;
use malachite_app_channel::app::types::core::{self as mc, Round};
use tracing::{debug, info};

use super::{App, Proposed};
use crate::consensus::context::{Address, BlockHash, Height, HengxinContext};
use crate::metrics::Stage;

impl App {
    /// Commits the decided block, then acknowledges (no reply when the commit fails).
    pub(super) fn decided(
        &mut self,
        certificate: &mc::CommitCertificate<HengxinContext>,
        reply: Reply<()>,
    ) -> anyhow::Result<()> {
        self.commit(certificate)?;
        let _ = reply.send(());
        Ok(())
    }

    /// Commits the decided block with its certificate, atomically, and moves the head.
    fn commit(
        &mut self,
        certificate: &mc::CommitCertificate<HengxinContext>,
    ) -> anyhow::Result<()> {
        let key = (certificate.height.0, certificate.value_id.0);
        let proposed = match self.proposals.remove(&key) {
            Some(p) => p,
            None => {
                // Decided from the WAL after a restart: the block was persisted before we voted.
                let block = self.store.pending(key.0, &key.1)?.ok_or_else(|| {
                    anyhow::anyhow!("decided block {} at height {} is unknown", key.1, key.0)
                })?;
                let executed = self
                    .chain
                    .import(&self.head, &block.header, &block.transactions)?;
                Proposed {
                    block,
                    executed,
                    round: certificate.round,
                    valid_round: Round::Nil,
                    proposer: Address(self.key.public()),
                }
            }
        };
        let commit = to_chain_commit(certificate);
        let Proposed {
            block, executed, ..
        } = proposed;
        self.metrics.timed(Stage::Commit, || {
            self.store
                .commit_block(&block, &commit, &executed.outcomes, executed.batch)
        })?;
        let (height, txs) = (block.header.height, block.transactions.len());
        self.metrics
            .committed(txs, self.round_started.take().map(|t| t.elapsed()));
        if txs > 0 {
            info!(height, txs, block = %key.1, "committed");
        } else {
            debug!(height, block = %key.1, "committed an empty block");
        }
        self.head = block.header;
        let head = self.head.height;
        self.proposals.retain(|(h, _), _| *h > head);
        let hashes = executed.outcomes.iter().map(|o| o.hash);
        self.mempool
            .remove_included(block.transactions.iter().zip(hashes));
        let chain = &self.chain;
        self.mempool.prune(|account| chain.nonce(account, head))?;
        Ok(())
    }
}

/// The engine's commit certificate as the chain stores it (and light clients check it).
fn to_chain_commit(c: &mc::CommitCertificate<HengxinContext>) -> CommitCertificate {
    CommitCertificate {
        height: c.height.0,
        round: c.round.as_u32().unwrap_or(0),
        block_hash: c.value_id.0,
        signatures: c
            .commit_signatures
            .iter()
            .map(|s| CommitSignature {
                validator: s.address.0,
                signature: s.signature,
            })
            .collect(),
    }
}

/// A stored commit certificate as the engine's sync expects it.
pub(super) fn from_chain_commit(c: &CommitCertificate) -> mc::CommitCertificate<HengxinContext> {
    mc::CommitCertificate {
        height: Height(c.height),
        round: Round::new(c.round),
        value_id: BlockHash(c.block_hash),
        commit_signatures: c
            .signatures
            .iter()
            .map(|s| mc::CommitSignature {
                address: Address(s.validator),
                signature: s.signature,
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hengxin_primitives::{Hash, Keypair};

    #[test]
    fn commit_certificates_convert_both_ways() {
        let key = Keypair::from_seed(&[4; 32]);
        let chain = CommitCertificate {
            height: 9,
            round: 2,
            block_hash: Hash([3; 32]),
            signatures: vec![CommitSignature {
                validator: key.public(),
                signature: key.sign(b"x"),
            }],
        };
        assert_eq!(to_chain_commit(&from_chain_commit(&chain)), chain);
    }
}
