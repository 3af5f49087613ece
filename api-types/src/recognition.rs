//! The answers about mutual-recognition agreements.

use hengxin_primitives::recognition::AgreementStatus;
use hengxin_primitives::records::CertKind;
use hengxin_primitives::{Category, Date, RegionCode};
use serde::{Deserialize, Serialize};

/// A mutual-recognition agreement.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementView {
    /// Its id.
    pub id: u64,
    /// The proposing region, then the accepting one.
    pub regions: Vec<RegionCode>,
    /// The certificate kinds it covers.
    pub kinds: Vec<CertKind>,
    /// The categories it covers.
    pub categories: Vec<Category>,
    /// It covers certificates issued from this date…
    pub from: Date,
    /// … and before this one, when ended.
    pub until: Option<Date>,
    /// `proposed`, `in_force` or `ended`, on the chain's date.
    pub status: AgreementStatus,
}

/// `GET /v1/agreements`: every agreement, oldest first.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementsView {
    /// The agreements.
    pub agreements: Vec<AgreementView>,
    /// The finalized height this answer was read at.
    pub height: u64,
}
