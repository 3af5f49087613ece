//! Anchoring many certificates: pipelined submissions from one lab key, a state file so an
//! interrupted import resumes where it stopped, and the ledger as the judge of what is done, so
//! nothing is anchored twice and nothing is skipped.
//!
//! Each round signs the remaining certificates with consecutive nonces and submits them, keeping
//! up to a window of transactions in flight, then waits for the round to settle. A certificate
//! is done when the ledger holds it with this document's hash, failed when the chain refuses it
//! (or another document holds its number), and otherwise tried again next round with fresh
//! nonces: that covers transactions lost with a crashed process and those stuck behind a
//! refused nonce.

use std::collections::{BTreeMap, VecDeque};
use std::path::Path;
use std::time::{Duration, Instant};

use hengxin_api_types::{ErrorCode, ErrorDetail, TxState};
use hengxin_primitives::files::write_atomic;
use hengxin_primitives::records::CertificateFields;
use hengxin_primitives::{Hash, LabCode};
use hengxin_runtime::{Call, certificates};
use serde::{Deserialize, Serialize};

use crate::api::{Client, ClientError};
use crate::signer::{Signer, is_nonce_refusal};

/// Transactions in flight at once.
pub const WINDOW: usize = 256;
/// Rounds before the import gives up on what is still unsettled.
const ROUNDS_MAX: usize = 8;
/// How long a round waits without any progress before it moves on.
const STALL: Duration = Duration::from_secs(10);
/// Nonce refusals and full pools are transient (another copy is still in a pool, or the node is
/// busy): retried next round.
fn is_transient(e: &ClientError) -> bool {
    is_nonce_refusal(e) || e.is(ErrorCode::MempoolFull) || e.is(ErrorCode::AccountPoolFull)
}

/// What the state file remembers of one certificate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Settled {
    /// On the ledger with this document's hash.
    Done {
        /// Height of anchoring.
        height: u64,
    },
    /// Refused.
    Failed {
        /// The stable code.
        code: String,
        /// Why.
        message: String,
    },
}

/// The state file: every settled certificate by number.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct State {
    /// By certificate number.
    pub certificates: BTreeMap<String, Settled>,
}

impl State {
    /// Reads the state file, or an empty state when there is none.
    pub fn load(path: &Path) -> std::io::Result<State> {
        match std::fs::read_to_string(path) {
            Ok(text) => serde_json::from_str(&text)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(State::default()),
            Err(e) => Err(e),
        }
    }

    fn save(&self, path: &Path) -> std::io::Result<()> {
        let text = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        write_atomic(path, &text, false)
    }
}

/// Why an import stopped before it was through.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The node is gone (the state is saved: run again to resume).
    #[error(transparent)]
    Client(#[from] ClientError),
    /// The state file cannot be read or written.
    #[error("state file {path}: {source}")]
    State {
        /// Where.
        path: String,
        /// Why.
        source: std::io::Error,
    },
}

/// What an import did.
#[derive(Debug, Default)]
pub struct Summary {
    /// Anchored by this run.
    pub anchored: usize,
    /// Already done before (by an earlier run, or found on the ledger).
    pub already: usize,
    /// Refused, with the reason, by number.
    pub failed: Vec<(String, String)>,
    /// Still unsettled after every round (run again).
    pub unsettled: usize,
}

enum Ledger {
    Ours(u64),
    Other,
    Absent,
}

fn on_ledger(
    client: &Client,
    lab: &LabCode,
    fields: &CertificateFields,
) -> Result<Ledger, ClientError> {
    Ok(match client.certificate(lab, &fields.number)? {
        Some(c) if c.document_hash == fields.document_hash => Ledger::Ours(c.anchored_height),
        Some(_) => Ledger::Other,
        None => Ledger::Absent,
    })
}

