//! The supervision platform in Debian's Chromium against a `--dev` node: every page at 1280 px
//! and 412 px, every figure equal to the API's, every table's CSV download parsing to its rows,
//! one block named on every page, no error (a content-security violation among them).

use std::collections::BTreeMap;

use hengxin_tests::{DevNode, get_json};
use serde_json::Value;

use crate::browser::{artifacts, drive_from};
use crate::cluster::SERIAL;

fn sum(rows: &Value, filter: impl Fn(&Value) -> bool, field: &str) -> u64 {
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| filter(r))
        .map(|r| r[field].as_u64().unwrap())
        .sum()
}

fn count_of(list: &Value, key: &str) -> u64 {
    sum(list, |c| c["key"] == key, "count")
}

#[test]
fn every_console_page_shows_the_api_s_figures_and_downloads_its_tables() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let node = DevNode::start();
    node.wait_indexed();
    let shots = artifacts();
    let seen = drive_from(
        "node/console/tests",
        "console.mjs",
        &[node.url.as_ref(), shots.as_os_str()],
    );
    assert_eq!(seen["errors"], Value::Array(vec![]), "{}", seen["errors"]);
    let api = |path: &str| get_json(&format!("{}{path}", node.url)).unwrap();
    let pages = &seen["pages"];
    let figure = |page: &str, name: &str| {
        pages[page]["figures"][name]
            .as_u64()
            .unwrap_or_else(|| panic!("{page} has no figure {name}: {}", pages[page]))
    };

    // One block on every page, the index's.
    let overview = api("/v1/stats/overview");
    for (page, view) in pages.as_object().unwrap() {
        assert_eq!(view["ready"], "1", "{page}: {view}");
        assert_eq!(
            view["at"]["height"],
            overview["at"]["height"].to_string(),
            "{page}"
        );
        assert_eq!(view["at"]["hash"], overview["at"]["hash"], "{page}");
        assert_eq!(view["at"]["consistent"], "1", "{page}");
        assert!(
            view["charts"].as_u64().unwrap() >= 1,
            "{page} draws its charts"
        );
    }

    // 概览.
    assert_eq!(
        figure("overview", "labs"),
        overview["labs"].as_u64().unwrap()
    );
    for status in ["overdue", "due_soon", "failed"] {
        let name = format!("instruments.{status}");
        assert_eq!(
            figure("overview", &name),
            count_of(&overview["instruments"], status)
        );
    }
    assert_eq!(
        figure("overview", "certificates.revoked"),
        count_of(&overview["certificates"], "revoked")
    );
    assert_eq!(
        figure("overview", "inspectors"),
        overview["inspectors"].as_u64().unwrap()
    );

    // 证书.
    let certificates = api("/v1/stats/certificates");
    assert_eq!(
        figure("certificates", "anchored"),
        sum(&certificates["rows"], |_| true, "anchored")
    );
    assert_eq!(
        figure("certificates", "revoked"),
        sum(&certificates["rows"], |_| true, "revoked")
    );
    let labs = api("/v1/labs");
    assert_eq!(
        pages["certificates"]["tables"]["labs"]["rows"],
        labs["labs"].as_array().unwrap().len()
    );

    // 器具: the warnings first, the figures by status.
    let groups = api("/v1/stats/instruments");
    for status in [
        "valid",
        "due_soon",
        "overdue",
        "failed",
        "unverified",
        "retired",
    ] {
        let n = sum(&groups["rows"], |r| r["status"] == status, "count");
        assert_eq!(
            figure("instruments", &format!("instruments.{status}")),
            n,
            "{status}"
        );
    }
    let due = api("/v1/stats/instruments/due");
    let due_ids: Vec<&str> = due["instruments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap())
        .collect();
    assert!(!due_ids.is_empty());

    // 信用, 双随机, 互认, 网络.
    let businesses = api("/v1/stats/businesses");
    for grade in ["A", "B", "C", "D"] {
        let n = sum(&businesses["rows"], |r| r["grade"] == grade, "count");
        assert_eq!(
            figure("credit", &format!("businesses.{grade}")),
            n,
            "{grade}"
        );
    }
    let plans = api("/v1/stats/inspections");
    assert_eq!(
        figure("inspections", "plans"),
        plans["plans"].as_array().unwrap().len() as u64
    );
    let recognition = api("/v1/stats/recognition");
    assert_eq!(
        figure("recognition", "own"),
        sum(&recognition["rows"], |_| true, "own")
    );
    assert_eq!(
        figure("recognition", "recognised"),
        sum(&recognition["rows"], |_| true, "recognised")
    );
    assert!(
        figure("recognition", "recognised") > 0,
        "the demo's 川渝 agreement"
    );
    let network = api("/v1/stats/network");
    assert_eq!(
        figure("network", "validators"),
        network["validators"].as_array().unwrap().len() as u64
    );

    // Every table downloads as CSV with its rows, under its columns.
    let mut downloads = BTreeMap::new();
    for (page, view) in pages.as_object().unwrap() {
        for (name, table) in view["tables"].as_object().unwrap() {
            let text = table["csv"].as_str().unwrap();
            let text = text
                .strip_prefix('\u{feff}')
                .expect("a byte-order mark for spreadsheets");
            let mut reader = csv::Reader::from_reader(text.as_bytes());
            let header: Vec<String> = reader
                .headers()
                .unwrap()
                .iter()
                .map(str::to_owned)
                .collect();
            let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
            assert_eq!(
                rows.len() as u64,
                table["rows"].as_u64().unwrap(),
                "{page}/{name}"
            );
            assert!(!header.is_empty(), "{page}/{name}");
            downloads.insert(format!("{page}/{name}"), (header, rows));
        }
    }
    let (header, rows) = &downloads["instruments/due"];
    let id_at = header.iter().position(|h| h == "id").unwrap();
    let mut listed: Vec<&str> = rows.iter().map(|r| &r[id_at]).collect();
    let mut expected = due_ids.clone();
    listed.sort();
    expected.sort();
    assert_eq!(listed, expected);

    // Readable at both widths: a screenshot of each page at each.
    for page in pages.as_object().unwrap().keys() {
        for width in [1280u32, 412] {
            let png = std::fs::read(shots.join(format!("console-{page}-{width}.png"))).unwrap();
            assert_eq!(&png[1..4], b"PNG");
            let drawn = u32::from_be_bytes(png[16..20].try_into().unwrap());
            assert_eq!(
                drawn, width,
                "{page} at {width} px: no sideways scrolling of the page"
            );
        }
    }
}
