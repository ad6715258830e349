//! The hub's memory bounds: idle documents leave memory and come back whole; a stalled peer's
//! outbox stays bounded.

use super::tests::{converge, joined_as, signed_visit, staff};
use super::*;
use automerge::transaction::Transactable;
use automerge::{AutoCommit, ROOT, ReadDoc};
use shared_model::protocol::SyncClient;

fn bounded(store: Arc<Store>, bounds: MemoryBounds) -> Arc<Hub> {
    Arc::new(
        Hub::new("server".into(), store)
            .unwrap()
            .with_bounds(bounds),
    )
}

fn keeping_idle(store: Arc<Store>, idle_documents: usize) -> Arc<Hub> {
    bounded(
        store,
        MemoryBounds {
            idle_documents,
            ..MemoryBounds::default()
        },
    )
}

/// A client joined as `name` (staff of 市民課), with its connection's number.
async fn join(hub: &Hub, name: &str) -> (SyncClient, u64, PeerInbox) {
    let mut client = SyncClient::new(name, PeerMetadata::default());
    let (connection, inbox) = hub.connect(name, staff()).await.unwrap();
    let peer =
        shared_model::protocol::answer_join(name, None, hub.server_id(), hub.metadata()).unwrap();
    client.receive(&peer.encode()).unwrap();
    (client, connection, inbox)
}

/// Runs the sync protocol until the client and the hub are quiet, however many messages
/// were already queued for the client (the shared `converge` gives up after 20).
async fn catch_up(
    hub: &Hub,
    client: &mut SyncClient,
    inbox: &mut PeerInbox,
    id: DocumentId,
    doc: &mut AutoCommit,
) {
    super::tests::converge_within(hub, client, inbox, id, doc, 1_000).await;
}

fn signings(hub: &Hub) -> usize {
    hub.store
        .audit_entries(100)
        .unwrap()
        .iter()
        .filter(|(_, _, action, _)| action == "signature_captured")
        .count()
}

#[tokio::test]
async fn a_document_nobody_has_open_leaves_memory_and_comes_back_whole() {
    use shared_model::FormState;
    let hub = keeping_idle(Arc::new(Store::scratch().unwrap()), 0);
    let (mut a, a_conn, mut a_in) = join(&hub, "a").await;
    let id = DocumentId::random();
    let mut visit = signed_visit(id);
    visit.request_confirmation("koseki_kofu", 2).unwrap();
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    assert_eq!(visit.form_status("koseki_kofu").state, FormState::Confirmed);
    assert_eq!(signings(&hub), 1);
    // Open: it stays, whatever the bound.
    assert_eq!(hub.stats().documents, 1);
    assert_eq!(hub.stats().evicted, 0);

    // a leaves; nobody has it open and no idle document is kept warm: it goes.
    hub.disconnect("a", a_conn).await;
    assert_eq!((hub.stats().documents, hub.stats().evicted), (0, 1));

    // The list view reads it back (and it goes again: nobody opened it).
    let loaded = hub.stats().loaded;
    let listing = hub.visit_listing(id).await.unwrap().unwrap();
    assert_eq!(listing.forms.get("confirmed"), Some(&1));
    assert_eq!(listing.name.as_deref(), Some("高崎 花子"));
    assert_eq!(hub.stats().loaded, loaded + 1);
    assert_eq!(hub.stats().documents, 0);

    // Its grants come back from the store: a kiosk is still refused ...
    let kiosk = Caller::Kiosk(crate::store::KioskRecord {
        id: "k1".into(),
        name: "1階".into(),
        tenant: shared_model::tenant::TAKASAKI,
    });
    let (mut tablet, mut tablet_in) = joined_as(&hub, "tablet", kiosk);
    let request = tablet.sync(id, &mut AutoCommit::new()).unwrap();
    hub.receive("tablet", request).await.unwrap();
    assert!(matches!(
        tablet_in.try_recv(),
        Ok(Message::DocUnavailable { .. })
    ));
    // ... and 市民課 is served the whole document, the server's decision included.
    let (mut b, _, mut b_in) = join(&hub, "b").await;
    let mut theirs = AutoCommit::new();
    converge(&hub, &mut b, &mut b_in, id, &mut theirs).await;
    assert_eq!(theirs.get_heads(), visit.doc_mut().get_heads());

    // a comes back (its client keeps what it had) and edits: b hears of it, nothing is
    // pending, and the signing, audited when it arrived, is not audited again.
    let (mut a, _, mut a_in) = join(&hub, "a").await;
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    visit
        .set_item("visit.notifier_phone", None, "027-000-0000")
        .unwrap();
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    assert_eq!(a.pending_changes(id, visit.doc_mut()), 0);
    catch_up(&hub, &mut b, &mut b_in, id, &mut theirs).await;
    assert_eq!(theirs.get_heads(), visit.doc_mut().get_heads());
    assert_eq!(signings(&hub), 1);
    let stored = hub.store.load(&id).unwrap().unwrap();
    assert_eq!(
        AutoCommit::load(&stored).unwrap().get_heads(),
        visit.doc_mut().get_heads()
    );
}

