//! Canonical values, end to end: every normalisable field of every form of the catalog is
//! filled with input that is valid but not in its canonical form (half-width フリガナ,
//! full-width digits, 〒, era signs, 漢数字 …), as a client that does not rewrite it (the
//! kiosk, the npm client) leaves it in the visit. The server confirms each form; the print
//! renders the canonical form; and where a form goes to the core system, the batch line in
//! the bucket carries the canonical form, never what was typed.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use shared_model::calendar::{CivilDay, Wareki, tokyo_day};
use shared_model::catalog::{Catalog, Field, Kind, Medium, Scope, render};
use shared_model::tenant::TAKASAKI;
use shared_model::{DocumentId, FormState, VisitDoc};
use sync_server::exchange::bucket::{Bucket, FolderBucket};
use sync_server::exchange::export_map::ExportMap;
use sync_server::exchange::exporter::Exporter;
use sync_server::hub::Hub;
use sync_server::store::Store;

fn now() -> i64 {
    sync_server::clock::now_ms()
}

fn full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '0'..='9' | 'A'..='Z' | 'a'..='z' | '-' | '.' | '(' | ')' => {
                char::from_u32(c as u32 + 0xFEE0).unwrap_or(c)
            }
            c => c,
        })
        .collect()
}

fn day_before(day: CivilDay, days: i64) -> CivilDay {
    let mut d = day;
    for _ in 0..days {
        d = CivilDay::new(d.year, d.month, d.day - 1).unwrap_or_else(|| {
            // The last day of the previous month.
            let (y, m) = if d.month == 1 {
                (d.year - 1, 12)
            } else {
                (d.year, d.month - 1)
            };
            (28..=31)
                .rev()
                .find_map(|n| CivilDay::new(y, m, n))
                .expect("a month has a last day")
        });
    }
    d
}

/// What a field holds for `person`: (as typed, canonical) — typed not canonical for every
/// kind that normalises.
fn value(field: &Field, person: usize, today: CivilDay) -> (String, String) {
    let same = |v: &str| (v.to_owned(), v.to_owned());
    match field.kind {
        Kind::Text => same(
            &"群馬県高崎市高松町35番地1"
                .chars()
                .take(field.max.unwrap_or(200))
                .collect::<String>(),
        ),
        Kind::Kana => (
            if person == 0 {
                "ﾀｶｻｷ ﾊﾅｺ"
            } else {
                "たかさき　たろう"
            }
            .into(),
            if person == 0 {
                "タカサキ\u{3000}ハナコ"
            } else {
                "タカサキ\u{3000}タロウ"
            }
            .into(),
        ),
        Kind::Date => {
            let day = match field.key.as_str() {
                "visit.notified_on" => today,
                "visit.moved_on" => day_before(today, 3),
                "person.residence_expiry" => CivilDay::new(2031, 3, 31).unwrap(),
                "person.birth_date" if person == 1 => CivilDay::new(2015, 6, 1).unwrap(),
                _ => CivilDay::new(1985, 1, 2).unwrap(),
            };
            let w = Wareki::from_day(day).unwrap();
            let typed = match field.key.as_str() {
                // Full-width 和暦, as an IME gives it.
                "visit.notified_on" => full_width(&w.to_string()),
                // One letter and dots.
                "visit.moved_on" => format!("{}{}.{}.{}", w.era.letter(), w.year, w.month, w.day),
                // The era sign (㍼ for 昭和, ㍻ 平成, ㋿ 令和).
                _ => {
                    let sign = match w.era.kanji() {
                        "昭和" => '㍼',
                        "平成" => '㍻',
                        "令和" => '㋿',
                        _ => unreachable!("no such dates here"),
                    };
                    format!("{sign}{}年{}月{}日", w.year, w.month, w.day)
                }
            };
            (typed, day.to_string())
        }
        Kind::PostalCode => ("〒３７０－０８２９".into(), "370-0829".into()),
        Kind::Phone => ("０２７（３２１）１１１１".into(), "027-321-1111".into()),
        Kind::MyNumber => ("1234 5678 9018".into(), "123456789018".into()),
        Kind::AtenaNumber => ("１２３６".into(), "1236".into()),
        Kind::ResidenceCard => ("ab 12345678 cd".into(), "AB12345678CD".into()),
        Kind::AccountNumber => ("１２３４５".into(), "0012345".into()),
        Kind::BankCode => ("０１２８".into(), "0128".into()),
        Kind::BranchCode => ("０１８".into(), "018".into()),
        Kind::Amount => ("１，２００，０００円".into(), "1200000".into()),
        Kind::Relationship => {
            if person == 0 {
                ("世帯 主".into(), "世帯主".into())
            } else {
                ("妻(未届) の 子".into(), "妻（未届）の子".into())
            }
        }
        Kind::Choice => same(&field.choices[0].id),
        // A flag that makes the applicant an exception (成年被後見人) is left unticked.
        Kind::Flag if field.key == "adult_ward" => same("false"),
        Kind::Flag => same("true"),
        Kind::Counts => ("０２".into(), "2".into()),
    }
}

