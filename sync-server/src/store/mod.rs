//! [`Store`]: the server's database — document chunks, the visit register, the resident
//! register, staff, audit, the exchange with the core system — on SQLite (the embedded
//! default) or PostgreSQL (several nodes), one room per concern, each written once in the SQL
//! both speak ([`sql`]).
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

use rusqlite::{Connection, OptionalExtension};
use shared_model::DocumentId;
use shared_model::tenant::LocalGovernmentCode;

pub mod access;
mod audit;
mod chunks;
mod imports;
pub mod outbox;
pub mod postgres;
mod queue;
mod residents;
mod sign_in;
pub mod sql;
mod staff;
mod visits;

pub use access::{Grant, KioskLookup, KioskRecord, department_grantee, kiosk_grantee, tenant_of};
pub use audit::AuditEntry;
pub use chunks::ChunkSizes;
pub use imports::ImportedFile;
pub use outbox::{
    Batch, ExportCounts, OutboxEntry, OutboxRecord, RecordResult, RejectedRecord, StatusUpdate,
};
pub use queue::{Called, DisplayListing, DisplayRecord, MAX_BLOCK, RegisterRefusal, ServingAction};
pub use residents::{Register, ResidentQuery};
pub use sign_in::NonceState;
pub use sql::Dialect;
pub use staff::{Role, SessionLookup, StaffRecord};
pub use visits::VisitRecord;

use sql::{Conn, params};

/// What went wrong in the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// SQLite reported an error.
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    /// PostgreSQL reported an error.
    #[error("database error: {}", postgres_message(.0))]
    Postgres(#[from] tokio_postgres::Error),
    /// No pooled PostgreSQL connection could be had in time.
    #[error("no database connection: {0}")]
    Pool(#[from] r2d2::Error),
    /// A query that must give a row gave none.
    #[error("database error: the query gave no row")]
    NoRows,
    /// A column held something the store cannot read as the type it wants.
    #[error("database error: column {index}: {problem}")]
    Column {
        /// The column (from 0).
        index: usize,
        /// What is wrong.
        problem: String,
    },
    /// The data directory could not be created.
    #[error("cannot create data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A restore holds the data folder (`sync-server restore`): the database is being
    /// replaced.
    #[error("{0} is being restored from a backup: start when the restore has finished")]
    Restoring(String),
    /// The blocking task running a query died.
    #[error("storage task failed: {0}")]
    Task(String),
}

/// PostgreSQL's own words for an error the server reported (tokio-postgres shows only
/// "db error").
fn postgres_message(e: &tokio_postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => format!("{} ({})", db.message(), db.code().code()),
        None => e.to_string(),
    }
}

/// The server's database: SQLite (embedded, one node) or PostgreSQL (several nodes).
///
/// Every room of the store (`chunks`, `visits`, `staff`, …) is written once over [`Conn`]
/// and runs on both; this type picks the connection and the transaction for each unit of
/// work:
/// - [`Store::read`]: a read (SQLite: a read-only connection beside the writer);
/// - [`Store::write`]: a transaction that runs alone (SQLite: `BEGIN IMMEDIATE` on the one
///   writer; PostgreSQL: under the advisory lock [`postgres::WRITE_LOCK`], on every node);
/// - [`Store::append`]: a transaction that needs no such order (content-addressed chunks).
#[derive(Debug)]
pub struct Store {
    db: Database,
    /// The cities' names (「高崎市」), by which each register's addresses lose their prefix.
    city_names: std::sync::RwLock<std::collections::HashMap<LocalGovernmentCode, String>>,
    /// How long each read and transaction takes (for `/metrics`).
    latency: crate::metrics::StoreLatency,
}

#[derive(Debug)]
enum Database {
    Sqlite(Sqlite),
    Postgres(postgres::Postgres),
}

#[derive(Debug)]
struct Sqlite {
    /// A shared lock on `madoguchi.lock` while the database is open, so that a restore
    /// (which takes it exclusively, see `crate::backup`) never replaces the database under a
    /// running server or command. `None` in memory.
    _lock: Option<std::fs::File>,
    writer: Mutex<Connection>,
    /// Read-only connections for lookups, so searches run side by side and never wait
    /// behind a write (WAL lets readers and the writer work at once). Empty in memory.
    readers: Vec<Mutex<Connection>>,
    next_reader: std::sync::atomic::AtomicUsize,
}

/// The file whose lock tells a running store from a restore (see [`Sqlite`]).
pub const LOCK_FILE: &str = "madoguchi.lock";

