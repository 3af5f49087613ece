//! `hengxin instrument`: instruments in use (一器一码). Owners and regulators register, move,
//! transfer and retire them; labs record repairs (and verify them with `cert anchor
//! --instrument-id`); anyone shows one, proven, prints its QR code, or lists what is due.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use hengxin_api_types::InstrumentSummary;
use hengxin_client::qr;
use hengxin_primitives::instruments::{Division, InstrumentStatus, MAY_NOT_BE_USED};
use hengxin_primitives::{Date, Site, WireWord};
use hengxin_runtime::Call;
use hengxin_runtime::instruments::{Call as InstrumentCall, Registration};
use hengxin_verifier::{InstrumentReport, Subject, Verdict, verify_instrument};

use super::context::{Context, Signing};
use super::exit::{Exit, Failure, Outcome};
use super::output::{print_json, print_report_json, print_steps, print_table};
use super::parse;

/// The instrument commands.
#[derive(Subcommand)]
pub enum InstrumentCommand {
    /// Register an instrument (its owner's key, or a regulator of the owner's region); prints
    /// the id the chain gives it (CQ-7) on its last line.
    Register(RegisterArgs),
    /// Move an instrument to another district or site of its region (owner or regulator).
    Move {
        #[command(flatten)]
        signing: Signing,
        /// The instrument (CQ-1).
        id: String,
        /// The new district's or county's code, 6 digits (500103).
        #[arg(long)]
        division: String,
        /// The new site (3号加油岛 2号枪).
        #[arg(long)]
        site: String,
    },
    /// Transfer an instrument to another business of its region (owner or regulator).
    Transfer {
        #[command(flatten)]
        signing: Signing,
        /// The instrument.
        id: String,
        /// The new owner's 统一社会信用代码.
        #[arg(long, value_name = "CREDITCODE")]
        to: String,
    },
    /// Retire an instrument (报废/停用; owner or regulator): nothing more is recorded on it.
    Retire {
        #[command(flatten)]
        signing: Signing,
        /// The instrument.
        id: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Record a repair (维修) your lab made, with the seals it broke (a lab's active key); the
    /// instrument must be verified again before use.
    Repair {
        #[command(flatten)]
        signing: Signing,
        /// The instrument.
        id: String,
        /// The day of the repair, YYYY-MM-DD.
        #[arg(long)]
        date: String,
        /// The repair record: its SHA-256 is recorded.
        #[arg(long, value_name = "FILE")]
        evidence: PathBuf,
        /// A seal broken, POSITION=NUMBER; repeat for several (at most 16).
        #[arg(long = "seal-broken", value_name = "POSITION=NUMBER")]
        seals_broken: Vec<String>,
    },
    /// Verify an instrument's proof against the trust anchor and show its status; exits 0
    /// when it may be used (valid, due_soon), 17 when it may not, 14 when it was never
    /// registered, 10 when the proof does not hold, 15 when the node does not answer.
    Show {
        /// The instrument.
        id: String,
        /// The status on this date, YYYY-MM-DD [default: today].
        #[arg(long, value_name = "DATE")]
        on: Option<String>,
        /// The consortium's trust file [default: the anchor pinned for this node].
        #[arg(long, value_name = "FILE")]
        trust: Option<PathBuf>,
    },
    /// Write the QR code for an instrument's label (its verify page, /verify?i=ID) as a PNG.
    Qr {
        /// The instrument.
        id: String,
        /// The PNG to write.
        #[arg(long, value_name = "FILE.png")]
        out: PathBuf,
        /// The verify page's address [default: the one the node names, else the node].
        #[arg(long, value_name = "URL")]
        base: Option<String>,
    },
    /// List a region's instruments that are due (overdue and due soon, the warnings 预警), or
    /// due within DAYS: a regulator's dashboard, a lab's round of re-verification visits.
    Due(DueArgs),
    /// The instrument classes (器具类别) and their verification periods.
    Classes,
}

/// `instrument register`'s flags.
#[derive(Args)]
pub struct RegisterArgs {
    #[command(flatten)]
    signing: Signing,
    /// The class (FUEL, SCALE…; `hengxin instrument classes` lists them).
    #[arg(long)]
    class: String,
    /// The owner's 统一社会信用代码 (a registered business).
    #[arg(long, value_name = "CREDITCODE")]
    owner: String,
    /// The district's or county's code, 6 digits in the owner's region (500103).
    #[arg(long)]
    division: String,
    /// Where it stands (3号加油岛 2号枪), at most 64 characters.
    #[arg(long)]
    site: String,
    /// 制造单位.
    #[arg(long)]
    manufacturer: String,
    /// 型号.
    #[arg(long, default_value = "")]
    model: String,
    /// 出厂编号: with the class and manufacturer it identifies the instrument.
    #[arg(long)]
    serial: String,
    /// 生产码, where the maker gave one.
    #[arg(long, value_name = "P")]
    production_code: Option<String>,
}

/// `instrument due`'s flags.
#[derive(Args)]
pub struct DueArgs {
    /// The region (CQ, SC).
    #[arg(long)]
    region: String,
    /// Those whose 有效期至 is at most DAYS away, overdue ones included [default: overdue and
    /// due soon, by the chain's warning window].
    #[arg(long, value_name = "DAYS")]
    within: Option<u32>,
    /// Only this district or county (500103).
    #[arg(long)]
    division: Option<String>,
    /// Only this business's.
    #[arg(long, value_name = "CREDITCODE")]
    owner: Option<String>,
    /// Only this class.
    #[arg(long)]
    class: Option<String>,
    /// Only those this lab verified last.
    #[arg(long)]
    lab: Option<String>,
    /// Only classes under compulsory verification.
    #[arg(long)]
    compulsory: bool,
    /// Only these statuses, comma-separated (overdue; failed,unverified…), in place of the
    /// due ones.
    #[arg(long, value_name = "STATUS,…", conflicts_with = "within")]
    status: Option<String>,
    /// CSV instead of a table.
    #[arg(long)]
    csv: bool,
}

/// Runs an instrument command.
pub fn run(ctx: &Context, command: &InstrumentCommand) -> Outcome {
    match command {
        InstrumentCommand::Register(args) => register(ctx, args),
        InstrumentCommand::Move {
            signing,
            id,
            division,
            site,
        } => {
            let call = InstrumentCall::Move {
                id: parse::instrument_id(id)?,
                division: division_of(division)?,
                site: site_of(site)?,
            };
            ctx.submit(&signing.key, Call::Instruments(call), format!("moved {id}"))
        }
        InstrumentCommand::Transfer { signing, id, to } => {
            let call = InstrumentCall::Transfer {
                id: parse::instrument_id(id)?,
                to: parse::credit_code(to)?,
            };
            let done = format!("transferred {id} to {to}");
            ctx.submit(&signing.key, Call::Instruments(call), done)
        }
        InstrumentCommand::Retire {
            signing,
            id,
            reason,
        } => {
            let call = InstrumentCall::Retire {
                id: parse::instrument_id(id)?,
                reason: parse::text("--reason", reason)?,
            };
            ctx.submit(
                &signing.key,
                Call::Instruments(call),
                format!("retired {id}"),
            )
        }
        InstrumentCommand::Repair {
            signing,
            id,
            date,
            evidence,
            seals_broken,
        } => repair(ctx, signing, id, date, evidence, seals_broken),
        InstrumentCommand::Show { id, on, trust } => show(ctx, id, on.as_deref(), trust.as_deref()),
        InstrumentCommand::Qr { id, out, base } => qr_code(ctx, id, out, base.as_deref()),
        InstrumentCommand::Due(args) => due(ctx, args),
        InstrumentCommand::Classes => classes(ctx),
    }
}

fn division_of(text: &str) -> Result<Division, Failure> {
    Division::parse(text).map_err(|e| Failure::usage(format!("--division `{text}`: {e}")))
}

fn site_of(text: &str) -> Result<Site, Failure> {
    Site::new(text.trim()).map_err(|e| Failure::usage(format!("--site `{text}`: {e}")))
}

fn register(ctx: &Context, a: &RegisterArgs) -> Outcome {
    let class = hengxin_primitives::ClassCode::new(&a.class)
        .map_err(|e| Failure::usage(format!("--class `{}`: {e}", a.class)))?;
    let owner = parse::credit_code(&a.owner)?;
    let registration = Registration {
        class: class.clone(),
        manufacturer: parse::text("--manufacturer", a.manufacturer.trim())?,
        model: parse::text("--model", a.model.trim())?,
        serial: parse::text("--serial", a.serial.trim())?,
        production_code: a
            .production_code
            .as_deref()
            .map(|p| parse::text("--production-code", p.trim()))
            .transpose()?,
        owner: owner.clone(),
        division: division_of(&a.division)?,
        site: site_of(&a.site)?,
    };
    let (manufacturer, serial) = (
        registration.manufacturer.clone(),
        registration.serial.clone(),
    );
    let region = ctx
        .client
        .business(&owner)?
        .ok_or_else(|| Failure::error(format!("no business {owner} is registered")))?
        .region;
    let (hash, height) = ctx.execute(
        &a.signing.key,
        Call::Instruments(InstrumentCall::Register { registration }),
    )?;
    // The chain gave the id: find it by what identifies the instrument.
    let query = format!(
        "region={region}&owner={owner}&class={class}&serial={}",
        hengxin_client::api::percent_encode(serial.as_str())
    );
    let id = ctx
        .client
        .instruments(&query)?
        .instruments
        .into_iter()
        .find(|i| i.manufacturer == manufacturer)
        .map(|i| i.id)
        .ok_or_else(|| {
            Failure::error("the node lists no such instrument after it was finalized")
        })?;
    if ctx.json {
        print_json(&serde_json::json!({ "id": id, "transaction": hash, "height": height }));
    } else {
        println!(
            "registered at height {height}; its QR code: hengxin instrument qr {id} --out {id}.png"
        );
        println!("{id}");
    }
    Ok(())
}

fn repair(
    ctx: &Context,
    signing: &Signing,
    id: &str,
    date: &str,
    evidence: &Path,
    seals: &[String],
) -> Outcome {
    let bytes = std::fs::read(evidence)
        .map_err(|e| Failure::error(format!("reading {}: {e}", evidence.display())))?;
    let seals_broken: Vec<_> = seals
        .iter()
        .map(|s| parse::seal(s))
        .collect::<Result<_, _>>()?;
    hengxin_primitives::instruments::check_seals(&seals_broken)
        .map_err(|e| Failure::usage(format!("--seal-broken: {e}")))?;
    let call = InstrumentCall::Repair {
        id: parse::instrument_id(id)?,
        date: parse::date("--date", date)?,
        evidence: ctx.document_hash(&bytes)?,
        seals_broken,
    };
    let done = format!("recorded the repair of {id}: it must be verified again before use");
    ctx.submit(&signing.key, Call::Instruments(call), done)
}

/// `instrument show`: the proof verified here, with the verify page's code; the exit status
/// says whether the instrument may be used.
fn show(ctx: &Context, id: &str, on: Option<&str>, trust: Option<&Path>) -> Outcome {
    let id = parse::instrument_id(id)?;
    let on = match on {
        Some(text) => parse::date("--on", text)?,
        None => super::verify::today(),
    };
    let anchor = ctx.trust_anchor(trust)?;
    let bundle = ctx
        .client
        .instrument_bundle(&id, Some(&anchor))
        .map_err(Failure::unreachable_or)?;
    let report = verify_instrument(&anchor, &bundle, id.to_string().as_str(), on);
    print_report(ctx, &report);
    let Some(proven) = &report.instrument else {
        let exit = match report.verdict {
            Verdict::Unknown => Exit::Unknown,
            _ => Exit::Tampered,
        };
        return Err(Failure::new(
            exit,
            format!("{id} is {}", report.verdict.code()),
        ));
    };
    let status = proven.standing().status;
    if status.may_be_used() {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::MayNotBeUsed,
            format!("{id} may not be used: {}", status.label()),
        ))
    }
}

