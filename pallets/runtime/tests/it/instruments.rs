//! Instruments (一器一码): registration, moves, transfers, repairs, retirement, certificates
//! that name an instrument, and the status the one rule gives on the chain's state.

use hengxin_chain_spec::demo;
use hengxin_primitives::gather::instruments::{self as gather, InstrumentFacts};
use hengxin_primitives::instruments::{
    Change, Division, InstrumentClass, InstrumentId, InstrumentStatus, InstrumentUse, Seal,
};
use hengxin_primitives::records::{BusinessType, CertKind, Conclusion};
use hengxin_primitives::{Category, ClassCode, CreditCode, Date, Hash, Site};
use hengxin_runtime::certificates::{Call as CertCall, Error as CertError};
use hengxin_runtime::instruments::{Call as InstrumentCall, Error, Registration};
use hengxin_runtime::{Call, TxError, membership};
use hengxin_support::Storage;

use crate::harness::{TestChain, anchor, demo_key, fields, number, text};

fn id(text: &str) -> InstrumentId {
    InstrumentId::parse(text).unwrap()
}

fn cq() -> CreditCode {
    CreditCode::new(demo::BUSINESS_CQ).unwrap()
}

fn instrument_error(e: TxError) -> Error {
    match e {
        TxError::Instruments(e) => e,
        other => panic!("expected an instruments error, got {other:?}"),
    }
}

fn cert_error(e: TxError) -> CertError {
    match e {
        TxError::Certificates(e) => e,
        other => panic!("expected a certificates error, got {other:?}"),
    }
}

fn facts(chain: &TestChain, id: &InstrumentId) -> Option<InstrumentFacts> {
    let mut view = chain.chain.view(chain.head.height);
    gather::instrument(&mut view as &mut dyn Storage, id).unwrap()
}

/// The status the runtime's own read function gives (the pallet's `status`).
fn status(chain: &TestChain, id: &InstrumentId, on: Date) -> InstrumentStatus {
    let mut view = chain.chain.view(chain.head.height);
    hengxin_runtime::instruments::status(&mut view, id, on)
        .unwrap()
        .expect("registered")
}

fn registration(serial: &str) -> Registration {
    Registration {
        class: ClassCode::new("FUEL").unwrap(),
        manufacturer: text("正星科技股份有限公司"),
        model: text("ZX"),
        serial: text(serial),
        production_code: Some(text("P-0001")),
        owner: cq(),
        division: Division::new(500103).unwrap(),
        site: Site::new("5号加油岛 1号枪").unwrap(),
    }
}

fn register(r: Registration) -> Call {
    Call::Instruments(InstrumentCall::Register { registration: r })
}

/// Registers a new nozzle of 渝中示范加油站 with its own key; returns its id.
fn new_nozzle(chain: &mut TestChain, serial: &str) -> InstrumentId {
    chain.ok(&demo_key("business-cq"), register(registration(serial)));
    let count: u64 = chain
        .read(&hengxin_primitives::state::StorageKey::InstrumentCount(
            "CQ".parse().unwrap(),
        ))
        .unwrap();
    InstrumentId {
        region: "CQ".parse().unwrap(),
        seq: count,
    }
}

/// A verification of a nozzle `id` on `on`, valid `months` less a day.
fn verify(number_text: &str, id: &InstrumentId, on: Date, months: u32) -> Call {
    let mut f = fields(number_text, on);
    f.category = Category::Mechanical;
    f.valid_until = Some(Date(on.add_months(months).0 - 1));
    f.for_instrument = Some(Box::new(InstrumentUse {
        id: id.clone(),
        seals: vec![Seal {
            position: text("计量器"),
            number: text(number_text),
        }],
    }));
    anchor(f)
}

