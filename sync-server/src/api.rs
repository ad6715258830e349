//! The small REST surface: health, and the visit register (reception numbers).

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;

use shared_model::DocumentId;
use shared_model::calendar::{parse_date, tokyo_day};
use shared_model::catalog::{Catalog, Form};
use shared_model::stats::{DayStats, VisitFacts};
use shared_model::synthetic::Resident;
use shared_model::validate::check_kana;

use crate::AppState;
use crate::accounts::{self, AdminSignedIn, Caller, SignedIn, Terminal};
use crate::hub::HubStats;
use crate::store::{
    ResidentQuery, StaffRecord, StoreError, VisitRecord, department_grantee, kiosk_grantee,
};

/// An error answered as JSON `{ "error": code, "message": text }`.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The request names something malformed.
    #[error("{0}")]
    BadRequest(String),
    /// Nothing matches.
    #[error("{0}")]
    NotFound(String),
    /// No valid session (or wrong credentials at sign-in).
    #[error("sign-in required")]
    Unauthorized,
    /// Signed in, but this is not for this role.
    #[error("not allowed for this account")]
    Forbidden,
    /// Too many failed sign-ins for this login; try again after the seconds given.
    #[error("too many failed sign-ins; try again in {0} s")]
    TooManyAttempts(u64),
    /// The database failed.
    #[error("storage failed")]
    Store(#[from] StoreError),
    /// A blocking task died.
    #[error("internal error")]
    Task,
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = match &self {
            ApiError::BadRequest(_) => (StatusCode::BAD_REQUEST, "bad_request"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::Forbidden => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::TooManyAttempts(_) => (StatusCode::TOO_MANY_REQUESTS, "too_many_attempts"),
            ApiError::Store(e) => {
                tracing::error!(error = %e, "storage failed");
                (StatusCode::INTERNAL_SERVER_ERROR, "storage")
            }
            ApiError::Task => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        };
        let body = serde_json::json!({ "error": code, "message": self.to_string() });
        let mut response = (status, Json(body)).into_response();
        if let ApiError::TooManyAttempts(secs) = self
            && let Ok(value) = axum::http::HeaderValue::from_str(&secs.to_string())
        {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, value);
        }
        response
    }
}

