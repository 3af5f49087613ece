//! `hengxin lab` (regulators): register, scope, suspend, reinstate, signing keys.

use clap::{Args, Subcommand};
use hengxin_primitives::records::LabKind;
use hengxin_runtime::{Call, membership};

use super::context::{Context, Signing};
use super::exit::Outcome;
use super::parse::{self, word};

/// The lab commands.
#[derive(Subcommand)]
pub enum LabCommand {
    /// Register a lab with its scope and first signing key (a regulator of its region).
    Register(Box<RegisterArgs>),
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
    /// The certificates a lab signs its DCCs with (the lab's key, or its regulator's): a
    /// signed DCC anchors only when its signer is one of these.
    #[command(subcommand, name = "dcc-cert")]
    DccCert(DccCertCommand),
    /// A lab: scope, status, signing keys, DCC signing certificates and standards.
    Show {
        /// Lab code.
        lab: String,
    },
    /// The labs, of a region or of all, with how many certificates each anchored (from the
    /// node's index).
    List {
        /// Only this region (CQ, SC).
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        list: super::lists::ListArgs,
    },
    /// A lab's certificates by number, issued between two dates (from the node's index).
    Certificates {
        /// Lab code.
        lab: String,
        /// Issued on or after, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        from: Option<String>,
        /// Issued on or before, YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        to: Option<String>,
        #[command(flatten)]
        list: super::lists::ListArgs,
    },
}

/// A lab's DCC signing certificates.
#[derive(Subcommand)]
pub enum DccCertCommand {
    /// Register an X.509 certificate (PEM or DER) the lab signs DCCs with.
    Add {
        #[command(flatten)]
        signing: Signing,
        /// The certificate: FILE.crt, FILE.pem or FILE.der.
        #[arg(long, value_name = "FILE")]
        cert: std::path::PathBuf,
        /// The lab [default: the lab whose key signs; a regulator names it].
        #[arg(long, value_name = "CODE")]
        lab: Option<String>,
    },
    /// Withdraw one: DCCs it signs are refused from now on (those anchored stay).
    Remove {
        #[command(flatten)]
        signing: Signing,
        /// Its SHA-256 fingerprint, 64 hex digits (`hengxin lab show LAB` lists them).
        fingerprint: String,
        /// The lab [default: the lab whose key signs; a regulator names it].
        #[arg(long, value_name = "CODE")]
        lab: Option<String>,
    },
}

/// The flags of `lab register`.
#[derive(Args)]
pub struct RegisterArgs {
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
    /// The lab's first signing key: a public key (hex) or a key file.
    #[arg(long, value_name = "KEY")]
    lab_key: String,
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
        /// The new key: a public key (hex) or a key file.
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
        /// The key: a public key (hex) or a key file.
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
        LabCommand::Register(args) => register(ctx, args),
        LabCommand::Scope {
            signing,
            lab,
            scope,
        } => set_scope(ctx, signing, lab, scope),
        LabCommand::Suspend {
            signing,
            lab,
            reason,
        } => suspend(ctx, signing, lab, reason),
        LabCommand::Reinstate {
            signing,
            lab,
            reason,
        } => reinstate(ctx, signing, lab, reason),
        LabCommand::Key(LabKeyCommand::Add {
            signing,
            lab,
            public_key,
        }) => add_key(ctx, signing, lab, public_key),
        LabCommand::Key(LabKeyCommand::Remove {
            signing,
            lab,
            public_key,
            compromised,
        }) => remove_key(ctx, signing, lab, public_key, *compromised),
        LabCommand::DccCert(command) => super::lab_dcc::run(ctx, command),
        LabCommand::Show { lab } => super::lab_dcc::show(ctx, lab),
        LabCommand::List { region, list } => super::lists::labs(ctx, region.as_deref(), list),
        LabCommand::Certificates {
            lab,
            from,
            to,
            list,
        } => super::lists::lab_certificates(ctx, lab, (from.as_deref(), to.as_deref()), list),
    }
}

fn submit(ctx: &Context, signing: &Signing, call: membership::Call, done: String) -> Outcome {
    ctx.submit(&signing.key, Call::Membership(call), done)
}

fn register(ctx: &Context, args: &RegisterArgs) -> Outcome {
    let call = membership::Call::RegisterLab {
        code: parse::lab_code(&args.code)?,
        name: parse::text("--name", &args.name)?,
        region: ctx.region(&args.region)?,
        kind: args.kind,
        scope: parse::scope(&args.scope)?,
        key: parse::public_key(&args.lab_key)?,
    };
    let done = format!("registered lab {}", args.code);
    submit(ctx, &args.signing, call, done)
}

fn set_scope(ctx: &Context, signing: &Signing, lab: &str, scope: &[String]) -> Outcome {
    let call = membership::Call::SetLabScope {
        lab: parse::lab_code(lab)?,
        scope: parse::scope(scope)?,
    };
    submit(ctx, signing, call, format!("set the scope of {lab}"))
}

fn suspend(ctx: &Context, signing: &Signing, lab: &str, reason: &str) -> Outcome {
    let call = membership::Call::SuspendLab {
        lab: parse::lab_code(lab)?,
        reason: parse::text("--reason", reason)?,
    };
    submit(ctx, signing, call, format!("suspended {lab}"))
}

fn reinstate(ctx: &Context, signing: &Signing, lab: &str, reason: &str) -> Outcome {
    let call = membership::Call::ReinstateLab {
        lab: parse::lab_code(lab)?,
        reason: parse::text("--reason", reason)?,
    };
    submit(ctx, signing, call, format!("reinstated {lab}"))
}

fn add_key(ctx: &Context, signing: &Signing, lab: &str, public_key: &str) -> Outcome {
    let key = parse::public_key(public_key)?;
    let call = membership::Call::AddLabKey {
        lab: parse::lab_code(lab)?,
        key,
    };
    submit(ctx, signing, call, format!("added key {key} to {lab}"))
}

fn remove_key(
    ctx: &Context,
    signing: &Signing,
    lab: &str,
    public_key: &str,
    compromised: bool,
) -> Outcome {
    let key = parse::public_key(public_key)?;
    let call = membership::Call::RemoveLabKey {
        lab: parse::lab_code(lab)?,
        key,
        compromised,
    };
    submit(ctx, signing, call, format!("removed key {key} from {lab}"))
}
