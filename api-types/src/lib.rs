//! The HTTP API's JSON answers and requests, typed: shared by the node, the client and OpenAPI.
//!
//! The node serializes them, the client reads them, and the OpenAPI document is generated from
//! them.
//!
//! Identifiers, hashes, keys, dates and wire words are the primitives' own types, whose JSON
//! form is their text, checked on reading; so a client that reads an answer gets values that
//! are valid by construction, and node and client cannot drift apart. With the `openapi`
//! feature every type also derives its OpenAPI schema.

mod certificates;
mod chain;
mod error;
mod inspection;
mod instruments;
mod labs;
mod lists;
mod recognition;
mod stats;

pub use certificates::{
    BundleBody, BusinessQuery, BusinessView, CertificateView, Change, CommitmentView,
    CreditRecordView, DocumentView, HistoryView, InstrumentView, LabView, LinkView, ProofQuery,
    RevocationView, SignerView, TraceView, TrustQuery,
};
pub use chain::{
    AccountView, BATCH_BYTES_MAX, BATCH_TXS_MAX, BatchResult, BatchSubmitted, BlockView, Health,
    NodeRole, ProposalView, Submitted, TxState, TxStatus, ValidatorView, ValidatorsView,
};
pub use error::{ErrorBody, ErrorCode, ErrorDetail};
pub use inspection::{
    AssignmentView, BusinessListQuery, BusinessSummary, BusinessesView, ConflictView, NamedKey,
    PerGrade, PlanStatus, PlanSummary, PlanView, PlansQuery, PlansView, ResultView, TargetView,
};
pub use instruments::{
    InstrumentClassView, InstrumentClassesView, InstrumentDetailView, InstrumentEntryView,
    InstrumentListQuery, InstrumentQuery, InstrumentSummary, InstrumentUseView, InstrumentsView,
    LatestView, SealView,
};
pub use labs::{DccCertView, LabDetailView, LabKeyView, ScopeView};
pub use lists::{
    AssessmentView, CertificateSummary, InspectorView, InspectorsView, LabCertificatesQuery,
    LabCertificatesView, LabSummary, LabsView, PageQuery, StandardSummary, StandardTraceView,
    StandardView,
};
pub use recognition::{AgreementView, AgreementsView};
pub use stats::{
    BlockFigure, BusinessGroup, BusinessStatsView, CertificateMonth, CertificateStatsView, Count,
    CreditRecordMonth, CreditRecordStatsView, DueInstrument, DueQuery, DueView, IndexedAt,
    InspectionStatsView, InstrumentGroup, InstrumentStatsView, NetworkStatsView, OverviewView,
    PlanFigures, RecognitionMonth, RecognitionStatsView, StatsQuery, ValidatorFigure,
};
