//! [`Hub`]: the server as an automerge-repo peer — every connected client, every document in
//! memory, and one sync state per (document, client).
//!
//! A sync message is applied to the document, the new changes are written to the [`Store`]
//! (and fsynced), and only then does the hub answer the sender and forward the changes to
//! every other client that has the document open. The server never announces documents: a
//! client gets a document only by asking for its id.
//!
//! Memory stays bounded (see [`MemoryBounds`]): a document nobody has open is dropped from
//! memory once more than a set number of such idle documents are warm (least recently used
//! first) and read back from the store when next used; each document goes through the
//! phases of [`Phase`]. Every peer's outbox is bounded too ([`PeerInbox`]).
//!
//! Rooms: `sync_messages` (a client's sync message, and whole documents from trusted local
//! sources), `access` (who may reach a document: grants and refusals), `reconcile` (after a
//! change: the server's decisions, storing, forwarding; the core system's results),
//! `listing` (what a 課's list and the API read of a visit), `memory` (which documents stay
//! in memory) and `outbox` (the bounded queue of messages to each peer).

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex as SyncMutex;
use std::sync::atomic::{AtomicU64, Ordering};

use automerge::sync;
use automerge::{AutoCommit, ChangeHash};
use sha2::{Digest, Sha256};
use shared_model::DocumentId;
use shared_model::calendar::tokyo_day;
use shared_model::catalog::Department;
use shared_model::protocol::{Message, PeerId, PeerMetadata};
use shared_model::tenant::LocalGovernmentCode;
use tokio::sync::{Mutex, Notify};

use crate::accounts::{Caller, Checked, Credential};
use crate::exchange::export_map::ExportMap;
use crate::store::{Store, StoreError};
use shared_model::catalog::CityCatalog;

mod access;
mod listing;
mod memory;
mod other_nodes;
mod outbox;
mod reconcile;
mod sync_messages;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_memory;

pub use listing::VisitListing;
pub use memory::MemoryBounds;
pub use outbox::{Overflowed, PeerInbox};

use memory::IdleDocuments;
use outbox::Outbox;

/// Why the hub refused a message; the connection answers with `error` and closes.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Someone else's open connection uses this peer id.
    #[error("peer id is already connected")]
    PeerIdInUse,
    /// The peer id is bound to someone else's session, which still lives (a peer id is
    /// bound to the session that first used it until that session ends).
    #[error("peer id belongs to another session")]
    PeerIdBound,
    /// The sync payload is not an Automerge sync message.
    #[error("sync data for {document_id} is not an automerge sync message")]
    BadSyncData {
        /// The document.
        document_id: DocumentId,
    },
    /// Automerge refused the changes.
    #[error("changes for {document_id} could not be applied: {reason}")]
    Apply {
        /// The document.
        document_id: DocumentId,
        /// Automerge's reason.
        reason: String,
    },
    /// The stored document could not be read.
    #[error("stored document {document_id} is unreadable")]
    Corrupt {
        /// The document.
        document_id: DocumentId,
    },
    /// The database failed; nothing was acknowledged.
    #[error("storage failed: {0}")]
    Store(#[from] StoreError),
    /// A blocking task died.
    #[error("storage task failed")]
    Task,
}

/// One connected client as the hub sees it.
#[derive(Debug)]
struct PeerLink {
    connection: u64,
    caller: Caller,
    /// The terminal the client named (for the audit log).
    terminal: String,
    outbox: Outbox,
    documents: HashSet<DocumentId>,
}

/// Where a document in memory is in its life. Every step on a document holds its entry's
/// lock, so whatever arrives while it loads (a change, a second peer opening it) waits and
/// then sees it ready; and a document leaves memory only when no one holds or waits for its
/// entry (see `memory`).
///
/// ```text
/// (not in memory) --first use--> Loading --store.load--> Ready --idle, least recently
///        ^                         (a failed load stays          used beyond the bound--+
///        |                          Loading: the next use                               |
///        |                          tries again)                                        |
///        +-------------------------------- evicted ------------------------------------+
/// ```
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum Phase {
    /// Not read from the store yet.
    #[default]
    Loading,
    /// Read (`doc` is `None` when the store has nothing: nobody has sent it yet).
    Ready,
}

