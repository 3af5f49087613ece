//! The inspection pallet: plans, conflicts, the draw made once the reveal block is finalized
//! (equal to a recomputation from the state and the block hash), and results that only a drawn
//! inspector records.

use hengxin_primitives::credit::{CreditEvent, Grade};
use hengxin_primitives::draw;
use hengxin_primitives::inspection::{DEFAULT_RATIOS, DrawRecord, InspectionResult, Outcome};
use hengxin_primitives::records::BusinessType;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Date, Hash, Keypair, RegionCode};
use hengxin_runtime::inspection::{Call as InsCall, Error, Event as InsEvent};
use hengxin_runtime::{Call, Event, TxError, credit, membership};

use crate::harness::*;

fn ins_error(e: TxError) -> Error {
    match e {
        TxError::Inspection(e) => e,
        other => panic!("expected an inspection error, got {other:?}"),
    }
}

fn cq() -> RegionCode {
    RegionCode::new("CQ").unwrap()
}

fn business(n: u32) -> CreditCode {
    CreditCode::completing(&format!("91500103MB{n:07}")).unwrap()
}

fn inspector(n: u32) -> Keypair {
    demo_key(&format!("test-inspector-cq-{n}"))
}

/// A CQ chain with `gas` more gas stations, 3 markets and inspectors 0..4 besides the demo's.
fn supervised_chain(gas: u32) -> TestChain {
    let mut chain = TestChain::new();
    let regulator = demo_key("regulator-cq");
    let nonce = chain
        .chain
        .nonce(&regulator.public(), chain.head.height)
        .unwrap();
    let mut txs = Vec::new();
    for n in 0..gas + 3 {
        let business_type = if n < gas {
            BusinessType::GasStation
        } else {
            BusinessType::Market
        };
        let call = Call::Membership(membership::Call::RegisterBusiness {
            credit_code: business(n),
            name: text(&format!("测试经营者 {n}")),
            region: cq(),
            business_type,
            key: None,
        });
        txs.push(chain.tx_with_nonce(&regulator, call, nonce + u64::from(n)));
    }
    for n in 0..4 {
        let call = Call::Membership(membership::Call::RegisterInspector {
            inspector: inspector(n).public(),
            region: cq(),
            name: text(&format!("检查员 {n}")),
        });
        txs.push(chain.tx_with_nonce(&regulator, call, nonce + u64::from(gas + 3 + n)));
    }
    for outcome in chain.block(&txs) {
        outcome.result.unwrap();
    }
    chain
}

fn pool() -> Vec<AccountId> {
    (0..4).map(|n| inspector(n).public()).collect()
}

fn plan_call(types: Vec<BusinessType>, inspectors: Vec<AccountId>, reveal_in: u64) -> Call {
    Call::Inspection(InsCall::Plan {
        region: cq(),
        business_types: types,
        ratios: DEFAULT_RATIOS,
        inspectors,
        reveal_in,
    })
}

fn result_call(plan: u64, credit_code: CreditCode, outcome: Outcome) -> Call {
    Call::Inspection(InsCall::RecordResult {
        plan,
        credit_code,
        outcome,
        evidence_hash: Hash([7; 32]),
    })
}

/// Runs empty blocks until the head is at `height`.
fn run_to(chain: &mut TestChain, height: u64) {
    while chain.head.height < height {
        chain.block(&[]);
    }
}

/// The draw recomputed from the state at the reveal height and that block's hash alone:
/// every CQ gas station, graded on the reveal block's date by the credit rule, and the pool's
/// conflicts declared before the reveal height.
fn recompute(
    chain: &TestChain,
    plan: u64,
    reveal: &hengxin_primitives::Header,
    conflicts: &[(AccountId, CreditCode)],
) -> Vec<draw::Target> {
    let on = Date::from_unix_ms_cst(reveal.timestamp_ms);
    let codes: Vec<CreditCode> = chain
        .chain
        .read(&StorageKey::BusinessPage(cq(), 0), reveal.height)
        .unwrap()
        .unwrap();
    let mut scope = Vec::new();
    for code in codes {
        let b: hengxin_primitives::records::BusinessRecord = chain
            .chain
            .read(&StorageKey::Business(code.clone()), reveal.height)
            .unwrap()
            .unwrap();
        if b.business_type == BusinessType::GasStation {
            let mut view = chain.chain.view(reveal.height);
            let grade = credit::standing(&mut view, &code, on).unwrap().grade;
            scope.push((code, grade));
        }
    }
    let seed = draw::seed(scheme(), plan, &reveal.hash());
    draw::draw(scheme(), &seed, &scope, &DEFAULT_RATIOS, &pool(), conflicts)
}

