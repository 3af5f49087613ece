//! The verification steps, one function each, in the order `verify_certificate` runs them.
//! Each records what it found and either yields what the next step needs or ends the
//! verification with its verdict (`Err`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use hengxin_primitives::bundle::{BundleError, ProofBundle, TrustAnchor, VerifiedState};
use hengxin_primitives::crypto::sha256;
use hengxin_primitives::recognition::{self, Agreement};
use hengxin_primitives::records::{CertificateRecord, DocumentHolder, LabRecord};
use hengxin_primitives::rules::{self, CertificateState, LinkOutcome};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, Date, LabCode, RegionCode};

use crate::{Request, Step, Verdict};

/// What a step yields for the next, or the verdict that ends the verification.
pub(crate) type Outcome<T> = Result<T, Verdict>;

/// The steps checked so far, in order.
pub(crate) struct Steps<'a>(pub(crate) &'a mut Vec<Step>);

impl Steps<'_> {
    fn push(&mut self, id: &'static str, ok: Option<bool>, detail: impl Into<String>) {
        self.0.push(Step {
            id,
            ok,
            detail: detail.into(),
        });
    }

    pub(crate) fn pass(&mut self, id: &'static str, detail: impl Into<String>) {
        self.push(id, Some(true), detail);
    }

    fn fail(&mut self, id: &'static str, detail: impl Into<String>) {
        self.push(id, Some(false), detail);
    }

    fn info(&mut self, id: &'static str, detail: impl Into<String>) {
        self.push(id, None, detail);
    }

    /// Records a failed step that ends the verification with `verdict`.
    pub(crate) fn end<T>(
        &mut self,
        id: &'static str,
        detail: impl Into<String>,
        verdict: Verdict,
    ) -> Outcome<T> {
        self.fail(id, detail);
        Err(verdict)
    }
}

const CHAIN_PASSED: &str = "链标识一致 · the chain is the trusted one";

/// `read`: the lab code and certificate number the reader asks about.
pub(crate) fn read_request(
    steps: &mut Steps<'_>,
    request: &Request<'_>,
) -> Outcome<(LabCode, CertNumber)> {
    match (
        LabCode::new(request.lab),
        request.number.parse::<CertNumber>(),
    ) {
        (Ok(lab), Ok(number)) => Ok((lab, number)),
        _ => steps.end(
            "read",
            "证书编号无效 · the lab code or certificate number is not valid",
            Verdict::Error,
        ),
    }
}

/// `read`: the bundle, decoded strictly and within limits.
pub(crate) fn read_bundle(steps: &mut Steps<'_>, bytes: &[u8]) -> Outcome<ProofBundle> {
    let bundle = match ProofBundle::decode_untrusted(bytes) {
        Ok(bundle) => bundle,
        Err(e) => {
            return steps.end(
                "read",
                format!("无法读取证明 · the proof cannot be read: {e}"),
                Verdict::Error,
            );
        }
    };
    steps.pass(
        "read",
        format!(
            "已读取证明 · proof read: {} state proofs, {} validator hand-offs",
            bundle.entries.len(),
            bundle.handoffs.len()
        ),
    );
    Ok(bundle)
}

/// Which step a bundle error belongs to.
fn bundle_step(e: &BundleError) -> &'static str {
    match e {
        BundleError::Decode(_) | BundleError::TooLarge => "read",
        BundleError::WrongChain { .. } => "chain",
        BundleError::State { .. } | BundleError::EntryOrder => "state",
        _ => "commit",
    }
}

/// `chain`, `commit`, `state`: the bundle against the trust anchor, in one check of the
/// primitives'. On a failure, the steps before the one it belongs to are reported as passed.
pub(crate) fn check_proof(
    steps: &mut Steps<'_>,
    anchor: &TrustAnchor,
    bundle: &ProofBundle,
) -> Outcome<VerifiedState> {
    let state = match bundle.verify(anchor) {
        Ok(state) => state,
        Err(e) => {
            let failed = bundle_step(&e);
            for (id, text) in [
                ("chain", CHAIN_PASSED),
                (
                    "commit",
                    "最终性签名有效 · the commit is signed by > 2/3 of the validators",
                ),
            ] {
                if id == failed {
                    break;
                }
                steps.pass(id, text);
            }
            return steps.end(
                failed,
                format!("证明无效 · the proof does not hold: {e}"),
                Verdict::Tampered,
            );
        }
    };
    let height = state.header.height;
    steps.pass("chain", CHAIN_PASSED);
    steps.pass(
        "commit",
        format!(
            "区块 {height} 已由超过三分之二的验证节点签名 · block {height} is signed by more than 2/3 of the validators"
        ),
    );
    steps.pass(
        "state",
        "状态证明有效 · every state proof matches the block's state root",
    );
    Ok(state)
}

