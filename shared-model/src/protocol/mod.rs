//! The automerge-repo v1 protocol: the [`Message`]s on the wire, the server's answer to
//! `join`, and the sans-IO [`SyncClient`].
//!
//! ```
//! use shared_model::protocol::{Message, PeerMetadata};
//!
//! let join = Message::Join {
//!     sender_id: "counter-1".into(),
//!     peer_metadata: PeerMetadata::default(),
//!     supported_protocol_versions: Some(vec!["1".into()]),
//! };
//! assert_eq!(Message::decode(&join.encode()).unwrap(), join);
//! assert!(Message::decode(&[0xff, 0x00]).is_err());
//! ```

mod client;
mod message;

pub use client::{ClientError, Incoming, SyncClient};
pub use message::{Message, PROTOCOL_V1, PeerId, PeerMetadata, WireError};

/// The server's answer to a `join`: `peer` when a common version exists, `error` otherwise.
///
/// The `Err` variant is the `error` message to send before closing the connection.
pub fn answer_join(
    join_sender: &str,
    supported_protocol_versions: Option<&[String]>,
    server_id: &str,
    server_metadata: &PeerMetadata,
) -> Result<Message, Message> {
    let speaks_v1 = supported_protocol_versions
        .map(|versions| versions.iter().any(|v| v == PROTOCOL_V1))
        .unwrap_or(true);
    if speaks_v1 {
        Ok(Message::Peer {
            sender_id: server_id.to_owned(),
            peer_metadata: server_metadata.clone(),
            selected_protocol_version: PROTOCOL_V1.to_owned(),
            target_id: join_sender.to_owned(),
        })
    } else {
        Err(Message::Error {
            sender_id: server_id.to_owned(),
            message: "unsupported protocol version".to_owned(),
            target_id: join_sender.to_owned(),
        })
    }
}
