//! The messages of the automerge-repo v1 protocol and their CBOR form.
//!
//! Every WebSocket binary frame holds one CBOR map with text keys, as the npm client's
//! `cbor-x` encoder writes it (`useRecords: false`, `tagUint8Array: false`): byte payloads
//! are plain CBOR byte strings. Keys are written in the order the JS client writes them.

use ciborium::Value;

use crate::document_id::DocumentId;

/// The protocol version this implementation speaks.
pub const PROTOCOL_V1: &str = "1";

/// The id a peer gives itself in `join` / `peer` (`senderId`).
pub type PeerId = String;

/// What a peer says about itself when it joins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerMetadata {
    /// The id of the peer's durable storage, if it has one.
    pub storage_id: Option<String>,
    /// Whether the peer keeps nothing between sessions.
    pub is_ephemeral: Option<bool>,
}

/// One message of the protocol.
#[derive(Debug, Clone, PartialEq)]
pub enum Message {
    /// Client → server: the first message on a connection.
    Join {
        /// The client's peer id.
        sender_id: PeerId,
        /// The client's metadata.
        peer_metadata: PeerMetadata,
        /// The versions the client speaks; absent means `["1"]`.
        supported_protocol_versions: Option<Vec<String>>,
    },
    /// Server → client: the answer to `join`.
    Peer {
        /// The server's peer id.
        sender_id: PeerId,
        /// The server's metadata.
        peer_metadata: PeerMetadata,
        /// The version chosen for this connection.
        selected_protocol_version: String,
        /// The client's peer id.
        target_id: PeerId,
    },
    /// Either side: something went wrong; the sender closes the connection next.
    Error {
        /// Who reports the error.
        sender_id: PeerId,
        /// What went wrong, for a person reading logs.
        message: String,
        /// Whom it is addressed to.
        target_id: PeerId,
    },
    /// An Automerge sync message for one document.
    Sync {
        /// Sender.
        sender_id: PeerId,
        /// Recipient.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// The encoded `automerge::sync::Message`.
        data: Vec<u8>,
    },
    /// Like `sync`, sent by a peer that does not have the document and asks for it.
    Request {
        /// Sender.
        sender_id: PeerId,
        /// Recipient.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// The encoded `automerge::sync::Message`.
        data: Vec<u8>,
    },
    /// The sender does not have the document (and none of its peers do).
    DocUnavailable {
        /// Sender.
        sender_id: PeerId,
        /// Recipient.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
    },
    /// Presence and other short-lived data about a document; never stored.
    Ephemeral {
        /// Sender.
        sender_id: PeerId,
        /// Recipient.
        target_id: PeerId,
        /// The document.
        document_id: DocumentId,
        /// The sending session, for de-duplication.
        session_id: String,
        /// Sequence number within the session.
        count: u64,
        /// CBOR payload chosen by the application.
        data: Vec<u8>,
    },
    /// A message type this implementation does not act on (`remote-heads-changed`,
    /// `remote-subscription-change`, or a newer one). It is kept so it can be logged and ignored.
    Other {
        /// The `type` field.
        message_type: String,
        /// Sender, if present.
        sender_id: Option<PeerId>,
    },
}

/// Why bytes are not a protocol message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    /// The bytes are not one well-formed CBOR item.
    #[error("frame is not valid CBOR: {0}")]
    Cbor(String),
    /// Well-formed CBOR was followed by more bytes.
    #[error("frame has {0} bytes after the CBOR item")]
    TrailingBytes(usize),
    /// The frame is empty.
    #[error("frame is empty")]
    Empty,
    /// The CBOR item is not a map.
    #[error("frame is not a CBOR map")]
    NotAMap,
    /// A key every message of this type has is absent.
    #[error("{message_type} message has no {field}")]
    MissingField {
        /// The message type.
        message_type: String,
        /// The missing key.
        field: &'static str,
    },
    /// A key holds a value of the wrong CBOR type.
    #[error("{message_type} message field {field} should be {expected}")]
    WrongType {
        /// The message type.
        message_type: String,
        /// The key.
        field: &'static str,
        /// What it should hold.
        expected: &'static str,
    },
    /// A `documentId` is not a valid document id.
    #[error("{message_type} message names an invalid document id {value:?}")]
    InvalidDocumentId {
        /// The message type.
        message_type: String,
        /// The text received (cut to 64 characters).
        value: String,
    },
}

impl Message {
    /// The `type` string of the message.
    pub fn message_type(&self) -> &str {
        match self {
            Message::Join { .. } => "join",
            Message::Peer { .. } => "peer",
            Message::Error { .. } => "error",
            Message::Sync { .. } => "sync",
            Message::Request { .. } => "request",
            Message::DocUnavailable { .. } => "doc-unavailable",
            Message::Ephemeral { .. } => "ephemeral",
            Message::Other { message_type, .. } => message_type,
        }
    }

