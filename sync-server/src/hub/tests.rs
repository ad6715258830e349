//! The hub with clients in memory: serving, deciding, granting, refusing, restarting.

use super::*;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use shared_model::protocol::SyncClient;

pub(super) fn staff_record() -> crate::store::StaffRecord {
    crate::store::StaffRecord {
        login: "shimin01".into(),
        name: "市民 一郎".into(),
        department: "shimin".into(),
        protected_access: false,
        role: crate::store::Role::Staff,
        tenant: shared_model::tenant::TAKASAKI,
    }
}

/// 市民課 hands the visit to 保険年金課 (at 5 ms).
fn hand_to_hoken_nenkin(visit: &mut shared_model::VisitDoc) {
    use shared_model::catalog::Department;
    visit
        .apply(&shared_model::VisitChange::HandOff {
            to: Department::HokenNenkin,
            name: "市民 一郎".into(),
            from: Department::Shimin,
            at: 5,
        })
        .unwrap();
}

pub(super) fn staff() -> Caller {
    Caller::Staff(staff_record())
}

pub(super) fn hub() -> Arc<Hub> {
    Arc::new(Hub::new("server".into(), Arc::new(Store::scratch().unwrap())).unwrap())
}

/// Runs the sync protocol between a client document and the hub until both are quiet.
pub(super) async fn converge(
    hub: &Hub,
    client: &mut SyncClient,
    inbox: &mut PeerInbox,
    id: DocumentId,
    doc: &mut AutoCommit,
) {
    converge_within(hub, client, inbox, id, doc, 20).await;
}

/// [`converge`] allowing `rounds` messages each way (however many were already queued for
/// the client); panics if they are not quiet by then.
pub(super) async fn converge_within(
    hub: &Hub,
    client: &mut SyncClient,
    inbox: &mut PeerInbox,
    id: DocumentId,
    doc: &mut AutoCommit,
    rounds: usize,
) {
    let mut outgoing = client.sync(id, doc);
    for _ in 0..rounds {
        if let Some(m) = outgoing.take() {
            hub.receive(client.peer_id(), m).await.unwrap();
        }
        match inbox.try_recv() {
            Ok(m) => {
                let frame = m.encode();
                if let shared_model::protocol::Incoming::Sync { data, .. } =
                    client.receive(&frame).unwrap()
                {
                    outgoing = client.apply(id, doc, &data).unwrap();
                }
            }
            Err(_) if outgoing.is_none() => return,
            Err(_) => {}
        }
    }
    panic!("did not converge in {rounds} rounds");
}

pub(super) fn joined_client(hub: &Hub, name: &str) -> (SyncClient, PeerInbox) {
    joined_as(hub, name, staff())
}

pub(super) fn joined_as(hub: &Hub, name: &str, caller: Caller) -> (SyncClient, PeerInbox) {
    let mut client = SyncClient::new(name, PeerMetadata::default());
    let (_, inbox) = futures_util::FutureExt::now_or_never(hub.connect(name, caller))
        .expect("no credential to check: admitted at once")
        .unwrap();
    let peer =
        shared_model::protocol::answer_join(name, None, hub.server_id(), hub.metadata()).unwrap();
    client.receive(&peer.encode()).unwrap();
    (client, inbox)
}

#[tokio::test]
async fn a_document_sent_by_one_client_is_served_to_another() {
    let hub = hub();
    let (mut a, mut a_in) = joined_client(&hub, "a");
    let (mut b, mut b_in) = joined_client(&hub, "b");
    let id = DocumentId::random();
    let mut doc_a = AutoCommit::new();
    doc_a.put(ROOT, "name", "高崎 太郎").unwrap();
    converge(&hub, &mut a, &mut a_in, id, &mut doc_a).await;

    let mut doc_b = AutoCommit::new();
    converge(&hub, &mut b, &mut b_in, id, &mut doc_b).await;
    assert_eq!(doc_b.get_heads(), doc_a.get_heads());
    assert_eq!(a.pending_changes(id, &mut doc_a), 0);

    // A later edit by a reaches b without b asking.
    doc_a.put(ROOT, "name", "高崎 次郎").unwrap();
    converge(&hub, &mut a, &mut a_in, id, &mut doc_a).await;
    let forwarded = b_in.try_recv().expect("b is told about the change");
    let frame = forwarded.encode();
    if let shared_model::protocol::Incoming::Sync { data, .. } = b.receive(&frame).unwrap() {
        b.apply(id, &mut doc_b, &data).unwrap();
    }
    assert_eq!(doc_b.get_heads(), doc_a.get_heads());
}

