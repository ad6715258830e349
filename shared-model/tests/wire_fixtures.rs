//! The codec against frames captured from the npm `@automerge/automerge-repo` 2.5.6 client and
//! server (`tests/js/capture-wire-fixtures.mjs`).

use shared_model::DocumentId;
use shared_model::protocol::{Message, WireError};

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/tests/fixtures/wire/{name}.cbor",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn decode(name: &str) -> Message {
    let message = Message::decode(&fixture(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    // What we encode, we read back the same.
    assert_eq!(
        Message::decode(&message.encode()).unwrap(),
        message,
        "{name}"
    );
    message
}

#[test]
fn join_from_the_npm_client() {
    let Message::Join {
        sender_id,
        peer_metadata,
        supported_protocol_versions,
    } = decode("client-join")
    else {
        panic!("not a join");
    };
    assert_eq!(sender_id, "client-fixture");
    assert_eq!(supported_protocol_versions, Some(vec!["1".to_string()]));
    assert_eq!(peer_metadata.is_ephemeral, Some(true));
}

#[test]
fn peer_from_the_npm_server() {
    let Message::Peer {
        sender_id,
        selected_protocol_version,
        target_id,
        ..
    } = decode("server-peer")
    else {
        panic!("not a peer");
    };
    assert_eq!(sender_id, "storage-server-fixture");
    assert_eq!(selected_protocol_version, "1");
    assert_eq!(target_id, "client-fixture");
}

#[test]
fn sync_in_both_directions_carries_an_automerge_sync_message() {
    for name in ["client-sync", "server-sync"] {
        let Message::Sync { data, .. } = decode(name) else {
            panic!("{name} not a sync");
        };
        automerge::sync::Message::decode(&data).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
}

#[test]
fn request_and_doc_unavailable_name_the_document() {
    let wanted: DocumentId = "2j9knpCseyhnK8izDmLpGP5WMdZQ".parse().unwrap();
    let request = decode("client-request");
    assert!(matches!(request, Message::Request { .. }));
    assert_eq!(request.document_id(), Some(wanted));
    let unavailable = decode("server-doc-unavailable");
    assert!(matches!(unavailable, Message::DocUnavailable { .. }));
    assert_eq!(unavailable.document_id(), Some(wanted));
}

#[test]
fn ephemeral_and_error() {
    let Message::Ephemeral {
        session_id, count, ..
    } = decode("client-ephemeral")
    else {
        panic!("not ephemeral");
    };
    assert!(!session_id.is_empty());
    assert!(count >= 1);
    let Message::Error { message, .. } = decode("server-error") else {
        panic!("not an error");
    };
    assert_eq!(message, "unsupported protocol version");
}

#[test]
fn truncated_frames_are_errors_not_panics() {
    for name in [
        "client-join",
        "client-sync",
        "server-peer",
        "client-ephemeral",
    ] {
        let bytes = fixture(name);
        for cut in 0..bytes.len() {
            assert!(
                Message::decode(&bytes[..cut]).is_err(),
                "{name} cut at {cut}"
            );
        }
    }
}

#[test]
fn garbage_is_named() {
    assert_eq!(Message::decode(&[]), Err(WireError::Empty));
    assert!(matches!(
        Message::decode(&[0xff, 0xff, 0x00]),
        Err(WireError::Cbor(_))
    ));
    // A CBOR text string, not a map.
    assert_eq!(Message::decode(&[0x61, 0x61]), Err(WireError::NotAMap));
    // A valid map followed by junk.
    let mut bytes = fixture("client-join");
    bytes.push(0);
    assert_eq!(Message::decode(&bytes), Err(WireError::TrailingBytes(1)));
    // A sync message whose documentId is not bs58check.
    let mut sync = fixture("client-sync");
    let id = Message::decode(&sync)
        .unwrap()
        .document_id()
        .unwrap()
        .to_string();
    let at = sync
        .windows(id.len())
        .position(|w| w == id.as_bytes())
        .unwrap();
    sync[at] = if sync[at] == b'Z' { b'Y' } else { b'Z' };
    assert!(matches!(
        Message::decode(&sync),
        Err(WireError::InvalidDocumentId { .. })
    ));
}

#[test]
fn arbitrary_bytes_never_panic() {
    // A small xorshift generator keeps this deterministic without a dependency.
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let seeds: Vec<Vec<u8>> = ["client-join", "client-sync", "server-peer"]
        .iter()
        .map(|n| fixture(n))
        .collect();
    for round in 0..20_000 {
        let mut bytes = seeds[round % seeds.len()].clone();
        let flips = 1 + (next() % 4) as usize;
        for _ in 0..flips {
            let at = (next() as usize) % bytes.len();
            bytes[at] = next() as u8;
        }
        let _ = Message::decode(&bytes);
    }
}

#[test]
fn huge_declared_lengths_do_not_allocate() {
    // Byte string, text string, array and map each claiming u64::MAX items.
    for major in [0x5b_u8, 0x7b, 0x9b, 0xbb] {
        let mut frame = vec![0xa1, 0x64, b'd', b'a', b't', b'a', major];
        frame.extend_from_slice(&[0xff; 8]);
        assert!(Message::decode(&frame).is_err());
    }
}
