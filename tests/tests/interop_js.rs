//! Interop with the real npm `@automerge/automerge-repo` 2.5.6 client (versions pinned in
//! tests/js/package-lock.json): two Node processes sync a document through our server, the
//! server restarts from its SQLite file (after a SIGKILL), and a document made by our Rust
//! client code is read by the npm client.

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use madoguchi_tests::node::{repo_peer, repo_peer_as};
use madoguchi_tests::{NativePeer, ServerProcess};
use shared_model::{AutomergeUrl, DocumentId};

fn heads(value: &serde_json::Value) -> Vec<String> {
    let mut heads: Vec<String> = serde_json::from_value(value["heads"].clone()).unwrap();
    heads.sort();
    heads
}

#[tokio::test]
async fn npm_clients_sync_through_our_server_and_it_survives_a_crash() {
    let data = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(data.path(), None).await.unwrap();
    let sync_url = server.peer_url().await;

    // One Node process creates and edits a document…
    let created = repo_peer(&["create", &sync_url, r#"{"reception_number":"12"}"#])
        .await
        .unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    url.parse::<AutomergeUrl>()
        .expect("the npm client's URL parses as ours");

    // …another fetches it by URL and sees the same heads and contents.
    let fetched = repo_peer(&["fetch", &sync_url, &url]).await.unwrap();
    assert_eq!(heads(&fetched), heads(&created));
    assert_eq!(fetched["doc"]["reception_number"], "12");
    assert_eq!(fetched["doc"]["createdBy"], "npm automerge-repo");

    // A further edit by a third process.
    let edited = repo_peer(&["edit", &sync_url, &url, "status", "確認済み"])
        .await
        .unwrap();

    // Crash the server; a new process over the same SQLite file still serves everything.
    server.kill().await.unwrap();
    server.restart().await.unwrap();
    let after = repo_peer(&["fetch", &server.peer_url().await, &url])
        .await
        .unwrap();
    assert_eq!(heads(&after), heads(&edited));
    assert_eq!(after["doc"]["status"], "確認済み");
}

#[tokio::test]
async fn the_npm_client_reads_a_document_our_rust_client_created() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "applicant", "高崎 花子").unwrap();
    doc.put(ROOT, "made_by", "rust").unwrap();
    let mut peer = NativePeer::connect(&server.peer_url().await, "rust-peer")
        .await
        .unwrap();
    peer.sync(id, &mut doc).await.unwrap();

    let fetched = repo_peer(&["fetch", &server.peer_url().await, &id.url().to_string()])
        .await
        .unwrap();
    let ours: Vec<String> = {
        let mut h: Vec<String> = doc.get_heads().iter().map(ToString::to_string).collect();
        h.sort();
        h
    };
    assert_eq!(heads(&fetched), ours);
    assert_eq!(fetched["doc"]["applicant"], "高崎 花子");

    // And the other way: the npm client edits, our Rust client receives the edit.
    repo_peer(&[
        "edit",
        &server.peer_url().await,
        &id.url().to_string(),
        "made_by",
        "both",
    ])
    .await
    .unwrap();
    peer.sync(id, &mut doc).await.unwrap();
    // Automerge 3 (JS) writes strings as collaborative text objects.
    let (value, obj) = automerge::ReadDoc::get(&doc, ROOT, "made_by")
        .unwrap()
        .unwrap();
    assert!(matches!(
        value,
        automerge::Value::Object(automerge::ObjType::Text)
    ));
    assert_eq!(automerge::ReadDoc::text(&doc, &obj).unwrap(), "both");
}

#[tokio::test]
async fn an_unknown_document_is_unavailable_to_the_npm_client() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let url = DocumentId::random().url().to_string();
    let run = madoguchi_tests::node::run(
        "repo-peer.mjs",
        &["fetch", &server.peer_url().await, &url],
        &[],
        std::time::Duration::from_secs(30),
    )
    .await
    .unwrap();
    assert_eq!(run.code, 2, "stderr: {}", run.stderr);
    assert!(run.stderr.contains("unavailable"), "stderr: {}", run.stderr);
}

/// A tab that rejoins with its peer id while the server still holds its old, half-open socket
/// (the old one here joined and then stopped reading, so it answers no ping) is admitted at
/// once, as automerge-repo's own server does: the old socket is closed as replaced.
#[tokio::test]
async fn a_rejoin_with_the_same_peer_id_replaces_a_half_open_socket() {
    use futures_util::{SinkExt, StreamExt};
    use shared_model::protocol::{Message, PeerMetadata};
    use tokio_tungstenite::tungstenite::Message as WsMessage;

    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let sync_url = server.peer_url().await;
    let created = repo_peer(&["create", &sync_url, r#"{"reception_number":"31"}"#])
        .await
        .unwrap();
    let url = created["url"].as_str().unwrap().to_owned();

    let (mut old, _) = tokio_tungstenite::connect_async(&sync_url).await.unwrap();
    let join = Message::Join {
        sender_id: "counter-tab-1".into(),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: Some(vec!["1".into()]),
    };
    old.send(WsMessage::Binary(join.encode().into()))
        .await
        .unwrap();
    let answer = old.next().await.unwrap().unwrap();
    assert!(matches!(
        Message::decode(&answer.into_data()).unwrap(),
        Message::Peer { .. }
    ));

    // The same tab (same person, same peer id) comes back on a new socket and edits.
    let edited = repo_peer_as(
        Some("counter-tab-1"),
        &["edit", &sync_url, &url, "status", "確認待ち"],
    )
    .await
    .unwrap();
    assert_eq!(edited["doc"]["status"], "確認待ち");
    // The old socket was told it was replaced (not dropped later for missing pings).
    let mut closed_as = None;
    while let Ok(Some(Ok(frame))) =
        tokio::time::timeout(std::time::Duration::from_secs(5), old.next()).await
    {
        if let WsMessage::Close(Some(frame)) = frame {
            closed_as = Some(frame.reason.to_string());
            break;
        }
    }
    assert_eq!(
        closed_as.as_deref(),
        Some("replaced by a newer connection"),
        "{}",
        server.log()
    );
    assert!(!server.log().contains("peer id is already connected"));
}

/// A tab whose staff member signs out and another signs in keeps its peer id: the id was
/// bound to the first person's session only while it lived.
#[tokio::test]
async fn a_peer_id_passes_to_the_next_person_once_the_first_signs_out() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    for login in ["shimin01", "shimin02"] {
        madoguchi_tests::add_staff(data.path(), login, "市民 太郎", "shimin", "pw shimin")
            .await
            .unwrap();
    }
    let token = |cookie: &str| cookie.split_once('=').unwrap().1.to_owned();
    let first = server.sign_in("shimin01", "pw shimin").await.unwrap();
    let created = repo_peer_as(
        Some("counter-tab-2"),
        &[
            "create",
            &server.url_with_session(&token(&first)),
            r#"{"reception_number":"32"}"#,
        ],
    )
    .await
    .unwrap();
    let url = created["url"].as_str().unwrap().to_owned();
    let (status, _, _) = server
        .request("DELETE", "/api/session", None, Some(&first))
        .await
        .unwrap();
    assert_eq!(status, 204);

    let second = server.sign_in("shimin02", "pw shimin").await.unwrap();
    let edited = repo_peer_as(
        Some("counter-tab-2"),
        &[
            "edit",
            &server.url_with_session(&token(&second)),
            &url,
            "status",
            "確認待ち",
        ],
    )
    .await
    .unwrap();
    assert_eq!(edited["doc"]["status"], "確認待ち");
    assert!(!server.log().contains("peer id belongs to another session"));
}
