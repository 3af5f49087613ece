//! hengxin-node. Until consensus and networking land, it runs the runtime demo: the `--dev`
//! demo genesis on sled, a few blocks of real signed transactions, and their state roots.

use std::collections::BTreeMap;
use std::collections::btree_map::Entry;
use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Parser;
use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, Date, Header, Keypair, LabCode, PublicKey, Text, TxPayload};
use hengxin_runtime::{Call, Chain, Transaction, certificates, demo, standards};
use hengxin_sled_store::SledBackend;
use hengxin_support::{Overlay, StateDb};

/// Runs the hengxin runtime demo: the demo consortium's genesis, then a few blocks.
#[derive(Parser, Debug)]
#[command(version, about, long_about = None)]
struct Args {
    /// Where to keep the chain's sled database (must be empty). Default: a temporary directory,
    /// removed at exit.
    #[arg(long, value_name = "DIR")]
    data_dir: Option<PathBuf>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let temporary;
    let dir = match args.data_dir {
        Some(dir) => dir,
        None => {
            temporary = tempfile::tempdir().context("creating a temporary data directory")?;
            temporary.path().to_path_buf()
        }
    };
    let backend = SledBackend::open(&dir)
        .with_context(|| format!("opening the database in {}", dir.display()))?;
    if StateDb::new(backend.clone()).latest_version()?.is_some() {
        bail!(
            "{} already holds a chain; give an empty --data-dir (the demo always starts from genesis)",
            dir.display()
        );
    }

    let validator = demo::key("validator-0");
    let validators = ValidatorSet::new(vec![Validator {
        key: validator.public(),
        power: 1,
    }])?;
    let now_ms = u64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)?
            .as_millis(),
    )?;
    let config = demo::genesis(now_ms, validators)?;
    let (chain, genesis) = Chain::from_genesis(backend, &config)?;
    println!("hengxin runtime demo: data in {}", dir.display());
    println!(
        "(consensus, networking and the HTTP API come with the node; this runs the runtime alone)\n"
    );
    print_header("genesis", &genesis);
    println!("         regions CQ, SC; labs CQJL, SCJL; sample certificates and standards\n");

    let lab_cq = demo::key("lab-cq");
    let lab_sc = demo::key("lab-sc");
    let today = Date::from_unix_ms_cst(now_ms);
    let mut head = genesis;
    let blocks: Vec<(&str, Vec<(&Keypair, Call)>)> = vec![
        (
            "CQJL anchors two verification certificates",
            vec![
                (&lab_cq, anchor("CQJL-DEMO-0001", today)),
                (&lab_cq, anchor("CQJL-DEMO-0002", today)),
            ],
        ),
        (
            "CQJL revokes one; SCJL tries to revoke the other (refused: not its certificate)",
            vec![
                (&lab_cq, revoke("CQJL-DEMO-0001")),
                (&lab_sc, revoke("CQJL-DEMO-0002")),
            ],
        ),
        ("an empty block", vec![]),
    ];
    for (what, calls) in blocks {
        let mut nonces = BTreeMap::new();
        let txs: Vec<Transaction> = calls
            .into_iter()
            .map(|(key, call)| sign(&chain, &head, &mut nonces, key, call))
            .collect::<anyhow::Result<_>>()?;
        let executed = chain.execute(&head, head.timestamp_ms + 1_000, validator.public(), &txs)?;
        chain.commit(executed.batch)?;
        head = executed.header;
        print_header("block", &head);
        println!("         {what}");
        for outcome in &executed.outcomes {
            match &outcome.result {
                Ok(events) => println!("         ok   {:?}", events[0]),
                Err(e) => println!("         fail {} ({e})", e.code()),
            }
        }
        println!();
    }

    let lab = LabCode::new("CQJL")?;
    let number = CertNumber::new(demo::CERT_VALID)?;
    let mut overlay = Overlay::new(chain.state(), Some(head.height));
    let report = standards::traceability_chain(&mut overlay, &lab, &number)?
        .context("demo certificate missing")?;
    println!(
        "traceability of {lab}/{number}: {} ({} links)",
        if report.is_complete() {
            "complete"
        } else {
            "broken"
        },
        report.links.len()
    );
    let key = StorageKey::Certificate(lab.clone(), number.clone());
    let proof = chain.state().prove(&key.to_bytes(), head.height)?;
    proof
        .verify(&head.state_root)
        .context("state proof did not verify")?;
    println!(
        "state proof of {lab}/{number}: verified against state root {}",
        head.state_root
    );
    Ok(())
}

fn print_header(label: &str, h: &Header) {
    println!(
        "{label:<8} height {}  hash {}  state root {}",
        h.height,
        h.hash(),
        h.state_root
    );
}

/// Signs `call` with the signer's next nonce; `nonces` carries nonces used earlier in the block.
fn sign(
    chain: &Chain<SledBackend>,
    head: &Header,
    nonces: &mut BTreeMap<PublicKey, u64>,
    key: &Keypair,
    call: Call,
) -> anyhow::Result<Transaction> {
    let nonce = match nonces.entry(key.public()) {
        Entry::Occupied(e) => e.into_mut(),
        Entry::Vacant(e) => e.insert(chain.nonce(&key.public(), head.height)?),
    };
    let tx = TxPayload {
        genesis_hash: chain.genesis_hash(),
        signer: key.public(),
        nonce: *nonce,
        valid_until_height: head.height + 10,
        call,
    }
    .sign(key);
    *nonce += 1;
    Ok(tx)
}

fn anchor(number: &str, today: Date) -> Call {
    demo::sample_anchor(
        CertNumber::new(number).unwrap_or_else(|_| unreachable!("demo numbers are valid")),
        today,
    )
}

fn revoke(number: &str) -> Call {
    Call::Certificates(certificates::Call::Revoke {
        lab: LabCode::new("CQJL").unwrap_or_else(|_| unreachable!("demo lab code is valid")),
        number: CertNumber::new(number).unwrap_or_else(|_| unreachable!("demo numbers are valid")),
        reason: Text::lossy("demo: entered in error"),
    })
}
