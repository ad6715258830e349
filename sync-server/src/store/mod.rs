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
use sha2::{Digest, Sha256};
use shared_model::DocumentId;
use shared_model::synthetic::Resident;

pub mod access;
pub mod outbox;

pub use access::{KioskLookup, KioskRecord, department_grantee, kiosk_grantee};
pub use outbox::{
    Batch, ExportCounts, OutboxEntry, OutboxRecord, RecordResult, RejectedRecord, StatusUpdate,
};

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

/// Sizes of a document's stored chunks after a write, to decide on compaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ChunkSizes {
    /// Bytes in the snapshot (0 if there is none).
    pub snapshot: usize,
    /// Bytes in all incremental chunks.
    pub incremental: usize,
}

impl ChunkSizes {
    /// Whether the chunks outgrew the snapshot (the automerge-repo compaction rule).
    pub fn wants_compaction(&self) -> bool {
        self.incremental > self.snapshot
    }
}

/// One visit as registered at reception.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct VisitRecord {
    /// The visit document's id.
    pub visit_id: String,
    /// 受付番号 of the day.
    pub reception_number: u32,
    /// The day (Asia/Tokyo), YYYY-MM-DD.
    pub day: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
}

/// A staff account (without its password hash).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StaffRecord {
    /// Login id.
    pub login: String,
    /// Display name.
    pub name: String,
    /// The 課 (`shimin`, `hoken_nenkin`, `kodomo_katei`).
    pub department: String,
    /// Allowed to see persons under 支援措置 (DV protection) in lookups: only the staff the
    /// city names for the 支援措置 desk. Every such lookup is audited as such.
    #[serde(default)]
    pub protected_access: bool,
    /// What the account may do.
    #[serde(default)]
    pub role: Role,
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// Its number (the log only grows).
    pub id: i64,
    /// When, ms since the epoch.
    pub at: i64,
    /// Who: a staff login, or `system` for the server's own work.
    pub login: String,
    /// What kind of act.
    pub action: String,
    /// What exactly.
    pub detail: String,
    /// At which terminal (its id, as the terminal reports itself; empty for the server's own
    /// work).
    pub terminal: String,
}

/// What a presented session token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SessionLookup {
    /// A live session of this person.
    Live(StaffRecord),
    /// This login's session, past its end.
    Expired(String),
    /// This login's session, ended by signing out.
    Ended(String),
    /// Nothing the server issued.
    Unknown,
}

/// What a signed-in person may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Counter staff of one 課.
    #[default]
    Staff,
    /// Administrator: the sync status, the exchange, the audit log (and every 課's lists).
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Staff => "staff",
            Role::Admin => "admin",
        }
    }

    /// The role named `name`, if any.
    pub fn from_name(name: &str) -> Option<Role> {
        match name {
            "staff" => Some(Role::Staff),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A staff record from the first five columns: login, name, department, protected_access,
/// role.
fn staff_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<StaffRecord> {
    Ok(StaffRecord {
        login: r.get(0)?,
        name: r.get(1)?,
        department: r.get(2)?,
        protected_access: r.get(3)?,
        role: role_of(r.get(4)?),
    })
}

fn role_of(name: String) -> Role {
    Role::from_name(&name).unwrap_or_default()
}

/// How a resident lookup searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentQuery {
    /// フリガナ starting with this (full-width katakana).
    KanaPrefix(String),
    /// 生年月日 (YYYY-MM-DD).
    BirthDate(String),
    /// 氏名 starting with this (surname first, as the register writes it), or 住所 starting
    /// with this (the 「群馬県高崎市」 of the city's own addresses may be left out).
    Text(String),
}

const RESIDENT_COLUMNS: &str = "atena_number, household_number, name, kana, birth_date, sex, \
    relationship, address, postal_code, head_name, my_number, protected";

/// Adds or replaces one resident within a transaction.
fn upsert_resident(tx: &rusqlite::Transaction<'_>, r: &Resident) -> Result<(), StoreError> {
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO residents ({RESIDENT_COLUMNS}) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        r.atena_number,
        r.household_number,
        r.name,
        r.kana,
        r.birth_date,
        r.sex,
        r.relationship,
        r.address,
        r.postal_code,
        r.head_name,
        r.my_number,
        i64::from(r.protected)
    ])?;
    Ok(())
}