#[test]
fn the_demo_shows_one_instrument_in_each_status() {
    let chain = TestChain::new();
    let today = chain.today();
    let expected = [
        (demo::INSTRUMENT_VALID, InstrumentStatus::Valid),
        (demo::INSTRUMENT_DUE_SOON, InstrumentStatus::DueSoon),
        (demo::INSTRUMENT_OVERDUE, InstrumentStatus::Overdue),
        (demo::INSTRUMENT_FAILED, InstrumentStatus::Failed),
        (demo::INSTRUMENT_UNVERIFIED, InstrumentStatus::Unverified),
        (demo::INSTRUMENT_RETIRED, InstrumentStatus::Retired),
        (demo::INSTRUMENT_SCALE_VALID, InstrumentStatus::Valid),
        (
            demo::INSTRUMENT_SCALE_REPAIRED,
            InstrumentStatus::Unverified,
        ),
    ];
    for (text_id, want) in expected {
        assert_eq!(status(&chain, &id(text_id), today), want, "{text_id}");
    }
    assert!(facts(&chain, &id("CQ-99")).is_none());
    let mut view = chain.chain.view(chain.head.height);
    let owned = gather::instruments_owned(&mut view as &mut dyn Storage, &cq()).unwrap();
    assert_eq!(owned.len(), 6);
    let classes = gather::classes(&mut view as &mut dyn Storage).unwrap();
    let codes: Vec<&str> = classes.iter().map(|c| c.code.as_str()).collect();
    assert_eq!(codes, ["FUEL", "TAXI", "SCALE", "EVSE", "WATER"]);
}

#[test]
fn the_owner_or_its_regulator_registers_and_the_chain_gives_the_id() {
    let mut chain = TestChain::new();
    let first = new_nozzle(&mut chain, "NEW-1");
    assert_eq!(first.to_string(), "CQ-7");
    chain.ok(&demo_key("regulator-cq"), register(registration("NEW-2")));
    let record = facts(&chain, &id("CQ-8")).unwrap();
    assert_eq!(record.record.serial.as_str(), "NEW-2");
    assert_eq!(record.history.len(), 1);
    assert!(matches!(
        record.history[0].change,
        Change::Registered { .. }
    ));
    assert_eq!(
        record.standing(chain.today()).status,
        InstrumentStatus::Unverified
    );

    let e = chain.rejects(&demo_key("business-cq"), register(registration("NEW-1")));
    assert_eq!(instrument_error(e), Error::Duplicate(first));
    for signer in ["regulator-sc", "business-sc", "lab-cq", "inspector-cq"] {
        let e = chain.rejects(&demo_key(signer), register(registration("NEW-3")));
        assert_eq!(
            instrument_error(e),
            Error::NotOwnerOrRegulator(cq()),
            "{signer}"
        );
    }
    let outside = Registration {
        division: Division::new(510104).unwrap(),
        ..registration("NEW-3")
    };
    let e = chain.rejects(&demo_key("business-cq"), register(outside));
    assert_eq!(e.code(), "instruments.division_outside_region");
    let unknown_class = Registration {
        class: ClassCode::new("GAS").unwrap(),
        ..registration("NEW-3")
    };
    let e = chain.rejects(&demo_key("business-cq"), register(unknown_class));
    assert_eq!(e.code(), "instruments.unknown_class");
    let e = chain.rejects(&demo_key("business-cq"), register(registration(" ")));
    assert_eq!(e.code(), "instruments.unidentified");
    let stranger = CreditCode::completing("91500103MA60K7LY0").unwrap();
    let unknown_owner = Registration {
        owner: stranger.clone(),
        ..registration("NEW-3")
    };
    let e = chain.rejects(&demo_key("regulator-cq"), register(unknown_owner));
    assert_eq!(instrument_error(e), Error::UnknownOwner(stranger));
}

