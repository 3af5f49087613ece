//! The answers about certificates and businesses, and the proof bundles that prove them.

use base64::Engine;
use hengxin_primitives::credit::{CreditEvent, Grade, RecordState};
use hengxin_primitives::records::{
    BusinessType, CertKind, ConclusionWord, LabKind, LabStatus, StandardLevel,
};
use hengxin_primitives::rules::{CertificateState, LinkWord};
use hengxin_primitives::{
    Category, CertNumber, CreditCode, Date, Hash, LabCode, PublicKey, RegionCode, Text,
};
use serde::{Deserialize, Serialize};

/// The certificate that holds a document (`GET /v1/documents/{sha256}`): a document anchors
/// once, so there is at most one.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DocumentView {
    /// The issuing lab's code.
    pub lab_code: LabCode,
    /// The certificate's number.
    pub number: CertNumber,
    /// The document's SHA-256.
    pub document_hash: Hash,
    /// The finalized height this answer is at.
    pub height: u64,
}

/// `GET /v1/certificates/{lab_code}/{number}`: a certificate's anchored fields, its status on
/// the chain's date, its issuing lab, where it is recognised, its traceability and history.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CertificateView {
    /// Issuing lab's code.
    pub lab: LabCode,
    /// Certificate number.
    pub number: CertNumber,
    /// `verification`, `calibration` or `notice`.
    pub kind: CertKind,
    /// Measurement category code (`LEN`, `MEC`…).
    pub category: Category,
    /// The item within the category.
    pub item: Text,
    /// The instrument.
    pub instrument: InstrumentView,
    /// The JJG/JJF procedure.
    pub procedure: Text,
    /// 检定/校准日期.
    pub calibration_date: Date,
    /// Issue date.
    pub issue_date: Date,
    /// 有效期至, when the kind has one.
    pub valid_until: Option<Date>,
    /// `pass`, `fail` or `none`.
    pub conclusion: ConclusionWord,
    /// The standards used, as `OWNER/CODE`.
    pub standards: Vec<String>,
    /// SHA-256 of the document.
    pub document_hash: Hash,
    /// The certificate this one replaces.
    pub supersedes: Option<CertNumber>,
    /// The registered instrument (一器一码) it is for, and the seals applied.
    #[serde(default)]
    pub for_instrument: Option<crate::InstrumentUseView>,
    /// The lab key that anchored it.
    pub signing_key: PublicKey,
    /// Height of anchoring.
    pub anchored_height: u64,
    /// `valid`, `revoked`, `superseded` or `expired` (on the day of the state read).
    pub status: CertificateState,
    /// Revocation details, when revoked.
    pub revoked: Option<RevocationView>,
    /// The replacing certificate's number, when superseded.
    pub superseded_by: Option<CertNumber>,
    /// When it was superseded, chain time (UTC ms).
    #[serde(default)]
    pub superseded_at_ms: Option<u64>,
    /// For a signed DCC, the certificate it was signed with; `None` for an unsigned file.
    #[serde(default)]
    pub signer: Option<SignerView>,
    /// Regions that recognise it, sorted: its lab's home region, and each region with an
    /// agreement in force on its issue date that covers its kind and category (the lab active
    /// and in scope then); the proof bundle carries those agreements.
    pub recognized_in: Vec<RegionCode>,
    /// The issuing lab.
    pub issuer: Option<LabView>,
    /// The traceability chain.
    pub traceability: TraceView,
    /// What finalized transactions did to it.
    pub history: Vec<HistoryView>,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// An instrument.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct InstrumentView {
    /// 器具名称.
    pub name: Text,
    /// 型号/规格.
    pub model: Text,
    /// 出厂编号.
    pub serial: Text,
    /// 制造单位.
    pub manufacturer: Text,
}

/// A revocation.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RevocationView {
    /// Why.
    pub reason: Text,
    /// Height.
    pub height: u64,
    /// Chain time, UTC ms.
    pub timestamp_ms: u64,
    /// Who revoked.
    pub by: PublicKey,
    /// Who that key acts for: the lab (`CQJL 重庆市计量质量检测研究院`) or the regulator
    /// (`重庆市市场监督管理局`), as the chain's membership says.
    #[serde(default)]
    pub by_name: Option<Text>,
}

/// The certificate a signed DCC was signed with, as its lab registered it.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SignerView {
    /// SHA-256 of the certificate's DER.
    pub fingerprint: Hash,
    /// Its subject, as registered (`None` when the lab's record no longer lists it).
    pub subject: Option<Text>,
}

/// A lab, briefly.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabView {
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
}

/// A traceability chain.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TraceView {
    /// Every link sound, ending at a national primary standard or an NMI certificate.
    pub complete: bool,
    /// The verdict in words, with each broken link's problem (as the verify page says it).
    #[serde(default)]
    pub summary: String,
    /// The links, depth first.
    pub links: Vec<LinkView>,
}

