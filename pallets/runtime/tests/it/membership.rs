//! The membership pallet: labs, keys, inspectors, businesses, validator governance.

use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::records::{
    AccountRole, BusinessRecord, BusinessType, LabKind, LabRecord, LabStatus, ScopeEntry,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Category, CreditCode, Keypair, LabCode, RegionCode};
use hengxin_runtime::membership::{Call as MemCall, Error, Event as MemEvent};
use hengxin_runtime::{Call, Event, TxError};

use crate::harness::*;

fn m(call: MemCall) -> Call {
    Call::Membership(call)
}

fn mem_error(e: TxError) -> Error {
    match e {
        TxError::Membership(e) => e,
        other => panic!("expected a membership error, got {other:?}"),
    }
}

fn region(code: &str) -> RegionCode {
    RegionCode::new(code).unwrap()
}

fn register_lab(code: &str, region_code: &str, key: &Keypair) -> Call {
    m(MemCall::RegisterLab {
        code: LabCode::new(code).unwrap(),
        name: text("示范校准实验室"),
        region: region(region_code),
        kind: LabKind::CnasCalibration,
        scope: vec![ScopeEntry {
            category: Category::Length,
            item: None,
            valid_until: hengxin_primitives::Date::parse("2052-02-20").unwrap(),
        }],
        key: key.public(),
    })
}

#[test]
fn regulator_registers_a_lab_in_its_region() {
    let mut chain = TestChain::new();
    let key = seeded(&[50; 32]);
    let event = chain.ok(&demo_key("regulator-cq"), register_lab("CQCAL", "CQ", &key));
    let code = LabCode::new("CQCAL").unwrap();
    assert_eq!(
        event,
        Event::Membership(MemEvent::LabRegistered { lab: code.clone() })
    );
    let lab: LabRecord = chain.read(&StorageKey::Lab(code.clone())).unwrap();
    assert_eq!(lab.status, LabStatus::Active);
    assert!(lab.key_active_at(&key.public(), chain.head.height));
    assert_eq!(
        chain.read::<AccountRole>(&StorageKey::Role(key.public())),
        Some(AccountRole::LabKey { lab: code })
    );
}

#[test]
fn lab_registration_refusals() {
    let mut chain = TestChain::new();
    let key = seeded(&[50; 32]);
    let e = chain.rejects(&demo_key("regulator-sc"), register_lab("CQCAL", "CQ", &key));
    assert_eq!(
        mem_error(e),
        Error::NotRegulatorOf {
            region: region("CQ")
        }
    );
    let e = chain.rejects(&demo_key("lab-cq"), register_lab("CQCAL", "CQ", &key));
    assert_eq!(mem_error(e), Error::NotRegulator);
    let e = chain.rejects(&demo_key("regulator-cq"), register_lab("CQJL", "CQ", &key));
    assert_eq!(
        mem_error(e),
        Error::LabExists(LabCode::new("CQJL").unwrap())
    );
    let taken = demo_key("inspector-cq");
    let e = chain.rejects(
        &demo_key("regulator-cq"),
        register_lab("CQCAL", "CQ", &taken),
    );
    assert_eq!(mem_error(e), Error::KeyInUse(taken.public()));
}

#[test]
fn suspension_is_recorded_with_history_and_cannot_repeat() {
    let mut chain = TestChain::new();
    let regulator = demo_key("regulator-cq");
    let cqjl = LabCode::new("CQJL").unwrap();
    let suspend = || {
        m(MemCall::SuspendLab {
            lab: LabCode::new("CQJL").unwrap(),
            reason: text("抽查"),
        })
    };
    assert_eq!(
        chain.ok(&regulator, suspend()),
        Event::Membership(MemEvent::LabSuspended { lab: cqjl.clone() })
    );
    assert!(matches!(
        mem_error(chain.rejects(&regulator, suspend())),
        Error::StatusUnchanged { .. }
    ));
    let e = chain.rejects(
        &demo_key("regulator-sc"),
        m(MemCall::ReinstateLab {
            lab: cqjl.clone(),
            reason: text("x"),
        }),
    );
    assert_eq!(
        mem_error(e),
        Error::NotRegulatorOf {
            region: region("CQ")
        }
    );
    let reinstated = chain.ok(
        &regulator,
        m(MemCall::ReinstateLab {
            lab: cqjl.clone(),
            reason: text("整改完成"),
        }),
    );
    assert_eq!(
        reinstated,
        Event::Membership(MemEvent::LabReinstated { lab: cqjl.clone() })
    );
    chain.ok(&regulator, suspend());
    let lab: LabRecord = chain.read(&StorageKey::Lab(cqjl.clone())).unwrap();
    assert_eq!(lab.status, LabStatus::Suspended);
    assert_eq!(lab.status_history.len(), 3);
    assert_eq!(lab.status_on(chain.today()), LabStatus::Suspended);
}