#[test]
fn a_plan_is_drawn_once_its_reveal_block_is_final_and_anyone_can_recompute_it() {
    let mut chain = supervised_chain(30);
    // One gas station gets a V3: grade D, so D's 100 percent draws it.
    let severe = business(3);
    let call = Call::Credit(credit::Call::Record {
        credit_code: severe.clone(),
        event: CreditEvent::V3,
        date: chain.today(),
        evidence_hash: Hash([1; 32]),
    });
    chain.ok(&demo_key("inspector-cq"), call);
    // The plan lands in the next block; its reveal is three after that.
    let reveal_height = chain.head.height + 1 + 3;
    let event = chain.ok(
        &demo_key("regulator-cq"),
        plan_call(vec![BusinessType::GasStation], pool(), 3),
    );
    assert_eq!(
        event,
        Event::Inspection(InsEvent::Planned {
            id: 1,
            reveal_height
        })
    );
    // Before the reveal: conflicts count, and there is nothing to record against.
    let conflicted = inspector(0);
    chain.ok(
        &conflicted,
        Call::Inspection(InsCall::DeclareConflict {
            credit_code: severe.clone(),
        }),
    );
    let e = chain.rejects(&inspector(1), result_call(1, severe.clone(), Outcome::Pass));
    assert_eq!(ins_error(e), Error::NotDrawn { reveal_height });
    run_to(&mut chain, reveal_height);
    let reveal = chain.head.clone();
    assert_eq!(
        chain.read::<DrawRecord>(&StorageKey::Draw(1)),
        None,
        "no draw while the reveal block is the head"
    );
    // A conflict declared at the reveal height is too late for this plan: the inspector the
    // draw ranks first for the business declares one, and is drawn all the same.
    let conflicted_then = [(conflicted.public(), severe.clone())];
    let first = recompute(&chain, 1, &reveal, &conflicted_then)
        .into_iter()
        .find(|t| t.credit_code == severe)
        .unwrap()
        .inspectors[0];
    let late = pool()
        .iter()
        .position(|k| *k == first)
        .map(|i| inspector(i as u32))
        .unwrap();
    chain.ok(
        &late,
        Call::Inspection(InsCall::DeclareConflict {
            credit_code: severe.clone(),
        }),
    );
    let drawn: DrawRecord = chain.read(&StorageKey::Draw(1)).unwrap();
    assert_eq!(drawn.block_hash, reveal.hash());
    assert_eq!(drawn.seed, draw::seed(scheme(), 1, &reveal.hash()));
    assert_eq!(drawn.on, Date::from_unix_ms_cst(reveal.timestamp_ms));
    let conflicts = [(conflicted.public(), severe.clone())];
    assert_eq!(drawn.targets, recompute(&chain, 1, &reveal, &conflicts));
    // The demo station (A), 30 new ones without a commitment (B, less the one with a V3):
    // ceil(1 × 5%) = 1, ceil(29 × 10%) = 3, ceil(1 × 100%) = 1; no market.
    assert_eq!(drawn.in_scope, [1, 29, 0, 1]);
    let grades: Vec<Grade> = drawn.targets.iter().map(|t| t.grade).collect();
    assert_eq!(grades, [Grade::A, Grade::B, Grade::B, Grade::B, Grade::D]);
    let d = drawn.targets.last().unwrap();
    assert_eq!(d.credit_code, severe);
    assert!(!d.inspectors.contains(&conflicted.public()), "回避");
    assert!(d.inspectors.contains(&late.public()), "declared too late");
    assert!(
        drawn
            .targets
            .iter()
            .all(|t| t.inspectors.len() == 2 && !t.short)
    );

    // Results: only a drawn inspector of that target, once; a pass is a P1.
    let target = drawn.targets[1].clone();
    let outsider = pool()
        .into_iter()
        .position(|k| !target.inspectors.contains(&k))
        .map(|i| inspector(i as u32))
        .unwrap();
    let e = chain.rejects(
        &outsider,
        result_call(1, target.credit_code.clone(), Outcome::Pass),
    );
    assert_eq!(
        ins_error(e),
        Error::NotDrawnInspector(target.credit_code.clone())
    );
    let e = chain.rejects(
        &demo_key("inspector-sc"),
        result_call(1, target.credit_code.clone(), Outcome::Pass),
    );
    assert_eq!(
        ins_error(e),
        Error::NotDrawnInspector(target.credit_code.clone())
    );
    let drawn_key = pool()
        .iter()
        .position(|k| *k == target.inspectors[0])
        .map(|i| inspector(i as u32))
        .unwrap();
    let e = chain.rejects(&drawn_key, result_call(1, business(31), Outcome::Pass));
    assert_eq!(ins_error(e), Error::NotTarget(business(31)));
    let e = chain.rejects(
        &drawn_key,
        result_call(9, target.credit_code.clone(), Outcome::Pass),
    );
    assert_eq!(ins_error(e), Error::NoSuchPlan(9));
    chain.ok(
        &drawn_key,
        result_call(1, target.credit_code.clone(), Outcome::Pass),
    );
    let e = chain.rejects(
        &drawn_key,
        result_call(1, target.credit_code.clone(), Outcome::V1),
    );
    assert_eq!(
        ins_error(e),
        Error::AlreadyRecorded(target.credit_code.clone())
    );
    let result: InspectionResult = chain
        .read(&StorageKey::InspectionResult(1, target.credit_code.clone()))
        .unwrap();
    assert_eq!(
        (result.outcome, result.inspector),
        (Outcome::Pass, drawn_key.public())
    );
    let records: Vec<hengxin_primitives::credit::CreditRecord> = chain
        .read(&StorageKey::CreditRecords(target.credit_code.clone()))
        .unwrap();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].event, CreditEvent::P1);
    assert_eq!(records[0].recorded_by, drawn_key.public());
    // A finding is its V-record.
    let a = &drawn.targets[0];
    let key = pool()
        .iter()
        .position(|k| *k == a.inspectors[1])
        .map(|i| inspector(i as u32))
        .unwrap();
    chain.ok(&key, result_call(1, a.credit_code.clone(), Outcome::V2));
    let mut view = chain.chain.view(chain.head.height);
    let standing = credit::standing(&mut view, &a.credit_code, chain.today()).unwrap();
    assert_eq!((standing.score, standing.grade), (85, Grade::B));
}

