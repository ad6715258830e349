//! The bridge's HTTP face ([`router`]): `POST /pair`, `GET /status`, `POST /read`, JSON as
//! [`device_webusb::my_number_card::bridge`] defines it.
//!
//! Who may call:
//! - only pages of the allow-listed origins (`Origin` header, exact match): they get CORS
//!   headers for their origin alone, and a Private Network Access preflight
//!   (`Access-Control-Request-Private-Network: true`) is answered
//!   `Access-Control-Allow-Private-Network: true`; a request without `Origin` or from
//!   another origin is refused `403 origin_refused`, with no CORS headers;
//! - only to `127.0.0.1` / `localhost` by name (`Host`), so a page that rebinds its own
//!   domain name to `127.0.0.1` is refused too;
//! - every call but `/pair` with `Authorization: Bearer <token>` from pairing
//!   (`401 unauthorized` otherwise).
//!
//! Logged: method, path, status and time; never a body (PIN, personal data).

use std::sync::{Arc, Mutex};

use axum::Json;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use device_webusb::my_number_card::bridge::{
    BridgeError, ErrorKind, PairAnswer, PairRequest, ReadAnswer, ReadRequest,
};
use zeroize::Zeroize;

use crate::CardReader;
use crate::pairing::{PairError, Pairing};

/// What the handlers share.
pub struct Bridge {
    /// The origins allowed to call (`https://madoguchi.example.jp`, exact).
    pub origins: Vec<String>,
    /// The pairing of this run.
    pub pairing: Mutex<Pairing>,
    /// The reader.
    pub reader: Arc<dyn CardReader>,
}

/// The routes, with the origin, host and token checks around them.
pub fn router(bridge: Arc<Bridge>) -> Router {
    let authorized = Router::new()
        .route("/status", get(status))
        .route("/read", post(read))
        .route_layer(middleware::from_fn_with_state(
            bridge.clone(),
            require_token,
        ));
    Router::new()
        .route("/pair", post(pair))
        .merge(authorized)
        .layer(middleware::from_fn_with_state(bridge.clone(), guard))
        .layer(middleware::from_fn(log))
        .with_state(bridge)
}

fn refuse(status: StatusCode, kind: ErrorKind) -> Response {
    (status, Json(BridgeError::new(kind))).into_response()
}

/// Whether `host` (the `Host` header) names this machine's loopback.
fn loopback_host(host: &str) -> bool {
    let name = match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    };
    matches!(name, "127.0.0.1" | "localhost" | "[::1]")
}

/// Origin and host checks, preflights, and the CORS headers of allowed answers.
async fn guard(State(bridge): State<Arc<Bridge>>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let host_ok = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .is_some_and(loopback_host);
    let origin = headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
        .filter(|o| bridge.origins.iter().any(|allowed| allowed == o))
        .map(str::to_owned);
    let Some(origin) = origin.filter(|_| host_ok) else {
        return refuse(StatusCode::FORBIDDEN, ErrorKind::OriginRefused);
    };
    let allow_origin = HeaderValue::from_str(&origin).expect("an Origin header's own bytes");
    if request.method() == Method::OPTIONS {
        let private_network = headers
            .get("access-control-request-private-network")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"true"));
        let mut response = StatusCode::NO_CONTENT.into_response();
        let answer = response.headers_mut();
        answer.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
        answer.insert(
            header::ACCESS_CONTROL_ALLOW_METHODS,
            HeaderValue::from_static("GET, POST"),
        );
        answer.insert(
            header::ACCESS_CONTROL_ALLOW_HEADERS,
            HeaderValue::from_static("authorization, content-type"),
        );
        answer.insert(
            header::ACCESS_CONTROL_MAX_AGE,
            HeaderValue::from_static("600"),
        );
        if private_network {
            answer.insert(
                "access-control-allow-private-network",
                HeaderValue::from_static("true"),
            );
        }
        answer.insert(header::VARY, HeaderValue::from_static("Origin"));
        return response;
    }
    let mut response = next.run(request).await;
    let answer = response.headers_mut();
    answer.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, allow_origin);
    answer.insert(header::VARY, HeaderValue::from_static("Origin"));
    answer.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// The bearer token from pairing, on every call but `/pair`.
async fn require_token(
    State(bridge): State<Arc<Bridge>>,
    headers: HeaderMap,
    request: Request,
    next: Next,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let known = token.is_some_and(|t| bridge.pairing.lock().expect("not poisoned").authorized(t));
    if !known {
        return refuse(StatusCode::UNAUTHORIZED, ErrorKind::Unauthorized);
    }
    next.run(request).await
}

