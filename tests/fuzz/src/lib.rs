//! What the fuzzers run: one function a target, each taking untrusted bytes the way the node,
//! the CLI or the browser verifier takes them, over a real store (sled, the demo genesis and
//! one finalized block). A target panics only on a defect: a panic inside, or an answer the
//! interface contract does not allow (a 500, an error where an outcome was due).
//!
//! cargo-fuzz runs them from `libfuzzer/` (`tests/fuzz/run`); `tests/regressions.rs` replays
//! the seeds and every input kept in `regressions/` in the normal test suite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod fixture;
pub mod seeds;

use axum::http::StatusCode;
use hengxin_node::consensus::codec::ScaleCodec;
use hengxin_node::consensus::context::{Address, Height, ProposalPart};
use hengxin_primitives::CertNumber;
use hengxin_runtime::decode_transaction;
use hengxin_verifier::{
    Request, Verdict, verify, verify_business, verify_certificate, verify_instrument,
};
use malachite_app_channel::app::types::PeerId;
use malachite_app_channel::app::types::codec::Codec;
use malachite_app_channel::app::types::core::Round;
use malachite_app_channel::app::types::streaming::StreamMessage;
use parity_scale_codec::Decode;

pub use fixture::{Fixture, fixture};

/// A target: untrusted bytes in, a panic only on a defect.
pub type Target = fn(&[u8]);

/// The targets, by name: what `run` fuzzes and the regression test replays.
pub const TARGETS: [(&str, Target); 6] = [
    ("transaction", transaction),
    ("batch", batch),
    ("block", block),
    ("proposal_parts", proposal_parts),
    ("bundle", bundle),
    ("dcc", dcc),
];

/// `POST /v1/transactions` (one of the API's two endpoints with a body): decoding and admission
/// against the head, answered only with the contract's statuses; a transaction that decodes
/// then executes in a block, where a bad one gets a failed outcome and never an error.
pub fn transaction(data: &[u8]) {
    let f = fixture();
    let (status, body) = f.post("/v1/transactions", data);
    let allowed = [202, 400, 409, 413, 429, 503];
    assert!(
        allowed.contains(&status.as_u16()),
        "POST /v1/transactions answered {status}: {body}"
    );
    if status != StatusCode::ACCEPTED {
        assert!(body["error"]["code"].is_string(), "no error code: {body}");
    }
    if let Ok(tx) = decode_transaction(data) {
        let executed = f.execute(&[tx]);
        assert_eq!(executed.outcomes.len(), 1);
    }
}

/// `POST /v1/transactions/batch`, the other endpoint with a body: a 200 answers each
/// transaction of the list, in order, with a hash or an error; anything else is a refusal of
/// the whole batch with a code.
pub fn batch(data: &[u8]) {
    let f = fixture();
    let (status, body) = f.post("/v1/transactions/batch", data);
    match status.as_u16() {
        200 => {
            let sent = Vec::<Vec<u8>>::decode(&mut &data[..]).expect("a 200 for a list");
            let results = body["results"].as_array().expect("results");
            assert_eq!(results.len(), sent.len(), "{body}");
            for result in results {
                assert!(
                    result["hash"].is_string() != result["error"]["code"].is_string(),
                    "a result is a hash or an error: {result}"
                );
            }
        }
        400 | 413 => assert!(body["error"]["code"].is_string(), "no error code: {body}"),
        _ => panic!("POST /v1/transactions/batch answered {status}: {body}"),
    }
}

/// A block synced from a peer, decoded and executed on the head: a verdict, never a panic.
pub fn block(data: &[u8]) {
    let f = fixture();
    let mut app = f.app();
    let height = Height(f.head.height + 1);
    let proposer = Address(f.validator.public());
    app.synced_value(height, Round::new(0), proposer, data);
}

/// Proposal parts from a peer: `data` is a SCALE list of messages, each decoded as the
/// network's codec does and given to the app in order, which reassembles, checks and executes
/// the block a complete stream makes up. Each input streams as its own publisher.
pub fn proposal_parts(data: &[u8]) {
    let Ok(messages) = Vec::<Vec<u8>>::decode(&mut &data[..]) else {
        return;
    };
    let f = fixture();
    let mut app = f.app();
    let publisher = publisher(data);
    for message in messages {
        let decoded: Result<StreamMessage<ProposalPart>, _> = ScaleCodec.decode(message.into());
        if let Ok(msg) = decoded {
            app.receive_part(publisher, msg).expect("storage works");
        }
    }
}

/// A peer id of its own for each input, so that streams left by other inputs stay apart.
fn publisher(data: &[u8]) -> PeerId {
    let digest = hengxin_primitives::crypto::sha256(data);
    let mut identity = vec![0, 32];
    identity.extend_from_slice(&digest.0);
    PeerId::from_bytes(&identity).expect("an identity multihash")
}

/// A proof bundle as the browser verifier gets it, asked about the demo's valid certificate,
/// business and failed fuel nozzle: any verdict but `error` or `tampered` only for a bundle
/// that verifies.
pub fn bundle(data: &[u8]) {
    let f = fixture();
    let request = Request {
        lab: "CQJL",
        number: hengxin_chain_spec::demo::CERT_VALID,
        hash_prefix: None,
        document: None,
        today: f.today,
    };
    let proven = verify(&f.anchor, data).is_ok();
    let certificate = verify_certificate(&f.anchor, data, &request).verdict;
    let business = verify_business(
        &f.anchor,
        data,
        hengxin_chain_spec::demo::BUSINESS_CQ,
        f.today,
    );
    let instrument = verify_instrument(
        &f.anchor,
        data,
        hengxin_chain_spec::demo::INSTRUMENT_FAILED,
        f.today,
    );
    for verdict in [certificate, business.verdict, instrument.verdict] {
        assert!(
            proven || matches!(verdict, Verdict::Error | Verdict::Tampered),
            "a bundle that does not verify got the verdict {verdict:?}"
        );
    }
}

/// A DCC XML file as `hengxin cert anchor --dcc` reads it: fields or a named error; a number
/// it reads is one the chain may refuse, but never empty.
pub fn dcc(data: &[u8]) {
    if let Ok(fields) = hengxin_client::dcc::read(data) {
        assert!(!fields.unique_identifier.trim().is_empty());
        let _ = CertNumber::new(&fields.unique_identifier);
    }
}