#[test]
fn moves_transfers_and_retirement_are_kept_in_order_and_end_with_retirement() {
    let mut chain = TestChain::new();
    let nozzle = new_nozzle(&mut chain, "MOVE-1");
    let regulator = demo_key("regulator-cq");
    let other = CreditCode::completing("91500105MA5U1B2C0").unwrap();
    chain.ok(
        &regulator,
        Call::Membership(membership::Call::RegisterBusiness {
            credit_code: other.clone(),
            name: text("江北示范加油站"),
            region: "CQ".parse().unwrap(),
            business_type: BusinessType::GasStation,
            key: None,
        }),
    );
    let owner = demo_key("business-cq");
    let relocate = |division: u32| {
        Call::Instruments(InstrumentCall::Move {
            id: nozzle.clone(),
            division: Division::new(division).unwrap(),
            site: Site::new("6号加油岛 1号枪").unwrap(),
        })
    };
    chain.ok(&owner, relocate(500105));
    let e = chain.rejects(&owner, relocate(510104));
    assert_eq!(e.code(), "instruments.division_outside_region");
    let transfer = |to: &CreditCode| {
        Call::Instruments(InstrumentCall::Transfer {
            id: nozzle.clone(),
            to: to.clone(),
        })
    };
    let sc = CreditCode::new(demo::BUSINESS_SC).unwrap();
    let e = chain.rejects(&owner, transfer(&sc));
    assert_eq!(e.code(), "instruments.bad_transfer");
    let e = chain.rejects(&owner, transfer(&cq()));
    assert_eq!(e.code(), "instruments.bad_transfer");
    chain.ok(&owner, transfer(&other));
    // The old owner's key no longer acts for it; the regulator still does.
    let e = chain.rejects(&owner, relocate(500103));
    assert_eq!(
        instrument_error(e),
        Error::NotOwnerOrRegulator(other.clone())
    );
    let retire = Call::Instruments(InstrumentCall::Retire {
        id: nozzle.clone(),
        reason: text("报废"),
    });
    chain.ok(&regulator, retire.clone());
    let e = chain.rejects(&regulator, retire);
    assert_eq!(instrument_error(e), Error::Retired(nozzle.clone()));
    let e = chain.rejects(
        &demo_key("lab-cq"),
        verify("R-1", &nozzle, chain.today(), 6),
    );
    assert_eq!(cert_error(e), CertError::InstrumentRetired(nozzle.clone()));

    let facts = facts(&chain, &nozzle).unwrap();
    let kinds: Vec<&str> = facts
        .history
        .iter()
        .map(|e| match e.change {
            Change::Registered { .. } => "registered",
            Change::Moved { .. } => "moved",
            Change::Transferred { .. } => "transferred",
            Change::Retired { .. } => "retired",
            _ => "other",
        })
        .collect();
    assert_eq!(kinds, ["registered", "moved", "transferred", "retired"]);
    assert!(
        facts
            .history
            .windows(2)
            .all(|w| w[0].at.height < w[1].at.height)
    );
    assert_eq!(facts.record.owner, other);
    assert_eq!(facts.record.division, Division::new(500105).unwrap());
    assert_eq!(
        facts.standing(chain.today()).status,
        InstrumentStatus::Retired
    );
    let mut view = chain.chain.view(chain.head.height);
    let theirs = gather::instruments_owned(&mut view as &mut dyn Storage, &other).unwrap();
    assert_eq!(theirs, std::slice::from_ref(&nozzle));
    let ours = gather::instruments_owned(&mut view as &mut dyn Storage, &cq()).unwrap();
    assert!(
        ours.contains(&nozzle),
        "the list keeps what the owner once had"
    );
}

