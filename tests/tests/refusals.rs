//! Bad credentials and bad requests, one test each, on the real server: an expired, a
//! forged and a signed-out session; a forged and a revoked kiosk device token; a kiosk on a
//! staff endpoint; a replayed sign-in; an oversize request body. Each is refused with the
//! right status, written to the audit log (with the terminal it came from), and leaves the
//! other sessions working.

use madoguchi_tests::{
    NativePeer, ServerProcess, add_kiosk, add_staff_with, revoke_kiosk, set_cookie,
};
use shared_model::DocumentId;

const PASSWORD: &str = "correct horse";
/// Sessions of this test server last this long.
const SESSION_SECS: u64 = 4;

struct World {
    data: tempfile::TempDir,
    server: ServerProcess,
    kiosk_token: String,
}

async fn world() -> World {
    let data = tempfile::tempdir().unwrap();
    for (login, dept, flags) in [
        ("shimin01", "shimin", &[][..]),
        ("shimin02", "shimin", &[][..]),
        ("admin01", "shimin", &["--role", "admin"][..]),
    ] {
        let made = add_staff_with(data.path(), login, "職員", dept, PASSWORD, flags)
            .await
            .unwrap();
        assert!(made.status.success());
    }
    let kiosk_token = add_kiosk(data.path(), "kiosk-1f", "1階 記入台")
        .await
        .unwrap();
    let session = SESSION_SECS.to_string();
    let server =
        ServerProcess::start_with(0, data.path(), None, &["--session-secs", session.as_str()])
            .await
            .unwrap();
    World {
        data,
        server,
        kiosk_token,
    }
}

