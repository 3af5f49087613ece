//! How long the verify page takes to verify, in a real browser (Debian's Chromium, headless):
//! a 4-validator network of real nodes, a certificate traced through three links and recognised
//! under the 川渝 agreement, a business with ten credit records, an instrument (一器一码) with
//! a history of 50 entries (24 verifications, 25 moves); the page's WASM modules and glue as
//! the node serves them (the `_sm` ones on an sm2-sm3 chain: `HENGXIN_TEST_CRYPTO=sm2-sm3`); `performance.now()` around each verification inside the page. The node's
//! answers are copied first and the network stopped, so that its blocks do not share the two
//! cores with the browser while it is timed.
//!
//! ```text
//! cargo build --release -p hengxin-node
//! cargo bench -p hengxin-tests --bench verify_page [-- --runs 300]
//! ```
//!
//! Prints the bundles' sizes, the median and the p99 of each, and the JSON the page sent back.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use hengxin_chain_spec::demo;
use hengxin_primitives::credit::CreditEvent;
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentUse, Seal};
use hengxin_primitives::records::{StandardLevel, TraceSource};
use hengxin_primitives::{
    CertNumber, ClassCode, CreditCode, Date, Keypair, LabCode, Site, StandardId, Text, TxPayload,
};
use hengxin_runtime::Call;
use hengxin_runtime::certificates::Call as CertCall;
use hengxin_runtime::credit::Call as CreditCall;
use hengxin_runtime::instruments::{Call as InstrumentCall, Registration};
use hengxin_runtime::standards::Call as StdCall;
use hengxin_tests::cluster::{Cluster, bytes};
use hengxin_tests::{now_ms, wait_until};

const PAGE: &str = include_str!("verify_page/bench.html");
const SCRIPT: &str = include_str!("verify_page/bench.js");
/// The certificate the bench anchors: CQJL's, traced through a standard calibrated by the demo's
/// CQJL-2026-JD-0001, itself traced through SCJL to NIM (three links).
const CERT: &str = "CQJL-BENCH-0001";
/// The instrument the bench registers (the demo's CQ station has six).
const INSTRUMENT: &str = "CQ-7";

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let runs = args
        .iter()
        .position(|a| a == "--runs")
        .and_then(|i| args.get(i + 1))
        .map_or(300, |n| n.parse().expect("--runs takes a number"));
    eprintln!("starting a 4-validator network…");
    let mut net = Cluster::testnet(4);
    net.start_all();
    net.wait_height(0, 2, Duration::from_secs(120));
    eprintln!("anchoring the bench's certificate and credit records…");
    let today = Date::from_unix_ms_cst(now_ms());
    let calls = [
        ("lab-cq", three_link_calls(today)),
        ("regulator-cq", credit_calls(today)),
        ("business-cq", instrument_calls()),
        ("lab-cq", verification_calls(today)),
    ];
    for (name, calls) in calls {
        submit(&net, &net.key(name), calls);
    }
    let certificate = format!("/v1/certificates/CQJL/{CERT}/proof");
    let business = format!("/v1/businesses/{}/proof", demo::BUSINESS_CQ);
    let instrument = format!("/v1/instruments/{INSTRUMENT}/proof");
    let paths = [
        "/verify",
        "/verify/hengxin_verifier.js",
        "/verify/hengxin_verifier_bg.wasm",
        "/verify/hengxin_field.js",
        "/verify/hengxin_field_bg.wasm",
        "/verify/hengxin_verifier_sm.js",
        "/verify/hengxin_verifier_sm_bg.wasm",
        "/verify/hengxin_field_sm.js",
        "/verify/hengxin_field_sm_bg.wasm",
        &certificate,
        &business,
        &instrument,
    ];
    let mirror = paths
        .iter()
        .map(|path| {
            (
                format!("/node{path}"),
                fetch(&format!("{}{path}", net.nodes[0].url)),
            )
        })
        .collect();
    drop(net);
    let (url, results) = serve(mirror);
    let page = format!(
        "{url}/?node={url}/node&c=CQJL/{CERT}&b={}&i={INSTRUMENT}&runs={runs}",
        demo::BUSINESS_CQ
    );
    eprintln!("timing {runs} runs of each in Chromium…");
    let result = in_chromium(&page, &results);
    println!("{result}");
    let value: serde_json::Value = serde_json::from_str(&result).unwrap();
    assert!(value["error"].is_null(), "the bench page failed: {value}");
    for what in ["certificate", "business", "instrument"] {
        let v = &value[what];
        let ms = |key: &str| v[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "{what}: {} bytes, median {:.3} ms, p99 {:.3} ms over {} runs",
            v["bundle_bytes"],
            ms("median_ms"),
            ms("p99_ms"),
            v["runs"]
        );
    }
}

