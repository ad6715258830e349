//! Who may reach what: enrolled kiosk devices, and the grants on each document (`dept:<課>`
//! for the 課 that received or were handed a visit, `kiosk:<id>` for the kiosk that created
//! it), each of one city ([`Grant`]). Grants are only ever added; a visit stays readable by
//! every 課 that had it.

use shared_model::DocumentId;
use shared_model::tenant::LocalGovernmentCode;

use super::sql::params;
use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS kiosks (
    id          TEXT    PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS doc_access (
    doc_id  TEXT NOT NULL,
    tenant  TEXT NOT NULL DEFAULT '',
    grantee TEXT NOT NULL,
    PRIMARY KEY (doc_id, grantee)
);
CREATE INDEX IF NOT EXISTS doc_access_grantee ON doc_access (grantee, doc_id);
";

/// The terminals' last heartbeats, per city (also made anew from an older table, see
/// `Store::open`).
pub(super) const TERMINALS: &str = "
CREATE TABLE IF NOT EXISTS terminals (
    tenant    TEXT    NOT NULL DEFAULT '',
    terminal  TEXT    NOT NULL,
    status    TEXT    NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (tenant, terminal)
);
";

/// An enrolled kiosk tablet (a device, not a person).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct KioskRecord {
    /// Its id.
    pub id: String,
    /// Where it stands (「1階 記入台」).
    pub name: String,
    /// The city it stands in: it reaches that city's visits only.
    pub tenant: LocalGovernmentCode,
}

/// What a presented kiosk device token stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskLookup {
    /// An enrolled kiosk.
    Enrolled(KioskRecord),
    /// The kiosk with this id, revoked.
    Revoked(String),
    /// Nothing the server issued.
    Unknown,
}

/// The grantee of a 課 (`dept:<課>`), within a city.
pub fn department_grantee(department: &str) -> String {
    format!("dept:{department}")
}

/// The grantee of a kiosk (`kiosk:<id>`), within a city.
pub fn kiosk_grantee(kiosk_id: &str) -> String {
    format!("kiosk:{kiosk_id}")
}

/// A grant on a document: a grantee ([`department_grantee`], [`kiosk_grantee`]) of one city.
/// Every grant of a document names the same city, the one whose visit it is; nobody of
/// another city reaches it (see `accounts::Caller::may_reach`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grant {
    /// The city.
    pub tenant: LocalGovernmentCode,
    /// `dept:<課>` or `kiosk:<id>`.
    pub grantee: String,
}

impl Grant {
    /// The grant of a city's 課.
    pub fn department(tenant: LocalGovernmentCode, department: &str) -> Self {
        Grant {
            tenant,
            grantee: department_grantee(department),
        }
    }

    /// The grant of a city's kiosk.
    pub fn kiosk(tenant: LocalGovernmentCode, kiosk_id: &str) -> Self {
        Grant {
            tenant,
            grantee: kiosk_grantee(kiosk_id),
        }
    }
}

/// The city a document's grants name (`None`: nobody has claimed it yet).
pub fn tenant_of(grants: &[Grant]) -> Option<LocalGovernmentCode> {
    grants.first().map(|g| g.tenant)
}

/// Reads a stored tenant column (every row carries a checked code; one that does not read
/// is a column error, not a city).
pub(super) fn tenant_column(text: String, index: usize) -> Result<LocalGovernmentCode, StoreError> {
    text.parse().map_err(
        |e: shared_model::tenant::LocalGovernmentCodeError| StoreError::Column {
            index,
            problem: e.to_string(),
        },
    )
}

impl Store {
    /// The key that encrypts a grantee's drafts in the terminals' IndexedDB: HMAC-SHA256 of
    /// the grantee under a server secret made on first use. A terminal gets it only with a
    /// live session (or as an enrolled kiosk) and keeps it only in memory for that session,
    /// so what rests in IndexedDB is unreadable once nobody is signed in.
    pub fn data_key(
        &self,
        tenant: LocalGovernmentCode,
        grantee: &str,
    ) -> Result<[u8; 32], StoreError> {
        const SECRET: &str = "SELECT value FROM meta WHERE key = ?1";
        let name = data_key_secret_name(tenant);
        let secret: Option<String> =
            self.read(|c| c.query_opt(SECRET, params![name], |r| r.get(0)))?;
        let secret = match secret {
            Some(secret) => secret,
            None => {
                let mut bytes = [0u8; 32];
                getrandom::fill(&mut bytes).expect("the platform has a random source");
                let secret = hex::encode(bytes);
                self.write(|c| {
                    c.execute(
                        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
                        params![name, secret],
                    )?;
                    c.query_row(SECRET, params![name], |r| r.get(0))
                })?
            }
        };
        Ok(hmac_sha256(secret.as_bytes(), grantee.as_bytes()))
    }

