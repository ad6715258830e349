//! Which 住基 files were imported (key and ETag, in the same transaction as their rows),
//! which were refused (under which layout) with why, and the rows set aside (quarantined)
//! with their line, column and reason.

use rusqlite::{OptionalExtension, params};
use shared_model::import_state::QuarantinedRow;

use super::residents::{insert_resident, remove_resident, residents_by_atena, upsert_resident};
use super::{Store, StoreError};
use crate::exchange::import::RegisterChange;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS imports (
    key         TEXT    NOT NULL,
    etag        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    rows        INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    quarantined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key, etag)
);
CREATE TABLE IF NOT EXISTS import_errors (
    key     TEXT    NOT NULL,
    etag    TEXT    NOT NULL,
    message TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    layout  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (key, etag)
);
CREATE TABLE IF NOT EXISTS import_quarantine (
    id          INTEGER PRIMARY KEY,
    key         TEXT    NOT NULL,
    etag        TEXT    NOT NULL,
    line        INTEGER NOT NULL,
    column_name TEXT    NOT NULL,
    reason      TEXT    NOT NULL,
    at          INTEGER NOT NULL
);
";

/// One file to apply to the register.
#[derive(Debug, Clone, Copy)]
pub struct ImportedFile<'a> {
    /// The object key.
    pub key: &'a str,
    /// Its ETag.
    pub etag: &'a str,
    /// `full` or `delta`.
    pub kind: &'a str,
    /// Whether the file replaces the register (全件).
    pub replace_all: bool,
    /// The changes of its good rows.
    pub changes: &'a [RegisterChange],
    /// 宛名番号 whose previous records stay although a full file replaces the register
    /// (their rows were set aside).
    pub keep: &'a [String],
    /// The rows set aside, one entry per column at fault.
    pub quarantine: &'a [QuarantinedRow],
}

impl Store {
    /// Whether this object version was imported, or refused under this layout (a refused
    /// file is tried again when the layout changes).
    pub fn import_seen(&self, key: &str, etag: &str, layout: &str) -> Result<bool, StoreError> {
        let n: i64 = self.conn().query_row(
            "SELECT (SELECT COUNT(*) FROM imports WHERE key = ?1 AND etag = ?2)
                  + (SELECT COUNT(*) FROM import_errors
                     WHERE key = ?1 AND etag = ?2 AND layout = ?3)",
            params![key, etag, layout],
            |r| r.get(0),
        )?;
        Ok(n > 0)
    }

    /// The number of digits most 宛名番号 and most 世帯番号 of the register have (none when
    /// it is empty): what a file's numbers are checked against for lost leading zeros.
    pub fn register_number_widths(&self) -> Result<(Option<usize>, Option<usize>), StoreError> {
        let conn = self.reader();
        let mode = |column: &str| -> Result<Option<usize>, StoreError> {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT length({column}) AS n FROM residents
                         GROUP BY n ORDER BY COUNT(*) DESC, n DESC LIMIT 1"
                    ),
                    [],
                    |r| r.get::<_, i64>(0),
                )
                .map(|n| Some(n as usize))
                .or_else(|e| match e {
                    rusqlite::Error::QueryReturnedNoRows => Ok(None),
                    e => Err(e),
                })?)
        };
        Ok((mode("atena_number")?, mode("household_number")?))
    }

    /// Applies one imported file and records it, in one transaction: its changes, the
    /// previous records of the rows set aside (kept through a full file), the rows set aside
    /// with an audit entry each, and the file's record; either all of it, or nothing.
    pub fn apply_import(&self, file: &ImportedFile<'_>, now_ms: i64) -> Result<(), StoreError> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        if file.replace_all {
            let kept = residents_by_atena(&tx, file.keep)?;
            tx.execute("DELETE FROM resident_keys", [])?;
            tx.execute("DELETE FROM residents", [])?;
            for r in &kept {
                insert_resident(&tx, r)?;
            }
        }
        for change in file.changes {
            match change {
                RegisterChange::Upsert(r) => upsert_resident(&tx, r)?,
                RegisterChange::Remove(atena) => remove_resident(&tx, atena)?,
            }
        }
        let lines: std::collections::BTreeSet<u64> =
            file.quarantine.iter().map(|q| q.line).collect();
        {
            let mut set_aside = tx.prepare_cached(
                "INSERT INTO import_quarantine (key, etag, line, column_name, reason, at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut audit = tx.prepare_cached(
                "INSERT INTO audit (at, login, action, detail, terminal)
                 VALUES (?1, 'system', 'import_row_quarantined', ?2, '')",
            )?;
            for q in file.quarantine {
                set_aside.execute(params![
                    file.key,
                    file.etag,
                    q.line as i64,
                    q.column,
                    q.reason,
                    now_ms
                ])?;
                let column = if q.column.is_empty() {
                    String::new()
                } else {
                    format!(" {}", q.column)
                };
                audit.execute(params![
                    now_ms,
                    format!("{} {}行目{column}: {}", file.key, q.line, q.reason)
                ])?;
            }
        }
        tx.execute(
            "INSERT INTO imports (key, etag, kind, rows, imported_at, quarantined)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                file.key,
                file.etag,
                file.kind,
                file.changes.len() as i64,
                now_ms,
                lines.len() as i64
            ],
        )?;
        tx.execute(
            "INSERT INTO audit (at, login, action, detail, terminal)
             VALUES (?1, 'system', 'import_file', ?2, '')",
            params![
                now_ms,
                format!(
                    "{} ({} rows, {}; {} set aside)",
                    file.key,
                    file.changes.len(),
                    file.kind,
                    lines.len()
                )
            ],
        )?;
        crate::exchange::crash_point("import-before-commit");
        tx.commit()?;
        Ok(())
    }

    /// Records a refused file so it is reported (and not retried until it or the layout
    /// changes).
    pub fn record_import_error(
        &self,
        key: &str,
        etag: &str,
        layout: &str,
        message: &str,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        self.conn().execute(
            "INSERT OR REPLACE INTO import_errors (key, etag, message, at, layout)
             VALUES (?1, ?2, ?3, ?4, ?5)",
            params![key, etag, message, now_ms, layout],
        )?;
        Ok(())
    }

    /// The key of the file imported last, if any.
    pub fn latest_import(&self) -> Result<Option<String>, StoreError> {
        Ok(self
            .reader()
            .query_row(
                "SELECT key FROM imports ORDER BY imported_at DESC, rowid DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// The latest rows set aside, newest first.
    pub fn quarantine(&self, limit: usize) -> Result<Vec<QuarantinedRow>, StoreError> {
        let conn = self.reader();
        let mut stmt = conn.prepare_cached(
            "SELECT key, line, column_name, reason, at FROM import_quarantine
             ORDER BY id DESC LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok(QuarantinedRow {
                file: r.get(0)?,
                line: r.get::<_, i64>(1)? as u64,
                column: r.get(2)?,
                reason: r.get(3)?,
                at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}
