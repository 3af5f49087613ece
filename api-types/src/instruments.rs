//! The answers about instruments in use (一器一码, DOMAIN.md §7): the class table, one
//! instrument with its status and complete history, and a page of a region's instruments.

use hengxin_primitives::instruments::{ChangeWord, Division, InstrumentId, InstrumentStatus};
use hengxin_primitives::records::CertKind;
use hengxin_primitives::{
    Category, CertNumber, ClassCode, CreditCode, Date, LabCode, PublicKey, RegionCode, Site, Text,
};
use serde::{Deserialize, Serialize};

/// An instrument class (器具类别).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentClassView {
    /// `FUEL`.
    pub code: ClassCode,
    /// `燃油加油机`.
    pub name: Text,
    /// The category its verification certificates are of.
    pub category: Category,
    /// The item within the category.
    pub item: Text,
    /// The verification procedure (`JJG 443`).
    pub procedure: Text,
    /// Under compulsory verification (强检).
    pub compulsory: bool,
    /// The verification period (检定周期), months.
    pub period_months: u16,
}

/// `GET /v1/instrument-classes`: every class, in the order they were added.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentClassesView {
    /// The classes.
    pub classes: Vec<InstrumentClassView>,
    /// An instrument is due soon (临期) this many days before its 有效期至.
    pub warning_days: u32,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// A seal (铅封/封签).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SealView {
    /// Where it sits.
    pub position: Text,
    /// Its number.
    pub number: Text,
}

/// The registered instrument a certificate is for, and the seals it applied.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentUseView {
    /// The instrument (`CQ-1`).
    pub id: InstrumentId,
    /// The seals applied.
    pub seals: Vec<SealView>,
}

/// The certificate that decides an instrument's status.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LatestView {
    /// Its lab.
    pub lab_code: LabCode,
    /// Its number.
    pub number: CertNumber,
    /// `verification` or `notice`.
    pub kind: CertKind,
    /// The verification date.
    pub date: Date,
    /// 有效期至 (a verification certificate's).
    pub valid_until: Option<Date>,
}

/// One entry of an instrument's history.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentEntryView {
    /// The block it happened in.
    pub height: u64,
    /// The chain's date then.
    pub date: Date,
    /// The signing key.
    pub by: PublicKey,
    /// `registered`, `moved`, `transferred`, `retired`, `repaired` or `certificate`.
    pub change: ChangeWord,
    /// For a certificate: its lab.
    pub lab_code: Option<LabCode>,
    /// For a certificate: its number.
    pub number: Option<CertNumber>,
    /// The entry as people read it, Chinese first.
    pub text: String,
}

/// `GET /v1/instruments/{id}`: an instrument, its status on a date by the one rule, and its
/// complete history.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentDetailView {
    /// `CQ-1`.
    pub id: InstrumentId,
    /// Its class's code.
    pub class: ClassCode,
    /// Its class's name.
    pub class_name: Text,
    /// Whether its class is under compulsory verification.
    pub compulsory: bool,
    /// 制造单位.
    pub manufacturer: Text,
    /// 型号.
    pub model: Text,
    /// 出厂编号.
    pub serial: Text,
    /// 生产码.
    pub production_code: Option<Text>,
    /// The owner's credit code.
    pub owner: CreditCode,
    /// The district or county.
    pub division: Division,
    /// The site within it.
    pub site: Site,
    /// `valid`, `due_soon`, `overdue`, `failed`, `unverified` or `retired`.
    pub status: InstrumentStatus,
    /// The status as people read it, Chinese first (`合格 Verified`).
    #[serde(default)]
    pub status_label: String,
    /// Whether it may be used (`valid`, `due_soon`); for a compulsory class, the law forbids
    /// the others for trade settlement.
    #[serde(default)]
    pub may_be_used: bool,
    /// The latest counting certificate's 有效期至: the next verification is due then.
    pub valid_until: Option<Date>,
    /// The latest counting verification certificate or notice.
    pub latest: Option<LatestView>,
    /// The seals that certificate applied.
    pub seals: Vec<SealView>,
    /// The latest repair on or before the date.
    #[serde(default)]
    pub last_repair: Option<Date>,
    /// The date of the status.
    #[serde(default)]
    pub on: Option<Date>,
    /// Every change, oldest first.
    pub history: Vec<InstrumentEntryView>,
    /// The finalized height this answer was read at.
    #[serde(default)]
    pub height: u64,
}

/// `?on=YYYY-MM-DD`: the date of an instrument's status.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct InstrumentQuery {
    /// The date (default: the date of the block read at).
    pub on: Option<String>,
}

/// An instrument in a list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentSummary {
    /// `CQ-1`.
    pub id: InstrumentId,
    /// Its class.
    pub class: ClassCode,
    /// 制造单位.
    pub manufacturer: Text,
    /// 出厂编号.
    pub serial: Text,
    /// Its owner.
    pub owner: CreditCode,
    /// Its division.
    pub division: Division,
    /// Its site.
    pub site: Site,
    /// Its status on the list's date.
    pub status: InstrumentStatus,
    /// The latest counting certificate's 有效期至.
    pub valid_until: Option<Date>,
    /// The lab that verified it last (the latest counting certificate's).
    pub lab: Option<LabCode>,
}

/// `GET /v1/instruments`: a page of a region's (or a business's) instruments, by id.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentsView {
    /// The instruments that pass the filters, by id.
    pub instruments: Vec<InstrumentSummary>,
    /// The region.
    pub region: RegionCode,
    /// The date of their status: that of the block read at.
    pub on: Date,
    /// The finalized height this answer was read at.
    pub height: u64,
    /// Pass as `after` for the next page; `null` when nothing is left. A page may hold fewer
    /// than `limit` (a page reads at most a bounded number of instruments) and still have a
    /// `next`.
    pub next: Option<InstrumentId>,
}

/// `?region=&division=&owner=&class=&status=&lab=&due_within_days=&compulsory=&serial=&after=&limit=`.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct InstrumentListQuery {
    /// The region's code (required).
    pub region: Option<String>,
    /// Only those standing in this division (6 digits, `500103`).
    pub division: Option<String>,
    /// Only those this business owns (its credit code).
    pub owner: Option<String>,
    /// Only those of this class (`FUEL`).
    pub class: Option<String>,
    /// Only those in these statuses, comma-separated (`overdue,due_soon`).
    pub status: Option<String>,
    /// Only those the lab verified last (its code).
    pub lab: Option<String>,
    /// Only those whose 有效期至 is at most this many days away, overdue ones included.
    pub due_within_days: Option<String>,
    /// `true`: only classes under compulsory verification.
    pub compulsory: Option<String>,
    /// Only those with this 出厂编号 (exact).
    pub serial: Option<String>,
    /// Only ids after this one (the previous page's `next`).
    pub after: Option<String>,
    /// At most this many, 1–1000 (default 1000).
    pub limit: Option<String>,
}
