//! `/api/layouts/*`: the data files the terminals read devices with, as this city set them.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

use crate::AppState;
use crate::accounts::Caller;

/// `GET /api/layouts/transfer-certificate`: `{"toml": text}`, the layout of the 転出証明書's
/// QR code (`device-webusb/transfer_certificate.toml`'s shape) that counters and kiosks read
/// codes with — the caller's city's own (`--cities`), else the server's
/// `--transfer-certificate-layout` file, else the built-in default. Staff and enrolled
/// kiosks only (401 otherwise).
pub async fn transfer_certificate_layout(
    State(app): State<AppState>,
    caller: Caller,
) -> impl IntoResponse {
    let toml = app
        .cities
        .transfer_certificate_layout(caller.tenant())
        .unwrap_or(&app.transfer_certificate_layout)
        .to_owned();
    (
        [(header::CACHE_CONTROL, "no-cache")],
        Json(serde_json::json!({ "toml": toml })),
    )
}
