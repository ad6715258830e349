//! `/api/forms` and `/api/catalog`: the form catalog of the caller's city, read-only.
//!
//! A city may have forms and 手続きナビ rules of its own (`--cities`); a caller nobody knows
//! (before signing in) is given the built-in catalog.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::request::Parts;
use shared_model::catalog::{Catalog, CatalogFiles, Form};

use super::ApiError;
use crate::AppState;
use crate::accounts;

/// The catalog of whoever calls: their city's, else the built-in one.
async fn catalog_of(parts: &Parts, app: &AppState) -> Result<&'static Catalog, ApiError> {
    Ok(match accounts::caller_of(parts, app).await? {
        Some(caller) => app.cities.catalog(caller.tenant()).catalog,
        None => Catalog::builtin(),
    })
}

/// `GET /api/forms`: the caller's city's whole form catalog (version, canonical items,
/// forms), read-only.
pub async fn forms(
    State(app): State<AppState>,
    parts: Parts,
) -> Result<Json<&'static Catalog>, ApiError> {
    Ok(Json(catalog_of(&parts, &app).await?))
}

/// `GET /api/forms/{id}`: one form of the caller's city's catalog.
pub async fn form(
    State(app): State<AppState>,
    Path(id): Path<String>,
    parts: Parts,
) -> Result<Json<&'static Form>, ApiError> {
    catalog_of(&parts, &app)
        .await?
        .form(&id)
        .map(Json)
        .map_err(|e| ApiError::NotFound(e.to_string()))
}

/// `GET /api/catalog`: the files of the caller's city's catalog (its forms and 手続きナビ rules
/// as TOML, the built-in ones for a city without its own), which its terminals read their
/// forms with and keep for working offline.
pub async fn catalog_files(
    State(app): State<AppState>,
    parts: Parts,
) -> Result<Json<CatalogFiles>, ApiError> {
    Ok(Json(match accounts::caller_of(&parts, &app).await? {
        Some(caller) => app.cities.catalog_files(caller.tenant()),
        None => CatalogFiles::builtin(),
    }))
}
