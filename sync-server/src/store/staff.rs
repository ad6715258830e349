//! Staff accounts, their roles and their sign-in sessions (only the SHA-256 of a session
//! token is kept).

use shared_model::tenant::LocalGovernmentCode;

use super::access::tenant_column;
use super::sql::{Row, params};

use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS staff (
    login         TEXT PRIMARY KEY,
    tenant        TEXT NOT NULL DEFAULT '',
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
";

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
    /// The city the person works for: they reach its visits, register, queue and audit log
    /// only. Logins are unique across the deployment.
    pub tenant: LocalGovernmentCode,
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

/// A staff record from the first six columns: login, name, department, protected_access,
/// role, tenant.
fn staff_of(r: &Row<'_>) -> Result<StaffRecord, StoreError> {
    Ok(StaffRecord {
        login: r.get(0)?,
        name: r.get(1)?,
        department: r.get(2)?,
        protected_access: r.get(3)?,
        role: role_of(r.get(4)?),
        tenant: tenant_column(r.get(5)?, 5)?,
    })
}

fn role_of(name: String) -> Role {
    Role::from_name(&name).unwrap_or_default()
}

impl Store {
    /// Creates or replaces a staff account.
    pub fn put_staff(&self, staff: &StaffRecord, password_hash: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "INSERT INTO staff (login, name, department, password_hash, protected_access, role,
                                    tenant)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
                 ON CONFLICT (login) DO UPDATE
                 SET name = ?2, department = ?3, password_hash = ?4, protected_access = ?5,
                     role = ?6, tenant = ?7",
                params![
                    staff.login,
                    staff.name,
                    staff.department,
                    password_hash,
                    staff.protected_access,
                    staff.role.as_str(),
                    staff.tenant.as_str()
                ],
            )
        })?;
        Ok(())
    }

    /// A staff account and its password hash.
    pub fn staff(&self, login: &str) -> Result<Option<(StaffRecord, String)>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT login, name, department, protected_access, role, tenant, password_hash
                 FROM staff WHERE login = ?1",
                params![login],
                |r| Ok((staff_of(r)?, r.get(6)?)),
            )
        })
    }

    /// Stores a session (by the hash of its token).
    pub fn create_session(
        &self,
        token_hash: &str,
        login: &str,
        expires_at: i64,
    ) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "DELETE FROM sessions WHERE expires_at < ?1",
                params![expires_at - 86_400_000],
            )?;
            c.execute(
                "INSERT INTO sessions (token_hash, login, expires_at) VALUES (?1, ?2, ?3)",
                params![token_hash, login, expires_at],
            )
        })?;
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
        let found = self.read(|c| {
            c.query_opt(
                "SELECT s.login, s.name, s.department, s.protected_access, s.role, s.tenant,
                        x.expires_at, x.ended_at
                 FROM sessions x JOIN staff s ON s.login = x.login
                 WHERE x.token_hash = ?1",
                params![token_hash],
                |r| Ok((staff_of(r)?, r.get::<i64>(6)?, r.get::<Option<i64>>(7)?)),
            )
        })?;
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
        self.write(|c| {
            c.execute(
                "UPDATE sessions SET ended_at = ?2 WHERE token_hash = ?1 AND ended_at IS NULL",
                params![token_hash, now_ms],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staff_and_sessions() {
        let store = Store::scratch().unwrap();
        let staff = StaffRecord {
            login: "shimin01".into(),
            name: "高崎 太郎".into(),
            department: "shimin".into(),
            protected_access: false,
            role: Role::Staff,
            tenant: shared_model::tenant::TAKASAKI,
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
}
