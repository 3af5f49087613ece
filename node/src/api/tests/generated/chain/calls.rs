//! The generator's calls on instruments, credit, inspections and agreements.

use super::*;

/// Instruments: registered, verified, moved, repaired, retired.
impl Generator<'_> {
    pub(super) fn register_instrument(&mut self, region: usize) {
        let class = self.rng.below(CLASSES.len());
        let (owner, _) = self.business(region);
        self.serial += 1;
        let registration = Registration {
            class: ClassCode::new(CLASSES[class].0).unwrap(),
            manufacturer: Text::lossy("正星科技股份有限公司"),
            model: Text::lossy("ZX"),
            serial: Text::lossy(&format!("GEN-{:06}", self.serial)),
            production_code: None,
            owner,
            division: self.division(region),
            site: Site::new(&format!("{}号", self.serial)).unwrap(),
        };
        self.registering.push_back((region, class));
        self.push(
            REGIONS[region].3,
            Call::Instruments(instruments::Call::Register { registration }),
        );
    }

    pub(super) fn division(&mut self, region: usize) -> Division {
        Division::new(REGIONS[region].5 + self.rng.below(6) as u32).unwrap()
    }

    pub(super) fn live_instrument(&mut self, region: usize) -> Option<usize> {
        let live: Vec<usize> = (0..self.instruments.len())
            .filter(|&i| !self.instruments[i].retired && self.instruments[i].region == region)
            .collect();
        live.get(self.rng.below(live.len())).copied()
    }

    /// Its region's lab verifies it: passed (most often) or failed.
    pub(super) fn verify(&mut self, region: usize) {
        let Some(i) = self.live_instrument(region) else {
            return;
        };
        let (id, class) = (self.instruments[i].id.clone(), self.instruments[i].class);
        let (_, category, months) = CLASSES[class];
        let mut fields = self.fields(region);
        let on = Date(self.today().0 - self.rng.below(3) as u32);
        let passed = !self.rng.one_in(5);
        fields.category = category;
        fields.calibration_date = on;
        fields.issue_date = on;
        (fields.kind, fields.conclusion) = verdict(passed);
        fields.valid_until = passed.then(|| Date(on.add_months(months).0 - 1));
        fields.for_instrument = Some(Box::new(InstrumentUse {
            id: id.clone(),
            seals: match passed {
                true => vec![Seal {
                    position: Text::lossy("计量器主板"),
                    number: Text::lossy(&format!("{id}-{}", self.serial)),
                }],
                false => Vec::new(),
            },
        }));
        self.anchor_fields(region, fields);
    }

    pub(super) fn change_instrument(&mut self, region: usize) {
        let Some(i) = self.live_instrument(region) else {
            return;
        };
        let id = self.instruments[i].id.clone();
        let call = match self.rng.below(3) {
            0 => instruments::Call::Move {
                id,
                division: self.division(region),
                site: Site::new("迁移后").unwrap(),
            },
            1 => {
                let today = self.today();
                return self.push(
                    REGIONS[region].2,
                    Call::Instruments(instruments::Call::Repair {
                        evidence: crypto::sha256(format!("repair {id} {today:?}").as_bytes()),
                        id,
                        date: today,
                        seals_broken: Vec::new(),
                    }),
                );
            }
            _ => {
                self.instruments[i].retired = true;
                instruments::Call::Retire {
                    id,
                    reason: Text::lossy("老化报废"),
                }
            }
        };
        self.push(REGIONS[region].3, Call::Instruments(call));
    }
}