/// A standard of CQJL traced through the demo's current CQJL certificate, and a certificate
/// calibrated with it.
fn three_link_calls(today: Date) -> Vec<Call> {
    let standard = StandardId {
        owner: LabCode::new("CQJL").unwrap(),
        code: "GZ-THE-BENCH".parse().unwrap(),
    };
    let fields = demo::sample_standard(
        &standard,
        "工作用铂电阻温度计标准装置 (bench)",
        StandardLevel::Working,
        vec![TraceSource::Ledger {
            lab: LabCode::new("CQJL").unwrap(),
            number: CertNumber::new(demo::CERT_VALID).unwrap(),
        }],
        today,
    );
    let Call::Certificates(CertCall::Anchor { fields: mut cert }) =
        demo::sample_anchor(Default::default(), CertNumber::new(CERT).unwrap(), today)
    else {
        unreachable!("a sample anchor is an anchor")
    };
    cert.category = hengxin_primitives::Category::Thermal;
    cert.standards = vec![standard];
    vec![
        Call::Standards(StdCall::Register { standard: fields }),
        Call::Certificates(CertCall::Anchor { fields: cert }),
    ]
}

/// The bench's instrument: the demo's CQ station registers a seventh nozzle, then moves it 25
/// times.
fn instrument_calls() -> Vec<Call> {
    let registration = Registration {
        class: ClassCode::new("FUEL").unwrap(),
        manufacturer: Text::lossy("正星科技股份有限公司"),
        model: Text::lossy("ZX"),
        serial: Text::lossy("BENCH-NOZZLE"),
        production_code: None,
        owner: CreditCode::new(demo::BUSINESS_CQ).unwrap(),
        division: Division::new(500103).unwrap(),
        site: Site::new("9号加油岛 1号枪").unwrap(),
    };
    let id: InstrumentId = INSTRUMENT.parse().unwrap();
    let moves = (0..25).map(|n| {
        Call::Instruments(InstrumentCall::Move {
            id: id.clone(),
            division: Division::new(if n % 2 == 0 { 500104 } else { 500103 }).unwrap(),
            site: Site::new(&format!("{}号加油岛 1号枪", n + 1)).unwrap(),
        })
    });
    std::iter::once(Call::Instruments(InstrumentCall::Register { registration }))
        .chain(moves)
        .collect()
}

/// 24 verifications of the bench's instrument by CQJL, a day apart up to today (the last one
/// current), each sealed.
fn verification_calls(today: Date) -> Vec<Call> {
    (0..24u32)
        .map(|n| {
            let number = format!("CQJL-BENCH-JQ-{n:02}");
            let on = Date(today.0 - (23 - n));
            let Call::Certificates(CertCall::Anchor { mut fields }) =
                demo::sample_anchor(Default::default(), CertNumber::new(&number).unwrap(), on)
            else {
                unreachable!("a sample anchor is an anchor")
            };
            fields.for_instrument = Some(Box::new(InstrumentUse {
                id: INSTRUMENT.parse().unwrap(),
                seals: vec![Seal {
                    position: Text::lossy("计量器主板"),
                    number: Text::lossy(&number),
                }],
            }));
            Call::Certificates(CertCall::Anchor { fields })
        })
        .collect()
}

