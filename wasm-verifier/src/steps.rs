//! The verification steps, one function each, in the order `verify_certificate` runs them.
//! Each records what it found and either yields what the next step needs or ends the
//! verification with its verdict (`Err`).

use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;
use hengxin_primitives::bundle::{
    BundleError, ProofBundle, ProvenLookupError, TrustAnchor, VerifiedState,
};
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::gather::{self, CertificateContext, CertificateFacts};
use hengxin_primitives::records::{CertificateRecord, DocumentHolder, LabRecord};
use hengxin_primitives::rules::{self, CertificateState, TraceLink, TraceReport};
use hengxin_primitives::{CertNumber, Date, LabCode, RegionCode};

use crate::{Request, Step, StepId, Verdict};

/// What a step yields for the next, or the verdict that ends the verification.
pub(crate) type Outcome<T> = Result<T, Verdict>;

/// The steps checked so far, in order.
pub(crate) struct Steps<'a>(pub(crate) &'a mut Vec<Step>);

impl Steps<'_> {
    fn push(&mut self, id: StepId, ok: Option<bool>, detail: impl Into<String>) {
        self.0.push(Step {
            id,
            ok,
            detail: detail.into(),
        });
    }

    pub(crate) fn pass(&mut self, id: StepId, detail: impl Into<String>) {
        self.push(id, Some(true), detail);
    }

    fn fail(&mut self, id: StepId, detail: impl Into<String>) {
        self.push(id, Some(false), detail);
    }

    fn info(&mut self, id: StepId, detail: impl Into<String>) {
        self.push(id, None, detail);
    }

    /// Records a failed step that ends the verification with `verdict`.
    pub(crate) fn end<T>(
        &mut self,
        id: StepId,
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
            StepId::Read,
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
                StepId::Read,
                format!("无法读取证明 · the proof cannot be read: {e}"),
                Verdict::Error,
            );
        }
    };
    steps.pass(
        StepId::Read,
        format!(
            "已读取证明 · proof read: {} state proofs, {} validator hand-offs",
            bundle.entries.len(),
            bundle.handoffs.len()
        ),
    );
    Ok(bundle)
}

/// Which step a bundle error belongs to.
fn bundle_step(e: &BundleError) -> StepId {
    match e {
        BundleError::Decode(_) | BundleError::TooLarge => StepId::Read,
        BundleError::WrongChain { .. } | BundleError::WrongScheme { .. } => StepId::Chain,
        BundleError::State { .. } | BundleError::EntryOrder => StepId::State,
        _ => StepId::Commit,
    }
}

