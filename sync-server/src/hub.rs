//! [`Hub`]: the server as an automerge-repo peer — every connected client, every document in
//! memory, and one sync state per (document, client).
//!
//! A sync message is applied to the document, the new changes are written to the [`Store`]
//! (and fsynced), and only then does the hub answer the sender and forward the changes to
//! every other client that has the document open. The server never announces documents: a
//! client gets a document only by asking for its id.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::sync::Mutex as SyncMutex;
use std::sync::atomic::{AtomicU64, Ordering};

use automerge::sync::{self, SyncDoc};
use automerge::{AutoCommit, ChangeHash};
use sha2::{Digest, Sha256};
use shared_model::DocumentId;
use shared_model::calendar::tokyo_day;
use shared_model::protocol::{Message, PeerId, PeerMetadata};
use shared_model::reconcile_document;
use tokio::sync::{Mutex, Notify, mpsc};

use crate::accounts::Caller;
use crate::exchange::export_map::ExportMap;
use crate::exchange::outbox::records_for_confirmed;
use crate::store::{OutboxEntry, StatusUpdate, Store, StoreError, department_grantee};

/// Why the hub refused a message; the connection answers with `error` and closes.
#[derive(Debug, thiserror::Error)]
pub enum HubError {
    /// Another open connection already uses this peer id.
    #[error("peer id is already connected")]
    PeerIdInUse,
    /// The peer id was used by someone else signed in (peer ids are bound to who used them).
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
    outbox: mpsc::UnboundedSender<Message>,
    documents: HashSet<DocumentId>,
}

/// One document in memory.
#[derive(Debug, Default)]
struct DocEntry {
    loaded: bool,
    /// `None` while nobody has sent the document (clients may be waiting for it).
    doc: Option<AutoCommit>,
    syncs: HashMap<PeerId, sync::State>,
    saved_heads: Vec<ChangeHash>,
    /// Who may reach the document (`None` until read from the store).
    grants: Option<Vec<String>>,
    /// The list view of the visit and the heads it was read at (read again only after a
    /// change, so a 課's list polling every few seconds costs nothing per unchanged visit).
    listing: Option<(Vec<ChangeHash>, Option<VisitListing>)>,
}

/// What a 課's list shows of a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitListing {
    /// Which 課 has it and who holds it.
    pub handling: shared_model::Handling,
    /// Forms by state (`requested`, `confirmed`, `refused`, `sent`, `accepted`, `rejected`).
    pub forms: std::collections::BTreeMap<&'static str, usize>,
}