/// `record`: the proven certificate, with its lab's record when the bundle proves it.
pub(crate) fn find_certificate(
    steps: &mut Steps<'_>,
    state: &VerifiedState,
    lab: LabCode,
    number: CertNumber,
) -> Outcome<(CertificateRecord, Option<LabRecord>)> {
    let key = StorageKey::Certificate(lab.clone(), number.clone());
    let record: CertificateRecord = match state.get(&key) {
        Ok(Some(record)) => record,
        Ok(None) => {
            return steps.end(
                "record",
                format!(
                    "账本上没有证书 {lab}/{number} · the ledger proves there is no such certificate"
                ),
                Verdict::Unknown,
            );
        }
        Err(e) => {
            return steps.end(
                "record",
                format!("证明未包含该证书 · the proof does not cover this certificate: {e}"),
                Verdict::Tampered,
            );
        }
    };
    steps.pass(
        "record",
        format!("证书已上链 · anchored at height {}", record.anchored_height),
    );
    let issuer: Option<LabRecord> = state.get(&StorageKey::Lab(lab)).ok().flatten();
    Ok((record, issuer))
}

/// `document`: the reader's document, else the QR code's hash prefix, against the anchored
/// `document_hash`; only informative when the reader has neither.
pub(crate) fn match_document(
    steps: &mut Steps<'_>,
    record: &CertificateRecord,
    request: &Request<'_>,
) -> Outcome<()> {
    let anchored = &record.fields.document_hash;
    match (request.document, request.hash_prefix) {
        (Some(document), _) if sha256(document) != *anchored => steps.end(
            "document",
            "文件与上链哈希不符 · the document is not the one anchored (its SHA-256 differs)",
            Verdict::Tampered,
        ),
        (Some(_), _) => {
            steps.pass("document", "文件哈希一致 · the document's SHA-256 matches");
            Ok(())
        }
        (None, Some(prefix))
            if prefix.is_empty()
                || !anchored.to_hex().starts_with(&prefix.to_ascii_lowercase()) =>
        {
            steps.end(
                "document",
                format!("二维码中的哈希 {prefix} 与上链哈希不符 · the QR code's hash does not match the anchored one"),
                Verdict::Tampered,
            )
        }
        (None, Some(_)) => {
            steps.pass(
                "document",
                "二维码中的哈希一致 · the QR code's hash matches the anchored one",
            );
            Ok(())
        }
        (None, None) => {
            steps.info("document", "未比对文件 · no document or QR hash to compare");
            Ok(())
        }
    }
}

/// `issuer`: the issuing lab is proven and the signing key was active at anchoring.
pub(crate) fn check_issuer(
    steps: &mut Steps<'_>,
    record: &CertificateRecord,
    issuer: Option<&LabRecord>,
) -> Outcome<()> {
    match issuer {
        Some(lab) if lab.key_active_at(&record.signing_key, record.anchored_height) => {
            steps.pass(
                "issuer",
                format!(
                    "签发机构 {} ({}) · issued by {}, with a key active then",
                    lab.name, lab.region, lab.code
                ),
            );
            Ok(())
        }
        _ => steps.end(
            "issuer",
            "签发机构或其密钥未经证明 · the issuing lab or its key is not proven",
            Verdict::Tampered,
        ),
    }
}

/// `signer`: for a signed DCC, the certificate it was signed with is one its lab registered
/// and had in force when it anchored (the chain's rule, so a proof that says otherwise does
/// not hold); an unsigned file is said to be one.
pub(crate) fn note_signer(
    steps: &mut Steps<'_>,
    record: &CertificateRecord,
    issuer: Option<&LabRecord>,
) -> Outcome<Option<String>> {
    let Some(fingerprint) = &record.fields.signer else {
        steps.info(
            "signer",
            "文件未经电子签名（非签名 DCC 或 PDF）· unsigned: not a signed DCC",
        );
        return Ok(None);
    };
    match issuer.and_then(|lab| lab.dcc_cert(fingerprint)) {
        Some(cert) if cert.active_at(record.anchored_height) => {
            steps.pass(
                "signer",
                format!("文件签名者 {} · signed by {}", cert.subject, cert.subject),
            );
            Ok(Some(format!("{}", cert.subject)))
        }
        _ => steps.end(
            "signer",
            "签名证书未在该机构登记 · the signing certificate is not one the lab registered",
            Verdict::Tampered,
        ),
    }
}

/// `record`: which certificate holds the document, or the proof that none does.
pub(crate) fn find_document(
    steps: &mut Steps<'_>,
    state: &VerifiedState,
    document: &[u8],
) -> Outcome<DocumentHolder> {
    let hash = sha256(document);
    match state.get::<DocumentHolder>(&StorageKey::Document(hash)) {
        Ok(Some(holder)) => {
            steps.pass(
                "lookup",
                format!(
                    "这份文件是证书 {}/{} · this file is certificate {}/{}",
                    holder.lab, holder.number, holder.lab, holder.number
                ),
            );
            Ok(holder)
        }
        Ok(None) => steps.end(
            "lookup",
            "账本证明：没有任何证书是这份文件 · the ledger proves no certificate is this file",
            Verdict::Unknown,
        ),
        Err(e) => steps.end(
            "lookup",
            format!("证明未包含该文件的记录 · the proof does not cover this file: {e}"),
            Verdict::Tampered,
        ),
    }
}

