//! Reads of the finalized state for the API: a certificate with its status, lab, traceability
//! and history; a business; and the proof bundles that let a verifier check the same answers
//! without trusting this node.
//!
//! Every read goes through a [`Reader`] that remembers the keys it touched, so the bundle for
//! an answer proves exactly what the answer was computed from, absences included.

mod inspections;
mod instruments;

use std::collections::BTreeSet;

use hengxin_api_types::{
    BusinessView, CertificateView, Change, CommitmentView, CreditRecordView, HistoryView,
    InstrumentUseView, InstrumentView, LabView, LinkView, RevocationView, SealView, SignerView,
    TraceView,
};
use hengxin_primitives::bundle::ProofBundle;
use hengxin_primitives::bundle::ValidatorHandoff;
use hengxin_primitives::gather::{self, CertificateContext, CertificateFacts, CreditInputs};
use hengxin_primitives::read::{ReadError, StateRead};
use hengxin_primitives::records::{CertStatus, LabRecord, TraceSource};
use hengxin_primitives::rules::{self, LinkOutcome, TraceReport};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{CertNumber, CreditCode, Date, Hash, Header, LabCode, Text};
use hengxin_runtime::Chain;
use hengxin_sled_store::SledBackend;
use hengxin_support::{Overlay, Storage, StorageError};

use crate::store::{CertChange, Store};

pub use inspections::{BUSINESS_PAGE_MAX, BusinessPage, businesses, plan, plans};
pub use instruments::{
    INSTRUMENT_PAGE_MAX, InstrumentFilter, classes as instrument_classes, instrument, instruments,
    read_instrument,
};

/// Reads the state at one height and remembers every key it read: the node's side of the one
/// read path ([`gather`]), whose keys become the proof bundle.
pub struct Reader<'a> {
    chain: &'a Chain<SledBackend>,
    view: Overlay<'a, SledBackend>,
    keys: BTreeSet<Vec<u8>>,
}

impl StateRead for Reader<'_> {
    type Error = QueryError;

    fn read_raw(&mut self, key: &StorageKey) -> Result<Option<Vec<u8>>, QueryError> {
        let key = key.to_bytes();
        let value = self.view.get_raw(&key)?;
        self.keys.insert(key);
        Ok(value)
    }
}

