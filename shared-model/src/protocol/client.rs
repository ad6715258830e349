//! [`SyncClient`]: the client side of one automerge-repo connection, without IO.
//!
//! The shell (the browser app, or a native test peer) owns the socket and the documents; it
//! hands every received frame to [`SyncClient::receive`] and sends whatever messages come back.
//! Sync state per document can be persisted with [`SyncClient::sync_state_bytes`] under the
//! server's storage id ([`SyncClient::storage_id`]) and handed back with
//! [`SyncClient::remember_saved_state`]: it is used only when the server that joins has that
//! storage id, so a reconnect resumes instead of starting over, and a rebuilt server (a new
//! storage id) is a new peer that gets everything again.
//!
//! Whether the server holds a document *now* is told only by what it said on the current
//! connection ([`SyncClient::server_holds`]); a saved state never proves it (the server's data
//! may have been restored from an older backup since).

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
        /// The server's storage id (automerge-repo's `peerMetadata.storageId`), if it gave one.
        storage_id: Option<String>,
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
    /// The storage id of the server last joined (kept across reconnects).
    storage_id: Option<String>,
    states: HashMap<DocumentId, sync::State>,
    /// Persisted sync states by document (decoded once, when handed in) with the storage id
    /// of the server they were made with; restored when a server with that storage id joins.
    saved: HashMap<DocumentId, (String, sync::State)>,
}

