//! The questions the supervision platform asks the index, each in one read transaction that
//! sees one indexed block (named in the answer), the same SQL on SQLite and PostgreSQL.

use hengxin_api_types::{
    BlockFigure, BusinessGroup, BusinessStatsView, CertificateMonth, CertificateStatsView, Count,
    CreditRecordMonth, CreditRecordStatsView, DueInstrument, DueView, IndexedAt,
    InspectionStatsView, InstrumentGroup, InstrumentStatsView, NetworkStatsView, OverviewView,
    PlanFigures, RecognitionMonth, RecognitionStatsView, ValidatorFigure,
};
use hengxin_primitives::{Date, Hash};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use crate::IndexError;
use crate::db::{Database, Indexed, Value};

mod lists;

fn db(e: sqlx::Error) -> IndexError {
    IndexError::Db(e.to_string())
}

/// A count's total, as the integer both databases return (PostgreSQL's `SUM` of `BIGINT`
/// is `NUMERIC`).
const SUM: &str = "CAST(SUM(n) AS BIGINT)";

/// `WHERE` clauses and their parameters, numbered as they are added.
#[derive(Default)]
struct Where {
    clauses: Vec<String>,
    params: Vec<Value>,
}

impl Where {
    fn param(&mut self, v: impl Into<Value>) -> String {
        self.params.push(v.into());
        format!("${}", self.params.len())
    }

    /// `column <op> value` when `value` is given.
    fn cmp(&mut self, column: &str, op: &str, value: Option<&str>) -> &mut Where {
        if let Some(v) = value {
            let p = self.param(v);
            self.clauses.push(format!("{column} {op} {p}"));
        }
        self
    }

    fn eq(&mut self, column: &str, value: Option<&str>) -> &mut Where {
        self.cmp(column, "=", value)
    }

    fn raw(&mut self, clause: impl Into<String>) -> &mut Where {
        self.clauses.push(clause.into());
        self
    }

    fn sql(&self) -> String {
        match self.clauses.is_empty() {
            true => String::new(),
            false => format!(" WHERE {}", self.clauses.join(" AND ")),
        }
    }

    async fn fetch(
        &self,
        conn: &mut AnyConnection,
        sql: String,
    ) -> Result<Vec<AnyRow>, IndexError> {
        crate::db::bind(sqlx::query(AssertSqlSafe(sql)), &self.params)
            .fetch_all(conn)
            .await
            .map_err(db)
    }
}

fn n(row: &AnyRow, i: usize) -> Result<u64, IndexError> {
    row.try_get::<i64, _>(i)
        .map(|v| u64::try_from(v).unwrap_or(0))
        .map_err(db)
}

fn s(row: &AnyRow, i: usize) -> Result<String, IndexError> {
    row.try_get(i).map_err(db)
}

fn opt(row: &AnyRow, i: usize) -> Result<Option<String>, IndexError> {
    row.try_get(i).map_err(db)
}

fn counts(rows: &[AnyRow]) -> Result<Vec<Count>, IndexError> {
    rows.iter()
        .map(|r| {
            Ok(Count {
                key: s(r, 0)?,
                count: n(r, 1)?,
            })
        })
        .collect()
}

/// A read of the index at one block, with the chain's head for the lag.
pub struct Snapshot {
    tx: sqlx::Transaction<'static, sqlx::Any>,
    at: IndexedAt,
}

impl Snapshot {
    /// Opens a snapshot of `database`; the node's head is `head`.
    pub async fn open(database: &Database, head: u64) -> Result<Snapshot, IndexError> {
        let (tx, indexed) = database.snapshot().await?;
        let indexed = indexed.ok_or(IndexError::Empty)?;
        Ok(Snapshot {
            tx,
            at: at(&indexed, head)?,
        })
    }

    /// Where it stands.
    pub fn at(&self) -> &IndexedAt {
        &self.at
    }

    async fn rows(&mut self, w: &Where, sql: String) -> Result<Vec<AnyRow>, IndexError> {
        w.fetch(&mut self.tx, sql).await
    }

    async fn count(&mut self, w: &Where, from: &str) -> Result<u64, IndexError> {
        let rows = self
            .rows(w, format!("SELECT COUNT(*) FROM {from}{}", w.sql()))
            .await?;
        rows.first().map_or(Ok(0), |r| n(r, 0))
    }

