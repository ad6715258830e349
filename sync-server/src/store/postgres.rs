//! [`Postgres`]: the store on PostgreSQL, for several server nodes over one managed database.
//!
//! - Connections are pooled (r2d2) and driven by tokio-postgres on a small runtime of the
//!   store's own, so callers wait on them the same way they wait on SQLite.
//! - The schema is applied from `sync-server/migrations/postgres/NNNN_*.sql`, in order, each
//!   once (`schema_migrations`), under an advisory lock so nodes starting together do not
//!   race.
//! - Writes that read before they write (numbers, batches, grants) take one transaction-level
//!   advisory lock ([`WRITE_LOCK`]) and so run one at a time across every node, as SQLite's
//!   single writer runs them; appending a content-addressed chunk does not need it.

use std::sync::Arc;
use std::time::Duration;

use tokio_postgres::NoTls;

use super::StoreError;
use super::sql::{PgClient, wait};

/// The migrations, in order: (version, name, SQL).
pub const MIGRATIONS: &[(i64, &str, &str)] = &[
    (
        1,
        "schema",
        include_str!("../../migrations/postgres/0001_schema.sql"),
    ),
    (
        2,
        "sign_in",
        include_str!("../../migrations/postgres/0002_sign_in.sql"),
    ),
    (
        3,
        "tenants",
        include_str!("../../migrations/postgres/0003_tenants.sql"),
    ),
    (
        4,
        "cities_queue_audit",
        include_str!("../../migrations/postgres/0004_cities_queue_audit.sql"),
    ),
    (
        5,
        "city_terminals",
        include_str!("../../migrations/postgres/0005_city_terminals.sql"),
    ),
    (
        6,
        "city_registers_exchanges",
        include_str!("../../migrations/postgres/0006_city_registers_exchanges.sql"),
    ),
];

/// The channel nodes tell each other on that a document has new stored changes
/// (`NOTIFY madoguchi_changes, '<node> <document id>'`, sent when the writing transaction
/// commits).
pub const CHANGES_CHANNEL: &str = "madoguchi_changes";

/// Advisory lock key held by the node that runs the 住基 poller, the exporter and the day's
/// close (one node at a time).
pub const EXCHANGE_LEADER_LOCK: i64 = 0x6d61_646f_0003;

/// What the change listener hears.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// Another node stored changes of this document.
    Changed(String),
    /// The listener (re)connected: notices may have been missed, so every document in
    /// memory should be read again.
    Resync,
}

/// Advisory lock key held while migrating.
const MIGRATION_LOCK: i64 = 0x6d61_646f_0001;
/// Advisory lock key every serialized write transaction holds.
pub const WRITE_LOCK: i64 = 0x6d61_646f_0002;

/// The pool's connection maker.
#[derive(Debug)]
pub struct Connector {
    config: tokio_postgres::Config,
    runtime: tokio::runtime::Handle,
}

impl Connector {
    /// Opens one connection; its IO runs on the store's runtime.
    pub fn connect_client(&self) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
        let config = self.config.clone();
        let task = self.runtime.spawn(async move {
            let (client, connection) = config.connect(NoTls).await?;
            tokio::spawn(async move {
                // The connection ends when its client is dropped or the server goes away;
                // the pool then finds the client closed and makes a new one.
                let _ = connection.await;
            });
            Ok::<_, tokio_postgres::Error>(client)
        });
        wait(task).expect("the connection task is not cancelled")
    }
}

impl r2d2::ManageConnection for Connector {
    type Connection = PgClient;
    type Error = tokio_postgres::Error;

    fn connect(&self) -> Result<PgClient, tokio_postgres::Error> {
        Ok(PgClient::new(self.connect_client()?))
    }

    fn is_valid(&self, conn: &mut PgClient) -> Result<(), tokio_postgres::Error> {
        wait(conn.client.simple_query("")).map(|_| ())
    }

    fn has_broken(&self, conn: &mut PgClient) -> bool {
        conn.client.is_closed() || conn.in_transaction
    }
}