#[tokio::test]
async fn the_server_decides_a_requested_form_and_the_answer_syncs_back() {
    use shared_model::{FormState, VisitDoc};
    let hub = hub();
    let (mut client, mut inbox) = joined_client(&hub, "counter");
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "1", 0);
    visit.request_confirmation("jumin_idou_tenkyo", 1).unwrap();
    converge(&hub, &mut client, &mut inbox, id, visit.doc_mut()).await;
    let status = visit.form_status("jumin_idou_tenkyo");
    assert_eq!(status.state, FormState::Refused, "{status:?}");
    assert!(status.reason.unwrap().starts_with("エラー"));
    // The decision is stored with the document.
    let stored = hub
        .read(id, |d| {
            VisitDoc::from_doc(d.clone())
                .unwrap()
                .form_status("jumin_idou_tenkyo")
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.state, FormState::Refused);
}

#[tokio::test]
async fn the_list_view_is_read_again_only_after_a_change() {
    use shared_model::catalog::Department;
    use shared_model::{VisitChange, VisitDoc};
    let hub = hub();
    let (mut client, mut inbox) = joined_client(&hub, "counter");
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "1", 0);
    converge(&hub, &mut client, &mut inbox, id, visit.doc_mut()).await;
    let first = hub.visit_listing(id).await.unwrap().unwrap();
    assert_eq!(first.handling.department, Department::Shimin);
    assert_eq!(hub.visit_listing(id).await.unwrap().unwrap(), first);
    visit
        .apply(&VisitChange::HandOff {
            to: Department::HokenNenkin,
            name: "市民 一郎".into(),
            from: Department::Shimin,
            at: 5,
        })
        .unwrap();
    converge(&hub, &mut client, &mut inbox, id, visit.doc_mut()).await;
    let after = hub.visit_listing(id).await.unwrap().unwrap();
    assert_eq!(after.handling.department, Department::HokenNenkin);
    assert_eq!(hub.visit_listing(DocumentId::random()).await.unwrap(), None);
}

