use super::*;
use crate::calendar::CivilDay;
use crate::document_read::{DocumentKind, ReadPath};

fn visit() -> VisitDoc {
    VisitDoc::new(DocumentId::random(), "7", 1_790_000_000_000)
}

fn fork(v: &mut VisitDoc) -> VisitDoc {
    let mut other = VisitDoc::load(&v.save()).unwrap();
    other.doc_mut().set_actor(automerge::ActorId::random());
    other
}

#[test]
fn screen_fields_round_trip_through_save_and_load() {
    let mut v = visit();
    for (i, f) in Field::ALL.into_iter().enumerate() {
        v.set(f, &format!("値{i}")).unwrap();
    }
    let loaded = VisitDoc::load(&v.save()).unwrap();
    assert_eq!(loaded.get(Field::ApplicantName).as_deref(), Some("値0"));
    // 住所 and 新住所 are one canonical item: the later value shows in both.
    assert_eq!(loaded.get(Field::ApplicantAddress).as_deref(), Some("値5"));
    assert_eq!(loaded.get(Field::TenkyoNewAddress).as_deref(), Some("値5"));
    assert_eq!(
        loaded.item("visit.previous_address", None).as_deref(),
        Some("値6")
    );
    assert_eq!(loaded.reception_number(), "7");
    assert_eq!(loaded.created_at(), 1_790_000_000_000);
    assert_eq!(loaded.schema_version(), Some(SCHEMA_VERSION));
}

#[test]
fn incremental_saves_after_load_hold_only_new_changes() {
    let mut v = visit();
    v.set(Field::ApplicantName, "a").unwrap();
    let mut loaded = VisitDoc::load(&v.save()).unwrap();
    assert!(loaded.save_incremental().is_empty());
    loaded.set(Field::ApplicantName, "b").unwrap();
    let chunk = loaded.save_incremental();
    assert!(!chunk.is_empty());
    let mut again = v.save();
    again.extend_from_slice(&chunk);
    assert_eq!(
        VisitDoc::load(&again)
            .unwrap()
            .get(Field::ApplicantName)
            .as_deref(),
        Some("b")
    );
}

#[test]
fn setting_the_same_value_makes_no_change() {
    let mut v = visit();
    assert!(v.set(Field::ApplicantName, "a").unwrap());
    let heads = v.doc_mut().get_heads();
    assert!(!v.set(Field::ApplicantName, "a").unwrap());
    assert_eq!(v.doc_mut().get_heads(), heads);
}

#[test]
fn concurrent_edits_are_kept_as_a_conflict_until_someone_chooses() {
    let mut a = visit();
    let mut b = fork(&mut a);
    a.set(Field::TenkyoNewAddress, "高崎市高松町35-1").unwrap();
    b.set(Field::TenkyoNewAddress, "高崎市高松町35-2").unwrap();
    // The same value written on both sides is no conflict.
    a.set_item("person.name", Some(0), "高崎 花子").unwrap();
    b.set_item("person.name", Some(0), "高崎 花子").unwrap();
    a.doc_mut().merge(b.doc_mut()).unwrap();
    let conflicts = a.conflicts();
    assert_eq!(conflicts.len(), 1, "{conflicts:?}");
    assert_eq!(conflicts[0].key, "household.address");
    assert!(conflicts[0].is_on(Field::TenkyoNewAddress));
    assert!(conflicts[0].is_on(Field::ApplicantAddress));
    assert_eq!(conflicts[0].values.len(), 2);
    assert_ne!(
        conflicts[0].values[0].1, conflicts[0].values[1].1,
        "two writers"
    );
    a.set(Field::TenkyoNewAddress, "高崎市高松町35-1").unwrap();
    assert!(a.conflicts().is_empty());
}

