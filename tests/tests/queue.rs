//! 受付・呼出 over HTTP on the real server: numbers given online and offline (a kiosk's
//! reserved block) never collide and wait in the order they were taken; a counter calls, the
//! display's board shows the number with its 窓口 and never a name; handed on through the
//! sync, the visit joins the next 課's queue with the same number; the queue survives a
//! restart.

use std::time::Duration;

use madoguchi_tests::{NativePeer, ServerProcess, add_kiosk, add_staff_with, set_cookie};
use shared_model::catalog::Department;
use shared_model::queue::{Board, DepartmentQueue, NumberBlock, Ticket, TicketState};
use shared_model::{DocumentId, VisitChange, VisitDoc};

const PASSWORD: &str = "correct horse";

async fn json<T: serde::de::DeserializeOwned>(
    server: &ServerProcess,
    method: &str,
    path: &str,
    body: Option<&str>,
    cookie: &str,
) -> T {
    let (status, _, answer) = server
        .request(method, path, body, Some(cookie))
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&answer);
    assert_eq!(status, 200, "{method} {path}: {text}");
    serde_json::from_slice(&answer).unwrap_or_else(|e| panic!("{path}: {e}: {text}"))
}

fn token(cookie: &str) -> &str {
    cookie.split_once('=').map(|(_, t)| t).unwrap_or_default()
}