/// Ten credit records of the demo's CQ business, findings and positive records.
fn credit_calls(today: Date) -> Vec<Call> {
    use CreditEvent::{P1, V1, V2};
    [P1, V1, P1, V2, P1, V1, P1, V2, P1, V1]
        .into_iter()
        .enumerate()
        .map(|(i, event)| {
            Call::Credit(CreditCall::Record {
                credit_code: CreditCode::new(demo::BUSINESS_CQ).unwrap(),
                event,
                date: today,
                evidence_hash: demo::test_scheme().hash(format!("evidence {i}").as_bytes()),
            })
        })
        .collect()
}

/// Submits `calls` signed by `key` to node 0 and waits until every one is finalized.
fn submit(net: &Cluster, key: &Keypair, calls: Vec<Call>) {
    let genesis_hash = net.genesis_hash();
    let first = net.nonce(0, key).unwrap();
    let mut hashes = Vec::new();
    for (nonce, call) in (first..).zip(calls) {
        let tx = TxPayload {
            genesis_hash,
            signer: key.public(),
            nonce,
            valid_until_height: u64::MAX,
            call,
        }
        .sign(key);
        let (status, body) = net.post_tx(0, &bytes(&tx)).unwrap();
        assert_eq!(status, 202, "the node refused a bench transaction: {body}");
        hashes.push(tx.hash());
    }
    for hash in hashes {
        wait_until(
            "a bench transaction to be finalized",
            Duration::from_secs(60),
            || match net.tx_status(0, &hash) {
                Some((status, _)) if status == "rejected" => panic!("bench transaction rejected"),
                Some((status, _)) => status == "finalized",
                None => false,
            },
        );
    }
}

/// A node's answer: its content type and body.
type Answer = (String, Vec<u8>);

fn fetch(url: &str) -> Answer {
    let mut response = hengxin_tests::agent().get(url).call().unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("application/octet-stream")
        .to_string();
    let body = response
        .body_mut()
        .with_config()
        .limit(16 << 20)
        .read_to_vec()
        .unwrap();
    (content_type, body)
}

/// Serves the bench page on loopback (cross-origin isolated, for `performance.now()` at full
/// resolution) with the node's answers under `/node/`, and forwards what the page POSTs to
/// /result; the page's address.
fn serve(mirror: BTreeMap<String, Answer>) -> (String, mpsc::Receiver<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &mirror, &tx);
        }
    });
    (url, rx)
}

fn answer(stream: TcpStream, mirror: &BTreeMap<String, Answer>, results: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(stream);
    let mut line = String::new();
    reader.read_line(&mut line).unwrap_or_default();
    let mut length = 0;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header).unwrap_or_default() == 0 || header.trim().is_empty() {
            break;
        }
        if let Some((name, value)) = header.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let path = line.split(' ').nth(1).unwrap_or("/");
    let (content_type, body): (&str, &[u8]) = if line.starts_with("POST /result") {
        let mut body = vec![0; length];
        reader.read_exact(&mut body).unwrap_or_default();
        let _ = results.send(String::from_utf8_lossy(&body).into_owned());
        ("text/plain", b"")
    } else if let Some((content_type, body)) = mirror.get(path) {
        (content_type, body)
    } else if path == "/bench.js" {
        ("text/javascript", SCRIPT.as_bytes())
    } else {
        ("text/html; charset=utf-8", PAGE.as_bytes())
    };
    let mut stream = reader.into_inner();
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: {content_type}\r\ncontent-length: {}\r\n\
         cross-origin-opener-policy: same-origin\r\ncross-origin-embedder-policy: require-corp\r\n\
         connection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(body);
}

/// Opens `url` in headless Chromium (real time, not virtual: the page times itself) and waits
/// up to three minutes for the page's result.
fn in_chromium(url: &str, results: &mpsc::Receiver<String>) -> String {
    let profile = tempfile::tempdir().unwrap();
    let mut chromium = Command::new(std::env::var("CHROMIUM").unwrap_or("chromium".into()))
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(url)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Chromium is needed: apt-get install chromium");
    let result = results.recv_timeout(Duration::from_secs(180));
    let _ = chromium.kill();
    let _ = chromium.wait();
    result.expect("the bench page sent no result within three minutes")
}