/// One traceability link.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkView {
    /// 1 for the certificate's own standards, 2 for theirs…
    pub depth: u8,
    /// The dependent certificate, `LAB/NUMBER`.
    pub certificate: String,
    /// The date the link is checked for.
    pub on: Date,
    /// The standard used, `OWNER/CODE`.
    pub standard: Option<String>,
    /// Its level.
    pub level: Option<StandardLevel>,
    /// The traceability certificate: `LAB/NUMBER`, or `ISSUER NUMBER (external)`.
    pub via: Option<String>,
    /// `continues`, `terminal` or `broken`.
    pub outcome: LinkWord,
    /// Why it is broken (`standard_missing`, `trace_certificate_expired`…).
    pub problem: Option<String>,
    /// The same, as a sentence for people, Chinese first.
    #[serde(default)]
    pub problem_text: Option<String>,
    /// The whole link as people read it, in the words the verify page uses.
    #[serde(default)]
    pub text: String,
}

hengxin_primitives::wire_words! {
    /// What a finalized transaction did to a certificate.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Change: "certificate change" {
        /// Anchored.
        Anchored = "anchored",
        /// Revoked.
        Revoked = "revoked",
        /// Replaced by `other`.
        SupersededBy = "superseded_by",
        /// Anchored in place of `other`.
        Supersedes = "supersedes",
    }
}

/// One history entry.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct HistoryView {
    /// Height.
    pub height: u64,
    /// Transaction hash.
    pub tx: Hash,
    /// `anchored`, `revoked`, `superseded_by` or `supersedes`.
    pub change: Change,
    /// The other certificate's number, for supersession.
    pub other: Option<CertNumber>,
}

/// `GET /v1/businesses/{credit_code}[?on=DATE]`: a registered business and its
/// integrity-metrology credit (诚信计量) on a date.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BusinessView {
    /// 统一社会信用代码.
    pub credit_code: CreditCode,
    /// Registered name.
    pub name: Text,
    /// Region.
    pub region: RegionCode,
    /// `gas_station`, `market`…
    pub business_type: BusinessType,
    /// The date the grade is for (default: the chain's date).
    pub on: Date,
    /// `A`..`D` on that date.
    pub grade: Grade,
    /// The score on that date (100 plus the points of the records counting, at most 110).
    pub score: i64,
    /// The self-commitment in force on that date, if any.
    pub commitment: Option<CommitmentView>,
    /// Every credit record, with its state on that date.
    pub records: Vec<CreditRecordView>,
    /// Height of registration.
    pub registered_height: u64,
    /// The finalized height this answer was read at.
    pub height: u64,
}

/// A self-commitment (诚信计量自我承诺).
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CommitmentView {
    /// SHA-256 of the signed commitment.
    pub document_hash: Hash,
    /// Its date.
    pub date: Date,
    /// Whether it is current on the answer's date (for 12 months from its date).
    pub current: bool,
}

/// A credit record.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreditRecordView {
    /// Its id within the business's records.
    pub id: u64,
    /// `V1`..`V6`, `P1`, `P2`.
    pub code: CreditEvent,
    /// The finding's date.
    pub date: Date,
    /// Its points while it counts.
    pub points: i32,
    /// The first date it no longer counts for its time (`null`: until withdrawn).
    pub counts_until: Option<Date>,
    /// `counting`, `expired`, `repaired` or `withdrawn` on the answer's date.
    pub state: RecordState,
    /// SHA-256 of the evidence.
    pub evidence_hash: Hash,
    /// The inspector or regulator who recorded it.
    pub recorded_by: PublicKey,
    /// A repair applied for, waiting for the regulator.
    pub repair_applied: Option<Date>,
}

/// `GET …/proof`: a proof bundle.
#[derive(Clone, PartialEq, Eq, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BundleBody {
    /// The SCALE-encoded bundle, base64url without padding.
    pub bundle: String,
    /// The finalized height it proves the state at.
    pub height: u64,
}

impl BundleBody {
    /// The answer carrying `bundle` (SCALE bytes), proven at `height`.
    pub fn new(bundle: &[u8], height: u64) -> BundleBody {
        BundleBody {
            bundle: base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bundle),
            height,
        }
    }

    /// The bundle's SCALE bytes (`None` when it is not base64url): still untrusted.
    pub fn bytes(&self) -> Option<Vec<u8>> {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(&self.bundle)
            .ok()
    }
}

/// `?on=`: the date a business's grade is asked for.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct BusinessQuery {
    /// `YYYY-MM-DD` (default: the chain's date).
    pub on: Option<String>,
}

/// `?trace=`: what a certificate's bundle proves.
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct ProofQuery {
    /// `false`: only the certificate and its lab (a bundle small enough to staple to a QR
    /// code); default `true`: also every record of its traceability chain.
    pub trace: Option<bool>,
    /// The hash of the validator set the verifier trusts (its trust anchor's), 64 hex: the
    /// bundle's hand-offs start where that set took over. Default: the genesis set.
    pub trust: Option<String>,
}

/// `?trust=` of a business's proof: see [`ProofQuery::trust`].
#[derive(Clone, PartialEq, Eq, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::IntoParams))]
#[cfg_attr(feature = "openapi", into_params(parameter_in = Query))]
pub struct TrustQuery {
    /// The hash of the validator set the verifier trusts, 64 hex (default: the genesis set).
    pub trust: Option<String>,
}
