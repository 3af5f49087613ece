//! The calls for the people and firms a region regulates: inspectors and businesses.

use hengxin_primitives::records::{AccountRole, BusinessRecord, BusinessType, RegionRecord};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, RegionCode, Text};
use hengxin_support::{DispatchResult, Env, Storage};

use crate::origin::{ensure_key_free, ensure_regulator_of};
use crate::storage::{business, index_inspector, put_business, role};
use crate::{Error, Event};

/// [`crate::Call::RegisterInspector`]: a regulator of `region` registers an inspector's key.
pub(crate) fn register_inspector(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    inspector: AccountId,
    region: RegionCode,
    name: Text,
) -> DispatchResult<Event, Error> {
    ensure_regulator_of(s, signer, &region)?;
    ensure_key_free(s, env, &inspector)?;
    if !index_inspector(s, &region, inspector)? {
        return Err(Error::TooManyInspectors(region).into());
    }
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

/// A business to register, as [`crate::Call::RegisterBusiness`] names it.
pub(crate) struct NewBusiness {
    pub(crate) credit_code: CreditCode,
    pub(crate) name: Text,
    pub(crate) region: RegionCode,
    pub(crate) business_type: BusinessType,
    pub(crate) key: Option<AccountId>,
}

/// [`crate::Call::RegisterBusiness`]: a regulator of `region` registers a business, with a
/// first signing key if it has one.
pub(crate) fn register_business(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    new: NewBusiness,
) -> DispatchResult<Event, Error> {
    ensure_regulator_of(s, signer, &new.region)?;
    if business(s, &new.credit_code)?.is_some() {
        return Err(Error::BusinessExists(new.credit_code).into());
    }
    let region: RegionRecord = s
        .get(&StorageKey::Region(new.region.clone()))?
        .ok_or_else(|| Error::UnknownRegion(new.region.clone()))?;
    ensure_code_of_region(&new.credit_code, &region)?;
    if let Some(key) = &new.key {
        ensure_key_free(s, env, key)?;
    }
    let record = BusinessRecord {
        credit_code: new.credit_code.clone(),
        name: new.name,
        region: new.region,
        business_type: new.business_type,
        registered_height: env.height,
    };
    put_business(s, &record)?;
    if let Some(key) = new.key {
        let role = AccountRole::Business {
            credit_code: new.credit_code.clone(),
        };
        s.put(&StorageKey::Role(key), &role);
    }
    Ok(Event::BusinessRegistered {
        credit_code: new.credit_code,
    })
}

/// [`crate::Call::AddBusinessKey`]: a regulator of the business's region gives it a signing
/// key.
pub(crate) fn add_business_key(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    credit_code: CreditCode,
    key: AccountId,
) -> DispatchResult<Event, Error> {
    let record =
        business(s, &credit_code)?.ok_or_else(|| Error::UnknownBusiness(credit_code.clone()))?;
    ensure_regulator_of(s, signer, &record.region)?;
    ensure_key_free(s, env, &key)?;
    let role = AccountRole::Business {
        credit_code: credit_code.clone(),
    };
    s.put(&StorageKey::Role(key), &role);
    Ok(Event::BusinessKeyAdded { credit_code, key })
}

/// Succeeds when `code` carries `region`'s province code (GB/T 2260), as a business
/// registered there does.
pub(crate) fn ensure_code_of_region(code: &CreditCode, region: &RegionRecord) -> Result<(), Error> {
    if region.holds_credit_code(code) {
        return Ok(());
    }
    Err(Error::CreditCodeOutsideRegion {
        credit_code: code.clone(),
        region: region.code.clone(),
        province: region.province,
    })
}
