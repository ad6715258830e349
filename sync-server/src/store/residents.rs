//! [`Register`]: the resident register the counters search, one per city — a replica of that
//! city's core-system 住基 records, filled by its importer ([`crate::exchange::import`]), with
//! the search keys of each record ([`shared_model::search_key::search_key`] of its 氏名, 名,
//! フリガナ, フリガナの名 and 住所) in `resident_keys`, one B-tree that every text lookup reads
//! by range. Every row carries its city; no query reads another city's.

use shared_model::search_key::{search_key, search_key_version};
use shared_model::synthetic::Resident;
use shared_model::tenant::{LocalGovernmentCode, TAKASAKI, TAKASAKI_NAME};

use super::sql::{Conn, Dialect, Row, params};
use super::{Store, StoreError};

/// The register's table (made anew, rows copied, when an older one lacks the city in its key).
pub(super) const RESIDENTS_TABLE: &str = "
CREATE TABLE IF NOT EXISTS residents (
    tenant           TEXT    NOT NULL DEFAULT '',
    atena_number     TEXT    NOT NULL,
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
    protected        INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, atena_number)
);
";

pub(super) const SCHEMA: &str = "
DROP INDEX IF EXISTS residents_birth;
DROP INDEX IF EXISTS residents_household;
CREATE INDEX IF NOT EXISTS residents_city_birth ON residents (tenant, birth_date);
CREATE INDEX IF NOT EXISTS residents_city_household ON residents (tenant, household_number);
DROP INDEX IF EXISTS residents_kana;
DROP INDEX IF EXISTS residents_name;
DROP INDEX IF EXISTS residents_address;
CREATE TABLE IF NOT EXISTS resident_keys (
    tenant       TEXT    NOT NULL,
    key          TEXT    NOT NULL,
    kind         INTEGER NOT NULL,
    atena_number TEXT    NOT NULL,
    PRIMARY KEY (tenant, key, kind, atena_number)
) WITHOUT ROWID;
";

/// How a resident lookup searches.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResidentQuery {
    /// 生年月日 (its canonical text: `YYYY-MM-DD`, `1950-00-00` for 月日不詳).
    BirthDate(String),
    /// What a counter typed for a name, a given name, a フリガナ or an address, in any of the
    /// ways [`search_key`] folds together; words separated by spaces may come in either
    /// order (名 氏). The city's own prefix (群馬県高崎市) may be left out of an address.
    Text(String),
    /// A text as [`ResidentQuery::Text`], of the residents born on this day (canonical text):
    /// what `アオイ 1990-05-05` asks.
    TextAndBirthDate {
        /// The text.
        text: String,
        /// 生年月日.
        birth_date: String,
    },
}

/// What a search key is the key of; within one key, results are ranked in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyKind {
    /// 氏名 (氏 then 名, no space).
    Name = 0,
    /// 名 alone.
    GivenName = 1,
    /// フリガナ (氏 then 名).
    Kana = 2,
    /// フリガナの名.
    GivenKana = 3,
    /// 住所, without the city's prefix.
    Address = 4,
}

const RESIDENT_COLUMNS: &str = "atena_number, household_number, name, kana, birth_date, sex, \
    relationship, address, postal_code, head_name, my_number, protected";

/// One city's register: its code, and the start of every address in it (「群馬県高崎市」), which
/// a counter need not type — as search keys, the whole and its parts, longest first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct RegisterCity {
    tenant: LocalGovernmentCode,
    prefixes: Vec<String>,
}

impl RegisterCity {
    /// The city `tenant`, named `name` (「高崎市」) when the deployment knows its name; the
    /// prefecture comes from the code (JIS X 0401). Without a name only the prefecture is
    /// left out of addresses.
    pub(super) fn new(tenant: LocalGovernmentCode, name: Option<&str>) -> Self {
        let prefecture = tenant.prefecture_name();
        let name = name
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(|n| n.strip_prefix(prefecture).unwrap_or(n));
        let mut prefixes = Vec::with_capacity(3);
        if let Some(city) = name {
            prefixes.push(search_key(&format!("{prefecture}{city}")));
            prefixes.push(search_key(city));
        }
        prefixes.push(search_key(prefecture));
        prefixes.retain(|p| !p.is_empty());
        Self { tenant, prefixes }
    }

    /// A search key without the city's prefix.
    fn without_city(&self, key: String) -> String {
        for prefix in &self.prefixes {
            if let Some(rest) = key.strip_prefix(prefix.as_str()) {
                return rest.to_owned();
            }
        }
        key
    }

