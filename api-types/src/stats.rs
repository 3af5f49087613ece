//! The supervision platform's answers (`/v1/stats/…` and the lists the SQL index serves): each
//! from the index of finalized state at one height, which it names with that block's hash.

use hengxin_primitives::{Date, Hash};
use serde::{Deserialize, Serialize};

/// The block an answer from the index is at, and how far the index is behind the chain.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IndexedAt {
    /// The last block indexed: every figure is as of it.
    pub height: u64,
    /// Its hash.
    pub hash: Hash,
    /// Its date (Beijing time): statuses and grades are as of this day.
    pub date: Date,
    /// The node's finalized head.
    pub head: u64,
    /// `head - height`: how many finalized blocks the index has still to write.
    pub lag_blocks: u64,
}

/// `?region=&lab=&from=&to=`: which part of the index a figure counts (every parameter
/// optional; months are `YYYY-MM`, inclusive).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct StatsQuery {
    /// Only this region (`CQ`, `SC`).
    pub region: Option<String>,
    /// Only this lab (certificates).
    pub lab: Option<String>,
    /// From this month, `YYYY-MM`.
    pub from: Option<String>,
    /// To this month, `YYYY-MM`.
    pub to: Option<String>,
}

/// `GET /v1/stats/overview`: the platform's first page in numbers.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OverviewView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// The region counted, or `null` for all.
    pub region: Option<String>,
    /// Labs registered.
    pub labs: u64,
    /// Certificates by status (`valid`, `revoked`, `superseded`).
    pub certificates: Vec<Count>,
    /// Instruments by status (the six words).
    pub instruments: Vec<Count>,
    /// Businesses by grade.
    pub businesses: Vec<Count>,
    /// Inspection plans, drawn or not.
    pub plans: u64,
    /// Mutual-recognition agreements accepted and not ended.
    pub agreements_in_force: u64,
    /// Inspectors, active ones.
    pub inspectors: u64,
}

/// A count of something named by `key`.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Count {
    /// What is counted (a status, a grade…).
    pub key: String,
    /// How many.
    pub count: u64,
}

/// `GET /v1/stats/certificates`: certificates anchored, revoked and superseded per lab and
/// month (anchoring's month; a revocation's or supersession's own month).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// By lab, then month.
    pub rows: Vec<CertificateMonth>,
}

/// One lab's month.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateMonth {
    /// The lab.
    pub lab: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Certificates anchored in it.
    pub anchored: u64,
    /// Certificates revoked in it.
    pub revoked: u64,
    /// Certificates superseded in it.
    pub superseded: u64,
}

/// `GET /v1/stats/instruments`: instruments by class, division and status.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// By class, division, status.
    pub rows: Vec<InstrumentGroup>,
}

/// How many instruments of a class in a division have a status.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentGroup {
    /// The class code.
    pub class: String,
    /// The division (6 digits).
    pub division: String,
    /// The status word.
    pub status: String,
    /// How many.
    pub count: u64,
}

/// `?region=&division=&class=&owner=&lab=&status=&after=&limit=`: the warning list (预警).
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct DueQuery {
    /// Only this region.
    pub region: Option<String>,
    /// Only this division.
    pub division: Option<String>,
    /// Only this class.
    pub class: Option<String>,
    /// Only this owner's (credit code).
    pub owner: Option<String>,
    /// Only those this lab verified last.
    pub lab: Option<String>,
    /// Comma-separated statuses (default `overdue,due_soon`).
    pub status: Option<String>,
    /// Only ids after this one (the previous page's `next`).
    pub after: Option<String>,
    /// At most this many, 1–1000 (default 1000).
    pub limit: Option<String>,
}

/// `GET /v1/stats/instruments/due`: the instruments that are overdue or due soon (or the
/// statuses asked), soonest due first.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueView {
    /// Where the list stands.
    pub at: IndexedAt,
    /// The instruments.
    pub instruments: Vec<DueInstrument>,
    /// Pass as `after` for the next page; `null` on the last.
    pub next: Option<String>,
}

