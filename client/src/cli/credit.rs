//! `hengxin credit`: integrity-metrology credit (诚信计量): a business's self-commitment and
//! repair applications (its own key), records and repair decisions (inspectors and regulators
//! of its region), its grade verified from a proof, and the QR code it hangs on its wall.

use std::path::{Path, PathBuf};

use clap::Subcommand;
use hengxin_client::qr;
use hengxin_primitives::credit::{CreditEvent, RecordState};
use hengxin_primitives::{CreditCode, Date, Hash};
use hengxin_runtime::{Call, credit};
use hengxin_verifier::{ProvenCredit, Verdict, verify_business};

use super::context::{Context, Signing};
use super::exit::{Exit, Failure, Outcome};
use super::output::{print_json, print_steps, print_table};
use super::parse::{self, word};
use super::verify::today;

/// The credit commands.
#[derive(Subcommand)]
pub enum CreditCommand {
    /// File a business's self-commitment (诚信计量自我承诺): the business's own key, or a
    /// regulator of its region for one made on paper.
    Commit {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码.
        credit_code: String,
        /// The signed commitment document: its SHA-256 is recorded.
        #[arg(long, value_name = "FILE")]
        file: PathBuf,
        /// Its date [default: today].
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Record a finding (V1–V6) or a passed inspection (P1): an inspector or a regulator of the
    /// business's region; a model-unit designation (P2): a regulator.
    Record {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码.
        credit_code: String,
        /// V1 V2 V3 V4 V5 V6 P1 P2.
        #[arg(value_parser = word::<CreditEvent>)]
        code: CreditEvent,
        /// The evidence (photos, a report…): its SHA-256 is recorded.
        #[arg(long, value_name = "FILE")]
        evidence: Option<PathBuf>,
        /// The finding's date [default: today].
        #[arg(long, value_name = "DATE")]
        date: Option<String>,
    },
    /// Credit repair (信用修复): the business applies, a regulator of its region decides.
    #[command(subcommand)]
    Repair(RepairCommand),
    /// Withdraw a P2 designation (a regulator of the business's region).
    Withdraw {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码.
        credit_code: String,
        /// The record's id.
        record: u64,
    },
    /// A business's grade, verified: the proof checked against the trust anchor and the grade
    /// computed here. Exit 0 verified, 10 tampered, 14 unknown, 15 node unreachable.
    Show {
        /// 统一社会信用代码.
        credit_code: String,
        /// The date to grade for [default: today].
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// The consortium's trust file (trust.json) [default: the anchor pinned for the node].
        #[arg(long, value_name = "FILE")]
        trust: Option<PathBuf>,
    },
    /// The QR code a business hangs on its wall: the verify page for it (PNG or SVG).
    Qr {
        /// 统一社会信用代码.
        credit_code: String,
        /// The image to write: FILE.png or FILE.svg.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Where the verify page is served: the address of the page a regulator hosts
        /// (`hengxin-node export-page`) [default: the node's `verify_base`, else its own
        /// /verify].
        #[arg(long = "base", visible_alias = "verify-base", value_name = "URL")]
        verify_base: Option<String>,
    },
}

/// Credit repair.
#[derive(Subcommand)]
pub enum RepairCommand {
    /// Apply to repair a V-record (the business's own key; six months after the record's
    /// date, twelve for V3/V4).
    Apply(RepairArgs),
    /// Approve a repair: the record stops counting (a regulator of the business's region).
    Approve(RepairArgs),
    /// Reject a repair (a regulator of the business's region).
    Reject(RepairArgs),
}

/// Which record of which business.
#[derive(clap::Args)]
pub struct RepairArgs {
    #[command(flatten)]
    signing: Signing,
    /// 统一社会信用代码.
    credit_code: String,
    /// The record's id.
    record: u64,
}

/// Runs a credit command.
pub fn run(ctx: &Context, command: &CreditCommand) -> Outcome {
    match command {
        CreditCommand::Commit {
            signing,
            credit_code,
            file,
            date,
        } => commit(ctx, signing, credit_code, file, date.as_deref()),
        CreditCommand::Record {
            signing,
            credit_code,
            code,
            evidence,
            date,
        } => record(
            ctx,
            signing,
            credit_code,
            *code,
            evidence.as_deref(),
            date.as_deref(),
        ),
        CreditCommand::Repair(command) => repair(ctx, command),
        CreditCommand::Withdraw {
            signing,
            credit_code,
            record,
        } => withdraw(ctx, signing, credit_code, *record),
        CreditCommand::Show {
            credit_code,
            on,
            trust,
        } => show(ctx, credit_code, on.as_deref(), trust.as_deref()),
        CreditCommand::Qr {
            credit_code,
            out,
            verify_base,
        } => qr_code(ctx, credit_code, out, verify_base.as_deref()),
    }
}

fn date_or_today(what: &str, text: Option<&str>) -> Result<Date, Failure> {
    text.map_or_else(|| Ok(today()), |t| parse::date(what, t))
}

fn commit(
    ctx: &Context,
    signing: &Signing,
    credit_code: &str,
    file: &Path,
    date: Option<&str>,
) -> Outcome {
    let call = credit::Call::Commit {
        credit_code: parse::credit_code(credit_code)?,
        document_hash: ctx.file_hash(file)?,
        date: date_or_today("--date", date)?,
    };
    let done = format!("filed the self-commitment of {credit_code}");
    ctx.submit(&signing.key, Call::Credit(call), done)
}

fn record(
    ctx: &Context,
    signing: &Signing,
    credit_code: &str,
    code: CreditEvent,
    evidence: Option<&Path>,
    date: Option<&str>,
) -> Outcome {
    let call = credit::Call::Record {
        credit_code: parse::credit_code(credit_code)?,
        event: code,
        date: date_or_today("--date", date)?,
        // No evidence file: the zero hash says so.
        evidence_hash: evidence
            .map(|path| ctx.file_hash(path))
            .transpose()?
            .unwrap_or(Hash::ZERO),
    };
    let done = format!("recorded {code} ({}) for {credit_code}", code.name_zh());
    ctx.submit(&signing.key, Call::Credit(call), done)
}

fn withdraw(ctx: &Context, signing: &Signing, credit_code: &str, record: u64) -> Outcome {
    let call = credit::Call::Withdraw {
        credit_code: parse::credit_code(credit_code)?,
        record,
    };
    let done = format!("withdrew record {record} of {credit_code}");
    ctx.submit(&signing.key, Call::Credit(call), done)
}

fn repair(ctx: &Context, command: &RepairCommand) -> Outcome {
    let (args, verb) = match command {
        RepairCommand::Apply(args) => (args, "applied to repair"),
        RepairCommand::Approve(args) => (args, "approved the repair of"),
        RepairCommand::Reject(args) => (args, "rejected the repair of"),
    };
    let (credit_code, record) = (parse::credit_code(&args.credit_code)?, args.record);
    let call = match command {
        RepairCommand::Apply(_) => credit::Call::ApplyRepair {
            credit_code,
            record,
        },
        RepairCommand::Approve(_) => credit::Call::ApproveRepair {
            credit_code,
            record,
        },
        RepairCommand::Reject(_) => credit::Call::RejectRepair {
            credit_code,
            record,
        },
    };
    let done = format!("{verb} record {record} of {}", args.credit_code);
    ctx.submit(&args.signing.key, Call::Credit(call), done)
}

fn print_credit(credit: &ProvenCredit) {
    let b = &credit.business;
    let inputs = &credit.inputs;
    let commitment = inputs.commitment_on(credit.on).map_or_else(
        || "none · 无".into(),
        |c| {
            let current = c.is_current(credit.on, &inputs.params);
            format!(
                "{} ({})",
                c.date,
                if current { "current" } else { "lapsed" }
            )
        },
    );
    print_table(&[
        ("名称 name", b.name.to_string()),
        ("地区 region", b.region.to_string()),
        ("类型 type", b.business_type.to_string()),
        (
            "诚信等级 grade",
            format!(
                "{} (score {}, on {})",
                credit.standing.grade, credit.standing.score, credit.on
            ),
        ),
        ("自我承诺 commitment", commitment),
    ]);
    for r in &inputs.records {
        let state = r.state(credit.on, &inputs.params);
        let mark = if state == RecordState::Counting {
            "•"
        } else {
            " "
        };
        println!(
            "{mark} #{} {} {} {:+} {} {}",
            r.id,
            r.event,
            r.date,
            inputs.params.rule(r.event).points,
            state,
            r.event.name_zh()
        );
    }
}

fn show(ctx: &Context, credit_code: &str, on: Option<&str>, trust: Option<&Path>) -> Outcome {
    let code: CreditCode = parse::credit_code(credit_code)?;
    let on = date_or_today("--on", on)?;
    let anchor = ctx.trust_anchor(trust)?;
    let bundle = ctx
        .client
        .business_bundle(&code, Some(&anchor))
        .map_err(Failure::unreachable_or)?;
    let report = verify_business(&anchor, &bundle, code.as_str(), on);
    if ctx.json {
        print_json(&serde_json::json!({
            "credit_code": code,
            "verdict": report.verdict.code(),
            "on": on,
            "grade": report.credit.as_ref().map(|c| c.standing.grade),
            "score": report.credit.as_ref().map(|c| c.standing.score),
            "steps": report.steps.iter().map(|s| serde_json::json!({"id": s.id, "ok": s.ok, "detail": s.detail})).collect::<Vec<_>>(),
        }));
    } else {
        print_steps(&report.steps);
        if let Some(credit) = &report.credit {
            print_credit(credit);
        }
    }
    match report.verdict {
        Verdict::Authentic => Ok(()),
        Verdict::Unknown => Err(Failure::new(
            Exit::Unknown,
            format!("no business {code} is on the ledger"),
        )),
        verdict => Err(Failure::new(
            Exit::Tampered,
            format!("the proof for {code} does not hold ({})", verdict.code()),
        )),
    }
}

fn qr_code(ctx: &Context, credit_code: &str, out: &Path, verify_base: Option<&str>) -> Outcome {
    let code = parse::credit_code(credit_code)?;
    ctx.client
        .business(&code)?
        .ok_or_else(|| Failure::error(format!("no business {code} is registered")))?;
    let url = qr::business_url(&ctx.verify_base(verify_base)?, &code);
    ctx.write_qr(&url, out)
}
