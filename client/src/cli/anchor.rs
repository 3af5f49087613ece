//! `hengxin cert anchor` and `cert supersede`: a certificate's fields from the flags and, where
//! one is given, from its DCC; signed by the lab's key.

use std::path::{Path, PathBuf};

use clap::Args;
use hengxin_api_types::LabDetailView;
use hengxin_client::dcc::signature::{self, DccSignature, Signer};
use hengxin_client::dcc::{self, DccFields};
use hengxin_primitives::records::{
    CertKind, CertificateFields, Conclusion, ConclusionWord, Instrument,
};
use hengxin_primitives::{Date, Hash, InstrumentId, LabCode, StandardId, Text};
use hengxin_runtime::{Call, certificates, membership};

use super::context::Context;
use super::exit::{Exit, Failure, Outcome};
use super::output::print_json;
use super::parse::{self, word};

/// The flags of one certificate.
#[derive(Args, Clone, Default)]
#[command(group = clap::ArgGroup::new("document").required(true).args(["file", "dcc"]))]
pub struct AnchorArgs {
    /// The lab's signing key file.
    #[arg(long, value_name = "KEY")]
    pub key: PathBuf,
    /// The certificate document (PDF or any bytes): its SHA-256 is anchored; give the fields
    /// with the flags below.
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// A Digital Calibration Certificate (PTB DCC XML): its SHA-256 is anchored, and the
    /// number, dates and item are read from it (the flags below override them).
    #[arg(long, value_name = "FILE.xml")]
    pub dcc: Option<PathBuf>,
    /// 证书编号: the certificate number (any printable characters) [with --dcc: its
    /// uniqueIdentifier].
    #[arg(long, required_unless_present = "dcc")]
    pub number: Option<String>,
    /// 检定证书 verification, 校准证书 calibration, 检定结果通知书 notice [with --dcc:
    /// calibration].
    #[arg(long, value_parser = word::<CertKind>, required_unless_present = "dcc")]
    pub kind: Option<CertKind>,
    /// Measurement category: LEN THE MEC ELE RAD TIM OPT ACO ION CHE.
    #[arg(long, value_name = "CODE")]
    pub category: String,
    /// The item within the category (压力表…) [with --dcc: the calibration item's name].
    #[arg(long, required_unless_present = "dcc")]
    pub item: Option<String>,
    /// 器具名称 [default: the item].
    #[arg(long, value_name = "NAME")]
    pub instrument: Option<String>,
    /// 型号/规格 [with --dcc: the item's model].
    #[arg(long)]
    pub model: Option<String>,
    /// 出厂编号 [with --dcc: the item's serial number].
    #[arg(long)]
    pub serial: Option<String>,
    /// 制造单位 [with --dcc: the item's manufacturer].
    #[arg(long)]
    pub manufacturer: Option<String>,
    /// The JJG/JJF procedure (JJG 52-2013).
    #[arg(long, default_value = "")]
    pub procedure: String,
    /// 检定/校准日期, YYYY-MM-DD [with --dcc: endPerformanceDate].
    #[arg(long, value_name = "DATE", required_unless_present = "dcc")]
    pub calibration_date: Option<String>,
    /// Issue date [default: the DCC's issueDate, else the calibration date].
    #[arg(long, value_name = "DATE")]
    pub issue_date: Option<String>,
    /// 有效期至 (required for a verification certificate, absent on a notice).
    #[arg(long, value_name = "DATE")]
    pub valid_until: Option<String>,
    /// Conclusion: pass, fail or none [default: pass for verification, fail for a notice,
    /// none for calibration].
    #[arg(long, value_parser = word::<ConclusionWord>)]
    pub conclusion: Option<ConclusionWord>,
    /// A failed item (for a notice); repeat for several.
    #[arg(long = "failed-item", value_name = "TEXT")]
    pub failed_items: Vec<String>,
    /// A measurement standard used, OWNER/CODE; repeat for several.
    #[arg(long = "standard", value_name = "OWNER/CODE")]
    pub standards: Vec<String>,
    /// 一器一码: the registered instrument this verification certificate or notice is for
    /// (CQ-1); its class's category and verification period then apply [with --dcc: an
    /// identification named 器具码].
    #[arg(long, value_name = "ID")]
    pub instrument_id: Option<String>,
    /// A seal (铅封/封签) applied, POSITION=NUMBER (主板=QF-0012); repeat for several, at
    /// most 16; needs --instrument-id.
    #[arg(long = "seal", value_name = "POSITION=NUMBER")]
    pub seals: Vec<String>,
}