/// An instrument on the warning list.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DueInstrument {
    /// Its id.
    pub id: String,
    /// Its class.
    pub class: String,
    /// Whether its class is under compulsory verification.
    pub compulsory: bool,
    /// Where it is.
    pub division: String,
    /// Its site.
    pub site: String,
    /// Its owner's credit code.
    pub owner: String,
    /// Its serial.
    pub serial: String,
    /// Its status.
    pub status: String,
    /// When its verification runs out, if it has one.
    pub valid_until: Option<String>,
    /// The lab of the certificate that decides its status.
    pub latest_lab: Option<String>,
    /// That certificate's number.
    pub latest_number: Option<String>,
}

/// `GET /v1/stats/businesses`: businesses by region, type and grade.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// By region, type, grade.
    pub rows: Vec<BusinessGroup>,
}

/// How many businesses of a type in a region have a grade.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessGroup {
    /// The region.
    pub region: String,
    /// The business type.
    pub business_type: String,
    /// The grade.
    pub grade: String,
    /// How many.
    pub count: u64,
}

/// `GET /v1/stats/credit-records`: credit records per month (of their date) and code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditRecordStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// By month, then code.
    pub rows: Vec<CreditRecordMonth>,
}

/// One month's records of one code.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditRecordMonth {
    /// `YYYY-MM`.
    pub month: String,
    /// `V1`…`V6`, `P1`, `P2`.
    pub event: String,
    /// How many.
    pub count: u64,
}

/// `GET /v1/stats/inspections`: each plan with its draw and results.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InspectionStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// Newest first.
    pub plans: Vec<PlanFigures>,
}

/// A plan in figures.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlanFigures {
    /// Its id.
    pub id: u64,
    /// Its region.
    pub region: String,
    /// The business types in scope, comma-separated.
    pub business_types: String,
    /// The height whose block's hash seeds the draw.
    pub reveal_height: u64,
    /// Whether it is drawn.
    pub drawn: bool,
    /// The date of the draw.
    pub drawn_on: Option<String>,
    /// Businesses in scope.
    pub in_scope: u64,
    /// Businesses drawn.
    pub targets: u64,
    /// Targets still with fewer than two inspectors.
    pub short_targets: u64,
    /// Results recorded.
    pub results: u64,
    /// Of which passed.
    pub passed: u64,
}

/// `GET /v1/stats/network`: validators and the chain's pace.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NetworkStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// The validators, by position.
    pub validators: Vec<ValidatorFigure>,
    /// The newest blocks (at most 100), newest first.
    pub blocks: Vec<BlockFigure>,
    /// Blocks in the 24 hours before the indexed block.
    pub blocks_last_24h: u64,
    /// Transactions over the same 24 hours.
    pub transactions_last_24h: u64,
}

/// A validator.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ValidatorFigure {
    /// Its public key, hex.
    pub key: String,
    /// Its voting power.
    pub power: u64,
}

/// A block.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BlockFigure {
    /// Its height.
    pub height: u64,
    /// Its hash.
    pub hash: String,
    /// Its time, Unix ms.
    pub time_ms: u64,
    /// Its transactions.
    pub transactions: u64,
}

/// `GET /v1/stats/recognition`: certificates recognised in each region per month of anchoring
/// (互认): its own labs' and, under agreements, the other region's.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecognitionStatsView {
    /// Where the figures stand.
    pub at: IndexedAt,
    /// By region, then month.
    pub rows: Vec<RecognitionMonth>,
}

/// One region's month.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecognitionMonth {
    /// The region recognising them.
    pub region: String,
    /// `YYYY-MM`, the month they were anchored.
    pub month: String,
    /// Certificates of its own labs.
    pub own: u64,
    /// Certificates of other regions' labs it recognises under an agreement.
    pub recognised: u64,
}
