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
pub mod backup;
pub mod cities;
pub mod clock;
pub mod day_close;
pub mod demo;
pub mod exchange;
pub mod hub;
pub mod metrics;
pub mod nodes;
pub mod request_id;
pub mod security_headers;
pub mod store;
pub mod terminals;
pub mod tls;
pub mod ws;

use std::collections::HashMap;
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
    /// How many idle documents stay in memory, and how much may wait for one peer.
    pub memory: hub::MemoryBounds,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_frame_bytes: 16 * 1024 * 1024,
            max_body_bytes: 64 * 1024,
            memory: hub::MemoryBounds::default(),
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
    /// PostgreSQL instead of SQLite (`postgres://…`), for several nodes over one database.
    pub database: Option<String>,
    /// Most pooled PostgreSQL connections of this node.
    pub database_connections: u32,
    /// Folder of the built PWA, if it is to be served.
    pub static_dir: Option<PathBuf>,
    /// Limits on client input.
    pub limits: Limits,
    /// The exchange with the core system, if a bucket is configured.
    pub exchange: Option<ExchangeConfig>,
    /// HTTPS certificate and key (required beyond loopback).
    pub tls: Option<tls::TlsFiles>,
    /// How long a staff session lasts.
    pub session_length: std::time::Duration,
    /// The layout of the 転出証明書's QR code (TOML) the terminals read codes with; `None`:
    /// the built-in default (`device-webusb/transfer_certificate.toml`). Checked at start.
    pub transfer_certificate_layout: Option<String>,
    /// The deployment's first city (全国地方公共団体コード; Takasaki, 102024, unless told):
    /// rows stored before cities were told apart are its, and its exchange with its core
    /// system uses the configured prefixes as they are (other cities' start with their code).
    pub tenant: shared_model::tenant::LocalGovernmentCode,
    /// What the deployment knows of each city beyond its code (`--cities`): its name and the
    /// data files in which it differs from the deployment's defaults.
    pub cities: cities::Cities,
    /// The token `GET /metrics` asks for (`Authorization: Bearer …`); `None`: no metrics
    /// endpoint (404). See [`metrics`].
    pub metrics_token: Option<String>,
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
    /// How 住基 files are laid out and read (columns, encoding, check digits, number width,
    /// bad-row share).
    pub resident_layout: exchange::layout::ResidentLayout,
    /// Which confirmed forms go out, and how.
    pub export_map: exchange::export_map::ExportMap,
    /// The prefix batch files are written under.
    pub outbound_prefix: String,
    /// The prefix the core system's result files appear under.
    pub results_prefix: String,
    /// Most records in one batch file.
    pub batch_max_records: usize,
    /// Time between export cycles when nothing wakes the exporter earlier.
    pub export_interval: std::time::Duration,
}

impl ExchangeConfig {
    /// The defaults around a bucket: 60 s imports, `inbound/juki/`, `outbound/`,
    /// `inbound/results/`, batches of at most 1,000 records, export cycles every 2 s.
    pub fn new(bucket: BucketBackend) -> Self {
        Self {
            bucket,
            interval_secs: 60,
            inbound_prefix: "inbound/juki/".into(),
            resident_layout: exchange::layout::ResidentLayout::default(),
            export_map: exchange::export_map::ExportMap::builtin().clone(),
            outbound_prefix: "outbound/".into(),
            results_prefix: "inbound/results/".into(),
            batch_max_records: 1_000,
            export_interval: std::time::Duration::from_secs(2),
        }
    }
}

