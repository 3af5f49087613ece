//! The hengxin runtime: calls, dispatch, block execution and genesis.
//!
//! The `Call` enum, dispatch with signature, chain, nonce and role checks, block execution to a
//! new state root, and genesis from a [`GenesisConfig`] (the consortium file and the `--dev`
//! demo consortium that make one are the `hengxin-chain-spec` crate's).

mod chain;
mod genesis;

pub use chain::{BlockError, Chain, CheckedSignatures, Executed};
pub use genesis::{GenesisConfig, GenesisError};
pub use hengxin_certificates as certificates;
pub use hengxin_credit as credit;
pub use hengxin_inspection as inspection;
pub use hengxin_instruments as instruments;
pub use hengxin_membership as membership;
pub use hengxin_recognition as recognition;
pub use hengxin_standards as standards;

use hengxin_primitives::codec::{DecodeError, decode_strict};
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::tx::TX_SIZE_BYTES_MAX;
use hengxin_primitives::{Hash, Header, SignedTx};
use parity_scale_codec::{Decode, Encode};

/// Everything a transaction can ask. The indexes are the wire format: never reuse one.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Regions, labs, inspectors, businesses, validators.
    #[codec(index = 0)]
    Membership(membership::Call),
    /// Anchor, revoke, supersede.
    #[codec(index = 1)]
    Certificates(certificates::Call),
    /// Standards and traceability.
    #[codec(index = 2)]
    Standards(standards::Call),
    /// 川渝 mutual-recognition agreements.
    #[codec(index = 3)]
    Recognition(recognition::Call),
    /// Integrity-metrology credit (诚信计量).
    #[codec(index = 4)]
    Credit(credit::Call),
    /// Random inspections (双随机).
    #[codec(index = 5)]
    Inspection(inspection::Call),
    /// Instruments in use (一器一码).
    #[codec(index = 6)]
    Instruments(instruments::Call),
}

/// A signed transaction of this runtime.
pub type Transaction = SignedTx<Call>;

/// Why submitted bytes are not a transaction.
#[derive(Clone, PartialEq, Eq, Debug, thiserror::Error)]
pub enum TxDecodeError {
    /// Over the size limit.
    #[error("transaction is {size} bytes; the limit is {TX_SIZE_BYTES_MAX}")]
    TooLarge {
        /// Its size.
        size: usize,
    },
    /// Not a transaction of this runtime (or not canonical SCALE).
    #[error(transparent)]
    Undecodable(#[from] DecodeError),
}

/// Decodes a transaction from untrusted bytes: size limit first, then strict SCALE (identifiers
/// checked, no trailing bytes, no unknown call).
pub fn decode_transaction(bytes: &[u8]) -> Result<Transaction, TxDecodeError> {
    if bytes.len() > TX_SIZE_BYTES_MAX {
        return Err(TxDecodeError::TooLarge { size: bytes.len() });
    }
    Ok(decode_strict("transaction", bytes)?)
}

/// What a successful transaction did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// From membership.
    #[codec(index = 0)]
    Membership(membership::Event),
    /// From certificates.
    #[codec(index = 1)]
    Certificates(certificates::Event),
    /// From standards.
    #[codec(index = 2)]
    Standards(standards::Event),
    /// From recognition.
    #[codec(index = 3)]
    Recognition(recognition::Event),
    /// From credit.
    #[codec(index = 4)]
    Credit(credit::Event),
    /// From inspection.
    #[codec(index = 5)]
    Inspection(inspection::Event),
    /// From instruments.
    #[codec(index = 6)]
    Instruments(instruments::Event),
}

/// Why a transaction failed. A failed transaction changes nothing, not even its nonce.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum TxError {
    /// The signature is not the signer's over this payload.
    #[codec(index = 0)]
    #[error("bad signature: the transaction was not signed by its signer's key")]
    BadSignature,
    /// For another chain.
    #[codec(index = 1)]
    #[error("transaction is for another chain (genesis {found}, this chain is {expected})")]
    WrongChain {
        /// This chain's genesis.
        expected: Hash,
        /// The transaction's.
        found: Hash,
    },
    /// The nonce was already used: a replay, or a stale nonce.
    #[codec(index = 2)]
    #[error("nonce {found} was already used; the account's next nonce is {expected}")]
    StaleNonce {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's.
        found: u64,
    },
    /// The nonce skips ahead.
    #[codec(index = 3)]
    #[error("nonce {found} is ahead; the account's next nonce is {expected}")]
    FutureNonce {
        /// The account's next nonce.
        expected: u64,
        /// The transaction's.
        found: u64,
    },
    /// Past its `valid_until_height`.
    #[codec(index = 4)]
    #[error("transaction expired at height {valid_until_height}; the chain is at {height}")]
    Expired {
        /// The transaction's limit.
        valid_until_height: u64,
        /// The block height.
        height: u64,
    },
    /// Signed with a key of the other scheme than the chain's.
    #[codec(index = 5)]
    #[error(
        "the transaction is signed with an {found} key, and this chain uses {chain}: sign with a key of the chain's scheme"
    )]
    WrongScheme {
        /// The chain's scheme.
        chain: Scheme,
        /// The signer's.
        found: Scheme,
    },
    /// Refused by membership.
    #[codec(index = 10)]
    #[error(transparent)]
    Membership(membership::Error),
    /// Refused by certificates.
    #[codec(index = 11)]
    #[error(transparent)]
    Certificates(certificates::Error),
    /// Refused by standards.
    #[codec(index = 12)]
    #[error(transparent)]
    Standards(standards::Error),
    /// Refused by recognition.
    #[codec(index = 13)]
    #[error(transparent)]
    Recognition(recognition::Error),
    /// Refused by credit.
    #[codec(index = 14)]
    #[error(transparent)]
    Credit(credit::Error),
    /// Refused by inspection.
    #[codec(index = 15)]
    #[error(transparent)]
    Inspection(inspection::Error),
    /// Refused by instruments.
    #[codec(index = 16)]
    #[error(transparent)]
    Instruments(instruments::Error),
}

