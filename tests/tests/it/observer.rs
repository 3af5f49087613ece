//! An observer: a fifth node of a four-validator network (`testnet --observers 1`) that follows
//! the chain without voting and serves the read API. It says so in `/v1/health`, holds the
//! validators' blocks, forwards a transaction sent to it (checked, then gossiped to the
//! validators), serves a proof that the CLI's verifier accepts against the trust file, and the
//! chain goes on without it; its key is in no commit.

use std::process::Command;
use std::time::Duration;

use hengxin_api_types::BundleBody;
use hengxin_primitives::bundle::ProofBundle;
use hengxin_tests::workspace_bin;

use crate::cluster::{Cluster, SERIAL, anchor, bytes};

const OBSERVER: usize = 4;
const TIMEOUT: Duration = Duration::from_secs(60);

#[test]
fn an_observer_follows_serves_proofs_forwards_transactions_and_never_votes() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut cluster = Cluster::testnet_with(4, 1, &["--heartbeat-ms", "100"]);
    cluster.start_all();
    cluster.wait_height(OBSERVER, 3, TIMEOUT);
    let (_, health) = cluster.get(OBSERVER, "/v1/health").unwrap();
    assert_eq!(health["role"], "observer", "{health}");
    let (_, health) = cluster.get(0, "/v1/health").unwrap();
    assert_eq!(health["role"], "validator", "{health}");

    // A transaction sent to the observer is finalized by the validators; the observer has it.
    let tx = anchor(
        cluster.genesis_hash(),
        &cluster.key("lab-cq"),
        0,
        "CQJL-OBS-1",
    );
    let (status, body) = cluster.post_tx(OBSERVER, &bytes(&tx)).unwrap();
    assert_eq!(status, 202, "{body}");
    let height = cluster.wait_finalized(&[0, OBSERVER], &tx.hash(), TIMEOUT);

    // Its proof, from the observer, verifies against the trust file alone.
    let verified = Command::new(workspace_bin("hengxin"))
        .args([
            "--node",
            &cluster.nodes[OBSERVER].url,
            "cert",
            "verify",
            "--trust",
        ])
        .arg(cluster.dir().join("trust.json"))
        .arg("CQJL/CQJL-OBS-1")
        .output()
        .unwrap();
    assert!(
        verified.status.success(),
        "the observer's proof did not verify: {}{}",
        String::from_utf8_lossy(&verified.stdout),
        String::from_utf8_lossy(&verified.stderr)
    );

    // It is no validator and signed no commit (its engine has no signer); the chain does not
    // need it, and it catches up after a restart.
    let observer = cluster.node_key(OBSERVER).public();
    let (_, validators) = cluster.get(0, "/v1/validators").unwrap();
    assert!(
        !validators.to_string().contains(&observer.to_hex()),
        "the observer is a validator: {validators}"
    );
    let (_, proof) = cluster
        .get(OBSERVER, "/v1/certificates/CQJL/CQJL-OBS-1/proof")
        .unwrap();
    let proof: BundleBody = serde_json::from_value(proof).unwrap();
    let bundle = ProofBundle::decode_untrusted(&proof.bytes().unwrap()).unwrap();
    let signers: Vec<_> = bundle
        .commit
        .signatures
        .iter()
        .map(|s| s.validator)
        .collect();
    assert!(
        signers.len() >= 3 && !signers.contains(&observer),
        "{signers:?}"
    );
    cluster.kill(OBSERVER);
    cluster.wait_height(0, height + 5, TIMEOUT);
    cluster.start(OBSERVER);
    cluster.wait_height(OBSERVER, height + 5, TIMEOUT);
    cluster.assert_agreement(&[0, 1, 2, 3, OBSERVER]);
}