/// Credit: commitments, records, repairs.
impl Generator<'_> {
    pub(super) fn record(&mut self, region: usize) {
        let (code, _) = self.business(region);
        let events = [
            CreditEvent::V1,
            CreditEvent::V2,
            CreditEvent::V3,
            CreditEvent::V4,
            CreditEvent::V5,
            CreditEvent::V6,
            CreditEvent::P1,
            CreditEvent::P2,
        ];
        let event = events[self.rng.below(events.len())];
        let signer = match event {
            CreditEvent::P2 => REGIONS[region].3.to_owned(),
            _ => {
                let list = &self.inspectors[region];
                list[self.rng.below(list.len())].clone()
            }
        };
        let date = Date(self.today().0 - self.rng.below(20) as u32);
        self.serial += 1;
        let call = Call::Credit(credit::Call::Record {
            credit_code: code,
            event,
            date,
            evidence_hash: crypto::sha256(&self.serial.to_be_bytes()),
        });
        self.push(&signer, call);
    }

    pub(super) fn commitment(&mut self, region: usize) {
        let (code, key) = self.business(region);
        let call = Call::Credit(credit::Call::Commit {
            credit_code: code,
            document_hash: crypto::sha256(key.as_bytes()),
            date: self.today(),
        });
        self.push(&key, call);
    }

    /// A business applies to repair a record the rule lets it repair today; the regulator
    /// decides the application in a later block.
    pub(super) fn apply_repair(&mut self, region: usize) {
        let (code, key) = self.business(region);
        let chain = self.t.store.chain(&self.t.genesis);
        let mut view = chain.view(self.head().height);
        let inputs =
            gather::credit_inputs(&mut view as &mut dyn hengxin_support::Storage, &code).unwrap();
        let today = self.today();
        let pending: Vec<u64> = self
            .repairs
            .iter()
            .filter(|(_, c, _)| *c == code)
            .map(|(_, _, id)| *id)
            .collect();
        let Some(record) = inputs.records.iter().find(|r| {
            r.repairable_from(&inputs.params)
                .is_some_and(|from| from <= today)
                && r.repaired.is_none()
                && r.repair_applied.is_none()
                && r.withdrawn.is_none()
                && !pending.contains(&r.id)
        }) else {
            return;
        };
        let id = record.id;
        self.push(
            &key,
            Call::Credit(credit::Call::ApplyRepair {
                credit_code: code.clone(),
                record: id,
            }),
        );
        self.repairs.push((region, code, id));
    }

    pub(super) fn decide_repairs(&mut self) {
        for (region, credit_code, record) in std::mem::take(&mut self.repairs) {
            let call = match self.rng.one_in(3) {
                true => credit::Call::RejectRepair {
                    credit_code,
                    record,
                },
                false => credit::Call::ApproveRepair {
                    credit_code,
                    record,
                },
            };
            self.push(REGIONS[region].3, Call::Credit(call));
        }
    }
}

