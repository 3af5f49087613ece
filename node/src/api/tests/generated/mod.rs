//! A generated chain of several thousand transactions of every kind over fourteen months:
//! anchors, revocations and supersessions; instruments registered, verified (passed and
//! failed), moved, repaired and retired; businesses registered, their commitments, credit
//! records and repairs applied, approved and rejected; inspectors, their conflicts, plans, draws,
//! assignments and results; an agreement proposed, accepted and ended. Indexed, then every
//! figure of `/v1/stats` is checked against a count made from the API's own lists and views,
//! which read the state.
//!
//! The generator is seeded (`HENGXIN_TEST_SEED`, printed): a failure names the seed to replay.

mod chain;

use super::stats::{get, indexed_api, indexed_api_on};
use super::*;
use chain::{BLOCKS, Generator, seed};

use std::collections::{BTreeMap, BTreeSet};

const LABS: [(&str, &str); 2] = [("CQJL", "CQ"), ("SCJL", "SC")];

#[tokio::test]
async fn on_a_generated_chain_of_every_kind_each_figure_equals_the_api_s_own_count() {
    generated_chain(indexed_api().await).await;
}

/// The same on PostgreSQL (Debian's, started in a temporary directory), whose counts are kept
/// by its own dialect's triggers.
#[tokio::test]
async fn on_postgresql_too_each_figure_of_a_generated_chain_equals_the_api_s_own_count() {
    let server = hengxin_index::scratch::ScratchPostgres::start().unwrap();
    generated_chain(indexed_api_on(&server.url()).await).await;
}

async fn generated_chain(t: super::stats::Indexed) {
    let mut g = Generator::new(&t, seed());
    for n in 0..BLOCKS {
        g.block(n).await;
        // The index follows now and then, as a node's does, and at the end.
        if n % 9 == 4 {
            t.indexer.catch_up().await.unwrap();
        }
    }
    t.indexer.catch_up().await.unwrap();
    assert!(g.transactions >= 3_000, "{} transactions", g.transactions);
    let numbers = g.numbers();
    let counted = Counted::from_api(&t.router, &numbers).await;
    eprintln!(
        "generated chain: {} transactions; certificates {:?}; instruments {:?}; plans {:?}; records {}",
        g.transactions,
        counted.certificate_status,
        counted.instruments.values().sum::<u64>(),
        counted.plans,
        counted.records.values().sum::<u64>(),
    );
    counted.check(&t.router).await;
    network(&t.router, g.transactions).await;
}

/// Every item of a paged list: `field` of each page, following `next`.
async fn all(router: &Router, uri: &str, field: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut next: Option<String> = None;
    loop {
        let page_uri = match &next {
            None => uri.to_owned(),
            Some(after) => {
                let joiner = if uri.contains('?') { '&' } else { '?' };
                format!("{uri}{joiner}after={}", after.replace('/', "%2F"))
            }
        };
        let page = get(router, &page_uri).await;
        items.extend(page[field].as_array().unwrap().iter().cloned());
        match page["next"].as_str() {
            Some(after) => next = Some(after.to_owned()),
            None => return items,
        }
    }
}

fn month(iso: &str) -> String {
    iso[..7].to_owned()
}

fn month_of_ms(ms: u64) -> String {
    month(&Date::from_unix_ms_cst(ms).to_iso())
}

/// A plan's region, whether drawn, and its businesses in scope, targets, short targets,
/// results and passes.
type PlanFigures = (String, bool, u64, u64, u64, u64, u64);

/// What the API's own lists and views (read from the state) say, counted the way each figure
/// counts.
#[derive(Default)]
struct Counted {
    /// (lab, month) → anchored, revoked, superseded.
    certificates: BTreeMap<(String, String), [u64; 3]>,
    /// Certificates by status.
    certificate_status: BTreeMap<String, u64>,
    /// (region, month anchored) → own, recognised.
    recognition: BTreeMap<(String, String), [u64; 2]>,
    /// (class, division, status) → instruments.
    instruments: BTreeMap<(String, String, String), u64>,
    /// Instruments overdue or due soon.
    due: BTreeSet<String>,
    /// (region, type, grade) → businesses.
    businesses: BTreeMap<(String, String, String), u64>,
    /// (month, event) → credit records.
    records: BTreeMap<(String, String), u64>,
    /// Plan id → (region, drawn, in scope, targets, short, results, passed).
    plans: BTreeMap<u64, PlanFigures>,
    agreements_in_force: u64,
    inspectors: u64,
}

