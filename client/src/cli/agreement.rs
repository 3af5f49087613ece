//! `hengxin agreement` (regulators): propose, accept and end 川渝 mutual-recognition
//! agreements; list them.

use clap::{Args, Subcommand};
use hengxin_primitives::Category;
use hengxin_primitives::records::CertKind;
use hengxin_runtime::{Call, recognition};

use super::context::{Context, Signing};
use super::exit::{Failure, Outcome};
use super::output::print_json;
use super::parse::{self, word};

/// The agreement commands.
#[derive(Subcommand)]
pub enum AgreementCommand {
    /// Propose an agreement with another region (a regulator); its regulator accepts it.
    /// Prints the agreement's id on its last line.
    Propose(Box<ProposeArgs>),
    /// Accept an agreement proposed to your region (a regulator of the partner region).
    Accept {
        #[command(flatten)]
        signing: Signing,
        /// The agreement's id.
        id: u64,
    },
    /// End an agreement for certificates issued from a date on (a regulator of either region;
    /// the date after its start and not in the past).
    End {
        #[command(flatten)]
        signing: Signing,
        /// The agreement's id.
        id: u64,
        /// The first issue date it no longer covers, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: String,
    },
    /// Every agreement with its status.
    List,
}

/// The flags of `agreement propose`.
#[derive(Args)]
pub struct ProposeArgs {
    #[command(flatten)]
    signing: Signing,
    /// The other region (SC, CQ).
    #[arg(long)]
    partner: String,
    /// A certificate kind covered: verification, calibration, notice; repeat for several.
    #[arg(long = "kind", value_name = "KIND", value_parser = word::<CertKind>, required = true)]
    kinds: Vec<CertKind>,
    /// A category covered (LEN THE MEC ELE RAD TIM OPT ACO ION CHE); repeat; none: all ten.
    #[arg(long = "category", value_name = "CODE", value_parser = word::<Category>)]
    categories: Vec<Category>,
    /// It covers certificates issued from this date, YYYY-MM-DD.
    #[arg(long, value_name = "DATE")]
    from: String,
}

/// Runs an agreement command.
pub fn run(ctx: &Context, command: &AgreementCommand) -> Outcome {
    match command {
        AgreementCommand::Propose(args) => propose(ctx, args),
        AgreementCommand::Accept { signing, id } => accept(ctx, signing, *id),
        AgreementCommand::End { signing, id, from } => end(ctx, signing, *id, from),
        AgreementCommand::List => list(ctx),
    }
}

fn propose(ctx: &Context, args: &ProposeArgs) -> Outcome {
    let categories = match args.categories.is_empty() {
        true => Category::ALL.to_vec(),
        false => args.categories.clone(),
    };
    let partner = ctx.region(&args.partner)?;
    let from = parse::date("--from", &args.from)?;
    let call = recognition::Call::Propose {
        partner: partner.clone(),
        kinds: args.kinds.clone(),
        categories,
        from,
    };
    let (hash, height) = ctx.execute(&args.signing.key, Call::Recognition(call))?;
    // The newest proposal to this partner from this date is this one (ids only grow).
    let id = ctx
        .client
        .agreements()?
        .agreements
        .iter()
        .filter(|a| a.regions.get(1) == Some(&partner) && a.from == from)
        .map(|a| a.id)
        .max()
        .ok_or_else(|| Failure::error("the node lists no such agreement after the proposal"))?;
    if ctx.json {
        print_json(&serde_json::json!({ "id": id, "transaction": hash, "height": height }));
    } else {
        println!(
            "proposed at height {height}; the partner region's regulator accepts it with: \
             hengxin agreement accept --key KEY {id}"
        );
        println!("{id}");
    }
    Ok(())
}

fn accept(ctx: &Context, signing: &Signing, id: u64) -> Outcome {
    let call = recognition::Call::Accept { id };
    let done = format!("accepted agreement {id}");
    ctx.submit(&signing.key, Call::Recognition(call), done)
}

fn end(ctx: &Context, signing: &Signing, id: u64, from: &str) -> Outcome {
    let from = parse::date("--from", from)?;
    let call = recognition::Call::End { id, from };
    let done = format!("agreement {id} ends for certificates issued from {from}");
    ctx.submit(&signing.key, Call::Recognition(call), done)
}

fn list(ctx: &Context) -> Outcome {
    let view = ctx.client.agreements()?;
    if ctx.json {
        print_json(&view);
        return Ok(());
    }
    if view.agreements.is_empty() {
        println!("no agreements");
    }
    for a in &view.agreements {
        let codes = |words: &[&'static str]| words.join(",");
        let regions: Vec<_> = a.regions.iter().map(|r| r.as_str()).collect();
        let kinds: Vec<_> = a.kinds.iter().map(|k| k.code()).collect();
        let categories: Vec<_> = match a.categories.len() == Category::ALL.len() {
            true => vec!["all"],
            false => a.categories.iter().map(|c| c.code()).collect(),
        };
        let until = a.until.map_or_else(String::new, |d| format!(" until {d}"));
        println!(
            "{:>4}  {}  {}  kinds {}  categories {}  from {}{until}",
            a.id,
            regions.join("↔"),
            a.status.code(),
            codes(&kinds),
            codes(&categories),
            a.from
        );
    }
    Ok(())
}