#[test]
fn lab_keys_are_added_and_retired_by_the_lab_or_its_regulator() {
    let mut chain = TestChain::new();
    let cqjl = LabCode::new("CQJL").unwrap();
    let k1 = seeded(&[61; 32]);
    let k2 = seeded(&[62; 32]);
    let event = chain.ok(
        &demo_key("lab-cq"),
        m(MemCall::AddLabKey {
            lab: cqjl.clone(),
            key: k1.public(),
        }),
    );
    assert_eq!(
        event,
        Event::Membership(MemEvent::LabKeyAdded {
            lab: cqjl.clone(),
            key: k1.public()
        })
    );
    chain.ok(
        &demo_key("regulator-cq"),
        m(MemCall::AddLabKey {
            lab: cqjl.clone(),
            key: k2.public(),
        }),
    );
    let e = chain.rejects(
        &demo_key("lab-sc"),
        m(MemCall::AddLabKey {
            lab: cqjl.clone(),
            key: seeded(&[63; 32]).public(),
        }),
    );
    assert_eq!(mem_error(e), Error::NotLabOrRegulator(cqjl.clone()));
    let remove = |key: &Keypair| {
        m(MemCall::RemoveLabKey {
            lab: LabCode::new("CQJL").unwrap(),
            key: key.public(),
            compromised: false,
        })
    };
    let event = chain.ok(&k1, remove(&k2));
    assert_eq!(
        event,
        Event::Membership(MemEvent::LabKeyRemoved {
            lab: cqjl.clone(),
            key: k2.public(),
            compromised: false
        })
    );
    assert_eq!(
        mem_error(chain.rejects(&k1, remove(&k2))),
        Error::KeyAlreadyRemoved(k2.public())
    );
    // A retired key can no longer manage the lab.
    let e = chain.rejects(&k2, remove(&k1));
    assert_eq!(mem_error(e), Error::NotLabOrRegulator(cqjl));
}

#[test]
fn inspectors_and_businesses_are_registered_by_their_region() {
    let mut chain = TestChain::new();
    let regulator = demo_key("regulator-sc");
    let inspector = seeded(&[70; 32]);
    let event = chain.ok(
        &regulator,
        m(MemCall::RegisterInspector {
            inspector: inspector.public(),
            region: region("SC"),
            name: text("李检查"),
        }),
    );
    assert_eq!(
        event,
        Event::Membership(MemEvent::InspectorRegistered {
            inspector: inspector.public(),
            region: region("SC")
        })
    );
    let e = chain.rejects(
        &demo_key("regulator-cq"),
        m(MemCall::RemoveInspector {
            inspector: inspector.public(),
        }),
    );
    assert_eq!(
        mem_error(e),
        Error::NotRegulatorOf {
            region: region("SC")
        }
    );
    let event = chain.ok(
        &regulator,
        m(MemCall::RemoveInspector {
            inspector: inspector.public(),
        }),
    );
    assert_eq!(
        event,
        Event::Membership(MemEvent::InspectorRemoved {
            inspector: inspector.public()
        })
    );
    assert_eq!(
        mem_error(chain.rejects(
            &regulator,
            m(MemCall::RemoveInspector {
                inspector: inspector.public()
            })
        )),
        Error::NotInspector(inspector.public())
    );

    let code = CreditCode::completing("91510100M000100Y4").unwrap();
    let register = || {
        m(MemCall::RegisterBusiness {
            credit_code: CreditCode::completing("91510100M000100Y4").unwrap(),
            name: text("示范眼镜店"),
            region: region("SC"),
            business_type: BusinessType::OpticalShop,
            key: None,
        })
    };
    assert_eq!(
        chain.ok(&regulator, register()),
        Event::Membership(MemEvent::BusinessRegistered {
            credit_code: code.clone()
        })
    );
    assert_eq!(
        mem_error(chain.rejects(&regulator, register())),
        Error::BusinessExists(code.clone())
    );
    let stored: BusinessRecord = chain.read(&StorageKey::Business(code.clone())).unwrap();
    assert_eq!(stored.business_type, BusinessType::OpticalShop);

    // Its regulator gives it a signing key; another region's cannot; a key with a role cannot
    // be given; an unknown business has none.
    let shop = seeded(&[41; 32]);
    let add = |key: &Keypair, credit_code: &CreditCode| {
        m(MemCall::AddBusinessKey {
            credit_code: credit_code.clone(),
            key: key.public(),
        })
    };
    assert_eq!(
        mem_error(chain.rejects(&demo_key("regulator-cq"), add(&shop, &code))),
        Error::NotRegulatorOf {
            region: region("SC")
        }
    );
    assert_eq!(
        mem_error(chain.rejects(&regulator, add(&demo_key("lab-sc"), &code))),
        Error::KeyInUse(demo_key("lab-sc").public())
    );
    let nobody = code_nobody();
    assert_eq!(
        mem_error(chain.rejects(&regulator, add(&shop, &nobody))),
        Error::UnknownBusiness(nobody)
    );
    assert_eq!(
        chain.ok(&regulator, add(&shop, &code)),
        Event::Membership(MemEvent::BusinessKeyAdded {
            credit_code: code.clone(),
            key: shop.public()
        })
    );
    let role: AccountRole = chain.read(&StorageKey::Role(shop.public())).unwrap();
    assert_eq!(role, AccountRole::Business { credit_code: code });
}