impl Counted {
    async fn from_api(router: &Router, generated: &BTreeSet<(String, String)>) -> Counted {
        let mut c = Counted::default();
        c.certificates(router, generated).await;
        for region in ["CQ", "SC"] {
            for i in all(
                router,
                &format!("/v1/instruments?region={region}"),
                "instruments",
            )
            .await
            {
                let s = |k: &str| i[k].as_str().unwrap().to_owned();
                *c.instruments
                    .entry((
                        s("class"),
                        i["division"].to_string().trim_matches('"').to_owned(),
                        s("status"),
                    ))
                    .or_default() += 1;
                if ["overdue", "due_soon"].contains(&s("status").as_str()) {
                    c.due.insert(s("id"));
                }
            }
            for b in all(
                router,
                &format!("/v1/businesses?region={region}"),
                "businesses",
            )
            .await
            {
                let s = |k: &str| b[k].as_str().unwrap().to_owned();
                *c.businesses
                    .entry((region.to_owned(), s("business_type"), s("grade")))
                    .or_default() += 1;
                let code = s("credit_code");
                let view = get(router, &format!("/v1/businesses/{code}")).await;
                for r in view["records"].as_array().unwrap() {
                    let key = (
                        month(r["date"].as_str().unwrap()),
                        r["code"].as_str().unwrap().to_owned(),
                    );
                    *c.records.entry(key).or_default() += 1;
                }
            }
            let inspectors = get(router, &format!("/v1/inspectors?region={region}")).await;
            c.inspectors += inspectors["inspectors"].as_array().unwrap().len() as u64;
            c.plans(router, region).await;
        }
        let agreements = get(router, "/v1/agreements").await;
        c.agreements_in_force = agreements["agreements"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|a| a["status"] == "in_force")
            .count() as u64;
        c
    }

    /// Each certificate a lab lists is the state's (its own view answers) and every one the
    /// generator anchored is listed; the figures are counted from the views.
    async fn certificates(&mut self, router: &Router, generated: &BTreeSet<(String, String)>) {
        let mut blocks = BTreeMap::<u64, u64>::new();
        let mut listed = BTreeSet::new();
        for (lab, region) in LABS {
            let list = all(
                router,
                &format!("/v1/labs/{lab}/certificates"),
                "certificates",
            )
            .await;
            for item in list {
                let number = item["number"].as_str().unwrap().to_owned();
                let one = get(
                    router,
                    &format!("/v1/certificates/{lab}/{}", number.replace('/', "%2F")),
                )
                .await;
                assert_eq!(item["status"], one["status"], "{lab}/{number}");
                let height = one["anchored_height"].as_u64().unwrap();
                if let std::collections::btree_map::Entry::Vacant(e) = blocks.entry(height) {
                    let block = get(router, &format!("/v1/blocks/{height}")).await;
                    e.insert(block["timestamp_ms"].as_u64().unwrap());
                }
                let anchored = month_of_ms(blocks[&height]);
                self.certificates
                    .entry((lab.to_owned(), anchored.clone()))
                    .or_default()[0] += 1;
                if let Some(ms) = one["revoked"]["timestamp_ms"].as_u64() {
                    self.certificates
                        .entry((lab.to_owned(), month_of_ms(ms)))
                        .or_default()[1] += 1;
                }
                if let Some(ms) = one["superseded_at_ms"].as_u64() {
                    self.certificates
                        .entry((lab.to_owned(), month_of_ms(ms)))
                        .or_default()[2] += 1;
                }
                *self
                    .certificate_status
                    .entry(one["status"].as_str().unwrap().to_owned())
                    .or_default() += 1;
                for r in one["recognized_in"].as_array().unwrap() {
                    let own = usize::from(r.as_str() != Some(region));
                    self.recognition
                        .entry((r.as_str().unwrap().to_owned(), anchored.clone()))
                        .or_default()[own] += 1;
                }
                listed.insert((lab.to_owned(), number));
            }
        }
        let missing: Vec<_> = generated.difference(&listed).collect();
        assert!(missing.is_empty(), "anchored but not listed: {missing:?}");
    }

