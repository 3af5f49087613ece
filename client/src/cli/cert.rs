//! `hengxin cert`: anchor, supersede, show, verify, revoke, QR code, import, history,
//! traceability.

use std::path::PathBuf;

use clap::Subcommand;
use hengxin_api_types::{CertificateView, LinkView};
use hengxin_client::qr;
use hengxin_runtime::{Call, certificates};
use hengxin_verifier::{revoked_sentence, superseded_sentence};

use super::anchor::{self, AnchorArgs};
use super::context::Context;
use super::exit::{Failure, Outcome};
use super::output::{print_json, print_table};
use super::{import, parse, verify};

/// The certificate commands.
#[derive(Subcommand)]
pub enum CertCommand {
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
        /// Where the verify page is served: the address of the page a regulator hosts
        /// (`hengxin-node export-page`) [default: the node's `verify_base`, else its own
        /// /verify].
        #[arg(long = "base", visible_alias = "verify-base", value_name = "URL")]
        verify_base: Option<String>,
    },
    /// Anchor many certificates from a directory of DCCs or a CSV; resumes when run again.
    ///
    /// A directory holds DCC XML files; a CSV's columns are the flags of `cert anchor` (file,
    /// number, kind, category, item, instrument, model, serial,
    /// manufacturer, procedure, calibration_date, issue_date, valid_until, conclusion,
    /// standards separated by `;`, instrument_id, seals as POSITION=NUMBER separated by `;`;
    /// file paths relative to the CSV). A file or row that cannot be read, or that repeats an
    /// earlier one's number or document, is skipped and named; the rest are anchored, and the
    /// summary lists each certificate anchored. Interrupted, it resumes where it stopped when
    /// run again: nothing is anchored twice, nothing skipped.
    Import(ImportArgs),
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

/// The flags of `cert import`.
#[derive(clap::Args)]
pub struct ImportArgs {
    /// The lab's signing key file.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// A directory of DCC files, or a CSV file.
    pub source: PathBuf,
    /// The measurement category of the DCCs (for a directory).
    #[arg(long, value_name = "CODE")]
    pub category: Option<String>,
    /// Where to remember progress [default: SOURCE.hengxin-import.json beside a CSV, or
    /// DIR/.hengxin-import.json in a directory].
    #[arg(long, value_name = "FILE")]
    pub state: Option<PathBuf>,
    /// Write each anchored certificate's QR code as DIR/NUMBER.png (for the node's verify
    /// page, or the one its [http] verify_base names).
    #[arg(long, value_name = "DIR")]
    pub qr_dir: Option<PathBuf>,
}

/// Runs a certificate command.
pub fn run(ctx: &Context, command: &CertCommand) -> Outcome {
    match command {
        CertCommand::Anchor(args) => anchor::anchor(ctx, args),
        CertCommand::Supersede { old, new } => anchor::supersede(ctx, old, new),
        CertCommand::Show { certificate } => show(ctx, certificate),
        CertCommand::Verify {
            trust,
            file,
            certificate,
        } => verify::verify(ctx, trust.as_deref(), file.as_deref(), certificate),
        CertCommand::Revoke {
            key,
            certificate,
            reason,
        } => revoke(ctx, key, certificate, reason),
        CertCommand::Qr {
            certificate,
            out,
            offline,
            verify_base,
        } => qr_code(ctx, certificate, out, *offline, verify_base.as_deref()),
        CertCommand::Import(args) => import::import(ctx, args),
        CertCommand::History { certificate } => history(ctx, certificate),
        CertCommand::Chain { certificate } => chain(ctx, certificate),
    }
}

/// The certificate `LAB/NUMBER` as the node shows it.
fn lookup(ctx: &Context, certificate: &str) -> Result<CertificateView, Failure> {
    let (lab, number) = parse::certificate(certificate)?;
    ctx.client.certificate(&lab, &number)?.ok_or_else(|| {
        Failure::error(format!(
            "the ledger has no certificate {lab}/{number} (check the lab code and number)"
        ))
    })
}

