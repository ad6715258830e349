use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ReadDoc, ScalarValue};

use super::*;
use crate::DocumentId;
use crate::calendar::CivilDay;
use crate::catalog::Catalog;
use crate::signature::{Point, Stroke};
use crate::visit::VisitChange;

const TERMINAL: &str = "t-0a1b2c3d4e5f";

fn today() -> CivilDay {
    CivilDay::new(2027, 4, 1).unwrap()
}

/// A visit whose 戸籍証明書 request is filled enough to be confirmed.
fn filled() -> VisitDoc {
    let mut v = VisitDoc::new(DocumentId::random(), "1", 0);
    for (key, person, value) in [
        ("visit.notified_on", None, "2027-04-01"),
        ("visit.notifier_name", None, "高崎 花子"),
        ("visit.notifier_phone", None, "027-321-1111"),
        ("visit.identity_document", None, "my_number_card"),
        ("person.honseki", Some(0), "群馬県高崎市高松町35番地1"),
        ("person.hittosha", Some(0), "高崎 太郎"),
        ("person.name", Some(0), "高崎 花子"),
        ("person.birth_date", Some(0), "1985-01-02"),
    ] {
        v.set_item(key, person, value).unwrap();
    }
    v.set_form_field("koseki_kofu", "relation", "self").unwrap();
    v.set_form_field("koseki_kofu", "copies.zenbu", "1")
        .unwrap();
    v
}

/// A signature of `n` points, a wave across the box, with a pen's pressure.
fn strokes(n: usize, shift: u16) -> Vec<Stroke> {
    let points = (0..n)
        .map(|i| Point {
            x: (20 + i * 900 / n.max(1)) as u16,
            y: 150 + ((i as f64 / 4.0).sin() * 80.0) as u16 / 2 + shift,
            t: (i * 8) as u32,
            pressure: Some((400 + (i * 13) % 400) as u16),
        })
        .collect();
    vec![Stroke { points }]
}

fn sign(v: &mut VisitDoc, forms: &[&str], strokes: &[Stroke], at: i64) -> Result<bool, VisitError> {
    v.apply(&VisitChange::Sign {
        forms: forms.iter().map(|f| f.to_string()).collect(),
        role: SignerRole::Notifier,
        strokes: strokes.to_vec(),
        at,
        terminal: TERMINAL.into(),
    })
}

#[test]
fn one_signing_signs_each_form_bound_to_it_and_survives_a_reload() {
    let mut v = filled();
    let before = v.save().len();
    assert!(
        sign(
            &mut v,
            &["koseki_kofu", "juminhyo_inkan_kofu"],
            &strokes(300, 0),
            7
        )
        .unwrap()
    );
    let loaded = VisitDoc::load(&v.save()).unwrap();
    let all = loaded.signatures(SignerRole::Notifier);
    assert_eq!(all.len(), 2);
    let koseki = all["koseki_kofu"].as_ref().unwrap();
    let juminhyo = all["juminhyo_inkan_kofu"].as_ref().unwrap();
    assert_eq!(koseki.strokes, strokes(300, 0));
    assert_eq!((koseki.at, koseki.terminal.as_str()), (7, TERMINAL));
    assert_eq!(koseki.visit_id, v.visit_id());
    // Each form's signature is its own: bound to its form.
    assert_ne!(koseki.digest(), juminhyo.digest());
    let last = loaded.history().pop().unwrap();
    assert_eq!(last.action, "signed");
    assert_eq!(
        last.detail.as_deref(),
        Some("届出人: 戸籍証明書等 交付請求書、住民票の写し・印鑑登録証明書 交付請求書")
    );
    // What a typical signature adds to the saved document (300 points with pressure, on two
    // forms): a few kilobytes.
    let added = v.save().len() - before;
    assert!(added < 6_000, "{added} bytes");
    // Nothing signed: nothing changes, and an empty pad is no signature.
    assert!(!sign(&mut v, &[], &strokes(3, 0), 8).unwrap());
    assert!(matches!(
        sign(&mut v, &["koseki_kofu"], &[], 8),
        Err(VisitError::Signature(SignatureError::Empty))
    ));
}

