//! [`Conn`]: one query API over SQLite and PostgreSQL, so every room of the store is written
//! once and both databases run the same statements.
//!
//! Statements are written with SQLite's numbered parameters (`?1`, `?2`, …), in the SQL both
//! databases accept (`INSERT … ON CONFLICT … DO NOTHING/UPDATE`, `RETURNING`, `CASE`,
//! `COALESCE`). For PostgreSQL, [`postgres_text`] renumbers them as `$1`, `$2`, … and spells
//! the one SQLite-only function the store uses (`instr`) as PostgreSQL does (`strpos`);
//! statements are prepared once per connection and kept. Where the two dialects truly
//! differ (schemas, the JSON functions of one filter), a room picks its text with
//! [`Conn::dialect`].
//!
//! Values cross as four kinds ([`Param`], [`Value`]): integers (`i64`; PostgreSQL columns
//! are `BIGINT`, flags are 0/1 as in SQLite), reals, text and bytes. A parameter bound to a
//! PostgreSQL column of another integer width or of type `boolean` is converted to it.

use std::cell::RefCell;
use std::collections::HashMap;

use tokio_postgres::types::{IsNull, ToSql, Type, to_sql_checked};

use super::StoreError;

/// Which database a connection speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (rusqlite, bundled): the embedded default.
    Sqlite,
    /// PostgreSQL (the `postgres` client of tokio-postgres).
    Postgres,
}

/// One statement parameter, borrowed from the caller.
#[derive(Debug, Clone, Copy)]
pub enum Param<'a> {
    /// SQL NULL.
    Null,
    /// An integer (also a flag: 0 or 1).
    Int(i64),
    /// A real number.
    Real(f64),
    /// Text.
    Text(&'a str),
    /// Bytes (`BLOB` / `BYTEA`).
    Blob(&'a [u8]),
}

/// A Rust value that can be bound as a statement parameter.
pub trait ToParam {
    /// The value as a parameter.
    fn param(&self) -> Param<'_>;
}

macro_rules! int_param {
    ($($t:ty),*) => {$(
        impl ToParam for $t {
            fn param(&self) -> Param<'_> {
                Param::Int(*self as i64)
            }
        }
    )*};
}
int_param!(i64, i32, u32, u16, u8, usize, u64);

impl ToParam for bool {
    fn param(&self) -> Param<'_> {
        Param::Int(i64::from(*self))
    }
}
impl ToParam for f64 {
    fn param(&self) -> Param<'_> {
        Param::Real(*self)
    }
}
impl ToParam for str {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for String {
    fn param(&self) -> Param<'_> {
        Param::Text(self)
    }
}
impl ToParam for [u8] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl ToParam for Vec<u8> {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<const N: usize> ToParam for [u8; N] {
    fn param(&self) -> Param<'_> {
        Param::Blob(self)
    }
}
impl<T: ToParam + ?Sized> ToParam for &T {
    fn param(&self) -> Param<'_> {
        (**self).param()
    }
}
impl<T: ToParam> ToParam for Option<T> {
    fn param(&self) -> Param<'_> {
        match self {
            Some(v) => v.param(),
            None => Param::Null,
        }
    }
}

/// Statement parameters, as rusqlite's `params!`: `params![id, day, number]`.
macro_rules! params {
    () => {
        &[] as &[&dyn $crate::store::sql::ToParam]
    };
    ($($p:expr),+ $(,)?) => {
        &[$(&$p as &dyn $crate::store::sql::ToParam),+] as &[&dyn $crate::store::sql::ToParam]
    };
}
pub(crate) use params;

/// One value read from a row.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// SQL NULL.
    Null,
    /// An integer (PostgreSQL `smallint`, `integer`, `bigint` or `boolean`).
    Int(i64),
    /// A real number.
    Real(f64),
    /// Text.
    Text(String),
    /// Bytes.
    Blob(Vec<u8>),
}

/// A Rust type a column can be read as.
pub trait FromValue: Sized {
    /// The value, or what is wrong with it.
    fn from_value(value: Value) -> Result<Self, String>;
}

macro_rules! int_value {
    ($($t:ty),*) => {$(
        impl FromValue for $t {
            fn from_value(value: Value) -> Result<Self, String> {
                match value {
                    Value::Int(n) => <$t>::try_from(n)
                        .map_err(|_| format!("{n} does not fit {}", stringify!($t))),
                    other => Err(format!("expected an integer, found {other:?}")),
                }
            }
        }
    )*};
}
int_value!(i64, i32, u32, u16, u8, usize, u64);