/// `chain`, `commit`, `state`: the bundle against the trust anchor, in one check of the
/// primitives'. On a failure, the steps before the one it belongs to are reported as passed.
pub(crate) fn check_proof(
    steps: &mut Steps<'_>,
    anchor: &TrustAnchor,
    bundle: &ProofBundle,
) -> Outcome<VerifiedState> {
    let scheme = anchor.scheme();
    if !scheme.verifies_here() {
        return steps.end(
            StepId::Chain,
            format!(
                "此验证模块不能核验 {scheme} 链 · this verifier module does not check {scheme} \
                 chains (the page loads the module of its trust anchor's scheme)"
            ),
            Verdict::Error,
        );
    }
    let state = match bundle.verify(anchor) {
        Ok(state) => state,
        Err(e) => {
            let failed = bundle_step(&e);
            for (id, text) in [
                (StepId::Chain, CHAIN_PASSED),
                (
                    StepId::Commit,
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
    steps.pass(StepId::Chain, CHAIN_PASSED);
    steps.pass(
        StepId::Commit,
        format!(
            "区块 {height} 已由超过三分之二的验证节点签名 · block {height} is signed by more than 2/3 of the validators"
        ),
    );
    steps.pass(
        StepId::State,
        "状态证明有效 · every state proof matches the block's state root",
    );
    Ok(state)
}

/// `record`: the proven certificate and its lab ([`gather::certificate`]).
pub(crate) fn find_certificate(
    steps: &mut Steps<'_>,
    state: &mut VerifiedState,
    lab: &LabCode,
    number: &CertNumber,
) -> Outcome<CertificateFacts> {
    match gather::certificate(state, lab, number) {
        Ok(Some(facts)) => {
            steps.pass(
                StepId::Record,
                format!(
                    "证书已上链 · anchored at height {}",
                    facts.record.anchored_height
                ),
            );
            Ok(facts)
        }
        Ok(None) => steps.end(
            StepId::Record,
            format!(
                "账本上没有证书 {lab}/{number} · the ledger proves there is no such certificate"
            ),
            Verdict::Unknown,
        ),
        Err(e) => steps.end(
            StepId::Record,
            format!("证明未包含该证书 · the proof does not cover this certificate: {e}"),
            Verdict::Tampered,
        ),
    }
}

/// The rest of what a reader is told ([`gather::certificate_context`]): `None` when the
/// bundle carries only the certificate and its lab (what a QR code staples).
pub(crate) fn read_context(
    steps: &mut Steps<'_>,
    state: &mut VerifiedState,
    facts: &CertificateFacts,
) -> Outcome<Option<CertificateContext>> {
    match gather::certificate_context(state, facts) {
        Ok(context) => Ok(Some(context)),
        Err(ProvenLookupError::NotProven) => Ok(None),
        Err(e) => steps.end(
            StepId::State,
            format!("证明中的记录无法读取 · a proven record does not read: {e}"),
            Verdict::Tampered,
        ),
    }
}

/// `document`: the reader's document, else the QR code's hash prefix, against the anchored
/// `document_hash`; only informative when the reader has neither.
pub(crate) fn match_document(
    steps: &mut Steps<'_>,
    scheme: Scheme,
    record: &CertificateRecord,
    request: &Request<'_>,
) -> Outcome<()> {
    let anchored = &record.fields.document_hash;
    let hash = scheme.hash_name();
    match (request.document, request.hash_prefix) {
        (Some(document), _) if scheme.hash(document) != *anchored => steps.end(
            StepId::Document,
            format!("文件与上链哈希不符 · the document is not the one anchored (its {hash} differs)"),
            Verdict::Tampered,
        ),
        (Some(_), _) => {
            steps.pass(
                StepId::Document,
                format!("文件哈希一致 · the document's {hash} matches"),
            );
            Ok(())
        }
        (None, Some(prefix))
            if prefix.is_empty()
                || !anchored.to_hex().starts_with(&prefix.to_ascii_lowercase()) =>
        {
            steps.end(
                StepId::Document,
                format!("二维码中的哈希 {prefix} 与上链哈希不符 · the QR code's hash does not match the anchored one"),
                Verdict::Tampered,
            )
        }
        (None, Some(_)) => {
            steps.pass(
                StepId::Document,
                "二维码中的哈希一致 · the QR code's hash matches the anchored one",
            );
            Ok(())
        }
        (None, None) => {
            steps.info(StepId::Document, "未比对文件 · no document or QR hash to compare");
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
                StepId::Issuer,
                format!(
                    "签发机构 {} ({}) · issued by {}, with a key active then",
                    lab.name, lab.region, lab.code
                ),
            );
            Ok(())
        }
        _ => steps.end(
            StepId::Issuer,
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
            StepId::Signer,
            "文件未经电子签名（非签名 DCC 或 PDF）· unsigned: not a signed DCC",
        );
        return Ok(None);
    };
    match issuer.and_then(|lab| lab.dcc_cert(fingerprint)) {
        Some(cert) if cert.active_at(record.anchored_height) => {
            steps.pass(
                StepId::Signer,
                format!("文件签名者 {} · signed by {}", cert.subject, cert.subject),
            );
            Ok(Some(format!("{}", cert.subject)))
        }
        _ => steps.end(
            StepId::Signer,
            "签名证书未在该机构登记 · the signing certificate is not one the lab registered",
            Verdict::Tampered,
        ),
    }
}

/// `record`: which certificate holds the document, or the proof that none does.
pub(crate) fn find_document(
    steps: &mut Steps<'_>,
    state: &mut VerifiedState,
    document: &[u8],
) -> Outcome<DocumentHolder> {
    let hash = state.header.scheme().hash(document);
    match gather::document(state, &hash) {
        Ok(Some(holder)) => {
            steps.pass(
                StepId::Lookup,
                format!(
                    "这份文件是证书 {}/{} · this file is certificate {}/{}",
                    holder.lab, holder.number, holder.lab, holder.number
                ),
            );
            Ok(holder)
        }
        Ok(None) => steps.end(
            StepId::Lookup,
            "账本证明：没有任何证书是这份文件 · the ledger proves no certificate is this file",
            Verdict::Unknown,
        ),
        Err(e) => steps.end(
            StepId::Lookup,
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
    let state = rules::certificate_state(record, today);
    let (zh, en) = state.names().unwrap_or_default();
    let on = match (state, record.fields.valid_until) {
        (CertificateState::Valid, _) => format!(" ({})", today.to_iso()),
        (CertificateState::Expired, Some(until)) => format!(" ({})", until.to_iso()),
        _ => String::new(),
    };
    let detail = format!("{zh}{on} · {en}");
    let verdict = match state {
        CertificateState::Valid => Verdict::Authentic,
        CertificateState::Revoked => Verdict::Revoked,
        CertificateState::Superseded => Verdict::Superseded,
        CertificateState::Expired => Verdict::Expired,
    };
    if verdict == Verdict::Authentic {
        steps.pass(StepId::Status, detail);
    } else {
        steps.fail(StepId::Status, detail);
    }
    verdict
}

/// `traceability`, only informative: the certificate's chain of standards up to the national
/// ones, as proven (`None`: the proof does not carry it).
pub(crate) fn note_traceability(steps: &mut Steps<'_>, trace: Option<&TraceReport>) -> Vec<String> {
    let Some(trace) = trace else {
        steps.info(
            StepId::Traceability,
            "本证明未含溯源链 · this proof does not carry the traceability chain",
        );
        return Vec::new();
    };
    steps.info(StepId::Traceability, trace.summary());
    trace.links.iter().map(TraceLink::line).collect()
}

/// `recognition`, only informative: where the certificate is recognised, computed with the
/// chain's own rule from the proven agreements of its lab's home region (a stapled proof
/// carries none; then only the home region is known).
pub(crate) fn note_recognition(
    steps: &mut Steps<'_>,
    lab: &LabRecord,
    context: Option<&CertificateContext>,
) -> Option<Vec<RegionCode>> {
    let Some(context) = context else {
        steps.info(
            StepId::Recognition,
            format!(
                "本证明未含互认协议, 至少在 {home} 有效 · this proof carries no agreements: \
                 recognised in {home} at least",
                home = lab.region
            ),
        );
        return None;
    };
    let regions = context.recognized_in.clone();
    let mut list = String::new();
    for (i, region) in regions.iter().enumerate() {
        if i > 0 {
            list.push_str(", ");
        }
        list.push_str(region.as_str());
    }
    steps.info(
        StepId::Recognition,
        format!("互认地区 {list} · recognised in {list}"),
    );
    Some(regions)
}
