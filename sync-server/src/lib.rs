//! Madoguchi's sync server. The principal type is [`Server`]: an axum app that
//!
//! - speaks the automerge-repo v1 protocol on the WebSocket `/sync` ([`hub::Hub`] holds the
//!   documents and per-client sync states),
//! - stores every document in SQLite as snapshot + incremental chunks ([`store::Store`]),
//! - hands out the day's reception numbers (`/api/visits`),
//! - publishes the form catalog read-only (`/api/forms`, `/api/forms/{id}`),
//! - and serves the built PWA.
//!
//! Data flows one way through it: client → `/sync` → hub → store; later issues add the
//! reconciler, outbox and object-storage export behind the store.
#![forbid(unsafe_code)]

pub mod accounts;
pub mod api;
pub mod assets;
pub mod demo;
pub mod exchange;
pub mod hub;
pub mod store;
pub mod ws;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use tokio::net::TcpListener;

use crate::hub::Hub;
use crate::store::Store;

/// Limits on what clients may send.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Largest WebSocket frame (and message) accepted, in bytes.
    pub max_frame_bytes: usize,
    /// Largest REST request body, in bytes.
    pub max_body_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024 * 1024,
            max_body_bytes: 64 * 1024,
        }
    }
}

/// How to run the server.
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (port 0 picks a free one).
    pub listen: SocketAddr,
    /// Folder of the SQLite database.
    pub data_dir: PathBuf,
    /// Folder of the built PWA, if it is to be served.
    pub static_dir: Option<PathBuf>,
    /// Limits on client input.
    pub limits: Limits,
    /// The exchange with the core system, if a bucket is configured.
    pub exchange: Option<ExchangeConfig>,
}

/// Which object storage the exchange uses.
#[derive(Debug, Clone)]
pub enum BucketBackend {
    /// A local folder (the embedded default).
    Folder(PathBuf),
    /// An S3-compatible service (OCI's S3 compatibility API on the government cloud).
    S3(exchange::s3::S3Config),
}

/// Where and how often the core system's files are read.
#[derive(Debug, Clone)]
pub struct ExchangeConfig {
    /// The object storage.
    pub bucket: BucketBackend,
    /// Seconds between polls (at most 300).
    pub interval_secs: u64,
    /// The prefix of 住基 files (`full/` and `delta/` below it).
    pub inbound_prefix: String,
}

/// What every handler can reach.
#[derive(Debug, Clone)]
pub struct AppState {
    /// The automerge-repo peer.
    pub hub: Arc<Hub>,
    /// The database.
    pub store: Arc<Store>,
    /// Input limits.
    pub limits: Limits,
    /// Flips to `true` when the server shuts down, so WebSocket tasks close their sockets.
    pub shutdown: tokio::sync::watch::Receiver<bool>,
    /// The 住基 importer, when the exchange is configured.
    pub import: Option<exchange::poller::ImportPoller>,
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    shutdown: tokio::sync::watch::Sender<bool>,
}

impl Server {
    /// Opens the store and binds the listener.
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        let store = Arc::new(Store::open(&config.data_dir)?);
        Self::bind_with_store(config, store).await
    }

    /// Binds with an already opened store.
    pub async fn bind_with_store(config: Config, store: Arc<Store>) -> anyhow::Result<Self> {
        let hub = Arc::new(Hub::new(
            format!("madoguchi-sync-{}", store.storage_id()?),
            store.clone(),
        )?);
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        let import = match &config.exchange {
            Some(exchange) => {
                let poller = exchange::poller::ImportPoller::new(
                    exchange.interval_secs,
                    &exchange.inbound_prefix,
                    exchange::layout::ResidentLayout::default(),
                )?;
                let (store, shutdown) = (store.clone(), shutdown_rx.clone());
                match &exchange.bucket {
                    BucketBackend::Folder(dir) => {
                        let bucket = exchange::bucket::FolderBucket::new(dir);
                        tokio::spawn(poller.clone().run(bucket, store, shutdown));
                    }
                    BucketBackend::S3(s3) => {
                        let bucket = exchange::s3::S3Bucket::new(s3);
                        tokio::spawn(poller.clone().run(bucket, store, shutdown));
                    }
                }
                Some(poller)
            }
            None => None,
        };
        let state = AppState {
            hub,
            store,
            limits: config.limits,
            shutdown: shutdown_rx,
            import,
        };
        let router = router(state.clone(), config.static_dir.as_deref());
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Self {
            listener,
            router,
            state,
            shutdown,
        })
    }

    /// The address actually bound.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The shared state (for seeding demo data and tests).
    pub fn state(&self) -> &AppState {
        &self.state
    }

    /// Serves until `signal` resolves, then closes every WebSocket and finishes open requests.
    pub async fn run(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shutdown = self.shutdown;
        axum::serve(self.listener, self.router)
            .with_graceful_shutdown(async move {
                signal.await;
                tracing::info!("shutting down");
                let _ = shutdown.send(true);
            })
            .await
    }
}

/// The HTTP routes.
pub fn router(state: AppState, static_dir: Option<&std::path::Path>) -> Router {
    let max_body = state.limits.max_body_bytes;
    let api = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/sync", get(ws::endpoint))
        .route(
            "/api/visits",
            get(api::list_visits).post(api::register_visit),
        )
        .route(
            "/api/session",
            get(api::whoami).post(api::sign_in).delete(api::sign_out),
        )
        .route("/api/residents", get(api::search_residents))
        .route("/api/residents/household/{number}", get(api::household))
        .route("/api/exchange/import", get(api::import_state))
        .route("/api/forms", get(api::forms))
        .route("/api/forms/{id}", get(api::form))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state);
    match static_dir {
        Some(dir) => api.merge(assets::router(dir)),
        None => api,
    }
}