/// One document in memory.
#[derive(Debug, Default)]
struct DocEntry {
    phase: Phase,
    /// `None` while nobody has sent the document (clients may be waiting for it).
    doc: Option<AutoCommit>,
    syncs: HashMap<PeerId, sync::State>,
    saved_heads: Vec<ChangeHash>,
    /// Who may reach the document (`None` until read from the store).
    grants: Option<Vec<crate::store::Grant>>,
    /// The list view of the visit and the heads it was read at (read again only after a
    /// change, so a 課's list polling every few seconds costs nothing per unchanged visit).
    listing: Option<(Vec<ChangeHash>, Option<VisitListing>)>,
    /// The 課 the visit was at when last settled (`None` until known), so that a move
    /// between 課 (handed on, taken back) is audited once, when it arrives.
    at_department: Option<Department>,
    /// Where the visit was last placed in the queue (`None` until placed; `Some(None)`: it
    /// left the queue, completed or cancelled), so the store is asked again only when that
    /// changes.
    queue_stop: Option<Option<shared_model::queue::Wanted>>,
}

impl DocEntry {
    /// Whether nobody has the document open (no peer's sync state, no peer waiting for it)
    /// and everything it holds is stored: it may leave memory and be read back later.
    fn is_idle(&mut self) -> bool {
        if !self.syncs.is_empty() {
            return false;
        }
        match &mut self.doc {
            Some(doc) => doc.get_heads() == self.saved_heads,
            None => true,
        }
    }
}

/// Counters for the status page and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HubStats {
    /// Connected clients.
    pub peers: usize,
    /// Documents in memory (open ones and the idle ones kept warm).
    pub documents: usize,
    /// Documents read from the store since the server started (first uses and reloads).
    pub loaded: u64,
    /// Idle documents dropped from memory since the server started.
    pub evicted: u64,
}

/// Whose a peer id is: the person or kiosk (as the audit log names them) and the credential
/// they joined with. The binding holds while that credential opens something (a session
/// not signed out or expired, a kiosk not revoked); `None` (trusted in-process callers)
/// holds for good.
#[derive(Debug, Clone)]
struct Binding {
    owner: String,
    credential: Option<Credential>,
}

/// A day (JST) and the (who, terminal, document) openings audited on it.
type Openings = (String, HashSet<(String, String, DocumentId)>);

/// The server's automerge-repo peer.
#[derive(Debug)]
pub struct Hub {
    server_id: PeerId,
    metadata: PeerMetadata,
    store: Arc<Store>,
    docs: SyncMutex<HashMap<DocumentId, Arc<Mutex<DocEntry>>>>,
    /// The documents in `docs` nobody has open, least recently used first.
    idle: SyncMutex<IdleDocuments>,
    bounds: MemoryBounds,
    loaded: AtomicU64,
    evicted: AtomicU64,
    peers: SyncMutex<HashMap<PeerId, PeerLink>>,
    /// Whose each peer id is, while their session lives (pruned by [`Hub::prune_bindings`]).
    bound: SyncMutex<HashMap<PeerId, Binding>>,
    /// Today's (JST) openings already audited.
    opened: SyncMutex<Openings>,
    next_connection: AtomicU64,
    /// Each city's export map (of the cities with an exchange), and the city whose the
    /// documents nobody has claimed count as.
    exports: Option<(
        LocalGovernmentCode,
        HashMap<LocalGovernmentCode, Arc<ExportMap>>,
    )>,
    /// The forms and navi rules of the cities that have their own (the built-in ones for the
    /// others).
    catalogs: HashMap<LocalGovernmentCode, CityCatalog>,
    /// Per city, woken when records enter its outbox.
    outbox_filled: SyncMutex<HashMap<LocalGovernmentCode, Arc<Notify>>>,
}

impl Hub {
    /// A hub over `store`, introducing itself as `server_id`.
    pub fn new(server_id: PeerId, store: Arc<Store>) -> Result<Self, StoreError> {
        let metadata = PeerMetadata {
            storage_id: Some(store.storage_id()?),
            is_ephemeral: Some(false),
        };
        Ok(Self {
            server_id,
            metadata,
            store,
            docs: SyncMutex::default(),
            idle: SyncMutex::default(),
            bounds: MemoryBounds::default(),
            loaded: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
            peers: SyncMutex::default(),
            bound: SyncMutex::default(),
            opened: SyncMutex::default(),
            next_connection: AtomicU64::new(1),
            exports: None,
            outbox_filled: SyncMutex::default(),
            catalogs: HashMap::new(),
        })
    }