/// Counters for the status page and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct HubStats {
    /// Connected clients.
    pub peers: usize,
    /// Documents in memory.
    pub documents: usize,
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
    peers: SyncMutex<HashMap<PeerId, PeerLink>>,
    /// Who used each peer id (as the audit log names them): an id is never taken over.
    bound: SyncMutex<HashMap<PeerId, String>>,
    /// Today's (JST) openings already audited.
    opened: SyncMutex<Openings>,
    next_connection: AtomicU64,
    exports: Option<Arc<ExportMap>>,
    outbox_filled: Arc<Notify>,
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
            peers: SyncMutex::default(),
            bound: SyncMutex::default(),
            opened: SyncMutex::default(),
            next_connection: AtomicU64::new(1),
            exports: None,
            outbox_filled: Arc::new(Notify::new()),
        })
    }

    /// Sends confirmed forms to the core system through the outbox, as `map` says.
    pub fn with_exports(mut self, map: ExportMap) -> Self {
        self.exports = Some(Arc::new(map));
        self
    }

    /// Woken whenever records enter the outbox (the sender waits on it).
    pub fn outbox_filled(&self) -> Arc<Notify> {
        self.outbox_filled.clone()
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
        }
    }

    /// Admits `caller`'s client that joined as `peer_id`; its messages arrive on the
    /// returned receiver. The peer id is bound to the caller from then on.
    pub fn connect(
        &self,
        peer_id: &str,
        caller: Caller,
    ) -> Result<(u64, mpsc::UnboundedReceiver<Message>), HubError> {
        self.connect_from(peer_id, caller, "")
    }

    /// [`Hub::connect`] for a client at a named terminal, which the audit log then shows.
    pub fn connect_from(
        &self,
        peer_id: &str,
        caller: Caller,
        terminal: &str,
    ) -> Result<(u64, mpsc::UnboundedReceiver<Message>), HubError> {
        let mut peers = lock(&self.peers);
        if peers.contains_key(peer_id) {
            return Err(HubError::PeerIdInUse);
        }
        {
            let mut bound = lock(&self.bound);
            let owner = bound
                .entry(peer_id.to_owned())
                .or_insert_with(|| caller.audit_name());
            if *owner != caller.audit_name() {
                return Err(HubError::PeerIdBound);
            }
        }
        let connection = self.next_connection.fetch_add(1, Ordering::Relaxed);
        let (outbox, inbox) = mpsc::unbounded_channel();
        peers.insert(
            peer_id.to_owned(),
            PeerLink {
                connection,
                caller,
                terminal: terminal.to_owned(),
                outbox,
                documents: HashSet::new(),
            },
        );
        Ok((connection, inbox))
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
        for id in documents {
            let entry = lock(&self.docs).get(&id).cloned();
            if let Some(entry) = entry {
                entry.lock().await.syncs.remove(peer_id);
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

    async fn sync(
        &self,
        from: &str,
        document_id: DocumentId,
        data: &[u8],
        is_request: bool,
    ) -> Result<(), HubError> {
        let sync_message =
            sync::Message::decode(data).map_err(|_| HubError::BadSyncData { document_id })?;
        let entry = self.entry(document_id);
        let mut entry = entry.lock().await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let Some(caller) = self.caller(from) else {
            return Ok(());
        };
        let grants = self.grants(document_id, &mut entry).await?;
        if !caller.may_reach(&grants) {
            // Answered as if the document did not exist: no one learns what others have.
            self.deny(from, &caller, document_id).await;
            return Ok(());
        }
        if let Some(terminal) = self.remember(from, document_id)
            && self.first_opening(&caller.audit_name(), &terminal, document_id)
        {
            // The first time today this person (or kiosk) reaches the visit from this
            // terminal: it was opened. Reconnects do not repeat it.
            let (store, who) = (self.store.clone(), caller.audit_name());
            let _ = tokio::task::spawn_blocking(move || {
                let number = store
                    .visit_record(&document_id)
                    .ok()
                    .flatten()
                    .map(|v| format!(" 受付{} ({})", v.reception_number, v.day))
                    .unwrap_or_default();
                store.audit_at(
                    crate::clock::now_ms(),
                    &who,
                    &terminal,
                    "visit_opened",
                    &format!("{document_id}{number}"),
                )
            })
            .await;
        }

        if entry.doc.is_none() {
            if is_request || sync_message.heads.is_empty() {
                // Nobody has sent this document and the sender does not have it either.
                // Remember who waits for it, and say so.
                entry.syncs.entry(from.to_owned()).or_default();
                self.send(
                    from,
                    Message::DocUnavailable {
                        sender_id: self.server_id.clone(),
                        target_id: from.to_owned(),
                        document_id,
                    },
                );
                return Ok(());
            }
            entry.doc = Some(AutoCommit::new());
        }

        let DocEntry { doc, syncs, .. } = &mut *entry;
        let doc = doc.as_mut().expect("present: created above");
        let state = syncs.entry(from.to_owned()).or_default();
        doc.sync()
            .receive_sync_message(state, sync_message)
            .map_err(|e| HubError::Apply {
                document_id,
                reason: e.to_string(),
            })?;
        if grants.is_empty() {
            // Staff created this document: it belongs to their 課 from now on.
            self.add_grant(document_id, &mut entry, caller.grantee())
                .await?;
        }

        let by = (caller.audit_name(), self.terminal(from));
        self.settle(document_id, &mut entry, by).await
    }

    /// Takes in a whole document from a trusted local source (the demo data, benchmarks):
    /// merged, reconciled, stored and sent on exactly as if a client had synced it.
    pub async fn merge(
        &self,
        document_id: DocumentId,
        doc: &mut AutoCommit,
    ) -> Result<(), HubError> {
        let entry = self.entry(document_id);
        let mut entry = entry.lock().await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let ours = entry.doc.get_or_insert_with(AutoCommit::new);
        ours.merge(doc).map_err(|e| HubError::Apply {
            document_id,
            reason: e.to_string(),
        })?;
        self.settle(document_id, &mut entry, ("system".into(), String::new()))
            .await
    }

    /// After new changes: the reconciler decides what counters asked to confirm, the result
    /// is stored, and every client with the document open is brought up to date. `by` is
    /// whose changes these are (login or `kiosk:<id>`, and terminal), for the audit log: a
    /// confirmation is asked for by a counter and decided by the server.
    async fn settle(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        by: (String, String),
    ) -> Result<(), HubError> {
        let DocEntry {
            doc, saved_heads, ..
        } = &mut *entry;
        let Some(doc) = doc.as_mut() else {
            return Ok(());
        };
        // The reconciler: forms a counter asked to confirm are decided here, by the server
        // alone, and the decision goes back to every client in the document. A confirmed form
        // that goes to the core system gets its outbox record in the same transaction.
        let mut outbox = Vec::new();
        if doc.get_heads() != *saved_heads {
            let now = crate::clock::now_ms();
            let mut confirmed = Vec::new();
            for decision in reconcile_document(doc, tokyo_day(now), now) {
                tracing::info!(
                    %document_id,
                    form = %decision.form,
                    state = decision.state.as_str(),
                    errors = decision.errors,
                    "form decided"
                );
                let _ = self.store.audit_at(
                    now,
                    &by.0,
                    &by.1,
                    "form_decided",
                    &format!(
                        "{document_id} {} {}",
                        decision.form,
                        decision.state.as_str()
                    ),
                );
                if decision.state == shared_model::FormState::Confirmed {
                    confirmed.push(decision.form);
                }
            }
            if let Some(map) = &self.exports
                && !confirmed.is_empty()
            {
                let store = &self.store;
                outbox = records_for_confirmed(
                    doc,
                    document_id,
                    &confirmed,
                    map,
                    |form| store.outbox_attempts(&document_id, form),
                    now,
                )?;
            }
        }
        // A visit handed to another 課 becomes theirs too.
        let handled_at = entry
            .doc
            .as_ref()
            .and_then(shared_model::handling_department)
            .map(|d| department_grantee(d.as_str()));
        if let Some(grantee) = handled_at {
            self.add_grant(document_id, entry, grantee).await?;
        }
        self.persist(document_id, entry, outbox).await?;
        self.broadcast(document_id, entry);
        Ok(())
    }

    /// Who is behind a connected peer id.
    fn caller(&self, peer: &str) -> Option<Caller> {
        lock(&self.peers).get(peer).map(|link| link.caller.clone())
    }

    /// The document's grants (read from the store once, then kept with it).
    async fn grants(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
    ) -> Result<Vec<String>, HubError> {
        if let Some(grants) = &entry.grants {
            return Ok(grants.clone());
        }
        let store = self.store.clone();
        let grants = tokio::task::spawn_blocking(move || store.grants(&document_id))
            .await
            .map_err(|_| HubError::Task)??;
        entry.grants = Some(grants.clone());
        Ok(grants)
    }

    async fn add_grant(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        grantee: String,
    ) -> Result<(), HubError> {
        let mut grants = self.grants(document_id, entry).await?;
        if grants.contains(&grantee) {
            return Ok(());
        }
        let store = self.store.clone();
        let added = vec![grantee.clone()];
        tokio::task::spawn_blocking(move || store.grant(&document_id, &added))
            .await
            .map_err(|_| HubError::Task)??;
        grants.push(grantee);
        entry.grants = Some(grants);
        Ok(())
    }

    /// Refuses a document to a peer: `doc-unavailable`, and a line in the audit log.
    async fn deny(&self, peer: &str, caller: &Caller, document_id: DocumentId) {
        tracing::warn!(%document_id, "sync refused: outside the peer's rights");
        let (store, who, terminal) = (self.store.clone(), caller.audit_name(), self.terminal(peer));
        let _ = tokio::task::spawn_blocking(move || {
            store.audit_at(
                crate::clock::now_ms(),
                &who,
                &terminal,
                "sync_denied",
                &document_id.to_string(),
            )
        })
        .await;
        self.send(
            peer,
            Message::DocUnavailable {
                sender_id: self.server_id.clone(),
                target_id: peer.to_owned(),
                document_id,
            },
        );
    }

    /// Writes what the document gained since it was last saved (with the outbox records it
    /// confirms, in one transaction), compacting when the chunks outgrow the snapshot.
    async fn persist(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        outbox: Vec<OutboxEntry>,
    ) -> Result<(), HubError> {
        let DocEntry {
            doc, saved_heads, ..
        } = entry;
        let Some(doc) = doc.as_mut() else {
            return Ok(());
        };
        let heads = doc.get_heads();
        if heads == *saved_heads {
            return Ok(());
        }
        let chunk = doc.save_after(saved_heads);
        let store = self.store.clone();
        let records = outbox.len();
        let sizes = tokio::task::spawn_blocking(move || {
            if outbox.is_empty() {
                store.append_incremental(&document_id, &chunk)
            } else {
                store.append_with_outbox(&document_id, &chunk, &outbox)
            }
        })
        .await
        .map_err(|_| HubError::Task)??;
        *saved_heads = heads.clone();
        if records > 0 {
            tracing::info!(%document_id, records, "records entered the outbox");
            self.outbox_filled.notify_one();
        }
        if sizes.wants_compaction() {
            let snapshot = doc.save();
            let heads_hash = heads_hash(&heads);
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || {
                store.compact(&document_id, &snapshot, &heads_hash)
            })
            .await
            .map_err(|_| HubError::Task)??;
            tracing::debug!(%document_id, "compacted");
        }
        Ok(())
    }

    /// Brings every client with the document open up to date.
    fn broadcast(&self, document_id: DocumentId, entry: &mut DocEntry) {
        let DocEntry { doc, syncs, .. } = entry;
        let Some(doc) = doc.as_mut() else {
            return;
        };
        for (peer, state) in syncs.iter_mut() {
            if let Some(reply) = doc.sync().generate_sync_message(state) {
                self.send(
                    peer,
                    Message::Sync {
                        sender_id: self.server_id.clone(),
                        target_id: peer.clone(),
                        document_id,
                        data: reply.encode(),
                    },
                );
            }
        }
    }

    /// Writes the core system's progress on a record (送信済み, 基幹取込済み, 差戻し) into its
    /// visit, stores it and sends it to every client with the visit open. `false` when the
    /// visit is absent or no longer waits for this record.
    pub async fn record_exchange(&self, update: &StatusUpdate) -> Result<bool, HubError> {
        let Ok(document_id) = update.doc_id.parse::<DocumentId>() else {
            return Ok(false);
        };
        let state = shared_model::FormState::from_name(&update.state);
        let entry = self.entry(document_id);
        let mut entry = entry.lock().await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let Some(doc) = entry.doc.as_mut() else {
            return Ok(false);
        };
        let taken = std::mem::take(doc);
        let mut visit = match shared_model::VisitDoc::from_doc(taken.clone()) {
            Ok(visit) => visit,
            Err(_) => {
                *doc = taken;
                return Ok(false);
            }
        };
        let changed = visit
            .record_exchange(
                &update.form,
                &update.record,
                state,
                update.at,
                update.reason.as_deref(),
            )
            .unwrap_or(false);
        *doc = visit.into_doc();
        if changed {
            self.persist(document_id, &mut entry, Vec::new()).await?;
            self.broadcast(document_id, &mut entry);
        }
        Ok(changed)
    }

    async fn forward_ephemeral(
        &self,
        from: &str,
        document_id: DocumentId,
        session_id: String,
        count: u64,
        data: Vec<u8>,
    ) {
        let entry = lock(&self.docs).get(&document_id).cloned();
        let Some(entry) = entry else { return };
        let mut entry = entry.lock().await;
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

    /// Reads a document as the server has it now (loading it from storage if needed).
    pub async fn read<T>(
        &self,
        document_id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> T,
    ) -> Result<Option<T>, HubError> {
        let entry = self.entry(document_id);
        let mut entry = entry.lock().await;
        self.ensure_loaded(document_id, &mut entry).await?;
        Ok(entry.doc.as_mut().map(f))
    }

    /// The list view of a visit (`None` if the document is absent or not a visit).
    pub async fn visit_listing(
        &self,
        document_id: DocumentId,
    ) -> Result<Option<VisitListing>, HubError> {
        let entry = self.entry(document_id);
        let mut entry = entry.lock().await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let DocEntry { doc, listing, .. } = &mut *entry;
        let Some(doc) = doc.as_mut() else {
            return Ok(None);
        };
        let heads = doc.get_heads();
        if let Some((at, cached)) = listing
            && *at == heads
        {
            return Ok(cached.clone());
        }
        let fresh = shared_model::VisitDoc::from_doc(doc.clone()).ok().map(|v| {
            let mut forms = std::collections::BTreeMap::new();
            for status in v.form_statuses().values() {
                let key = match status.state {
                    shared_model::FormState::Draft => continue,
                    state => state.as_str(),
                };
                *forms.entry(key).or_default() += 1;
            }
            VisitListing {
                handling: v.handling(),
                forms,
            }
        });
        *listing = Some((heads, fresh.clone()));
        Ok(fresh)
    }

    fn entry(&self, document_id: DocumentId) -> Arc<Mutex<DocEntry>> {
        lock(&self.docs).entry(document_id).or_default().clone()
    }

    async fn ensure_loaded(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
    ) -> Result<(), HubError> {
        if entry.loaded {
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
            entry.doc = Some(doc);
        }
        entry.loaded = true;
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

    fn send(&self, peer: &str, message: Message) {
        if let Some(link) = lock(&self.peers).get(peer) {
            // A closed receiver means the connection is ending; it will disconnect itself.
            let _ = link.outbox.send(message);
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

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ReadDoc};
    use shared_model::protocol::SyncClient;

    fn staff_record() -> crate::store::StaffRecord {
        crate::store::StaffRecord {
            login: "shimin01".into(),
            name: "市民 一郎".into(),
            department: "shimin".into(),
            protected_access: false,
            role: crate::store::Role::Staff,
        }
    }

    fn staff() -> Caller {
        Caller::Staff(staff_record())
    }

    fn hub() -> Arc<Hub> {
        Arc::new(Hub::new("server".into(), Arc::new(Store::in_memory().unwrap())).unwrap())
    }

    /// Runs the sync protocol between a client document and the hub until both are quiet.
    async fn converge(
        hub: &Hub,
        client: &mut SyncClient,
        inbox: &mut mpsc::UnboundedReceiver<Message>,
        id: DocumentId,
        doc: &mut AutoCommit,
    ) {
        let mut outgoing = client.sync(id, doc);
        for _ in 0..20 {
            if let Some(m) = outgoing.take() {
                hub.receive(client.peer_id(), m).await.unwrap();
            }
            match inbox.try_recv() {
                Ok(m) => {
                    let frame = m.encode();
                    if let shared_model::protocol::Incoming::Sync { data, .. } =
                        client.receive(&frame).unwrap()
                    {
                        outgoing = client.apply(id, doc, &data).unwrap();
                    }
                }
                Err(_) if outgoing.is_none() => return,
                Err(_) => {}
            }
        }
        panic!("did not converge");
    }

    fn joined_client(hub: &Hub, name: &str) -> (SyncClient, mpsc::UnboundedReceiver<Message>) {
        joined_as(hub, name, staff())
    }

    fn joined_as(
        hub: &Hub,
        name: &str,
        caller: Caller,
    ) -> (SyncClient, mpsc::UnboundedReceiver<Message>) {
        let mut client = SyncClient::new(name, PeerMetadata::default());
        let (_, inbox) = hub.connect(name, caller).unwrap();
        let peer = shared_model::protocol::answer_join(name, None, hub.server_id(), hub.metadata())
            .unwrap();
        client.receive(&peer.encode()).unwrap();
        (client, inbox)
    }

    #[tokio::test]
    async fn a_document_sent_by_one_client_is_served_to_another() {
        let hub = hub();
        let (mut a, mut a_in) = joined_client(&hub, "a");
        let (mut b, mut b_in) = joined_client(&hub, "b");
        let id = DocumentId::random();
        let mut doc_a = AutoCommit::new();
        doc_a.put(ROOT, "name", "高崎 太郎").unwrap();
        converge(&hub, &mut a, &mut a_in, id, &mut doc_a).await;

        let mut doc_b = AutoCommit::new();
        converge(&hub, &mut b, &mut b_in, id, &mut doc_b).await;
        assert_eq!(doc_b.get_heads(), doc_a.get_heads());
        assert_eq!(a.pending_changes(id, &mut doc_a), 0);

        // A later edit by a reaches b without b asking.
        doc_a.put(ROOT, "name", "高崎 次郎").unwrap();
        converge(&hub, &mut a, &mut a_in, id, &mut doc_a).await;
        let forwarded = b_in.try_recv().expect("b is told about the change");
        let frame = forwarded.encode();
        if let shared_model::protocol::Incoming::Sync { data, .. } = b.receive(&frame).unwrap() {
            b.apply(id, &mut doc_b, &data).unwrap();
        }
        assert_eq!(doc_b.get_heads(), doc_a.get_heads());
    }

    #[tokio::test]
    async fn the_server_decides_a_requested_form_and_the_answer_syncs_back() {
        use shared_model::{FormState, VisitDoc};
        let hub = hub();
        let (mut client, mut inbox) = joined_client(&hub, "counter");
        let id = DocumentId::random();
        let mut visit = VisitDoc::new(id, "1", 0);
        visit.request_confirmation("jumin_idou_tenkyo", 1).unwrap();
        converge(&hub, &mut client, &mut inbox, id, visit.doc_mut()).await;
        let status = visit.form_status("jumin_idou_tenkyo");
        assert_eq!(status.state, FormState::Refused, "{status:?}");
        assert!(status.reason.unwrap().starts_with("エラー"));
        // The decision is stored with the document.
        let stored = hub
            .read(id, |d| {
                VisitDoc::from_doc(d.clone())
                    .unwrap()
                    .form_status("jumin_idou_tenkyo")
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.state, FormState::Refused);
    }

    #[tokio::test]
    async fn the_list_view_is_read_again_only_after_a_change() {
        use shared_model::catalog::Department;
        use shared_model::{VisitChange, VisitDoc};
        let hub = hub();
        let (mut client, mut inbox) = joined_client(&hub, "counter");
        let id = DocumentId::random();
        let mut visit = VisitDoc::new(id, "1", 0);
        converge(&hub, &mut client, &mut inbox, id, visit.doc_mut()).await;
        let first = hub.visit_listing(id).await.unwrap().unwrap();
        assert_eq!(first.handling.department, Department::Shimin);
        assert_eq!(hub.visit_listing(id).await.unwrap().unwrap(), first);
        visit
            .apply(&VisitChange::HandOff {
                to: Department::HokenNenkin,
                name: "市民 一郎".into(),
                from: Department::Shimin,
                at: 5,
            })
            .unwrap();
        converge(&hub, &mut client, &mut inbox, id, visit.doc_mut()).await;
        let after = hub.visit_listing(id).await.unwrap().unwrap();
        assert_eq!(after.handling.department, Department::HokenNenkin);
        assert_eq!(hub.visit_listing(DocumentId::random()).await.unwrap(), None);
    }

    #[tokio::test]
    async fn a_visit_reaches_its_own_ka_then_the_ka_it_is_handed_to_and_never_a_kiosk() {
        use shared_model::catalog::Department;
        use shared_model::{VisitChange, VisitDoc};
        let hub = hub();
        let (mut shimin, mut shimin_in) = joined_client(&hub, "shimin");
        let hoken = Caller::Staff(crate::store::StaffRecord {
            login: "hoken01".into(),
            department: "hoken_nenkin".into(),
            ..staff_record()
        });
        let (mut other, mut other_in) = joined_as(&hub, "hoken", hoken);
        let kiosk = Caller::Kiosk(crate::store::KioskRecord {
            id: "k1".into(),
            name: "1階".into(),
        });
        let (mut tablet, mut tablet_in) = joined_as(&hub, "tablet", kiosk);
        let id = DocumentId::random();
        let mut visit = VisitDoc::new(id, "1", 0);
        converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;

        let refused = |client: &mut SyncClient| client.sync(id, &mut AutoCommit::new()).unwrap();
        for (name, client, inbox) in [
            ("hoken", &mut other, &mut other_in),
            ("tablet", &mut tablet, &mut tablet_in),
        ] {
            hub.receive(name, refused(client)).await.unwrap();
            assert!(
                matches!(inbox.try_recv(), Ok(Message::DocUnavailable { .. })),
                "{name} must not get the visit"
            );
        }
        // Handed to 保険年金課: now it reaches them.
        visit
            .apply(&VisitChange::HandOff {
                to: Department::HokenNenkin,
                name: "市民 一郎".into(),
                from: Department::Shimin,
                at: 5,
            })
            .unwrap();
        converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;
        let mut theirs = AutoCommit::new();
        let (mut again, mut again_in) = joined_as(
            &hub,
            "hoken-2",
            Caller::Staff(crate::store::StaffRecord {
                login: "hoken01".into(),
                department: "hoken_nenkin".into(),
                ..staff_record()
            }),
        );
        converge(&hub, &mut again, &mut again_in, id, &mut theirs).await;
        assert_eq!(theirs.get_heads(), visit.doc_mut().get_heads());
        assert!(
            hub.store
                .audit_entries(10)
                .unwrap()
                .iter()
                .any(|e| e.2 == "sync_denied")
        );
    }

    #[tokio::test]
    async fn an_unknown_document_is_unavailable() {
        let hub = hub();
        let (mut c, mut c_in) = joined_client(&hub, "c");
        let id = DocumentId::random();
        let request = c.sync(id, &mut AutoCommit::new()).unwrap();
        assert!(matches!(request, Message::Request { .. }));
        hub.receive("c", request).await.unwrap();
        assert!(matches!(
            c_in.try_recv().unwrap(),
            Message::DocUnavailable { document_id, .. } if document_id == id
        ));
    }

    #[tokio::test]
    async fn a_reused_peer_id_is_refused_until_the_first_disconnects() {
        let hub = hub();
        let (conn, _inbox) = hub.connect("same", staff()).unwrap();
        assert!(matches!(
            hub.connect("same", staff()),
            Err(HubError::PeerIdInUse)
        ));
        hub.disconnect("same", conn).await;
        // Bound to who used it: another person may not take it over, even once it is free.
        let other = Caller::Staff(crate::store::StaffRecord {
            login: "someone-else".into(),
            ..staff_record()
        });
        assert!(matches!(
            hub.connect("same", other),
            Err(HubError::PeerIdBound)
        ));
        assert!(hub.connect("same", staff()).is_ok());
    }

    #[tokio::test]
    async fn garbage_sync_data_is_refused() {
        let hub = hub();
        let (_c, _in) = joined_client(&hub, "g");
        let err = hub
            .receive(
                "g",
                Message::Sync {
                    sender_id: "g".into(),
                    target_id: "server".into(),
                    document_id: DocumentId::random(),
                    data: vec![1, 2, 3],
                },
            )
            .await
            .unwrap_err();
        assert!(matches!(err, HubError::BadSyncData { .. }));
    }

    #[tokio::test]
    async fn documents_come_back_from_storage_after_a_restart() {
        let store = Arc::new(Store::in_memory().unwrap());
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        {
            let hub = Hub::new("server".into(), store.clone()).unwrap();
            let (mut a, mut a_in) = joined_client(&hub, "a");
            for i in 0..10 {
                doc.put(ROOT, "n", i as i64).unwrap();
                converge(&hub, &mut a, &mut a_in, id, &mut doc).await;
            }
        }
        let (snapshots, _) = store.chunk_counts(&id).unwrap();
        assert_eq!(
            snapshots, 1,
            "chunks outgrew the snapshot and were compacted"
        );
        let hub = Hub::new("server".into(), store).unwrap();
        let heads = hub.read(id, |d| d.get_heads()).await.unwrap().unwrap();
        assert_eq!(heads, doc.get_heads());
        let n = hub
            .read(id, |d| d.get(ROOT, "n").unwrap().unwrap().0.as_i64())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(n, Some(9));
    }
}
