//! [`LocalStore`]: the terminal's IndexedDB, where every edit lands before it goes anywhere.
//!
//! Object stores (database `madoguchi`, version 1):
//! - `chunks` (key `id` = `<doc>:<sha256>`, index `by_doc`): Automerge chunks of each visit —
//!   a snapshot and the incremental changes after it;
//! - `visits` (key `doc`): reception number and times, for the local list;
//! - `sync_states` (key `doc`): the sync state shared with the server and that server's
//!   storage id, so a reload or a reconnect to the same server resumes instead of starting
//!   over (a record without `storage_id`, from before it was kept, matches no server).
//!
//! Each write is one readwrite transaction whose requests are issued back to back, with no
//! other await in between (an IndexedDB transaction commits as soon as it has nothing to do).
//!
//! Chunks and sync states are sealed with the [`Vault`] (AES-GCM) before the transaction
//! opens; without an unlocked vault nothing is written or read. The `visits` list holds only
//! document ids, reception numbers and times.

use js_sys::{Object, Reflect, Uint8Array};
use rexie::{Index, KeyRange, ObjectStore, Rexie, TransactionMode};
use sha2::{Digest, Sha256};
use shared_model::DocumentId;
use wasm_bindgen::{JsCast, JsValue};

use crate::vault::{Vault, VaultError};

const DB_NAME: &str = "madoguchi";
const CHUNKS: &str = "chunks";
const VISITS: &str = "visits";
const SYNC_STATES: &str = "sync_states";
/// Above this many chunks a document is folded into one snapshot.
const COMPACT_AFTER: u32 = 64;