impl SyncClient {
    /// A client that will introduce itself as `peer_id`.
    pub fn new(peer_id: impl Into<PeerId>, metadata: PeerMetadata) -> Self {
        Self {
            peer_id: peer_id.into(),
            metadata,
            server_id: None,
            storage_id: None,
            states: HashMap::new(),
            saved: HashMap::new(),
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

    /// The storage id of the server last joined, under which [`Self::sync_state_bytes`] are
    /// to be persisted (`None` before the first join, or if the server gave none).
    pub fn storage_id(&self) -> Option<&str> {
        self.storage_id.as_deref()
    }

    /// Hands the client a sync state persisted with the server whose storage id is
    /// `storage_id`. It is used when that server joins (at once, if it is the one joined now
    /// and the document has no state on this connection yet); with any other server the
    /// document starts over.
    ///
    /// # Errors
    /// [`ClientError::SyncState`] when the bytes are not a sync state (nothing is kept).
    pub fn remember_saved_state(
        &mut self,
        document_id: DocumentId,
        storage_id: &str,
        bytes: &[u8],
    ) -> Result<(), ClientError> {
        let state = sync::State::decode(bytes).map_err(|_| ClientError::SyncState(document_id))?;
        if self.server_id.is_some() && self.storage_id.as_deref() == Some(storage_id) {
            self.states
                .entry(document_id)
                .or_insert_with(|| state.clone());
        }
        self.saved
            .insert(document_id, (storage_id.to_owned(), state));
        Ok(())
    }

    /// Whether the server, on this connection, has said it holds every change of `doc`: its
    /// heads in the last sync message it sent include all of `doc`'s. False before the
    /// server has sent anything on this connection, whatever a saved state says.
    pub fn server_holds(&self, document_id: DocumentId, doc: &mut AutoCommit) -> bool {
        let Some(theirs) = self
            .states
            .get(&document_id)
            .and_then(|s| s.their_heads.clone())
        else {
            return false;
        };
        theirs.iter().all(|h| doc.get_change_by_hash(h).is_some())
            && doc.get_changes(&theirs).is_empty()
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
            Message::Peer {
                sender_id,
                peer_metadata,
                ..
            } => {
                let storage_id = peer_metadata.storage_id;
                if self.storage_id.is_some() && self.storage_id != storage_id {
                    // Another server (rebuilt, or a new one): what was shared with the old
                    // one says nothing about this one.
                    self.states.clear();
                }
                for (document_id, (saved_for, state)) in &self.saved {
                    if Some(saved_for) == storage_id.as_ref() {
                        self.states
                            .entry(*document_id)
                            .or_insert_with(|| state.clone());
                    }
                }
                self.storage_id = storage_id.clone();
                self.server_id = Some(sender_id.clone());
                Ok(Incoming::Joined {
                    server_id: sender_id,
                    storage_id,
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

    /// Forgets what was asked of the server about a document it did not have, so that the
    /// next [`Self::sync`] asks again (a `request`); automerge sends nothing new while its
    /// first request is still in flight, and `doc-unavailable` is not a sync answer.
    pub fn ask_again(&mut self, document_id: DocumentId) {
        self.states.remove(&document_id);
    }

    /// How many changes of `doc` the server is not yet known to have: by the state of this
    /// connection, or before any (offline since the page loaded) by the saved state, which
    /// is the best count there is then (it does not prove what the server holds now; see
    /// [`Self::server_holds`]).
    pub fn pending_changes(&self, document_id: DocumentId, doc: &mut AutoCommit) -> usize {
        let shared = match self.states.get(&document_id) {
            Some(state) => state.shared_heads.clone(),
            None => self
                .saved
                .get(&document_id)
                .filter(|(saved_for, _)| {
                    self.server_id.is_none() || self.storage_id.as_ref() == Some(saved_for)
                })
                .map(|(_, state)| state.shared_heads.clone())
                .unwrap_or_default(),
        };
        doc.get_changes(&shared).len()
    }

    /// The durable part of the sync state for a document (the heads both sides share), to
    /// persist under [`Self::storage_id`] and hand back with [`Self::remember_saved_state`].
    pub fn sync_state_bytes(&self, document_id: DocumentId) -> Option<Vec<u8>> {
        self.states.get(&document_id).map(sync::State::encode)
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

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::ROOT;
    use automerge::transaction::Transactable;

    fn peer(storage_id: &str) -> Vec<u8> {
        Message::Peer {
            sender_id: "server".into(),
            target_id: "client".into(),
            peer_metadata: PeerMetadata {
                storage_id: Some(storage_id.into()),
                is_ephemeral: Some(false),
            },
            selected_protocol_version: PROTOCOL_V1.into(),
        }
        .encode()
    }

    /// A client and a server document synced until quiet; the server answers like automerge.
    fn sync_with(
        client: &mut SyncClient,
        id: DocumentId,
        doc: &mut AutoCommit,
        server: &mut AutoCommit,
        server_state: &mut sync::State,
    ) {
        let mut outgoing = client.sync(id, doc);
        for _ in 0..10 {
            let Some(Message::Sync { data, .. } | Message::Request { data, .. }) = outgoing.take()
            else {
                return;
            };
            server
                .sync()
                .receive_sync_message(server_state, sync::Message::decode(&data).unwrap())
                .unwrap();
            let Some(answer) = server.sync().generate_sync_message(server_state) else {
                return;
            };
            outgoing = client.apply(id, doc, &answer.encode()).unwrap();
        }
    }

    /// A document with one change, synced by a client joined to the server `store-1`.
    fn synced_once(name: &str) -> (DocumentId, AutoCommit, SyncClient) {
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "name", name).unwrap();
        let mut client = SyncClient::new("c", PeerMetadata::default());
        client.receive(&peer("store-1")).unwrap();
        let mut server = AutoCommit::new();
        sync_with(
            &mut client,
            id,
            &mut doc,
            &mut server,
            &mut sync::State::new(),
        );
        (id, doc, client)
    }

    #[test]
    fn only_the_current_connection_proves_what_the_server_holds() {
        let (id, mut doc, client) = synced_once("高崎 太郎");
        assert!(client.server_holds(id, &mut doc));
        let saved = client.sync_state_bytes(id).unwrap();

        // The next day, the server's data restored from a backup older than the edit; the
        // terminal reloads with its saved state and the same storage id.
        let mut restored_server = AutoCommit::new();
        let mut next = SyncClient::new("c2", PeerMetadata::default());
        next.remember_saved_state(id, "store-1", &saved).unwrap();
        assert_eq!(
            next.pending_changes(id, &mut doc),
            0,
            "offline: counted by the saved state"
        );
        next.receive(&peer("store-1")).unwrap();
        assert_eq!(
            next.pending_changes(id, &mut doc),
            0,
            "the saved state believes it"
        );
        assert!(
            !next.server_holds(id, &mut doc),
            "but nothing proves it yet"
        );
        sync_with(
            &mut next,
            id,
            &mut doc,
            &mut restored_server,
            &mut sync::State::new(),
        );
        assert_eq!(restored_server.get_heads(), doc.get_heads(), "re-sent");
        assert!(next.server_holds(id, &mut doc));

        // A reconnect forgets what the server said.
        next.reconnect_as("c3");
        next.receive(&peer("store-1")).unwrap();
        assert!(!next.server_holds(id, &mut doc));
    }

    #[test]
    fn a_document_the_server_did_not_have_is_asked_for_again() {
        let id = DocumentId::random();
        let mut wanted = AutoCommit::new();
        let mut client = SyncClient::new("c", PeerMetadata::default());
        client.receive(&peer("store-1")).unwrap();
        assert!(matches!(
            client.sync(id, &mut wanted),
            Some(Message::Request { .. })
        ));
        // doc-unavailable came back; while the request is in flight nothing new is sent …
        assert!(client.sync(id, &mut wanted).is_none());
        // … until the client asks again.
        client.ask_again(id);
        assert!(matches!(
            client.sync(id, &mut wanted),
            Some(Message::Request { .. })
        ));
    }

    #[test]
    fn a_server_with_another_storage_id_starts_over() {
        let (id, mut doc, mut client) = synced_once("高崎 花子");
        let saved = client.sync_state_bytes(id).unwrap();
        assert_eq!(client.pending_changes(id, &mut doc), 0);

        // Rebuilt server: same connection object, a new storage id.
        client.reconnect_as("c-again");
        client.receive(&peer("store-2")).unwrap();
        assert_eq!(client.pending_changes(id, &mut doc), 1);
        // A saved state of the old server is not used with the new one.
        let mut fresh = SyncClient::new("d", PeerMetadata::default());
        fresh.remember_saved_state(id, "store-1", &saved).unwrap();
        fresh.receive(&peer("store-2")).unwrap();
        assert_eq!(fresh.pending_changes(id, &mut doc), 1);
        let mut rebuilt = AutoCommit::new();
        sync_with(
            &mut fresh,
            id,
            &mut doc,
            &mut rebuilt,
            &mut sync::State::new(),
        );
        assert_eq!(rebuilt.get_heads(), doc.get_heads());
        assert!(
            fresh
                .remember_saved_state(id, "store-2", b"not a state")
                .is_err()
        );
    }
}
