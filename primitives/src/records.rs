//! The records the runtime keeps, one type per `StorageKey` value. The verifier decodes the same
//! types from proven state, so they live here.

use alloc::string::String;
use alloc::vec::Vec;

use parity_scale_codec::{Decode, Encode};

use crate::block::ValidatorSet;
use crate::crypto::{AccountId, Hash};
use crate::ids::{Category, CertNumber, CreditCode, LabCode, RegionCode, StandardId, Text};
use crate::instruments::InstrumentUse;
use crate::time::Date;

/// Facts fixed at genesis.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ChainInfo {
    /// Human name of the chain (`hengxin-dev`, …).
    pub name: Text,
    /// Genesis time, UTC milliseconds.
    pub genesis_time_ms: u64,
}

/// A region and the regulators who act for it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct RegionRecord {
    /// `CQ`, `SC`.
    pub code: RegionCode,
    /// `重庆市市场监督管理局`.
    pub name: Text,
    /// Its GB/T 2260 province code (Chongqing 50, Sichuan 51): a business's credit code
    /// carries it in its 3rd and 4th characters (the registering authority's division).
    pub province: u8,
}

impl RegionRecord {
    /// Whether `code` was registered by an authority of this region: its 3rd and 4th
    /// characters are the region's province code.
    pub fn holds_credit_code(&self, code: &CreditCode) -> bool {
        code.province() == Some(self.province)
    }
}

/// What an account may do. Roles come from here, never from a transaction.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum AccountRole {
    /// A market regulator of a region.
    #[codec(index = 0)]
    Regulator {
        /// The region it acts for.
        region: RegionCode,
    },
    /// A signing key of a lab (active or not: see the lab's key history).
    #[codec(index = 1)]
    LabKey {
        /// The lab.
        lab: LabCode,
    },
    /// An inspector of a region.
    #[codec(index = 2)]
    Inspector {
        /// The region.
        region: RegionCode,
        /// The inspector's name.
        name: Text,
        /// Cleared when the regulator removes the inspector.
        active: bool,
    },
    /// A signing key of a business: it files the business's self-commitment and applies for
    /// credit repair.
    #[codec(index = 3)]
    Business {
        /// The business.
        credit_code: CreditCode,
    },
}

impl AccountRole {
    /// The role's word.
    pub fn role(&self) -> Role {
        match self {
            AccountRole::Regulator { .. } => Role::Regulator,
            AccountRole::LabKey { .. } => Role::LabKey,
            AccountRole::Inspector { .. } => Role::Inspector,
            AccountRole::Business { .. } => Role::Business,
        }
    }

    /// Who a key with this role acts for, as people read it: `CQJL 重庆市计量…` for a lab's
    /// key (given its record), `重庆 (CQ) 监管部门 regulator` for a regulator (given its
    /// region's), an inspector's name. The records are the ones the role names.
    pub fn acting_for(&self, lab: Option<&LabRecord>, region: Option<&RegionRecord>) -> String {
        match self {
            AccountRole::LabKey { lab: code } => match lab.filter(|l| l.code == *code) {
                Some(l) => alloc::format!("{} {}", l.code, l.name),
                None => alloc::format!("{code}"),
            },
            AccountRole::Regulator { region: code } => match region.filter(|r| r.code == *code) {
                Some(r) => alloc::format!("{} ({code}) 监管部门 regulator", r.name),
                None => alloc::format!("{code} 监管部门 regulator"),
            },
            AccountRole::Inspector { name, region, .. } => {
                alloc::format!("{name} ({region}) 检查员 inspector")
            }
            AccountRole::Business { credit_code } => alloc::format!("{credit_code}"),
        }
    }
}

crate::wire_words! {
    /// What an account is, as one word (`none`: no role on this chain).
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum Role: "role" {
        /// [`AccountRole::Regulator`].
        Regulator = "regulator",
        /// [`AccountRole::LabKey`].
        LabKey = "lab_key",
        /// [`AccountRole::Inspector`].
        Inspector = "inspector",
        /// [`AccountRole::Business`].
        Business = "business",
        /// No role.
        None = "none",
    }
}

