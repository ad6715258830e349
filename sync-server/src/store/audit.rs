//! The audit log: who, at which terminal, did what, when. Append-only, enforced by SQLite
//! triggers, so not even the server's own code can change or remove an entry.

use shared_model::tenant::LocalGovernmentCode;

use super::sql::{Dialect, params};
use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS audit (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    login    TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    detail   TEXT    NOT NULL,
    terminal TEXT    NOT NULL DEFAULT '',
    tenant   TEXT    NOT NULL DEFAULT ''
);
";

/// Triggers that make the audit table append-only.
pub(super) const AUDIT_APPEND_ONLY: &str = "
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
";

use shared_model::audit_entry::actions_named;
pub use shared_model::audit_entry::{AuditEntry, AuditFilter};

impl Store {
    /// Appends to the audit log (who did what, when) for the server's own work or where no
    /// terminal is known.
    pub fn audit(
        &self,
        tenant: LocalGovernmentCode,
        at: i64,
        login: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.audit_at(tenant, at, login, "", action, detail)
    }

    /// Appends to the audit log of the city `tenant` (the city of the one who acted, or of
    /// the visit acted on; for someone nobody knows, the deployment's first city): who, at
    /// which terminal, did what, when.
    pub fn audit_at(
        &self,
        tenant: LocalGovernmentCode,
        at: i64,
        login: &str,
        terminal: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.audit_for(Some(tenant), at, login, terminal, action, detail)
    }

    /// Appends the server's own work for the city `tenant` (`system`: its exchange with its
    /// core system) to that city's audit log.
    pub fn audit_system(
        &self,
        tenant: LocalGovernmentCode,
        at: i64,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.audit_for(Some(tenant), at, "system", "", action, detail)
    }

    /// As [`Store::audit_at`] for an act on a document whose city may not be known yet (one
    /// nobody has claimed): `None` writes it with no city, read as the first city's.
    pub fn audit_for(
        &self,
        tenant: Option<LocalGovernmentCode>,
        at: i64,
        login: &str,
        terminal: &str,
        action: &str,
        detail: &str,
    ) -> Result<(), StoreError> {
        let tenant = tenant.map(|t| t.to_string()).unwrap_or_default();
        self.append(|c| {
            c.execute(
                "INSERT INTO audit (at, login, action, detail, terminal, tenant)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![at, login, action, detail, terminal, tenant],
            )
        })?;
        Ok(())
    }

    /// The latest audit entries of every city, newest first: (at, login, action, detail).
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

    /// Audit entries of every city whose login, action or detail contains `text` (all when
    /// empty), newest first.
    pub fn search_audit(&self, text: &str, limit: usize) -> Result<Vec<AuditEntry>, StoreError> {
        self.filter_audit(
            None,
            &AuditFilter {
                q: text.to_owned(),
                ..AuditFilter::default()
            },
            None,
            limit,
        )
    }

    /// Audit entries that meet every part of `filter`, newest first (the staff part finds
    /// logins containing it and staff whose name contains it). `visit_doc` is the
    /// visit's document id when the filter names one (the caller resolves a 受付番号); the
    /// text also finds the acts whose Japanese name contains it (「個人番号」 → `reveal`).
    /// Each entry's `visit` is left empty (see the API, which names the visit). `tenant`:
    /// the city whose log it is (entries written before cities were told apart are the
    /// deployment's first city's); `None`: every city's.
    pub fn filter_audit(
        &self,
        tenant: Option<LocalGovernmentCode>,
        filter: &AuditFilter,
        visit_doc: Option<&str>,
        limit: usize,
    ) -> Result<Vec<AuditEntry>, StoreError> {
        let (from, to) = match filter.day.trim() {
            "" => (i64::MIN, i64::MAX),
            day => match shared_model::calendar::read_date(day)
                .ok()
                .and_then(|r| r.date.calendar_day())
            {
                // A JST day, in ms since the epoch.
                Some(d) => {
                    let start = d.days_since_epoch() * 86_400_000 - 9 * 3_600_000;
                    (start, start + 86_400_000)
                }
                // The API refuses a day it cannot read before asking (see the API).
                None => return Ok(Vec::new()),
            },
        };
        let q = filter.q.trim();
        let named = serde_json::to_string(&actions_named(q)).unwrap_or_default();
        // The acts whose Japanese name contains the text, as a JSON array of names.
        let named_actions = match self.dialect() {
            Dialect::Sqlite => "SELECT value FROM json_each(?8)",
            Dialect::Postgres => "SELECT jsonb_array_elements_text(CAST(?8 AS TEXT)::jsonb)",
        };
        let sql = format!(
            "SELECT id, at, login, action, detail, terminal FROM audit
             WHERE at >= ?1 AND at < ?2
               AND (?3 = '' OR instr(login, ?3) > 0
                    OR login IN (SELECT login FROM staff WHERE instr(name, ?3) > 0))
               AND (?4 = '' OR terminal = ?4)
               AND (?5 = '' OR action = ?5)
               AND (?6 = '' OR instr(detail, ?6) > 0)
               AND (?7 = '' OR instr(login, ?7) > 0 OR instr(action, ?7) > 0
                    OR instr(detail, ?7) > 0 OR instr(terminal, ?7) > 0
                    OR action IN ({named_actions}))
               AND (?10 = '' OR tenant = ?10
                    OR (tenant = '' AND ?10 = (SELECT value FROM meta WHERE key = 'first_city')))
             ORDER BY id DESC LIMIT ?9"
        );
        self.read(|c| {
            c.query_map(
                &sql,
                params![
                    from,
                    to,
                    filter.login.trim(),
                    filter.terminal.trim(),
                    filter.action.trim(),
                    visit_doc.unwrap_or_default(),
                    q,
                    named,
                    limit as i64,
                    tenant.map(|t| t.to_string()).unwrap_or_default()
                ],
                |r| {
                    Ok(AuditEntry {
                        id: r.get(0)?,
                        at: r.get(1)?,
                        login: r.get(2)?,
                        action: r.get(3)?,
                        detail: r.get(4)?,
                        terminal: r.get(5)?,
                        visit: None,
                    })
                },
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_audit_log_only_grows() {
        let store = Store::scratch().unwrap();
        store
            .audit_at(
                shared_model::tenant::TAKASAKI,
                1,
                "shimin01",
                "t-1f01",
                "resident_search",
                "kana",
            )
            .unwrap();
        let update = store.write(|c| c.execute("UPDATE audit SET detail = 'x'", params![]));
        assert!(update.unwrap_err().to_string().contains("append-only"));
        let delete = store.write(|c| c.execute("DELETE FROM audit", params![]));
        assert!(delete.unwrap_err().to_string().contains("append-only"));
        let entries = store.search_audit("t-1f01", 10).unwrap();
        // 「個人番号」 finds the reveals by their Japanese name.
        store
            .audit_at(
                shared_model::tenant::TAKASAKI,
                2,
                "shimin01",
                "t-1f01",
                "reveal",
                "person.my_number item-person-0",
            )
            .unwrap();
        let reveals = store.search_audit("個人番号", 10).unwrap();
        assert_eq!(reveals.len(), 1);
        assert_eq!(reveals[0].action, "reveal");
        assert_eq!(entries.len(), 1);
        assert_eq!(entries[0].terminal, "t-1f01");
    }
}
