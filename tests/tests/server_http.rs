//! The server's HTTP side as a browser and an operator meet it: static files with the right
//! MIME types and caching, health, the visit register, and a clean stop on SIGTERM while a
//! WebSocket is open.

use std::path::Path;

use madoguchi_tests::{NativePeer, ServerProcess, add_staff, header};
use shared_model::DocumentId;

fn fake_dist(dir: &Path) {
    for (file, body) in [
        ("index.html", "<!doctype html><title>t</title>"),
        ("sw.js", "self.addEventListener('fetch', () => {});"),
        ("app.js", "export default function init() {}"),
        ("app_bg.wasm", "\0asm"),
        ("app.css", "body{}"),
        ("manifest.webmanifest", "{}"),
    ] {
        std::fs::write(dir.join(file), body).unwrap();
    }
}

#[tokio::test]
async fn static_files_have_their_mime_types_and_revalidate() {
    let data = tempfile::tempdir().unwrap();
    let dist = tempfile::tempdir().unwrap();
    fake_dist(dist.path());
    let server = ServerProcess::start(data.path(), Some(dist.path()))
        .await
        .unwrap();
    for (path, mime) in [
        ("/", "text/html"),
        ("/index.html", "text/html"),
        ("/sw.js", "text/javascript"),
        ("/app.js", "text/javascript"),
        ("/app_bg.wasm", "application/wasm"),
        ("/app.css", "text/css"),
        ("/manifest.webmanifest", "application/manifest+json"),
    ] {
        let (status, head, _) = server.get(path).await.unwrap();
        assert_eq!(status, 200, "{path}");
        let content_type = header(&head, "content-type").unwrap_or_default();
        assert!(content_type.starts_with(mime), "{path}: {content_type}");
        assert_eq!(header(&head, "cache-control"), Some("no-cache"), "{path}");
    }
    let (status, _, _) = server.get("/missing.js").await.unwrap();
    assert_eq!(status, 404);
}

/// Creates a staff account and signs it in; returns the `Cookie` header value.
async fn signed_in(server: &ServerProcess, data: &Path, login: &str, department: &str) -> String {
    let made = add_staff(data, login, "テスト 職員", department, "correct horse")
        .await
        .unwrap();
    assert!(made.status.success());
    server.sign_in(login, "correct horse").await.unwrap()
}

