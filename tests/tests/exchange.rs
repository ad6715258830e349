//! The 住基 import end to end: the core-system simulator writes files into the bucket, the
//! running server's poller imports them, and signed-in staff find the residents.

use std::time::Duration;

use madoguchi_tests::exchange::simulate_in;
use madoguchi_tests::{ServerProcess, add_admin};

async fn import_state(server: &ServerProcess, cookie: &str) -> serde_json::Value {
    let (status, _, body) = server
        .request("GET", "/api/exchange/import", None, Some(cookie))
        .await
        .unwrap();
    assert_eq!(status, 200);
    serde_json::from_slice(&body).unwrap()
}

async fn wait_for_files(server: &ServerProcess, cookie: &str, n: u64) -> serde_json::Value {
    for _ in 0..100 {
        let state = import_state(server, cookie).await;
        if state["files_imported"].as_u64() >= Some(n) {
            return state;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!(
        "{n} files were not imported: {}",
        import_state(server, cookie).await
    );
}

#[tokio::test]
async fn simulator_files_are_imported_by_the_running_server() {
    let data = tempfile::tempdir().unwrap();
    let bucket = data.path().join("bucket");
    // The exchange's state is for administrators.
    add_admin(data.path(), "admin01", "correct horse")
        .await
        .unwrap();
    let bucket_arg = bucket.display().to_string();
    let server = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--bucket-dir", &bucket_arg, "--import-interval-secs", "1"],
    )
    .await
    .unwrap();
    let cookie = server.sign_in("admin01", "correct horse").await.unwrap();

    simulate_in(&bucket, &["full", "--households", "300"]).await;
    let state = wait_for_files(&server, &cookie, 1).await;
    assert!(state["last_file"].as_str().unwrap().contains("/full/"));
    assert!(state["last_rows"].as_u64().unwrap() > 300);
    assert_eq!(state["behind_promise"], false);
    assert!(state["errors"].as_array().unwrap().is_empty());
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

    // The same second may name the next file like the first; wait a second.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    simulate_in(
        &bucket,
        &["delta", "--households", "300", "--changes", "30"],
    )
    .await;
    let state = wait_for_files(&server, &cookie, 2).await;
    assert!(state["last_file"].as_str().unwrap().contains("/delta/"));
    assert_eq!(state["last_rows"], 30);

    // A broken file is reported with its line, and the register keeps what it had.
    std::fs::write(
        bucket.join("inbound/juki/delta/zz-broken.csv"),
        "宛名番号\n12\n",
    )
    .unwrap();
    for _ in 0..50 {
        if !import_state(&server, &cookie).await["errors"]
            .as_array()
            .unwrap()
            .is_empty()
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let state = import_state(&server, &cookie).await;
    assert!(
        state["errors"][0]
            .as_str()
            .unwrap()
            .contains("zz-broken.csv"),
        "{state}"
    );
}

#[tokio::test]
async fn an_interval_beyond_the_five_minute_promise_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let bucket = data.path().join("bucket").display().to_string();
    let error = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &["--bucket-dir", &bucket, "--import-interval-secs", "301"],
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("exited before listening"),
        "{error}"
    );
    // The reason is in the server's log.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let log = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("server-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(log.contains("longer than the 300 s promise"), "{log}");
}
