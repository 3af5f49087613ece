//! Membership: regions and their regulators, labs (scope, status, signing-key history),
//! inspectors, businesses, and validator-set governance that needs every region's approval.
//!
//! Every call checks the signer's role here, from state, never from the transaction.
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

use hengxin_primitives::block::{ValidatorSet, ValidatorSetError};
use hengxin_primitives::records::{
    AccountRole, BusinessRecord, BusinessType, KeyRemoval, LabKeyEntry, LabKind, LabRecord,
    LabStatus, RegionRecord, ScopeEntry, StatusChange, ValidatorProposal,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, LabCode, RegionCode, Text};
use hengxin_support::{DispatchResult, Env, PalletError, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

/// The most scope lines a lab may hold.
pub const SCOPE_ENTRIES_MAX: usize = 64;
/// The most signing keys a lab may have had.
pub const LAB_KEYS_MAX: usize = 32;
/// The most status changes kept for a lab.
pub const STATUS_CHANGES_MAX: usize = 256;

// ---------------------------------------------------------------------------------------------
// Storage

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

/// The set that finalizes the current block.
pub fn validators(s: &mut dyn Storage) -> Result<Option<ValidatorSet>, StorageError> {
    s.get(&StorageKey::Validators)
}

/// Moves an approved validator set into place; the runtime calls this when a block begins.
pub fn on_block_start(s: &mut dyn Storage) -> Result<(), StorageError> {
    if let Some(next) = s.get::<ValidatorSet>(&StorageKey::NextValidators)? {
        s.put(&StorageKey::Validators, &next);
        s.remove(&StorageKey::NextValidators);
    }
    Ok(())
}

/// The set that will finalize the next block: the approved one, or the current one.
pub fn next_validators(s: &mut dyn Storage) -> Result<Option<ValidatorSet>, StorageError> {
    match s.get(&StorageKey::NextValidators)? {
        Some(next) => Ok(Some(next)),
        None => validators(s),
    }
}

// ---------------------------------------------------------------------------------------------
// Genesis

/// A region with its regulators.
#[derive(Clone, Debug)]
pub struct GenesisRegion {
    /// The region.
    pub record: RegionRecord,
    /// Its regulators' keys.
    pub regulators: Vec<AccountId>,
}

/// An inspector at genesis.
#[derive(Clone, Debug)]
pub struct GenesisInspector {
    /// The inspector's key.
    pub key: AccountId,
    /// Region.
    pub region: RegionCode,
    /// Name.
    pub name: Text,
}

/// The membership of a new chain.
#[derive(Clone, Debug)]
pub struct GenesisConfig {
    /// Regions and regulators.
    pub regions: Vec<GenesisRegion>,
    /// Labs, with their keys.
    pub labs: Vec<LabRecord>,
    /// Inspectors.
    pub inspectors: Vec<GenesisInspector>,
    /// Businesses.
    pub businesses: Vec<BusinessRecord>,
    /// The first validator set.
    pub validators: ValidatorSet,
}

/// Why a genesis configuration cannot be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GenesisError {
    /// A key given two roles.
    #[error("key {0} is given more than one role")]
    KeyReused(AccountId),
    /// A lab, region or business twice, or one in an unknown region.
    #[error("{0}")]
    Inconsistent(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Writes the genesis membership.
pub fn build_genesis(s: &mut dyn Storage, config: &GenesisConfig) -> Result<(), GenesisError> {
    let give_role =
        |s: &mut dyn Storage, key: &AccountId, role: AccountRole| -> Result<(), GenesisError> {
            if s.contains(&StorageKey::Role(*key))? {
                return Err(GenesisError::KeyReused(*key));
            }
            s.put(&StorageKey::Role(*key), &role);
            Ok(())
        };
    let mut codes: Vec<RegionCode> = config
        .regions
        .iter()
        .map(|r| r.record.code.clone())
        .collect();
    codes.sort();
    codes.dedup();
    if codes.len() != config.regions.len() {
        return Err(GenesisError::Inconsistent(
            "a region is listed twice".into(),
        ));
    }
    let known = |region: &RegionCode, what: &str| {
        if codes.contains(region) {
            Ok(())
        } else {
            Err(GenesisError::Inconsistent(format!(
                "{what} is in unknown region {region}"
            )))
        }
    };
    for region in &config.regions {
        s.put(
            &StorageKey::Region(region.record.code.clone()),
            &region.record,
        );
        for key in &region.regulators {
            give_role(
                s,
                key,
                AccountRole::Regulator {
                    region: region.record.code.clone(),
                },
            )?;
        }
    }
    for lab in &config.labs {
        known(&lab.region, &format!("lab {}", lab.code))?;
        if s.contains(&StorageKey::Lab(lab.code.clone()))? {
            return Err(GenesisError::Inconsistent(format!(
                "lab {} is listed twice",
                lab.code
            )));
        }
        for key in &lab.keys {
            give_role(
                s,
                &key.key,
                AccountRole::LabKey {
                    lab: lab.code.clone(),
                },
            )?;
        }
        s.put(&StorageKey::Lab(lab.code.clone()), lab);
    }
    for inspector in &config.inspectors {
        known(&inspector.region, "an inspector")?;
        let role = AccountRole::Inspector {
            region: inspector.region.clone(),
            name: inspector.name.clone(),
            active: true,
        };
        give_role(s, &inspector.key, role)?;
    }
    for business in &config.businesses {
        known(
            &business.region,
            &format!("business {}", business.credit_code),
        )?;
        s.put(
            &StorageKey::Business(business.credit_code.clone()),
            business,
        );
    }
    s.put(&StorageKey::Regions, &codes);
    s.put(&StorageKey::Validators, &config.validators);
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Events

/// What a membership call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// A lab was registered.
    #[codec(index = 0)]
    LabRegistered {
        /// The lab.
        lab: LabCode,
    },
    /// A lab's scope was replaced.
    #[codec(index = 1)]
    LabScopeSet {
        /// The lab.
        lab: LabCode,
    },
    /// A lab was suspended.
    #[codec(index = 2)]
    LabSuspended {
        /// The lab.
        lab: LabCode,
    },
    /// A lab was reinstated.
    #[codec(index = 3)]
    LabReinstated {
        /// The lab.
        lab: LabCode,
    },
    /// A signing key was added to a lab.
    #[codec(index = 4)]
    LabKeyAdded {
        /// The lab.
        lab: LabCode,
        /// The key.
        key: AccountId,
    },
    /// A lab key was retired or reported compromised.
    #[codec(index = 5)]
    LabKeyRemoved {
        /// The lab.
        lab: LabCode,
        /// The key.
        key: AccountId,
        /// Reported compromised.
        compromised: bool,
    },
    /// An inspector was registered.
    #[codec(index = 6)]
    InspectorRegistered {
        /// The inspector.
        inspector: AccountId,
        /// Its region.
        region: RegionCode,
    },
    /// An inspector was removed.
    #[codec(index = 7)]
    InspectorRemoved {
        /// The inspector.
        inspector: AccountId,
    },
    /// A business was registered.
    #[codec(index = 8)]
    BusinessRegistered {
        /// Its credit code.
        credit_code: CreditCode,
    },
    /// A validator set was proposed (with the proposer's region's approval).
    #[codec(index = 9)]
    ValidatorSetProposed {
        /// The proposal.
        id: u64,
    },
    /// A region approved a proposed set.
    #[codec(index = 10)]
    ValidatorSetApproved {
        /// The proposal.
        id: u64,
        /// The approving region.
        region: RegionCode,
    },
    /// Every region approved: the set takes over at the next height.
    #[codec(index = 11)]
    ValidatorSetScheduled {
        /// The proposal.
        id: u64,
    },
}

// ---------------------------------------------------------------------------------------------
// Errors

/// Why a membership call was refused. Stable: clients match on these.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// The signer is no regulator.
    #[codec(index = 0)]
    #[error("the signer is not a regulator")]
    NotRegulator,
    /// The signer regulates another region.
    #[codec(index = 1)]
    #[error("the signer is not a regulator of region {region}")]
    NotRegulatorOf {
        /// The region that would have to sign.
        region: RegionCode,
    },
    /// No such region.
    #[codec(index = 2)]
    #[error("region {0} is not registered")]
    UnknownRegion(RegionCode),
    /// A lab with this code exists.
    #[codec(index = 3)]
    #[error("lab {0} is already registered")]
    LabExists(LabCode),
    /// No such lab.
    #[codec(index = 4)]
    #[error("lab {0} is not registered")]
    UnknownLab(LabCode),
    /// The key already has a role on the chain.
    #[codec(index = 5)]
    #[error("key {0} already has a role on this chain; generate a new key")]
    KeyInUse(AccountId),
    /// The key is not one of the lab's.
    #[codec(index = 6)]
    #[error("key {key} is not a key of lab {lab}")]
    NotLabKey {
        /// The lab.
        lab: LabCode,
        /// The key.
        key: AccountId,
    },
    /// The key was already retired.
    #[codec(index = 7)]
    #[error("key {0} is already retired")]
    KeyAlreadyRemoved(AccountId),
    /// The signer may not manage this lab's keys.
    #[codec(index = 8)]
    #[error("only an active key of lab {0} or its regulator may change its keys")]
    NotLabOrRegulator(LabCode),
    /// The lab is already in the requested status.
    #[codec(index = 9)]
    #[error("lab {lab} is already {status}")]
    StatusUnchanged {
        /// The lab.
        lab: LabCode,
        /// `active` or `suspended`.
        status: Text,
    },
    /// A list is over its limit.
    #[codec(index = 10)]
    #[error("too many {what}: at most {max}")]
    TooMany {
        /// What.
        what: Text,
        /// The limit.
        max: u32,
    },
    /// The scope is empty or names a category twice for the same item.
    #[codec(index = 11)]
    #[error("scope is invalid: {0}")]
    InvalidScope(Text),
    /// The account is no (active) inspector.
    #[codec(index = 12)]
    #[error("{0} is not an active inspector")]
    NotInspector(AccountId),
    /// A business with this credit code exists.
    #[codec(index = 13)]
    #[error("business {0} is already registered")]
    BusinessExists(CreditCode),
    /// The proposed validator set breaks the set rules.
    #[codec(index = 14)]
    #[error("invalid validator set: {0}")]
    InvalidValidatorSet(ValidatorSetError),
    /// No proposal with this id awaits approval.
    #[codec(index = 15)]
    #[error("no validator-set proposal {0} awaits approval")]
    NoSuchProposal(u64),
    /// The region already approved.
    #[codec(index = 16)]
    #[error("region {0} already approved this proposal")]
    AlreadyApproved(RegionCode),
}

impl PalletError for Error {}

// ---------------------------------------------------------------------------------------------
// Calls

/// The membership calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Registers a lab in the signer's region with its first signing key.
    #[codec(index = 0)]
    RegisterLab {
        /// Lab code.
        code: LabCode,
        /// Name.
        name: Text,
        /// Home region (the signer's).
        region: RegionCode,
        /// Legal standing.
        kind: LabKind,
        /// Accreditation scope.
        scope: Vec<ScopeEntry>,
        /// First signing key.
        key: AccountId,
    },
    /// Replaces a lab's scope.
    #[codec(index = 1)]
    SetLabScope {
        /// The lab.
        lab: LabCode,
        /// The new scope.
        scope: Vec<ScopeEntry>,
    },
    /// Suspends a lab: it may not anchor until reinstated.
    #[codec(index = 2)]
    SuspendLab {
        /// The lab.
        lab: LabCode,
        /// Why.
        reason: Text,
    },
    /// Reinstates a suspended lab.
    #[codec(index = 3)]
    ReinstateLab {
        /// The lab.
        lab: LabCode,
        /// Why.
        reason: Text,
    },
    /// Adds a signing key to a lab (by the lab or its regulator).
    #[codec(index = 4)]
    AddLabKey {
        /// The lab.
        lab: LabCode,
        /// The new key.
        key: AccountId,
    },
    /// Retires a lab key, or reports it compromised (by the lab or its regulator).
    #[codec(index = 5)]
    RemoveLabKey {
        /// The lab.
        lab: LabCode,
        /// The key.
        key: AccountId,
        /// Reported compromised rather than retired.
        compromised: bool,
    },
    /// Registers an inspector in the signer's region.
    #[codec(index = 6)]
    RegisterInspector {
        /// The inspector's key.
        inspector: AccountId,
        /// Region (the signer's).
        region: RegionCode,
        /// Name.
        name: Text,
    },
    /// Removes an inspector of the signer's region.
    #[codec(index = 7)]
    RemoveInspector {
        /// The inspector.
        inspector: AccountId,
    },
    /// Registers a business in the signer's region.
    #[codec(index = 8)]
    RegisterBusiness {
        /// 统一社会信用代码.
        credit_code: CreditCode,
        /// Name.
        name: Text,
        /// Region (the signer's).
        region: RegionCode,
        /// Type.
        business_type: BusinessType,
    },
    /// Proposes a new validator set; counts as the signer's region's approval.
    #[codec(index = 9)]
    ProposeValidatorSet {
        /// The proposed set.
        validators: ValidatorSet,
    },
    /// Approves a proposed validator set for the signer's region.
    #[codec(index = 10)]
    ApproveValidatorSet {
        /// The proposal.
        id: u64,
    },
}