    /// `/v1/stats/overview`.
    pub async fn overview(mut self, region: Option<&str>) -> Result<OverviewView, IndexError> {
        let mut w = Where::default();
        w.eq("region", region);
        let labs = self.count(&w, "labs").await?;
        let plans = self.count(&w, "plans").await?;
        let by = |table: &str, column: &str| {
            format!(
                "SELECT {column}, COUNT(*) FROM {table}{} GROUP BY {column} ORDER BY {column}",
                w.sql()
            )
        };
        // Certificates and instruments from the counts the triggers keep (migration 2).
        let summed = |table: &str| {
            format!(
                "SELECT status, {SUM} FROM {table}{} GROUP BY status HAVING SUM(n) > 0 \
                 ORDER BY status",
                w.sql()
            )
        };
        let certificates = counts(&self.rows(&w, summed("certificate_counts")).await?)?;
        let instruments = counts(&self.rows(&w, summed("instrument_counts")).await?)?;
        let businesses = counts(&self.rows(&w, by("businesses", "grade")).await?)?;
        let mut active = Where::default();
        active.eq("region", region).raw("active = 1");
        let inspectors = self.count(&active, "inspectors").await?;
        let mut agreements = Where::default();
        let today = self.at.date.to_iso();
        let p = agreements.param(today.as_str());
        agreements.raw(format!(
            "accepted_height IS NOT NULL AND (ended_from IS NULL OR ended_from > {p})"
        ));
        if let Some(region) = region {
            let p = agreements.param(region);
            agreements.raw(format!("(proposer = {p} OR partner = {p})"));
        }
        let agreements_in_force = self.count(&agreements, "agreements").await?;
        Ok(OverviewView {
            at: self.at,
            region: region.map(str::to_owned),
            labs,
            certificates,
            instruments,
            businesses,
            plans,
            agreements_in_force,
            inspectors,
        })
    }

