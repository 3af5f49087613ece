//! The demo's instruments (一器一码): 渝中示范加油站's nozzles and charging post and 锦江农贸
//! 市场's scales, registered by their owners and verified, repaired and retired at genesis so
//! that `--dev` shows one in each status (see `names.rs`).

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::ids::IdError;
use hengxin_primitives::instruments::{Division, InstrumentId, InstrumentUse, Seal};
use hengxin_primitives::records::{CertKind, CertificateFields, Conclusion, Instrument};
use hengxin_primitives::{
    AccountId, Category, CertNumber, ClassCode, CreditCode, Date, Site, Text,
};
use hengxin_runtime::Call;
use hengxin_runtime::certificates::Call as CertCall;
use hengxin_runtime::instruments::{Call as InstrumentCall, Registration};

use crate::names::{BUSINESS_CQ, BUSINESS_SC, key_of};
use crate::samples::document;

/// One demo instrument: class, site, serial, and what happened to it.
struct Demo {
    class: &'static str,
    site: &'static str,
    serial: &'static str,
    /// Verifications: days before genesis, passed or failed.
    verified: &'static [(u32, bool)],
    /// A repair, days before genesis.
    repaired: Option<u32>,
    retired: bool,
}

const STATION: [Demo; 6] = [
    Demo::verified(
        "FUEL",
        "1号加油岛 1号枪",
        "ZX-2301",
        &[(210, true), (30, true)],
    ),
    Demo::verified("FUEL", "1号加油岛 2号枪", "ZX-2302", &[(175, true)]),
    Demo::verified("FUEL", "2号加油岛 1号枪", "ZX-2303", &[(200, true)]),
    Demo::verified(
        "FUEL",
        "2号加油岛 2号枪",
        "ZX-2304",
        &[(150, true), (5, false)],
    ),
    Demo::verified("EVSE", "充电区 A1 桩", "TL-60-0017", &[]),
    Demo {
        retired: true,
        ..Demo::verified("FUEL", "旧 3号加油岛 1号枪", "ZX-1808", &[(400, true)])
    },
];

const MARKET: [Demo; 2] = [
    Demo::verified("SCALE", "3号摊位", "ACS-15-3301", &[(60, true)]),
    Demo {
        repaired: Some(10),
        ..Demo::verified("SCALE", "7号摊位", "ACS-15-3307", &[(90, true)])
    },
];

impl Demo {
    fn manufacturer(&self) -> &'static str {
        if self.class == "SCALE" {
            "上海友声衡器有限公司"
        } else {
            "正星科技股份有限公司"
        }
    }

    const fn verified(
        class: &'static str,
        site: &'static str,
        serial: &'static str,
        verified: &'static [(u32, bool)],
    ) -> Demo {
        Demo {
            class,
            site,
            serial,
            verified,
            repaired: None,
            retired: false,
        }
    }
}

/// The owners, their regions' labs and divisions.
struct Owner {
    code: &'static str,
    region: &'static str,
    division: u32,
    key: &'static str,
    lab: &'static str,
    lab_key: &'static str,
}

const OWNERS: [(Owner, &[Demo]); 2] = [
    (
        Owner {
            code: BUSINESS_CQ,
            region: "CQ",
            division: 500103,
            key: "business-cq",
            lab: "CQJL",
            lab_key: "lab-cq",
        },
        &STATION,
    ),
    (
        Owner {
            code: BUSINESS_SC,
            region: "SC",
            division: 510104,
            key: "business-sc",
            lab: "SCJL",
            lab_key: "lab-sc",
        },
        &MARKET,
    ),
];

/// The calls that register, verify, repair and retire the demo instruments, dated from
/// `today` (the genesis date), signed with the demo keys of `scheme`.
pub fn instrument_calls(scheme: Scheme, today: Date) -> Result<Vec<(AccountId, Call)>, IdError> {
    let mut calls = Vec::new();
    for (owner, demos) in &OWNERS {
        for (index, demo) in demos.iter().enumerate() {
            let id = InstrumentId {
                region: owner.region.parse()?,
                seq: index as u64 + 1,
            };
            calls.extend(one(scheme, owner, demo, &id, today)?);
        }
    }
    Ok(calls)
}