/// A DCC field the certificate record keeps as text: at most 256 characters, no controls.
fn dcc_text(value: &str) -> Text {
    Text::lossy(value)
}

fn conclusion(args: &AnchorArgs, kind: CertKind) -> Result<Conclusion, Failure> {
    let word = args.conclusion.unwrap_or(match kind {
        CertKind::Verification => ConclusionWord::Pass,
        CertKind::Notice => ConclusionWord::Fail,
        CertKind::Calibration => ConclusionWord::None,
    });
    Ok(match word {
        ConclusionWord::Pass => Conclusion::Pass {
            accuracy_class: None,
        },
        ConclusionWord::None => Conclusion::None,
        ConclusionWord::Fail => Conclusion::Fail {
            failed_items: args
                .failed_items
                .iter()
                .map(|i| parse::text("--failed-item", i))
                .collect::<Result<_, _>>()?,
        },
    })
}

/// A flag wins; else the DCC's value; `required_unless_present` guarantees one of them.
fn flag_or_dcc(
    flag: &Option<String>,
    from_dcc: Option<&str>,
    what: &str,
) -> Result<String, Failure> {
    flag.clone()
        .or_else(|| from_dcc.map(String::from))
        .ok_or_else(|| Failure::usage(format!("{what} is required without --dcc")))
}

/// The calibration and issue dates.
fn dates(args: &AnchorArgs, dcc: Option<&DccFields>) -> Result<(Date, Date), Failure> {
    let calibration = match (&args.calibration_date, dcc) {
        (Some(d), _) => parse::date("--calibration-date", d)?,
        (None, Some(dcc)) => dcc.end_performance,
        (None, None) => {
            return Err(Failure::usage(
                "--calibration-date is required without --dcc",
            ));
        }
    };
    let issue = match (&args.issue_date, dcc.and_then(|d| d.issue_date)) {
        (Some(d), _) => parse::date("--issue-date", d)?,
        (None, Some(date)) => date,
        (None, None) => calibration,
    };
    Ok((calibration, issue))
}

fn instrument(args: &AnchorArgs, dcc: Option<&DccFields>, item: &str) -> Instrument {
    let pick = |flag: &Option<String>, value: fn(&DccFields) -> &str| {
        dcc_text(
            &flag
                .clone()
                .or_else(|| dcc.map(|d| value(d).to_string()))
                .unwrap_or_default(),
        )
    };
    Instrument {
        name: dcc_text(args.instrument.as_deref().unwrap_or(item)),
        model: pick(&args.model, |d| &d.model),
        serial: pick(&args.serial, |d| &d.serial),
        manufacturer: pick(&args.manufacturer, |d| &d.manufacturer),
    }
}

/// The record's fields from the flags, and from the DCC where one is given.
pub fn fields(
    args: &AnchorArgs,
    dcc: Option<&DccFields>,
    document_hash: Hash,
) -> Result<CertificateFields, Failure> {
    let kind = args.kind.unwrap_or(CertKind::Calibration);
    let standards = args
        .standards
        .iter()
        .map(|s| parse::standard_id(s))
        .collect::<Result<Vec<StandardId>, Failure>>()?;
    let number = flag_or_dcc(
        &args.number,
        dcc.map(|d| d.unique_identifier.as_str()),
        "--number",
    )?;
    let item = flag_or_dcc(&args.item, dcc.map(|d| d.item.as_str()), "--item")?;
    let (calibration_date, issue_date) = dates(args, dcc)?;
    Ok(CertificateFields {
        number: match (&args.number, dcc) {
            (None, Some(_)) => number.parse().map_err(|e| {
                Failure::usage(format!(
                    "the DCC's uniqueIdentifier `{number}` cannot be the certificate number: \
                     {e}; give the number with --number"
                ))
            })?,
            _ => parse::number_of("certificate number", &number)?,
        },
        kind,
        category: parse::category(&args.category)?,
        instrument: instrument(args, dcc, &item),
        item: dcc_text(&item),
        procedure: parse::text("--procedure", &args.procedure)?,
        calibration_date,
        issue_date,
        valid_until: args
            .valid_until
            .as_deref()
            .map(|d| parse::date("--valid-until", d))
            .transpose()?,
        conclusion: conclusion(args, kind)?,
        standards,
        document_hash,
        signer: None,
        for_instrument: parse::instrument_use(
            args.instrument_id
                .as_deref()
                .or(dcc.and_then(|d| d.instrument_id.as_deref())),
            &args.seals,
        )?,
    })
}