    /// Sends the confirmed forms of each city in `maps` to its core system through the
    /// outbox, as its map says. A city without a map has no exchange: its confirmed forms
    /// stay confirmed. Documents nobody has claimed (merged by the server itself) count as
    /// `first`'s, the deployment's first city.
    pub fn with_exports(
        mut self,
        first: LocalGovernmentCode,
        maps: impl IntoIterator<Item = (LocalGovernmentCode, ExportMap)>,
    ) -> Self {
        let maps = maps
            .into_iter()
            .map(|(city, map)| (city, Arc::new(map)))
            .collect();
        self.exports = Some((first, maps));
        self
    }

    /// The export map of `tenant` (of the deployment's first city for `None`), if that city
    /// has an exchange.
    fn export_map(&self, tenant: Option<LocalGovernmentCode>) -> Option<&Arc<ExportMap>> {
        let (first, maps) = self.exports.as_ref()?;
        maps.get(&tenant.unwrap_or(*first))
    }

    /// Decides the forms of each city in `catalogs` by its own catalog (the others' by the
    /// built-in one).
    pub fn with_catalogs(
        mut self,
        catalogs: impl IntoIterator<Item = (LocalGovernmentCode, CityCatalog)>,
    ) -> Self {
        self.catalogs = catalogs.into_iter().collect();
        self
    }

    /// The catalog of `tenant` (the built-in one for a city without its own, or a document
    /// nobody has claimed).
    pub(crate) fn catalog_of(&self, tenant: Option<LocalGovernmentCode>) -> CityCatalog {
        tenant
            .and_then(|t| self.catalogs.get(&t).copied())
            .unwrap_or_else(CityCatalog::builtin)
    }

    /// Bounds memory as `bounds` says (instead of [`MemoryBounds::default`]).
    pub fn with_bounds(mut self, bounds: MemoryBounds) -> Self {
        self.bounds = bounds;
        self
    }

    /// Woken whenever records enter the outbox of the city `tenant` (its exporter waits on
    /// it).
    pub fn outbox_filled(&self, tenant: LocalGovernmentCode) -> Arc<Notify> {
        lock(&self.outbox_filled).entry(tenant).or_default().clone()
    }

    /// The server's peer id.
    pub fn server_id(&self) -> &str {
        &self.server_id
    }

    /// What the server says about itself in `peer`.
    pub fn metadata(&self) -> &PeerMetadata {
        &self.metadata
    }

    /// Current counts.
    pub fn stats(&self) -> HubStats {
        HubStats {
            peers: lock(&self.peers).len(),
            documents: lock(&self.docs).len(),
            loaded: self.loaded.load(Ordering::Relaxed),
            evicted: self.evicted.load(Ordering::Relaxed),
        }
    }

    /// Admits `caller`'s client that joined as `peer_id` (with no credential to re-check:
    /// trusted in-process callers and tests); see [`Hub::connect_from`].
    pub async fn connect(
        &self,
        peer_id: &str,
        caller: Caller,
    ) -> Result<(u64, PeerInbox), HubError> {
        self.connect_from(peer_id, caller, "", None).await
    }

