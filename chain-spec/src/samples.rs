//! Sample data: the demo's standards and certificates applied at genesis, and the sample
//! anchors and standards that tools, tests and benchmarks make.

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::ids::IdError;
use hengxin_primitives::records::{
    Assessment, CertKind, CertificateFields, Conclusion, Instrument, StandardFields, StandardLevel,
    TraceSource,
};
use hengxin_primitives::{
    AccountId, Category, CertNumber, CreditCode, Date, LabCode, RegionCode, StandardId, Text,
};
use hengxin_runtime::Call;
use hengxin_runtime::certificates::Call as CertCall;
use hengxin_runtime::credit::Call as CreditCall;
use hengxin_runtime::recognition::Call as RecognitionCall;
use hengxin_runtime::standards::Call as StdCall;

use crate::names::{
    BUSINESS_CQ, CERT_NOTICE, CERT_REVOKED, CERT_SCJL_CALIBRATION, CERT_VALID, CHUANYU_AGREEMENT,
    key_of,
};

/// The bytes of a sample certificate's document; its hash (the chain's: SHA-256 or SM3) is the
/// anchored hash.
pub fn document(lab: &str, number: &str) -> Vec<u8> {
    format!("hengxin demo certificate {lab}/{number}\n这是衡信开发链的示例证书文件。\n")
        .into_bytes()
}

/// A sample anchor for tools, tests and benchmarks on a chain of `scheme`: a verification
/// certificate of a pressure gauge numbered `number`, verified and issued `today`, valid six
/// months, its document hash the chain's hash of the number.
pub fn sample_anchor(scheme: Scheme, number: CertNumber, today: Date) -> Call {
    let t = Text::lossy;
    let document_hash = scheme.hash(number.as_str().as_bytes());
    Call::Certificates(CertCall::Anchor {
        fields: CertificateFields {
            number,
            kind: CertKind::Verification,
            category: Category::Mechanical,
            item: t("压力表"),
            instrument: Instrument {
                name: t("一般压力表"),
                model: t("Y-100 (0~1.6)MPa"),
                serial: t("SN-2026-0042"),
                manufacturer: t("重庆示范仪表厂"),
            },
            procedure: t("JJG 52-2013"),
            calibration_date: today,
            issue_date: today,
            valid_until: Some(today.add_months(6)),
            conclusion: Conclusion::Pass {
                accuracy_class: Some(t("1.6级")),
            },
            standards: Vec::new(),
            document_hash,
            signer: None,
            for_instrument: None,
        },
    })
}

/// A sample thermal standard for the demo, tests and benchmarks: `id`, named `name`, at `level`,
/// tracing through `traces`, assessed a year before `today` for four years.
pub fn sample_standard(
    id: &StandardId,
    name: &str,
    level: StandardLevel,
    traces: Vec<TraceSource>,
    today: Date,
) -> StandardFields {
    let t = Text::lossy;
    let issued = Date(today.0.saturating_sub(365));
    StandardFields {
        id: id.clone(),
        name: t(name),
        category: Category::Thermal,
        level,
        range: t("(-40~300)℃"),
        uncertainty: t("U=0.05℃ (k=2)"),
        assessment: Assessment {
            number: t(&format!("[2025]国量标{}证字第{}号", id.owner, id.code)),
            issued,
            valid_until: issued.add_months(48),
        },
        traces,
    }
}