    /// The city.
    pub(super) fn tenant(&self) -> LocalGovernmentCode {
        self.tenant
    }

    /// What the keys depend on besides the key function: the prefixes.
    fn fingerprint(&self) -> String {
        format!("{}={}", self.tenant, self.prefixes.join("/"))
    }
}

/// 氏 and 名 of a name as the register writes it (氏, a space, 名); the whole as 氏 when it
/// has no space.
fn family_and_given(name: &str) -> (&str, Option<&str>) {
    match name.trim().split_once(char::is_whitespace) {
        Some((family, given)) if !given.trim().is_empty() => (family, Some(given.trim())),
        _ => (name.trim(), None),
    }
}

/// The search keys of a record of `city`.
fn keys_of(city: &RegisterCity, name: &str, kana: &str, address: &str) -> Vec<(String, KeyKind)> {
    let mut keys = Vec::with_capacity(5);
    let mut push = |key: String, kind: KeyKind| {
        if !key.is_empty() && !keys.iter().any(|(k, c)| *k == key && *c == kind) {
            keys.push((key, kind));
        }
    };
    push(search_key(name), KeyKind::Name);
    if let (_, Some(given)) = family_and_given(name) {
        push(search_key(given), KeyKind::GivenName);
    }
    push(search_key(kana), KeyKind::Kana);
    if let (_, Some(given)) = family_and_given(kana) {
        push(search_key(given), KeyKind::GivenKana);
    }
    push(city.without_city(search_key(address)), KeyKind::Address);
    keys
}

fn insert_keys(
    c: &Conn<'_>,
    city: &RegisterCity,
    atena: &str,
    keys: &[(String, KeyKind)],
) -> Result<(), StoreError> {
    for (key, kind) in keys {
        c.execute(
            "INSERT INTO resident_keys (tenant, key, kind, atena_number) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
            params![city.tenant.as_str(), key, *kind as i64, atena],
        )?;
    }
    Ok(())
}

/// Removes one resident of `city` and their search keys (nothing if there is none).
pub(super) fn remove_resident(
    c: &Conn<'_>,
    city: &RegisterCity,
    atena: &str,
) -> Result<(), StoreError> {
    let tenant = city.tenant.as_str();
    let old: Option<(String, String, String)> = c.query_opt(
        "SELECT name, kana, address FROM residents WHERE tenant = ?1 AND atena_number = ?2",
        params![tenant, atena],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )?;
    if let Some((name, kana, address)) = old {
        for (key, kind) in keys_of(city, &name, &kana, &address) {
            c.execute(
                "DELETE FROM resident_keys
                 WHERE tenant = ?1 AND key = ?2 AND kind = ?3 AND atena_number = ?4",
                params![tenant, key, kind as i64, atena],
            )?;
        }
        c.execute(
            "DELETE FROM residents WHERE tenant = ?1 AND atena_number = ?2",
            params![tenant, atena],
        )?;
    }
    Ok(())
}

/// Removes every resident of `city` and their search keys.
pub(super) fn remove_all_residents(c: &Conn<'_>, city: &RegisterCity) -> Result<(), StoreError> {
    let tenant = city.tenant.as_str();
    c.execute(
        "DELETE FROM resident_keys WHERE tenant = ?1",
        params![tenant],
    )?;
    c.execute("DELETE FROM residents WHERE tenant = ?1", params![tenant])?;
    Ok(())
}

/// Adds or replaces one resident of `city`, with their search keys, within a transaction.
pub(super) fn upsert_resident(
    c: &Conn<'_>,
    city: &RegisterCity,
    r: &Resident,
) -> Result<(), StoreError> {
    remove_resident(c, city, &r.atena_number)?;
    insert_resident(c, city, r)
}

/// The statement that writes a resident's row, replacing one with the same 宛名番号 (as
/// SQLite's `INSERT OR REPLACE` did: the register has no other unique column), made once.
fn insert_resident_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let updates = RESIDENT_COLUMNS
            .split(',')
            .map(str::trim)
            .filter(|c| *c != "atena_number")
            .map(|c| format!("{c} = excluded.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        format!(
            "INSERT INTO residents (tenant, {RESIDENT_COLUMNS}) \
             VALUES (?13, ?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12) \
             ON CONFLICT (tenant, atena_number) DO UPDATE SET {updates}"
        )
    })
}