async fn log(request: Request<Body>, next: Next) -> Response {
    let started = std::time::Instant::now();
    let (method, path) = (request.method().clone(), request.uri().path().to_owned());
    let response = next.run(request).await;
    tracing::info!(
        "{method} {path} {} {} ms",
        response.status().as_u16(),
        started.elapsed().as_millis()
    );
    response
}

async fn pair(
    State(bridge): State<Arc<Bridge>>,
    request: Result<Json<PairRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(request)) = request else {
        return refuse(StatusCode::BAD_REQUEST, ErrorKind::BadRequest);
    };
    let result = bridge
        .pairing
        .lock()
        .expect("not poisoned")
        .pair(&request.code);
    match result {
        Ok(token) => {
            tracing::info!("a terminal paired");
            Json(PairAnswer { token }).into_response()
        }
        Err(PairError::WrongCode { remaining }) => (
            StatusCode::FORBIDDEN,
            Json(BridgeError {
                error: ErrorKind::WrongCode,
                remaining: Some(remaining),
            }),
        )
            .into_response(),
        Err(PairError::Locked) => {
            tracing::warn!("pairing locked after too many wrong codes; restart for a new code");
            refuse(StatusCode::TOO_MANY_REQUESTS, ErrorKind::PairingLocked)
        }
        Err(PairError::Spent) => refuse(StatusCode::GONE, ErrorKind::CodeSpent),
    }
}

async fn status(State(bridge): State<Arc<Bridge>>) -> Response {
    let reader = bridge.reader.clone();
    match tokio::task::spawn_blocking(move || reader.status()).await {
        Ok(status) => Json(status).into_response(),
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::ReaderError),
    }
}