/// `status` on the reader's date: the verdict, though the verification goes on to report the
/// traceability.
pub(crate) fn judge_status(
    steps: &mut Steps<'_>,
    record: &CertificateRecord,
    today: Date,
) -> Verdict {
    match rules::certificate_state(record, today) {
        CertificateState::Valid => {
            steps.pass("status", format!("有效 · current on {}", today.to_iso()));
            Verdict::Authentic
        }
        CertificateState::Revoked => {
            steps.fail("status", "已撤销 · revoked");
            Verdict::Revoked
        }
        CertificateState::Superseded => {
            steps.fail("status", "已被替代 · superseded by a newer certificate");
            Verdict::Superseded
        }
        CertificateState::Expired => {
            let until = record
                .fields
                .valid_until
                .map(Date::to_iso)
                .unwrap_or_default();
            steps.fail("status", format!("已过期 ({until}) · expired"));
            Verdict::Expired
        }
    }
}

/// `traceability`, only informative: the certificate's chain of standards up to the national
/// ones, walked through the proven state.
pub(crate) fn note_traceability(
    steps: &mut Steps<'_>,
    record: &CertificateRecord,
    state: &mut VerifiedState,
) -> Vec<String> {
    let trace = rules::traceability_chain(record, state);
    let lines = trace.links.iter().map(link_line).collect();
    let links = trace.links.len();
    if trace.is_complete() {
        steps.info(
            "traceability",
            format!("溯源链完整 ({links} 环) · traceable to national standards ({links} links)"),
        );
        return lines;
    }
    let problems: Vec<_> = trace
        .links
        .iter()
        .filter_map(|l| match &l.outcome {
            LinkOutcome::Broken(p) => Some(p.sentence()),
            _ => None,
        })
        .collect();
    steps.info(
        "traceability",
        format!(
            "溯源链不完整 · traceability incomplete: {}",
            if problems.is_empty() {
                "没有溯源环节 · no links".into()
            } else {
                problems.join("；")
            }
        ),
    );
    lines
}

/// One link of the chain as a reader reads it: the certificate and its calibration date, the
/// standard used with its level, the certificate it traces through, and how the link ended.
fn link_line(link: &rules::TraceLink) -> String {
    use hengxin_primitives::records::TraceSource;
    let mut line = format!(
        "{}/{} ({})",
        link.certificate.lab, link.certificate.number, link.on
    );
    if let Some(standard) = &link.standard {
        line.push_str(&format!(" → {standard}"));
    }
    if let Some(level) = link.level {
        line.push_str(&format!(
            " [{}]",
            crate::report::display(level.names(), level.code())
        ));
    }
    match &link.via {
        Some(TraceSource::Ledger { lab, number }) => line.push_str(&format!(" ← {lab}/{number}")),
        Some(TraceSource::External { issuer, number, .. }) => {
            line.push_str(&format!(" ← {issuer} {number}"));
        }
        None => {}
    }
    let word = link.outcome.word();
    let mark = if word == rules::LinkWord::Broken {
        '✗'
    } else {
        '✓'
    };
    line.push_str(&format!(
        " {mark} {}",
        crate::report::display(word.names(), word.code())
    ));
    if let LinkOutcome::Broken(problem) = &link.outcome {
        line.push_str(&format!(": {}", problem.sentence()));
    }
    line
}

/// The agreements of `region`, when the bundle proves its complete list and each of them.
fn proven_agreements(state: &VerifiedState, region: &RegionCode) -> Option<Vec<Agreement>> {
    let ids: Vec<u64> = state
        .get(&StorageKey::AgreementsOf(region.clone()))
        .ok()?
        .unwrap_or_default();
    ids.iter()
        .map(|id| state.get(&StorageKey::Agreement(*id)).ok().flatten())
        .collect()
}

/// `recognition`, only informative: where the certificate is recognised, computed here with
/// the chain's own rule from the proven agreements of its lab's home region (a stapled proof
/// may carry none; then only the home region is known).
pub(crate) fn note_recognition(
    steps: &mut Steps<'_>,
    record: &CertificateRecord,
    lab: &LabRecord,
    state: &VerifiedState,
) -> Option<Vec<RegionCode>> {
    let Some(agreements) = proven_agreements(state, &lab.region) else {
        steps.info(
            "recognition",
            format!(
                "本证明未含互认协议, 至少在 {home} 有效 · this proof carries no agreements: \
                 recognised in {home} at least",
                home = lab.region
            ),
        );
        return None;
    };
    let regions = recognition::recognized_in(record, lab, &agreements);
    let list = regions
        .iter()
        .map(RegionCode::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    steps.info(
        "recognition",
        format!("互认地区 {list} · recognised in {list}"),
    );
    Some(regions)
}
