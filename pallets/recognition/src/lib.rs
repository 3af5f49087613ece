//! Mutual recognition (互认): agreements between two regions on the certificates each
//! recognises from the other.
//!
//! One region's regulator proposes an agreement (the kinds and categories it covers, the date
//! it is in force from); the other region's regulator accepts it; either side may end it from a
//! later date. Agreements are never deleted. Where a certificate is recognised is one rule,
//! [`hengxin_primitives::recognition::recognized_in`], judged on the certificate's issue date.
//!
//! State: each agreement under [`StorageKey::Agreement`], and for each region the ids of every
//! agreement it is a party to under [`StorageKey::AgreementsOf`], so that a proof of that list
//! shows a verifier every agreement that can decide a certificate's recognition: none can be
//! left out.

use hengxin_primitives::recognition::Agreement;
use hengxin_primitives::records::{AccountRole, CertKind};
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::{AccountId, Category, Date, RegionCode};
use hengxin_support::{DispatchResult, Env, PalletError, Storage, StorageError};
use parity_scale_codec::{Decode, Encode};

/// The most agreements one region may be a party to.
pub const AGREEMENTS_PER_REGION_MAX: usize = 64;

/// The agreement `id`.
pub fn agreement(s: &mut dyn Storage, id: u64) -> Result<Option<Agreement>, StorageError> {
    s.get(&StorageKey::Agreement(id))
}

/// The ids of every agreement `region` is a party to, oldest first.
pub fn agreements_of(s: &mut dyn Storage, region: &RegionCode) -> Result<Vec<u64>, StorageError> {
    Ok(s.get(&StorageKey::AgreementsOf(region.clone()))?
        .unwrap_or_default())
}

/// What a successful call did.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Event {
    /// An agreement was proposed.
    #[codec(index = 0)]
    AgreementProposed {
        /// Its id.
        id: u64,
    },
    /// The partner region accepted it: it is in force from its date.
    #[codec(index = 1)]
    AgreementAccepted {
        /// Its id.
        id: u64,
    },
    /// Either side ended it from a date.
    #[codec(index = 2)]
    AgreementEnded {
        /// Its id.
        id: u64,
        /// Certificates issued from this date on are not covered.
        from: Date,
    },
}

/// Why a call was refused.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, thiserror::Error)]
pub enum Error {
    /// Only a regulator proposes, accepts or ends an agreement.
    #[codec(index = 0)]
    #[error("only a region's regulator may make or end a mutual-recognition agreement")]
    NotRegulator,
    /// The partner region is the proposer's own.
    #[codec(index = 1)]
    #[error("an agreement is between two different regions")]
    SameRegion,
    /// The partner region does not exist.
    #[codec(index = 2)]
    #[error("region {0} does not exist")]
    UnknownRegion(RegionCode),
    /// No kind or no category.
    #[codec(index = 3)]
    #[error("an agreement covers at least one certificate kind and one category")]
    NothingCovered,
    /// A region is a party to too many agreements.
    #[codec(index = 4)]
    #[error("region {0} is a party to {AGREEMENTS_PER_REGION_MAX} agreements already")]
    TooManyAgreements(RegionCode),
    /// No agreement has this id.
    #[codec(index = 5)]
    #[error("there is no agreement {0}")]
    NoSuchAgreement(u64),
    /// Only the partner region's regulator accepts.
    #[codec(index = 6)]
    #[error("only a regulator of {0} may accept this agreement")]
    NotPartner(RegionCode),
    /// Accepted already.
    #[codec(index = 7)]
    #[error("agreement {0} is accepted already")]
    AlreadyAccepted(u64),
    /// The signer's region is not a party.
    #[codec(index = 8)]
    #[error("only a regulator of one of its two regions may end agreement {0}")]
    NotParty(u64),
    /// Ended already.
    #[codec(index = 9)]
    #[error("agreement {0} is ended already")]
    AlreadyEnded(u64),
    /// The end is not after the agreement's start, or is in the past.
    #[codec(index = 10)]
    #[error("an agreement ends after its start date and not before today ({today})")]
    BadEndDate {
        /// The chain's date.
        today: Date,
    },
    /// Not accepted yet: nothing to end.
    #[codec(index = 11)]
    #[error("agreement {0} was never accepted; it is not in force")]
    NotAccepted(u64),
}

