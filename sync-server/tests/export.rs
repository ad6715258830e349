//! The export of confirmed notifications through a folder bucket, in-process: outbox in the
//! same transaction as the confirmation, batches exactly once (also after a crash between
//! writing and recording), results read back into the visit, and bad result files refused.

use std::sync::Arc;
use std::time::Duration;

use shared_model::calendar::tokyo_day;
use shared_model::catalog::Department;
use shared_model::synthetic::{Move, Population, move_visit};
use shared_model::tenant::TAKASAKI;
use shared_model::{DocumentId, FormState, VisitDoc};
use sync_server::exchange::bucket::{Bucket, FolderBucket};
use sync_server::exchange::export_map::{ExportMap, write_batch};
use sync_server::exchange::exporter::Exporter;
use sync_server::exchange::sender::{BatchSender, marker_text};
use sync_server::hub::{Hub, MemoryBounds};
use sync_server::store::Store;

/// The server decides with the real clock (届出日 may not be in the future), so the
/// counters here fill their forms for today too.
fn now() -> i64 {
    sync_server::clock::now_ms()
}

/// Today as object keys write it (YYYYMMDD).
fn today_key() -> String {
    tokyo_day(now()).to_string().replace('-', "")
}

struct Fixture {
    _dir: tempfile::TempDir,
    bucket: FolderBucket,
    store: Arc<Store>,
    hub: Arc<Hub>,
    exporter: Exporter,
    population: Population,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let bucket = FolderBucket::new(dir.path().join("bucket"));
    let store = Arc::new(Store::scratch().unwrap());
    // No idle document is kept in memory: every step reads its visit back from the store,
    // so exports and the core system's results are shown to hold across evictions.
    let hub = Arc::new(
        Hub::new("server".into(), store.clone())
            .unwrap()
            .with_exports(TAKASAKI, [(TAKASAKI, ExportMap::builtin().clone())])
            .with_bounds(MemoryBounds {
                idle_documents: 0,
                ..MemoryBounds::default()
            }),
    );
    let exporter = Exporter::new(
        TAKASAKI,
        ExportMap::builtin().clone(),
        "outbound/",
        "inbound/results/",
        100,
        Duration::from_secs(2),
    );
    Fixture {
        _dir: dir,
        bucket,
        store,
        hub,
        exporter,
        population: Population::generate(11, 200),
    }
}

impl Fixture {
    /// A counter confirms a move: the visit reaches the hub, which decides it.
    async fn confirm(&self, i: usize, kind: Move) -> DocumentId {
        let id = DocumentId::random();
        let resident = &self.population.residents[i];
        let mut visit =
            move_visit(id, i as u32 + 1, resident, kind, tokyo_day(now()), now()).unwrap();
        self.hub.merge(id, visit.doc_mut()).await.unwrap();
        id
    }

    async fn status(&self, id: DocumentId, form: &str) -> shared_model::FormStatus {
        self.status_in(&self.hub, id, form).await
    }

    async fn status_in(&self, hub: &Hub, id: DocumentId, form: &str) -> shared_model::FormStatus {
        hub.read(id, |d| {
            VisitDoc::from_doc(d.clone()).unwrap().form_status(form)
        })
        .await
        .unwrap()
        .unwrap()
    }

    /// The core system's result file for the batch file named `batch` (without `.csv`).
    async fn answer(&self, batch: &str, text: String) {
        self.bucket
            .put(
                &format!("inbound/results/{batch}.result.csv"),
                text.into_bytes(),
            )
            .await
            .unwrap();
    }

    async fn cycle(&self) {
        self.exporter
            .cycle(&self.bucket, &self.store, &self.hub, now())
            .await
            .unwrap();
    }

    async fn batch_keys(&self) -> Vec<String> {
        self.bucket
            .list("outbound/")
            .await
            .unwrap()
            .into_iter()
            .map(|o| o.key)
            .filter(|k| k.ends_with(".csv"))
            .collect()
    }