#[test]
fn the_draw_depends_on_the_block_hash_and_a_short_pool_is_marked() {
    let mut chain = supervised_chain(12);
    let at = chain.head.height + 3;
    let one = vec![inspector(0).public()];
    chain.ok(
        &demo_key("regulator-cq"),
        plan_call(
            vec![BusinessType::GasStation, BusinessType::Market],
            one.clone(),
            2,
        ),
    );
    chain.ok(
        &demo_key("regulator-cq"),
        plan_call(vec![BusinessType::GasStation, BusinessType::Market], one, 2),
    );
    run_to(&mut chain, at + 2);
    let first: DrawRecord = chain.read(&StorageKey::Draw(1)).unwrap();
    let second: DrawRecord = chain.read(&StorageKey::Draw(2)).unwrap();
    assert_ne!(first.seed, second.seed);
    assert_eq!(first.in_scope, [1, 15, 0, 0], "gas stations and markets");
    assert_eq!(first.targets.len(), 1 + 2);
    assert!(
        first
            .targets
            .iter()
            .all(|t| t.short && t.inspectors.len() == 1)
    );
    let order = |d: &DrawRecord| {
        d.targets
            .iter()
            .map(|t| t.credit_code.clone())
            .collect::<Vec<_>>()
    };
    assert_ne!(
        order(&first)[1..],
        order(&second)[1..],
        "another seed, another B sample"
    );
}

