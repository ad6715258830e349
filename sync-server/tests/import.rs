//! The 住基 import over the folder bucket: full and delta files imported exactly once and
//! atomically; each kind of broken file refused with its location, nothing accepted lost.

use std::sync::Arc;

use shared_model::synthetic::{Population, Resident};
use sync_server::exchange::bucket::{Bucket, FolderBucket};
use sync_server::exchange::import::{ImportError, import_pending};
use sync_server::exchange::layout::ResidentLayout;
use sync_server::store::{ResidentQuery, Store};

const PREFIX: &str = "inbound/juki/";

/// A resident file in the default layout; `change` fills 異動区分 (empty for full files).
fn csv_of(residents: &[(Resident, &str)]) -> String {
    ResidentLayout::default().write(residents)
}

fn full(residents: &[Resident]) -> String {
    csv_of(
        &residents
            .iter()
            .map(|r| (r.clone(), ""))
            .collect::<Vec<_>>(),
    )
}

struct Fixture {
    _dir: tempfile::TempDir,
    bucket: FolderBucket,
    store: Arc<Store>,
    population: Population,
}

async fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let bucket = FolderBucket::new(dir.path());
    let store = Arc::new(Store::in_memory().unwrap());
    let population = Population::generate(11, 300);
    bucket
        .put(
            "inbound/juki/full/20270201-0800.csv",
            full(&population.residents).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_pending(&bucket, &store, &ResidentLayout::default(), PREFIX, 1)
        .await
        .unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(
        results[0].as_ref().unwrap().rows,
        population.residents.len()
    );
    Fixture {
        _dir: dir,
        bucket,
        store,
        population,
    }
}

