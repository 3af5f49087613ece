//! The test-only byzantine mode: Malachite's network proxy between this node's consensus and
//! its network, which sends conflicting votes or proposals (or drops them) as the config's
//! `[byzantine]` section asks, signed with this validator's key. The double-signing fault test
//! runs a validator so; a release build has no such mode (the `byzantine` feature).

use malachite_app_channel::ByzantineContext;
use malachite_app_channel::NetworkIdentity;
use malachite_engine_byzantine::ByzantineConfig;

use crate::consensus::codec::ScaleCodec;
use crate::consensus::context::{Address, HengxinContext};
use crate::consensus::signing::ConsensusSigner;

/// The proxied network for `attacks` (Malachite's `ByzantineConfig`, e.g.
/// `equivocate_votes = { mode = "always" }`). Conflicting votes are for nil.
pub fn network(
    attacks: &toml::Table,
    identity: NetworkIdentity,
    signer: ConsensusSigner,
    address: Address,
) -> anyhow::Result<ByzantineContext<HengxinContext, ScaleCodec>> {
    let config: ByzantineConfig = attacks
        .clone()
        .try_into()
        .map_err(|e| anyhow::anyhow!("[byzantine]: {e}"))?;
    tracing::warn!(
        ?config,
        "BYZANTINE MODE: this validator misbehaves on purpose (a test)"
    );
    Ok(ByzantineContext {
        identity,
        codec: ScaleCodec,
        config,
        signer: Box::new(signer),
        address,
        conflicting_value_fn: None,
        conflicting_vote_value_fn: None,
    })
}