impl Error {
    /// The stable code the API reports for this refusal. Written out: a rename cannot change
    /// it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotRegulator => "recognition.not_regulator",
            Error::SameRegion => "recognition.same_region",
            Error::UnknownRegion(_) => "recognition.unknown_region",
            Error::NothingCovered => "recognition.nothing_covered",
            Error::TooManyAgreements(_) => "recognition.too_many_agreements",
            Error::NoSuchAgreement(_) => "recognition.no_such_agreement",
            Error::NotPartner(_) => "recognition.not_partner",
            Error::AlreadyAccepted(_) => "recognition.already_accepted",
            Error::NotParty(_) => "recognition.not_party",
            Error::AlreadyEnded(_) => "recognition.already_ended",
            Error::BadEndDate { .. } => "recognition.bad_end_date",
            Error::NotAccepted(_) => "recognition.not_accepted",
        }
    }
}

impl PalletError for Error {}

/// The recognition calls.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode)]
pub enum Call {
    /// Proposes an agreement between the signer's region and `partner`.
    #[codec(index = 0)]
    Propose {
        /// The other region.
        partner: RegionCode,
        /// The certificate kinds covered.
        kinds: Vec<CertKind>,
        /// The categories covered.
        categories: Vec<Category>,
        /// In force for certificates issued from this date.
        from: Date,
    },
    /// Accepts agreement `id` for the partner region.
    #[codec(index = 1)]
    Accept {
        /// The agreement.
        id: u64,
    },
    /// Ends agreement `id` for certificates issued from `from` on.
    #[codec(index = 2)]
    End {
        /// The agreement.
        id: u64,
        /// The first issue date it no longer covers.
        from: Date,
    },
}

/// Routes a call to its function.
pub fn dispatch(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    call: Call,
) -> DispatchResult<Event, Error> {
    match call {
        Call::Propose {
            partner,
            kinds,
            categories,
            from,
        } => propose(s, signer, partner, kinds, categories, from),
        Call::Accept { id } => accept(s, env, signer, id),
        Call::End { id, from } => end(s, env, signer, id, from),
    }
}

/// The region `signer` is a regulator of.
fn regulator_region(s: &mut dyn Storage, signer: &AccountId) -> DispatchResult<RegionCode, Error> {
    match hengxin_membership::role(s, signer)? {
        Some(AccountRole::Regulator { region }) => Ok(region),
        _ => Err(Error::NotRegulator.into()),
    }
}

/// `kinds` and `categories` sorted, each value once, neither empty.
fn covered(
    mut kinds: Vec<CertKind>,
    mut categories: Vec<Category>,
) -> Result<(Vec<CertKind>, Vec<Category>), Error> {
    kinds.sort_by_key(|k| *k as u8);
    kinds.dedup();
    categories.sort();
    categories.dedup();
    if kinds.is_empty() || categories.is_empty() {
        return Err(Error::NothingCovered);
    }
    Ok((kinds, categories))
}