#[tokio::test]
async fn a_visit_reaches_its_own_ka_then_the_ka_it_is_handed_to_and_never_a_kiosk() {
    use shared_model::catalog::Department;
    use shared_model::{VisitChange, VisitDoc};
    let hub = hub();
    let (mut shimin, mut shimin_in) = joined_client(&hub, "shimin");
    let hoken = Caller::Staff(crate::store::StaffRecord {
        login: "hoken01".into(),
        department: "hoken_nenkin".into(),
        ..staff_record()
    });
    let (mut other, mut other_in) = joined_as(&hub, "hoken", hoken);
    let kiosk = Caller::Kiosk(crate::store::KioskRecord {
        id: "k1".into(),
        name: "1階".into(),
        tenant: shared_model::tenant::TAKASAKI,
    });
    let (mut tablet, mut tablet_in) = joined_as(&hub, "tablet", kiosk);
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "1", 0);
    converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;

    let refused = |client: &mut SyncClient| client.sync(id, &mut AutoCommit::new()).unwrap();
    for (name, client, inbox) in [
        ("hoken", &mut other, &mut other_in),
        ("tablet", &mut tablet, &mut tablet_in),
    ] {
        hub.receive(name, refused(client)).await.unwrap();
        assert!(
            matches!(inbox.try_recv(), Ok(Message::DocUnavailable { .. })),
            "{name} must not get the visit"
        );
    }
    // Handed to 保険年金課: now it reaches them.
    hand_to_hoken_nenkin(&mut visit);
    converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;
    let mut theirs = AutoCommit::new();
    let (mut again, mut again_in) = joined_as(
        &hub,
        "hoken-2",
        Caller::Staff(crate::store::StaffRecord {
            login: "hoken01".into(),
            department: "hoken_nenkin".into(),
            ..staff_record()
        }),
    );
    converge(&hub, &mut again, &mut again_in, id, &mut theirs).await;
    assert_eq!(theirs.get_heads(), visit.doc_mut().get_heads());
    assert!(
        hub.store
            .audit_entries(10)
            .unwrap()
            .iter()
            .any(|e| e.2 == "sync_denied")
    );
    let moved = |action: &str| {
        hub.store
            .audit_entries(20)
            .unwrap()
            .into_iter()
            .filter(|e| e.2 == action)
            .map(|e| e.3)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        moved("visit_handed_off"),
        [format!("{id} 市民課 → 保険年金課")],
        "the handoff is audited once"
    );
    // 市民課 takes it back, explicitly: audited with both 課.
    visit
        .apply(&VisitChange::TakeBack {
            login: "shimin01".into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 9,
        })
        .unwrap();
    converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;
    assert_eq!(
        moved("visit_taken_back"),
        [format!("{id} 保険年金課 → 市民課")]
    );
    assert_eq!(moved("visit_handed_off").len(), 1);
}

#[tokio::test]
async fn a_visit_of_one_city_never_reaches_anyone_of_another_not_even_its_admin() {
    use shared_model::VisitDoc;
    let maebashi: shared_model::tenant::LocalGovernmentCode = "102016".parse().unwrap();
    let hub = hub();
    let (mut shimin, mut shimin_in) = joined_client(&hub, "shimin");
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "1", 0);
    converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;
    // Handed on within Takasaki: the new grant is Takasaki's 保険年金課, not Maebashi's.
    hand_to_hoken_nenkin(&mut visit);
    converge(&hub, &mut shimin, &mut shimin_in, id, visit.doc_mut()).await;
    let grants = hub.store.grants(&id).unwrap();
    assert!(
        grants
            .iter()
            .all(|g| g.tenant == shared_model::tenant::TAKASAKI),
        "{grants:?}"
    );
    assert_eq!(grants.len(), 2, "{grants:?}");

    let of_maebashi = |login: &str, department: &str, role| {
        Caller::Staff(crate::store::StaffRecord {
            login: login.into(),
            department: department.into(),
            role,
            tenant: maebashi,
            ..staff_record()
        })
    };
    let callers = [
        (
            "maebashi-shimin",
            of_maebashi("m-shimin01", "shimin", crate::store::Role::Staff),
        ),
        (
            "maebashi-hoken",
            of_maebashi("m-hoken01", "hoken_nenkin", crate::store::Role::Staff),
        ),
        (
            "maebashi-admin",
            of_maebashi("m-admin01", "shimin", crate::store::Role::Admin),
        ),
        (
            "maebashi-kiosk",
            Caller::Kiosk(crate::store::KioskRecord {
                id: "k1".into(),
                name: "前橋 1階".into(),
                tenant: maebashi,
            }),
        ),
    ];
    for (name, caller) in callers {
        let (mut client, mut inbox) = joined_as(&hub, name, caller);
        // Asking for it, and offering changes to it: both refused, nothing stored.
        hub.receive(name, client.sync(id, &mut AutoCommit::new()).unwrap())
            .await
            .unwrap();
        assert!(
            matches!(inbox.try_recv(), Ok(Message::DocUnavailable { .. })),
            "{name} must not get Takasaki's visit"
        );
        let mut forged = visit.doc_mut().fork();
        forged.put(ROOT, "forged", name).unwrap();
        let (mut writer, mut writer_in) = joined_as(
            &hub,
            &format!("{name}-writer"),
            of_maebashi("m-shimin02", "shimin", crate::store::Role::Staff),
        );
        hub.receive(
            &format!("{name}-writer"),
            writer.sync(id, &mut forged).unwrap(),
        )
        .await
        .unwrap();
        assert!(
            matches!(writer_in.try_recv(), Ok(Message::DocUnavailable { .. })),
            "{name}: a write from another city is refused"
        );
    }
    let mut ours = AutoCommit::new();
    let (mut again, mut again_in) = joined_client(&hub, "shimin-2");
    converge(&hub, &mut again, &mut again_in, id, &mut ours).await;
    assert!(
        ours.get(ROOT, "forged").unwrap().is_none(),
        "no forged change was kept"
    );
    assert_eq!(
        hub.store.grants(&id).unwrap().len(),
        2,
        "no grant was added"
    );
}