#[test]
fn a_form_without_the_roles_box_or_an_unknown_form_is_not_signed() {
    let mut v = filled();
    let err = v
        .sign(
            &["koseki_kofu".into()],
            SignerRole::Guarantor,
            &strokes(5, 0),
            1,
            TERMINAL,
        )
        .unwrap_err();
    assert!(matches!(err, VisitError::NotSigned { .. }), "{err}");
    assert!(sign(&mut v, &["no_such_form"], &strokes(5, 0), 1).is_err());
    assert!(matches!(
        v.sign(
            &["koseki_kofu".into()],
            SignerRole::Notifier,
            &strokes(5, 0),
            1,
            "端末"
        ),
        Err(VisitError::Signature(SignatureError::BadTerminal))
    ));
    assert!(v.signatures(SignerRole::Notifier).is_empty());
}

#[test]
fn a_signature_is_fixed_once_the_form_is_asked_for_and_confirmed() {
    let mut v = filled();
    sign(&mut v, &["koseki_kofu"], &strokes(40, 0), 1).unwrap();
    let signed = v
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap()
        .unwrap();
    v.request_confirmation("koseki_kofu", 2).unwrap();
    let refused = sign(&mut v, &["koseki_kofu"], &strokes(40, 9), 3).unwrap_err();
    assert!(
        matches!(
            &refused,
            VisitError::SignatureLocked {
                state: "requested",
                ..
            }
        ),
        "{refused}"
    );
    let decided = v.reconcile(today(), 4).unwrap();
    assert_eq!(decided[0].state, FormState::Confirmed, "{decided:?}");
    assert!(matches!(
        sign(&mut v, &["koseki_kofu"], &strokes(40, 9), 5),
        Err(VisitError::SignatureLocked {
            state: "confirmed",
            ..
        })
    ));
    // One signing over several forms refuses as a whole: the draft form is not signed either.
    assert!(
        sign(
            &mut v,
            &["juminhyo_inkan_kofu", "koseki_kofu"],
            &strokes(40, 9),
            5
        )
        .is_err()
    );
    assert!(
        v.signature("juminhyo_inkan_kofu", SignerRole::Notifier)
            .unwrap()
            .is_none()
    );
    assert_eq!(
        v.signature("koseki_kofu", SignerRole::Notifier).unwrap(),
        Some(signed.clone())
    );
    // A 訂正 opens the form again, and a new signature is confirmed with it.
    v.open_correction(
        "koseki_kofu",
        "続柄の誤り",
        "市民 一郎",
        crate::catalog::Department::Shimin,
        6,
    )
    .unwrap();
    sign(&mut v, &["koseki_kofu"], &strokes(40, 9), 7).unwrap();
    v.request_confirmation("koseki_kofu", 8).unwrap();
    v.reconcile(today(), 9).unwrap();
    let again = v
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap()
        .unwrap();
    assert_eq!(again.strokes, strokes(40, 9));
}

/// Copies visit `from`'s signature entry of `form` into `to`, as a terminal writing another
/// visit's signature into this one would, optionally saying it is `to`'s.
fn copy_signature(from: &VisitDoc, to: &mut VisitDoc, form: &str, rebind: bool) {
    let digest = from
        .signature(form, SignerRole::Notifier)
        .unwrap()
        .unwrap()
        .digest();
    let source = from.find_obj(&["signatures", &digest]).unwrap();
    let fields: Vec<(String, String)> =
        ["visit_id", "form", "role", "terminal", "strokes", "values"]
            .into_iter()
            .map(|k| (k.to_owned(), from.read_string(&source, k).unwrap()))
            .collect();
    let at = from.read_time(&source, "at").unwrap();
    let visit = to.visit_id();
    let doc = to.doc_mut();
    let entries = match doc.get(ROOT, "signatures").unwrap() {
        Some((_, id)) => id,
        None => doc.put_object(ROOT, "signatures", ObjType::Map).unwrap(),
    };
    let entry = doc.put_object(&entries, &digest, ObjType::Map).unwrap();
    for (k, value) in fields {
        let value = if k == "visit_id" && rebind {
            visit.clone()
        } else {
            value
        };
        doc.put(&entry, &k, value).unwrap();
    }
    doc.put(&entry, "at", ScalarValue::Timestamp(at)).unwrap();
    let signed = doc.put_object(ROOT, "signed", ObjType::Map).unwrap();
    let of_form = doc.put_object(&signed, form, ObjType::Map).unwrap();
    doc.put(&of_form, "todokedenin", digest).unwrap();
    doc.commit();
}