crate::wire_words! {
    /// The legal standing of a lab.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
    pub enum LabKind: "lab kind" {
        /// 法定计量检定机构
        #[codec(index = 0)]
        StatutoryVerification = "statutory_verification" ("法定计量检定机构", "Statutory verification institute"),
        /// 授权计量技术机构
        #[codec(index = 1)]
        Authorized = "authorized" ("授权计量技术机构", "Authorized metrology institute"),
        /// CNAS-accredited calibration lab
        #[codec(index = 2)]
        CnasCalibration = "cnas_calibration" ("CNAS 认可校准实验室", "CNAS-accredited calibration lab"),
    }
}

/// One line of a lab's scope: a category, optionally narrowed to one item.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ScopeEntry {
    /// The measurement category.
    pub category: Category,
    /// `None` covers every item of the category.
    pub item: Option<Text>,
    /// Last day the accreditation holds.
    pub valid_until: Date,
}

impl ScopeEntry {
    /// Reads `CATEGORY[:ITEM]@VALID-UNTIL` (`MEC:压力表@2030-12-31`, `THE@2031-12-31`), as the
    /// CLI's `--scope` and the consortium file write it.
    pub fn parse(entry: &str) -> Result<ScopeEntry, alloc::string::String> {
        use alloc::format;
        use alloc::string::ToString;
        let (head, until) = entry.rsplit_once('@').ok_or_else(|| {
            format!(
                "scope `{entry}` is not CATEGORY[:ITEM]@VALID-UNTIL (e.g. MEC:压力表@2030-12-31)"
            )
        })?;
        let (category, item) = match head.split_once(':') {
            Some((category, item)) => (category, Some(item)),
            None => (head, None),
        };
        let category =
            <Category as crate::WireWord>::parse_word(category).map_err(|e| e.to_string())?;
        let item = item
            .map(|item| Text::new(item).map_err(|e| format!("scope item `{item}`: {e}")))
            .transpose()?;
        let valid_until = Date::parse(until)
            .ok_or_else(|| format!("scope `{entry}`: `{until}` is not a date YYYY-MM-DD"))?;
        Ok(ScopeEntry {
            category,
            item,
            valid_until,
        })
    }
}

crate::wire_words! {
    /// Active or suspended.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
    pub enum LabStatus: "lab status" {
        /// May anchor certificates.
        #[codec(index = 0)]
        Active = "active" ("正常", "Active"),
        /// May not anchor until reinstated.
        #[codec(index = 1)]
        Suspended = "suspended" ("暂停", "Suspended"),
    }
}

/// A change of a lab's status, kept so "was the lab active then" stays provable.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StatusChange {
    /// The new status.
    pub status: LabStatus,
    /// The height of the change.
    pub height: u64,
    /// The chain's date (CST) at the change.
    pub date: Date,
    /// Why.
    pub reason: Text,
}

/// A lab signing key and when it was valid.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct LabKeyEntry {
    /// The key.
    pub key: AccountId,
    /// Height from which it may anchor.
    pub added_height: u64,
    /// Set when retired or reported compromised.
    pub removed: Option<KeyRemoval>,
}

/// The end of a key's validity.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct KeyRemoval {
    /// From this height the key may not anchor. Certificates anchored before stay valid.
    pub height: u64,
    /// Reported compromised rather than retired.
    pub compromised: bool,
}

/// A metrology lab.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct LabRecord {
    /// `CQJL`.
    pub code: LabCode,
    /// Full name.
    pub name: Text,
    /// Home region.
    pub region: RegionCode,
    /// Legal standing.
    pub kind: LabKind,
    /// What it is accredited for.
    pub scope: Vec<ScopeEntry>,
    /// Current status.
    pub status: LabStatus,
    /// Every status change, oldest first.
    pub status_history: Vec<StatusChange>,
    /// Every signing key it has had, oldest first.
    pub keys: Vec<LabKeyEntry>,
    /// Every X.509 certificate it has registered for signing its DCCs, oldest first.
    pub dcc_certs: Vec<DccCertEntry>,
    /// Height of registration.
    pub registered_height: u64,
}

/// A lab's DCC signing certificate (X.509 leaf), as registered: a signed DCC anchors only
/// when its signer is one of these, registered and not removed.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct DccCertEntry {
    /// SHA-256 of the certificate's DER: what an anchored record names as its signer.
    pub fingerprint: Hash,
    /// Its subject (`CN=…,O=…`), as the certificate says.
    pub subject: Text,
    /// Its validity: first and last second, UTC, seconds since 1970.
    pub not_before_s: u64,
    /// Last second of its validity.
    pub not_after_s: u64,
    /// Height at which it was registered.
    pub added_height: u64,
    /// Height from which it no longer signs for the lab.
    pub removed_height: Option<u64>,
}

