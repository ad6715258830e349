//! `/api/residents`: the resident register as counters search it; every lookup audited.

use axum::Json;
use axum::extract::{Path, Query, State};

use super::ApiError;
use crate::AppState;
use crate::clock::now_ms;
use shared_model::calendar::parse_date;
use shared_model::synthetic::Resident;
use shared_model::validate::check_kana;

use crate::accounts::{SignedIn, Terminal};
use crate::store::ResidentQuery;

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
