//! `hengxin`: the command line of the hengxin ledger for labs, regulators, inspectors and
//! businesses.

mod admin;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use base64::Engine;
use clap::{Args, Parser, Subcommand, ValueEnum};
use hengxin_client::api::{Certificate, Client, ClientError};
use hengxin_client::dcc::{self, DccFields};
use hengxin_client::signer::Signer;
use hengxin_client::trust::{self, TrustError};
use hengxin_client::{keyfile, qr};
use hengxin_primitives::crypto::sha256;
use hengxin_primitives::files::{key_file, write_atomic};
use hengxin_primitives::records::{CertKind, CertificateFields, Conclusion, Instrument};
use hengxin_primitives::{Category, CertNumber, Date, Hash, Keypair, LabCode, StandardId, Text};
use hengxin_runtime::{Call, certificates};
use hengxin_verifier::{Request, Verdict, verify_certificate};

/// The command line of hengxin (衡信), the ledger of metrology certificates of Sichuan and
/// Chongqing: anchor, revoke and verify certificates; manage keys.
///
/// Every command talks to one node (`--node`, or HENGXIN_NODE; default the dev chain's
/// http://127.0.0.1:8686). Exit status: 0 success, 1 error, 2 usage; `cert verify` adds
/// 10 tampered, 11 revoked, 12 superseded, 13 expired, 14 unknown, 15 node unreachable.
#[derive(Parser)]
#[command(version, about)]
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
    Key(KeyCommand),
    /// Certificates: anchor, show, verify, revoke, QR code, history, traceability.
    #[command(subcommand)]
    Cert(CertCommand),
    /// Labs (regulators): register, scope, suspend, reinstate, signing keys.
    #[command(subcommand)]
    Lab(admin::LabCommand),
    /// Inspectors (regulators): add, remove.
    #[command(subcommand)]
    Inspector(admin::InspectorCommand),
    /// Businesses: register (regulators), show.
    #[command(subcommand)]
    Business(admin::BusinessCommand),
    /// Measurement standards (labs): register, renew the assessment, add a trace.
    #[command(subcommand)]
    Standard(admin::StandardCommand),
    /// Validator-set governance (regulators of every region): propose, approve.
    #[command(subcommand)]
    Validator(admin::ValidatorCommand),
}

#[derive(Subcommand)]
enum KeyCommand {
    /// Make a new ed25519 key and write it to a key file (mode 0600).
    New {
        /// Where to write it (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt it with a passphrase (Argon2id + XChaCha20-Poly1305), asked for on the
        /// terminal or taken from HENGXIN_PASSPHRASE.
        #[arg(long)]
        encrypt: bool,
    },
    /// Show a key file's public key and, from the node, its role and next nonce.
    Show {
        /// The key file.
        file: PathBuf,
    },
    /// Write a key file for an existing secret key (64 hex digits, read from standard input).
    Import {
        /// Where to write it (must not exist).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Encrypt it with a passphrase.
        #[arg(long)]
        encrypt: bool,
    },
}