    async fn plans(&mut self, router: &Router, region: &str) {
        let list = get(router, &format!("/v1/inspections?region={region}")).await;
        for p in list["plans"].as_array().unwrap() {
            let id = p["plan_id"].as_u64().unwrap();
            let v = get(router, &format!("/v1/inspections/{id}")).await;
            let in_scope = v["in_scope"]
                .as_object()
                .map_or(0, |g| g.values().map(|n| n.as_u64().unwrap()).sum());
            let targets = v["targets"].as_array().unwrap();
            let short = targets
                .iter()
                .filter(|t| {
                    let staffed = t["inspectors"].as_array().unwrap().len()
                        + t["assigned"].as_array().unwrap().len();
                    t["short"] == true && staffed < 2
                })
                .count() as u64;
            let results = v["results"].as_array().unwrap();
            let passed = results.iter().filter(|r| r["outcome"] == "pass").count() as u64;
            self.plans.insert(
                id,
                (
                    region.to_owned(),
                    v["status"] == "drawn",
                    in_scope,
                    targets.len() as u64,
                    short,
                    results.len() as u64,
                    passed,
                ),
            );
        }
    }
}

fn rows(view: &Value, field: &str) -> Vec<Value> {
    view[field].as_array().unwrap().clone()
}

fn text(v: &Value, key: &str) -> String {
    v[key].as_str().unwrap().to_owned()
}

fn number(v: &Value, key: &str) -> u64 {
    v[key].as_u64().unwrap()
}

