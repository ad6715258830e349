//! The 住基 import over the folder bucket: full and delta files imported exactly once; every
//! good row taken, every bad row set aside with its line, column and reason while the
//! resident's previous record stays; files wrong as files (encoding, header, columns, too
//! many bad rows) refused whole with their location, nothing accepted lost.

use std::sync::Arc;

use shared_model::synthetic::{Population, Resident};
use shared_model::tenant::TAKASAKI;

use shared_model::validate::m11_check_digit;
use sync_server::exchange::bucket::{Bucket, FolderBucket};
use sync_server::exchange::import::{ImportError, ImportReport, import_pending};
use sync_server::exchange::layout::ResidentLayout;
use sync_server::exchange::poller::ImportPoller;
use sync_server::store::{ResidentQuery, Store};

const PREFIX: &str = "inbound/juki/";

/// Imports what waits under [`PREFIX`] into Takasaki's register.
async fn import_takasaki<B: Bucket>(
    bucket: &B,
    store: &Arc<Store>,
    layout: &ResidentLayout,
    now_ms: i64,
) -> Result<Vec<Result<ImportReport, ImportError>>, ImportError> {
    import_pending(bucket, store, TAKASAKI, layout, PREFIX, now_ms).await
}

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
    let store = Arc::new(Store::scratch().unwrap());
    let population = Population::generate(11, 300);
    bucket
        .put(
            "inbound/juki/full/20270201-0800.csv",
            full(&population.residents).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
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
    import_takasaki(&f.bucket, &f.store, &ResidentLayout::default(), 2)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_full_file_fills_the_register_once() {
    let f = fixture().await;
    assert_eq!(
        f.store.register(TAKASAKI).resident_count().unwrap(),
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
        .register(TAKASAKI)
        .search_residents(&ResidentQuery::Text(prefix), 100, false)
        .unwrap();
    assert!(found.iter().any(|r| r == someone));
    // The same file again: nothing to do.
    assert!(import(&f).await.is_empty());
}

#[tokio::test]
async fn a_delta_adds_changes_and_removes() {
    let f = fixture().await;
    let before = f.store.register(TAKASAKI).resident_count().unwrap();
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
    assert_eq!(f.store.register(TAKASAKI).resident_count().unwrap(), before);
    let household = f
        .store
        .register(TAKASAKI)
        .household(&changed.household_number, true)
        .unwrap();
    assert!(household.iter().any(|r| r.name == "変更 後") || changed.protected);
    assert!(
        f.store
            .register(TAKASAKI)
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

/// Puts a broken file, imports, and checks it was refused whole with `check` and changed
/// nothing.
async fn refused(f: &Fixture, name: &str, bytes: Vec<u8>, check: impl Fn(&ImportError)) {
    let before = f.store.register(TAKASAKI).resident_count().unwrap();
    f.bucket
        .put(&format!("inbound/juki/delta/{name}"), bytes)
        .await
        .unwrap();
    let results = import(f).await;
    assert_eq!(results.len(), 1, "{name}");
    let error = results[0].as_ref().unwrap_err();
    check(error);
    assert_eq!(
        f.store.register(TAKASAKI).resident_count().unwrap(),
        before,
        "{name} changed nothing"
    );
    // Reported once, not retried while unchanged.
    assert!(import(f).await.is_empty());
}

fn rows_error(error: &ImportError) -> Vec<(u64, String)> {
    match error {
        ImportError::TooManyBadRows { errors, .. } => errors
            .iter()
            .map(|e| {
                let problems: Vec<String> = e
                    .problems
                    .iter()
                    .map(|(column, reason)| format!("{column}: {reason}"))
                    .collect();
                (e.line, problems.join(" / "))
            })
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
async fn too_many_and_too_few_columns_are_named_with_their_line() {
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
    // Every row of another width: not this layout at all.
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for line in &mut lines[1..] {
        *line = line.split(',').take(5).collect::<Vec<_>>().join(",");
    }
    refused(
        &f,
        "narrow.csv",
        (lines.join("\n") + "\n").into_bytes(),
        |e| {
            assert!(
                matches!(
                    e,
                    ImportError::Columns {
                        bad: 2,
                        rows: 2,
                        expected: 13,
                        ..
                    }
                ),
                "{e}"
            );
        },
    )
    .await;
}

#[tokio::test]
async fn a_truncated_upload_is_named() {
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
async fn an_invalid_date_is_named() {
    let f = fixture().await;
    let text = delta_row(&f, |r| r.birth_date = "2023-13-30".into());
    refused(&f, "date.csv", text.into_bytes(), |e| {
        let rows = rows_error(e);
        assert_eq!(rows, vec![(3, rows[0].1.clone())]);
        assert!(rows[0].1.contains("生年月日"), "{rows:?}");
    })
    .await;
}

#[tokio::test]
async fn a_broken_check_digit_is_named() {
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
            matches!(e, ImportError::Encoding { offset: o, .. } if *o == offset),
            "{e}"
        );
        assert!(e.to_string().contains("encoding"), "{e}");
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

// --- row-level acceptance (issue 11, part 1) -----------------------------------------------

/// The demo register's first 4,343 residents: the file size of the example.
fn register_of_4343() -> Vec<Resident> {
    let residents = Population::generate(20_270_201, 2_100).residents;
    assert!(residents.len() >= 4_343);
    residents.into_iter().take(4_343).collect()
}

async fn empty_fixture() -> (tempfile::TempDir, FolderBucket, Arc<Store>) {
    let dir = tempfile::tempdir().unwrap();
    let bucket = FolderBucket::new(dir.path());
    let store = Arc::new(Store::scratch().unwrap());
    (dir, bucket, store)
}

/// A person whose 生年月日 is 1950-00-00 (月日不詳, as some foreign residents' are).
fn unknown_birth(atena: &str, household: &str) -> Resident {
    Resident {
        atena_number: atena.into(),
        household_number: household.into(),
        name: "グエン ティ ラン".into(),
        kana: "グエン\u{3000}ティ\u{3000}ラン".into(),
        birth_date: "1950-00-00".into(),
        sex: "female".into(),
        relationship: "世帯主".into(),
        address: "群馬県高崎市八島町222番地".into(),
        postal_code: "370-0849".into(),
        head_name: "グエン ティ ラン".into(),
        my_number: String::new(),
        protected: false,
    }
}

fn with_check_digit(body: &str) -> String {
    let digits: Vec<u32> = body.chars().map(|c| c.to_digit(10).unwrap()).collect();
    format!("{body}{}", m11_check_digit(&digits))
}

#[tokio::test]
async fn a_full_file_with_a_birth_date_of_unknown_month_and_day_imports_every_row() {
    let (_dir, bucket, store) = empty_fixture().await;
    let mut residents = register_of_4343();
    residents.push(unknown_birth(
        &with_check_digit("999000001"),
        &with_check_digit("999000002"),
    ));
    bucket
        .put(
            "inbound/juki/full/20270201.csv",
            full(&residents).into_bytes(),
        )
        .await
        .unwrap();
    let poller = ImportPoller::new(TAKASAKI, 60, PREFIX, ResidentLayout::default()).unwrap();
    poller.poll_once(&bucket, &store, 1).await;
    let state = poller.state(2);
    assert_eq!(state.files_imported, 1, "{:?}", state.errors);
    assert_eq!(state.last_rows, Some(4_344));
    assert_eq!(state.last_quarantined, Some(0));
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_344);
    let stored = store
        .register(TAKASAKI)
        .resident(&with_check_digit("999000001"))
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.birth_date, "1950-00-00",
        "stored as 不詳, not as a made-up day"
    );
    let shown = shared_model::calendar::read_date(&stored.birth_date).unwrap();
    assert_eq!(shown.date.to_japanese(), "昭和25年月日不詳");
    // Found by it, too.
    let found = store
        .register(TAKASAKI)
        .search_residents(&ResidentQuery::BirthDate("1950-00-00".into()), 10, false)
        .unwrap();
    assert_eq!(found.len(), 1);
}

#[tokio::test]
async fn numbers_without_a_check_digit_import_when_the_layout_says_so() {
    let (_dir, bucket, store) = empty_fixture().await;
    // The same register numbered by a core system of another era: serials, no M11 digit.
    let residents: Vec<Resident> = register_of_4343()
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.atena_number = format!("{:010}", 1_000_000 + i * 7 + 1);
            r.household_number = format!("{:010}", 2_000_000 + i / 2);
            r
        })
        .collect();
    let without: Vec<&Resident> = residents
        .iter()
        .filter(|r| {
            let d: Vec<u32> = r
                .atena_number
                .chars()
                .map(|c| c.to_digit(10).unwrap())
                .collect();
            m11_check_digit(&d[..d.len() - 1]) != d[d.len() - 1]
        })
        .collect();
    assert!(without.len() > 3_000, "most serials fail M11");
    bucket
        .put(
            "inbound/juki/full/serials.csv",
            full(&residents).into_bytes(),
        )
        .await
        .unwrap();
    // With check digits expected: refused whole, and it says what to set.
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    let error = results[0].as_ref().unwrap_err();
    assert!(
        matches!(error, ImportError::TooManyBadRows { .. }),
        "{error}"
    );
    assert!(error.to_string().contains("check_digit = false"), "{error}");
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 0);
    // The layout says these numbers carry none: the same file is tried again, and taken.
    let mut layout = ResidentLayout::default();
    layout.rules.check_digit = false;
    let results = import_takasaki(&bucket, &store, &layout, 2).await.unwrap();
    assert_eq!(
        results.len(),
        1,
        "a refused file is tried again under a new layout"
    );
    assert_eq!(results[0].as_ref().unwrap().rows, 4_343);
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_343);
    assert!(
        store
            .register(TAKASAKI)
            .resident(&without[0].atena_number)
            .unwrap()
            .is_some()
    );
}

/// A register numbered as e-SUITE might: 15 digits, zero-padded, M11 check digit.
fn padded(residents: Vec<Resident>) -> Vec<Resident> {
    residents
        .into_iter()
        .enumerate()
        .map(|(i, mut r)| {
            r.atena_number = with_check_digit(&format!("{:014}", 123_000 + i));
            r.household_number = with_check_digit(&format!("{:014}", 456_000 + i / 2));
            r
        })
        .collect()
}

#[tokio::test]
async fn a_bad_row_is_set_aside_and_the_residents_previous_record_kept() {
    let (_dir, bucket, store, residents) = loaded_register().await;
    // The next day's full file: one フリガナ with kanji, one number that lost its zeros, and
    // one moved resident whose row is fine.
    let mut next = residents.clone();
    next[10].kana = "高崎　花子".into();
    let lost = next[20].atena_number.trim_start_matches('0').to_owned();
    next[20].atena_number = lost.clone();
    next[20].address = "群馬県高崎市高松町35番地1".into();
    next[30].address = "群馬県高崎市八島町222番地".into();
    bucket
        .put("inbound/juki/full/day2.csv", full(&next).into_bytes())
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    let report = results[0].as_ref().unwrap();
    assert_eq!((report.rows, report.quarantined), (4_341, 2));
    // Nobody lost: the two bad rows' persons keep their previous records.
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_343);
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&residents[10].atena_number)
            .unwrap()
            .unwrap(),
        residents[10]
    );
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&residents[20].atena_number)
            .unwrap()
            .unwrap(),
        residents[20]
    );
    // ... and no one under the shortened key.
    assert!(store.register(TAKASAKI).resident(&lost).unwrap().is_none());
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&residents[30].atena_number)
            .unwrap()
            .unwrap()
            .address,
        "群馬県高崎市八島町222番地"
    );
    // Each set-aside row with its file, line, column and reason, for the admin face.
    let quarantine = store.register(TAKASAKI).quarantine(10).unwrap();
    assert_eq!(quarantine.len(), 2);
    let by_line = |line: u64| quarantine.iter().find(|q| q.line == line).unwrap();
    let kana = by_line(12);
    assert_eq!(kana.file, "inbound/juki/full/day2.csv");
    assert_eq!(kana.column, "氏名_フリガナ");
    assert!(kana.reason.contains("カタカナ"), "{}", kana.reason);
    let zeros = by_line(22);
    assert_eq!(zeros.column, "宛名番号");
    assert!(
        zeros.reason.contains("先頭の0が欠けています"),
        "{}",
        zeros.reason
    );
    // ... and in the audit log.
    let audit = store.search_audit("import_row_quarantined", 10).unwrap();
    assert_eq!(audit.len(), 2);
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains("day2.csv 12行目 氏名_フリガナ"))
    );
    // A later file that brings the rows right takes them.
    bucket
        .put("inbound/juki/full/day3.csv", full(&residents).into_bytes())
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 3)
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().quarantined, 0);
}

