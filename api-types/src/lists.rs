//! The lists of the supervision platform: labs, a lab's certificates (from the SQL index),
//! a standard and a region's inspectors (from the state).

use hengxin_primitives::records::StandardLevel;
use hengxin_primitives::{Category, Date, Hash, PublicKey, RegionCode, Text};
use serde::{Deserialize, Serialize};

use crate::IndexedAt;

/// `?region=&after=&limit=`: a page of a list, by its key.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct PageQuery {
    /// Only this region.
    pub region: Option<String>,
    /// Only keys after this one (the previous page's `next`).
    pub after: Option<String>,
    /// At most this many, 1–1000 (default 1000).
    pub limit: Option<String>,
}

/// `GET /v1/labs`: labs by code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabsView {
    /// Where the list stands.
    pub at: IndexedAt,
    /// The labs.
    pub labs: Vec<LabSummary>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next: Option<String>,
}

/// A lab in a list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabSummary {
    /// Code.
    pub code: String,
    /// Name.
    pub name: String,
    /// Home region.
    pub region: String,
    /// `statutory_verification`, `authorized` or `cnas_calibration`.
    pub kind: String,
    /// `active` or `suspended`.
    pub status: String,
    /// Lines of scope.
    pub scope_entries: u64,
    /// Signing keys in use.
    pub active_keys: u64,
    /// DCC signing certificates registered and not removed.
    pub dcc_certs: u64,
    /// Certificates it anchored.
    pub certificates: u64,
}

/// `?from=&to=&after=&limit=`: a lab's certificates issued between two dates.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct LabCertificatesQuery {
    /// Issued on or after, `YYYY-MM-DD`.
    pub from: Option<String>,
    /// Issued on or before, `YYYY-MM-DD`.
    pub to: Option<String>,
    /// Only numbers after this one (the previous page's `next`).
    pub after: Option<String>,
    /// At most this many, 1–1000 (default 1000).
    pub limit: Option<String>,
}

/// `GET /v1/labs/{code}/certificates`: a lab's certificates by number.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabCertificatesView {
    /// Where the list stands.
    pub at: IndexedAt,
    /// The lab.
    pub lab: String,
    /// The certificates, by number.
    pub certificates: Vec<CertificateSummary>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next: Option<String>,
}

/// A certificate in a list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateSummary {
    /// Number.
    pub number: String,
    /// `verification`, `calibration` or `notice`.
    pub kind: String,
    /// Category code.
    pub category: String,
    /// The item.
    pub item: String,
    /// The instrument's name.
    pub instrument_name: String,
    /// Its serial.
    pub serial: String,
    /// Issue date.
    pub issue_date: String,
    /// 有效期至, if any.
    pub valid_until: Option<String>,
    /// `pass`, `fail` or `none`.
    pub conclusion: String,
    /// `valid`, `revoked` or `superseded` (an expiry is read from `valid_until`).
    pub status: String,
    /// The instrument in use it is for, if any.
    pub instrument_id: Option<String>,
    /// The height it was anchored at.
    pub anchored_height: u64,
}

/// A standard in a lab's list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandardSummary {
    /// The lab's code for it.
    pub code: String,
    /// Name.
    pub name: String,
    /// Category code.
    pub category: String,
    /// Level.
    pub level: String,
    /// Its assessment certificate's last valid day.
    pub assessment_valid_until: String,
}

/// `GET /v1/standards/{lab}/{code}`: a measurement standard as the ledger keeps it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandardView {
    /// Its owner.
    pub lab: String,
    /// Its code.
    pub code: String,
    /// Name.
    pub name: Text,
    /// Category.
    pub category: Category,
    /// Level.
    pub level: StandardLevel,
    /// Measuring range.
    pub range: Text,
    /// Uncertainty, accuracy class or MPE.
    pub uncertainty: Text,
    /// Its assessment now and earlier ones, newest first.
    pub assessments: Vec<AssessmentView>,
    /// How it is traced, oldest first.
    pub traces: Vec<StandardTraceView>,
    /// Height of registration.
    pub registered_height: u64,
    /// The finalized height this answer is at.
    pub height: u64,
}

/// A 计量标准考核证书.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AssessmentView {
    /// Its number.
    pub number: Text,
    /// Issued.
    pub issued: Date,
    /// Last valid day.
    pub valid_until: Date,
}

/// How a standard is traced: a certificate on this ledger (`lab`, `number`), or one of a
/// national institute (`issuer`, `number`, `document_hash`, dates).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StandardTraceView {
    /// The ledger's lab, for a certificate on this ledger.
    pub lab: Option<String>,
    /// The institute, for an external certificate.
    pub issuer: Option<String>,
    /// The certificate's number.
    pub number: String,
    /// An external certificate's document hash.
    pub document_hash: Option<Hash>,
    /// An external certificate's dates.
    pub issued: Option<Date>,
    /// An external certificate's last valid day.
    pub valid_until: Option<Date>,
}

/// `GET /v1/inspectors?region=`: a region's inspectors, as registered.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectorsView {
    /// The region.
    pub region: RegionCode,
    /// Oldest first.
    pub inspectors: Vec<InspectorView>,
    /// The finalized height this answer is at.
    pub height: u64,
}

/// An inspector.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectorView {
    /// Their key.
    pub key: PublicKey,
    /// Their name.
    pub name: Text,
    /// Whether they may be drawn.
    pub active: bool,
}