    /// `/v1/stats/certificates`: per lab and month, from `from` to `to` (`YYYY-MM`).
    pub async fn certificates(
        mut self,
        region: Option<&str>,
        lab: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<CertificateStatsView, IndexError> {
        let mut w = Where::default();
        w.eq("region", region)
            .eq("lab", lab)
            .cmp("month", ">=", from)
            .cmp("month", "<=", to);
        let anchored = self
            .rows(
                &w,
                format!(
                    "SELECT lab, month, {SUM} FROM certificate_counts{} \
                     GROUP BY lab, month HAVING SUM(n) > 0",
                    w.sql()
                ),
            )
            .await?;
        let mut e = Where::default();
        e.raw("ended_month IS NOT NULL")
            .eq("region", region)
            .eq("lab", lab)
            .cmp("ended_month", ">=", from)
            .cmp("ended_month", "<=", to);
        let ended = self
            .rows(
                &e,
                format!(
                    "SELECT lab, ended_month, status, COUNT(*) FROM certificates{} \
                     GROUP BY lab, ended_month, status",
                    e.sql()
                ),
            )
            .await?;
        let mut months = std::collections::BTreeMap::<(String, String), CertificateMonth>::new();
        for r in &anchored {
            month_of(&mut months, s(r, 0)?, s(r, 1)?).anchored = n(r, 2)?;
        }
        for r in &ended {
            let m = month_of(&mut months, s(r, 0)?, s(r, 1)?);
            match s(r, 2)?.as_str() {
                "revoked" => m.revoked = n(r, 3)?,
                _ => m.superseded = n(r, 3)?,
            }
        }
        Ok(CertificateStatsView {
            at: self.at,
            rows: months.into_values().collect(),
        })
    }

    /// `/v1/stats/instruments`.
    pub async fn instruments(
        mut self,
        region: Option<&str>,
    ) -> Result<InstrumentStatsView, IndexError> {
        let mut w = Where::default();
        w.eq("region", region);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT class, division, status, {SUM} FROM instrument_counts{} \
                     GROUP BY class, division, status HAVING SUM(n) > 0 \
                     ORDER BY class, division, status",
                    w.sql()
                ),
            )
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(InstrumentGroup {
                    class: s(r, 0)?,
                    division: s(r, 1)?,
                    status: s(r, 2)?,
                    count: n(r, 3)?,
                })
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(InstrumentStatsView { at: self.at, rows })
    }

    /// `/v1/stats/instruments/due`: by due date (none first), then id; `after` is the previous
    /// page's `next`.
    pub async fn due(mut self, filter: &DueFilter<'_>) -> Result<DueView, IndexError> {
        let mut w = Where::default();
        w.eq("region", filter.region)
            .eq("division", filter.division)
            .eq("class", filter.class)
            .eq("owner", filter.owner)
            .eq("latest_lab", filter.lab);
        let statuses: Vec<String> = filter.statuses.iter().map(|s| w.param(*s)).collect();
        w.raw(format!("status IN ({})", statuses.join(", ")));
        if let Some((due, id)) = filter.after.and_then(|a| a.split_once('|')) {
            let (p, q) = (w.param(due), w.param(id));
            w.raw(format!(
                "(COALESCE(valid_until, '') > {p} OR (COALESCE(valid_until, '') = {p} AND id > {q}))"
            ));
        }
        let limit = filter.limit.clamp(1, 1_000);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT id, class, compulsory, division, site, owner, serial, status, \
                     valid_until, latest_lab, latest_number FROM instruments{} \
                     ORDER BY COALESCE(valid_until, ''), id LIMIT {}",
                    w.sql(),
                    limit + 1
                ),
            )
            .await?;
        let mut instruments = rows
            .iter()
            .map(|r| {
                Ok(DueInstrument {
                    id: s(r, 0)?,
                    class: s(r, 1)?,
                    compulsory: n(r, 2)? == 1,
                    division: s(r, 3)?,
                    site: s(r, 4)?,
                    owner: s(r, 5)?,
                    serial: s(r, 6)?,
                    status: s(r, 7)?,
                    valid_until: opt(r, 8)?,
                    latest_lab: opt(r, 9)?,
                    latest_number: opt(r, 10)?,
                })
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        let next = (instruments.len() > limit).then(|| {
            instruments.truncate(limit);
            instruments
                .last()
                .map(|i| format!("{}|{}", i.valid_until.clone().unwrap_or_default(), i.id))
        });
        Ok(DueView {
            at: self.at,
            instruments,
            next: next.flatten(),
        })
    }

    /// `/v1/stats/businesses`.
    pub async fn businesses(
        mut self,
        region: Option<&str>,
    ) -> Result<BusinessStatsView, IndexError> {
        let mut w = Where::default();
        w.eq("region", region);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT region, business_type, grade, COUNT(*) FROM businesses{} \
                     GROUP BY region, business_type, grade ORDER BY region, business_type, grade",
                    w.sql()
                ),
            )
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(BusinessGroup {
                    region: s(r, 0)?,
                    business_type: s(r, 1)?,
                    grade: s(r, 2)?,
                    count: n(r, 3)?,
                })
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(BusinessStatsView { at: self.at, rows })
    }

    /// `/v1/stats/credit-records`.
    pub async fn credit_records(
        mut self,
        region: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<CreditRecordStatsView, IndexError> {
        let mut w = Where::default();
        w.eq("region", region)
            .cmp("month", ">=", from)
            .cmp("month", "<=", to);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT month, event, COUNT(*) FROM credit_records{} \
                     GROUP BY month, event ORDER BY month, event",
                    w.sql()
                ),
            )
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok(CreditRecordMonth {
                    month: s(r, 0)?,
                    event: s(r, 1)?,
                    count: n(r, 2)?,
                })
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(CreditRecordStatsView { at: self.at, rows })
    }

    /// `/v1/stats/recognition`: per region and month of anchoring.
    pub async fn recognition(
        mut self,
        region: Option<&str>,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<RecognitionStatsView, IndexError> {
        let mut w = Where::default();
        w.eq("region", region)
            .cmp("month", ">=", from)
            .cmp("month", "<=", to);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT region, month, {SUM}, \
                     CAST(SUM(CASE WHEN home = 1 THEN n ELSE 0 END) AS BIGINT) \
                     FROM recognition_counts{} GROUP BY region, month HAVING SUM(n) > 0 \
                     ORDER BY region, month",
                    w.sql()
                ),
            )
            .await?;
        let rows = rows
            .iter()
            .map(|r| {
                let (all, own) = (n(r, 2)?, n(r, 3)?);
                Ok(RecognitionMonth {
                    region: s(r, 0)?,
                    month: s(r, 1)?,
                    own,
                    recognised: all.saturating_sub(own),
                })
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(RecognitionStatsView { at: self.at, rows })
    }

    /// `/v1/stats/inspections`: the newest 500 plans.
    pub async fn inspections(
        mut self,
        region: Option<&str>,
    ) -> Result<InspectionStatsView, IndexError> {
        let mut w = Where::default();
        w.eq("p.region", region);
        let rows = self
            .rows(
                &w,
                format!(
                    "SELECT p.id, p.region, p.business_types, p.reveal_height, p.drawn, \
                     p.drawn_on, p.in_scope, p.targets, p.short_targets, \
                     (SELECT COUNT(*) FROM inspection_results r WHERE r.plan_id = p.id), \
                     (SELECT COUNT(*) FROM inspection_results r WHERE r.plan_id = p.id \
                      AND r.outcome = 'pass') \
                     FROM plans p{} ORDER BY p.id DESC LIMIT 500",
                    w.sql()
                ),
            )
            .await?;
        let plans = rows
            .iter()
            .map(|r| {
                Ok(PlanFigures {
                    id: n(r, 0)?,
                    region: s(r, 1)?,
                    business_types: s(r, 2)?,
                    reveal_height: n(r, 3)?,
                    drawn: n(r, 4)? == 1,
                    drawn_on: opt(r, 5)?,
                    in_scope: n(r, 6)?,
                    targets: n(r, 7)?,
                    short_targets: n(r, 8)?,
                    results: n(r, 9)?,
                    passed: n(r, 10)?,
                })
            })
            .collect::<Result<_, IndexError>>()?;
        Ok(InspectionStatsView { at: self.at, plans })
    }

    /// `/v1/stats/network`.
    pub async fn network(mut self) -> Result<NetworkStatsView, IndexError> {
        let none = Where::default();
        let validators = self
            .rows(
                &none,
                "SELECT key, power FROM validators ORDER BY position".into(),
            )
            .await?
            .iter()
            .map(|r| {
                Ok(ValidatorFigure {
                    key: s(r, 0)?,
                    power: n(r, 1)?,
                })
            })
            .collect::<Result<_, IndexError>>()?;
        let blocks = self
            .rows(
                &none,
                "SELECT height, hash, time_ms, transactions FROM blocks \
                 ORDER BY height DESC LIMIT 100"
                    .into(),
            )
            .await?
            .iter()
            .map(|r| {
                Ok(BlockFigure {
                    height: n(r, 0)?,
                    hash: s(r, 1)?,
                    time_ms: n(r, 2)?,
                    transactions: n(r, 3)?,
                })
            })
            .collect::<Result<Vec<_>, IndexError>>()?;
        let newest = blocks.first().map_or(0, |b| b.time_ms);
        let mut day = Where::default();
        let since = i64::try_from(newest.saturating_sub(86_400_000)).unwrap_or(0);
        let p = day.param(Value::Int(Some(since)));
        day.raw(format!("time_ms > {p}"));
        let rows = self
            .rows(
                &day,
                format!(
                    "SELECT COUNT(*), CAST(COALESCE(SUM(transactions), 0) AS BIGINT) \
                     FROM blocks{}",
                    day.sql()
                ),
            )
            .await?;
        let (blocks_last_24h, transactions_last_24h) = match rows.first() {
            Some(r) => (n(r, 0)?, n(r, 1)?),
            None => (0, 0),
        };
        Ok(NetworkStatsView {
            at: self.at,
            validators,
            blocks,
            blocks_last_24h,
            transactions_last_24h,
        })
    }
}