/// The demo's sample data, applied at height 0 after the consortium's members: the 川渝
/// agreement, 渝中示范加油站's self-commitment, a traceability chain of standards, sample
/// certificates and the demo's instruments, dated from `genesis_time_ms`, signed with the demo
/// keys of `scheme` and hashing documents with its hash.
pub fn sample_calls(
    scheme: Scheme,
    genesis_time_ms: u64,
) -> Result<Vec<(AccountId, Call)>, IdError> {
    let key = |name: &str| key_of(scheme, name);
    let today = Date::from_unix_ms_cst(genesis_time_ms);
    let days_ago = |n: u32| Date(today.0.saturating_sub(n));
    let t = Text::lossy;
    let (cqjl, scjl) = (LabCode::new("CQJL")?, LabCode::new("SCJL")?);
    let nim_primary = StandardId {
        owner: LabCode::new("NIM")?,
        code: "GJJZ-THE-001".parse()?,
    };
    let sc_standard = StandardId {
        owner: scjl.clone(),
        code: "SHGY-THE-001".parse()?,
    };
    let cq_standard = StandardId {
        owner: cqjl.clone(),
        code: "GZ-THE-001".parse()?,
    };
    let standard = |id: &StandardId, name: &str, level, traces| {
        sample_standard(id, name, level, traces, today)
    };
    let thermometer = |serial: &str| Instrument {
        name: t("工作用玻璃液体温度计"),
        model: t("(0~100)℃ 分度值0.1℃"),
        serial: t(serial),
        manufacturer: t("重庆示范仪表厂"),
    };
    let certificate =
        |lab: &str, number: &str, age_days: u32, kind, conclusion, standards: Vec<StandardId>| {
            Ok::<_, IdError>(CertificateFields {
                number: CertNumber::new(number)?,
                kind,
                category: Category::Thermal,
                item: t("温度计"),
                instrument: thermometer(&format!("SN-{number}")),
                procedure: t(if kind == CertKind::Calibration {
                    "JJF 1171-2007"
                } else {
                    "JJG 130-2011"
                }),
                calibration_date: days_ago(age_days),
                issue_date: days_ago(age_days - 1),
                valid_until: match kind {
                    CertKind::Notice => None,
                    _ => Some(days_ago(age_days - 1).add_months(12)),
                },
                conclusion,
                standards,
                document_hash: scheme.hash(&document(lab, number)),
                signer: None,
                for_instrument: None,
            })
        };
    let pass = Conclusion::Pass {
        accuracy_class: Some(t("B级")),
    };
    let (regulator_sc, lab_cq, lab_sc) = (
        key("regulator-sc").public(),
        key("lab-cq").public(),
        key("lab-sc").public(),
    );

    let mut calls = vec![
        // The 川渝 agreement: compulsory-verification results (检定证书 and 检定结果通知书)
        // of every category, in force for certificates issued from 2021 (the year of the
        // real one), proposed by CQ and accepted by SC.
        (
            key("regulator-cq").public(),
            Call::Recognition(RecognitionCall::Propose {
                partner: RegionCode::new("SC")?,
                kinds: vec![CertKind::Verification, CertKind::Notice],
                categories: Category::ALL.to_vec(),
                from: Date::from_ymd(2021, 1, 1).unwrap_or(today).min(today),
            }),
        ),
        (
            regulator_sc,
            Call::Recognition(RecognitionCall::Accept {
                id: CHUANYU_AGREEMENT,
            }),
        ),
        // 渝中示范加油站 files its self-commitment with its own key.
        (
            key("business-cq").public(),
            Call::Credit(CreditCall::Commit {
                credit_code: CreditCode::new(BUSINESS_CQ)?,
                document_hash: scheme.hash("渝中示范加油站 诚信计量自我承诺书 (demo)\n".as_bytes()),
                date: today,
            }),
        ),
        (
            regulator_sc,
            Call::Standards(StdCall::Register {
                standard: standard(
                    &nim_primary,
                    "国家温度计量基准",
                    StandardLevel::NationalPrimary,
                    Vec::new(),
                ),
            }),
        ),
        (
            lab_sc,
            Call::Standards(StdCall::Register {
                standard: standard(
                    &sc_standard,
                    "二等标准铂电阻温度计标准装置",
                    StandardLevel::SocialPublic,
                    vec![TraceSource::External {
                        issuer: t("中国计量科学研究院 NIM"),
                        number: t("WDj2025-00012"),
                        document_hash: scheme.hash(b"hengxin demo NIM certificate WDj2025-00012\n"),
                        issued: days_ago(200),
                        valid_until: days_ago(200).add_months(24),
                    }],
                ),
            }),
        ),
        (
            lab_sc,
            Call::Certificates(CertCall::Anchor {
                fields: certificate(
                    "SCJL",
                    CERT_SCJL_CALIBRATION,
                    90,
                    CertKind::Calibration,
                    Conclusion::None,
                    vec![sc_standard],
                )?,
            }),
        ),
        (
            lab_cq,
            Call::Standards(StdCall::Register {
                standard: standard(
                    &cq_standard,
                    "工业铂电阻温度计标准装置",
                    StandardLevel::Working,
                    vec![TraceSource::Ledger {
                        lab: scjl.clone(),
                        number: CertNumber::new(CERT_SCJL_CALIBRATION)?,
                    }],
                ),
            }),
        ),
        (
            lab_cq,
            Call::Certificates(CertCall::Anchor {
                fields: certificate(
                    "CQJL",
                    CERT_VALID,
                    30,
                    CertKind::Verification,
                    pass.clone(),
                    vec![cq_standard.clone()],
                )?,
            }),
        ),
        (
            lab_cq,
            Call::Certificates(CertCall::Anchor {
                fields: certificate(
                    "CQJL",
                    CERT_REVOKED,
                    30,
                    CertKind::Verification,
                    pass,
                    vec![cq_standard.clone()],
                )?,
            }),
        ),
        (
            lab_cq,
            Call::Certificates(CertCall::Revoke {
                lab: cqjl.clone(),
                number: CertNumber::new(CERT_REVOKED)?,
                reason: t("示例：录入错误，已撤销 (demo: entered in error)"),
            }),
        ),
        (
            lab_cq,
            Call::Certificates(CertCall::Anchor {
                fields: certificate(
                    "CQJL",
                    CERT_NOTICE,
                    30,
                    CertKind::Notice,
                    Conclusion::Fail {
                        failed_items: vec![t("示值误差超差")],
                    },
                    vec![cq_standard],
                )?,
            }),
        ),
    ];
    calls.extend(crate::instruments::instrument_calls(scheme, today)?);
    Ok(calls)
}
