//! Two server nodes over one PostgreSQL database: a change made through one reaches the
//! clients of the other, sign-ins and grants hold on both, and when the node that runs the
//! exchange is killed (SIGKILL) while both take in visits, the other takes over and every
//! confirmed record reaches the bucket exactly once.
//!
//! The database is a throw-away cluster: the one `cargo xtask test` started
//! (`MADOGUCHI_TEST_POSTGRES`), or one this test starts itself.

use std::collections::BTreeSet;
use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use madoguchi_tests::exchange::{exchange_server, moves, records_in_bucket, wait_state};
use madoguchi_tests::node::repo_peer;
use madoguchi_tests::postgres::{Cluster, create_database};
use madoguchi_tests::{NativePeer, S3Server, ServerProcess, add_admin, share_database};
use shared_model::DocumentId;
use shared_model::synthetic::Move;

/// A database of the test's own, and the cluster if the test had to start one.
struct Database {
    url: String,
    _cluster: Option<Cluster>,
}

fn database() -> Database {
    let (cluster, cluster_url) = match std::env::var("MADOGUCHI_TEST_POSTGRES") {
        Ok(url) if !url.is_empty() => (None, url),
        _ => {
            let cluster = Cluster::start(false).expect("a PostgreSQL cluster starts");
            let url = cluster.url("postgres");
            (Some(cluster), url)
        }
    };
    static MADE: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let name = format!(
        "madoguchi_nodes_{}_{}",
        std::process::id(),
        MADE.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    );
    Database {
        url: create_database(&cluster_url, &name).expect("a database is created"),
        _cluster: cluster,
    }
}

/// A root string of the document, whether written as text (as the npm client writes
/// strings) or as a plain string.
fn text(doc: &AutoCommit, key: &str) -> Option<String> {
    match doc.get(ROOT, key).ok().flatten()? {
        (automerge::Value::Object(automerge::ObjType::Text), id) => doc.text(&id).ok(),
        (value, _) => value.into_string().ok(),
    }
}

