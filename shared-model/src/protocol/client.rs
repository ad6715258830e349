//! [`SyncClient`]: the client side of one automerge-repo connection, without IO.
//!
//! The shell (the browser app, or a native test peer) owns the socket and the documents; it
//! hands every received frame to [`SyncClient::receive`] and sends whatever messages come back.
//! Sync state per document can be persisted with [`SyncClient::sync_state_bytes`] and restored
//! with [`SyncClient::restore_sync_state`], so a reconnect resumes instead of starting over.

use std::collections::HashMap;

use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};

use super::message::{Message, PROTOCOL_V1, PeerId, PeerMetadata, WireError};
use crate::document_id::DocumentId;

/// What went wrong on the client side of a connection.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// A frame from the server could not be read.
    #[error("server sent an unreadable frame: {0}")]
    Wire(#[from] WireError),
    /// The sync payload inside a message could not be read.
    #[error("server sent an unreadable sync message for {document_id}: {reason}")]
    SyncPayload {
        /// The document.
        document_id: DocumentId,
        /// Why.
        reason: String,
    },
    /// Applying the server's changes failed.
    #[error("applying the server's changes to {document_id} failed: {source}")]
    Apply {
        /// The document.
        document_id: DocumentId,
        /// The Automerge error.
        source: Box<automerge::AutomergeError>,
    },
    /// A message arrived before the server answered `join`.
    #[error("server sent {0} before answering join")]
    NotJoined(String),
    /// Persisted sync state could not be read.
    #[error("persisted sync state for {0} is unreadable")]
    SyncState(DocumentId),
}

/// What a received frame means for the shell.
#[derive(Debug, Clone, PartialEq)]
pub enum Incoming {
    /// The server answered `join`: the connection is ready for sync.
    Joined {
        /// The server's peer id.
        server_id: PeerId,
    },
    /// Sync data for a document: pass it to [`SyncClient::apply`] with that document.
    Sync {
        /// The document.
        document_id: DocumentId,
        /// The sync message bytes.
        data: Vec<u8>,
    },
    /// The server does not have the document.
    Unavailable {
        /// The document.
        document_id: DocumentId,
    },
    /// The server refused something and will close the connection.
    Refused {
        /// The server's reason.
        reason: String,
    },
    /// A message the client does not act on (ephemeral, remote heads, …).
    Ignored {
        /// Its type.
        message_type: String,
    },
}

/// Client-side protocol state for one connection to the sync server.
#[derive(Debug)]
pub struct SyncClient {
    peer_id: PeerId,
    metadata: PeerMetadata,
    server_id: Option<PeerId>,
    states: HashMap<DocumentId, sync::State>,
}

impl SyncClient {
    /// A client that will introduce itself as `peer_id`.
    pub fn new(peer_id: impl Into<PeerId>, metadata: PeerMetadata) -> Self {
        Self {
            peer_id: peer_id.into(),
            metadata,
            server_id: None,
            states: HashMap::new(),
        }
    }

    /// This client's peer id.
    pub fn peer_id(&self) -> &str {
        &self.peer_id
    }

    /// The server's peer id once it has answered `join`.
    pub fn server_id(&self) -> Option<&str> {
        self.server_id.as_deref()
    }

    /// The first frame to send on a new connection.
    pub fn join(&self) -> Message {
        Message::Join {
            sender_id: self.peer_id.clone(),
            peer_metadata: self.metadata.clone(),
            supported_protocol_versions: Some(vec![PROTOCOL_V1.to_owned()]),
        }
    }

    /// Reads one frame from the server.
    pub fn receive(&mut self, frame: &[u8]) -> Result<Incoming, ClientError> {
        let message = Message::decode(frame)?;
        match message {
            Message::Peer { sender_id, .. } => {
                self.server_id = Some(sender_id.clone());
                Ok(Incoming::Joined {
                    server_id: sender_id,
                })
            }
            Message::Error { message, .. } => Ok(Incoming::Refused { reason: message }),
            Message::Sync {
                document_id, data, ..
            }
            | Message::Request {
                document_id, data, ..
            } => {
                if self.server_id.is_none() {
                    return Err(ClientError::NotJoined("sync".into()));
                }
                Ok(Incoming::Sync { document_id, data })
            }
            Message::DocUnavailable { document_id, .. } => {
                Ok(Incoming::Unavailable { document_id })
            }
            other => Ok(Incoming::Ignored {
                message_type: other.message_type().to_owned(),
            }),
        }
    }

    /// Applies the server's sync data to `doc` and returns the answer to send, if any.
    pub fn apply(
        &mut self,
        document_id: DocumentId,
        doc: &mut AutoCommit,
        data: &[u8],
    ) -> Result<Option<Message>, ClientError> {
        let message = sync::Message::decode(data).map_err(|e| ClientError::SyncPayload {
            document_id,
            reason: e.to_string(),
        })?;
        let state = self.states.entry(document_id).or_default();
        doc.sync()
            .receive_sync_message(state, message)
            .map_err(|source| ClientError::Apply {
                document_id,
                source: Box::new(source),
            })?;
        Ok(self.sync(document_id, doc))
    }

    /// The next message that brings the server up to date with `doc`, if one is due.
    ///
    /// For a document this client has no changes of (one it opens by id), this is a `request`.
    pub fn sync(&mut self, document_id: DocumentId, doc: &mut AutoCommit) -> Option<Message> {
        let server_id = self.server_id.clone()?;
        let state = self.states.entry(document_id).or_default();
        let message = doc.sync().generate_sync_message(state)?;
        let data = message.encode();
        let wants_document = doc.get_heads().is_empty() && state.shared_heads.is_empty();
        Some(if wants_document {
            Message::Request {
                sender_id: self.peer_id.clone(),
                target_id: server_id,
                document_id,
                data,
            }
        } else {
            Message::Sync {
                sender_id: self.peer_id.clone(),
                target_id: server_id,
                document_id,
                data,
            }
        })
    }

    /// How many changes of `doc` the server is not yet known to have.
    pub fn pending_changes(&self, document_id: DocumentId, doc: &mut AutoCommit) -> usize {
        let shared = self
            .states
            .get(&document_id)
            .map(|s| s.shared_heads.clone())
            .unwrap_or_default();
        doc.get_changes(&shared).len()
    }

    /// The durable part of the sync state for a document (the heads both sides share).
    pub fn sync_state_bytes(&self, document_id: DocumentId) -> Option<Vec<u8>> {
        self.states.get(&document_id).map(sync::State::encode)
    }

    /// Restores sync state persisted by [`Self::sync_state_bytes`].
    pub fn restore_sync_state(
        &mut self,
        document_id: DocumentId,
        bytes: &[u8],
    ) -> Result<(), ClientError> {
        let state = sync::State::decode(bytes).map_err(|_| ClientError::SyncState(document_id))?;
        self.states.insert(document_id, state);
        Ok(())
    }

    /// Forgets in-flight bookkeeping after the connection dropped, keeping the shared heads,
    /// as the sync protocol requires before messages are exchanged on a new connection.
    ///
    /// The next connection introduces itself as `next_peer_id`: a fresh id per connection
    /// means a server still holding the dead socket does not refuse the new one.
    pub fn reconnect_as(&mut self, next_peer_id: impl Into<PeerId>) {
        self.peer_id = next_peer_id.into();
        self.disconnected();
    }

    /// Forgets in-flight bookkeeping after the connection dropped (see [`Self::reconnect_as`]).
    pub fn disconnected(&mut self) {
        self.server_id = None;
        for state in self.states.values_mut() {
            *state = sync::State::decode(&state.encode()).unwrap_or_default();
        }
    }
}