impl DccCertEntry {
    /// Whether it signs for the lab at `height`: registered at or before it, not removed.
    pub fn active_at(&self, height: u64) -> bool {
        self.added_height <= height && self.removed_height.is_none_or(|r| height < r)
    }
}

impl LabRecord {
    /// Whether `key` could anchor at `height`: added at or before it, not removed by then.
    pub fn key_active_at(&self, key: &AccountId, height: u64) -> bool {
        self.keys.iter().any(|k| {
            k.key == *key
                && k.added_height <= height
                && k.removed.as_ref().is_none_or(|r| height < r.height)
        })
    }

    /// Whether the scope covers `category`/`item` on `date`.
    pub fn scope_covers(&self, category: Category, item: &Text, date: Date) -> bool {
        self.scope.iter().any(|s| {
            s.category == category
                && date <= s.valid_until
                && s.item.as_ref().is_none_or(|i| i == item)
        })
    }

    /// Its DCC signing certificate with `fingerprint`, registered or removed.
    pub fn dcc_cert(&self, fingerprint: &Hash) -> Option<&DccCertEntry> {
        self.dcc_certs
            .iter()
            .find(|c| c.fingerprint == *fingerprint)
    }

    /// The status in force on `date`, from the history (active before any change).
    pub fn status_on(&self, date: Date) -> LabStatus {
        self.status_history
            .iter()
            .rev()
            .find(|c| c.date <= date)
            .map_or(LabStatus::Active, |c| c.status)
    }
}

crate::wire_words! {
    /// What kind of business, for 双随机 plans.
    #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug, Encode, Decode)]
    pub enum BusinessType: "business type" {
        /// 加油站
        #[codec(index = 0)]
        GasStation = "gas_station" ("加油站", "Gas station"),
        /// 集贸市场
        #[codec(index = 1)]
        Market = "market" ("集贸市场", "Market"),
        /// 眼镜店
        #[codec(index = 2)]
        OpticalShop = "optical_shop" ("眼镜店", "Optical shop"),
        /// 医疗机构
        #[codec(index = 3)]
        Hospital = "hospital" ("医疗机构", "Hospital"),
        /// 商店超市
        #[codec(index = 4)]
        Supermarket = "supermarket" ("超市", "Supermarket"),
        /// 生产企业
        #[codec(index = 5)]
        Manufacturer = "manufacturer" ("生产企业", "Manufacturer"),
        /// 其他
        #[codec(index = 6)]
        Other = "other" ("其他", "Other"),
    }
}

/// A market entity.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct BusinessRecord {
    /// 统一社会信用代码.
    pub credit_code: CreditCode,
    /// Registered name.
    pub name: Text,
    /// Region of registration.
    pub region: RegionCode,
    /// Type, for inspection plans.
    pub business_type: BusinessType,
    /// Height of registration.
    pub registered_height: u64,
}

/// A proposed validator set and which regions approved it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct ValidatorProposal {
    /// Increases with each proposal.
    pub id: u64,
    /// The proposed set.
    pub validators: ValidatorSet,
    /// Regions whose regulator approved, sorted.
    pub approvals: Vec<RegionCode>,
    /// Height of the proposal.
    pub proposed_height: u64,
    /// Height at which every region had approved; the set takes over at the next height.
    pub scheduled_height: Option<u64>,
}

crate::wire_words! {
    /// 检定证书, 检定结果通知书 or 校准证书.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
    pub enum CertKind: "certificate kind" {
        /// 检定证书: verification passed; has 有效期至.
        #[codec(index = 0)]
        Verification = "verification" ("检定证书", "Verification certificate"),
        /// 校准证书: results with uncertainty, no conclusion by default.
        #[codec(index = 1)]
        Calibration = "calibration" ("校准证书", "Calibration certificate"),
        /// 检定结果通知书: verification failed; no validity.
        #[codec(index = 2)]
        Notice = "notice" ("检定结果通知书", "Verification result notice"),
    }
}

