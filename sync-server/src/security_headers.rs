//! [`SecurityHeaders`]: what every answer of the server tells the browser about how it may
//! be used (OWASP ASVS 4.0 V14.4 HTTP security headers, V8.2 client-side data protection).
//!
//! One middleware over the whole router, so no route ships without them:
//!
//! | header | value | on |
//! |---|---|---|
//! | `Content-Security-Policy` | [`APP_POLICY`] | every answer but the manuals |
//! | `Content-Security-Policy` | [`MANUAL_POLICY`] | `/manual/` (mdBook's pages) |
//! | `X-Frame-Options` | `DENY` | every answer |
//! | `Referrer-Policy` | `no-referrer` | every answer |
//! | `Permissions-Policy` | [`PERMISSIONS_POLICY`] | every answer |
//! | `Cross-Origin-Opener-Policy` | `same-origin` | every answer |
//! | `X-Content-Type-Options` | `nosniff` | every answer |
//! | `Strict-Transport-Security` | `max-age=31536000` | every answer, when TLS is on |
//! | `Cache-Control` | `no-store` | `/api/`, `/sync`, `/metrics`: what can carry personal data or a token |
//!
//! The app's own pages, scripts and wasm come from its origin only: `'wasm-unsafe-eval'`
//! lets the browser compile the app's wasm module, and nothing allows inline scripts or
//! `eval` (the page's start-up script is `/boot.js`, not inline). The browser suites listen
//! for `securitypolicyviolation` on every page they open and fail on any.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of the app's pages (and of every other answer but the manuals').
///
/// `connect-src` names the local card bridge (`device-webusb/card-bridge`, on
/// `http://127.0.0.1:47263`) beside the origin (whose WebSocket `/sync` `'self'` covers).
pub const APP_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'wasm-unsafe-eval'; \
     style-src 'self'; \
     img-src 'self'; \
     font-src 'self'; \
     connect-src 'self' http://127.0.0.1:47263; \
     media-src 'self'; \
     worker-src 'self'; \
     manifest-src 'self'; \
     object-src 'none'; \
     base-uri 'none'; \
     frame-ancestors 'none'; \
     form-action 'self'";

/// The policy of the manuals' pages: as [`APP_POLICY`], but mdBook's generated pages set
/// their theme and sidebar with inline scripts and styles (which differ per page, so no
/// hash can name them): `'unsafe-inline'` for those two only. The manuals hold no personal
/// data and call no API; they still cannot be framed, post forms elsewhere or connect
/// anywhere but here.
pub const MANUAL_POLICY: &str = "default-src 'self'; \
     script-src 'self' 'unsafe-inline'; \
     style-src 'self' 'unsafe-inline'; \
     img-src 'self' data:; \
     font-src 'self'; \
     connect-src 'self'; \
     object-src 'none'; \
     base-uri 'none'; \
     frame-ancestors 'none'; \
     form-action 'self'";

/// What the faces may use, and nothing else: the counter's serial and HID readers (Web
/// Serial, WebHID), the kiosk's camera for the 転出証明書, fullscreen for the kiosk and
/// the signing tablet; every other powerful feature is denied. The faces share one page
/// (`/`, told apart by the URL's fragment, which the server never sees), so the policy is
/// the union of theirs.
pub const PERMISSIONS_POLICY: &str = "serial=(self), hid=(self), camera=(self), \
     fullscreen=(self), usb=(), geolocation=(), microphone=(), payment=(), \
     display-capture=(), bluetooth=(), midi=(), accelerometer=(), gyroscope=(), \
     magnetometer=(), browsing-topics=()";

/// Path prefixes whose answers are never stored by a browser or a proxy.
pub const NO_STORE: [&str; 3] = ["/api/", "/sync", "/metrics"];

/// The manuals' prefix (see [`MANUAL_POLICY`]).
pub const MANUAL: &str = "/manual/";

/// Whether the server speaks HTTPS (adds `Strict-Transport-Security`).
#[derive(Debug, Clone, Copy)]
pub struct SecurityHeaders {
    /// TLS is on.
    pub tls: bool,
}

impl SecurityHeaders {
    /// Sets the headers of an answer to a request for `path`.
    pub fn apply(self, path: &str, headers: &mut HeaderMap) {
        let policy = if path.starts_with(MANUAL) {
            MANUAL_POLICY
        } else {
            APP_POLICY
        };
        let set = |headers: &mut HeaderMap, name: header::HeaderName, value: &'static str| {
            headers.insert(name, HeaderValue::from_static(value));
        };
        set(headers, header::CONTENT_SECURITY_POLICY, policy);
        set(headers, header::X_FRAME_OPTIONS, "DENY");
        set(headers, header::REFERRER_POLICY, "no-referrer");
        set(headers, header::X_CONTENT_TYPE_OPTIONS, "nosniff");
        set(
            headers,
            header::HeaderName::from_static("permissions-policy"),
            PERMISSIONS_POLICY,
        );
        set(
            headers,
            header::HeaderName::from_static("cross-origin-opener-policy"),
            "same-origin",
        );
        if self.tls {
            set(
                headers,
                header::STRICT_TRANSPORT_SECURITY,
                "max-age=31536000",
            );
        }
        if NO_STORE.iter().any(|p| path.starts_with(p)) {
            set(headers, header::CACHE_CONTROL, "no-store");
        }
    }
}

/// The middleware: [`SecurityHeaders::apply`] on every answer.
pub async fn middleware(
    State(policy): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    policy.apply(&path, response.headers_mut());
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_app_policy_allows_no_inline_script_and_no_eval() {
        for forbidden in [
            "'unsafe-inline'",
            "'unsafe-eval'",
            "*",
            "http:",
            "https:",
            "data:",
        ] {
            let script = APP_POLICY
                .split(';')
                .find(|d| d.trim().starts_with("script-src"))
                .unwrap();
            assert!(
                !script.split_whitespace().any(|w| w == forbidden),
                "{script}"
            );
        }
        for needed in [
            "object-src 'none'",
            "base-uri 'none'",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "'wasm-unsafe-eval'",
        ] {
            assert!(APP_POLICY.contains(needed), "{needed}");
            if needed != "'wasm-unsafe-eval'" {
                assert!(MANUAL_POLICY.contains(needed), "{needed}");
            }
        }
    }

    #[test]
    fn api_answers_are_not_stored_and_tls_adds_hsts() {
        let mut headers = HeaderMap::new();
        SecurityHeaders { tls: false }.apply("/api/residents", &mut headers);
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
        assert!(!headers.contains_key(header::STRICT_TRANSPORT_SECURITY));
        let mut headers = HeaderMap::new();
        SecurityHeaders { tls: true }.apply("/app.js", &mut headers);
        assert!(!headers.contains_key(header::CACHE_CONTROL));
        assert_eq!(
            headers[header::STRICT_TRANSPORT_SECURITY],
            "max-age=31536000"
        );
        let mut headers = HeaderMap::new();
        SecurityHeaders { tls: false }.apply("/manual/counter/visit.html", &mut headers);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], MANUAL_POLICY);
    }
}
