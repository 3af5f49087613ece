//! Reads of the membership state: roles, labs, businesses, regions and validator sets.

use hengxin_primitives::block::ValidatorSet;
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