#[tokio::test]
async fn health_and_the_visit_register() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let cookie = signed_in(&server, data.path(), "shimin01", "shimin").await;
    let (status, _, body) = server.get("/healthz").await.unwrap();
    assert_eq!(status, 200);
    let health: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(health["status"], "ok");

    let first = DocumentId::random().to_string();
    let second = DocumentId::random().to_string();
    let register = |id: &str| format!(r#"{{"visit_id":"{id}"}}"#);
    // Visits are registered by a kiosk or staff; nobody else.
    let (status, _, _) = server
        .post_json("/api/visits", &register(&first))
        .await
        .unwrap();
    assert_eq!(status, 401);
    let post = |json: String| {
        let (server, cookie) = (&server, cookie.clone());
        async move {
            server
                .request("POST", "/api/visits", Some(&json), Some(&cookie))
                .await
                .unwrap()
        }
    };
    let (status, _, body) = post(register(&first)).await;
    assert_eq!(status, 200);
    let a: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let (_, _, body) = post(register(&second)).await;
    let b: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        b["reception_number"].as_u64(),
        a["reception_number"].as_u64().map(|n| n + 1)
    );
    // Registering again keeps the number.
    let (_, _, body) = post(register(&first)).await;
    let again: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(again["reception_number"], a["reception_number"]);

    let number = b["reception_number"].as_u64().unwrap();
    let lookup = format!("/api/visits?reception={number}");
    let (status, _, _) = server.get(&lookup).await.unwrap();
    assert_eq!(status, 401, "the register is for signed-in staff");
    let (status, _, body) = server
        .request("GET", &lookup, None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let found: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(found[0]["visit_id"], second.as_str());

    // Bad input is named, not a crash.
    let (status, _, body) = post(r#"{"visit_id":"not-an-id"}"#.to_owned()).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("bs58check"));
    let (status, _, _) = server
        .request("GET", "/api/visits?reception=abc", None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 400);
    let (status, _, _) = server
        .request("GET", "/api/visits?reception=9999", None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 404);
    // Today's list of 市民課 holds both (a registered visit waits at 市民課 first); another
    // 課's list is not theirs to read.
    let (_, _, body) = server
        .request("GET", "/api/visits", None, Some(&cookie))
        .await
        .unwrap();
    let list: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[0]["department"], "shimin");
    let (status, _, _) = server
        .request(
            "GET",
            "/api/visits?department=hoken_nenkin",
            None,
            Some(&cookie),
        )
        .await
        .unwrap();
    assert_eq!(status, 403);
    let (status, _, _) = post(format!(r#"{{"visit_id":"{}"}}"#, "x".repeat(100_000))).await;
    assert_eq!(status, 413, "bodies over the limit are refused");
}

#[tokio::test]
async fn the_form_catalog_is_published_read_only() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let (status, head, body) = server.get("/api/forms").await.unwrap();
    assert_eq!(status, 200);
    assert!(
        header(&head, "content-type")
            .unwrap_or_default()
            .starts_with("application/json")
    );
    let catalog: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(catalog["forms"].as_array().unwrap().len(), 26);
    assert!(catalog["version"].as_str().is_some_and(|v| !v.is_empty()));
    assert!(catalog["items"]["person.name"]["label"]["ja"] == "氏名");

    let (status, _, body) = server.get("/api/forms/kokuho_idou").await.unwrap();
    assert_eq!(status, 200);
    let form: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(form["department"], "hoken_nenkin");
    assert_eq!(form["counter"], 9);
    let (status, _, body) = server.get("/api/forms/no_such_form").await.unwrap();
    assert_eq!(status, 404);
    assert!(String::from_utf8_lossy(&body).contains("no_such_form"));
    let (status, _, _) = server.post_json("/api/forms", "{}").await.unwrap();
    assert_eq!(status, 405, "the catalog is read-only");
}

#[tokio::test]
async fn sigterm_closes_open_sockets_and_exits_cleanly() {
    let data = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(data.path(), None).await.unwrap();
    let _peer = NativePeer::connect(&server.peer_url().await, "open-peer")
        .await
        .unwrap();
    let started = std::time::Instant::now();
    server.stop().await.expect("clean exit on SIGTERM");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
    let log = server.wait_for_log("stopped").await;
    assert!(log.contains("shutting down"), "{log}");
}

#[tokio::test]
async fn staff_sign_in_with_a_session_cookie() {
    let data = tempfile::tempdir().unwrap();
    // The command refuses short passwords and unknown 課.
    let short = add_staff(data.path(), "shimin01", "市民 一郎", "shimin", "short")
        .await
        .unwrap();
    assert!(!short.status.success());
    let bad = add_staff(data.path(), "x", "x", "somewhere", "long enough")
        .await
        .unwrap();
    assert!(!bad.status.success());
    let made = add_staff(
        data.path(),
        "shimin01",
        "市民 一郎",
        "shimin",
        "correct horse",
    )
    .await
    .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );

    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let (status, _, _) = server.get("/api/session").await.unwrap();
    assert_eq!(status, 401);
    for (login, password) in [("shimin01", "wrong password"), ("nobody", "correct horse")] {
        let wrong = server.sign_in_body(login, password).await.unwrap();
        let (status, head, _) = server.post_json("/api/session", &wrong).await.unwrap();
        assert_eq!(status, 401);
        assert!(header(&head, "set-cookie").is_none());
    }
    let right = server
        .sign_in_body("shimin01", "correct horse")
        .await
        .unwrap();
    let (status, head, body) = server.post_json("/api/session", &right).await.unwrap();
    assert_eq!(status, 200);
    let staff: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(staff["department"], "shimin");
    let set_cookie = header(&head, "set-cookie").unwrap();
    assert!(set_cookie.contains("HttpOnly") && set_cookie.contains("SameSite=Strict"));
    let cookie = set_cookie.split(';').next().unwrap().to_owned();

    let (status, _, body) = server
        .request("GET", "/api/session", None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("市民 一郎"));
    let (status, _, _) = server
        .request(
            "GET",
            "/api/session",
            None,
            Some("madoguchi_session=forged"),
        )
        .await
        .unwrap();
    assert_eq!(status, 401);
    let (status, _, _) = server
        .request("DELETE", "/api/session", None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 204);
    let (status, _, _) = server
        .request("GET", "/api/session", None, Some(&cookie))
        .await
        .unwrap();
    assert_eq!(status, 401, "the session ended with sign-out");
    let log = server.log();
    assert!(!log.contains("correct horse"), "no password in the log");
}

