//! The exchange with the core system against a real S3-compatible server (s3s-fs on
//! 127.0.0.1), with the real server and simulator processes: 住基 files in (also across a
//! crash in the middle of an import), a peak day of notifications out with every result read
//! back into its visit, and a crash between writing a batch and recording it.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Duration;

use automerge::AutoCommit;
use madoguchi_tests::exchange::{
    exchange_server as server, moves, records_in_bucket, simulate, wait_state,
};
use madoguchi_tests::{NativePeer, S3Server, add_staff_with};
use shared_model::synthetic::{Move, Population};
use shared_model::{DocumentId, FormState, VisitDoc};

const PASSWORD: &str = "correct horse";

/// The administrator who watches the exchange (and, with 支援措置 access off, searches).
async fn add_admin(data: &Path) {
    madoguchi_tests::add_admin(data, "admin01", PASSWORD)
        .await
        .unwrap();
}

#[tokio::test]
async fn resident_files_are_imported_over_s3_also_across_a_crash_in_the_middle() {
    let s3 = S3Server::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    add_admin(data.path()).await;

    // The server dies inside the import's transaction, before it commits.
    let mut crashing = server(
        data.path(),
        &s3,
        Some(("MADOGUCHI_CRASH_AT", "import-before-commit")),
    )
    .await
    .unwrap();
    simulate(&s3, &["full", "--households", "3000"]).await;
    let exit = crashing.wait_exit(Duration::from_secs(30)).await.unwrap();
    assert!(!exit.success());
    assert!(crashing.log().contains("crash point import-before-commit"));

    // Restarted, it imports the file once, whole.
    let server = server(data.path(), &s3, None).await.unwrap();
    let cookie = server.sign_in("admin01", PASSWORD).await.unwrap();
    let imported = wait_state(&server, &cookie, "import", 60, |s| {
        s["files_imported"].as_u64() >= Some(1)
    })
    .await;
    let rows = imported["last_rows"].as_u64().unwrap();
    assert!(rows > 6_000, "{imported}");
    assert!(imported["last_file"].as_str().unwrap().contains("/full/"));
    let (status, _, body) = server
        .request(
            "GET",
            "/api/residents?q=%E3%82%BF%E3%82%AB",
            None,
            Some(&cookie),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let found: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert!(!found["residents"].as_array().unwrap().is_empty());

    // Persons under 支援措置 are hidden from ordinary lookups, and shown (and audited as
    // such) to the staff allowed to see them.
    let population = Population::generate(20_270_201, 3000);
    let hidden = population.residents.iter().find(|r| r.protected).unwrap();
    let by_birth = |cookie: String| {
        let path = format!("/api/residents?q={}", hidden.birth_date);
        let server = &server;
        async move {
            let (status, _, body) = server
                .request("GET", &path, None, Some(&cookie))
                .await
                .unwrap();
            assert_eq!(status, 200);
            let found: serde_json::Value = serde_json::from_slice(&body).unwrap();
            found["residents"]
                .as_array()
                .unwrap()
                .iter()
                .any(|r| r["atena_number"] == hidden.atena_number.as_str())
        }
    };
    assert!(!by_birth(cookie.clone()).await);
    add_staff_with(
        data.path(),
        "shien01",
        "支援 担当",
        "shimin",
        PASSWORD,
        &["--protected-access"],
    )
    .await
    .unwrap();
    let desk = server.sign_in("shien01", PASSWORD).await.unwrap();
    assert!(by_birth(desk).await);

    // A delta, then a broken file: reported with its line; what was imported stays.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    simulate(&s3, &["delta", "--households", "3000", "--changes", "2000"]).await;
    let delta = wait_state(&server, &cookie, "import", 30, |s| {
        s["files_imported"].as_u64() >= Some(2)
    })
    .await;
    assert_eq!(delta["last_rows"], 2000);
    std::fs::create_dir_all(s3.bucket_folder().join("inbound/juki/delta")).unwrap();
    std::fs::write(
        s3.bucket_folder().join("inbound/juki/delta/zz-broken.csv"),
        "宛名番号\n12\n",
    )
    .unwrap();
    let broken = wait_state(&server, &cookie, "import", 30, |s| {
        !s["errors"].as_array().unwrap().is_empty()
    })
    .await;
    assert!(
        broken["errors"][0]
            .as_str()
            .unwrap()
            .contains("zz-broken.csv"),
        "{broken}"
    );
    assert_eq!(broken["files_imported"], 2);
}

#[tokio::test]
async fn a_peak_day_goes_out_over_s3_and_every_result_comes_back_into_its_visit() {
    let s3 = S3Server::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    add_admin(data.path()).await;
    let server = server(data.path(), &s3, None).await.unwrap();
    let cookie = server.sign_in("admin01", PASSWORD).await.unwrap();

    // 203 転入 + 163 転出 + 56 転居, confirmed by the counters.
    let mut visits = moves(42, &[(Move::In, 203), (Move::Out, 163), (Move::Within, 56)]);
    let mut docs: Vec<(DocumentId, AutoCommit)> =
        visits.iter().map(|(id, d, _)| (*id, d.clone())).collect();
    let mut peer = NativePeer::connect(&server.peer_url().await, "counter-peak")
        .await
        .unwrap();
    peer.sync_all(&mut docs).await.unwrap();
    drop(peer);
    let sent = wait_state(&server, &cookie, "export", 60, |s| {
        s["counts"]["sent"].as_u64() == Some(422)
    })
    .await;
    assert_eq!(sent["counts"]["pending"], 0, "{sent}");

    // e-SUITE answers: about 5 % sent back.
    simulate(&s3, &["answer", "--reject-per-mille", "50"]).await;
    let answered = wait_state(&server, &cookie, "export", 60, |s| {
        s["counts"]["accepted"].as_u64().unwrap_or(0)
            + s["counts"]["rejected"].as_u64().unwrap_or(0)
            == 422
    })
    .await;
    let rejected = answered["counts"]["rejected"].as_u64().unwrap();
    assert!((1..60).contains(&rejected), "{answered}");
    assert!(
        answered["errors"].as_array().unwrap().is_empty(),
        "{answered}"
    );
    // The admin face lists the latest sent-back records with the core system's reasons.
    let listed = answered["rejected"].as_array().unwrap();
    assert_eq!(listed.len(), (rejected as usize).min(20), "{answered}");
    for record in listed {
        assert!(!record["reason"].as_str().unwrap_or_default().is_empty());
        assert!(record["form"].as_str().unwrap().starts_with("jumin_idou"));
    }

    // Every record is in the bucket exactly once.
    let records = records_in_bucket(&s3);
    assert_eq!(records.len(), 422);
    assert_eq!(records.iter().collect::<BTreeSet<_>>().len(), 422);

    // And every counter sees its visit's outcome (on a new connection: the first one was
    // left unread while the answers came, and the server dropped it for not answering pings).
    let mut peer = NativePeer::connect(&server.peer_url().await, "counter-peak-2")
        .await
        .unwrap();
    peer.sync_all(&mut docs).await.unwrap();
    let mut outcomes = [0usize; 2];
    for ((_, doc), (_, _, kind)) in docs.iter().zip(visits.iter_mut()) {
        let status = VisitDoc::from_doc(doc.clone())
            .unwrap()
            .form_status(kind.form());
        match status.state {
            FormState::Accepted => outcomes[0] += 1,
            FormState::Rejected => {
                assert!(!status.reason.unwrap_or_default().is_empty());
                outcomes[1] += 1;
            }
            other => panic!("{other:?}"),
        }
    }
    assert_eq!(outcomes, [422 - rejected as usize, rejected as usize]);
}

#[tokio::test]
async fn a_server_killed_between_writing_a_batch_and_recording_it_sends_no_duplicate() {
    let s3 = S3Server::start().await.unwrap();
    let data = tempfile::tempdir().unwrap();
    add_admin(data.path()).await;
    let visits = moves(7, &[(Move::Out, 20), (Move::Within, 10)]);
    let mut docs: Vec<(DocumentId, AutoCommit)> =
        visits.iter().map(|(id, d, _)| (*id, d.clone())).collect();

    // The first server dies right after its first batch and marker are in the bucket.
    let mut crashing = server(
        data.path(),
        &s3,
        Some(("MADOGUCHI_CRASH_AT", "export-written")),
    )
    .await
    .unwrap();
    if let Ok(mut peer) = NativePeer::connect(&crashing.peer_url().await, "counter-a").await {
        // The connection may break under it; the restarted server gets the rest.
        let _ = peer.sync_all(&mut docs).await;
    }
    let exit = crashing.wait_exit(Duration::from_secs(30)).await.unwrap();
    assert!(!exit.success());
    assert!(crashing.log().contains("crash point export-written"));
    let before = records_in_bucket(&s3);
    assert!(!before.is_empty(), "a batch was written before the crash");

    // Restarted: the counters sync again, and everything goes out once.
    let server = server(data.path(), &s3, None).await.unwrap();
    let cookie = server.sign_in("admin01", PASSWORD).await.unwrap();
    let mut peer = NativePeer::connect(&server.peer_url().await, "counter-b")
        .await
        .unwrap();
    peer.sync_all(&mut docs).await.unwrap();
    let done = wait_state(&server, &cookie, "export", 60, |s| {
        s["counts"]["sent"].as_u64() == Some(30) && s["counts"]["unwritten_batches"] == 0
    })
    .await;
    let records = records_in_bucket(&s3);
    assert_eq!(records.len(), 30, "{done}");
    assert_eq!(records.iter().collect::<BTreeSet<_>>().len(), 30);
    // The batch written before the crash was recorded, not written again.
    for record in &before {
        assert_eq!(records.iter().filter(|r| *r == record).count(), 1);
    }
}
