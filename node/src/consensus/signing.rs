//! Consensus signing and verification with the one rule every component uses (ed25519
//! `verify_strict`, through the primitives).

use async_trait::async_trait;
use hengxin_primitives::crypto::{self, Keypair};
use hengxin_primitives::{Hash, PublicKey, Signature};
use malachite_app_channel::app::types::core::{SignedMessage, ValidatorProof, VoteExtensionScope};
use malachite_app_channel::{Signer, Verifier};
use malachite_signing::{Error, VerificationResult};

use super::context::{ChainKeys, EXTENSION_TAG, HengxinContext, Proposal, Vote};

fn extension_sign_bytes(chain: &Hash, scope: &VoteExtensionScope<HengxinContext>) -> Vec<u8> {
    let round = scope.round.as_i64();
    let fields = (
        chain,
        scope.height.0,
        round,
        scope.value_id.0,
        scope.validator_address.0,
    );
    crypto::tagged_bytes(EXTENSION_TAG, &fields)
}

/// Signs this validator's votes and proposals.
#[derive(Debug, Clone)]
pub struct ConsensusSigner {
    key: Keypair,
    chain: Hash,
}

impl ConsensusSigner {
    /// A signer with the validator's key, for the chain `chain`.
    pub fn new(key: Keypair, chain: Hash) -> ConsensusSigner {
        ConsensusSigner { key, chain }
    }
}

#[async_trait]
impl Signer<HengxinContext> for ConsensusSigner {
    async fn sign_vote(&self, vote: Vote) -> Result<SignedMessage<HengxinContext, Vote>, Error> {
        let signature = self.key.sign(&vote.sign_bytes(&self.chain));
        Ok(SignedMessage::new(vote, signature))
    }

    async fn sign_proposal(
        &self,
        proposal: Proposal,
    ) -> Result<SignedMessage<HengxinContext, Proposal>, Error> {
        let signature = self.key.sign(&proposal.sign_bytes(&self.chain));
        Ok(SignedMessage::new(proposal, signature))
    }

    async fn sign_vote_extension(
        &self,
        scope: VoteExtensionScope<HengxinContext>,
        extension: (),
    ) -> Result<SignedMessage<HengxinContext, ()>, Error> {
        let signature = self.key.sign(&extension_sign_bytes(&self.chain, &scope));
        Ok(SignedMessage::new(extension, signature))
    }

    async fn sign_validator_proof(
        &self,
        public_key: Vec<u8>,
        peer_id: Vec<u8>,
    ) -> Result<ValidatorProof<HengxinContext>, Error> {
        let signature = self
            .key
            .sign(&ValidatorProof::<HengxinContext>::signing_bytes(
                &public_key,
                &peer_id,
            ));
        Ok(ValidatorProof::new(public_key, peer_id, signature))
    }
}

/// Verifies other validators' votes and proposals.
#[derive(Debug, Clone, Copy)]
pub struct ConsensusVerifier {
    chain: Hash,
}

impl ConsensusVerifier {
    /// A verifier for the chain `chain`.
    pub fn new(chain: Hash) -> ConsensusVerifier {
        ConsensusVerifier { chain }
    }
}

fn result(ok: bool) -> Result<VerificationResult, Error> {
    Ok(VerificationResult::from_bool(ok))
}

#[async_trait]
impl Verifier<HengxinContext> for ConsensusVerifier {
    async fn verify_signed_vote(
        &self,
        vote: &Vote,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        result(public_key.verify(&vote.sign_bytes(&self.chain), signature))
    }

    async fn verify_signed_proposal(
        &self,
        proposal: &Proposal,
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        result(public_key.verify(&proposal.sign_bytes(&self.chain), signature))
    }

    async fn verify_signed_vote_extension(
        &self,
        scope: &VoteExtensionScope<HengxinContext>,
        _extension: &(),
        signature: &Signature,
        public_key: &PublicKey,
    ) -> Result<VerificationResult, Error> {
        result(public_key.verify(&extension_sign_bytes(&self.chain, scope), signature))
    }

