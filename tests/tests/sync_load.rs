//! The benchmark's load generator, small, against both servers: our sync-server (a 市民課
//! staff member's session, so every document passes the grant check) and the JS reference
//! server (npm automerge-repo 2.5.6). Each scenario ends with every document read back from
//! the server and compared with its writer's heads ([`sync_load::check_converged`]); the
//! figures themselves belong to `cargo xtask bench`, not here.

use std::time::Duration;

use madoguchi_tests::sync_load::{self, FinalHeads};
use madoguchi_tests::{JsSyncServer, ServerProcess, add_staff};

/// Runs the three scenarios small against `url` and checks that every document converged.
async fn converges(url: &str) {
    let edits = sync_load::throughput(
        url,
        6,
        3,
        Duration::from_millis(100),
        Duration::from_millis(600),
    )
    .await
    .unwrap();
    assert!(edits.acknowledged > 0, "no edit was acknowledged");
    assert_eq!(edits.heads.len(), 18);
    let pairs = sync_load::propagation(
        url,
        3,
        Duration::from_millis(50),
        Duration::from_millis(400),
    )
    .await
    .unwrap();
    assert!(
        !pairs.latencies_ms.is_empty(),
        "no edit reached the other counter"
    );
    let offline = sync_load::catch_up(url, 3, 4, 5).await.unwrap();
    assert_eq!(offline.edits, 60);

    let mut all: FinalHeads = edits.heads;
    all.extend(pairs.heads);
    all.extend(offline.heads);
    sync_load::check_converged(url, "convergence-check", &all)
        .await
        .unwrap();

    // The check is not blind: heads the server never got are reported as a divergence.
    let document_id = all[0].0;
    all[0].1.push(automerge::ChangeHash([7; 32]));
    let diverged = sync_load::check_converged(url, "divergence-check", &all[..1]).await;
    assert!(
        matches!(diverged, Err(sync_load::LoadError::Diverged { document_id: d, .. }) if d == document_id),
        "{diverged:?}"
    );
}

#[tokio::test]
async fn the_load_generator_converges_on_our_server() {
    let data = tempfile::tempdir().unwrap();
    let made = add_staff(
        data.path(),
        "counter-1",
        "試験 窓口",
        "shimin",
        "counter password",
    )
    .await
    .unwrap();
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let server = ServerProcess::start(data.path(), None).await.unwrap();
    let cookie = server
        .sign_in("counter-1", "counter password")
        .await
        .unwrap();
    let token = cookie.split_once('=').unwrap().1;
    converges(&server.url_with_session(token)).await;
}

#[tokio::test]
async fn the_load_generator_converges_on_the_js_server() {
    let data = tempfile::tempdir().unwrap();
    let mut server = JsSyncServer::start(data.path()).await.unwrap();
    converges(&server.sync_url()).await;
    server.stop().await.unwrap();
}