#[tokio::test]
async fn an_unknown_document_is_unavailable() {
    let hub = hub();
    let (mut c, mut c_in) = joined_client(&hub, "c");
    let id = DocumentId::random();
    let request = c.sync(id, &mut AutoCommit::new()).unwrap();
    assert!(matches!(request, Message::Request { .. }));
    hub.receive("c", request).await.unwrap();
    assert!(matches!(
        c_in.try_recv().unwrap(),
        Message::DocUnavailable { document_id, .. } if document_id == id
    ));
}

#[tokio::test]
async fn a_peer_id_is_someone_elses_only_while_their_session_lives() {
    let store = Arc::new(Store::scratch().unwrap());
    let hub = Hub::new("server".into(), store.clone()).unwrap();
    let now = crate::clock::now_ms();
    let other_record = crate::store::StaffRecord {
        login: "someone-else".into(),
        ..staff_record()
    };
    store.put_staff(&staff_record(), "hash").unwrap();
    store.put_staff(&other_record, "hash").unwrap();
    let session = |login: &str, token: &str| {
        let hash = crate::accounts::token_hash(token);
        store.create_session(&hash, login, now + 3_600_000).unwrap();
        Some(Credential::Session(hash))
    };
    let (first, second) = (
        session("shimin01", "token-1"),
        session("someone-else", "token-2"),
    );

    let (conn, _inbox) = hub
        .connect_from("tab", staff(), "", first.clone())
        .await
        .unwrap();
    let other = || Caller::Staff(other_record.clone());
    assert!(matches!(
        hub.connect_from("tab", other(), "", second.clone()).await,
        Err(HubError::PeerIdInUse)
    ));
    hub.disconnect("tab", conn).await;
    // Free, but bound to the first person's living session: not taken over.
    assert!(matches!(
        hub.connect_from("tab", other(), "", second.clone()).await,
        Err(HubError::PeerIdBound)
    ));
    assert_eq!(hub.prune_bindings().await.unwrap(), 0);
    // The first person signs out; the next person at the same tab gets its peer id.
    store
        .end_session(&crate::accounts::token_hash("token-1"), now)
        .unwrap();
    let (conn, _inbox) = hub
        .connect_from("tab", other(), "", second.clone())
        .await
        .unwrap();
    hub.disconnect("tab", conn).await;
    // And once that session ends too, the binding is pruned.
    assert_eq!(hub.bindings(), 1);
    store
        .end_session(&crate::accounts::token_hash("token-2"), now)
        .unwrap();
    assert_eq!(hub.prune_bindings().await.unwrap(), 1);
    assert_eq!(hub.bindings(), 0);
}

