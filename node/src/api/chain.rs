//! The chain: health, blocks, the trust anchor, validators and accounts.

use hengxin_api_types::ErrorCode;
use std::sync::atomic::Ordering;

use axum::extract::{Path, Query, State};
use hengxin_api_types::{
    AccountView, BlockView, BundleBody, ErrorBody, Health, ProposalView, TrustQuery, ValidatorView,
    ValidatorsView,
};
use hengxin_primitives::records::{AccountRole, Role, ValidatorProposal};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{PublicKey, ValidatorSet};

use super::error::{ApiError, ApiResult, ok};
use super::state::ApiState;
use crate::query::Reader;
use hengxin_primitives::read::StateRead;

/// The node's finalized head and chain.
#[utoipa::path(get, path = "/v1/health", responses((status = 200, body = Health, description = "The finalized head")))]
pub async fn health(State(state): State<ApiState>) -> ApiResult<Health> {
    let head = state.head()?;
    ok(Health {
        height: head.height,
        finalized_hash: head.hash(),
        peers: state.peers.load(Ordering::Relaxed) as u64,
        syncing: state.metrics.syncing(),
        genesis_hash: state.genesis.hash(),
        crypto: state.genesis.scheme(),
        role: state.role,
        verify_base: state.verify_base.as_deref().map(String::from),
    })
}

/// A finalized block.
#[utoipa::path(
    get,
    path = "/v1/blocks/{height}",
    params(("height" = u64, Path, description = "Block height (0 is genesis)")),
    responses(
        (status = 200, body = BlockView, description = "The block"),
        (status = 400, body = ErrorBody, description = "`invalid_height`"),
        (status = 404, body = ErrorBody, description = "`block_not_found`")
    )
)]
pub async fn block(
    State(state): State<ApiState>,
    Path(height): Path<String>,
) -> ApiResult<BlockView> {
    let height: u64 = height.parse().map_err(|_| {
        ApiError::bad_request(ErrorCode::InvalidHeight, "a height is a whole number")
    })?;
    let store = state.submitter.store();
    let found = match height {
        0 => Some((state.genesis.clone(), Vec::new())),
        _ => store.finalized_block(height)?.map(|b| {
            let hashes = b.transactions.iter().map(|tx| tx.hash()).collect();
            (b.header, hashes)
        }),
    };
    let (header, transactions) = found.ok_or_else(|| {
        ApiError::not_found(
            ErrorCode::BlockNotFound,
            format!("no block at height {height}"),
        )
    })?;
    ok(BlockView {
        height: header.height,
        hash: header.hash(),
        parent_hash: header.parent_hash,
        state_root: header.state_root,
        timestamp_ms: header.timestamp_ms,
        proposer: header.proposer,
        tx_count: transactions.len() as u64,
        transactions,
    })
}

fn validator_views(set: Option<ValidatorSet>) -> Vec<ValidatorView> {
    set.map(|s| s.validators)
        .unwrap_or_default()
        .into_iter()
        .map(|v| ValidatorView {
            public_key: v.key,
            power: v.power,
        })
        .collect()
}

/// The current and next validator sets and the latest governance proposal.
#[utoipa::path(get, path = "/v1/validators", responses((status = 200, body = ValidatorsView, description = "The sets and the proposal")))]
pub async fn validators(State(state): State<ApiState>) -> ApiResult<ValidatorsView> {
    let head = state.head()?;
    let chain = state.submitter.chain();
    let proposal: Option<ValidatorProposal> =
        chain.read(&StorageKey::ValidatorProposal, head.height)?;
    let current = chain.read(&StorageKey::Validators, head.height)?;
    // The next set is stored only while a change is due.
    let next = chain.read(&StorageKey::NextValidators, head.height)?;
    ok(ValidatorsView {
        current: validator_views(current.clone()),
        next: validator_views(next.or(current)),
        proposal: proposal.map(|p| ProposalView {
            id: p.id,
            validators: validator_views(Some(p.validators)),
            approved_by: p.approvals,
            scheduled_height: p.scheduled_height,
        }),
        height: head.height,
    })
}

/// A proof bundle of the current validator set, with the hand-offs from the set the verifier
/// trusts: what `hengxin validator trust` advances a trust file with.
#[utoipa::path(
    get,
    path = "/v1/validators/proof",
    params(TrustQuery),
    responses(
        (status = 200, body = BundleBody, description = "The bundle"),
        (status = 400, body = ErrorBody, description = "`unknown_validator_set`"),
        (status = 503, body = ErrorBody, description = "`nothing_finalized`")
    )
)]
pub async fn validators_proof(
    State(state): State<ApiState>,
    Query(options): Query<TrustQuery>,
) -> ApiResult<BundleBody> {
    let head = state.head()?;
    let mut reader = Reader::new(state.submitter.chain(), head.height);
    reader.read::<ValidatorSet>(&StorageKey::Validators)?;
    state.bundle(reader, &head, options.trust.as_deref())
}

/// An account's next nonce at the finalized head (transactions waiting in the pool are not
/// counted: a client sending several at once numbers them itself).
#[utoipa::path(
    get,
    path = "/v1/accounts/{public_key}",
    params(("public_key" = String, Path, description = "A public key: ed25519, 64 hex digits; SM2, 130 beginning 04")),
    responses(
        (status = 200, body = AccountView, description = "The account"),
        (status = 400, body = ErrorBody, description = "`invalid_public_key`")
    )
)]
pub async fn account(
    State(state): State<ApiState>,
    Path(key): Path<String>,
) -> ApiResult<AccountView> {
    let key = PublicKey::from_hex(&key).ok_or_else(|| {
        ApiError::bad_request(
            ErrorCode::InvalidPublicKey,
            format!(
                "a public key is {}",
                hengxin_primitives::crypto::KEY_TEXT_FORMS
            ),
        )
    })?;
    let head = state.head()?;
    let chain = state.submitter.chain();
    let role: Option<AccountRole> = chain.read(&StorageKey::Role(key), head.height)?;
    let (mut lab, mut region, mut business) = (None, None, None);
    match &role {
        None => {}
        Some(AccountRole::Regulator { region: r })
        | Some(AccountRole::Inspector { region: r, .. }) => region = Some(r.clone()),
        Some(AccountRole::LabKey { lab: l }) => lab = Some(l.clone()),
        Some(AccountRole::Business { credit_code }) => business = Some(credit_code.clone()),
    }
    ok(AccountView {
        public_key: key,
        nonce: chain.nonce(&key, head.height)?,
        role: role.as_ref().map_or(Role::None, AccountRole::role),
        lab,
        region,
        business,
        height: head.height,
    })
}