/// Inspections and agreements.
impl Generator<'_> {
    /// A plan drawing from the region's first `pool` inspectors (at most three): one registered
    /// later can complete its short targets. A pool of one leaves every target short, and the
    /// generator leaves them so.
    pub(super) fn plan(&mut self, region: usize, pool: usize) {
        let names: Vec<String> = self.inspectors[region][..pool.clamp(1, 3)].to_vec();
        let inspectors = names.iter().map(|n| self.key(n).public()).collect();
        let call = Call::Inspection(inspection::Call::Plan {
            region: RegionCode::new(REGIONS[region].0).unwrap(),
            business_types: vec![
                BusinessType::GasStation,
                BusinessType::Market,
                BusinessType::Supermarket,
            ],
            ratios: DEFAULT_RATIOS,
            inspectors,
            reveal_in: 2,
        });
        self.planning.push_back((region, pool));
        self.push(REGIONS[region].3, call);
    }

    /// Two inspectors of the region declare a conflict with one business: its targets run
    /// short until a third inspector is assigned.
    pub(super) fn conflicts(&mut self, region: usize) {
        let (code, _) = self.business(region);
        if self.conflicted.iter().any(|(_, c)| *c == code) {
            return;
        }
        let names: Vec<String> = self.inspectors[region][1..3].to_vec();
        for name in names {
            self.conflicted.insert((name.clone(), code.clone()));
            let call = Call::Inspection(inspection::Call::DeclareConflict {
                credit_code: code.clone(),
            });
            self.push(&name, call);
        }
    }

    /// For each plan revealed: its drawn inspectors record results; a short target gets the
    /// newest inspector of the region when it has no conflict and is not drawn.
    pub(super) async fn work_plans(&mut self) {
        let height = self.head().height;
        let due: Vec<Plan> = self
            .plans
            .extract_if(.., |p| p.reveal_height < height)
            .collect();
        let names: BTreeMap<String, String> = self
            .keys
            .iter()
            .map(|(name, k)| (k.public().to_hex(), name.clone()))
            .collect();
        for plan in due {
            let view = get(&self.t.router, &format!("/v1/inspections/{}", plan.id)).await;
            if view["status"] != "drawn" {
                self.plans.push(plan);
                continue;
            }
            for target in view["targets"].as_array().unwrap() {
                let code = CreditCode::new(target["credit_code"].as_str().unwrap()).unwrap();
                let drawn: Vec<&str> = target["inspectors"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|k| k.as_str().unwrap())
                    .collect();
                if target["short"] == true && plan.pool > 1 && self.rng.one_in(2) {
                    let newest = self.inspectors[plan.region].last().unwrap().clone();
                    let key = self.key(&newest).public().to_hex();
                    let conflicted = self.conflicted.contains(&(newest.clone(), code.clone()));
                    if !drawn.contains(&key.as_str()) && !conflicted {
                        let call = Call::Inspection(inspection::Call::Assign {
                            plan: plan.id,
                            credit_code: code.clone(),
                            inspectors: vec![self.key(&newest).public()],
                        });
                        self.push(REGIONS[plan.region].3, call);
                    }
                }
                let Some(first) = drawn.first() else {
                    continue;
                };
                if self.rng.one_in(4) {
                    continue;
                }
                let outcomes = [Outcome::Pass, Outcome::Pass, Outcome::V1, Outcome::V3];
                let outcome = outcomes[self.rng.below(outcomes.len())];
                self.serial += 1;
                let call = Call::Inspection(inspection::Call::RecordResult {
                    plan: plan.id,
                    credit_code: code,
                    outcome,
                    evidence_hash: crypto::sha256(&self.serial.to_be_bytes()),
                });
                let name = names[*first].clone();
                self.push(&name, call);
            }
        }
    }

    /// SC proposes recognising calibration certificates; CQ accepts; CQ later ends it.
    pub(super) fn agreement(&mut self, step: u64) {
        let today = self.today();
        let call = match (step, self.agreement) {
            (0, _) => recognition::Call::Propose {
                partner: RegionCode::new("CQ").unwrap(),
                kinds: vec![CertKind::Calibration],
                categories: Category::ALL.to_vec(),
                from: Date(today.0 - 60),
            },
            (1, Some(id)) => {
                return self.push(
                    "regulator-cq",
                    Call::Recognition(recognition::Call::Accept { id }),
                );
            }
            (_, Some(id)) => recognition::Call::End {
                id,
                from: Date(today.0 + 5),
            },
            _ => return,
        };
        let signer = if step == 0 {
            "regulator-sc"
        } else {
            "regulator-cq"
        };
        self.push(signer, Call::Recognition(call));
    }

    /// Notes what a block's events name: instruments' ids, plans, the agreement.
    pub(super) fn note(&mut self, events: Vec<Event>) {
        for event in events {
            match event {
                Event::Instruments(instruments::Event::Registered { id, .. }) => {
                    let (region, class) = self.registering.pop_front().unwrap();
                    assert_eq!(id.region.as_str(), REGIONS[region].0);
                    self.instruments.push(Inst {
                        id,
                        region,
                        class,
                        retired: false,
                    });
                }
                Event::Inspection(inspection::Event::Planned { id, reveal_height }) => {
                    let (region, pool) = self.planning.pop_front().unwrap();
                    self.plans.push(Plan {
                        id,
                        region,
                        pool,
                        reveal_height,
                    });
                }
                Event::Recognition(recognition::Event::AgreementProposed { id }) => {
                    self.agreement = Some(id);
                }
                _ => {}
            }
        }
    }
}
