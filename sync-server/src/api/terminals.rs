//! `/api/terminals`: terminals' heartbeats, and their list for administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::ApiError;
use crate::AppState;
use crate::accounts::{AdminSignedIn, Caller};
use crate::clock::now_ms;
use crate::store::StoreError;

/// `POST /api/terminals`: a terminal's heartbeat (staff terminals and kiosks).
pub async fn terminal_report(
    State(app): State<AppState>,
    caller: Caller,
    Json(report): Json<crate::terminals::TerminalReport>,
) -> Result<StatusCode, ApiError> {
    let save = app
        .terminals
        .report(caller.tenant(), &caller.audit_name(), report, now_ms())
        .map_err(|e| ApiError::BadRequest(e.to_string()))?;
    if save != crate::terminals::Save::default() {
        let store = app.store.clone();
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            if let Some((tenant, gone)) = &save.forget {
                store.forget_terminal(*tenant, gone)?;
            }
            if let Some((tenant, status)) = &save.status {
                store.put_terminal(*tenant, status)?;
            }
            Ok(())
        })
        .await
        .map_err(|_| ApiError::Task)??;
    }
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /api/terminals`: the last heartbeat of every terminal of the administrator's city.
pub async fn terminals(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
) -> Json<Vec<crate::terminals::TerminalStatus>> {
    Json(app.terminals.list(admin.tenant, now_ms()))
}