/// Adds a resident of `city` known not to be in its register (after it was emptied).
pub(super) fn insert_resident(
    c: &Conn<'_>,
    city: &RegisterCity,
    r: &Resident,
) -> Result<(), StoreError> {
    c.execute(
        insert_resident_sql(),
        params![
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
            i64::from(r.protected),
            city.tenant.as_str()
        ],
    )?;
    insert_keys(
        c,
        city,
        &r.atena_number,
        &keys_of(city, &r.name, &r.kana, &r.address),
    )
}

/// The residents of `city` with these 宛名番号 (those its register has).
pub(super) fn residents_by_atena(
    c: &Conn<'_>,
    city: &RegisterCity,
    numbers: &[String],
) -> Result<Vec<Resident>, StoreError> {
    let sql =
        format!("SELECT {RESIDENT_COLUMNS} FROM residents WHERE tenant = ?1 AND atena_number = ?2");
    let mut out = Vec::new();
    for number in numbers {
        if let Some(r) = c.query_opt(&sql, params![city.tenant.as_str(), number], resident_of)? {
            out.push(r);
        }
    }
    Ok(out)
}

/// Recomputes every search key when the key function changed (a new 異体字 table, a new
/// folding rule), a city's address prefix changed (its name was given), or the table is new;
/// a no-op otherwise. Called when the store opens and when the cities are named.
pub(super) fn refresh_search_keys(store: &Store) -> Result<(), StoreError> {
    let cities: Vec<RegisterCity> = store
        .read(|c| {
            c.query_map(
                "SELECT DISTINCT tenant FROM residents ORDER BY tenant",
                params![],
                |r| r.get::<String>(0),
            )
        })?
        .into_iter()
        .filter_map(|code| code.parse().ok())
        .map(|code| store.register_city(code))
        .collect();
    let version = std::iter::once(search_key_version())
        .chain(cities.iter().map(RegisterCity::fingerprint))
        .collect::<Vec<_>>()
        .join(" ");
    let current = |c: &Conn<'_>| -> Result<bool, StoreError> {
        let stored: Option<String> = c.query_opt(
            "SELECT value FROM meta WHERE key = 'search_key_version'",
            params![],
            |r| r.get(0),
        )?;
        Ok(stored.as_deref() == Some(version.as_str()))
    };
    if store.read(current)? {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let count = store.write(|c| {
        // Another node may have rebuilt them while this one waited for the write.
        if current(c)? {
            return Ok(0);
        }
        c.execute("DELETE FROM resident_keys", params![])?;
        // Read by pages in 宛名番号 order, so a whole city's register is never held at once.
        let mut count = 0usize;
        for city in &cities {
            let tenant = city.tenant.as_str();
            let mut after = String::new();
            loop {
                let page = c.query_map(
                    "SELECT atena_number, name, kana, address FROM residents
                     WHERE tenant = ?1 AND atena_number > ?2 ORDER BY atena_number LIMIT ?3",
                    params![tenant, after, REFRESH_PAGE as i64],
                    |r| -> Result<(String, String, String, String), StoreError> {
                        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                    },
                )?;
                for (atena, name, kana, address) in &page {
                    insert_keys(c, city, atena, &keys_of(city, name, kana, address))?;
                }
                count += page.len();
                match page.last() {
                    Some((atena, ..)) if page.len() == REFRESH_PAGE => after = atena.clone(),
                    _ => break,
                }
            }
        }
        c.execute(
            "INSERT INTO meta (key, value) VALUES ('search_key_version', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            params![version],
        )?;
        Ok(count)
    })?;
    if count > 0 {
        tracing::info!(
            residents = count,
            cities = cities.len(),
            ms = started.elapsed().as_millis() as u64,
            "resident search keys rebuilt"
        );
    }
    Ok(())
}

/// How many residents [`refresh_search_keys`] reads at a time.
const REFRESH_PAGE: usize = 5_000;

fn resident_of(r: &Row<'_>) -> Result<Resident, StoreError> {
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
        protected: r.get::<i64>(11)? != 0,
    })
}

/// The keys a query is looked up under: the words as typed, and two words the other way
/// round (名 氏), each without the city's prefix.
fn query_keys(city: &RegisterCity, text: &str) -> Vec<String> {
    let words: Vec<&str> = text.split_whitespace().collect();
    let mut keys = vec![city.without_city(search_key(text))];
    if let [first, second] = words.as_slice() {
        keys.push(city.without_city(search_key(&format!("{second}{first}"))));
    }
    keys.retain(|k| !k.is_empty());
    keys.dedup();
    keys
}

