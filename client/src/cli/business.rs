//! `hengxin business`: register (regulators), show.

use clap::Subcommand;
use hengxin_primitives::records::BusinessType;
use hengxin_runtime::{Call, membership};

use super::context::{Context, Signing};
use super::exit::{Failure, Outcome};
use super::output::{print_json, print_table};
use super::parse::{self, word};

/// The business commands.
#[derive(Subcommand)]
pub enum BusinessCommand {
    /// Register a business (a regulator of its region).
    Register {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码 (18 characters, check digit verified).
        credit_code: String,
        /// Registered name.
        #[arg(long)]
        name: String,
        /// Region.
        #[arg(long)]
        region: String,
        /// gas_station, market, optical_shop, hospital, supermarket, manufacturer, other.
        #[arg(long = "type", value_name = "TYPE", value_parser = word::<BusinessType>)]
        business_type: BusinessType,
        /// The business's own signing key (a public key or a key file), if it has one: with it
        /// the business files its self-commitment and applies for credit repair.
        #[arg(long, value_name = "KEY")]
        business_key: Option<String>,
    },
    /// A region's businesses with their grades, by credit code.
    List {
        /// Region (CQ, SC).
        #[arg(long)]
        region: String,
        /// Only this type: its code (gas_station) or name (加油站).
        #[arg(long = "type", value_name = "TYPE")]
        business_type: Option<String>,
        #[command(flatten)]
        list: super::lists::ListArgs,
    },
    /// Show a registered business.
    Show {
        /// 统一社会信用代码.
        credit_code: String,
    },
    /// A business's signing keys.
    #[command(subcommand)]
    Key(BusinessKeyCommand),
}

/// A business's signing keys.
#[derive(Subcommand)]
pub enum BusinessKeyCommand {
    /// Give a business a signing key (a regulator of its region).
    Add {
        #[command(flatten)]
        signing: Signing,
        /// 统一社会信用代码.
        credit_code: String,
        /// The new key: a public key (hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
    },
}

/// Runs a business command.
pub fn run(ctx: &Context, command: &BusinessCommand) -> Outcome {
    match command {
        BusinessCommand::Register {
            signing,
            credit_code,
            name,
            region,
            business_type,
            business_key,
        } => register(
            ctx,
            signing,
            credit_code,
            name,
            region,
            *business_type,
            business_key.as_deref(),
        ),
        BusinessCommand::Show { credit_code } => show(ctx, credit_code),
        BusinessCommand::List {
            region,
            business_type,
            list,
        } => super::lists::businesses(ctx, region, business_type.as_deref(), list),
        BusinessCommand::Key(BusinessKeyCommand::Add {
            signing,
            credit_code,
            public_key,
        }) => add_key(ctx, signing, credit_code, public_key),
    }
}

fn register(
    ctx: &Context,
    signing: &Signing,
    credit_code: &str,
    name: &str,
    region: &str,
    business_type: BusinessType,
    business_key: Option<&str>,
) -> Outcome {
    let call = membership::Call::RegisterBusiness {
        credit_code: parse::credit_code(credit_code)?,
        name: parse::text("--name", name)?,
        region: ctx.region(region)?,
        business_type,
        key: business_key.map(parse::public_key).transpose()?,
    };
    let done = format!("registered business {credit_code}");
    ctx.submit(&signing.key, Call::Membership(call), done)
}

fn add_key(ctx: &Context, signing: &Signing, credit_code: &str, public_key: &str) -> Outcome {
    let key = parse::public_key(public_key)?;
    let call = membership::Call::AddBusinessKey {
        credit_code: parse::credit_code(credit_code)?,
        key,
    };
    let done = format!("added key {key} to business {credit_code}");
    ctx.submit(&signing.key, Call::Membership(call), done)
}

fn show(ctx: &Context, credit_code: &str) -> Outcome {
    let code = parse::credit_code(credit_code)?;
    let business = ctx
        .client
        .business(&code)?
        .ok_or_else(|| Failure::error(format!("no business {code} is registered")))?;
    if ctx.json {
        print_json(&business);
        return Ok(());
    }
    print_table(&[
        (
            "统一社会信用代码 credit code",
            business.credit_code.to_string(),
        ),
        ("名称 name", business.name.to_string()),
        ("地区 region", business.region.to_string()),
        ("类型 type", business.business_type.to_string()),
        (
            "诚信等级 grade",
            format!(
                "{} (score {}, on {})",
                business.grade, business.score, business.on
            ),
        ),
        (
            "自我承诺 commitment",
            business.commitment.as_ref().map_or_else(
                || "none".into(),
                |c| {
                    format!(
                        "{} ({})",
                        c.date,
                        if c.current { "current" } else { "lapsed" }
                    )
                },
            ),
        ),
    ]);
    for r in &business.records {
        println!(
            "  #{} {} {} {:+} until {} {}",
            r.id,
            r.code,
            r.date,
            r.points,
            r.counts_until
                .map_or_else(|| "withdrawn".into(), |d| d.to_string()),
            r.state
        );
    }
    Ok(())
}
