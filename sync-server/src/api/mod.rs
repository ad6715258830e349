//! The REST surface, one module per resource: [`visits`], [`residents`], [`exchange`],
//! [`audit`], [`kiosks`], [`displays`], [`queue`], [`terminals`], [`stats`], [`forms`], [`session`], [`layouts`]; here the error
//! every handler answers with ([`ApiError`]), health, and the oversize-body audit.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::accounts;
use crate::hub::HubStats;
use crate::store::StoreError;

mod audit;
mod displays;
mod exchange;
mod forms;
mod kiosks;
mod layouts;
mod queue;
mod residents;
mod session;
mod stats;
mod terminals;
mod visits;

pub use audit::{
    AuditLimit, DocumentReadReport, Reveal, audit_csv, audit_document_read, audit_log, audit_reveal,
};
pub use displays::{
    AddDisplay, DISPLAY_COOKIE, DisplaySignedIn, EnrollDisplay, add_display, displays,
    enroll_display, revoke_display,
};
pub use exchange::{export_retry, export_state, import_state};
pub use forms::{catalog_files, form, forms};
pub use kiosks::{Enroll, enroll_kiosk, kiosk, revoke_kiosk};
pub use layouts::transfer_certificate_layout;
pub use queue::{absent, board, call, department_queue, done, recall, reserve_block, wait};
pub use residents::{ResidentAnswer, ResidentSearch, household, search_residents};
pub use session::{Keyed, Nonce, SignIn, sign_in, sign_in_nonce, sign_out, whoami};
pub use stats::{StatsQuery, stats, stats_csv};
pub use terminals::{terminal_report, terminals};
pub use visits::{RegisterVisit, VisitListing, VisitQuery, list_visits, register_visit};

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
        let (who, tenant) = match accounts::caller_of(&parts, &app).await {
            Ok(Some(caller)) => (caller.audit_name(), caller.tenant()),
            _ => ("anonymous".to_owned(), app.tenant),
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
                tenant,
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