/// The two statements of a text lookup, made once per dialect: residents whose key is the
/// query's (ranked by key kind), and those whose key starts with it (in key order).
fn key_searches(dialect: Dialect) -> &'static (String, String) {
    static SQLITE: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    static POSTGRES: std::sync::OnceLock<(String, String)> = std::sync::OnceLock::new();
    // Past every key that starts with the query: U+10FFFF, the last code point.
    let (cell, last_char) = match dialect {
        Dialect::Sqlite => (&SQLITE, "char(1114111)"),
        Dialect::Postgres => (&POSTGRES, "chr(1114111)"),
    };
    cell.get_or_init(|| {
        let columns: String = RESIDENT_COLUMNS
            .split(',')
            .map(|c| format!("r.{}", c.trim()))
            .collect::<Vec<_>>()
            .join(", ");
        let from = "FROM resident_keys k JOIN residents r
                      ON r.tenant = k.tenant AND r.atena_number = k.atena_number";
        // The CAST gives PostgreSQL the parameter's type where it is first met. Ties are in
        // the order of the key B-tree on both databases (SQLite reads it so anyway).
        let filters =
            "(r.protected = 0 OR ?3 <> 0) AND (CAST(?4 AS TEXT) IS NULL OR r.birth_date = ?4)";
        (
            format!(
                "SELECT {columns} {from} WHERE k.tenant = ?5 AND k.key = ?1 AND {filters}
                 ORDER BY k.kind, k.atena_number LIMIT ?2"
            ),
            format!(
                "SELECT {columns} {from}
                 WHERE k.tenant = ?5 AND k.key > ?1 AND k.key < ?1 || {last_char} AND {filters}
                 ORDER BY k.key, k.kind, k.atena_number LIMIT ?2"
            ),
        )
    })
}

/// A text without its spaces, as ranking compares what was typed with a result.
fn without_spaces(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// How a result's name or フリガナ shows what was typed (`typed` without its spaces): exactly,
/// and as its start.
fn shows_typed(r: &Resident, typed: &str) -> (bool, bool) {
    let (name, kana) = (without_spaces(&r.name), without_spaces(&r.kana));
    (
        name == typed || kana == typed,
        name.starts_with(typed) || kana.starts_with(typed),
    )
}

/// One city's resident register in the store ([`Store::register`]): every read and write of
/// it names that city, so no lookup ever reaches another city's residents.
#[derive(Debug)]
pub struct Register<'a> {
    pub(super) store: &'a Store,
    pub(super) city: RegisterCity,
}

impl Store {
    /// The resident register of `tenant`.
    pub fn register(&self, tenant: LocalGovernmentCode) -> Register<'_> {
        Register {
            store: self,
            city: self.register_city(tenant),
        }
    }

    /// How `tenant`'s register leaves out its address prefix: by the name the deployment
    /// gave it ([`Store::name_cities`]), Takasaki's by default.
    pub(super) fn register_city(&self, tenant: LocalGovernmentCode) -> RegisterCity {
        let names = self.city_names.read().unwrap_or_else(|e| e.into_inner());
        let name = names
            .get(&tenant)
            .map(String::as_str)
            .or((tenant == TAKASAKI).then_some(TAKASAKI_NAME));
        RegisterCity::new(tenant, name)
    }

    /// Names the deployment's cities (「前橋市」), so each register's addresses are searched
    /// without their city's prefix (「群馬県前橋市」); the search keys are rebuilt when a
    /// name changes them.
    ///
    /// # Errors
    /// [`StoreError`] when the keys cannot be rebuilt.
    pub fn name_cities<'n>(
        &self,
        names: impl IntoIterator<Item = (LocalGovernmentCode, &'n str)>,
    ) -> Result<(), StoreError> {
        {
            let mut known = self.city_names.write().unwrap_or_else(|e| e.into_inner());
            for (code, name) in names {
                known.insert(code, name.to_owned());
            }
        }
        refresh_search_keys(self)
    }
}

