//! Staff sign-in: argon2 password hashes, session tokens in an HttpOnly cookie (only their
//! SHA-256 is stored), the [`SignedIn`] extractor for handlers that need a person and
//! [`AdminSignedIn`] for those only an administrator may use, [`Caller`] for those a kiosk
//! device may use too (and for the sync endpoint, with the document rights), and the
//! [`SignInLimiter`] that stops password guessing.

use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use sha2::{Digest, Sha256};

use crate::AppState;
use crate::api::{ApiError, now_ms};
use crate::store::StaffRecord;

/// The session cookie.
pub const COOKIE: &str = "madoguchi_session";
/// How long a session lasts: one working day.
pub const SESSION_MS: i64 = 12 * 3600 * 1000;

/// The 課 a staff account may belong to.
pub const DEPARTMENTS: [&str; 3] = ["shimin", "hoken_nenkin", "kodomo_katei"];

/// An argon2id hash of a password, as a PHC string.
pub fn hash_password(password: &str) -> Result<String, argon2::password_hash::Error> {
    let salt = SaltString::generate(&mut OsRng);
    Ok(Argon2::default()
        .hash_password(password.as_bytes(), &salt)?
        .to_string())
}

/// Whether `password` matches the stored hash.
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A fresh random session token (hex) and the hash under which it is stored.
pub fn new_token() -> (String, String) {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the platform has a random source");
    let token = hex::encode(bytes);
    let hash = token_hash(&token);
    (token, hash)
}

/// SHA-256 of a token, hex.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// The `Set-Cookie` value for a session (or for ending one, with an empty token).
pub fn cookie(token: &str, secure: bool) -> HeaderValue {
    let max_age = if token.is_empty() {
        0
    } else {
        SESSION_MS / 1000
    };
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age}{secure}"
    ))
    .expect("a cookie of ASCII parts")
}

/// The session token a request carries, if any.
pub fn token_of(parts: &Parts) -> Option<String> {
    cookie_value(parts, COOKIE)
}

/// The value of a cookie the request carries, if any.
fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
}

/// The kiosk device cookie.
pub const KIOSK_COOKIE: &str = "madoguchi_kiosk";

/// The `Set-Cookie` value that enrolls a kiosk tablet (a year; re-enrolled by the admin).
pub fn kiosk_cookie(token: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{KIOSK_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000{secure}"
    ))
    .expect("a cookie of ASCII parts")
}

/// Who is calling: a signed-in person (staff or admin), or an enrolled kiosk device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Caller {
    /// A signed-in person.
    Staff(StaffRecord),
    /// An enrolled kiosk tablet.
    Kiosk(crate::store::KioskRecord),
}

impl Caller {
    /// How the audit log names the caller.
    pub fn audit_name(&self) -> String {
        match self {
            Caller::Staff(s) => s.login.clone(),
            Caller::Kiosk(k) => crate::store::kiosk_grantee(&k.id),
        }
    }

    /// Whether this is an administrator.
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Staff(s) if s.role == crate::store::Role::Admin)
    }

    /// The grant under which this caller reaches documents.
    pub fn grantee(&self) -> String {
        match self {
            Caller::Staff(s) => crate::store::department_grantee(&s.department),
            Caller::Kiosk(k) => crate::store::kiosk_grantee(&k.id),
        }
    }

    /// Whether the caller may read and write a document with these grants. A document
    /// nobody has claimed may be created by staff (it is then granted to their 課), never by
    /// a kiosk, which only reaches the visits it registered.
    pub fn may_reach(&self, grants: &[String]) -> bool {
        if self.is_admin() {
            return true;
        }
        match self {
            Caller::Staff(_) => grants.is_empty() || grants.contains(&self.grantee()),
            Caller::Kiosk(_) => grants.contains(&self.grantee()),
        }
    }
}

/// Finds the caller: a session (cookie, or the `session` query parameter that non-browser
/// sync clients use), else an enrolled kiosk (cookie).
pub async fn caller_of(parts: &Parts, app: &AppState) -> Result<Option<Caller>, ApiError> {
    let query_session = parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == "session")
            .map(|(_, v)| v.to_owned())
    });
    let session = token_of(parts).or(query_session);
    let kiosk = cookie_value(parts, KIOSK_COOKIE);
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || -> Result<Option<Caller>, ApiError> {
        if let Some(token) = session
            && let Some(staff) = store.session(&token_hash(&token), now_ms())?
        {
            return Ok(Some(Caller::Staff(staff)));
        }
        if let Some(token) = kiosk
            && let Some(kiosk) = store.kiosk(&token_hash(&token))?
        {
            return Ok(Some(Caller::Kiosk(kiosk)));
        }
        Ok(None)
    })
    .await
    .map_err(|_| ApiError::Task)?
}

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        caller_of(parts, app).await?.ok_or(ApiError::Unauthorized)
    }
}

