//! Which documents stay in memory: every one somebody has open, and at most
//! [`MemoryBounds::idle_documents`] of those nobody has open (least recently used leave first,
//! and are read back from the store when next used).
//!
//! Every use of a document goes through [`Held`], its entry locked: when it is let go, the
//! document is counted as open or idle (under its lock, so the records follow the order of
//! the uses), and idle documents beyond the bound are dropped. A document is dropped only when
//! the map of documents is the only holder of its entry: a handle to an entry is taken only
//! under the map's lock, so no one can be holding or waiting for a dropped entry, and no
//! document is ever in memory twice (nor a change applied to a copy about to be dropped).

use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::sync::atomic::Ordering;

use shared_model::DocumentId;
use tokio::sync::OwnedMutexGuard;

use super::{DocEntry, Hub, lock};

/// How much the hub keeps in memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemoryBounds {
    /// Documents nobody has open kept in memory (least recently used leave first); an open
    /// document always stays. Default 1,000: a busy day's visits, which the 課's lists read
    /// again every few seconds, stay warm (a list of visits not in memory reads each back
    /// from the store, ~0.5 ms a visit); a kept visit costs ~20 KB (measured by the memory
    /// bench), so ~20 MB in all.
    pub idle_documents: usize,
    /// Messages queued for one peer before its connection is closed as too far behind.
    /// Default 1,024.
    pub outbox_messages: usize,
    /// Bytes (sync payloads) queued for one peer before its connection is closed as too far
    /// behind; a single message larger than this is still queued when the outbox is empty.
    /// Default 8 MiB.
    pub outbox_bytes: usize,
}

impl Default for MemoryBounds {
    fn default() -> Self {
        Self {
            idle_documents: 1_000,
            outbox_messages: 1_024,
            outbox_bytes: 8 * 1024 * 1024,
        }
    }
}

/// The documents in memory nobody has open, in the order they were last used.
#[derive(Debug, Default)]
pub(super) struct IdleDocuments {
    by_use: BTreeMap<u64, DocumentId>,
    last_use: HashMap<DocumentId, u64>,
    uses: u64,
}

impl IdleDocuments {
    /// Notes that a document was just used and is now idle (`true`) or open (`false`).
    fn note(&mut self, id: DocumentId, idle: bool) {
        if let Some(at) = self.last_use.remove(&id) {
            self.by_use.remove(&at);
        }
        if idle {
            self.uses += 1;
            self.by_use.insert(self.uses, id);
            self.last_use.insert(id, self.uses);
        }
    }

    /// Takes out the least recently used documents beyond `bound`.
    fn beyond(&mut self, bound: usize) -> Vec<DocumentId> {
        let mut out = Vec::new();
        while self.by_use.len() > bound {
            let Some((_, id)) = self.by_use.pop_first() else {
                break;
            };
            self.last_use.remove(&id);
            out.push(id);
        }
        out
    }

    /// How many idle documents are in memory.
    pub(super) fn len(&self) -> usize {
        self.by_use.len()
    }
}

/// A document's entry, locked for one use (derefs to it). Letting it go records whether the
/// document is open or idle, and drops idle documents beyond the bound.
pub(super) struct Held<'h> {
    hub: &'h Hub,
    id: DocumentId,
    entry: Option<OwnedMutexGuard<DocEntry>>,
}

impl Deref for Held<'_> {
    type Target = DocEntry;
    fn deref(&self) -> &DocEntry {
        self.entry.as_ref().expect("held until dropped")
    }
}

impl DerefMut for Held<'_> {
    fn deref_mut(&mut self) -> &mut DocEntry {
        self.entry.as_mut().expect("held until dropped")
    }
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        let Some(mut entry) = self.entry.take() else {
            return;
        };
        let idle = entry.is_idle();
        lock(&self.hub.idle).note(self.id, idle);
        drop(entry);
        self.hub.evict_beyond_bound();
    }
}

impl Hub {
    /// The document's entry, locked (created in [`super::Phase::Loading`] if it is not in
    /// memory; waits while someone else uses it, e.g. loads it).
    pub(super) async fn hold(&self, id: DocumentId) -> Held<'_> {
        let entry = lock(&self.docs).entry(id).or_default().clone();
        Held {
            hub: self,
            id,
            entry: Some(entry.lock_owned().await),
        }
    }

    /// The document's entry, locked, if the document is in memory.
    pub(super) async fn hold_if_present(&self, id: DocumentId) -> Option<Held<'_>> {
        let entry = lock(&self.docs).get(&id).cloned()?;
        Some(Held {
            hub: self,
            id,
            entry: Some(entry.lock_owned().await),
        })
    }

    /// How many documents in memory nobody has open.
    pub fn idle_documents(&self) -> usize {
        lock(&self.idle).len()
    }

    /// Drops the least recently used idle documents beyond the bound from memory. One that
    /// someone took up meanwhile stays (it is counted again when they let it go).
    fn evict_beyond_bound(&self) {
        let victims = lock(&self.idle).beyond(self.bounds.idle_documents);
        for id in victims {
            let dropped = {
                let mut docs = lock(&self.docs);
                let evictable = docs.get(&id).is_some_and(|entry| {
                    // Only the map holds it (handles are taken under the map's lock), so the
                    // lock is free; and nothing is unsaved or open in it.
                    Arc::strong_count(entry) == 1 && entry.try_lock().is_ok_and(|mut e| e.is_idle())
                });
                if evictable { docs.remove(&id) } else { None }
            };
            if let Some(entry) = dropped {
                self.evicted.fetch_add(1, Ordering::Relaxed);
                // Freed here, outside the map's lock.
                drop(entry);
            }
        }
    }
}
