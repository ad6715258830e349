//! Who may do what: every role (anonymous, a kiosk device, staff of two 課, an
//! administrator) against every REST endpoint and the sync actions (connect, read a visit,
//! write one), on the real server. Refusals carry the right status, are audited, and leave
//! other sessions alone.

use automerge::AutoCommit;
use automerge::transaction::Transactable;
use madoguchi_tests::{NativePeer, ServerProcess, add_kiosk, add_kiosk_with, add_staff_with};
use shared_model::{DocumentId, VisitDoc};

const PASSWORD: &str = "correct horse";

struct World {
    _data: tempfile::TempDir,
    server: ServerProcess,
    kiosk: String,
    other_kiosk: String,
    shimin: String,
    hoken: String,
    admin: String,
}

fn token(cookie: &str) -> &str {
    cookie.split_once('=').map(|(_, t)| t).unwrap_or_default()
}

/// A kiosk (its cookie) registers a new visit and writes it over sync: the visit's id.
async fn kiosk_writes_a_visit(server: &ServerProcess, kiosk: &str) -> DocumentId {
    let visit_id = DocumentId::random();
    let (status, _, _) = server
        .request(
            "POST",
            "/api/visits",
            Some(&format!(r#"{{"visit_id":"{visit_id}"}}"#)),
            Some(kiosk),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let mut visit = VisitDoc::new(visit_id, "1", 0);
    let mut tablet = NativePeer::connect_with_cookie(&server.sync_url(), "tablet", Some(kiosk))
        .await
        .unwrap();
    tablet.sync(visit_id, visit.doc_mut()).await.unwrap();
    visit_id
}

/// Whether the peer `peer`, connected at `url` (with the device `cookie`), is given the
/// document `id`.
async fn reads(peer: &str, url: String, cookie: Option<String>, id: DocumentId) -> bool {
    let mut reader = NativePeer::connect_with_cookie(&url, peer, cookie.as_deref())
        .await
        .unwrap();
    reader.sync(id, &mut AutoCommit::new()).await.is_ok()
}

/// Enrolls a kiosk with its device token; its device cookie.
async fn enroll(server: &ServerProcess, device: &str) -> String {
    let (status, head, _) = server
        .post_json("/api/kiosk/enroll", &format!(r#"{{"token":"{device}"}}"#))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let line = head
        .lines()
        .find(|l| l.to_ascii_lowercase().starts_with("set-cookie:"))
        .unwrap();
    assert!(line.contains("HttpOnly") && line.contains("SameSite=Strict"));
    line.split_once(':')
        .unwrap()
        .1
        .trim()
        .split(';')
        .next()
        .unwrap()
        .to_owned()
}

async fn world() -> World {
    let data = tempfile::tempdir().unwrap();
    for (login, dept, flags) in [
        ("shimin01", "shimin", &[][..]),
        ("hoken01", "hoken_nenkin", &[][..]),
        ("admin01", "shimin", &["--role", "admin"][..]),
    ] {
        let made = add_staff_with(data.path(), login, "職員", dept, PASSWORD, flags)
            .await
            .unwrap();
        assert!(made.status.success());
    }
    let device = add_kiosk(data.path(), "kiosk-1f", "1階 記入台")
        .await
        .unwrap();
    let other_device = add_kiosk(data.path(), "kiosk-2f", "2階 記入台")
        .await
        .unwrap();
    let bucket = data.path().join("bucket").display().to_string();
    let server = ServerProcess::start_with(0, data.path(), None, &["--bucket-dir", &bucket])
        .await
        .unwrap();
    let kiosk = enroll(&server, &device).await;
    let other_kiosk = enroll(&server, &other_device).await;
    let shimin = server.sign_in("shimin01", PASSWORD).await.unwrap();
    let hoken = server.sign_in("hoken01", PASSWORD).await.unwrap();
    let admin = server.sign_in("admin01", PASSWORD).await.unwrap();
    World {
        _data: data,
        server,
        kiosk,
        other_kiosk,
        shimin,
        hoken,
        admin,
    }
}

#[tokio::test]
async fn every_role_against_every_endpoint() {
    let w = world().await;
    let roles: [(&str, Option<&str>); 5] = [
        ("anonymous", None),
        ("kiosk", Some(&w.kiosk)),
        ("shimin", Some(&w.shimin)),
        ("hoken", Some(&w.hoken)),
        ("admin", Some(&w.admin)),
    ];
    // (method, path, body, statuses for anonymous, kiosk, shimin, hoken, admin)
    let register = || format!(r#"{{"visit_id":"{}"}}"#, DocumentId::random());
    // The sync actions (connect, read, write) are the next test's.
    let rows: Vec<(&str, String, Option<String>, [u16; 5])> = vec![
        ("GET", "/healthz".into(), None, [200, 200, 200, 200, 200]),
        ("GET", "/api/forms".into(), None, [200, 200, 200, 200, 200]),
        (
            "GET",
            "/api/session".into(),
            None,
            [401, 403, 200, 200, 200],
        ),
        ("GET", "/api/kiosk".into(), None, [401, 200, 404, 404, 404]),
        ("GET", "/api/visits".into(), None, [401, 403, 200, 200, 200]),
        (
            "POST",
            "/api/visits".into(),
            Some(register()),
            [401, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/residents?q=%E3%82%BF%E3%82%AB".into(),
            None,
            [401, 403, 200, 200, 200],
        ),
        (
            "GET",
            "/api/residents/household/1".into(),
            None,
            [401, 403, 404, 404, 404],
        ),
        (
            "GET",
            "/api/exchange/import".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/api/exchange/export".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        ("GET", "/api/audit".into(), None, [401, 403, 403, 403, 200]),
        (
            "GET",
            "/api/visits?department=shimin".into(),
            None,
            [401, 403, 200, 403, 200],
        ),
        (
            "POST",
            "/api/exchange/export/retry".into(),
            None,
            [401, 403, 403, 403, 204],
        ),
        ("GET", "/api/stats".into(), None, [401, 403, 403, 403, 200]),
        (
            "GET",
            "/api/stats?day=2026-11-25".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/api/stats.csv".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            "GET",
            "/api/terminals".into(),
            None,
            [401, 403, 403, 403, 200],
        ),
        (
            "POST",
            "/api/terminals".into(),
            Some(String::new()),
            [401, 204, 204, 204, 204],
        ),
        (
            "POST",
            "/api/audit/reveal".into(),
            Some(String::new()),
            [401, 403, 204, 204, 204],
        ),
        (
            "POST",
            "/api/audit/document-read".into(),
            Some(r#"{"document":"transfer_certificate","path":"qr"}"#.into()),
            [401, 204, 204, 204, 204],
        ),
        (
            "POST",
            "/api/audit/document-read".into(),
            Some(r#"{"document":"residence_card","path":"ocr"}"#.into()),
            [401, 400, 204, 204, 204],
        ),
        (
            "GET",
            "/api/layouts/transfer-certificate".into(),
            None,
            [401, 200, 200, 200, 200],
        ),
        (
            "GET",
            "/api/session/nonce".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
        (
            "POST",
            "/api/kiosk/enroll".into(),
            Some(r#"{"token":"not-a-device-token"}"#.into()),
            [401, 401, 401, 401, 401],
        ),
        (
            "POST",
            "/api/kiosks/no-such-kiosk/revoke".into(),
            None,
            [401, 403, 403, 403, 404],
        ),
        (
            "GET",
            "/api/forms/jumin_idou_tennyu".into(),
            None,
            [200, 200, 200, 200, 200],
        ),
    ];
    for (method, path, body, expected) in rows {
        for ((who, cookie), want) in roles.iter().zip(expected) {
            // Each registration is of a new visit; a heartbeat is a terminal's.
            let body = body.as_ref().map(|given| {
                if !given.is_empty() && !given.starts_with(r#"{"visit_id""#) {
                    given.clone()
                } else if path == "/api/audit/reveal" {
                    r#"{"what":"person.my_number","place":"item-person-0-my-number"}"#.to_owned()
                } else if path == "/api/terminals" {
                    format!(r#"{{"terminal":"t-{who}","version":"0.1.0","pending":0,"persisted":null,"resumed_with":null}}"#)
                } else {
                    register()
                }
            });
            let (status, _, answer) = w
                .server
                .request(method, &path, body.as_deref(), *cookie)
                .await
                .unwrap();
            assert_eq!(
                status,
                want,
                "{who} {method} {path}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
    }
    // Forged and ended sessions are refused like no session.
    for forged in ["madoguchi_session=forged", "madoguchi_kiosk=forged"] {
        let (status, _, _) = w
            .server
            .request("GET", "/api/visits", None, Some(forged))
            .await
            .unwrap();
        assert_eq!(status, 401);
    }
    // The kiosk's and staff's refusals are in the audit log.
    let (_, _, body) = w
        .server
        .request("GET", "/api/audit?q=forbidden", None, Some(&w.admin))
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    assert!(entries.iter().any(|e| e["login"] == "kiosk:kiosk-1f"));
    assert!(entries.iter().any(|e| e["login"] == "hoken01"));
}

#[tokio::test]
async fn sync_reaches_only_the_documents_of_the_callers_rights() {
    let w = world().await;
    let server = &w.server;
    // Connecting needs a session or an enrolled kiosk.
    for url in [server.sync_url(), server.url_with_session("forged")] {
        let refused = NativePeer::connect(&url, "nobody").await.err().unwrap();
        assert!(refused.to_string().contains("401"), "{refused}");
    }

    // The kiosk registers a visit and writes it.
    let visit_id = kiosk_writes_a_visit(server, &w.kiosk).await;

    // 市民課 and the administrator read it; 保険年金課 and another kiosk do not.
    let reads = |peer, url, cookie| reads(peer, url, cookie, visit_id);
    assert!(reads("shimin", server.url_with_session(token(&w.shimin)), None).await);
    assert!(reads("admin", server.url_with_session(token(&w.admin)), None).await);
    assert!(!reads("hoken", server.url_with_session(token(&w.hoken)), None).await);
    assert!(!reads("tablet-2", server.sync_url(), Some(w.other_kiosk.clone())).await);

    // A document staff created is theirs: no kiosk reaches it, even by guessing its id.
    let staff_doc = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(automerge::ROOT, "note", "窓口メモ").unwrap();
    let mut counter = NativePeer::connect(&server.url_with_session(token(&w.shimin)), "counter")
        .await
        .unwrap();
    counter.sync(staff_doc, &mut doc).await.unwrap();
    let mut guess = NativePeer::connect_with_cookie(&server.sync_url(), "tablet-3", Some(&w.kiosk))
        .await
        .unwrap();
    assert!(guess.sync(staff_doc, &mut AutoCommit::new()).await.is_err());
    // And the kiosk cannot overwrite it either: its changes are refused, not merged.
    let mut forged = AutoCommit::new();
    forged.put(automerge::ROOT, "note", "書き換え").unwrap();
    assert!(guess.sync(staff_doc, &mut forged).await.is_err());
    let mut check = AutoCommit::new();
    counter.sync(staff_doc, &mut check).await.unwrap();
    use automerge::ReadDoc;
    let note = check
        .get(automerge::ROOT, "note")
        .unwrap()
        .unwrap()
        .0
        .to_string();
    assert!(note.contains("窓口メモ"), "{note}");

    // The refusals are audited, and the other sessions kept working throughout.
    let (_, _, body) = server
        .request("GET", "/api/audit?q=sync_denied", None, Some(&w.admin))
        .await
        .unwrap();
    let denied: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    let denied: Vec<_> = denied
        .iter()
        .filter(|e| e["action"] == "sync_denied")
        .collect();
    assert!(denied.len() >= 3, "{denied:?}");
    let (status, _, _) = server
        .request("GET", "/api/visits", None, Some(&w.shimin))
        .await
        .unwrap();
    assert_eq!(status, 200);
}

/// Enrolls a waiting-room display the administrator added; its device cookie.
async fn display_cookie(w: &World, id: &str) -> String {
    let (status, _, body) = w
        .server
        .request(
            "POST",
            "/api/displays",
            Some(&format!(r#"{{"id":"{id}","name":"1階 待合"}}"#)),
            Some(&w.admin),
        )
        .await
        .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let added: serde_json::Value = serde_json::from_slice(&body).unwrap();
    let token = added["token"].as_str().unwrap();
    let (status, head, _) = w
        .server
        .post_json("/api/display/enroll", &format!(r#"{{"token":"{token}"}}"#))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let cookie = madoguchi_tests::set_cookie(&head).unwrap();
    assert!(cookie.starts_with("madoguchi_display="));
    cookie
}

#[tokio::test]
async fn queue_and_display_endpoints_by_role() {
    let w = world().await;
    let display = display_cookie(&w, "hall-1f").await;
    let roles: [(&str, Option<&str>); 6] = [
        ("anonymous", None),
        ("kiosk", Some(&w.kiosk)),
        ("shimin", Some(&w.shimin)),
        ("hoken", Some(&w.hoken)),
        ("admin", Some(&w.admin)),
        ("display", Some(&display)),
    ];
    let counter_7 = Some(r#"{"counter":7}"#.to_owned());
    // Nobody waits yet: a call or an action on the served number finds nothing (404);
    // 保険年金課 has no 窓口 7 (400).
    // (method, path, body, statuses for anonymous, kiosk, shimin, hoken, admin, display)
    let rows: Vec<(&str, String, Option<String>, [u16; 6])> = vec![
        (
            "GET",
            "/api/queue".into(),
            None,
            [401, 403, 200, 200, 200, 401],
        ),
        (
            "GET",
            "/api/queue?department=shimin".into(),
            None,
            [401, 403, 200, 403, 200, 401],
        ),
        (
            "POST",
            "/api/queue/call".into(),
            counter_7.clone(),
            [401, 403, 404, 400, 404, 401],
        ),
        (
            "POST",
            "/api/queue/call".into(),
            Some(r#"{"counter":7,"number":42}"#.into()),
            [401, 403, 404, 400, 404, 401],
        ),
        (
            "POST",
            "/api/queue/recall".into(),
            counter_7.clone(),
            [401, 403, 404, 400, 404, 401],
        ),
        (
            "POST",
            "/api/queue/absent".into(),
            counter_7.clone(),
            [401, 403, 404, 400, 404, 401],
        ),
        (
            "POST",
            "/api/queue/done".into(),
            counter_7.clone(),
            [401, 403, 404, 400, 404, 401],
        ),
        (
            "GET",
            "/api/queue/display".into(),
            None,
            [401, 401, 401, 401, 401, 200],
        ),
        (
            "GET",
            "/api/queue/wait".into(),
            None,
            [401, 200, 200, 200, 200, 401],
        ),
        (
            "POST",
            "/api/queue/blocks".into(),
            Some(r#"{"count":3}"#.into()),
            [401, 200, 403, 403, 403, 401],
        ),
        (
            "POST",
            "/api/queue/blocks".into(),
            Some(r#"{"count":100000}"#.into()),
            [401, 400, 403, 403, 403, 401],
        ),
        (
            "POST",
            "/api/displays".into(),
            Some(r#"{"id":"hall-2f","name":"2階 待合"}"#.into()),
            [401, 403, 403, 403, 200, 401],
        ),
        (
            "GET",
            "/api/displays".into(),
            None,
            [401, 403, 403, 403, 200, 401],
        ),
        (
            "POST",
            "/api/displays/no-such-display/revoke".into(),
            None,
            [401, 403, 403, 403, 404, 401],
        ),
        (
            "POST",
            "/api/display/enroll".into(),
            Some(r#"{"token":"not-a-display-token"}"#.into()),
            [401, 401, 401, 401, 401, 401],
        ),
        // A number given offline must be in the kiosk's block; staff never give one.
        (
            "POST",
            "/api/visits".into(),
            Some("reserved".into()),
            [401, 400, 403, 403, 403, 401],
        ),
        // A display opens none of the staff's or the kiosk's endpoints.
        (
            "GET",
            "/api/visits".into(),
            None,
            [401, 403, 200, 200, 200, 401],
        ),
        (
            "GET",
            "/api/kiosk".into(),
            None,
            [401, 200, 404, 404, 404, 401],
        ),
    ];
    for (method, path, body, expected) in rows {
        for ((who, cookie), want) in roles.iter().zip(expected) {
            let body = body.as_ref().map(|given| {
                if given == "reserved" {
                    format!(
                        r#"{{"visit_id":"{}","reserved":{{"number":9999,"day":"2026-11-30","taken_at":0}}}}"#,
                        DocumentId::random()
                    )
                } else {
                    given.clone()
                }
            });
            let (status, _, answer) = w
                .server
                .request(method, &path, body.as_deref(), *cookie)
                .await
                .unwrap();
            assert_eq!(
                status,
                want,
                "{who} {method} {path}: {}",
                String::from_utf8_lossy(&answer)
            );
        }
    }
    // A revoked display opens nothing, and the refusal is audited.
    let (status, _, _) = w
        .server
        .request("POST", "/api/displays/hall-1f/revoke", None, Some(&w.admin))
        .await
        .unwrap();
    assert_eq!(status, 204);
    let (status, _, _) = w
        .server
        .request("GET", "/api/queue/display", None, Some(&display))
        .await
        .unwrap();
    assert_eq!(status, 401);
    let (_, _, body) = w
        .server
        .request("GET", "/api/audit?q=display", None, Some(&w.admin))
        .await
        .unwrap();
    let entries: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["login"] == "display:hall-1f" && e["action"] == "credential_refused"),
        "{entries:?}"
    );
}

/// Maebashi (前橋市, 102016) on the same deployment as Takasaki: a counter, an administrator
/// and a kiosk of its own. Their session cookies: (shimin, admin, kiosk).
async fn second_city(w: &World) -> (String, String, String) {
    let data = w._data.path();
    for (login, flags) in [
        ("m-shimin01", &["--tenant", "102016"][..]),
        ("m-admin01", &["--tenant", "102016", "--role", "admin"][..]),
    ] {
        let made = add_staff_with(data, login, "前橋 職員", "shimin", PASSWORD, flags)
            .await
            .unwrap();
        assert!(
            made.status.success(),
            "{}",
            String::from_utf8_lossy(&made.stderr)
        );
    }
    // A login is the deployment's: Takasaki's shimin01 is not made Maebashi's.
    let moved = add_staff_with(
        data,
        "shimin01",
        "前橋 職員",
        "shimin",
        PASSWORD,
        &["--tenant", "102016"],
    )
    .await
    .unwrap();
    assert!(!moved.status.success());
    assert!(String::from_utf8_lossy(&moved.stderr).contains("102024"));
    // A code with a wrong check digit is refused, naming it.
    let wrong = add_staff_with(
        data,
        "m-x",
        "前橋 職員",
        "shimin",
        PASSWORD,
        &["--tenant", "102017"],
    )
    .await
    .unwrap();
    assert!(!wrong.status.success());
    assert!(String::from_utf8_lossy(&wrong.stderr).contains("検査数字"));
    let device = add_kiosk_with(data, "m-kiosk-1f", "前橋 1階", &["--tenant", "102016"])
        .await
        .unwrap();
    let kiosk = enroll(&w.server, &device).await;
    let shimin = w.server.sign_in("m-shimin01", PASSWORD).await.unwrap();
    let admin = w.server.sign_in("m-admin01", PASSWORD).await.unwrap();
    (shimin, admin, kiosk)
}

#[tokio::test]
async fn a_second_city_reaches_nothing_of_the_first() {
    let w = world().await;
    let server = &w.server;
    let (m_shimin, m_admin, m_kiosk) = second_city(&w).await;
    let json = |body: &[u8]| serde_json::from_slice::<serde_json::Value>(body).unwrap();

    // They are who they are, of their city, with data keys of their own: Maebashi's 市民課
    // does not get Takasaki's 市民課 key.
    let (status, _, body) = server
        .request("GET", "/api/session", None, Some(&m_shimin))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let theirs = json(&body);
    assert_eq!(theirs["tenant"], "102016");
    let (_, _, body) = server
        .request("GET", "/api/session", None, Some(&w.shimin))
        .await
        .unwrap();
    let ours = json(&body);
    assert_eq!(ours["tenant"], "102024");
    assert_ne!(theirs["data_key"], ours["data_key"]);
    let (status, _, body) = server
        .request("GET", "/api/kiosk", None, Some(&m_kiosk))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(json(&body)["tenant"], "102016");

    // Each city has its own resident register and exchange: Maebashi's staff search theirs
    // (empty here) and never Takasaki's; Maebashi has no exchange on this deployment (it is
    // not in --cities), Takasaki has; a kiosk is refused the rooms as in its own city.
    let heartbeat =
        r#"{"terminal":"m-1","version":"0.1.0","pending":0,"persisted":null,"resumed_with":null}"#;
    let rooms: Vec<(&str, &str, [u16; 3])> = vec![
        (
            "GET",
            "/api/residents?q=%E3%82%BF%E3%82%AB",
            [200, 200, 403],
        ),
        ("GET", "/api/residents/household/1", [404, 404, 403]),
        ("GET", "/api/exchange/import", [403, 404, 403]),
        ("GET", "/api/exchange/export", [403, 404, 403]),
        ("POST", "/api/exchange/export/retry", [403, 404, 403]),
    ];
    for (method, path, statuses) in rooms {
        for ((who, cookie), status) in [
            ("shimin", &m_shimin),
            ("admin", &m_admin),
            ("kiosk", &m_kiosk),
        ]
        .into_iter()
        .zip(statuses)
        {
            let (got, _, answer) = server
                .request(method, path, None, Some(cookie))
                .await
                .unwrap();
            assert_eq!(
                got,
                status,
                "Maebashi's {who} {method} {path}: {}",
                String::from_utf8_lossy(&answer)
            );
            if path.starts_with("/api/residents?") && status == 200 {
                assert_eq!(json(&answer)["residents"], serde_json::json!([]), "{who}");
            }
            if path.starts_with("/api/exchange") && status == 404 {
                assert!(
                    json(&answer)["message"]
                        .as_str()
                        .is_some_and(|m| m.contains("102016")),
                    "{who} {path}: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
        }
    }
    for path in ["/api/exchange/import", "/api/exchange/export"] {
        let (got, _, _) = server
            .request("GET", path, None, Some(&w.admin))
            .await
            .unwrap();
        assert_eq!(got, 200, "Takasaki's admin {path}");
    }
    // Each city's terminals report to it and are listed to its administrators alone, also
    // under an id the other city uses.
    let beat = heartbeat.replace("m-1", "shared-1");
    for cookie in [&m_kiosk, &w.kiosk] {
        let (status, _, _) = server
            .request("POST", "/api/terminals", Some(&beat), Some(cookie))
            .await
            .unwrap();
        assert_eq!(status, 204);
    }
    for (admin, kiosk) in [(&m_admin, "kiosk:m-kiosk-1f"), (&w.admin, "kiosk:kiosk-1f")] {
        let (status, _, body) = server
            .request("GET", "/api/terminals", None, Some(admin))
            .await
            .unwrap();
        assert_eq!(status, 200);
        let listed = json(&body);
        let listed = listed.as_array().unwrap();
        assert_eq!(listed.len(), 1, "{listed:?}");
        assert_eq!(
            (listed[0]["terminal"].as_str(), listed[0]["who"].as_str()),
            (Some("shared-1"), Some(kiosk))
        );
    }

    // Takasaki's kiosk is not Maebashi's administrator's to revoke; the forms are for all.
    let (status, _, _) = server
        .request("POST", "/api/kiosks/kiosk-1f/revoke", None, Some(&m_admin))
        .await
        .unwrap();
    assert_eq!(status, 404);
    let (status, _, _) = server
        .request("GET", "/api/kiosk", None, Some(&w.kiosk))
        .await
        .unwrap();
    assert_eq!(status, 200);
    for cookie in [&m_shimin, &m_kiosk] {
        let (status, _, _) = server
            .request("GET", "/api/forms", None, Some(cookie))
            .await
            .unwrap();
        assert_eq!(status, 200);
    }

    // Each city numbers, lists and queues its own visits: Takasaki's kiosk takes two numbers,
    // Maebashi's kiosk then takes its number 1.
    let register = |cookie: String| async move {
        let id = DocumentId::random();
        let (status, _, body) = server
            .request(
                "POST",
                "/api/visits",
                Some(&format!(r#"{{"visit_id":"{id}"}}"#)),
                Some(&cookie),
            )
            .await
            .unwrap();
        assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
        (id, json(&body)["reception_number"].as_u64().unwrap())
    };
    let (takasaki_1, t1) = register(w.kiosk.clone()).await;
    let (takasaki_2, t2) = register(w.kiosk.clone()).await;
    assert_eq!(t2, t1 + 1);
    let (maebashi_visit, m1) = register(m_kiosk.clone()).await;
    assert_eq!(m1, 1, "Maebashi's first visit of the day is its number 1");
    let listed = |cookie: String| async move {
        let (status, _, body) = server
            .request("GET", "/api/visits", None, Some(&cookie))
            .await
            .unwrap();
        assert_eq!(status, 200);
        json(&body)
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["visit_id"].as_str().unwrap().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        listed(m_shimin.clone()).await,
        vec![maebashi_visit.to_string()]
    );
    assert_eq!(
        listed(m_admin.clone()).await,
        vec![maebashi_visit.to_string()]
    );
    assert!(
        !listed(w.admin.clone())
            .await
            .contains(&maebashi_visit.to_string())
    );
    let (status, _, body) = server
        .request("GET", "/api/queue?department=shimin", None, Some(&m_shimin))
        .await
        .unwrap();
    assert_eq!(status, 200);
    // Their 市民課's queue holds their visit and none of Takasaki's; Takasaki's the other way.
    let queue = String::from_utf8_lossy(&body).into_owned();
    assert!(queue.contains(&maebashi_visit.to_string()), "{queue}");
    for ours in [takasaki_1, takasaki_2] {
        assert!(!queue.contains(&ours.to_string()), "{queue}");
    }
    let (_, _, body) = server
        .request("GET", "/api/queue?department=shimin", None, Some(&w.shimin))
        .await
        .unwrap();
    let queue = String::from_utf8_lossy(&body).into_owned();
    assert!(queue.contains(&takasaki_1.to_string()), "{queue}");
    assert!(!queue.contains(&maebashi_visit.to_string()), "{queue}");
    let (status, _, body) = server
        .request("GET", "/api/stats", None, Some(&m_admin))
        .await
        .unwrap();
    assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = server
        .request("GET", "/api/displays", None, Some(&m_admin))
        .await
        .unwrap();
    assert_eq!((status, json(&body)), (200, serde_json::json!([])));

    // Sync: Takasaki's kiosk registers and writes a visit; nobody of Maebashi reads it.
    let visit_id = kiosk_writes_a_visit(server, &w.kiosk).await;
    let reads = |peer, id, url, cookie| reads(peer, url, cookie, id);
    assert!(
        reads(
            "t-shimin",
            visit_id,
            server.url_with_session(token(&w.shimin)),
            None
        )
        .await
    );
    assert!(
        !reads(
            "m-shimin",
            visit_id,
            server.url_with_session(token(&m_shimin)),
            None
        )
        .await
    );
    assert!(
        !reads(
            "m-admin",
            visit_id,
            server.url_with_session(token(&m_admin)),
            None
        )
        .await
    );
    assert!(
        !reads(
            "m-kiosk",
            visit_id,
            server.sync_url(),
            Some(m_kiosk.clone())
        )
        .await
    );

    // Maebashi's counter keeps a document of its own: its administrator reads it; Takasaki's
    // staff and administrator neither read nor overwrite it.
    let theirs_id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(automerge::ROOT, "note", "前橋の窓口メモ").unwrap();
    let mut counter = NativePeer::connect(&server.url_with_session(token(&m_shimin)), "m-counter")
        .await
        .unwrap();
    counter.sync(theirs_id, &mut doc).await.unwrap();
    assert!(
        reads(
            "m-admin-2",
            theirs_id,
            server.url_with_session(token(&m_admin)),
            None
        )
        .await
    );
    assert!(
        !reads(
            "t-shimin-2",
            theirs_id,
            server.url_with_session(token(&w.shimin)),
            None
        )
        .await
    );
    assert!(
        !reads(
            "t-admin",
            theirs_id,
            server.url_with_session(token(&w.admin)),
            None
        )
        .await
    );
    let mut forged = AutoCommit::new();
    forged.put(automerge::ROOT, "note", "書き換え").unwrap();
    let mut takasaki = NativePeer::connect(&server.url_with_session(token(&w.admin)), "t-admin-2")
        .await
        .unwrap();
    assert!(takasaki.sync(theirs_id, &mut forged).await.is_err());
    let mut check = AutoCommit::new();
    counter.sync(theirs_id, &mut check).await.unwrap();
    use automerge::ReadDoc;
    let note = check
        .get(automerge::ROOT, "note")
        .unwrap()
        .unwrap()
        .0
        .to_string();
    assert!(
        note.contains("前橋の窓口メモ") && !note.contains("書き換え"),
        "{note}"
    );

    // A document Maebashi's counter made is not Takasaki's kiosk's to number, nor a visit
    // Maebashi registered: 404 as if there were none, its number unsaid.
    for id in [theirs_id, maebashi_visit] {
        let (status, _, body) = server
            .request(
                "POST",
                "/api/visits",
                Some(&format!(r#"{{"visit_id":"{id}"}}"#)),
                Some(&w.kiosk),
            )
            .await
            .unwrap();
        assert_eq!(status, 404, "{}", String::from_utf8_lossy(&body));
        assert!(!String::from_utf8_lossy(&body).contains("reception_number"));
    }
    assert!(
        reads(
            "m-shimin-3",
            theirs_id,
            server.url_with_session(token(&m_shimin)),
            None
        )
        .await
    );

    // Each city's administrator reads its own audit log: Maebashi's refusals and sign-ins
    // are Maebashi's, Takasaki's are Takasaki's.
    let log = |cookie: String| async move {
        let (status, _, body) = server
            .request("GET", "/api/audit?limit=1000", None, Some(&cookie))
            .await
            .unwrap();
        assert_eq!(status, 200);
        serde_json::from_slice::<Vec<serde_json::Value>>(&body).unwrap()
    };
    let theirs = log(m_admin.clone()).await;
    let logins = |entries: &[serde_json::Value]| {
        entries
            .iter()
            .map(|e| e["login"].as_str().unwrap_or_default().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    // Their lookups are in their log, never in Takasaki's.
    assert!(
        theirs
            .iter()
            .any(|e| e["login"] == "m-shimin01" && e["action"] == "resident_search"),
        "{theirs:?}"
    );
    assert!(
        theirs.iter().any(|e| e["action"] == "sync_denied"),
        "{theirs:?}"
    );
    // The other city's people appear only where they tried to reach this city's visits.
    let strangers = |entries: &[serde_json::Value], of: &[&str]| {
        entries
            .iter()
            .filter(|e| of.contains(&e["login"].as_str().unwrap_or_default()))
            .map(|e| e["action"].as_str().unwrap_or_default().to_owned())
            .collect::<std::collections::BTreeSet<_>>()
    };
    let takasaki = ["shimin01", "hoken01", "admin01", "kiosk:kiosk-1f"];
    let maebashi = ["m-shimin01", "m-admin01", "kiosk:m-kiosk-1f"];
    assert_eq!(
        strangers(&theirs, &takasaki),
        ["sync_denied".to_owned()].into(),
        "Takasaki in Maebashi's log"
    );
    let ours = log(w.admin.clone()).await;
    assert_eq!(
        strangers(&ours, &maebashi),
        ["sync_denied".to_owned()].into(),
        "Maebashi in Takasaki's log"
    );
    assert!(logins(&ours).contains("shimin01"));
    assert!(
        ours.iter().any(|e| e["action"] == "visit_register_refused"),
        "Takasaki's kiosk's tries are in Takasaki's log"
    );

    // The first city is the database's: a start that names another is refused, saying why.
    let data = w._data.path();
    let moved = ServerProcess::start_with(0, data, None, &["--tenant", "102016"]).await;
    assert!(moved.is_err());
    let said = std::fs::read_dir(data)
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .any(|log| log.contains("first city is 102024"));
    assert!(said, "the refusal names the database's first city");
}

#[tokio::test]
async fn each_city_reads_transfer_certificates_with_its_own_layout() {
    let data = tempfile::tempdir().unwrap();
    for (login, flags) in [
        ("shimin01", &[][..]),
        ("m-shimin01", &["--tenant", "102016"][..]),
    ] {
        let made = add_staff_with(data.path(), login, "職員", "shimin", PASSWORD, flags)
            .await
            .unwrap();
        assert!(made.status.success());
    }
    // 前橋市 reads codes its previous towns print with a layout of its own.
    let default = include_str!("../../device-webusb/transfer_certificate.toml");
    let own = format!("# 前橋市の転出証明書QR\n{default}");
    std::fs::create_dir(data.path().join("maebashi")).unwrap();
    std::fs::write(data.path().join("maebashi/tc.toml"), &own).unwrap();
    let cities = data.path().join("cities.toml");
    std::fs::write(
        &cities,
        "[[city]]\ncode = \"102016\"\nname = \"前橋市\"\n\
         transfer_certificate_layout = \"maebashi/tc.toml\"\n",
    )
    .unwrap();
    let server = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--cities", &cities.display().to_string()],
    )
    .await
    .unwrap();
    let layout = |login: &'static str| {
        let server = &server;
        async move {
            let cookie = server.sign_in(login, PASSWORD).await.unwrap();
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
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()["toml"]
                .as_str()
                .unwrap()
                .to_owned()
        }
    };
    assert_eq!(layout("m-shimin01").await, own);
    assert_eq!(layout("shimin01").await, default);
    drop(server);
    // A cities file whose layout does not read stops the start, naming the city.
    std::fs::write(data.path().join("maebashi/tc.toml"), "columns = 3").unwrap();
    assert!(
        ServerProcess::start_with(
            0,
            data.path(),
            None,
            &["--cities", &cities.display().to_string()]
        )
        .await
        .is_err()
    );
}

/// 前橋市 with forms of its own (one retitled, one of its ordinance added): its counters and
/// kiosks are given its catalog, 高崎市's the built-in one, someone not signed in the
/// built-in one; and a forms file the 手続きナビ rules do not fit stops the start, naming
/// the city and the form.
#[tokio::test]
async fn each_city_is_given_its_own_forms() {
    let data = tempfile::tempdir().unwrap();
    for (login, flags) in [
        ("shimin01", &[][..]),
        ("m-shimin01", &["--tenant", "102016"][..]),
    ] {
        let made = add_staff_with(data.path(), login, "職員", "shimin", PASSWORD, flags)
            .await
            .unwrap();
        assert!(made.status.success());
    }
    let builtin = include_str!("../../shared-model/catalog/forms.toml");
    let own = format!(
        "{}\n{}",
        builtin.replace(
            "title = { ja = \"住民異動届 (転居)\"",
            "title = { ja = \"住民異動届 (市内転居・前橋市様式)\""
        ),
        include_str!("../fixtures/cities/maebashi-forms.toml")
    );
    std::fs::create_dir(data.path().join("maebashi")).unwrap();
    let navi = format!(
        "{}\n{}",
        include_str!("../../shared-model/catalog/navi.toml"),
        include_str!("../fixtures/cities/maebashi-navi.toml")
    );
    std::fs::write(data.path().join("maebashi/forms.toml"), &own).unwrap();
    std::fs::write(data.path().join("maebashi/navi.toml"), &navi).unwrap();
    let cities = data.path().join("cities.toml");
    std::fs::write(
        &cities,
        "[[city]]\ncode = \"102016\"\nname = \"前橋市\"\nforms = \"maebashi/forms.toml\"\n\
         navi = \"maebashi/navi.toml\"\n",
    )
    .unwrap();
    let m_device = add_kiosk_with(
        data.path(),
        "m-kiosk-1f",
        "前橋 1階",
        &["--tenant", "102016"],
    )
    .await
    .unwrap();
    let server = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--cities", &cities.display().to_string()],
    )
    .await
    .unwrap();
    let m_kiosk = enroll(&server, &m_device).await;
    let theirs = server.sign_in("m-shimin01", PASSWORD).await.unwrap();
    let ours = server.sign_in("shimin01", PASSWORD).await.unwrap();
    let get = |path: &'static str, cookie: Option<String>| {
        let server = &server;
        async move {
            let (status, _, body) = server
                .request("GET", path, None, cookie.as_deref())
                .await
                .unwrap();
            assert_eq!(status, 200, "{path}");
            serde_json::from_slice::<serde_json::Value>(&body).unwrap()
        }
    };
    for cookie in [&theirs, &m_kiosk] {
        let files = get("/api/catalog", Some(cookie.clone())).await;
        assert_eq!(files["forms"], own.as_str());
        assert_eq!(files["navi"], navi.as_str());
    }
    for cookie in [Some(ours.clone()), None] {
        let files = get("/api/catalog", cookie).await;
        assert_eq!(files["forms"], builtin);
    }
    let titles = |catalog: serde_json::Value| {
        catalog["forms"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["id"].as_str().unwrap().to_owned(),
                    f["title"]["ja"].as_str().unwrap().to_owned(),
                )
            })
            .collect::<std::collections::BTreeMap<_, _>>()
    };
    let m_forms = titles(get("/api/forms", Some(theirs.clone())).await);
    let t_forms = titles(get("/api/forms", Some(ours.clone())).await);
    assert_eq!(m_forms["maebashi_jichikai"], "自治会加入届");
    assert_eq!(
        m_forms["jumin_idou_tenkyo"],
        "住民異動届 (市内転居・前橋市様式)"
    );
    assert!(!t_forms.contains_key("maebashi_jichikai"));
    assert_eq!(t_forms["jumin_idou_tenkyo"], "住民異動届 (転居)");
    assert_eq!(m_forms.len(), t_forms.len() + 1);
    let (status, _, _) = server
        .request("GET", "/api/forms/maebashi_jichikai", None, Some(&ours))
        .await
        .unwrap();
    assert_eq!(status, 404);
    drop(server);

    // A forms file without a form the 手続きナビ rules name stops the start, saying which.
    std::fs::write(
        data.path().join("maebashi/forms.toml"),
        builtin.replace("id = \"jumin_idou_tennyu\"", "id = \"tennyu_m\""),
    )
    .unwrap();
    assert!(
        ServerProcess::start_with(
            0,
            data.path(),
            None,
            &["--cities", &cities.display().to_string()]
        )
        .await
        .is_err()
    );
    // A refused start returns once its log holds the reason (ServerProcess::start_with).
    let said = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
        .any(|log| log.contains("102016") && log.contains("jumin_idou_tennyu"));
    assert!(said, "the refusal names the city and the form");
}
