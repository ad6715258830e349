//! `/api/session`: signing in (with a single-use nonce), who is signed in, signing out.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;

use super::ApiError;
use crate::AppState;
use crate::accounts::{self, SignedIn, Terminal};
use crate::clock::now_ms;
use crate::metrics::SignInRefusal;
use crate::store::{StaffRecord, StoreError, department_grantee};

/// Body of `POST /api/session`.
#[derive(Debug, serde::Deserialize)]
pub struct SignIn {
    login: String,
    password: String,
    /// The single-use nonce from `GET /api/session/nonce`.
    #[serde(default)]
    nonce: Option<String>,
}

/// A sign-in nonce.
#[derive(Debug, serde::Serialize)]
pub struct Nonce {
    /// Send it with the sign-in; it works once, for five minutes.
    pub nonce: String,
}

/// `GET /api/session/nonce`: a single-use nonce for the next sign-in.
pub async fn sign_in_nonce(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Json(Nonce {
            nonce: app.sign_in_nonces.issue(now_ms()),
        }),
    )
}

/// `POST /api/session`: signs a staff member in; the session is an HttpOnly cookie. The
/// request must carry a fresh nonce: a replayed sign-in is refused (401) and audited.
pub async fn sign_in(
    State(app): State<AppState>,
    Terminal(terminal): Terminal,
    Json(body): Json<SignIn>,
) -> Result<impl IntoResponse, ApiError> {
    let store = app.store.clone();
    let login = body.login.trim().to_owned();
    if let Err(refusal) = app.sign_in_nonces.take(body.nonce.as_deref(), now_ms()) {
        tracing::warn!(%refusal, "sign-in refused");
        app.metrics.sign_in_refused(SignInRefusal::Nonce);
        let action = match refusal {
            accounts::NonceRefusal::Replayed => "sign_in_replayed",
            _ => "sign_in_refused",
        };
        app.refusals
            .audit(
                &app.store,
                app.tenant,
                &login,
                &terminal,
                action,
                &refusal.to_string(),
            )
            .await;
        return Err(match refusal {
            accounts::NonceRefusal::Missing => ApiError::BadRequest(refusal.to_string()),
            _ => ApiError::Unauthorized,
        });
    }
    if let Err(wait) = app.sign_in_limiter.check(&login, now_ms()) {
        app.refusals
            .audit(
                &app.store,
                app.tenant,
                &login,
                &terminal,
                "sign_in_blocked",
                "too many failed sign-ins",
            )
            .await;
        tracing::warn!("sign-in blocked after repeated failures");
        app.metrics.sign_in_refused(SignInRefusal::Blocked);
        return Err(ApiError::TooManyAttempts(wait));
    }
    let who = login.clone();
    let session_ms = app.session_ms;
    let at = terminal.clone();
    let first_city = app.tenant;
    let account = tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let Some((staff, hash)) = store.staff(&login)? else {
            // Hash anyway, so an unknown login takes as long as a wrong password.
            let _ = accounts::verify_password(&body.password, dummy_hash());
            // A login nobody has is no city's: the deployment's log.
            store.audit_at(
                first_city,
                now_ms(),
                &login,
                &at,
                "sign_in_failed",
                "unknown login",
            )?;
            return Ok(None);
        };
        if !accounts::verify_password(&body.password, &hash) {
            store.audit_at(
                staff.tenant,
                now_ms(),
                &login,
                &at,
                "sign_in_failed",
                "wrong password",
            )?;
            return Ok(None);
        }
        let (token, token_hash) = accounts::new_token();
        store.create_session(&token_hash, &staff.login, now_ms() + session_ms)?;
        store.audit_at(
            staff.tenant,
            now_ms(),
            &staff.login,
            &at,
            "sign_in",
            staff.role.as_str(),
        )?;
        let key = store.data_key(staff.tenant, &department_grantee(&staff.department))?;
        Ok(Some((staff, token, key)))
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let Some((staff, token, key)) = account else {
        let failures = app.sign_in_limiter.failed(&who, now_ms());
        tracing::warn!(failures, "sign-in refused");
        app.metrics.sign_in_refused(SignInRefusal::Credentials);
        return Err(ApiError::Unauthorized);
    };
    app.sign_in_limiter.succeeded(&staff.login);
    tracing::info!(login = %staff.login, department = %staff.department, "signed in");
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            accounts::cookie(&token, app.session_ms, app.secure_cookies),
        )],
        Json(Keyed::new(
            staff.clone(),
            key,
            app.cities.name_of(staff.tenant),
        )),
    ))
}

/// An answer that carries the caller's IndexedDB data key (hex) beside it.
#[derive(Debug, serde::Serialize)]
pub struct Keyed<T> {
    /// The answer.
    #[serde(flatten)]
    pub inner: T,
    /// The AES-256-GCM key for this caller's drafts at rest on the terminal.
    pub data_key: String,
    /// The name of the caller's city (「高崎市」), as the terminal's screens and prints say it.
    pub city: String,
}

impl<T> Keyed<T> {
    pub(super) fn new(inner: T, key: [u8; 32], city: String) -> Self {
        Self {
            inner,
            data_key: hex::encode(key),
            city,
        }
    }
}

/// A real argon2 hash of nothing in particular, so refusing an unknown login costs as much
/// as refusing a wrong password.
fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| accounts::hash_password("no such account").unwrap_or_default())
}

/// `GET /api/session`: who is signed in.
pub async fn whoami(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
) -> Result<Json<Keyed<StaffRecord>>, ApiError> {
    let store = app.store.clone();
    let (tenant, grantee) = (staff.tenant, department_grantee(&staff.department));
    let key = tokio::task::spawn_blocking(move || store.data_key(tenant, &grantee))
        .await
        .map_err(|_| ApiError::Task)??;
    let city = app.cities.name_of(staff.tenant);
    Ok(Json(Keyed::new(staff, key, city)))
}

/// `DELETE /api/session`: signs out. The session's token opens nothing from then on.
pub async fn sign_out(
    State(app): State<AppState>,
    request: axum::http::request::Parts,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(token) = accounts::token_of(&request) {
        let store = app.store.clone();
        let terminal = accounts::terminal_of(&request);
        tokio::task::spawn_blocking(move || -> Result<(), StoreError> {
            let hash = accounts::token_hash(&token);
            if let Some(staff) = store.session(&hash, now_ms())? {
                store.audit_at(
                    staff.tenant,
                    now_ms(),
                    &staff.login,
                    &terminal,
                    "sign_out",
                    "",
                )?;
                store.end_session(&hash, now_ms())?;
            }
            Ok(())
        })
        .await
        .map_err(|_| ApiError::Task)??;
    }
    Ok((
        [(
            axum::http::header::SET_COOKIE,
            accounts::cookie("", app.session_ms, app.secure_cookies),
        )],
        StatusCode::NO_CONTENT,
    ))
}