/// Middleware: a request refused for its size (413) is written to the audit log with who
/// sent it, from which terminal, where, and the size it declared.
pub async fn audit_oversize(
    State(app): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    // Only a body can be too large: reads (the searches counters make all day) pass as they
    // are.
    if matches!(
        *request.method(),
        axum::http::Method::GET | axum::http::Method::HEAD
    ) {
        return next.run(request).await;
    }
    // What the audit needs, kept aside before the body is read.
    let mut copy = axum::http::Request::builder()
        .method(request.method().clone())
        .uri(request.uri().clone());
    for name in [
        axum::http::header::COOKIE,
        axum::http::header::CONTENT_LENGTH,
        axum::http::HeaderName::from_static(accounts::TERMINAL_HEADER),
    ] {
        for value in request.headers().get_all(&name) {
            copy = copy.header(&name, value);
        }
    }
    let response = next.run(request).await;
    if response.status() == StatusCode::PAYLOAD_TOO_LARGE
        && let Ok(copy) = copy.body(())
    {
        let (parts, ()) = copy.into_parts();
        let who = match accounts::caller_of(&parts, &app).await {
            Ok(Some(caller)) => caller.audit_name(),
            _ => "anonymous".to_owned(),
        };
        let declared = parts
            .headers
            .get(axum::http::header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("unknown");
        let detail = format!(
            "{} {}: body over {} bytes (declared {declared})",
            parts.method,
            parts.uri.path(),
            app.limits.max_body_bytes
        );
        tracing::warn!(path = parts.uri.path(), "request body too large");
        app.refusals
            .audit(
                &app.store,
                &who,
                &accounts::terminal_of(&parts),
                "oversize_body",
                &detail,
            )
            .await;
    }
    response
}

/// `GET /healthz`.
pub async fn healthz(State(app): State<AppState>) -> Json<Health> {
    Json(Health {
        status: "ok",
        version: env!("CARGO_PKG_VERSION"),
        sync: app.hub.stats(),
    })
}

/// The health answer.
#[derive(Debug, serde::Serialize)]
pub struct Health {
    status: &'static str,
    version: &'static str,
    sync: HubStats,
}

/// Body of `POST /api/visits`.
#[derive(Debug, serde::Deserialize)]
pub struct RegisterVisit {
    visit_id: String,
}

/// `POST /api/visits`: registers a visit document and gives it the day's reception number
/// (a kiosk or staff). The visit is granted to whoever registers it first: a kiosk's to the
/// kiosk and to 市民課, where citizens are received; staff's to their 課.
pub async fn register_visit(
    State(app): State<AppState>,
    caller: Caller,
    Json(body): Json<RegisterVisit>,
) -> Result<Json<VisitRecord>, ApiError> {
    let id: DocumentId = body
        .visit_id
        .parse()
        .map_err(|e: shared_model::DocumentIdError| ApiError::BadRequest(e.to_string()))?;
    let now = now_ms();
    let day = tokyo_day(now).to_string();
    let store = app.store.clone();
    let grants = match &caller {
        Caller::Kiosk(_) => vec![caller.grantee(), department_grantee("shimin")],
        Caller::Staff(_) => vec![caller.grantee()],
    };
    let record = tokio::task::spawn_blocking(move || store.register_visit(&id, &day, now, &grants))
        .await
        .map_err(|_| ApiError::Task)??;
    tracing::info!(
        reception_number = record.reception_number,
        "visit registered"
    );
    Ok(Json(record))
}

/// Query of `GET /api/visits`.
#[derive(Debug, serde::Deserialize)]
pub struct VisitQuery {
    /// Only the visit with this reception number today (any 課).
    reception: Option<String>,
    /// The 課 whose list to show (default: the signed-in person's).
    department: Option<String>,
}

/// One of today's visits as a 課's list shows it.
#[derive(Debug, serde::Serialize)]
pub struct VisitListing {
    /// The visit register's entry.
    #[serde(flatten)]
    pub record: VisitRecord,
    /// The 課 that has it.
    pub department: String,
    /// Who holds it, if anyone.
    pub holder: Option<String>,
    /// Since when it waits at (or is held by) that 課, ms since the epoch.
    pub waiting_since: Option<i64>,
    /// Forms by state: `requested`, `confirmed`, `refused`.
    pub forms: BTreeMap<&'static str, usize>,
}

/// `GET /api/visits[?reception=N][&department=D]`: today's visits of a 課, or the one with
/// that reception number. For signed-in staff.
pub async fn list_visits(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<VisitQuery>,
) -> Result<Json<Vec<VisitListing>>, ApiError> {
    let wanted = match query.reception.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(text) => Some(text.parse::<u32>().map_err(|_| {
            ApiError::BadRequest(format!("reception number {text:?} is not a number"))
        })?),
    };
    let day = tokyo_day(now_ms()).to_string();
    let store = app.store.clone();
    let mut visits = tokio::task::spawn_blocking(move || store.visits_of_day(&day))
        .await
        .map_err(|_| ApiError::Task)??;
    if let Some(number) = wanted {
        visits.retain(|v| v.reception_number == number);
        if visits.is_empty() {
            return Err(ApiError::NotFound(format!(
                "no visit with reception number {number} today"
            )));
        }
    }
    let requested = visits.len();
    let admin = staff.role == crate::store::Role::Admin;
    // Staff see their own 課's list; an administrator any.
    let department = match query.department {
        Some(d) if admin || d == staff.department => d,
        Some(_) => return Err(ApiError::Forbidden),
        None => staff.department.clone(),
    };
    let grantee = department_grantee(&staff.department);
    let mut out = Vec::with_capacity(visits.len());
    for record in visits {
        let Ok(id) = record.visit_id.parse::<DocumentId>() else {
            continue;
        };
        // Only visits this 課 received or was handed.
        if !admin {
            let store = app.store.clone();
            let grants = tokio::task::spawn_blocking(move || store.grants(&id))
                .await
                .map_err(|_| ApiError::Task)??;
            if !grants.contains(&grantee) {
                continue;
            }
        }
        let read = app.hub.visit_listing(id).await.ok().flatten();
        // A visit the kiosk registered but has not synced yet waits at 市民課.
        let (handling, forms) = match read {
            Some(listing) => (Some(listing.handling), listing.forms),
            None => (None, BTreeMap::new()),
        };
        let listed_at = handling
            .as_ref()
            .map(|h| h.department.as_str())
            .unwrap_or("shimin");
        if wanted.is_none() && listed_at != department {
            continue;
        }
        out.push(VisitListing {
            department: listed_at.to_owned(),
            holder: handling.as_ref().and_then(|h| h.holder.clone()),
            waiting_since: handling
                .as_ref()
                .and_then(|h| h.since)
                .or(Some(record.created_at)),
            forms,
            record,
        });
    }
    if wanted.is_some() && requested > 0 && out.is_empty() {
        // The number exists today, but not for this 課.
        return Err(ApiError::NotFound("no such visit for this 課".into()));
    }
    Ok(Json(out))
}