/// Executes `call` signed by `signer`. Nothing is written unless every check passes.
pub fn dispatch(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    call: Call,
) -> DispatchResult<Event, Error> {
    match call {
        Call::RegisterLab {
            code,
            name,
            region,
            kind,
            scope,
            key,
        } => {
            ensure_regulator_of(s, signer, &region)?;
            if lab(s, &code)?.is_some() {
                return Err(Error::LabExists(code).into());
            }
            check_scope(&scope)?;
            ensure_key_free(s, &key)?;
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
                registered_height: env.height,
            };
            s.put(
                &StorageKey::Role(key),
                &AccountRole::LabKey { lab: code.clone() },
            );
            s.put(&StorageKey::Lab(code.clone()), &record);
            Ok(Event::LabRegistered { lab: code })
        }
        Call::SetLabScope { lab: code, scope } => {
            let mut record = existing_lab(s, &code)?;
            ensure_regulator_of(s, signer, &record.region)?;
            check_scope(&scope)?;
            record.scope = scope;
            s.put(&StorageKey::Lab(code.clone()), &record);
            Ok(Event::LabScopeSet { lab: code })
        }
        Call::SuspendLab { lab: code, reason } => {
            set_status(s, env, signer, code.clone(), LabStatus::Suspended, reason)?;
            Ok(Event::LabSuspended { lab: code })
        }
        Call::ReinstateLab { lab: code, reason } => {
            set_status(s, env, signer, code.clone(), LabStatus::Active, reason)?;
            Ok(Event::LabReinstated { lab: code })
        }
        Call::AddLabKey { lab: code, key } => {
            let mut record = existing_lab(s, &code)?;
            ensure_lab_or_regulator(s, env, signer, &record)?;
            if record.keys.len() >= LAB_KEYS_MAX {
                return Err(too_many("lab keys", LAB_KEYS_MAX).into());
            }
            ensure_key_free(s, &key)?;
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
        Call::RemoveLabKey {
            lab: code,
            key,
            compromised,
        } => {
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
        Call::RegisterInspector {
            inspector,
            region,
            name,
        } => {
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
        Call::RemoveInspector { inspector } => {
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
        Call::RegisterBusiness {
            credit_code,
            name,
            region,
            business_type,
        } => {
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
        Call::ProposeValidatorSet { validators } => {
            let region = ensure_regulator(s, signer)?;
            validators.check().map_err(Error::InvalidValidatorSet)?;
            let previous: Option<ValidatorProposal> = s.get(&StorageKey::ValidatorProposal)?;
            let id = previous.map_or(1, |p| p.id + 1);
            let mut proposal = ValidatorProposal {
                id,
                validators,
                approvals: vec![region],
                proposed_height: env.height,
                scheduled_height: None,
            };
            let event =
                schedule_if_approved(s, env, &mut proposal, Event::ValidatorSetProposed { id })?;
            s.put(&StorageKey::ValidatorProposal, &proposal);
            Ok(event)
        }
        Call::ApproveValidatorSet { id } => {
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
    }
}

fn existing_lab(s: &mut dyn Storage, code: &LabCode) -> DispatchResult<LabRecord, Error> {
    Ok(lab(s, code)?.ok_or_else(|| Error::UnknownLab(code.clone()))?)
}

fn too_many(what: &str, max: usize) -> Error {
    Error::TooMany {
        what: Text::lossy(what),
        max: u32::try_from(max).unwrap_or(u32::MAX),
    }
}

fn check_scope(scope: &[ScopeEntry]) -> Result<(), Error> {
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

fn ensure_key_free(s: &mut dyn Storage, key: &AccountId) -> DispatchResult<(), Error> {
    if role(s, key)?.is_some() {
        return Err(Error::KeyInUse(*key).into());
    }
    Ok(())
}

/// The lab's regulator, or one of the lab's own active keys.
fn ensure_lab_or_regulator(
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

fn set_status(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    code: LabCode,
    status: LabStatus,
    reason: Text,
) -> DispatchResult<(), Error> {
    let mut record = existing_lab(s, &code)?;
    ensure_regulator_of(s, signer, &record.region)?;
    if record.status == status {
        let name = if status == LabStatus::Active {
            "active"
        } else {
            "suspended"
        };
        return Err(Error::StatusUnchanged {
            lab: code,
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
    s.put(&StorageKey::Lab(code), &record);
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