#[test]
fn persons_added_on_two_counters_are_both_kept() {
    let mut a = visit();
    let mut b = fork(&mut a);
    let i = a.add_person().unwrap();
    a.set_item("person.name", Some(i), "高崎 太郎").unwrap();
    let j = b.add_person().unwrap();
    b.set_item("person.name", Some(j), "高崎 次郎").unwrap();
    a.doc_mut().merge(b.doc_mut()).unwrap();
    assert_eq!(a.person_count(), 3);
    let names: BTreeSet<String> = (1..3)
        .filter_map(|i| a.item("person.name", Some(i)))
        .collect();
    assert_eq!(names.len(), 2);
    a.remove_person(2).unwrap();
    assert_eq!(a.person_count(), 2);
    assert!(matches!(a.remove_person(0), Err(VisitError::NoPerson(0))));
    assert!(matches!(
        a.set_item("person.name", Some(9), "x"),
        Err(VisitError::NoPerson(9))
    ));
}

#[test]
fn unknown_items_and_fields_are_typed_errors() {
    let mut v = visit();
    assert!(matches!(
        v.set_item("person.nickname", Some(0), "x"),
        Err(VisitError::Catalog(CatalogError::UnknownField { .. }))
    ));
    assert!(matches!(
        v.set_form_field("no_such_form", "x", "1"),
        Err(VisitError::Catalog(CatalogError::UnknownForm(_)))
    ));
    // A canonical item is not a form's own field.
    assert!(matches!(
        v.set_form_field("koseki_kofu", "person.name", "x"),
        Err(VisitError::Catalog(CatalogError::UnknownField { .. }))
    ));
    assert!(
        v.set_form_field("koseki_kofu", "copies.zenbu", "2")
            .unwrap()
    );
    assert_eq!(
        v.form_field("koseki_kofu", "copies.zenbu").as_deref(),
        Some("2")
    );
}

#[test]
fn values_feed_the_catalog_validation() {
    let mut v = visit();
    v.set_item("visit.notified_on", None, "2027-04-20").unwrap();
    v.set_item("person.my_number", Some(0), "123456789012")
        .unwrap();
    v.set_form_field("koseki_kofu", "copies.zenbu", "1")
        .unwrap();
    let values = v.values();
    assert_eq!(values.persons[0]["person.my_number"], "123456789012");
    assert_eq!(values.forms["koseki_kofu"]["copies.zenbu"], "1");
    let findings = Catalog::builtin()
        .validate(
            "mynumber_kenmen_henko",
            &values,
            CivilDay::new(2027, 4, 20).unwrap(),
        )
        .unwrap();
    assert!(findings.iter().any(
        |f| f.finding.code == crate::validate::Code::MyNumberCheckDigit && f.person == Some(0)
    ));
}

#[test]
fn navi_answers_and_procedures_merge_per_fact() {
    let mut a = visit();
    a.set_answers(&Answers::new(LifeEvent::Tennyu).card_holders(2), 1)
        .unwrap();
    let mut b = fork(&mut a);
    let mut with_children = a.answers().unwrap();
    with_children.facts.insert(Fact::Children);
    a.set_answers(&with_children, 2).unwrap();
    let mut with_kokuho = b.answers().unwrap();
    with_kokuho.facts.insert(Fact::Kokuho);
    b.set_answers(&with_kokuho, 3).unwrap();
    a.doc_mut().merge(b.doc_mut()).unwrap();
    let merged = a.answers().unwrap();
    assert_eq!(merged.event, LifeEvent::Tennyu);
    assert_eq!(merged.card_holders, 2);
    assert!(merged.facts.contains(&Fact::Children) && merged.facts.contains(&Fact::Kokuho));

    a.set_procedure("tennyu", true).unwrap();
    a.set_procedure("kokuho_join", true).unwrap();
    a.set_procedure("kokuho_join", false).unwrap();
    assert_eq!(a.procedures().into_iter().collect::<Vec<_>>(), ["tennyu"]);
}

