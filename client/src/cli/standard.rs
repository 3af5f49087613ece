//! `hengxin standard` (labs): register a measurement standard, renew its assessment, add a
//! trace.

use clap::{Args, Subcommand};
use hengxin_primitives::records::{Assessment, StandardFields, StandardLevel};
use hengxin_runtime::{Call, standards};

use super::context::{Context, Signing};
use super::exit::{Failure, Outcome};
use super::parse::{self, word};

/// The standard commands.
#[derive(Subcommand)]
pub enum StandardCommand {
    /// Register a measurement standard (计量标准) of a lab (national primaries: regulators).
    Register(Box<StandardArgs>),
    /// Record a renewed assessment certificate (计量标准考核证书).
    Renew {
        #[command(flatten)]
        signing: Signing,
        /// OWNER/CODE.
        standard: String,
        #[command(flatten)]
        assessment: AssessmentArgs,
    },
    /// A standard: its level, range, assessments now and before, and how it is traced.
    Show {
        /// OWNER/CODE (CQJL/GZ-THE-001).
        standard: String,
    },
    /// Record a new traceability certificate of a standard: a ledger certificate LAB/NUMBER.
    Trace {
        #[command(flatten)]
        signing: Signing,
        /// OWNER/CODE.
        standard: String,
        /// The calibration certificate on this ledger, LAB/NUMBER.
        #[arg(long, value_name = "LAB/NUMBER")]
        certificate: String,
    },
}

/// A standard's assessment certificate (计量标准考核证书).
#[derive(Args)]
pub struct AssessmentArgs {
    /// Assessment certificate number.
    #[arg(long)]
    assessment: String,
    /// Its issue date.
    #[arg(long, value_name = "DATE")]
    issued: String,
    /// Its last valid day (at most four years on).
    #[arg(long, value_name = "DATE")]
    valid_until: String,
}

impl AssessmentArgs {
    fn parse(&self) -> Result<Assessment, Failure> {
        Ok(Assessment {
            number: parse::text("--assessment", &self.assessment)?,
            issued: parse::date("--issued", &self.issued)?,
            valid_until: parse::date("--valid-until", &self.valid_until)?,
        })
    }
}

/// The flags of `standard register`.
#[derive(Args)]
pub struct StandardArgs {
    #[command(flatten)]
    signing: Signing,
    /// OWNER/CODE (CQJL/GZ-THE-001).
    standard: String,
    /// Name.
    #[arg(long)]
    name: String,
    /// Category code.
    #[arg(long)]
    category: String,
    /// national_primary, social_public, department_highest, enterprise_highest, working.
    #[arg(long, value_parser = word::<StandardLevel>)]
    level: StandardLevel,
    /// Measuring range.
    #[arg(long, default_value = "")]
    range: String,
    /// Uncertainty, accuracy class or MPE.
    #[arg(long, default_value = "")]
    uncertainty: String,
    #[command(flatten)]
    assessment: AssessmentArgs,
    /// Its traceability certificate on this ledger, LAB/NUMBER (repeat, oldest first).
    #[arg(long = "trace", value_name = "LAB/NUMBER")]
    traces: Vec<String>,
}

/// Runs a standard command.
pub fn run(ctx: &Context, command: &StandardCommand) -> Outcome {
    match command {
        StandardCommand::Register(args) => register(ctx, args),
        StandardCommand::Renew {
            signing,
            standard,
            assessment,
        } => renew(ctx, signing, standard, assessment),
        StandardCommand::Trace {
            signing,
            standard,
            certificate,
        } => trace(ctx, signing, standard, certificate),
        StandardCommand::Show { standard } => show(ctx, standard),
    }
}

fn show(ctx: &Context, standard: &str) -> Outcome {
    let id = parse::standard_id(standard)?;
    let s = ctx.client.standard(&id)?.ok_or_else(|| {
        super::exit::Failure::error(format!(
            "no standard {id} is registered; `hengxin lab show {}` lists its lab's",
            id.owner
        ))
    })?;
    if ctx.json {
        super::output::print_json(&s);
        return Ok(());
    }
    let mut rows = vec![
        (
            "计量标准 standard",
            format!("{}/{} {}", s.lab, s.code, s.name),
        ),
        ("类别 category", s.category.label()),
        ("等级 level", s.level.label()),
        ("测量范围 range", s.range.to_string()),
        ("不确定度 uncertainty", s.uncertainty.to_string()),
    ];
    for (i, a) in s.assessments.iter().enumerate() {
        let label = if i == 0 {
            "考核证书 assessment"
        } else {
            "历次考核 earlier"
        };
        rows.push((
            label,
            format!("{} · {} – {}", a.number, a.issued, a.valid_until),
        ));
    }
    for t in &s.traces {
        let line = match (&t.lab, &t.issuer) {
            (Some(lab), _) => format!("{lab}/{} (本链证书 on this ledger)", t.number),
            (None, issuer) => format!(
                "{} {} · {} – {}",
                issuer.as_deref().unwrap_or(""),
                t.number,
                t.issued.map(|d| d.to_string()).unwrap_or_default(),
                t.valid_until.map(|d| d.to_string()).unwrap_or_default()
            ),
        };
        rows.push(("溯源 traced to", line));
    }
    rows.push(("登记高度 registered at", s.registered_height.to_string()));
    super::output::print_table(&rows);
    Ok(())
}

fn renew(ctx: &Context, signing: &Signing, standard: &str, assessment: &AssessmentArgs) -> Outcome {
    let call = standards::Call::RenewAssessment {
        id: parse::standard_id(standard)?,
        assessment: assessment.parse()?,
    };
    let done = format!("renewed the assessment of {standard}");
    ctx.submit(&signing.key, Call::Standards(call), done)
}

fn trace(ctx: &Context, signing: &Signing, standard: &str, certificate: &str) -> Outcome {
    let call = standards::Call::AddTrace {
        id: parse::standard_id(standard)?,
        trace: parse::ledger_trace(certificate)?,
    };
    let done = format!("traced {standard} to {certificate}");
    ctx.submit(&signing.key, Call::Standards(call), done)
}

fn register(ctx: &Context, args: &StandardArgs) -> Outcome {
    let id = parse::standard_id(&args.standard)?;
    let fields = StandardFields {
        id: id.clone(),
        name: parse::text("--name", &args.name)?,
        category: parse::category(&args.category)?,
        level: args.level,
        range: parse::text("--range", &args.range)?,
        uncertainty: parse::text("--uncertainty", &args.uncertainty)?,
        assessment: args.assessment.parse()?,
        traces: args
            .traces
            .iter()
            .map(|t| parse::ledger_trace(t))
            .collect::<Result<_, _>>()?,
    };
    let call = standards::Call::Register { standard: fields };
    let done = format!("registered standard {id}");
    ctx.submit(&args.signing.key, Call::Standards(call), done)
}
