//! The calls for the people and firms a region regulates: inspectors and businesses.

use hengxin_primitives::records::{AccountRole, BusinessRecord, BusinessType};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, RegionCode, Text};
use hengxin_support::{DispatchResult, Env, Storage};

use crate::origin::{ensure_key_free, ensure_regulator_of};
use crate::storage::{business, role};
use crate::{Error, Event};

/// [`crate::Call::RegisterInspector`]: a regulator of `region` registers an inspector's key.
pub(crate) fn register_inspector(
    s: &mut dyn Storage,
    signer: &AccountId,
    inspector: AccountId,
    region: RegionCode,
    name: Text,
) -> DispatchResult<Event, Error> {
    ensure_regulator_of(s, signer, &region)?;
    ensure_key_free(s, &inspector)?;
    let role = AccountRole::Inspector {
        region: region.clone(),
        name,
        active: true,
    };
    s.put(&StorageKey::Role(inspector), &role);
    Ok(Event::InspectorRegistered { inspector, region })
}

/// [`crate::Call::RemoveInspector`]: a regulator of the inspector's region deactivates it.
pub(crate) fn remove_inspector(
    s: &mut dyn Storage,
    signer: &AccountId,
    inspector: AccountId,
) -> DispatchResult<Event, Error> {
    let Some(AccountRole::Inspector {
        region,
        name,
        active: true,
    }) = role(s, &inspector)?
    else {
        return Err(Error::NotInspector(inspector).into());
    };
    ensure_regulator_of(s, signer, &region)?;
    s.put(
        &StorageKey::Role(inspector),
        &AccountRole::Inspector {
            region,
            name,
            active: false,
        },
    );
    Ok(Event::InspectorRemoved { inspector })
}

/// [`crate::Call::RegisterBusiness`]: a regulator of `region` registers a business.
pub(crate) fn register_business(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    name: Text,
    region: RegionCode,
    business_type: BusinessType,
) -> DispatchResult<Event, Error> {
    ensure_regulator_of(s, signer, &region)?;
    if business(s, &credit_code)?.is_some() {
        return Err(Error::BusinessExists(credit_code).into());
    }
    let record = BusinessRecord {
        credit_code: credit_code.clone(),
        name,
        region,
        business_type,
        registered_height: env.height,
    };
    s.put(&StorageKey::Business(credit_code.clone()), &record);
    Ok(Event::BusinessRegistered { credit_code })
}