impl FromValue for bool {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Int(n) => Ok(n != 0),
            other => Err(format!("expected a flag, found {other:?}")),
        }
    }
}
impl FromValue for f64 {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Real(x) => Ok(x),
            Value::Int(n) => Ok(n as f64),
            other => Err(format!("expected a number, found {other:?}")),
        }
    }
}
impl FromValue for String {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Text(s) => Ok(s),
            other => Err(format!("expected text, found {other:?}")),
        }
    }
}
impl FromValue for Vec<u8> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Blob(b) => Ok(b),
            Value::Text(s) => Ok(s.into_bytes()),
            other => Err(format!("expected bytes, found {other:?}")),
        }
    }
}
impl<T: FromValue> FromValue for Option<T> {
    fn from_value(value: Value) -> Result<Self, String> {
        match value {
            Value::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

/// One row of a result, from either database.
pub enum Row<'r> {
    /// A SQLite row.
    Sqlite(&'r rusqlite::Row<'r>),
    /// A PostgreSQL row.
    Postgres(&'r tokio_postgres::Row),
}

impl Row<'_> {
    /// Column `i` (from 0) as `T`.
    ///
    /// # Errors
    /// [`StoreError::Column`] when the column holds something `T` cannot be made from.
    pub fn get<T: FromValue>(&self, i: usize) -> Result<T, StoreError> {
        let value = match self {
            Row::Sqlite(row) => sqlite_value(row.get_ref(i)?),
            Row::Postgres(row) => postgres_value(row, i)?,
        };
        T::from_value(value).map_err(|problem| StoreError::Column { index: i, problem })
    }
}

fn sqlite_value(value: rusqlite::types::ValueRef<'_>) -> Value {
    use rusqlite::types::ValueRef;
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(n) => Value::Int(n),
        ValueRef::Real(x) => Value::Real(x),
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

fn postgres_value(row: &tokio_postgres::Row, i: usize) -> Result<Value, StoreError> {
    let Some(column) = row.columns().get(i) else {
        return Err(StoreError::Column {
            index: i,
            problem: "no such column".into(),
        });
    };
    let ty = column.type_().clone();
    let value = if ty == Type::INT8 {
        row.try_get::<_, Option<i64>>(i)?.map(Value::Int)
    } else if ty == Type::INT4 {
        row.try_get::<_, Option<i32>>(i)?
            .map(|n| Value::Int(n.into()))
    } else if ty == Type::INT2 {
        row.try_get::<_, Option<i16>>(i)?
            .map(|n| Value::Int(n.into()))
    } else if ty == Type::BOOL {
        row.try_get::<_, Option<bool>>(i)?
            .map(|b| Value::Int(b.into()))
    } else if ty == Type::FLOAT8 {
        row.try_get::<_, Option<f64>>(i)?.map(Value::Real)
    } else if ty == Type::FLOAT4 {
        row.try_get::<_, Option<f32>>(i)?
            .map(|x| Value::Real(x.into()))
    } else if ty == Type::BYTEA {
        row.try_get::<_, Option<Vec<u8>>>(i)?.map(Value::Blob)
    } else if ty == Type::TEXT || ty == Type::VARCHAR || ty == Type::BPCHAR || ty == Type::NAME {
        row.try_get::<_, Option<String>>(i)?.map(Value::Text)
    } else {
        return Err(StoreError::Column {
            index: i,
            problem: format!("PostgreSQL type {ty} is not read by the store (cast it)"),
        });
    };
    Ok(value.unwrap_or(Value::Null))
}

impl ToSql for Param<'_> {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut bytes::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match *self {
            Param::Null => Ok(IsNull::Yes),
            Param::Int(n) if *ty == Type::INT4 => i32::try_from(n)?.to_sql(ty, out),
            Param::Int(n) if *ty == Type::INT2 => i16::try_from(n)?.to_sql(ty, out),
            Param::Int(n) if *ty == Type::BOOL => (n != 0).to_sql(ty, out),
            Param::Int(n) if *ty == Type::FLOAT8 => (n as f64).to_sql(ty, out),
            Param::Int(n) if *ty == Type::TEXT || *ty == Type::VARCHAR => {
                n.to_string().as_str().to_sql(ty, out)
            }
            Param::Int(n) => n.to_sql(ty, out),
            Param::Real(x) => x.to_sql(ty, out),
            Param::Text(s) => s.to_sql(ty, out),
            Param::Blob(b) => b.to_sql(ty, out),
        }
    }

