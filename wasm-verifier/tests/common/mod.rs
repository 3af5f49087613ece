//! What the verifier's tests share: a demo chain in memory with one finalized block, and the
//! bundles a node would serve from it.
#![allow(dead_code)]

use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::bundle::{ProofBundle, TrustAnchor};
use hengxin_primitives::gather;
use hengxin_primitives::read::{ReadError, StateRead};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, CommitCertificate, Date, LabCode};
use hengxin_runtime::Chain;
use hengxin_support::{MemoryBackend, Storage};
use hengxin_verifier::Request;
use parity_scale_codec::Encode;

pub const GENESIS_MS: u64 = 1_780_000_000_000;

pub struct Fixture {
    pub chain: Chain<MemoryBackend>,
    pub anchor: TrustAnchor,
    pub header: hengxin_primitives::Header,
    pub commit: CommitCertificate,
}

pub fn fixture() -> Fixture {
    fixture_with(|_| Vec::new())
}

/// The demo chain with one finalized block holding the transactions `txs` makes (given the
/// genesis hash).
pub fn fixture_with(
    txs: impl FnOnce(hengxin_primitives::Hash) -> Vec<hengxin_runtime::Transaction>,
) -> Fixture {
    fixture_in(demo::test_scheme(), txs)
}

/// [`fixture_with`] on a chain of `scheme`.
pub fn fixture_in(
    scheme: hengxin_primitives::crypto::Scheme,
    txs: impl FnOnce(hengxin_primitives::Hash) -> Vec<hengxin_runtime::Transaction>,
) -> Fixture {
    let validator = demo::key_of(scheme, "validator-0");
    let set = ValidatorSet::equal_power([validator.public()]).unwrap();
    let config = demo::genesis(GENESIS_MS, set.clone()).unwrap();
    let (chain, genesis) = Chain::from_genesis(MemoryBackend::default(), &config).unwrap();
    let txs = txs(genesis.hash());
    let executed = chain
        .execute(&genesis, GENESIS_MS + 1_000, validator.public(), &txs)
        .unwrap();
    assert!(
        executed.outcomes.iter().all(|o| o.result.is_ok()),
        "{:?}",
        executed.outcomes
    );
    chain.commit(executed.batch).unwrap();
    let commit = CommitCertificate::signed_by(&genesis.hash(), &executed.header, 0, &[validator]);
    Fixture {
        chain,
        anchor: TrustAnchor {
            genesis_hash: genesis.hash(),
            validators: set,
        },
        header: executed.header,
        commit,
    }
}

/// Records the keys the one read path reads, as the node's bundle builder does.
pub struct Recorder<'a> {
    pub chain: &'a Chain<MemoryBackend>,
    pub keys: Vec<StorageKey>,
}

impl StateRead for Recorder<'_> {
    type Error = ReadError;

    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>, ReadError> {
        self.keys.push(key.clone());
        Ok(self.chain.view(1).get_raw(&key.to_bytes()).unwrap())
    }
}

/// The bundle a node serves for `lab`/`number`: every key the certificate's facts and context
/// are gathered from.
pub fn bundle(f: &Fixture, lab: &str, number: &str) -> Vec<u8> {
    let lab = LabCode::new(lab).unwrap();
    let number: CertNumber = number.parse().unwrap();
    let mut recorder = Recorder {
        chain: &f.chain,
        keys: Vec::new(),
    };
    if let Some(facts) = gather::certificate(&mut recorder, &lab, &number).unwrap() {
        gather::certificate_context(&mut recorder, &facts).unwrap();
    }
    bundle_of(f, &recorder.keys)
}

/// A bundle proving `keys` (each once, sorted) at height 1.
pub fn bundle_of(f: &Fixture, keys: &[StorageKey]) -> Vec<u8> {
    let mut keys: Vec<Vec<u8>> = keys.iter().map(StorageKey::to_bytes).collect();
    keys.sort();
    keys.dedup();
    ProofBundle {
        genesis_hash: f.anchor.genesis_hash,
        handoffs: vec![],
        header: f.header.clone(),
        commit: f.commit.clone(),
        entries: keys
            .iter()
            .map(|k| f.chain.state().prove(k, 1).unwrap())
            .collect(),
    }
    .encode()
}

pub fn request<'a>(lab: &'a str, number: &'a str) -> Request<'a> {
    Request {
        lab,
        number,
        hash_prefix: None,
        document: None,
        today: Date::from_unix_ms_cst(GENESIS_MS + 86_400_000),
    }
}

pub fn step_ok(report: &hengxin_verifier::Report, id: &str) -> Option<bool> {
    report
        .steps
        .iter()
        .find(|s| s.id.code() == id)
        .and_then(|s| s.ok)
}