    /// Enrolls (or re-keys) a kiosk under the hash of its device token. Whether it was
    /// saved: `false` when the id is another city's kiosk, which is left as it was.
    pub fn put_kiosk(
        &self,
        kiosk: &KioskRecord,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let saved = self.write(|c| {
            c.execute(
                "INSERT INTO kiosks (id, name, token_hash, created_at, tenant)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, token_hash = ?3, revoked = 0
                 WHERE kiosks.tenant = ?5",
                params![
                    kiosk.id,
                    kiosk.name,
                    token_hash,
                    now_ms,
                    kiosk.tenant.as_str()
                ],
            )
        })?;
        Ok(saved > 0)
    }

    /// The kiosk holding the token with this hash, unless revoked.
    pub fn kiosk(&self, token_hash: &str) -> Result<Option<KioskRecord>, StoreError> {
        self.read(|c| {
            c.query_opt(
                "SELECT id, name, tenant FROM kiosks WHERE token_hash = ?1 AND revoked = 0",
                params![token_hash],
                |r| {
                    Ok(KioskRecord {
                        id: r.get(0)?,
                        name: r.get(1)?,
                        tenant: tenant_column(r.get(2)?, 2)?,
                    })
                },
            )
        })
    }

    /// What a presented device token stands for: an enrolled kiosk, a revoked one (its id),
    /// or nothing the server issued.
    pub fn kiosk_lookup(&self, token_hash: &str) -> Result<KioskLookup, StoreError> {
        let found = self.read(|c| {
            c.query_opt(
                "SELECT id, name, revoked, tenant FROM kiosks WHERE token_hash = ?1",
                params![token_hash],
                |r| {
                    Ok((
                        KioskRecord {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            tenant: tenant_column(r.get(3)?, 3)?,
                        },
                        r.get::<bool>(2)?,
                    ))
                },
            )
        })?;
        Ok(match found {
            None => KioskLookup::Unknown,
            Some((kiosk, true)) => KioskLookup::Revoked(kiosk.id),
            Some((kiosk, false)) => KioskLookup::Enrolled(kiosk),
        })
    }

    /// Revokes a kiosk of the city `tenant`: its device token no longer opens anything.
    /// Returns whether the city had such a kiosk. Enrolling it again (`kiosk-add`) gives it a new token.
    pub fn revoke_kiosk(&self, tenant: LocalGovernmentCode, id: &str) -> Result<bool, StoreError> {
        Ok(self.write(|c| {
            c.execute(
                "UPDATE kiosks SET revoked = 1 WHERE id = ?1 AND tenant = ?2",
                params![id, tenant.as_str()],
            )
        })? > 0)
    }

    /// Saves the last heartbeat of a terminal of the city `tenant` (its id, user, version and
    /// counts: no personal data).
    pub fn put_terminal(
        &self,
        tenant: LocalGovernmentCode,
        status: &shared_model::terminal::TerminalStatus,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(status).expect("a status serialises");
        self.write(|c| {
            c.execute(
                "INSERT INTO terminals (tenant, terminal, status, last_seen)
                 VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (tenant, terminal) DO UPDATE SET status = ?3, last_seen = ?4",
                params![tenant.as_str(), status.terminal, json, status.last_seen],
            )
        })?;
        Ok(())
    }

    /// Forgets a terminal of the city `tenant`.
    pub fn forget_terminal(
        &self,
        tenant: LocalGovernmentCode,
        terminal: &str,
    ) -> Result<(), StoreError> {
        self.write(|c| {
            c.execute(
                "DELETE FROM terminals WHERE tenant = ?1 AND terminal = ?2",
                params![tenant.as_str(), terminal],
            )
        })?;
        Ok(())
    }

    /// The saved terminals of every city, each with its city (an unreadable row is
    /// skipped).
    pub fn saved_terminals(
        &self,
    ) -> Result<Vec<(LocalGovernmentCode, shared_model::terminal::TerminalStatus)>, StoreError>
    {
        let rows = self.read(|c| {
            c.query_map(
                "SELECT tenant, status FROM terminals ORDER BY last_seen DESC",
                params![],
                |r| Ok((r.get::<String>(0)?, r.get::<String>(1)?)),
            )
        })?;
        Ok(rows
            .iter()
            .filter_map(|(tenant, row)| {
                Some((tenant.parse().ok()?, serde_json::from_str(row).ok()?))
            })
            .collect())
    }

