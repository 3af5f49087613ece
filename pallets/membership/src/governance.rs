//! Validator-set governance: a set is proposed by one region's regulator, takes effect once
//! every region has approved it, and moves into place when the next block begins.

use hengxin_primitives::AccountId;
use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::records::ValidatorProposal;
use hengxin_primitives::state::StorageKey;
use hengxin_support::{DispatchResult, Env, Storage, StorageError};

use crate::origin::{ensure_chain_scheme, ensure_regulator};
use crate::storage::regions;
use crate::{Error, Event};

/// [`crate::Call::ProposeValidatorSet`]: a regulator proposes a set, approving it for its region.
pub(crate) fn propose_validator_set(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    validators: ValidatorSet,
) -> DispatchResult<Event, Error> {
    let region = ensure_regulator(s, signer)?;
    validators.check().map_err(Error::InvalidValidatorSet)?;
    for v in &validators.validators {
        ensure_chain_scheme(env.scheme, &v.key)?;
    }
    let previous: Option<ValidatorProposal> = s.get(&StorageKey::ValidatorProposal)?;
    let id = previous.map_or(1, |p| p.id + 1);
    let mut proposal = ValidatorProposal {
        id,
        validators,
        approvals: vec![region],
        proposed_height: env.height,
        scheduled_height: None,
    };
    let event = schedule_if_approved(s, env, &mut proposal, Event::ValidatorSetProposed { id })?;
    s.put(&StorageKey::ValidatorProposal, &proposal);
    Ok(event)
}

/// [`crate::Call::ApproveValidatorSet`]: a regulator approves the pending proposal `id` for its
/// region.
pub(crate) fn approve_validator_set(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: u64,
) -> DispatchResult<Event, Error> {
    let region = ensure_regulator(s, signer)?;
    let mut proposal = s
        .get::<ValidatorProposal>(&StorageKey::ValidatorProposal)?
        .filter(|p| p.id == id && p.scheduled_height.is_none())
        .ok_or(Error::NoSuchProposal(id))?;
    if proposal.approvals.contains(&region) {
        return Err(Error::AlreadyApproved(region).into());
    }
    proposal.approvals.push(region.clone());
    proposal.approvals.sort();
    let event = schedule_if_approved(
        s,
        env,
        &mut proposal,
        Event::ValidatorSetApproved { id, region },
    )?;
    s.put(&StorageKey::ValidatorProposal, &proposal);
    Ok(event)
}

/// Moves an approved validator set into place; the runtime calls this when a block begins.
pub fn on_block_start(s: &mut dyn Storage) -> Result<(), StorageError> {
    if let Some(next) = s.get::<ValidatorSet>(&StorageKey::NextValidators)? {
        s.put(&StorageKey::Validators, &next);
        s.remove(&StorageKey::NextValidators);
    }
    Ok(())
}

/// Schedules the proposal when every region has approved; returns the event to emit.
fn schedule_if_approved(
    s: &mut dyn Storage,
    env: &Env,
    proposal: &mut ValidatorProposal,
    otherwise: Event,
) -> DispatchResult<Event, Error> {
    if regions(s)?.iter().all(|r| proposal.approvals.contains(r)) {
        proposal.scheduled_height = Some(env.height);
        s.put(&StorageKey::NextValidators, &proposal.validators);
        return Ok(Event::ValidatorSetScheduled { id: proposal.id });
    }
    Ok(otherwise)
}