#[tokio::test]
async fn the_newest_socket_of_a_peer_id_replaces_a_half_open_one() {
    let hub = hub();
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "name", "高崎 太郎").unwrap();
    let (mut a, mut a_in) = joined_client(&hub, "a");
    converge(&hub, &mut a, &mut a_in, id, &mut doc).await;

    // The same person's tab rejoins with its peer id while the old socket still looks open.
    let (conn, mut again_in) = hub.connect("a", staff()).await.unwrap();
    assert_eq!(hub.stats().peers, 1);
    // The old socket's receiver is closed (its connection task then ends itself) ...
    assert!(matches!(
        a_in.try_recv(),
        Err(tokio::sync::mpsc::error::TryRecvError::Disconnected)
    ));
    // ... and the new one starts over: a fresh client with nothing gets the whole document,
    // although the server had believed the old socket had every change.
    let mut fresh = SyncClient::new("a", PeerMetadata::default());
    let peer =
        shared_model::protocol::answer_join("a", None, hub.server_id(), hub.metadata()).unwrap();
    fresh.receive(&peer.encode()).unwrap();
    let mut copy = AutoCommit::new();
    converge(&hub, &mut fresh, &mut again_in, id, &mut copy).await;
    assert_eq!(copy.get_heads(), doc.get_heads());
    // The old connection ending later does not take the new one with it.
    hub.disconnect("a", conn - 1).await;
    assert_eq!(hub.stats().peers, 1);
}

#[tokio::test]
async fn garbage_sync_data_is_refused() {
    let hub = hub();
    let (_c, _in) = joined_client(&hub, "g");
    let err = hub
        .receive(
            "g",
            Message::Sync {
                sender_id: "g".into(),
                target_id: "server".into(),
                document_id: DocumentId::random(),
                data: vec![1, 2, 3],
            },
        )
        .await
        .unwrap_err();
    assert!(matches!(err, HubError::BadSyncData { .. }));
}

#[tokio::test]
async fn documents_come_back_from_storage_after_a_restart() {
    let store = Arc::new(Store::scratch().unwrap());
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    {
        let hub = Hub::new("server".into(), store.clone()).unwrap();
        let (mut a, mut a_in) = joined_client(&hub, "a");
        for i in 0..10 {
            doc.put(ROOT, "n", i as i64).unwrap();
            converge(&hub, &mut a, &mut a_in, id, &mut doc).await;
        }
    }
    let (snapshots, _) = store.chunk_counts(&id).unwrap();
    assert_eq!(
        snapshots, 1,
        "chunks outgrew the snapshot and were compacted"
    );
    let hub = Hub::new("server".into(), store).unwrap();
    let heads = hub.read(id, |d| d.get_heads()).await.unwrap().unwrap();
    assert_eq!(heads, doc.get_heads());
    let n = hub
        .read(id, |d| d.get(ROOT, "n").unwrap().unwrap().0.as_i64())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(n, Some(9));
}

/// A visit whose 戸籍証明書 request is filled for today, signed on a pad.
pub(super) fn signed_visit(id: DocumentId) -> shared_model::VisitDoc {
    use shared_model::signature::{Point, SignerRole, Stroke};
    let today = shared_model::calendar::tokyo_day(crate::clock::now_ms()).to_string();
    let mut v = shared_model::VisitDoc::new(id, "1", 0);
    for (key, person, value) in [
        ("visit.notified_on", None, today.as_str()),
        ("visit.notifier_name", None, "高崎 花子"),
        ("visit.notifier_phone", None, "027-321-1111"),
        ("visit.identity_document", None, "my_number_card"),
        ("person.honseki", Some(0), "群馬県高崎市高松町35番地1"),
        ("person.hittosha", Some(0), "高崎 太郎"),
        ("person.name", Some(0), "高崎 花子"),
        ("person.birth_date", Some(0), "1985-01-02"),
    ] {
        v.set_item(key, person, value).unwrap();
    }
    v.set_form_field("koseki_kofu", "relation", "self").unwrap();
    v.set_form_field("koseki_kofu", "copies.zenbu", "1")
        .unwrap();
    let strokes = vec![Stroke {
        points: (0..50)
            .map(|i| Point {
                x: 20 + i * 18,
                y: 100 + (i % 7) * 10,
                t: u32::from(i) * 8,
                pressure: Some(500),
            })
            .collect(),
    }];
    v.sign(
        &["koseki_kofu".into()],
        SignerRole::Notifier,
        &strokes,
        1,
        "t-0a1b2c3d4e5f",
    )
    .unwrap();
    v
}