    /// Adds grants on a document (repeats are no-ops).
    pub fn grant(&self, doc_id: &DocumentId, grants: &[Grant]) -> Result<(), StoreError> {
        let id = doc_id.to_string();
        self.append(|c| insert_grants(c, &id, grants))
    }

    /// Every grant on a document (none: nobody has claimed it yet).
    pub fn grants(&self, doc_id: &DocumentId) -> Result<Vec<Grant>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT tenant, grantee FROM doc_access WHERE doc_id = ?1",
                params![doc_id.to_string()],
                |r| {
                    Ok(Grant {
                        tenant: tenant_column(r.get(0)?, 0)?,
                        grantee: r.get(1)?,
                    })
                },
            )
        })
    }
}

/// Writes grants on the document `id` (repeats are no-ops).
pub(super) fn insert_grants(
    c: &super::sql::Conn<'_>,
    id: &str,
    grants: &[Grant],
) -> Result<(), StoreError> {
    for grant in grants {
        c.execute(
            "INSERT INTO doc_access (doc_id, grantee, tenant) VALUES (?1, ?2, ?3)
             ON CONFLICT DO NOTHING",
            params![id, grant.grantee, grant.tenant.as_str()],
        )?;
    }
    Ok(())
}

/// The `meta` key of a city's secret its data keys are derived from.
pub(super) fn data_key_secret_name(tenant: LocalGovernmentCode) -> String {
    format!("data_key_secret:{tenant}")
}

/// HMAC-SHA256 (RFC 2104).
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.map(|b| b ^ byte);
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(
            hex::encode(mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn each_grantee_of_each_city_has_its_own_stable_data_key() {
        use shared_model::tenant::TAKASAKI;
        let store = Store::scratch().unwrap();
        let a = store.data_key(TAKASAKI, "dept:shimin").unwrap();
        assert_eq!(a, store.data_key(TAKASAKI, "dept:shimin").unwrap());
        assert_ne!(a, store.data_key(TAKASAKI, "dept:hoken_nenkin").unwrap());
        assert_ne!(a, store.data_key(TAKASAKI, "kiosk:k1").unwrap());
        let maebashi = "102016".parse().unwrap();
        assert_ne!(a, store.data_key(maebashi, "dept:shimin").unwrap());
    }

    #[test]
    fn rows_from_before_cities_become_the_first_citys_and_keep_their_data_keys() {
        use super::super::sql::params;
        use shared_model::tenant::TAKASAKI;
        let store = Store::scratch().unwrap();
        let (doc, kiosk) = (DocumentId::random(), "k1");
        // As an older version left them: no city on the rows, one data-key secret.
        store
            .write(|c| {
                c.execute(
                    "INSERT INTO meta (key, value) VALUES ('data_key_secret', 'old-secret')",
                    params![],
                )?;
                c.execute(
                    "INSERT INTO kiosks (id, name, token_hash, created_at) VALUES (?1, '1階', 'h', 0)",
                    params![kiosk],
                )?;
                c.execute(
                    "INSERT INTO doc_access (doc_id, grantee) VALUES (?1, 'dept:shimin')",
                    params![doc.to_string()],
                )
            })
            .unwrap();
        assert_eq!(store.adopt_untenanted(TAKASAKI).unwrap(), 2);
        assert_eq!(store.adopt_untenanted(TAKASAKI).unwrap(), 0, "idempotent");
        assert_eq!(
            store.grants(&doc).unwrap(),
            vec![Grant::department(TAKASAKI, "shimin")]
        );
        assert_eq!(store.kiosk("h").unwrap().unwrap().tenant, TAKASAKI);
        // The drafts sealed on the terminals still open: the same key as before.
        assert_eq!(
            store.data_key(TAKASAKI, "dept:shimin").unwrap(),
            hmac_sha256(b"old-secret", b"dept:shimin")
        );
    }

    #[test]
    fn grants_keep_their_city() {
        use shared_model::tenant::TAKASAKI;
        let store = Store::scratch().unwrap();
        let doc = DocumentId::random();
        assert_eq!(store.grants(&doc).unwrap(), vec![]);
        let grant = Grant::department(TAKASAKI, "shimin");
        store.grant(&doc, &[grant.clone(), grant.clone()]).unwrap();
        assert_eq!(store.grants(&doc).unwrap(), vec![grant]);
        assert_eq!(tenant_of(&store.grants(&doc).unwrap()), Some(TAKASAKI));
    }
}