/// What went wrong in IndexedDB.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// IndexedDB refused.
    #[error("IndexedDB: {0}")]
    Idb(#[from] rexie::Error),
    /// A key range could not be made.
    #[error("IndexedDB key range: {0}")]
    KeyRange(String),
    /// A stored record does not have the expected shape.
    #[error("stored record is malformed: {0}")]
    Malformed(&'static str),
    /// Nobody is signed in: drafts can be neither written nor read.
    #[error("the local drafts are locked (nobody is signed in)")]
    Locked,
    /// Sealing failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

/// A visit as listed on this terminal.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalVisit {
    /// The document.
    pub doc: DocumentId,
    /// 受付番号.
    pub reception_number: String,
    /// Last local change, ms since the epoch.
    pub updated_at: f64,
}

/// One document's stored bytes and sync state.
#[derive(Debug, Default)]
pub struct StoredDoc {
    /// Snapshot and chunks, concatenated for `load`.
    pub bytes: Vec<u8>,
    /// The encoded sync state with the server, if any.
    pub sync_state: Option<SavedSyncState>,
    /// How many chunks there are.
    pub chunks: u32,
    /// Records that could not be opened (sealed under another key, or damaged): skipped.
    pub unreadable: u32,
}

/// A sync state as stored: made with the server whose storage id it names.
#[derive(Debug, Clone)]
pub struct SavedSyncState {
    /// The server's storage id (automerge-repo `storageId`); empty if unknown.
    pub storage_id: String,
    /// The encoded `automerge::sync::State`.
    pub bytes: Vec<u8>,
}

/// The terminal's IndexedDB.
pub struct LocalStore {
    db: Rexie,
    vault: Option<Vault>,
}

impl LocalStore {
    /// Opens (creating or upgrading) the database.
    pub async fn open() -> Result<Self, StorageError> {
        let db = Rexie::builder(DB_NAME)
            .version(1)
            .add_object_store(
                ObjectStore::new(CHUNKS)
                    .key_path("id")
                    .add_index(Index::new("by_doc", "doc")),
            )
            .add_object_store(ObjectStore::new(VISITS).key_path("doc"))
            .add_object_store(ObjectStore::new(SYNC_STATES).key_path("doc"))
            .build()
            .await?;
        Ok(Self { db, vault: None })
    }

    /// Unlocks (or, with `None`, locks) the drafts.
    pub fn set_vault(&mut self, vault: Option<Vault>) {
        self.vault = vault;
    }

    /// Whether drafts can be read and written now.
    pub fn is_unlocked(&self) -> bool {
        self.vault.is_some()
    }

    fn vault(&self) -> Result<&Vault, StorageError> {
        self.vault.as_ref().ok_or(StorageError::Locked)
    }

    /// Deletes the whole database (for tests).
    pub async fn delete() -> Result<(), StorageError> {
        Rexie::delete(DB_NAME).await?;
        Ok(())
    }

    /// Appends a chunk of a visit and updates its list entry, in one transaction.
    /// When `snapshot` is given, it replaces every stored chunk of the document instead.
    pub async fn save_chunk(
        &self,
        visit: &LocalVisit,
        chunk: &[u8],
        snapshot: bool,
    ) -> Result<(), StorageError> {
        let doc = visit.doc.to_string();
        let sealed = self.vault()?.seal(chunk).await?;
        let record = chunk_record(&doc, &sealed);
        let meta = record_of(&[
            ("doc", JsValue::from_str(&doc)),
            (
                "reception_number",
                JsValue::from_str(&visit.reception_number),
            ),
            ("updated_at", JsValue::from_f64(visit.updated_at)),
        ]);
        let tx = self
            .db
            .transaction(&[CHUNKS, VISITS], TransactionMode::ReadWrite)?;
        let chunks = tx.store(CHUNKS)?;
        if snapshot {
            let old = chunks
                .index("by_doc")?
                .get_all_keys(Some(key_range(&doc)?), None)
                .await?;
            for key in old {
                chunks.delete(key).await?;
            }
        }
        chunks.put(&record, None).await?;
        tx.store(VISITS)?.put(&meta, None).await?;
        tx.done().await?;
        Ok(())
    }

    /// Stores the sync state shared with the server whose storage id is `storage_id`.
    pub async fn save_sync_state(
        &self,
        doc: DocumentId,
        storage_id: &str,
        state: &[u8],
    ) -> Result<(), StorageError> {
        let sealed = self.vault()?.seal(state).await?;
        let record = record_of(&[
            ("doc", JsValue::from_str(&doc.to_string())),
            ("storage_id", JsValue::from_str(storage_id)),
            ("bytes", Uint8Array::from(sealed.as_slice()).into()),
        ]);
        let tx = self
            .db
            .transaction(&[SYNC_STATES], TransactionMode::ReadWrite)?;
        tx.store(SYNC_STATES)?.put(&record, None).await?;
        tx.done().await?;
        Ok(())
    }

    /// Everything stored for one document.
    pub async fn load(&self, doc: DocumentId) -> Result<StoredDoc, StorageError> {
        let vault = self.vault()?;
        let key = JsValue::from_str(&doc.to_string());
        let tx = self
            .db
            .transaction(&[CHUNKS, SYNC_STATES], TransactionMode::ReadOnly)?;
        let records = tx
            .store(CHUNKS)?
            .index("by_doc")?
            .get_all(Some(key_range(&doc.to_string())?), None)
            .await?;
        let state = tx.store(SYNC_STATES)?.get(key).await?;
        tx.done().await?;
        let mut stored = StoredDoc::default();
        for record in records {
            match vault.open(&bytes_field(&record, "bytes")?).await {
                Ok(chunk) => {
                    stored.bytes.extend(chunk);
                    stored.chunks += 1;
                }
                Err(_) => stored.unreadable += 1,
            }
        }
        if let Some(state) = state {
            let storage_id = string_field(&state, "storage_id").unwrap_or_default();
            stored.sync_state = vault
                .open(&bytes_field(&state, "bytes")?)
                .await
                .ok()
                .map(|bytes| SavedSyncState { storage_id, bytes });
        }
        Ok(stored)
    }

    /// The visits stored on this terminal, newest first.
    pub async fn visits(&self) -> Result<Vec<LocalVisit>, StorageError> {
        let tx = self.db.transaction(&[VISITS], TransactionMode::ReadOnly)?;
        let records = tx.store(VISITS)?.get_all(None, None).await?;
        tx.done().await?;
        let mut visits = Vec::with_capacity(records.len());
        for record in records {
            let doc = string_field(&record, "doc")?
                .parse()
                .map_err(|_| StorageError::Malformed("visits.doc"))?;
            visits.push(LocalVisit {
                doc,
                reception_number: string_field(&record, "reception_number")?,
                updated_at: Reflect::get(&record, &"updated_at".into())
                    .ok()
                    .and_then(|v| v.as_f64())
                    .unwrap_or_default(),
            });
        }
        visits.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
        Ok(visits)
    }

    /// Removes everything stored for a document (its chunks, list entry and sync state), in
    /// one transaction.
    pub async fn remove(&self, doc: DocumentId) -> Result<(), StorageError> {
        let id = doc.to_string();
        let tx = self
            .db
            .transaction(&[CHUNKS, VISITS, SYNC_STATES], TransactionMode::ReadWrite)?;
        let chunks = tx.store(CHUNKS)?;
        let keys = chunks
            .index("by_doc")?
            .get_all_keys(Some(key_range(&id)?), None)
            .await?;
        for key in keys {
            chunks.delete(key).await?;
        }
        tx.store(VISITS)?.delete(JsValue::from_str(&id)).await?;
        tx.store(SYNC_STATES)?
            .delete(JsValue::from_str(&id))
            .await?;
        tx.done().await?;
        Ok(())
    }

    /// Whether a document with this many chunks should be folded into a snapshot.
    pub fn wants_compaction(chunks: u32) -> bool {
        chunks > COMPACT_AFTER
    }
}

fn key_range(doc: &str) -> Result<KeyRange, StorageError> {
    KeyRange::only(&JsValue::from_str(doc)).map_err(|e| StorageError::KeyRange(e.to_string()))
}

fn chunk_record(doc: &str, chunk: &[u8]) -> JsValue {
    let id = format!("{doc}:{}", hex::encode(Sha256::digest(chunk)));
    record_of(&[
        ("id", JsValue::from_str(&id)),
        ("doc", JsValue::from_str(doc)),
        ("bytes", Uint8Array::from(chunk).into()),
    ])
}

fn record_of(fields: &[(&str, JsValue)]) -> JsValue {
    let object = Object::new();
    for (key, value) in fields {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(key), value);
    }
    object.into()
}

fn bytes_field(record: &JsValue, key: &'static str) -> Result<Vec<u8>, StorageError> {
    let value =
        Reflect::get(record, &JsValue::from_str(key)).map_err(|_| StorageError::Malformed(key))?;
    if !value.is_instance_of::<Uint8Array>() {
        return Err(StorageError::Malformed(key));
    }
    Ok(Uint8Array::from(value).to_vec())
}

fn string_field(record: &JsValue, key: &'static str) -> Result<String, StorageError> {
    Reflect::get(record, &JsValue::from_str(key))
        .ok()
        .and_then(|v| v.as_string())
        .ok_or(StorageError::Malformed(key))
}