#[tokio::test]
async fn a_form_with_another_visits_signature_is_refused_and_its_own_is_pinned() {
    use shared_model::signature::{SignerRole, encode_strokes};
    use shared_model::{FormState, VisitDoc};
    let hub = hub();
    let (mut client, mut inbox) = joined_client(&hub, "counter");
    // Visit A signs and is confirmed: the server pins the signature.
    let a_id = DocumentId::random();
    let mut a = signed_visit(a_id);
    let signature = a
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap()
        .unwrap();
    a.request_confirmation("koseki_kofu", 2).unwrap();
    converge(&hub, &mut client, &mut inbox, a_id, a.doc_mut()).await;
    let status = a.form_status("koseki_kofu");
    assert_eq!(status.state, FormState::Confirmed, "{status:?}");
    assert_eq!(
        a.signature("koseki_kofu", SignerRole::Notifier).unwrap(),
        Some(signature.clone())
    );
    // Visit B carries A's signature, as a terminal copying it over would write it.
    let b_id = DocumentId::random();
    let mut b = VisitDoc::load(&signed_visit(b_id).save()).unwrap();
    {
        let digest = signature.digest();
        let doc = b.doc_mut();
        let (_, entries) = doc.get(ROOT, "signatures").unwrap().unwrap();
        let entry = doc
            .put_object(&entries, &digest, automerge::ObjType::Map)
            .unwrap();
        for (key, value) in [
            ("visit_id", signature.visit_id.clone()),
            ("form", signature.form.clone()),
            ("role", "todokedenin".to_owned()),
            ("terminal", signature.terminal.clone()),
            ("strokes", encode_strokes(&signature.strokes)),
            ("values", signature.values.clone().unwrap_or_default()),
        ] {
            doc.put(&entry, key, value).unwrap();
        }
        doc.put(
            &entry,
            "at",
            automerge::ScalarValue::Timestamp(signature.at),
        )
        .unwrap();
        let (_, signed) = doc.get(ROOT, "signed").unwrap().unwrap();
        let (_, of_form) = doc.get(&signed, "koseki_kofu").unwrap().unwrap();
        doc.put(&of_form, "todokedenin", digest).unwrap();
        doc.commit();
    }
    b.request_confirmation("koseki_kofu", 2).unwrap();
    converge(&hub, &mut client, &mut inbox, b_id, b.doc_mut()).await;
    let status = b.form_status("koseki_kofu");
    assert_eq!(status.state, FormState::Refused, "{status:?}");
    assert_eq!(
        status.reason.as_deref(),
        Some("署名が別の受付のものです。この受付で署名し直してください。")
    );
    // The refusal is the server's, stored with the visit.
    let stored = hub
        .read(b_id, |d| {
            VisitDoc::from_doc(d.clone())
                .unwrap()
                .form_status("koseki_kofu")
                .state
        })
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored, FormState::Refused); // Each signing was audited as it arrived: who synced it, the visit and the form (the
    // copy says whose visit it names), never the strokes.
    let signings: Vec<(String, String)> = hub
        .store
        .audit_entries(50)
        .unwrap()
        .into_iter()
        .filter(|(_, _, action, _)| action == "signature_captured")
        .map(|(_, login, _, detail)| (login, detail))
        .collect();
    assert_eq!(
        signings,
        vec![
            (
                "shimin01".to_owned(),
                format!("届出人 koseki_kofu {b_id} 署名端末 t-0a1b2c3d4e5f 他の受付 {a_id} の署名")
            ),
            (
                "shimin01".to_owned(),
                format!("届出人 koseki_kofu {b_id} 署名端末 t-0a1b2c3d4e5f")
            ),
            (
                "shimin01".to_owned(),
                format!("届出人 koseki_kofu {a_id} 署名端末 t-0a1b2c3d4e5f")
            ),
        ]
    );
    assert!(signings.iter().all(|(_, d)| !d.contains(';')));
}