    /// Every record id in every batch file in the bucket (with repeats, if any).
    async fn records_in_bucket(&self) -> Vec<String> {
        let mut out = Vec::new();
        for key in self.batch_keys().await {
            let bytes = self.bucket.get(&key).await.unwrap();
            let mut reader = csv::Reader::from_reader(bytes.as_slice());
            for row in reader.records() {
                let row = row.unwrap();
                if &row[1] == "1" {
                    out.push(row[0].to_owned());
                }
            }
        }
        out
    }
}

#[tokio::test]
async fn another_citys_confirmed_forms_stay_confirmed_and_never_reach_this_core_system() {
    let f = fixture();
    // A visit of 前橋市 (its 市民課 holds it) on a deployment whose exchange is 高崎市's.
    let maebashi = "102016".parse().unwrap();
    let id = DocumentId::random();
    f.store
        .grant(
            &id,
            &[sync_server::store::Grant::department(maebashi, "shimin")],
        )
        .unwrap();
    let resident = &f.population.residents[0];
    let mut visit = move_visit(id, 1, resident, Move::Within, tokyo_day(now()), now()).unwrap();
    f.hub.merge(id, visit.doc_mut()).await.unwrap();
    let form = Move::Within.form();
    let status = f.status(id, form).await;
    assert_eq!(status.state, FormState::Confirmed, "{status:?}");
    assert!(f.store.outbox_records().unwrap().is_empty());
    f.cycle().await;
    assert!(f.batch_keys().await.is_empty());
    assert_eq!(f.status(id, form).await.state, FormState::Confirmed);
    // 高崎市's own visit goes out as before.
    let ours = f.confirm(1, Move::Within).await;
    f.cycle().await;
    assert_eq!(f.batch_keys().await.len(), 1);
    assert_eq!(f.status(ours, form).await.state, FormState::Sent);
}