#[derive(Subcommand)]
enum CertCommand {
    /// Anchor a certificate: its document's SHA-256 and its fields. Prints LAB/NUMBER.
    Anchor(Box<AnchorArgs>),
    /// Anchor a corrected certificate in place of an older one of the same lab.
    ///
    /// The old one becomes superseded. Takes the flags of `cert anchor`.
    Supersede {
        /// The certificate replaced, LAB/NUMBER.
        old: String,
        #[command(flatten)]
        new: Box<AnchorArgs>,
    },
    /// Show a certificate: fields, status, issuer, recognition.
    Show {
        /// LAB/NUMBER, e.g. CQJL/CQJL-2026-JD-0001.
        certificate: String,
    },
    /// Verify a certificate against the trust anchor, trusting no node: exits 0 only when it is
    /// authentic and current.
    Verify {
        /// The consortium's trust file (trust.json). Without it, the anchor pinned for this node
        /// on first contact is used (and pinned now if there is none, with a warning).
        #[arg(long, value_name = "FILE")]
        trust: Option<PathBuf>,
        /// The certificate document you hold: it must hash to the anchored SHA-256.
        #[arg(long, value_name = "DOC")]
        file: Option<PathBuf>,
        /// LAB/NUMBER.
        certificate: String,
    },
    /// Revoke a certificate (its lab's key, or a regulator of the lab's region).
    Revoke {
        /// The signing key file.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// LAB/NUMBER.
        certificate: String,
        /// Why (recorded on the ledger).
        #[arg(long)]
        reason: String,
    },
    /// Write the QR code to print on a certificate (PNG or SVG).
    ///
    /// The code holds the verify page's URL with the first 16 hex digits of the document's
    /// hash; a PNG is decoded back to check it before it is accepted.
    Qr {
        /// LAB/NUMBER.
        certificate: String,
        /// The image to write: FILE.png or FILE.svg.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Staple a proof of the certificate and its lab to the URL (`#p=…`), so the verify page
        /// can check it offline; makes a denser code.
        #[arg(long)]
        offline: bool,
        /// Where the verify page is served [default: the node's own /verify].
        #[arg(long, value_name = "URL")]
        verify_base: Option<String>,
    },
    /// Anchor many certificates from a directory of DCCs or a CSV; resumes when run again.
    ///
    /// A directory holds DCC XML files; a CSV's columns are the flags of `cert anchor` (file,
    /// number, kind, category, item, instrument, model, serial,
    /// manufacturer, procedure, calibration_date, issue_date, valid_until, conclusion,
    /// standards separated by `;`; file paths relative to the CSV). Interrupted, it resumes
    /// where it stopped when run again: nothing is anchored twice, nothing skipped.
    Import {
        /// The lab's signing key file.
        #[arg(long, value_name = "KEY")]
        key: PathBuf,
        /// A directory of DCC files, or a CSV file.
        source: PathBuf,
        /// The measurement category of the DCCs (for a directory).
        #[arg(long, value_name = "CODE")]
        category: Option<String>,
        /// Where to remember progress [default: SOURCE.hengxin-import.json, or
        /// DIR/.hengxin-import.json].
        #[arg(long, value_name = "FILE")]
        state: Option<PathBuf>,
    },
    /// Every finalized change of a certificate.
    History {
        /// LAB/NUMBER.
        certificate: String,
    },
    /// A certificate's traceability chain to national standards, each link with its status.
    Chain {
        /// LAB/NUMBER.
        certificate: String,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KindArg {
    Verification,
    Calibration,
    Notice,
}

#[derive(Clone, Copy, ValueEnum)]
enum ConclusionArg {
    Pass,
    Fail,
    None,
}

#[derive(Args, Clone)]
#[command(group = clap::ArgGroup::new("document").required(true).args(["file", "dcc"]))]
struct AnchorArgs {
    /// The lab's signing key file.
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The certificate document (PDF or any bytes): its SHA-256 is anchored; give the fields
    /// with the flags below.
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,
    /// A Digital Calibration Certificate (PTB DCC XML): its SHA-256 is anchored, and the
    /// number, dates and item are read from it (the flags below override them).
    #[arg(long, value_name = "FILE.xml")]
    dcc: Option<PathBuf>,
    /// 证书编号: the certificate number (any printable characters) [with --dcc: its
    /// uniqueIdentifier].
    #[arg(long, required_unless_present = "dcc")]
    number: Option<String>,
    /// 检定证书 verification, 校准证书 calibration, 检定结果通知书 notice [with --dcc:
    /// calibration].
    #[arg(long, value_enum, required_unless_present = "dcc")]
    kind: Option<KindArg>,
    /// Measurement category: LEN THE MEC ELE RAD TIM OPT ACO ION CHE.
    #[arg(long, value_name = "CODE")]
    category: String,
    /// The item within the category (压力表…) [with --dcc: the calibration item's name].
    #[arg(long, required_unless_present = "dcc")]
    item: Option<String>,
    /// 器具名称 [default: the item].
    #[arg(long, value_name = "NAME")]
    instrument: Option<String>,
    /// 型号/规格 [with --dcc: the item's model].
    #[arg(long)]
    model: Option<String>,
    /// 出厂编号 [with --dcc: the item's serial number].
    #[arg(long)]
    serial: Option<String>,
    /// 制造单位 [with --dcc: the item's manufacturer].
    #[arg(long)]
    manufacturer: Option<String>,
    /// The JJG/JJF procedure (JJG 52-2013).
    #[arg(long, default_value = "")]
    procedure: String,
    /// 检定/校准日期, YYYY-MM-DD [with --dcc: endPerformanceDate].
    #[arg(long, value_name = "DATE", required_unless_present = "dcc")]
    calibration_date: Option<String>,
    /// Issue date [default: the DCC's issueDate, else the calibration date].
    #[arg(long, value_name = "DATE")]
    issue_date: Option<String>,
    /// 有效期至 (required for a verification certificate, absent on a notice).
    #[arg(long, value_name = "DATE")]
    valid_until: Option<String>,
    /// Conclusion [default: pass for verification, fail for a notice, none for calibration].
    #[arg(long, value_enum)]
    conclusion: Option<ConclusionArg>,
    /// A failed item (for a notice); repeat for several.
    #[arg(long = "failed-item", value_name = "TEXT")]
    failed_items: Vec<String>,
    /// A measurement standard used, OWNER/CODE; repeat for several.
    #[arg(long = "standard", value_name = "OWNER/CODE")]
    standards: Vec<String>,
    /// Set by `cert supersede`: the older certificate this one replaces.
    #[arg(skip)]
    supersedes: Option<String>,
}

/// A failure, with the exit status it maps to.
pub(crate) struct Failure {
    status: u8,
    message: String,
}

impl Failure {
    pub(crate) fn new(status: u8, message: impl ToString) -> Failure {
        Failure {
            status,
            message: message.to_string(),
        }
    }
}

impl From<ClientError> for Failure {
    fn from(e: ClientError) -> Failure {
        let hint = match e.code() {
            Some("certificates.not_lab_key") => {
                "\nhint: this key is not a lab's key; a regulator registers lab keys (membership)"
            }
            Some("certificates.key_not_active") => {
                "\nhint: the key was retired; sign with an active key of the lab"
            }
            _ => "",
        };
        Failure::new(1, format!("{e}{hint}"))
    }
}

impl From<TrustError> for Failure {
    fn from(e: TrustError) -> Failure {
        match e {
            TrustError::Client(e) => e.into(),
            TrustError::OtherChain { .. } | TrustError::Inconsistent(_) => Failure::new(10, e),
            other => Failure::new(1, other),
        }
    }
}

pub(crate) type Outcome = Result<(), Failure>;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(&cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => {
            eprintln!("error: {}", failure.message);
            ExitCode::from(failure.status)
        }
    }
}

fn run(cli: &Cli) -> Outcome {
    let client = Client::new(&cli.node);
    match &cli.group {
        Group::Key(command) => key(cli, &client, command),
        Group::Cert(command) => cert(cli, &client, command),
        Group::Lab(command) => admin::lab(cli.json, &client, command),
        Group::Inspector(command) => admin::inspector(cli.json, &client, command),
        Group::Business(command) => admin::business(cli.json, &client, command),
        Group::Standard(command) => admin::standard(cli.json, &client, command),
        Group::Validator(command) => admin::validator(cli.json, &client, command),
    }
}

fn read_key_text(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path)
        .map_err(|e| Failure::new(1, format!("reading the key file {}: {e}", path.display())))
}