#[tokio::test]
async fn a_form_changed_after_its_signing_is_refused_until_signed_again() {
    use shared_model::FormState;
    use shared_model::signature::{Point, SignerRole, Stroke};
    let hub = hub();
    let (mut client, mut inbox) = joined_client(&hub, "counter");
    let id = DocumentId::random();
    let mut v = signed_visit(id);
    // 氏名 corrected after the citizen signed: the signature covers the old name.
    v.set_item("person.name", Some(0), "高崎 花江").unwrap();
    v.request_confirmation("koseki_kofu", 2).unwrap();
    converge(&hub, &mut client, &mut inbox, id, v.doc_mut()).await;
    let status = v.form_status("koseki_kofu");
    assert_eq!(status.state, FormState::Refused, "{status:?}");
    assert_eq!(
        status.reason.as_deref(),
        Some("署名後に内容が変わりました。もう一度署名してください。")
    );
    // Signed again over the corrected values, the form is confirmed.
    let strokes = vec![Stroke {
        points: (0..30)
            .map(|i| Point {
                x: 30 + i * 20,
                y: 120 + (i % 5) * 12,
                t: u32::from(i) * 8,
                pressure: None,
            })
            .collect(),
    }];
    v.sign(
        &["koseki_kofu".into()],
        SignerRole::Notifier,
        &strokes,
        3,
        "t-0a1b2c3d4e5f",
    )
    .unwrap();
    v.request_confirmation("koseki_kofu", 4).unwrap();
    converge(&hub, &mut client, &mut inbox, id, v.doc_mut()).await;
    let status = v.form_status("koseki_kofu");
    assert_eq!(status.state, FormState::Confirmed, "{status:?}");
    assert_eq!(
        v.signature("koseki_kofu", SignerRole::Notifier)
            .unwrap()
            .unwrap()
            .strokes,
        strokes
    );
}

/// Two cities, one with a form of its own: a visit of 前橋市 asking for it is decided by
/// 前橋市's catalog (confirmed when filled); the same request in a visit of 高崎市, whose
/// catalog has no such form, is never confirmed.
#[tokio::test]
async fn each_city_decides_its_visits_by_its_own_forms() {
    use shared_model::catalog::{Catalog, CatalogFiles, CityCatalog};
    use shared_model::navi::Navi;
    use shared_model::tenant::TAKASAKI;
    use shared_model::{FormState, VisitDoc};
    let maebashi: LocalGovernmentCode = "102016".parse().unwrap();
    let own = format!(
        "{}\n{}",
        Catalog::BUILTIN_FORMS,
        include_str!("../../../tests/fixtures/cities/maebashi-forms.toml")
    );
    let city = CityCatalog::leak(&CatalogFiles {
        forms: own,
        navi: format!(
            "{}\n{}",
            Navi::BUILTIN_RULES,
            include_str!("../../../tests/fixtures/cities/maebashi-navi.toml")
        ),
    })
    .unwrap();
    let store = Arc::new(Store::scratch().unwrap());
    let hub = Hub::new("server".into(), store.clone())
        .unwrap()
        .with_catalogs([(maebashi, city)]);
    let mut states = Vec::new();
    for tenant in [maebashi, TAKASAKI] {
        let id = DocumentId::random();
        store
            .grant(&id, &[crate::store::Grant::department(tenant, "shimin")])
            .unwrap();
        // Filled on a terminal of 前橋市 (whose catalog knows the form).
        let mut visit = VisitDoc::new(id, "1", 0).in_catalog(city);
        visit
            .set_form_field("maebashi_jichikai", "association", "大手町一丁目自治会")
            .unwrap();
        visit.request_confirmation("maebashi_jichikai", 1).unwrap();
        hub.merge(id, visit.doc_mut()).await.unwrap();
        let state = hub
            .read(id, |d| {
                VisitDoc::from_doc(d.clone())
                    .unwrap()
                    .form_status("maebashi_jichikai")
                    .state
            })
            .await
            .unwrap()
            .unwrap();
        states.push(state);
    }
    assert_eq!(states[0], FormState::Confirmed, "前橋市's visit");
    assert_ne!(states[1], FormState::Confirmed, "高崎市's visit");
}