#[test]
fn a_version_1_document_is_migrated_on_load() {
    let mut doc = AutoCommit::new();
    let id = DocumentId::random();
    doc.put(ROOT, "schema_version", ScalarValue::Uint(1))
        .unwrap();
    doc.put(ROOT, "visit_id", id.to_string()).unwrap();
    doc.put(ROOT, "reception_number", "3").unwrap();
    doc.put(ROOT, "created_at", ScalarValue::Timestamp(5))
        .unwrap();
    let applicant = doc.put_object(ROOT, "applicant", ObjType::Map).unwrap();
    doc.put(&applicant, "name", "高崎 花子").unwrap();
    doc.put(&applicant, "address", "高松町35").unwrap();
    let forms = doc.put_object(ROOT, "forms", ObjType::Map).unwrap();
    let tenkyo = doc
        .put_object(&forms, "jumin_idou_tenkyo", ObjType::Map)
        .unwrap();
    doc.put(&tenkyo, "new_address", "八島町222").unwrap();
    doc.put(&tenkyo, "old_address", "高松町35").unwrap();
    doc.put(&tenkyo, "moved_on", "2027-02-01").unwrap();
    let v = VisitDoc::load(&doc.save()).unwrap();
    assert_eq!(v.schema_version(), Some(2));
    assert_eq!(v.get(Field::ApplicantName).as_deref(), Some("高崎 花子"));
    assert_eq!(
        v.item("household.address", None).as_deref(),
        Some("八島町222")
    );
    assert_eq!(
        v.item("visit.previous_address", None).as_deref(),
        Some("高松町35")
    );
    assert_eq!(
        v.item("visit.moved_on", None).as_deref(),
        Some("2027-02-01")
    );
    assert!(v.procedures().contains("tenkyo"));
    assert_eq!(v.person_count(), 1);
}

#[test]
fn newer_schema_is_refused() {
    let mut v = visit();
    v.doc_mut()
        .put(
            ROOT,
            "schema_version",
            ScalarValue::Uint(SCHEMA_VERSION + 1),
        )
        .unwrap();
    assert!(matches!(
        VisitDoc::load(&v.save()),
        Err(VisitError::NewerSchema { .. })
    ));
}

#[test]
fn garbage_and_foreign_documents_are_refused() {
    assert!(matches!(
        VisitDoc::load(b"garbage"),
        Err(VisitError::Load(_))
    ));
    let mut other = AutoCommit::new();
    other.put(ROOT, "title", "not a visit").unwrap();
    assert!(matches!(
        VisitDoc::load(&other.save()),
        Err(VisitError::NotAVisit)
    ));
}

#[test]
fn strings_written_as_text_objects_read_the_same() {
    let mut v = visit();
    let person = v.person_obj(0).unwrap();
    let text = v
        .doc_mut()
        .put_object(&person, "name", ObjType::Text)
        .unwrap();
    v.doc_mut().splice_text(&text, 0, 0, "高崎 花子").unwrap();
    assert_eq!(v.get(Field::ApplicantName).as_deref(), Some("高崎 花子"));
}

#[test]
fn arbitrary_bytes_never_panic_the_loader() {
    let mut seed = visit();
    seed.set(Field::ApplicantName, "高崎 花子").unwrap();
    let bytes = seed.save();
    let mut state = 0x1234_5678_9abc_def1_u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..2_000 {
        let mut b = bytes.clone();
        for _ in 0..(1 + next() % 3) {
            let at = (next() as usize) % b.len();
            b[at] = next() as u8;
        }
        let _ = VisitDoc::load(&b);
        let cut = (next() as usize) % b.len();
        let _ = VisitDoc::load(&b[..cut]);
    }
}

#[test]
fn changes_apply_and_report_whether_anything_changed() {
    let mut v = visit();
    let set = VisitChange::Item {
        key: "household.address".into(),
        person: None,
        value: "高崎市高松町35-1".into(),
    };
    assert!(v.apply(&set).unwrap());
    assert!(!v.apply(&set).unwrap());
    let answers = Answers::new(LifeEvent::Tenkyo).card_holders(1);
    assert!(
        v.apply(&VisitChange::Answers {
            answers: answers.clone(),
            at: 1
        })
        .unwrap()
    );
    assert!(!v.apply(&VisitChange::Answers { answers, at: 2 }).unwrap());
    assert_eq!(v.procedure_choice("tenkyo"), None);
    let drop = VisitChange::Procedure {
        rule: "card_change".into(),
        chosen: false,
    };
    assert!(v.apply(&drop).unwrap());
    assert!(!v.apply(&drop).unwrap());
    assert_eq!(v.procedure_choice("card_change"), Some(false));
    assert!(v.apply(&VisitChange::AddPerson).unwrap());
    assert_eq!(v.person_count(), 2);
    assert!(v.apply(&VisitChange::RemovePerson(1)).unwrap());
    assert!(
        v.apply(&VisitChange::FormField {
            form: "jumin_idou_tenkyo".into(),
            key: "nope".into(),
            value: "x".into()
        })
        .is_err()
    );
}

