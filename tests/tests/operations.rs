//! What the city's operators run the server with (issue 17, part 4): JSON log lines carrying
//! each request's id (and no personal data), the token-guarded Prometheus `/metrics`, and
//! `backup --to` / `restore --from` taken while the server runs and restored into a server
//! that serves the same documents.

use std::path::Path;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ReadDoc, ScalarValue};
use madoguchi_tests::{NativePeer, ServerProcess, add_staff, database_args, header, server_binary};
use shared_model::DocumentId;

const TOKEN: &str = "metrics-token-for-the-test";

/// Adds the counter clerk `shimin01` (password `correct horse`) over `data`.
async fn shimin01(data: &Path) {
    let made = add_staff(data, "shimin01", "テスト 職員", "shimin", "correct horse")
        .await
        .unwrap();
    assert!(made.status.success());
}

/// The value of the sample `name` (with its labels as written) in OpenMetrics `text`.
fn sample(text: &str, name: &str) -> Option<f64> {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
}

async fn metrics(server: &ServerProcess) -> String {
    let (status, head, body) = server
        .request_with(
            "GET",
            "/metrics",
            None,
            None,
            &[("Authorization", &format!("Bearer {TOKEN}"))],
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(
        header(&head, "content-type")
            .unwrap()
            .starts_with("application/openmetrics-text")
    );
    assert_eq!(header(&head, "cache-control"), Some("no-store"));
    String::from_utf8(body).unwrap()
}

#[tokio::test]
async fn metrics_answer_only_to_the_token_and_count_what_happens() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with_env(
        0,
        data.path(),
        None,
        &[],
        &[("MADOGUCHI_METRICS_TOKEN", TOKEN)],
    )
    .await
    .unwrap();
    for auth in [None, Some("Bearer wrong"), Some(TOKEN)] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        let (status, _, body) = server
            .request_with("GET", "/metrics", None, None, &headers)
            .await
            .unwrap();
        assert_eq!(status, 401, "{auth:?}");
        assert!(body.is_empty() || !String::from_utf8_lossy(&body).contains("madoguchi_"));
    }
    // The scheme's name in any case.
    let lower = format!("bearer {TOKEN}");
    let (status, _, _) = server
        .request_with("GET", "/metrics", None, None, &[("Authorization", &lower)])
        .await
        .unwrap();
    assert_eq!(status, 200);
    let text = metrics(&server).await;
    for name in [
        "madoguchi_connected_peers",
        "madoguchi_documents_in_memory",
        "madoguchi_sync_messages_total",
        "madoguchi_store_seconds",
        "madoguchi_sign_in_refusals_total",
    ] {
        assert!(
            text.contains(&format!("# TYPE {}", name.trim_end_matches("_total"))),
            "{name} missing:\n{text}"
        );
    }
    assert!(text.ends_with("# EOF\n"), "{text}");

    // A wrong password is counted as a refusal for credentials.
    shimin01(data.path()).await;
    assert!(server.sign_in("shimin01", "wrong horse").await.is_err());
    let text = metrics(&server).await;
    assert_eq!(
        sample(
            &text,
            "madoguchi_sign_in_refusals_total{reason=\"credentials\"}"
        ),
        Some(1.0),
        "{text}"
    );

    // A connected peer that syncs a document: one peer, one document, messages both ways.
    let mut peer = NativePeer::connect(&server.peer_url().await, "metrics-peer")
        .await
        .unwrap();
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(automerge::ROOT, "n", 1).unwrap();
    peer.sync(id, &mut doc).await.unwrap();
    let text = metrics(&server).await;
    assert_eq!(
        sample(&text, "madoguchi_connected_peers"),
        Some(1.0),
        "{text}"
    );
    assert!(
        sample(&text, "madoguchi_documents_in_memory").unwrap() >= 1.0,
        "{text}"
    );
    for direction in ["received", "sent"] {
        let n = sample(
            &text,
            &format!("madoguchi_sync_messages_total{{direction=\"{direction}\"}}"),
        )
        .unwrap_or(0.0);
        assert!(n >= 1.0, "{direction}: {text}");
    }
    assert!(
        sample(&text, "madoguchi_store_seconds_count{kind=\"write\"}").unwrap() >= 1.0,
        "{text}"
    );
}