    async fn verify_validator_proof(
        &self,
        proof: &ValidatorProof<HengxinContext>,
    ) -> Result<VerificationResult, Error> {
        use malachite_app_channel::app::types::core::SigningScheme as _;
        let Ok(key) = ChainKeys::decode_public_key(&proof.public_key) else {
            return result(false);
        };
        result(key.verify(&proof.preimage(), &proof.signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::consensus::context::{Address, BlockHash, Height};
    use hengxin_primitives::block::{CommitCertificate, CommitSignature, Header, ValidatorSet};
    use malachite_app_channel::app::types::core::{Context, NilOrVal, Round};

    fn header(set: &ValidatorSet) -> Header {
        Header {
            parent_hash: Hash([1; 32]),
            height: 5,
            timestamp_ms: 1,
            proposer: set.validators[0].key,
            tx_root: Hash([2; 32]),
            state_root: Hash([3; 32]),
            validator_set_hash: set.hash(),
            next_validator_set_hash: set.hash(),
        }
    }

    /// A precommit signed through Malachite's `Signer` is exactly what the light client checks.
    #[tokio::test]
    async fn engine_precommits_make_a_commit_the_light_client_accepts() {
        let chain = Hash([9; 32]);
        let ctx = HengxinContext { chain };
        let keys: Vec<Keypair> = (1..=4).map(|i| Keypair::from_seed(&[i; 32])).collect();
        let set = ValidatorSet::equal_power(keys.iter().map(|k| k.public())).unwrap();
        let header = header(&set);
        let value = BlockHash(header.hash());
        let mut signatures = Vec::new();
        for key in &keys[..3] {
            let vote = ctx.new_precommit(
                Height(5),
                Round::new(2),
                NilOrVal::Val(value),
                Address(key.public()),
            );
            let signed = ConsensusSigner::new(key.clone(), chain)
                .sign_vote(vote.clone())
                .await
                .unwrap();
            let verdict = ConsensusVerifier::new(chain)
                .verify_signed_vote(&vote, &signed.signature, &key.public())
                .await
                .unwrap();
            assert!(verdict.is_valid());
            signatures.push(CommitSignature {
                validator: key.public(),
                signature: signed.signature,
            });
        }
        let commit = CommitCertificate {
            height: 5,
            round: 2,
            block_hash: header.hash(),
            signatures,
        };
        assert!(commit.verify(&chain, &header, &set).is_ok());
        assert!(
            commit.verify(&Hash([8; 32]), &header, &set).is_err(),
            "the chain is in the sign-bytes"
        );
    }

    #[tokio::test]
    async fn validator_proof_binds_key_and_peer() {
        for scheme in crypto::Scheme::ALL {
            validator_proof_binds_key_and_peer_in(scheme).await;
        }
    }

    async fn validator_proof_binds_key_and_peer_in(scheme: crypto::Scheme) {
        let key = Keypair::from_secret(scheme, &[3; 32]).unwrap();
        let signer = ConsensusSigner::new(key.clone(), Hash::ZERO);
        let proof = signer
            .sign_validator_proof(key.public().as_bytes().to_vec(), vec![1, 2, 3])
            .await
            .unwrap();
        let verifier = ConsensusVerifier::new(Hash::ZERO);
        assert!(
            verifier
                .verify_validator_proof(&proof)
                .await
                .unwrap()
                .is_valid()
        );
        let mut other_peer = proof.clone();
        other_peer.peer_id = vec![1, 2, 4];
        assert!(
            verifier
                .verify_validator_proof(&other_peer)
                .await
                .unwrap()
                .is_invalid()
        );
    }

    #[tokio::test]
    async fn proposals_and_votes_do_not_verify_as_each_other() {
        let chain = Hash([9; 32]);
        let ctx = HengxinContext { chain };
        let key = Keypair::from_seed(&[1; 32]);
        let signer = ConsensusSigner::new(key.clone(), chain);
        let value = BlockHash(Hash([4; 32]));
        let proposal = ctx.new_proposal(
            Height(1),
            Round::new(0),
            value,
            Round::Nil,
            Address(key.public()),
        );
        let signed = signer.sign_proposal(proposal).await.unwrap();
        let prevote = ctx.new_prevote(
            Height(1),
            Round::new(0),
            NilOrVal::Val(value),
            Address(key.public()),
        );
        let verifier = ConsensusVerifier::new(chain);
        assert!(
            verifier
                .verify_signed_vote(&prevote, &signed.signature, &key.public())
                .await
                .unwrap()
                .is_invalid()
        );
    }
}