struct Filled {
    /// (form field key, person) → (typed, canonical), for every normalising field.
    expected: BTreeMap<(String, Option<usize>), (String, String)>,
}

/// A visit with every field of `form` filled (two persons: a parent and a child), the
/// form asked to be confirmed.
fn visit_for(form: &shared_model::catalog::Form, today: CivilDay) -> (VisitDoc, Filled) {
    let mut visit = VisitDoc::new(DocumentId::random(), "1", now());
    visit.add_person().unwrap();
    let mut expected = BTreeMap::new();
    for field in form.fields() {
        let persons: Vec<Option<usize>> = match field.scope {
            Scope::Person => vec![Some(0), Some(1)],
            _ => vec![None],
        };
        for person in persons {
            let (typed, canonical) = value(field, person.unwrap_or(0), today);
            if field.kind == Kind::Counts {
                let key = format!("{}.{}", field.key, field.choices[0].id);
                visit.set_form_field(&form.id, &key, &typed).unwrap();
            } else if field.scope == Scope::Form {
                visit.set_form_field(&form.id, &field.key, &typed).unwrap();
            } else {
                visit.set_item(&field.key, person, &typed).unwrap();
            }
            if field.kind.normalises() {
                assert_ne!(typed, canonical, "{}: typed must differ", field.key);
                expected.insert((field.key.clone(), person), (typed, canonical));
            }
        }
    }
    visit.request_confirmation(&form.id, now()).unwrap();
    (visit, Filled { expected })
}

#[tokio::test]
async fn every_normalisable_field_of_every_form_is_printed_and_sent_canonical() {
    let dir = tempfile::tempdir().unwrap();
    let bucket = FolderBucket::new(dir.path().join("bucket"));
    let store = Arc::new(Store::scratch().unwrap());
    let map = ExportMap::builtin().clone();
    let hub = Arc::new(
        Hub::new("server".into(), store.clone())
            .unwrap()
            .with_exports(TAKASAKI, [(TAKASAKI, map.clone())]),
    );
    let exporter = Exporter::new(
        TAKASAKI,
        map.clone(),
        "outbound/",
        "inbound/results/",
        100,
        Duration::from_secs(2),
    );
    let catalog = Catalog::builtin();
    let today = tokyo_day(now());
    let mut checked_fields = 0;
    let mut checked_batch_values = 0;
    let mut exported = Vec::new();
    for form in &catalog.forms {
        let (mut visit, filled) = visit_for(form, today);
        let id: DocumentId = visit.visit_id().parse().unwrap();
        // Leaving each field, the counter writes what Kind::canonical gives.
        for ((key, _), (typed, canonical)) in &filled.expected {
            let kind = form.field(key).unwrap().kind;
            assert_eq!(
                &kind.canonical(typed).unwrap(),
                canonical,
                "{} {key}",
                form.id
            );
        }
        hub.merge(id, visit.doc_mut()).await.unwrap();
        let (status, values) = hub
            .read(id, |d| {
                let v = VisitDoc::from_doc(d.clone()).unwrap();
                (v.form_status(&form.id), v.values())
            })
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            status.state,
            FormState::Confirmed,
            "{}: valid input in any written form is confirmed: {:?}",
            form.id,
            status.reason
        );
        // The print: every value from its canonical form.
        for ((key, person), (_, canonical)) in &filled.expected {
            let field = form.field(key).unwrap();
            let raw = if field.kind == Kind::Counts {
                values
                    .get(&form.id, &format!("{key}.{}", field.choices[0].id), None)
                    .unwrap()
            } else {
                values.get(&form.id, key, *person).unwrap()
            };
            let paper = render(field.kind, &field.choices, raw, Medium::Paper).unwrap();
            let want = match field.kind {
                Kind::Date => shared_model::calendar::read_date(canonical)
                    .unwrap()
                    .date
                    .to_japanese(),
                Kind::Amount => "1,200,000円".to_owned(),
                _ => canonical.clone(),
            };
            assert_eq!(paper, want, "{} {key} on paper", form.id);
            checked_fields += 1;
        }
        if map.target_of(&form.id).is_some() {
            exported.push((form, filled, status.record.clone().unwrap()));
        }
    }
    exporter.cycle(&bucket, &store, &hub, now()).await.unwrap();
    // The batch lines, by record and person.
    let mut lines: BTreeMap<(String, usize), BTreeMap<String, String>> = BTreeMap::new();
    for object in bucket.list("outbound/").await.unwrap() {
        if !object.key.ends_with(".csv") {
            continue;
        }
        let bytes = bucket.get(&object.key).await.unwrap();
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers = reader.headers().unwrap().clone();
        for row in reader.records() {
            let row = row.unwrap();
            let by_header: BTreeMap<String, String> = headers
                .iter()
                .zip(row.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect();
            let person: usize = row[1].parse().unwrap();
            lines.insert((row[0].to_owned(), person - 1), by_header);
        }
    }
    assert_eq!(exported.len(), 4, "the 住民異動届 (3) and the 国保異動届");
    for (form, filled, record) in &exported {
        let target = map.target_of(&form.id).unwrap();
        let columns = sync_server_columns(target);
        for ((key, person), (typed, canonical)) in &filled.expected {
            let Some(header) = columns.get(key) else {
                continue; // not a column of this target
            };
            let line = &lines[&(record.clone(), person.unwrap_or(0))];
            assert_eq!(
                &line[header], canonical,
                "{} {key}: the batch carries the canonical form, not {typed:?}",
                form.id
            );
            checked_batch_values += 1;
        }
    }
    eprintln!("{checked_fields} printed values and {checked_batch_values} batch values checked");
    assert!(
        checked_fields > 150,
        "{checked_fields} printed values checked"
    );
    assert!(
        checked_batch_values >= 20,
        "{checked_batch_values} batch values checked"
    );
}