/// Two cities on one deployment, each with its own exchange: 高崎市's files under the
/// configured prefixes, 前橋市's under its code. Each confirmed form goes to its own city's
/// core system alone, and each city's result files answer only that city's batches.
#[tokio::test]
async fn each_city_sends_its_confirmed_forms_to_its_own_core_system() {
    let f = fixture();
    let maebashi: shared_model::tenant::LocalGovernmentCode = "102016".parse().unwrap();
    let hub = Arc::new(
        Hub::new("server".into(), f.store.clone())
            .unwrap()
            .with_exports(
                TAKASAKI,
                [
                    (TAKASAKI, ExportMap::builtin().clone()),
                    (maebashi, ExportMap::builtin().clone()),
                ],
            ),
    );
    let theirs = Exporter::new(
        maebashi,
        ExportMap::builtin().clone(),
        "102016/outbound/",
        "102016/inbound/results/",
        100,
        Duration::from_secs(2),
    );
    // 前橋市's visit (its 市民課 holds it) and 高崎市's, the same person number in each.
    let form = Move::Within.form();
    let mut visits = Vec::new();
    for city in [maebashi, TAKASAKI] {
        let id = DocumentId::random();
        f.store
            .grant(
                &id,
                &[sync_server::store::Grant::department(city, "shimin")],
            )
            .unwrap();
        let resident = &f.population.residents[0];
        let mut visit = move_visit(id, 1, resident, Move::Within, tokyo_day(now()), now()).unwrap();
        hub.merge(id, visit.doc_mut()).await.unwrap();
        visits.push(id);
    }
    let [m_visit, t_visit] = visits[..] else {
        unreachable!()
    };
    assert_eq!(f.store.export_counts(maebashi).unwrap().pending, 1);
    assert_eq!(f.store.export_counts(TAKASAKI).unwrap().pending, 1);
    // 高崎市's exporter writes 高崎市's record alone, under its prefixes.
    f.exporter
        .cycle(&f.bucket, &f.store, &hub, now())
        .await
        .unwrap();
    let listed = |prefix: &'static str| {
        let bucket = f.bucket.clone();
        async move {
            bucket
                .list(prefix)
                .await
                .unwrap()
                .into_iter()
                .map(|o| o.key)
                .filter(|k| k.ends_with(".csv"))
                .collect::<Vec<_>>()
        }
    };
    let ours = listed("outbound/").await;
    assert_eq!(ours.len(), 1, "{ours:?}");
    assert!(listed("102016/").await.is_empty());
    let text = String::from_utf8(f.bucket.get(&ours[0]).await.unwrap()).unwrap();
    assert!(text.contains(&t_visit.to_string()), "{text}");
    assert!(!text.contains(&m_visit.to_string()), "{text}");
    assert_eq!(
        f.status_in(&hub, m_visit, form).await.state,
        FormState::Confirmed
    );
    // 前橋市's exporter writes 前橋市's, under its code.
    theirs
        .cycle(&f.bucket, &f.store, &hub, now())
        .await
        .unwrap();
    let day = today_key();
    let mine = listed("102016/outbound/").await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert!(
        mine[0].starts_with(&format!("102016/outbound/jumin_idou/{day}/")),
        "{mine:?}"
    );
    let text = String::from_utf8(f.bucket.get(&mine[0]).await.unwrap()).unwrap();
    assert!(text.contains(&m_visit.to_string()), "{text}");
    assert!(!text.contains(&t_visit.to_string()), "{text}");
    assert_eq!(listed("outbound/").await.len(), 1);
    for id in [m_visit, t_visit] {
        assert_eq!(f.status_in(&hub, id, form).await.state, FormState::Sent);
    }
    // 前橋市's answer dropped where 高崎市's core system answers is a batch 高崎市 never
    // wrote: refused, changing nothing; under 前橋市's prefix it is taken.
    let name = mine[0].rsplit('/').next().unwrap().trim_end_matches(".csv");
    let record = format!("{m_visit}-{form}-1");
    let answer = format!("届出ID,結果,理由\r\n{record},受理,\r\n").into_bytes();
    f.bucket
        .put(
            &format!("inbound/results/{name}.result.csv"),
            answer.clone(),
        )
        .await
        .unwrap();
    f.exporter
        .cycle(&f.bucket, &f.store, &hub, now())
        .await
        .unwrap();
    let state = f.exporter.state(&f.store).await;
    assert!(
        state.errors.iter().any(|e| e.contains("unknown batch")),
        "{state:?}"
    );
    assert_eq!(
        f.status_in(&hub, m_visit, form).await.state,
        FormState::Sent
    );
    f.bucket
        .put(&format!("102016/inbound/results/{name}.result.csv"), answer)
        .await
        .unwrap();
    theirs
        .cycle(&f.bucket, &f.store, &hub, now())
        .await
        .unwrap();
    assert_eq!(
        f.status_in(&hub, m_visit, form).await.state,
        FormState::Accepted
    );
    assert_eq!(
        f.status_in(&hub, t_visit, form).await.state,
        FormState::Sent
    );
    let counts = theirs.state(&f.store).await.counts;
    assert_eq!(
        (counts.accepted, counts.sent, counts.written_batches),
        (1, 0, 1)
    );
    let counts = f.exporter.state(&f.store).await.counts;
    assert_eq!(
        (counts.accepted, counts.sent, counts.written_batches),
        (0, 1, 1)
    );
    // Each city's audit log has its own exchange.
    let actions = |city| {
        f.store
            .filter_audit(Some(city), &Default::default(), None, 1_000)
            .unwrap()
            .into_iter()
            .filter(|e| e.login == "system")
            .map(|e| format!("{} {}", e.action, e.detail))
            .collect::<Vec<_>>()
    };
    let (m_log, t_log) = (actions(maebashi), actions(TAKASAKI));
    assert!(
        m_log
            .iter()
            .any(|a| a.starts_with("export_batch 102016/outbound/")),
        "{m_log:?}"
    );
    assert!(
        m_log.iter().any(|a| a.starts_with("export_result ")),
        "{m_log:?}"
    );
    assert!(
        t_log
            .iter()
            .any(|a| a.starts_with("export_batch outbound/"))
            && t_log
                .iter()
                .any(|a| a.starts_with("export_result_refused inbound/results/"))
            && !t_log.iter().any(|a| a.starts_with("export_batch 102016/")),
        "{t_log:?}"
    );
}

