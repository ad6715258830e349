//! Bad input on `/sync`: each case gets the protocol's `error` message and/or a close, is
//! logged without document contents, and leaves a bystander connection working.

use std::time::Duration;

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT};
use futures_util::{SinkExt, StreamExt};
use madoguchi_tests::{NativePeer, ServerProcess};
use shared_model::DocumentId;
use shared_model::protocol::{Message, PeerMetadata};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// What a raw client saw until the server closed the connection.
#[derive(Debug, Default)]
struct Outcome {
    errors: Vec<String>,
    others: Vec<String>,
    closed: bool,
}

async fn raw_session(url: &str, frames: Vec<WsMessage>) -> Outcome {
    let (mut socket, _) = tokio_tungstenite::connect_async(url).await.unwrap();
    for frame in frames {
        if socket.send(frame).await.is_err() {
            break;
        }
    }
    let mut outcome = Outcome::default();
    loop {
        match tokio::time::timeout(Duration::from_secs(5), socket.next()).await {
            Err(_) => break,
            Ok(None) | Ok(Some(Err(_))) | Ok(Some(Ok(WsMessage::Close(_)))) => {
                outcome.closed = true;
                break;
            }
            Ok(Some(Ok(WsMessage::Binary(bytes)))) => match Message::decode(&bytes) {
                Ok(Message::Error { message, .. }) => outcome.errors.push(message),
                Ok(other) => outcome.others.push(other.message_type().to_owned()),
                Err(e) => panic!("server sent an unreadable frame: {e}"),
            },
            Ok(Some(Ok(_))) => {}
        }
    }
    outcome
}

fn join(peer: &str) -> WsMessage {
    WsMessage::Binary(
        Message::Join {
            sender_id: peer.into(),
            peer_metadata: PeerMetadata::default(),
            supported_protocol_versions: Some(vec!["1".into()]),
        }
        .encode()
        .into(),
    )
}

/// A connected peer that must keep working while others misbehave.
async fn bystander(server: &ServerProcess) -> (NativePeer, DocumentId, AutoCommit) {
    let mut peer = NativePeer::connect(&server.peer_url().await, "bystander")
        .await
        .unwrap();
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "n", 1_i64).unwrap();
    peer.sync(id, &mut doc).await.unwrap();
    (peer, id, doc)
}

async fn bystander_still_syncs(peer: &mut NativePeer, id: DocumentId, doc: &mut AutoCommit) {
    doc.put(ROOT, "n", 2_i64).unwrap();
    peer.sync(id, doc)
        .await
        .expect("the bystander is undisturbed");
}

async fn server() -> (tempfile::TempDir, ServerProcess) {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start_with(0, data.path(), None, &["--max-frame-bytes", "65536"])
        .await
        .unwrap();
    (data, server)
}

#[tokio::test]
async fn garbage_cbor_gets_an_error_and_a_close() {
    let (_data, server) = server().await;
    let (mut peer, id, mut doc) = bystander(&server).await;
    let outcome = raw_session(
        &server.peer_url().await,
        vec![
            join("garbage"),
            WsMessage::Binary(vec![0xff, 0x13, 0x37].into()),
        ],
    )
    .await;
    assert!(outcome.closed);
    assert_eq!(outcome.errors.len(), 1, "{outcome:?}");
    assert!(outcome.errors[0].contains("not valid CBOR"), "{outcome:?}");
    bystander_still_syncs(&mut peer, id, &mut doc).await;
    let log = server.wait_for_log("refused; closing connection").await;
    assert!(log.contains("refused; closing connection"), "{log}");
}

#[tokio::test]
async fn an_unknown_protocol_version_is_refused() {
    let (_data, server) = server().await;
    let (mut peer, id, mut doc) = bystander(&server).await;
    let future_join = Message::Join {
        sender_id: "from-the-future".into(),
        peer_metadata: PeerMetadata::default(),
        supported_protocol_versions: Some(vec!["2".into()]),
    };
    let outcome = raw_session(
        &server.peer_url().await,
        vec![WsMessage::Binary(future_join.encode().into())],
    )
    .await;
    assert!(outcome.closed);
    assert_eq!(
        outcome.errors,
        vec!["unsupported protocol version".to_string()]
    );
    assert!(outcome.others.is_empty(), "no peer message: {outcome:?}");
    bystander_still_syncs(&mut peer, id, &mut doc).await;
}

#[tokio::test]
async fn a_frame_over_the_limit_closes_the_connection() {
    let (_data, server) = server().await;
    let (mut peer, id, mut doc) = bystander(&server).await;
    let huge = Message::Sync {
        sender_id: "big".into(),
        target_id: "server".into(),
        document_id: DocumentId::random(),
        data: vec![0x42; 100_000],
    };
    let outcome = raw_session(
        &server.peer_url().await,
        vec![join("big"), WsMessage::Binary(huge.encode().into())],
    )
    .await;
    assert!(outcome.closed, "{outcome:?}");
    bystander_still_syncs(&mut peer, id, &mut doc).await;
    let log = server.wait_for_log("connection failed").await;
    assert!(log.contains("connection failed"), "{log}");
}