async fn import(
    f: &Fixture,
) -> Vec<Result<sync_server::exchange::import::ImportReport, ImportError>> {
    import_pending(&f.bucket, &f.store, &ResidentLayout::default(), PREFIX, 2)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_file_fills_the_register_once() {
    let f = fixture().await;
    assert_eq!(
        f.store.resident_count().unwrap(),
        f.population.residents.len()
    );
    let someone = f
        .population
        .residents
        .iter()
        .find(|r| !r.protected)
        .unwrap();
    let prefix: String = someone.kana.chars().take(4).collect();
    let found = f
        .store
        .search_residents(&ResidentQuery::KanaPrefix(prefix), 100, false)
        .unwrap();
    assert!(found.iter().any(|r| r == someone));
    // The same file again: nothing to do.
    assert!(import(&f).await.is_empty());
}

#[tokio::test]
async fn a_delta_adds_changes_and_removes() {
    let f = fixture().await;
    let before = f.store.resident_count().unwrap();
    let mut changed = f.population.residents[0].clone();
    changed.name = "変更 後".into();
    let removed = f.population.residents[1].clone();
    let mut added = Population::generate(99, 1).residents[0].clone();
    added.atena_number = "9999999990".into();
    let fixed: Vec<u32> = added.atena_number[..9]
        .chars()
        .map(|c| c.to_digit(10).unwrap())
        .collect();
    added.atena_number = format!(
        "{}{}",
        &added.atena_number[..9],
        shared_model::validate::m11_check_digit(&fixed)
    );
    let delta = csv_of(&[
        (changed.clone(), "修正"),
        (removed.clone(), "削除"),
        (added.clone(), "追加"),
    ]);
    f.bucket
        .put("inbound/juki/delta/20270201-0805.csv", delta.into_bytes())
        .await
        .unwrap();
    let results = import(&f).await;
    assert_eq!(results[0].as_ref().unwrap().rows, 3);
    assert_eq!(f.store.resident_count().unwrap(), before);
    let household = f.store.household(&changed.household_number, true).unwrap();
    assert!(household.iter().any(|r| r.name == "変更 後") || changed.protected);
    assert!(
        f.store
            .search_residents(
                &ResidentQuery::BirthDate(removed.birth_date.clone()),
                500,
                true
            )
            .unwrap()
            .iter()
            .all(|r| r.atena_number != removed.atena_number)
    );
}

/// Puts a broken file, imports, and checks it was refused with `check` and changed nothing.
async fn refused(f: &Fixture, name: &str, bytes: Vec<u8>, check: impl Fn(&ImportError)) {
    let before = f.store.resident_count().unwrap();
    f.bucket
        .put(&format!("inbound/juki/delta/{name}"), bytes)
        .await
        .unwrap();
    let results = import(f).await;
    assert_eq!(results.len(), 1, "{name}");
    let error = results[0].as_ref().unwrap_err();
    check(error);
    assert_eq!(
        f.store.resident_count().unwrap(),
        before,
        "{name} changed nothing"
    );
    // Reported once, not retried while unchanged.
    assert!(import(f).await.is_empty());
}

fn rows_error(error: &ImportError) -> Vec<(usize, String)> {
    match error {
        ImportError::Rows { errors, .. } => errors
            .iter()
            .map(|e| (e.line, e.reasons.join(" / ")))
            .collect(),
        other => panic!("expected row errors, got {other}"),
    }
}

fn delta_row(f: &Fixture, edit: impl Fn(&mut Resident)) -> String {
    let mut r = f.population.residents[2].clone();
    edit(&mut r);
    csv_of(&[(f.population.residents[3].clone(), "修正"), (r, "修正")])
}

#[tokio::test]
async fn a_wrong_header_is_refused() {
    let f = fixture().await;
    let text = delta_row(&f, |_| {}).replacen("氏名_フリガナ", "カナ", 1);
    refused(&f, "header.csv", text.into_bytes(), |e| {
        assert!(
            matches!(e, ImportError::Header { key, .. } if key.ends_with("header.csv")),
            "{e}"
        )
    })
    .await;
}

#[tokio::test]
async fn too_many_and_too_few_columns_are_refused_with_their_line() {
    let f = fixture().await;
    let text = delta_row(&f, |_| {});
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[2].push_str(",extra");
    refused(
        &f,
        "wide.csv",
        (lines.join("\n") + "\n").into_bytes(),
        |e| {
            let rows = rows_error(e);
            assert_eq!(rows[0].0, 3);
            assert!(rows[0].1.contains("列数が14"), "{rows:?}");
        },
    )
    .await;
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[1] = lines[1].split(',').take(5).collect::<Vec<_>>().join(",");
    refused(
        &f,
        "narrow.csv",
        (lines.join("\n") + "\n").into_bytes(),
        |e| {
            assert_eq!(rows_error(e)[0].0, 2);
        },
    )
    .await;
}

#[tokio::test]
async fn a_truncated_upload_is_refused() {
    let f = fixture().await;
    let text = delta_row(&f, |_| {});
    let cut = &text.as_bytes()[..text.len() - 40];
    refused(&f, "truncated.csv", cut.to_vec(), |e| {
        let rows = rows_error(e);
        assert_eq!(rows.last().unwrap().0, 3);
        assert!(rows.last().unwrap().1.contains("途中で切れた"), "{rows:?}");
    })
    .await;
}

#[tokio::test]
async fn an_invalid_date_is_refused() {
    let f = fixture().await;
    let text = delta_row(&f, |r| r.birth_date = "2023-02-30".into());
    refused(&f, "date.csv", text.into_bytes(), |e| {
        let rows = rows_error(e);
        assert_eq!(rows, vec![(3, rows[0].1.clone())]);
        assert!(rows[0].1.contains("生年月日"), "{rows:?}");
    })
    .await;
}

#[tokio::test]
async fn a_broken_check_digit_is_refused() {
    let f = fixture().await;
    let text = delta_row(&f, |r| {
        let last = r.my_number.pop().unwrap();
        r.my_number.push(if last == '0' { '1' } else { '0' });
    });
    refused(&f, "digit.csv", text.into_bytes(), |e| {
        let rows = rows_error(e);
        assert!(rows[0].1.contains("個人番号"), "{rows:?}");
    })
    .await;
}

#[tokio::test]
async fn shift_jis_bytes_are_refused_with_their_offset() {
    let f = fixture().await;
    let mut bytes = ResidentLayout::default().headers().join(",").into_bytes();
    bytes.extend_from_slice(b"\n");
    // 「高崎」 in Shift_JIS.
    bytes.extend_from_slice(&[0x8d, 0x82, 0x8d, 0xe8]);
    let offset = bytes.len() - 4;
    refused(&f, "sjis.csv", bytes, |e| {
        assert!(
            matches!(e, ImportError::NotUtf8 { offset: o, .. } if *o == offset),
            "{e}"
        )
    })
    .await;
}

#[tokio::test]
async fn a_fixed_file_under_the_same_name_is_imported() {
    let f = fixture().await;
    let bad = delta_row(&f, |r| r.birth_date = "not a date".into());
    refused(&f, "retry.csv", bad.into_bytes(), |_| {}).await;
    let good = delta_row(&f, |r| r.name = "直した 名前".into());
    f.bucket
        .put("inbound/juki/delta/retry.csv", good.into_bytes())
        .await
        .unwrap();
    let results = import(&f).await;
    assert_eq!(results[0].as_ref().unwrap().rows, 2);
}