#[tokio::test]
async fn a_confirmed_move_goes_out_once_and_its_result_comes_back() {
    let f = fixture();
    let id = f.confirm(0, Move::Within).await;
    let form = Move::Within.form();
    let status = f.status(id, form).await;
    assert_eq!(status.state, FormState::Confirmed, "{status:?}");
    let record = status
        .record
        .clone()
        .expect("the confirmation names its record");
    assert_eq!(record, format!("{id}-{form}-1"));
    // The record is in the outbox with the confirmation; nothing is in the bucket yet.
    assert_eq!(f.store.outbox_records().unwrap().len(), 1);
    assert!(f.batch_keys().await.is_empty());

    f.cycle().await;
    let keys = f.batch_keys().await;
    assert_eq!(keys.len(), 1, "{keys:?}");
    let day = today_key();
    assert!(keys[0].starts_with(&format!("outbound/jumin_idou/{day}/jumin_idou_{day}_")));
    let marker = f.bucket.get(&format!("{}.done", keys[0])).await.unwrap();
    assert!(
        String::from_utf8(marker)
            .unwrap()
            .starts_with("records=1\nlines=1\n")
    );
    assert_eq!(f.status(id, form).await.state, FormState::Sent);
    // A second cycle writes nothing new.
    f.cycle().await;
    assert_eq!(f.batch_keys().await.len(), 1);

    // The core system answers: taken in.
    let name = keys[0].rsplit('/').next().unwrap().trim_end_matches(".csv");
    let result = format!("届出ID,結果,理由\r\n{record},受理,\r\n");
    f.answer(name, result).await;
    f.cycle().await;
    assert_eq!(f.status(id, form).await.state, FormState::Accepted);
    let counts = f.exporter.state(&f.store).await.counts;
    assert_eq!((counts.accepted, counts.pending, counts.sent), (1, 0, 0));
}

#[tokio::test]
async fn a_rejected_notification_goes_out_again_as_a_new_record_after_it_is_fixed() {
    let f = fixture();
    let id = f.confirm(1, Move::In).await;
    let form = Move::In.form();
    f.cycle().await;
    let first = f.status(id, form).await.record.unwrap();
    let key = f.batch_keys().await.remove(0);
    let name = key.rsplit('/').next().unwrap().trim_end_matches(".csv");
    let result = format!("届出ID,結果,理由\n{first},差戻し,転入前住所の住所コードが未登録です\n");
    f.answer(name, result).await;
    f.cycle().await;
    let status = f.status(id, form).await;
    assert_eq!(status.state, FormState::Rejected);
    assert_eq!(
        status.reason.as_deref(),
        Some("転入前住所の住所コードが未登録です")
    );

    // The counter fixes it and asks again: a second record, in a second batch.
    let mut counter = f.hub.read(id, |d| d.clone()).await.unwrap().unwrap();
    let mut visit = VisitDoc::from_doc(counter.clone()).unwrap();
    visit
        .set_item("visit.previous_address", None, "東京都千代田区千代田1番1号")
        .unwrap();
    visit.request_confirmation(form, now() + 1).unwrap();
    counter = visit.into_doc();
    f.hub.merge(id, &mut counter).await.unwrap();
    let second = f.status(id, form).await.record.unwrap();
    assert_eq!(second, format!("{id}-{form}-2"));
    f.cycle().await;
    assert_eq!(f.status(id, form).await.state, FormState::Sent);
    let mut records = f.records_in_bucket().await;
    records.sort();
    assert_eq!(records, [first.clone(), second.clone()]);
    // The 差戻し counts until the corrected record is taken in; then it is resolved.
    assert_eq!(f.store.export_counts(TAKASAKI).unwrap().rejected, 1);
    let key = f
        .batch_keys()
        .await
        .into_iter()
        .find(|k| !k.contains(name))
        .unwrap();
    let second_name = key.rsplit('/').next().unwrap().trim_end_matches(".csv");
    f.answer(second_name, format!("届出ID,結果,理由\n{second},受理,\n"))
        .await;
    f.cycle().await;
    assert_eq!(f.status(id, form).await.state, FormState::Accepted);
    let counts = f.store.export_counts(TAKASAKI).unwrap();
    assert_eq!((counts.rejected, counts.accepted), (0, 1), "{counts:?}");
    assert!(f.store.rejected_records(TAKASAKI, 10).unwrap().is_empty());
}