#[tokio::test]
async fn someone_elses_peer_id_is_refused_and_its_connection_keeps_working() {
    let (data, server) = server().await;
    let (mut peer, id, mut doc) = bystander(&server).await;
    madoguchi_tests::add_staff(
        data.path(),
        "hoken01",
        "保険 次郎",
        "hoken_nenkin",
        "pw hoken01",
    )
    .await
    .unwrap();
    let cookie = server.sign_in("hoken01", "pw hoken01").await.unwrap();
    let token = cookie.split_once('=').unwrap().1;
    let outcome = raw_session(&server.url_with_session(token), vec![join("bystander")]).await;
    assert!(outcome.closed);
    assert_eq!(
        outcome.errors,
        vec!["peer id is already connected".to_string()]
    );
    bystander_still_syncs(&mut peer, id, &mut doc).await;
}

#[tokio::test]
async fn an_invalid_document_id_is_refused_without_logging_contents() {
    let (_data, server) = server().await;
    let (mut peer, id, mut doc) = bystander(&server).await;
    // A sync frame whose documentId is not bs58check; its payload carries a name.
    let valid = Message::Sync {
        sender_id: "bad-id".into(),
        target_id: "server".into(),
        document_id: DocumentId::random(),
        data: "高崎 花子".as_bytes().to_vec(),
    };
    let mut frame = valid.encode();
    let text = valid.document_id().unwrap().to_string();
    let at = frame
        .windows(text.len())
        .position(|w| w == text.as_bytes())
        .unwrap();
    frame[at] = if frame[at] == b'Z' { b'Y' } else { b'Z' };
    let outcome = raw_session(
        &server.peer_url().await,
        vec![join("bad-id"), WsMessage::Binary(frame.into())],
    )
    .await;
    assert!(outcome.closed);
    assert_eq!(outcome.errors.len(), 1, "{outcome:?}");
    assert!(
        outcome.errors[0].contains("invalid document id"),
        "{outcome:?}"
    );
    bystander_still_syncs(&mut peer, id, &mut doc).await;
    let log = server.wait_for_log("invalid document id").await;
    assert!(log.contains("invalid document id"), "{log}");
    assert!(
        !log.contains("高崎"),
        "document contents leaked into the log: {log}"
    );
}

#[tokio::test]
async fn text_frames_and_a_missing_join_are_refused() {
    let (_data, server) = server().await;
    let outcome = raw_session(
        &server.peer_url().await,
        vec![WsMessage::Text("hello".into())],
    )
    .await;
    assert!(outcome.closed);
    assert_eq!(outcome.errors.len(), 1, "{outcome:?}");
    let sync_first = Message::Sync {
        sender_id: "x".into(),
        target_id: "server".into(),
        document_id: DocumentId::random(),
        data: vec![0x42],
    };
    let outcome = raw_session(
        &server.peer_url().await,
        vec![WsMessage::Binary(sync_first.encode().into())],
    )
    .await;
    assert!(outcome.closed);
    assert!(outcome.errors[0].contains("not join"), "{outcome:?}");
}

/// A client that asks for a document and then stops reading is not waited for: what the
/// server queues for it is bounded (the hub's outbox, then one frame the socket does not
/// take), it is dropped, and the writer beside it is undisturbed throughout.
#[tokio::test]
async fn a_client_that_stops_reading_is_dropped_and_the_writer_is_undisturbed() {
    use shared_model::protocol::{Incoming, SyncClient};
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let url = server.peer_url().await;
    let (mut writer, id, mut doc) = bystander(&server).await;

    let (mut stalled, _) = tokio_tungstenite::connect_async(&url).await.unwrap();
    let mut client = SyncClient::new("stalled", PeerMetadata::default());
    stalled.send(join("stalled")).await.unwrap();
    loop {
        let frame = stalled.next().await.unwrap().unwrap();
        if let WsMessage::Binary(bytes) = frame
            && let Ok(Incoming::Joined { .. }) = client.receive(&bytes)
        {
            break;
        }
    }
    let request = client.sync(id, &mut AutoCommit::new()).unwrap();
    stalled
        .send(WsMessage::Binary(request.encode().into()))
        .await
        .unwrap();
    // From here on it reads nothing, while the writer adds 40 changes of 512 KB that do not
    // compress (20 MB: more than the socket buffers and the 8 MiB outbox hold).
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    for i in 0..40 {
        let blob: Vec<u8> = (0..512 * 1024)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect();
        doc.put(ROOT, format!("blob{i}"), blob).unwrap();
        // A large change (and the compaction after some) can take the debug server longer
        // than the native peer's 300 ms of quiet: its message is then still in flight, and
        // the peer waits again for the answer.
        let mut tries = 0;
        while let Err(e) = writer.sync(id, &mut doc).await {
            tries += 1;
            // (the harness copies the server's log while the test waits)
            tokio::time::sleep(Duration::from_millis(500)).await;
            assert!(
                tries < 40 && e.to_string().contains("nothing left to send"),
                "the writer is undisturbed: {e}\n{}",
                server
                    .log()
                    .lines()
                    .filter(|l| !l.contains("DEBUG"))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
    // Dropped: its outbox overflowed, or its socket took no frame for 20 s.
    let left = |log: &str| {
        log.lines()
            .any(|l| l.contains("peer left") && l.contains(r#""peer":"stalled""#))
    };
    for _ in 0..60 {
        if left(&server.log()) {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let log = server.log();
    assert!(left(&log), "the stalled client is still served:\n{log}");
    assert!(
        log.contains("outbox full") || log.contains("peer stopped reading"),
        "{log}"
    );
    bystander_still_syncs(&mut writer, id, &mut doc).await;
    let (status, _, _) = server.get("/healthz").await.unwrap();
    assert_eq!(status, 200);
    drop(stalled);
}