/// The figures of `lab`'s `month`, zero until counted.
fn month_of(
    months: &mut std::collections::BTreeMap<(String, String), CertificateMonth>,
    lab: String,
    month: String,
) -> &mut CertificateMonth {
    months
        .entry((lab.clone(), month.clone()))
        .or_insert(CertificateMonth {
            lab,
            month,
            anchored: 0,
            revoked: 0,
            superseded: 0,
        })
}

/// Keeps the first `limit` of `items` (fetched one more than a page) and says where the next
/// page starts.
fn page<T>(items: &mut Vec<T>, limit: usize, key: impl Fn(&T) -> String) -> Option<String> {
    if items.len() <= limit {
        return None;
    }
    items.truncate(limit);
    items.last().map(key)
}

/// Which instruments the warning list holds.
#[derive(Debug, Default)]
pub struct DueFilter<'a> {
    /// Region.
    pub region: Option<&'a str>,
    /// Division.
    pub division: Option<&'a str>,
    /// Class.
    pub class: Option<&'a str>,
    /// Owner.
    pub owner: Option<&'a str>,
    /// The lab that verified them last.
    pub lab: Option<&'a str>,
    /// Statuses (at least one).
    pub statuses: Vec<&'a str>,
    /// The previous page's `next`.
    pub after: Option<&'a str>,
    /// Page size.
    pub limit: usize,
}

fn at(indexed: &Indexed, head: u64) -> Result<IndexedAt, IndexError> {
    let corrupt = || {
        IndexError::Db(format!(
            "the indexed block's record is damaged: {indexed:?}"
        ))
    };
    Ok(IndexedAt {
        height: indexed.height,
        hash: Hash::from_hex(&indexed.hash).ok_or_else(corrupt)?,
        date: Date::parse(&indexed.date).ok_or_else(corrupt)?,
        head,
        lag_blocks: head.saturating_sub(indexed.height),
    })
}