#[tokio::test]
async fn a_rejection_that_names_its_column_points_at_the_person_and_the_field() {
    let f = fixture();
    let id = f.confirm(4, Move::In).await;
    let form = Move::In.form();
    f.cycle().await;
    let record = f.status(id, form).await.record.unwrap();
    let key = f.batch_keys().await.remove(0);
    let name = key.rsplit('/').next().unwrap().trim_end_matches(".csv");
    let result = format!(
        "届出ID,結果,理由,異動者連番,項目\n{record},差戻し,続柄が世帯主との関係として登録できません,1,続柄\n"
    );
    f.answer(name, result).await;
    f.cycle().await;
    let status = f.status(id, form).await;
    assert_eq!(status.state, FormState::Rejected);
    assert_eq!(
        status.concerns,
        Some((Some(0), "person.relationship".to_owned()))
    );
    // Asked again, what the 差戻し concerned no longer applies.
    let mut counter = f.hub.read(id, |d| d.fork()).await.unwrap().unwrap();
    let mut visit = VisitDoc::from_doc(std::mem::take(&mut counter)).unwrap();
    visit.request_confirmation(form, now() + 1).unwrap();
    f.hub.merge(id, visit.doc_mut()).await.unwrap();
    assert_eq!(f.status(id, form).await.concerns, None);
}

/// The columns of the one line of `record` in the bucket, by header.
async fn line_of(f: &Fixture, record: &str) -> Option<std::collections::BTreeMap<String, String>> {
    for key in f.batch_keys().await {
        let bytes = f.bucket.get(&key).await.unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers = reader.headers().unwrap().clone();
        for row in reader.records() {
            let row = row.unwrap();
            if row.get(0) == Some(record) {
                return Some(
                    headers
                        .iter()
                        .zip(row.iter())
                        .map(|(h, v)| (h.to_owned(), v.to_owned()))
                        .collect(),
                );
            }
        }
    }
    None
}

/// A counter opens a 訂正 of `form`, changes the 異動日's neighbour 従前の住所 and asks again.
async fn correct(f: &Fixture, id: DocumentId, form: &str, address: &str) {
    let mut counter = f.hub.read(id, |d| d.fork()).await.unwrap().unwrap();
    let mut visit = VisitDoc::from_doc(std::mem::take(&mut counter)).unwrap();
    visit
        .open_correction(
            form,
            "従前の住所の誤り",
            "市民 一郎",
            Department::Shimin,
            now(),
        )
        .unwrap();
    visit
        .set_item("visit.previous_address", None, address)
        .unwrap();
    visit.request_confirmation(form, now() + 1).unwrap();
    f.hub.merge(id, visit.doc_mut()).await.unwrap();
}