#[tokio::test]
async fn numbers_that_lost_their_leading_zeros_are_never_stored_under_another_key() {
    let (_dir, bucket, store, residents) = loaded_register().await;
    // The file opened in a spreadsheet and saved again: every number lost its zeros.
    let resaved: Vec<Resident> = residents
        .iter()
        .cloned()
        .map(|mut r| {
            r.atena_number = r.atena_number.trim_start_matches('0').to_owned();
            r.household_number = r.household_number.trim_start_matches('0').to_owned();
            r
        })
        .collect();
    bucket
        .put(
            "inbound/juki/delta/resaved.csv",
            csv_of(
                &resaved
                    .iter()
                    .map(|r| (r.clone(), "修正"))
                    .collect::<Vec<_>>(),
            )
            .into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    let error = results[0].as_ref().unwrap_err();
    assert!(
        error.to_string().contains("先頭の0が欠けています"),
        "{error}"
    );
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_343);
    assert!(
        store
            .register(TAKASAKI)
            .resident(&resaved[0].atena_number)
            .unwrap()
            .is_none()
    );
    // The first file of an empty register: its widest number sets the width.
    let (_dir2, bucket2, store2) = empty_fixture().await;
    let mut first = residents.clone();
    first[5].atena_number = first[5].atena_number.trim_start_matches('0').to_owned();
    bucket2
        .put("inbound/juki/full/first.csv", full(&first).into_bytes())
        .await
        .unwrap();
    let results = import_pending(
        &bucket2,
        &store2,
        TAKASAKI,
        &ResidentLayout::default(),
        PREFIX,
        1,
    )
    .await
    .unwrap();
    assert_eq!(results[0].as_ref().unwrap().quarantined, 1);
    assert!(
        store2
            .register(TAKASAKI)
            .resident(&first[5].atena_number)
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn line_numbers_stay_right_after_a_quoted_line_break() {
    let (_dir, bucket, store) = empty_fixture().await;
    let mut residents = padded(register_of_4343());
    // 方書 on a second line inside the quoted 住所, as some core systems write it.
    residents[0].address = "群馬県高崎市貝沢町429番地2\nコーポ高崎101".into();
    residents[1].address = "群馬県高崎市八島町\r\n222番地".into();
    residents[2].relationship = "孫".into();
    let text = full(&residents);
    assert!(
        text.lines().nth(1).unwrap().ends_with("2"),
        "the break is inside the field"
    );
    bucket
        .put("inbound/juki/full/breaks.csv", text.into_bytes())
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().quarantined, 1);
    let q = &store.register(TAKASAKI).quarantine(1).unwrap()[0];
    // Header 1, row 1 on lines 2–3, row 2 on lines 4–5, row 3 on line 6.
    assert_eq!((q.line, q.column.as_str()), (6, "続柄"));
    assert!(q.reason.contains("子の子"), "{}", q.reason);
    let stored = store
        .register(TAKASAKI)
        .resident(&residents[0].atena_number)
        .unwrap()
        .unwrap();
    assert_eq!(stored.address, residents[0].address);
    // The same file as Windows writes it (CRLF between rows): the same lines.
    let crlf = full(&residents)
        .split_inclusive('\n')
        .scan(false, |quoted, piece| {
            // Only row ends become CRLF: a break inside a quoted field stays as it is.
            let quotes = piece.matches('"').count();
            let ends_row = !*quoted ^ (quotes % 2 == 1);
            *quoted ^= quotes % 2 == 1;
            Some(
                if ends_row && piece.ends_with('\n') && !piece.ends_with("\r\n") {
                    format!("{}\r\n", &piece[..piece.len() - 1])
                } else {
                    piece.to_owned()
                },
            )
        })
        .collect::<String>();
    assert!(crlf.contains("\r\n"));
    bucket
        .put("inbound/juki/full/breaks2.csv", crlf.into_bytes())
        .await
        .unwrap();
    import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    let q = &store.register(TAKASAKI).quarantine(1).unwrap()[0];
    assert_eq!(q.file, "inbound/juki/full/breaks2.csv");
    assert_eq!((q.line, q.column.as_str()), (6, "続柄"));
}

#[tokio::test]
async fn a_shift_jis_file_imports_when_the_layout_says_so() {
    let (_dir, bucket, store) = empty_fixture().await;
    let mut residents = padded(register_of_4343());
    // CP932 has the IBM extensions: 髙 and 﨑 are there.
    residents[0].name = "髙橋 﨑子".into();
    let text = full(&residents);
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
    assert!(!unmappable);
    bucket
        .put("inbound/juki/full/sjis.csv", bytes.into_owned())
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    assert!(matches!(results[0], Err(ImportError::Encoding { .. })));
    let layout = ResidentLayout::from_toml(&format!(
        "encoding = \"cp932\"\ncolumns = [{}]",
        ResidentLayout::default()
            .headers()
            .iter()
            .zip([
                "atena_number",
                "household_number",
                "name",
                "kana",
                "birth_date",
                "sex",
                "relationship",
                "address",
                "postal_code",
                "head_name",
                "my_number",
                "protected",
                "change",
            ])
            .map(|(h, f)| format!("{{ header = \"{h}\", field = \"{f}\" }}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))
    .unwrap();
    let results = import_takasaki(&bucket, &store, &layout, 2).await.unwrap();
    assert_eq!(results[0].as_ref().unwrap().rows, 4_343);
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&residents[0].atena_number)
            .unwrap()
            .unwrap()
            .name,
        "髙橋 﨑子"
    );
}

#[tokio::test]
async fn the_standards_values_are_taken_and_names_kept_byte_for_byte() {
    let (_dir, bucket, store) = empty_fixture().await;
    let mut residents = padded(register_of_4343());
    let cases = [
        ("子の妻", "子の妻"),
        ("妻（未届）", "妻（未届）"),
        ("妻(未届)", "妻（未届）"),
        ("縁故者", "縁故者"),
        ("同居人", "同居人"),
        ("妻（未届）の子", "妻（未届）の子"),
        ("子の子の子の子", "子の子の子の子"),
        ("父の母", "父の母"),
    ];
    for (i, (written, _)) in cases.iter().enumerate() {
        residents[i].relationship = (*written).into();
    }
    let names = [
        "髙橋 一郎",
        "𠮷田 花子",
        "葛\u{E0100}城 太郎",
        "辻\u{E0101} 次郎",
        "ZHANG YULIN",
    ];
    for (i, name) in names.iter().enumerate() {
        residents[10 + i].name = (*name).into();
    }
    let births = [
        ("1950-00-00", "1950-00-00"),
        ("1950年3月日不詳", "1950-03-00"),
        ("年月日不詳", "0000-00-00"),
        ("昭和25年月日不詳", "1950-00-00"),
        ("1900-02-29", "1900-02-29"),
        ("S25.3.1", "1950-03-01"),
        ("平成31年5月1日", "2019-05-01"),
    ];
    for (i, (written, _)) in births.iter().enumerate() {
        residents[20 + i].birth_date = (*written).into();
    }
    residents[30].kana = "ﾀｶｻｷ ﾊﾅｺ".into();
    residents[31].postal_code = "〒３７０－０８２９".into();
    residents[32].my_number = format!(
        "{} {} {}",
        &residents[32].my_number[..4],
        &residents[32].my_number[4..8],
        &residents[32].my_number[8..]
    );
    bucket
        .put(
            "inbound/juki/full/standard.csv",
            full(&residents).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    let report = results[0].as_ref().unwrap();
    assert_eq!(
        (report.rows, report.quarantined),
        (4_343, 0),
        "{:?}",
        store.register(TAKASAKI).quarantine(10)
    );
    let stored = |i: usize| {
        store
            .register(TAKASAKI)
            .resident(&residents[i].atena_number)
            .unwrap()
            .unwrap()
    };
    for (i, (_, canonical)) in cases.iter().enumerate() {
        assert_eq!(stored(i).relationship, *canonical);
    }
    for (i, name) in names.iter().enumerate() {
        assert_eq!(stored(10 + i).name.as_bytes(), name.as_bytes(), "{name}");
    }
    for (i, (_, canonical)) in births.iter().enumerate() {
        assert_eq!(stored(20 + i).birth_date, *canonical);
    }
    assert_eq!(stored(30).kana, "タカサキ\u{3000}ハナコ");
    assert_eq!(stored(31).postal_code, "370-0829");
    assert_eq!(
        stored(32).my_number,
        residents[33 - 1].my_number.replace(' ', "")
    );
    // The names outside JIS X 0208 are found the way counters type them.
    for (q, i) in [
        ("高橋一郎", 10),
        ("吉田花子", 11),
        ("葛城", 12),
        ("辻 次郎", 13),
    ] {
        let found = store
            .register(TAKASAKI)
            .search_residents(&ResidentQuery::Text(q.into()), 50, false)
            .unwrap();
        assert!(
            found
                .iter()
                .any(|r| r.atena_number == residents[i].atena_number),
            "{q}"
        );
    }
}

#[tokio::test]
async fn more_bad_rows_than_the_layouts_share_refuse_the_file() {
    let (_dir, bucket, store) = empty_fixture().await;
    let mut residents = padded(register_of_4343());
    // 2 % bad: above the default 1 %.
    for r in residents.iter_mut().step_by(50) {
        r.relationship = "孫".into();
    }
    bucket
        .put("inbound/juki/full/bad.csv", full(&residents).into_bytes())
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    let error = results[0].as_ref().unwrap_err();
    let ImportError::TooManyBadRows { errors, rows, .. } = error else {
        panic!("{error}");
    };
    assert_eq!((errors.len(), *rows), (87, 4_343));
    assert!(error.to_string().contains("2行目 続柄"), "{error}");
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 0);
    // A layout that tolerates 5 % takes the good rows.
    let mut layout = ResidentLayout::default();
    layout.rules.max_bad_share = 0.05;
    let results = import_takasaki(&bucket, &store, &layout, 2).await.unwrap();
    assert_eq!(results[0].as_ref().unwrap().quarantined, 87);
    assert_eq!(
        store.register(TAKASAKI).resident_count().unwrap(),
        4_343 - 87
    );
}

#[tokio::test]
async fn files_are_taken_in_the_order_the_core_system_wrote_them() {
    let (_dir, bucket, store) = empty_fixture().await;
    let residents = padded(register_of_4343());
    // The 08:00 full file and the 08:05 delta arrive in the same poll; by path the delta
    // ("delta/" < "full/") would come first and the full file would wipe it.
    bucket
        .put(
            "inbound/juki/full/20270201-080000.csv",
            full(&residents).into_bytes(),
        )
        .await
        .unwrap();
    let mut moved = residents[0].clone();
    moved.address = "群馬県高崎市八島町222番地".into();
    bucket
        .put(
            "inbound/juki/delta/20270201-080500.csv",
            csv_of(&[(moved.clone(), "修正")]).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    let keys: Vec<&str> = results
        .iter()
        .map(|r| r.as_ref().unwrap().key.as_str())
        .collect();
    assert_eq!(
        keys,
        [
            "inbound/juki/full/20270201-080000.csv",
            "inbound/juki/delta/20270201-080500.csv"
        ]
    );
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&moved.atena_number)
            .unwrap()
            .unwrap()
            .address,
        moved.address
    );
}

// --- what a first user broke (issue 11, after review) --------------------------------------

async fn loaded_register() -> (tempfile::TempDir, FolderBucket, Arc<Store>, Vec<Resident>) {
    let (dir, bucket, store) = empty_fixture().await;
    let residents = padded(register_of_4343());
    bucket
        .put(
            "inbound/juki/full/20270201-080000.csv",
            full(&residents).into_bytes(),
        )
        .await
        .unwrap();
    import_takasaki(&bucket, &store, &ResidentLayout::default(), 1)
        .await
        .unwrap();
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_343);
    (dir, bucket, store, residents)
}

#[tokio::test]
async fn a_full_file_of_only_a_header_or_cut_at_a_line_end_empties_nothing() {
    let (_dir, bucket, store, residents) = loaded_register().await;
    let header_only = ResidentLayout::default().headers().join(",") + "\r\n";
    bucket
        .put(
            "inbound/juki/full/20270202-080000.csv",
            header_only.into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    let error = results[0].as_ref().unwrap_err();
    assert!(matches!(error, ImportError::EmptyFull { .. }), "{error}");
    assert!(
        error.to_string().contains("データ行がありません"),
        "{error}"
    );
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_343);
    // Cut after a thousand rows, at a line end: every row is whole, the file is not.
    bucket
        .put(
            "inbound/juki/full/20270203-080000.csv",
            full(&residents[..1_000]).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 3)
        .await
        .unwrap();
    let error = results[0].as_ref().unwrap_err();
    assert!(
        matches!(
            error,
            ImportError::Shrunk {
                rows: 1_000,
                registered: 4_343,
                ..
            }
        ),
        "{error}"
    );
    assert_eq!(store.register(TAKASAKI).resident_count().unwrap(), 4_343);
    // An empty object is refused as empty.
    bucket
        .put("inbound/juki/delta/20270204-080000.csv", Vec::new())
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 4)
        .await
        .unwrap();
    assert!(
        results[0]
            .as_ref()
            .unwrap_err()
            .to_string()
            .contains("ファイルが空です"),
        "{:?}",
        results[0]
    );
}

