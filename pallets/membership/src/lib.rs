//! Membership: who may do what on the ledger.
//!
//! Regions and their regulators, labs (scope, status, signing-key history), inspectors,
//! businesses, and validator-set governance that needs every region's approval.
//!
//! Every call checks the signer's role here, from state, never from the transaction. Each call is
//! one function, in a module by what it serves: `labs` (registration, scope, status, keys),
//! `people` (inspectors and businesses) and `governance` (validator sets); the role checks are
//! in `origin`, the state reads in `storage`.

mod dcc_certs;
mod error;
mod governance;
mod labs;
mod origin;
mod people;
mod storage;
#[cfg(test)]
mod tests;

pub use dcc_certs::{DCC_CERT_BYTES_MAX, DCC_CERTS_MAX, DccCertInfo, read_dcc_cert};
pub use error::Error;
pub use governance::on_block_start;
pub use origin::{acts_for_lab, ensure_regulator, ensure_regulator_of};
pub use storage::{
    BUSINESS_PAGE, INSPECTORS_PER_REGION_MAX, active_inspectors_of, business, business_count,
    businesses_of, inspectors_of, is_active_inspector_of, lab, next_validators, regions, role,
    validators,
};

use hengxin_primitives::block::ValidatorSet;
use hengxin_primitives::crypto::Scheme;
use hengxin_primitives::records::{
    AccountRole, BusinessRecord, BusinessType, LabKind, LabRecord, RegionRecord, ScopeEntry,
};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, CreditCode, Hash, LabCode, RegionCode, Text};
use hengxin_support::{DispatchResult, Env, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

/// The most scope lines a lab may hold.
pub const SCOPE_ENTRIES_MAX: usize = 64;
/// The most signing keys a lab may have had.
pub const LAB_KEYS_MAX: usize = 32;
/// The most status changes kept for a lab.
pub const STATUS_CHANGES_MAX: usize = 256;

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
    /// A key of the other scheme than the genesis names.
    #[error("{0}")]
    WrongScheme(Error),
    /// A lab, region or business twice, or one in an unknown region.
    #[error("{0}")]
    Inconsistent(String),
    /// Storage failed.
    #[error(transparent)]
    Storage(#[from] StorageError),
}

/// Writes the genesis membership.
/// Every key in it must be of `scheme`, the chain's.
pub fn build_genesis(
    s: &mut dyn Storage,
    scheme: Scheme,
    config: &GenesisConfig,
) -> Result<(), GenesisError> {
    for key in genesis_keys(config) {
        origin::ensure_chain_scheme(scheme, key).map_err(GenesisError::WrongScheme)?;
    }
    let codes = genesis_region_codes(config)?;
    for region in &config.regions {
        s.put(
            &StorageKey::Region(region.record.code.clone()),
            &region.record,
        );
        for key in &region.regulators {
            let role = AccountRole::Regulator {
                region: region.record.code.clone(),
            };
            genesis_role(s, key, role)?;
        }
    }
    for lab in &config.labs {
        genesis_lab(s, &codes, lab)?;
    }
    for inspector in &config.inspectors {
        genesis_known(&codes, &inspector.region, "an inspector")?;
        let role = AccountRole::Inspector {
            region: inspector.region.clone(),
            name: inspector.name.clone(),
            active: true,
        };
        genesis_role(s, &inspector.key, role)?;
        if !storage::index_inspector(s, &inspector.region, inspector.key)? {
            return Err(GenesisError::Inconsistent(format!(
                "region {} lists more than {INSPECTORS_PER_REGION_MAX} inspectors",
                inspector.region
            )));
        }
    }
    for business in &config.businesses {
        let what = format!("business {}", business.credit_code);
        genesis_known(&codes, &business.region, &what)?;
        if storage::business(s, &business.credit_code)?.is_some() {
            return Err(GenesisError::Inconsistent(format!(
                "{what} is listed twice"
            )));
        }
        let region = config.regions.iter().map(|r| &r.record);
        if let Some(region) = region.clone().find(|r| r.code == business.region) {
            people::ensure_code_of_region(&business.credit_code, region)
                .map_err(|e| GenesisError::Inconsistent(e.to_string()))?;
        }
        storage::put_business(s, business)?;
    }
    s.put(&StorageKey::Regions, &codes);
    s.put(&StorageKey::Validators, &config.validators);
    Ok(())
}

/// The genesis regions' codes, sorted; each region once.
fn genesis_region_codes(config: &GenesisConfig) -> Result<Vec<RegionCode>, GenesisError> {
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
    Ok(codes)
}

/// Succeeds when `region` is one of the genesis regions `codes`; `what` names who is in it.
fn genesis_known(
    codes: &[RegionCode],
    region: &RegionCode,
    what: &str,
) -> Result<(), GenesisError> {
    if codes.contains(region) {
        Ok(())
    } else {
        Err(GenesisError::Inconsistent(format!(
            "{what} is in unknown region {region}"
        )))
    }
}

/// Every key a genesis names: regulators', labs', inspectors' and validators'.
fn genesis_keys(config: &GenesisConfig) -> impl Iterator<Item = &AccountId> {
    let regulators = config.regions.iter().flat_map(|r| &r.regulators);
    let labs = config
        .labs
        .iter()
        .flat_map(|l| l.keys.iter().map(|k| &k.key));
    let inspectors = config.inspectors.iter().map(|i| &i.key);
    let validators = config.validators.validators.iter().map(|v| &v.key);
    regulators.chain(labs).chain(inspectors).chain(validators)
}

/// Gives `key` its one role.
fn genesis_role(
    s: &mut dyn Storage,
    key: &AccountId,
    role: AccountRole,
) -> Result<(), GenesisError> {
    if s.contains(&StorageKey::Role(*key))? {
        return Err(GenesisError::KeyReused(*key));
    }
    s.put(&StorageKey::Role(*key), &role);
    Ok(())
}

/// Writes a genesis lab with its keys' roles.
fn genesis_lab(
    s: &mut dyn Storage,
    codes: &[RegionCode],
    lab: &LabRecord,
) -> Result<(), GenesisError> {
    genesis_known(codes, &lab.region, &format!("lab {}", lab.code))?;
    // The scope rules of a lab registered later.
    labs::check_scope(&lab.scope)
        .map_err(|e| GenesisError::Inconsistent(format!("lab {}: {e}", lab.code)))?;
    if s.contains(&StorageKey::Lab(lab.code.clone()))? {
        return Err(GenesisError::Inconsistent(format!(
            "lab {} is listed twice",
            lab.code
        )));
    }
    for key in &lab.keys {
        let role = AccountRole::LabKey {
            lab: lab.code.clone(),
        };
        genesis_role(s, &key.key, role)?;
    }
    s.put(&StorageKey::Lab(lab.code.clone()), lab);
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
    /// A business was given a signing key.
    #[codec(index = 12)]
    BusinessKeyAdded {
        /// The business.
        credit_code: CreditCode,
        /// The key.
        key: AccountId,
    },
    /// A lab registered a DCC signing certificate.
    #[codec(index = 13)]
    DccCertAdded {
        /// The lab.
        lab: LabCode,
        /// The certificate's SHA-256 fingerprint.
        fingerprint: Hash,
    },
    /// A lab's DCC signing certificate was withdrawn.
    #[codec(index = 14)]
    DccCertRemoved {
        /// The lab.
        lab: LabCode,
        /// The certificate's SHA-256 fingerprint.
        fingerprint: Hash,
    },
}

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
        /// A first signing key of the business, if it has one.
        key: Option<AccountId>,
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
    /// Gives a business of the signer's region a signing key.
    #[codec(index = 11)]
    AddBusinessKey {
        /// The business.
        credit_code: CreditCode,
        /// The key (it must have no role yet).
        key: AccountId,
    },
    /// Registers a DCC signing certificate of a lab (by the lab or its regulator).
    #[codec(index = 12)]
    AddDccCert {
        /// The lab.
        lab: LabCode,
        /// The X.509 certificate, DER (at most `DCC_CERT_BYTES_MAX`).
        certificate: Vec<u8>,
    },
    /// Withdraws a lab's DCC signing certificate (by the lab or its regulator).
    #[codec(index = 13)]
    RemoveDccCert {
        /// The lab.
        lab: LabCode,
        /// The certificate's SHA-256 fingerprint.
        fingerprint: Hash,
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
        } => labs::register_lab(s, env, signer, code, name, region, kind, scope, key),
        Call::SetLabScope { lab, scope } => labs::set_lab_scope(s, signer, lab, scope),
        Call::SuspendLab { lab, reason } => labs::suspend_lab(s, env, signer, lab, reason),
        Call::ReinstateLab { lab, reason } => labs::reinstate_lab(s, env, signer, lab, reason),
        Call::AddLabKey { lab, key } => labs::add_lab_key(s, env, signer, lab, key),
        Call::RemoveLabKey {
            lab,
            key,
            compromised,
        } => labs::remove_lab_key(s, env, signer, lab, key, compromised),
        Call::RegisterInspector {
            inspector,
            region,
            name,
        } => people::register_inspector(s, env, signer, inspector, region, name),
        Call::RemoveInspector { inspector } => people::remove_inspector(s, signer, inspector),
        Call::RegisterBusiness {
            credit_code,
            name,
            region,
            business_type,
            key,
        } => {
            let business = people::NewBusiness {
                credit_code,
                name,
                region,
                business_type,
                key,
            };
            people::register_business(s, env, signer, business)
        }
        Call::AddBusinessKey { credit_code, key } => {
            people::add_business_key(s, env, signer, credit_code, key)
        }
        Call::ProposeValidatorSet { validators } => {
            governance::propose_validator_set(s, env, signer, validators)
        }
        Call::ApproveValidatorSet { id } => governance::approve_validator_set(s, env, signer, id),
        Call::AddDccCert { lab, certificate } => {
            dcc_certs::add_dcc_cert(s, env, signer, lab, certificate)
        }
        Call::RemoveDccCert { lab, fingerprint } => {
            dcc_certs::remove_dcc_cert(s, env, signer, lab, fingerprint)
        }
    }
}