#[test]
fn another_visits_signature_is_refused_in_reading_and_at_confirmation() {
    let mut a = filled();
    sign(&mut a, &["koseki_kofu"], &strokes(30, 0), 1).unwrap();
    let mut b = filled();
    copy_signature(&a, &mut b, "koseki_kofu", false);
    let err = b
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap_err();
    assert_eq!(
        err,
        SignatureError::Foreign {
            bound: a.visit_id(),
            visit: b.visit_id()
        }
    );
    b.request_confirmation("koseki_kofu", 2).unwrap();
    let decided = b.reconcile(today(), 3).unwrap();
    assert_eq!(decided[0].state, FormState::Refused);
    let status = b.form_status("koseki_kofu");
    assert_eq!(
        status.reason.as_deref(),
        Some("署名が別の受付のものです。この受付で署名し直してください。")
    );
    // Said to be this visit's, it no longer matches the digest it is stored under.
    let mut c = filled();
    copy_signature(&a, &mut c, "koseki_kofu", true);
    assert_eq!(
        c.signature("koseki_kofu", SignerRole::Notifier),
        Err(SignatureError::Altered)
    );
    c.request_confirmation("koseki_kofu", 2).unwrap();
    assert_eq!(
        c.reconcile(today(), 3).unwrap()[0].state,
        FormState::Refused
    );
    // Signed again at its own visit (a refused form takes a signature), it is confirmed.
    sign(&mut c, &["koseki_kofu"], &strokes(30, 0), 6).unwrap();
    c.request_confirmation("koseki_kofu", 7).unwrap();
    assert_eq!(
        c.reconcile(today(), 8).unwrap()[0].state,
        FormState::Confirmed
    );
}

#[test]
fn two_peers_merge_to_one_signature_and_the_confirmed_one_stays() {
    let mut counter = filled();
    let mut tablet = VisitDoc::load(&counter.save()).unwrap();
    tablet.doc_mut().set_actor(automerge::ActorId::random());
    // Both sign the same form at once (two pads): after merging both ways they agree.
    sign(&mut counter, &["koseki_kofu"], &strokes(30, 0), 1).unwrap();
    sign(&mut tablet, &["koseki_kofu"], &strokes(30, 20), 1).unwrap();
    counter.doc_mut().merge(tablet.doc_mut()).unwrap();
    tablet.doc_mut().merge(counter.doc_mut()).unwrap();
    let agreed = counter
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap();
    assert!(agreed.is_some());
    assert_eq!(
        agreed,
        tablet
            .signature("koseki_kofu", SignerRole::Notifier)
            .unwrap()
    );
    // The server confirms on the counter's copy; the tablet, not yet told, signs again.
    counter.request_confirmation("koseki_kofu", 2).unwrap();
    counter.reconcile(today(), 3).unwrap();
    assert_eq!(
        counter.form_status("koseki_kofu").state,
        FormState::Confirmed
    );
    sign(&mut tablet, &["koseki_kofu"], &strokes(30, 40), 4).unwrap();
    counter.doc_mut().merge(tablet.doc_mut()).unwrap();
    tablet.doc_mut().merge(counter.doc_mut()).unwrap();
    // The later signature is in the document, but the form's is the one confirmed.
    for peer in [&counter, &tablet] {
        assert_eq!(
            peer.signature("koseki_kofu", SignerRole::Notifier).unwrap(),
            agreed
        );
        let latest = peer
            .find_obj(&["signed", "koseki_kofu"])
            .and_then(|o| peer.read_string(&o, "todokedenin"))
            .unwrap();
        assert_ne!(Some(latest), agreed.as_ref().map(Signature::digest));
    }
    assert_eq!(counter.doc_mut().get_heads(), tablet.doc_mut().get_heads());
    assert!(counter.doc().get(ROOT, "signatures").unwrap().is_some());
}

