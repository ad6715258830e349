//! [`RequestReference`]: the id each HTTP request gets, so that a clerk's report of an error
//! can be found in the server's log.
//!
//! Every request gets an `x-request-id` of twelve Crockford base32 characters in three
//! groups (`7KQ2-M9XD-4RTP`, 60 random bits: short enough to read out over the phone,
//! without the letters I, L, O and U that are misread). A request that already carries an
//! `x-request-id` (from a proxy in front of the server) keeps it if it is a plain token (1
//! to 64 of `A–Z a–z 0–9 - _ . :`); any other is replaced ([`keep_plain_ids`]), so a client
//! cannot put text of its choosing (a name, markup, kilobytes) into the log or the app's
//! error messages. The id is in the answer's
//! headers, which the PWA shows in its error messages as 「問い合わせ番号」, and in every log
//! line written while the request is served (the JSON field `request_id` of the `request`
//! span), beside the route's pattern (`/api/residents/household/{number}`, never the path
//! itself, which can hold a 世帯番号, nor the query, which can hold a name), the method, the
//! status and the latency.

use axum::extract::MatchedPath;
use axum::http::{HeaderName, Request, Response};
use tower_http::classify::ServerErrorsFailureClass;
use tower_http::request_id::{MakeRequestId, RequestId};
use tower_http::trace::{MakeSpan, OnFailure, OnResponse};
use tracing::Span;

/// The header carrying the id, in requests and answers.
pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");

/// Crockford's base32 alphabet (no I, L, O, U).
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// Makes request ids (see the module's documentation for their shape).
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestReference;

impl RequestReference {
    /// A new id: `XXXX-XXXX-XXXX` over [`ALPHABET`], from the platform's random source.
    pub fn generate() -> String {
        let mut bytes = [0u8; 12];
        getrandom::fill(&mut bytes).expect("the platform has a random source");
        let mut id = String::with_capacity(14);
        for (i, byte) in bytes.iter().enumerate() {
            if i > 0 && i % 4 == 0 {
                id.push('-');
            }
            id.push(char::from(ALPHABET[usize::from(byte & 31)]));
        }
        id
    }
}

impl MakeRequestId for RequestReference {
    fn make_request_id<B>(&mut self, _request: &Request<B>) -> Option<RequestId> {
        Self::generate().parse().ok().map(RequestId::new)
    }
}

/// Whether a client's `x-request-id` may be kept: 1 to 64 of `A–Z a–z 0–9 - _ . :`.
pub fn is_plain(id: &[u8]) -> bool {
    (1..=64).contains(&id.len())
        && id
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Drops a client's `x-request-id` that is not plain ([`is_plain`]), so that a new one is
/// made for the request (runs before tower-http's `SetRequestIdLayer`).
pub async fn keep_plain_ids(mut request: axum::extract::Request) -> axum::extract::Request {
    let plain = request
        .headers()
        .get_all(HEADER)
        .iter()
        .all(|v| is_plain(v.as_bytes()));
    if !plain || request.headers().get_all(HEADER).iter().count() > 1 {
        request.headers_mut().remove(HEADER);
    }
    request
}

/// The `request` span of each HTTP request: its id, method and route pattern.
#[derive(Debug, Clone, Copy, Default)]
pub struct RequestSpan;

impl<B> MakeSpan<B> for RequestSpan {
    fn make_span(&mut self, request: &Request<B>) -> Span {
        let id = request
            .headers()
            .get(HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        // The pattern, not the path: paths can name a household, queries a person.
        let route = request
            .extensions()
            .get::<MatchedPath>()
            .map(MatchedPath::as_str)
            .unwrap_or("static");
        tracing::info_span!("request", request_id = %id, method = %request.method(), route)
    }
}

/// One log line per answer: its status and latency (at `info`, in the `request` span).
#[derive(Debug, Clone, Copy, Default)]
pub struct ResponseLine;

impl<B> OnResponse<B> for ResponseLine {
    fn on_response(self, response: &Response<B>, latency: std::time::Duration, _: &Span) {
        let status = response.status().as_u16();
        let ms = u64::try_from(latency.as_millis()).unwrap_or(u64::MAX);
        if status >= 500 {
            tracing::error!(status, ms, "answered");
        } else {
            tracing::info!(status, ms, "answered");
        }
    }
}

/// Failures are logged by [`ResponseLine`] already (as `error` for 5xx).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFailureLine;

impl OnFailure<ServerErrorsFailureClass> for NoFailureLine {
    fn on_failure(&mut self, _: ServerErrorsFailureClass, _: std::time::Duration, _: &Span) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_three_groups_of_crockford_base32() {
        let id = RequestReference::generate();
        assert_eq!(id.len(), 14, "{id}");
        let groups: Vec<&str> = id.split('-').collect();
        assert_eq!(groups.len(), 3, "{id}");
        for group in groups {
            assert_eq!(group.len(), 4);
            assert!(group.bytes().all(|b| ALPHABET.contains(&b)), "{id}");
        }
        assert_ne!(id, RequestReference::generate());
        assert!(is_plain(id.as_bytes()));
    }

    #[test]
    fn only_plain_client_ids_are_kept() {
        assert!(is_plain(b"proxy-42"));
        assert!(is_plain(b"a1b2c3d4-e5f6:7.8_9"));
        for bad in [
            &b""[..],
            &[b'a'; 65][..],
            b"<script>alert(1)</script>",
            "山田太郎".as_bytes(),
            b"a b",
            b"a\"b",
        ] {
            assert!(!is_plain(bad), "{bad:?}");
        }
    }
}