/// A passphrase from HENGXIN_PASSPHRASE, else asked on the terminal.
fn passphrase(prompt: &str) -> Option<String> {
    std::env::var("HENGXIN_PASSPHRASE")
        .ok()
        .or_else(|| rpassword::prompt_password(prompt).ok())
}

pub(crate) fn read_key(path: &Path) -> Result<Keypair, Failure> {
    let text = read_key_text(path)?;
    keyfile::read(&text, || {
        passphrase(&format!("passphrase of {}: ", path.display()))
    })
    .map_err(|e| Failure::new(1, format!("key file {}: {e}", path.display())))
}

/// The text of a new key file for `key`, encrypted when asked.
fn key_text(key: &Keypair, encrypt: bool) -> Result<String, Failure> {
    if !encrypt {
        return Ok(key_file(key));
    }
    let first = passphrase("new passphrase: ").ok_or_else(|| {
        Failure::new(1, "no passphrase: set HENGXIN_PASSPHRASE or use a terminal")
    })?;
    if std::env::var("HENGXIN_PASSPHRASE").is_err()
        && passphrase("the same again: ").as_deref() != Some(first.as_str())
    {
        return Err(Failure::new(1, "the passphrases differ; nothing written"));
    }
    if first.chars().count() < 8 {
        return Err(Failure::new(1, "a passphrase has at least 8 characters"));
    }
    let mut random = [0u8; 40];
    getrandom(&mut random)?;
    keyfile::encrypt(key, &first, random).map_err(|e| Failure::new(1, e))
}

fn write_new(path: &Path, contents: &str, secret: bool) -> Outcome {
    if path.exists() {
        return Err(Failure::new(
            1,
            format!(
                "{} exists; choose another path (keys are never overwritten)",
                path.display()
            ),
        ));
    }
    write_atomic(path, contents, secret)
        .map_err(|e| Failure::new(1, format!("writing {}: {e}", path.display())))
}

pub(crate) fn print_json(value: &serde_json::Value) {
    println!(
        "{}",
        serde_json::to_string_pretty(value).unwrap_or_default()
    );
}

/// Aligned `label  value` lines.
pub(crate) fn print_table(rows: &[(&str, String)]) {
    let width = rows
        .iter()
        .map(|(label, _)| display_width(label))
        .max()
        .unwrap_or(0);
    for (label, value) in rows {
        let pad = width - display_width(label);
        println!("{label}{}  {value}", " ".repeat(pad));
    }
}

/// Terminal columns: CJK characters take two.
fn display_width(text: &str) -> usize {
    text.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

fn key(cli: &Cli, client: &Client, command: &KeyCommand) -> Outcome {
    match command {
        KeyCommand::New { out, encrypt } => {
            let mut seed = [0u8; 32];
            getrandom(&mut seed)?;
            let key = Keypair::from_seed(&seed);
            write_new(out, &key_text(&key, *encrypt)?, true)?;
            report_key(cli, &key.public(), None, out);
            Ok(())
        }
        KeyCommand::Import { out, encrypt } => {
            let mut line = String::new();
            std::io::stdin()
                .read_line(&mut line)
                .map_err(|e| Failure::new(1, format!("reading standard input: {e}")))?;
            let seed = Hash::from_hex(line.trim()).ok_or_else(|| {
                Failure::new(
                    1,
                    "standard input must hold the secret key as 64 hex digits",
                )
            })?;
            let key = Keypair::from_seed(&seed.0);
            write_new(out, &key_text(&key, *encrypt)?, true)?;
            report_key(cli, &key.public(), None, out);
            Ok(())
        }
        KeyCommand::Show { file } => {
            let public = keyfile::public_key(&read_key_text(file)?)
                .map_err(|e| Failure::new(1, format!("key file {}: {e}", file.display())))?;
            let account = client.account(&public).ok();
            report_key(cli, &public, account, file);
            Ok(())
        }
    }
}

fn report_key(
    cli: &Cli,
    key: &hengxin_primitives::PublicKey,
    account: Option<hengxin_client::api::Account>,
    path: &Path,
) {
    let public = key.to_hex();
    if cli.json {
        print_json(&serde_json::json!({
            "file": path.display().to_string(),
            "public_key": public,
            "role": account.as_ref().map(|a| a.role.clone()),
            "lab": account.as_ref().and_then(|a| a.lab.clone()),
            "region": account.as_ref().and_then(|a| a.region.clone()),
            "nonce": account.as_ref().map(|a| a.nonce),
        }));
        return;
    }
    let mut rows = vec![
        ("文件 file", path.display().to_string()),
        ("公钥 public key", public),
    ];
    if let Some(account) = account {
        let role = match (account.role.as_str(), &account.lab, &account.region) {
            ("lab_key", Some(lab), _) => format!("lab key of {lab}"),
            ("regulator", _, Some(region)) => format!("regulator of {region}"),
            ("inspector", _, Some(region)) => format!("inspector of {region}"),
            _ => "no role on this chain".into(),
        };
        rows.push(("角色 role", role));
        rows.push(("下一个 nonce", account.nonce.to_string()));
    }
    print_table(&rows);
}

/// Fills `buf` from the operating system's random source.
fn getrandom(buf: &mut [u8]) -> Result<(), Failure> {
    use std::io::Read;
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(buf))
        .map_err(|e| {
            Failure::new(
                1,
                format!("no randomness for a new key (/dev/urandom): {e}"),
            )
        })
}