/// The audit entries matching `q`, read as a fresh administrator.
async fn audit(server: &ServerProcess, q: &str) -> Vec<serde_json::Value> {
    let admin = server.sign_in("admin01", PASSWORD).await.unwrap();
    let path = format!("/api/audit?q={q}");
    let (status, _, body) = server
        .request("GET", &path, None, Some(&admin))
        .await
        .unwrap();
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

/// `GET /api/visits` as this cookie, from terminal `t-test`.
async fn visits_status(server: &ServerProcess, cookie: &str) -> u16 {
    server
        .request_with(
            "GET",
            "/api/visits",
            None,
            Some(cookie),
            &[("x-madoguchi-terminal", "t-test")],
        )
        .await
        .unwrap()
        .0
}

async fn enroll(server: &ServerProcess, token: &str) -> String {
    let (status, head, _) = server
        .post_json("/api/kiosk/enroll", &format!(r#"{{"token":"{token}"}}"#))
        .await
        .unwrap();
    assert_eq!(status, 200);
    set_cookie(&head).unwrap()
}

#[tokio::test]
async fn an_expired_session_is_refused_and_audited_while_others_work() {
    let w = world().await;
    let old = w.server.sign_in("shimin01", PASSWORD).await.unwrap();
    assert_eq!(visits_status(&w.server, &old).await, 200);
    tokio::time::sleep(std::time::Duration::from_millis(SESSION_SECS * 1000 + 300)).await;
    let fresh = w.server.sign_in("shimin02", PASSWORD).await.unwrap();
    assert_eq!(visits_status(&w.server, &old).await, 401);
    assert_eq!(
        visits_status(&w.server, &fresh).await,
        200,
        "others untouched"
    );
    // The sync endpoint refuses the expired session too.
    let token = old.split_once('=').unwrap().1;
    let refused = NativePeer::connect(&w.server.url_with_session(token), "late")
        .await
        .err()
        .unwrap();
    assert!(refused.to_string().contains("401"), "{refused}");
    let entries = audit(&w.server, "expired").await;
    let entry = entries
        .iter()
        .find(|e| {
            e["action"] == "credential_refused"
                && e["login"] == "shimin01"
                && e["detail"] == "expired session: /api/visits"
        })
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(entry["terminal"], "t-test");
    assert!(
        entries
            .iter()
            .any(|e| e["detail"] == "expired session: /sync"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn forged_and_signed_out_sessions_are_refused_and_audited() {
    let w = world().await;
    let other = w.server.sign_in("shimin02", PASSWORD).await.unwrap();
    // Forged: a token the server never issued.
    let forged = format!("madoguchi_session={}", "ab".repeat(32));
    assert_eq!(visits_status(&w.server, &forged).await, 401);
    // Signed out: the token opens nothing afterwards, and a socket opened with it is cut.
    let ended = w.server.sign_in("shimin01", PASSWORD).await.unwrap();
    let token = ended.split_once('=').unwrap().1;
    let mut socket = NativePeer::connect(&w.server.url_with_session(token), "leaving")
        .await
        .unwrap();
    let visit_id = DocumentId::random();
    let mut doc = shared_model::VisitDoc::new(visit_id, "1", 0).into_doc();
    socket.sync(visit_id, &mut doc).await.unwrap();
    let (status, _, _) = w
        .server
        .request("DELETE", "/api/session", None, Some(&ended))
        .await
        .unwrap();
    assert_eq!(status, 204);
    assert_eq!(visits_status(&w.server, &ended).await, 401);
    tokio::time::sleep(std::time::Duration::from_millis(1_200)).await;
    automerge::transaction::Transactable::put(&mut doc, automerge::ROOT, "note", "after").unwrap();
    let cut = socket.sync(visit_id, &mut doc).await.err().unwrap();
    assert!(cut.to_string().contains("closed"), "{cut}");
    assert_eq!(
        visits_status(&w.server, &other).await,
        200,
        "others untouched"
    );

    let entries = audit(&w.server, "credential_refused").await;
    let reasons: Vec<(&str, &str)> = entries
        .iter()
        .map(|e| (e["login"].as_str().unwrap(), e["detail"].as_str().unwrap()))
        .collect();
    assert!(
        reasons
            .iter()
            .any(|(who, why)| *who == "anonymous" && why.contains("unknown session token")),
        "{reasons:?}"
    );
    assert!(
        reasons
            .iter()
            .any(|(who, why)| *who == "shimin01" && why.contains("ended by signing out")),
        "{reasons:?}"
    );
    let closed = audit(&w.server, "sync_closed").await;
    assert!(
        closed.iter().any(|e| e["action"] == "sync_closed"
            && e["login"] == "shimin01"
            && e["detail"] == "session ended by signing out"),
        "{closed:?}"
    );
}

#[tokio::test]
async fn forged_revoked_and_misused_kiosk_tokens_are_refused_and_audited() {
    let w = world().await;
    let staff = w.server.sign_in("shimin02", PASSWORD).await.unwrap();
    let kiosk = enroll(&w.server, &w.kiosk_token).await;
    let register = || format!(r#"{{"visit_id":"{}"}}"#, DocumentId::random());
    // An enrolled kiosk registers visits, and is refused on a staff endpoint (403).
    let (status, _, _) = w
        .server
        .request("POST", "/api/visits", Some(&register()), Some(&kiosk))
        .await
        .unwrap();
    assert_eq!(status, 200);
    assert_eq!(visits_status(&w.server, &kiosk).await, 403);
    // A forged device token is nobody (401).
    let forged = format!("madoguchi_kiosk={}", "cd".repeat(32));
    let (status, _, _) = w
        .server
        .request("POST", "/api/visits", Some(&register()), Some(&forged))
        .await
        .unwrap();
    assert_eq!(status, 401);
    // Revoked while the server runs: the same cookie opens nothing from then on.
    revoke_kiosk(w.data.path(), "kiosk-1f").await.unwrap();
    let (status, _, _) = w
        .server
        .request("POST", "/api/visits", Some(&register()), Some(&kiosk))
        .await
        .unwrap();
    assert_eq!(status, 401);
    let refused = NativePeer::connect_with_cookie(&w.server.sync_url(), "tablet", Some(&kiosk))
        .await
        .err()
        .unwrap();
    assert!(refused.to_string().contains("401"), "{refused}");
    assert_eq!(
        visits_status(&w.server, &staff).await,
        200,
        "others untouched"
    );
    // An administrator revokes another tablet from the admin face.
    let second_token = add_kiosk(w.data.path(), "kiosk-2f", "2階 記入台")
        .await
        .unwrap();
    let second = enroll(&w.server, &second_token).await;
    let admin = w.server.sign_in("admin01", PASSWORD).await.unwrap();
    let (status, _, _) = w
        .server
        .request("POST", "/api/kiosks/kiosk-2f/revoke", None, Some(&admin))
        .await
        .unwrap();
    assert_eq!(status, 204);
    let (status, _, _) = w
        .server
        .request("GET", "/api/kiosk", None, Some(&second))
        .await
        .unwrap();
    assert_eq!(status, 401);

    let entries = audit(&w.server, "kiosk").await;
    let has = |action: &str, who: &str, detail: &str| {
        entries.iter().any(|e| {
            e["action"] == action
                && e["login"] == who
                && e["detail"].as_str().unwrap().contains(detail)
        })
    };
    assert!(
        has("forbidden", "kiosk:kiosk-1f", "staff only"),
        "{entries:?}"
    );
    assert!(
        has(
            "credential_refused",
            "anonymous",
            "unknown kiosk device token"
        ),
        "{entries:?}"
    );
    assert!(
        has("credential_refused", "kiosk:kiosk-1f", "revoked kiosk"),
        "{entries:?}"
    );
    assert!(has("kiosk_revoked", "system", "kiosk-1f"), "{entries:?}");
    assert!(has("kiosk_revoked", "admin01", "kiosk-2f"), "{entries:?}");
}

#[tokio::test]
async fn a_replayed_sign_in_is_refused_and_audited() {
    let w = world().await;
    let body = w.server.sign_in_body("shimin01", PASSWORD).await.unwrap();
    let (status, head, _) = w.server.post_json("/api/session", &body).await.unwrap();
    assert_eq!(status, 200);
    let first = set_cookie(&head).unwrap();
    // The same request again: refused, no cookie, and the first session is untouched.
    let (status, head, _) = w.server.post_json("/api/session", &body).await.unwrap();
    assert_eq!(status, 401);
    assert!(!head.to_ascii_lowercase().contains("set-cookie"), "{head}");
    // A sign-in without a nonce, or with one the server never issued.
    let bare = serde_json::json!({ "login": "shimin01", "password": PASSWORD }).to_string();
    assert_eq!(
        w.server.post_json("/api/session", &bare).await.unwrap().0,
        400
    );
    let made_up =
        serde_json::json!({ "login": "shimin01", "password": PASSWORD, "nonce": "00" }).to_string();
    assert_eq!(
        w.server
            .post_json("/api/session", &made_up)
            .await
            .unwrap()
            .0,
        401
    );
    assert_eq!(
        visits_status(&w.server, &first).await,
        200,
        "others untouched"
    );
    let entries = audit(&w.server, "sign_in_re").await;
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "sign_in_replayed" && e["login"] == "shimin01"),
        "{entries:?}"
    );
    assert!(
        entries
            .iter()
            .any(|e| e["action"] == "sign_in_refused" && e["login"] == "shimin01"),
        "{entries:?}"
    );
}

#[tokio::test]
async fn an_oversize_body_is_refused_and_audited() {
    let w = world().await;
    let staff = w.server.sign_in("shimin01", PASSWORD).await.unwrap();
    let other = w.server.sign_in("shimin02", PASSWORD).await.unwrap();
    let huge = format!(r#"{{"visit_id":"{}"}}"#, "x".repeat(200 * 1024));
    for path in ["/api/visits", "/api/session", "/api/audit/reveal"] {
        let (status, _, _) = w
            .server
            .request_with(
                "POST",
                path,
                Some(&huge),
                Some(&staff),
                &[("x-madoguchi-terminal", "t-test")],
            )
            .await
            .unwrap();
        assert_eq!(status, 413, "{path}");
    }
    assert_eq!(
        visits_status(&w.server, &staff).await,
        200,
        "the sender's session stays"
    );
    assert_eq!(
        visits_status(&w.server, &other).await,
        200,
        "others untouched"
    );
    let entries = audit(&w.server, "oversize_body").await;
    let visits = entries
        .iter()
        .find(|e| e["detail"].as_str().unwrap().contains("POST /api/visits"))
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(visits["login"], "shimin01");
    assert_eq!(visits["terminal"], "t-test");
    assert!(
        visits["detail"]
            .as_str()
            .unwrap()
            .contains(&format!("declared {}", huge.len()))
    );
    assert_eq!(
        entries
            .iter()
            .filter(|e| e["action"] == "oversize_body")
            .count(),
        3
    );
}

#[tokio::test]
async fn the_audit_log_names_who_and_which_terminal_for_lookups_opened_visits_and_confirmations() {
    let w = world().await;
    let staff = w.server.sign_in("shimin01", PASSWORD).await.unwrap();
    let (status, _, _) = w
        .server
        .request_with(
            "GET",
            "/api/residents?q=%E3%82%BF%E3%82%AB",
            None,
            Some(&staff),
            &[("x-madoguchi-terminal", "t-counter-3")],
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    // A visit opened over sync from a named terminal.
    let visit_id = DocumentId::random();
    let (status, _, _) = w
        .server
        .request(
            "POST",
            "/api/visits",
            Some(&format!(r#"{{"visit_id":"{visit_id}"}}"#)),
            Some(&staff),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let token = staff.split_once('=').unwrap().1;
    let url = format!("{}&terminal=t-counter-3", w.server.url_with_session(token));
    let mut counter = NativePeer::connect(&url, "counter-3").await.unwrap();
    // The visit carries a 転居 whose confirmation the counter asks for; the server decides it.
    let population = shared_model::synthetic::Population::generate(7, 1);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let visit = shared_model::synthetic::move_visit(
        visit_id,
        1,
        &population.residents[0],
        shared_model::synthetic::Move::Within,
        shared_model::calendar::tokyo_day(now),
        now,
    )
    .unwrap();
    let mut doc = visit.into_doc();
    counter.sync(visit_id, &mut doc).await.unwrap();
    // A reconnect (a new socket, the same terminal) does not log the opening again.
    drop(counter);
    let mut again = NativePeer::connect(&url, "counter-3-again").await.unwrap();
    again.sync(visit_id, &mut doc).await.unwrap();
    let mut decided = Vec::new();
    for _ in 0..50 {
        decided = audit(&w.server, "form_decided").await;
        if !decided.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let decision = decided
        .iter()
        .find(|e| e["action"] == "form_decided")
        .unwrap_or_else(|| panic!("{decided:?}"));
    assert_eq!(decision["login"], "shimin01", "the counter that asked");
    assert_eq!(decision["terminal"], "t-counter-3");
    assert!(decision["detail"].as_str().unwrap().contains("confirmed"));
    let entries = audit(&w.server, "t-counter-3").await;
    let search = entries
        .iter()
        .find(|e| e["action"] == "resident_search")
        .unwrap_or_else(|| panic!("{entries:?}"));
    assert_eq!(search["login"], "shimin01");
    let opened: Vec<_> = entries
        .iter()
        .filter(|e| e["action"] == "visit_opened")
        .collect();
    assert_eq!(opened.len(), 1, "{entries:?}");
    let opened = opened[0];
    assert_eq!(opened["terminal"], "t-counter-3");
    let detail = opened["detail"].as_str().unwrap();
    assert!(
        detail.contains(&visit_id.to_string()) && detail.contains("受付1"),
        "{detail}"
    );
}