/// Opens (creating) the lock file of `data_dir`.
pub fn open_lock(data_dir: &Path) -> std::io::Result<std::fs::File> {
    std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(data_dir.join(LOCK_FILE))
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

/// Whether the SQLite database has the table `name`.
fn table_exists(conn: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(conn
        .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1")?
        .exists([name])?)
}

/// The environment variable that points the tests' stores at a PostgreSQL cluster
/// (`postgres://user@127.0.0.1:port/postgres`); `cargo xtask test` sets it for its second run.
pub const TEST_POSTGRES_ENV: &str = "MADOGUCHI_TEST_POSTGRES";

impl Store {
    /// Opens (creating if needed) `madoguchi.sqlite3` in `data_dir`.
    pub fn open(data_dir: &Path) -> Result<Self, StoreError> {
        std::fs::create_dir_all(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        let lock = open_lock(data_dir).map_err(|source| StoreError::DataDir {
            path: data_dir.display().to_string(),
            source,
        })?;
        if lock.try_lock_shared().is_err() {
            return Err(StoreError::Restoring(data_dir.display().to_string()));
        }
        let path = data_dir.join("madoguchi.sqlite3");
        let mut sqlite = Self::init_sqlite(Connection::open(&path)?)?;
        sqlite._lock = Some(lock);
        for _ in 0..READERS {
            let reader = Connection::open_with_flags(
                &path,
                rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY
                    | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )?;
            reader.busy_timeout(std::time::Duration::from_secs(5))?;
            sqlite.readers.push(Mutex::new(reader));
        }
        Self::ready(Database::Sqlite(sqlite))
    }

    fn ready(db: Database) -> Result<Self, StoreError> {
        let store = Self {
            db,
            city_names: std::sync::RwLock::default(),
            latency: crate::metrics::StoreLatency::default(),
        };
        store.refresh()?;
        Ok(store)
    }

    /// Opens the store on PostgreSQL at `url` (`postgres://user:password@host:port/db`),
    /// applying the migrations it lacks, with a pool of at most `max_connections`.
    pub fn open_postgres(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        Self::ready(Database::Postgres(postgres::Postgres::open(
            url,
            max_connections,
        )?))
    }

    /// An in-memory SQLite database.
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::ready(Database::Sqlite(Self::init_sqlite(
            Connection::open_in_memory()?,
        )?))
    }

    /// A throw-away store for tests: a database of its own in the PostgreSQL cluster named
    /// by [`TEST_POSTGRES_ENV`] when that is set, else SQLite in memory.
    pub fn scratch() -> Result<Self, StoreError> {
        match std::env::var(TEST_POSTGRES_ENV) {
            Ok(url) if !url.is_empty() => {
                Self::ready(Database::Postgres(postgres::Postgres::scratch(&url)?))
            }
            _ => Self::in_memory(),
        }
    }

    /// Which database this store is on.
    pub fn dialect(&self) -> Dialect {
        match self.db {
            Database::Sqlite(_) => Dialect::Sqlite,
            Database::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The PostgreSQL side, when the store is on PostgreSQL (for the nodes' notifications
    /// and leader locks).
    pub fn postgres(&self) -> Option<&postgres::Postgres> {
        match &self.db {
            Database::Postgres(pg) => Some(pg),
            Database::Sqlite(_) => None,
        }
    }

    /// The change notice other nodes get when a transaction storing changes of `doc_id`
    /// commits (PostgreSQL only; one node on SQLite has nobody to tell).
    fn notify_changed(&self, c: &Conn<'_>, doc_id: &DocumentId) -> Result<(), StoreError> {
        if let Database::Postgres(pg) = &self.db {
            c.execute(
                "SELECT pg_notify(?1, ?2)",
                params![postgres::CHANGES_CHANNEL, format!("{} {doc_id}", pg.node)],
            )?;
        }
        Ok(())
    }

    /// The tables whose every row names its city (a `tenant` column); rows stored before
    /// cities were told apart have it empty until [`Store::adopt_untenanted`].
    const TABLES_WITH_A_CITY: &[&str] = &[
        "staff",
        "kiosks",
        "doc_access",
        "visits",
        "queue_tickets",
        "number_blocks",
        "displays",
        "audit",
        "terminals",
        "residents",
        "resident_keys",
        "imports",
        "import_errors",
        "import_quarantine",
        "outbox",
        "export_batches",
    ];

    fn init_sqlite(conn: Connection) -> Result<Sqlite, StoreError> {
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        // Search keys made before the city was in their key are made anew (by `refresh`).
        if table_exists(&conn, "resident_keys")?
            && !conn
                .prepare("SELECT 1 FROM pragma_table_info('resident_keys') WHERE name = 'tenant'")?
                .exists([])?
        {
            conn.execute_batch(
                "DROP TABLE resident_keys;
                 DELETE FROM meta WHERE key = 'search_key_version';",
            )?;
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
        ]
        .into_iter()
        .chain(
            Self::TABLES_WITH_A_CITY
                .iter()
                .map(|table| (*table, "tenant", "TEXT NOT NULL DEFAULT ''")),
        ) {
            if !table_exists(&conn, table)? {
                continue;
            }
            let present: bool = conn
                .prepare("SELECT 1 FROM pragma_table_info(?1) WHERE name = ?2")?
                .exists([table, column])?;
            if !present {
                conn.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN {column} {definition}"
                ))?;
            }
        }
        // Keys that now include the city: SQLite cannot alter a table's constraint, so the
        // table is made anew and its rows copied, once.
        for (table, key, create, columns) in [
            (
                "visits",
                "UNIQUE (tenant, day, reception_number)",
                visits::TABLE,
                "doc_id, tenant, day, reception_number, created_at",
            ),
            (
                "number_blocks",
                "PRIMARY KEY (tenant, day, first)",
                queue::NUMBER_BLOCKS,
                "tenant, day, first, last, kiosk_id, reserved_at",
            ),
            (
                "terminals",
                "PRIMARY KEY (tenant, terminal)",
                access::TERMINALS,
                "tenant, terminal, status, last_seen",
            ),
            (
                "residents",
                "PRIMARY KEY (tenant, atena_number)",
                residents::RESIDENTS_TABLE,
                "tenant, atena_number, household_number, name, kana, birth_date, sex, \
                 relationship, address, postal_code, head_name, my_number, protected",
            ),
        ] {
            let made: Option<String> = conn
                .query_row(
                    "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?1",
                    [table],
                    |r| r.get(0),
                )
                .optional()?;
            if made.is_some_and(|sql| !sql.contains(key)) {
                conn.execute_batch(&format!(
                    "BEGIN IMMEDIATE;
                     ALTER TABLE {table} RENAME TO {table}_before_cities;
                     {create}
                     INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_before_cities;
                     DROP TABLE {table}_before_cities;
                     COMMIT;"
                ))?;
            }
        }
        conn.execute_batch(SCHEMA)?;
        for schema in [
            chunks::SCHEMA,
            visits::SCHEMA,
            staff::SCHEMA,
            residents::RESIDENTS_TABLE,
            residents::SCHEMA,
            imports::SCHEMA,
            audit::SCHEMA,
            outbox::SCHEMA,
            access::SCHEMA,
            access::TERMINALS,
            queue::SCHEMA,
            queue::NUMBER_BLOCKS,
            sign_in::SCHEMA,
        ] {
            conn.execute_batch(schema)?;
        }
        // The audit log only grows: no entry is ever changed or removed, not even by the
        // server's own code.
        conn.execute_batch(audit::AUDIT_APPEND_ONLY)?;
        let sqlite = Sqlite {
            _lock: None,
            writer: Mutex::new(conn),
            readers: Vec::new(),
            next_reader: std::sync::atomic::AtomicUsize::new(0),
        };
        Ok(sqlite)
    }

    /// Gives the rows stored before cities were told apart (every table of
    /// `TABLES_WITH_A_CITY` but the append-only audit log, rows with an empty tenant) to
    /// `tenant`, the deployment's first city, and its data-key
    /// secret the name of that city's, so the keys sealing drafts on the terminals stay the
    /// same. Idempotent; the server calls it at start.
    ///
    /// # Errors
    /// [`StoreError`] when the database refuses the update (nothing is changed then).
    pub fn adopt_untenanted(&self, tenant: LocalGovernmentCode) -> Result<u64, StoreError> {
        self.write(|c| {
            let mut adopted = 0;
            for table in Self::TABLES_WITH_A_CITY {
                if *table == "audit" {
                    continue;
                }
                adopted += c.execute(
                    &format!("UPDATE {table} SET tenant = ?1 WHERE tenant = ''"),
                    params![tenant.as_str()],
                )?;
            }
            c.execute(
                "UPDATE meta SET key = ?1 WHERE key = 'data_key_secret'
                   AND NOT EXISTS (SELECT 1 FROM meta WHERE key = ?1)",
                params![access::data_key_secret_name(tenant)],
            )?;
            // The audit log is append-only: its older entries keep no city, and are read as
            // this one's.
            c.execute(
                "INSERT INTO meta (key, value) VALUES ('first_city', ?1) ON CONFLICT DO NOTHING",
                params![tenant.as_str()],
            )?;
            Ok(adopted as u64)
        })
    }

    /// The deployment's first city as the database records it (from the first start that
    /// knew cities; `None` before).
    ///
    /// # Errors
    /// [`StoreError::Column`] when the stored code does not read.
    pub fn first_city(&self) -> Result<Option<LocalGovernmentCode>, StoreError> {
        let stored: Option<String> = self.read(|c| {
            c.query_opt(
                "SELECT value FROM meta WHERE key = 'first_city'",
                params![],
                |r| r.get(0),
            )
        })?;
        stored
            .map(|code| access::tenant_column(code, 0))
            .transpose()
    }

    /// Brings what an older version stored up to date (search keys made by an older key
    /// function). Called once on opening.
    fn refresh(&self) -> Result<(), StoreError> {
        residents::refresh_search_keys(self)
    }

    /// The store's timings (shared with the server's [`crate::metrics::Metrics`]).
    pub fn latency(&self) -> &crate::metrics::StoreLatency {
        &self.latency
    }

    /// Runs `f` as a read.
    pub fn read<T>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let started = std::time::Instant::now();
        let out = self.read_untimed(f);
        self.latency.read(started);
        out
    }

    fn read_untimed<T>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.db {
            Database::Sqlite(sqlite) => f(&Conn::Sqlite(&sqlite.reader())),
            Database::Postgres(pg) => {
                let mut client = pg.pool.get()?;
                f(&Conn::Postgres(std::cell::RefCell::new(&mut client)))
            }
        }
    }

    /// Runs `f` in a transaction that runs alone: committed when `f` returns `Ok`, rolled
    /// back when it returns an error.
    pub fn write<T>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(true, f)
    }

    /// Runs `f` in a transaction that may run beside others (writes that cannot conflict:
    /// content-addressed chunks).
    pub fn append<T>(
        &self,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.transaction(false, f)
    }

    fn transaction<T>(
        &self,
        alone: bool,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let started = std::time::Instant::now();
        let out = self.transaction_untimed(alone, f);
        self.latency.write(started);
        out
    }

    fn transaction_untimed<T>(
        &self,
        alone: bool,
        f: impl FnOnce(&Conn<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        match &self.db {
            Database::Sqlite(sqlite) => {
                let mut conn = sqlite.writer();
                let tx =
                    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
                let out = f(&Conn::Sqlite(&tx))?;
                tx.commit()?;
                Ok(out)
            }
            Database::Postgres(pg) => {
                let mut client = pg.pool.get()?;
                client.in_transaction = true;
                if alone {
                    client.batch(&format!(
                        "BEGIN; SELECT pg_advisory_xact_lock({})",
                        postgres::WRITE_LOCK
                    ))?;
                } else {
                    client.batch("BEGIN")?;
                }
                let out = f(&Conn::Postgres(std::cell::RefCell::new(&mut client)));
                match out {
                    Ok(out) => {
                        client.batch("COMMIT")?;
                        client.in_transaction = false;
                        Ok(out)
                    }
                    Err(e) => {
                        if client.batch("ROLLBACK").is_ok() {
                            client.in_transaction = false;
                        }
                        Err(e)
                    }
                }
            }
        }
    }

    /// The id of this server's storage, created on first use and kept from then on.
    pub fn storage_id(&self) -> Result<String, StoreError> {
        self.write(|c| {
            if let Some(id) = c.query_opt(
                "SELECT value FROM meta WHERE key = 'storage_id'",
                params![],
                |r| r.get(0),
            )? {
                return Ok(id);
            }
            let id = DocumentId::random().to_string();
            c.execute(
                "INSERT INTO meta (key, value) VALUES ('storage_id', ?1)",
                params![id],
            )?;
            Ok(id)
        })
    }
}

