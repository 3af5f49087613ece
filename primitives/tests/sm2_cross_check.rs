//! Our SM2 and SM3 against an independent implementation (Python's gmssl, installed by
//! `tests/run` into `tests/gm/.venv`): it verifies our signatures and refuses them altered, we
//! verify its signatures, and both hash the same messages alike. Random keys and messages from a
//! printed seed (`HENGXIN_TEST_SEED` repeats a run).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::{Keypair, PublicKey, Signature, hex};
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

fn python() -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/gm/.venv/bin/python3");
    assert!(
        venv.exists(),
        "{} is missing: run `tests/run --setup-only`, which installs gmssl (tests/gm/requirements.txt) there",
        venv.display()
    );
    venv
}

fn gmssl(request: &Value) -> Value {
    let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/gm/cross_check.py");
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
