//! Reads of the finalized state for the API: a certificate with its status, lab, traceability
//! and history; a business; and the proof bundles that let a verifier check the same answers
//! without trusting this node.
//!
//! Every read goes through a [`Reader`] that remembers the keys it touched, so the bundle for
//! an answer proves exactly what the answer was computed from, absences included.

use std::collections::BTreeSet;

use hengxin_primitives::bundle::ProofBundle;
use hengxin_primitives::bundle::ValidatorHandoff;
use hengxin_primitives::records::{
    BusinessRecord, CertStatus, CertificateRecord, LabRecord, StandardRecord, TraceSource,
};
use hengxin_primitives::rules::{
    self, CertificateState, LinkOutcome, Lookup, TraceLookup, TraceReport,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, CreditCode, Date, Header, LabCode, StandardId};
use hengxin_runtime::Chain;
use hengxin_sled_store::SledBackend;
use hengxin_support::StorageError;
use parity_scale_codec::Decode;
use serde::Serialize;
use utoipa::ToSchema;

use crate::store::{CertChange, Store};

/// Reads the state at one height and remembers every key it read.
pub struct Reader<'a> {
    chain: &'a Chain<SledBackend>,
    height: u64,
    keys: BTreeSet<Vec<u8>>,
    error: Option<StorageError>,
}

impl<'a> Reader<'a> {
    /// A reader of the state after block `height`.
    pub fn new(chain: &'a Chain<SledBackend>, height: u64) -> Reader<'a> {
        Reader {
            chain,
            height,
            keys: BTreeSet::new(),
            error: None,
        }
    }

    /// The value at `key`, remembering the key.
    pub fn get<T: Decode>(&mut self, key: &StorageKey) -> Result<Option<T>, StorageError> {
        self.keys.insert(key.to_bytes());
        self.chain.read(key, self.height)
    }

    fn lookup<T: Decode>(&mut self, key: &StorageKey) -> Lookup<T> {
        match self.get(key) {
            Ok(Some(v)) => Lookup::Found(v),
            Ok(None) => Lookup::Absent,
            Err(e) => {
                self.error.get_or_insert(e);
                Lookup::Unavailable
            }
        }
    }

    /// A proof bundle of every key read so far, against `header` (the one read at) and its
    /// commit, with the validator-set hand-offs from genesis.
    pub fn bundle(
        self,
        store: &Store,
        genesis: &Header,
        header: &Header,
    ) -> Result<ProofBundle, QueryError> {
        if let Some(e) = self.error {
            return Err(e.into());
        }
        if header.height == 0 {
            return Err(QueryError::NothingFinalized);
        }
        let commit = store
            .commit(header.height)?
            .ok_or(QueryError::Missing("commit certificate"))?;
        let mut handoffs = Vec::new();
        for height in store.handoff_heights()? {
            if height >= header.height {
                break;
            }
            let block = store.block(height)?.ok_or(QueryError::Missing("block"))?;
            handoffs.push(ValidatorHandoff {
                header: block.header,
                commit: store
                    .commit(height)?
                    .ok_or(QueryError::Missing("commit certificate"))?,
                next_validators: self
                    .chain
                    .read(&StorageKey::NextValidators, height)?
                    .ok_or(QueryError::Missing("next validator set"))?,
            });
        }
        let entries = self
            .keys
            .iter()
            .map(|key| self.chain.state().prove(key, header.height))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(ProofBundle {
            genesis_hash: genesis.hash(),
            handoffs,
            header: header.clone(),
            commit,
            entries,
        })
    }
}

impl TraceLookup for Reader<'_> {
    fn certificate(&mut self, lab: &LabCode, number: &CertNumber) -> Lookup<CertificateRecord> {
        self.lookup(&StorageKey::Certificate(lab.clone(), number.clone()))
    }

    fn standard(&mut self, id: &StandardId) -> Lookup<StandardRecord> {
        self.lookup(&StorageKey::Standard(id.clone()))
    }
}

/// Why a query has no answer.
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// Only genesis exists: there is no commit to prove anything with yet.
    #[error("no block is finalized yet; retry in a moment")]
    NothingFinalized,
    /// A stored item the answer needs is missing.
    #[error("the store lacks a {0}")]
    Missing(&'static str),
}