/// Splits `LAB/NUMBER` at the first slash (a number may hold more).
fn parse_certificate(text: &str) -> Result<(LabCode, CertNumber), Failure> {
    let usage = || {
        Failure::new(
            2,
            format!("`{text}` is not LAB/NUMBER (e.g. CQJL/CQJL-2026-JD-0001)"),
        )
    };
    let (lab, number) = text.split_once('/').ok_or_else(usage)?;
    let lab = LabCode::new(lab).map_err(|e| Failure::new(2, format!("lab code `{lab}`: {e}")))?;
    let number = number
        .parse()
        .map_err(|e| Failure::new(2, format!("certificate number `{number}`: {e}")))?;
    Ok((lab, number))
}

pub(crate) fn parse_date(what: &str, text: &str) -> Result<Date, Failure> {
    Date::parse(text).ok_or_else(|| {
        Failure::new(
            2,
            format!("{what} `{text}` is not a date YYYY-MM-DD between 0001-01-01 and 9999-12-31"),
        )
    })
}

pub(crate) fn text(what: &str, value: &str) -> Result<Text, Failure> {
    Text::new(value).map_err(|e| Failure::new(2, format!("{what}: {e}")))
}

const FINALITY_TIMEOUT: Duration = Duration::from_secs(60);

/// The signer for `key` on the node's chain.
fn signer(client: &Client, key: &Path) -> Result<Signer, Failure> {
    let key = read_key(key)?;
    let genesis = client.health()?.genesis_hash;
    let genesis = Hash::from_hex(&genesis)
        .ok_or_else(|| Failure::new(1, "the node reports a malformed genesis hash"))?;
    Ok(Signer::new(key, genesis))
}

/// A DCC field the certificate record keeps as text: at most 256 characters, no controls.
fn dcc_text(value: &str) -> Text {
    Text::lossy(value)
}

/// The record's fields from the flags, and from the DCC where one is given.
/// Signs `call` with the key in `key`, submits it and waits until it is finalized: the
/// transaction hash and its height.
pub(crate) fn execute(client: &Client, key: &Path, call: Call) -> Result<(Hash, u64), Failure> {
    let signer = signer(client, key)?;
    let (hash, status) = signer.execute(client, call, FINALITY_TIMEOUT)?;
    Ok((hash, status.height.unwrap_or(0)))
}