#[tokio::test]
async fn a_correction_after_sending_names_the_record_it_corrects() {
    let f = fixture();
    let id = f.confirm(2, Move::In).await;
    let form = Move::In.form();
    f.cycle().await;
    let first = f.status(id, form).await.record.unwrap();
    assert_eq!(f.status(id, form).await.state, FormState::Sent);
    correct(&f, id, form, "東京都千代田区千代田2番2号").await;
    let status = f.status(id, form).await;
    let second = status.record.unwrap();
    assert_eq!(second, format!("{id}-{form}-2"));
    assert_eq!(status.corrects.as_deref(), Some(first.as_str()));
    f.cycle().await;
    let line = line_of(&f, &second).await.expect("the correction went out");
    assert_eq!(line["訂正元届出ID"], first);
    assert_eq!(line["従前の住所"], "東京都千代田区千代田2番2号");
    assert_eq!(line_of(&f, &first).await.unwrap()["訂正元届出ID"], "");
}

#[tokio::test]
async fn a_correction_before_sending_replaces_the_waiting_record() {
    let f = fixture();
    let id = f.confirm(3, Move::In).await;
    let form = Move::In.form();
    let first = f.status(id, form).await.record.unwrap();
    // No export cycle yet: the first record waits in the outbox.
    correct(&f, id, form, "東京都千代田区千代田3番3号").await;
    let second = f.status(id, form).await.record.unwrap();
    f.cycle().await;
    // Only the second went out, as a first notification (nothing had been sent to correct).
    assert_eq!(f.records_in_bucket().await, std::slice::from_ref(&second));
    assert_eq!(line_of(&f, &second).await.unwrap()["訂正元届出ID"], "");
    assert!(line_of(&f, &first).await.is_none());
    let counts = f.store.export_counts(TAKASAKI).unwrap();
    assert_eq!((counts.pending, counts.sent), (0, 1), "{counts:?}");
}

/// What the sender does first: numbers a batch of what waits (as a crash would leave it).
fn number_batch(store: &Store, sender: &BatchSender) -> sync_server::store::Batch {
    store
        .assign_batch(
            TAKASAKI,
            "jumin_idou",
            100,
            now(),
            |seq, at| sender.key_of("jumin_idou", seq, at),
            write_batch,
        )
        .unwrap()
        .unwrap()
}

#[tokio::test]
async fn a_crash_between_writing_a_batch_and_recording_it_leaves_no_duplicate() {
    let f = fixture();
    for i in 0..5 {
        f.confirm(i, Move::Out).await;
    }
    // The sender numbered a batch and wrote it with its marker, then died before recording.
    let sender = BatchSender::new(TAKASAKI, "outbound/", 100);
    let batch = number_batch(&f.store, &sender);
    f.bucket.put(&batch.key, batch.bytes.clone()).await.unwrap();
    f.bucket
        .put(
            &format!("{}.done", batch.key),
            marker_text(&batch).into_bytes(),
        )
        .await
        .unwrap();
    assert_eq!(f.store.unwritten_batches(TAKASAKI).unwrap().len(), 1);

    // After the restart: the batch is recorded, not written again, and nothing else is sent.
    f.cycle().await;
    assert!(f.store.unwritten_batches(TAKASAKI).unwrap().is_empty());
    assert_eq!(f.batch_keys().await, std::slice::from_ref(&batch.key));
    let records = f.records_in_bucket().await;
    assert_eq!(records.len(), 5);
    let unique: std::collections::BTreeSet<_> = records.iter().collect();
    assert_eq!(unique.len(), 5);

    // Another crash, this time before the marker: the batch is written again under the same
    // key with the same bytes.
    f.confirm(9, Move::In).await;
    let batch = number_batch(&f.store, &sender);
    f.bucket.put(&batch.key, b"half".to_vec()).await.unwrap();
    f.cycle().await;
    assert_eq!(f.bucket.get(&batch.key).await.unwrap(), batch.bytes);
    assert_eq!(f.records_in_bucket().await.len(), 6);
}