/// A document's own XML signature, checked before anything is submitted (DOMAIN.md §1): its
/// signer, `None` when it carries none. A DCC is always checked; any other file when it is
/// XML holding an XML signature (a DCC given with --file is still a DCC). Exit 16 naming the
/// check that failed.
pub fn signature_of(path: &Path, bytes: &[u8], is_dcc: bool) -> Result<Option<Signer>, Failure> {
    const XMLDSIG: &[u8] = b"http://www.w3.org/2000/09/xmldsig#";
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let is_xml = text.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
    let signed_xml = is_xml && bytes.windows(XMLDSIG.len()).any(|w| w == XMLDSIG);
    if !is_dcc && !signed_xml {
        return Ok(None);
    }
    match signature::verify_dcc_signature(bytes) {
        Ok(DccSignature::Unsigned) => Ok(None),
        Ok(DccSignature::Signed(signer)) => Ok(Some(signer)),
        Err(e) => Err(Failure::new(
            Exit::BadSignature,
            format!("{}: {e}", path.display()),
        )),
    }
}

/// A signer's subject as the chain reads and records it (`CN=…,O=…,C=…`), so the CLI, the
/// node and the page name a certificate the same way.
pub fn subject_of(signer: &Signer) -> String {
    membership::read_dcc_cert(&signer.certificate.der).map_or_else(
        |_| signer.certificate.subject.clone(),
        |info| info.subject.to_string(),
    )
}

/// The signer is a DCC signing certificate `lab` registered and has not withdrawn (the
/// runtime refuses the record otherwise); exit 16 naming the signer and the fix.
pub fn ensure_registered(
    lab: &LabDetailView,
    path: &Path,
    signer: &Signer,
) -> Result<Hash, Failure> {
    let fingerprint = Hash(signer.certificate.fingerprint);
    let subject = subject_of(signer);
    let refuse = |message: String| {
        Failure::new(Exit::BadSignature, format!("{}: {message}", path.display()))
    };
    match lab.dcc_certs.iter().find(|c| c.fingerprint == fingerprint) {
        Some(c) if c.removed_height.is_none() => Ok(fingerprint),
        Some(c) => Err(refuse(format!(
            "签名证书 {} 已于区块 {} 被 {} 撤回，其签名的 DCC 不能上链 / the DCC is signed by \
             {} (SHA-256 {fingerprint}), which lab {} withdrew at height {}: have it signed \
             with a certificate the lab has registered (hengxin lab show {})",
            subject,
            c.removed_height.unwrap_or_default(),
            lab.code,
            subject,
            lab.code,
            c.removed_height.unwrap_or_default(),
            lab.code
        ))),
        None => Err(refuse(format!(
            "签名者 {} 不是 {} 登记的 DCC 签名证书 / the DCC is signed by {} (SHA-256 \
             {fingerprint}), which lab {} has not registered: if it is the lab's certificate, \
             register it first (hengxin lab dcc-cert add --key KEY --cert FILE.crt)",
            subject, lab.code, subject, lab.code
        ))),
    }
}

/// The path of the document given, `--dcc` or `--file`.
fn document_path(args: &AnchorArgs) -> Result<&PathBuf, Failure> {
    args.dcc
        .as_ref()
        .or(args.file.as_ref())
        .ok_or_else(|| Failure::usage("give the document: --file FILE or --dcc FILE.xml"))
}

/// A document: its bytes, its own signature's signer and, for a DCC, what it says.
struct Document {
    bytes: Vec<u8>,
    signer: Option<Signer>,
    dcc: Option<DccFields>,
}

