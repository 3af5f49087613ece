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
    let mut run = Run {
        client,
        signer,
        lab,
        state_path,
        state: State::load(state_path).map_err(|e| state_error(state_path, e))?,
        summary: Summary::default(),
    };
    run.summary.already = run.settled_count(entries);
    progress(run.summary.already, entries.len());
    for _round in 0..ROUNDS_MAX {
        let remaining: Vec<&CertificateFields> = entries
            .iter()
            .filter(|f| !run.state.certificates.contains_key(f.number.as_str()))
            .collect();
        if remaining.is_empty() {
            break;
        }
        run.round(&remaining, entries, &mut progress)?;
    }
    run.summary.unsettled = entries.len() - run.settled_count(entries);
    Ok(run.summary)
}

fn state_error(path: &Path, source: std::io::Error) -> ImportError {
    ImportError::State {
        path: path.display().to_string(),
        source,
    }
}

/// One import: what it works with, what it has settled, and its tally.
struct Run<'a> {
    client: &'a Client,
    signer: &'a Signer,
    lab: &'a LabCode,
    state_path: &'a Path,
    state: State,
    summary: Summary,
}

impl Run<'_> {
    fn settled_count(&self, entries: &[CertificateFields]) -> usize {
        entries
            .iter()
            .filter(|f| self.state.certificates.contains_key(f.number.as_str()))
            .count()
    }

    fn save(&self) -> Result<(), ImportError> {
        self.state
            .save(self.state_path)
            .map_err(|e| state_error(self.state_path, e))
    }

    /// Records how `fields` settled, in the state and the tally.
    fn settle(&mut self, fields: &CertificateFields, outcome: Settled) {
        match &outcome {
            Settled::Done { .. } => self.summary.anchored += 1,
            Settled::Failed { code, message } => self
                .summary
                .failed
                .push((fields.number.to_string(), format!("{message} ({code})"))),
        }
        self.state
            .certificates
            .insert(fields.number.to_string(), outcome);
    }

    /// Submits every `remaining` certificate the ledger does not hold yet, a window at a time,
    /// and waits for them to settle.
    fn round<'e>(
        &mut self,
        remaining: &[&'e CertificateFields],
        entries: &[CertificateFields],
        progress: &mut impl FnMut(usize, usize),
    ) -> Result<(), ImportError> {
        self.signer.resync();
        let mut in_flight: VecDeque<(Hash, &'e CertificateFields)> = VecDeque::new();
        for &fields in remaining {
            if let Some(hash) = self.send(fields)? {
                in_flight.push_back((hash, fields));
            }
            if in_flight.len() >= WINDOW {
                self.drain(&mut in_flight, WINDOW / 2)?;
                self.save()?;
                progress(self.settled_count(entries), entries.len());
            }
        }
        self.drain(&mut in_flight, 0)?;
        self.save()?;
        progress(self.settled_count(entries), entries.len());
        Ok(())
    }

    /// Settles `fields` by the ledger when it is there already; else submits it: the hash of
    /// the transaction in flight, if any.
    fn send(&mut self, fields: &CertificateFields) -> Result<Option<Hash>, ImportError> {
        match on_ledger(self.client, self.lab, fields)? {
            Ledger::Ours(height) => {
                self.state
                    .certificates
                    .insert(fields.number.to_string(), Settled::Done { height });
                self.summary.already += 1;
                return Ok(None);
            }
            Ledger::Other => {
                let outcome = Settled::Failed {
                    code: "number_taken".into(),
                    message: "the ledger holds another document under this number".into(),
                };
                self.settle(fields, outcome);
                return Ok(None);
            }
            Ledger::Absent => {}
        }
        let call = Call::Certificates(certificates::Call::Anchor {
            fields: fields.clone(),
        });
        let tx = self.signer.sign(self.client, call)?;
        match self.client.submit(&tx) {
            Ok(hash) => Ok(Some(hash)),
            Err(e) if is_transient(&e) => {
                self.signer.resync();
                Ok(None)
            }
            Err(ClientError::Api { code, message, .. }) => {
                self.signer.resync();
                self.settle(fields, Settled::Failed { code, message });
                Ok(None)
            }
            Err(e) => {
                self.save()?;
                Err(e.into())
            }
        }
    }

    /// Waits until at most `keep` transactions are in flight, settling those that finalize;
    /// stops early (leaving the rest for the next round) when nothing settles for [`STALL`].
    fn drain(
        &mut self,
        in_flight: &mut VecDeque<(Hash, &CertificateFields)>,
        keep: usize,
    ) -> Result<(), ClientError> {
        let mut last_progress = Instant::now();
        while in_flight.len() > keep {
            let Some(&(hash, fields)) = in_flight.front() else {
                break;
            };
            match self.client.status(&hash)? {
                Some(status) if status.status == TxState::Finalized => {
                    in_flight.pop_front();
                    let height = status.height.unwrap_or(0);
                    self.settle(fields, Settled::Done { height });
                    last_progress = Instant::now();
                }
                Some(status) if status.status == TxState::Rejected => {
                    in_flight.pop_front();
                    let outcome = self.rejected(fields, status.error)?;
                    self.settle(fields, outcome);
                    last_progress = Instant::now();
                }
                _ if last_progress.elapsed() > STALL => {
                    // Stuck behind a refused nonce, or lost: the next round decides by the
                    // ledger.
                    in_flight.clear();
                    break;
                }
                _ => std::thread::sleep(Duration::from_millis(50)),
            }
        }
        Ok(())
    }

    /// How a certificate whose transaction was rejected in a block settles: a copy from an
    /// earlier round or run may be the one that made it.
    fn rejected(
        &self,
        fields: &CertificateFields,
        error: Option<ErrorDetail>,
    ) -> Result<Settled, ClientError> {
        Ok(match on_ledger(self.client, self.lab, fields)? {
            Ledger::Ours(height) => Settled::Done { height },
            _ => {
                let error = error.unwrap_or_else(|| ErrorDetail {
                    code: "rejected".into(),
                    message: "rejected in a block".into(),
                });
                Settled::Failed {
                    code: error.code,
                    message: error.message,
                }
            }
        })
    }
}
