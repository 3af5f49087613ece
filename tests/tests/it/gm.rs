//! Our SM2 and SM3 against an independent implementation (Python's gmssl, installed by
//! `tests/run` into `tests/gm/.venv`): it verifies our signatures and refuses them altered, we
//! verify its signatures, and both hash the same messages alike (random keys and messages from
//! a printed seed; `HENGXIN_TEST_SEED` repeats a run); and it checks, from the bytes alone, a
//! proof a real sm2-sm3 dev chain serves: the header's SM3, the commit's SM2 signatures, every
//! state proof's SM3 path to the state root.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::{Keypair, PublicKey, Signature, hex};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("gm/.venv/bin/python3");
    assert!(
        venv.exists(),
        "{} is missing: run `tests/run --setup-only`, which installs gmssl (tests/gm/requirements.txt) there",
        venv.display()
    );
    venv
}

fn gmssl(request: &Value) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("gm/cross_check.py");
    let mut child = Command::new(python())
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(request.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "cross_check.py failed");
    serde_json::from_slice(&out.stdout).unwrap()
}

fn seeded() -> rand::rngs::StdRng {
    let seed = std::env::var("HENGXIN_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(rand::random::<u64>);
    eprintln!("HENGXIN_TEST_SEED={seed}");
    rand::rngs::StdRng::seed_from_u64(seed)
}

fn message(rng: &mut impl Rng) -> Vec<u8> {
    let len = rng.gen_range(0..300);
    (0..len).map(|_| rng.r#gen()).collect()
}

#[test]
fn gmssl_accepts_our_signatures_and_refuses_them_altered() {
    let mut rng = seeded();
    let mut items = Vec::new();
    for _ in 0..12 {
        let pair = loop {
            if let Some(pair) = Keypair::from_secret(Scheme::Sm2Sm3, &rng.r#gen()) {
                break pair;
            }
        };
        let m = message(&mut rng);
        let Signature::Sm2(rs) = pair.sign(&m) else {
            panic!("an SM2 key signs with SM2")
        };
        let mut altered = rs;
        altered[rng.gen_range(0..64)] ^= 1 << rng.gen_range(0..8);
        for sig in [rs, altered] {
            items.push(json!({
                "public_key": pair.public().to_hex(),
                "message": hex::encode(&m),
                "signature": hex::encode(&sig),
            }));
        }
    }
    let verified = gmssl(&json!({ "verify": items }))["verified"].clone();
    let expected: Vec<bool> = (0..items.len()).map(|i| i % 2 == 0).collect();
    assert_eq!(verified, json!(expected), "gmssl: ours pass, altered fail");
}

#[test]
fn we_accept_gmssl_signatures_and_hash_as_it_does() {
    let mut rng = seeded();
    let messages: Vec<String> = (0..12).map(|_| hex::encode(&message(&mut rng))).collect();
    let answer = gmssl(&json!({ "sign": messages, "sm3": messages }));
    for item in answer["signed"].as_array().unwrap() {
        let key = PublicKey::from_hex(item["public_key"].as_str().unwrap()).unwrap();
        let m = hex::decode(item["message"].as_str().unwrap()).unwrap();
        let rs: [u8; 64] = hex::decode_array(item["signature"].as_str().unwrap()).unwrap();
        assert!(
            key.verify(&m, &Signature::Sm2(rs)),
            "gmssl's signature {item}"
        );
        let mut other = m.clone();
        other.push(0);
        assert!(!key.verify(&other, &Signature::Sm2(rs)));
    }
    let ours: Vec<String> = messages
        .iter()
        .map(|m| Scheme::Sm2Sm3.hash(&hex::decode(m).unwrap()).to_hex())
        .collect();
    assert_eq!(answer["sm3"], json!(ours));
}

/// A proof from a real sm2-sm3 dev chain, checked by gmssl from its bytes: the header hashes to
/// the block hash the commit names, every precommit is a valid SM2 signature by its validator,
/// every state proof leads to the header's state root; and one changed value fails.
#[test]
fn gmssl_accepts_the_proof_an_sm2_chain_serves() {
    use hengxin_primitives::block::{HEADER_TAG, precommit_sign_bytes};
    use hengxin_primitives::bundle::ProofBundle;
    use parity_scale_codec::Encode;
    let _serial = crate::cluster::SERIAL
        .lock()
        .unwrap_or_else(|e| e.into_inner());
    let node = hengxin_tests::DevNode::start_with(Scheme::Sm2Sm3);
    let url = format!(
        "{}/v1/certificates/CQJL/{}/proof",
        node.url,
        hengxin_chain_spec::demo::CERT_VALID
    );
    let body = hengxin_tests::get_json(&url).unwrap();
    let bytes = serde_json::from_value::<hengxin_api_types::BundleBody>(body)
        .unwrap()
        .bytes()
        .unwrap();
    let bundle = ProofBundle::decode_untrusted(&bytes).unwrap();
    let header = &bundle.header;
    assert_eq!(header.scheme(), Scheme::Sm2Sm3);
    let sign_bytes = precommit_sign_bytes(
        &bundle.genesis_hash,
        bundle.commit.height,
        bundle.commit.round,
        &bundle.commit.block_hash,
    );
    let votes: Vec<Value> = bundle
        .commit
        .signatures
        .iter()
        .map(|s| {
            let Signature::Sm2(rs) = s.signature else {
                panic!("an sm2-sm3 chain's commit holds SM2 signatures")
            };
            json!({
                "public_key": s.validator.to_hex(),
                "message": hex::encode(&sign_bytes),
                "signature": hex::encode(&rs),
            })
        })
        .collect();
    let mut proofs: Vec<Value> = bundle
        .entries
        .iter()
        .map(|p| {
            json!({
                "root": header.state_root.to_hex(),
                "key": hex::encode(&p.key),
                "value": p.value.as_ref().map(|v| hex::encode(v)),
                "proof": hex::encode(&p.proof),
            })
        })
        .collect();
    assert!(proofs.len() >= 2, "a certificate and its lab at least");
    let mut bent = proofs[0].clone();
    let value = bent["value"].as_str().unwrap().to_string();
    let flipped = if value.ends_with('0') { "1" } else { "0" };
    bent["value"] = json!(format!("{}{flipped}", &value[..value.len() - 1]));
    proofs.push(bent);
    let header_bytes = [HEADER_TAG, &header.encode()].concat();
    let answer = gmssl(&json!({
        "sm3": [hex::encode(&header_bytes)],
        "verify": votes,
        "state_proofs": proofs,
    }));
    assert_eq!(answer["sm3"][0], header.hash().to_hex(), "the header's SM3");
    assert_eq!(header.hash(), bundle.commit.block_hash);
    assert!(!votes.is_empty());
    assert_eq!(
        answer["verified"],
        json!(vec![true; votes.len()]),
        "every precommit"
    );
    let mut expected = vec![true; proofs.len() - 1];
    expected.push(false);
    assert_eq!(
        answer["state_proofs"],
        json!(expected),
        "every state proof, and the bent one"
    );
}
