//! Why an instruments call was refused: stable codes clients match on.

use hengxin_primitives::instruments::{
    Division, HISTORY_MAX, InstrumentId, SEAL_TEXT_MAX, SEALS_MAX,
};
use hengxin_primitives::{ClassCode, CreditCode, Date, LabCode, RegionCode};
use hengxin_support::PalletError;
use parity_scale_codec::{Decode, Encode};

/// Why an instruments call was refused. Stable: clients match on these.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// Only a regulator adds a class.
    #[codec(index = 0)]
    #[error("只有监管部门可以新增器具类别 / only a regulator may add an instrument class")]
    NotRegulator,
    /// The class code is taken.
    #[codec(index = 1)]
    #[error("器具类别 {0} 已存在 / instrument class {0} exists already")]
    DuplicateClass(ClassCode),
    /// The class's period is outside 1 to 240 months.
    #[codec(index = 2)]
    #[error(
        "检定周期须为 1 至 240 个月 / the verification period must be 1 to 240 months, not \
         {0}"
    )]
    InvalidPeriod(u16),
    /// No such class.
    #[codec(index = 3)]
    #[error("没有器具类别 {0} / there is no instrument class {0}; see GET /v1/instrument-classes")]
    UnknownClass(ClassCode),
    /// The owner is not a registered business.
    #[codec(index = 4)]
    #[error(
        "{0} 不是已登记的经营者 / {0} is not a registered business; its regulator registers \
         it first"
    )]
    UnknownOwner(CreditCode),
    /// Neither the owner's key nor a regulator of its region.
    #[codec(index = 5)]
    #[error(
        "只有器具所有者 {0} 或其所在地区的监管部门可以办理 / only the owner {0} or a \
         regulator of its region may do this"
    )]
    NotOwnerOrRegulator(CreditCode),
    /// The division lies outside the owner's region.
    #[codec(index = 6)]
    #[error(
        "行政区划 {division} 不在 {region} / division {division} is not in region {region}: \
         its codes begin with {province:02}"
    )]
    DivisionOutsideRegion {
        /// The division given.
        division: Division,
        /// The owner's region.
        region: RegionCode,
        /// The region's province code.
        province: u8,
    },
    /// The class, manufacturer and serial name a registered instrument.
    #[codec(index = 7)]
    #[error(
        "该器具已登记为 {0}（同一类别、制造单位和出厂编号）/ this instrument is registered \
         already as {0} (same class, manufacturer and serial)"
    )]
    Duplicate(InstrumentId),
    /// No such instrument.
    #[codec(index = 8)]
    #[error("器具 {0} 未登记 / instrument {0} is not registered")]
    UnknownInstrument(InstrumentId),
    /// Retired: nothing more happens to it.
    #[codec(index = 9)]
    #[error("器具 {0} 已报废 / instrument {0} is retired; nothing more may be recorded on it")]
    Retired(InstrumentId),
    /// A transfer to a business of another region, or to the owner itself.
    #[codec(index = 10)]
    #[error(
        "只能转让给同一地区 ({region}) 的其他经营者 / an instrument is transferred to another \
         business of its region ({region}), not to {to}"
    )]
    BadTransfer {
        /// The region.
        region: RegionCode,
        /// The business named.
        to: CreditCode,
    },
    /// A repair signed by a key that is not an active key of an active lab.
    #[codec(index = 11)]
    #[error(
        "维修须由在册机构的有效密钥签署 / a repair is recorded by an active key of an active \
         lab"
    )]
    NotActiveLab,
    /// A repair dated after the chain's date.
    #[codec(index = 12)]
    #[error(
        "维修日期 {date} 晚于链上日期 {today} / repair date {date} is after the chain's date {today}"
    )]
    DateInFuture {
        /// The date given.
        date: Date,
        /// The chain's.
        today: Date,
    },
    /// Over [`SEALS_MAX`] seals, or a seal's text over [`SEAL_TEXT_MAX`] characters.
    #[codec(index = 13)]
    #[error(
        "最多记录 {SEALS_MAX} 个封签，每项不超过 {SEAL_TEXT_MAX} 个字符 / at most {SEALS_MAX} \
         seals, each position and number at most {SEAL_TEXT_MAX} characters"
    )]
    TooManySeals,
    /// The lab named by a repair record is not the signer's (state inconsistent).
    #[codec(index = 14)]
    #[error("lab {0} is not registered")]
    UnknownLab(LabCode),
    /// The manufacturer or the serial is empty: together with the class they identify it.
    #[codec(index = 15)]
    #[error(
        "制造单位和出厂编号不能为空 / the manufacturer and the serial are required: with the \
         class they identify the instrument"
    )]
    Unidentified,
    /// The history holds [`HISTORY_MAX`] entries: nothing more is recorded on it.
    #[codec(index = 16)]
    #[error(
        "器具 {0} 的履历已满（{HISTORY_MAX} 条），不能再记录 / instrument {0}'s history is full \
         ({HISTORY_MAX} entries): nothing more can be recorded on it"
    )]
    HistoryFull(InstrumentId),
}

impl Error {
    /// The stable code the API reports for this refusal, written out so a rename cannot
    /// change it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotRegulator => "instruments.not_regulator",
            Error::DuplicateClass(_) => "instruments.duplicate_class",
            Error::InvalidPeriod(_) => "instruments.invalid_period",
            Error::UnknownClass(_) => "instruments.unknown_class",
            Error::UnknownOwner(_) => "instruments.unknown_owner",
            Error::NotOwnerOrRegulator(_) => "instruments.not_owner_or_regulator",
            Error::DivisionOutsideRegion { .. } => "instruments.division_outside_region",
            Error::Duplicate(_) => "instruments.duplicate",
            Error::UnknownInstrument(_) => "instruments.unknown_instrument",
            Error::Retired(_) => "instruments.retired",
            Error::BadTransfer { .. } => "instruments.bad_transfer",
            Error::NotActiveLab => "instruments.not_active_lab",
            Error::DateInFuture { .. } => "instruments.date_in_future",
            Error::TooManySeals => "instruments.too_many_seals",
            Error::UnknownLab(_) => "instruments.unknown_lab",
            Error::Unidentified => "instruments.unidentified",
            Error::HistoryFull(_) => "instruments.history_full",
        }
    }
}

impl PalletError for Error {}
