//! `hengxin cert verify`: a certificate's proof bundle checked locally against the trust
//! anchor, with the same code as the verify page.

use std::path::Path;

use hengxin_primitives::Date;
use hengxin_verifier::{Report, Request, Why, verify_certificate};

use super::context::Context;
use super::exit::{Exit, Failure, Outcome};
use super::output::{print_report_json, print_steps};
use super::parse;

/// The reader's date (CST), from this machine's clock.
pub fn today() -> Date {
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(0));
    Date::from_unix_ms_cst(now_ms)
}

/// The verdict as people read it: the verify page's words.
fn verdict_text(report: &Report) -> String {
    let (zh, en) = report.verdict.words(report.subject);
    format!("{zh} · {en}")
}

fn print_report(ctx: &Context, report: &Report, certificate: &str) {
    if ctx.json {
        print_report_json(&report.to_json());
        return;
    }
    print_steps(&report.steps);
    println!("{certificate}: {}", verdict_text(report));
    if let Some(why) = &report.why {
        println!("{}", why.sentence());
        if let (Why::Superseded { successor, .. }, Some((record, _))) = (why, &report.certificate) {
            println!("  hengxin cert verify {}/{successor}", record.lab);
        }
    }
}

/// `cert verify [--trust FILE] [--file DOC] LAB/NUMBER`: exit 0 only when authentic and
/// current; otherwise the verdict's exit status.
pub fn verify(
    ctx: &Context,
    trust_path: Option<&Path>,
    file: Option<&Path>,
    certificate: &str,
) -> Outcome {
    let (lab, number) = parse::certificate(certificate)?;
    let document = file
        .map(|path| {
            std::fs::read(path)
                .map_err(|e| Failure::error(format!("reading {}: {e}", path.display())))
        })
        .transpose()?;
    let anchor = ctx.trust_anchor(trust_path)?;
    let bundle = ctx
        .client
        .certificate_bundle(&lab, &number, true, Some(&anchor))
        .map_err(Failure::unreachable_or)?;
    let report = verify_certificate(
        &anchor,
        &bundle,
        &Request {
            lab: lab.as_str(),
            number: number.as_str(),
            hash_prefix: None,
            document: document.as_deref(),
            today: today(),
        },
    );
    let certificate = format!("{lab}/{number}");
    print_report(ctx, &report, &certificate);
    if let (Some(path), Some(document), Some((record, _))) = (file, &document, &report.certificate)
    {
        check_signature(path, document, record.fields.signer.as_ref())?;
    }
    match Exit::of_verdict(report.verdict) {
        None => Ok(()),
        Some(exit) => Err(Failure::new(
            exit,
            format!("{certificate} is {}", report.verdict.code()),
        )),
    }
}

/// The reader's file, when it carries an XML signature, must verify and be signed by the
/// certificate the ledger names (a hash that matches proves the bytes; this says the
/// signature in them holds too, which the browser page cannot check within its size).
fn check_signature(
    path: &Path,
    document: &[u8],
    recorded: Option<&hengxin_primitives::Hash>,
) -> Result<(), Failure> {
    let tampered =
        |message: String| Failure::new(Exit::Tampered, format!("{}: {message}", path.display()));
    let signer = super::anchor::signature_of(path, document, false)
        .map_err(|f| Failure::new(Exit::Tampered, f.message))?;
    let fingerprint = signer
        .as_ref()
        .map(|s| hengxin_primitives::Hash(s.certificate.fingerprint));
    match (fingerprint, recorded) {
        (None, None) => Ok(()),
        (Some(found), Some(recorded)) if found == *recorded => {
            println!(
                "✓ 文件签名有效 · the file's signature holds: {}",
                signer
                    .as_ref()
                    .map(super::anchor::subject_of)
                    .unwrap_or_default()
            );
            Ok(())
        }
        (found, recorded) => Err(tampered(format!(
            "文件的签名者与账本记录不符 / the file's signer ({}) is not the one the ledger \
             records ({})",
            found.map_or_else(|| "none".into(), |h| h.to_hex()),
            recorded.map_or_else(|| "none".into(), |h| h.to_hex())
        ))),
    }
}
