//! The consortium file's rules: what a real deployment may and may not write.

use super::*;
use crate::demo;
use hengxin_primitives::Keypair;
use hengxin_primitives::credit::{CreditParams, EventRule};

fn hex(n: u8) -> String {
    Keypair::from_seed(&[n; 32]).public().to_hex()
}

/// Two regions, two validators each, a lab with a key and a scope, a business with a key.
fn good() -> String {
    format!(
        r#"
chain = "chuanyu-metrology"
genesis_time = "2027-01-01T00:00:00+08:00"

[[region]]
code = "CQ"
name = "重庆"
regulator = {{ name = "重庆市市场监督管理局", public_key = "{r1}" }}

[[region]]
code = "SC"
name = "四川"
regulator = {{ name = "四川省市场监督管理局", public_key = "{r2}" }}

[[validator]]
name = "cq-1"
public_key = "{v1}"
power = 1
address = "/dns4/node1.cq.example/tcp/27000"

[[validator]]
name = "node-b"
region = "SC"
public_key = "{v2}"
address = "/ip4/10.0.0.2/tcp/27000"

[[lab]]
code = "CQJL"
name = "重庆市计量质量检测研究院"
region = "CQ"
kind = "statutory_verification"
keys = ["{l1}"]
scope = ["THE@2031-12-31", "MEC:压力表@2030-12-31"]

[[business]]
credit_code = "91500103MA60K7LX03"
name = "渝中示范加油站"
region = "CQ"
type = "gas_station"
key = "{b1}"
"#,
        r1 = hex(1),
        r2 = hex(2),
        v1 = hex(3),
        v2 = hex(4),
        l1 = hex(5),
        b1 = hex(6),
    )
}

fn refused(text: &str) -> String {
    match Consortium::from_toml(text) {
        Err(e) => e.to_string(),
        Ok(c) => c
            .check()
            .expect_err("the file should be refused")
            .to_string(),
    }
}

#[test]
fn a_real_consortium_builds_its_genesis() {
    let c = Consortium::from_toml(&good()).unwrap();
    c.check().unwrap();
    let g = c.genesis().unwrap();
    assert_eq!(g.chain_name.as_str(), "chuanyu-metrology");
    // 2027-01-01T00:00:00+08:00 is 2026-12-31T16:00:00Z.
    assert_eq!(g.genesis_time_ms, 1_798_732_800_000);
    assert_eq!(format_time(g.genesis_time_ms), "2027-01-01T00:00:00+08:00");
    assert_eq!(g.membership.validators.validators.len(), 2);
    assert_eq!(g.membership.labs[0].scope.len(), 2);
    assert_eq!(g.credit, CreditParams::default(), "the default table");
    assert_eq!(
        g.calls.len(),
        1,
        "the business's key, given by its regulator"
    );
    assert_eq!(
        c.node_region(&c.validators[0]).as_deref(),
        Some("CQ"),
        "from its name"
    );
    // Written out and read back (the genesis file), the same consortium.
    let text = written_out(&c);
    assert_eq!(Consortium::from_toml(&text).unwrap(), c);
}

/// The consortium written out as TOML again (defaults included).
fn written_out(c: &Consortium) -> String {
    toml::to_string(c).unwrap()
}

#[test]
fn a_file_that_breaks_a_rule_is_refused_naming_it() {
    let g = good();
    let cases = [
        (g.replace(&hex(4), &hex(3)), "same key"),
        (g.replace(&hex(6), &hex(1)), "same key"),
        (
            g.replace("region = \"SC\"\npublic_key", "region = \"CQ\"\npublic_key"),
            "region SC runs no validator",
        ),
        (
            g.replace("region = \"CQ\"\nkind", "region = \"XZ\"\nkind"),
            "region XZ",
        ),
        (
            g.replace(&hex(1), &demo::key("regulator-cq").public().to_hex()),
            "demo key `regulator-cq`",
        ),
        (
            g.replace(&hex(3), &demo::key("validator-0").public().to_hex()),
            "demo key `validator-0`",
        ),
        (
            g.replace("2027-01-01T00:00:00+08:00", "2027-01-01"),
            "RFC 3339",
        ),
        (g.replace("THE@2031-12-31", "THE@2031-13-31"), "not a date"),
        (g.replace("gas_station", "bakery"), "business type"),
        (g.replace(&hex(5), "abc"), "64 hex"),
        (
            g.replace("power = 1", "power = 1\nweight = 2"),
            "unknown field",
        ),
        (
            g.replace("name = \"node-b\"", "name = \"cq-1\""),
            "two nodes are named cq-1",
        ),
        (format!("{g}\ndemo_data = true"), "demo"),
    ];
    for (text, expected) in cases {
        let e = refused(&text);
        assert!(e.contains(expected), "expected `{expected}` in: {e}");
    }
}

