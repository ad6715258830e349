//! [`Store`]: the server's SQLite database — document chunks and the visit register.
//!
//! Documents are kept as automerge-repo keeps them: one compressed snapshot plus incremental
//! chunks appended after it. A chunk is written (and fsynced: WAL with `synchronous=FULL`)
//! before the server answers the sync message that brought it, so what a client has seen
//! acknowledged survives a crash. When the chunks outgrow the snapshot, they are folded into
//! a new snapshot in one transaction.
//!
//! The export outbox lives here too ([`outbox`]): a confirmation's record is written in the
//! same transaction as the document chunk that confirms it.

use std::path::Path;
use std::sync::Mutex;

use rusqlite::{Connection, OptionalExtension, params};
use shared_model::DocumentId;

pub mod access;
mod audit;
mod chunks;
mod imports;
pub mod outbox;
mod queue;
mod residents;
mod staff;
mod visits;

pub use access::{KioskLookup, KioskRecord, department_grantee, kiosk_grantee};
pub use audit::AuditEntry;
pub use chunks::ChunkSizes;
pub use imports::ImportedFile;
pub use outbox::{
    Batch, ExportCounts, OutboxEntry, OutboxRecord, RecordResult, RejectedRecord, StatusUpdate,
};
pub use queue::{Called, DisplayListing, DisplayRecord, MAX_BLOCK, ReservedRefusal, ServingAction};
pub use residents::ResidentQuery;
pub use staff::{Role, SessionLookup, StaffRecord};
pub use visits::VisitRecord;

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The blocking task running a query died.
    #[error("storage task failed: {0}")]
    Task(String),
}

/// The server's database.
#[derive(Debug)]
pub struct Store {
    conn: Mutex<Connection>,
    /// Read-only connections for lookups, so searches run side by side and never wait
    /// behind a write (WAL lets readers and the writer work at once). Empty in memory.
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
}

/// Read connections opened beside the writer.
const READERS: usize = 4;

/// What the store keeps about itself (its storage id).
const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

impl Store {
    /// Opens (creating if needed) `madoguchi.sqlite3` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let path = data_dir.join("madoguchi.sqlite3");
        let mut store = Self::init(Connection::open(&path)?)?;
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            reader.busy_timeout(std::time::Duration::from_secs(5))?;
            store.readers.push(Mutex::new(reader));
        }
        Ok(store)
    }

    /// An in-memory database, for tests.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(SCHEMA)?;
        for schema in [
            chunks::SCHEMA,
            visits::SCHEMA,
            staff::SCHEMA,
            residents::SCHEMA,
            imports::SCHEMA,
            audit::SCHEMA,
            outbox::SCHEMA,
            access::SCHEMA,
            queue::SCHEMA,
        ] {
            conn.execute_batch(schema)?;
        }
        // Databases made before these columns existed gain them.
        for (table, column, definition) in [
            ("staff", "protected_access", "INTEGER NOT NULL DEFAULT 0"),
            ("staff", "role", "TEXT NOT NULL DEFAULT 'staff'"),
            ("sessions", "ended_at", "INTEGER"),
            ("audit", "terminal", "TEXT NOT NULL DEFAULT ''"),
            ("imports", "quarantined", "INTEGER NOT NULL DEFAULT 0"),
            ("import_errors", "layout", "TEXT NOT NULL DEFAULT ''"),
            ("outbox", "superseded_by", "TEXT"),
            ("outbox", "concerns", "TEXT"),
        ] {
            let present: bool = conn
                .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
                .exists([table, column])?;
            if !present {
                conn.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {definition}"
                ))?;
            }
        }
        // The audit log only grows: no entry is ever changed or removed, not even by the
        // server's own code.
        conn.execute_batch(audit::AUDIT_APPEND_ONLY)?;
        // Search keys of a register imported before the key function last changed.
        let mut conn = conn;
        residents::refresh_search_keys(&mut conn)?;
        Ok(Self {
            conn: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// A read connection: a free reader if there is one, else the next in turn (or the
    /// writer, in memory).
    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.conn();
        }
        for reader in &self.readers {
            if let Ok(guard) = reader.try_lock() {
                return guard;
            }
        }
        let i = self
            .next_reader
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            % self.readers.len();
        self.readers[i].lock().unwrap_or_else(|e| e.into_inner())
    }

    fn conn(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (every write is a
        // transaction), so a poisoned lock is safe to reuse.
        self.conn.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The id of this server's storage, created on first use and kept from then on.
    pub fn storage_id(&self) -> Result<String, StoreError> {
        let conn = self.conn();
        if let Some(id) = conn
            .query_row("SELECT value FROM meta WHERE key = 'storage_id'", [], |r| {
                r.get(0)
            })
            .optional()?
        {
            return Ok(id);
        }
        let id = DocumentId::random().to_string();
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('storage_id', ?1)",
            params![id],
        )?;
        Ok(id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_survives_reopening_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let id = DocumentId::random();
        let storage_id;
        {
            let store = Store::open(dir.path()).unwrap();
            storage_id = store.storage_id().unwrap();
            store.append_incremental(&id, b"chunk").unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.storage_id().unwrap(), storage_id);
        assert_eq!(store.load(&id).unwrap().as_deref(), Some(&b"chunk"[..]));
    }
}
