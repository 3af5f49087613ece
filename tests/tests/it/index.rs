//! The node's SQL index when things die: the node killed at random moments under load, and
//! PostgreSQL killed while the chain goes on. The chain never waits for the index; each time
//! the index resumes, and holds every block once and exactly the certificates finalized.

use std::collections::BTreeSet;
use std::time::Duration;

use hengxin_index::scratch::ScratchPostgres;
use hengxin_index::{Database, Kind, db};
use hengxin_primitives::Keypair;
use serde_json::Value;
use sqlx::Row;

use crate::cluster::{self, Cluster, SERIAL, now_ms, wait_until};

/// Submits `n` anchors numbered `PREFIX-k` from the lab's next nonce; the numbers the node
/// took.
fn submit(net: &Cluster, lab: &Keypair, prefix: &str, n: usize) -> Vec<String> {
    let nonce = net.nonce(0, lab).unwrap();
    (0..n)
        .filter_map(|k| {
            let number = format!("{prefix}-{k}");
            let tx = cluster::anchor(net.genesis_hash(), lab, nonce + k as u64, &number);
            let (status, _) = net.post_tx(0, &cluster::bytes(&tx))?;
            (status == 202).then_some(number)
        })
        .collect()
}

/// Waits until the node is up, its index answers, and it is within two blocks of the chain.
fn wait_indexed(net: &Cluster, timeout: Duration) -> Value {
    let mut last = Value::Null;
    let deadline = std::time::Instant::now() + timeout;
    wait_until(
        "the index to catch up",
        timeout + Duration::from_secs(1),
        || {
            if std::time::Instant::now() > deadline {
                panic!("the index did not catch up: {last}\n{}", net.log_tail(0));
            }
            match net.get(0, "/v1/stats/overview") {
                Some((200, body)) => {
                    let caught_up = body["at"]["lag_blocks"].as_u64().is_some_and(|l| l <= 2);
                    last = body;
                    caught_up
                }
                Some((_, body)) => {
                    last = body;
                    false
                }
                None => false,
            }
        },
    );
    last
}

/// Every block from genesis to the indexed one exactly once, and the certificates whose
/// numbers start with `prefix` in the index exactly those the node finalized.
async fn assert_whole(db: &Database, net: &Cluster, prefix: &str, submitted: &[String]) {
    // The indexed height and the blocks in one statement, one snapshot: the node goes on
    // indexing (heartbeat blocks) while this reads.
    let row = sqlx::query(
        "SELECT COUNT(*), MIN(height), MAX(height), (SELECT height FROM indexed WHERE id = 1) \
         FROM blocks",
    )
    .fetch_one(db.pool())
    .await
    .unwrap();
    let blocks: (i64, i64, i64) = (
        row.try_get(0).unwrap(),
        row.try_get(1).unwrap(),
        row.try_get(2).unwrap(),
    );
    let at: i64 = row.try_get(3).unwrap();
    assert_eq!(blocks, (at + 1, 0, at));
    let indexed: BTreeSet<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT number FROM certificates WHERE number LIKE '{prefix}%'"
    )))
    .fetch_all(db.pool())
    .await
    .unwrap()
    .iter()
    .map(|r| r.try_get(0).unwrap())
    .collect();
    let finalized: BTreeSet<String> = submitted
        .iter()
        .filter(|n| {
            net.get(0, &format!("/v1/certificates/CQJL/{n}"))
                .is_some_and(|(s, _)| s == 200)
        })
        .cloned()
        .collect();
    assert!(!finalized.is_empty());
    assert_eq!(indexed, finalized);
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn a_node_killed_at_random_moments_resumes_its_index_without_gap_or_duplicate() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut net = Cluster::testnet(1);
    net.start(0);
    wait_indexed(&net, Duration::from_secs(60));
    let lab = net.key("lab-cq");
    let mut submitted = Vec::new();
    for round in 0..3 {
        submitted.extend(submit(&net, &lab, &format!("KILL{round}"), 150));
        // Anywhere in the next 400 ms: while blocks commit, or the index writes them.
        std::thread::sleep(Duration::from_millis(now_ms() % 400));
        net.kill(0);
        net.start(0);
        wait_until("the node to answer", Duration::from_secs(60), || {
            net.height(0).is_some()
        });
    }
    let last = submit(&net, &lab, "KILL3", 50);
    submitted.extend(last);
    let height = net.height(0).unwrap();
    net.wait_height(0, height + 3, Duration::from_secs(60));
    wait_indexed(&net, Duration::from_secs(60));
    let path = net.nodes[0].dir.join("data");
    runtime().block_on(async {
        let (kind, url) = db::resolve("sqlite:index.sqlite", &path).unwrap();
        let database = Database::open(kind, &url, 1).await.unwrap();
        let submitted: Vec<String> = submitted.into_iter().collect();
        assert_whole(&database, &net, "KILL", &submitted).await;
    });
}

