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
    // The reason is in the server's log (written before the refused start returns).
    let log = std::fs::read_dir(data.path())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("server-"))
        .map(|e| std::fs::read_to_string(e.path()).unwrap_or_default())
        .collect::<String>();
    assert!(log.contains("longer than the 300 s promise"), "{log}");
}

/// Two cities on one deployment, each with its own core system: 高崎市's files under the
/// configured prefix, 前橋市's (listed in `--cities`) under its code. Each city's poller
/// fills its own register; each city's staff find their own residents and never the other
/// city's, also where both give the same 宛名番号; each administrator sees their own import.
#[tokio::test]
async fn each_city_imports_its_own_register_from_its_own_files() {
    use shared_model::synthetic::Population;
    let data = tempfile::tempdir().unwrap();
    let bucket = data.path().join("bucket");
    for (login, flags) in [
        ("admin01", &["--role", "admin"][..]),
        ("m-admin01", &["--role", "admin", "--tenant", "102016"][..]),
    ] {
        let made = madoguchi_tests::add_staff_with(
            data.path(),
            login,
            "職員",
            "shimin",
            "correct horse",
            flags,
        )
        .await
        .unwrap();
        assert!(made.status.success());
    }
    let cities = data.path().join("cities.toml");
    std::fs::write(&cities, "[[city]]\ncode = \"102016\"\nname = \"前橋市\"\n").unwrap();
    let server = ServerProcess::start_with(
        0,
        data.path(),
        None,
        &[
            "--bucket-dir",
            &bucket.display().to_string(),
            "--import-interval-secs",
            "1",
            "--cities",
            &cities.display().to_string(),
        ],
    )
    .await
    .unwrap();
    let ours = server.sign_in("admin01", "correct horse").await.unwrap();
    let theirs = server.sign_in("m-admin01", "correct horse").await.unwrap();

    // Each core system writes its register: the same generator, other people.
    let (our_seed, their_seed) = (20_270_201u64, 7u64);
    simulate_in(&bucket, &["full", "--households", "120"]).await;
    simulate_in(
        &bucket,
        &[
            "--prefix",
            "102016/inbound/juki/",
            "--seed",
            &their_seed.to_string(),
            "full",
            "--households",
            "80",
        ],
    )
    .await;
    let our_state = wait_for_files(&server, &ours, 1).await;
    let their_state = wait_for_files(&server, &theirs, 1).await;
    let (our_file, their_file) = (
        our_state["last_file"].as_str().unwrap(),
        their_state["last_file"].as_str().unwrap(),
    );
    assert!(our_file.starts_with("inbound/juki/full/"), "{our_state}");
    assert!(
        their_file.starts_with("102016/inbound/juki/full/"),
        "{their_state}"
    );
    assert_eq!(our_state["files_imported"], 1, "{our_state}");
    assert_eq!(their_state["files_imported"], 1, "{their_state}");

    let search = |cookie: String, q: String| {
        let server = &server;
        async move {
            let (status, _, body) = server
                .request(
                    "GET",
                    &format!(
                        "/api/residents?q={}",
                        percent_encoding::utf8_percent_encode(
                            &q,
                            percent_encoding::NON_ALPHANUMERIC
                        )
                    ),
                    None,
                    Some(&cookie),
                )
                .await
                .unwrap();
            assert_eq!(status, 200, "{}", String::from_utf8_lossy(&body));
            let found: serde_json::Value = serde_json::from_slice(&body).unwrap();
            found["residents"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| {
                    (
                        r["atena_number"].as_str().unwrap().to_owned(),
                        r["name"].as_str().unwrap().to_owned(),
                        r["birth_date"].as_str().unwrap().to_owned(),
                    )
                })
                .collect::<Vec<_>>()
        }
    };
    let our_people = Population::generate(our_seed, 120).residents;
    let their_people = Population::generate(their_seed, 80).residents;
    // Someone of 前橋市 whose name and birth date 高崎市 does not have, and the one of 高崎市
    // with the same 宛名番号 (the generator numbers both from the same start).
    let theirs_only = their_people
        .iter()
        .find(|r| {
            !r.protected
                && our_people
                    .iter()
                    .any(|o| o.atena_number == r.atena_number && !o.protected)
                && !our_people
                    .iter()
                    .any(|o| o.name == r.name && o.birth_date == r.birth_date)
        })
        .expect("the two registers share a 宛名番号 with different people");
    let namesake = our_people
        .iter()
        .find(|o| o.atena_number == theirs_only.atena_number)
        .unwrap();
    let query = format!("{} {}", theirs_only.name, theirs_only.birth_date);
    let found = search(theirs.clone(), query.clone()).await;
    assert_eq!(
        found,
        vec![(
            theirs_only.atena_number.clone(),
            theirs_only.name.clone(),
            theirs_only.birth_date.clone()
        )],
        "{query}"
    );
    assert!(
        search(ours.clone(), query.clone()).await.is_empty(),
        "{query}"
    );
    let query = format!("{} {}", namesake.name, namesake.birth_date);
    let found = search(ours.clone(), query.clone()).await;
    assert!(
        found.contains(&(
            namesake.atena_number.clone(),
            namesake.name.clone(),
            namesake.birth_date.clone()
        )),
        "{query}: {found:?}"
    );
    assert!(
        !search(theirs.clone(), query.clone())
            .await
            .iter()
            .any(|(atena, ..)| *atena == namesake.atena_number),
        "{query}"
    );
    // A household is looked up in the caller's register.
    let (status, _, body) = server
        .request(
            "GET",
            &format!("/api/residents/household/{}", theirs_only.household_number),
            None,
            Some(&theirs),
        )
        .await
        .unwrap();
    assert_eq!(status, 200);
    let members: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
    assert!(
        members
            .iter()
            .any(|m| m["atena_number"] == theirs_only.atena_number.as_str()
                && m["name"] == theirs_only.name.as_str())
    );
    let (_, _, body) = server
        .request(
            "GET",
            &format!("/api/residents/household/{}", theirs_only.household_number),
            None,
            Some(&ours),
        )
        .await
        .unwrap();
    assert!(
        !String::from_utf8_lossy(&body).contains(&theirs_only.name),
        "Takasaki's household lookup shows a person of Maebashi"
    );
    // Each city's log has its own import and its own lookups.
    for (cookie, file, other) in [
        (&ours, our_file, their_file),
        (&theirs, their_file, our_file),
    ] {
        let (_, _, body) = server
            .request("GET", "/api/audit?limit=1000", None, Some(cookie))
            .await
            .unwrap();
        let log: Vec<serde_json::Value> = serde_json::from_slice(&body).unwrap();
        let imported = |key: &str| {
            log.iter().any(|e| {
                e["action"] == "import_file"
                    && e["detail"]
                        .as_str()
                        .is_some_and(|d| d.starts_with(&format!("{key} (")))
            })
        };
        assert!(imported(file), "{file} missing from its city's log");
        assert!(!imported(other), "{other} in the other city's log");
    }
}
