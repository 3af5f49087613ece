//! `hengxin cert import`: many certificates from a directory of DCCs or a CSV, resumable.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use hengxin_client::dcc;
use hengxin_client::dcc::signature::Signer;
use hengxin_primitives::crypto::sha256;
use hengxin_primitives::records::{CertKind, CertificateFields, ConclusionWord};
use hengxin_primitives::{LabCode, WireWord};

use super::anchor::{self, AnchorArgs};
use super::context::Context;
use super::exit::{Failure, Outcome};
use super::output::print_json;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::error(format!("reading {}: {e}", path.display())))
}

/// One certificate to anchor, and the document's signer when it is a signed file (checked
/// against the lab's registered certificates before anything is submitted).
struct Entry {
    fields: CertificateFields,
    signed: Option<(PathBuf, Signer)>,
}

/// The certificates of a directory of DCCs, each with its document's hash.
fn dcc_entries(key: &Path, source: &Path, category: Option<&str>) -> Result<Vec<Entry>, Failure> {
    let category = category.ok_or_else(|| {
        Failure::usage("give the DCCs' measurement category with --category CODE")
    })?;
    let mut files: Vec<PathBuf> = std::fs::read_dir(source)
        .map_err(|e| Failure::error(format!("reading {}: {e}", source.display())))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e.eq_ignore_ascii_case("xml")))
        .collect();
    files.sort();
    let args = AnchorArgs {
        key: key.to_path_buf(),
        category: category.to_string(),
        ..AnchorArgs::default()
    };
    files
        .iter()
        .map(|path| {
            let bytes = read(path)?;
            let dcc = dcc::read(&bytes)
                .map_err(|e| Failure::error(format!("{}: {e}", path.display())))?;
            let signed = anchor::signature_of(path, &bytes, true)?;
            let fields = anchor::fields(&args, Some(&dcc), sha256(&bytes))
                .map_err(|f| Failure::new(f.exit, format!("{}: {}", path.display(), f.message)))?;
            Ok(Entry {
                fields,
                signed: signed.map(|s| (path.clone(), s)),
            })
        })
        .collect()
}

/// One CSV row's anchor flags, by column name.
fn row_args(
    key: &Path,
    category: Option<&str>,
    column: impl Fn(&str) -> Option<String>,
) -> Result<AnchorArgs, String> {
    let kind = column("kind")
        .map(|kind| CertKind::parse_word(&kind))
        .transpose()
        .map_err(|e| e.to_string())?;
    let conclusion = column("conclusion")
        .map(|c| ConclusionWord::parse_word(&c))
        .transpose()
        .map_err(|e| e.to_string())?;
    Ok(AnchorArgs {
        key: key.to_path_buf(),
        category: column("category")
            .or_else(|| category.map(String::from))
            .ok_or("no `category`")?,
        number: column("number"),
        kind,
        item: column("item"),
        instrument: column("instrument"),
        model: column("model"),
        serial: column("serial"),
        manufacturer: column("manufacturer"),
        procedure: column("procedure").unwrap_or_default(),
        calibration_date: column("calibration_date"),
        issue_date: column("issue_date"),
        valid_until: column("valid_until"),
        conclusion,
        standards: list(column("standards")),
        instrument_id: column("instrument_id"),
        seals: list(column("seals")),
        ..AnchorArgs::default()
    })
}

/// A cell holding several values separated by `;`.
fn list(cell: Option<String>) -> Vec<String> {
    cell.map(|s| s.split(';').map(|s| s.trim().to_string()).collect())
        .unwrap_or_default()
}

/// The certificates of a CSV, each with its document's hash (file paths relative to the CSV).
fn csv_entries(key: &Path, source: &Path, category: Option<&str>) -> Result<Vec<Entry>, Failure> {
    let base = source.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(source)
        .map_err(|e| Failure::error(format!("reading {}: {e}", source.display())))?;
    let headers = reader
        .headers()
        .map_err(|e| Failure::error(format!("{}: {e}", source.display())))?
        .clone();
    let mut entries = Vec::new();
    for (row, record) in reader.records().enumerate() {
        let at = |message: String| {
            Failure::usage(format!("{} row {}: {message}", source.display(), row + 2))
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
        let args = row_args(key, category, column).map_err(at)?;
        let bytes = read(&file)?;
        let signed = anchor::signature_of(&file, &bytes, false)?;
        entries.push(Entry {
            fields: anchor::fields(&args, None, sha256(&bytes)).map_err(|f| at(f.message))?,
            signed: signed.map(|s| (file, s)),
        });
    }
    Ok(entries)
}

/// Where an import remembers its progress by default.
fn default_state(source: &Path) -> PathBuf {
    if source.is_dir() {
        source.join(".hengxin-import.json")
    } else {
        source.with_extension("hengxin-import.json")
    }
}

/// `cert import`.
pub fn import(
    ctx: &Context,
    key: &Path,
    source: &Path,
    category: Option<&str>,
    state: Option<&Path>,
) -> Outcome {
    let entries = if source.is_dir() {
        dcc_entries(key, source, category)?
    } else {
        csv_entries(key, source, category)?
    };
    let signer = ctx.signer(key)?;
    let account = ctx.client.account(&signer.key().public())?;
    let lab = account.lab_key_of().cloned().ok_or_else(|| {
        Failure::error(format!(
            "key {} is not a lab's key on this chain",
            key.display()
        ))
    })?;
    let entries = with_registered_signers(ctx, &lab, entries)?;
    let mut numbers = BTreeSet::new();
    if let Some(duplicate) = entries.iter().find(|f| !numbers.insert(f.number.as_str())) {
        return Err(Failure::error(format!(
            "{} lists certificate number {} twice",
            source.display(),
            duplicate.number
        )));
    }
    let state = state.map_or_else(|| default_state(source), Path::to_path_buf);
    let bar = progress_bar(ctx, entries.len());
    let summary =
        hengxin_client::import::import(&ctx.client, &signer, &lab, &entries, &state, |done, _| {
            bar.set_position(done as u64)
        })
        .map_err(|e| Failure::error(format!("{e}; run the same command again to resume")))?;
    bar.finish_and_clear();
    report(ctx, &lab, &summary, &state)
}

/// The entries' fields, each signed file's signer checked against `lab`'s registered DCC
/// signing certificates (read once); exit 16 at the first that is not, before any submission.
fn with_registered_signers(
    ctx: &Context,
    lab: &LabCode,
    entries: Vec<Entry>,
) -> Result<Vec<CertificateFields>, Failure> {
    let record = match entries.iter().any(|e| e.signed.is_some()) {
        true => Some(
            ctx.client
                .lab(lab)?
                .ok_or_else(|| Failure::error(format!("lab {lab} is not on this chain")))?,
        ),
        false => None,
    };
    entries
        .into_iter()
        .map(|Entry { mut fields, signed }| {
            if let (Some((path, signer)), Some(record)) = (signed, &record) {
                fields.signer = Some(anchor::ensure_registered(record, &path, &signer)?);
            }
            Ok(fields)
        })
        .collect()
}

fn progress_bar(ctx: &Context, len: usize) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len as u64);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:40} {pos}/{len} certificates ({per_sec}, eta {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if ctx.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

fn report(
    ctx: &Context,
    lab: &hengxin_primitives::LabCode,
    summary: &hengxin_client::import::Summary,
    state: &Path,
) -> Outcome {
    if ctx.json {
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
        return Ok(());
    }
    Err(Failure::error(if summary.unsettled > 0 {
        "some certificates are not settled yet; run the same command again to resume"
    } else {
        "some certificates were refused (listed above)"
    }))
}