#[test]
fn the_server_confirms_a_valid_form_and_refuses_an_invalid_one() {
    let today = CivilDay::new(2027, 4, 20).unwrap();
    let mut counter = visit();
    counter.request_confirmation("koseki_kofu", 1).unwrap();
    assert_eq!(
        counter.form_status("koseki_kofu").state,
        FormState::Requested
    );
    assert!(counter.request_confirmation("no_such_form", 1).is_err());

    // The server works on its own copy, then the counter gets the answer by merge.
    let mut server = fork(&mut counter);
    let decisions = server.reconcile(today, 2).unwrap();
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].state, FormState::Refused);
    assert!(decisions[0].errors > 0);
    counter.doc_mut().merge(server.doc_mut()).unwrap();
    let status = counter.form_status("koseki_kofu");
    assert_eq!(status.state, FormState::Refused);
    assert!(status.reason.unwrap().contains("を入力してください"));

    // Filled in and asked again: confirmed.
    for (key, value) in [
        ("visit.notified_on", "2027-04-20"),
        ("visit.notifier_name", "高崎 花子"),
        ("visit.notifier_phone", "027-321-1111"),
        ("visit.identity_document", "driver_license"),
        ("person.honseki", "群馬県高崎市高松町35番地1"),
        ("person.hittosha", "高崎 一郎"),
        ("person.name", "高崎 花子"),
        ("person.birth_date", "昭和63年4月12日"),
    ] {
        let person = key.starts_with("person.").then_some(0);
        counter.set_item(key, person, value).unwrap();
    }
    counter
        .set_form_field("koseki_kofu", "relation", "self")
        .unwrap();
    counter
        .set_form_field("koseki_kofu", "copies.zenbu", "1")
        .unwrap();
    counter.request_confirmation("koseki_kofu", 3).unwrap();
    let mut raw = counter.doc_mut().clone();
    let decisions = reconcile_document(&mut raw, today, 4);
    assert_eq!(decisions[0].state, FormState::Confirmed, "{decisions:?}");
    counter.doc_mut().merge(&mut raw).unwrap();
    assert_eq!(
        counter.form_status("koseki_kofu").state,
        FormState::Confirmed
    );
    assert_eq!(counter.form_status("koseki_kofu").reason, None);
    // Nothing left to decide.
    assert!(reconcile_document(&mut raw, today, 5).is_empty());
}

#[test]
fn the_exchange_status_moves_forward_for_its_own_record_only() {
    let mut visit = VisitDoc::new(DocumentId::random(), "8", 0);
    let form = "jumin_idou_tenkyo";
    visit.request_confirmation(form, 1).unwrap();
    visit
        .put_status(form, FormState::Confirmed, 2, None)
        .unwrap();
    visit.attach_record(form, "r-1").unwrap();
    // Confirmed forms are not asked about again.
    visit.request_confirmation(form, 3).unwrap();
    assert_eq!(visit.form_status(form).state, FormState::Confirmed);

    assert!(
        visit
            .record_exchange(form, "r-1", FormState::Sent, 4, None)
            .unwrap()
    );
    assert!(
        !visit
            .record_exchange(form, "r-1", FormState::Sent, 5, None)
            .unwrap(),
        "a repeat changes nothing"
    );
    assert!(
        !visit
            .record_exchange(form, "r-0", FormState::Accepted, 5, None)
            .unwrap(),
        "another record"
    );
    assert!(
        visit
            .record_exchange(
                form,
                "r-1",
                FormState::Rejected,
                6,
                Some("世帯番号が一致しません")
            )
            .unwrap()
    );
    assert!(
        !visit
            .record_exchange(form, "r-1", FormState::Sent, 7, None)
            .unwrap(),
        "never backwards"
    );
    let status = visit.form_status(form);
    assert_eq!((status.state, status.at), (FormState::Rejected, Some(6)));
    assert_eq!(status.reason.as_deref(), Some("世帯番号が一致しません"));

    // After a 差戻し the counter asks again: the old record no longer moves the form.
    visit.request_confirmation(form, 8).unwrap();
    let status = visit.form_status(form);
    assert_eq!((status.state, status.record), (FormState::Requested, None));
    assert!(
        !visit
            .record_exchange(form, "r-1", FormState::Accepted, 9, None)
            .unwrap()
    );
}