/// Anchors `entries` of `lab` with `signer`, remembering settled ones in `state_path`;
/// `progress(settled, total)` is called as certificates settle.
pub fn import(
    client: &Client,
    signer: &Signer,
    lab: &LabCode,
    entries: &[CertificateFields],
    state_path: &Path,
    mut progress: impl FnMut(usize, usize),
) -> Result<Summary, ImportError> {
    let state_error = |source| ImportError::State {
        path: state_path.display().to_string(),
        source,
    };
    let mut state = State::load(state_path).map_err(state_error)?;
    let mut summary = Summary::default();
    let settled_count = |state: &State| {
        entries
            .iter()
            .filter(|f| state.certificates.contains_key(f.number.as_str()))
            .count()
    };
    summary.already = settled_count(&state);
    progress(summary.already, entries.len());

    for _round in 0..ROUNDS_MAX {
        let remaining: Vec<&CertificateFields> = entries
            .iter()
            .filter(|f| !state.certificates.contains_key(f.number.as_str()))
            .collect();
        if remaining.is_empty() {
            break;
        }
        signer.resync();
        let mut in_flight: VecDeque<(Hash, &CertificateFields)> = VecDeque::new();
        let settle = |state: &mut State,
                      summary: &mut Summary,
                      fields: &CertificateFields,
                      outcome: Settled| {
            match &outcome {
                Settled::Done { .. } => summary.anchored += 1,
                Settled::Failed { code, message } => summary
                    .failed
                    .push((fields.number.to_string(), format!("{message} ({code})"))),
            }
            state
                .certificates
                .insert(fields.number.to_string(), outcome);
        };
        for fields in remaining {
            match on_ledger(client, lab, fields)? {
                Ledger::Ours(height) => {
                    state
                        .certificates
                        .insert(fields.number.to_string(), Settled::Done { height });
                    summary.already += 1;
                    continue;
                }
                Ledger::Other => {
                    settle(
                        &mut state,
                        &mut summary,
                        fields,
                        Settled::Failed {
                            code: "number_taken".into(),
                            message: "the ledger holds another document under this number".into(),
                        },
                    );
                    continue;
                }
                Ledger::Absent => {}
            }
            let call = Call::Certificates(certificates::Call::Anchor {
                fields: fields.clone(),
            });
            let tx = signer.sign(client, call)?;
            match client.submit(&tx) {
                Ok(hash) => in_flight.push_back((hash, fields)),
                Err(e) if is_transient(&e) => signer.resync(),
                Err(ClientError::Api { code, message, .. }) => {
                    signer.resync();
                    settle(
                        &mut state,
                        &mut summary,
                        fields,
                        Settled::Failed { code, message },
                    );
                }
                Err(e) => {
                    state.save(state_path).map_err(state_error)?;
                    return Err(e.into());
                }
            }
            if in_flight.len() >= WINDOW {
                drain(
                    client,
                    lab,
                    &mut in_flight,
                    WINDOW / 2,
                    &mut |fields, outcome| settle(&mut state, &mut summary, fields, outcome),
                )?;
                state.save(state_path).map_err(state_error)?;
                progress(settled_count(&state), entries.len());
            }
        }
        drain(client, lab, &mut in_flight, 0, &mut |fields, outcome| {
            settle(&mut state, &mut summary, fields, outcome)
        })?;
        state.save(state_path).map_err(state_error)?;
        progress(settled_count(&state), entries.len());
    }
    summary.unsettled = entries.len() - settled_count(&state);
    Ok(summary)
}

/// Waits until at most `keep` transactions are in flight, settling those that finalize; stops
/// early (leaving the rest for the next round) when nothing settles for [`STALL`].
fn drain<'a>(
    client: &Client,
    lab: &LabCode,
    in_flight: &mut VecDeque<(Hash, &'a CertificateFields)>,
    keep: usize,
    settle: &mut impl FnMut(&'a CertificateFields, Settled),
) -> Result<(), ClientError> {
    let mut last_progress = Instant::now();
    while in_flight.len() > keep {
        let Some(&(hash, fields)) = in_flight.front() else {
            break;
        };
        match client.status(&hash)? {
            Some(status) if status.status == TxState::Finalized => {
                in_flight.pop_front();
                settle(
                    fields,
                    Settled::Done {
                        height: status.height.unwrap_or(0),
                    },
                );
                last_progress = Instant::now();
            }
            Some(status) if status.status == TxState::Rejected => {
                in_flight.pop_front();
                // A copy from an earlier round or run may be the one that made it.
                let outcome = match on_ledger(client, lab, fields)? {
                    Ledger::Ours(height) => Settled::Done { height },
                    _ => {
                        let error = status.error.unwrap_or_else(|| ErrorDetail {
                            code: "rejected".into(),
                            message: "rejected in a block".into(),
                        });
                        Settled::Failed {
                            code: error.code,
                            message: error.message,
                        }
                    }
                };
                settle(fields, outcome);
                last_progress = Instant::now();
            }
            _ if last_progress.elapsed() > STALL => {
                // Stuck behind a refused nonce, or lost: the next round decides by the ledger.
                in_flight.clear();
                break;
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
    Ok(())
}
