//! Which 住基 files were imported (key and ETag, in the same transaction as their rows),
//! which were refused (under which layout) with why, and the rows set aside (quarantined)
//! with their line, column and reason.

use shared_model::import_state::QuarantinedRow;

use super::StoreError;
use super::residents::{
    Register, insert_resident, remove_all_residents, remove_resident, residents_by_atena,
    upsert_resident,
};
use super::sql::{Dialect, params};
use crate::exchange::import::RegisterChange;

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS imports (
    tenant      TEXT    NOT NULL DEFAULT '',
    key         TEXT    NOT NULL,
    etag        TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    rows        INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    quarantined INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (key, etag)
);
CREATE TABLE IF NOT EXISTS import_errors (
    tenant  TEXT    NOT NULL DEFAULT '',
    key     TEXT    NOT NULL,
    etag    TEXT    NOT NULL,
    message TEXT    NOT NULL,
    at      INTEGER NOT NULL,
    layout  TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (key, etag)
);
CREATE TABLE IF NOT EXISTS import_quarantine (
    id          INTEGER PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT '',
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

impl Register<'_> {
    /// Whether this object version was imported into this register, or refused under this
    /// layout (a refused file is tried again when the layout changes).
    pub fn import_seen(&self, key: &str, etag: &str, layout: &str) -> Result<bool, StoreError> {
        let n: i64 = self.store.read(|c| {
            c.query_row(
                "SELECT (SELECT COUNT(*) FROM imports WHERE tenant = ?4 AND key = ?1 AND etag = ?2)
                      + (SELECT COUNT(*) FROM import_errors
                         WHERE tenant = ?4 AND key = ?1 AND etag = ?2 AND layout = ?3)",
                params![key, etag, layout, self.tenant().as_str()],
                |r| r.get(0),
            )
        })?;
        Ok(n > 0)
    }

    /// The number of digits most 宛名番号 and most 世帯番号 of the register have (none when
    /// it is empty): what a file's numbers are checked against for lost leading zeros.
    pub fn number_widths(&self) -> Result<(Option<usize>, Option<usize>), StoreError> {
        self.store.read(|c| {
            let mode = |column: &str| -> Result<Option<usize>, StoreError> {
                let n: Option<i64> = c.query_opt(
                    &format!(
                        "SELECT length({column}) AS n FROM residents WHERE tenant = ?1
                         GROUP BY length({column}) ORDER BY COUNT(*) DESC, n DESC LIMIT 1"
                    ),
                    params![self.tenant().as_str()],
                    |r| r.get(0),
                )?;
                Ok(n.map(|n| n as usize))
            };
            Ok((mode("atena_number")?, mode("household_number")?))
        })
    }

    /// Applies one imported file and records it, in one transaction: its changes, the
    /// previous records of the rows set aside (kept through a full file), the rows set aside
    /// with an audit entry each, and the file's record; either all of it, or nothing.
    pub fn apply_import(&self, file: &ImportedFile<'_>, now_ms: i64) -> Result<(), StoreError> {
        let city = &self.city;
        let code = city.tenant();
        let tenant = code.as_str();
        self.store.write(|c| {
            if file.replace_all {
                let kept = residents_by_atena(c, city, file.keep)?;
                remove_all_residents(c, city)?;
                for r in &kept {
                    insert_resident(c, city, r)?;
                }
            }
            for change in file.changes {
                match change {
                    RegisterChange::Upsert(r) => upsert_resident(c, city, r)?,
                    RegisterChange::Remove(atena) => remove_resident(c, city, atena)?,
                }
            }
            let lines: std::collections::BTreeSet<u64> =
                file.quarantine.iter().map(|q| q.line).collect();
            for q in file.quarantine {
                c.execute(
                    "INSERT INTO import_quarantine
                        (tenant, key, etag, line, column_name, reason, at)
                     VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
                    params![
                        file.key,
                        file.etag,
                        q.line as i64,
                        q.column,
                        q.reason,
                        now_ms,
                        tenant
                    ],
                )?;
                let column = if q.column.is_empty() {
                    String::new()
                } else {
                    format!(" {}", q.column)
                };
                c.execute(
                    "INSERT INTO audit (at, login, action, detail, terminal, tenant)
                     VALUES (?1, 'system', 'import_row_quarantined', ?2, '', ?3)",
                    params![
                        now_ms,
                        format!("{} {}行目{column}: {}", file.key, q.line, q.reason),
                        tenant
                    ],
                )?;
            }
            c.execute(
                "INSERT INTO imports (tenant, key, etag, kind, rows, imported_at, quarantined)
                 VALUES (?7, ?1, ?2, ?3, ?4, ?5, ?6)",
                params![
                    file.key,
                    file.etag,
                    file.kind,
                    file.changes.len() as i64,
                    now_ms,
                    lines.len() as i64,
                    tenant
                ],
            )?;
            c.execute(
                "INSERT INTO audit (at, login, action, detail, terminal, tenant)
                 VALUES (?1, 'system', 'import_file', ?2, '', ?3)",
                params![
                    now_ms,
                    format!(
                        "{} ({} rows, {}; {} set aside)",
                        file.key,
                        file.changes.len(),
                        file.kind,
                        lines.len()
                    ),
                    tenant
                ],
            )?;
            crate::exchange::crash_point("import-before-commit");
            Ok(())
        })
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
        self.store.write(|c| {
            c.execute(
                "INSERT INTO import_errors (tenant, key, etag, message, at, layout)
                 VALUES (?6, ?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (key, etag) DO UPDATE
                 SET message = excluded.message, at = excluded.at, layout = excluded.layout,
                     tenant = excluded.tenant",
                params![key, etag, message, now_ms, layout, self.tenant().as_str()],
            )
        })?;
        Ok(())
    }

    /// The key of the file imported last, if any.
    pub fn latest_import(&self) -> Result<Option<String>, StoreError> {
        self.store.read(|c| {
            // Files imported in the same millisecond (one poll) in the order they were.
            let sql = match c.dialect() {
                Dialect::Sqlite => {
                    "SELECT key FROM imports WHERE tenant = ?1
                     ORDER BY imported_at DESC, rowid DESC LIMIT 1"
                }
                Dialect::Postgres => {
                    "SELECT key FROM imports WHERE tenant = ?1
                     ORDER BY imported_at DESC, seq DESC LIMIT 1"
                }
            };
            c.query_opt(sql, params![self.tenant().as_str()], |r| r.get(0))
        })
    }

    /// The latest rows set aside, newest first.
    pub fn quarantine(&self, limit: usize) -> Result<Vec<QuarantinedRow>, StoreError> {
        self.store.read(|c| {
            c.query_map(
                "SELECT key, line, column_name, reason, at FROM import_quarantine
                 WHERE tenant = ?2 ORDER BY id DESC LIMIT ?1",
                params![limit as i64, self.tenant().as_str()],
                |r| {
                    Ok(QuarantinedRow {
                        file: r.get(0)?,
                        line: r.get::<i64>(1)? as u64,
                        column: r.get(2)?,
                        reason: r.get(3)?,
                        at: r.get(4)?,
                    })
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Store;
    use shared_model::synthetic::Resident;
    use shared_model::tenant::TAKASAKI;

    fn resident(atena: &str, household: &str, name: &str) -> Resident {
        Resident {
            atena_number: atena.into(),
            household_number: household.into(),
            name: name.into(),
            kana: "タカハシ\u{3000}アオイ".into(),
            birth_date: "1990-05-05".into(),
            sex: "female".into(),
            relationship: "世帯主".into(),
            address: "群馬県高崎市貝沢町429番地2".into(),
            postal_code: "370-0041".into(),
            head_name: name.into(),
            my_number: String::new(),
            protected: false,
        }
    }

    fn file<'a>(
        key: &'a str,
        kind: &'a str,
        changes: &'a [RegisterChange],
        keep: &'a [String],
        quarantine: &'a [QuarantinedRow],
    ) -> ImportedFile<'a> {
        ImportedFile {
            key,
            etag: "etag-1",
            kind,
            replace_all: kind == "full",
            changes,
            keep,
            quarantine,
        }
    }

    #[test]
    fn files_are_applied_recorded_and_seen_once() {
        let store = Store::scratch().unwrap();
        assert_eq!(
            store.register(TAKASAKI).number_widths().unwrap(),
            (None, None)
        );
        assert_eq!(store.register(TAKASAKI).latest_import().unwrap(), None);
        let full = [
            RegisterChange::Upsert(Box::new(resident("000001", "0101", "高橋 葵"))),
            RegisterChange::Upsert(Box::new(resident("000002", "0101", "高橋 翔"))),
            RegisterChange::Upsert(Box::new(resident("3", "0102", "前橋 健太"))),
        ];
        store
            .register(TAKASAKI)
            .apply_import(&file("a/20270201.csv", "full", &full, &[], &[]), 10)
            .unwrap();
        assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 3);
        assert_eq!(
            store.register(TAKASAKI).number_widths().unwrap(),
            (Some(6), Some(4))
        );
        assert!(
            store
                .register(TAKASAKI)
                .import_seen("a/20270201.csv", "etag-1", "any")
                .unwrap()
        );
        assert!(
            !store
                .register(TAKASAKI)
                .import_seen("a/20270201.csv", "etag-2", "any")
                .unwrap()
        );
        // A delta and a full file of one poll share its time: the last applied is the latest.
        let delta = [
            RegisterChange::Remove("000002".into()),
            RegisterChange::Upsert(Box::new(resident("000001", "0101", "高橋 あおい"))),
        ];
        let set_aside = [QuarantinedRow {
            file: "a/20270202-delta.csv".into(),
            line: 3,
            column: "生年月日".into(),
            reason: "日付ではありません".into(),
            at: 20,
        }];
        store
            .register(TAKASAKI)
            .apply_import(
                &file("a/20270202-delta.csv", "delta", &delta, &[], &set_aside),
                20,
            )
            .unwrap();
        assert_eq!(
            store.register(TAKASAKI).latest_import().unwrap().as_deref(),
            Some("a/20270202-delta.csv")
        );
        assert_eq!(store.register(TAKASAKI).resident("000002").unwrap(), None);
        assert_eq!(
            store
                .register(TAKASAKI)
                .resident("000001")
                .unwrap()
                .unwrap()
                .name,
            "高橋 あおい"
        );
        assert_eq!(store.register(TAKASAKI).quarantine(10).unwrap(), set_aside);
        // A full file replaces the register, but keeps those whose rows were set aside.
        let next = [RegisterChange::Upsert(Box::new(resident(
            "000004",
            "0103",
            "伊勢崎 健太",
        )))];
        store
            .register(TAKASAKI)
            .apply_import(
                &file("a/20270203.csv", "full", &next, &["3".to_owned()], &[]),
                20,
            )
            .unwrap();
        assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 2);
        assert!(store.register(TAKASAKI).resident("3").unwrap().is_some());
        assert_eq!(
            store.register(TAKASAKI).latest_import().unwrap().as_deref(),
            Some("a/20270203.csv")
        );
        // The search keys followed the register.
        let found = store
            .register(TAKASAKI)
            .search_residents(&crate::store::ResidentQuery::Text("高橋".into()), 10, false)
            .unwrap();
        assert!(found.is_empty(), "{found:?}");
    }

    #[test]
    fn a_refused_file_is_seen_under_its_layout_only() {
        let store = Store::scratch().unwrap();
        store
            .register(TAKASAKI)
            .record_import_error("a/bad.csv", "e", "layout-1", "列が足りません", 1)
            .unwrap();
        assert!(
            store
                .register(TAKASAKI)
                .import_seen("a/bad.csv", "e", "layout-1")
                .unwrap()
        );
        assert!(
            !store
                .register(TAKASAKI)
                .import_seen("a/bad.csv", "e", "layout-2")
                .unwrap()
        );
        // Refused again under the new layout: recorded under it instead.
        store
            .register(TAKASAKI)
            .record_import_error("a/bad.csv", "e", "layout-2", "列が多すぎます", 2)
            .unwrap();
        assert!(
            store
                .register(TAKASAKI)
                .import_seen("a/bad.csv", "e", "layout-2")
                .unwrap()
        );
        assert!(
            !store
                .register(TAKASAKI)
                .import_seen("a/bad.csv", "e", "layout-1")
                .unwrap()
        );
        assert_eq!(store.register(TAKASAKI).latest_import().unwrap(), None);
    }
}
