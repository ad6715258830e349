//! IndexedDB in a real browser: what the repo writes comes back, snapshots replace chunks,
//! and sync state survives.
#![cfg(target_arch = "wasm32")]

use app_wasm::repo::retention_over;
use app_wasm::storage::{LocalStore, LocalVisit, StorageError};
use app_wasm::vault::Vault;
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
async fn chunks_snapshots_and_sync_state_round_trip_sealed() {
    LocalStore::delete().await.unwrap();
    let mut store = LocalStore::open().await.unwrap();
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "5", 1_790_000_000_000);
    // Locked, nothing is written.
    let mut elsewhere = VisitDoc::new(DocumentId::random(), "4", 0);
    assert!(matches!(
        store
            .save_chunk(&entry(id, "4", 0.5), &elsewhere.save(), true)
            .await,
        Err(StorageError::Locked)
    ));
    store.set_vault(Some(Vault::unlock(&"11".repeat(32)).await.unwrap()));
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

    // The sync state comes back with the storage id of the server it was made with.
    store
        .save_sync_state(id, "store-1", &[1, 2, 3])
        .await
        .unwrap();
    let saved = store.load(id).await.unwrap().sync_state.unwrap();
    assert_eq!(
        (saved.storage_id.as_str(), saved.bytes),
        ("store-1", vec![1, 2, 3])
    );
    assert!(store.load(other).await.unwrap().sync_state.is_none());

    what_rests_in_indexeddb_is_sealed_and_only_its_key_opens_it(store).await;
}

/// Run from the test above: one database connection at a time (deleting the database waits
/// for every open connection).
async fn what_rests_in_indexeddb_is_sealed_and_only_its_key_opens_it(mut store: LocalStore) {
    store.set_vault(Some(Vault::unlock(&"22".repeat(32)).await.unwrap()));
    let id = DocumentId::random();
    let mut visit = VisitDoc::new(id, "7", 1_790_000_000_000);
    visit.set(Field::ApplicantName, "秘密 花子").unwrap();
    store
        .save_chunk(&entry(id, "7", 1.0), &visit.save(), true)
        .await
        .unwrap();
    // Another key (another 課) reads nothing of it; no key, not even that.
    store.set_vault(Some(Vault::unlock(&"33".repeat(32)).await.unwrap()));
    let stored = store.load(id).await.unwrap();
    assert_eq!((stored.chunks, stored.unreadable), (0, 1));
    store.set_vault(None);
    assert!(matches!(store.load(id).await, Err(StorageError::Locked)));
    // The right key opens it.
    store.set_vault(Some(Vault::unlock(&"22".repeat(32)).await.unwrap()));
    let stored = store.load(id).await.unwrap();
    assert_eq!(
        VisitDoc::load(&stored.bytes)
            .unwrap()
            .get(Field::ApplicantName)
            .as_deref(),
        Some("秘密 花子")
    );
    // Purged: nothing of it is left.
    store.remove(id).await.unwrap();
    assert_eq!(store.load(id).await.unwrap().chunks, 0);
    assert!(!store.visits().await.unwrap().iter().any(|v| v.doc == id));

    // Retention: a copy lasts until the end of its day in Japan.
    let noon = 1_790_000_000_000.0 - (1_790_000_000_000.0 + 9.0 * 3_600_000.0) % 86_400_000.0
        + 12.0 * 3_600_000.0;
    assert!(!retention_over(noon, noon + 11.0 * 3_600_000.0));
    assert!(retention_over(noon, noon + 12.0 * 3_600_000.0 + 1.0));

    // Malformed keys are refused.
    assert!(Vault::unlock("not hex").await.is_err());
    assert!(Vault::unlock("abcd").await.is_err());
}
