//! The indexes fed by events, written in the block's own batch: what each finalized transaction
//! did to a certificate (its history, under `c` + the SCALE of (lab, number) + height + index).
//! This module knows the pallets' events; the store that calls it does not.

use hengxin_primitives::{CertNumber, Hash, LabCode};
use hengxin_runtime::{Event, certificates};
use hengxin_support::{StorageError, WriteBatch};
use parity_scale_codec::{Decode, Encode};

use super::{Store, TxRecord, decode, key};

const CERT_HISTORY: u8 = b'c';

/// What a finalized transaction did to a certificate.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum CertChange {
    /// Anchored.
    #[codec(index = 0)]
    Anchored,
    /// Revoked.
    #[codec(index = 1)]
    Revoked,
    /// Replaced by the certificate numbered so.
    #[codec(index = 2)]
    SupersededBy(CertNumber),
    /// Anchored in place of the certificate numbered so.
    #[codec(index = 3)]
    Supersedes(CertNumber),
}

/// One entry of a certificate's history.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CertHistoryEntry {
    /// Block height.
    pub height: u64,
    /// The transaction.
    pub tx: Hash,
    /// What it did.
    pub change: CertChange,
}

/// The most history entries kept per certificate (a certificate changes a few times at most).
pub const CERT_HISTORY_MAX: usize = 64;

fn cert_key(lab: &LabCode, number: &CertNumber) -> Vec<u8> {
    key(CERT_HISTORY, &(lab, number).encode())
}

/// The certificates an event touches, and how.
fn cert_changes(event: &Event) -> Vec<(LabCode, CertNumber, CertChange)> {
    use certificates::Event as E;
    match event {
        Event::Certificates(E::CertificateAnchored { lab, number }) => {
            vec![(lab.clone(), number.clone(), CertChange::Anchored)]
        }
        Event::Certificates(E::CertificateRevoked { lab, number }) => {
            vec![(lab.clone(), number.clone(), CertChange::Revoked)]
        }
        Event::Certificates(E::CertificateSuperseded { lab, old, new }) => vec![
            (
                lab.clone(),
                old.clone(),
                CertChange::SupersededBy(new.clone()),
            ),
            (
                lab.clone(),
                new.clone(),
                CertChange::Supersedes(old.clone()),
            ),
        ],
        _ => Vec::new(),
    }
}

/// Writes to `batch` what the events of the transaction `tx`, finalized as `record`, add to
/// the indexes.
pub(super) fn index_events(batch: &mut WriteBatch, record: &TxRecord, tx: Hash, events: &[Event]) {
    for (lab, number, change) in events.iter().flat_map(cert_changes) {
        let mut k = cert_key(&lab, &number);
        k.extend_from_slice(&record.height.to_be_bytes());
        k.extend_from_slice(&record.index.to_be_bytes());
        let entry = CertHistoryEntry {
            height: record.height,
            tx,
            change,
        };
        batch.put(k, entry.encode());
    }
}

impl Store {
    /// What finalized transactions did to a certificate, oldest first (at most
    /// [`CERT_HISTORY_MAX`]; certificates of the genesis have none).
    pub fn certificate_history(
        &self,
        lab: &LabCode,
        number: &CertNumber,
    ) -> Result<Vec<CertHistoryEntry>, StorageError> {
        let entries = self
            .backend
            .scan_prefix(&cert_key(lab, number), CERT_HISTORY_MAX)?
            .iter()
            .map(|(_, bytes)| decode::<CertHistoryEntry>("certificate history", bytes))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(entries
            .into_iter()
            .filter(|e| self.published(e.height))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use hengxin_runtime::certificates::Call as CertCall;
    use hengxin_runtime::{Call, Transaction};

    use hengxin_support::Backend;

    use super::super::tests::{anchor, commit_txs, lab_tx, open_with_genesis};
    use super::*;

    #[test]
    fn anchors_revocations_and_supersessions_make_each_certificates_history() {
        let dir = tempfile::tempdir().unwrap();
        let (store, genesis) = open_with_genesis(dir.path());
        let (a0, a1) = (anchor(&genesis, 0), anchor(&genesis, 1));
        let (head, _) = commit_txs(&store, &genesis, &genesis, vec![a0.clone(), a1.clone()]);
        let lab: LabCode = "CQJL".parse().unwrap();
        let number = |n: &str| -> CertNumber { n.parse().unwrap() };
        let revoke = lab_tx(
            &genesis,
            2,
            Call::Certificates(CertCall::Revoke {
                lab: lab.clone(),
                number: number("R-0"),
                reason: hengxin_primitives::Text::lossy("entered in error"),
            }),
        );
        let Call::Certificates(CertCall::Anchor { mut fields }) = a1.payload.call.clone() else {
            panic!("an anchor");
        };
        fields.number = number("R-9");
        fields.document_hash = hengxin_primitives::crypto::sha256(b"R-9");
        let supersede = lab_tx(
            &genesis,
            3,
            Call::Certificates(CertCall::Supersede {
                old: number("R-1"),
                fields,
            }),
        );
        let (_, outcomes) = commit_txs(
            &store,
            &genesis,
            &head,
            vec![revoke.clone(), supersede.clone()],
        );
        assert!(outcomes.iter().all(|o| o.result.is_ok()), "{outcomes:?}");
        let entry = |height, tx: &Transaction, change| CertHistoryEntry {
            height,
            tx: tx.hash(),
            change,
        };
        let history = |n: &str| store.certificate_history(&lab, &number(n)).unwrap();
        assert_eq!(
            history("R-0"),
            vec![
                entry(1, &a0, CertChange::Anchored),
                entry(2, &revoke, CertChange::Revoked)
            ]
        );
        assert_eq!(
            history("R-1"),
            vec![
                entry(1, &a1, CertChange::Anchored),
                entry(2, &supersede, CertChange::SupersededBy(number("R-9")))
            ]
        );
        assert_eq!(
            history("R-9"),
            vec![entry(2, &supersede, CertChange::Supersedes(number("R-1")))]
        );
        assert!(history("R-5").is_empty());
        // On disk: `c`, the SCALE of (lab, number), the height and the position, big-endian.
        let mut row = vec![b'c'];
        row.extend_from_slice(&(&lab, &number("R-9")).encode());
        row.extend_from_slice(&2u64.to_be_bytes());
        row.extend_from_slice(&1u32.to_be_bytes());
        assert!(store.backend.get(&row).unwrap().is_some());
    }
}
