//! The exchange against a real S3-compatible server (s3s-fs, started on 127.0.0.1 by the
//! test): objects round trip, and the 住基 import works exactly once over it.

use std::sync::Arc;
use std::time::Duration;

use shared_model::synthetic::Population;
use sync_server::exchange::bucket::{Bucket, BucketError};
use sync_server::exchange::import::{ImportError, import_pending};
use sync_server::exchange::layout::ResidentLayout;
use sync_server::exchange::s3::{S3Bucket, S3Config};
use sync_server::store::Store;

/// A running s3s-fs over a temporary folder; killed on drop.
struct S3Server {
    _child: tokio::process::Child,
    _dir: tempfile::TempDir,
    port: u16,
}

async fn s3_server() -> S3Server {
    let dir = tempfile::tempdir().unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let binary = std::env::var_os("S3S_FS_BIN").unwrap_or_else(|| "s3s-fs".into());
    let child = tokio::process::Command::new(&binary)
        .args(["--host", "127.0.0.1", "--port", &port.to_string()])
        .args([
            "--access-key",
            "madoguchi",
            "--secret-key",
            "madoguchi-secret",
        ])
        .arg(dir.path())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("s3s-fs is installed (cargo xtask test installs it)");
    // Owned at once, so the process is killed whatever happens next.
    let server = S3Server {
        _child: child,
        _dir: dir,
        port,
    };
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return server;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("s3s-fs did not start");
}

async fn bucket(server: &S3Server) -> S3Bucket {
    let bucket = S3Bucket::new(&S3Config {
        endpoint: format!("http://127.0.0.1:{}", server.port),
        region: "ap-tokyo-1".into(),
        bucket: "esuite-exchange".into(),
        access_key: "madoguchi".into(),
        secret_key: "madoguchi-secret".into(),
    });
    bucket.create().await.unwrap();
    bucket
}

#[tokio::test]
async fn objects_round_trip_through_s3() {
    let server = s3_server().await;
    let bucket = bucket(&server).await;
    bucket
        .put("inbound/juki/full/a.csv", b"one".to_vec())
        .await
        .unwrap();
    bucket.put("outbound/b.csv", b"two".to_vec()).await.unwrap();
    let listed = bucket.list("inbound/").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key, "inbound/juki/full/a.csv");
    assert_eq!(listed[0].size, 3);
    assert!(!listed[0].etag.is_empty());
    assert_eq!(bucket.get("outbound/b.csv").await.unwrap(), b"two");
    assert!(matches!(
        bucket.get("missing.csv").await,
        Err(BucketError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_import_runs_exactly_once_over_s3_and_refuses_a_broken_file() {
    let server = s3_server().await;
    let bucket = bucket(&server).await;
    let store = Arc::new(Store::in_memory().unwrap());
    let layout = ResidentLayout::default();
    let population = Population::generate(5, 200);
    let rows: Vec<_> = population
        .residents
        .iter()
        .cloned()
        .map(|r| (r, ""))
        .collect();
    bucket
        .put(
            "inbound/juki/full/20270201-0800.csv",
            layout.write(&rows).into_bytes(),
        )
        .await
        .unwrap();
    let first = import_pending(&bucket, &store, &layout, "inbound/juki/", 1)
        .await
        .unwrap();
    assert_eq!(first[0].as_ref().unwrap().rows, population.residents.len());
    assert_eq!(store.resident_count().unwrap(), population.residents.len());
    assert!(
        import_pending(&bucket, &store, &layout, "inbound/juki/", 2)
            .await
            .unwrap()
            .is_empty()
    );

    bucket
        .put(
            "inbound/juki/delta/20270201-0805.csv",
            "宛名番号\n1\n".as_bytes().to_vec(),
        )
        .await
        .unwrap();
    let refused = import_pending(&bucket, &store, &layout, "inbound/juki/", 3)
        .await
        .unwrap();
    assert!(matches!(refused[0], Err(ImportError::Header { .. })));
    assert_eq!(store.resident_count().unwrap(), population.residents.len());

    // The core system puts a corrected file under the same key: a new version, imported.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let fix: Vec<_> = population
        .residents
        .iter()
        .take(2)
        .cloned()
        .map(|r| (r, "修正"))
        .collect();
    bucket
        .put(
            "inbound/juki/delta/20270201-0805.csv",
            layout.write(&fix).into_bytes(),
        )
        .await
        .unwrap();
    let fixed = import_pending(&bucket, &store, &layout, "inbound/juki/", 4)
        .await
        .unwrap();
    assert_eq!(fixed[0].as_ref().unwrap().rows, 2);
}