fn print_report(ctx: &Context, report: &InstrumentReport) {
    if ctx.json {
        print_report_json(&report.to_json());
        return;
    }
    print_steps(&report.steps);
    let (zh, en) = report.verdict.words(Subject::Instrument);
    println!("{zh} · {en}");
    let Some(proven) = &report.instrument else {
        return;
    };
    let (f, standing) = (&proven.facts, proven.standing());
    let r = &f.record;
    let date = |d: Option<Date>| d.map_or_else(|| "—".into(), |d| d.to_string());
    let owner = proven.owner.as_ref().map_or_else(
        || r.owner.to_string(),
        |(b, inputs)| {
            format!(
                "{} {} (诚信等级 grade {})",
                r.owner,
                b.name,
                inputs.standing(proven.on).grade
            )
        },
    );
    print_table(&[
        (
            "器具 instrument",
            format!("{} {} ({})", r.id, f.class.name, r.class),
        ),
        (
            "状态 status",
            format!("{} on {}", standing.status.label(), proven.on),
        ),
        ("所有者 owner", owner),
        ("位置 place", format!("{} {}", r.division, r.site)),
        (
            "出厂编号 serial",
            format!("{} {} {}", r.manufacturer, r.model, r.serial),
        ),
        (
            "最近检定 latest",
            standing.latest.map_or_else(
                || "—".into(),
                |c| {
                    format!(
                        "{}/{} {}",
                        c.lab, c.fields.number, c.fields.calibration_date
                    )
                },
            ),
        ),
        ("有效期至 next due", date(standing.valid_until())),
        (
            "封签 seals",
            hengxin_primitives::instruments::seals(&standing)
                .iter()
                .map(|s| format!("{} {}", s.position, s.number))
                .collect::<Vec<_>>()
                .join(", "),
        ),
    ]);
    if f.class.compulsory && !standing.status.may_be_used() {
        println!("{}", MAY_NOT_BE_USED.0);
    }
    for (e, certificate) in f.entries() {
        println!("  {} #{} {}", e.at.date, e.at.height, e.line(certificate));
    }
}

