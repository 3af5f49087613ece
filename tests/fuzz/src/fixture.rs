//! The chain every target runs against, made once a process: a sled store in a temporary
//! directory with the demo genesis (one validator) and one finalized block, the API over it,
//! and the consensus app at its head. Everything in it is deterministic, so seeds made in one
//! process are valid in another.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use hengxin_chain_spec::demo;
use hengxin_node::api::{ApiState, RateLimit, chain_name, router};
use hengxin_node::consensus::app::{App, BlockParams};
use hengxin_node::mempool::Mempool;
use hengxin_node::store::Store;
use hengxin_node::submit::Submitter;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::{CommitCertificate, Date, Header, Keypair, TxPayload, ValidatorSet};
use hengxin_runtime::{Block, Chain, Executed, Transaction};
use hengxin_sled_store::SledBackend;
use malachite_app_channel::app::types::core::LinearTimeouts;
use serde_json::Value;
use tower::ServiceExt;

/// The demo genesis's time: fixed, so that every process makes the same chain.
pub const GENESIS_MS: u64 = 1_780_000_000_000;

/// The chain the targets run against.
pub struct Fixture {
    _dir: tempfile::TempDir,
    /// The runtime over the store.
    pub chain: Chain<SledBackend>,
    /// The genesis header.
    pub genesis: Header,
    /// The head: the one finalized block.
    pub head: Header,
    /// The one validator's key.
    pub validator: Keypair,
    /// The trust anchor of the chain.
    pub anchor: TrustAnchor,
    /// The day of the head, the verifier's "today".
    pub today: Date,
    router: Router,
    runtime: tokio::runtime::Runtime,
    app: Mutex<App>,
}

/// The fixture of this process.
pub fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(Fixture::new)
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let validator = demo::key("validator-0");
        let validators = ValidatorSet::equal_power([validator.public()]).expect("one validator");
        let store = Arc::new(Store::open(dir.path()).expect("a store"));
        let genesis = store
            .init_genesis(&demo::genesis(GENESIS_MS, validators.clone()).expect("the demo"))
            .expect("genesis");
        let chain = store.chain(&genesis);
        let first = anchor(&genesis, 0, "FUZZ-1");
        commit(&store, &chain, &genesis, &validator, vec![first]);
        let head = store.head().expect("a head").expect("a head");
        let anchor = TrustAnchor {
            genesis_hash: genesis.hash(),
            validators,
        };
        let router = api(&store, &genesis, &anchor);
        let app = App::new(
            store,
            &genesis,
            validator.clone(),
            Arc::new(Mempool::default()),
            BlockParams {
                txs_max: 1_000,
                bytes_max: 1024 * 1024,
                timeouts: LinearTimeouts::default(),
                target_time: None,
                heartbeat: std::time::Duration::from_secs(5),
            },
            Arc::default(),
        )
        .expect("the app");
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        Fixture {
            _dir: dir,
            today: Date::from_unix_ms_cst(head.timestamp_ms),
            chain,
            genesis,
            head,
            validator,
            anchor,
            router,
            runtime,
            app: Mutex::new(app),
        }
    }

    /// The consensus app at the head.
    pub fn app(&self) -> MutexGuard<'_, App> {
        self.app
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Sends `body` to `path` through the API; the status and the JSON answer.
    pub fn post(&self, path: &str, body: &[u8]) -> (StatusCode, Value) {
        self.call("POST", path, body.to_vec())
    }

    /// Gets `path` from the API; the status and the JSON answer.
    pub fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call("GET", path, Vec::new())
    }

    fn call(&self, method: &str, path: &str, body: Vec<u8>) -> (StatusCode, Value) {
        let request = Request::builder()
            .method(method)
            .uri(path)
            .header("content-type", "application/octet-stream")
            .body(Body::from(body))
            .expect("a request");
        self.runtime.block_on(async {
            let response = self
                .router
                .clone()
                .oneshot(request)
                .await
                .expect("infallible");
            let status = response.status();
            let bytes = axum::body::to_bytes(response.into_body(), 16 << 20)
                .await
                .expect("the answer's body");
            (
                status,
                serde_json::from_slice(&bytes).unwrap_or(Value::Null),
            )
        })
    }

    /// `txs` executed in a block on the head, proposed by the validator.
    pub fn execute(&self, txs: &[Transaction]) -> Executed {
        self.chain
            .execute(
                &self.head,
                self.head.timestamp_ms + 1_000,
                self.validator.public(),
                txs,
            )
            .expect("a block executes: a bad transaction gets a failed outcome")
    }
}

/// An anchor of the demo's sample certificate as `number`, signed by the demo lab.
pub fn anchor(genesis: &Header, nonce: u64, number: &str) -> Transaction {
    let lab = demo::key("lab-cq");
    let today = Date::from_unix_ms_cst(GENESIS_MS);
    let call = demo::sample_anchor(Default::default(), number.parse().expect("a number"), today);
    TxPayload {
        genesis_hash: genesis.hash(),
        signer: lab.public(),
        nonce,
        valid_until_height: 1_000,
        call,
    }
    .sign(&lab)
}

/// Executes and finalizes a block of `txs` on the head, signed by `validator`.
fn commit(
    store: &Store,
    chain: &Chain<SledBackend>,
    genesis: &Header,
    validator: &Keypair,
    txs: Vec<Transaction>,
) {
    let head = store.head().expect("a head").expect("a head");
    let executed = chain
        .execute(&head, head.timestamp_ms + 1_000, validator.public(), &txs)
        .expect("the block executes");
    let commit = CommitCertificate::signed_by(
        &genesis.hash(),
        &executed.header,
        0,
        std::slice::from_ref(validator),
    );
    let block = Block {
        header: executed.header.clone(),
        transactions: txs,
    };
    store
        .commit_block(&block, &commit, &executed.outcomes, executed.batch)
        .expect("the block commits");
}

/// The node's API over `store`, without a rate limit to speak of.
fn api(store: &Arc<Store>, genesis: &Header, anchor: &TrustAnchor) -> Router {
    let mempool = Arc::new(Mempool::default());
    let submitter = Submitter::new(store.clone(), genesis, mempool, None, Default::default());
    let chain = chain_name(submitter.chain()).expect("the chain's name");
    let unlimited = RateLimit {
        per_second: u32::MAX,
        burst: u32::MAX,
    };
    router(ApiState::new(
        submitter,
        genesis.clone(),
        (anchor, &chain),
        Arc::new(AtomicUsize::new(0)),
        Arc::default(),
        unlimited,
    ))
}