#[tokio::test]
async fn without_a_token_there_is_no_metrics_endpoint() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let (status, _, _) = server
        .request_with(
            "GET",
            "/metrics",
            None,
            None,
            &[("Authorization", "Bearer ")],
        )
        .await
        .unwrap();
    assert_eq!(status, 404);
}

#[tokio::test]
async fn log_lines_are_json_with_the_request_id_and_no_personal_data() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(0, data.path(), None, &["--demo-residents", "200"])
        .await
        .unwrap();
    shimin01(data.path()).await;
    let cookie = server.sign_in("shimin01", "correct horse").await.unwrap();

    // A lookup by name, then the household of the first person found.
    let mut found = None;
    for surname in [
        "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "山本", "中村", "小林",
    ] {
        let q = format!("/api/residents?q={surname}");
        let (status, head, body) = server
            .request("GET", &q, None, Some(&cookie))
            .await
            .unwrap();
        assert_eq!(status, 200);
        let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
        if let Some(first) = answer["residents"].as_array().and_then(|r| r.first()) {
            found = Some((
                surname,
                first.clone(),
                header(&head, "x-request-id").unwrap().to_owned(),
            ));
            break;
        }
    }
    let (surname, person, lookup_id) = found.expect("the synthetic register has a common surname");
    let household = person["household_number"].as_str().unwrap().to_owned();
    let (status, _, _) = server
        .request(
            "GET",
            &format!("/api/residents/household/{household}"),
            None,
            Some(&cookie),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);

    // A refused request: its id is in the answer, the app shows it, and the log has it.
    let (status, head, _) = server
        .request(
            "POST",
            "/api/visits",
            Some("{\"visit_id\":\"not an id\"}"),
            Some(&cookie),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    let refused_id = header(&head, "x-request-id").unwrap().to_owned();
    assert_eq!(refused_id.len(), 14, "{refused_id}");
    // A proxy's id is kept.
    let (_, head, _) = server
        .request_with(
            "GET",
            "/healthz",
            None,
            None,
            &[("x-request-id", "proxy-42")],
        )
        .await
        .unwrap();
    assert_eq!(header(&head, "x-request-id"), Some("proxy-42"));
    // Any other client id is replaced: no text of the client's choosing in the log.
    let long = "a".repeat(3000);
    for bad in [long.as_str(), "<script>alert(1)</script>", "山田太郎"] {
        let (_, head, _) = server
            .request_with("GET", "/healthz", None, None, &[("x-request-id", bad)])
            .await
            .unwrap();
        let given = header(&head, "x-request-id").unwrap();
        assert_eq!(given.len(), 14, "{bad:?} answered as {given:?}");
    }

    let log = server.wait_for_log(&refused_id).await;
    let mut lines = 0;
    for line in log.lines().filter(|l| !l.trim().is_empty()) {
        let value: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
        assert!(
            value["timestamp"].is_string() && value["level"].is_string(),
            "{line}"
        );
        lines += 1;
    }
    assert!(lines >= 5, "{log}");
    let of = |id: &str| -> Vec<serde_json::Value> {
        log.lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|v| v["span"]["request_id"] == id)
            .collect()
    };
    let refused = of(&refused_id);
    assert!(
        refused
            .iter()
            .any(|v| v["fields"]["status"] == 400 && v["span"]["route"] == "/api/visits"),
        "{refused:?}"
    );
    assert!(
        of(&lookup_id)
            .iter()
            .any(|v| v["span"]["route"] == "/api/residents")
    );
    // Nothing of the person: not the name searched, not their name, household or address.
    for secret in [
        surname,
        person["name"].as_str().unwrap_or("?"),
        &household,
        person["address"].as_str().unwrap_or("?"),
        "correct horse",
        "山田太郎",
        "<script>",
        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
    ] {
        assert!(!log.contains(secret), "{secret:?} is in the log:\n{log}");
    }
}