impl Register<'_> {
    /// The city whose register this is.
    pub fn tenant(&self) -> LocalGovernmentCode {
        self.city.tenant
    }

    /// Adds (or replaces) residents in one transaction.
    pub fn put_residents(&self, residents: &[Resident]) -> Result<(), StoreError> {
        self.store.write(|c| {
            for r in residents {
                upsert_resident(c, &self.city, r)?;
            }
            Ok(())
        })
    }

    /// How many residents the register holds.
    pub fn resident_count(&self) -> Result<usize, StoreError> {
        let n: i64 = self.store.read(|c| {
            c.query_row(
                "SELECT COUNT(*) FROM residents WHERE tenant = ?1",
                params![self.city.tenant.as_str()],
                |r| r.get(0),
            )
        })?;
        Ok(n as usize)
    }

    /// The resident with this 宛名番号, if the register has them.
    pub fn resident(&self, atena_number: &str) -> Result<Option<Resident>, StoreError> {
        self.store
            .read(|c| Ok(residents_by_atena(c, &self.city, &[atena_number.to_owned()])?.pop()))
    }

    /// Residents matching a query, at most `limit`; persons under 支援措置 only when
    /// `protected` (the searcher may see them).
    ///
    /// A text query is ranked: records whose key is exactly the query's first (a 氏名 before
    /// a 名 before a フリガナ before an address, and among them what shows exactly as typed),
    /// then records whose key starts with it, in key order. Every step reads the
    /// `resident_keys` B-tree by range, so a lookup reads about as many rows as it returns
    /// even when thousands match.
    pub fn search_residents(
        &self,
        query: &ResidentQuery,
        limit: usize,
        protected: bool,
    ) -> Result<Vec<Resident>, StoreError> {
        let tenant = self.city.tenant.as_str();
        self.store.read(|c| {
            let text = match query {
                ResidentQuery::BirthDate(d) => {
                    // PostgreSQL orders text by code point (as SQLite does) only when told.
                    let kana = match c.dialect() {
                        Dialect::Sqlite => "kana",
                        Dialect::Postgres => "kana COLLATE \"C\"",
                    };
                    return c.query_map(
                        &format!(
                            "SELECT {RESIDENT_COLUMNS} FROM residents
                             WHERE tenant = ?4 AND (protected = 0 OR ?3 <> 0) AND birth_date = ?1
                             ORDER BY {kana} LIMIT ?2"
                        ),
                        params![d, limit as i64, protected, tenant],
                        resident_of,
                    );
                }
                ResidentQuery::Text(t) => (t, None),
                ResidentQuery::TextAndBirthDate { text, birth_date } => (text, Some(birth_date)),
            };
            let (text, born) = text;
            let (exact_sql, prefix_sql) = key_searches(c.dialect());
            let keys = query_keys(&self.city, text);
            // Reads one statement for each key into `found` (each resident once), up to `cap`.
            let read =
                |sql: &str, found: &mut Vec<Resident>, cap: usize| -> Result<(), StoreError> {
                    for key in &keys {
                        if found.len() >= cap {
                            break;
                        }
                        let rows = c.query_map(
                            sql,
                            params![key, (limit * 2) as i64, protected, born, tenant],
                            resident_of,
                        )?;
                        for row in rows {
                            if found.len() >= cap {
                                break;
                            }
                            if !found.iter().any(|r| r.atena_number == row.atena_number) {
                                found.push(row);
                            }
                        }
                    }
                    Ok(())
                };
            let mut found: Vec<Resident> = Vec::new();
            read(exact_sql, &mut found, usize::MAX)?;
            // What shows exactly as typed first (高橋 before 髙橋 for 高橋); stable otherwise.
            let typed = without_spaces(text);
            found.sort_by_key(|r| !shows_typed(r, &typed).0);
            found.truncate(limit);
            let exact_count = found.len();
            read(prefix_sql, &mut found, limit)?;
            // Among the rest, who starts as typed first (高橋 before 髙橋 for 高橋).
            found[exact_count..].sort_by_key(|r| !shows_typed(r, &typed).1);
            Ok(found)
        })
    }

    /// The members of a household, head first (none if it is protected, unless `protected`).
    pub fn household(
        &self,
        household_number: &str,
        protected: bool,
    ) -> Result<Vec<Resident>, StoreError> {
        self.store.read(|c| {
            c.query_map(
                &format!(
                    "SELECT {RESIDENT_COLUMNS} FROM residents
                     WHERE tenant = ?3 AND household_number = ?1 AND (protected = 0 OR ?2 <> 0)
                     ORDER BY relationship <> '世帯主', birth_date"
                ),
                params![household_number, protected, self.city.tenant.as_str()],
                resident_of,
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_model::synthetic::Population;

    fn resident(atena: &str, name: &str, kana: &str, address: &str) -> Resident {
        Resident {
            atena_number: atena.into(),
            household_number: format!("9{atena}"),
            name: name.into(),
            kana: kana.into(),
            birth_date: "1990-05-05".into(),
            sex: "female".into(),
            relationship: "世帯主".into(),
            address: address.into(),
            postal_code: "370-0041".into(),
            head_name: name.into(),
            my_number: String::new(),
            protected: false,
        }
    }

    fn atenas(found: &[Resident]) -> Vec<&str> {
        found.iter().map(|r| r.atena_number.as_str()).collect()
    }

    /// The examples against a register holding 高橋 葵 among thousands: each way a
    /// counter types her finds her; 髙橋 and 高橋 find each other.
    #[test]
    fn the_ways_counters_type_find_the_resident() {
        let store = Store::scratch().unwrap();
        let mut population = Population::generate(5, 2_000).residents;
        population.retain(|r| !r.name.starts_with("高橋") && !r.kana.starts_with("タカハシ"));
        population.push(resident(
            "1001",
            "高橋 葵",
            "タカハシ\u{3000}アオイ",
            "群馬県高崎市貝沢町429番地2",
        ));
        population.push(resident(
            "1002",
            "髙橋 翔",
            "タカハシ\u{3000}ショウ",
            "群馬県高崎市八島町222番地",
        ));
        store.register(TAKASAKI).put_residents(&population).unwrap();
        // The generator gives few given names (アオイ is one of 16), so a given name alone
        // matches hundreds here: look far enough.
        let search = |q: &str| {
            store
                .register(TAKASAKI)
                .search_residents(&ResidentQuery::Text(q.into()), 1_000, false)
                .unwrap()
        };
        for q in [
            "タカハシアオイ",
            "たかはしあおい",
            "アオイ",
            "あおい",
            "高橋　葵",
            "高橋葵",
            "高橋 葵",
            "葵",
            "葵 高橋",
            "アオイ タカハシ",
            "ﾀｶﾊｼ ｱｵｲ",
            "貝沢町429-2",
            "貝沢町４２９－２",
            "貝沢町四二九番地二",
            "群馬県高崎市貝沢町429番地2",
            "高崎市貝沢町429",
            "髙橋",
            "髙橋葵",
        ] {
            let found = search(q);
            assert!(
                atenas(&found).contains(&"1001"),
                "{q}: {:?}",
                atenas(&found)
            );
        }
        // 高橋 finds the resident registered as 髙橋, and the other way round.
        assert!(atenas(&search("高橋")).contains(&"1002"));
        assert!(atenas(&search("髙橋")).contains(&"1001"));
        // Exact first: the full name typed comes before everyone whose name only starts so.
        assert_eq!(atenas(&search("高橋 葵"))[0], "1001");
        assert_eq!(atenas(&search("タカハシ ショウ"))[0], "1002");
        // A given name and a birth date narrow each other.
        let narrowed = store
            .register(TAKASAKI)
            .search_residents(
                &ResidentQuery::TextAndBirthDate {
                    text: "アオイ".into(),
                    birth_date: "1990-05-05".into(),
                },
                50,
                false,
            )
            .unwrap();
        assert!(atenas(&narrowed).contains(&"1001"));
        assert!(narrowed.iter().all(|r| r.birth_date == "1990-05-05"));
        // Nothing matches what nobody is called.
        assert!(search("ンンンン").is_empty());
    }

    #[test]
    fn resident_lookup_by_kana_birth_date_and_text_hides_protected_persons() {
        let store = Store::scratch().unwrap();
        let population = Population::generate(3, 3_000);
        store
            .register(TAKASAKI)
            .put_residents(&population.residents)
            .unwrap();
        assert_eq!(
            store.register(TAKASAKI).resident_count().unwrap(),
            population.residents.len()
        );
        let someone = population.residents.iter().find(|r| !r.protected).unwrap();
        let prefix: String = someone.kana.chars().take(3).collect();
        let by_kana = store
            .register(TAKASAKI)
            .search_residents(&ResidentQuery::Text(prefix.clone()), 500, false)
            .unwrap();
        assert!(by_kana.iter().any(|r| r == someone));
        assert!(by_kana.iter().all(|r| !r.protected));
        let by_birth = store
            .register(TAKASAKI)
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
                .register(TAKASAKI)
                .search_residents(&ResidentQuery::Text(town), 5, false)
                .unwrap()
                .is_empty()
        );
        let surname = someone.name.split(' ').next().unwrap().to_owned();
        let by_name = store
            .register(TAKASAKI)
            .search_residents(&ResidentQuery::Text(surname.clone()), 500, false)
            .unwrap();
        assert!(!by_name.is_empty());
        assert!(
            by_name
                .iter()
                .all(|r| search_key(&r.name).starts_with(&search_key(&surname))
                    || search_key(&r.kana).starts_with(&search_key(&surname))
                    || search_key(&r.address).contains(&search_key(&surname)))
        );
        let household = store
            .register(TAKASAKI)
            .household(&someone.household_number, false)
            .unwrap();
        assert!(household.iter().any(|r| r == someone));
        assert_eq!(household[0].relationship, "世帯主");
        let hidden = population.residents.iter().find(|r| r.protected).unwrap();
        for query in [
            ResidentQuery::BirthDate(hidden.birth_date.clone()),
            ResidentQuery::Text(hidden.name.clone()),
            ResidentQuery::Text(hidden.kana.clone()),
        ] {
            let found = store
                .register(TAKASAKI)
                .search_residents(&query, 500, false)
                .unwrap();
            assert!(!found.iter().any(|r| r.atena_number == hidden.atena_number));
            // The 支援措置 desk sees them.
            let allowed = store
                .register(TAKASAKI)
                .search_residents(&query, 500, true)
                .unwrap();
            assert!(
                allowed
                    .iter()
                    .any(|r| r.atena_number == hidden.atena_number)
            );
        }
        assert!(
            store
                .register(TAKASAKI)
                .household(&hidden.household_number, false)
                .unwrap()
                .is_empty()
        );
        assert!(
            !store
                .register(TAKASAKI)
                .household(&hidden.household_number, true)
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn search_keys_follow_changes_and_removals() {
        let store = Store::scratch().unwrap();
        let mut r = resident(
            "2001",
            "前橋 健太",
            "マエバシ　ケンタ",
            "群馬県高崎市高松町35番地1",
        );
        store
            .register(TAKASAKI)
            .put_residents(std::slice::from_ref(&r))
            .unwrap();
        let search = |q: &str| {
            store
                .register(TAKASAKI)
                .search_residents(&ResidentQuery::Text(q.into()), 10, false)
                .unwrap()
        };
        assert_eq!(search("マエバシ").len(), 1);
        r.name = "伊勢崎 健太".into();
        r.kana = "イセサキ　ケンタ".into();
        store
            .register(TAKASAKI)
            .put_residents(std::slice::from_ref(&r))
            .unwrap();
        assert!(
            search("マエバシ").is_empty(),
            "the old key went with the old name"
        );
        assert_eq!(search("イセサキ").len(), 1);
        let count_keys = || {
            store
                .read(|c| {
                    c.query_row("SELECT COUNT(*) FROM resident_keys", params![], |row| {
                        row.get::<i64>(0)
                    })
                })
                .unwrap()
        };
        assert_eq!(count_keys(), 5, "氏名, 名, フリガナ, フリガナの名, 住所");
        store
            .write(|c| remove_resident(c, &store.register_city(TAKASAKI), "2001"))
            .unwrap();
        let keys = count_keys();
        assert_eq!(keys, 0);
    }
    /// Two cities on one deployment give the same 宛名番号 to different people: each city's
    /// lookups, households and counts see its own register alone, and each city's address
    /// prefix (「群馬県前橋市」 once the city is named) need not be typed.
    #[test]
    fn each_city_searches_its_own_register() {
        let store = Store::scratch().unwrap();
        let maebashi: LocalGovernmentCode = "102016".parse().unwrap();
        let ours = resident(
            "000001",
            "高橋 葵",
            "タカハシ\u{3000}アオイ",
            "群馬県高崎市貝沢町429番地2",
        );
        let mut theirs = resident(
            "000001",
            "前田 陽菜",
            "マエダ\u{3000}ヒナ",
            "群馬県前橋市大手町二丁目12番1号",
        );
        theirs.household_number = ours.household_number.clone();
        store
            .register(TAKASAKI)
            .put_residents(std::slice::from_ref(&ours))
            .unwrap();
        store
            .register(maebashi)
            .put_residents(std::slice::from_ref(&theirs))
            .unwrap();
        let search = |city, q: &str| {
            store
                .register(city)
                .search_residents(&ResidentQuery::Text(q.into()), 10, false)
                .unwrap()
        };
        assert_eq!(search(TAKASAKI, "高橋 葵"), vec![ours.clone()]);
        assert!(search(maebashi, "高橋 葵").is_empty());
        assert_eq!(search(maebashi, "マエダ ヒナ"), vec![theirs.clone()]);
        assert!(search(TAKASAKI, "前田").is_empty());
        assert!(search(TAKASAKI, "大手町").is_empty());
        // By birth date, both were born the same day: each city finds its own.
        let born = |city| {
            store
                .register(city)
                .search_residents(&ResidentQuery::BirthDate("1990-05-05".into()), 10, false)
                .unwrap()
        };
        assert_eq!(born(TAKASAKI), vec![ours.clone()]);
        assert_eq!(born(maebashi), vec![theirs.clone()]);
        assert_eq!(
            store.register(maebashi).resident("000001").unwrap(),
            Some(theirs.clone())
        );
        assert_eq!(
            store
                .register(TAKASAKI)
                .household(&ours.household_number, false)
                .unwrap(),
            vec![ours.clone()]
        );
        assert_eq!(store.register(maebashi).resident_count().unwrap(), 1);
        // Unnamed, 前橋市's addresses lose only their prefecture; named, the city too.
        assert_eq!(search(maebashi, "前橋市大手町二丁目"), vec![theirs.clone()]);
        assert!(search(maebashi, "大手町二丁目").is_empty());
        store.name_cities([(maebashi, "前橋市")]).unwrap();
        assert_eq!(search(maebashi, "大手町2-12-1"), vec![theirs.clone()]);
        assert_eq!(search(maebashi, "群馬県前橋市大手町"), vec![theirs.clone()]);
        assert_eq!(search(TAKASAKI, "貝沢町429-2"), vec![ours.clone()]);
        // Removing one city's resident leaves the other city's namesake.
        store
            .write(|c| remove_resident(c, &store.register_city(maebashi), "000001"))
            .unwrap();
        assert!(search(maebashi, "マエダ").is_empty());
        assert_eq!(search(TAKASAKI, "タカハシ"), vec![ours]);
    }

    /// Keys made by an older key function are rebuilt on opening, every page of the register.
    #[test]
    fn search_keys_are_rebuilt_when_the_key_function_changes() {
        let store = Store::scratch().unwrap();
        let population = Population::generate(3, 3_000).residents;
        assert!(population.len() > REFRESH_PAGE, "{}", population.len());
        store.register(TAKASAKI).put_residents(&population).unwrap();
        let keys = || {
            store
                .read(|c| {
                    c.query_map(
                        "SELECT key, kind, atena_number FROM resident_keys
                         ORDER BY key, kind, atena_number",
                        params![],
                        |r| Ok((r.get::<String>(0)?, r.get::<i64>(1)?, r.get::<String>(2)?)),
                    )
                })
                .unwrap()
        };
        let made = keys();
        store
            .write(|c| {
                c.execute("DELETE FROM resident_keys", params![])?;
                c.execute(
                    "UPDATE meta SET value = 'older' WHERE key = 'search_key_version'",
                    params![],
                )
            })
            .unwrap();
        refresh_search_keys(&store).unwrap();
        assert_eq!(keys(), made);
        // Current keys are left as they are.
        store
            .write(|c| c.execute("DELETE FROM resident_keys", params![]))
            .unwrap();
        refresh_search_keys(&store).unwrap();
        assert!(keys().is_empty());
    }
}

#[cfg(test)]
mod demo_register {
    use super::*;
    use shared_model::synthetic::Population;

    /// The examples against the demo register itself (`cargo xtask run`: the
    /// simulator's default seed, 2,000 households), through the lookup's own limit where the
    /// query names her, and through all matches for a given name alone (a hundred アオイ).
    #[test]
    fn the_demo_registers_takahashi_aoi_is_found_every_way() {
        let population = Population::generate(20_270_201, 2_000).residents;
        let aoi = population
            .iter()
            .find(|r| {
                r.name == "高橋 葵"
                    && r.kana == "タカハシ\u{3000}アオイ"
                    && r.address == "群馬県高崎市貝沢町429番地2"
            })
            .expect("the demo register has 高橋 葵 of 貝沢町429番地2")
            .clone();
        let store = Store::scratch().unwrap();
        store.register(TAKASAKI).put_residents(&population).unwrap();
        let finds = |q: &str, limit: usize| {
            store
                .register(TAKASAKI)
                .search_residents(&ResidentQuery::Text(q.into()), limit, false)
                .unwrap()
                .iter()
                .any(|r| r.atena_number == aoi.atena_number)
        };
        for q in [
            "タカハシアオイ",
            "たかはしあおい",
            "高橋\u{3000}葵",
            "高橋葵",
            "髙橋葵",
            "貝沢町429-2",
            "貝沢町４２９－２",
        ] {
            assert!(finds(q, 50), "{q}");
        }
        assert!(finds("アオイ", 10_000), "アオイ");
        assert!(
            store
                .register(TAKASAKI)
                .search_residents(
                    &ResidentQuery::TextAndBirthDate {
                        text: "アオイ".into(),
                        birth_date: aoi.birth_date.clone(),
                    },
                    50,
                    false,
                )
                .unwrap()
                .iter()
                .any(|r| r.atena_number == aoi.atena_number)
        );
    }
}
