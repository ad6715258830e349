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
use crate::api::ApiError;
use crate::clock::now_ms;
use crate::store::{Grant, KioskLookup, SessionLookup, StaffRecord};
use shared_model::tenant::LocalGovernmentCode;

/// The session cookie.
pub const COOKIE: &str = "madoguchi_session";
/// How long a session lasts unless configured otherwise: one working day.
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

/// The `Set-Cookie` value for a session lasting `session_ms` (or for ending one, with an
/// empty token).
pub fn cookie(token: &str, session_ms: i64, secure: bool) -> HeaderValue {
    let max_age = if token.is_empty() {
        0
    } else {
        (session_ms / 1000).max(1)
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
pub(crate) fn cookie_value(parts: &Parts, name: &str) -> Option<String> {
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

    /// The city the caller belongs to.
    pub fn tenant(&self) -> LocalGovernmentCode {
        match self {
            Caller::Staff(s) => s.tenant,
            Caller::Kiosk(k) => k.tenant,
        }
    }

    /// Whether this is an administrator.
    pub fn is_admin(&self) -> bool {
        matches!(self, Caller::Staff(s) if s.role == crate::store::Role::Admin)
    }

    /// The grant under which this caller reaches documents (their 課 or kiosk, of their
    /// city).
    pub fn grant(&self) -> Grant {
        match self {
            Caller::Staff(s) => Grant::department(s.tenant, &s.department),
            Caller::Kiosk(k) => Grant::kiosk(k.tenant, &k.id),
        }
    }

    /// Whether the caller may read and write a document with these grants. A document of
    /// another city is never reached, not by its administrators either. A document nobody
    /// has claimed may be created by staff (it is then granted to their 課), never by a
    /// kiosk, which only reaches the visits it registered; an administrator reaches every
    /// visit of their city.
    pub fn may_reach(&self, grants: &[Grant]) -> bool {
        if grants.iter().any(|g| g.tenant != self.tenant()) {
            return false;
        }
        if self.is_admin() {
            return true;
        }
        match self {
            Caller::Staff(_) => grants.is_empty() || grants.contains(&self.grant()),
            Caller::Kiosk(_) => grants.contains(&self.grant()),
        }
    }
}

/// Finds the caller: a session (cookie, or the `session` query parameter that non-browser
/// sync clients use), else an enrolled kiosk (cookie). A credential that is presented but
/// opens nothing (forged, expired, ended by signing out, a revoked kiosk) is written to the
/// audit log with the reason; the caller is then nobody.
pub async fn caller_of(parts: &Parts, app: &AppState) -> Result<Option<Caller>, ApiError> {
    let (found, refused) = check_presented(parts, app).await?;
    if found.is_none() && !refused.is_empty() {
        let terminal = terminal_of(parts);
        let path = parts.uri.path().to_owned();
        for (who, reason) in refused {
            tracing::warn!(reason, "credential refused");
            // A credential that opens nothing is nobody's now: the deployment's log.
            app.refusals
                .audit(
                    &app.store,
                    app.tenant,
                    &who,
                    &terminal,
                    "credential_refused",
                    &format!("{reason}: {path}"),
                )
                .await;
        }
    }
    Ok(found)
}

/// The caller the request's credentials open, and the credentials refused on the way (whose,
/// and why).
async fn check_presented(
    parts: &Parts,
    app: &AppState,
) -> Result<(Option<Caller>, Vec<(String, &'static str)>), ApiError> {
    let presented = Credential::presented(parts);
    if presented.is_empty() {
        return Ok((None, Vec::new()));
    }
    let store = app.store.clone();
    tokio::task::spawn_blocking(move || -> Result<_, ApiError> {
        let mut refused = Vec::new();
        for credential in presented {
            match credential.check(&store, now_ms())? {
                Checked::Opens(caller) => return Ok((Some(caller), refused)),
                Checked::Refused { who, reason } => refused.push((who, reason)),
            }
        }
        Ok((None, refused))
    })
    .await
    .map_err(|_| ApiError::Task)?
}

/// A credential a request presents: a staff session, or a kiosk device token (each by the
/// hash of its token). An open sync connection keeps the one it was admitted with, so it can
/// tell when that stops opening anything (signed out, expired, revoked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    /// A staff session (the hash of its token).
    Session(String),
    /// A kiosk device token (its hash).
    Kiosk(String),
}

/// What a credential opens now.
#[derive(Debug)]
pub enum Checked {
    /// This caller.
    Opens(Caller),
    /// Nothing: whose it was (as the audit log names them) and why.
    Refused {
        /// The login, `kiosk:<id>`, or `anonymous` when the server never issued it.
        who: String,
        /// Why it opens nothing.
        reason: &'static str,
    },
}

impl Credential {
    /// The credentials a request presents, in the order they are tried: the session (cookie,
    /// or the `session` query parameter that non-browser sync clients use), then the kiosk
    /// device cookie.
    pub fn presented(parts: &Parts) -> Vec<Self> {
        let session = token_of(parts).or_else(|| query_value(parts, "session"));
        let kiosk = cookie_value(parts, KIOSK_COOKIE);
        session
            .map(|t| Credential::Session(token_hash(&t)))
            .into_iter()
            .chain(kiosk.map(|t| Credential::Kiosk(token_hash(&t))))
            .collect()
    }

    /// The credential behind `caller` in this request.
    pub fn of(parts: &Parts, caller: &Caller) -> Option<Self> {
        Self::presented(parts).into_iter().find(|c| {
            matches!(
                (c, caller),
                (Credential::Session(_), Caller::Staff(_))
                    | (Credential::Kiosk(_), Caller::Kiosk(_))
            )
        })
    }

    /// What it opens at `now_ms`.
    pub fn check(
        &self,
        store: &crate::store::Store,
        now_ms: i64,
    ) -> Result<Checked, crate::store::StoreError> {
        let refused = |who: String, reason| Checked::Refused { who, reason };
        Ok(match self {
            Credential::Session(hash) => match store.session_lookup(hash, now_ms)? {
                SessionLookup::Live(staff) => Checked::Opens(Caller::Staff(staff)),
                SessionLookup::Expired(login) => refused(login, "expired session"),
                SessionLookup::Ended(login) => refused(login, "session ended by signing out"),
                SessionLookup::Unknown => refused("anonymous".into(), "unknown session token"),
            },
            Credential::Kiosk(hash) => match store.kiosk_lookup(hash)? {
                KioskLookup::Enrolled(kiosk) => Checked::Opens(Caller::Kiosk(kiosk)),
                KioskLookup::Revoked(id) => {
                    refused(crate::store::kiosk_grantee(&id), "revoked kiosk")
                }
                KioskLookup::Unknown => refused("anonymous".into(), "unknown kiosk device token"),
            },
        })
    }
}

/// The value of a query parameter, if the request has it.
fn query_value(parts: &Parts, name: &str) -> Option<String> {
    parts.uri.query().and_then(|q| {
        q.split('&')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_owned())
    })
}

/// The header a terminal names itself in.
pub const TERMINAL_HEADER: &str = "x-madoguchi-terminal";

/// The terminal a request comes from, as it names itself (the `x-madoguchi-terminal` header,
/// or the `terminal` query parameter on the sync endpoint): at most 40 characters of
/// `A-Z a-z 0-9 . _ -`, else empty. It tells the audit log which counter acted.
pub fn terminal_of(parts: &Parts) -> String {
    let named = parts
        .headers
        .get(TERMINAL_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| query_value(parts, "terminal"))
        .unwrap_or_default();
    let valid = !named.is_empty()
        && named.len() <= 40
        && named
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
    if valid { named } else { String::new() }
}

/// The terminal a request comes from (see [`terminal_of`]); never refuses.
#[derive(Debug, Clone, Default)]
pub struct Terminal(pub String);

impl FromRequestParts<AppState> for Terminal {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Terminal(terminal_of(parts)))
    }
}