impl TxError {
    /// A stable machine-readable code: `bad_signature`, `stale_nonce`,
    /// `certificates.not_in_scope`, … Clients match on it, so each is written out here and in
    /// the pallets' `Error::code`.
    pub fn code(&self) -> &'static str {
        match self {
            TxError::BadSignature => "bad_signature",
            TxError::WrongChain { .. } => "wrong_chain",
            TxError::StaleNonce { .. } => "stale_nonce",
            TxError::FutureNonce { .. } => "future_nonce",
            TxError::Expired { .. } => "expired",
            TxError::WrongScheme { .. } => "wrong_scheme",
            TxError::Membership(e) => e.code(),
            TxError::Certificates(e) => e.code(),
            TxError::Standards(e) => e.code(),
            TxError::Recognition(e) => e.code(),
            TxError::Credit(e) => e.code(),
            TxError::Inspection(e) => e.code(),
            TxError::Instruments(e) => e.code(),
        }
    }
}

/// A transaction's outcome in a block.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct TxOutcome {
    /// The transaction's hash.
    pub hash: Hash,
    /// Its events, or why it failed.
    pub result: Result<Vec<Event>, TxError>,
}

/// A block: header and transactions.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Block {
    /// The header (its `state_root` is after the transactions).
    pub header: Header,
    /// The transactions, in execution order.
    pub transactions: Vec<Transaction>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_codes_are_snake_case_and_namespaced() {
        assert_eq!(TxError::BadSignature.code(), "bad_signature");
        assert_eq!(
            TxError::StaleNonce {
                expected: 1,
                found: 0
            }
            .code(),
            "stale_nonce"
        );
        let e = certificates::Error::NotLabKey;
        assert_eq!(TxError::Certificates(e).code(), "certificates.not_lab_key");
        let e = membership::Error::NoSuchProposal(3);
        assert_eq!(TxError::Membership(e).code(), "membership.no_such_proposal");
    }

    #[test]
    fn every_transaction_error_has_its_stable_code() {
        let cases = [
            (TxError::BadSignature, "bad_signature"),
            (
                TxError::WrongScheme {
                    chain: Scheme::Ed25519Sha256,
                    found: Scheme::Sm2Sm3,
                },
                "wrong_scheme",
            ),
            (
                TxError::WrongChain {
                    expected: Hash::ZERO,
                    found: Hash([1; 32]),
                },
                "wrong_chain",
            ),
            (
                TxError::StaleNonce {
                    expected: 2,
                    found: 1,
                },
                "stale_nonce",
            ),
            (
                TxError::FutureNonce {
                    expected: 2,
                    found: 3,
                },
                "future_nonce",
            ),
            (
                TxError::Expired {
                    valid_until_height: 5,
                    height: 6,
                },
                "expired",
            ),
            (
                TxError::Membership(membership::Error::NotRegulator),
                "membership.not_regulator",
            ),
            (
                TxError::Certificates(certificates::Error::NotLabKey),
                "certificates.not_lab_key",
            ),
            (
                TxError::Standards(standards::Error::InvalidAssessment),
                "standards.invalid_assessment",
            ),
            (
                TxError::Recognition(recognition::Error::NotPartner(
                    hengxin_primitives::RegionCode::new("SC").unwrap(),
                )),
                "recognition.not_partner",
            ),
            (
                TxError::Credit(credit::Error::TooManyRecords),
                "credit.too_many_records",
            ),
            (
                TxError::Inspection(inspection::Error::EmptyPool),
                "inspection.empty_pool",
            ),
        ];
        for (error, code) in cases {
            assert_eq!(error.code(), code, "{error:?}");
        }
    }
}
