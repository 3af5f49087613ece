//! The lab calls: registration, scope, suspension and reinstatement, and signing keys.

use hengxin_primitives::records::{
    AccountRole, KeyRemoval, LabKeyEntry, LabKind, LabRecord, LabStatus, ScopeEntry, StatusChange,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, LabCode, RegionCode, Text};
use hengxin_support::{DispatchResult, Env, Storage};

use crate::origin::{ensure_key_free, ensure_lab_or_regulator, ensure_regulator_of};
use crate::storage::lab;
use crate::{Error, Event, LAB_KEYS_MAX, SCOPE_ENTRIES_MAX, STATUS_CHANGES_MAX};

/// [`crate::Call::RegisterLab`]: a regulator of `region` registers a lab with its first key.
#[expect(
    clippy::too_many_arguments,
    reason = "a call takes its fields as arguments, one for each of Call::RegisterLab's"
)]
pub(crate) fn register_lab(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    name: Text,
    region: RegionCode,
    kind: LabKind,
    scope: Vec<ScopeEntry>,
    key: AccountId,
) -> DispatchResult<Event, Error> {
    ensure_regulator_of(s, signer, &region)?;
    if lab(s, &code)?.is_some() {
        return Err(Error::LabExists(code).into());
    }
    check_scope(&scope)?;
    ensure_key_free(s, env, &key)?;
    let record = LabRecord {
        code: code.clone(),
        name,
        region,
        kind,
        scope,
        status: LabStatus::Active,
        status_history: Vec::new(),
        keys: vec![LabKeyEntry {
            key,
            added_height: env.height,
            removed: None,
        }],
        dcc_certs: Vec::new(),
        registered_height: env.height,
    };
    s.put(
        &StorageKey::Role(key),
        &AccountRole::LabKey { lab: code.clone() },
    );
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(Event::LabRegistered { lab: code })
}

/// [`crate::Call::SetLabScope`]: the lab's regulator replaces its scope.
pub(crate) fn set_lab_scope(
    s: &mut dyn Storage,
    signer: &AccountId,
    code: LabCode,
    scope: Vec<ScopeEntry>,
) -> DispatchResult<Event, Error> {
    let mut record = existing_lab(s, &code)?;
    ensure_regulator_of(s, signer, &record.region)?;
    check_scope(&scope)?;
    record.scope = scope;
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(Event::LabScopeSet { lab: code })
}

/// [`crate::Call::SuspendLab`]: the lab's regulator suspends it.
pub(crate) fn suspend_lab(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    reason: Text,
) -> DispatchResult<Event, Error> {
    set_status(s, env, signer, &code, LabStatus::Suspended, reason)?;
    Ok(Event::LabSuspended { lab: code })
}

/// [`crate::Call::ReinstateLab`]: the lab's regulator reinstates it.
pub(crate) fn reinstate_lab(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    reason: Text,
) -> DispatchResult<Event, Error> {
    set_status(s, env, signer, &code, LabStatus::Active, reason)?;
    Ok(Event::LabReinstated { lab: code })
}

/// [`crate::Call::AddLabKey`]: the lab or its regulator adds a signing key.
pub(crate) fn add_lab_key(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    key: AccountId,
) -> DispatchResult<Event, Error> {
    let mut record = existing_lab(s, &code)?;
    ensure_lab_or_regulator(s, env, signer, &record)?;
    if record.keys.len() >= LAB_KEYS_MAX {
        return Err(too_many("lab keys", LAB_KEYS_MAX).into());
    }
    ensure_key_free(s, env, &key)?;
    record.keys.push(LabKeyEntry {
        key,
        added_height: env.height,
        removed: None,
    });
    s.put(
        &StorageKey::Role(key),
        &AccountRole::LabKey { lab: code.clone() },
    );
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(Event::LabKeyAdded { lab: code, key })
}

/// [`crate::Call::RemoveLabKey`]: the lab or its regulator retires a key, or reports it
/// compromised.
pub(crate) fn remove_lab_key(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    key: AccountId,
    compromised: bool,
) -> DispatchResult<Event, Error> {
    let mut record = existing_lab(s, &code)?;
    ensure_lab_or_regulator(s, env, signer, &record)?;
    let entry = record
        .keys
        .iter_mut()
        .find(|k| k.key == key)
        .ok_or(Error::NotLabKey {
            lab: code.clone(),
            key,
        })?;
    if entry.removed.is_some() {
        return Err(Error::KeyAlreadyRemoved(key).into());
    }
    entry.removed = Some(KeyRemoval {
        height: env.height,
        compromised,
    });
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(Event::LabKeyRemoved {
        lab: code,
        key,
        compromised,
    })
}

/// The lab `code`, or `UnknownLab`.
pub(crate) fn existing_lab(
    s: &mut dyn Storage,
    code: &LabCode,
) -> DispatchResult<LabRecord, Error> {
    Ok(lab(s, code)?.ok_or_else(|| Error::UnknownLab(code.clone()))?)
}

pub(crate) fn too_many(what: &str, max: usize) -> Error {
    Error::TooMany {
        what: Text::lossy(what),
        max: u32::try_from(max).unwrap_or(u32::MAX),
    }
}

/// A scope within its limit that names each category and item once.
pub(crate) fn check_scope(scope: &[ScopeEntry]) -> Result<(), Error> {
    if scope.len() > SCOPE_ENTRIES_MAX {
        return Err(too_many("scope entries", SCOPE_ENTRIES_MAX));
    }
    for (i, a) in scope.iter().enumerate() {
        if scope[..i]
            .iter()
            .any(|b| b.category == a.category && b.item == a.item)
        {
            return Err(Error::InvalidScope(Text::lossy(&format!(
                "category {} item {} is listed twice",
                a.category,
                a.item.as_ref().map_or("(all)", |t| t.as_str())
            ))));
        }
    }
    Ok(())
}

/// Moves the lab `code` into `status` (by its regulator), recording why.
fn set_status(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: &LabCode,
    status: LabStatus,
    reason: Text,
) -> DispatchResult<(), Error> {
    let mut record = existing_lab(s, code)?;
    ensure_regulator_of(s, signer, &record.region)?;
    if record.status == status {
        let name = if status == LabStatus::Active {
            "active"
        } else {
            "suspended"
        };
        return Err(Error::StatusUnchanged {
            lab: code.clone(),
            status: Text::lossy(name),
        }
        .into());
    }
    if record.status_history.len() >= STATUS_CHANGES_MAX {
        return Err(too_many("status changes", STATUS_CHANGES_MAX).into());
    }
    record.status = status;
    record.status_history.push(StatusChange {
        status,
        height: env.height,
        date: env.today(),
        reason,
    });
    s.put(&StorageKey::Lab(code.clone()), &record);
    Ok(())
}