/// A `[credit]` table as consortium files have written it: every number, and each record
/// code's rule (`severe` left out where false).
const CREDIT_TABLE: &str = r#"
[credit]
start = 95
ceiling = 105
p1_cap = 6
thresholds = [88, 70, 55]
commitment_months = 24
repair_months = 3
severe_repair_months = 18

[credit.events]
V1 = { points = -11, months = 13 }
V2 = { points = -16, months = 25, severe = false }
V3 = { points = -41, months = 37, severe = true }
V4 = { points = -51, months = 38, severe = true }
V5 = { points = -12, months = 14 }
V6 = { points = -6, months = 15 }
P1 = { points = 3, months = 16 }
P2 = { points = 11, months = 0 }
"#;

#[test]
fn a_credit_table_reads_into_the_chains_credit_params() {
    let c = Consortium::from_toml(&(good() + CREDIT_TABLE)).unwrap();
    let rule = |points, months, severe| EventRule {
        points,
        months,
        severe,
    };
    let expected = CreditParams {
        rules: [
            rule(-11, 13, false),
            rule(-16, 25, false),
            rule(-41, 37, true),
            rule(-51, 38, true),
            rule(-12, 14, false),
            rule(-6, 15, false),
            rule(3, 16, false),
            rule(11, 0, false),
        ],
        start: 95,
        ceiling: 105,
        p1_cap: 6,
        thresholds: [88, 70, 55],
        commitment_months: 24,
        repair_months: 3,
        severe_repair_months: 18,
    };
    assert_eq!(c.credit, expected);
    assert_eq!(c.genesis().unwrap().credit, expected);
    // Written out (the genesis file), the same keys in the same order, and read back the same.
    let text = written_out(&c);
    let credit = &text[text.find("[credit]").unwrap()..];
    assert!(
        credit.starts_with(
            "[credit]\nstart = 95\nceiling = 105\np1_cap = 6\nthresholds = [88, 70, 55]\n\
             commitment_months = 24\nrepair_months = 3\nsevere_repair_months = 18\n"
        ),
        "{credit}"
    );
    assert!(
        credit.contains("[credit.events.P1]\npoints = 3\nmonths = 16\nsevere = false\n"),
        "{credit}"
    );
    assert_eq!(Consortium::from_toml(&text).unwrap(), c);
}

#[test]
fn a_credit_table_that_breaks_a_rule_is_refused_naming_it() {
    let g = good() + CREDIT_TABLE;
    let cases = [
        (
            g.replace("V6 = { points = -6, months = 15 }\n", ""),
            "[credit.events] has no rule for V6",
        ),
        (g.replace("V6 = {", "V9 = {"), "[credit.events]"),
        (
            g.replace("thresholds = [88, 70, 55]", "thresholds = [55, 70, 88]"),
            "[credit] thresholds must fall",
        ),
        (
            g.replace("ceiling = 105", "ceiling = 90"),
            "the ceiling be at least the start",
        ),
        (g.replace("p1_cap = 6\n", ""), "p1_cap"),
        (
            g.replace("p1_cap = 6", "p1_cap = 6\nfloor = 0"),
            "unknown field",
        ),
        (
            g.replace("months = 0 }", "months = 0, weight = 1 }"),
            "unknown field",
        ),
    ];
    for (text, expected) in cases {
        let e = refused(&text);
        assert!(e.contains(expected), "expected `{expected}` in: {e}");
    }
}
