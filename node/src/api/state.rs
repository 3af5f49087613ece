//! What the handlers share: the node's submitter (store, chain, pool), its genesis, peers,
//! metrics, rate limiter, the trust file made at start, and the verify page, made again when
//! the validator set changes.

use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use hengxin_api_types::{BundleBody, ErrorCode};
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::bundle::TrustAnchor;
use hengxin_primitives::records::ChainInfo;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{Hash, Header};
use hengxin_runtime::Chain;
use hengxin_sled_store::SledBackend;
use hengxin_support::StorageError;
use parity_scale_codec::Encode;

use super::TrustedProxies;
use super::error::{ApiError, ApiResult, ok};
use super::limit::{Limiter, RateLimit};
use crate::metrics::Metrics;
use crate::query::Reader;
use crate::submit::Submitter;
use crate::verify_page;
use hengxin_api_types::NodeRole;

/// What the handlers share.
#[derive(Clone)]
pub struct ApiState {
    pub(super) submitter: Submitter,
    pub(super) genesis: Header,
    pub(super) peers: Arc<AtomicUsize>,
    pub(super) metrics: Arc<Metrics>,
    pub(super) limiter: Arc<Limiter>,
    verify_page: Arc<Mutex<VerifyPage>>,
    pub(super) trust: Arc<String>,
    pub(super) proxies: Arc<TrustedProxies>,
    pub(super) verify_base: Option<Arc<str>>,
    pub(super) role: NodeRole,
    pub(super) index: crate::index::IndexHandle,
}

/// The verify page for the trust anchor it carries.
struct VerifyPage {
    chain: String,
    /// The hash of the anchor's validator set.
    set: Hash,
    html: Arc<String>,
}

/// The chain's name from its genesis state; an error when it cannot be read (never a blank name
/// in the trust file and the page).
pub fn chain_name(chain: &Chain<SledBackend>) -> Result<String, StorageError> {
    chain
        .read::<ChainInfo>(&StorageKey::Chain, 0)?
        .map(|info| info.name.to_string())
        .ok_or_else(|| StorageError::Corrupt("the genesis state has no chain record".into()))
}

impl ApiState {
    /// The state of a node's API for the chain named `chain` (its `ChainInfo`, which the node
    /// reads before it starts: see `chain_name`).
    pub fn new(
        submitter: Submitter,
        genesis: Header,
        (anchor, chain): (&TrustAnchor, &str),
        peers: Arc<AtomicUsize>,
        metrics: Arc<Metrics>,
        limit: RateLimit,
    ) -> ApiState {
        ApiState {
            verify_page: Arc::new(Mutex::new(VerifyPage {
                chain: chain.to_string(),
                set: anchor.validators.hash(),
                html: Arc::new(verify_page::index(anchor, chain)),
            })),
            trust: Arc::new(hengxin_primitives::files::trust_file(chain, anchor)),
            submitter,
            genesis,
            peers,
            metrics,
            limiter: Arc::new(Limiter::new(limit)),
            proxies: Arc::default(),
            verify_base: None,
            role: NodeRole::Validator,
            index: crate::index::IndexHandle::off(),
        }
    }

    /// Answers `/v1/stats/…` and the lists from `index`.
    pub fn with_index(mut self, index: crate::index::IndexHandle) -> ApiState {
        self.index = index;
        self
    }

    /// Says in `/v1/health` what the node does.
    pub fn with_role(mut self, role: NodeRole) -> ApiState {
        self.role = role;
        self
    }

    /// Believes the forwarding headers of requests from these reverse proxies (the rate
    /// limit then counts the client each names, not the proxy).
    pub fn with_trusted_proxies(mut self, proxies: TrustedProxies) -> ApiState {
        self.proxies = Arc::new(proxies);
        self
    }

    /// Tells clients that QR codes should send readers to `base` (the page a regulator hosts).
    pub fn with_verify_base(mut self, base: Option<String>) -> ApiState {
        self.verify_base = base.map(Arc::from);
        self
    }

    /// The finalized head (genesis before the first block).
    pub(super) fn head(&self) -> Result<Header, ApiError> {
        Ok(self
            .submitter
            .store()
            .head()?
            .unwrap_or_else(|| self.genesis.clone()))
    }

    /// The verify page, its trust anchor advanced to the validator set that signed the
    /// finalized head: the page then asks only for the hand-offs since that set, however many
    /// the chain has made (a bundle carries at most 256). This node serves the page, so an
    /// anchor from its own finalized chain is trusted as much as the genesis one it replaces.
    pub(super) fn verify_page(&self) -> Result<Arc<String>, ApiError> {
        let head = self.head()?;
        let mut page = self
            .verify_page
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if page.set != head.validator_set_hash {
            let set: Option<ValidatorSet> = self
                .submitter
                .chain()
                .read(&StorageKey::Validators, head.height)?;
            if let Some(validators) = set.filter(|s| s.hash() == head.validator_set_hash) {
                let anchor = TrustAnchor {
                    genesis_hash: self.genesis.hash(),
                    validators,
                };
                page.html = Arc::new(verify_page::index(&anchor, &page.chain));
                page.set = head.validator_set_hash;
            }
        }
        Ok(page.html.clone())
    }

    /// The header of finalized block `height` (genesis for 0).
    pub(super) fn header_at(&self, height: u64) -> Result<Header, ApiError> {
        let found = match height {
            0 => Some(self.genesis.clone()),
            _ => self
                .submitter
                .store()
                .finalized_block(height)?
                .map(|b| b.header),
        };
        found.ok_or_else(|| {
            ApiError::not_found(
                ErrorCode::BlockNotFound,
                format!("no block is finalized at height {height}"),
            )
        })
    }

    /// The proof bundle of what `reader` read at `head`, with the hand-offs from the set `trust`
    /// names (`?trust=`: 64 hex; none for the genesis set).
    pub(super) fn bundle(
        &self,
        reader: Reader<'_>,
        head: &Header,
        trust: Option<&str>,
    ) -> ApiResult<BundleBody> {
        let trusted = trust
            .map(|hex| {
                Hash::from_hex(hex).ok_or_else(|| {
                    ApiError::bad_request(
                        ErrorCode::UnknownValidatorSet,
                        "trust= takes the 64-hex hash of your trust anchor's validator set",
                    )
                })
            })
            .transpose()?;
        let bundle = reader.bundle(
            self.submitter.store(),
            &self.genesis,
            head,
            trusted.as_ref(),
        )?;
        ok(BundleBody::new(&bundle.encode(), head.height))
    }
}