#[test]
fn plans_are_checked_and_refused_plans_change_nothing() {
    let mut chain = supervised_chain(2);
    let regulator = demo_key("regulator-cq");
    let gas = vec![BusinessType::GasStation];
    let e = chain.rejects(&regulator, plan_call(gas.clone(), pool(), 1));
    assert_eq!(ins_error(e), Error::RevealTooSoon);
    let e = chain.rejects(&regulator, plan_call(gas.clone(), pool(), 10_000_001));
    assert_eq!(ins_error(e), Error::RevealTooFar);
    let e = chain.rejects(&demo_key("regulator-sc"), plan_call(gas.clone(), pool(), 9));
    assert_eq!(ins_error(e), Error::NotRegulatorOf(cq()));
    let e = chain.rejects(&demo_key("lab-cq"), plan_call(gas.clone(), pool(), 9));
    assert_eq!(ins_error(e), Error::NotRegulatorOf(cq()));
    let e = chain.rejects(&regulator, plan_call(Vec::new(), pool(), 9));
    assert_eq!(ins_error(e), Error::NoBusinessTypes);
    let sc = demo_key("inspector-sc").public();
    let e = chain.rejects(&regulator, plan_call(gas.clone(), vec![sc], 9));
    assert_eq!(ins_error(e), Error::NotInspectorOf(sc, cq()));
    let e = chain.rejects(
        &regulator,
        Call::Inspection(InsCall::Plan {
            region: cq(),
            business_types: gas.clone(),
            ratios: [5, 10, 101, 100],
            inspectors: pool(),
            reveal_in: 9,
        }),
    );
    assert_eq!(ins_error(e), Error::BadRatio(101));
    let e = chain.rejects(
        &demo_key("business-cq"),
        Call::Inspection(InsCall::DeclareConflict {
            credit_code: business(0),
        }),
    );
    assert_eq!(ins_error(e), Error::NotInspector);
    let e = chain.rejects(
        &inspector(0),
        Call::Inspection(InsCall::DeclareConflict {
            credit_code: business(99),
        }),
    );
    assert_eq!(ins_error(e), Error::UnknownBusiness(business(99)));
    let declare = Call::Inspection(InsCall::DeclareConflict {
        credit_code: business(0),
    });
    chain.ok(&inspector(0), declare.clone());
    let e = chain.rejects(&inspector(0), declare);
    assert_eq!(ins_error(e), Error::ConflictExists(business(0)));
    // A plan's lists are kept sorted and once each.
    let mut twice = pool();
    twice.extend(pool());
    twice.reverse();
    chain.ok(
        &regulator,
        plan_call(
            vec![
                BusinessType::Market,
                BusinessType::GasStation,
                BusinessType::Market,
            ],
            twice,
            5,
        ),
    );
    let plan: hengxin_primitives::inspection::InspectionPlan =
        chain.read(&StorageKey::Plan(1)).unwrap();
    assert_eq!(
        plan.business_types,
        [BusinessType::GasStation, BusinessType::Market]
    );
    let mut sorted = pool();
    sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(plan.inspectors, sorted);
    assert_eq!(plan.reveal_height, plan.created_height + 5);
    // No inspector named: every active inspector of the region, a removed one left out.
    let removed = inspector(2).public();
    let remove = Call::Membership(membership::Call::RemoveInspector { inspector: removed });
    chain.ok(&regulator, remove);
    chain.ok(&regulator, plan_call(gas.clone(), Vec::new(), 2));
    let plan: hengxin_primitives::inspection::InspectionPlan =
        chain.read(&StorageKey::Plan(2)).unwrap();
    let mut active: Vec<AccountId> = pool().into_iter().filter(|k| *k != removed).collect();
    active.push(demo_key("inspector-cq").public());
    active.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    assert_eq!(plan.inspectors, active);
    let e = chain.rejects(&regulator, plan_call(gas, vec![removed], 2));
    assert_eq!(ins_error(e), Error::NotInspectorOf(removed, cq()));
    assert_eq!(
        chain.read::<Vec<u64>>(&StorageKey::PlansOf(cq())),
        Some(vec![1, 2])
    );
}