/// A target's item columns: item key → header.
fn sync_server_columns(
    target: &sync_server::exchange::export_map::ExportTarget,
) -> BTreeMap<String, String> {
    target.item_columns().into_iter().collect()
}

/// A value that has no canonical form (a visit written by a client that does not validate)
/// is never sent as typed: the record is sent back (差戻し) at once with the reason, and no
/// batch carries it.
#[tokio::test]
async fn a_value_without_a_canonical_form_is_sent_back_before_sending() {
    let store = Arc::new(Store::scratch().unwrap());
    let map = ExportMap::builtin().clone();
    let target = map.target_of("jumin_idou_tennyu").unwrap();
    let mut values = shared_model::catalog::VisitValues::default();
    let catalog = Catalog::builtin();
    values
        .set(
            catalog,
            "jumin_idou_tennyu",
            "household.postal_code",
            None,
            "370-082",
        )
        .unwrap();
    let facts = sync_server::exchange::export_map::RecordFacts {
        record: "r1",
        visit: "v1",
        reception_number: "1",
        form: "jumin_idou_tennyu",
        confirmed_on: tokyo_day(now()),
        corrects: None,
    };
    let reason = target.lines(&facts, &values).unwrap_err();
    assert!(reason.contains("送信前に差戻し"), "{reason}");
    assert!(reason.contains("郵便番号"), "{reason}");
    // As the reconciler stores it: rejected with the reason, never in a batch.
    let id = DocumentId::random();
    store
        .append_with_outbox(
            &id,
            b"chunk",
            &[sync_server::store::OutboxEntry {
                tenant: TAKASAKI,
                record: "r1".into(),
                target: target.id.clone(),
                form: "jumin_idou_tennyu".into(),
                header: target.headers(),
                lines: Vec::new(),
                confirmed_at: now(),
                refused: Some(reason.clone()),
                supersedes: None,
            }],
        )
        .unwrap();
    let batch = store
        .assign_batch(
            TAKASAKI,
            &target.id,
            100,
            now(),
            |seq, _| format!("b{seq}"),
            |_, _| Vec::new(),
        )
        .unwrap();
    assert!(batch.is_none(), "nothing to send");
    let records = store.outbox_records().unwrap();
    assert_eq!(records[0].state, "rejected");
    assert_eq!(records[0].reason.as_deref(), Some(reason.as_str()));
    // The visit is told (差戻し with the reason) like any record the core system sent back.
    let unshown = store.unshown_states(TAKASAKI, 10).unwrap();
    assert_eq!(unshown[0].state, "rejected");
}
