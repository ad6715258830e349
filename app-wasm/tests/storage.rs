//! IndexedDB in a real browser: what the repo writes comes back, snapshots replace chunks,
//! and sync state survives.
#![cfg(target_arch = "wasm32")]

use app_wasm::storage::{LocalStore, LocalVisit};
use shared_model::{DocumentId, Field, VisitDoc};
use wasm_bindgen_test::{wasm_bindgen_test, wasm_bindgen_test_configure};

wasm_bindgen_test_configure!(run_in_browser);

fn entry(doc: DocumentId, number: &str, at: f64) -> LocalVisit {
    LocalVisit {
        doc,
        reception_number: number.into(),
        updated_at: at,
    }
}

#[wasm_bindgen_test]
async fn chunks_snapshots_and_sync_state_round_trip() {
    LocalStore::delete().await.unwrap();
    let store = LocalStore::open().await.unwrap();
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "5", 1_790_000_000_000);
    store
        .save_chunk(&entry(id, "5", 1.0), &visit.save_incremental(), false)
        .await
        .unwrap();
    for name in ["高崎", "高崎 花", "高崎 花子"] {
        visit.set(Field::ApplicantName, name).unwrap();
        store
            .save_chunk(&entry(id, "5", 2.0), &visit.save_incremental(), false)
            .await
            .unwrap();
    }
    let stored = store.load(id).await.unwrap();
    assert_eq!(stored.chunks, 4);
    let loaded = VisitDoc::load(&stored.bytes).unwrap();
    assert_eq!(
        loaded.get(Field::ApplicantName).as_deref(),
        Some("高崎 花子")
    );
    assert_eq!(loaded.reception_number(), "5");

    // A snapshot replaces every chunk of the document and nothing else.
    let other = DocumentId::random();
    let mut other_visit = VisitDoc::new(other, "6", 1_790_000_000_001);
    store
        .save_chunk(
            &entry(other, "6", 3.0),
            &other_visit.save_incremental(),
            false,
        )
        .await
        .unwrap();
    store
        .save_chunk(&entry(id, "5", 4.0), &visit.save(), true)
        .await
        .unwrap();
    let stored = store.load(id).await.unwrap();
    assert_eq!(stored.chunks, 1);
    assert_eq!(
        VisitDoc::load(&stored.bytes)
            .unwrap()
            .get(Field::ApplicantName)
            .as_deref(),
        Some("高崎 花子")
    );
    assert_eq!(store.load(other).await.unwrap().chunks, 1);

    // The list is newest first.
    let list = store.visits().await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].doc, id);
    assert_eq!(list[1].reception_number, "6");

    store.save_sync_state(id, &[1, 2, 3]).await.unwrap();
    assert_eq!(
        store.load(id).await.unwrap().sync_state,
        Some(vec![1, 2, 3])
    );
    assert_eq!(store.load(other).await.unwrap().sync_state, None);
}