/// Query of `GET /api/residents`.
#[derive(Debug, serde::Deserialize)]
pub struct ResidentSearch {
    /// フリガナ (prefix), 生年月日 (和暦 or 西暦), or part of a name or address.
    q: String,
}

/// The answer of a resident lookup.
#[derive(Debug, serde::Serialize)]
pub struct ResidentAnswer {
    /// How the query was read: `kana`, `birth_date` or `text`.
    kind: &'static str,
    /// The matching residents (at most 50).
    residents: Vec<Resident>,
}

/// `GET /api/residents?q=…`: the resident register for signed-in staff. Persons under
/// 支援措置 are never returned. Every lookup is written to the audit log.
pub async fn search_residents(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Query(search): Query<ResidentSearch>,
) -> Result<Json<ResidentAnswer>, ApiError> {
    let q = search.q.trim();
    if q.chars().count() < 2 {
        return Err(ApiError::BadRequest("enter at least two characters".into()));
    }
    let (kind, query) = if let Ok(day) = parse_date(q) {
        ("birth_date", ResidentQuery::BirthDate(day.to_string()))
    } else if let Ok(kana) = check_kana(q) {
        ("kana", ResidentQuery::KanaPrefix(kana))
    } else {
        ("text", ResidentQuery::Text(q.to_owned()))
    };
    let store = app.store.clone();
    let detail = format!("{kind}: {q}");
    let residents = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let found = store.search_residents(&query, 50, staff.protected_access)?;
        let protected = found.iter().filter(|r| r.protected).count();
        // A lookup that shows persons under 支援措置 says so in the audit log.
        let shown = if protected > 0 {
            format!(
                "{detail} → {}件 (支援措置対象 {protected}件を含む)",
                found.len()
            )
        } else {
            format!("{detail} → {}件", found.len())
        };
        store.audit_at(now_ms(), &staff.login, &terminal, "resident_search", &shown)?;
        Ok(found)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(Json(ResidentAnswer { kind, residents }))
}

/// `GET /api/residents/household/{number}`: the members of a household (audited).
pub async fn household(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Path(number): Path<String>,
) -> Result<Json<Vec<Resident>>, ApiError> {
    let store = app.store.clone();
    let members = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let members = store.household(&number, staff.protected_access)?;
        store.audit_at(
            now_ms(),
            &staff.login,
            &terminal,
            "household_lookup",
            &format!("{number} → {}件", members.len()),
        )?;
        Ok(members)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    if members.is_empty() {
        return Err(ApiError::NotFound("no such household".into()));
    }
    Ok(Json(members))
}

/// `GET /api/exchange/import`: the 住基 importer's state (last file, rows, lag, errors).
pub async fn import_state(
    State(app): State<AppState>,
    AdminSignedIn(_): AdminSignedIn,
) -> Result<Json<crate::exchange::poller::ImportState>, ApiError> {
    let poller = app.import.as_ref().ok_or_else(|| {
        ApiError::NotFound("no exchange with the core system is configured".into())
    })?;
    Ok(Json(poller.state(now_ms())))
}

/// `GET /api/exchange/export`: the export queue (pending / sent / accepted / rejected), the
/// last batch and the latest failures.
pub async fn export_state(
    State(app): State<AppState>,
    AdminSignedIn(_): AdminSignedIn,
) -> Result<Json<crate::exchange::exporter::ExportState>, ApiError> {
    let exporter = app.export.as_ref().ok_or_else(|| {
        ApiError::NotFound("no exchange with the core system is configured".into())
    })?;
    Ok(Json(exporter.state(&app.store).await))
}

