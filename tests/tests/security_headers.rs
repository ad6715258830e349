//! The security headers on every route group (issue 18): pages, static assets, the manuals,
//! every API route the router declares, the sync endpoint, the metrics, and errors (404,
//! 405, 413), anonymous and signed in. The routes are read from the router's source, so a
//! new route is covered the day it is added.

use std::path::Path;

use madoguchi_tests::{ServerProcess, add_admin, header, workspace_root};

const POLICY_DIRECTIVES: [&str; 5] = [
    "object-src 'none'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
    "form-action 'self'",
    "default-src 'self'",
];

fn fake_dist(dir: &Path) {
    for (file, body) in [
        ("index.html", "<!doctype html><title>t</title>"),
        ("boot.js", "import init from '/app.js';"),
        ("sw.js", "self.addEventListener('fetch', () => {});"),
        ("app.js", "export default function init() {}"),
        ("app_bg.wasm", "\0asm"),
        ("app.css", "body{}"),
        ("manual/counter/index.html", "<h1>はじめに</h1>"),
    ] {
        let path = dir.join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
}

/// Every path the router declares (`.route("…", …)` in sync-server/src/lib.rs), with its
/// parameters filled.
fn declared_routes() -> Vec<String> {
    let source = std::fs::read_to_string(workspace_root().join("sync-server/src/lib.rs")).unwrap();
    let mut routes = Vec::new();
    let mut rest = source.as_str();
    while let Some(at) = rest.find(".route(") {
        rest = &rest[at + ".route(".len()..];
        let open = rest.find('"').unwrap();
        let close = open + 1 + rest[open + 1..].find('"').unwrap();
        let path = &rest[open + 1..close];
        let mut filled = String::new();
        let mut depth = 0;
        for c in path.chars() {
            match c {
                '{' => {
                    depth += 1;
                    filled.push_str("0123");
                }
                '}' => depth -= 1,
                c if depth == 0 => filled.push(c),
                _ => {}
            }
        }
        routes.push(filled);
    }
    routes
}

/// Asserts the headers every answer carries, and `no-store` where `path` can carry personal
/// data or a token.
fn assert_headers(what: &str, path: &str, status: u16, head: &str) {
    let csp = header(head, "content-security-policy")
        .unwrap_or_else(|| panic!("{what} ({status}): no Content-Security-Policy\n{head}"));
    for directive in POLICY_DIRECTIVES {
        assert!(
            csp.contains(directive),
            "{what}: {directive} missing in {csp}"
        );
    }
    if path.starts_with("/manual/") {
        assert!(!csp.contains("'unsafe-eval'"), "{what}: {csp}");
    } else {
        assert!(
            !csp.contains("'unsafe-inline'") && !csp.contains("'unsafe-eval'"),
            "{what}: {csp}"
        );
        assert!(
            csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
            "{what}: {csp}"
        );
    }
    for (name, value) in [
        ("x-frame-options", "DENY"),
        ("referrer-policy", "no-referrer"),
        ("cross-origin-opener-policy", "same-origin"),
        ("x-content-type-options", "nosniff"),
    ] {
        assert_eq!(
            header(head, name),
            Some(value),
            "{what} ({status}): {name}\n{head}"
        );
    }
    let permissions = header(head, "permissions-policy")
        .unwrap_or_else(|| panic!("{what}: no Permissions-Policy"));
    for allowed in [
        "serial=(self)",
        "hid=(self)",
        "camera=(self)",
        "fullscreen=(self)",
    ] {
        assert!(permissions.contains(allowed), "{what}: {permissions}");
    }
    for denied in ["geolocation=()", "microphone=()", "payment=()", "usb=()"] {
        assert!(permissions.contains(denied), "{what}: {permissions}");
    }
    assert_eq!(
        header(head, "strict-transport-security"),
        None,
        "{what}: HSTS over plain HTTP"
    );
    if ["/api/", "/sync", "/metrics"]
        .iter()
        .any(|p| path.starts_with(p))
    {
        assert_eq!(
            header(head, "cache-control"),
            Some("no-store"),
            "{what} ({status}) may carry personal data or a token\n{head}"
        );
    }
}

#[tokio::test]
async fn every_route_group_answers_with_the_security_headers() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    add_admin(data.path(), "admin01", "correct horse")
        .await
        .unwrap();
    let server = ServerProcess::start_with_env(
        0,
        data.path(),
        Some(dist.path()),
        &["--demo-residents", "20"],
        &[("MADOGUCHI_METRICS_TOKEN", "headers-test")],
    )
    .await
    .unwrap();
    let admin = server.sign_in("admin01", "correct horse").await.unwrap();

    let routes = declared_routes();
    assert!(routes.len() >= 30, "{routes:?}");
    assert!(routes.iter().any(|r| r == "/api/residents"));
    let mut checked = 0;
    for path in &routes {
        for (who, cookie) in [("anonymous", None), ("admin", Some(admin.as_str()))] {
            let (status, head, _) = server.request("GET", path, None, cookie).await.unwrap();
            assert_headers(&format!("GET {path} as {who}"), path, status, &head);
            let (status, head, _) = server
                .request("POST", path, Some("{}"), cookie)
                .await
                .unwrap();
            assert_headers(&format!("POST {path} as {who}"), path, status, &head);
            checked += 2;
        }
    }
    // A personal answer (200, residents found) and the metrics with their token.
    let (status, head, body) = server
        .request("GET", "/api/residents?q=19", None, Some(&admin))
        .await
        .unwrap();
    assert!(
        status == 200 || status == 400,
        "{status}: {}",
        String::from_utf8_lossy(&body)
    );
    assert_headers("a resident lookup", "/api/residents", status, &head);
    let (status, head, _) = server
        .request_with(
            "GET",
            "/metrics",
            None,
            None,
            &[("Authorization", "Bearer headers-test")],
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_headers("the metrics", "/metrics", status, &head);

    // Pages, static assets, the manuals, and errors.
    for path in [
        "/",
        "/index.html",
        "/boot.js",
        "/app.js",
        "/app_bg.wasm",
        "/sw.js",
        "/manual/counter/index.html",
        "/manual/counter/",
        "/no-such-file.js",
        "/api/no-such-route",
    ] {
        let (status, head, _) = server.request("GET", path, None, None).await.unwrap();
        assert_headers(&format!("GET {path}"), path, status, &head);
        checked += 1;
    }
    let (status, head, _) = server.request("GET", "/", None, None).await.unwrap();
    assert_eq!(status, 200);
    assert_eq!(
        header(&head, "cache-control"),
        Some("no-cache"),
        "pages revalidate, and may be kept"
    );
    // A body over the limit: 413, still with the headers.
    let big = format!("{{\"visit_id\":\"{}\"}}", "x".repeat(200 * 1024));
    let (status, head, _) = server
        .request("POST", "/api/visits", Some(&big), Some(&admin))
        .await
        .unwrap();
    assert_eq!(status, 413);
    assert_headers("an oversized body", "/api/visits", status, &head);
    eprintln!(
        "{checked} answers over {} declared routes checked",
        routes.len()
    );
}
