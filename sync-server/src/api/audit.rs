//! `/api/audit`: the audit log for administrators, and what counters report to it
//! themselves (a masked value revealed).

use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;

use super::ApiError;
use crate::AppState;
use crate::accounts::{AdminSignedIn, SignedIn, Terminal};
use crate::clock::now_ms;

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