fn anchor_fields(
    args: &AnchorArgs,
    dcc: Option<&DccFields>,
    document_hash: Hash,
) -> Result<CertificateFields, Failure> {
    let kind = match args.kind.unwrap_or(KindArg::Calibration) {
        KindArg::Verification => CertKind::Verification,
        KindArg::Calibration => CertKind::Calibration,
        KindArg::Notice => CertKind::Notice,
    };
    let conclusion = match args.conclusion.unwrap_or(match kind {
        CertKind::Verification => ConclusionArg::Pass,
        CertKind::Notice => ConclusionArg::Fail,
        CertKind::Calibration => ConclusionArg::None,
    }) {
        ConclusionArg::Pass => Conclusion::Pass {
            accuracy_class: None,
        },
        ConclusionArg::None => Conclusion::None,
        ConclusionArg::Fail => Conclusion::Fail {
            failed_items: args
                .failed_items
                .iter()
                .map(|i| text("--failed-item", i))
                .collect::<Result<_, _>>()?,
        },
    };
    let category = Category::from_code(&args.category).ok_or_else(|| {
        Failure::new(
            2,
            format!(
                "category `{}` is unknown; use one of LEN THE MEC ELE RAD TIM OPT ACO ION CHE",
                args.category
            ),
        )
    })?;
    let standards = args
        .standards
        .iter()
        .map(|s| {
            let (owner, code) = s
                .split_once('/')
                .ok_or_else(|| Failure::new(2, format!("--standard `{s}` is not OWNER/CODE")))?;
            Ok(StandardId {
                owner: LabCode::new(owner)
                    .map_err(|e| Failure::new(2, format!("--standard owner `{owner}`: {e}")))?,
                code: code
                    .parse()
                    .map_err(|e| Failure::new(2, format!("--standard code `{code}`: {e}")))?,
            })
        })
        .collect::<Result<_, Failure>>()?;
    // A flag wins; else the DCC; `required_unless_present` guarantees one of them.
    let pick =
        |flag: &Option<String>, from_dcc: Option<&str>, what: &str| -> Result<String, Failure> {
            flag.clone()
                .or_else(|| from_dcc.map(String::from))
                .ok_or_else(|| Failure::new(2, format!("{what} is required without --dcc")))
        };
    let number = pick(
        &args.number,
        dcc.map(|d| d.unique_identifier.as_str()),
        "--number",
    )?;
    let item = pick(&args.item, dcc.map(|d| d.item.as_str()), "--item")?;
    let calibration_date = match (&args.calibration_date, dcc) {
        (Some(d), _) => parse_date("--calibration-date", d)?,
        (None, Some(dcc)) => dcc.end_performance,
        (None, None) => {
            return Err(Failure::new(
                2,
                "--calibration-date is required without --dcc",
            ));
        }
    };
    let issue_date = match (&args.issue_date, dcc.and_then(|d| d.issue_date)) {
        (Some(d), _) => parse_date("--issue-date", d)?,
        (None, Some(date)) => date,
        (None, None) => calibration_date,
    };
    let from_dcc = |flag: &Option<String>, value: fn(&DccFields) -> &str| {
        flag.clone()
            .or_else(|| dcc.map(|d| value(d).to_string()))
            .unwrap_or_default()
    };
    Ok(CertificateFields {
        number: number
            .parse()
            .map_err(|e| Failure::new(2, format!("certificate number `{number}`: {e}")))?,
        kind,
        category,
        instrument: Instrument {
            name: dcc_text(args.instrument.as_deref().unwrap_or(&item)),
            model: dcc_text(&from_dcc(&args.model, |d| &d.model)),
            serial: dcc_text(&from_dcc(&args.serial, |d| &d.serial)),
            manufacturer: dcc_text(&from_dcc(&args.manufacturer, |d| &d.manufacturer)),
        },
        item: dcc_text(&item),
        procedure: text("--procedure", &args.procedure)?,
        calibration_date,
        issue_date,
        valid_until: args
            .valid_until
            .as_deref()
            .map(|d| parse_date("--valid-until", d))
            .transpose()?,
        conclusion,
        standards,
        document_hash,
    })
}

fn anchor(cli: &Cli, client: &Client, args: &AnchorArgs) -> Outcome {
    anchor_checked(cli, client, args, None)
}

/// Anchors (or, with `args.supersedes`, supersedes); `old_lab` is the lab of the replaced
/// certificate, which must be the signer's.
fn anchor_checked(
    cli: &Cli,
    client: &Client,
    args: &AnchorArgs,
    old_lab: Option<&LabCode>,
) -> Outcome {
    let path = args
        .dcc
        .as_ref()
        .or(args.file.as_ref())
        .ok_or_else(|| Failure::new(2, "give the document: --file FILE or --dcc FILE.xml"))?;
    let document = std::fs::read(path)
        .map_err(|e| Failure::new(1, format!("reading the document {}: {e}", path.display())))?;
    let dcc = match &args.dcc {
        Some(path) => Some(
            dcc::read(&document)
                .map_err(|e| Failure::new(1, format!("{}: {e}", path.display())))?,
        ),
        None => None,
    };
    if let Some(dcc) = &dcc
        && !dcc.measuring_equipment.is_empty()
        && args.standards.is_empty()
    {
        eprintln!(
            "note: the DCC lists measuring equipment ({}); name the ledger's standards \
             with --standard OWNER/CODE to make the certificate traceable",
            dcc.measuring_equipment.join("; ")
        );
    }
    let fields = anchor_fields(args, dcc.as_ref(), sha256(&document))?;
    let signer = signer(client, &args.key)?;
    let account = client.account(&signer.key().public())?;
    let lab = match (account.role.as_str(), account.lab) {
        ("lab_key", Some(lab)) => lab,
        _ => {
            return Err(Failure::new(
                1,
                format!(
                    "key {} is not a lab's key on this chain; a regulator adds lab keys \
                     (hengxin lab register, or hengxin lab key add)",
                    args.key.display()
                ),
            ));
        }
    };
    if let Some(old_lab) = old_lab
        && old_lab.as_str() != lab
    {
        return Err(Failure::new(
            1,
            format!(
                "a certificate of {old_lab} can only be superseded by {old_lab}; this key signs for {lab}"
            ),
        ));
    }
    let number = fields.number.to_string();
    let call = match &args.supersedes {
        Some(old) => Call::Certificates(certificates::Call::Supersede {
            old: old
                .parse()
                .map_err(|e| Failure::new(2, format!("--supersedes `{old}`: {e}")))?,
            fields,
        }),
        None => Call::Certificates(certificates::Call::Anchor { fields }),
    };
    let (hash, status) = signer.execute(client, call, FINALITY_TIMEOUT)?;
    if cli.json {
        print_json(&serde_json::json!({
            "certificate": format!("{lab}/{number}"),
            "transaction": hash.to_hex(),
            "height": status.height,
        }));
    } else {
        println!("{lab}/{number}");
    }
    Ok(())
}