/// `POST /api/exchange/export/retry`: the exporter runs its next cycle now, past any
/// backoff (administrators; audited).
pub async fn export_retry(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
) -> Result<StatusCode, ApiError> {
    let exporter = app.export.as_ref().ok_or_else(|| {
        ApiError::NotFound("no exchange with the core system is configured".into())
    })?;
    exporter.retry_now();
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        store.audit_at(now_ms(), &admin.login, &terminal, "export_retry", "")
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of `GET /api/audit`.
#[derive(Debug, serde::Deserialize)]
pub struct AuditSearch {
    /// Text to look for in who, what and the details (all entries when absent).
    #[serde(default)]
    pub q: String,
    /// At most this many (default 200, at most 1,000).
    pub limit: Option<usize>,
}

/// `GET /api/audit?q=`: the audit log, newest first (administrators only; the search is
/// itself audited).
pub async fn audit_log(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Query(search): Query<AuditSearch>,
) -> Result<Json<Vec<crate::store::AuditEntry>>, ApiError> {
    let store = app.store.clone();
    let limit = search.limit.unwrap_or(200).min(1_000);
    let entries = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let entries = store.search_audit(search.q.trim(), limit)?;
        store.audit_at(
            now_ms(),
            &admin.login,
            &terminal,
            "audit_search",
            search.q.trim(),
        )?;
        Ok(entries)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(Json(entries))
}

/// Body of `POST /api/kiosk/enroll`.
#[derive(Debug, serde::Deserialize)]
pub struct Enroll {
    /// The device token `sync-server kiosk-add` printed.
    token: String,
}

/// `POST /api/kiosk/enroll`: makes this browser an enrolled kiosk (a long-lived HttpOnly
/// cookie holding the device token). A wrong token is refused (401) and audited.
pub async fn enroll_kiosk(
    State(app): State<AppState>,
    Terminal(terminal): Terminal,
    Json(body): Json<Enroll>,
) -> Result<impl IntoResponse, ApiError> {
    let token = body.token.trim().to_owned();
    let store = app.store.clone();
    let hash = accounts::token_hash(&token);
    let kiosk = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let kiosk = store.kiosk(&hash)?;
        match kiosk {
            Some(k) => {
                store.audit_at(
                    now_ms(),
                    &kiosk_grantee(&k.id),
                    &terminal,
                    "kiosk_enrolled",
                    &k.name,
                )?;
                let key = store.data_key(&kiosk_grantee(&k.id))?;
                Ok(Some(Keyed::new(k, key)))
            }
            None => {
                store.audit_at(now_ms(), "anonymous", &terminal, "kiosk_enroll_refused", "")?;
                Ok(None)
            }
        }
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let kiosk = kiosk.ok_or(ApiError::Unauthorized)?;
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            accounts::kiosk_cookie(&token, app.secure_cookies),
        )],
        Json(kiosk),
    ))
}

