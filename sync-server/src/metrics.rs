//! [`Metrics`]: what the server tells the city's monitoring, as OpenMetrics text (which
//! Prometheus scrapes) at `GET /metrics`.
//!
//! The endpoint answers only when the server was given a token
//! (`MADOGUCHI_METRICS_TOKEN`), and only to requests that carry it as
//! `Authorization: Bearer <token>` (401 otherwise; 404 when no token is configured). It holds
//! counts and durations, never a name, a login or a document id.
//!
//! | metric | type | labels | what |
//! |---|---|---|---|
//! | `madoguchi_connected_peers` | gauge | | WebSocket clients connected now |
//! | `madoguchi_documents_in_memory` | gauge | | documents held in memory (open and idle) |
//! | `madoguchi_sync_messages_total` | counter | `direction` (`received`, `sent`) | automerge-repo messages; their rate is messages/s |
//! | `madoguchi_store_seconds` | histogram | `kind` (`read`, `write`) | time of each unit of work on the database, seconds |
//! | `madoguchi_import_lag_seconds` | gauge | `city` | seconds since the bucket's 住基 files were last read successfully (the promise: at most 300) |
//! | `madoguchi_export_queue` | gauge | `city`, `state` (`pending`, `sent`, `accepted`, `rejected`) | outbox records by state |
//! | `madoguchi_sign_in_refusals_total` | counter | `reason` (`credentials`, `blocked`, `nonce`) | refused sign-ins |

use std::sync::Arc;
use std::time::Instant;

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use sha2::{Digest, Sha256};

use crate::AppState;

/// The environment variable holding the token `/metrics` asks for.
pub const TOKEN_ENV: &str = "MADOGUCHI_METRICS_TOKEN";

/// `direction` of a sync message.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct Direction {
    direction: &'static str,
}

/// `kind` of a unit of work on the database.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StoreKind {
    kind: &'static str,
}

/// `reason` of a refused sign-in.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RefusalReason {
    reason: &'static str,
}

/// `city` (全国地方公共団体コード).
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct City {
    city: String,
}

/// `city` and `state` of outbox records.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
struct CityState {
    city: String,
    state: &'static str,
}

/// Why a sign-in was refused, for `madoguchi_sign_in_refusals_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInRefusal {
    /// Unknown login or wrong password.
    Credentials,
    /// Too many failures for the login: blocked for a while.
    Blocked,
    /// The sign-in form's nonce was missing, stale or replayed.
    Nonce,
}

fn store_histogram() -> Histogram {
    // 0.1 ms … 3.3 s.
    Histogram::new(exponential_buckets(0.0001, 2.0, 16))
}

/// How long the database takes: a histogram per kind of work ([`crate::store::Store`]
/// times each read and each transaction). Clones share the same counts.
#[derive(Debug, Clone)]
pub struct StoreLatency {
    family: Family<StoreKind, Histogram, fn() -> Histogram>,
}

impl Default for StoreLatency {
    fn default() -> Self {
        Self {
            family: Family::new_with_constructor(store_histogram),
        }
    }
}

impl StoreLatency {
    /// Records a read that began at `started`.
    pub fn read(&self, started: Instant) {
        self.observe("read", started);
    }

    /// Records a transaction that began at `started`.
    pub fn write(&self, started: Instant) {
        self.observe("write", started);
    }

    fn observe(&self, kind: &'static str, started: Instant) {
        self.family
            .get_or_create(&StoreKind { kind })
            .observe(started.elapsed().as_secs_f64());
    }
}

/// The server's metrics and the registry that writes them out. Counters are counted where
/// things happen ([`Metrics::sync_message`], [`Metrics::sign_in_refused`]); gauges are read
/// from the server's state when scraped ([`Metrics::encode`]).
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    peers: Gauge,
    documents: Gauge,
    sync_messages: Family<Direction, Counter>,
    sign_in_refusals: Family<RefusalReason, Counter>,
    import_lag: Family<City, Gauge>,
    export_queue: Family<CityState, Gauge>,
    /// SHA-256 of the token (compared hashed, so the comparison's time says nothing of it).
    token_hash: Option<[u8; 32]>,
}

