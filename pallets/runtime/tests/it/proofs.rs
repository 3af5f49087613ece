//! Proof bundles built from real chain state and checked by the primitives' light-client code.

use hengxin_chain_spec::demo;
use hengxin_primitives::block::{CommitCertificate, ValidatorSet};
use hengxin_primitives::bundle::{
    BundleError, ProofBundle, ProvenLookupError, TrustAnchor, ValidatorHandoff,
};
use hengxin_primitives::records::CertificateRecord;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Hash, Header, Keypair, LabCode};
use hengxin_runtime::Call;
use hengxin_runtime::membership::Call as MemCall;
use parity_scale_codec::Encode;

use crate::harness::*;

fn commit(genesis: Hash, header: &Header, signers: &[Keypair]) -> CommitCertificate {
    CommitCertificate::signed_by(&genesis, header, 0, signers)
}

fn bundle(
    chain: &TestChain,
    keys: &[StorageKey],
    signers: &[Keypair],
    handoffs: Vec<ValidatorHandoff>,
) -> ProofBundle {
    let mut entries: Vec<_> = keys
        .iter()
        .map(|k| {
            chain
                .chain
                .state()
                .prove(&k.to_bytes(), chain.head.height)
                .unwrap()
        })
        .collect();
    // A bundle's one form, as the node makes it.
    entries.sort_by(|a, b| a.key.cmp(&b.key));
    ProofBundle {
        genesis_hash: chain.genesis_hash(),
        handoffs,
        header: chain.head.clone(),
        commit: commit(chain.genesis_hash(), &chain.head, signers),
        entries,
    }
}

fn anchor_of(chain: &TestChain) -> TrustAnchor {
    TrustAnchor {
        genesis_hash: chain.genesis_hash(),
        validators: demo_validators(),
    }
}

fn cert_key(n: &str) -> StorageKey {
    StorageKey::Certificate(LabCode::new("CQJL").unwrap(), number(n))
}

#[test]
fn present_and_absent_records_are_proven() {
    let mut chain = TestChain::new();
    chain.block(&[]);
    let b = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID), cert_key("NO-SUCH")],
        &[validator_key()],
        vec![],
    );
    let bytes = b.encode();
    let verified = ProofBundle::decode_untrusted(&bytes)
        .unwrap()
        .verify(&anchor_of(&chain))
        .unwrap();
    let record: CertificateRecord = verified.get(&cert_key(demo::CERT_VALID)).unwrap().unwrap();
    assert_eq!(record.fields.number, number(demo::CERT_VALID));
    assert_eq!(
        verified
            .get::<CertificateRecord>(&cert_key("NO-SUCH"))
            .unwrap(),
        None
    );
    assert_eq!(
        verified.get::<CertificateRecord>(&cert_key("OTHER")),
        Err(ProvenLookupError::NotProven)
    );
}

#[test]
fn tampered_bundles_prove_nothing() {
    let mut chain = TestChain::new();
    chain.block(&[]);
    let anchor = anchor_of(&chain);
    let good = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID)],
        &[validator_key()],
        vec![],
    );
    assert!(good.verify(&anchor).is_ok());

    let mut value = good.clone();
    let v = value.entries[0].value.as_mut().unwrap();
    let last = v.len() - 1;
    v[last] ^= 1;
    assert!(matches!(
        value.verify(&anchor),
        Err(BundleError::State { index: 0, .. })
    ));

    let mut hidden = good.clone();
    hidden.entries[0].value = None;
    assert!(matches!(
        hidden.verify(&anchor),
        Err(BundleError::State { .. })
    ));

    let mut root = good.clone();
    root.header.state_root = Hash([3; 32]);
    assert!(matches!(root.verify(&anchor), Err(BundleError::Commit(_))));

    let stranger = seeded(&[99; 32]);
    let forged = bundle(&chain, &[cert_key(demo::CERT_VALID)], &[stranger], vec![]);
    assert!(matches!(
        forged.verify(&anchor),
        Err(BundleError::Commit(_))
    ));

    let other_chain = TrustAnchor {
        genesis_hash: Hash([4; 32]),
        validators: demo_validators(),
    };
    assert!(matches!(
        good.verify(&other_chain),
        Err(BundleError::WrongChain { .. })
    ));

    let mut twice = good.clone();
    twice.entries.push(twice.entries[0].clone());
    assert_eq!(twice.verify(&anchor), Err(BundleError::EntryOrder));
    let mut reversed = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID), cert_key("NO-SUCH")],
        &[validator_key()],
        vec![],
    );
    assert!(reversed.verify(&anchor).is_ok());
    reversed.entries.reverse();
    assert_eq!(reversed.verify(&anchor), Err(BundleError::EntryOrder));

    let mut bytes = good.encode();
    bytes.push(0);
    assert!(matches!(
        ProofBundle::decode_untrusted(&bytes),
        Err(BundleError::Decode(_))
    ));
}

#[test]
fn validator_handoffs_are_followed_from_the_anchor() {
    let mut chain = TestChain::new();
    let new_keys: Vec<Keypair> = (1..=4)
        .map(|i| demo_key(&format!("validator-{i}")))
        .collect();
    let new_set = ValidatorSet::equal_power(new_keys.iter().map(|k| k.public())).unwrap();
    chain.ok(
        &demo_key("regulator-cq"),
        Call::Membership(MemCall::ProposeValidatorSet {
            validators: new_set.clone(),
        }),
    );
    chain.ok(
        &demo_key("regulator-sc"),
        Call::Membership(MemCall::ApproveValidatorSet { id: 1 }),
    );
    let handoff_header = chain.head.clone();
    let handoff = ValidatorHandoff {
        commit: commit(chain.genesis_hash(), &handoff_header, &[validator_key()]),
        header: handoff_header,
        next_validators: new_set,
    };
    chain.block(&[]);
    let anchor = anchor_of(&chain);

    let b = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID)],
        &new_keys[..3],
        vec![handoff.clone()],
    );
    assert!(b.verify(&anchor).is_ok());
    let without = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID)],
        &new_keys[..3],
        vec![],
    );
    assert_eq!(
        without.verify(&anchor),
        Err(BundleError::ValidatorSetMismatch)
    );
    let old_signers = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID)],
        &[validator_key()],
        vec![handoff.clone()],
    );
    assert!(matches!(
        old_signers.verify(&anchor),
        Err(BundleError::Commit(_))
    ));
    let too_few = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID)],
        &new_keys[..2],
        vec![handoff.clone()],
    );
    assert!(matches!(
        too_few.verify(&anchor),
        Err(BundleError::Commit(_))
    ));
    let mut swapped = handoff;
    swapped.next_validators = demo_validators();
    let b = bundle(
        &chain,
        &[cert_key(demo::CERT_VALID)],
        &new_keys[..3],
        vec![swapped],
    );
    assert!(matches!(
        b.verify(&anchor),
        Err(BundleError::Handoff { index: 0, .. })
    ));
}