/// The store's PostgreSQL side: a pool and the runtime its connections run on.
pub struct Postgres {
    /// Where the database is.
    pub url: String,
    /// Pooled connections.
    pub pool: r2d2::Pool<Connector>,
    /// This node's id in change notices (random per start).
    pub node: String,
    /// How to connect (for the listener and the leader's lock connections).
    pub connector: Arc<Connector>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::fmt::Debug for Postgres {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Postgres")
            .field("connections", &self.pool.state().connections)
            .finish()
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        // Also safe when the store is dropped inside an async task.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Postgres {
    /// Connects to `url` (`postgres://user@host:port/db`), applies the migrations not yet
    /// applied and opens a pool of at most `max_connections`.
    ///
    /// # Errors
    /// [`StoreError::Postgres`] when the database cannot be reached or a migration fails;
    /// [`StoreError::Pool`] when no connection could be made in time.
    pub fn open(url: &str, max_connections: u32) -> Result<Self, StoreError> {
        let config: tokio_postgres::Config = url.parse()?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("postgres-io")
            .enable_all()
            .build()
            .map_err(|e| StoreError::Task(format!("cannot start the PostgreSQL runtime: {e}")))?;
        let connector = Arc::new(Connector {
            config: config.clone(),
            runtime: runtime.handle().clone(),
        });
        {
            let mut client = PgClient::new(connector.connect_client()?);
            migrate(&mut client)?;
        }
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(1))
            .connection_timeout(Duration::from_secs(10))
            .build(Connector {
                config,
                runtime: runtime.handle().clone(),
            })?;
        let mut node = [0u8; 8];
        getrandom::fill(&mut node).expect("the platform has a random source");
        Ok(Self {
            url: url.to_owned(),
            pool,
            node: hex::encode(node),
            connector,
            runtime: Some(runtime),
        })
    }

    /// Creates a new empty database in the cluster at `cluster_url` and opens the store on
    /// it: every test gets a database of its own.
    pub fn scratch(cluster_url: &str) -> Result<Self, StoreError> {
        let mut id = [0u8; 8];
        getrandom::fill(&mut id).expect("the platform has a random source");
        let name = format!("madoguchi_test_{}", hex::encode(id));
        let config: tokio_postgres::Config = cluster_url.parse()?;
        let create = format!("CREATE DATABASE {name}");
        // On a thread of its own: the caller may be an async test, where a runtime can be
        // neither started nor dropped.
        std::thread::scope(|s| {
            s.spawn(|| {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .map_err(|e| StoreError::Task(e.to_string()))?;
                runtime.block_on(async {
                    let (client, connection) = config.connect(NoTls).await?;
                    let io = tokio::spawn(connection);
                    client.batch_execute(&create).await?;
                    drop(client);
                    let _ = io.await;
                    Ok::<_, StoreError>(())
                })
            })
            .join()
            .expect("creating a scratch database does not panic")
        })?;
        let url = with_dbname(cluster_url, &name);
        Self::open(&url, 4)
    }
}

impl Postgres {
    fn spawn(&self, task: impl std::future::Future<Output = ()> + Send + 'static) {
        if let Some(runtime) = &self.runtime {
            runtime.spawn(task);
        }
    }

    /// Listens for other nodes' change notices, on a connection of its own that reconnects
    /// when lost (announcing [`Notice::Resync`] each time it is back).
    pub fn listen(&self) -> tokio::sync::mpsc::UnboundedReceiver<Notice> {
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        let config = self.connector.config.clone();
        let own = format!("{} ", self.node);
        self.spawn(async move {
            while !tx.is_closed() {
                match config.connect(NoTls).await {
                    Ok((client, mut connection)) => {
                        let heard = tx.clone();
                        let own = own.clone();
                        let driver = tokio::spawn(async move {
                            let mut messages = futures_util::stream::poll_fn(move |cx| {
                                connection.poll_message(cx)
                            });
                            while let Some(message) =
                                futures_util::StreamExt::next(&mut messages).await
                            {
                                match message {
                                    Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                                        let payload = n.payload();
                                        if payload.starts_with(&own) {
                                            continue;
                                        }
                                        if let Some((_, doc)) = payload.split_once(' ') {
                                            let _ = heard.send(Notice::Changed(doc.to_owned()));
                                        }
                                    }
                                    Ok(_) => {}
                                    Err(_) => break,
                                }
                            }
                        });
                        match client.batch_execute(&format!("LISTEN {CHANGES_CHANNEL}")).await {
                            Ok(()) => {
                                let _ = tx.send(Notice::Resync);
                                let _ = driver.await;
                            }
                            Err(e) => {
                                tracing::warn!(error = %e, "cannot listen for other nodes' changes");
                                driver.abort();
                            }
                        }
                        tracing::warn!("change listener lost its connection; reconnecting");
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "change listener cannot connect; retrying");
                    }
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        });
        rx
    }