#[test]
fn the_server_reads_the_signings_a_document_gained() {
    let mut a = filled();
    let before = a.doc_mut().get_heads();
    sign(
        &mut a,
        &["koseki_kofu", "juminhyo_inkan_kofu"],
        &strokes(20, 0),
        5,
    )
    .unwrap();
    let found = signings_since(a.doc(), &before);
    assert_eq!(
        found,
        vec![Signing {
            role: SignerRole::Notifier,
            forms: vec!["juminhyo_inkan_kofu".into(), "koseki_kofu".into()],
            terminal: TERMINAL.into(),
            at: 5,
            foreign: None,
        }]
    );
    // A document new to the server: everything in it is new.
    assert_eq!(signings_since(a.doc(), &[]), found);
    let now = a.doc_mut().get_heads();
    assert!(signings_since(a.doc(), &now).is_empty());
    // Another visit's signature copied in is named as such.
    let mut b = filled();
    let before = b.doc_mut().get_heads();
    copy_signature(&a, &mut b, "koseki_kofu", false);
    let copied = signings_since(b.doc(), &before);
    assert_eq!(copied.len(), 1);
    assert_eq!(copied[0].foreign, Some(a.visit_id()));
    assert!(signings_since(VisitDoc::new(DocumentId::random(), "2", 0).doc(), &[]).is_empty());
}

#[test]
fn the_values_digest_changes_with_a_value_of_the_form_not_with_an_item_it_does_not_show() {
    let catalog = Catalog::builtin();
    let koseki = catalog.form("koseki_kofu").unwrap();
    let mut v = filled();
    let digest = v.values().form_digest(koseki);
    assert_eq!(digest.len(), 64);
    assert_eq!(filled().values().form_digest(koseki), digest);
    // Another form of the same values has its own digest.
    let juminhyo = catalog.form("juminhyo_inkan_kofu").unwrap();
    assert_ne!(v.values().form_digest(juminhyo), digest);
    // A value the sheet shows: 氏名, a count of its own fields.
    v.set_item("person.name", Some(0), "高崎 花江").unwrap();
    assert_ne!(v.values().form_digest(koseki), digest);
    let mut v = filled();
    v.set_form_field("koseki_kofu", "copies.zenbu", "2")
        .unwrap();
    assert_ne!(v.values().form_digest(koseki), digest);
    // Items the sheet does not show, and another form's own fields, leave it as it was.
    let mut v = filled();
    let unshown = catalog
        .items
        .keys()
        .find(|key| key.starts_with("visit.") && koseki.field(key).is_none())
        .expect("a visit item the 戸籍 request does not show");
    let _ = v.set_item(unshown, None, "2027-04-02");
    v.set_form_field("juminhyo_inkan_kofu", "copies.juminhyo", "3")
        .unwrap();
    assert_eq!(v.values().form_digest(koseki), digest);
    // A blank value is no value.
    let mut v = filled();
    v.set_item("person.hittosha", Some(0), "").unwrap();
    let mut w = filled();
    w.set_item("person.hittosha", Some(0), "  ").unwrap();
    assert_eq!(
        v.values().form_digest(koseki),
        w.values().form_digest(koseki)
    );
}