/// `sync-server <database> backup --to DIR` (or `restore --from DIR`) over `data`'s database.
fn run(data: &Path, args: &[&str]) -> std::process::Output {
    std::process::Command::new(server_binary())
        .arg("--data")
        .arg(data)
        .args(database_args(data).unwrap())
        .args(args)
        .output()
        .unwrap()
}

#[tokio::test]
async fn a_backup_taken_while_the_server_writes_restores_the_same_documents() {
    let data = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(data.path(), None).await.unwrap();
    shimin01(data.path()).await;
    let url = server.peer_url().await;
    let mut peer = NativePeer::connect(&url, "backup-writer").await.unwrap();
    let mut docs: Vec<(DocumentId, AutoCommit)> = (0..20)
        .map(|i| {
            let mut doc = AutoCommit::new();
            doc.put(automerge::ROOT, "name", format!("文書 {i}"))
                .unwrap();
            doc.put(automerge::ROOT, "n", 0).unwrap();
            (DocumentId::random(), doc)
        })
        .collect();
    peer.sync_all(&mut docs).await.unwrap();

    // The server keeps taking edits of one document while the backup runs.
    let (busy_id, mut busy) = (docs[0].0, docs[0].1.fork());
    let writer = tokio::spawn(async move {
        let mut peer = NativePeer::connect(&url, "backup-busy").await.unwrap();
        for n in 1..=40i64 {
            busy.put(automerge::ROOT, "n", n).unwrap();
            peer.sync(busy_id, &mut busy).await.unwrap();
        }
    });
    let backups = tempfile::tempdir().unwrap();
    let to = backups.path().join("2026-12-01");
    let taken = run(data.path(), &["backup", "--to", to.to_str().unwrap()]);
    assert!(
        taken.status.success(),
        "{}",
        String::from_utf8_lossy(&taken.stderr)
    );
    let manifest = std::fs::read_to_string(to.join("backup.toml")).unwrap();
    assert!(manifest.contains("sha256"), "{manifest}");
    // A second backup into the same folder is refused.
    let again = run(data.path(), &["backup", "--to", to.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    writer.await.unwrap();
    server.stop().await.unwrap();

    // A new server restored from the backup serves the same documents.
    let fresh = tempfile::tempdir().unwrap();
    if data.path().join("postgres-url").exists() {
        // PostgreSQL: an empty database of its own (database_args makes one).
        database_args(fresh.path()).unwrap();
        let url = std::fs::read_to_string(fresh.path().join("postgres-url")).unwrap();
        // The new database is empty: pg_restore fills it.
        assert!(url.starts_with("postgres://"));
    }
    let restored = run(fresh.path(), &["restore", "--from", to.to_str().unwrap()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let again = run(fresh.path(), &["restore", "--from", to.to_str().unwrap()]);
    assert!(
        !again.status.success(),
        "a second restore over the data is refused"
    );

    let server = ServerProcess::start(fresh.path(), None).await.unwrap();
    // The staff account came back with the data: it signs in.
    assert!(server.sign_in("shimin01", "correct horse").await.is_ok());
    let mut reader = NativePeer::connect(&server.peer_url().await, "backup-reader")
        .await
        .unwrap();
    let mut copies: Vec<(DocumentId, AutoCommit)> = docs
        .iter()
        .map(|(id, _)| (*id, AutoCommit::new()))
        .collect();
    reader.sync_all(&mut copies).await.unwrap();
    for ((id, original), (_, copy)) in docs.iter_mut().zip(copies.iter_mut()).skip(1) {
        assert_eq!(copy.get_heads(), original.get_heads(), "{id}");
        assert_eq!(
            copy.get(automerge::ROOT, "name")
                .unwrap()
                .map(|(v, _)| v.to_string()),
            original
                .get(automerge::ROOT, "name")
                .unwrap()
                .map(|(v, _)| v.to_string())
        );
    }
    // The busy document is there as of some moment of its editing.
    let (_, busy_copy) = &copies[0];
    let n = match busy_copy.get(automerge::ROOT, "n").unwrap() {
        Some((automerge::Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(n) => *n,
            other => panic!("{other:?}"),
        },
        other => panic!("{other:?}"),
    };
    assert!((0..=40).contains(&n), "{n}");
}