/// `POST /api/kiosks/{id}/revoke`: an administrator takes a kiosk tablet out of service
/// (lost, replaced, moved): its device token opens nothing from then on. Audited.
pub async fn revoke_kiosk(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let store = app.store.clone();
    let revoked = tokio::task::spawn_blocking(move || -> Result<bool, StoreError> {
        let revoked = store.revoke_kiosk(&id)?;
        if revoked {
            store.audit_at(now_ms(), &admin.login, &terminal, "kiosk_revoked", &id)?;
        }
        Ok(revoked)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    if !revoked {
        return Err(ApiError::NotFound("no such kiosk".into()));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/kiosk`: the kiosk this browser is enrolled as (with its data key).
pub async fn kiosk(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Keyed<crate::store::KioskRecord>>, ApiError> {
    match caller {
        Caller::Kiosk(kiosk) => {
            let store = app.store.clone();
            let grantee = kiosk_grantee(&kiosk.id);
            let key = tokio::task::spawn_blocking(move || store.data_key(&grantee))
                .await
                .map_err(|_| ApiError::Task)??;
            Ok(Json(Keyed::new(kiosk, key)))
        }
        Caller::Staff(_) => Err(ApiError::NotFound("this browser is not a kiosk".into())),
    }
}

/// `POST /api/terminals`: a terminal's heartbeat (staff terminals and kiosks).
pub async fn terminal_report(
    State(app): State<AppState>,
    caller: Caller,
    Json(report): Json<crate::terminals::TerminalReport>,
) -> Result<StatusCode, ApiError> {
    let save = app
        .terminals
        .report(&caller.audit_name(), report, now_ms())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if save != crate::terminals::Save::default() {
        let store = app.store.clone();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            if let Some(gone) = &save.forget {
                store.forget_terminal(gone)?;
            }
            if let Some(status) = &save.status {
                store.put_terminal(status)?;
            }
            Ok(())
        })
        .await
        .map_err(|_| ApiError::Task)??;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/terminals`: every terminal's last heartbeat (administrators).
pub async fn terminals(
    State(app): State<AppState>,
    AdminSignedIn(_): AdminSignedIn,
) -> Json<Vec<crate::terminals::TerminalStatus>> {
    Json(app.terminals.list(now_ms()))
}

/// Body of `POST /api/audit/reveal`.
#[derive(Debug, serde::Deserialize)]
pub struct Reveal {
    /// What was revealed (an item key, e.g. `person.my_number`).
    what: String,
    /// Where (the visit and the field; no values).
    place: String,
}

/// `POST /api/audit/reveal`: a counter revealed a masked value (個人番号) on screen; audited.
pub async fn audit_reveal(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Json(reveal): Json<Reveal>,
) -> Result<StatusCode, ApiError> {
    if reveal.what.chars().count() > 64 || reveal.place.chars().count() > 200 {
        return Err(ApiError::BadRequest("what or place is too long".into()));
    }
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        store.audit_at(
            now_ms(),
            &staff.login,
            &terminal,
            "reveal",
            &format!("{} {}", reveal.what, reveal.place),
        )
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(StatusCode::NO_CONTENT)
}

/// Query of the statistics endpoints.
#[derive(Debug, serde::Deserialize)]
pub struct StatsQuery {
    /// The day (YYYY-MM-DD; default today in Japan).
    pub day: Option<String>,
}

async fn day_stats(app: &AppState, day: Option<String>) -> Result<DayStats, ApiError> {
    let day = match day {
        Some(day) => parse_date(&day)
            .map_err(|_| ApiError::BadRequest(format!("{day:?} is not a day")))?
            .to_string(),
        None => tokyo_today(),
    };
    let store = app.store.clone();
    let of_day = day.clone();
    let records = tokio::task::spawn_blocking(move || store.visits_of_day(&of_day))
        .await
        .map_err(|_| ApiError::Task)??;
    let mut facts = Vec::with_capacity(records.len());
    for record in records {
        let Ok(id) = record.visit_id.parse::<DocumentId>() else {
            continue;
        };
        let read = app
            .hub
            .read(id, |d| {
                shared_model::VisitDoc::from_doc(d.clone())
                    .ok()
                    .map(|v| VisitFacts::of(&v))
            })
            .await
            .ok()
            .flatten()
            .flatten();
        // A visit registered but not yet synced counts as received and waiting.
        facts.push(read.unwrap_or(VisitFacts {
            created_at: record.created_at,
            ..VisitFacts::default()
        }));
    }
    Ok(DayStats::of(&day, &facts))
}

fn tokyo_today() -> String {
    tokyo_day(now_ms()).to_string()
}

/// `GET /api/stats[?day=]`: a day's operation statistics (administrators).
pub async fn stats(
    State(app): State<AppState>,
    AdminSignedIn(_): AdminSignedIn,
    Query(query): Query<StatsQuery>,
) -> Result<Json<DayStats>, ApiError> {
    Ok(Json(day_stats(&app, query.day).await?))
}

/// `GET /api/stats.csv[?day=]`: the same as a CSV download.
pub async fn stats_csv(
    State(app): State<AppState>,
    AdminSignedIn(_): AdminSignedIn,
    Query(query): Query<StatsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let stats = day_stats(&app, query.day).await?;
    let name = format!("madoguchi-stats-{}.csv", stats.day);
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_owned(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        stats.to_csv(),
    ))
}

/// `GET /api/forms`: the whole form catalog (version, canonical items, forms), read-only.
pub async fn forms() -> Json<&'static Catalog> {
    Json(Catalog::builtin())
}

/// `GET /api/forms/{id}`: one form of the catalog.
pub async fn form(Path(id): Path<String>) -> Result<Json<&'static Form>, ApiError> {
    Catalog::builtin()
        .form(&id)
        .map(Json)
        .map_err(|e| ApiError::NotFound(e.to_string()))
}

/// Body of `POST /api/session`.
#[derive(Debug, serde::Deserialize)]
pub struct SignIn {
    login: String,
    password: String,
    /// The single-use nonce from `GET /api/session/nonce`.
    #[serde(default)]
    nonce: Option<String>,
}

/// A sign-in nonce.
#[derive(Debug, serde::Serialize)]
pub struct Nonce {
    /// Send it with the sign-in; it works once, for five minutes.
    pub nonce: String,
}

/// `GET /api/session/nonce`: a single-use nonce for the next sign-in.
pub async fn sign_in_nonce(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(Nonce {
            nonce: app.sign_in_nonces.issue(now_ms()),
        }),
    )
}