/// A certificate as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateView {
    /// Issuing lab's code.
    pub lab: String,
    /// Certificate number.
    pub number: String,
    /// `verification`, `calibration` or `notice`.
    pub kind: String,
    /// Measurement category code (`LEN`, `MEC`…).
    pub category: String,
    /// The item within the category.
    pub item: String,
    /// The instrument.
    pub instrument: InstrumentView,
    /// The JJG/JJF procedure.
    pub procedure: String,
    /// 检定/校准日期, `YYYY-MM-DD`.
    pub calibration_date: String,
    /// Issue date.
    pub issue_date: String,
    /// 有效期至, when the kind has one.
    pub valid_until: Option<String>,
    /// `pass`, `fail` or `none`.
    pub conclusion: String,
    /// The standards used, as `OWNER/CODE`.
    pub standards: Vec<String>,
    /// SHA-256 of the document, hex.
    pub document_hash: String,
    /// The certificate this one replaces.
    pub supersedes: Option<String>,
    /// The lab key that anchored it, hex.
    pub signing_key: String,
    /// Height of anchoring.
    pub anchored_height: u64,
    /// `valid`, `revoked`, `superseded` or `expired` (on the day of the state read).
    pub status: String,
    /// Revocation details, when revoked.
    pub revoked: Option<RevocationView>,
    /// The replacing certificate's number, when superseded.
    pub superseded_by: Option<String>,
    /// Regions that recognise it: its lab's home region (agreements between regions come with
    /// the recognition module).
    pub recognized_in: Vec<String>,
    /// The issuing lab.
    pub issuer: Option<LabView>,
    /// The traceability chain.
    pub traceability: TraceView,
    /// What finalized transactions did to it.
    pub history: Vec<HistoryView>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// An instrument.
#[derive(Debug, Serialize, ToSchema)]
pub struct InstrumentView {
    /// 器具名称.
    pub name: String,
    /// 型号/规格.
    pub model: String,
    /// 出厂编号.
    pub serial: String,
    /// 制造单位.
    pub manufacturer: String,
}

/// A revocation.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevocationView {
    /// Why.
    pub reason: String,
    /// Height.
    pub height: u64,
    /// Chain time, UTC ms.
    pub timestamp_ms: u64,
    /// Who revoked, hex key.
    pub by: String,
}

/// A lab, briefly.
#[derive(Debug, Serialize, ToSchema)]
pub struct LabView {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Home region.
    pub region: String,
    /// `statutory_verification`, `authorized` or `cnas_calibration`.
    pub kind: String,
    /// `active` or `suspended`.
    pub status: String,
}

/// A traceability chain.
#[derive(Debug, Serialize, ToSchema)]
pub struct TraceView {
    /// Every link sound, ending at a national primary standard or an NMI certificate.
    pub complete: bool,
    /// The links, depth first.
    pub links: Vec<LinkView>,
}

/// One traceability link.
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkView {
    /// 1 for the certificate's own standards, 2 for theirs…
    pub depth: u8,
    /// The dependent certificate, `LAB/NUMBER`.
    pub certificate: String,
    /// The date the link is checked for.
    pub on: String,
    /// The standard used.
    pub standard: Option<String>,
    /// Its level.
    pub level: Option<String>,
    /// The traceability certificate: `LAB/NUMBER`, or `ISSUER NUMBER (external)`.
    pub via: Option<String>,
    /// `continues`, `terminal` or `broken`.
    pub outcome: String,
    /// Why it is broken.
    pub problem: Option<String>,
}

/// One history entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct HistoryView {
    /// Height.
    pub height: u64,
    /// Transaction hash.
    pub tx: String,
    /// `anchored`, `revoked`, `superseded_by` or `supersedes`.
    pub change: String,
    /// The other certificate's number, for supersession.
    pub other: Option<String>,
}

/// A business as the API shows it.
#[derive(Debug, Serialize, ToSchema)]
pub struct BusinessView {
    /// 统一社会信用代码.
    pub credit_code: String,
    /// Registered name.
    pub name: String,
    /// Region.
    pub region: String,
    /// `gas_station`, `market`…
    pub business_type: String,
    /// Height of registration.
    pub registered_height: u64,
    /// The finalized height this answer was read at.
    pub height: u64,
}

fn state_code(state: CertificateState) -> &'static str {
    match state {
        CertificateState::Valid => "valid",
        CertificateState::Revoked => "revoked",
        CertificateState::Superseded => "superseded",
        CertificateState::Expired => "expired",
    }
}

fn trace_view(report: &TraceReport) -> TraceView {
    let links = report
        .links
        .iter()
        .map(|link| {
            let (outcome, problem) = match &link.outcome {
                LinkOutcome::Continues => ("continues", None),
                LinkOutcome::Terminal => ("terminal", None),
                LinkOutcome::Broken(p) => ("broken", Some(p.code().to_string())),
            };
            LinkView {
                depth: link.depth,
                certificate: format!("{}/{}", link.certificate.lab, link.certificate.number),
                on: link.on.to_iso(),
                standard: link.standard.as_ref().map(ToString::to_string),
                level: link.level.map(|l| l.code().to_string()),
                via: link.via.as_ref().map(|via| match via {
                    TraceSource::Ledger { lab, number } => format!("{lab}/{number}"),
                    TraceSource::External { issuer, number, .. } => {
                        format!("{issuer} {number} (external)")
                    }
                }),
                outcome: outcome.into(),
                problem,
            }
        })
        .collect();
    TraceView {
        complete: report.is_complete(),
        links,
    }
}

