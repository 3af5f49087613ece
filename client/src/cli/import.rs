//! `hengxin cert import`: many certificates from a directory of DCCs or a CSV, resumable.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use hengxin_client::dcc;
use hengxin_client::dcc::signature::Signer;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::records::{CertKind, CertificateFields, ConclusionWord};
use hengxin_primitives::{LabCode, WireWord};

use super::anchor::{self, AnchorArgs};
use super::cert::ImportArgs;
use super::context::Context;
use super::exit::{Failure, Outcome};
use super::output::print_json;

fn read(path: &Path) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| Failure::error(format!("reading {}: {e}", path.display())))
}

/// One certificate to anchor, and the document's signer when it is a signed file (checked
/// against the lab's registered certificates before anything is submitted).
struct Entry {
    /// Where it comes from: its file, or its CSV row and file.
    place: String,
    fields: CertificateFields,
    signed: Option<(PathBuf, Signer)>,
}

/// A file or row left out, and why: the import goes on without it.
#[derive(Debug, serde::Serialize)]
struct Skipped {
    place: String,
    reason: String,
}

/// What a source holds: the entries to anchor, and what was left out.
type Read = (Vec<Entry>, Vec<Skipped>);

/// The certificates of a directory of DCCs, each with its document's hash; a file that cannot
/// be read as a DCC is left out, named. A signature that fails stops the import (exit 16).
fn dcc_entries(
    scheme: Scheme,
    key: &Path,
    source: &Path,
    category: Option<&str>,
) -> Result<Read, Failure> {
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
    let (mut entries, mut skipped) = (Vec::new(), Vec::new());
    for path in &files {
        let place = path.display().to_string();
        let bytes = match read(path) {
            Ok(bytes) => bytes,
            Err(f) => {
                skipped.push(Skipped {
                    place,
                    reason: f.message,
                });
                continue;
            }
        };
        let dcc = match dcc::read(&bytes) {
            Ok(dcc) => dcc,
            Err(e) => {
                skipped.push(Skipped {
                    place,
                    reason: e.to_string(),
                });
                continue;
            }
        };
        let signed = anchor::signature_of(path, &bytes, true)?;
        match anchor::fields(&args, Some(&dcc), scheme.hash(&bytes)) {
            Ok(fields) => entries.push(Entry {
                place,
                fields,
                signed: signed.map(|s| (path.clone(), s)),
            }),
            Err(f) => skipped.push(Skipped {
                place,
                reason: f.message,
            }),
        }
    }
    Ok((entries, skipped))
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

/// The certificates of a CSV, each with its document's hash (file paths relative to the CSV);
/// a row that cannot be read is left out, named by its line.
fn csv_entries(
    scheme: Scheme,
    key: &Path,
    source: &Path,
    category: Option<&str>,
) -> Result<Read, Failure> {
    let base = source.parent().unwrap_or(Path::new("."));
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(source)
        .map_err(|e| Failure::error(format!("reading {}: {e}", source.display())))?;
    let headers = reader
        .headers()
        .map_err(|e| Failure::error(format!("{}: {e}", source.display())))?
        .clone();
    if !headers.iter().any(|h| h == "file") {
        return Err(Failure::usage(format!(
            "{} has no `file` column: its first line names the columns (file,number,kind,…)",
            source.display()
        )));
    }
    let (mut entries, mut skipped) = (Vec::new(), Vec::new());
    for (row, record) in reader.records().enumerate() {
        let line = format!("{} line {}", source.display(), row + 2);
        match csv_row(scheme, key, base, category, &headers, record)? {
            Ok((file, entry)) => entries.push(Entry {
                place: format!("{line} ({file})"),
                ..entry
            }),
            Err(reason) => skipped.push(Skipped {
                place: line,
                reason,
            }),
        }
    }
    Ok((entries, skipped))
}

/// One CSV row as an entry, with its file's name; `Ok(Err(why))` when the row cannot be read
/// (it is skipped), `Err` when its document's signature fails (the import stops, exit 16).
fn csv_row(
    scheme: Scheme,
    key: &Path,
    base: &Path,
    category: Option<&str>,
    headers: &csv::StringRecord,
    record: csv::Result<csv::StringRecord>,
) -> Result<Result<(String, Entry), String>, Failure> {
    let record = match record {
        Ok(record) => record,
        Err(e) => return Ok(Err(e.to_string())),
    };
    let column = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .and_then(|i| record.get(i))
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    let Some(name) = column("file") else {
        return Ok(Err("no `file`".into()));
    };
    let file = base.join(&name);
    let read_row = || -> Result<(AnchorArgs, Vec<u8>), String> {
        Ok((
            row_args(key, category, column)?,
            read(&file).map_err(|f| f.message)?,
        ))
    };
    let (args, bytes) = match read_row() {
        Ok(read) => read,
        Err(why) => return Ok(Err(why)),
    };
    let signed = anchor::signature_of(&file, &bytes, false)?;
    Ok(anchor::fields(&args, None, scheme.hash(&bytes))
        .map(|fields| {
            let entry = Entry {
                place: String::new(),
                fields,
                signed: signed.map(|s| (file.clone(), s)),
            };
            (name.clone(), entry)
        })
        .map_err(|f| f.message))
}

/// Leaves out an entry whose number or document an earlier one has, naming both.
fn drop_repeats(entries: Vec<Entry>, skipped: &mut Vec<Skipped>) -> Vec<Entry> {
    let mut numbers: BTreeMap<String, String> = BTreeMap::new();
    let mut documents: BTreeMap<hengxin_primitives::Hash, String> = BTreeMap::new();
    let mut kept = Vec::with_capacity(entries.len());
    for entry in entries {
        let number = entry.fields.number.to_string();
        if let Some(first) = numbers.get(&number) {
            skipped.push(Skipped {
                reason: format!("number {number} is also {first}'s, which is imported"),
                place: entry.place,
            });
            continue;
        }
        if let Some(first) = documents.get(&entry.fields.document_hash) {
            skipped.push(Skipped {
                reason: format!(
                    "the same document as {first}, which is imported (a document anchors once)"
                ),
                place: entry.place,
            });
            continue;
        }
        numbers.insert(number, entry.place.clone());
        documents.insert(entry.fields.document_hash, entry.place.clone());
        kept.push(entry);
    }
    kept
}

/// Where an import remembers its progress by default: `SOURCE.hengxin-import.json` beside a
/// CSV (a file named the older way, with the CSV's extension replaced, is still used when it
/// is there), `DIR/.hengxin-import.json` in a directory.
fn default_state(source: &Path) -> PathBuf {
    if source.is_dir() {
        return source.join(".hengxin-import.json");
    }
    let mut name = source.as_os_str().to_owned();
    name.push(".hengxin-import.json");
    let named = PathBuf::from(name);
    let older = source.with_extension("hengxin-import.json");
    if !named.exists() && older.exists() {
        return older;
    }
    named
}

/// `cert import`.
pub fn import(ctx: &Context, args: &ImportArgs) -> Outcome {
    let source = args.source.as_path();
    let (entries, mut skipped) = if source.is_dir() {
        dcc_entries(ctx.scheme()?, &args.key, source, args.category.as_deref())?
    } else {
        csv_entries(ctx.scheme()?, &args.key, source, args.category.as_deref())?
    };
    let entries = drop_repeats(entries, &mut skipped);
    let signer = ctx.signer(&args.key)?;
    let account = ctx.client.account(&signer.key().public())?;
    let lab = account.lab_key_of().cloned().ok_or_else(|| {
        Failure::error(format!(
            "key {} is not a lab's key on this chain",
            args.key.display()
        ))
    })?;
    let entries = with_registered_signers(ctx, &lab, entries)?;
    let fields: Vec<CertificateFields> = entries.iter().map(|(_, f)| f.clone()).collect();
    let state = args.state.clone().unwrap_or_else(|| default_state(source));
    let bar = progress_bar(ctx, fields.len());
    let summary =
        hengxin_client::import::import(&ctx.client, &signer, &lab, &fields, &state, |done, _| {
            bar.set_position(done as u64)
        })
        .map_err(|e| Failure::error(format!("{e}; run the same command again to resume")))?;
    bar.finish_and_clear();
    let settled = hengxin_client::import::State::load(&state)
        .map_err(|e| Failure::error(format!("reading {}: {e}", state.display())))?;
    let anchored: Vec<Anchored> = entries
        .iter()
        .filter_map(
            |(place, f)| match settled.certificates.get(f.number.as_str()) {
                Some(hengxin_client::import::Settled::Done { height }) => Some(Anchored {
                    certificate: format!("{lab}/{}", f.number),
                    height: *height,
                    place: place.clone(),
                    qr: None,
                }),
                _ => None,
            },
        )
        .collect();
    let anchored = match &args.qr_dir {
        Some(dir) => write_qr_codes(ctx, &lab, &entries, anchored, dir)?,
        None => anchored,
    };
    report(ctx, &summary, &anchored, &skipped, &state)
}

/// What was anchored (by this run or an earlier one), for the summary.
#[derive(Debug, serde::Serialize)]
struct Anchored {
    certificate: String,
    height: u64,
    place: String,
    qr: Option<String>,
}

/// Writes each anchored certificate's QR code as `DIR/<number>.png` (characters a file name
/// cannot hold replaced by `_`).
fn write_qr_codes(
    ctx: &Context,
    lab: &LabCode,
    entries: &[(String, CertificateFields)],
    anchored: Vec<Anchored>,
    dir: &Path,
) -> Result<Vec<Anchored>, Failure> {
    std::fs::create_dir_all(dir)
        .map_err(|e| Failure::error(format!("creating {}: {e}", dir.display())))?;
    let base = ctx.verify_base(None)?;
    let mut used = BTreeSet::new();
    anchored
        .into_iter()
        .map(|mut a| {
            let Some((_, f)) = entries.iter().find(|(p, _)| *p == a.place) else {
                return Ok(a);
            };
            let url = hengxin_client::qr::verify_url(&base, lab, &f.number, &f.document_hash, None);
            let mut name: String = f
                .number
                .as_str()
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || "-_.".contains(c) {
                        c
                    } else {
                        '_'
                    }
                })
                .collect();
            if !used.insert(name.clone()) {
                name = format!("{name}-{}", &f.document_hash.to_hex()[..8]);
                used.insert(name.clone());
            }
            let path = dir.join(format!("{name}.png"));
            hengxin_client::qr::write(&url, &path).map_err(Failure::error)?;
            a.qr = Some(path.display().to_string());
            Ok(a)
        })
        .collect()
}