/// One city's exchange with its core system: the importer of its 住基 files and the exporter
/// of its confirmed forms, over the deployment's bucket under the city's own prefixes.
#[derive(Debug, Clone)]
pub struct CityExchange {
    /// The 住基 importer.
    pub import: exchange::poller::ImportPoller,
    /// The exporter of confirmed forms.
    pub export: exchange::exporter::Exporter,
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
    /// Each city's exchange with its core system, when the exchange is configured: the first
    /// city's and those of the cities `--cities` lists.
    pub exchanges: Arc<HashMap<shared_model::tenant::LocalGovernmentCode, CityExchange>>,
    /// Failed sign-ins per login.
    pub sign_in_limiter: Arc<accounts::SignInLimiter>,
    /// Whether cookies get `Secure` (served over HTTPS).
    pub secure_cookies: bool,
    /// The terminals' last heartbeats.
    pub terminals: Arc<terminals::Terminals>,
    /// Single-use nonces of the sign-in form.
    pub sign_in_nonces: Arc<accounts::SignInNonces>,
    /// Refused requests, into the audit log (bounded per minute).
    pub refusals: Arc<accounts::RefusalAudit>,
    /// How long a staff session lasts, ms.
    pub session_ms: i64,
    /// The 転出証明書 QR layout served to the terminals (TOML).
    pub transfer_certificate_layout: Arc<str>,
    /// The deployment's first city ([`Config::tenant`]).
    pub tenant: shared_model::tenant::LocalGovernmentCode,
    /// The cities' own data files ([`Config::cities`]).
    pub cities: Arc<cities::Cities>,
    /// What `/metrics` reports ([`Config::metrics_token`] opens it).
    pub metrics: Arc<metrics::Metrics>,
}

/// A bound, ready-to-run server.
#[derive(Debug)]
pub struct Server {
    listener: TcpListener,
    router: Router,
    state: AppState,
    shutdown: tokio::sync::watch::Sender<bool>,
    tls: Option<Arc<rustls::ServerConfig>>,
}

impl Server {
    /// Opens the store and binds the listener.
    pub async fn bind(config: Config) -> anyhow::Result<Self> {
        let store = Arc::new(match &config.database {
            Some(url) => Store::open_postgres(url, config.database_connections)?,
            None => Store::open(&config.data_dir)?,
        });
        Self::bind_with_store(config, store).await
    }