/// Refusals per minute written to the audit log one by one; beyond this, one line per
/// minute counts the rest, so a flood of forged requests cannot fill the disk.
pub const REFUSALS_PER_MINUTE: u32 = 600;

/// Writes refused requests to the audit log, at most [`REFUSALS_PER_MINUTE`] a minute.
#[derive(Debug, Default)]
pub struct RefusalAudit {
    window: std::sync::Mutex<(i64, u32, u32)>,
}

impl RefusalAudit {
    /// Audits one refusal in the log of the city `tenant` (or counts it, past the limit; the
    /// count goes to the log of the refusal that finds the limit over).
    pub async fn audit(
        &self,
        store: &std::sync::Arc<crate::store::Store>,
        tenant: LocalGovernmentCode,
        who: &str,
        terminal: &str,
        action: &str,
        detail: &str,
    ) {
        let now = now_ms();
        let (write, suppressed) = {
            let mut window = self.window.lock().unwrap_or_else(|e| e.into_inner());
            let (start, written, suppressed) = &mut *window;
            let mut carried = 0;
            if now - *start >= 60_000 {
                carried = std::mem::take(suppressed);
                *start = now;
                *written = 0;
            }
            if *written < REFUSALS_PER_MINUTE {
                *written += 1;
                (true, carried)
            } else {
                *suppressed += 1;
                (false, carried)
            }
        };
        let (store, who, terminal, action, detail) = (
            store.clone(),
            who.to_owned(),
            terminal.to_owned(),
            action.to_owned(),
            detail.to_owned(),
        );
        let _ = tokio::task::spawn_blocking(move || -> Result<(), crate::store::StoreError> {
            if suppressed > 0 {
                store.audit(
                    tenant,
                    now,
                    "system",
                    "refusals_not_itemised",
                    &format!("{suppressed} refusals in the last minute beyond the limit"),
                )?;
            }
            if write {
                store.audit_at(tenant, now, &who, &terminal, &action, &detail)?;
            }
            Ok(())
        })
        .await;
    }
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
/// failure. Other logins are not affected. The counts are in the database, so the limit
/// holds across every node (and a restart).
#[derive(Debug)]
pub struct SignInLimiter {
    store: std::sync::Arc<crate::store::Store>,
}

impl SignInLimiter {
    /// A limiter over the store's counts.
    pub fn new(store: std::sync::Arc<crate::store::Store>) -> Self {
        Self { store }
    }

