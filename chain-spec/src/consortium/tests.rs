//! The consortium file's rules: what a real deployment may and may not write.

use super::*;
use hengxin_primitives::Keypair;

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