    /// The peer that sent the message, if it says.
    pub fn sender_id(&self) -> Option<&str> {
        match self {
            Message::Join { sender_id, .. }
            | Message::Peer { sender_id, .. }
            | Message::Error { sender_id, .. }
            | Message::Sync { sender_id, .. }
            | Message::Request { sender_id, .. }
            | Message::DocUnavailable { sender_id, .. }
            | Message::Ephemeral { sender_id, .. } => Some(sender_id),
            Message::Other { sender_id, .. } => sender_id.as_deref(),
        }
    }

    /// The document the message is about, if any.
    pub fn document_id(&self) -> Option<DocumentId> {
        match self {
            Message::Sync { document_id, .. }
            | Message::Request { document_id, .. }
            | Message::DocUnavailable { document_id, .. }
            | Message::Ephemeral { document_id, .. } => Some(*document_id),
            _ => None,
        }
    }

    /// The CBOR bytes of this message, as one WebSocket binary frame.
    pub fn encode(&self) -> Vec<u8> {
        let text = |s: &str| Value::Text(s.to_owned());
        let mut map: Vec<(Value, Value)> = vec![(text("type"), text(self.message_type()))];
        let mut put = |k: &str, v: Value| map.push((text(k), v));
        match self {
            Message::Join {
                sender_id,
                peer_metadata,
                supported_protocol_versions,
            } => {
                put("senderId", text(sender_id));
                put("peerMetadata", peer_metadata.to_value());
                if let Some(versions) = supported_protocol_versions {
                    put(
                        "supportedProtocolVersions",
                        Value::Array(versions.iter().map(|v| text(v)).collect()),
                    );
                }
            }
            Message::Peer {
                sender_id,
                peer_metadata,
                selected_protocol_version,
                target_id,
            } => {
                put("senderId", text(sender_id));
                put("peerMetadata", peer_metadata.to_value());
                put("selectedProtocolVersion", text(selected_protocol_version));
                put("targetId", text(target_id));
            }
            Message::Error {
                sender_id,
                message,
                target_id,
            } => {
                put("senderId", text(sender_id));
                put("message", text(message));
                put("targetId", text(target_id));
            }
            Message::Sync {
                sender_id,
                target_id,
                document_id,
                data,
            }
            | Message::Request {
                sender_id,
                target_id,
                document_id,
                data,
            } => {
                put("targetId", text(target_id));
                put("data", Value::Bytes(data.clone()));
                put("documentId", text(&document_id.to_string()));
                put("senderId", text(sender_id));
            }
            Message::DocUnavailable {
                sender_id,
                target_id,
                document_id,
            } => {
                put("documentId", text(&document_id.to_string()));
                put("targetId", text(target_id));
                put("senderId", text(sender_id));
            }
            Message::Ephemeral {
                sender_id,
                target_id,
                document_id,
                session_id,
                count,
                data,
            } => {
                put("targetId", text(target_id));
                put("documentId", text(&document_id.to_string()));
                put("data", Value::Bytes(data.clone()));
                put("senderId", text(sender_id));
                put("sessionId", text(session_id));
                put("count", Value::Integer((*count).into()));
            }
            Message::Other { sender_id, .. } => {
                if let Some(sender_id) = sender_id {
                    put("senderId", text(sender_id));
                }
            }
        }
        let mut out = Vec::with_capacity(64);
        ciborium::into_writer(&Value::Map(map), &mut out).expect("writing to a Vec cannot fail");
        out
    }

    /// Reads one message from one frame.
    pub fn decode(frame: &[u8]) -> Result<Self, WireError> {
        if frame.is_empty() {
            return Err(WireError::Empty);
        }
        let mut rest = frame;
        let value: Value =
            ciborium::from_reader(&mut rest).map_err(|e| WireError::Cbor(e.to_string()))?;
        if !rest.is_empty() {
            return Err(WireError::TrailingBytes(rest.len()));
        }
        let Value::Map(entries) = value else {
            return Err(WireError::NotAMap);
        };
        let fields = Fields::new(entries)?;
        fields.message()
    }
}

impl PeerMetadata {
    fn to_value(&self) -> Value {
        let mut map = Vec::new();
        if let Some(storage_id) = &self.storage_id {
            map.push((
                Value::Text("storageId".into()),
                Value::Text(storage_id.clone()),
            ));
        }
        if let Some(is_ephemeral) = self.is_ephemeral {
            map.push((Value::Text("isEphemeral".into()), Value::Bool(is_ephemeral)));
        }
        Value::Map(map)
    }

    fn from_value(value: &Value) -> Self {
        let mut meta = PeerMetadata::default();
        if let Value::Map(entries) = value {
            for (k, v) in entries {
                match (k.as_text(), v) {
                    (Some("storageId"), Value::Text(s)) => meta.storage_id = Some(s.clone()),
                    (Some("isEphemeral"), Value::Bool(b)) => meta.is_ephemeral = Some(*b),
                    _ => {}
                }
            }
        }
        meta
    }
}

/// The text-keyed entries of one frame, with typed accessors that name what is wrong.
struct Fields {
    message_type: String,
    entries: Vec<(String, Value)>,
}