fn qr_code(ctx: &Context, id: &str, out: &Path, base: Option<&str>) -> Outcome {
    let id = parse::instrument_id(id)?;
    if ctx.client.instrument(&id, None)?.is_none() {
        return Err(Failure::new(
            Exit::Unknown,
            format!("no instrument {id} is registered"),
        ));
    }
    let url = qr::instrument_url(&ctx.verify_base(base)?, &id);
    ctx.write_qr(&url, out)
}

fn due(ctx: &Context, a: &DueArgs) -> Outcome {
    let mut query = format!("region={}", parse::region(&a.region)?);
    match (a.within, &a.status) {
        (Some(days), _) => query.push_str(&format!("&due_within_days={days}")),
        (None, Some(statuses)) => {
            for status in statuses.split(',') {
                InstrumentStatus::parse_word(status.trim())
                    .map_err(|e| Failure::usage(format!("--status: {e}")))?;
            }
            query.push_str(&format!("&status={}", statuses.replace(' ', "")));
        }
        (None, None) => query.push_str("&status=overdue,due_soon"),
    }
    if let Some(d) = &a.division {
        query.push_str(&format!("&division={}", division_of(d)?));
    }
    if let Some(o) = &a.owner {
        query.push_str(&format!("&owner={}", parse::credit_code(o)?));
    }
    if let Some(c) = &a.class {
        let class = hengxin_primitives::ClassCode::new(c)
            .map_err(|e| Failure::usage(format!("--class `{c}`: {e}")))?;
        query.push_str(&format!("&class={class}"));
    }
    if let Some(l) = &a.lab {
        query.push_str(&format!("&lab={}", parse::lab_code(l)?));
    }
    if a.compulsory {
        query.push_str("&compulsory=true");
    }
    let list = ctx.client.instruments(&query)?;
    if ctx.json {
        print_json(&list);
    } else if a.csv {
        print_csv(&list.instruments)?;
    } else {
        for i in &list.instruments {
            println!("{}", line(i));
        }
        println!(
            "{} 台 instruments · {} · height {}",
            list.instruments.len(),
            list.on,
            list.height
        );
    }
    Ok(())
}

