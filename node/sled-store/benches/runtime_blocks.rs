//! Runtime throughput: blocks of 1,000 individually signed `anchor_certificate` transactions,
//! executed (each signature checked, dispatch, state commit) and written to sled, flushed; and
//! the same anchors each naming a registered instrument (一器一码: the class checked, the
//! instrument's history appended), side by side in one run.
//!
//! `cargo bench -p hengxin-sled-store --bench runtime_blocks`; on an sm2-sm3 chain (SM2
//! signatures, SM3 hashing in the tree): `HENGXIN_TEST_CRYPTO=sm2-sm3 cargo bench …`, whose
//! figures are named `runtime-sm2-sm3/…`.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentUse, Seal};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{
    CertNumber, ClassCode, CreditCode, Date, Header, Keypair, Site, Text, TxPayload,
};
use hengxin_runtime::certificates::Call as CertCall;
use hengxin_runtime::instruments::{Call as InstrumentCall, Registration};
use hengxin_runtime::{Call, Chain, Transaction};
use hengxin_sled_store::SledBackend;

/// The node's allocator, so the figures are the node's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

const TXS_PER_BLOCK: usize = 1_000;
const GENESIS_MS: u64 = 1_780_000_000_000;

struct Bench {
    chain: Chain<SledBackend>,
    head: Header,
    labs: Vec<(Keypair, u64)>,
    serial: u64,
    _dir: tempfile::TempDir,
}

impl Bench {
    fn new() -> Bench {
        let dir = tempfile::tempdir().expect("temp dir");
        let validator = demo::test_key("validator-0");
        let set = ValidatorSet::equal_power([validator.public()]).expect("set");
        let config = demo::genesis(GENESIS_MS, set).expect("demo genesis");
        let backend = SledBackend::open(dir.path()).expect("sled");
        let (chain, head) = Chain::from_genesis(backend, &config).expect("genesis");
        let labs = vec![(demo::test_key("lab-cq"), 0), (demo::test_key("lab-sc"), 0)];
        Bench {
            chain,
            head,
            labs,
            serial: 0,
            _dir: dir,
        }
    }

    /// A block's worth of signed anchors, alternating between the two demo labs.
    fn transactions(&mut self) -> Vec<Transaction> {
        self.anchors(&[])
    }

    /// Registers `count` fuel dispensers of the demo's CQ station, a block of them; their ids.
    fn register_nozzles(&mut self, count: usize) -> Vec<InstrumentId> {
        let owner = demo::test_key("business-cq");
        let genesis_hash = self.chain.genesis_hash();
        let first = self
            .chain
            .nonce(&owner.public(), self.head.height)
            .expect("nonce");
        let txs: Vec<Transaction> = (0..count as u64)
            .map(|i| {
                let registration = Registration {
                    class: ClassCode::new("FUEL").expect("class"),
                    manufacturer: Text::lossy("正星科技股份有限公司"),
                    model: Text::lossy("ZX"),
                    serial: Text::lossy(&format!("BENCH-{i:06}")),
                    production_code: None,
                    owner: CreditCode::new(demo::BUSINESS_CQ).expect("owner"),
                    division: Division::new(500103).expect("division"),
                    site: Site::new(&format!("{}号枪", i + 1)).expect("site"),
                };
                TxPayload {
                    genesis_hash,
                    signer: owner.public(),
                    nonce: first + i,
                    valid_until_height: self.head.height + 10,
                    call: Call::Instruments(InstrumentCall::Register { registration }),
                }
                .sign(&owner)
            })
            .collect();
        self.apply(&txs);
        let count: u64 = self
            .chain
            .read(
                &StorageKey::InstrumentCount("CQ".parse().expect("region")),
                self.head.height,
            )
            .expect("read")
            .expect("registered");
        (count + 1 - txs.len() as u64..=count)
            .map(|seq| InstrumentId {
                region: "CQ".parse().expect("region"),
                seq,
            })
            .collect()
    }