/// A certificate's conclusion.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Conclusion {
    /// No conclusion (the calibration default).
    #[codec(index = 0)]
    None,
    /// 合格, possibly with an accuracy class.
    #[codec(index = 1)]
    Pass {
        /// 准确度等级, where given.
        accuracy_class: Option<Text>,
    },
    /// 不合格, with the failed items.
    #[codec(index = 2)]
    Fail {
        /// What failed.
        failed_items: Vec<Text>,
    },
}

impl Conclusion {
    /// The conclusion's word.
    pub fn word(&self) -> ConclusionWord {
        match self {
            Conclusion::None => ConclusionWord::None,
            Conclusion::Pass { .. } => ConclusionWord::Pass,
            Conclusion::Fail { .. } => ConclusionWord::Fail,
        }
    }
}

crate::wire_words! {
    /// A conclusion as one word.
    #[derive(Clone, Copy, PartialEq, Eq, Debug)]
    pub enum ConclusionWord: "conclusion" {
        /// 合格.
        Pass = "pass" ("合格", "Pass"),
        /// 不合格.
        Fail = "fail" ("不合格", "Fail"),
        /// No conclusion.
        None = "none" ("无结论", "No conclusion"),
    }
}

/// The instrument a certificate is about.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Instrument {
    /// 器具名称.
    pub name: Text,
    /// 型号/规格.
    pub model: Text,
    /// 出厂编号.
    pub serial: Text,
    /// 制造单位.
    pub manufacturer: Text,
}

/// The fields a lab anchors: everything of the record but what the chain adds.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CertificateFields {
    /// 证书编号, unique per lab.
    pub number: CertNumber,
    /// Kind.
    pub kind: CertKind,
    /// Measurement category.
    pub category: Category,
    /// The item within the category (压力表, 温度计…).
    pub item: Text,
    /// The instrument.
    pub instrument: Instrument,
    /// The JJG/JJF procedure (`JJG 52-2013`).
    pub procedure: Text,
    /// 检定/校准日期.
    pub calibration_date: Date,
    /// Issue date.
    pub issue_date: Date,
    /// 有效期至: required for verification certificates, absent on notices.
    pub valid_until: Option<Date>,
    /// Conclusion.
    pub conclusion: Conclusion,
    /// The measurement standards used.
    pub standards: Vec<StandardId>,
    /// SHA-256 over the exact document bytes (PDF or DCC XML).
    pub document_hash: Hash,
    /// For a signed DCC, the fingerprint of the certificate that signed it (one the lab
    /// registered); `None` for an unsigned file.
    pub signer: Option<Hash>,
    /// The registered instrument (一器一码) this certificate is for, and the seals applied
    /// (boxed: most certificates name none).
    pub for_instrument: Option<alloc::boxed::Box<InstrumentUse>>,
}

/// The certificate whose document hashes to a `StorageKey::Document` key: a document
/// anchors once, under one lab and number.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct DocumentHolder {
    /// The issuing lab.
    pub lab: LabCode,
    /// The certificate's number.
    pub number: CertNumber,
}

/// Where a certificate is in its life.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum CertStatus {
    /// Neither revoked nor superseded (it may still have expired: that is derived).
    #[codec(index = 0)]
    Valid,
    /// Revoked by its lab or the lab's regulator.
    #[codec(index = 1)]
    Revoked {
        /// Why.
        reason: Text,
        /// Height of revocation.
        height: u64,
        /// Chain time of revocation.
        timestamp_ms: u64,
        /// Who revoked.
        by: AccountId,
    },
    /// Replaced by a newer certificate of the same lab.
    #[codec(index = 2)]
    Superseded {
        /// The replacing certificate.
        by: CertNumber,
        /// Height of supersession.
        height: u64,
        /// Chain time of supersession.
        timestamp_ms: u64,
    },
}

/// A certificate as the ledger keeps it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct CertificateRecord {
    /// The issuing lab.
    pub lab: LabCode,
    /// What the lab anchored.
    pub fields: CertificateFields,
    /// The certificate this one replaces.
    pub supersedes: Option<CertNumber>,
    /// The lab key that anchored it.
    pub signing_key: AccountId,
    /// Height of anchoring.
    pub anchored_height: u64,
    /// Chain time of anchoring.
    pub anchored_ms: u64,
    /// Status.
    pub status: CertStatus,
}