fn line(i: &InstrumentSummary) -> String {
    format!(
        "{:<10} {:<8} {} {} {} · {} · 有效期至 {} · {}",
        i.id.to_string(),
        i.status.names().map_or(i.status.code(), |(zh, _)| zh),
        i.class,
        i.division,
        i.site,
        i.owner,
        i.valid_until.map_or_else(|| "—".into(), |d| d.to_string()),
        i.lab.as_ref().map_or("—", |l| l.as_str()),
    )
}

fn print_csv(instruments: &[InstrumentSummary]) -> Outcome {
    let mut out = csv::Writer::from_writer(std::io::stdout());
    let failed = |e: csv::Error| Failure::error(format!("writing CSV: {e}"));
    out.write_record([
        "id",
        "status",
        "class",
        "owner",
        "division",
        "site",
        "manufacturer",
        "serial",
        "valid_until",
        "lab",
    ])
    .map_err(failed)?;
    for i in instruments {
        out.write_record([
            i.id.to_string(),
            i.status.code().to_string(),
            i.class.to_string(),
            i.owner.to_string(),
            i.division.to_string(),
            i.site.to_string(),
            i.manufacturer.to_string(),
            i.serial.to_string(),
            i.valid_until.map(|d| d.to_string()).unwrap_or_default(),
            i.lab.as_ref().map(|l| l.to_string()).unwrap_or_default(),
        ])
        .map_err(failed)?;
    }
    out.flush()
        .map_err(|e| Failure::error(format!("writing CSV: {e}")))
}

fn classes(ctx: &Context) -> Outcome {
    let view = ctx.client.instrument_classes()?;
    if ctx.json {
        print_json(&view);
        return Ok(());
    }
    for c in &view.classes {
        println!(
            "{:<8} {} · {} {} · {} · 检定周期 {} 个月 months{}",
            c.code.to_string(),
            c.name,
            c.category,
            c.item,
            c.procedure,
            c.period_months,
            if c.compulsory {
                " · 强检 compulsory"
            } else {
                ""
            }
        );
    }
    println!("临期预警 due-soon window: {} days", view.warning_days);
    Ok(())
}