    /// Whether `login` may try now; if not, the seconds until it may. (When the database
    /// cannot be read the sign-in itself fails, so this lets it try.)
    pub fn check(&self, login: &str, now_ms: i64) -> Result<(), u64> {
        match self.store.sign_in_failures(login) {
            Ok(Some((n, last))) if n >= LIMIT_FAILURES && now_ms - last < LIMIT_WINDOW_MS => {
                Err(((LIMIT_WINDOW_MS - (now_ms - last)) / 1000).max(1) as u64)
            }
            Ok(_) => Ok(()),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read the sign-in failures");
                Ok(())
            }
        }
    }

    /// Records a failure; returns how many there are in the window now.
    pub fn failed(&self, login: &str, now_ms: i64) -> u32 {
        self.store
            .record_sign_in_failure(login, now_ms, LIMIT_WINDOW_MS)
            .unwrap_or_else(|e| {
                tracing::warn!(error = %e, "cannot record a failed sign-in");
                0
            })
    }

    /// Forgets the failures of a login that signed in.
    pub fn succeeded(&self, login: &str) {
        if let Err(e) = self.store.clear_sign_in_failures(login) {
            tracing::warn!(error = %e, "cannot clear the sign-in failures");
        }
    }
}

/// How long a sign-in nonce stays valid.
pub const NONCE_MS: i64 = 5 * 60 * 1000;
/// Most nonces outstanding at once (older ones are forgotten first).
pub const NONCES_MAX: usize = 10_000;