/// [`Call::Propose`]: a regulator proposes an agreement with another region.
fn propose(
    s: &mut dyn Storage,
    signer: &AccountId,
    partner: RegionCode,
    kinds: Vec<CertKind>,
    categories: Vec<Category>,
    from: Date,
) -> DispatchResult<Event, Error> {
    let proposer = regulator_region(s, signer)?;
    if partner == proposer {
        return Err(Error::SameRegion.into());
    }
    if !hengxin_membership::regions(s)?.contains(&partner) {
        return Err(Error::UnknownRegion(partner).into());
    }
    let (kinds, categories) = covered(kinds, categories)?;
    let mut lists = Vec::new();
    for region in [&proposer, &partner] {
        let ids = agreements_of(s, region)?;
        if ids.len() >= AGREEMENTS_PER_REGION_MAX {
            return Err(Error::TooManyAgreements(region.clone()).into());
        }
        lists.push((region.clone(), ids));
    }
    let id = s.get::<u64>(&StorageKey::AgreementCount)?.unwrap_or(0) + 1;
    s.put(&StorageKey::AgreementCount, &id);
    for (region, mut ids) in lists {
        ids.push(id);
        s.put(&StorageKey::AgreementsOf(region), &ids);
    }
    let agreement = Agreement {
        id,
        proposer,
        partner,
        kinds,
        categories,
        from,
        accepted_height: None,
        ended_from: None,
    };
    s.put(&StorageKey::Agreement(id), &agreement);
    Ok(Event::AgreementProposed { id })
}

fn existing(s: &mut dyn Storage, id: u64) -> DispatchResult<Agreement, Error> {
    agreement(s, id)?.ok_or_else(|| Error::NoSuchAgreement(id).into())
}

/// [`Call::Accept`]: the partner region's regulator accepts.
fn accept(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: u64,
) -> DispatchResult<Event, Error> {
    let region = regulator_region(s, signer)?;
    let mut agreement = existing(s, id)?;
    if region != agreement.partner {
        return Err(Error::NotPartner(agreement.partner).into());
    }
    if agreement.accepted_height.is_some() {
        return Err(Error::AlreadyAccepted(id).into());
    }
    agreement.accepted_height = Some(env.height);
    s.put(&StorageKey::Agreement(id), &agreement);
    Ok(Event::AgreementAccepted { id })
}

/// [`Call::End`]: a regulator of either region ends an accepted agreement from a date after
/// its start and not in the past.
fn end(
    s: &mut dyn Storage,
    env: &Env,
    signer: &AccountId,
    id: u64,
    from: Date,
) -> DispatchResult<Event, Error> {
    let region = regulator_region(s, signer)?;
    let mut agreement = existing(s, id)?;
    if agreement.other_region(&region).is_none() {
        return Err(Error::NotParty(id).into());
    }
    if agreement.accepted_height.is_none() {
        return Err(Error::NotAccepted(id).into());
    }
    if agreement.ended_from.is_some() {
        return Err(Error::AlreadyEnded(id).into());
    }
    let today = env.today();
    if from <= agreement.from || from < today {
        return Err(Error::BadEndDate { today }.into());
    }
    agreement.ended_from = Some(from);
    s.put(&StorageKey::Agreement(id), &agreement);
    Ok(Event::AgreementEnded { id, from })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_its_stable_code() {
        let region = RegionCode::new("SC").unwrap();
        let cases = [
            (Error::NotRegulator, "recognition.not_regulator"),
            (Error::SameRegion, "recognition.same_region"),
            (
                Error::UnknownRegion(region.clone()),
                "recognition.unknown_region",
            ),
            (Error::NothingCovered, "recognition.nothing_covered"),
            (
                Error::TooManyAgreements(region),
                "recognition.too_many_agreements",
            ),
            (Error::NoSuchAgreement(1), "recognition.no_such_agreement"),
            (
                Error::NotPartner(RegionCode::new("CQ").unwrap()),
                "recognition.not_partner",
            ),
            (Error::AlreadyAccepted(1), "recognition.already_accepted"),
            (Error::NotParty(1), "recognition.not_party"),
            (Error::AlreadyEnded(1), "recognition.already_ended"),
            (
                Error::BadEndDate {
                    today: Date::UNIX_EPOCH,
                },
                "recognition.bad_end_date",
            ),
            (Error::NotAccepted(1), "recognition.not_accepted"),
        ];
        hengxin_support::assert_error_codes(&cases, Error::code);
    }
}
