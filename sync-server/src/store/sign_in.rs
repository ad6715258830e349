//! What guards the sign-in, kept in the database so that every node sees the same: failed
//! sign-ins per login (the limiter of `accounts::SignInLimiter`) and the single-use nonces
//! of the sign-in form (`accounts::SignInNonces`).

use super::sql::params;
use super::{Store, StoreError};

/// The SQLite tables (PostgreSQL: `migrations/postgres/0002_sign_in.sql`).
pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sign_in_failures (
    login    TEXT    PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_at  INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sign_in_nonces (
    nonce     TEXT    PRIMARY KEY,
    issued_at INTEGER NOT NULL,
    used      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS sign_in_nonces_issued ON sign_in_nonces (issued_at);
";

/// What the store knows of a presented nonce.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NonceState {
    /// Issued within the time allowed and not used: it is used now.
    Taken,
    /// Used by an earlier sign-in.
    Used,
    /// Never issued, or issued too long ago.
    Unknown,
}

impl Store {
    /// Failed sign-ins of `login` in the current window: (how many, the last one's time in
    /// ms), if any.
    pub fn sign_in_failures(&self, login: &str) -> Result<Option<(u32, i64)>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT failures, last_at FROM sign_in_failures WHERE login = ?1",
                params![login],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
        })
    }

    /// Records a failed sign-in of `login` at `now_ms`, forgetting failures older than
    /// `window_ms`; how many failures `login` has in the window now.
    pub fn record_sign_in_failure(
        &self,
        login: &str,
        now_ms: i64,
        window_ms: i64,
    ) -> Result<u32, StoreError> {
        self.write(|c| {
            c.execute(
                "DELETE FROM sign_in_failures WHERE last_at <= ?1",
                params![now_ms - window_ms],
            )?;
            c.query_row(
                "INSERT INTO sign_in_failures (login, failures, last_at) VALUES (?1, 1, ?2)
                 ON CONFLICT (login) DO UPDATE
                 SET failures = sign_in_failures.failures + 1, last_at = excluded.last_at
                 RETURNING failures",
                params![login, now_ms],
                |r| r.get(0),
            )
        })
    }

    /// Forgets the failed sign-ins of `login` (it signed in).
    pub fn clear_sign_in_failures(&self, login: &str) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "DELETE FROM sign_in_failures WHERE login = ?1",
                params![login],
            )
        })?;
        Ok(())
    }

    /// Keeps a newly issued nonce, forgetting those older than `ttl_ms` and, beyond `max`
    /// outstanding, the oldest.
    pub fn issue_sign_in_nonce(
        &self,
        nonce: &str,
        now_ms: i64,
        ttl_ms: i64,
        max: usize,
    ) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "DELETE FROM sign_in_nonces WHERE issued_at <= ?1",
                params![now_ms - ttl_ms],
            )?;
            let outstanding: usize =
                c.query_row("SELECT COUNT(*) FROM sign_in_nonces", params![], |r| {
                    r.get(0)
                })?;
            if outstanding >= max {
                c.execute(
                    "DELETE FROM sign_in_nonces WHERE nonce IN
                     (SELECT nonce FROM sign_in_nonces ORDER BY issued_at LIMIT ?1)",
                    params![outstanding + 1 - max],
                )?;
            }
            c.execute(
                "INSERT INTO sign_in_nonces (nonce, issued_at) VALUES (?1, ?2)",
                params![nonce, now_ms],
            )
        })?;
        Ok(())
    }

    /// Takes a nonce for one sign-in at `now_ms`: it works once, within `ttl_ms` of being
    /// issued.
    pub fn take_sign_in_nonce(
        &self,
        nonce: &str,
        now_ms: i64,
        ttl_ms: i64,
    ) -> Result<NonceState, StoreError> {
        self.write(|c| {
            let found: Option<(i64, bool)> = c.query_opt(
                "SELECT issued_at, used FROM sign_in_nonces WHERE nonce = ?1",
                params![nonce],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )?;
            Ok(match found {
                Some((at, _)) if now_ms - at >= ttl_ms => NonceState::Unknown,
                Some((_, true)) => NonceState::Used,
                Some((_, false)) => {
                    c.execute(
                        "UPDATE sign_in_nonces SET used = 1 WHERE nonce = ?1",
                        params![nonce],
                    )?;
                    NonceState::Taken
                }
                None => NonceState::Unknown,
            })
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_count_in_their_window_and_clear_on_success() {
        let store = Store::scratch().unwrap();
        assert_eq!(store.sign_in_failures("a").unwrap(), None);
        assert_eq!(store.record_sign_in_failure("a", 1_000, 60_000).unwrap(), 1);
        assert_eq!(store.record_sign_in_failure("a", 2_000, 60_000).unwrap(), 2);
        assert_eq!(store.record_sign_in_failure("b", 2_000, 60_000).unwrap(), 1);
        assert_eq!(store.sign_in_failures("a").unwrap(), Some((2, 2_000)));
        // A window later the count starts again.
        assert_eq!(
            store.record_sign_in_failure("a", 62_000, 60_000).unwrap(),
            1
        );
        store.clear_sign_in_failures("a").unwrap();
        assert_eq!(store.sign_in_failures("a").unwrap(), None);
    }

    #[test]
    fn a_nonce_works_once_and_not_when_stale() {
        let store = Store::scratch().unwrap();
        store.issue_sign_in_nonce("n1", 0, 1_000, 10).unwrap();
        store.issue_sign_in_nonce("n2", 0, 1_000, 10).unwrap();
        assert_eq!(
            store.take_sign_in_nonce("n1", 10, 1_000).unwrap(),
            NonceState::Taken
        );
        assert_eq!(
            store.take_sign_in_nonce("n1", 20, 1_000).unwrap(),
            NonceState::Used
        );
        assert_eq!(
            store.take_sign_in_nonce("n2", 1_000, 1_000).unwrap(),
            NonceState::Unknown
        );
        assert_eq!(
            store.take_sign_in_nonce("zz", 10, 1_000).unwrap(),
            NonceState::Unknown
        );
        // Beyond the most outstanding, the oldest go first.
        for i in 0..5 {
            store
                .issue_sign_in_nonce(&format!("m{i}"), 100 + i, 1_000, 3)
                .unwrap();
        }
        assert_eq!(
            store.take_sign_in_nonce("m0", 200, 1_000).unwrap(),
            NonceState::Unknown
        );
        assert_eq!(
            store.take_sign_in_nonce("m4", 200, 1_000).unwrap(),
            NonceState::Taken
        );
    }
}