async fn read(
    State(bridge): State<Arc<Bridge>>,
    request: Result<Json<ReadRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(ReadRequest { mut pin })) = request else {
        return refuse(StatusCode::BAD_REQUEST, ErrorKind::BadRequest);
    };
    let reader = bridge.reader.clone();
    let result = tokio::task::spawn_blocking(move || {
        let result = reader.read(&pin);
        pin.zeroize();
        result
    })
    .await;
    match result {
        Ok(Ok(read)) => Json(ReadAnswer::from(&read)).into_response(),
        Ok(Err(error)) => {
            let answer = BridgeError::from(&error);
            // The error names no values (CardError never carries them).
            tracing::info!("read refused: {error}");
            let status = match answer.error {
                ErrorKind::NoCard | ErrorKind::NoReader => StatusCode::SERVICE_UNAVAILABLE,
                ErrorKind::ReaderError => StatusCode::BAD_GATEWAY,
                _ => StatusCode::UNPROCESSABLE_ENTITY,
            };
            (status, Json(answer)).into_response()
        }
        Err(_) => refuse(StatusCode::INTERNAL_SERVER_ERROR, ErrorKind::ReaderError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;
    use device_webusb::my_number_card::CardError;
    use device_webusb::my_number_card::bridge::BridgeStatus;
    use device_webusb::my_number_card::simulated::{Holder, SimulatedCard};
    use device_webusb::my_number_card::text_ap;
    use http_body_util::BodyExt;
    use shared_model::document_read::DocumentRead;
    use tower::ServiceExt;

    const APP: &str = "https://madoguchi.example.jp";

    /// A reader holding a simulated card.
    struct Simulated(Mutex<SimulatedCard>);

    impl CardReader for Simulated {
        fn status(&self) -> BridgeStatus {
            BridgeStatus {
                reader: true,
                card: true,
            }
        }
        fn read(&self, pin: &str) -> Result<DocumentRead, CardError> {
            text_ap::read(&mut *self.0.lock().unwrap(), pin)
        }
    }

    fn app() -> Router {
        router(Arc::new(Bridge {
            origins: vec![APP.into()],
            pairing: Mutex::new(Pairing::with_code("246810")),
            reader: Arc::new(Simulated(Mutex::new(SimulatedCard::new(
                &Holder::example(),
                "4821",
            )))),
        }))
    }

    async fn call(
        app: &Router,
        method: &str,
        path: &str,
        origin: Option<&str>,
        token: Option<&str>,
        body: Option<&str>,
    ) -> (StatusCode, HeaderMap, serde_json::Value) {
        let mut request = Request::builder()
            .method(method)
            .uri(path)
            .header("host", "127.0.0.1:47263");
        if let Some(origin) = origin {
            request = request.header("origin", origin);
        }
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        if body.is_some() {
            request = request.header("content-type", "application/json");
        }
        let request = request
            .body(Body::from(body.unwrap_or_default().to_owned()))
            .unwrap();
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        let json = serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null);
        (status, headers, json)
    }

    async fn paired(app: &Router) -> String {
        let (status, _, json) = call(
            app,
            "POST",
            "/pair",
            Some(APP),
            None,
            Some(r#"{"code":"246810"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
        json["token"].as_str().unwrap().to_owned()
    }

    #[tokio::test]
    async fn other_origins_and_no_origin_are_refused_without_cors() {
        let app = app();
        for origin in [
            None,
            Some("https://evil.example"),
            Some("http://127.0.0.1:8080"),
        ] {
            let (status, headers, json) = call(
                &app,
                "POST",
                "/pair",
                origin,
                None,
                Some(r#"{"code":"246810"}"#),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{origin:?}");
            assert_eq!(json["error"], "origin_refused");
            assert!(headers.get("access-control-allow-origin").is_none());
        }
        // The code was not used up by the refused calls.
        paired(&app).await;
    }

    #[tokio::test]
    async fn a_rebound_host_name_is_refused() {
        let request = Request::builder()
            .method("POST")
            .uri("/pair")
            .header("host", "attacker.example:47263")
            .header("origin", APP)
            .header("content-type", "application/json")
            .body(Body::from(r#"{"code":"246810"}"#))
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }

    #[tokio::test]
    async fn the_preflight_allows_the_app_and_the_private_network() {
        let request = Request::builder()
            .method("OPTIONS")
            .uri("/read")
            .header("host", "127.0.0.1:47263")
            .header("origin", APP)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type",
            )
            .header("access-control-request-private-network", "true")
            .body(Body::empty())
            .unwrap();
        let response = app().oneshot(request).await.unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        let headers = response.headers();
        assert_eq!(headers["access-control-allow-origin"], APP);
        assert_eq!(headers["access-control-allow-private-network"], "true");
        assert_eq!(headers["access-control-allow-methods"], "GET, POST");
        assert!(
            headers["access-control-allow-headers"]
                .to_str()
                .unwrap()
                .contains("authorization")
        );
    }

    #[tokio::test]
    async fn calls_without_the_token_are_unauthorized() {
        let app = app();
        let (status, headers, json) = call(&app, "GET", "/status", Some(APP), None, None).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(json["error"], "unauthorized");
        assert_eq!(headers["access-control-allow-origin"], APP);
        let (status, _, _) = call(
            &app,
            "POST",
            "/read",
            Some(APP),
            Some(&"ab".repeat(32)),
            Some(r#"{"pin":"4821"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
    }

    #[tokio::test]
    async fn pairing_counts_wrong_codes_then_locks() {
        let app = app();
        for remaining in [4, 3, 2, 1] {
            let (status, _, json) = call(
                &app,
                "POST",
                "/pair",
                Some(APP),
                None,
                Some(r#"{"code":"000000"}"#),
            )
            .await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert_eq!(json["error"], "wrong_code");
            assert_eq!(json["remaining"], remaining);
        }
        for code in ["000000", "246810"] {
            let body = format!(r#"{{"code":"{code}"}}"#);
            let (status, _, json) = call(&app, "POST", "/pair", Some(APP), None, Some(&body)).await;
            assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
            assert_eq!(json["error"], "pairing_locked");
        }
    }

    #[tokio::test]
    async fn a_paired_terminal_reads_the_card() {
        let app = app();
        let token = paired(&app).await;
        let (status, _, json) = call(&app, "GET", "/status", Some(APP), Some(&token), None).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json, serde_json::json!({"reader": true, "card": true}));

        let read = |pin: &str| {
            let body = format!(r#"{{"pin":"{pin}"}}"#);
            let (app, token) = (app.clone(), token.clone());
            async move { call(&app, "POST", "/read", Some(APP), Some(&token), Some(&body)).await }
        };
        let (status, _, json) = read("12").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(json["error"], "pin_format");
        let (status, _, json) = read("0000").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            json,
            serde_json::json!({"error": "wrong_pin", "remaining": 2})
        );
        let (status, _, json) = read("4821").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(json["document"], "my_number_card");
        assert_eq!(json["persons"][0]["person.name"], "𠮷田　髙志");
        assert_eq!(
            json["items"]["household.address"],
            "群馬県高崎市高松町35番地1"
        );
        // The code pairs once.
        let (status, _, json) = call(
            &app,
            "POST",
            "/pair",
            Some(APP),
            None,
            Some(r#"{"code":"246810"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::GONE);
        assert_eq!(json["error"], "code_spent");
    }

    #[tokio::test]
    async fn a_body_that_is_not_the_calls_is_a_bad_request() {
        let app = app();
        let token = paired(&app).await;
        let (status, _, json) = call(
            &app,
            "POST",
            "/read",
            Some(APP),
            Some(&token),
            Some(r#"{"pn":"4821"}"#),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(json["error"], "bad_request");
    }
}
