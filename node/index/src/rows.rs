//! What a block changed, as rows: each state key the block wrote names the records to
//! (re)write, read back from the state at that block's height and judged by the same rules the
//! node and the verifier use (`gather`, `instrument_status`, `credit::grade`). A status or grade
//! that changes with the date alone is rewritten on the day the rules announced
//! (`recheck_on`, `regrade_on`).

use std::collections::BTreeSet;

use hengxin_primitives::credit::Grade;
use hengxin_primitives::gather::{self, instruments as gi};
use hengxin_primitives::inspection::{DrawRecord, InspectionPlan, InspectionResult};
use hengxin_primitives::instruments::InstrumentId;
use hengxin_primitives::read::StateRead;
use hengxin_primitives::recognition::{self, Agreement};
use hengxin_primitives::records::{
    AccountRole, BusinessRecord, CertStatus, LabRecord, StandardRecord,
};
use hengxin_primitives::rules;
use hengxin_primitives::state::StorageKey;
use hengxin_primitives::time::Date;
use hengxin_primitives::{AccountId, CertNumber, CreditCode, Hash, LabCode, RegionCode};
use hengxin_primitives::{StandardId, block::ValidatorSet};
use hengxin_support::{Storage, StorageError};

use crate::db::{Batch, Value};
use crate::schema as t;

/// A record to write a row (or rows) of.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Touch {
    /// `labs`.
    Lab(LabCode),
    /// `standards`.
    Standard(StandardId),
    /// `certificates` (and the instrument it is for).
    Certificate(LabCode, CertNumber),
    /// `businesses` (with its grade) and its `credit_records`.
    Business(CreditCode),
    /// `instruments` (with its status).
    Instrument(InstrumentId),
    /// `inspectors`.
    Inspector(AccountId),
    /// Every inspector of a region.
    InspectorsOf(RegionCode),
    /// `plans`, its `draw_targets` and `inspection_results`.
    Plan(u64),
    /// `agreements`.
    Agreement(u64),
    /// `validators`.
    Validators,
}

/// The records a written state key touches.
pub fn touched(key: &StorageKey) -> Option<Touch> {
    use StorageKey as K;
    Some(match key {
        K::Lab(code) => Touch::Lab(code.clone()),
        K::Standard(id) => Touch::Standard(id.clone()),
        K::Certificate(lab, number) => Touch::Certificate(lab.clone(), number.clone()),
        K::Business(code) | K::Commitment(code) | K::CreditRecords(code) => {
            Touch::Business(code.clone())
        }
        K::Instrument(id) | K::InstrumentHistory(id, _) => Touch::Instrument(id.clone()),
        K::Role(account) => Touch::Inspector(*account),
        K::InspectorsOf(region) => Touch::InspectorsOf(region.clone()),
        K::Plan(id) | K::Draw(id) | K::InspectionResult(id, _) | K::Assignments(id, _) => {
            Touch::Plan(*id)
        }
        K::Agreement(id) => Touch::Agreement(*id),
        K::Validators => Touch::Validators,
        _ => return None,
    })
}

/// Why rows could not be gathered.
pub type Result<T> = std::result::Result<T, StorageError>;

fn date(d: Date) -> Value {
    Value::Text(Some(d.to_iso()))
}

fn month(d: Date) -> Value {
    Value::Text(Some(d.to_iso()[..7].to_owned()))
}

fn opt_date(d: Option<Date>) -> Value {
    Value::Text(d.map(Date::to_iso))
}

fn hex(h: &Hash) -> Value {
    Value::Text(Some(h.to_hex()))
}

/// The state at one height, with that height's date, writing rows into a batch.
pub struct Gatherer<'a> {
    /// The state at the height.
    pub state: &'a mut dyn Storage,
    /// The block's date (Beijing time): statuses and grades are as of it.
    pub on: Date,
    /// Where rows go.
    pub batch: &'a mut Batch,
    /// Each region's agreements, read once a block.
    pub agreements: std::collections::BTreeMap<RegionCode, Vec<Agreement>>,
}

