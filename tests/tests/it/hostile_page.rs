//! The verify page behind a hostile proxy, in Debian's Chromium: a proxy in front of a real
//! `--dev` node rewrites the proof bundles it passes on (one bit flipped anywhere, cut short,
//! another certificate's, another chain's, a chain's of the other scheme (as it is, and
//! claiming this chain's genesis), a commit signed by too few or by unknown
//! validators, a forged validator hand-off), and the page never says `authentic`; a proxy
//! that answers slowly or never meets the page's timeout with a clear message, and the page
//! then falls back to the proof stapled to the QR code.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::time::Duration;

use hengxin_api_types::BundleBody;
use hengxin_chain_spec::demo;
use hengxin_primitives::bundle::{ProofBundle, ValidatorHandoff};
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::{CommitCertificate, Keypair, ValidatorSet};
use hengxin_tests::DevNode;
use parity_scale_codec::Encode;

use crate::browser::drive;
use crate::cluster::SERIAL;

/// What the proxy does with a bundle on its way to the page.
type Rewrite = Box<dyn Fn(Vec<u8>) -> Vec<u8> + Send + Sync>;

enum Behaviour {
    /// Passes each answer on with its bundle rewritten.
    Rewrite(Rewrite),
    /// Passes answers on after this long.
    Slow(Duration),
    /// Takes the request and never answers.
    Silent,
}

/// Starts a proxy in front of `node`; its address.
fn proxy(node: &str, behaviour: Behaviour) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let node = node.to_string();
    let behaviour = std::sync::Arc::new(behaviour);
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (node, behaviour) = (node.clone(), behaviour.clone());
            std::thread::spawn(move || relay(stream, &node, &behaviour));
        }
    });
    url
}

