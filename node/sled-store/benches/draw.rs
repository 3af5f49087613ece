//! The cost of a 双随机 draw: the block after a plan's reveal block grades every business of
//! the region in scope and draws, before its transactions. Measured as the execution of that
//! (empty) block over sled, for regions of 1,000 and 10,000 businesses with 100 inspectors.
//!
//! `cargo bench -p hengxin-sled-store --bench draw`
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::inspection::{DEFAULT_RATIOS, DrawRecord};
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CreditCode, Header, Keypair, RegionCode, Text, TxPayload};
use hengxin_runtime::{Call, Chain, inspection, membership};
use hengxin_sled_store::SledBackend;

const GENESIS_MS: u64 = 1_780_000_000_000;
const INSPECTORS: u32 = 100;

struct Region {
    chain: Chain<SledBackend>,
    head: Header,
    nonce: u64,
    _dir: tempfile::TempDir,
}

impl Region {
    fn new() -> Region {
        let dir = tempfile::tempdir().unwrap();
        let set = ValidatorSet::equal_power([demo::key("validator-0").public()]).unwrap();
        let config = demo::genesis(GENESIS_MS, set).unwrap();
        let (chain, head) =
            Chain::from_genesis(SledBackend::open(dir.path()).unwrap(), &config).unwrap();
        Region {
            chain,
            head,
            nonce: 0,
            _dir: dir,
        }
    }

    fn block(&mut self, calls: Vec<Call>) {
        let regulator = demo::key("regulator-cq");
        let txs: Vec<_> = calls
            .into_iter()
            .map(|call| {
                self.nonce += 1;
                sign(
                    &self.chain,
                    &regulator,
                    self.nonce - 1,
                    self.head.height + 10,
                    call,
                )
            })
            .collect();
        let proposer = demo::key("validator-0").public();
        let executed = self
            .chain
            .execute(&self.head, self.head.timestamp_ms + 1_000, proposer, &txs)
            .unwrap();
        assert!(executed.outcomes.iter().all(|o| o.result.is_ok()));
        self.chain.commit(executed.batch).unwrap();
        self.head = executed.header;
    }
}

fn sign(
    chain: &Chain<SledBackend>,
    key: &Keypair,
    nonce: u64,
    valid_until_height: u64,
    call: Call,
) -> hengxin_runtime::Transaction {
    TxPayload {
        genesis_hash: chain.genesis_hash(),
        signer: key.public(),
        nonce,
        valid_until_height,
        call,
    }
    .sign(key)
}

/// A region of `businesses` CQ businesses and 100 inspectors, with a plan whose reveal block
/// is the head: executing the next block makes the draw.
fn region_at_reveal(businesses: u32) -> Region {
    let mut region = Region::new();
    let cq = RegionCode::new("CQ").unwrap();
    for chunk in (0..businesses).collect::<Vec<_>>().chunks(1000) {
        let calls = chunk
            .iter()
            .map(|n| {
                Call::Membership(membership::Call::RegisterBusiness {
                    credit_code: CreditCode::completing(&format!("91500103ME{n:07}")).unwrap(),
                    name: Text::new("测试经营者").unwrap(),
                    region: cq.clone(),
                    business_type: BusinessType::Market,
                    key: None,
                })
            })
            .collect();
        region.block(calls);
    }
    let inspectors = (0..INSPECTORS)
        .map(|n| {
            Call::Membership(membership::Call::RegisterInspector {
                inspector: demo::key(&format!("bench-inspector-{n}")).public(),
                region: cq.clone(),
                name: Text::new("检查员").unwrap(),
            })
        })
        .collect();
    region.block(inspectors);
    region.block(vec![Call::Inspection(inspection::Call::Plan {
        region: cq,
        business_types: vec![BusinessType::Market, BusinessType::GasStation],
        ratios: DEFAULT_RATIOS,
        inspectors: Vec::new(),
        reveal_in: 2,
    })]);
    region.block(Vec::new());
    region.block(Vec::new());
    region
}

fn draw(c: &mut Criterion) {
    let mut group = c.benchmark_group("draw");
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    for businesses in [1_000, 10_000] {
        eprintln!("registering {businesses} businesses…");
        let region = region_at_reveal(businesses);
        let proposer = demo::key("validator-0").public();
        // The block that draws, executed again and again on the same parent (nothing is
        // written); the draw is there each time.
        group.bench_with_input(
            BenchmarkId::new("block_that_draws", businesses),
            &region,
            |b, region| {
                b.iter(|| {
                    region
                        .chain
                        .execute(
                            &region.head,
                            region.head.timestamp_ms + 1_000,
                            proposer,
                            &[],
                        )
                        .unwrap()
                })
            },
        );
        // What was measured made the draw: every business in scope, graded.
        let executed = region
            .chain
            .execute(
                &region.head,
                region.head.timestamp_ms + 1_000,
                proposer,
                &[],
            )
            .unwrap();
        region.chain.commit(executed.batch).unwrap();
        let drawn: DrawRecord = region
            .chain
            .read(&StorageKey::Draw(1), executed.header.height)
            .unwrap()
            .unwrap();
        assert_eq!(
            drawn.in_scope.iter().sum::<u32>(),
            businesses + 1,
            "and the demo station"
        );
    }
    group.finish();
}

criterion_group!(benches, draw);
criterion_main!(benches);