fn show(ctx: &Context, certificate: &str) -> Outcome {
    let c = lookup(ctx, certificate)?;
    if ctx.json {
        print_json(&c);
        return Ok(());
    }
    let recognized: Vec<_> = c.recognized_in.iter().map(ToString::to_string).collect();
    print_table(&[
        ("证书 certificate", format!("{}/{}", c.lab, c.number)),
        ("状态 status", c.status.label()),
        ("类别 kind", c.kind.label()),
        ("专业 category", c.category.label()),
        ("项目 item", c.item.to_string()),
        (
            "签发机构 issuer",
            c.issuer
                .as_ref()
                .map(|l| l.name.to_string())
                .unwrap_or_default(),
        ),
        ("检定/校准日期 calibrated", c.calibration_date.to_string()),
        ("签发日期 issued", c.issue_date.to_string()),
        (
            "有效期至 valid until",
            c.valid_until.map_or_else(|| "—".into(), |d| d.to_string()),
        ),
        ("结论 conclusion", c.conclusion.label()),
        ("文件哈希 document SHA-256", c.document_hash.to_hex()),
        (
            "文件签名 signed by",
            c.signer.as_ref().map_or_else(
                || "未签名 unsigned".into(),
                |s| {
                    s.subject
                        .as_ref()
                        .map_or_else(|| s.fingerprint.to_hex(), ToString::to_string)
                },
            ),
        ),
        ("互认地区 recognised in", recognized.join(", ")),
        (
            "上链高度 anchored at",
            format!("height {}", c.anchored_height),
        ),
    ]);
    if let Some(why) = why_line(&c) {
        println!("{why}");
    }
    Ok(())
}

/// Why the certificate is not current, in the words the verify page uses.
fn why_line(c: &CertificateView) -> Option<String> {
    if let Some(r) = &c.revoked {
        let by = r
            .by_name
            .as_ref()
            .map_or_else(|| r.by.to_hex(), ToString::to_string);
        return Some(revoked_sentence(r.reason.as_str(), r.timestamp_ms, &by));
    }
    let successor = c.superseded_by.as_ref()?;
    let line = superseded_sentence(successor, c.superseded_at_ms.unwrap_or(0));
    Some(format!(
        "{line}\n  hengxin cert verify {}/{successor}",
        c.lab
    ))
}

fn revoke(ctx: &Context, key: &std::path::Path, certificate: &str, reason: &str) -> Outcome {
    let (lab, number) = parse::certificate(certificate)?;
    let call = Call::Certificates(certificates::Call::Revoke {
        lab: lab.clone(),
        number: number.clone(),
        reason: parse::text("--reason", reason)?,
    });
    let (hash, height) = ctx.execute(key, call)?;
    if ctx.json {
        print_json(&serde_json::json!({
            "certificate": format!("{lab}/{number}"),
            "revoked": true,
            "transaction": hash,
            "height": height,
        }));
    } else {
        println!("revoked {lab}/{number} at height {height}");
    }
    Ok(())
}

fn qr_code(
    ctx: &Context,
    certificate: &str,
    out: &std::path::Path,
    offline: bool,
    verify_base: Option<&str>,
) -> Outcome {
    let found = lookup(ctx, certificate)?;
    let stapled = match offline {
        true => {
            let bundle = ctx
                .client
                .certificate_bundle(&found.lab, &found.number, false, None)?;
            Some(hengxin_api_types::BundleBody::new(&bundle, found.height).bundle)
        }
        false => None,
    };
    let base = ctx.verify_base(verify_base)?;
    let url = qr::verify_url(
        &base,
        &found.lab,
        &found.number,
        &found.document_hash,
        stapled.as_deref(),
    );
    ctx.write_qr(&url, out)
}

fn history(ctx: &Context, certificate: &str) -> Outcome {
    let found = lookup(ctx, certificate)?;
    if ctx.json {
        print_json(&found.history);
        return Ok(());
    }
    if found.history.is_empty() {
        println!(
            "anchored at height {} (in the genesis: no transaction history)",
            found.anchored_height
        );
    }
    for entry in &found.history {
        let other = entry
            .other
            .as_ref()
            .map(|o| format!(" {o}"))
            .unwrap_or_default();
        println!(
            "height {:>8}  {}{other}  tx {}",
            entry.height, entry.change, entry.tx
        );
    }
    Ok(())
}

/// A link, indented by its depth, in the verify page's words.
fn link_line(link: &LinkView) -> String {
    format!(
        "{}{}",
        "  ".repeat(usize::from(link.depth.saturating_sub(1))),
        link.text
    )
}

fn chain(ctx: &Context, certificate: &str) -> Outcome {
    let found = lookup(ctx, certificate)?;
    let trace = &found.traceability;
    if ctx.json {
        print_json(trace);
        return Ok(());
    }
    for link in &trace.links {
        println!("{}", link_line(link));
    }
    println!("{}", trace.summary);
    Ok(())
}