#[test]
fn postgresql_killed_lets_the_chain_go_on_and_the_index_catch_up_once_it_is_back() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let server = ScratchPostgres::start().unwrap();
    let mut net = Cluster::testnet(1);
    let config = net.nodes[0].config.clone();
    let text = std::fs::read_to_string(&config).unwrap();
    let sqlite = "database = \"sqlite:index.sqlite\"";
    assert!(text.contains(sqlite), "{text}");
    let text = text.replace(sqlite, &format!("database = \"{}\"", server.url()));
    std::fs::write(&config, text).unwrap();
    net.start(0);
    wait_indexed(&net, Duration::from_secs(60));
    let lab = net.key("lab-cq");
    let mut submitted = submit(&net, &lab, "PG", 100);
    server.kill().unwrap();
    // The chain goes on: more anchors finalize while the index cannot be written.
    submitted.extend(submit(&net, &lab, "PG-DOWN", 100));
    let height = net.height(0).unwrap();
    net.wait_height(0, height + 20, Duration::from_secs(60));
    let (status, body) = net.get(0, "/v1/stats/overview").unwrap();
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "index_unavailable");
    server.restart().unwrap();
    let at = wait_indexed(&net, Duration::from_secs(90));
    assert!(at["at"]["height"].as_u64().unwrap() >= height + 20, "{at}");
    runtime().block_on(async {
        let database = Database::open(Kind::Postgres, &server.url(), 1)
            .await
            .unwrap();
        assert_whole(&database, &net, "PG", &submitted).await;
    });
}

#[test]
fn reindex_rebuilds_the_index_from_the_blocks() {
    let _serial = SERIAL.lock().unwrap_or_else(|p| p.into_inner());
    let mut node = hengxin_tests::DevNode::start();
    node.wait_indexed();
    let before = hengxin_tests::get_json(&format!("{}/v1/stats/overview", node.url)).unwrap();
    node.stop();
    // The index damaged by hand: a table emptied.
    let index = node.path("index.sqlite");
    runtime().block_on(async {
        let (kind, url) = db::resolve("sqlite:index.sqlite", node.dir.path()).unwrap();
        let database = Database::open(kind, &url, 1).await.unwrap();
        sqlx::query("DELETE FROM instruments")
            .execute(database.pool())
            .await
            .unwrap();
    });
    let output = std::process::Command::new(crate::cluster::node_bin())
        .arg("reindex")
        .arg("--data-dir")
        .arg(node.dir.path())
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(out.contains("indexed up to block"), "{out}");
    assert!(index.exists());
    runtime().block_on(async {
        let (kind, url) = db::resolve("sqlite:index.sqlite", node.dir.path()).unwrap();
        let database = Database::open(kind, &url, 1).await.unwrap();
        let at = database.indexed().await.unwrap().unwrap();
        assert!(at.height >= before["at"]["height"].as_u64().unwrap());
        let row = sqlx::query("SELECT COUNT(*) FROM instruments")
            .fetch_one(database.pool())
            .await
            .unwrap();
        let instruments: u64 = before["instruments"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["count"].as_u64().unwrap())
            .sum();
        assert_eq!(row.try_get::<i64, _>(0).unwrap() as u64, instruments);
    });
    // A running node's data directory is refused, saying why.
    let running = hengxin_tests::DevNode::start();
    let output = std::process::Command::new(crate::cluster::node_bin())
        .arg("reindex")
        .arg("--data-dir")
        .arg(running.dir.path())
        .output()
        .unwrap();
    assert!(!output.status.success());
    assert!(
        String::from_utf8_lossy(&output.stderr).contains("stop it first"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