#[test]
fn the_reconciler_leaves_other_documents_alone() {
    let mut other = AutoCommit::new();
    other.put(ROOT, "title", "a JS client's document").unwrap();
    let heads = other.get_heads();
    assert!(reconcile_document(&mut other, CivilDay::new(2027, 4, 20).unwrap(), 1).is_empty());
    assert_eq!(other.get_heads(), heads);
}

#[test]
fn a_visit_is_taken_handed_on_and_its_history_kept() {
    use crate::catalog::Department;
    let mut v = visit();
    assert_eq!(v.handling().department, Department::Shimin);
    assert_eq!(v.handling().holder, None);
    v.apply(&VisitChange::Take {
        login: "shimin01".into(),
        name: "市民 一郎".into(),
        department: Department::Shimin,
        at: 10,
    })
    .unwrap();
    // Taking it again is no change.
    assert!(
        !v.apply(&VisitChange::Take {
            login: "shimin01".into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 11,
        })
        .unwrap()
    );
    assert_eq!(v.handling().holder.as_deref(), Some("市民 一郎"));
    let actor = v.doc_mut().get_actor().to_hex_string();
    assert_eq!(
        v.actor_names().get(&actor).map(String::as_str),
        Some("市民 一郎")
    );
    v.apply(&VisitChange::HandOff {
        to: Department::HokenNenkin,
        name: "市民 一郎".into(),
        from: Department::Shimin,
        at: 20,
    })
    .unwrap();
    let h = v.handling();
    assert_eq!(
        (h.department, h.holder, h.since),
        (Department::HokenNenkin, None, Some(20))
    );
    let history = v.history();
    assert_eq!(history.len(), 2);
    assert_eq!(history[0].action, "opened");
    assert_eq!(history[1].action, "handed_off");
    assert_eq!(history[1].detail.as_deref(), Some("保険年金課"));
    assert_eq!(history[1].department, "市民課");
}

#[test]
fn opening_at_another_ka_is_not_taking_and_taking_back_is_explicit() {
    use crate::catalog::Department;
    let mut v = visit();
    let take = |login: &str, name: &str, department, at| VisitChange::Take {
        login: login.into(),
        name: name.into(),
        department,
        at,
    };
    v.apply(&take("shimin01", "市民 一郎", Department::Shimin, 10))
        .unwrap();
    v.apply(&VisitChange::HandOff {
        to: Department::HokenNenkin,
        name: "市民 一郎".into(),
        from: Department::Shimin,
        at: 20,
    })
    .unwrap();
    v.apply(&take("hoken01", "保険 花子", Department::HokenNenkin, 30))
        .unwrap();
    // 市民課 opens it again to look or reprint: refused, nothing moves, the queue time stays.
    let err = v
        .apply(&take("shimin01", "市民 一郎", Department::Shimin, 40))
        .unwrap_err();
    assert!(
        matches!(err, VisitError::HandledElsewhere("保険年金課")),
        "{err}"
    );
    let h = v.handling();
    assert_eq!(
        (h.department, h.holder.as_deref(), h.since),
        (Department::HokenNenkin, Some("保険 花子"), Some(20))
    );
    // 取り戻す moves it, from now, and the history says from where.
    assert!(
        v.apply(&VisitChange::TakeBack {
            login: "shimin01".into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 50,
        })
        .unwrap()
    );
    let h = v.handling();
    assert_eq!(
        (h.department, h.holder.as_deref(), h.since),
        (Department::Shimin, Some("市民 一郎"), Some(50))
    );
    let last = v.history().pop().unwrap();
    assert_eq!(
        (
            last.action.as_str(),
            last.detail.as_deref(),
            last.department.as_str()
        ),
        ("taken_back", Some("保険年金課"), "市民課")
    );
    // A colleague of the same 課 opening it takes it, as before, without moving its place.
    v.apply(&take("shimin02", "市民 二郎", Department::Shimin, 60))
        .unwrap();
    assert_eq!(v.handling().since, Some(50));
}