    /// Tries, every `every`, to hold the session-level advisory lock `key` on a connection
    /// of its own; the answer is `true` while this node holds it. The lock goes with the
    /// connection: a node that dies or loses the database lets another take over.
    pub fn lead(&self, key: i64, every: Duration) -> tokio::sync::watch::Receiver<bool> {
        let (tx, rx) = tokio::sync::watch::channel(false);
        let config = self.connector.config.clone();
        self.spawn(async move {
            while !tx.is_closed() {
                if let Ok((client, connection)) = config.connect(NoTls).await {
                    let driver = tokio::spawn(connection);
                    loop {
                        if tx.is_closed() {
                            break;
                        }
                        if *tx.borrow() {
                            // Still holding it while the connection lives.
                            if client.simple_query("").await.is_err() {
                                break;
                            }
                        } else {
                            match client
                                .query_one("SELECT pg_try_advisory_lock($1)", &[&key])
                                .await
                            {
                                Ok(row) => {
                                    if row.get::<_, bool>(0) {
                                        tracing::info!(key, "this node leads");
                                        let _ = tx.send(true);
                                    }
                                }
                                Err(_) => break,
                            }
                        }
                        tokio::time::sleep(every).await;
                    }
                    driver.abort();
                }
                if *tx.borrow() {
                    tracing::warn!(key, "this node no longer leads (database connection lost)");
                    let _ = tx.send(false);
                }
                tokio::time::sleep(every).await;
            }
        });
        rx
    }
}

/// `url` with its database name replaced by `name`.
pub fn with_dbname(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let base = match base[after_scheme..].find('/') {
        Some(slash) => &base[..after_scheme + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{base}/{name}?{query}"),
        None => format!("{base}/{name}"),
    }
}

/// Applies the migrations this database lacks, in order, each in its own transaction.
fn migrate(client: &mut PgClient) -> Result<(), StoreError> {
    client.batch(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))?;
    let result = (|| {
        client.batch(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version    BIGINT PRIMARY KEY,
                 name       TEXT   NOT NULL,
                 applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
             )",
        )?;
        let applied: Vec<i64> = wait(client.client.query(
            "SELECT version FROM schema_migrations ORDER BY version",
            &[],
        ))?
        .iter()
        .map(|row| row.get(0))
        .collect();
        for (version, name, sql) in MIGRATIONS {
            if applied.contains(version) {
                continue;
            }
            client.batch("BEGIN")?;
            let step = (|| {
                client.batch(sql)?;
                wait(client.client.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    &[version, name],
                ))?;
                client.batch("COMMIT")
            })();
            if step.is_err() {
                let _ = client.batch("ROLLBACK");
            }
            step?;
            tracing::info!(version, name, "applied PostgreSQL migration");
        }
        Ok(())
    })();
    let _ = client.batch(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"));
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_database_name_is_replaced_and_options_kept() {
        assert_eq!(
            with_dbname("postgres://u@127.0.0.1:5433/postgres", "t1"),
            "postgres://u@127.0.0.1:5433/t1"
        );
        assert_eq!(
            with_dbname("postgres://u@127.0.0.1:5433?sslmode=disable", "t1"),
            "postgres://u@127.0.0.1:5433/t1?sslmode=disable"
        );
    }

    #[test]
    fn migrations_are_numbered_in_order() {
        for (i, (version, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version, i as i64 + 1);
        }
    }
}

#[cfg(test)]
mod node_tests {
    use super::*;
    use crate::store::Store;
    use shared_model::DocumentId;

    /// Two stores over one database, as two nodes: a change one stores is heard by the other.
    #[test]
    fn a_node_hears_the_changes_another_stores() {
        let Ok(cluster) = std::env::var(crate::store::TEST_POSTGRES_ENV) else {
            return;
        };
        let first = Store::scratch().unwrap();
        let url = first
            .postgres()
            .unwrap_or_else(|| panic!("{cluster} is PostgreSQL"))
            .url
            .clone();
        let second = Store::open_postgres(&url, 2).unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let mut heard = second.postgres().unwrap().listen();
        let id = DocumentId::random();
        runtime.block_on(async {
            assert_eq!(heard.recv().await, Some(Notice::Resync));
            first.append_incremental(&id, b"chunk").unwrap();
            let notice = tokio::time::timeout(Duration::from_secs(5), heard.recv())
                .await
                .expect("heard within 5 s");
            assert_eq!(notice, Some(Notice::Changed(id.to_string())));
        });
    }
}