impl Sqlite {
    /// A read connection: a free reader if there is one, else the next in turn (or the
    /// writer, in memory).
    fn reader(&self) -> std::sync::MutexGuard<'_, Connection> {
        if self.readers.is_empty() {
            return self.writer();
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

    fn writer(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves SQLite itself consistent (every write is a
        // transaction), so a poisoned lock is safe to reuse.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
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

    #[test]
    fn a_database_from_before_cities_opens_with_its_numbers_as_the_first_citys() {
        use shared_model::tenant::TAKASAKI;
        let dir = tempfile::tempdir().unwrap();
        let (visit, day) = (DocumentId::random(), "2026-11-30");
        {
            // The tables as the previous version made them, with a day's numbers given.
            let conn = Connection::open(dir.path().join("madoguchi.sqlite3")).unwrap();
            conn.execute_batch(&format!(
                "CREATE TABLE visits (doc_id TEXT PRIMARY KEY, day TEXT NOT NULL,
                     reception_number INTEGER NOT NULL, created_at INTEGER NOT NULL,
                     UNIQUE (day, reception_number));
                 CREATE TABLE number_blocks (day TEXT NOT NULL, first INTEGER NOT NULL,
                     last INTEGER NOT NULL, kiosk_id TEXT NOT NULL, reserved_at INTEGER NOT NULL,
                     PRIMARY KEY (day, first));
                 CREATE TABLE doc_access (doc_id TEXT NOT NULL, grantee TEXT NOT NULL,
                     PRIMARY KEY (doc_id, grantee));
                 INSERT INTO visits VALUES ('{visit}', '{day}', 1, 5);
                 INSERT INTO number_blocks VALUES ('{day}', 2, 11, 'kiosk-1f', 6);
                 INSERT INTO doc_access VALUES ('{visit}', 'dept:shimin');
                 CREATE TABLE terminals (terminal TEXT PRIMARY KEY, status TEXT NOT NULL,
                     last_seen INTEGER NOT NULL);
                 INSERT INTO terminals VALUES ('t-1f01', '{{\"terminal\":\"t-1f01\",\"who\":\"shimin01\",\"version\":\"0.1.0\",\"pending\":0,\"persisted\":true,\"resumed_with\":null,\"last_seen\":5,\"online\":false}}', 5);
                 CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
                 CREATE TABLE residents (atena_number TEXT PRIMARY KEY,
                     household_number TEXT NOT NULL, name TEXT NOT NULL, kana TEXT NOT NULL,
                     birth_date TEXT NOT NULL, sex TEXT NOT NULL, relationship TEXT NOT NULL,
                     address TEXT NOT NULL, postal_code TEXT NOT NULL, head_name TEXT NOT NULL,
                     my_number TEXT NOT NULL, protected INTEGER NOT NULL DEFAULT 0);
                 CREATE INDEX residents_birth ON residents (birth_date);
                 INSERT INTO residents VALUES ('000001', '0101', '高橋 葵', 'タカハシ　アオイ',
                     '1990-05-05', 'female', '世帯主', '群馬県高崎市貝沢町429番地2', '370-0041',
                     '高橋 葵', '', 0);
                 CREATE TABLE resident_keys (key TEXT NOT NULL, kind INTEGER NOT NULL,
                     atena_number TEXT NOT NULL, PRIMARY KEY (key, kind, atena_number))
                     WITHOUT ROWID;
                 INSERT INTO resident_keys VALUES ('タカハシアオイ', 2, '000001');"
            ))
            .unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        store.adopt_untenanted(TAKASAKI).unwrap();
        // The register is the first city's, its search keys made anew with the city (the
        // server names its cities right after adopting).
        store.name_cities([]).unwrap();
        let register = store.register(TAKASAKI);
        assert_eq!(register.resident_count().unwrap(), 1);
        for q in ["たかはし あおい", "貝沢町429-2", "高橋葵"] {
            let found = register
                .search_residents(&ResidentQuery::Text(q.into()), 5, false)
                .unwrap();
            assert_eq!(found.len(), 1, "{q}");
        }
        assert_eq!(
            store
                .register("102016".parse().unwrap())
                .resident_count()
                .unwrap(),
            0
        );
        let terminals = store.saved_terminals().unwrap();
        assert_eq!(terminals.len(), 1);
        assert_eq!(
            (terminals[0].0, terminals[0].1.terminal.as_str()),
            (TAKASAKI, "t-1f01")
        );
        let kept = store.visits_of_day(TAKASAKI, day).unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(
            (kept[0].visit_id.as_str(), kept[0].reception_number),
            (visit.to_string().as_str(), 1)
        );
        // Takasaki goes on past its number and its kiosk's block; Maebashi starts at 1.
        let next = store
            .register_visit(
                &DocumentId::random(),
                TAKASAKI,
                day,
                7,
                &[Grant::department(TAKASAKI, "shimin")],
            )
            .unwrap()
            .unwrap();
        assert_eq!(next.reception_number, 12);
        let maebashi = "102016".parse().unwrap();
        let theirs = store
            .register_visit(
                &DocumentId::random(),
                maebashi,
                day,
                8,
                &[Grant::department(maebashi, "shimin")],
            )
            .unwrap()
            .unwrap();
        assert_eq!(theirs.reception_number, 1);
        // Opened again: nothing is made anew twice.
        drop(store);
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.visits_of_day(TAKASAKI, day).unwrap().len(), 2);
        assert_eq!(store.visits_of_day(maebashi, day).unwrap().len(), 1);
    }
}