    /// Admits `caller`'s client at a named terminal (which the audit log then shows), joined
    /// as `peer_id` with `credential`; its messages arrive on the returned receiver, with the
    /// connection's number that [`Hub::disconnect`] takes.
    ///
    /// As automerge-repo's own server does, the newest socket for a peer id wins: when the
    /// same person (or kiosk) joins again with a peer id whose old socket is still open
    /// (half-open after a network change, a reload), the old one is dropped (its receiver
    /// closes) and the new one starts with fresh sync states. A peer id is bound to whoever
    /// first used it while their credential lives: someone else gets
    /// [`HubError::PeerIdInUse`] while the owner is connected and [`HubError::PeerIdBound`]
    /// until the owner's session ends (signed out, expired, revoked kiosk), then takes it.
    ///
    /// # Errors
    /// The two refusals above, and [`HubError::Store`] when the owner's credential cannot
    /// be checked.
    pub async fn connect_from(
        &self,
        peer_id: &str,
        caller: Caller,
        terminal: &str,
        credential: Option<Credential>,
    ) -> Result<(u64, PeerInbox), HubError> {
        let owner = caller.audit_name();
        let previous = lock(&self.bound).get(peer_id).cloned();
        let previous_owner = previous.as_ref().map(|b| b.owner.clone());
        if let Some(binding) = previous.filter(|b| b.owner != owner)
            && self.still_lives(&binding).await?
        {
            return Err(if lock(&self.peers).contains_key(peer_id) {
                HubError::PeerIdInUse
            } else {
                HubError::PeerIdBound
            });
        }
        let connection = self.next_connection.fetch_add(1, Ordering::Relaxed);
        let (outbox, inbox) = outbox::channel(&self.bounds);
        let replaced = {
            let mut peers = lock(&self.peers);
            let mut bound = lock(&self.bound);
            if let Some(now) = bound.get(peer_id)
                && now.owner != owner
                && previous_owner.as_deref() != Some(now.owner.as_str())
            {
                // Someone else joined with this id while the credential was checked.
                return Err(HubError::PeerIdInUse);
            }
            let replaced = peers.insert(
                peer_id.to_owned(),
                PeerLink {
                    connection,
                    caller,
                    terminal: terminal.to_owned(),
                    outbox,
                    documents: HashSet::new(),
                },
            );
            bound.insert(peer_id.to_owned(), Binding { owner, credential });
            replaced
        };
        if let Some(old) = replaced {
            tracing::info!(peer = %peer_id, "a newer connection replaced the peer's socket");
            self.forget_syncs(peer_id, old.documents).await;
        }
        Ok((connection, inbox))
    }

    /// Whether a binding's credential still opens something.
    async fn still_lives(&self, binding: &Binding) -> Result<bool, HubError> {
        let Some(credential) = binding.credential.clone() else {
            return Ok(true);
        };
        let store = self.store.clone();
        let checked =
            tokio::task::spawn_blocking(move || credential.check(&store, crate::clock::now_ms()))
                .await
                .map_err(|_| HubError::Task)??;
        Ok(matches!(checked, Checked::Opens(_)))
    }

    /// Drops the bindings of peer ids that are not connected and whose session has ended;
    /// returns how many went. The server runs it every few minutes, so the table holds the
    /// living sessions' peers only.
    ///
    /// # Errors
    /// [`HubError::Store`] when a credential cannot be checked (nothing is dropped then).
    pub async fn prune_bindings(&self) -> Result<usize, HubError> {
        let idle: Vec<(PeerId, Binding)> = {
            let peers = lock(&self.peers);
            lock(&self.bound)
                .iter()
                .filter(|(peer, _)| !peers.contains_key(*peer))
                .map(|(peer, binding)| (peer.clone(), binding.clone()))
                .collect()
        };
        let mut ended = Vec::new();
        for (peer, binding) in idle {
            if !self.still_lives(&binding).await? {
                ended.push(peer);
            }
        }
        let peers = lock(&self.peers);
        let mut bound = lock(&self.bound);
        let before = bound.len();
        for peer in ended.iter().filter(|p| !peers.contains_key(*p)) {
            bound.remove(peer);
        }
        Ok(before - bound.len())
    }

    /// How many peer ids are bound (connected or not).
    pub fn bindings(&self) -> usize {
        lock(&self.bound).len()
    }

    /// Forgets a client whose connection ended.
    pub async fn disconnect(&self, peer_id: &str, connection: u64) {
        let documents = {
            let mut peers = lock(&self.peers);
            match peers.get(peer_id) {
                Some(link) if link.connection == connection => peers
                    .remove(peer_id)
                    .map(|l| l.documents)
                    .unwrap_or_default(),
                _ => return,
            }
        };
        self.forget_syncs(peer_id, documents).await;
    }

    /// Drops the sync states a peer had with these documents (which may leave them idle).
    async fn forget_syncs(&self, peer_id: &str, documents: HashSet<DocumentId>) {
        for id in documents {
            if let Some(mut entry) = self.hold_if_present(id).await {
                entry.syncs.remove(peer_id);
            }
        }
    }