fn cert(cli: &Cli, client: &Client, command: &CertCommand) -> Outcome {
    match command {
        CertCommand::Anchor(args) => anchor(cli, client, args),
        CertCommand::Supersede { old, new } => {
            let (lab, number) = parse_certificate(old)?;
            let mut args = new.as_ref().clone();
            args.supersedes = Some(number.to_string());
            anchor_checked(cli, client, &args, Some(&lab))
        }
        CertCommand::Show { certificate } => {
            let found = lookup(client, certificate)?;
            if cli.json {
                print_json(&found.raw);
                return Ok(());
            }
            show_certificate(&found);
            Ok(())
        }
        CertCommand::Qr {
            certificate,
            out,
            offline,
            verify_base,
        } => {
            let found = lookup(client, certificate)?;
            let (lab, number) = parse_certificate(certificate)?;
            let hash = Hash::from_hex(&found.document_hash)
                .ok_or_else(|| Failure::new(1, "the node reports a malformed document hash"))?;
            let stapled = match offline {
                true => {
                    let bundle = client.certificate_bundle(&lab, &number, false)?;
                    Some(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bundle))
                }
                false => None,
            };
            let base = verify_base.as_deref().unwrap_or(client.url());
            let url = qr::verify_url(base, &lab, &number, &hash, stapled.as_deref());
            qr::write(&url, out).map_err(|e| Failure::new(1, e))?;
            let is_png = out
                .extension()
                .is_some_and(|e| e.eq_ignore_ascii_case("png"));
            if is_png {
                let written = std::fs::read(out)
                    .map_err(|e| Failure::new(1, format!("reading {}: {e}", out.display())))?;
                if qr::decode_png(&written).as_deref() != Some(url.as_str()) {
                    return Err(Failure::new(
                        1,
                        format!(
                            "{} does not decode back to the URL; not usable",
                            out.display()
                        ),
                    ));
                }
            }
            if cli.json {
                print_json(&serde_json::json!({ "url": url, "file": out.display().to_string() }));
            } else {
                println!("{url}");
            }
            Ok(())
        }
        CertCommand::Import {
            key,
            source,
            category,
            state,
        } => import(
            cli,
            client,
            key,
            source,
            category.as_deref(),
            state.as_deref(),
        ),
        CertCommand::History { certificate } => {
            let found = lookup(client, certificate)?;
            if cli.json {
                print_json(&found.raw["history"]);
                return Ok(());
            }
            let history = found.raw["history"].as_array().cloned().unwrap_or_default();
            if history.is_empty() {
                println!(
                    "anchored at height {} (in the genesis: no transaction history)",
                    found.anchored_height
                );
            }
            for entry in history {
                let other = entry["other"]
                    .as_str()
                    .map(|o| format!(" {o}"))
                    .unwrap_or_default();
                println!(
                    "height {:>8}  {}{other}  tx {}",
                    entry["height"],
                    entry["change"].as_str().unwrap_or_default(),
                    entry["tx"].as_str().unwrap_or_default()
                );
            }
            Ok(())
        }
        CertCommand::Chain { certificate } => {
            let found = lookup(client, certificate)?;
            let trace = &found.raw["traceability"];
            if cli.json {
                print_json(trace);
                return Ok(());
            }
            for link in trace["links"].as_array().cloned().unwrap_or_default() {
                let depth = link["depth"].as_u64().unwrap_or(1);
                let outcome = match (link["outcome"].as_str(), link["problem"].as_str()) {
                    (Some("broken"), Some(problem)) => format!("✗ {problem}"),
                    (Some("terminal"), _) => "✓ ends here (national standard or NMI)".into(),
                    _ => "✓".into(),
                };
                println!(
                    "{}{} uses {} ({}) via {}  {outcome}",
                    "  ".repeat(usize::try_from(depth.saturating_sub(1)).unwrap_or(0)),
                    link["certificate"].as_str().unwrap_or_default(),
                    link["standard"].as_str().unwrap_or("no standard"),
                    link["level"].as_str().unwrap_or("?"),
                    link["via"].as_str().unwrap_or("nothing"),
                );
            }
            let complete = trace["complete"].as_bool().unwrap_or(false);
            println!(
                "{}",
                if complete {
                    "溯源链完整 · traceable to national standards"
                } else {
                    "溯源链不完整 · not traceable: see the links marked ✗"
                }
            );
            Ok(())
        }
        CertCommand::Revoke {
            key,
            certificate,
            reason,
        } => {
            let (lab, number) = parse_certificate(certificate)?;
            let call = Call::Certificates(certificates::Call::Revoke {
                lab: lab.clone(),
                number: number.clone(),
                reason: text("--reason", reason)?,
            });
            let (hash, height) = execute(client, key, call)?;
            if cli.json {
                print_json(&serde_json::json!({
                    "certificate": format!("{lab}/{number}"),
                    "revoked": true,
                    "transaction": hash.to_hex(),
                    "height": height,
                }));
            } else {
                println!("revoked {lab}/{number} at height {height}");
            }
            Ok(())
        }
        CertCommand::Verify {
            trust,
            file,
            certificate,
        } => verify(cli, client, trust.as_deref(), file.as_deref(), certificate),
    }
}

