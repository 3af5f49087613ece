//! Proof bundles for a verifier whose trust anchor is a later validator set (`?trust=`): the
//! hand-offs start where that set took over, so bundles stay small for the life of the chain.

use super::*;
use hengxin_primitives::bundle::{ProofBundle, VerifiedState};
use hengxin_primitives::{Keypair, TxPayload};
use hengxin_runtime::Call;
use hengxin_runtime::membership::Call as MemCall;

fn signed(genesis: &Header, key: &Keypair, call: Call) -> hengxin_runtime::Transaction {
    TxPayload {
        genesis_hash: genesis.hash(),
        signer: key.public(),
        nonce: 0,
        valid_until_height: 10,
        call,
    }
    .sign(key)
}

async fn bundle(router: &Router, uri: &str) -> ProofBundle {
    let (status, body) = call(router, "GET", uri, vec![]).await;
    assert_eq!(status, StatusCode::OK, "{uri}: {body}");
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body["bundle"].as_str().unwrap())
        .unwrap();
    ProofBundle::decode_untrusted(&bytes).unwrap()
}

#[tokio::test]
async fn bundles_carry_the_hand_offs_from_the_verifier_s_set_only() {
    let dir = tempfile::tempdir().unwrap();
    let (router, genesis, store) = api_with_store(dir.path());
    let page = |router: Router| async move {
        let (status, html) = call_raw(&router, "GET", "/verify", vec![]).await;
        assert_eq!(status, StatusCode::OK);
        String::from_utf8(html).unwrap()
    };
    assert!(
        page(router.clone())
            .await
            .contains(&demo_set().hash().to_hex())
    );
    let new_keys: Vec<Keypair> = (1..=4)
        .map(|i| demo::key(&format!("validator-{i}")))
        .collect();
    let new_set = ValidatorSet::equal_power(new_keys.iter().map(|k| k.public())).unwrap();
    commit_block(
        &store,
        &genesis,
        vec![
            signed(
                &genesis,
                &demo::key("regulator-cq"),
                Call::Membership(MemCall::ProposeValidatorSet {
                    validators: new_set.clone(),
                }),
            ),
            signed(
                &genesis,
                &demo::key("regulator-sc"),
                Call::Membership(MemCall::ApproveValidatorSet { id: 1 }),
            ),
        ],
    );
    // The new set finalizes from the next height on.
    commit_block_by(&store, &genesis, vec![], &new_keys[..3]);

    let proof = format!("/v1/certificates/CQJL/{}/proof", demo::CERT_VALID);
    let genesis_anchor = TrustAnchor {
        genesis_hash: genesis.hash(),
        validators: demo_set(),
    };
    let from_genesis = bundle(&router, &proof).await;
    assert_eq!(from_genesis.handoffs.len(), 1);
    let state: VerifiedState = from_genesis.verify(&genesis_anchor).unwrap();
    assert_eq!(state.validators, new_set, "the proven set: a newer anchor");

    let newer = TrustAnchor {
        genesis_hash: genesis.hash(),
        validators: state.validators,
    };
    let uri = format!("{proof}?trust={}", newer.validators.hash().to_hex());
    let from_newer = bundle(&router, &uri).await;
    assert!(
        from_newer.handoffs.is_empty(),
        "nothing to hand off since the newer set"
    );
    assert!(from_newer.verify(&newer).is_ok());
    assert!(from_newer.verify(&genesis_anchor).is_err());
    let business = format!(
        "/v1/businesses/{}/proof?trust={}",
        demo::BUSINESS_CQ,
        newer.validators.hash().to_hex()
    );
    assert!(bundle(&router, &business).await.verify(&newer).is_ok());
    let uri = format!("{proof}?trust={}", demo_set().hash().to_hex());
    assert_eq!(
        bundle(&router, &uri).await.handoffs.len(),
        1,
        "the genesis set, named"
    );

    // The node's own page now carries the set that signed its head: it needs no hand-off.
    let html = page(router.clone()).await;
    assert!(html.contains(&newer.validators.hash().to_hex()));
    assert!(!html.contains(&demo_set().hash().to_hex()));

    for trust in [Hash([9; 32]).to_hex(), "not-hex".to_string()] {
        let (status, body) = call(&router, "GET", &format!("{proof}?trust={trust}"), vec![]).await;
        assert_eq!(
            (status, code(&body)),
            (StatusCode::BAD_REQUEST, Some("unknown_validator_set")),
            "{body}"
        );
    }
}
