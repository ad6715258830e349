//! HTTPS for the city LAN: the server serves TLS from a configured certificate and key, its
//! cookies are `Secure` there, the WebSocket upgrade works over it, and plain HTTP on the
//! same port gets nothing.

use std::sync::Arc;

use madoguchi_tests::{ServerProcess, add_staff};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A self-signed certificate for localhost / 127.0.0.1, written as PEM files.
fn certificate(
    dir: &std::path::Path,
) -> (String, String, rustls::pki_types::CertificateDer<'static>) {
    let made =
        rcgen::generate_simple_self_signed(vec!["localhost".into(), "127.0.0.1".into()]).unwrap();
    let cert = dir.join("cert.pem");
    let key = dir.join("key.pem");
    std::fs::write(&cert, made.cert.pem()).unwrap();
    std::fs::write(&key, made.key_pair.serialize_pem()).unwrap();
    (
        cert.display().to_string(),
        key.display().to_string(),
        made.cert.der().clone(),
    )
}

/// One HTTP/1.1 exchange over TLS, trusting only `root`; returns the whole answer.
async fn https(
    port: u16,
    root: &rustls::pki_types::CertificateDer<'static>,
    request: &str,
) -> String {
    let mut roots = rustls::RootCertStore::empty();
    roots.add(root.clone()).unwrap();
    let config = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_root_certificates(roots)
    .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut stream = connector.connect(name, tcp).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let mut buf = [0u8; 4096];
    // Read until the peer closes, or (for an upgrade) until the head is complete.
    loop {
        match tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf)).await {
            Ok(Ok(0)) | Err(_) => break,
            Ok(Ok(n)) => {
                answer.extend_from_slice(&buf[..n]);
                if answer.starts_with(b"HTTP/1.1 101")
                    && answer.windows(4).any(|w| w == b"\r\n\r\n")
                {
                    break;
                }
            }
            Ok(Err(_)) => break,
        }
    }
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn the_server_speaks_https_with_secure_cookies_and_websockets() {
    let data = tempfile::tempdir().unwrap();
    let (cert, key, root) = certificate(data.path());
    let made = add_staff(
        data.path(),
        "shimin01",
        "市民 一郎",
        "shimin",
        "correct horse",
    )
    .await
    .unwrap();
    assert!(made.status.success());
    let server = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--tls-cert", &cert, "--tls-key", &key],
    )
    .await
    .unwrap();
    let port = server.port();

    let health = https(
        port,
        &root,
        "GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    assert!(health.starts_with("HTTP/1.1 200"), "{health}");
    assert!(health.contains("\"status\":\"ok\""));
    // Over TLS, browsers are told to come back only over TLS (issue 18).
    assert!(
        health
            .to_ascii_lowercase()
            .contains("strict-transport-security: max-age=31536000"),
        "{health}"
    );

    let answer = https(
        port,
        &root,
        "GET /api/session/nonce HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    )
    .await;
    let nonce: serde_json::Value =
        serde_json::from_str(answer.split("\r\n\r\n").nth(1).unwrap()).unwrap();
    let body = serde_json::json!({
        "login": "shimin01",
        "password": "correct horse",
        "nonce": nonce["nonce"],
    })
    .to_string();
    let signed_in = https(
        port,
        &root,
        &format!(
            "POST /api/session HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
    .await;
    assert!(signed_in.starts_with("HTTP/1.1 200"), "{signed_in}");
    let set_cookie = signed_in
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(set_cookie.contains("; Secure"), "{set_cookie}");
    let cookie = set_cookie
        .split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap();

    // The sync endpoint upgrades over TLS (wss://).
    let upgraded = https(
        port,
        &root,
        &format!(
            "GET /sync HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nCookie: {cookie}\r\n\r\n"
        ),
    )
    .await;
    assert!(upgraded.starts_with("HTTP/1.1 101"), "{upgraded}");

    // Plain HTTP on the TLS port gets no HTTP answer.
    let plain = server.get("/healthz").await;
    assert!(
        plain
            .as_ref()
            .map(|(status, _, _)| *status != 200)
            .unwrap_or(true),
        "plain HTTP must not be served: {plain:?}"
    );
}

#[tokio::test]
async fn plain_http_beyond_loopback_and_bad_certificates_are_refused_at_start() {
    let data = tempfile::tempdir().unwrap();
    let bad = data.path().join("bad.pem");
    std::fs::write(&bad, "not a certificate").unwrap();
    let bad = bad.display().to_string();
    let refused = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--tls-cert", &bad, "--tls-key", &bad],
    )
    .await
    .unwrap_err();
    assert!(
        refused.to_string().contains("exited before listening"),
        "{refused}"
    );
}
