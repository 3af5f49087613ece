//! Reads of the membership state: roles, labs, businesses, regions and validator sets.

use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::gather;
use hengxin_primitives::records::{AccountRole, BusinessRecord, LabRecord};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, LabCode, RegionCode};
use hengxin_support::{Storage, StorageError};

/// The role of `account`.
pub fn role(s: &mut dyn Storage, account: &AccountId) -> Result<Option<AccountRole>, StorageError> {
    s.get(&StorageKey::Role(*account))
}

/// The lab `code`.
pub fn lab(s: &mut dyn Storage, code: &LabCode) -> Result<Option<LabRecord>, StorageError> {
    s.get(&StorageKey::Lab(code.clone()))
}

/// The business `code`.
pub fn business(
    s: &mut dyn Storage,
    code: &CreditCode,
) -> Result<Option<BusinessRecord>, StorageError> {
    s.get(&StorageKey::Business(code.clone()))
}

pub use gather::BUSINESS_PAGE;

/// How many businesses `region` has registered.
pub fn business_count(s: &mut dyn Storage, region: &RegionCode) -> Result<u64, StorageError> {
    gather::business_count(s, region)
}

/// Every business registered in `region`, in registration order ([`gather::businesses_of`]).
pub fn businesses_of(
    s: &mut dyn Storage,
    region: &RegionCode,
) -> Result<Vec<CreditCode>, StorageError> {
    gather::businesses_of(s, region)
}

/// Stores a new business and adds it to its region's index.
pub(crate) fn put_business(
    s: &mut dyn Storage,
    business: &BusinessRecord,
) -> Result<(), StorageError> {
    let region = &business.region;
    let count = business_count(s, region)?;
    s.push_to_page(
        count,
        BUSINESS_PAGE,
        |page| gather::business_page(region, page),
        business.credit_code.clone(),
    )?;
    s.put(&StorageKey::BusinessCount(region.clone()), &(count + 1));
    s.put(
        &StorageKey::Business(business.credit_code.clone()),
        business,
    );
    Ok(())
}

/// The most inspectors a region registers.
pub const INSPECTORS_PER_REGION_MAX: usize = 1000;

/// Every inspector `region` registered, removed ones included, oldest first.
pub fn inspectors_of(
    s: &mut dyn Storage,
    region: &RegionCode,
) -> Result<Vec<AccountId>, StorageError> {
    Ok(s.get(&StorageKey::InspectorsOf(region.clone()))?
        .unwrap_or_default())
}

/// Whether `account` is an active inspector of `region`.
pub fn is_active_inspector_of(
    s: &mut dyn Storage,
    account: &AccountId,
    region: &RegionCode,
) -> Result<bool, StorageError> {
    Ok(matches!(
        role(s, account)?,
        Some(AccountRole::Inspector { region: r, active: true, .. }) if r == *region
    ))
}

/// The active inspectors of `region`, oldest first.
pub fn active_inspectors_of(
    s: &mut dyn Storage,
    region: &RegionCode,
) -> Result<Vec<AccountId>, StorageError> {
    let mut active = Vec::new();
    for key in inspectors_of(s, region)? {
        if is_active_inspector_of(s, &key, region)? {
            active.push(key);
        }
    }
    Ok(active)
}

/// Adds `key` to `region`'s inspector list; `false`, writing nothing, when the region has
/// registered [`INSPECTORS_PER_REGION_MAX`] already.
pub(crate) fn index_inspector(
    s: &mut dyn Storage,
    region: &RegionCode,
    key: AccountId,
) -> Result<bool, StorageError> {
    let mut of_region = inspectors_of(s, region)?;
    if of_region.len() >= INSPECTORS_PER_REGION_MAX {
        return Ok(false);
    }
    of_region.push(key);
    s.put(&StorageKey::InspectorsOf(region.clone()), &of_region);
    Ok(true)
}

/// Every region, sorted.
pub fn regions(s: &mut dyn Storage) -> Result<Vec<RegionCode>, StorageError> {
    Ok(s.get(&StorageKey::Regions)?.unwrap_or_default())
}

/// The set that finalizes the current block.
pub fn validators(s: &mut dyn Storage) -> Result<Option<ValidatorSet>, StorageError> {
    s.get(&StorageKey::Validators)
}

/// The set that will finalize the next block: the approved one, or the current one.
pub fn next_validators(s: &mut dyn Storage) -> Result<Option<ValidatorSet>, StorageError> {
    match s.get(&StorageKey::NextValidators)? {
        Some(next) => Ok(Some(next)),
        None => validators(s),
    }
}