fn resident_of(r: &rusqlite::Row<'_>) -> rusqlite::Result<Resident> {
    Ok(Resident {
        atena_number: r.get(0)?,
        household_number: r.get(1)?,
        name: r.get(2)?,
        kana: r.get(3)?,
        birth_date: r.get(4)?,
        sex: r.get(5)?,
        relationship: r.get(6)?,
        address: r.get(7)?,
        postal_code: r.get(8)?,
        head_name: r.get(9)?,
        my_number: r.get(10)?,
        protected: r.get::<_, i64>(11)? != 0,
    })
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

/// The prefix of every address in the city, which a counter need not type.
const CITY_PREFIX: &str = "群馬県高崎市";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS chunks (
    doc_id     TEXT    NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('snapshot', 'incremental')),
    hash       TEXT    NOT NULL,
    bytes      BLOB    NOT NULL,
    PRIMARY KEY (doc_id, kind, hash)
);
CREATE TABLE IF NOT EXISTS visits (
    doc_id           TEXT    PRIMARY KEY,
    day              TEXT    NOT NULL,
    reception_number INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    UNIQUE (day, reception_number)
);
CREATE TABLE IF NOT EXISTS staff (
    login         TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    department    TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    protected_access INTEGER NOT NULL DEFAULT 0,
    role          TEXT NOT NULL DEFAULT 'staff'
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT    PRIMARY KEY,
    login      TEXT    NOT NULL REFERENCES staff (login) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    ended_at   INTEGER
);
CREATE TABLE IF NOT EXISTS residents (
    atena_number     TEXT    PRIMARY KEY,
    household_number TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    kana             TEXT    NOT NULL,
    birth_date       TEXT    NOT NULL,
    sex              TEXT    NOT NULL,
    relationship     TEXT    NOT NULL,
    address          TEXT    NOT NULL,
    postal_code      TEXT    NOT NULL,
    head_name        TEXT    NOT NULL,
    my_number        TEXT    NOT NULL,
    protected        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS residents_kana ON residents (kana);
CREATE INDEX IF NOT EXISTS residents_birth ON residents (birth_date);
CREATE INDEX IF NOT EXISTS residents_household ON residents (household_number);
CREATE INDEX IF NOT EXISTS residents_name ON residents (name);
CREATE INDEX IF NOT EXISTS residents_address ON residents (address);
CREATE TABLE IF NOT EXISTS imports (
    key         TEXT    NOT NULL,
    etag        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    rows        INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    PRIMARY KEY (key, etag)
);
CREATE TABLE IF NOT EXISTS import_errors (
    key     TEXT    NOT NULL,
    etag    TEXT    NOT NULL,
    message TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    PRIMARY KEY (key, etag)
);
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    login    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL,
    terminal TEXT    NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
";

/// Triggers that make the audit table append-only.
const AUDIT_APPEND_ONLY: &str = "
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
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
        conn.execute_batch(outbox::SCHEMA)?;
        conn.execute_batch(access::SCHEMA)?;
        // Databases made before these columns existed gain them.
        for (table, column, definition) in [
            ("staff", "protected_access", "INTEGER NOT NULL DEFAULT 0"),
            ("staff", "role", "TEXT NOT NULL DEFAULT 'staff'"),
            ("sessions", "ended_at", "INTEGER"),
            ("audit", "terminal", "TEXT NOT NULL DEFAULT ''"),
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
        conn.execute_batch(AUDIT_APPEND_ONLY)?;
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

    /// Everything stored for a document, snapshot first, ready for `Automerge::load`.
    pub fn load(&self, doc_id: &DocumentId) -> Result<Option<Vec<u8>>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT bytes FROM chunks WHERE doc_id = ?1
             ORDER BY CASE kind WHEN 'snapshot' THEN 0 ELSE 1 END, rowid",
        )?;
        let mut rows = stmt.query(params![doc_id.to_string()])?;
        let mut out: Option<Vec<u8>> = None;
        while let Some(row) = rows.next()? {
            let bytes: Vec<u8> = row.get(0)?;
            out.get_or_insert_with(Vec::new).extend_from_slice(&bytes);
        }
        Ok(out)
    }

    /// Appends an incremental chunk (content-addressed, so a repeat is a no-op).
    pub fn append_incremental(
        &self,
        doc_id: &DocumentId,
        chunk: &[u8],
    ) -> Result<ChunkSizes, StoreError> {
        let conn = self.conn();
        Self::insert_chunk(&conn, doc_id, chunk)?;
        Self::sizes(&conn, doc_id)
    }

    fn insert_chunk(
        conn: &Connection,
        doc_id: &DocumentId,
        chunk: &[u8],
    ) -> Result<(), StoreError> {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO chunks (doc_id, kind, hash, bytes) VALUES (?1, 'incremental', ?2, ?3)",
        )?
        .execute(params![doc_id.to_string(), hex::encode(Sha256::digest(chunk)), chunk])?;
        Ok(())
    }

    /// Replaces every chunk of the document with one snapshot, atomically.
    pub fn compact(
        &self,
        doc_id: &DocumentId,
        snapshot: &[u8],
        heads_hash: &str,
    ) -> Result<ChunkSizes, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        tx.execute(
            "DELETE FROM chunks WHERE doc_id = ?1",
            params![doc_id.to_string()],
        )?;
        tx.execute(
            "INSERT INTO chunks (doc_id, kind, hash, bytes) VALUES (?1, 'snapshot', ?2, ?3)",
            params![doc_id.to_string(), heads_hash, snapshot],
        )?;
        tx.commit()?;
        Self::sizes(&conn, doc_id)
    }

    fn sizes(conn: &Connection, doc_id: &DocumentId) -> Result<ChunkSizes, StoreError> {
        let (snapshot, incremental): (i64, i64) = conn.query_row(
            "SELECT COALESCE(SUM(CASE kind WHEN 'snapshot' THEN length(bytes) END), 0),
                    COALESCE(SUM(CASE kind WHEN 'incremental' THEN length(bytes) END), 0)
             FROM chunks WHERE doc_id = ?1",
            params![doc_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(ChunkSizes {
            snapshot: snapshot as usize,
            incremental: incremental as usize,
        })
    }

    /// How many chunks of each kind a document has (for tests and the status page).
    pub fn chunk_counts(&self, doc_id: &DocumentId) -> Result<(usize, usize), StoreError> {
        let conn = self.conn();
        let (s, i): (i64, i64) = conn.query_row(
            "SELECT COALESCE(SUM(kind = 'snapshot'), 0), COALESCE(SUM(kind = 'incremental'), 0)
             FROM chunks WHERE doc_id = ?1",
            params![doc_id.to_string()],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok((s as usize, i as usize))
    }

    /// Creates or replaces a staff account.
    pub fn put_staff(&self, staff: &StaffRecord, password_hash: &str) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO staff (login, name, department, password_hash, protected_access, role)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT (login) DO UPDATE
             SET name = ?2, department = ?3, password_hash = ?4, protected_access = ?5, role = ?6",
            params![
                staff.login,
                staff.name,
                staff.department,
                password_hash,
                staff.protected_access,
                staff.role.as_str()
            ],
        )?;
        Ok(())
    }

    /// A staff account and its password hash.
    pub fn staff(&self, login: &str) -> Result<Option<(StaffRecord, String)>, StoreError> {
        Ok(self
            .conn()
            .query_row(
                "SELECT login, name, department, protected_access, role, password_hash FROM staff
                 WHERE login = ?1",
                params![login],
                |r| Ok((staff_of(r)?, r.get(5)?)),
            )
            .optional()?)
    }

    /// Stores a session (by the hash of its token).
    pub fn create_session(
        &self,
        token_hash: &str,
        login: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        let conn = self.conn();
        conn.execute(
            "DELETE FROM sessions WHERE expires_at < ?1",
            params![expires_at - 86_400_000],
        )?;
        conn.execute(
            "INSERT INTO sessions (token_hash, login, expires_at) VALUES (?1, ?2, ?3)",
            params![token_hash, login, expires_at],
        )?;
        Ok(())
    }

    /// The staff member of a live session.
    pub fn session(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<Option<StaffRecord>, StoreError> {
        Ok(match self.session_lookup(token_hash, now_ms)? {
            SessionLookup::Live(staff) => Some(staff),
            _ => None,
        })
    }

    /// What a session token stands for now: a live session, one that has expired or was
    /// ended by signing out (with whose it was), or nothing the server ever issued.
    pub fn session_lookup(
        &self,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<SessionLookup, StoreError> {
        let found = self
            .conn()
            .query_row(
                "SELECT s.login, s.name, s.department, s.protected_access, s.role,
                        x.expires_at, x.ended_at
                 FROM sessions x JOIN staff s ON s.login = x.login
                 WHERE x.token_hash = ?1",
                params![token_hash],
                |r| {
                    Ok((
                        staff_of(r)?,
                        r.get::<_, i64>(5)?,
                        r.get::<_, Option<i64>>(6)?,
                    ))
                },
            )
            .optional()?;
        Ok(match found {
            None => SessionLookup::Unknown,
            Some((staff, _, Some(_))) => SessionLookup::Ended(staff.login),
            Some((staff, expires_at, None)) if expires_at <= now_ms => {
                SessionLookup::Expired(staff.login)
            }
            Some((staff, _, None)) => SessionLookup::Live(staff),
        })
    }

    /// Ends a session (signing out). The row stays until it would have expired, so a
    /// token used after sign-out is told apart from a forged one.
    pub fn end_session(&self, token_hash: &str, now_ms: i64) -> Result<(), StoreError> {
        self.conn().execute(
            "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
            params![token_hash, now_ms],
        )?;
        Ok(())
    }

    /// Adds (or replaces) residents in one transaction.
    pub fn put_residents(&self, residents: &[Resident]) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        for r in residents {
            upsert_resident(&tx, r)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// How many residents the register holds.
    pub fn resident_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self
            .conn()
            .query_row("SELECT COUNT(*) FROM residents", [], |r| r.get(0))?;
        Ok(n as usize)
    }

    /// Residents matching a query; persons under 支援措置 only when `protected` (the
    /// searcher may see them).
    pub fn search_residents(
        &self,
        query: &ResidentQuery,
        limit: usize,
        protected: bool,
    ) -> Result<Vec<Resident>, StoreError> {
        let conn = self.reader();
        // Ranges on indexes instead of LIKE (which SQLite cannot index for non-ASCII text),
        // each ordered by its own index, so a lookup reads no more rows than it returns even
        // when thousands match.
        let range = |column: &str, order: &str| {
            format!(
                "SELECT {RESIDENT_COLUMNS} FROM residents
                 WHERE (protected = 0 OR ?3) AND {column} >= ?1 AND {column} < ?1 || char(1114111)
                 ORDER BY {order} LIMIT ?2"
            )
        };
        let searches: Vec<(String, String)> = match query {
            ResidentQuery::KanaPrefix(p) => vec![(range("kana", "kana"), p.clone())],
            ResidentQuery::BirthDate(d) => vec![(
                format!(
                    "SELECT {RESIDENT_COLUMNS} FROM residents
                     WHERE (protected = 0 OR ?3) AND birth_date = ?1 ORDER BY kana LIMIT ?2"
                ),
                d.clone(),
            )],
            ResidentQuery::Text(t) => {
                let address = if t.starts_with("群馬県") {
                    t.clone()
                } else {
                    format!("{CITY_PREFIX}{t}")
                };
                vec![
                    (range("name", "name"), t.clone()),
                    (range("address", "address"), address),
                ]
            }
        };
        let mut found: Vec<Resident> = Vec::new();
        for (sql, value) in searches {
            let left = limit.saturating_sub(found.len());
            if left == 0 {
                break;
            }
            let mut stmt = conn.prepare_cached(&sql)?;
            let rows = stmt.query_map(params![value, left as i64, protected], resident_of)?;
            for row in rows {
                let row = row?;
                if !found.iter().any(|r| r.atena_number == row.atena_number) {
                    found.push(row);
                }
            }
        }
        Ok(found)
    }

    /// The members of a household, head first (none if it is protected, unless `protected`).
    pub fn household(
        &self,
        household_number: &str,
        protected: bool,
    ) -> Result<Vec<Resident>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {RESIDENT_COLUMNS} FROM residents
             WHERE household_number = ?1 AND (protected = 0 OR ?2)
             ORDER BY relationship != '世帯主', birth_date"
        ))?;
        let rows = stmt.query_map(params![household_number, protected], resident_of)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Whether this object version was imported or refused already.
    pub fn import_seen(&self, key: &str, etag: &str) -> Result<bool, StoreError> {
        let n: i64 = self.conn().query_row(
            "SELECT (SELECT COUNT(*) FROM imports WHERE key = ?1 AND etag = ?2)
                  + (SELECT COUNT(*) FROM import_errors WHERE key = ?1 AND etag = ?2)",
            params![key, etag],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// Applies one imported file and records it, in one transaction: either all of it and
    /// the record, or nothing.
    pub fn apply_import(
        &self,
        key: &str,
        etag: &str,
        kind: &str,
        replace_all: bool,
        changes: &[crate::exchange::import::RegisterChange],
        now_ms: i64,
    ) -> Result<(), StoreError> {
        use crate::exchange::import::RegisterChange;
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if replace_all {
            tx.execute("DELETE FROM residents", [])?;
        }
        for change in changes {
            match change {
                RegisterChange::Upsert(r) => upsert_resident(&tx, r)?,
                RegisterChange::Remove(atena) => {
                    tx.prepare_cached("DELETE FROM residents WHERE atena_number = ?1")?
                        .execute(params![atena])?;
                }
            }
        }
        tx.execute(
            "INSERT INTO imports (key, etag, kind, rows, imported_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![key, etag, kind, changes.len() as i64, now_ms],
        )?;
        crate::exchange::crash_point("import-before-commit");
        tx.commit()?;
        Ok(())
    }

    /// Records a refused file so it is reported (and not retried until it changes).
    pub fn record_import_error(
        &self,
        key: &str,
        etag: &str,
        message: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO import_errors (key, etag, message, at) VALUES (?1, ?2, ?3, ?4)",
            params![key, etag, message, now_ms],
        )?;
        Ok(())
    }

    /// Appends to the audit log (who did what, when) for the server's own work or where no
    /// terminal is known.
    pub fn audit(
        &self,
        at: i64,
        login: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.audit_at(at, login, "", action, detail)
    }

    /// Appends to the audit log: who, at which terminal, did what, when.
    pub fn audit_at(
        &self,
        at: i64,
        login: &str,
        terminal: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT INTO audit (at, login, action, detail, terminal) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![at, login, action, detail, terminal],
        )?;
        Ok(())
    }

    /// The latest audit entries, newest first: (at, login, action, detail).
    pub fn audit_entries(
        &self,
        limit: usize,
    ) -> Result<Vec<(i64, String, String, String)>, StoreError> {
        Ok(self
            .search_audit("", limit)?
            .into_iter()
            .map(|e| (e.at, e.login, e.action, e.detail))
            .collect())
    }

    /// Audit entries whose login, action or detail contains `text` (all when empty),
    /// newest first.
    pub fn search_audit(&self, text: &str, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT id, at, login, action, detail, terminal FROM audit
             WHERE ?1 = '' OR instr(login, ?1) > 0 OR instr(action, ?1) > 0
                OR instr(detail, ?1) > 0 OR instr(terminal, ?1) > 0
             ORDER BY id DESC LIMIT ?2",
        )?;
        let rows = stmt.query_map(params![text, limit as i64], |r| {
            Ok(AuditEntry {
                id: r.get(0)?,
                at: r.get(1)?,
                login: r.get(2)?,
                action: r.get(3)?,
                detail: r.get(4)?,
                terminal: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// The visit register's entry for a document, if it is a registered visit.
    pub fn visit_record(&self, doc_id: &DocumentId) -> Result<Option<VisitRecord>, StoreError> {
        let id = doc_id.to_string();
        Ok(self
            .reader()
            .query_row(
                "SELECT day, reception_number, created_at FROM visits WHERE doc_id = ?1",
                params![id],
                |r| {
                    Ok(VisitRecord {
                        visit_id: id.clone(),
                        day: r.get(0)?,
                        reception_number: r.get(1)?,
                        created_at: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    /// Registers a visit and gives it the day's next reception number; registering the same
    /// visit again returns the number it already has.
    pub fn register_visit(
        &self,
        doc_id: &DocumentId,
        day: &str,
        now_ms: i64,
        grants: &[String],
    ) -> Result<VisitRecord, StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let id = doc_id.to_string();
        let existing = tx
            .query_row(
                "SELECT day, reception_number, created_at FROM visits WHERE doc_id = ?1",
                params![id],
                |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, u32>(1)?,
                        r.get::<_, i64>(2)?,
                    ))
                },
            )
            .optional()?;
        let record = match existing {
            Some((day, reception_number, created_at)) => VisitRecord {
                visit_id: id,
                reception_number,
                day,
                created_at,
            },
            None => {
                let next: u32 = tx.query_row(
                    "SELECT COALESCE(MAX(reception_number), 0) + 1 FROM visits WHERE day = ?1",
                    params![day],
                    |r| r.get(0),
                )?;
                tx.execute(
                    "INSERT INTO visits (doc_id, day, reception_number, created_at) VALUES (?1, ?2, ?3, ?4)",
                    params![id, day, next, now_ms],
                )?;
                // Only whoever registers the visit first is granted it, in the same step.
                for grantee in grants {
                    tx.prepare_cached(
                        "INSERT OR IGNORE INTO doc_access (doc_id, grantee) VALUES (?1, ?2)",
                    )?
                    .execute(params![id, grantee])?;
                }
                VisitRecord {
                    visit_id: id,
                    reception_number: next,
                    day: day.to_owned(),
                    created_at: now_ms,
                }
            }
        };
        tx.commit()?;
        Ok(record)
    }

    /// The visits registered on a day, by reception number.
    pub fn visits_of_day(&self, day: &str) -> Result<Vec<VisitRecord>, StoreError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT doc_id, reception_number, day, created_at FROM visits WHERE day = ?1
             ORDER BY reception_number",
        )?;
        let rows = stmt.query_map(params![day], |r| {
            Ok(VisitRecord {
                visit_id: r.get(0)?,
                reception_number: r.get(1)?,
                day: r.get(2)?,
                created_at: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::transaction::Transactable;
    use automerge::{AutoCommit, ROOT, ReadDoc};

    #[test]
    fn snapshot_and_chunks_load_back_as_one_document() {
        let store = Store::in_memory().unwrap();
        let id = DocumentId::random();
        assert_eq!(store.load(&id).unwrap(), None);
        let mut doc = AutoCommit::new();
        for i in 0..5 {
            doc.put(ROOT, "n", i as i64).unwrap();
            let chunk = doc.save_incremental();
            store.append_incremental(&id, &chunk).unwrap();
        }
        let loaded = AutoCommit::load(&store.load(&id).unwrap().unwrap()).unwrap();
        assert_eq!(loaded.get(ROOT, "n").unwrap().unwrap().0.as_i64(), Some(4));
        assert_eq!(store.chunk_counts(&id).unwrap(), (0, 5));
    }

    #[test]
    fn compaction_replaces_chunks_with_a_snapshot() {
        let store = Store::in_memory().unwrap();
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        let mut sizes = ChunkSizes {
            snapshot: 0,
            incremental: 0,
        };
        for i in 0..3 {
            doc.put(ROOT, "n", i as i64).unwrap();
            sizes = store
                .append_incremental(&id, &doc.save_incremental())
                .unwrap();
        }
        assert!(sizes.wants_compaction());
        let after = store.compact(&id, &doc.save(), "heads").unwrap();
        assert_eq!(after.incremental, 0);
        assert!(after.snapshot > 0);
        assert_eq!(store.chunk_counts(&id).unwrap(), (1, 0));
        // More changes after the snapshot still load on top of it.
        doc.put(ROOT, "n", 99_i64).unwrap();
        store
            .append_incremental(&id, &doc.save_incremental())
            .unwrap();
        let loaded = AutoCommit::load(&store.load(&id).unwrap().unwrap()).unwrap();
        assert_eq!(loaded.get(ROOT, "n").unwrap().unwrap().0.as_i64(), Some(99));
    }

    #[test]
    fn the_same_chunk_twice_is_stored_once() {
        let store = Store::in_memory().unwrap();
        let id = DocumentId::random();
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "a", 1_i64).unwrap();
        let chunk = doc.save_incremental();
        store.append_incremental(&id, &chunk).unwrap();
        store.append_incremental(&id, &chunk).unwrap();
        assert_eq!(store.chunk_counts(&id).unwrap(), (0, 1));
    }

    #[test]
    fn reception_numbers_count_per_day_and_are_stable() {
        let store = Store::in_memory().unwrap();
        let (a, b, c) = (
            DocumentId::random(),
            DocumentId::random(),
            DocumentId::random(),
        );
        assert_eq!(
            store
                .register_visit(&a, "2027-02-01", 1, &[])
                .unwrap()
                .reception_number,
            1
        );
        assert_eq!(
            store
                .register_visit(&b, "2027-02-01", 2, &[])
                .unwrap()
                .reception_number,
            2
        );
        assert_eq!(
            store
                .register_visit(&a, "2027-02-01", 3, &[])
                .unwrap()
                .reception_number,
            1
        );
        assert_eq!(
            store
                .register_visit(&c, "2027-02-02", 4, &[])
                .unwrap()
                .reception_number,
            1
        );
        let day = store.visits_of_day("2027-02-01").unwrap();
        assert_eq!(day.len(), 2);
        assert_eq!(day[1].visit_id, b.to_string());
    }

    #[test]
    fn staff_and_sessions() {
        let store = Store::in_memory().unwrap();
        let staff = StaffRecord {
            login: "shimin01".into(),
            name: "高崎 太郎".into(),
            department: "shimin".into(),
            protected_access: false,
            role: Role::Staff,
        };
        store.put_staff(&staff, "hash").unwrap();
        assert_eq!(
            store.staff("shimin01").unwrap(),
            Some((staff.clone(), "hash".into()))
        );
        assert_eq!(store.staff("nobody").unwrap(), None);
        store.create_session("t1", "shimin01", 1_000).unwrap();
        assert_eq!(store.session("t1", 999).unwrap(), Some(staff));
        assert_eq!(store.session("t1", 1_000).unwrap(), None, "expired");
        assert_eq!(
            store.session_lookup("t1", 1_000).unwrap(),
            SessionLookup::Expired("shimin01".into())
        );
        store.end_session("t1", 500).unwrap();
        assert_eq!(store.session("t1", 0).unwrap(), None);
        assert_eq!(
            store.session_lookup("t1", 0).unwrap(),
            SessionLookup::Ended("shimin01".into())
        );
        assert_eq!(
            store.session_lookup("t2", 0).unwrap(),
            SessionLookup::Unknown
        );
    }

    #[test]
    fn the_audit_log_only_grows() {
        let store = Store::in_memory().unwrap();
        store
            .audit_at(1, "shimin01", "t-1f01", "resident_search", "kana")
            .unwrap();
        let conn = store.conn();
        let update = conn.execute("UPDATE audit SET detail = 'x'", []);
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = conn.execute("DELETE FROM audit", []);
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        drop(conn);
        let entries = store.search_audit("t-1f01", 10).unwrap();
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].terminal, "t-1f01");
    }

    #[test]
    fn resident_lookup_by_kana_birth_date_and_text_hides_protected_persons() {
        let store = Store::in_memory().unwrap();
        let population = shared_model::synthetic::Population::generate(3, 3_000);
        store.put_residents(&population.residents).unwrap();
        assert_eq!(store.resident_count().unwrap(), population.residents.len());
        let someone = population.residents.iter().find(|r| !r.protected).unwrap();
        let prefix: String = someone.kana.chars().take(3).collect();
        let by_kana = store
            .search_residents(&ResidentQuery::KanaPrefix(prefix.clone()), 500, false)
            .unwrap();
        assert!(by_kana.iter().any(|r| r == someone));
        assert!(
            by_kana
                .iter()
                .all(|r| r.kana.starts_with(&prefix) && !r.protected)
        );
        let by_birth = store
            .search_residents(
                &ResidentQuery::BirthDate(someone.birth_date.clone()),
                50,
                false,
            )
            .unwrap();
        assert!(by_birth.iter().any(|r| r == someone));
        let town = someone
            .address
            .trim_start_matches("群馬県高崎市")
            .chars()
            .take(3)
            .collect::<String>();
        assert!(
            !store
                .search_residents(&ResidentQuery::Text(town), 5, false)
                .unwrap()
                .is_empty()
        );
        let surname = someone.name.split(' ').next().unwrap().to_owned();
        let by_name = store
            .search_residents(&ResidentQuery::Text(surname.clone()), 500, false)
            .unwrap();
        assert!(!by_name.is_empty());
        assert!(by_name.iter().all(|r| r.name.starts_with(&surname)));
        let household = store.household(&someone.household_number, false).unwrap();
        assert!(household.iter().any(|r| r == someone));
        assert_eq!(household[0].relationship, "世帯主");
        let hidden = population.residents.iter().find(|r| r.protected).unwrap();
        let found = store
            .search_residents(
                &ResidentQuery::BirthDate(hidden.birth_date.clone()),
                500,
                false,
            )
            .unwrap();
        assert!(!found.iter().any(|r| r.atena_number == hidden.atena_number));
        assert!(
            store
                .household(&hidden.household_number, false)
                .unwrap()
                .is_empty()
        );
        // The 支援措置 desk sees them.
        let allowed = store
            .search_residents(
                &ResidentQuery::BirthDate(hidden.birth_date.clone()),
                500,
                true,
            )
            .unwrap();
        assert!(
            allowed
                .iter()
                .any(|r| r.atena_number == hidden.atena_number)
        );
        assert!(
            !store
                .household(&hidden.household_number, true)
                .unwrap()
                .is_empty()
        );
        store
            .audit(1, "shimin01", "resident_search", "kana")
            .unwrap();
        assert_eq!(store.audit_entries(10).unwrap()[0].2, "resident_search");
    }

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
