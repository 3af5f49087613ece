//! `hengxin validator` (regulators of every region): propose, show, approve.

use clap::Subcommand;
use hengxin_api_types::ValidatorView;
use hengxin_primitives::block::{Validator, ValidatorSet};
use hengxin_runtime::{Call, membership};

use super::context::{Context, Signing};
use super::exit::{Failure, Outcome};
use super::output::print_json;
use super::parse;

/// The validator commands.
#[derive(Subcommand)]
pub enum ValidatorCommand {
    /// Propose a new validator set (a regulator); every region must approve it.
    Propose {
        #[command(flatten)]
        signing: Signing,
        /// A validator, PUBLIC-KEY[:POWER] (power 1 by default) or a key file; repeat.
        #[arg(long = "validator", value_name = "KEY[:POWER]", required = true)]
        validators: Vec<String>,
    },
    /// Show the current and next validator sets and the latest proposal.
    Show,
    /// Approve a proposed validator set for the regulator's region.
    Approve {
        #[command(flatten)]
        signing: Signing,
        /// The proposal's id.
        id: u64,
    },
    /// Advance a trust file to the validator set that finalizes the chain now, proven from the
    /// file's own set through every hand-off since: proofs for the new file then carry only the
    /// hand-offs after it, however many the chain has had.
    Trust {
        /// The trust file to start from (the consortium's `trust.json`, or an advanced one).
        #[arg(long, value_name = "FILE")]
        trust: std::path::PathBuf,
        /// The advanced trust file to write (must not exist).
        #[arg(long, value_name = "FILE")]
        out: std::path::PathBuf,
    },
}

/// Runs a validator command.
pub fn run(ctx: &Context, command: &ValidatorCommand) -> Outcome {
    match command {
        ValidatorCommand::Propose {
            signing,
            validators,
        } => propose(ctx, signing, validators),
        ValidatorCommand::Show => show(ctx),
        ValidatorCommand::Approve { signing, id } => approve(ctx, signing, *id),
        ValidatorCommand::Trust { trust, out } => advance_trust(ctx, trust, out),
    }
}

fn advance_trust(ctx: &Context, from: &std::path::Path, out: &std::path::Path) -> Outcome {
    if out.exists() {
        return Err(Failure::usage(format!(
            "{} exists; give --out a new file",
            out.display()
        )));
    }
    let (chain, anchor) = hengxin_client::trust::read(from).map_err(Failure::error)?;
    let bundle = ctx
        .client
        .validators_bundle(&anchor)
        .map_err(Failure::unreachable_or)?;
    let proven = hengxin_verifier::verify(&anchor, &bundle).map_err(|e| {
        Failure::new(
            super::exit::Exit::Tampered,
            format!(
                "the node's proof of its validator set does not hold from {}: {e}",
                from.display()
            ),
        )
    })?;
    let advanced = hengxin_primitives::bundle::TrustAnchor {
        genesis_hash: anchor.genesis_hash,
        validators: proven.validators,
    };
    let text = hengxin_primitives::files::trust_file(&chain, &advanced);
    hengxin_primitives::files::write_atomic(out, &text, false)
        .map_err(|e| Failure::error(format!("writing {}: {e}", out.display())))?;
    if ctx.json {
        print_json(&serde_json::json!({
            "file": out.display().to_string(),
            "height": proven.header.height,
            "validators": advanced.validators.validators.len(),
            "changed": advanced.validators != anchor.validators,
        }));
    } else {
        println!(
            "wrote {}: the {} validators that finalize {chain} at height {} ({}), proven from {}",
            out.display(),
            advanced.validators.validators.len(),
            proven.header.height,
            if advanced.validators == anchor.validators {
                "the same set as before"
            } else {
                "a newer set"
            },
            from.display()
        );
    }
    Ok(())
}

fn approve(ctx: &Context, signing: &Signing, id: u64) -> Outcome {
    let call = membership::Call::ApproveValidatorSet { id };
    let done = format!("approved validator set proposal {id}");
    ctx.submit(&signing.key, Call::Membership(call), done)
}

/// `PUBLIC-KEY[:POWER]`, or a key file.
fn validator(text: &str) -> Result<Validator, Failure> {
    let (key, power) = match text.rsplit_once(':') {
        Some((key, power)) if power.chars().all(|c| c.is_ascii_digit()) => (
            key,
            power
                .parse()
                .map_err(|_| Failure::usage(format!("validator power in `{text}`")))?,
        ),
        _ => (text, 1),
    };
    Ok(Validator {
        key: parse::public_key(key)?,
        power,
    })
}

fn propose(ctx: &Context, signing: &Signing, validators: &[String]) -> Outcome {
    let validators = validators
        .iter()
        .map(|v| validator(v))
        .collect::<Result<Vec<_>, Failure>>()?;
    let set = ValidatorSet::new(validators)
        .map_err(|e| Failure::usage(format!("the validator set is invalid: {e}")))?;
    let call = membership::Call::ProposeValidatorSet { validators: set };
    let (hash, height) = ctx.execute(&signing.key, Call::Membership(call))?;
    let proposal = ctx.client.validators()?.proposal;
    if ctx.json {
        print_json(&serde_json::json!({
            "proposal": proposal,
            "transaction": hash,
            "height": height,
        }));
        return Ok(());
    }
    let Some(proposal) = proposal else {
        return Err(Failure::error(
            "the node shows no proposal after the transaction was finalized",
        ));
    };
    let approved: Vec<_> = proposal
        .approved_by
        .iter()
        .map(ToString::to_string)
        .collect();
    println!(
        "proposed validator set {} (height {height}), approved by {}; the other regions' \
         regulators approve it with: hengxin validator approve --key KEY {}",
        proposal.id,
        approved.join(", "),
        proposal.id
    );
    Ok(())
}

fn set_lines(set: &[ValidatorView]) -> String {
    set.iter()
        .map(|v| format!("{} ×{}", v.public_key, v.power))
        .collect::<Vec<_>>()
        .join("\n")
}

fn show(ctx: &Context) -> Outcome {
    let view = ctx.client.validators()?;
    if ctx.json {
        print_json(&view);
        return Ok(());
    }
    println!("当前 current:\n{}", set_lines(&view.current));
    if view.next != view.current {
        println!("下一个 next:\n{}", set_lines(&view.next));
    }
    if let Some(proposal) = &view.proposal {
        let approved: Vec<_> = proposal
            .approved_by
            .iter()
            .map(ToString::to_string)
            .collect();
        let scheduled = proposal
            .scheduled_height
            .map_or_else(|| "not yet".into(), |h| h.to_string());
        println!(
            "提案 proposal {}: approved by {}, scheduled at {scheduled}\n{}",
            proposal.id,
            approved.join(", "),
            set_lines(&proposal.validators)
        );
    }
    Ok(())
}
