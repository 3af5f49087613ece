//! `hengxin inspector` (regulators): add, remove, list.

use clap::Subcommand;
use hengxin_runtime::{Call, membership};

use super::context::{Context, Signing};
use super::exit::Outcome;
use super::parse;

/// The inspector commands.
#[derive(Subcommand)]
pub enum InspectorCommand {
    /// Register an inspector of the regulator's region.
    Add {
        #[command(flatten)]
        signing: Signing,
        /// The inspector's key: a public key (hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
        /// Region.
        #[arg(long)]
        region: String,
        /// Name.
        #[arg(long)]
        name: String,
    },
    /// A region's inspectors, oldest first, and whether each may be drawn.
    List {
        /// Region (CQ, SC).
        #[arg(long)]
        region: String,
        #[command(flatten)]
        list: super::lists::ListArgs,
    },
    /// Remove an inspector.
    Remove {
        #[command(flatten)]
        signing: Signing,
        /// The inspector's key: a public key (hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
    },
}

/// Runs an inspector command.
pub fn run(ctx: &Context, command: &InspectorCommand) -> Outcome {
    match command {
        InspectorCommand::Add {
            signing,
            public_key,
            region,
            name,
        } => add(ctx, signing, public_key, region, name),
        InspectorCommand::Remove {
            signing,
            public_key,
        } => remove(ctx, signing, public_key),
        InspectorCommand::List { region, list } => super::lists::inspectors(ctx, region, list),
    }
}

fn add(ctx: &Context, signing: &Signing, public_key: &str, region: &str, name: &str) -> Outcome {
    let call = membership::Call::RegisterInspector {
        inspector: parse::public_key(public_key)?,
        region: ctx.region(region)?,
        name: parse::text("--name", name)?,
    };
    let done = format!("registered inspector {name}");
    ctx.submit(&signing.key, Call::Membership(call), done)
}

fn remove(ctx: &Context, signing: &Signing, public_key: &str) -> Outcome {
    let key = parse::public_key(public_key)?;
    let call = membership::Call::RemoveInspector { inspector: key };
    let done = format!("removed inspector {key}");
    ctx.submit(&signing.key, Call::Membership(call), done)
}