#[test]
fn a_step_in_the_history_names_the_person_at_this_terminal_not_the_latest_holder() {
    use crate::catalog::Department;
    use crate::navi::{Answers, LifeEvent};
    let mut ichiro = visit();
    ichiro
        .apply(&VisitChange::Take {
            login: "shimin01".into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 10,
        })
        .unwrap();
    // 市民 二郎 takes it on another terminal; both terminals merge.
    let mut jiro = VisitDoc::from_doc(ichiro.doc_mut().fork()).unwrap();
    jiro.apply(&VisitChange::Take {
        login: "shimin02".into(),
        name: "市民 二郎".into(),
        department: Department::Shimin,
        at: 20,
    })
    .unwrap();
    ichiro.doc_mut().merge(jiro.doc_mut()).unwrap();
    assert_eq!(ichiro.handling().holder.as_deref(), Some("市民 二郎"));
    ichiro
        .apply(&VisitChange::Answers {
            answers: Answers::new(LifeEvent::Tenkyo),
            at: 30,
        })
        .unwrap();
    let last = ichiro.history().pop().unwrap();
    assert_eq!(
        (last.action.as_str(), last.who.as_str()),
        ("navi_answered", "市民 一郎")
    );
}

#[test]
fn items_read_from_a_document_are_marked_until_edited() {
    let mut v = visit();
    v.add_person().unwrap();
    v.set_item("person.name", Some(1), "高崎 次郎").unwrap();
    v.set_item(
        "visit.previous_address",
        None,
        "東京都千代田区永田町一丁目1番1号",
    )
    .unwrap();
    v.apply(&VisitChange::FilledFromDocument {
        document: DocumentKind::TransferCertificate,
        path: ReadPath::Qr,
        items: vec![
            ("person.name".into(), Some(1), "高崎 次郎".into()),
            // Changed since the read: not marked.
            ("visit.previous_address".into(), None, "別の住所".into()),
        ],
        at: 5,
    })
    .unwrap();
    assert_eq!(
        v.read_mark("person.name", Some(1)),
        Some((DocumentKind::TransferCertificate, ReadPath::Qr))
    );
    assert_eq!(v.read_mark("visit.previous_address", None), None);
    assert_eq!(v.read_mark("person.name", Some(0)), None);
    assert_eq!(
        v.read_marks(),
        [ReadMark {
            key: "person.name".into(),
            person: Some(1),
            document: DocumentKind::TransferCertificate,
            path: ReadPath::Qr,
        }]
    );
    // The marks are not items: values and conflicts do not see them.
    assert_eq!(v.values().persons[1].len(), 1);
    assert!(v.conflicts().is_empty());
    let last = v.history().pop().unwrap();
    assert_eq!(last.action, "filled_from_document");
    assert_eq!(last.detail.as_deref(), Some("転出証明書 (QR)、2項目"));
    // An edit takes the mark away; the saved document keeps it until then.
    let mut loaded = VisitDoc::load(&v.save()).unwrap();
    assert!(loaded.read_mark("person.name", Some(1)).is_some());
    loaded
        .set_item("person.name", Some(1), "高崎 二郎")
        .unwrap();
    assert_eq!(loaded.read_mark("person.name", Some(1)), None);
}