#[tokio::test]
async fn a_marker_of_other_bytes_under_the_key_is_never_overwritten() {
    let f = fixture();
    f.confirm(0, Move::Within).await;
    // Another database already wrote batch 1 of the day into this bucket.
    let day = today_key();
    let taken = &format!("outbound/jumin_idou/{day}/jumin_idou_{day}_000001.csv");
    f.bucket.put(taken, b"other".to_vec()).await.unwrap();
    f.bucket
        .put(&format!("{taken}.done"), b"records=9\n".to_vec())
        .await
        .unwrap();
    let err = f
        .exporter
        .cycle(&f.bucket, &f.store, &f.hub, now())
        .await
        .unwrap_err();
    assert!(err.contains("already holds a different batch"), "{err}");
    assert_eq!(f.bucket.get(taken).await.unwrap(), b"other");
    assert_eq!(
        f.store.export_counts(TAKASAKI).unwrap().unwritten_batches,
        1
    );
}

#[tokio::test]
async fn result_files_for_unknown_batches_or_records_are_refused_and_change_nothing() {
    let f = fixture();
    let id = f.confirm(0, Move::Within).await;
    f.cycle().await;
    let record = f.status(id, Move::Within.form()).await.record.unwrap();
    let key = f.batch_keys().await.remove(0);
    let name = key.rsplit('/').next().unwrap().trim_end_matches(".csv");
    f.bucket
        .put(
            &format!(
                "inbound/results/jumin_idou_{}_000099.result.csv",
                today_key()
            ),
            format!("届出ID,結果,理由\n{record},受理,\n").into_bytes(),
        )
        .await
        .unwrap();
    f.answer(
        name,
        format!("届出ID,結果,理由\n{record},受理,\nnot-a-record,受理,\n"),
    )
    .await;
    f.cycle().await;
    let state = f.exporter.state(&f.store).await;
    assert_eq!(state.errors.len(), 2, "{:?}", state.errors);
    assert!(
        state
            .errors
            .iter()
            .any(|e| e.contains(&format!("unknown batch jumin_idou_{}_000099", today_key())))
    );
    assert!(
        state
            .errors
            .iter()
            .any(|e| e.contains("3行目: 届出ID not-a-record はこのバッチにありません"))
    );
    assert_eq!(
        f.status(id, Move::Within.form()).await.state,
        FormState::Sent
    );
    assert_eq!(state.counts.sent, 1);
    // Refused once, not again on every cycle.
    f.cycle().await;
    assert_eq!(f.exporter.state(&f.store).await.errors.len(), 2);
}

#[tokio::test]
async fn the_kokuho_example_target_goes_out_in_its_own_batches() {
    let f = fixture();
    let id = DocumentId::random();
    let resident = &f.population.residents[3];
    let mut visit = move_visit(id, 4, resident, Move::In, tokyo_day(now()), now()).unwrap();
    for (field, value) in [("kind", "acquire"), ("reason", "move_in")] {
        visit.set_form_field("kokuho_idou", field, value).unwrap();
    }
    visit
        .set_item("household.phone", None, "027-321-1111")
        .unwrap();
    // The 世帯主 files, with their 個人番号 (国保法施行規則2条).
    visit
        .set_item("household.head_my_number", None, &resident.my_number)
        .unwrap();
    visit.request_confirmation("kokuho_idou", now()).unwrap();
    f.hub.merge(id, visit.doc_mut()).await.unwrap();
    assert_eq!(
        f.status(id, "kokuho_idou").await.state,
        FormState::Confirmed
    );
    f.cycle().await;
    let keys = f.batch_keys().await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    let kokuho = keys.iter().find(|k| k.contains("/kokuho_idou/")).unwrap();
    let text = String::from_utf8(f.bucket.get(kokuho).await.unwrap()).unwrap();
    assert!(text.contains("\"資格取得\",\"転入\""), "{text}");
    assert_eq!(f.status(id, "kokuho_idou").await.state, FormState::Sent);
}
