//! `/api/forms`: the form catalog, read-only.

use axum::Json;
use axum::extract::Path;

use super::ApiError;
use shared_model::catalog::{Catalog, Form};

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
