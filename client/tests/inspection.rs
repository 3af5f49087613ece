//! `hengxin inspection` against a real `hengxin-node --dev`: a regulator publishes a plan, an
//! inspector declares a conflict, the draw is made once the reveal block is final, anyone
//! recomputes it from the public API (and a node that bends it is caught), and only a drawn
//! inspector records a result.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::time::Duration;

use hengxin_tests::{DevNode, get_json, wait_until};

use common::{code, demo_key, hengxin, run_cli, stderr};

const CQ_STATION: &str = "91500103MA60K7LX03";
const MARKETS: [&str; 2] = ["91500103MD0000001X", "91500103MD0000002X"];

/// A stand-in for the node at `upstream` that passes every request on, but answers
/// `GET /v1/inspections/{plan}` with the first target's inspectors reversed.
fn bending_proxy(upstream: String, plan: u64) -> String {
    common::stand_in(move |path| {
        let mut value = get_json(&format!("{upstream}{path}")).unwrap_or_default();
        if path == format!("/v1/inspections/{plan}")
            && let Some(list) = value["targets"][0]["inspectors"].as_array_mut()
        {
            list.reverse();
        }
        value
    })
}

fn completing(body: &str) -> String {
    hengxin_primitives::CreditCode::completing(body)
        .unwrap()
        .to_string()
}

