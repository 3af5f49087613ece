//! The answers about labs: one lab's scope, status, signing keys and DCC signing certificates.

use hengxin_primitives::records::{LabKind, LabStatus};
use hengxin_primitives::{Category, Date, Hash, LabCode, PublicKey, RegionCode, Text};
use serde::{Deserialize, Serialize};

/// `GET /v1/labs/{code}`: a lab as the membership keeps it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabDetailView {
    /// Code.
    pub code: LabCode,
    /// Name.
    pub name: Text,
    /// Home region.
    pub region: RegionCode,
    /// `statutory_verification`, `authorized` or `cnas_calibration`.
    pub kind: LabKind,
    /// `active` or `suspended`.
    pub status: LabStatus,
    /// What it is accredited for.
    pub scope: Vec<ScopeView>,
    /// Every signing key it has had, oldest first.
    pub keys: Vec<LabKeyView>,
    /// Every DCC signing certificate it has registered, oldest first.
    pub dcc_certs: Vec<DccCertView>,
    /// Height of registration.
    pub registered_height: u64,
    /// Its measurement standards, from the SQL index (`null` when the index cannot answer).
    pub standards: Option<Vec<crate::StandardSummary>>,
    /// The finalized height this answer is at.
    pub height: u64,
}

/// One line of a lab's scope.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ScopeView {
    /// Category code.
    pub category: Category,
    /// The item, or every item of the category.
    pub item: Option<Text>,
    /// Last day it holds.
    pub valid_until: Date,
}

/// A lab's signing key.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabKeyView {
    /// The key.
    pub key: PublicKey,
    /// Height from which it signs.
    pub added_height: u64,
    /// Height from which it no longer does.
    pub removed_height: Option<u64>,
    /// Reported compromised.
    pub compromised: bool,
}

/// A lab's DCC signing certificate.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DccCertView {
    /// SHA-256 of its DER.
    pub fingerprint: Hash,
    /// Its subject.
    pub subject: Text,
    /// First second of validity, UTC, seconds since 1970.
    pub not_before_s: u64,
    /// Last second of validity.
    pub not_after_s: u64,
    /// Height it was registered at.
    pub added_height: u64,
    /// Height it was withdrawn at.
    pub removed_height: Option<u64>,
}