/// Why a sign-in's nonce was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NonceRefusal {
    /// The request carried none.
    #[error("the sign-in carried no nonce")]
    Missing,
    /// This nonce was used by an earlier sign-in: the request is a replay.
    #[error("the sign-in's nonce was already used (a replayed request)")]
    Replayed,
    /// Not issued here, or too old.
    #[error("the sign-in's nonce is unknown or expired")]
    Unknown,
}

/// Single-use nonces for sign-in: the sign-in screen fetches one just before it sends the
/// password, and the server takes each only once, so a captured sign-in request cannot be
/// sent again. Used nonces are remembered until they expire, so a replay is told apart
/// from a stale page. Kept in the database: a nonce issued by one node is taken by another.
#[derive(Debug)]
pub struct SignInNonces {
    store: std::sync::Arc<crate::store::Store>,
}

impl SignInNonces {
    /// Nonces kept in `store`.
    pub fn new(store: std::sync::Arc<crate::store::Store>) -> Self {
        Self { store }
    }

    /// A fresh nonce (hex). (If the database cannot keep it, the sign-in it is sent with
    /// is refused as unknown.)
    pub fn issue(&self, now_ms: i64) -> String {
        let (nonce, _) = new_token();
        if let Err(e) = self
            .store
            .issue_sign_in_nonce(&nonce, now_ms, NONCE_MS, NONCES_MAX)
        {
            tracing::warn!(error = %e, "cannot keep a sign-in nonce");
        }
        nonce
    }

    /// Takes a nonce for one sign-in.
    pub fn take(&self, nonce: Option<&str>, now_ms: i64) -> Result<(), NonceRefusal> {
        let nonce = nonce
            .filter(|n| !n.is_empty())
            .ok_or(NonceRefusal::Missing)?;
        match self.store.take_sign_in_nonce(nonce, now_ms, NONCE_MS) {
            Ok(crate::store::NonceState::Taken) => Ok(()),
            Ok(crate::store::NonceState::Used) => Err(NonceRefusal::Replayed),
            Ok(crate::store::NonceState::Unknown) => Err(NonceRefusal::Unknown),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read a sign-in nonce");
                Err(NonceRefusal::Unknown)
            }
        }
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
                let who = crate::store::kiosk_grantee(&kiosk.id);
                let detail = format!("staff only: {}", parts.uri.path());
                app.refusals
                    .audit(
                        &app.store,
                        kiosk.tenant,
                        &who,
                        &terminal_of(parts),
                        "forbidden",
                        &detail,
                    )
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
        let detail = format!("admin only: {}", parts.uri.path());
        app.refusals
            .audit(
                &app.store,
                staff.tenant,
                &staff.login,
                &terminal_of(parts),
                "forbidden",
                &detail,
            )
            .await;
        Err(ApiError::Forbidden)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_blocks_a_login_after_five_failures_and_only_that_login() {
        let limiter =
            SignInLimiter::new(std::sync::Arc::new(crate::store::Store::scratch().unwrap()));
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
    fn a_nonce_opens_one_sign_in_only() {
        let nonces =
            SignInNonces::new(std::sync::Arc::new(crate::store::Store::scratch().unwrap()));
        let nonce = nonces.issue(0);
        assert_eq!(nonces.take(None, 1), Err(NonceRefusal::Missing));
        assert_eq!(nonces.take(Some("made-up"), 1), Err(NonceRefusal::Unknown));
        assert_eq!(nonces.take(Some(&nonce), 1), Ok(()));
        assert_eq!(nonces.take(Some(&nonce), 2), Err(NonceRefusal::Replayed));
        let late = nonces.issue(10);
        assert_eq!(
            nonces.take(Some(&late), 10 + NONCE_MS),
            Err(NonceRefusal::Unknown)
        );
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
        let set = cookie(&a, SESSION_MS, false);
        let text = set.to_str().unwrap();
        assert!(
            text.contains("HttpOnly")
                && text.contains("SameSite=Strict")
                && !text.contains("Secure")
        );
        assert!(
            cookie("", SESSION_MS, true)
                .to_str()
                .unwrap()
                .contains("Max-Age=0; Secure")
        );
    }
}
