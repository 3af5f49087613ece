//! One validator, in-process on loopback with the real engine, network stack and sled: it
//! produces blocks at once, finalizes a submitted transaction, and after a stop and restart
//! resumes from its last decided height with a valid commit certificate.

use std::path::Path;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use hengxin_node::consensus::app::BlockParams;
use hengxin_node::mempool::MempoolLimits;
use hengxin_node::node::{NodeSettings, RunningNode, start};
use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_primitives::records::{CertKind, CertificateFields, Conclusion, Instrument};
use hengxin_primitives::{Category, Date, Text, TxPayload, crypto};
use hengxin_runtime::{Call, certificates, demo};
use malachite_app_channel::app::types::core::LinearTimeouts;

fn settings(dir: &Path, genesis_time_ms: u64) -> NodeSettings {
    let key = demo::key("validator-0");
    let set = ValidatorSet::new(vec![Validator {
        key: key.public(),
        power: 1,
    }])
    .unwrap();
    let timeouts = LinearTimeouts {
        propose: Duration::from_millis(500),
        prevote: Duration::from_millis(200),
        precommit: Duration::from_millis(200),
        ..LinearTimeouts::default()
    };
    NodeSettings {
        moniker: "n1-test".into(),
        data_dir: dir.to_path_buf(),
        key,
        genesis: demo::genesis(genesis_time_ms, set).unwrap(),
        listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        peers: vec![],
        gossip_listen: "/ip4/127.0.0.1/tcp/0".parse().unwrap(),
        gossip_peers: vec![],
        blocks: BlockParams {
            txs_max: 1_000,
            bytes_max: 4 * 1024 * 1024,
            timeouts,
            target_time: Some(Duration::from_millis(50)),
        },
        mempool: MempoolLimits::default(),
    }
}

fn head(node: &RunningNode) -> u64 {
    node.store.head().unwrap().unwrap().height
}

async fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(
            start.elapsed() < timeout,
            "timed out after {timeout:?} waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn anchor(number: &str, today: Date) -> Call {
    let t = Text::lossy;
    Call::Certificates(certificates::Call::Anchor {
        fields: CertificateFields {
            number: number.parse().unwrap(),
            kind: CertKind::Calibration,
            category: Category::Length,
            item: t("卡尺"),
            instrument: Instrument {
                name: t("游标卡尺"),
                model: t("(0~150)mm"),
                serial: t("7"),
                manufacturer: t("m"),
            },
            procedure: t("JJF 1000"),
            calibration_date: today,
            issue_date: today,
            valid_until: None,
            conclusion: Conclusion::None,
            standards: vec![],
            document_hash: crypto::sha256(number.as_bytes()),
        },
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n1_finalizes_a_transaction_and_resumes_after_restart() {
    let dir = tempfile::tempdir().unwrap();
    let now_ms = u64::try_from(
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let settings = settings(dir.path(), now_ms - 1_000);
    let node = start(settings.clone()).await.unwrap();
    wait_until("three blocks", Duration::from_secs(60), || head(&node) >= 3).await;

    let chain = node.store.chain(&node.genesis);
    let lab = demo::key("lab-cq");
    let at = head(&node);
    let tx = TxPayload {
        genesis_hash: node.genesis.hash(),
        signer: lab.public(),
        nonce: chain.nonce(&lab.public(), at).unwrap(),
        valid_until_height: at + 1_000,
        call: anchor("N1-0001", Date::from_unix_ms_cst(now_ms)),
    }
    .sign(&lab);
    let hash = node.submit(tx).unwrap();
    wait_until(
        "the transaction to be finalized",
        Duration::from_secs(60),
        || node.store.transaction(&hash).unwrap().is_some(),
    )
    .await;
    assert_eq!(
        node.store.transaction(&hash).unwrap().unwrap().result,
        Ok(())
    );
    assert!(
        node.mempool.is_empty(),
        "a finalized transaction leaves the pool"
    );

    let stopped_at = head(&node);
    drop(chain); // it holds the database open
    node.stop().await;
    let node = start(settings).await.unwrap();
    assert!(head(&node) >= stopped_at, "nothing decided is lost");
    wait_until("blocks after the restart", Duration::from_secs(60), || {
        head(&node) >= stopped_at + 3
    })
    .await;
    let head_header = node.store.head().unwrap().unwrap();
    let commit = node.store.commit(head_header.height).unwrap().unwrap();
    let set = ValidatorSet::new(vec![Validator {
        key: demo::key("validator-0").public(),
        power: 1,
    }])
    .unwrap();
    commit
        .verify(&node.genesis.hash(), &head_header, &set)
        .unwrap();
    node.stop().await;
}