impl Gatherer<'_> {
    /// Writes the rows of every record in `touches`.
    pub fn gather(&mut self, touches: BTreeSet<Touch>) -> Result<()> {
        let mut touches = touches;
        // A certificate for an instrument changes its status: one more touch.
        let extra: Vec<Touch> = touches
            .iter()
            .filter_map(|t| match t {
                Touch::Certificate(lab, number) => Some((lab, number)),
                _ => None,
            })
            .map(|(lab, number)| self.instrument_of(lab, number))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .flatten()
            .map(Touch::Instrument)
            .collect();
        touches.extend(extra);
        for touch in touches {
            self.write(touch)?;
        }
        Ok(())
    }

    fn instrument_of(
        &mut self,
        lab: &LabCode,
        number: &CertNumber,
    ) -> Result<Option<InstrumentId>> {
        let key = StorageKey::Certificate(lab.clone(), number.clone());
        let record: Option<hengxin_primitives::records::CertificateRecord> =
            self.state.read(&key)?;
        Ok(record.and_then(|c| c.fields.for_instrument.map(|u| u.id)))
    }

    fn write(&mut self, touch: Touch) -> Result<()> {
        match touch {
            Touch::Lab(code) => self.lab(&code),
            Touch::Standard(id) => self.standard(&id),
            Touch::Certificate(lab, number) => self.certificate(&lab, &number),
            Touch::Business(code) => self.business(&code),
            Touch::Instrument(id) => self.instrument(&id),
            Touch::Inspector(key) => self.inspector(&key),
            Touch::InspectorsOf(region) => {
                let keys: Vec<AccountId> = self
                    .state
                    .read(&StorageKey::InspectorsOf(region))?
                    .unwrap_or_default();
                keys.iter().try_for_each(|k| self.inspector(k))
            }
            Touch::Plan(id) => self.plan(id),
            Touch::Agreement(id) => self.agreement(id),
            Touch::Validators => self.validators(),
        }
    }

    fn lab(&mut self, code: &LabCode) -> Result<()> {
        let Some(lab) = self
            .state
            .read::<LabRecord>(&StorageKey::Lab(code.clone()))?
        else {
            return Ok(());
        };
        let active_keys = lab.keys.iter().filter(|k| k.removed.is_none()).count();
        let dcc = lab
            .dcc_certs
            .iter()
            .filter(|c| c.removed_height.is_none())
            .count();
        self.batch.upsert(
            &t::LABS,
            vec![
                lab.code.as_str().into(),
                lab.name.as_str().into(),
                lab.region.as_str().into(),
                lab.kind.code().into(),
                lab.status.code().into(),
                lab.registered_height.into(),
                (lab.scope.len() as u64).into(),
                (active_keys as u64).into(),
                (dcc as u64).into(),
            ],
        );
        Ok(())
    }

    fn standard(&mut self, id: &StandardId) -> Result<()> {
        let Some(s) = self
            .state
            .read::<StandardRecord>(&StorageKey::Standard(id.clone()))?
        else {
            return Ok(());
        };
        let f = &s.fields;
        self.batch.upsert(
            &t::STANDARDS,
            vec![
                f.id.owner.as_str().into(),
                f.id.code.as_str().into(),
                f.name.as_str().into(),
                f.category.code().into(),
                f.level.code().into(),
                f.assessment.number.as_str().into(),
                date(f.assessment.valid_until),
                s.registered_height.into(),
            ],
        );
        Ok(())
    }

    fn certificate(&mut self, lab: &LabCode, number: &CertNumber) -> Result<()> {
        let Some(facts) = gather::certificate(self.state, lab, number)? else {
            return Ok(());
        };
        let c = &facts.record;
        let f = &c.fields;
        let region = facts.issuer.as_ref().map(|l| l.region.as_str().to_owned());
        let anchored_month = Date::from_unix_ms_cst(c.anchored_ms).to_iso()[..7].to_owned();
        // Where it is recognised, by the one rule over its lab's agreements.
        self.batch.delete(
            &t::RECOGNITIONS,
            vec![c.lab.as_str().into(), f.number.as_str().into()],
        );
        if let Some(lab) = &facts.issuer {
            if !self.agreements.contains_key(&lab.region) {
                let read = gather::agreements_of(self.state, &lab.region)?;
                self.agreements.insert(lab.region.clone(), read);
            }
            let agreements = &self.agreements[&lab.region];
            for region in recognition::recognized_in(c, lab, agreements) {
                self.batch.upsert(
                    &t::RECOGNITIONS,
                    vec![
                        c.lab.as_str().into(),
                        f.number.as_str().into(),
                        region.as_str().into(),
                        (region == lab.region).into(),
                        anchored_month.as_str().into(),
                    ],
                );
            }
        }
        let anchored = Date::from_unix_ms_cst(c.anchored_ms);
        let (superseded_by, ended) = match &c.status {
            CertStatus::Valid => (None, None),
            CertStatus::Revoked {
                height,
                timestamp_ms,
                ..
            } => (None, Some((*height, *timestamp_ms))),
            CertStatus::Superseded {
                by,
                height,
                timestamp_ms,
            } => (Some(by.as_str().to_owned()), Some((*height, *timestamp_ms))),
        };
        let status = rules::certificate_state(c, self.on);
        let ended_on = ended.map(|(_, ms)| Date::from_unix_ms_cst(ms));
        self.batch.upsert(
            &t::CERTIFICATES,
            vec![
                c.lab.as_str().into(),
                f.number.as_str().into(),
                Value::Text(Some(region.unwrap_or_default())),
                f.kind.code().into(),
                f.category.code().into(),
                f.item.as_str().into(),
                f.instrument.name.as_str().into(),
                f.instrument.serial.as_str().into(),
                date(f.calibration_date),
                date(f.issue_date),
                opt_date(f.valid_until),
                f.conclusion.word().code().into(),
                Value::Text(f.for_instrument.as_ref().map(|u| u.id.to_string())),
                hex(&f.document_hash),
                status.code().into(),
                Value::Text(c.supersedes.as_ref().map(|n| n.as_str().to_owned())),
                Value::Text(superseded_by),
                c.anchored_height.into(),
                date(anchored),
                month(anchored),
                ended.map(|(h, _)| h).into(),
                opt_date(ended_on),
                Value::Text(ended_on.map(|d| d.to_iso()[..7].to_owned())),
                opt_date(rules::certificate_state_changes_after(c, self.on)),
            ],
        );
        Ok(())
    }

    fn business(&mut self, code: &CreditCode) -> Result<()> {
        let Some(b) = self
            .state
            .read::<BusinessRecord>(&StorageKey::Business(code.clone()))?
        else {
            return Ok(());
        };
        let inputs = gather::credit_inputs(self.state, code)?;
        let standing = inputs.standing(self.on);
        self.batch.upsert(
            &t::BUSINESSES,
            vec![
                b.credit_code.as_str().into(),
                b.name.as_str().into(),
                b.region.as_str().into(),
                b.business_type.code().into(),
                b.registered_height.into(),
                Value::Int(Some(standing.score)),
                grade(standing.grade),
                date(self.on),
                opt_date(inputs.standing_changes_after(self.on)),
            ],
        );
        for r in &inputs.records {
            self.batch.upsert(
                &t::CREDIT_RECORDS,
                vec![
                    b.credit_code.as_str().into(),
                    r.id.into(),
                    b.region.as_str().into(),
                    r.event.code().into(),
                    date(r.date),
                    month(r.date),
                    opt_date(r.repaired),
                    opt_date(r.withdrawn),
                ],
            );
        }
        Ok(())
    }

    fn instrument(&mut self, id: &InstrumentId) -> Result<()> {
        let Some(facts) = gi::instrument(self.state, id)? else {
            return Ok(());
        };
        let standing = facts.standing(self.on);
        let r = &facts.record;
        let latest = standing.latest;
        self.batch.upsert(
            &t::INSTRUMENTS,
            vec![
                r.id.to_string().into(),
                r.id.region.as_str().into(),
                r.class.as_str().into(),
                facts.class.compulsory.into(),
                r.division.to_string().into(),
                r.owner.as_str().into(),
                r.site.as_str().into(),
                r.manufacturer.as_str().into(),
                r.model.as_str().into(),
                r.serial.as_str().into(),
                standing.status.code().into(),
                opt_date(standing.valid_until()),
                Value::Text(latest.map(|c| c.lab.as_str().to_owned())),
                Value::Text(latest.map(|c| c.fields.number.as_str().to_owned())),
                r.registered.height.into(),
                date(self.on),
                opt_date(facts.status_changes_after(self.on)),
            ],
        );
        Ok(())
    }

    fn inspector(&mut self, key: &AccountId) -> Result<()> {
        if let Some(AccountRole::Inspector {
            region,
            name,
            active,
        }) = self.state.read(&StorageKey::Role(*key))?
        {
            self.batch.upsert(
                &t::INSPECTORS,
                vec![
                    key.to_hex().into(),
                    region.as_str().into(),
                    name.as_str().into(),
                    active.into(),
                ],
            );
        }
        Ok(())
    }

    fn plan(&mut self, id: u64) -> Result<()> {
        let Some(plan) = self.state.read::<InspectionPlan>(&StorageKey::Plan(id))? else {
            return Ok(());
        };
        let draw: Option<DrawRecord> = self.state.read(&StorageKey::Draw(id))?;
        let mut short = 0u64;
        if let Some(draw) = &draw {
            for (position, target) in draw.targets.iter().enumerate() {
                let assigned: Vec<hengxin_primitives::inspection::Assignment> = self
                    .state
                    .read(&StorageKey::Assignments(id, target.credit_code.clone()))?
                    .unwrap_or_default();
                let still_short = target.short && target.inspectors.len() + assigned.len() < 2;
                short += u64::from(still_short);
                let inspectors: Vec<String> = target
                    .inspectors
                    .iter()
                    .chain(assigned.iter().map(|a| &a.inspector))
                    .map(|k| k.to_hex())
                    .collect();
                self.batch.upsert(
                    &t::DRAW_TARGETS,
                    vec![
                        id.into(),
                        (position as u64).into(),
                        target.credit_code.as_str().into(),
                        grade(target.grade),
                        inspectors.join(" ").into(),
                        still_short.into(),
                    ],
                );
                let result: Option<InspectionResult> = self.state.read(
                    &StorageKey::InspectionResult(id, target.credit_code.clone()),
                )?;
                if let Some(result) = result {
                    self.batch.upsert(
                        &t::INSPECTION_RESULTS,
                        vec![
                            id.into(),
                            result.credit_code.as_str().into(),
                            result.outcome.code().into(),
                            result.inspector.to_hex().into(),
                            result.height.into(),
                        ],
                    );
                }
            }
        }
        let types: Vec<&str> = plan.business_types.iter().map(|t| t.code()).collect();
        let ratios: Vec<String> = ["A", "B", "C", "D"]
            .iter()
            .zip(plan.ratios)
            .map(|(g, r)| format!("{g}={r}"))
            .collect();
        let in_scope = draw
            .as_ref()
            .map_or(0, |d| d.in_scope.iter().map(|n| u64::from(*n)).sum::<u64>());
        self.batch.upsert(
            &t::PLANS,
            vec![
                id.into(),
                plan.region.as_str().into(),
                types.join(",").into(),
                ratios.join(",").into(),
                (plan.inspectors.len() as u64).into(),
                plan.created_height.into(),
                plan.reveal_height.into(),
                draw.is_some().into(),
                Value::Text(draw.as_ref().map(|d| d.seed.to_hex())),
                opt_date(draw.as_ref().map(|d| d.on)),
                in_scope.into(),
                (draw.as_ref().map_or(0, |d| d.targets.len()) as u64).into(),
                short.into(),
            ],
        );
        Ok(())
    }

    fn agreement(&mut self, id: u64) -> Result<()> {
        let Some(a) = self.state.read::<Agreement>(&StorageKey::Agreement(id))? else {
            return Ok(());
        };
        // Certificates its parties' labs issued from its start may be recognised otherwise
        // now: they are rechecked by the next batch.
        self.batch.then(
            "UPDATE certificates SET recheck_on = $1 WHERE (region = $2 OR region = $3) \
             AND issue_date >= $4",
            vec![
                date(self.on),
                a.proposer.as_str().into(),
                a.partner.as_str().into(),
                date(a.from),
            ],
        );
        let kinds: Vec<&str> = a.kinds.iter().map(|k| k.code()).collect();
        let categories: Vec<&str> = a.categories.iter().map(|c| c.code()).collect();
        self.batch.upsert(
            &t::AGREEMENTS,
            vec![
                a.id.into(),
                a.proposer.as_str().into(),
                a.partner.as_str().into(),
                kinds.join(",").into(),
                categories.join(",").into(),
                date(a.from),
                a.accepted_height.into(),
                opt_date(a.ended_from),
            ],
        );
        Ok(())
    }

    fn validators(&mut self) -> Result<()> {
        let Some(set) = self.state.read::<ValidatorSet>(&StorageKey::Validators)? else {
            return Ok(());
        };
        self.batch.clear(&t::VALIDATORS);
        for (position, v) in set.validators.iter().enumerate() {
            self.batch.upsert(
                &t::VALIDATORS,
                vec![
                    (position as u64).into(),
                    v.key.to_hex().into(),
                    v.power.into(),
                ],
            );
        }
        Ok(())
    }
}

fn grade(g: Grade) -> Value {
    g.code().into()
}