impl<'a> Reader<'a> {
    /// A reader of the state after block `height`.
    pub fn new(chain: &'a Chain<SledBackend>, height: u64) -> Reader<'a> {
        Reader {
            chain,
            view: chain.view(height),
            keys: BTreeSet::new(),
        }
    }

    /// A proof bundle of every key read so far, against `header` (the one read at) and its
    /// commit, with the validator-set hand-offs from the set the verifier trusts, `trusted`
    /// (its trust anchor's set; `None` for the genesis set): only those since that set took
    /// over, so a verifier that advances its anchor keeps its bundles small for the life of
    /// the chain.
    pub fn bundle(
        self,
        store: &Store,
        genesis: &Header,
        header: &Header,
        trusted: Option<&Hash>,
    ) -> Result<ProofBundle, QueryError> {
        if header.height == 0 {
            return Err(QueryError::NothingFinalized);
        }
        let commit = store
            .commit(header.height)?
            .ok_or(QueryError::Missing("commit certificate"))?;
        let trusted = trusted.unwrap_or(&genesis.validator_set_hash);
        // Newest first, back to the hand-off to the trusted set (or to genesis).
        let mut handoffs = Vec::new();
        let mut reached = *trusted == genesis.validator_set_hash;
        for height in store.handoff_heights()?.into_iter().rev() {
            if height >= header.height {
                continue;
            }
            let block = store.block(height)?.ok_or(QueryError::Missing("block"))?;
            if block.header.next_validator_set_hash == *trusted {
                reached = true;
                break;
            }
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
        if !reached {
            return Err(QueryError::UnknownValidatorSet(*trusted));
        }
        handoffs.reverse();
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
    /// The verifier trusts a validator set this chain never handed over to.
    #[error(
        "validator set {0} is not one this chain has had; give the hash of your trust anchor's \
         set (or none, for the genesis set)"
    )]
    UnknownValidatorSet(Hash),
}

impl From<ReadError> for QueryError {
    fn from(e: ReadError) -> QueryError {
        QueryError::Storage(e.into())
    }
}

fn trace_view(report: &TraceReport) -> TraceView {
    let links = report
        .links
        .iter()
        .map(|link| {
            let problem = match &link.outcome {
                LinkOutcome::Broken(p) => Some(p),
                LinkOutcome::Continues | LinkOutcome::Terminal => None,
            };
            LinkView {
                depth: link.depth,
                certificate: format!("{}/{}", link.certificate.lab, link.certificate.number),
                on: link.on,
                standard: link.standard.as_ref().map(ToString::to_string),
                level: link.level,
                via: link.via.as_ref().map(|via| match via {
                    TraceSource::Ledger { lab, number } => format!("{lab}/{number}"),
                    TraceSource::External { issuer, number, .. } => {
                        format!("{issuer} {number} (external)")
                    }
                }),
                outcome: link.outcome.word(),
                problem: problem.map(|p| p.code().to_string()),
                problem_text: problem.map(|p| p.sentence()),
                text: link.line(),
            }
        })
        .collect();
    TraceView {
        complete: report.is_complete(),
        summary: report.summary(),
        links,
    }
}

/// The revocation (with whom the revoking key acts for, as gathered), or the replacing
/// certificate and when, of a stored status.
fn status_views(
    status: &CertStatus,
    revoker: Option<&str>,
) -> (Option<RevocationView>, Option<(CertNumber, u64)>) {
    match status {
        CertStatus::Valid => (None, None),
        CertStatus::Revoked {
            reason,
            height,
            timestamp_ms,
            by,
        } => {
            let revocation = RevocationView {
                reason: reason.clone(),
                height: *height,
                timestamp_ms: *timestamp_ms,
                by: *by,
                by_name: revoker.map(Text::lossy),
            };
            (Some(revocation), None)
        }
        CertStatus::Superseded {
            by, timestamp_ms, ..
        } => (None, Some((by.clone(), *timestamp_ms))),
    }
}

/// What finalized transactions did to the certificate, from the store's index.
fn history_views(
    store: &Store,
    lab: &LabCode,
    number: &CertNumber,
) -> Result<Vec<HistoryView>, QueryError> {
    Ok(store
        .certificate_history(lab, number)?
        .into_iter()
        .map(|e| {
            let (change, other) = match e.change {
                CertChange::Anchored => (Change::Anchored, None),
                CertChange::Revoked => (Change::Revoked, None),
                CertChange::SupersededBy(n) => (Change::SupersededBy, Some(n)),
                CertChange::Supersedes(n) => (Change::Supersedes, Some(n)),
            };
            HistoryView {
                height: e.height,
                tx: e.tx,
                change,
                other,
            }
        })
        .collect())
}

fn lab_view(l: LabRecord) -> LabView {
    LabView {
        code: l.code,
        name: l.name,
        region: l.region,
        kind: l.kind,
        status: l.status,
    }
}

/// The certificate `lab`/`number` read at `header`, as the API answers it; `None` when there
/// is none. `reader` keeps the keys for a bundle.
pub fn certificate(
    reader: &mut Reader<'_>,
    store: &Store,
    header: &Header,
    lab: &LabCode,
    number: &CertNumber,
) -> Result<Option<CertificateView>, QueryError> {
    let Some(facts) = gather::certificate(reader, lab, number)? else {
        return Ok(None);
    };
    let context = gather::certificate_context(reader, &facts)?;
    let history = history_views(store, lab, number)?;
    Ok(Some(certificate_view(facts, context, history, header)))
}

/// Reads what a certificate's proof bundle carries, through the one read path: the certificate
/// and its lab, and with `context` its revoker, recognition and traceability.
pub fn read_certificate(
    reader: &mut Reader<'_>,
    lab: &LabCode,
    number: &CertNumber,
    context: bool,
) -> Result<(), QueryError> {
    if let Some(facts) = gather::certificate(reader, lab, number)?
        && context
    {
        gather::certificate_context(reader, &facts)?;
    }
    Ok(())
}

/// The API's view of a certificate's gathered facts.
fn certificate_view(
    facts: CertificateFacts,
    context: CertificateContext,
    history: Vec<HistoryView>,
    header: &Header,
) -> CertificateView {
    let CertificateFacts { record, issuer } = facts;
    let today = Date::from_unix_ms_cst(header.timestamp_ms);
    let f = &record.fields;
    let (revoked, superseded) = status_views(&record.status, context.revoker.as_deref());
    let signer = f.signer.map(|fingerprint| SignerView {
        fingerprint,
        subject: issuer
            .as_ref()
            .and_then(|i| i.dcc_cert(&fingerprint))
            .map(|c| c.subject.clone()),
    });
    CertificateView {
        lab: record.lab.clone(),
        number: f.number.clone(),
        kind: f.kind,
        category: f.category,
        item: f.item.clone(),
        instrument: InstrumentView {
            name: f.instrument.name.clone(),
            model: f.instrument.model.clone(),
            serial: f.instrument.serial.clone(),
            manufacturer: f.instrument.manufacturer.clone(),
        },
        procedure: f.procedure.clone(),
        calibration_date: f.calibration_date,
        issue_date: f.issue_date,
        valid_until: f.valid_until,
        conclusion: f.conclusion.word(),
        standards: f.standards.iter().map(ToString::to_string).collect(),
        document_hash: f.document_hash,
        supersedes: record.supersedes.clone(),
        for_instrument: f.for_instrument.as_deref().map(|u| InstrumentUseView {
            id: u.id.clone(),
            seals: u
                .seals
                .iter()
                .map(|s| SealView {
                    position: s.position.clone(),
                    number: s.number.clone(),
                })
                .collect(),
        }),
        signing_key: record.signing_key,
        anchored_height: record.anchored_height,
        status: rules::certificate_state(&record, today),
        revoked,
        superseded_by: superseded.as_ref().map(|(by, _)| by.clone()),
        superseded_at_ms: superseded.map(|(_, at)| at),
        signer,
        recognized_in: context.recognized_in,
        issuer: issuer.map(lab_view),
        traceability: trace_view(&context.trace),
        history,
        height: header.height,
    }
}

/// The business `code` and its credit on `on` (default: the date of `header`), read at
/// `header`, or `None` when it is not registered. The reader keeps the business, its
/// commitments, all its records and the rule table: the bundle proves everything the grade is
/// computed from.
pub fn business(
    reader: &mut Reader<'_>,
    header: &Header,
    code: &CreditCode,
    on: Option<Date>,
) -> Result<Option<BusinessView>, QueryError> {
    let Some((b, inputs)) = gather::business(reader, code)? else {
        return Ok(None);
    };
    let on = on.unwrap_or_else(|| Date::from_unix_ms_cst(header.timestamp_ms));
    let standing = inputs.standing(on);
    let commitment = inputs.commitment_on(on);
    let CreditInputs {
        records, params, ..
    } = &inputs;
    Ok(Some(BusinessView {
        credit_code: b.credit_code,
        name: b.name,
        region: b.region,
        business_type: b.business_type,
        on,
        grade: standing.grade,
        score: standing.score,
        commitment: commitment.map(|c| CommitmentView {
            document_hash: c.document_hash,
            date: c.date,
            current: c.is_current(on, params),
        }),
        records: records
            .iter()
            .map(|r| CreditRecordView {
                id: r.id,
                code: r.event,
                date: r.date,
                points: params.rule(r.event).points,
                counts_until: r.counts_until(params),
                state: r.state(on, params),
                evidence_hash: r.evidence_hash,
                recorded_by: r.recorded_by,
                repair_applied: r.repair_applied,
            })
            .collect(),
        registered_height: b.registered_height,
        height: header.height,
    }))
}