#[tokio::test]
async fn numbers_calls_board_and_hand_on() {
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
    let mut server = ServerProcess::start(data.path(), None).await.unwrap();
    let (status, head, _) = server
        .post_json("/api/kiosk/enroll", &format!(r#"{{"token":"{device}"}}"#))
        .await
        .unwrap();
    assert_eq!(status, 200);
    let kiosk = set_cookie(&head).unwrap();
    let shimin = server.sign_in("shimin01", PASSWORD).await.unwrap();
    let hoken = server.sign_in("hoken01", PASSWORD).await.unwrap();
    let admin = server.sign_in("admin01", PASSWORD).await.unwrap();
    let added: serde_json::Value = json(
        &server,
        "POST",
        "/api/displays",
        Some(r#"{"id":"hall-1f","name":"1階 待合"}"#),
        &admin,
    )
    .await;
    let (status, head, _) = server
        .post_json(
            "/api/display/enroll",
            &format!(r#"{{"token":"{}"}}"#, added["token"].as_str().unwrap()),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let display = set_cookie(&head).unwrap();

    // A citizen takes a number at the kiosk (online).
    let first = DocumentId::random();
    let one: serde_json::Value = json(
        &server,
        "POST",
        "/api/visits",
        Some(&format!(r#"{{"visit_id":"{first}"}}"#)),
        &kiosk,
    )
    .await;
    assert_eq!(one["reception_number"], 1);
    // The kiosk reserves numbers for a network cut; a counter's next number skips them.
    let block: NumberBlock = json(
        &server,
        "POST",
        "/api/queue/blocks",
        Some(r#"{"count":2}"#),
        &kiosk,
    )
    .await;
    assert_eq!((block.first, block.last), (2, 3));
    let walk_in = DocumentId::random();
    let counter_made: serde_json::Value = json(
        &server,
        "POST",
        "/api/visits",
        Some(&format!(r#"{{"visit_id":"{walk_in}"}}"#)),
        &shimin,
    )
    .await;
    assert_eq!(counter_made["reception_number"], 4);
    // The number the kiosk gave offline (taken just after the first) registers later.
    let offline = DocumentId::random();
    let taken_at = one["created_at"].as_i64().unwrap() + 1;
    let two: serde_json::Value = json(
        &server,
        "POST",
        "/api/visits",
        Some(&format!(
            r#"{{"visit_id":"{offline}","reserved":{{"number":2,"day":"{}","taken_at":{taken_at}}}}}"#,
            block.day
        )),
        &kiosk,
    )
    .await;
    assert_eq!(two["reception_number"], 2);

    // 市民課's queue: in the order the numbers were taken, at 市民課's first 窓口.
    let queue: DepartmentQueue = json(&server, "GET", "/api/queue", None, &shimin).await;
    let order: Vec<(u32, u8)> = queue
        .tickets
        .iter()
        .map(|t| (t.ticket.number, t.ticket.stop.counter))
        .collect();
    assert_eq!(order, [(1, 5), (2, 5), (4, 5)]);
    let wait: Vec<shared_model::queue::WaitEstimate> =
        json(&server, "GET", "/api/queue/wait", None, &kiosk).await;
    let at_5 = wait
        .iter()
        .find(|w| w.stop.department == Department::Shimin && w.stop.counter == 5)
        .unwrap();
    assert_eq!((at_5.waiting, at_5.minutes), (3, None));

    // The kiosk writes the first visit; 市民課 calls the next number at 窓口 5.
    let mut visit = VisitDoc::new(first, "1", one["created_at"].as_i64().unwrap());
    visit.set_item("person.name", Some(0), "高崎 花子").unwrap();
    let mut tablet = NativePeer::connect_with_cookie(&server.sync_url(), "tablet", Some(&kiosk))
        .await
        .unwrap();
    tablet.sync(first, visit.doc_mut()).await.unwrap();
    let called: Ticket = json(
        &server,
        "POST",
        "/api/queue/call",
        Some(r#"{"counter":5}"#),
        &shimin,
    )
    .await;
    assert_eq!(called.number, 1);
    let board: Board = json(&server, "GET", "/api/queue/display", None, &display).await;
    assert_eq!(board.calls.len(), 1);
    assert_eq!((board.calls[0].number, board.calls[0].stop.counter), (1, 5));
    let raw = server
        .request("GET", "/api/queue/display", None, Some(&display))
        .await
        .unwrap()
        .2;
    let raw = String::from_utf8(raw).unwrap();
    assert!(
        !raw.contains("花子") && !raw.contains(&first.to_string()),
        "the board shows numbers only: {raw}"
    );

    // Handled at 市民課, it is handed on to 保険年金課 through the sync.
    let mut counter = NativePeer::connect(&server.url_with_session(token(&shimin)), "counter")
        .await
        .unwrap();
    let mut copy = automerge::AutoCommit::new();
    counter.sync(first, &mut copy).await.unwrap();
    let mut at_counter = VisitDoc::from_doc(copy).unwrap();
    at_counter
        .apply(&VisitChange::HandOff {
            to: Department::HokenNenkin,
            name: "市民 太郎".into(),
            from: Department::Shimin,
            at: 0,
        })
        .unwrap();
    counter.sync(first, at_counter.doc_mut()).await.unwrap();
    let mut joined = None;
    for _ in 0..50 {
        let queue: DepartmentQueue = json(&server, "GET", "/api/queue", None, &hoken).await;
        if let Some(t) = queue.tickets.iter().find(|t| t.ticket.number == 1) {
            joined = Some(t.clone());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let joined = joined.expect("the visit joined 保険年金課's queue");
    assert_eq!(joined.state, TicketState::Waiting);
    assert_eq!(joined.ticket.stop.counter, 9);
    // It left 市民課's queue, and its handling time there counts for 窓口 5's estimate.
    let queue: DepartmentQueue = json(&server, "GET", "/api/queue", None, &shimin).await;
    assert!(queue.tickets.iter().all(|t| t.ticket.number != 1));
    let five = queue.waits.iter().find(|w| w.stop.counter == 5).unwrap();
    assert!(five.median_ms.is_some(), "{five:?}");
    assert_eq!(five.waiting, 2);
    assert!(five.minutes.is_some());

    // 保険年金課 calls it, with the same number, and the board says 窓口 9.
    let called: Ticket = json(
        &server,
        "POST",
        "/api/queue/call",
        Some(r#"{"counter":9}"#),
        &hoken,
    )
    .await;
    assert_eq!(called.number, 1);
    let board: Board = json(&server, "GET", "/api/queue/display", None, &display).await;
    assert_eq!(
        (
            board.calls[0].number,
            board.calls[0].stop.department,
            board.calls[0].stop.counter
        ),
        (1, Department::HokenNenkin, 9)
    );

    // The queue is the server's: after a restart the display reads the same board.
    server.restart().await.unwrap();
    let again: Board = json(&server, "GET", "/api/queue/display", None, &display).await;
    assert_eq!(again.calls, board.calls);
    // And the counters' numbering still skips the kiosk's block.
    let after: serde_json::Value = json(
        &server,
        "POST",
        "/api/visits",
        Some(&format!(r#"{{"visit_id":"{}"}}"#, DocumentId::random())),
        &shimin,
    )
    .await;
    assert_eq!(after["reception_number"], 5);

    // Completed at 保険年金課, the visit leaves the queue and the board.
    let mut desk = NativePeer::connect(&server.url_with_session(token(&hoken)), "desk")
        .await
        .unwrap();
    let mut copy = automerge::AutoCommit::new();
    desk.sync(first, &mut copy).await.unwrap();
    let mut at_desk = VisitDoc::from_doc(copy).unwrap();
    let changed = at_desk
        .apply(&VisitChange::Complete {
            name: "保険 花子".into(),
            department: Department::HokenNenkin,
            at: 0,
        })
        .unwrap();
    assert!(changed);
    desk.sync(first, at_desk.doc_mut()).await.unwrap();
    let mut left = false;
    for _ in 0..50 {
        let board: Board = json(&server, "GET", "/api/queue/display", None, &display).await;
        if board.calls.iter().all(|c| c.number != 1) {
            left = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(left, "a completed visit left the board");
}

#[tokio::test]
async fn a_visit_waits_at_the_counter_of_its_next_open_procedure() {
    let data = tempfile::tempdir().unwrap();
    let made = add_staff_with(data.path(), "shimin01", "職員", "shimin", PASSWORD, &[])
        .await
        .unwrap();
    assert!(made.status.success());
    let device = add_kiosk(data.path(), "kiosk-1f", "1階 記入台")
        .await
        .unwrap();
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let (_, head, _) = server
        .post_json("/api/kiosk/enroll", &format!(r#"{{"token":"{device}"}}"#))
        .await
        .unwrap();
    let kiosk = set_cookie(&head).unwrap();
    let shimin = server.sign_in("shimin01", PASSWORD).await.unwrap();
    let id = DocumentId::random();
    let record: serde_json::Value = json(
        &server,
        "POST",
        "/api/visits",
        Some(&format!(r#"{{"visit_id":"{id}"}}"#)),
        &kiosk,
    )
    .await;
    let number = record["reception_number"].as_u64().unwrap() as u32;
    let waiting_at = |queue: &DepartmentQueue| {
        queue
            .tickets
            .iter()
            .find(|t| t.ticket.number == number && t.state == TicketState::Waiting)
            .map(|t| t.ticket.stop.counter)
    };
    let queue: DepartmentQueue = json(&server, "GET", "/api/queue", None, &shimin).await;
    assert_eq!(
        waiting_at(&queue),
        Some(5),
        "no procedures yet: 市民課's first 窓口"
    );

    // At the kiosk the citizen answers: 転入, and a seal to register. 転入 (窓口 7) comes
    // first: the waiting ticket moves there, keeping its place.
    let mut visit = VisitDoc::new(id, &number.to_string(), 0);
    let answers = shared_model::navi::Answers::new(shared_model::navi::LifeEvent::Tennyu)
        .with(shared_model::navi::Fact::WantsInkan);
    visit.set_answers(&answers, 0).unwrap();
    let mut tablet = NativePeer::connect_with_cookie(&server.sync_url(), "tablet", Some(&kiosk))
        .await
        .unwrap();
    tablet.sync(id, visit.doc_mut()).await.unwrap();
    let mut moved = None;
    for _ in 0..50 {
        let queue: DepartmentQueue = json(&server, "GET", "/api/queue", None, &shimin).await;
        moved = waiting_at(&queue);
        if moved == Some(7) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(moved, Some(7));

    // Called and handled at 7, with 印鑑登録 still open: it goes on to wait at 5, same number.
    let called: Ticket = json(
        &server,
        "POST",
        "/api/queue/call",
        Some(r#"{"counter":7}"#),
        &shimin,
    )
    .await;
    assert_eq!(called.number, number);
    let done: Ticket = json(
        &server,
        "POST",
        "/api/queue/done",
        Some(r#"{"counter":7}"#),
        &shimin,
    )
    .await;
    assert_eq!(done.number, number);
    let queue: DepartmentQueue = json(&server, "GET", "/api/queue", None, &shimin).await;
    assert_eq!(waiting_at(&queue), Some(5));
    let called: Ticket = json(
        &server,
        "POST",
        "/api/queue/call",
        Some(r#"{"counter":5}"#),
        &shimin,
    )
    .await;
    assert_eq!(called.number, number);
}
