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

use madoguchi_tests::{S3Server, s3_server};
use shared_model::tenant::TAKASAKI;

async fn bucket(server: &S3Server) -> S3Bucket {
    S3Bucket::new(&S3Config {
        endpoint: server.endpoint(),
        region: "ap-tokyo-1".into(),
        bucket: s3_server::BUCKET.into(),
        access_key: s3_server::ACCESS_KEY.into(),
        secret_key: s3_server::SECRET_KEY.into(),
    })
}

#[tokio::test]
async fn objects_round_trip_through_s3() {
    let server = S3Server::start().await.unwrap();
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
    let server = S3Server::start().await.unwrap();
    let bucket = bucket(&server).await;
    let store = Arc::new(Store::scratch().unwrap());
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
    let first = import_pending(&bucket, &store, TAKASAKI, &layout, "inbound/juki/", 1)
        .await
        .unwrap();
    assert_eq!(first[0].as_ref().unwrap().rows, population.residents.len());
    assert_eq!(
        store.register(TAKASAKI).resident_count().unwrap(),
        population.residents.len()
    );
    assert!(
        import_pending(&bucket, &store, TAKASAKI, &layout, "inbound/juki/", 2)
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
    let refused = import_pending(&bucket, &store, TAKASAKI, &layout, "inbound/juki/", 3)
        .await
        .unwrap();
    assert!(matches!(refused[0], Err(ImportError::Header { .. })));
    assert_eq!(
        store.register(TAKASAKI).resident_count().unwrap(),
        population.residents.len()
    );

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
    let fixed = import_pending(&bucket, &store, TAKASAKI, &layout, "inbound/juki/", 4)
        .await
        .unwrap();
    assert_eq!(fixed[0].as_ref().unwrap().rows, 2);
}