/// Failed sign-ins per login within [`LIMIT_WINDOW_MS`] before the login is blocked.
pub const LIMIT_FAILURES: u32 = 5;
/// The window (and the block) of the sign-in limit.
pub const LIMIT_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Counts failed sign-ins per login: after [`LIMIT_FAILURES`] within the window the login
/// is refused (even with the right password) until the window has passed since the last
/// failure. Other logins are not affected.
#[derive(Debug, Default)]
pub struct SignInLimiter {
    failures: std::sync::Mutex<std::collections::HashMap<String, (u32, i64)>>,
}

impl SignInLimiter {
    /// Whether `login` may try now; if not, the seconds until it may.
    pub fn check(&self, login: &str, now_ms: i64) -> Result<(), u64> {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match failures.get(login) {
            Some(&(n, last)) if n >= LIMIT_FAILURES && now_ms - last < LIMIT_WINDOW_MS => {
                Err(((LIMIT_WINDOW_MS - (now_ms - last)) / 1000).max(1) as u64)
            }
            _ => Ok(()),
        }
    }

    /// Records a failure; returns how many there are in the window now.
    pub fn failed(&self, login: &str, now_ms: i64) -> u32 {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        // Keep the map small: forget windows that have passed.
        failures.retain(|_, (_, last)| now_ms - *last < LIMIT_WINDOW_MS);
        let entry = failures.entry(login.to_owned()).or_insert((0, now_ms));
        entry.0 += 1;
        entry.1 = now_ms;
        entry.0
    }

    /// Forgets the failures of a login that signed in.
    pub fn succeeded(&self, login: &str) {
        self.failures
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(login);
    }
}

/// A request from a signed-in staff member.
#[derive(Debug, Clone)]
pub struct SignedIn(pub StaffRecord);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match caller_of(parts, app).await? {
            Some(Caller::Staff(staff)) => Ok(SignedIn(staff)),
            // A kiosk device on a staff endpoint: refused, and audited.
            Some(Caller::Kiosk(kiosk)) => {
                let (store, who, path) = (
                    app.store.clone(),
                    crate::store::kiosk_grantee(&kiosk.id),
                    parts.uri.path().to_owned(),
                );
                let _ = tokio::task::spawn_blocking(move || {
                    store.audit(now_ms(), &who, "forbidden", &format!("staff only: {path}"))
                })
                .await;
                Err(ApiError::Forbidden)
            }
            None => Err(ApiError::Unauthorized),
        }
    }
}

/// A request from a signed-in administrator; staff are refused (403) and the refusal is
/// audited.
#[derive(Debug, Clone)]
pub struct AdminSignedIn(pub StaffRecord);

impl FromRequestParts<AppState> for AdminSignedIn {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let SignedIn(staff) = SignedIn::from_request_parts(parts, app).await?;
        if staff.role == crate::store::Role::Admin {
            return Ok(AdminSignedIn(staff));
        }
        let (store, login, path) = (
            app.store.clone(),
            staff.login.clone(),
            parts.uri.path().to_owned(),
        );
        let _ = tokio::task::spawn_blocking(move || {
            store.audit(
                now_ms(),
                &login,
                "forbidden",
                &format!("admin only: {path}"),
            )
        })
        .await;
        Err(ApiError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_blocks_a_login_after_five_failures_and_only_that_login() {
        let limiter = SignInLimiter::default();
        for i in 0..LIMIT_FAILURES {
            assert!(limiter.check("a", i as i64).is_ok());
            limiter.failed("a", i as i64);
        }
        let wait = limiter.check("a", 10).unwrap_err();
        assert!(wait > 890 && wait <= 900, "{wait}");
        assert!(limiter.check("b", 10).is_ok(), "others are untouched");
        assert!(
            limiter.check("a", 4 + LIMIT_WINDOW_MS).is_ok(),
            "the block passes"
        );
        limiter.failed("c", 0);
        limiter.succeeded("c");
        assert_eq!(limiter.failed("c", 1), 1, "a success forgets the failures");
    }

    #[test]
    fn passwords_hash_and_verify() {
        let hash = hash_password("correct horse").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong", &hash));
        assert!(!verify_password("correct horse", "not a hash"));
        assert_ne!(hash, hash_password("correct horse").unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_only_their_hash_is_kept() {
        let (a, ha) = new_token();
        let (b, _) = new_token();
        assert_ne!(a, b);
        assert_eq!(a.len(), 64);
        assert_eq!(token_hash(&a), ha);
        assert_ne!(a, ha);
        let set = cookie(&a, false);
        let text = set.to_str().unwrap();
        assert!(
            text.contains("HttpOnly")
                && text.contains("SameSite=Strict")
                && !text.contains("Secure")
        );
        assert!(
            cookie("", true)
                .to_str()
                .unwrap()
                .contains("Max-Age=0; Secure")
        );
    }
}