/// Who may call what over REST (the kiosk role and the sync actions come with the
/// per-document rights): anonymous, counter staff and an administrator against each
/// endpoint; refusals of staff are audited.
#[tokio::test]
async fn each_role_gets_the_right_answer_from_each_endpoint() {
    let data = tempfile::tempdir().unwrap();
    madoguchi_tests::add_admin(data.path(), "admin01", "correct horse")
        .await
        .unwrap();
    let bucket = data.path().join("bucket").display().to_string();
    let server = ServerProcess::start_with(0, data.path(), None, &["--bucket-dir", &bucket])
        .await
        .unwrap();
    let staff = signed_in(&server, data.path(), "shimin01", "shimin").await;
    let admin = server.sign_in("admin01", "correct horse").await.unwrap();

    // (method, path, anonymous, staff, admin)
    let matrix: [(&str, &str, u16, u16, u16); 10] = [
        ("GET", "/healthz", 200, 200, 200),
        ("GET", "/api/forms", 200, 200, 200),
        ("GET", "/api/session", 401, 200, 200),
        ("GET", "/api/visits", 401, 200, 200),
        ("GET", "/api/residents?q=%E3%82%BF%E3%82%AB", 401, 200, 200),
        ("GET", "/api/residents/household/000000000", 401, 404, 404),
        ("GET", "/api/exchange/import", 401, 403, 200),
        ("GET", "/api/exchange/export", 401, 403, 200),
        ("GET", "/api/audit", 401, 403, 200),
        ("GET", "/api/audit?q=forbidden", 401, 403, 200),
    ];
    for (method, path, anonymous, as_staff, as_admin) in matrix {
        for (who, cookie, expected) in [
            ("anonymous", None, anonymous),
            ("staff", Some(staff.as_str()), as_staff),
            ("admin", Some(admin.as_str()), as_admin),
        ] {
            let (status, _, body) = server.request(method, path, None, cookie).await.unwrap();
            assert_eq!(
                status,
                expected,
                "{who} {method} {path}: {}",
                String::from_utf8_lossy(&body)
            );
        }
    }
    // The administrator finds the staff member's refusals (and the sign-ins) in the log.
    let (status, _, body) = server
        .request("GET", "/api/audit?q=forbidden", None, Some(&admin))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    let refusals: Vec<_> = entries
        .iter()
        .filter(|e| e["action"] == "forbidden")
        .collect();
    assert_eq!(refusals.len(), 4, "{entries:?}");
    assert!(refusals.iter().all(|e| e["login"] == "shimin01"));
    // Searching the log is itself in the log.
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "audit_search" && e["login"] == "admin01")
    );
    let (_, _, body) = server
        .request("GET", "/api/audit?q=sign_in", None, Some(&admin))
        .await
        .unwrap();
    let sign_ins: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    assert!(sign_ins.iter().any(|e| e["login"] == "admin01"));
}