impl Metrics {
    /// The metrics of a server whose store times itself into `store`; `/metrics` answers
    /// only to `token` (`None`: not at all).
    pub fn new(store: &StoreLatency, token: Option<&str>) -> Self {
        let mut registry = Registry::default();
        let metrics = Self {
            registry: Registry::default(),
            peers: Gauge::default(),
            documents: Gauge::default(),
            sync_messages: Family::default(),
            sign_in_refusals: Family::default(),
            import_lag: Family::default(),
            export_queue: Family::default(),
            token_hash: token
                .filter(|t| !t.is_empty())
                .map(|t| Sha256::digest(t.as_bytes()).into()),
        };
        registry.register(
            "madoguchi_connected_peers",
            "WebSocket clients connected now",
            metrics.peers.clone(),
        );
        registry.register(
            "madoguchi_documents_in_memory",
            "Documents held in memory, open and idle",
            metrics.documents.clone(),
        );
        registry.register(
            "madoguchi_sync_messages",
            "automerge-repo sync messages received from and sent to clients",
            metrics.sync_messages.clone(),
        );
        registry.register(
            "madoguchi_store_seconds",
            "Time of each read and transaction on the database",
            store.family.clone(),
        );
        registry.register(
            "madoguchi_import_lag_seconds",
            "Seconds since the resident register files were last read successfully from the bucket, per city",
            metrics.import_lag.clone(),
        );
        registry.register(
            "madoguchi_export_queue",
            "Outbox records of confirmed notifications by state, per city",
            metrics.export_queue.clone(),
        );
        registry.register(
            "madoguchi_sign_in_refusals",
            "Refused staff sign-ins by reason",
            metrics.sign_in_refusals.clone(),
        );
        // Every series from the start, so a rate is defined before the first event.
        for direction in ["received", "sent"] {
            let _ = metrics
                .sync_messages
                .get_or_create(&Direction { direction });
        }
        for reason in ["credentials", "blocked", "nonce"] {
            let _ = metrics
                .sign_in_refusals
                .get_or_create(&RefusalReason { reason });
        }
        Self {
            registry,
            ..metrics
        }
    }

    /// Counts a sync message received from a client (`received: true`) or sent to one.
    pub fn sync_message(&self, received: bool) {
        let direction = if received { "received" } else { "sent" };
        self.sync_messages
            .get_or_create(&Direction { direction })
            .inc();
    }

    /// Counts a refused sign-in.
    pub fn sign_in_refused(&self, why: SignInRefusal) {
        let reason = match why {
            SignInRefusal::Credentials => "credentials",
            SignInRefusal::Blocked => "blocked",
            SignInRefusal::Nonce => "nonce",
        };
        self.sign_in_refusals
            .get_or_create(&RefusalReason { reason })
            .inc();
    }

    /// Whether `headers` carry the token as `Authorization: Bearer <token>`.
    fn admits(&self, headers: &HeaderMap) -> bool {
        let Some(expected) = &self.token_hash else {
            return false;
        };
        // The scheme's name is case-insensitive (RFC 9110 §11.1).
        let given = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token)
            .unwrap_or("");
        let given: [u8; 32] = Sha256::digest(given.trim().as_bytes()).into();
        given == *expected
    }

    /// Reads the gauges from `app` and writes every metric as OpenMetrics text.
    async fn encode(&self, app: &AppState) -> Result<String, std::fmt::Error> {
        let hub = app.hub.stats();
        self.peers.set(i64::try_from(hub.peers).unwrap_or(i64::MAX));
        self.documents
            .set(i64::try_from(hub.documents).unwrap_or(i64::MAX));
        let now = crate::clock::now_ms();
        for (code, exchange) in app.exchanges.iter() {
            let city = code.to_string();
            if let Some(lag) = exchange.import.state(now).lag_secs {
                self.import_lag
                    .get_or_create(&City { city: city.clone() })
                    .set(i64::try_from(lag).unwrap_or(i64::MAX));
            }
            let counts = exchange.export.state(&app.store).await.counts;
            for (state, n) in [
                ("pending", counts.pending),
                ("sent", counts.sent),
                ("accepted", counts.accepted),
                ("rejected", counts.rejected),
            ] {
                self.export_queue
                    .get_or_create(&CityState {
                        city: city.clone(),
                        state,
                    })
                    .set(i64::try_from(n).unwrap_or(i64::MAX));
            }
        }
        let mut text = String::new();
        prometheus_client::encoding::text::encode(&mut text, &self.registry)?;
        Ok(text)
    }
}

/// `GET /metrics`: the metrics as OpenMetrics text, to the holder of the token (401
/// otherwise; 404 when the server has none). Never cached.
pub async fn endpoint(State(app): State<AppState>, headers: HeaderMap) -> Response {
    let metrics: &Arc<Metrics> = &app.metrics;
    if metrics.token_hash.is_none() {
        return StatusCode::NOT_FOUND.into_response();
    }
    if !metrics.admits(&headers) {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer")],
        )
            .into_response();
    }
    match metrics.encode(&app).await {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(
                        "application/openmetrics-text; version=1.0.0; charset=utf-8",
                    ),
                ),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
            text,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}
