//! Which 住基 files were imported (key and ETag, in the same transaction as their rows) and
//! which were refused, with why.

use rusqlite::params;

use super::residents::upsert_resident;
use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
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
";

impl Store {
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
}