/// The anchor flags of one certificate of an import, with no value set.
fn blank_anchor(key: &Path, category: &str) -> AnchorArgs {
    AnchorArgs {
        key: key.to_path_buf(),
        file: None,
        dcc: None,
        number: None,
        kind: None,
        category: category.to_string(),
        item: None,
        instrument: None,
        model: None,
        serial: None,
        manufacturer: None,
        procedure: String::new(),
        calibration_date: None,
        issue_date: None,
        valid_until: None,
        conclusion: None,
        failed_items: Vec::new(),
        standards: Vec::new(),
        supersedes: None,
    }
}

/// The certificates of an import source, each with its document's hash.
fn import_entries(
    key: &Path,
    source: &Path,
    category: Option<&str>,
) -> Result<Vec<CertificateFields>, Failure> {
    let read = |path: &Path| {
        std::fs::read(path).map_err(|e| Failure::new(1, format!("reading {}: {e}", path.display())))
    };
    if source.is_dir() {
        let category = category.ok_or_else(|| {
            Failure::new(
                2,
                "give the DCCs' measurement category with --category CODE",
            )
        })?;
        let mut files: Vec<PathBuf> = std::fs::read_dir(source)
            .map_err(|e| Failure::new(1, format!("reading {}: {e}", source.display())))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
            .collect();
        files.sort();
        return files
            .iter()
            .map(|path| {
                let bytes = read(path)?;
                let dcc = dcc::read(&bytes)
                    .map_err(|e| Failure::new(1, format!("{}: {e}", path.display())))?;
                anchor_fields(&blank_anchor(key, category), Some(&dcc), sha256(&bytes)).map_err(
                    |f| Failure::new(f.status, format!("{}: {}", path.display(), f.message)),
                )
            })
            .collect();
    }
    let base = source.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(source)
        .map_err(|e| Failure::new(1, format!("reading {}: {e}", source.display())))?;
    let headers = reader
        .headers()
        .map_err(|e| Failure::new(1, format!("{}: {e}", source.display())))?
        .clone();
    let mut entries = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let at = |message: String| {
            Failure::new(
                2,
                format!("{} row {}: {message}", source.display(), row + 2),
            )
        };
        let record = record.map_err(|e| at(e.to_string()))?;
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h == name)
                .and_then(|i| record.get(i))
                .filter(|v| !v.is_empty())
                .map(String::from)
        };
        let file = base.join(column("file").ok_or_else(|| at("no `file`".into()))?);
        let category = column("category")
            .or_else(|| category.map(String::from))
            .ok_or_else(|| at("no `category`".into()))?;
        let mut args = blank_anchor(key, &category);
        args.number = column("number");
        args.kind = match column("kind").as_deref() {
            None => None,
            Some(kind) => Some(KindArg::from_str(kind, true).map_err(|_| {
                at(format!(
                    "kind `{kind}` is not verification, calibration or notice"
                ))
            })?),
        };
        args.item = column("item");
        args.instrument = column("instrument");
        args.model = column("model");
        args.serial = column("serial");
        args.manufacturer = column("manufacturer");
        args.procedure = column("procedure").unwrap_or_default();
        args.calibration_date = column("calibration_date");
        args.issue_date = column("issue_date");
        args.valid_until = column("valid_until");
        args.conclusion = match column("conclusion").as_deref() {
            None => None,
            Some(c) => Some(
                ConclusionArg::from_str(c, true)
                    .map_err(|_| at(format!("conclusion `{c}` is not pass, fail or none")))?,
            ),
        };
        args.standards = column("standards")
            .map(|s| s.split(';').map(|s| s.trim().to_string()).collect())
            .unwrap_or_default();
        let bytes = read(&file)?;
        entries.push(anchor_fields(&args, None, sha256(&bytes)).map_err(|f| at(f.message))?);
    }
    Ok(entries)
}

fn import(
    cli: &Cli,
    client: &Client,
    key: &Path,
    source: &Path,
    category: Option<&str>,
    state: Option<&Path>,
) -> Outcome {
    let entries = import_entries(key, source, category)?;
    let mut numbers = std::collections::BTreeSet::new();
    if let Some(duplicate) = entries.iter().find(|f| !numbers.insert(f.number.as_str())) {
        return Err(Failure::new(
            1,
            format!(
                "{} lists certificate number {} twice",
                source.display(),
                duplicate.number
            ),
        ));
    }
    let state = state.map(Path::to_path_buf).unwrap_or_else(|| {
        if source.is_dir() {
            source.join(".hengxin-import.json")
        } else {
            source.with_extension("hengxin-import.json")
        }
    });
    let signer = signer(client, key)?;
    let account = client.account(&signer.key().public())?;
    let lab = account
        .lab
        .filter(|_| account.role == "lab_key")
        .ok_or_else(|| {
            Failure::new(
                1,
                format!("key {} is not a lab's key on this chain", key.display()),
            )
        })?;
    let lab = LabCode::new(&lab).map_err(|e| Failure::new(1, e))?;
    let bar = indicatif::ProgressBar::new(entries.len() as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} certificates ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if cli.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let summary =
        hengxin_client::import::import(client, &signer, &lab, &entries, &state, |done, _| {
            bar.set_position(done as u64)
        })
        .map_err(|e| Failure::new(1, format!("{e}; run the same command again to resume")))?;
    bar.finish_and_clear();
    if cli.json {
        print_json(&serde_json::json!({
            "anchored": summary.anchored,
            "already": summary.already,
            "failed": summary.failed.iter().map(|(n, e)| serde_json::json!({"number": n, "error": e})).collect::<Vec<_>>(),
            "unsettled": summary.unsettled,
            "state": state.display().to_string(),
        }));
    } else {
        println!(
            "{} anchored, {} already on the ledger, {} failed, {} unsettled (state in {})",
            summary.anchored,
            summary.already,
            summary.failed.len(),
            summary.unsettled,
            state.display()
        );
        for (number, error) in &summary.failed {
            println!("  failed {lab}/{number}: {error}");
        }
    }
    if summary.failed.is_empty() && summary.unsettled == 0 {
        Ok(())
    } else {
        Err(Failure::new(
            1,
            if summary.unsettled > 0 {
                "some certificates are not settled yet; run the same command again to resume"
            } else {
                "some certificates were refused (listed above)"
            },
        ))
    }
}