crate::wire_words! {
    /// 计量标准 levels, highest first.
    #[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode)]
    pub enum StandardLevel: "standard level" {
        /// 国家计量基准: registered only by a regulator; ends a traceability chain.
        #[codec(index = 0)]
        NationalPrimary = "national_primary" ("国家计量基准", "National primary standard"),
        /// 社会公用计量标准
        #[codec(index = 1)]
        SocialPublic = "social_public" ("社会公用计量标准", "Social public standard"),
        /// 部门最高计量标准
        #[codec(index = 2)]
        DepartmentHighest = "department_highest" ("部门最高计量标准", "Department's highest standard"),
        /// 企事业单位最高计量标准
        #[codec(index = 3)]
        EnterpriseHighest = "enterprise_highest" ("企事业最高计量标准", "Enterprise's highest standard"),
        /// 工作计量器具
        #[codec(index = 4)]
        Working = "working" ("工作计量标准", "Working standard"),
    }
}

/// 计量标准考核证书: the standard's assessment, valid four years at most.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct Assessment {
    /// Certificate number.
    pub number: Text,
    /// Issue date.
    pub issued: Date,
    /// Last valid day.
    pub valid_until: Date,
}

/// How a standard is traced upward.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum TraceSource {
    /// A certificate on this ledger.
    #[codec(index = 0)]
    Ledger {
        /// Issuing lab.
        lab: LabCode,
        /// Its number.
        number: CertNumber,
    },
    /// A certificate of a national metrology institute under the CIPM MRA; ends the chain.
    #[codec(index = 1)]
    External {
        /// The institute (`NIM`, `PTB`…).
        issuer: Text,
        /// Its certificate number.
        number: Text,
        /// SHA-256 of its document.
        document_hash: Hash,
        /// Calibration date.
        issued: Date,
        /// Last valid day.
        valid_until: Date,
    },
}

/// What a lab (or regulator) registers about a measurement standard.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StandardFields {
    /// Owner and code.
    pub id: StandardId,
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
    /// Its assessment certificate.
    pub assessment: Assessment,
    /// Its traceability certificates, oldest first (a standard is recalibrated over the years).
    pub traces: Vec<TraceSource>,
}

/// A measurement standard as the ledger keeps it.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub struct StandardRecord {
    /// Its data (the assessment and traces change as it is reassessed and recalibrated).
    pub fields: StandardFields,
    /// The assessments it had before the current one, oldest first: a renewal adds a period
    /// and keeps the earlier ones, so certificates calibrated under them stay traceable.
    pub earlier_assessments: Vec<Assessment>,
    /// Height of registration.
    pub registered_height: u64,
}

impl StandardRecord {
    /// The assessment in force on `date`: the newest, current first, whose period covers it.
    pub fn assessment_on(&self, date: Date) -> Option<&Assessment> {
        core::iter::once(&self.fields.assessment)
            .chain(self.earlier_assessments.iter().rev())
            .find(|a| a.issued <= date && date <= a.valid_until)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn assessment(number: &str, issued: &str, valid_until: &str) -> Assessment {
        Assessment {
            number: Text::lossy(number),
            issued: Date::parse(issued).unwrap(),
            valid_until: Date::parse(valid_until).unwrap(),
        }
    }

    #[test]
    fn a_link_is_judged_by_the_assessment_in_force_on_its_date() {
        let first = assessment("考核-1", "2020-01-01", "2023-12-31");
        let second = assessment("考核-2", "2024-03-01", "2028-02-29");
        let record = StandardRecord {
            fields: StandardFields {
                id: StandardId {
                    owner: LabCode::new("CQJL").unwrap(),
                    code: "GZ-1".parse().unwrap(),
                },
                name: Text::lossy("标准装置"),
                category: Category::Thermal,
                level: StandardLevel::Working,
                range: Text::lossy(""),
                uncertainty: Text::lossy(""),
                assessment: second.clone(),
                traces: Vec::new(),
            },
            earlier_assessments: alloc::vec![first.clone()],
            registered_height: 0,
        };
        let on = |d: &str| record.assessment_on(Date::parse(d).unwrap());
        assert_eq!(on("2019-12-31"), None);
        assert_eq!(on("2020-01-01"), Some(&first));
        assert_eq!(on("2023-12-31"), Some(&first));
        assert_eq!(on("2024-02-01"), None, "between the two periods");
        assert_eq!(on("2024-03-01"), Some(&second));
        assert_eq!(on("2028-02-29"), Some(&second));
        assert_eq!(on("2028-03-01"), None);
    }
}
