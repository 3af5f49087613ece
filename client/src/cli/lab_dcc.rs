//! `hengxin lab dcc-cert add|remove` and `lab show`: the certificates a lab signs its DCCs
//! with, and everything the ledger keeps about a lab.

use hengxin_client::dcc::signature;
use hengxin_client::signer::Signer;
use hengxin_primitives::{Hash, LabCode};
use hengxin_runtime::{Call, membership};

use super::context::{Context, Signing};
use super::exit::{Failure, Outcome};
use super::lab::DccCertCommand;
use super::output::{print_json, print_table};
use super::parse;

/// Runs a `lab dcc-cert` command.
pub fn run(ctx: &Context, command: &DccCertCommand) -> Outcome {
    match command {
        DccCertCommand::Add { signing, cert, lab } => add(ctx, signing, cert, lab.as_deref()),
        DccCertCommand::Remove {
            signing,
            fingerprint,
            lab,
        } => remove(ctx, signing, fingerprint, lab.as_deref()),
    }
}

/// The lab named, else the one whose key signs.
fn lab_of(
    ctx: &Context,
    signing: &Signing,
    signer: &Signer,
    lab: Option<&str>,
) -> Result<LabCode, Failure> {
    if let Some(lab) = lab {
        return parse::lab_code(lab);
    }
    let account = ctx.client.account(&signer.key().public())?;
    account.lab_key_of().cloned().ok_or_else(|| {
        Failure::usage(format!(
            "key {} is not a lab's key: a regulator names the lab with --lab CODE",
            signing.key.display()
        ))
    })
}

/// A certificate file, refused past the largest a certificate file may be (without reading
/// more than that).
fn read_bounded(path: &std::path::Path) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let limit = signature::MAX_CERTIFICATE_FILE_BYTES as u64;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "over {limit} bytes: not a certificate file"
        )));
    }
    Ok(bytes)
}

fn add(ctx: &Context, signing: &Signing, path: &std::path::Path, lab: Option<&str>) -> Outcome {
    let fail = |e: &dyn std::fmt::Display| Failure::error(format!("{}: {e}", path.display()));
    let bytes = read_bounded(path).map_err(|e| fail(&e))?;
    let der = signature::read_certificate(&bytes)
        .map_err(|e| fail(&e))?
        .der;
    // What the chain will record, read as the runtime reads it.
    let info = membership::read_dcc_cert(&der).map_err(|e| fail(&e))?;
    let signer = ctx.signer(&signing.key)?;
    let lab = lab_of(ctx, signing, &signer, lab)?;
    let call = Call::Membership(membership::Call::AddDccCert {
        lab: lab.clone(),
        certificate: der,
    });
    let done = format!(
        "registered DCC signing certificate {} ({}) for {lab}",
        info.fingerprint, info.subject
    );
    ctx.submit_with(&signer, call, done)
}

fn remove(ctx: &Context, signing: &Signing, fingerprint: &str, lab: Option<&str>) -> Outcome {
    let fingerprint = Hash::from_hex(fingerprint.trim()).ok_or_else(|| {
        Failure::usage(format!(
            "`{fingerprint}` is not a fingerprint: give its 64 hex digits (hengxin lab show LAB \
             lists them)"
        ))
    })?;
    let signer = ctx.signer(&signing.key)?;
    let lab = lab_of(ctx, signing, &signer, lab)?;
    let call = Call::Membership(membership::Call::RemoveDccCert {
        lab: lab.clone(),
        fingerprint,
    });
    let done = format!("withdrew DCC signing certificate {fingerprint} of {lab}");
    ctx.submit_with(&signer, call, done)
}

/// A certificate's validity bound (UTC seconds) in Beijing time.
fn utc(seconds: u64) -> String {
    hengxin_primitives::time::beijing_time(seconds.saturating_mul(1000))
}

/// `lab show LAB`.
pub fn show(ctx: &Context, lab: &str) -> Outcome {
    let code = parse::lab_code(lab)?;
    let lab = ctx
        .client
        .lab(&code)?
        .ok_or_else(|| Failure::error(format!("no lab {code} is registered on this chain")))?;
    if ctx.json {
        print_json(&lab);
        return Ok(());
    }
    let mut rows = vec![
        ("机构 lab", format!("{} {}", lab.code, lab.name)),
        ("地区 region", lab.region.to_string()),
        ("类型 kind", lab.kind.label()),
        ("状态 status", lab.status.label()),
    ];
    for s in &lab.scope {
        let item = s
            .item
            .as_ref()
            .map_or("全部 all items".into(), |i| i.to_string());
        rows.push((
            "范围 scope",
            format!("{} {item} 至 until {}", s.category.label(), s.valid_until),
        ));
    }
    for k in &lab.keys {
        let state = match (k.removed_height, k.compromised) {
            (None, _) => "在用 active".to_string(),
            (Some(h), true) => format!("已泄露 compromised at height {h}"),
            (Some(h), false) => format!("已停用 retired at height {h}"),
        };
        rows.push((
            "签名密钥 key",
            format!("{} · added at height {} · {state}", k.key, k.added_height),
        ));
    }
    if lab.dcc_certs.is_empty() {
        rows.push(("DCC 签名证书 DCC certificate", "无 none".into()));
    }
    for c in &lab.dcc_certs {
        let state = c.removed_height.map_or("在用 in force".to_string(), |h| {
            format!("已撤回 withdrawn at height {h}")
        });
        rows.push((
            "DCC 签名证书 DCC certificate",
            format!(
                "{} · {} · {} – {} · added at height {} · {state}",
                c.subject,
                c.fingerprint,
                utc(c.not_before_s),
                utc(c.not_after_s),
                c.added_height
            ),
        ));
    }
    match &lab.standards {
        None => rows.push((
            "计量标准 standards",
            "（索引暂不可用 the index cannot answer now）".into(),
        )),
        Some(standards) if standards.is_empty() => {
            rows.push(("计量标准 standards", "无 none".into()))
        }
        Some(standards) => {
            for s in standards {
                rows.push((
                    "计量标准 standard",
                    format!(
                        "{}/{} {} · {} · {} · 考核有效期至 {}",
                        lab.code,
                        s.code,
                        s.name,
                        super::lists::label_of::<hengxin_primitives::Category>(&s.category),
                        super::lists::label_of::<hengxin_primitives::records::StandardLevel>(
                            &s.level
                        ),
                        s.assessment_valid_until
                    ),
                ));
            }
        }
    }
    print_table(&rows);
    Ok(())
}