fn lookup(client: &Client, certificate: &str) -> Result<Certificate, Failure> {
    let (lab, number) = parse_certificate(certificate)?;
    client.certificate(&lab, &number)?.ok_or_else(|| {
        Failure::new(
            1,
            format!("the ledger has no certificate {lab}/{number} (check the lab code and number)"),
        )
    })
}

fn show_certificate(c: &Certificate) {
    let status = match c.status.as_str() {
        "valid" => "有效 valid",
        "revoked" => "已撤销 revoked",
        "superseded" => "已被替代 superseded",
        "expired" => "已过期 expired",
        other => other,
    };
    let issuer = c.raw["issuer"]["name"].as_str().unwrap_or_default();
    print_table(&[
        ("证书 certificate", format!("{}/{}", c.lab, c.number)),
        ("状态 status", status.into()),
        ("类别 kind", c.kind.clone()),
        ("专业 category", c.category.clone()),
        ("项目 item", c.item.clone()),
        ("签发机构 issuer", issuer.into()),
        ("检定/校准日期 calibrated", c.calibration_date.clone()),
        ("签发日期 issued", c.issue_date.clone()),
        (
            "有效期至 valid until",
            c.valid_until.clone().unwrap_or_else(|| "—".into()),
        ),
        ("结论 conclusion", c.conclusion.clone()),
        ("文件哈希 document SHA-256", c.document_hash.clone()),
        ("互认地区 recognised in", c.recognized_in.join(", ")),
        (
            "上链高度 anchored at",
            format!("height {}", c.anchored_height),
        ),
    ]);
}

fn verify(
    cli: &Cli,
    client: &Client,
    trust_path: Option<&Path>,
    file: Option<&Path>,
    certificate: &str,
) -> Outcome {
    let (lab, number) = parse_certificate(certificate)?;
    let document = file
        .map(|path| {
            std::fs::read(path)
                .map_err(|e| Failure::new(1, format!("reading {}: {e}", path.display())))
        })
        .transpose()?;
    let unreachable = |e: ClientError| match e {
        ClientError::Unreachable { .. } => Failure::new(15, e),
        other => other.into(),
    };
    let pins = trust::default_pins_path()
        .ok_or_else(|| Failure::new(1, "HOME is not set; give --trust FILE"))?;
    let settled = trust::settle(client, trust_path, &pins).map_err(|e| match e {
        TrustError::Client(e) => unreachable(e),
        other => other.into(),
    })?;
    if settled.newly_pinned {
        eprintln!(
            "warning: no --trust file given; trusting chain {} ({}) as node {} presents it, and \
             pinning it in {} for next time. Get the consortium's trust.json to be sure.",
            settled.chain,
            settled.anchor.genesis_hash,
            client.url(),
            pins.display()
        );
    }
    let bundle = client
        .certificate_bundle(&lab, &number, true)
        .map_err(unreachable)?;
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
    let report = verify_certificate(
        &settled.anchor,
        &bundle,
        &Request {
            lab: lab.as_str(),
            number: number.as_str(),
            hash_prefix: None,
            document: document.as_deref(),
            today: Date::from_unix_ms_cst(now_ms),
        },
    );
    if cli.json {
        let value: serde_json::Value =
            serde_json::from_str(&report.to_json()).unwrap_or(serde_json::Value::Null);
        print_json(&value);
    } else {
        for step in &report.steps {
            let mark = match step.ok {
                Some(true) => "✓",
                Some(false) => "✗",
                None => "ℹ",
            };
            println!("{mark} {}", step.detail);
        }
        let verdict = match report.verdict {
            Verdict::Authentic => "真实有效 · authentic and current",
            Verdict::Revoked => "已撤销 · revoked",
            Verdict::Superseded => "已被替代 · superseded",
            Verdict::Expired => "已过期 · expired",
            Verdict::Tampered => "证明或文件不符 · tampered, or not the anchored document",
            Verdict::Unknown => "账本上无此证书 · not on the ledger",
            Verdict::Error => "无法核验 · cannot verify: the node's proof is unreadable",
        };
        println!("{lab}/{number}: {verdict}");
    }
    match report.verdict {
        Verdict::Authentic => Ok(()),
        verdict => {
            let status = match verdict {
                Verdict::Revoked => 11,
                Verdict::Superseded => 12,
                Verdict::Expired => 13,
                Verdict::Unknown => 14,
                _ => 10,
            };
            Err(Failure::new(
                status,
                format!("{lab}/{number} is {}", verdict.code()),
            ))
        }
    }
}