/// The document given, its own signature checked first (exit 16 before anything else is read
/// from it).
fn document(args: &AnchorArgs) -> Result<Document, Failure> {
    let path = document_path(args)?;
    let bytes = std::fs::read(path)
        .map_err(|e| Failure::error(format!("reading the document {}: {e}", path.display())))?;
    let signer = signature_of(path, &bytes, args.dcc.is_some())?;
    let dcc = match &args.dcc {
        Some(path) => Some(
            dcc::read(&bytes).map_err(|e| Failure::error(format!("{}: {e}", path.display())))?,
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
    Ok(Document { bytes, signer, dcc })
}

/// `cert anchor`.
pub fn anchor(ctx: &Context, args: &AnchorArgs) -> Outcome {
    anchor_or_supersede(ctx, args, None)
}

/// `cert supersede OLD`: the replaced certificate must be the signer's lab's.
pub fn supersede(ctx: &Context, old: &str, args: &AnchorArgs) -> Outcome {
    let old = parse::certificate(old)?;
    anchor_or_supersede(ctx, args, Some(old))
}

/// The registered instrument `id` a certificate names: its serial must be the one the
/// certificate gives (a wrong `--instrument-id` would otherwise certify another nozzle), and
/// the serial, model and maker the certificate leaves out are the registered ones.
fn describe_instrument(ctx: &Context, id: &InstrumentId, on: &mut Instrument) -> Outcome {
    let registered = ctx.client.instrument(id, None)?.ok_or_else(|| {
        Failure::error(format!(
            "器具 {id} 未登记 / instrument {id} is not registered: check --instrument-id (hengxin \
             instrument due --region … lists a region's)"
        ))
    })?;
    if !on.serial.as_str().is_empty() && on.serial != registered.serial {
        return Err(Failure::usage(format!(
            "出厂编号 {} 不是器具 {id} 的（{}）/ serial {} is not instrument {id}'s ({}, {} {}): \
             check --instrument-id, or the serial",
            on.serial,
            registered.serial,
            on.serial,
            registered.serial,
            registered.manufacturer,
            registered.model
        )));
    }
    for (field, value) in [
        (&mut on.serial, registered.serial),
        (&mut on.model, registered.model),
        (&mut on.manufacturer, registered.manufacturer),
    ] {
        if field.as_str().is_empty() {
            *field = value;
        }
    }
    Ok(())
}

/// Anchors, or (with `old`) supersedes `old`, which must be of the signer's lab.
fn anchor_or_supersede(
    ctx: &Context,
    args: &AnchorArgs,
    old: Option<(LabCode, hengxin_primitives::CertNumber)>,
) -> Outcome {
    let Document {
        bytes,
        signer: dcc_signer,
        dcc,
    } = document(args)?;
    let path = document_path(args)?;
    let mut fields = fields(args, dcc.as_ref(), ctx.document_hash(&bytes)?)?;
    if let Some(id) = fields.for_instrument.as_ref().map(|u| u.id.clone()) {
        describe_instrument(ctx, &id, &mut fields.instrument)?;
    }
    let signer = ctx.signer(&args.key)?;
    let account = ctx.client.account(&signer.key().public())?;
    let lab = account.lab_key_of().cloned().ok_or_else(|| {
        Failure::error(format!(
            "key {} is not a lab's key on this chain; a regulator adds lab keys \
             (hengxin lab register, or hengxin lab key add)",
            args.key.display()
        ))
    })?;
    if let Some(dcc_signer) = &dcc_signer {
        let record = ctx
            .client
            .lab(&lab)?
            .ok_or_else(|| Failure::error(format!("lab {lab} is not on this chain")))?;
        fields.signer = Some(ensure_registered(&record, path, dcc_signer)?);
    }
    let number = fields.number.clone();
    let call = match old {
        Some((old_lab, _)) if old_lab != lab => {
            return Err(Failure::error(format!(
                "a certificate of {old_lab} can only be superseded by {old_lab}; this key signs \
                 for {lab}"
            )));
        }
        Some((_, old)) => Call::Certificates(certificates::Call::Supersede { old, fields }),
        None => Call::Certificates(certificates::Call::Anchor { fields }),
    };
    let (hash, height) = ctx.execute_with(&signer, call)?;
    if ctx.json {
        print_json(&serde_json::json!({
            "certificate": format!("{lab}/{number}"),
            "transaction": hash,
            "height": height,
        }));
    } else {
        println!("{lab}/{number}");
    }
    Ok(())
}