fn relay(stream: TcpStream, node: &str, behaviour: &Behaviour) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    let _ = reader.read_line(&mut line);
    let path = line.split(' ').nth(1).unwrap_or("/").to_string();
    while reader.read_line(&mut line).is_ok_and(|n| n > 2) {
        line.clear();
    }
    let body = match behaviour {
        Behaviour::Silent => {
            std::thread::sleep(Duration::from_secs(120));
            return;
        }
        Behaviour::Slow(delay) => {
            std::thread::sleep(*delay);
            fetch(&format!("{node}{path}"))
        }
        Behaviour::Rewrite(rewrite) => {
            let answer = fetch(&format!("{node}{path}"));
            match serde_json::from_str::<BundleBody>(&answer) {
                Ok(body) => {
                    let bent = rewrite(body.bytes().unwrap());
                    serde_json::to_string(&BundleBody::new(&bent, body.height)).unwrap()
                }
                Err(_) => answer,
            }
        }
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\naccess-control-allow-origin: *\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn fetch(url: &str) -> String {
    let mut response = hengxin_tests::agent().get(url).call().unwrap();
    response.body_mut().read_to_string().unwrap()
}

fn bundle_of(node: &DevNode, number: &str) -> Vec<u8> {
    let answer = fetch(&format!("{}/v1/certificates/CQJL/{number}/proof", node.url));
    serde_json::from_str::<BundleBody>(&answer)
        .unwrap()
        .bytes()
        .unwrap()
}

/// The bundle decoded, changed by `change`, and encoded again.
fn edited(change: impl Fn(&mut ProofBundle) + Send + Sync + 'static) -> Rewrite {
    Box::new(move |bytes| {
        let mut bundle = ProofBundle::decode_untrusted(&bytes).unwrap();
        change(&mut bundle);
        bundle.encode()
    })
}

/// What the page shows for `url`: status, note and steps.
fn page(url: &str) -> serde_json::Value {
    drive("verdict.mjs", &[url.as_ref()])
}

#[test]
fn bent_bundles_from_a_rewriting_proxy_are_never_authentic() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let other_chain = DevNode::start();
    let genuine = bundle_of(&node, demo::CERT_VALID);
    let len = genuine.len();
    let stranger = Keypair::from_secret(demo::test_scheme(), &[7; 32]).unwrap();
    let genesis_hash = ProofBundle::decode_untrusted(&genuine)
        .unwrap()
        .genesis_hash;

    let mut cases: Vec<(String, Rewrite)> = Vec::new();
    for (i, at) in [
        0,
        1,
        len / 9,
        len / 5,
        len / 3,
        len / 2,
        2 * len / 3,
        len - 40,
        len - 1,
    ]
    .into_iter()
    .enumerate()
    {
        cases.push((
            format!("bit {} of byte {at} of {len} flipped", i % 8),
            Box::new(move |mut b: Vec<u8>| {
                b[at] ^= 1 << (i % 8);
                b
            }),
        ));
    }
    cases.push((
        "cut to half".into(),
        Box::new(|b: Vec<u8>| b[..b.len() / 2].to_vec()),
    ));
    cases.push((
        "the last byte cut".into(),
        Box::new(|b: Vec<u8>| b[..b.len() - 1].to_vec()),
    ));
    let revoked = bundle_of(&node, demo::CERT_REVOKED);
    cases.push((
        "another certificate's".into(),
        Box::new(move |_| revoked.clone()),
    ));
    let foreign = bundle_of(&other_chain, demo::CERT_VALID);
    cases.push(("another chain's".into(), Box::new(move |_| foreign.clone())));
    // A chain of the other scheme: its bundle as it is, and claiming this chain's genesis.
    let other = match demo::test_scheme() {
        Scheme::Ed25519Sha256 => Scheme::Sm2Sm3,
        Scheme::Sm2Sm3 => Scheme::Ed25519Sha256,
    };
    let other_scheme = DevNode::start_with(other);
    let foreign = bundle_of(&other_scheme, demo::CERT_VALID);
    cases.push((
        format!("an {other} chain's"),
        Box::new(move |_| foreign.clone()),
    ));
    let foreign =
        ProofBundle::decode_untrusted(&bundle_of(&other_scheme, demo::CERT_VALID)).unwrap();
    cases.push((
        format!("an {other} chain's, claiming this chain's genesis"),
        Box::new(move |_| {
            let mut bent = foreign.clone();
            bent.genesis_hash = genesis_hash;
            bent.encode()
        }),
    ));
    cases.push((
        "a commit with too few signatures".into(),
        edited(|b| b.commit.signatures.clear()),
    ));
    let signer = stranger.clone();
    cases.push((
        "a commit by an unknown validator".into(),
        edited(move |b| {
            b.commit = CommitCertificate::signed_by(
                &genesis_hash,
                &b.header,
                0,
                std::slice::from_ref(&signer),
            )
        }),
    ));
    cases.push((
        "a forged hand-off to the stranger's set".into(),
        edited(move |b| {
            let set = ValidatorSet::equal_power([stranger.public()]).unwrap();
            let mut announcing = b.header.clone();
            announcing.height -= 1;
            announcing.next_validator_set_hash = set.hash();
            b.handoffs.push(ValidatorHandoff {
                commit: CommitCertificate::signed_by(
                    &genesis_hash,
                    &announcing,
                    0,
                    std::slice::from_ref(&stranger),
                ),
                header: announcing,
                next_validators: set.clone(),
            });
            b.header.validator_set_hash = set.hash();
            b.commit = CommitCertificate::signed_by(
                &genesis_hash,
                &b.header,
                0,
                std::slice::from_ref(&stranger),
            );
        }),
    ));

    for (what, rewrite) in cases {
        let via = proxy(&node.url, Behaviour::Rewrite(rewrite));
        let url = format!("{}/verify?c=CQJL/{}&node={via}", node.url, demo::CERT_VALID);
        let seen = page(&url);
        let status = seen["status"].as_str().unwrap();
        assert!(
            status == "tampered" || status == "error",
            "a bundle with {what} gave {status}: {seen}"
        );
    }
    // The proxy itself is sound: an unbent bundle through it is authentic.
    let honest = proxy(&node.url, Behaviour::Rewrite(Box::new(|b| b)));
    let seen = page(&format!(
        "{}/verify?c=CQJL/{}&node={honest}",
        node.url,
        demo::CERT_VALID
    ));
    assert_eq!(seen["status"], "authentic", "{seen}");
}

#[test]
fn a_node_that_answers_late_or_never_times_out_and_the_stapled_proof_is_used() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let node = DevNode::start();
    let stapled = BundleBody::new(&bundle_of(&node, demo::CERT_VALID), 0).bundle;
    let certificate = format!("{}/verify?c=CQJL/{}", node.url, demo::CERT_VALID);
    let silent = proxy(&node.url, Behaviour::Silent);
    let slow = proxy(&node.url, Behaviour::Slow(Duration::from_secs(15)));

    let seen = page(&format!("{certificate}&node={silent}"));
    assert_eq!(seen["status"], "error", "{seen}");
    assert!(
        seen["steps"][0]
            .as_str()
            .unwrap()
            .contains("no answer within 8 s"),
        "says the node did not answer in time: {seen}"
    );

    for via in [&silent, &slow] {
        let seen = page(&format!("{certificate}&node={via}#p={stapled}"));
        assert_eq!(seen["status"], "authentic", "{seen}");
        let note = seen["note"].as_str().unwrap();
        assert!(
            note.contains("offline") && note.contains("no answer within 8 s"),
            "says it used the stapled proof, and why: {seen}"
        );
    }
}