impl Fields {
    fn new(entries: Vec<(Value, Value)>) -> Result<Self, WireError> {
        let entries: Vec<(String, Value)> = entries
            .into_iter()
            .filter_map(|(k, v)| match k {
                Value::Text(k) => Some((k, v)),
                _ => None,
            })
            .collect();
        let message_type = match entries.iter().find(|(k, _)| k == "type") {
            Some((_, Value::Text(t))) => t.clone(),
            Some(_) => {
                return Err(WireError::WrongType {
                    message_type: "(unknown)".into(),
                    field: "type",
                    expected: "text",
                });
            }
            None => {
                return Err(WireError::MissingField {
                    message_type: "(unknown)".into(),
                    field: "type",
                });
            }
        };
        Ok(Self {
            message_type,
            entries,
        })
    }

    fn get(&self, field: &'static str) -> Option<&Value> {
        self.entries
            .iter()
            .find(|(k, _)| k == field)
            .map(|(_, v)| v)
    }

    fn missing(&self, field: &'static str) -> WireError {
        WireError::MissingField {
            message_type: self.message_type.clone(),
            field,
        }
    }

    fn wrong(&self, field: &'static str, expected: &'static str) -> WireError {
        WireError::WrongType {
            message_type: self.message_type.clone(),
            field,
            expected,
        }
    }

    fn text(&self, field: &'static str) -> Result<String, WireError> {
        match self.get(field) {
            Some(Value::Text(t)) => Ok(t.clone()),
            Some(_) => Err(self.wrong(field, "text")),
            None => Err(self.missing(field)),
        }
    }

    fn bytes(&self, field: &'static str) -> Result<Vec<u8>, WireError> {
        match self.get(field) {
            Some(Value::Bytes(b)) => Ok(b.clone()),
            // A typed-array tag (64) around the bytes, in case an encoder adds one.
            Some(Value::Tag(64, inner)) => match inner.as_ref() {
                Value::Bytes(b) => Ok(b.clone()),
                _ => Err(self.wrong(field, "bytes")),
            },
            Some(_) => Err(self.wrong(field, "bytes")),
            None => Err(self.missing(field)),
        }
    }

    fn unsigned(&self, field: &'static str) -> Result<u64, WireError> {
        match self.get(field) {
            Some(Value::Integer(i)) => u64::try_from(*i).map_err(|_| self.wrong(field, "unsigned")),
            Some(Value::Float(f)) if *f >= 0.0 && f.fract() == 0.0 && *f < 9.007e15 => {
                Ok(*f as u64)
            }
            Some(_) => Err(self.wrong(field, "unsigned")),
            None => Err(self.missing(field)),
        }
    }

    fn document_id(&self) -> Result<DocumentId, WireError> {
        let text = self.text("documentId")?;
        text.parse().map_err(|_| WireError::InvalidDocumentId {
            message_type: self.message_type.clone(),
            value: text.chars().take(64).collect(),
        })
    }

    fn message(&self) -> Result<Message, WireError> {
        Ok(match self.message_type.as_str() {
            "join" => Message::Join {
                sender_id: self.text("senderId")?,
                peer_metadata: self
                    .get("peerMetadata")
                    .map(PeerMetadata::from_value)
                    .unwrap_or_default(),
                supported_protocol_versions: match self.get("supportedProtocolVersions") {
                    None | Some(Value::Null) => None,
                    Some(Value::Array(items)) => Some(
                        items
                            .iter()
                            .map(|v| match v {
                                Value::Text(t) => Ok(t.clone()),
                                _ => Err(self.wrong("supportedProtocolVersions", "text array")),
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    Some(_) => return Err(self.wrong("supportedProtocolVersions", "text array")),
                },
            },
            "peer" => Message::Peer {
                sender_id: self.text("senderId")?,
                peer_metadata: self
                    .get("peerMetadata")
                    .map(PeerMetadata::from_value)
                    .unwrap_or_default(),
                selected_protocol_version: self.text("selectedProtocolVersion")?,
                target_id: self.text("targetId")?,
            },
            "error" => Message::Error {
                sender_id: self.text("senderId")?,
                message: self.text("message")?,
                target_id: self.text("targetId")?,
            },
            "sync" => Message::Sync {
                sender_id: self.text("senderId")?,
                target_id: self.text("targetId")?,
                document_id: self.document_id()?,
                data: self.bytes("data")?,
            },
            "request" => Message::Request {
                sender_id: self.text("senderId")?,
                target_id: self.text("targetId")?,
                document_id: self.document_id()?,
                data: self.bytes("data")?,
            },
            "doc-unavailable" => Message::DocUnavailable {
                sender_id: self.text("senderId")?,
                target_id: self.text("targetId")?,
                document_id: self.document_id()?,
            },
            "ephemeral" => Message::Ephemeral {
                sender_id: self.text("senderId")?,
                target_id: self.text("targetId")?,
                document_id: self.document_id()?,
                session_id: self.text("sessionId")?,
                count: self.unsigned("count")?,
                data: self.bytes("data")?,
            },
            other => Message::Other {
                message_type: other.to_owned(),
                sender_id: self.text("senderId").ok(),
            },
        })
    }
}