#[test]
fn a_verification_names_its_instrument_within_the_class_and_its_period() {
    let mut chain = TestChain::new();
    let nozzle = new_nozzle(&mut chain, "CERT-1");
    let lab = demo_key("lab-cq");
    let today = chain.today();

    let mut thermal = fields("V-THE", today);
    thermal.for_instrument = Some(Box::new(InstrumentUse {
        id: nozzle.clone(),
        seals: Vec::new(),
    }));
    let e = chain.rejects(&lab, anchor(thermal));
    assert_eq!(e.code(), "certificates.instrument_category_mismatch");
    let e = chain.rejects(&lab, verify("V-0", &id("CQ-99"), today, 6));
    assert_eq!(cert_error(e), CertError::UnknownInstrument(id("CQ-99")));
    // The period is six months: 有效期至 on the same day six months on is the last allowed.
    let mut beyond = verify("V-LONG", &nozzle, today, 6);
    if let Call::Certificates(CertCall::Anchor { fields }) = &mut beyond {
        fields.valid_until = Some(Date(today.add_months(6).0 + 1));
    }
    let e = chain.rejects(&lab, beyond);
    assert_eq!(e.code(), "certificates.validity_beyond_period");
    let mut calibration = fields("C-1", today);
    calibration.category = Category::Mechanical;
    calibration.kind = CertKind::Calibration;
    calibration.conclusion = Conclusion::None;
    calibration.for_instrument = Some(Box::new(InstrumentUse {
        id: nozzle.clone(),
        seals: vec![Seal {
            position: text("主板"),
            number: text("1"),
        }],
    }));
    let e = chain.rejects(&lab, anchor(calibration.clone()));
    assert_eq!(e.code(), "certificates.invalid_fields");
    calibration.for_instrument.as_mut().unwrap().seals.clear();
    chain.ok(&lab, anchor(calibration));
    assert_eq!(status(&chain, &nozzle, today), InstrumentStatus::Unverified);

    let mut exact = verify("V-1", &nozzle, today, 6);
    if let Call::Certificates(CertCall::Anchor { fields }) = &mut exact {
        fields.valid_until = Some(today.add_months(6));
    }
    chain.ok(&lab, exact);
    assert_eq!(status(&chain, &nozzle, today), InstrumentStatus::Valid);
    chain.ok(&lab, verify("V-2", &nozzle, today, 6));
    // Revoking the latest falls back to the one before; superseding one with a notice fails it.
    chain.ok(
        &lab,
        Call::Certificates(CertCall::Revoke {
            lab: "CQJL".parse().unwrap(),
            number: number("V-2"),
            reason: text("录入错误"),
        }),
    );
    let standing_number = |chain: &TestChain| {
        let f = facts(chain, &nozzle).unwrap();
        let s = f.standing(today);
        (s.status, s.latest.map(|c| c.fields.number.to_string()))
    };
    assert_eq!(
        standing_number(&chain),
        (InstrumentStatus::Valid, Some("V-1".into()))
    );
    let mut notice = fields("N-1", today);
    notice.category = Category::Mechanical;
    notice.kind = CertKind::Notice;
    notice.valid_until = None;
    notice.conclusion = Conclusion::Fail {
        failed_items: vec![text("示值误差超差")],
    };
    notice.for_instrument = Some(Box::new(InstrumentUse {
        id: nozzle.clone(),
        seals: Vec::new(),
    }));
    chain.ok(
        &lab,
        Call::Certificates(CertCall::Supersede {
            old: number("V-1"),
            fields: notice,
        }),
    );
    assert_eq!(
        standing_number(&chain),
        (InstrumentStatus::Failed, Some("N-1".into()))
    );
    let history = facts(&chain, &nozzle).unwrap().history;
    assert_eq!(history.len(), 5, "registered, C-1, V-1, V-2, N-1");
}