    /// Handles one message from a joined client.
    pub async fn receive(&self, from: &str, message: Message) -> Result<(), HubError> {
        match message {
            Message::Sync {
                document_id, data, ..
            } => self.sync(from, document_id, &data, false).await,
            Message::Request {
                document_id, data, ..
            } => self.sync(from, document_id, &data, true).await,
            Message::Ephemeral {
                document_id,
                session_id,
                count,
                data,
                ..
            } => {
                self.forward_ephemeral(from, document_id, session_id, count, data)
                    .await;
                Ok(())
            }
            // doc-unavailable from a client, remote-heads gossip, and newer types: nothing to do.
            _ => Ok(()),
        }
    }

    async fn forward_ephemeral(
        &self,
        from: &str,
        document_id: DocumentId,
        session_id: String,
        count: u64,
        data: Vec<u8>,
    ) {
        let Some(mut entry) = self.hold_if_present(document_id).await else {
            return;
        };
        // Only peers that reach the document may speak in it.
        let reaches = match (
            self.caller(from),
            self.grants(document_id, &mut entry).await,
        ) {
            (Some(caller), Ok(grants)) => caller.may_reach(&grants),
            _ => false,
        };
        if !reaches {
            return;
        }
        let peers: Vec<PeerId> = entry.syncs.keys().cloned().collect();
        drop(entry);
        for peer in peers.into_iter().filter(|p| p != from) {
            self.send(
                &peer,
                Message::Ephemeral {
                    sender_id: from.to_owned(),
                    target_id: peer.clone(),
                    document_id,
                    session_id: session_id.clone(),
                    count,
                    data: data.clone(),
                },
            );
        }
    }

    async fn ensure_loaded(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
    ) -> Result<(), HubError> {
        if entry.phase == Phase::Ready {
            return Ok(());
        }
        let store = self.store.clone();
        let bytes = tokio::task::spawn_blocking(move || store.load(&document_id))
            .await
            .map_err(|_| HubError::Task)??;
        if let Some(bytes) = bytes {
            let mut doc =
                AutoCommit::load(&bytes).map_err(|_| HubError::Corrupt { document_id })?;
            entry.saved_heads = doc.get_heads();
            entry.at_department =
                Some(shared_model::handling_department(&doc).unwrap_or(Department::Shimin));
            entry.doc = Some(doc);
        }
        entry.phase = Phase::Ready;
        self.loaded.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Notes that a peer reaches a document; the peer's terminal if this is the first time
    /// on this connection.
    fn remember(&self, peer: &str, document_id: DocumentId) -> Option<String> {
        let mut peers = lock(&self.peers);
        let link = peers.get_mut(peer)?;
        link.documents
            .insert(document_id)
            .then(|| link.terminal.clone())
    }

    /// Whether this is the first time today that `who` at `terminal` reaches the document.
    fn first_opening(&self, who: &str, terminal: &str, document_id: DocumentId) -> bool {
        let today = tokyo_day(crate::clock::now_ms()).to_string();
        let mut opened = lock(&self.opened);
        if opened.0 != today {
            *opened = (today, HashSet::new());
        }
        opened
            .1
            .insert((who.to_owned(), terminal.to_owned(), document_id))
    }

    fn terminal(&self, peer: &str) -> String {
        lock(&self.peers)
            .get(peer)
            .map(|link| link.terminal.clone())
            .unwrap_or_default()
    }

    /// Queues a message for a peer. A peer whose outbox is full is not waited for: its
    /// outbox is marked overflowed, and its connection closes (see [`PeerInbox`]).
    fn send(&self, peer: &str, message: Message) {
        if let Some(link) = lock(&self.peers).get(peer) {
            link.outbox.send(peer, message);
        }
    }
}

/// sha256 of the hex heads, the key automerge-repo gives a snapshot.
fn heads_hash(heads: &[ChangeHash]) -> String {
    let mut hasher = Sha256::new();
    for head in heads {
        hasher.update(head.to_string().as_bytes());
    }
    hex::encode(hasher.finalize())
}

fn lock<T>(mutex: &SyncMutex<T>) -> std::sync::MutexGuard<'_, T> {
    // The maps stay consistent across a panic (each update is one insert or remove).
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