    /// A block's worth of signed anchors, alternating between the two demo labs; each names
    /// the next of `instruments` (a fuel dispenser) when there are any.
    fn anchors(&mut self, instruments: &[InstrumentId]) -> Vec<Transaction> {
        let today = Date::from_unix_ms_cst(GENESIS_MS);
        let genesis_hash = self.chain.genesis_hash();
        let valid_until_height = self.head.height + 10;
        (0..TXS_PER_BLOCK)
            .map(|i| {
                self.serial += 1;
                let number = format!("BENCH-{:08}", self.serial);
                let (key, nonce) = &mut self.labs[i % 2];
                let mut call = demo::sample_anchor(
                    Default::default(),
                    CertNumber::new(&number).expect("number"),
                    today,
                );
                if let (Call::Certificates(CertCall::Anchor { fields }), false) =
                    (&mut call, instruments.is_empty())
                {
                    fields.for_instrument = Some(Box::new(InstrumentUse {
                        id: instruments[self.serial as usize % instruments.len()].clone(),
                        seals: vec![Seal {
                            position: Text::lossy("计量器主板"),
                            number: Text::lossy(&number),
                        }],
                    }));
                }
                let tx = TxPayload {
                    genesis_hash,
                    signer: key.public(),
                    nonce: *nonce,
                    valid_until_height,
                    call,
                }
                .sign(key);
                *nonce += 1;
                tx
            })
            .collect()
    }

    /// Executes and commits one block; returns the time of execution alone and of both.
    fn apply(&mut self, txs: &[Transaction]) -> (Duration, Duration) {
        let proposer = demo::test_key("validator-0").public();
        let start = Instant::now();
        let executed = self
            .chain
            .execute(&self.head, self.head.timestamp_ms + 1, proposer, txs)
            .expect("execute");
        let executed_at = start.elapsed();
        self.chain.commit(executed.batch).expect("commit");
        let elapsed = start.elapsed();
        assert!(
            executed.outcomes.iter().all(|o| o.result.is_ok()),
            "every anchor succeeds"
        );
        self.head = executed.header;
        (executed_at, elapsed)
    }
}

/// Certificates on the chain before measuring: the tree's depth, and so the cost of a block,
/// grows with the state, so the figure is taken at a stated size.
const PREFILL_BLOCKS: usize = 100;

fn runtime_blocks(c: &mut Criterion) {
    let mut bench = Bench::new();
    eprintln!(
        "prefilling {} certificates…",
        PREFILL_BLOCKS * TXS_PER_BLOCK
    );
    for _ in 0..PREFILL_BLOCKS {
        let txs = bench.transactions();
        bench.apply(&txs);
    }
    let mut group = c.benchmark_group(match demo::test_scheme() {
        hengxin_primitives::crypto::Scheme::Ed25519Sha256 => "runtime".to_owned(),
        scheme => format!("runtime-{}", scheme.name()),
    });
    group.throughput(Throughput::Elements(TXS_PER_BLOCK as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(15));
    // Execution (signature check, dispatch, state root) and the flushed sled write.
    group.bench_function("block_of_1000_anchors_to_sled", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let txs = bench.transactions();
                    bench.apply(&txs).1
                })
                .sum()
        })
    });
    // Execution alone: the difference to the figure above is the sled write.
    group.bench_function("block_of_1000_anchors_execute_only", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let txs = bench.transactions();
                    bench.apply(&txs).0
                })
                .sum()
        })
    });
    // The same anchors, each naming one of a thousand registered fuel dispensers: what naming
    // an instrument costs (its record and class read, a page of its history written).
    let nozzles = bench.register_nozzles(TXS_PER_BLOCK);
    group.bench_function("block_of_1000_anchors_naming_an_instrument_to_sled", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let txs = bench.anchors(&nozzles);
                    bench.apply(&txs).1
                })
                .sum()
        })
    });
    group.bench_function(
        "block_of_1000_anchors_naming_an_instrument_execute_only",
        |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        let txs = bench.anchors(&nozzles);
                        bench.apply(&txs).0
                    })
                    .sum()
            })
        },
    );
    // The signature checks alone (`verify_strict`, one at a time), a part of execution.
    group.bench_function("block_of_1000_anchors_signatures_only", |b| {
        let txs = bench.transactions();
        b.iter(|| {
            assert!(txs.iter().all(Transaction::signature_is_valid));
        })
    });
    group.finish();
}

criterion_group!(benches, runtime_blocks);
criterion_main!(benches);