    fn accepts(_: &Type) -> bool {
        true
    }

    to_sql_checked!();
}

/// A PostgreSQL connection with the statements it has prepared.
///
/// The connection itself runs on the store's own runtime ([`super::postgres`]); the client
/// is waited on with `futures_executor::block_on`, which needs no runtime of the caller, so
/// the store is called the same way on both databases: from blocking code, a
/// `spawn_blocking` task, or (briefly, as with SQLite) an async task.
pub struct PgClient {
    /// The connection.
    pub client: tokio_postgres::Client,
    statements: HashMap<String, tokio_postgres::Statement>,
    /// A transaction was begun and not yet ended (a connection given back so is dropped).
    pub in_transaction: bool,
}

impl std::fmt::Debug for PgClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgClient")
            .field("statements", &self.statements.len())
            .finish()
    }
}

impl PgClient {
    /// Wraps a connected client.
    pub fn new(client: tokio_postgres::Client) -> Self {
        Self {
            client,
            statements: HashMap::new(),
            in_transaction: false,
        }
    }

    fn statement(&mut self, sql: &str) -> Result<tokio_postgres::Statement, StoreError> {
        if let Some(statement) = self.statements.get(sql) {
            return Ok(statement.clone());
        }
        let statement = wait(self.client.prepare(&postgres_text(sql)))?;
        self.statements.insert(sql.to_owned(), statement.clone());
        Ok(statement)
    }

    /// Runs statements without parameters (`BEGIN`, `COMMIT`, schemas).
    pub fn batch(&mut self, sql: &str) -> Result<(), StoreError> {
        Ok(wait(self.client.batch_execute(sql))?)
    }
}

/// Waits for a client future on this thread (the connection makes progress on the store's
/// runtime).
pub fn wait<T>(future: impl std::future::Future<Output = T>) -> T {
    futures_executor::block_on(future)
}

/// A statement's text as PostgreSQL takes it: `?N` becomes `$N` (outside quoted strings)
/// and `instr(` becomes `strpos(` (same arguments, same 1-based answer, 0 when absent).
pub fn postgres_text(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len() + 8);
    let mut quoted = false;
    let mut chars = sql.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        match c {
            '\'' => {
                quoted = !quoted;
                out.push(c);
            }
            '?' if !quoted && chars.peek().is_some_and(|(_, d)| d.is_ascii_digit()) => {
                out.push('$');
            }
            'i' | 'I'
                if !quoted
                    && sql[at..].len() >= 6
                    && sql[at..at + 6].eq_ignore_ascii_case("instr(")
                    && !sql[..at]
                        .chars()
                        .next_back()
                        .is_some_and(|p| p.is_ascii_alphanumeric() || p == '_') =>
            {
                out.push_str("strpos(");
                for _ in 0..5 {
                    chars.next();
                }
            }
            _ => out.push(c),
        }
    }
    out
}

