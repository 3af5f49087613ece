//! Real inputs to start each corpus from: transactions of every kind the demo signs, a block
//! and its proposal parts for the next height, the node's own proof bundles, and the DCC files
//! of the fixtures, byte for byte.

use std::path::PathBuf;

use base64::Engine;
use hengxin_chain_spec::demo;
use hengxin_node::consensus::codec::ScaleCodec;
use hengxin_node::consensus::context::{ProposalFin, ProposalInit, ProposalPart, parts_sign_bytes};
use hengxin_primitives::TxPayload;
use hengxin_runtime::{Block, Transaction};
use malachite_app_channel::app::streaming::StreamContent;
use malachite_app_channel::app::types::codec::Codec;
use malachite_app_channel::app::types::streaming::{StreamId, StreamMessage};
use parity_scale_codec::Encode;

use crate::fixture::{GENESIS_MS, anchor, fixture};

/// One seed: its target, a file name, its bytes.
pub type Seed = (&'static str, String, Vec<u8>);

/// Every seed of every target.
pub fn all() -> Vec<Seed> {
    let txs = transactions();
    let mut seeds: Vec<Seed> = txs
        .iter()
        .enumerate()
        .map(|(i, tx)| ("transaction", format!("tx-{i}"), tx.encode()))
        .collect();
    let encoded: Vec<Vec<u8>> = txs.iter().map(Encode::encode).collect();
    seeds.push(("batch", "all".into(), encoded.encode()));
    seeds.push(("batch", "two".into(), encoded[..2].to_vec().encode()));
    let block = next_block(txs[..2].to_vec());
    seeds.push(("block", "height-2".into(), block.encode()));
    seeds.push(("proposal_parts", "height-2".into(), parts(&block).encode()));
    for (name, path) in [
        (
            "certificate",
            format!("/v1/certificates/CQJL/{}/proof", demo::CERT_VALID),
        ),
        (
            "revoked",
            format!("/v1/certificates/CQJL/{}/proof", demo::CERT_REVOKED),
        ),
        (
            "business",
            format!("/v1/businesses/{}/proof", demo::BUSINESS_CQ),
        ),
        (
            "instrument",
            format!("/v1/instruments/{}/proof", demo::INSTRUMENT_FAILED),
        ),
        ("validators", "/v1/validators/proof".into()),
    ] {
        seeds.push(("bundle", name.into(), proof(&path)));
    }
    for entry in std::fs::read_dir(dcc_fixtures()).expect("the DCC fixtures") {
        let path = entry.expect("a directory entry").path();
        if path.extension().is_some_and(|e| e == "xml") {
            let name = path
                .file_stem()
                .expect("a name")
                .to_string_lossy()
                .into_owned();
            seeds.push(("dcc", name, std::fs::read(&path).expect("a fixture")));
        }
    }
    seeds
}

/// Where the DCC fixtures are.
pub fn dcc_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../fixtures/dcc")
}

/// A new anchor, then each of the demo's sample calls signed by its account (at nonce 0, so
/// most are refused as replays: the refusals are paths too).
fn transactions() -> Vec<Transaction> {
    let f = fixture();
    let mut txs = vec![
        anchor(&f.genesis, 1, "FUZZ-2"),
        anchor(&f.genesis, 2, "FUZZ/3 号"),
    ];
    let keys: Vec<_> = demo::KEY_NAMES.iter().map(|name| demo::key(name)).collect();
    for (account, call) in
        demo::sample_calls(Default::default(), GENESIS_MS).expect("the demo's calls")
    {
        let Some(key) = keys.iter().find(|k| k.public() == account) else {
            continue;
        };
        let payload = TxPayload {
            genesis_hash: f.genesis.hash(),
            signer: key.public(),
            nonce: 0,
            valid_until_height: 1_000,
            call,
        };
        txs.push(payload.sign(key));
    }
    txs
}

/// The block the validator would propose at height 2 with `txs`.
fn next_block(txs: Vec<Transaction>) -> Block {
    let executed = fixture().execute(&txs);
    Block {
        header: executed.header,
        transactions: txs,
    }
}

/// `block` as the validator streams it in round 0: each message as the network codec encodes
/// it.
fn parts(block: &Block) -> Vec<Vec<u8>> {
    let f = fixture();
    let header = block.header.clone();
    let hash = header.hash();
    let signature = f.validator.sign(&parts_sign_bytes(
        &f.genesis.hash(),
        header.height,
        0,
        &hash,
    ));
    let init = ProposalInit {
        height: header.height,
        round: 0,
        valid_round: None,
        proposer: f.validator.public(),
        header,
        tx_count: u32::try_from(block.transactions.len()).expect("a few"),
    };
    let contents = [
        StreamContent::Data(ProposalPart::Init(Box::new(init))),
        StreamContent::Data(ProposalPart::Transactions(block.transactions.clone())),
        StreamContent::Data(ProposalPart::Fin(ProposalFin { signature })),
        StreamContent::Fin,
    ];
    let stream_id = StreamId::new(vec![0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0].into());
    contents
        .into_iter()
        .zip(0u64..)
        .map(|(content, sequence)| {
            let msg = StreamMessage::new(stream_id.clone(), sequence, content);
            ScaleCodec.encode(&msg).expect("encodes").to_vec()
        })
        .collect()
}

/// The proof bundle the API serves at `path`.
fn proof(path: &str) -> Vec<u8> {
    let (status, body) = fixture().get(path);
    assert!(status.is_success(), "{path}: {status} {body}");
    let text = body["bundle"].as_str().expect("a bundle");
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .expect("base64")
}