#[test]
fn a_plan_is_drawn_after_its_reveal_and_anyone_recomputes_the_draw() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);
    let regulator = demo_key(&node, "regulator-cq");
    let inspector = demo_key(&node, "inspector-cq");
    let markets: Vec<String> = MARKETS.iter().map(|m| completing(&m[..17])).collect();

    // Two more inspectors and two markets for the region.
    let mut pool = vec![inspector.clone()];
    for n in 0..2 {
        let file = work.path().join(format!("inspector-{n}.key"));
        let file = file.to_str().unwrap().to_string();
        let (status, _, err) = run(&["key", "new", "--out", &file]);
        assert_eq!(status, 0, "{err}");
        let (status, _, err) = run(&[
            "inspector",
            "add",
            "--key",
            &regulator,
            "--public-key",
            &file,
            "--region",
            "CQ",
            "--name",
            &format!("检查员{n}"),
        ]);
        assert_eq!(status, 0, "{err}");
        pool.push(file);
    }
    for (n, code) in markets.iter().enumerate() {
        let (status, _, err) = run(&[
            "business",
            "register",
            "--key",
            &regulator,
            code,
            "--name",
            &format!("农贸市场{n}"),
            "--region",
            "CQ",
            "--type",
            "market",
        ]);
        assert_eq!(status, 0, "{err}");
    }
    let (status, _, err) = run(&["inspection", "conflict", "--key", &inspector, CQ_STATION]);
    assert_eq!(status, 0, "{err}");

    // A plan revealed far ahead has no draw, and nothing recomputes it.
    let (status, out, err) = run(&[
        "inspection",
        "plan",
        "--key",
        &regulator,
        "--region",
        "CQ",
        "--reveal-in",
        "100000",
    ]);
    assert_eq!(status, 0, "{err}");
    assert!(
        out.contains("预计") && out.contains("北京时间"),
        "the reveal's expected time: {out}"
    );
    let waiting: u64 = out.lines().last().unwrap().parse().unwrap();
    let (status, _, err) = run(&["inspection", "draw", &waiting.to_string(), "--recompute"]);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("not drawn yet"), "{err}");

    // Every grade drawn in full, three blocks after the plan.
    let (status, out, err) = run(&[
        "inspection",
        "plan",
        "--key",
        &regulator,
        "--region",
        "CQ",
        "--reveal-in",
        "3",
        "--ratio",
        "A=100,B=100",
        "--types",
        "gas_station,market",
    ]);
    assert_eq!(status, 0, "{err}");
    let plan: u64 = out.lines().last().unwrap().parse().unwrap();
    let plan_url = format!("{}/v1/inspections/{plan}", node.url);
    // An idle dev chain makes a block a heartbeat (10 s): the reveal block is three of them away,
    // and the draw is in the block after it.
    wait_until("the draw", Duration::from_secs(90), || {
        get_json(&plan_url).is_some_and(|v| v["status"] == "drawn")
    });
    let view = get_json(&plan_url).unwrap();
    let targets = view["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 3, "{view}");
    assert_eq!(
        view["in_scope"],
        serde_json::json!({"A": 1, "B": 2, "C": 0, "D": 0})
    );
    let station = targets
        .iter()
        .find(|t| t["credit_code"] == CQ_STATION)
        .unwrap();
    let (status, out, err) = run(&["inspection", "draw", &plan.to_string(), "--recompute"]);
    assert_eq!(status, 0, "{out}{err}");
    assert!(out.contains("equals the ledger's (3 targets)"), "{out}");

    // A node that bends the draw is caught.
    let proxy = bending_proxy(node.url.clone(), plan);
    let bent = hengxin(
        &proxy,
        config.path(),
        &["inspection", "draw", &plan.to_string(), "--recompute"],
    );
    let (status, err) = (code(&bent), stderr(&bent));
    assert_eq!(status, 10, "{err}");
    assert!(err.contains("differs from the ledger's"), "{err}");

    // The conflicted inspector was not sent to the station; a pool key not drawn for it is
    // refused; a drawn one records a pass, once.
    let key_hex = |file: &str| -> String {
        let (_, out, _) = run(&["--json", "key", "show", file]);
        let v: serde_json::Value = serde_json::from_str(&out).unwrap();
        v["public_key"].as_str().unwrap().to_string()
    };
    let hexes: Vec<String> = pool.iter().map(|f| key_hex(f)).collect();
    let drawn: Vec<&str> = station["inspectors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k.as_str().unwrap())
        .collect();
    assert!(!drawn.contains(&hexes[0].as_str()), "回避: {station}");
    assert_eq!(drawn.len(), 2);
    let record = |key: &str, outcome: &str| {
        run(&[
            "inspection",
            "record",
            "--key",
            key,
            &plan.to_string(),
            CQ_STATION,
            outcome,
        ])
    };
    let (status, _, err) = record(&inspector, "pass");
    assert_ne!(status, 0);
    assert!(err.contains("inspection.not_drawn_inspector"), "{err}");
    let at = hexes.iter().position(|h| h == drawn[0]).unwrap();
    let (status, _, err) = record(&pool[at], "pass");
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = record(&pool[at], "V1");
    assert_ne!(status, 0);
    assert!(err.contains("inspection.already_recorded"), "{err}");
    let (status, out, err) = run(&["inspection", "show", &plan.to_string()]);
    assert_eq!(status, 0, "{err}");
    assert!(out.contains(CQ_STATION) && out.contains("→ pass"), "{out}");
    let business = get_json(&format!("{}/v1/businesses/{CQ_STATION}", node.url)).unwrap();
    assert_eq!(business["records"][0]["code"], "P1", "{business}");
    let (status, out, _) = run(&["inspection", "list", "--region", "CQ"]);
    assert_eq!(status, 0);
    assert!(out.contains("待揭晓") && out.contains("已抽取"), "{out}");
}

/// A draw from a pool of one leaves the station short of inspectors: the region's regulator
/// completes it with `inspection assign`, the assignment is public with the plan, shown with
/// the inspector's name, and the assigned inspector records the result.
#[test]
fn a_short_target_is_completed_by_assignment_and_the_assigned_inspector_records() {
    let node = DevNode::start();
    let config = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_cli(&node, config.path(), args);
    let regulator = demo_key(&node, "regulator-cq");
    let inspector = demo_key(&node, "inspector-cq");
    let second = work.path().join("second.key");
    let second = second.to_str().unwrap();
    let (status, _, err) = run(&["key", "new", "--out", second]);
    assert_eq!(status, 0, "{err}");
    let (status, _, err) = run(&[
        "inspector",
        "add",
        "--key",
        &regulator,
        "--public-key",
        second,
        "--region",
        "CQ",
        "--name",
        "补充检查员",
    ]);
    assert_eq!(status, 0, "{err}");
    let (status, out, err) = run(&[
        "inspection",
        "plan",
        "--key",
        &regulator,
        "--region",
        "CQ",
        "--reveal-in",
        "3",
        "--ratio",
        "A=100",
        "--types",
        "gas_station",
        "--inspectors",
        &inspector,
    ]);
    assert_eq!(status, 0, "{err}");
    let plan = out.lines().last().unwrap().trim().to_string();
    let plan_url = format!("{}/v1/inspections/{plan}", node.url);
    wait_until("the draw", Duration::from_secs(90), || {
        get_json(&plan_url).is_some_and(|v| v["status"] == "drawn")
    });
    let view = get_json(&plan_url).unwrap();
    assert_eq!(view["targets"][0]["credit_code"], CQ_STATION, "{view}");
    assert_eq!(view["targets"][0]["short"], true, "a pool of one: {view}");

    // Only the regulator assigns; then the second inspector is on the target, by name.
    let assign = |key: &str| {
        run(&[
            "inspection",
            "assign",
            "--key",
            key,
            &plan,
            CQ_STATION,
            second,
        ])
    };
    let (status, _, err) = assign(&inspector);
    assert_eq!(status, 1, "{err}");
    assert!(err.contains("inspection.not_regulator_of"), "{err}");
    let (status, _, err) = assign(&regulator);
    assert_eq!(status, 0, "{err}");
    let view = get_json(&plan_url).unwrap();
    let (_, shown, _) = run(&["--json", "key", "show", second]);
    let second_hex =
        serde_json::from_str::<serde_json::Value>(&shown).unwrap()["public_key"].clone();
    assert_eq!(
        view["targets"][0]["assigned"][0]["inspector"], second_hex,
        "{view}"
    );
    assert!(view["names"].to_string().contains("补充检查员"), "{view}");
    let (status, out, err) = run(&["inspection", "show", &plan]);
    assert_eq!(status, 0, "{err}");
    assert!(
        out.contains("补充检查员") && out.contains("指派 assigned"),
        "{out}"
    );
    let (status, _, err) = run(&[
        "inspection",
        "record",
        "--key",
        second,
        &plan,
        CQ_STATION,
        "pass",
    ]);
    assert_eq!(status, 0, "the assigned inspector records: {err}");
}