#[tokio::test]
async fn a_change_through_one_node_reaches_a_client_of_the_other() {
    let db = database();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    share_database(a_dir.path(), &db.url).unwrap();
    share_database(b_dir.path(), &db.url).unwrap();
    let a = ServerProcess::start(a_dir.path(), None).await.unwrap();
    let b = ServerProcess::start(b_dir.path(), None).await.unwrap();

    // A counter on node B has a document open.
    let id = DocumentId::random();
    let mut on_b = AutoCommit::new();
    on_b.put(ROOT, "status", "受付").unwrap();
    let mut peer_b = NativePeer::connect(&b.peer_url().await, "counter-on-b")
        .await
        .unwrap();
    peer_b.sync(id, &mut on_b).await.unwrap();

    // The npm automerge-repo client edits it through node A ...
    let url = id.url().to_string();
    let edited = repo_peer(&["edit", &a.peer_url().await, &url, "status", "確認済み"])
        .await
        .unwrap();
    assert!(edited["heads"].is_array(), "{edited}");
    // ... and node B pushes the change to its counter, which asked for nothing.
    peer_b
        .wait_for(id, &mut on_b, Duration::from_secs(10), |doc| {
            text(doc, "status").as_deref() == Some("確認済み")
        })
        .await
        .unwrap();

    // The other way: the counter on B writes; the npm client reading through A (which has
    // the document in memory since its edit) sees it.
    on_b.put(ROOT, "note", "B から").unwrap();
    peer_b.sync(id, &mut on_b).await.unwrap();
    let mut seen = serde_json::Value::Null;
    for _ in 0..50 {
        seen = repo_peer(&["fetch", &a.peer_url().await, &url])
            .await
            .unwrap();
        if seen["doc"]["note"] == "B から" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(seen["doc"]["note"], "B から", "{seen}");
    assert_eq!(seen["doc"]["status"], "確認済み", "{seen}");

    // A session made on one node opens the other; the sign-in nonce of one works on the
    // other; the failed sign-ins of one count on the other.
    add_admin(a_dir.path(), "admin01", "correct horse")
        .await
        .unwrap();
    let cookie = a.sign_in("admin01", "correct horse").await.unwrap();
    let (status, _, _) = b
        .request("GET", "/api/session", None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 200, "a session of node A opens node B");
    assert_eq!(
        sign_in(&a, &b, "correct horse").await,
        200,
        "a nonce of node A is taken by node B"
    );
    for node in [&a, &b, &a, &b, &a] {
        assert_eq!(sign_in(node, node, "wrong").await, 401);
    }
    assert_eq!(
        sign_in(&b, &b, "correct horse").await,
        429,
        "five failures spread over both nodes block the login"
    );
}

/// Signs `admin01` in at `to` with a nonce from `from`; the answer's status.
async fn sign_in(from: &ServerProcess, to: &ServerProcess, password: &str) -> u16 {
    let nonce = from.nonce().await.unwrap();
    let body =
        serde_json::json!({"login": "admin01", "password": password, "nonce": nonce}).to_string();
    let (status, _, _) = to
        .request("POST", "/api/session", Some(&body), None)
        .await
        .unwrap();
    status
}

#[tokio::test]
async fn the_exchange_leader_killed_mid_batch_hands_over_and_nothing_goes_out_twice() {
    let db = database();
    let s3 = S3Server::start().await.unwrap();
    let (a_dir, b_dir) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    share_database(a_dir.path(), &db.url).unwrap();
    share_database(b_dir.path(), &db.url).unwrap();
    add_admin(a_dir.path(), "admin01", "correct horse")
        .await
        .unwrap();
    // A starts first and takes the exchange; B waits for the lock.
    let mut a = exchange_server(a_dir.path(), &s3, None).await.unwrap();
    a.wait_for_log("this node leads").await;
    let b = exchange_server(b_dir.path(), &s3, None).await.unwrap();
    let cookie = b.sign_in("admin01", "correct horse").await.unwrap();

    // 60 visits, half taken in through each node at once; A dies while they arrive.
    let visits = moves(5, &[(Move::Out, 30), (Move::Within, 20), (Move::In, 10)]);
    let mut docs: Vec<(DocumentId, AutoCommit)> =
        visits.iter().map(|(id, d, _)| (*id, d.clone())).collect();
    let (through_a, through_b) = docs.split_at_mut(30);
    let (a_url, b_url) = (a.peer_url().await, b.peer_url().await);
    let mut peer_a = NativePeer::connect(&a_url, "counter-a").await.unwrap();
    let mut peer_b = NativePeer::connect(&b_url, "counter-b").await.unwrap();
    let killer = async {
        tokio::time::sleep(Duration::from_millis(400)).await;
        a.kill().await.unwrap();
    };
    let (_, via_a, via_b) = tokio::join!(
        killer,
        peer_a.sync_all(through_a),
        peer_b.sync_all(through_b)
    );
    via_b.unwrap();
    let _ = via_a; // A may have died under it.
    // The counters of A reconnect to B and sync what they have.
    let mut peer_a = NativePeer::connect(&b_url, "counter-a-again")
        .await
        .unwrap();
    peer_a.sync_all(through_a).await.unwrap();

    // B took over the exchange: everything goes out, once.
    let done = wait_state(&b, &cookie, "export", 90, |s| {
        s["counts"]["sent"].as_u64() == Some(60) && s["counts"]["unwritten_batches"] == 0
    })
    .await;
    let records = records_in_bucket(&s3);
    assert_eq!(records.len(), 60, "{done}");
    assert_eq!(
        records.iter().collect::<BTreeSet<_>>().len(),
        60,
        "no duplicate"
    );
    assert!(b.log().contains("this node leads"));

    // The survivors converge: the counters and a fresh reader on B hold every visit with the
    // same heads.
    let mut counters = NativePeer::connect(&b_url, "counters").await.unwrap();
    counters.sync_all(&mut docs).await.unwrap();
    let mut fresh: Vec<(DocumentId, AutoCommit)> = docs
        .iter()
        .map(|(id, _)| (*id, AutoCommit::new()))
        .collect();
    let mut reader = NativePeer::connect(&b_url, "reader").await.unwrap();
    reader.sync_all(&mut fresh).await.unwrap();
    for ((id, ours), (_, theirs)) in docs.iter_mut().zip(fresh.iter_mut()) {
        let (mut mine, mut read) = (ours.get_heads(), theirs.get_heads());
        mine.sort();
        read.sort();
        assert_eq!(mine, read, "{id} converged");
    }
}