/// `POST /api/session`: signs a staff member in; the session is an HttpOnly cookie. The
/// request must carry a fresh nonce: a replayed sign-in is refused (401) and audited.
pub async fn sign_in(
    State(app): State<AppState>,
    Terminal(terminal): Terminal,
    Json(body): Json<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let store = app.store.clone();
    let login = body.login.trim().to_owned();
    if let Err(refusal) = app.sign_in_nonces.take(body.nonce.as_deref(), now_ms()) {
        tracing::warn!(%refusal, "sign-in refused");
        let action = match refusal {
            accounts::NonceRefusal::Replayed => "sign_in_replayed",
            _ => "sign_in_refused",
        };
        app.refusals
            .audit(&app.store, &login, &terminal, action, &refusal.to_string())
            .await;
        return Err(match refusal {
            accounts::NonceRefusal::Missing => ApiError::BadRequest(refusal.to_string()),
            _ => ApiError::Unauthorized,
        });
    }
    if let Err(wait) = app.sign_in_limiter.check(&login, now_ms()) {
        app.refusals
            .audit(
                &app.store,
                &login,
                &terminal,
                "sign_in_blocked",
                "too many failed sign-ins",
            )
            .await;
        tracing::warn!("sign-in blocked after repeated failures");
        return Err(ApiError::TooManyAttempts(wait));
    }
    let who = login.clone();
    let session_ms = app.session_ms;
    let at = terminal.clone();
    let account = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let Some((staff, hash)) = store.staff(&login)? else {
            // Hash anyway, so an unknown login takes as long as a wrong password.
            let _ = accounts::verify_password(&body.password, dummy_hash());
            store.audit_at(now_ms(), &login, &at, "sign_in_failed", "unknown login")?;
            return Ok(None);
        };
        if !accounts::verify_password(&body.password, &hash) {
            store.audit_at(now_ms(), &login, &at, "sign_in_failed", "wrong password")?;
            return Ok(None);
        }
        let (token, token_hash) = accounts::new_token();
        store.create_session(&token_hash, &staff.login, now_ms() + session_ms)?;
        store.audit_at(now_ms(), &staff.login, &at, "sign_in", staff.role.as_str())?;
        let key = store.data_key(&department_grantee(&staff.department))?;
        Ok(Some((staff, token, key)))
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let Some((staff, token, key)) = account else {
        let failures = app.sign_in_limiter.failed(&who, now_ms());
        tracing::warn!(failures, "sign-in refused");
        return Err(ApiError::Unauthorized);
    };
    app.sign_in_limiter.succeeded(&staff.login);
    tracing::info!(login = %staff.login, department = %staff.department, "signed in");
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            accounts::cookie(&token, app.session_ms, app.secure_cookies),
        )],
        Json(Keyed::new(staff, key)),
    ))
}

/// An answer that carries the caller's IndexedDB data key (hex) beside it.
#[derive(Debug, serde::Serialize)]
pub struct Keyed<T> {
    /// The answer.
    #[serde(flatten)]
    pub inner: T,
    /// The AES-256-GCM key for this caller's drafts at rest on the terminal.
    pub data_key: String,
}

impl<T> Keyed<T> {
    fn new(inner: T, key: [u8; 32]) -> Self {
        Self {
            inner,
            data_key: hex::encode(key),
        }
    }
}

/// A real argon2 hash of nothing in particular, so refusing an unknown login costs as much
/// as refusing a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| accounts::hash_password("no such account").unwrap_or_default())
}

/// `GET /api/session`: who is signed in.
pub async fn whoami(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
) -> Result<Json<Keyed<StaffRecord>>, ApiError> {
    let store = app.store.clone();
    let grantee = department_grantee(&staff.department);
    let key = tokio::task::spawn_blocking(move || store.data_key(&grantee))
        .await
        .map_err(|_| ApiError::Task)??;
    Ok(Json(Keyed::new(staff, key)))
}

/// `DELETE /api/session`: signs out. The session's token opens nothing from then on.
pub async fn sign_out(
    State(app): State<AppState>,
    request: axum::http::request::Parts,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = accounts::token_of(&request) {
        let store = app.store.clone();
        let terminal = accounts::terminal_of(&request);
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let hash = accounts::token_hash(&token);
            if let Some(staff) = store.session(&hash, now_ms())? {
                store.audit_at(now_ms(), &staff.login, &terminal, "sign_out", "")?;
                store.end_session(&hash, now_ms())?;
            }
            Ok(())
        })
        .await
        .map_err(|_| ApiError::Task)??;
    }
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            accounts::cookie("", app.session_ms, app.secure_cookies),
        )],
        StatusCode::NO_CONTENT,
    ))
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default()
}