/// A valid credit code (its check digit computed) that no business of the demo has.
fn code_nobody() -> CreditCode {
    const CHARSET: &[u8] = b"0123456789ABCDEFGHJKLMNPQRTUWXY";
    const WEIGHTS: [usize; 17] = [
        1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
    ];
    let body = "91110108MA0000001";
    let sum: usize = body
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| CHARSET.iter().position(|c| *c == b).unwrap() * w)
        .sum();
    let check = char::from(CHARSET[(31 - sum % 31) % 31]);
    CreditCode::new(&format!("{body}{check}")).unwrap()
}

#[test]
fn validator_set_change_needs_both_regions_and_takes_effect_next_height() {
    let mut chain = TestChain::new();
    let old_hash = chain.head.validator_set_hash;
    let new_set =
        ValidatorSet::equal_power((1..=4).map(|i| demo_key(&format!("validator-{i}")).public()))
            .unwrap();
    let event = chain.ok(
        &demo_key("regulator-cq"),
        m(MemCall::ProposeValidatorSet {
            validators: new_set.clone(),
        }),
    );
    assert_eq!(
        event,
        Event::Membership(MemEvent::ValidatorSetProposed { id: 1 })
    );
    assert_eq!(
        chain.head.next_validator_set_hash, old_hash,
        "one region's approval is not enough"
    );
    let e = chain.rejects(
        &demo_key("regulator-cq"),
        m(MemCall::ApproveValidatorSet { id: 1 }),
    );
    assert_eq!(mem_error(e), Error::AlreadyApproved(region("CQ")));
    let e = chain.rejects(
        &demo_key("lab-sc"),
        m(MemCall::ApproveValidatorSet { id: 1 }),
    );
    assert_eq!(mem_error(e), Error::NotRegulator);
    let e = chain.rejects(
        &demo_key("regulator-sc"),
        m(MemCall::ApproveValidatorSet { id: 2 }),
    );
    assert_eq!(mem_error(e), Error::NoSuchProposal(2));

    let event = chain.ok(
        &demo_key("regulator-sc"),
        m(MemCall::ApproveValidatorSet { id: 1 }),
    );
    assert_eq!(
        event,
        Event::Membership(MemEvent::ValidatorSetScheduled { id: 1 })
    );
    assert_eq!(
        chain.head.validator_set_hash, old_hash,
        "this block is still finalized by the old set"
    );
    assert_eq!(
        chain.head.next_validator_set_hash,
        new_set.hash(),
        "the header announces the new set"
    );
    chain.block(&[]);
    assert_eq!(chain.head.validator_set_hash, new_set.hash());
    assert_eq!(chain.head.next_validator_set_hash, new_set.hash());
    assert_eq!(
        chain.read::<ValidatorSet>(&StorageKey::Validators),
        Some(new_set)
    );
}

#[test]
fn malformed_validator_set_is_refused() {
    let mut chain = TestChain::new();
    let e = chain.rejects(
        &demo_key("regulator-cq"),
        m(MemCall::ProposeValidatorSet {
            validators: ValidatorSet { validators: vec![] },
        }),
    );
    assert!(matches!(mem_error(e), Error::InvalidValidatorSet(_)));
}

#[test]
fn genesis_refuses_a_lab_scope_the_register_call_would_refuse_and_a_business_twice() {
    let build = |edit: &dyn Fn(&mut hengxin_runtime::GenesisConfig)| {
        let mut config = demo::genesis(GENESIS_MS, demo_validators()).unwrap();
        edit(&mut config);
        let state =
            hengxin_support::StateDb::new(hengxin_support::MemoryBackend::default(), scheme());
        config.execute(&state).map(|_| ()).unwrap_err().to_string()
    };
    let e = build(&|c| {
        let lab = &mut c.membership.labs[0];
        let twice = lab.scope[0].clone();
        lab.scope.push(twice);
    });
    assert!(e.contains("listed twice") && e.contains("lab"), "{e}");
    let e = build(&|c| {
        let business = c.membership.businesses[0].clone();
        c.membership.businesses.push(business);
    });
    assert!(e.contains("listed twice") && e.contains("business"), "{e}");
}
