//! `hengxin lab` (regulators): register, scope, suspend, reinstate, signing keys.

use clap::Subcommand;
use hengxin_primitives::records::LabKind;
use hengxin_runtime::{Call, membership};

use super::context::{Context, Signing};
use super::exit::Outcome;
use super::parse::{self, word};

/// The lab commands.
#[derive(Subcommand)]
pub enum LabCommand {
    /// Register a lab with its scope and first signing key (a regulator of its region).
    Register {
        #[command(flatten)]
        signing: Signing,
        /// Lab code (CQJL).
        #[arg(long)]
        code: String,
        /// Full name.
        #[arg(long)]
        name: String,
        /// Home region (CQ, SC).
        #[arg(long)]
        region: String,
        /// statutory_verification (法定计量检定机构), authorized (授权计量技术机构) or
        /// cnas_calibration.
        #[arg(long, value_parser = word::<LabKind>)]
        kind: LabKind,
        /// Scope entries, CATEGORY[:ITEM]@VALID-UNTIL (MEC:压力表@2030-12-31, THE@2030-12-31).
        #[arg(long = "scope", value_name = "ENTRY", required = true)]
        scope: Vec<String>,
        /// The lab's first signing key: a public key (64 hex) or a key file.
        #[arg(long, value_name = "KEY")]
        lab_key: String,
    },
    /// Replace a lab's scope.
    Scope {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// Scope entries, CATEGORY[:ITEM]@VALID-UNTIL.
        #[arg(long = "scope", value_name = "ENTRY", required = true)]
        scope: Vec<String>,
    },
    /// Suspend a lab: it cannot anchor until reinstated.
    Suspend {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// Reinstate a suspended lab.
    Reinstate {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// A lab's signing keys.
    #[command(subcommand)]
    Key(LabKeyCommand),
}

/// A lab's signing keys.
#[derive(Subcommand)]
pub enum LabKeyCommand {
    /// Add a signing key to a lab.
    Add {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// The new key: a public key (64 hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
    },
    /// Retire a lab's key; with --compromised, say it leaked (certificates anchored before stay
    /// valid either way).
    Remove {
        #[command(flatten)]
        signing: Signing,
        /// Lab code.
        lab: String,
        /// The key: a public key (64 hex) or a key file.
        #[arg(long = "public-key", value_name = "KEY")]
        public_key: String,
        /// The key was compromised.
        #[arg(long)]
        compromised: bool,
    },
}

/// Runs a lab command.
pub fn run(ctx: &Context, command: &LabCommand) -> Outcome {
    match command {
        LabCommand::Register {
            signing,
            code,
            name,
            region,
            kind,
            scope,
            lab_key,
        } => {
            let call = membership::Call::RegisterLab {
                code: parse::lab_code(code)?,
                name: parse::text("--name", name)?,
                region: parse::region(region)?,
                kind: *kind,
                scope: parse::scope(scope)?,
                key: parse::public_key(lab_key)?,
            };
            submit(ctx, signing, call, format!("registered lab {code}"))
        }
        LabCommand::Scope {
            signing,
            lab,
            scope,
        } => scope_of(ctx, signing, lab, scope),
        LabCommand::Suspend {
            signing,
            lab,
            reason,
        } => {
            let call = membership::Call::SuspendLab {
                lab: parse::lab_code(lab)?,
                reason: parse::text("--reason", reason)?,
            };
            submit(ctx, signing, call, format!("suspended {lab}"))
        }
        LabCommand::Reinstate {
            signing,
            lab,
            reason,
        } => {
            let call = membership::Call::ReinstateLab {
                lab: parse::lab_code(lab)?,
                reason: parse::text("--reason", reason)?,
            };
            submit(ctx, signing, call, format!("reinstated {lab}"))
        }
        LabCommand::Key(command) => key(ctx, command),
    }
}

fn submit(ctx: &Context, signing: &Signing, call: membership::Call, done: String) -> Outcome {
    ctx.submit(&signing.key, Call::Membership(call), done)
}

fn scope_of(ctx: &Context, signing: &Signing, lab: &str, scope: &[String]) -> Outcome {
    let call = membership::Call::SetLabScope {
        lab: parse::lab_code(lab)?,
        scope: parse::scope(scope)?,
    };
    submit(ctx, signing, call, format!("set the scope of {lab}"))
}

fn key(ctx: &Context, command: &LabKeyCommand) -> Outcome {
    match command {
        LabKeyCommand::Add {
            signing,
            lab,
            public_key,
        } => {
            let key = parse::public_key(public_key)?;
            let call = membership::Call::AddLabKey {
                lab: parse::lab_code(lab)?,
                key,
            };
            submit(ctx, signing, call, format!("added key {key} to {lab}"))
        }
        LabKeyCommand::Remove {
            signing,
            lab,
            public_key,
            compromised,
        } => {
            let key = parse::public_key(public_key)?;
            let call = membership::Call::RemoveLabKey {
                lab: parse::lab_code(lab)?,
                key,
                compromised: *compromised,
            };
            submit(ctx, signing, call, format!("removed key {key} from {lab}"))
        }
    }
}