#[tokio::test]
async fn rows_of_the_wrong_width_keep_their_residents() {
    let (_dir, bucket, store, residents) = loaded_register().await;
    let text = full(&residents);
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    lines[19].push_str(",余分");
    lines[27] = lines[27].split(',').take(5).collect::<Vec<_>>().join(",");
    bucket
        .put(
            "inbound/juki/full/20270202-080000.csv",
            (lines.join("\r\n") + "\r\n").into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().quarantined, 2);
    assert_eq!(
        store.register(TAKASAKI).resident_count().unwrap(),
        4_343,
        "nobody removed"
    );
    assert!(
        store
            .register(TAKASAKI)
            .resident(&residents[18].atena_number)
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .register(TAKASAKI)
            .resident(&residents[26].atena_number)
            .unwrap()
            .is_some()
    );
    // A bad row whose 宛名番号 cannot be read could be anyone's: nobody missing is removed.
    let mut next = residents.clone();
    next[4].atena_number = "不明".into();
    next.truncate(next.len() - 3);
    bucket
        .put(
            "inbound/juki/full/20270203-080000.csv",
            full(&next).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 3)
        .await
        .unwrap();
    assert!(results[0].is_ok(), "{:?}", results[0]);
    assert!(
        store
            .register(TAKASAKI)
            .resident(&residents[4_342].atena_number)
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn an_older_file_is_never_applied_over_a_newer_one() {
    let (_dir, bucket, store, residents) = loaded_register().await;
    // 09:20: one good row and one bad row in two: refused whole at the default 1 %.
    let mut first = residents[0].clone();
    first.address = "群馬県高崎市宮元町13番地".into();
    let mut broken = residents[1].clone();
    broken.relationship = "孫".into();
    bucket
        .put(
            "inbound/juki/delta/20270201-092000.csv",
            csv_of(&[(first, "修正"), (broken, "修正")]).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    assert!(results[0].is_err());
    // 09:70 (later): the newer address.
    let mut newer = residents[0].clone();
    newer.address = "群馬県高崎市宮元町99番地".into();
    bucket
        .put(
            "inbound/juki/delta/20270201-097000.csv",
            csv_of(&[(newer.clone(), "修正")]).into_bytes(),
        )
        .await
        .unwrap();
    import_takasaki(&bucket, &store, &ResidentLayout::default(), 3)
        .await
        .unwrap();
    // The administrator loosens the layout: the 09:20 file is tried again, and refused as
    // older than what the register already has.
    let mut layout = ResidentLayout::default();
    layout.rules.max_bad_share = 0.6;
    let results = import_takasaki(&bucket, &store, &layout, 4).await.unwrap();
    assert_eq!(results.len(), 1);
    let error = results[0].as_ref().unwrap_err();
    assert!(matches!(error, ImportError::Stale { .. }), "{error}");
    assert!(error.to_string().contains("20270201-097000.csv"), "{error}");
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&newer.atena_number)
            .unwrap()
            .unwrap()
            .address,
        "群馬県高崎市宮元町99番地"
    );
}

#[tokio::test]
async fn rows_naming_the_same_resident_twice_are_set_aside() {
    let (_dir, bucket, store, residents) = loaded_register().await;
    let mut next = residents.clone();
    next[25] = residents[24].clone();
    next[25].name = "二番目 の行".into();
    next[24].name = "一番目 の行".into();
    bucket
        .put(
            "inbound/juki/full/20270202-080000.csv",
            full(&next).into_bytes(),
        )
        .await
        .unwrap();
    let results = import_takasaki(&bucket, &store, &ResidentLayout::default(), 2)
        .await
        .unwrap();
    assert_eq!(results[0].as_ref().unwrap().quarantined, 2);
    assert_eq!(
        store
            .register(TAKASAKI)
            .resident(&residents[24].atena_number)
            .unwrap()
            .unwrap()
            .name,
        residents[24].name,
        "neither row: the previous record stays"
    );
    let quarantine = store.register(TAKASAKI).quarantine(10).unwrap();
    let lines: Vec<u64> = quarantine.iter().map(|q| q.line).collect();
    assert!(lines.contains(&26) && lines.contains(&27), "{lines:?}");
    assert!(
        quarantine[0].reason.contains("行目にもあります"),
        "{}",
        quarantine[0].reason
    );
}