/// Password guessing: after five failures the login is refused (429, with Retry-After) even
/// with the right password, the block is audited, and other logins and sessions go on.
#[tokio::test]
async fn repeated_failed_sign_ins_block_that_login_only() {
    let data = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let other = signed_in(&server, data.path(), "hoken01", "hoken_nenkin").await;
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
    for _ in 0..5 {
        let guess = server.sign_in_body("shimin01", "guess").await.unwrap();
        let (status, _, _) = server.post_json("/api/session", &guess).await.unwrap();
        assert_eq!(status, 401);
    }
    let right = server
        .sign_in_body("shimin01", "correct horse")
        .await
        .unwrap();
    let (status, head, _) = server.post_json("/api/session", &right).await.unwrap();
    assert_eq!(status, 429);
    let wait: u64 = header(&head, "retry-after").unwrap().parse().unwrap();
    assert!((800..=900).contains(&wait), "{wait}");
    // Another person signs in, and a session already open keeps working.
    assert!(server.sign_in("hoken01", "correct horse").await.is_ok());
    let (status, _, _) = server
        .request("GET", "/api/session", None, Some(&other))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert!(!server.log().contains("guess"), "no password in the log");
}

#[tokio::test]
async fn terminals_stay_listed_across_a_restart_as_offline() {
    let data = tempfile::tempdir().unwrap();
    madoguchi_tests::add_admin(data.path(), "admin01", "correct horse")
        .await
        .unwrap();
    let mut server = ServerProcess::start(data.path(), None).await.unwrap();
    let staff = signed_in(&server, data.path(), "shimin01", "shimin").await;
    let beat = r#"{"terminal":"t-counter-7","version":"0.1.0","pending":3,"persisted":true,"resumed_with":null}"#;
    let (status, _, _) = server
        .request("POST", "/api/terminals", Some(beat), Some(&staff))
        .await
        .unwrap();
    assert_eq!(status, 204);
    // A malformed heartbeat is refused and changes nothing.
    let (status, _, body) = server
        .request(
            "POST",
            "/api/terminals",
            Some(r#"{"terminal":"端末","version":"0.1.0","pending":0,"persisted":null,"resumed_with":null}"#),
            Some(&staff),
        )
        .await
        .unwrap();
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("terminal id"));

    server.restart().await.unwrap();
    let admin = server.sign_in("admin01", "correct horse").await.unwrap();
    let (status, _, body) = server
        .request("GET", "/api/terminals", None, Some(&admin))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let listed: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0]["terminal"], "t-counter-7");
    assert_eq!(listed[0]["who"], "shimin01");
    assert_eq!(listed[0]["pending"], 3);
    // It keeps the time it was last heard from before the restart.
    assert!(listed[0]["last_seen"].as_i64().unwrap() > 0);
}

/// The 転出証明書 QR layout is the city's data file: the server checks it at start (a bad one
/// is refused naming its column, before anything listens) and serves it to the terminals.
#[tokio::test]
async fn the_transfer_certificate_layout_is_checked_at_start_and_served() {
    let data = tempfile::tempdir().unwrap();
    let bad = data.path().join("bad.toml");
    std::fs::write(
        &bad,
        "version = \"x\"\n[[columns]]\nitem = \"person.name\"\nnames = [\"氏名\"]\n[[columns]]\nitem = \"person.nickname\"\nnames = [\"愛称\"]\n",
    )
    .unwrap();
    let refused = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--transfer-certificate-layout", bad.to_str().unwrap()],
    )
    .await;
    let Err(error) = refused else {
        panic!("a bad layout is refused");
    };
    let error = format!("{error:#}");
    assert!(
        error.contains("exited") || error.contains("start"),
        "{error}"
    );
    let city = data.path().join("city.toml");
    let layout = "version = \"takasaki-2027\"\nmarker = \"転出証明書\"\n[[columns]]\nitem = \"person.name\"\nnames = [\"氏名\"]\n[[columns]]\nitem = \"person.birth_date\"\nnames = [\"生年月日\"]\n";
    std::fs::write(&city, layout).unwrap();
    let server = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--transfer-certificate-layout", city.to_str().unwrap()],
    )
    .await
    .unwrap();
    add_staff(
        data.path(),
        "shimin01",
        "市民 一郎",
        "shimin",
        "layout test password",
    )
    .await
    .unwrap();
    let cookie = server
        .sign_in("shimin01", "layout test password")
        .await
        .unwrap();
    let (status, _, body) = server
        .request(
            "GET",
            "/api/layouts/transfer-certificate",
            None,
            Some(&cookie),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let answer: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(answer["toml"], layout);
}