fn one(
    scheme: Scheme,
    owner: &Owner,
    demo: &Demo,
    id: &InstrumentId,
    today: Date,
) -> Result<Vec<(AccountId, Call)>, IdError> {
    let t = Text::lossy;
    let key = |name| key_of(scheme, name).public();
    let (business, lab) = (key(owner.key), key(owner.lab_key));
    let days_ago = |n: u32| Date(today.0.saturating_sub(n));
    let mut calls = vec![(
        business,
        Call::Instruments(InstrumentCall::Register {
            registration: Registration {
                class: ClassCode::new(demo.class)?,
                manufacturer: t(demo.manufacturer()),
                model: t(demo.serial.split('-').next().unwrap_or("")),
                serial: t(demo.serial),
                production_code: None,
                owner: CreditCode::new(owner.code)?,
                division: Division::new(owner.division)?,
                site: Site::new(demo.site)?,
            },
        }),
    )];
    for (n, &(age, passed)) in demo.verified.iter().enumerate() {
        let number = format!("{}-{}-JQ-{:02}", owner.lab, id, n + 1);
        let fields = verification(scheme, demo, id, &number, days_ago(age), passed, owner.lab)?;
        calls.push((lab, Call::Certificates(CertCall::Anchor { fields })));
    }
    if let Some(age) = demo.repaired {
        calls.push((
            lab,
            Call::Instruments(InstrumentCall::Repair {
                id: id.clone(),
                date: days_ago(age),
                evidence: scheme.hash(format!("demo repair record of {id}\n").as_bytes()),
                seals_broken: vec![seal(id, 1)],
            }),
        ));
    }
    if demo.retired {
        calls.push((
            business,
            Call::Instruments(InstrumentCall::Retire {
                id: id.clone(),
                reason: t("示例：老化报废 (demo: worn out)"),
            }),
        ));
    }
    Ok(calls)
}

/// A verification certificate (or, failed, a notice) of `demo` on `on`, valid for its class's
/// period less a day.
fn verification(
    scheme: Scheme,
    demo: &Demo,
    id: &InstrumentId,
    number: &str,
    on: Date,
    passed: bool,
    lab: &str,
) -> Result<CertificateFields, IdError> {
    let t = Text::lossy;
    let (name, category, procedure, months) = match demo.class {
        "FUEL" => ("燃油加油机", Category::Mechanical, "JJG 443-2023", 6),
        "EVSE" => (
            "电动汽车充电桩",
            Category::Electromagnetic,
            "JJG 1148-2022",
            36,
        ),
        _ => ("电子计价秤", Category::Mechanical, "JJG 539-2016", 12),
    };
    Ok(CertificateFields {
        number: CertNumber::new(number)?,
        kind: if passed {
            CertKind::Verification
        } else {
            CertKind::Notice
        },
        category,
        item: t(name),
        instrument: Instrument {
            name: t(name),
            model: t(demo.serial.split('-').next().unwrap_or("")),
            serial: t(demo.serial),
            manufacturer: t(demo.manufacturer()),
        },
        procedure: t(procedure),
        calibration_date: on,
        issue_date: on,
        valid_until: passed.then(|| Date(on.add_months(months).0 - 1)),
        conclusion: if passed {
            Conclusion::Pass {
                accuracy_class: None,
            }
        } else {
            Conclusion::Fail {
                failed_items: vec![t("示值误差超差")],
            }
        },
        standards: Vec::new(),
        document_hash: scheme.hash(&document(lab, number)),
        signer: None,
        for_instrument: Some(Box::new(InstrumentUse {
            id: id.clone(),
            seals: if passed {
                vec![seal(id, 1)]
            } else {
                Vec::new()
            },
        })),
    })
}

fn seal(id: &InstrumentId, n: u32) -> Seal {
    Seal {
        position: Text::lossy("计量器主板"),
        number: Text::lossy(&format!("QF-{id}-{n}")),
    }
}
