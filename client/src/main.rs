//! `hengxin`: the command line of the hengxin ledger for labs, regulators, inspectors and
//! businesses.

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use hengxin_client::api::Client;

use cli::context::Context;
use cli::exit::Outcome;

/// The command line of hengxin (衡信), the ledger of metrology certificates of Sichuan and
/// Chongqing: anchor, revoke and verify certificates; manage keys.
///
/// Every command talks to one node (`--node`, or HENGXIN_NODE; default the dev chain's
/// http://127.0.0.1:8686). Exit status: 0 success, 1 error, 2 usage; `cert verify` adds
/// 10 tampered, 11 revoked, 12 superseded, 13 expired, 14 unknown, 15 node unreachable.
#[derive(Parser)]
#[command(name = "hengxin", version, about)]
struct Cli {
    /// The node's HTTP API.
    #[arg(
        long,
        global = true,
        env = "HENGXIN_NODE",
        default_value = "http://127.0.0.1:8686",
        value_name = "URL"
    )]
    node: String,
    /// Print results as JSON (for scripts) instead of tables.
    #[arg(long, global = true)]
    json: bool,
    #[command(subcommand)]
    group: Group,
}

#[derive(Subcommand)]
enum Group {
    /// Signing keys: make, show, import.
    #[command(subcommand)]
    Key(cli::key::KeyCommand),
    /// Certificates: anchor, show, verify, revoke, QR code, history, traceability.
    #[command(subcommand)]
    Cert(cli::cert::CertCommand),
    /// Labs (regulators): register, scope, suspend, reinstate, signing keys.
    #[command(subcommand)]
    Lab(cli::lab::LabCommand),
    /// Inspectors (regulators): add, remove.
    #[command(subcommand)]
    Inspector(cli::inspector::InspectorCommand),
    /// Businesses: register and give keys (regulators), show with the credit grade.
    #[command(subcommand)]
    Business(cli::business::BusinessCommand),
    /// Instruments in use (一器一码): register, move, transfer, retire (owners, regulators),
    /// repair (labs), show verified, QR code, list what is due.
    #[command(subcommand)]
    Instrument(cli::instrument::InstrumentCommand),
    /// Measurement standards (labs): register, renew the assessment, add a trace.
    #[command(subcommand)]
    Standard(cli::standard::StandardCommand),
    /// Validator-set governance (regulators of every region): propose, approve.
    #[command(subcommand)]
    Validator(cli::validator::ValidatorCommand),
    /// 川渝 mutual recognition (regulators): propose, accept, end agreements; list them.
    #[command(subcommand)]
    Agreement(cli::agreement::AgreementCommand),
    /// Integrity-metrology credit (诚信计量): commitments, records, repair, a verified grade,
    /// the business's QR code.
    #[command(subcommand)]
    Credit(cli::credit::CreditCommand),
    /// 双随机 random inspections: plans (regulators), conflicts and results (inspectors), the
    /// draw shown and recomputed from public data (anyone).
    #[command(subcommand)]
    Inspection(cli::inspection::InspectionCommand),
}

fn run(ctx: &Context, group: &Group) -> Outcome {
    match group {
        Group::Key(command) => cli::key::run(ctx, command),
        Group::Cert(command) => cli::cert::run(ctx, command),
        Group::Lab(command) => cli::lab::run(ctx, command),
        Group::Inspector(command) => cli::inspector::run(ctx, command),
        Group::Business(command) => cli::business::run(ctx, command),
        Group::Instrument(command) => cli::instrument::run(ctx, command),
        Group::Standard(command) => cli::standard::run(ctx, command),
        Group::Validator(command) => cli::validator::run(ctx, command),
        Group::Agreement(command) => cli::agreement::run(ctx, command),
        Group::Credit(command) => cli::credit::run(ctx, command),
        Group::Inspection(command) => cli::inspection::run(ctx, command),
    }
}

/// Output into a closed pipe (`hengxin cert show … | head -5`) ends the command quietly with
/// status 0, as a reader who has read enough expects: std's print macros panic on that write
/// error, and this hook turns that one panic into the exit. Every other panic is reported as
/// before.
fn end_quietly_on_a_closed_pipe() {
    let report = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info.payload_as_str().unwrap_or_default();
        if message.starts_with("failed printing to std") && message.ends_with("(os error 32)") {
            std::process::exit(0);
        }
        report(info);
    }));
}

fn main() -> ExitCode {
    end_quietly_on_a_closed_pipe();
    let cli = Cli::parse();
    let ctx = Context {
        client: Client::new(&cli.node),
        json: cli.json,
        scheme: std::cell::OnceCell::new(),
    };
    match run(&ctx, &cli.group) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            failure.exit.into()
        }
    }
}