    /// Binds with an already opened store.
    pub async fn bind_with_store(config: Config, store: Arc<Store>) -> anyhow::Result<Self> {
        // The first city holds what was stored before cities were told apart and the bucket's
        // unprefixed files: it is never changed by a flag.
        if let Some(first) = store.first_city()?
            && first != config.tenant
        {
            anyhow::bail!(
                "this database's first city is {first}: --tenant {} would give its files in \
                 the bucket to another city; start with --tenant {first} (the --tenant of \
                 staff-add and kiosk-add names the city of what they add)",
                config.tenant
            );
        }
        let adopted = store.adopt_untenanted(config.tenant)?;
        if adopted > 0 {
            tracing::info!(rows = adopted, tenant = %config.tenant, "rows of before cities were told apart adopted");
        }
        store.name_cities(config.cities.iter().map(|c| (c.code, c.name.as_str())))?;
        let city_files = match &config.exchange {
            Some(exchange) => {
                exchange::city_files::CityFiles::of(exchange, config.tenant, &config.cities)?
            }
            None => Vec::new(),
        };
        let mut hub = Hub::new(
            format!("madoguchi-sync-{}", store.storage_id()?),
            store.clone(),
        )?
        .with_bounds(config.limits.memory)
        .with_catalogs(
            config
                .cities
                .iter()
                .filter_map(|c| Some((c.code, c.catalog.as_ref()?.read))),
        );
        if config.exchange.is_some() {
            hub = hub.with_exports(
                config.tenant,
                city_files.iter().map(|c| (c.tenant, c.export_map.clone())),
            );
        }
        let hub = Arc::new(hub);
        let (shutdown, shutdown_rx) = tokio::sync::watch::channel(false);
        nodes::follow_other_nodes(hub.clone(), &store, shutdown_rx.clone());
        let leading = nodes::leadership(&store);
        {
            let (hub, store) = (hub.clone(), store.clone());
            nodes::when_leading(leading.clone(), shutdown_rx.clone(), move |stop| {
                tokio::spawn(day_close::run(hub.clone(), store.clone(), stop));
            });
        }
        tokio::spawn(
            hub.clone()
                .prune_bindings_every(std::time::Duration::from_secs(300), shutdown_rx.clone()),
        );
        let mut exchanges = HashMap::new();
        if let Some(exchange) = &config.exchange {
            for files in &city_files {
                let city = CityExchange {
                    import: exchange::poller::ImportPoller::new(
                        files.tenant,
                        exchange.interval_secs,
                        &files.inbound_prefix,
                        files.resident_layout.clone(),
                    )?,
                    export: exchange::exporter::Exporter::new(
                        files.tenant,
                        files.export_map.clone(),
                        &files.outbound_prefix,
                        &files.results_prefix,
                        exchange.batch_max_records,
                        exchange.export_interval,
                    ),
                };
                let wake = hub.outbox_filled(files.tenant);
                match &exchange.bucket {
                    BucketBackend::Folder(dir) => {
                        let bucket = exchange::bucket::FolderBucket::new(dir);
                        spawn_exchange(&city, bucket, &store, &hub, wake, (&leading, &shutdown_rx));
                    }
                    BucketBackend::S3(s3) => {
                        let bucket = exchange::s3::S3Bucket::new(s3);
                        spawn_exchange(&city, bucket, &store, &hub, wake, (&leading, &shutdown_rx));
                    }
                }
                exchanges.insert(files.tenant, city);
            }
        }
        let saved_terminals = store.saved_terminals()?;
        let state = AppState {
            hub,
            store: store.clone(),
            limits: config.limits,
            shutdown: shutdown_rx,
            exchanges: Arc::new(exchanges),
            sign_in_limiter: Arc::new(accounts::SignInLimiter::new(store.clone())),
            secure_cookies: config.tls.is_some(),
            terminals: Arc::new(terminals::Terminals::from_saved(saved_terminals)),
            sign_in_nonces: Arc::new(accounts::SignInNonces::new(store.clone())),
            refusals: Arc::default(),
            session_ms: i64::try_from(config.session_length.as_millis()).unwrap_or(i64::MAX),
            transfer_certificate_layout: Arc::from(
                config
                    .transfer_certificate_layout
                    .as_deref()
                    .unwrap_or(device_webusb::transfer_certificate::layout::DEFAULT_LAYOUT),
            ),
            tenant: config.tenant,
            cities: Arc::new(config.cities.clone()),
            metrics: Arc::new(metrics::Metrics::new(
                store.latency(),
                config.metrics_token.as_deref(),
            )),
        };
        let router = router(state.clone(), config.static_dir.as_deref());
        tls::check_plain_http(config.listen, config.tls.as_ref())?;
        let tls = config
            .tls
            .as_ref()
            .map(tls::TlsFiles::server_config)
            .transpose()?;
        let listener = TcpListener::bind(config.listen).await?;
        Ok(Self {
            listener,
            router,
            state,
            shutdown,
            tls,
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

    /// Whether it serves HTTPS.
    pub fn is_tls(&self) -> bool {
        self.tls.is_some()
    }

    /// Serves until `signal` resolves, then closes every WebSocket and finishes open requests.
    pub async fn run(
        self,
        signal: impl Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let shutdown = self.shutdown;
        let Some(tls) = self.tls else {
            return axum::serve(self.listener, self.router)
                .with_graceful_shutdown(async move {
                    signal.await;
                    tracing::info!("shutting down");
                    let _ = shutdown.send(true);
                })
                .await;
        };
        let handle = axum_server::Handle::new();
        let stopping = handle.clone();
        tokio::spawn(async move {
            signal.await;
            tracing::info!("shutting down");
            let _ = shutdown.send(true);
            stopping.graceful_shutdown(Some(std::time::Duration::from_secs(10)));
        });
        let listener = self.listener.into_std()?;
        axum_server::from_tcp_rustls(
            listener,
            axum_server::tls_rustls::RustlsConfig::from_config(tls),
        )
        .handle(handle)
        .serve(self.router.into_make_service())
        .await
    }
}

/// Starts a city's importer and exporter over one bucket.
fn spawn_exchange<B: exchange::bucket::Bucket + Clone + 'static>(
    city: &CityExchange,
    bucket: B,
    store: &Arc<Store>,
    hub: &Arc<Hub>,
    wake: Arc<tokio::sync::Notify>,
    (leading, shutdown): (
        &tokio::sync::watch::Receiver<bool>,
        &tokio::sync::watch::Receiver<bool>,
    ),
) {
    let (poller, exporter, store, hub) = (
        city.import.clone(),
        city.export.clone(),
        store.clone(),
        hub.clone(),
    );
    // One node at a time reads the core system's files and writes batches.
    nodes::when_leading(leading.clone(), shutdown.clone(), move |stop| {
        tokio::spawn(
            poller
                .clone()
                .run(bucket.clone(), store.clone(), stop.clone()),
        );
        tokio::spawn(exporter.clone().run(
            bucket.clone(),
            store.clone(),
            hub.clone(),
            wake.clone(),
            stop,
        ));
    });
}

/// The HTTP routes.
pub fn router(state: AppState, static_dir: Option<&std::path::Path>) -> Router {
    let max_body = state.limits.max_body_bytes;
    let tls = state.secure_cookies;
    let api = Router::new()
        .route("/healthz", get(api::healthz))
        .route("/api/residents", get(api::search_residents))
        .route("/api/residents/household/{number}", get(api::household))
        .route("/api/exchange/import", get(api::import_state))
        .route("/api/exchange/export", get(api::export_state))
        .route(
            "/api/exchange/export/retry",
            axum::routing::post(api::export_retry),
        )
        .route("/sync", get(ws::endpoint))
        .route(
            "/api/visits",
            get(api::list_visits).post(api::register_visit),
        )
        .route(
            "/api/session",
            get(api::whoami).post(api::sign_in).delete(api::sign_out),
        )
        .route("/api/session/nonce", get(api::sign_in_nonce))
        .route("/api/audit", get(api::audit_log))
        .route("/api/audit.csv", get(api::audit_csv))
        .route("/api/audit/reveal", axum::routing::post(api::audit_reveal))
        .route(
            "/api/audit/document-read",
            axum::routing::post(api::audit_document_read),
        )
        .route(
            "/api/layouts/transfer-certificate",
            axum::routing::get(api::transfer_certificate_layout),
        )
        .route("/api/kiosk", get(api::kiosk))
        .route("/api/kiosk/enroll", axum::routing::post(api::enroll_kiosk))
        .route(
            "/api/kiosks/{id}/revoke",
            axum::routing::post(api::revoke_kiosk),
        )
        .route(
            "/api/terminals",
            get(api::terminals).post(api::terminal_report),
        )
        .route("/api/stats", get(api::stats))
        .route("/api/stats.csv", get(api::stats_csv))
        .route("/api/queue", get(api::department_queue))
        .route("/api/queue/call", axum::routing::post(api::call))
        .route("/api/queue/recall", axum::routing::post(api::recall))
        .route("/api/queue/absent", axum::routing::post(api::absent))
        .route("/api/queue/done", axum::routing::post(api::done))
        .route("/api/queue/display", get(api::board))
        .route("/api/queue/wait", get(api::wait))
        .route("/api/queue/blocks", axum::routing::post(api::reserve_block))
        .route("/api/displays", get(api::displays).post(api::add_display))
        .route(
            "/api/displays/{id}/revoke",
            axum::routing::post(api::revoke_display),
        )
        .route(
            "/api/display/enroll",
            axum::routing::post(api::enroll_display),
        )
        .route("/api/forms", get(api::forms))
        .route("/api/catalog", get(api::catalog_files))
        .route("/api/forms/{id}", get(api::form))
        .route("/metrics", get(metrics::endpoint))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::audit_oversize,
        ))
        .with_state(state);
    let app = match static_dir {
        Some(dir) => api.merge(assets::router(dir)),
        None => api,
    };
    // Outermost last: every answer, errors of the layers inside included, carries the
    // security headers (`security_headers`); every request gets an id (or keeps its
    // proxy's), is logged in a span carrying it, and its answer names it (`request_id`).
    let headers = security_headers::SecurityHeaders { tls };
    app.layer(tower_http::request_id::PropagateRequestIdLayer::new(
        request_id::HEADER,
    ))
    .layer(
        tower_http::trace::TraceLayer::new_for_http()
            .make_span_with(request_id::RequestSpan)
            .on_request(())
            .on_response(request_id::ResponseLine)
            .on_failure(request_id::NoFailureLine),
    )
    .layer(tower_http::request_id::SetRequestIdLayer::new(
        request_id::HEADER,
        request_id::RequestReference,
    ))
    .layer(axum::middleware::map_request(request_id::keep_plain_ids))
    .layer(axum::middleware::from_fn_with_state(
        headers,
        security_headers::middleware,
    ))
}
