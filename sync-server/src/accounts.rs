//! Staff sign-in: argon2 password hashes, session tokens in an HttpOnly cookie (only their
//! SHA-256 is stored), and the [`SignedIn`] extractor for handlers that need a person.
//!
//! The full role model (admin, kiosk devices, per-document rights) is a later issue; here a
//! counter works as one signed-in person of one 課.

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
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == COOKIE)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty())
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
        let token = token_of(parts).ok_or(ApiError::Unauthorized)?;
        let store = app.store.clone();
        let staff =
            tokio::task::spawn_blocking(move || store.session(&token_hash(&token), now_ms()))
                .await
                .map_err(|_| ApiError::Task)??;
        staff.map(SignedIn).ok_or(ApiError::Unauthorized)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
