//! `/api/residents`: the resident register as counters search it; every lookup audited.

use axum::Json;
use axum::extract::{Path, Query, State};

use super::ApiError;
use crate::AppState;
use crate::clock::now_ms;
use shared_model::calendar::read_date;
use shared_model::search_key::search_key;
use shared_model::synthetic::Resident;

use crate::accounts::{SignedIn, Terminal};
use crate::store::ResidentQuery;

/// Query of `GET /api/residents`.
#[derive(Debug, serde::Deserialize)]
pub struct ResidentSearch {
    /// 生年月日 (和暦 or 西暦, in any form counters type it, 不詳 included), or the start of a
    /// name, a given name, a フリガナ or an address (in any way [`search_key`] folds), with or
    /// without a 生年月日 among its words.
    q: String,
}

/// The answer of a resident lookup.
#[derive(Debug, serde::Serialize)]
pub struct ResidentAnswer {
    /// How the query was read: `birth_date`, `text`, or `text_and_birth_date`.
    kind: &'static str,
    /// The matching residents (at most 50), best first.
    residents: Vec<Resident>,
    /// Whether more residents match than were returned (the counter narrows the query).
    more: bool,
}

/// Residents returned by one lookup.
const LOOKUP_LIMIT: usize = 50;

/// `GET /api/residents?q=…`: the resident register of the staff member's city, for
/// signed-in staff. Persons under 支援措置 are returned only to staff allowed to see them.
/// Every lookup is written to the audit log.
pub async fn search_residents(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Query(search): Query<ResidentSearch>,
) -> Result<Json<ResidentAnswer>, ApiError> {
    let q = search.q.trim();
    // Two characters at least, or one kanji (葵, 翔: given names of one character).
    let key = search_key(q);
    let one_kanji = key.chars().count() == 1
        && key
            .chars()
            .all(|c| matches!(c, '\u{3400}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}' | '\u{20000}'..='\u{3FFFF}'));
    if key.chars().count() < 2 && !one_kanji {
        return Err(ApiError::BadRequest(
            "enter at least two characters, or one kanji".into(),
        ));
    }
    // A word that reads as a date narrows by 生年月日 (アオイ 1990-05-05, 高橋 S60.1.2).
    let mut born = None;
    let mut words = Vec::new();
    for word in q.split_whitespace() {
        match read_date(word) {
            Ok(reading) if word.chars().any(char::is_numeric) => {
                born.get_or_insert_with(|| reading.date.to_string());
            }
            _ => words.push(word),
        }
    }
    let (kind, query) = match (read_date(q), born) {
        (Ok(reading), _) => (
            "birth_date",
            ResidentQuery::BirthDate(reading.date.to_string()),
        ),
        (Err(_), Some(birth_date)) if !words.is_empty() => (
            "text_and_birth_date",
            ResidentQuery::TextAndBirthDate {
                text: words.join(" "),
                birth_date,
            },
        ),
        _ => ("text", ResidentQuery::Text(q.to_owned())),
    };
    let store = app.store.clone();
    let detail = format!("{kind}: {q}");
    let residents = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let mut found = store.register(staff.tenant).search_residents(
            &query,
            LOOKUP_LIMIT + 1,
            staff.protected_access,
        )?;
        let more = found.len() > LOOKUP_LIMIT;
        found.truncate(LOOKUP_LIMIT);
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
        store.audit_at(
            staff.tenant,
            now_ms(),
            &staff.login,
            &terminal,
            "resident_search",
            &shown,
        )?;
        Ok((found, more))
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let (residents, more) = residents;
    Ok(Json(ResidentAnswer {
        kind,
        residents,
        more,
    }))
}

/// `GET /api/residents/household/{number}`: the members of a household of the staff
/// member's city (audited).
pub async fn household(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Path(number): Path<String>,
) -> Result<Json<Vec<Resident>>, ApiError> {
    let store = app.store.clone();
    let members = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let members = store
            .register(staff.tenant)
            .household(&number, staff.protected_access)?;
        store.audit_at(
            staff.tenant,
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
