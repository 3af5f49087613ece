//! Who may make a call: the role checks every call starts with, read from state, never from the
//! transaction.

use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::records::{AccountRole, LabRecord};
use hengxin_primitives::{AccountId, RegionCode};
use hengxin_support::{DispatchResult, Env, Storage, StorageError};

use crate::Error;
use crate::storage::role;

/// The region `signer` is a regulator of, or `NotRegulator`.
pub fn ensure_regulator(
    s: &mut dyn Storage,
    signer: &AccountId,
) -> DispatchResult<RegionCode, Error> {
    match role(s, signer)? {
        Some(AccountRole::Regulator { region }) => Ok(region),
        _ => Err(Error::NotRegulator.into()),
    }
}

/// Succeeds when `signer` is a regulator of `region`.
pub fn ensure_regulator_of(
    s: &mut dyn Storage,
    signer: &AccountId,
    region: &RegionCode,
) -> DispatchResult<(), Error> {
    if ensure_regulator(s, signer)? == *region {
        Ok(())
    } else {
        Err(Error::NotRegulatorOf {
            region: region.clone(),
        }
        .into())
    }
}

/// Whether `signer` may act for `lab`: a regulator of its region, or one of its keys active at
/// this height.
pub fn acts_for_lab(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    lab: &LabRecord,
) -> Result<bool, StorageError> {
    Ok(match role(s, signer)? {
        Some(AccountRole::Regulator { region }) => region == lab.region,
        Some(AccountRole::LabKey { lab: code }) => {
            code == lab.code && lab.key_active_at(signer, env.height)
        }
        _ => false,
    })
}

/// The lab's regulator, or one of the lab's own active keys.
pub(crate) fn ensure_lab_or_regulator(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    lab: &LabRecord,
) -> DispatchResult<(), Error> {
    if acts_for_lab(s, env, signer, lab)? {
        Ok(())
    } else {
        Err(Error::NotLabOrRegulator(lab.code.clone()).into())
    }
}

/// Succeeds when `key` is of the chain's scheme and has no role yet: a key serves one account
/// only.
pub(crate) fn ensure_key_free(
    s: &mut dyn Storage,
    env: &Env,
    key: &AccountId,
) -> DispatchResult<(), Error> {
    ensure_chain_scheme(env.scheme, key)?;
    if role(s, key)?.is_some() {
        return Err(Error::KeyInUse(*key).into());
    }
    Ok(())
}

/// Succeeds when `key` is of `chain`'s scheme: the one check for every key the membership
/// admits, at genesis and after.
pub(crate) fn ensure_chain_scheme(chain: Scheme, key: &AccountId) -> Result<(), Error> {
    if key.scheme() == chain {
        Ok(())
    } else {
        Err(Error::WrongScheme { key: *key, chain })
    }
}
