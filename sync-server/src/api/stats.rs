//! `/api/stats`: a day's operation statistics, as JSON and as CSV.

use axum::Json;
use axum::extract::{Query, State};
use axum::response::IntoResponse;

use super::ApiError;
use crate::AppState;
use crate::clock::now_ms;
use shared_model::DocumentId;
use shared_model::calendar::{parse_date, tokyo_day};
use shared_model::stats::{DayStats, VisitFacts};

use crate::accounts::AdminSignedIn;

/// Query of the statistics endpoints.
#[derive(Debug, serde::Deserialize)]
pub struct StatsQuery {
    /// The day (YYYY-MM-DD; default today in Japan).
    pub day: Option<String>,
}

/// The statistics of a day of the city `tenant`.
async fn day_stats(
    app: &AppState,
    tenant: shared_model::tenant::LocalGovernmentCode,
    day: Option<String>,
) -> Result<DayStats, ApiError> {
    let day = match day {
        Some(day) => parse_date(&day)
            .map_err(|_| ApiError::BadRequest(format!("{day:?} is not a day")))?
            .to_string(),
        None => tokyo_today(),
    };
    let store = app.store.clone();
    let of_day = day.clone();
    let records = tokio::task::spawn_blocking(move || store.visits_of_day(tenant, &of_day))
        .await
        .map_err(|_| ApiError::Task)??;
    let mut facts = Vec::with_capacity(records.len());
    let city = app.cities.catalog(tenant);
    for record in records {
        let Ok(id) = record.visit_id.parse::<DocumentId>() else {
            continue;
        };
        let read = app
            .hub
            .read(id, |d| {
                shared_model::VisitDoc::from_doc(d.clone())
                    .ok()
                    .map(|v| VisitFacts::of(&v.in_catalog(city)))
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

/// `GET /api/stats[?day=]`: a day's operation statistics of the administrator's city.
pub async fn stats(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Query(query): Query<StatsQuery>,
) -> Result<Json<DayStats>, ApiError> {
    Ok(Json(day_stats(&app, admin.tenant, query.day).await?))
}

/// `GET /api/stats.csv[?day=]`: the same as a CSV download.
pub async fn stats_csv(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Query(query): Query<StatsQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let stats = day_stats(&app, admin.tenant, query.day).await?;
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