/// The entries' fields, each signed file's signer checked against `lab`'s registered DCC
/// signing certificates (read once); exit 16 at the first that is not, before any submission.
fn with_registered_signers(
    ctx: &Context,
    lab: &LabCode,
    entries: Vec<Entry>,
) -> Result<Vec<(String, CertificateFields)>, Failure> {
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
        .map(
            |Entry {
                 place,
                 mut fields,
                 signed,
             }| {
                if let (Some((path, signer)), Some(record)) = (signed, &record) {
                    fields.signer = Some(anchor::ensure_registered(record, &path, &signer)?);
                }
                Ok((place, fields))
            },
        )
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
    summary: &hengxin_client::import::Summary,
    anchored: &[Anchored],
    skipped: &[Skipped],
    state: &Path,
) -> Outcome {
    if ctx.json {
        print_json(&serde_json::json!({
            "anchored": summary.anchored,
            "already": summary.already,
            "certificates": anchored,
            "skipped": skipped,
            "failed": summary.failed.iter().map(|(n, e)| serde_json::json!({"number": n, "error": e})).collect::<Vec<_>>(),
            "unsettled": summary.unsettled,
            "state": state.display().to_string(),
        }));
    } else {
        for a in anchored {
            let qr =
                a.qr.as_deref()
                    .map(|q| format!(" · 二维码 {q}"))
                    .unwrap_or_default();
            println!(
                "  ✓ {} · 高度 height {} · {}{qr}",
                a.certificate, a.height, a.place
            );
        }
        for s in skipped {
            println!("  ✗ 跳过 skipped {}: {}", s.place, s.reason);
        }
        for (number, error) in &summary.failed {
            println!("  ✗ 被拒 refused {number}: {error}");
        }
        println!(
            "上链 {} 份（本次 {}，此前 {}）· 跳过 {} · 被拒 {} · 未定 {} — anchored {} ({} now, {} before), \
             {} skipped, {} refused, {} unsettled (state in {})",
            anchored.len(),
            summary.anchored,
            summary.already,
            skipped.len(),
            summary.failed.len(),
            summary.unsettled,
            anchored.len(),
            summary.anchored,
            summary.already,
            skipped.len(),
            summary.failed.len(),
            summary.unsettled,
            state.display()
        );
    }
    if summary.unsettled > 0 {
        return Err(Failure::error(
            "some certificates are not settled yet; run the same command again to resume",
        ));
    }
    if !summary.failed.is_empty() || !skipped.is_empty() {
        return Err(Failure::error(
            "some certificates were skipped or refused (listed above); fix them and run the \
             same command again: what is anchored stays anchored",
        ));
    }
    Ok(())
}
