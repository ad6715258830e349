//! `/api/display`, `/api/displays`: the waiting-room displays (a TV in the hall). An
//! administrator adds one and gets its device token once; the TV enrolls with it (a
//! long-lived HttpOnly cookie, like a kiosk's) and from then on reads the board with no
//! sign-in. Revoked, its token opens nothing.

use axum::Json;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::IntoResponse;

use super::ApiError;
use crate::AppState;
use crate::accounts::{self, AdminSignedIn, Terminal};
use crate::clock::now_ms;
use crate::store::{DisplayListing, DisplayRecord, StoreError};

/// The display device cookie.
pub const DISPLAY_COOKIE: &str = "madoguchi_display";

/// A request from an enrolled display (its device cookie); anything else is 401, and a
/// token that is presented but opens nothing (forged, revoked) is audited.
#[derive(Debug, Clone)]
pub struct DisplaySignedIn(pub DisplayRecord);

impl FromRequestParts<AppState> for DisplaySignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(token) = accounts::cookie_value(parts, DISPLAY_COOKIE) else {
            return Err(ApiError::Unauthorized);
        };
        let store = app.store.clone();
        let hash = accounts::token_hash(&token);
        let found = tokio::task::spawn_blocking(move || store.display(&hash))
            .await
            .map_err(|_| ApiError::Task)??;
        let (who, reason) = match found {
            Ok(Some(display)) => return Ok(DisplaySignedIn(display)),
            Ok(None) => ("anonymous".to_owned(), "unknown display token"),
            Err(id) => (format!("display:{id}"), "revoked display"),
        };
        let detail = format!("{reason}: {}", parts.uri.path());
        app.refusals
            .audit(
                &app.store,
                app.tenant,
                &who,
                &accounts::terminal_of(parts),
                "credential_refused",
                &detail,
            )
            .await;
        Err(ApiError::Unauthorized)
    }
}

/// Body of `POST /api/displays`.
#[derive(Debug, serde::Deserialize)]
pub struct AddDisplay {
    /// Short id (ASCII letters, digits, `-`, `_`), e.g. `hall-1f`.
    id: String,
    /// Where it hangs, e.g. 「1階 待合」.
    name: String,
}

/// The answer of `POST /api/displays`: the display and its device token (shown only now).
#[derive(Debug, serde::Serialize)]
pub struct AddedDisplay {
    /// The display.
    #[serde(flatten)]
    display: DisplayRecord,
    /// The device token to enter on the TV once.
    token: String,
}

/// `POST /api/displays`: an administrator adds a waiting-room display (or gives an existing
/// one a new token, voiding the old). Audited.
pub async fn add_display(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Json(body): Json<AddDisplay>,
) -> Result<Json<AddedDisplay>, ApiError> {
    let valid = !body.id.is_empty()
        && body.id.len() <= 40
        && body
            .id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !valid || body.name.trim().is_empty() {
        return Err(ApiError::BadRequest(
            "a display needs an id of ASCII letters, digits, - or _ and a name".into(),
        ));
    }
    let display = DisplayRecord {
        id: body.id,
        name: body.name.trim().to_owned(),
        tenant: admin.tenant,
    };
    let (token, hash) = accounts::new_token();
    let store = app.store.clone();
    let saved = display.clone();
    let added = tokio::task::spawn_blocking(move || -> Result<bool, StoreError> {
        let now = now_ms();
        if !store.put_display(&saved, &hash, now)? {
            return Ok(false);
        }
        store.audit_at(
            admin.tenant,
            now,
            &admin.login,
            &terminal,
            "display_added",
            &saved.id,
        )?;
        Ok(true)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    if !added {
        return Err(ApiError::BadRequest(format!(
            "the display id {} is another city's: choose another",
            display.id
        )));
    }
    Ok(Json(AddedDisplay { display, token }))
}

/// `GET /api/displays`: every waiting-room display, with whether it was revoked
/// (administrators; never a token).
pub async fn displays(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
) -> Result<Json<Vec<DisplayListing>>, ApiError> {
    let store = app.store.clone();
    let listed = tokio::task::spawn_blocking(move || store.displays(admin.tenant))
        .await
        .map_err(|_| ApiError::Task)??;
    Ok(Json(listed))
}

/// `POST /api/displays/{id}/revoke`: an administrator takes a display out of service: its
/// token opens nothing from then on. Audited; 404 for no such display.
pub async fn revoke_display(
    State(app): State<AppState>,
    AdminSignedIn(admin): AdminSignedIn,
    Terminal(terminal): Terminal,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let store = app.store.clone();
    let revoked = tokio::task::spawn_blocking(move || -> Result<bool, StoreError> {
        let revoked = store.revoke_display(admin.tenant, &id)?;
        if revoked {
            store.audit_at(
                admin.tenant,
                now_ms(),
                &admin.login,
                &terminal,
                "display_revoked",
                &id,
            )?;
        }
        Ok(revoked)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    if !revoked {
        return Err(ApiError::NotFound("no such display".into()));
    }
    Ok(StatusCode::NO_CONTENT)
}

/// Body of `POST /api/display/enroll`.
#[derive(Debug, serde::Deserialize)]
pub struct EnrollDisplay {
    /// The device token `POST /api/displays` answered.
    token: String,
}

/// `POST /api/display/enroll`: makes this browser an enrolled display (a long-lived
/// HttpOnly cookie holding the token). A wrong token is refused (401) and audited.
pub async fn enroll_display(
    State(app): State<AppState>,
    Terminal(terminal): Terminal,
    Json(body): Json<EnrollDisplay>,
) -> Result<impl IntoResponse, ApiError> {
    let token = body.token.trim().to_owned();
    let (store, first_city) = (app.store.clone(), app.tenant);
    let hash = accounts::token_hash(&token);
    let display = tokio::task::spawn_blocking(move || -> Result<_, StoreError> {
        let found = store.display(&hash)?;
        match found {
            Ok(Some(display)) => {
                store.audit_at(
                    display.tenant,
                    now_ms(),
                    &format!("display:{}", display.id),
                    &terminal,
                    "display_enrolled",
                    &display.name,
                )?;
                Ok(Some(display))
            }
            _ => {
                store.audit_at(
                    first_city,
                    now_ms(),
                    "anonymous",
                    &terminal,
                    "display_enroll_refused",
                    "",
                )?;
                Ok(None)
            }
        }
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let display = display.ok_or(ApiError::Unauthorized)?;
    let secure = if app.secure_cookies { "; Secure" } else { "" };
    let cookie = axum::http::HeaderValue::from_str(&format!(
        "{DISPLAY_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}"
    ))
    .map_err(|_| ApiError::BadRequest("a device token is hex".into()))?;
    Ok(([(axum::http::header::SET_COOKIE, cookie)], Json(display)))
}