/// A connection to either database, for the span of one unit of work (a transaction or a
/// read). Rooms of the store take a `&Conn` and run statements on it.
pub enum Conn<'c> {
    /// A SQLite connection (the writer or a reader).
    Sqlite(&'c rusqlite::Connection),
    /// A pooled PostgreSQL connection.
    Postgres(RefCell<&'c mut PgClient>),
}

/// The parameters as [`Param`]s, which both databases bind.
fn values<'p>(params: &'p [&'p dyn ToParam]) -> Vec<Param<'p>> {
    params.iter().map(|p| p.param()).collect()
}

fn pg_refs<'p>(params: &'p [Param<'p>]) -> Vec<&'p (dyn ToSql + Sync)> {
    params.iter().map(|p| p as &(dyn ToSql + Sync)).collect()
}

impl rusqlite::ToSql for Param<'_> {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, ValueRef};
        Ok(ToSqlOutput::Borrowed(match *self {
            Param::Null => ValueRef::Null,
            Param::Int(n) => ValueRef::Integer(n),
            Param::Real(x) => ValueRef::Real(x),
            Param::Text(s) => ValueRef::Text(s.as_bytes()),
            Param::Blob(b) => ValueRef::Blob(b),
        }))
    }
}

impl Conn<'_> {
    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        match self {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// Runs a statement; the number of rows it changed.
    pub fn execute(&self, sql: &str, params: &[&dyn ToParam]) -> Result<usize, StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                let values = values(params);
                Ok(conn
                    .prepare_cached(sql)?
                    .execute(rusqlite::params_from_iter(values.iter()))?)
            }
            Conn::Postgres(client) => {
                let mut client = client.borrow_mut();
                let statement = client.statement(sql)?;
                let values = values(params);
                Ok(wait(client.client.execute(&statement, &pg_refs(&values)))? as usize)
            }
        }
    }

    /// Runs statements without parameters, separated by `;` (schemas, migrations).
    pub fn execute_batch(&self, sql: &str) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(conn) => Ok(conn.execute_batch(sql)?),
            Conn::Postgres(client) => client.borrow_mut().batch(sql),
        }
    }

    /// Every row of a query, each made into a `T` by `f`.
    pub fn query_map<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        mut f: impl FnMut(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                let values = values(params);
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                let mut out = Vec::new();
                while let Some(row) = rows.next()? {
                    out.push(f(&Row::Sqlite(row))?);
                }
                Ok(out)
            }
            Conn::Postgres(client) => {
                let mut client = client.borrow_mut();
                let statement = client.statement(sql)?;
                let values = values(params);
                let rows = wait(client.client.query(&statement, &pg_refs(&values)))?;
                rows.iter().map(|row| f(&Row::Postgres(row))).collect()
            }
        }
    }

    /// The first row of a query made into a `T`, or `None` when there is none.
    pub fn query_opt<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Conn::Sqlite(conn) => {
                let values = values(params);
                let mut stmt = conn.prepare_cached(sql)?;
                let mut rows = stmt.query(rusqlite::params_from_iter(values.iter()))?;
                match rows.next()? {
                    Some(row) => f(&Row::Sqlite(row)).map(Some),
                    None => Ok(None),
                }
            }
            Conn::Postgres(client) => {
                let mut client = client.borrow_mut();
                let statement = client.statement(sql)?;
                let values = values(params);
                let rows = wait(client.client.query(&statement, &pg_refs(&values)))?;
                rows.first().map(|row| f(&Row::Postgres(row))).transpose()
            }
        }
    }

    /// The first row of a query made into a `T`.
    ///
    /// # Errors
    /// [`StoreError::NoRows`] when the query gave none.
    pub fn query_row<T>(
        &self,
        sql: &str,
        params: &[&dyn ToParam],
        f: impl FnOnce(&Row<'_>) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.query_opt(sql, params, f)?.ok_or(StoreError::NoRows)
    }

    /// Whether a query gives at least one row.
    pub fn exists(&self, sql: &str, params: &[&dyn ToParam]) -> Result<bool, StoreError> {
        Ok(self.query_opt(sql, params, |_| Ok(()))?.is_some())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbered_parameters_become_dollars_outside_strings() {
        assert_eq!(
            postgres_text("SELECT a FROM t WHERE b = ?1 AND c = '?2' AND d IN (?2, ?10)"),
            "SELECT a FROM t WHERE b = $1 AND c = '?2' AND d IN ($2, $10)"
        );
    }

    #[test]
    fn instr_becomes_strpos_but_not_inside_other_names() {
        assert_eq!(
            postgres_text("WHERE instr(login, ?3) > 0 OR myinstr(x) OR INSTR(a, 'instr(')"),
            "WHERE strpos(login, $3) > 0 OR myinstr(x) OR strpos(a, 'instr(')"
        );
    }

    #[test]
    fn sqlite_rows_read_as_rust_values() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let c = Conn::Sqlite(&conn);
        c.execute_batch("CREATE TABLE t (n INTEGER, s TEXT, b BLOB)")
            .unwrap();
        c.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3)",
            params![7_u32, "七", vec![1_u8, 2]],
        )
        .unwrap();
        c.execute(
            "INSERT INTO t VALUES (?1, ?2, ?3)",
            params![None::<i64>, "x", [0_u8; 0]],
        )
        .unwrap();
        let rows = c
            .query_map("SELECT n, s, b FROM t ORDER BY s DESC", params![], |r| {
                Ok((
                    r.get::<Option<u32>>(0)?,
                    r.get::<String>(1)?,
                    r.get::<Vec<u8>>(2)?,
                ))
            })
            .unwrap();
        assert_eq!(rows[0], (Some(7), "七".to_owned(), vec![1, 2]));
        assert_eq!(rows[1].0, None);
        assert!(matches!(
            c.query_row("SELECT s FROM t WHERE n = 7", params![], |r| r
                .get::<i64>(0)),
            Err(StoreError::Column { index: 0, .. })
        ));
        assert!(matches!(
            c.query_row("SELECT s FROM t WHERE n = 8", params![], |r| r
                .get::<String>(0)),
            Err(StoreError::NoRows)
        ));
    }
}