impl Counted {
    /// Each figure of `/v1/stats` against the counts.
    async fn check(&self, router: &Router) {
        let figures = get(router, "/v1/stats/certificates").await;
        let by_month: BTreeMap<(String, String), [u64; 3]> = rows(&figures, "rows")
            .iter()
            .map(|r| {
                let counts = [
                    number(r, "anchored"),
                    number(r, "revoked"),
                    number(r, "superseded"),
                ];
                ((text(r, "lab"), text(r, "month")), counts)
            })
            .collect();
        assert_eq!(
            by_month, self.certificates,
            "certificates per lab and month"
        );
        assert!(
            self.certificates.len() >= 24,
            "fourteen months of two labs: {:?}",
            self.certificates.keys()
        );
        // A region and a window of months.
        let months: Vec<&String> = self.certificates.keys().map(|(_, m)| m).collect();
        let (from, to) = (months[months.len() / 4], months[months.len() / 2]);
        let uri = format!("/v1/stats/certificates?region=SC&from={from}&to={to}");
        let window: BTreeMap<(String, String), u64> = rows(&get(router, &uri).await, "rows")
            .iter()
            .map(|r| ((text(r, "lab"), text(r, "month")), number(r, "anchored")))
            .filter(|(_, n)| *n > 0)
            .collect();
        let expected: BTreeMap<(String, String), u64> = self
            .certificates
            .iter()
            .filter(|((lab, m), c)| lab == "SCJL" && m >= from && m <= to && c[0] > 0)
            .map(|(k, c)| (k.clone(), c[0]))
            .collect();
        assert_eq!(window, expected, "{uri}");

        let overview = get(router, "/v1/stats/overview").await;
        let counts = |field: &str| -> BTreeMap<String, u64> {
            rows(&overview, field)
                .iter()
                .map(|c| (text(c, "key"), number(c, "count")))
                .collect()
        };
        assert_eq!(
            counts("certificates"),
            self.certificate_status,
            "certificates by status"
        );
        let mut by_status = BTreeMap::<String, u64>::new();
        for ((_, _, status), n) in &self.instruments {
            *by_status.entry(status.clone()).or_default() += n;
        }
        assert_eq!(counts("instruments"), by_status, "instruments by status");
        let mut by_grade = BTreeMap::<String, u64>::new();
        for ((_, _, grade), n) in &self.businesses {
            *by_grade.entry(grade.clone()).or_default() += n;
        }
        assert_eq!(counts("businesses"), by_grade, "businesses by grade");
        assert_eq!(number(&overview, "plans"), self.plans.len() as u64);
        assert_eq!(
            number(&overview, "agreements_in_force"),
            self.agreements_in_force
        );
        assert_eq!(number(&overview, "inspectors"), self.inspectors);

        let figures = get(router, "/v1/stats/instruments").await;
        let groups: BTreeMap<(String, String, String), u64> = rows(&figures, "rows")
            .iter()
            .map(|r| {
                (
                    (text(r, "class"), text(r, "division"), text(r, "status")),
                    number(r, "count"),
                )
            })
            .collect();
        assert_eq!(
            groups, self.instruments,
            "instruments by class, division and status"
        );
        let due: BTreeSet<String> = all(router, "/v1/stats/instruments/due?limit=7", "instruments")
            .await
            .iter()
            .map(|i| text(i, "id"))
            .collect();
        assert_eq!(due, self.due, "overdue and due soon");
        assert!(!due.is_empty());

        let figures = get(router, "/v1/stats/businesses").await;
        let groups: BTreeMap<(String, String, String), u64> = rows(&figures, "rows")
            .iter()
            .map(|r| {
                (
                    (
                        text(r, "region"),
                        text(r, "business_type"),
                        text(r, "grade"),
                    ),
                    number(r, "count"),
                )
            })
            .collect();
        assert_eq!(
            groups, self.businesses,
            "businesses by region, type and grade"
        );

        let figures = get(router, "/v1/stats/credit-records").await;
        let records: BTreeMap<(String, String), u64> = rows(&figures, "rows")
            .iter()
            .map(|r| ((text(r, "month"), text(r, "event")), number(r, "count")))
            .collect();
        assert_eq!(records, self.records, "credit records per month and event");

        let figures = get(router, "/v1/stats/inspections").await;
        let plans: BTreeMap<u64, PlanFigures> = rows(&figures, "plans")
            .iter()
            .map(|p| {
                let figures = (
                    text(p, "region"),
                    p["drawn"] == true,
                    number(p, "in_scope"),
                    number(p, "targets"),
                    number(p, "short_targets"),
                    number(p, "results"),
                    number(p, "passed"),
                );
                (number(p, "id"), figures)
            })
            .collect();
        assert_eq!(plans, self.plans, "plans, draws and results");
        assert!(
            plans.values().any(|p| p.4 > 0),
            "a target left short: {plans:?}"
        );
        assert!(
            plans.values().any(|p| p.5 > 0),
            "results recorded: {plans:?}"
        );

        let figures = get(router, "/v1/stats/recognition").await;
        let recognition: BTreeMap<(String, String), [u64; 2]> = rows(&figures, "rows")
            .iter()
            .map(|r| {
                (
                    (text(r, "region"), text(r, "month")),
                    [number(r, "own"), number(r, "recognised")],
                )
            })
            .collect();
        assert_eq!(
            recognition, self.recognition,
            "recognition per region and month"
        );
    }
}

/// The validators and blocks the index names are the chain's.
async fn network(router: &Router, transactions: u64) {
    let figures = get(router, "/v1/stats/network").await;
    let validators = get(router, "/v1/validators").await;
    let keys: Vec<String> = rows(&figures, "validators")
        .iter()
        .map(|v| text(v, "key"))
        .collect();
    let expected: Vec<String> = rows(&validators, "current")
        .iter()
        .map(|v| text(v, "public_key"))
        .collect();
    assert_eq!(keys, expected);
    let mut sum = 0;
    for b in rows(&figures, "blocks") {
        let block = get(router, &format!("/v1/blocks/{}", number(&b, "height"))).await;
        assert_eq!(b["hash"], block["hash"]);
        assert_eq!(b["transactions"], block["tx_count"]);
        sum += number(&b, "transactions");
    }
    assert_eq!(rows(&figures, "blocks").len(), 100, "the newest hundred");
    assert!(sum <= transactions);
    // Blocks come three days apart: the last day holds the indexed block alone.
    let head = get(
        router,
        &format!("/v1/blocks/{}", number(&figures["at"], "height")),
    )
    .await;
    assert_eq!(number(&figures, "blocks_last_24h"), 1);
    assert_eq!(figures["transactions_last_24h"], head["tx_count"]);
}