/// The certificate `lab`/`number` read at `header`, or `None` when there is none. `reader`
/// keeps the keys for a bundle.
pub fn certificate(
    reader: &mut Reader<'_>,
    store: &Store,
    header: &Header,
    lab: &LabCode,
    number: &CertNumber,
) -> Result<Option<CertificateView>, QueryError> {
    let Some(record) =
        reader.get::<CertificateRecord>(&StorageKey::Certificate(lab.clone(), number.clone()))?
    else {
        return Ok(None);
    };
    let issuer = reader.get::<LabRecord>(&StorageKey::Lab(lab.clone()))?;
    let trace = rules::traceability_chain(&record, reader);
    if let Some(e) = reader.error.take() {
        return Err(e.into());
    }
    let today = Date::from_unix_ms_cst(header.timestamp_ms);
    let f = &record.fields;
    let (revoked, superseded_by) = match &record.status {
        CertStatus::Valid => (None, None),
        CertStatus::Revoked {
            reason,
            height,
            timestamp_ms,
            by,
        } => (
            Some(RevocationView {
                reason: reason.to_string(),
                height: *height,
                timestamp_ms: *timestamp_ms,
                by: by.to_hex(),
            }),
            None,
        ),
        CertStatus::Superseded { by, .. } => (None, Some(by.to_string())),
    };
    let history = store
        .certificate_history(lab, number)?
        .into_iter()
        .map(|e| {
            let (change, other) = match e.change {
                CertChange::Anchored => ("anchored", None),
                CertChange::Revoked => ("revoked", None),
                CertChange::SupersededBy(n) => ("superseded_by", Some(n.to_string())),
                CertChange::Supersedes(n) => ("supersedes", Some(n.to_string())),
            };
            HistoryView {
                height: e.height,
                tx: e.tx.to_hex(),
                change: change.into(),
                other,
            }
        })
        .collect();
    Ok(Some(CertificateView {
        lab: lab.to_string(),
        number: number.to_string(),
        kind: f.kind.code().into(),
        category: f.category.code().into(),
        item: f.item.to_string(),
        instrument: InstrumentView {
            name: f.instrument.name.to_string(),
            model: f.instrument.model.to_string(),
            serial: f.instrument.serial.to_string(),
            manufacturer: f.instrument.manufacturer.to_string(),
        },
        procedure: f.procedure.to_string(),
        calibration_date: f.calibration_date.to_iso(),
        issue_date: f.issue_date.to_iso(),
        valid_until: f.valid_until.map(Date::to_iso),
        conclusion: match f.conclusion {
            hengxin_primitives::records::Conclusion::None => "none",
            hengxin_primitives::records::Conclusion::Pass { .. } => "pass",
            hengxin_primitives::records::Conclusion::Fail { .. } => "fail",
        }
        .into(),
        standards: f.standards.iter().map(ToString::to_string).collect(),
        document_hash: f.document_hash.to_hex(),
        supersedes: record.supersedes.as_ref().map(ToString::to_string),
        signing_key: record.signing_key.to_hex(),
        anchored_height: record.anchored_height,
        status: state_code(rules::certificate_state(&record, today)).into(),
        revoked,
        superseded_by,
        recognized_in: issuer
            .as_ref()
            .map(|l| vec![l.region.to_string()])
            .unwrap_or_default(),
        issuer: issuer.map(|l| LabView {
            code: l.code.to_string(),
            name: l.name.to_string(),
            region: l.region.to_string(),
            kind: l.kind.code().into(),
            status: l.status.code().into(),
        }),
        traceability: trace_view(&trace),
        history,
        height: header.height,
    }))
}

/// The business `code` read at `header`, or `None` when it is not registered.
pub fn business(
    reader: &mut Reader<'_>,
    header: &Header,
    code: &CreditCode,
) -> Result<Option<BusinessView>, QueryError> {
    let Some(b) = reader.get::<BusinessRecord>(&StorageKey::Business(code.clone()))? else {
        return Ok(None);
    };
    Ok(Some(BusinessView {
        credit_code: b.credit_code.to_string(),
        name: b.name.to_string(),
        region: b.region.to_string(),
        business_type: b.business_type.code().into(),
        registered_height: b.registered_height,
        height: header.height,
    }))
}
