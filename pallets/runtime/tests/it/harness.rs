//! A chain on the in-memory backend with the demo genesis, and helpers to run blocks.

use hengxin_chain_spec::demo;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::records::{CertKind, CertificateFields, Conclusion, Instrument};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Category, CertNumber, Date, Hash, Header, Keypair, Text, TxPayload};
use hengxin_runtime::{Call, Chain, Event, Transaction, TxError, TxOutcome, certificates};
use hengxin_support::MemoryBackend;
use parity_scale_codec::Decode;

/// 2026-05-28T20:26:40Z.
pub const GENESIS_MS: u64 = 1_780_000_000_000;
/// Block time in tests.
pub const BLOCK_MS: u64 = 1_000;

/// The scheme the suite runs on ([`demo::test_scheme`]: `HENGXIN_TEST_CRYPTO=sm2-sm3`).
pub fn scheme() -> Scheme {
    demo::test_scheme()
}

/// The demo key `name` of the suite's scheme.
pub fn demo_key(name: &str) -> Keypair {
    demo::test_key(name)
}

/// A key of the suite's scheme from a fixed secret.
pub fn seeded(secret: &[u8; 32]) -> Keypair {
    Keypair::from_secret(scheme(), secret).expect("a secret in range")
}

pub fn validator_key() -> Keypair {
    demo_key("validator-0")
}

pub fn demo_validators() -> ValidatorSet {
    ValidatorSet::equal_power([validator_key().public()]).unwrap()
}

pub struct TestChain {
    pub chain: Chain<MemoryBackend>,
    pub head: Header,
}

impl TestChain {
    pub fn new() -> TestChain {
        let config = demo::genesis(GENESIS_MS, demo_validators()).unwrap();
        let (chain, head) = Chain::from_genesis(MemoryBackend::default(), &config).unwrap();
        TestChain { chain, head }
    }

    pub fn genesis_hash(&self) -> Hash {
        self.chain.genesis_hash()
    }

    pub fn root(&self) -> Hash {
        self.head.state_root
    }

    pub fn today(&self) -> Date {
        Date::from_unix_ms_cst(self.head.timestamp_ms)
    }

    pub fn read<T: Decode>(&self, key: &StorageKey) -> Option<T> {
        self.chain.read(key, self.head.height).unwrap()
    }

    /// A transaction with the signer's next nonce.
    pub fn tx(&self, key: &Keypair, call: Call) -> Transaction {
        let nonce = self.chain.nonce(&key.public(), self.head.height).unwrap();
        self.tx_with_nonce(key, call, nonce)
    }

    pub fn tx_with_nonce(&self, key: &Keypair, call: Call, nonce: u64) -> Transaction {
        TxPayload {
            genesis_hash: self.genesis_hash(),
            signer: key.public(),
            nonce,
            valid_until_height: self.head.height + 100,
            call,
        }
        .sign(key)
    }

    /// Executes and commits a block of `txs`.
    pub fn block(&mut self, txs: &[Transaction]) -> Vec<TxOutcome> {
        let executed = self
            .chain
            .execute(
                &self.head,
                self.head.timestamp_ms + BLOCK_MS,
                validator_key().public(),
                txs,
            )
            .unwrap();
        self.chain.commit(executed.batch).unwrap();
        self.head = executed.header;
        executed.outcomes
    }

    pub fn submit(&mut self, key: &Keypair, call: Call) -> Result<Vec<Event>, TxError> {
        let tx = self.tx(key, call);
        self.block(&[tx]).remove(0).result
    }

    /// Submits a call that must succeed; returns its one event.
    pub fn ok(&mut self, key: &Keypair, call: Call) -> Event {
        let mut events = self
            .submit(key, call)
            .unwrap_or_else(|e| panic!("call refused: {e} ({})", e.code()));
        assert_eq!(events.len(), 1);
        events.remove(0)
    }

    /// Runs `tx` in a block, asserts it failed and that the state root did not move.
    pub fn rejects_tx(&mut self, tx: Transaction) -> TxError {
        let before = self.root();
        let outcome = self.block(&[tx]).remove(0);
        assert_eq!(
            self.root(),
            before,
            "a refused transaction must leave the state root unchanged"
        );
        outcome
            .result
            .expect_err("the transaction should have been refused")
    }

    pub fn rejects(&mut self, key: &Keypair, call: Call) -> TxError {
        let tx = self.tx(key, call);
        self.rejects_tx(tx)
    }
}

pub fn text(s: &str) -> Text {
    Text::new(s).unwrap()
}

pub fn number(s: &str) -> CertNumber {
    CertNumber::new(s).unwrap()
}

/// A verification certificate of a thermometer, calibrated and issued `today`.
pub fn fields(number_text: &str, today: Date) -> CertificateFields {
    CertificateFields {
        number: number(number_text),
        kind: CertKind::Verification,
        category: Category::Thermal,
        item: text("温度计"),
        instrument: Instrument {
            name: text("工作用玻璃液体温度计"),
            model: text("(0~100)℃"),
            serial: text("SN-1"),
            manufacturer: text("某仪表厂"),
        },
        procedure: text("JJG 130-2011"),
        calibration_date: today,
        issue_date: today,
        valid_until: Some(today.add_months(12)),
        conclusion: Conclusion::Pass {
            accuracy_class: None,
        },
        standards: Vec::new(),
        document_hash: scheme().hash(number_text.as_bytes()),
        signer: None,
        for_instrument: None,
    }
}

pub fn anchor(fields: CertificateFields) -> Call {
    Call::Certificates(certificates::Call::Anchor { fields })
}
