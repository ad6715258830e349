//! The resident register the counters search: a replica of the core system's 住基 records,
//! filled by the importer ([`crate::exchange::import`]).

use rusqlite::params;
use shared_model::synthetic::Resident;

use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
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
";

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
pub(super) fn upsert_resident(
    tx: &rusqlite::Transaction<'_>,
    r: &Resident,
) -> Result<(), StoreError> {
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

/// The prefix of every address in the city, which a counter need not type.
const CITY_PREFIX: &str = "群馬県高崎市";

impl Store {
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
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