#[test]
fn a_repair_by_an_active_lab_means_verify_again() {
    let mut chain = TestChain::new();
    let nozzle = new_nozzle(&mut chain, "REPAIR-1");
    let lab = demo_key("lab-cq");
    let today = chain.today();
    chain.ok(&lab, verify("V-1", &nozzle, Date(today.0 - 3), 6));
    let repair = |date: Date, seals: usize| {
        Call::Instruments(InstrumentCall::Repair {
            id: nozzle.clone(),
            date,
            evidence: Hash([7; 32]),
            seals_broken: (0..seals)
                .map(|n| Seal {
                    position: text("主板"),
                    number: text(&n.to_string()),
                })
                .collect(),
        })
    };
    let e = chain.rejects(&demo_key("business-cq"), repair(today, 1));
    assert_eq!(instrument_error(e), Error::NotActiveLab);
    let e = chain.rejects(&lab, repair(Date(today.0 + 1), 1));
    assert_eq!(e.code(), "instruments.date_in_future");
    let e = chain.rejects(&lab, repair(today, 17));
    assert_eq!(e.code(), "instruments.too_many_seals");
    chain.ok(&lab, repair(Date(today.0 - 3), 1));
    assert_eq!(
        status(&chain, &nozzle, today),
        InstrumentStatus::Valid,
        "a repair on the day of the verification does not void it"
    );
    chain.ok(&lab, repair(Date(today.0 - 1), 1));
    assert_eq!(status(&chain, &nozzle, today), InstrumentStatus::Unverified);
    chain.ok(&lab, verify("V-2", &nozzle, today, 6));
    assert_eq!(status(&chain, &nozzle, today), InstrumentStatus::Valid);
}

#[test]
fn regulators_add_classes() {
    let mut chain = TestChain::new();
    let class = InstrumentClass {
        code: ClassCode::new("GAS-M").unwrap(),
        name: text("膜式燃气表"),
        category: Category::Mechanical,
        item: text("燃气表"),
        procedure: text("JJG 577"),
        compulsory: true,
        period_months: 120,
    };
    let add = |class: &InstrumentClass| {
        Call::Instruments(InstrumentCall::AddClass {
            class: class.clone(),
        })
    };
    let e = chain.rejects(&demo_key("lab-cq"), add(&class));
    assert_eq!(instrument_error(e), Error::NotRegulator);
    let e = chain.rejects(
        &demo_key("regulator-sc"),
        add(&InstrumentClass {
            period_months: 0,
            ..class.clone()
        }),
    );
    assert_eq!(instrument_error(e), Error::InvalidPeriod(0));
    chain.ok(&demo_key("regulator-sc"), add(&class));
    let e = chain.rejects(&demo_key("regulator-cq"), add(&class));
    assert_eq!(
        instrument_error(e),
        Error::DuplicateClass(class.code.clone())
    );
    let registration = Registration {
        class: class.code.clone(),
        ..registration("GAS-1")
    };
    chain.ok(&demo_key("business-cq"), register(registration));
}

#[test]
fn a_full_history_freezes_the_instrument_as_it_stands() {
    use hengxin_primitives::instruments::HISTORY_MAX;
    let mut chain = TestChain::new();
    let nozzle = new_nozzle(&mut chain, "FULL-1");
    let owner = demo_key("business-cq");
    let relocate = |n: u32| {
        Call::Instruments(InstrumentCall::Move {
            id: nozzle.clone(),
            division: Division::new(500103).unwrap(),
            site: Site::new(&format!("{n}号枪")).unwrap(),
        })
    };
    let first = chain
        .chain
        .nonce(&owner.public(), chain.head.height)
        .unwrap();
    let moves: Vec<_> = (1..HISTORY_MAX)
        .map(|n| chain.tx_with_nonce(&owner, relocate(n), first + u64::from(n) - 1))
        .collect();
    for block in moves.chunks(128) {
        let outcomes = chain.block(block);
        assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
    }
    let full = facts(&chain, &nozzle).unwrap();
    assert_eq!(full.history.len(), HISTORY_MAX as usize);
    let e = chain.rejects(&owner, relocate(0));
    assert_eq!(instrument_error(e), Error::HistoryFull(nozzle.clone()));
    let e = chain.rejects(
        &demo_key("lab-cq"),
        verify("FULL-V", &nozzle, chain.today(), 6),
    );
    assert_eq!(e.code(), "certificates.instrument_history_full");
    assert_eq!(
        status(&chain, &nozzle, chain.today()),
        InstrumentStatus::Unverified,
        "frozen as it stands: still computed from its whole history"
    );
}
