//! `/api/exchange`: the state of the exchange with the core system (import, export queue)
//! and the export's retry, for administrators.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;

use super::ApiError;
use crate::AppState;
use crate::accounts::{AdminSignedIn, Terminal};
use crate::clock::now_ms;

/// Rows set aside that the import state lists.
const QUARANTINE_SHOWN: usize = 200;

/// The exchange of the administrator's city (404 when it has none).
fn exchange_of(
    app: &AppState,
    tenant: shared_model::tenant::LocalGovernmentCode,
) -> Result<&crate::CityExchange, ApiError> {
    app.exchanges.get(&tenant).ok_or_else(|| {
        ApiError::NotFound(format!(
            "no exchange with the core system of {tenant} is configured"
        ))
    })
}

/// `GET /api/exchange/import`: the administrator's city's 住基 importer's state (last file,
/// rows, lag, errors) and the latest rows set aside with their file, line, column and reason.
pub async fn import_state(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
) -> Result<Json<crate::exchange::poller::ImportState>, ApiError> {
    let mut state = exchange_of(&app, admin.tenant)?.import.state(now_ms());
    let store = app.store.clone();
    state.quarantine = tokio::task::spawn_blocking(move || {
        store.register(admin.tenant).quarantine(QUARANTINE_SHOWN)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(Json(state))
}

/// `GET /api/exchange/export`: the administrator's city's export queue (pending / sent /
/// accepted / rejected), the last batch and the latest failures.
pub async fn export_state(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
) -> Result<Json<crate::exchange::exporter::ExportState>, ApiError> {
    let exporter = &exchange_of(&app, admin.tenant)?.export;
    Ok(Json(exporter.state(&app.store).await))
}

/// `POST /api/exchange/export/retry`: the administrator's city's exporter runs its next
/// cycle now, past any backoff (administrators; audited).
pub async fn export_retry(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
) -> Result<StatusCode, ApiError> {
    exchange_of(&app, admin.tenant)?.export.retry_now();
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || {
        store.audit_at(
            admin.tenant,
            now_ms(),
            &admin.login,
            &terminal,
            "export_retry",
            "",
        )
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(StatusCode::NO_CONTENT)
}