#[tokio::test]
async fn idle_documents_beyond_the_bound_leave_least_recently_used_first() {
    let store = Arc::new(Store::scratch().unwrap());
    let hub = keeping_idle(store.clone(), 2);
    let ids: Vec<DocumentId> = (0..4).map(|_| DocumentId::random()).collect();
    for (n, id) in ids.iter().enumerate() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, "n", n as i64).unwrap();
        hub.merge(*id, &mut doc).await.unwrap();
    }
    assert_eq!((hub.stats().documents, hub.stats().evicted), (2, 2));
    let n = |doc: &mut AutoCommit| doc.get(ROOT, "n").unwrap().unwrap().0.as_i64();
    // The two used last are warm: reading them loads nothing.
    let loaded = hub.stats().loaded;
    assert_eq!(hub.read(ids[3], n).await.unwrap(), Some(Some(3)));
    assert_eq!(hub.read(ids[2], n).await.unwrap(), Some(Some(2)));
    assert_eq!(hub.stats().loaded, loaded);
    // The first comes back from the store, and the least recently used warm one (3) leaves.
    assert_eq!(hub.read(ids[0], n).await.unwrap(), Some(Some(0)));
    assert_eq!(hub.stats().loaded, loaded + 1);
    assert_eq!(hub.read(ids[2], n).await.unwrap(), Some(Some(2)));
    assert_eq!(hub.stats().loaded, loaded + 1);
    assert_eq!(hub.read(ids[3], n).await.unwrap(), Some(Some(3)));
    assert_eq!(hub.stats().loaded, loaded + 2);
    assert_eq!(hub.stats().documents, 2);

    // An open document is not counted against the bound and never leaves.
    let (mut a, _, mut a_in) = join(&hub, "a").await;
    let mut mine = AutoCommit::new();
    converge(&hub, &mut a, &mut a_in, ids[1], &mut mine).await;
    assert_eq!(n(&mut mine), Some(1));
    for id in [ids[0], ids[2], ids[3]] {
        hub.read(id, n).await.unwrap();
    }
    assert_eq!(hub.stats().documents, 3);
    assert_eq!(hub.idle_documents(), 2);
    // A document no one ever sent is not kept either.
    assert_eq!(hub.read(DocumentId::random(), n).await.unwrap(), None);
    assert_eq!(hub.stats().documents, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_change_is_lost_while_documents_leave_and_come_back() {
    let store = Arc::new(Store::scratch().unwrap());
    let hub = keeping_idle(store.clone(), 0);
    let id = DocumentId::random();
    let mut base = AutoCommit::new();
    base.put(ROOT, "base", "x").unwrap();
    hub.merge(id, &mut base).await.unwrap();
    assert_eq!(hub.stats().documents, 0);

    // Two peers open it at once, each with a change of its own, while 20 trusted writers
    // (the day's close, the exporter) merge theirs: every step may find it gone, loading or
    // ready.
    let peers = ["p", "q"].map(|name| {
        let hub = hub.clone();
        let mut doc = base.fork();
        tokio::spawn(async move {
            let (mut client, _, inbox) = join(&hub, name).await;
            doc.put(ROOT, name, name).unwrap();
            let first = client.sync(id, &mut doc).unwrap();
            hub.receive(name, first).await.unwrap();
            (client, inbox, doc)
        })
    });
    let writers: Vec<_> = (0..20)
        .map(|i| {
            let hub = hub.clone();
            let mut doc = base.fork();
            tokio::spawn(async move {
                doc.put(ROOT, format!("w{i}"), i as i64).unwrap();
                hub.merge(id, &mut doc).await.unwrap();
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
    let mut keys_wanted: Vec<String> = (0..20).map(|i| format!("w{i}")).collect();
    keys_wanted.extend(["base".into(), "p".into(), "q".into()]);
    keys_wanted.sort();
    let mut peers_now = Vec::new();
    for peer in peers {
        peers_now.push(peer.await.unwrap());
    }
    // Each peer's change reaches the server in the rounds after its first message; a
    // second round brings each the other's.
    for _ in 0..2 {
        for (client, inbox, doc) in &mut peers_now {
            catch_up(&hub, client, inbox, id, doc).await;
        }
    }
    for (_, _, doc) in &mut peers_now {
        let keys: Vec<String> = doc.keys(ROOT).collect();
        assert_eq!(keys, keys_wanted, "a peer has every change");
    }
    // Stored: a server started afresh reads every change.
    let fresh = Hub::new("server".into(), store).unwrap();
    let keys = fresh
        .read(id, |d| d.keys(ROOT).collect::<Vec<String>>())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(keys, keys_wanted);
}

#[tokio::test]
async fn a_stalled_peer_is_cut_off_at_its_outbox_bound_and_catches_up_after() {
    let hub = bounded(
        Arc::new(Store::scratch().unwrap()),
        MemoryBounds {
            outbox_messages: 16,
            ..MemoryBounds::default()
        },
    );
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "n", 0).unwrap();
    let (mut writer, _, mut writer_in) = join(&hub, "writer").await;
    converge(&hub, &mut writer, &mut writer_in, id, &mut doc).await;
    let (mut stalled, stalled_conn, mut stalled_in) = join(&hub, "stalled").await;
    let mut behind = AutoCommit::new();
    converge(&hub, &mut stalled, &mut stalled_in, id, &mut behind).await;

    // The stalled peer reads nothing more while 100 changes arrive.
    for i in 1..=100 {
        doc.put(ROOT, "n", i).unwrap();
        converge(&hub, &mut writer, &mut writer_in, id, &mut doc).await;
        assert!(stalled_in.queued().0 <= 16, "bounded at change {i}");
    }
    assert!(stalled_in.overflowed());
    assert_eq!(stalled_in.recv().await, Err(Overflowed));
    // What it still sends is ignored until it reconnects.
    behind.put(ROOT, "late", true).unwrap();
    let late = stalled.sync(id, &mut behind).unwrap();
    hub.receive("stalled", late).await.unwrap();
    assert!(stalled_in.try_recv().is_err());

    // Its connection closes; reconnecting, it catches up from its own heads and its own
    // change gets through.
    hub.disconnect("stalled", stalled_conn).await;
    let (mut again, _, mut again_in) = join(&hub, "stalled").await;
    converge(&hub, &mut again, &mut again_in, id, &mut behind).await;
    assert_eq!(
        behind.get(ROOT, "n").unwrap().unwrap().0.as_i64(),
        Some(100)
    );
    catch_up(&hub, &mut writer, &mut writer_in, id, &mut doc).await;
    assert_eq!(doc.get_heads(), behind.get_heads());
}

#[tokio::test]
async fn one_large_message_fits_an_empty_outbox_and_ephemeral_ones_give_way() {
    let hub = bounded(
        Arc::new(Store::scratch().unwrap()),
        MemoryBounds {
            outbox_messages: 4,
            outbox_bytes: 1024,
            ..MemoryBounds::default()
        },
    );
    let id = DocumentId::random();
    let mut doc = AutoCommit::new();
    doc.put(ROOT, "text", "字".repeat(2_000)).unwrap();
    let (mut a, _, mut a_in) = join(&hub, "a").await;
    converge(&hub, &mut a, &mut a_in, id, &mut doc).await;
    // b asks for the document: its answer is larger than the byte bound, and still comes.
    let (mut b, _, mut b_in) = join(&hub, "b").await;
    let mut theirs = AutoCommit::new();
    converge(&hub, &mut b, &mut b_in, id, &mut theirs).await;
    assert_eq!(theirs.get_heads(), doc.get_heads());
    assert!(!b_in.overflowed());
    // Presence from a to b: from half full on it is dropped, never overflowing the outbox.
    for count in 0..10 {
        hub.receive(
            "a",
            Message::Ephemeral {
                sender_id: "a".into(),
                target_id: "server".into(),
                document_id: id,
                session_id: "s".into(),
                count,
                data: vec![0; 16],
            },
        )
        .await
        .unwrap();
    }
    assert_eq!(b_in.queued().0, 2);
    assert!(!b_in.overflowed());
}

#[tokio::test]
async fn the_queue_and_the_moves_between_ka_follow_a_visit_read_back_from_the_store() {
    use shared_model::catalog::Department;
    use shared_model::{VisitChange, VisitDoc};
    let store = Arc::new(Store::scratch().unwrap());
    let hub = keeping_idle(store.clone(), 0);
    let now = crate::clock::now_ms();
    let day = tokyo_day(now).to_string();
    let id = DocumentId::random();
    store
        .register_visit(
            &id,
            shared_model::tenant::TAKASAKI,
            &day,
            now,
            &[crate::store::Grant::department(
                shared_model::tenant::TAKASAKI,
                "shimin",
            )],
        )
        .unwrap()
        .unwrap();
    let mut visit = VisitDoc::new(id, "1", now);
    hub.merge(id, visit.doc_mut()).await.unwrap();
    hub.registered(id, now).await;
    hub.requeue(&id.to_string()).await;
    assert_eq!(hub.stats().documents, 0);
    let open = |store: &Store| {
        store
            .queue_tickets(shared_model::tenant::TAKASAKI, &day)
            .unwrap()
            .into_iter()
            .filter(|t| t.done_at.is_none())
            .map(|t| t.stop.department)
            .collect::<Vec<_>>()
    };
    assert_eq!(open(&store), vec![Department::Shimin], "placed once");

    // Read back, a change that does not move it leaves its ticket as it is ...
    let (mut a, a_conn, mut a_in) = join(&hub, "a").await;
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    visit.set_item("person.name", Some(0), "高崎 花子").unwrap();
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    hub.disconnect("a", a_conn).await;
    assert_eq!(open(&store), vec![Department::Shimin]);
    // ... and, read back again, handed to 保険年金課 it joins their queue, audited once.
    let (mut a, _, mut a_in) = join(&hub, "a").await;
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    visit
        .apply(&VisitChange::HandOff {
            to: Department::HokenNenkin,
            name: "市民 一郎".into(),
            from: Department::Shimin,
            at: now,
        })
        .unwrap();
    converge(&hub, &mut a, &mut a_in, id, visit.doc_mut()).await;
    assert_eq!(open(&store), vec![Department::HokenNenkin]);
    let moves = store
        .audit_entries(100)
        .unwrap()
        .into_iter()
        .filter(|(_, _, action, _)| action == "visit_handed_off")
        .count();
    assert_eq!(moves, 1);
    assert!(hub.stats().loaded >= 4, "{:?}", hub.stats());
}