#[test]
fn a_signature_stops_counting_when_the_values_it_covers_change_and_confirmation_is_refused() {
    let mut v = filled();
    sign(
        &mut v,
        &["koseki_kofu", "juminhyo_inkan_kofu"],
        &strokes(30, 0),
        1,
    )
    .unwrap();
    let signed = v
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap()
        .unwrap();
    assert_eq!(
        signed.values.as_deref(),
        Some(
            v.values()
                .form_digest(Catalog::builtin().form("koseki_kofu").unwrap())
                .as_str()
        )
    );
    // 氏名 changes after signing: the signature no longer counts, for every form showing it.
    v.set_item("person.name", Some(0), "高崎 花江").unwrap();
    assert_eq!(
        v.signature("koseki_kofu", SignerRole::Notifier),
        Err(SignatureError::Stale)
    );
    assert_eq!(
        v.signatures(SignerRole::Notifier)["koseki_kofu"],
        Err(SignatureError::Stale)
    );
    assert!(
        SignatureError::Stale
            .message_ja()
            .contains("署名後に内容が変わりました。もう一度署名してください")
    );
    v.request_confirmation("koseki_kofu", 2).unwrap();
    let decided = v.reconcile(today(), 3).unwrap();
    assert_eq!(decided[0].state, FormState::Refused, "{decided:?}");
    let status = v.form_status("koseki_kofu");
    assert_eq!(
        status.reason.as_deref(),
        Some("署名後に内容が変わりました。もう一度署名してください。")
    );
    // Changed back, the signature covers the values again; signed again over the new
    // values, the form is confirmed with the new signature.
    v.set_item("person.name", Some(0), "高崎 花子").unwrap();
    assert_eq!(
        v.signature("koseki_kofu", SignerRole::Notifier).unwrap(),
        Some(signed)
    );
    v.set_item("person.name", Some(0), "高崎 花江").unwrap();
    sign(&mut v, &["koseki_kofu"], &strokes(30, 4), 4).unwrap();
    v.request_confirmation("koseki_kofu", 5).unwrap();
    let decided = v.reconcile(today(), 6).unwrap();
    assert_eq!(decided[0].state, FormState::Confirmed, "{decided:?}");
    let pinned = v
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap()
        .unwrap();
    assert_eq!(pinned.strokes, strokes(30, 4));
}

#[test]
fn a_signature_stored_before_values_were_recorded_reads_but_covers_nothing() {
    let mut v = filled();
    sign(&mut v, &["koseki_kofu"], &strokes(30, 0), 1).unwrap();
    let current = v
        .signature("koseki_kofu", SignerRole::Notifier)
        .unwrap()
        .unwrap();
    // The entry as the first version of signing wrote it: no values, the v1 digest.
    let old = Signature {
        values: None,
        ..current
    };
    let digest = old.digest();
    let doc = v.doc_mut();
    let (_, entries) = doc.get(ROOT, "signatures").unwrap().unwrap();
    let entry = doc.put_object(&entries, &digest, ObjType::Map).unwrap();
    for (key, value) in [
        ("visit_id", old.visit_id.clone()),
        ("form", old.form.clone()),
        ("role", "todokedenin".to_owned()),
        ("terminal", old.terminal.clone()),
        ("strokes", crate::signature::encode_strokes(&old.strokes)),
    ] {
        doc.put(&entry, key, value).unwrap();
    }
    doc.put(&entry, "at", ScalarValue::Timestamp(old.at))
        .unwrap();
    let (_, signed) = doc.get(ROOT, "signed").unwrap().unwrap();
    let (_, of_form) = doc.get(&signed, "koseki_kofu").unwrap().unwrap();
    doc.put(&of_form, "todokedenin", digest.as_str()).unwrap();
    doc.commit();
    // It reads (not Altered, not Malformed) but does not count: sign again.
    assert_eq!(
        v.signature("koseki_kofu", SignerRole::Notifier),
        Err(SignatureError::Stale)
    );
    v.request_confirmation("koseki_kofu", 2).unwrap();
    assert_eq!(
        v.reconcile(today(), 3).unwrap()[0].state,
        FormState::Refused
    );
}
