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
    },
    /// Show a registered business.
    Show {
        /// 统一社会信用代码.
        credit_code: String,
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
        } => register(ctx, signing, credit_code, name, region, *business_type),
        BusinessCommand::Show { credit_code } => show(ctx, credit_code),
    }
}

fn register(
    ctx: &Context,
    signing: &Signing,
    credit_code: &str,
    name: &str,
    region: &str,
    business_type: BusinessType,
) -> Outcome {
    let call = membership::Call::RegisterBusiness {
        credit_code: parse::credit_code(credit_code)?,
        name: parse::text("--name", name)?,
        region: parse::region(region)?,
        business_type,
    };
    let done = format!("registered business {credit_code}");
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
    ]);
    Ok(())
}
