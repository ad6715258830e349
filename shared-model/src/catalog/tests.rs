use super::*;
use crate::calendar::CivilDay;
use crate::validate::{Code, Severity};

fn today() -> CivilDay {
    CivilDay::new(2027, 4, 20).unwrap()
}

/// A valid value for a field of this kind.
fn valid(field: &Field) -> String {
    match field.kind {
        Kind::Text => match field.key.as_str() {
            "visit.bank_name" => "群馬銀行".into(),
            "visit.bank_branch" => "高崎支店".into(),
            _ => "群馬県高崎市高松町35番地1"
                .chars()
                .take(field.max.unwrap_or(200))
                .collect(),
        },
        Kind::Kana => "タカサキ　ハナコ".into(),
        Kind::Date => match field.key.as_str() {
            "visit.notified_on" => "令和9年4月20日".into(),
            "visit.moved_on" => "2027-04-15".into(),
            "person.residence_expiry" => "2029-03-31".into(),
            _ => "1988-04-12".into(),
        },
        Kind::PostalCode => "370-8501".into(),
        Kind::Phone => "027-321-1111".into(),
        Kind::MyNumber => "123456789018".into(),
        Kind::AtenaNumber => "1236".into(),
        Kind::ResidenceCard => "AB12345678CD".into(),
        Kind::AccountNumber => "1234567".into(),
        Kind::BankCode => "0128".into(),
        Kind::BranchCode => "018".into(),
        Kind::Amount => "1234567".into(),
        Kind::Relationship => "世帯主".into(),
        Kind::Choice => field.choices[0].id.clone(),
        // A flag that makes the person an exception (成年被後見人) is left unset.
        Kind::Flag if field.key == "adult_ward" => "false".into(),
        Kind::Flag => "true".into(),
        Kind::Counts => unreachable!("counts are set per choice"),
    }
}

/// An invalid value and the code it must get.
fn invalid(field: &Field) -> (String, Code) {
    match field.kind {
        Kind::Text => ("あ".repeat(field.max.unwrap_or(200) + 1), Code::TooLong),
        Kind::Kana => ("高崎".into(), Code::KanaInvalid),
        // A 生年月日 may be a day the calendar lacks (§1.1.8), so month 13 is what no date is.
        Kind::Date if field.unknown_parts => ("令和5年13月1日".into(), Code::DateImpossible),
        Kind::Date => ("令和5年2月30日".into(), Code::DateImpossible),
        Kind::PostalCode => ("37-8501".into(), Code::PostalCodeFormat),
        Kind::Phone => ("321-1111".into(), Code::PhoneFormat),
        Kind::MyNumber => ("123456789012".into(), Code::MyNumberCheckDigit),
        Kind::AtenaNumber => ("1235".into(), Code::AtenaNumberCheckDigit),
        Kind::ResidenceCard => ("AB1234CD".into(), Code::ResidenceCardFormat),
        Kind::AccountNumber => ("12345678".into(), Code::AccountNumberFormat),
        Kind::BankCode => ("128".into(), Code::BankCodeFormat),
        Kind::BranchCode => ("1８".into(), Code::BankCodeFormat),
        Kind::Amount => ("百万円".into(), Code::AmountFormat),
        Kind::Relationship => ("孫".into(), Code::RelationshipNotAllowed),
        Kind::Choice | Kind::Flag => ("no-such-choice".into(), Code::ChoiceUnknown),
        Kind::Counts => ("many".into(), Code::CountInvalid),
    }
}

/// Every field of the form filled with a valid value, for a parent, a child and an older
/// child of 19 (one of 児童手当's 児童の兄姉等).
fn filled(catalog: &Catalog, form: &Form) -> VisitValues {
    let mut values = VisitValues::default();
    for field in form.fields() {
        for person in [0, 1, 2] {
            if field.scope != Scope::Person && person == 1 {
                continue;
            }
            if field.kind == Kind::Counts {
                let key = format!("{}.{}", field.key, field.choices[0].id);
                values.set(catalog, &form.id, &key, None, "2").unwrap();
                continue;
            }
            let mut value = valid(field);
            if person == 1 {
                value = match field.key.as_str() {
                    "person.birth_date" => "2015-06-01".into(),
                    "person.relationship" => "子".into(),
                    "person.name" => "高崎 太郎".into(),
                    _ => value,
                };
            }
            if person == 2 {
                value = match field.key.as_str() {
                    "person.birth_date" => "2007-06-01".into(),
                    "person.relationship" => "子".into(),
                    "person.name" => "高崎 次郎".into(),
                    _ => value,
                };
            }
            values
                .set(catalog, &form.id, &field.key, Some(person), &value)
                .unwrap();
        }
    }
    values
}

#[test]
fn the_builtin_catalog_has_every_form_of_the_specification() {
    let catalog = Catalog::builtin();
    assert_eq!(catalog.forms.len(), 26);
    assert!(!catalog.version.is_empty());
    let count = |d: Department| catalog.forms.iter().filter(|f| f.department == d).count();
    assert_eq!(count(Department::Shimin), 19);
    assert_eq!(count(Department::HokenNenkin), 2);
    assert_eq!(count(Department::KodomoKatei), 5);
    for form in &catalog.forms {
        let allowed: &[u8] = match form.department {
            Department::Shimin => &[5, 7],
            Department::HokenNenkin => &[9],
            Department::KodomoKatei => &[1, 3],
        };
        assert!(
            allowed.contains(&form.counter),
            "{}: 窓口 {}",
            form.id,
            form.counter
        );
        assert!(
            form.fields().any(|f| f.required),
            "{} has no required field",
            form.id
        );
    }
}

#[test]
fn every_form_filled_with_valid_values_is_clean() {
    let catalog = Catalog::builtin();
    for form in &catalog.forms {
        let values = filled(catalog, form);
        let findings = catalog.validate(&form.id, &values, today()).unwrap();
        assert!(findings.is_empty(), "{}: {findings:#?}", form.id);
    }
}

#[test]
fn every_form_rejects_an_invalid_value_with_its_code() {
    let catalog = Catalog::builtin();
    for form in &catalog.forms {
        // Every field, one at a time: the invalid value gets its code, on that field.
        for (section, field) in form
            .sections
            .iter()
            .flat_map(|s| s.fields.iter().map(move |f| (s, f)))
        {
            let row = match section.repeat {
                Repeat::Children => 1,
                Repeat::YoungAdults => 2,
                _ => 0,
            };
            let mut values = filled(catalog, form);
            let (bad, code) = invalid(field);
            let key = if field.kind == Kind::Counts {
                format!("{}.{}", field.key, field.choices[0].id)
            } else {
                field.key.clone()
            };
            values
                .set(catalog, &form.id, &key, Some(row), &bad)
                .unwrap();
            let findings = catalog.validate(&form.id, &values, today()).unwrap();
            assert!(
                findings
                    .iter()
                    .any(|f| f.field == field.key && f.finding.code == code),
                "{}.{}: {bad:?} should give {code:?}, got {findings:#?}",
                form.id,
                field.key
            );
        }
    }
}

#[test]
fn every_required_field_is_asked_for() {
    let catalog = Catalog::builtin();
    for form in &catalog.forms {
        let findings = catalog
            .validate(&form.id, &VisitValues::default(), today())
            .unwrap();
        // The 兄姉等 are asked for only when the visit has some (a claim needs none).
        let asked = form
            .sections
            .iter()
            .filter(|s| s.repeat != Repeat::YoungAdults)
            .flat_map(|s| s.fields.iter());
        for field in asked.filter(|f| f.required) {
            assert!(
                findings
                    .iter()
                    .any(|f| f.field == field.key && f.finding.code == Code::Required),
                "{}.{} not reported missing",
                form.id,
                field.key
            );
        }
    }
}

#[test]
fn a_canonical_item_entered_on_one_form_shows_on_every_form() {
    let catalog = Catalog::builtin();
    let mut values = VisitValues::default();
    values
        .set(
            catalog,
            "jumin_idou_tennyu",
            "person.name",
            Some(0),
            "高崎 花子",
        )
        .unwrap();
    for form in catalog
        .forms
        .iter()
        .filter(|f| f.field("person.name").is_some())
    {
        assert_eq!(
            values.get(&form.id, "person.name", Some(0)),
            Some("高崎 花子")
        );
    }
    // A form's own field stays with that form.
    values
        .set(catalog, "juminhyo_inkan_kofu", "purpose", None, "年金")
        .unwrap();
    assert_eq!(values.get("koseki_kofu", "purpose", None), None);
}

#[test]
fn conditional_requirements() {
    let catalog = Catalog::builtin();
    let form = catalog.form("juminhyo_inkan_kofu").unwrap();
    let mut values = filled(catalog, form);
    values.forms.get_mut(&form.id).unwrap().remove("purpose");
    assert!(
        catalog
            .validate(&form.id, &values, today())
            .unwrap()
            .is_empty()
    );
    values
        .set(catalog, &form.id, "visit.notifier_relation", None, "agent")
        .unwrap();
    let findings = catalog.validate(&form.id, &values, today()).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.field == "purpose" && f.finding.code == Code::Required)
    );
}

#[test]
fn deadlines_are_warnings_and_a_future_notification_an_error() {
    let catalog = Catalog::builtin();
    let form = catalog.form("jumin_idou_tennyu").unwrap();
    let mut values = filled(catalog, form);
    values
        .set(catalog, &form.id, "visit.moved_on", None, "2027-03-01")
        .unwrap();
    let findings = catalog.validate(&form.id, &values, today()).unwrap();
    let late: Vec<_> = findings
        .iter()
        .filter(|f| f.finding.code == Code::NotifiedLate)
        .collect();
    assert_eq!(late.len(), 1);
    assert_eq!(late[0].finding.severity, Severity::Warning);
    values
        .set(catalog, &form.id, "visit.notified_on", None, "2027-04-21")
        .unwrap();
    let findings = catalog.validate(&form.id, &values, today()).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.finding.code == Code::DateInFuture)
    );
    let ca = catalog.form("jidou_teate_nintei").unwrap();
    let mut values = filled(catalog, ca);
    values
        .set(catalog, &ca.id, "visit.moved_on", None, "2027-04-01")
        .unwrap();
    let findings = catalog.validate(&ca.id, &values, today()).unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.finding.code == Code::ChildAllowanceLate
                && f.finding.severity == Severity::Warning)
    );
}

#[test]
fn children_rows_are_the_persons_of_high_school_age_or_younger() {
    use super::values::is_child_on;
    let on = CivilDay::new(2027, 4, 20).unwrap();
    // Born 2009-04-02: 18 on 2027-04-02 → still 高校生年代 until 2028-03-31.
    assert!(is_child_on(CivilDay::new(2009, 4, 2).unwrap(), on));
    // Born 2008-04-02 reached 18 in 2026 → its 31 March was 2027-03-31.
    assert!(!is_child_on(CivilDay::new(2008, 4, 2).unwrap(), on));
    // Born 1 April reaches the age on 31 March: that very day ends the period.
    assert!(!is_child_on(CivilDay::new(2009, 4, 1).unwrap(), on));
    let catalog = Catalog::builtin();
    let form = catalog.form("jidou_teate_nintei").unwrap();
    let mut values = filled(catalog, form);
    // The child's name is missing: reported on row 1, the parent (row 0) is no child row.
    values.persons[1].remove("person.kana");
    let findings = catalog.validate(&form.id, &values, today()).unwrap();
    let rows: Vec<_> = findings
        .iter()
        .filter(|f| f.section == "children")
        .map(|f| (f.field.as_str(), f.person))
        .collect();
    assert_eq!(rows, [("person.kana", Some(1))]);
}

#[test]
fn bad_requests_get_typed_errors() {
    let catalog = Catalog::builtin();
    let mut values = VisitValues::default();
    assert_eq!(
        catalog.validate("nope", &values, today()).unwrap_err(),
        CatalogError::UnknownForm("nope".into())
    );
    assert!(matches!(
        values.set(catalog, "koseki_kofu", "visit.moved_on", None, "x"),
        Err(CatalogError::UnknownField { .. })
    ));
    assert!(matches!(
        values.set(catalog, "koseki_kofu", "copies", None, "3"),
        Err(CatalogError::WrongType { .. })
    ));
    assert!(
        values
            .set(catalog, "koseki_kofu", "copies.zenbu", None, "3")
            .is_ok()
    );
}

#[test]
fn broken_catalog_files_are_named() {
    let items = include_str!("../../catalog/items.toml");
    let forms = include_str!("../../catalog/forms.toml");
    assert!(matches!(
        Catalog::parse("items = [", forms),
        Err(CatalogError::Parse {
            file: "items.toml",
            ..
        })
    ));
    let unknown_item = forms.replace("binds = \"person.kana\"", "binds = \"person.nickname\"");
    assert!(matches!(
        Catalog::parse(items, &unknown_item),
        Err(CatalogError::UnknownItem { .. })
    ));
    let unknown_section = forms.replace("\"notifier\", \"move\"", "\"notifier\", \"moov\"");
    assert!(matches!(
        Catalog::parse(items, &unknown_section),
        Err(CatalogError::UnknownSection { .. })
    ));
    // A rule reading a key the form lacks would hold, or fail, on every visit.
    let misspelt_rule = forms.replace(
        "within = { of = \"inquiry_sent_on\"",
        "within = { of = \"inquiry_send_on\"",
    );
    assert_ne!(misspelt_rule, forms);
    assert_eq!(
        Catalog::parse(items, &misspelt_rule),
        Err(CatalogError::UnknownField {
            form: "inkan_toroku".into(),
            field: "inquiry_send_on".into()
        })
    );
}

#[test]
fn the_catalog_serialises_for_the_api() {
    let json = serde_json::to_value(Catalog::builtin()).unwrap();
    assert_eq!(json["forms"].as_array().unwrap().len(), 26);
    assert_eq!(
        json["forms"][0]["sections"][0]["fields"][0]["key"],
        "visit.notified_on"
    );
}

#[test]
fn a_value_is_checked_on_its_own_before_any_form_asks_for_it() {
    let catalog = Catalog::builtin();
    let birth = catalog.items["person.birth_date"].as_field();
    let codes = |value: &str| -> Vec<Code> {
        check_value(&birth, value, today())
            .into_iter()
            .map(|f| f.code)
            .collect()
    };
    // A date of birth after today is an error (届出日 has its own rule).
    assert_eq!(codes("2099-01-01"), [Code::DateInFuture]);
    assert_eq!(codes("R10.1.1"), [Code::DateInFuture]);
    assert_eq!(codes("2028年月日不詳"), [Code::DateInFuture]);
    assert!(codes("2027年月日不詳").is_empty(), "this year, day unknown");
    assert!(codes("1950-00-00").is_empty());
    assert_eq!(codes("nonsense"), [Code::DateUnreadable]);
    assert_eq!(codes("0001-06-04"), [Code::DateUnreadable]);
    assert_eq!(codes("平成31年5月1日"), [Code::DateOutsideEra]);
    let order = check_value(&birth, "1950-00-05", today());
    assert!(
        order[0].message_ja.contains("月が不詳なら日も"),
        "{}",
        order[0].message_ja
    );
    assert!(
        !order[0].message_ja.contains("存在しない"),
        "{}",
        order[0].message_ja
    );
    let gannen = check_value(&birth, "元年5月1日", today());
    assert!(
        gannen[0].message_ja.contains("元号を付けて"),
        "{}",
        gannen[0].message_ja
    );
    let kana = catalog.items["person.kana"].as_field();
    let f = check_value(&kana, "tanaka", today());
    assert!(
        f[0].message_ja.contains("t、a、n、k"),
        "{}",
        f[0].message_ja
    );
    // Other dates may lie ahead (在留期間の満了の日).
    let expiry = catalog.items["person.residence_expiry"].as_field();
    assert!(check_value(&expiry, "2031-03-31", today()).is_empty());
}

// --- the kiosk's items ----------------------------------------------------------------------

fn keys(items: &[&Item]) -> Vec<String> {
    items.iter().map(|i| i.key.clone()).collect()
}

#[test]
fn kiosk_items_of_a_family_moving_in_with_kokuho_and_children() {
    let catalog = Catalog::builtin();
    let forms: Vec<String> = [
        "jumin_idou_tennyu",
        "kokuho_idou",
        "kokuho_kani_shinkoku",
        "jidou_teate_nintei",
    ]
    .map(String::from)
    .to_vec();
    let items = catalog.kiosk_items(&forms);
    assert_eq!(
        keys(&items.person),
        [
            "person.name",
            "person.kana",
            "person.birth_date",
            "person.sex",
            "person.relationship",
            "person.nationality",
        ]
    );
    assert_eq!(
        keys(&items.shared),
        [
            "visit.moved_on",
            "household.postal_code",
            "household.address",
            "household.katagaki",
            "household.head_name",
            "visit.previous_address",
            "household.phone",
        ]
    );
    // Staff-only items (個人番号, 届出人, 口座) are not asked at the kiosk.
    let all: Vec<String> = keys(&items.person)
        .into_iter()
        .chain(keys(&items.shared))
        .collect();
    for staff in [
        "person.my_number",
        "visit.notifier_name",
        "visit.account_number",
    ] {
        assert!(!all.contains(&staff.to_owned()), "{staff}");
    }
}

#[test]
fn kiosk_items_of_a_certificate_and_of_no_form() {
    let catalog = Catalog::builtin();
    let items = catalog.kiosk_items(&["juminhyo_inkan_kofu".to_owned()]);
    // The request binds 氏名 and 生年月日; フリガナ joins them in its place.
    assert_eq!(
        keys(&items.person),
        ["person.name", "person.kana", "person.birth_date"]
    );
    assert_eq!(
        keys(&items.shared),
        ["household.address", "household.head_name"]
    );
    let none = catalog.kiosk_items(&[]);
    assert_eq!(
        keys(&none.person),
        ["person.name", "person.kana", "person.birth_date"]
    );
    assert_eq!(keys(&none.shared), ["household.address"]);
    // An unknown id is passed over.
    assert_eq!(catalog.kiosk_items(&["no_such_form".to_owned()]), none);
    let out = catalog.kiosk_items(&["jumin_idou_tenshutsu".to_owned()]);
    assert!(keys(&out.shared).contains(&"visit.destination_address".to_owned()));
}

#[test]
fn every_kiosk_item_speaks_nine_languages() {
    let mut problems = Vec::new();
    let mut count = 0;
    for item in Catalog::builtin().items.values().filter(|i| i.kiosk) {
        count += 1;
        for (what, label) in [("label", Some(&item.label)), ("hint", item.hint.as_ref())] {
            if let Some(problem) = label.and_then(Label::citizen_problem) {
                problems.push(format!("{} {what}: {problem}", item.key));
            }
        }
        for choice in &item.choices {
            if let Some(problem) = choice.label.citizen_problem() {
                problems.push(format!("{} choice {}: {problem}", item.key, choice.id));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    assert_eq!(count, 14);
    let kana = &Catalog::builtin().items["person.kana"];
    assert!(kana.hint.as_ref().unwrap().ja.contains("カタカナ"));
    let birth = &Catalog::builtin().items["person.birth_date"];
    assert!(birth.hint.as_ref().unwrap().ja.contains("和暦"));
}

#[test]
fn the_citizens_language_item_offers_exactly_the_kiosk_languages() {
    let item = Catalog::builtin()
        .items
        .get("visit.citizen_language")
        .expect("the item");
    let ids: Vec<&str> = item.choices.iter().map(|c| c.id.as_str()).collect();
    let codes: Vec<&str> = crate::language::Language::ALL
        .iter()
        .map(|l| l.code())
        .collect();
    assert_eq!(ids, codes);
}

/// 前橋市's catalog: the built-in forms with one retitled and one of its own added (a form
/// of its ordinance the built-in catalog lacks). A visit read with it takes, confirms and
/// refuses that form as its catalog says; read with the built-in one it does not know it.
#[test]
fn a_citys_own_forms_are_set_and_decided_by_its_catalog() {
    use crate::catalog::{CatalogFiles, CityCatalog};
    use crate::{DocumentId, FormState, VisitDoc, reconcile_document, reconcile_document_in};
    let own = format!(
        "{}\n{}",
        Catalog::BUILTIN_FORMS.replace(
            "title = { ja = \"住民異動届 (転居)\"",
            "title = { ja = \"住民異動届 (市内転居・前橋市様式)\""
        ),
        include_str!("../../../tests/fixtures/cities/maebashi-forms.toml")
    );
    let files = CatalogFiles {
        forms: own,
        navi: format!(
            "{}\n{}",
            crate::navi::Navi::BUILTIN_RULES,
            include_str!("../../../tests/fixtures/cities/maebashi-navi.toml")
        ),
    };
    // Without a rule leading to it, the city's own form could never be added to a visit.
    let unreached = CatalogFiles {
        forms: files.forms.clone(),
        navi: crate::navi::Navi::BUILTIN_RULES.to_owned(),
    };
    let fault = unreached.read().unwrap_err().to_string();
    assert!(fault.contains("maebashi_jichikai"), "{fault}");
    let city = CityCatalog::leak(&files).unwrap();
    assert_eq!(
        city.catalog.form("jumin_idou_tenkyo").unwrap().title.ja,
        "住民異動届 (市内転居・前橋市様式)"
    );
    assert!(Catalog::builtin().form("maebashi_jichikai").is_err());
    assert_eq!(city.catalog.forms.len(), Catalog::builtin().forms.len() + 1);

    let today = CivilDay::new(2027, 4, 20).unwrap();
    let mut builtin = VisitDoc::new(DocumentId::random(), "1", 0);
    assert!(
        builtin
            .request_confirmation("maebashi_jichikai", 1)
            .is_err()
    );
    assert!(
        builtin
            .set_form_field("maebashi_jichikai", "association", "大手町一丁目自治会")
            .is_err()
    );
    // Asked without its required field: refused by the city's rule.
    let mut visit = VisitDoc::new(DocumentId::random(), "1", 0).in_catalog(city);
    visit.request_confirmation("maebashi_jichikai", 1).unwrap();
    let decisions = reconcile_document_in(visit.doc_mut(), city, today, 2);
    assert_eq!(decisions.len(), 1);
    assert_eq!(decisions[0].state, FormState::Refused);
    // Filled and asked again: confirmed, its history under the city's title.
    let mut visit = VisitDoc::from_doc(visit.doc_mut().clone())
        .unwrap()
        .in_catalog(city);
    visit
        .set_form_field("maebashi_jichikai", "association", "大手町一丁目自治会")
        .unwrap();
    visit.request_confirmation("maebashi_jichikai", 3).unwrap();
    // The built-in catalog cannot decide a form it does not have: refused, never confirmed.
    let mut elsewhere = visit.doc_mut().clone();
    let refused = reconcile_document(&mut elsewhere, today, 4);
    assert!(
        refused.iter().all(|d| d.state != FormState::Confirmed),
        "{refused:?}"
    );
    let decisions = reconcile_document_in(visit.doc_mut(), city, today, 4);
    assert_eq!(decisions[0].state, FormState::Confirmed, "{decisions:?}");
    let visit = VisitDoc::from_doc(visit.doc_mut().clone())
        .unwrap()
        .in_catalog(city);
    assert!(
        visit
            .history()
            .iter()
            .any(|h| h.detail.as_deref() == Some("自治会加入届")),
        "{:?}",
        visit.history()
    );

    // Rules naming a form the city lacks do not read with its forms: the fault names it.
    let without = CatalogFiles {
        forms: Catalog::BUILTIN_FORMS.replace("id = \"jumin_idou_tennyu\"", "id = \"tennyu_m\""),
        navi: crate::navi::Navi::BUILTIN_RULES.to_owned(),
    };
    let fault = without.read().unwrap_err().to_string();
    assert!(fault.contains("jumin_idou_tennyu"), "{fault}");
    assert_eq!(
        CatalogFiles::builtin().read().unwrap().0,
        *Catalog::builtin()
    );
}

/// The codes of the findings on `key` when `form` holds `values` (set on top of a form
/// filled with valid values).
fn codes_on(form: &str, set: &[(&str, Option<usize>, &str)], key: &str) -> Vec<Code> {
    let catalog = Catalog::builtin();
    let mut values = filled(catalog, catalog.form(form).unwrap());
    for (k, person, v) in set {
        values.set(catalog, form, k, *person, v).unwrap();
    }
    catalog
        .validate(form, &values, today())
        .unwrap()
        .into_iter()
        .filter(|f| f.field == key)
        .map(|f| f.finding.code)
        .collect()
}

#[test]
fn a_third_party_requests_certificates_but_files_no_move() {
    // 住基法12条の3: a third party may request a 住民票の写し, with its grounds.
    let kofu = [("visit.notifier_relation", None, "third_party")];
    assert!(codes_on("juminhyo_inkan_kofu", &kofu, "visit.notifier_relation").is_empty());
    let catalog = Catalog::builtin();
    let mut values = filled(catalog, catalog.form("juminhyo_inkan_kofu").unwrap());
    values
        .set(
            catalog,
            "juminhyo_inkan_kofu",
            "visit.notifier_relation",
            None,
            "third_party",
        )
        .unwrap();
    values
        .set(catalog, "juminhyo_inkan_kofu", "request_reason", None, "")
        .unwrap();
    let findings = catalog
        .validate("juminhyo_inkan_kofu", &values, today())
        .unwrap();
    assert!(
        findings
            .iter()
            .any(|f| f.field == "request_reason" && f.finding.code == Code::Required),
        "a third party gives the grounds: {findings:#?}"
    );
    // A 住民異動届 is filed by the person, the household or an agent (住基法27条).
    assert_eq!(
        codes_on("jumin_idou_tennyu", &kofu, "visit.notifier_relation"),
        [Code::ChoiceUnknown]
    );
}

#[test]
fn an_agent_is_recorded_with_the_proof_of_authority() {
    let catalog = Catalog::builtin();
    for form in [
        "jumin_idou_tennyu",
        "juminhyo_inkan_kofu",
        "inkan_toroku",
        "mynumber_card_funshitsu",
        "kokuho_idou",
    ] {
        let mut values = VisitValues::default();
        values
            .set(catalog, form, "visit.notifier_relation", None, "agent")
            .unwrap();
        if form == "juminhyo_inkan_kofu" {
            values
                .set(catalog, form, "copies.juminhyo_all", None, "1")
                .unwrap();
        }
        let missing: Vec<String> = catalog
            .validate(form, &values, today())
            .unwrap()
            .into_iter()
            .filter(|f| matches!(f.finding.code, Code::Required | Code::FormRule))
            .map(|f| f.field)
            .collect();
        // 印鑑登録: the 代理人選任届 is the form's own check.
        let proof = if form == "inkan_toroku" {
            "appointment_checked"
        } else {
            "visit.proxy_document"
        };
        for key in ["visit.notifier_name", "visit.notifier_address", proof] {
            assert!(
                missing.iter().any(|m| m == key),
                "{form}: {key} not asked of an agent"
            );
        }
        // The person themselves writes none of it.
        values
            .set(catalog, form, "visit.notifier_relation", None, "self")
            .unwrap();
        let missing: Vec<String> = catalog
            .validate(form, &values, today())
            .unwrap()
            .into_iter()
            .filter(|f| f.finding.code == Code::Required)
            .map(|f| f.field)
            .collect();
        assert!(
            !missing.iter().any(|m| m == "visit.proxy_document"),
            "{form}"
        );
    }
    // 印鑑登録: the agent's application goes by 照会書・回答書.
    assert_eq!(
        codes_on(
            "inkan_toroku",
            &[
                ("visit.notifier_relation", None, "agent"),
                ("verification", None, "photo_id")
            ],
            "verification"
        ),
        [Code::FormRule]
    );
    // The same agent filing a 転入届 with a 委任状 and a 印鑑登録 with the 代理人選任届.
    let mut values = filled(catalog, catalog.form("inkan_toroku").unwrap());
    for (key, value) in [
        ("visit.notifier_relation", "agent"),
        ("visit.proxy_document", "proxy_letter"),
        ("verification", "inquiry"),
        ("appointment_checked", "true"),
    ] {
        values
            .set(catalog, "inkan_toroku", key, None, value)
            .unwrap();
    }
    let findings = catalog.validate("inkan_toroku", &values, today()).unwrap();
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn a_document_without_a_photograph_needs_a_second() {
    let first = [
        ("visit.identity_document", None, "health_insurance"),
        ("visit.identity_document_second", None, ""),
    ];
    assert_eq!(
        codes_on(
            "jumin_idou_tenkyo",
            &first,
            "visit.identity_document_second"
        ),
        [Code::Required]
    );
    let photo = [
        ("visit.identity_document", None, "driver_license"),
        ("visit.identity_document_second", None, ""),
    ];
    assert!(
        codes_on(
            "jumin_idou_tenkyo",
            &photo,
            "visit.identity_document_second"
        )
        .is_empty()
    );
    let twice = [
        ("visit.identity_document", None, "pension_certificate"),
        (
            "visit.identity_document_second",
            None,
            "pension_certificate",
        ),
    ];
    assert_eq!(
        codes_on(
            "jumin_idou_tenkyo",
            &twice,
            "visit.identity_document_second"
        ),
        [Code::IdentitySecondSame]
    );
}

#[test]
fn older_siblings_are_those_past_high_school_age_up_to_22() {
    use super::values::is_young_adult_on;
    let on = CivilDay::new(2027, 4, 20).unwrap();
    // 18 in May 2025: past 高校生年代 since 2026-04-01, 22 in May 2029 → until 2030-03-31.
    assert!(is_young_adult_on(CivilDay::new(2007, 6, 1).unwrap(), on));
    assert!(
        !is_young_adult_on(CivilDay::new(2009, 4, 2).unwrap(), on),
        "still a child"
    );
    // 22 on 2026-04-01 (born 2004-04-02): the year ending 2027-03-31 was the last.
    assert!(!is_young_adult_on(CivilDay::new(2004, 4, 2).unwrap(), on));
    // Born 1 April: reaches 22 on 31 March 2027, the same day the year ends.
    assert!(!is_young_adult_on(CivilDay::new(2005, 4, 1).unwrap(), on));
    assert!(is_young_adult_on(CivilDay::new(2005, 4, 2).unwrap(), on));
}

#[test]
fn allowances_are_paid_to_a_public_funds_account_or_an_ordinary_one() {
    let public = [
        ("visit.payment_account", None, "public"),
        ("visit.bank_name", None, ""),
    ];
    assert!(codes_on("jidou_teate_nintei", &public, "visit.bank_name").is_empty());
    let named = [
        ("visit.payment_account", None, "named"),
        ("visit.bank_name", None, ""),
    ];
    assert_eq!(
        codes_on("jidou_teate_nintei", &named, "visit.bank_name"),
        [Code::Required]
    );
    let current = [
        ("visit.payment_account", None, "named"),
        ("visit.account_type", None, "current"),
    ];
    assert_eq!(
        codes_on("jidou_fuyou_teate_nintei", &current, "visit.account_type"),
        [Code::ChoiceUnknown]
    );
    let code = [
        ("visit.payment_account", None, "named"),
        ("visit.bank_code", None, "128"),
    ];
    assert_eq!(
        codes_on("jidou_teate_nintei", &code, "visit.bank_code"),
        [Code::BankCodeFormat]
    );
}

#[test]
fn a_loss_reported_to_the_police_names_the_station_and_number() {
    let report = [
        ("police_report", None, "lost_report"),
        ("police_station", None, ""),
        ("police_number", None, ""),
    ];
    assert_eq!(
        codes_on("mynumber_card_funshitsu", &report, "police_station"),
        [Code::Required]
    );
    assert_eq!(
        codes_on("mynumber_card_funshitsu", &report, "police_number"),
        [Code::Required]
    );
    let home = [
        ("police_report", None, "none"),
        ("police_station", None, ""),
        ("police_number", None, ""),
    ];
    assert!(codes_on("mynumber_card_funshitsu", &home, "police_number").is_empty());
}

#[test]
fn the_seal_forms_share_takasakis_sheet() {
    let catalog = Catalog::builtin();
    let toroku = catalog.form("inkan_toroku").unwrap();
    let ids: Vec<&str> = toroku
        .sheet_forms(catalog)
        .iter()
        .map(|f| f.id.as_str())
        .collect();
    assert_eq!(ids, ["inkan_toroku", "inkan_haishi"]);
    assert_eq!(
        toroku.sheet.as_ref().unwrap().title.ja,
        "印鑑登録申請書・印鑑登録廃止届 (様式第1号)"
    );
    assert_eq!(toroku.seals.len(), 2);
    let tennyu = catalog.form("jumin_idou_tennyu").unwrap();
    assert_eq!(tennyu.sheet_forms(catalog).len(), 1);
}

#[test]
fn an_unknown_choice_in_only_is_refused() {
    let forms = Catalog::BUILTIN_FORMS.replacen(
        r#"only = ["self", "head", "member", "agent", "legal_agent"]"#,
        r#"only = ["self", "neighbour"]"#,
        1,
    );
    let err = Catalog::with_forms(&forms).unwrap_err();
    assert!(err.to_string().contains("no choice neighbour"), "{err}");
}

#[test]
fn a_numbered_certificate_for_an_agent_goes_by_mail() {
    let agent = [
        ("visit.notifier_relation", None, "agent"),
        ("with_my_number", None, "true"),
        ("with_resident_code", None, "false"),
        ("delivery", None, "counter"),
    ];
    assert_eq!(
        codes_on("juminhyo_inkan_kofu", &agent, "delivery"),
        [Code::FormRule]
    );
    let mailed = [
        ("visit.notifier_relation", None, "agent"),
        ("with_my_number", None, "true"),
        ("delivery", None, "mail"),
    ];
    assert!(codes_on("juminhyo_inkan_kofu", &mailed, "delivery").is_empty());
    // The person themselves takes it at the counter.
    let own = [
        ("visit.notifier_relation", None, "self"),
        ("with_my_number", None, "true"),
        ("delivery", None, "counter"),
    ];
    assert!(codes_on("juminhyo_inkan_kofu", &own, "delivery").is_empty());
    // A third party is never given the number.
    let third = [
        ("visit.notifier_relation", None, "third_party"),
        ("with_my_number", None, "true"),
    ];
    assert_eq!(
        codes_on("juminhyo_inkan_kofu", &third, "with_my_number"),
        [Code::FormRule]
    );
    let third = [
        ("visit.notifier_relation", None, "third_party"),
        ("with_my_number", None, "false"),
    ];
    assert!(codes_on("juminhyo_inkan_kofu", &third, "with_my_number").is_empty());
}

#[test]
fn no_seal_is_registered_under_15() {
    // 届出日 2027-04-20 (the filled form's): 15 on 2027-04-20 is old enough, a day short is not.
    let on = [("visit.notified_on", None, "2027-04-20")];
    let at = |birth: &str| {
        let mut set = on.to_vec();
        set.push(("person.birth_date", Some(0), birth));
        codes_on("inkan_toroku", &set, "person.birth_date")
    };
    assert!(at("2012-04-20").is_empty());
    assert_eq!(at("2012-04-21"), [Code::FormRule]);
    // 不詳: counted from the earliest day the date may be; a 60-year-old of unknown month
    // and day registers, and so does anyone who may be 15.
    assert!(at("1960-00-00").is_empty());
    assert!(at("昭和35年月日不詳").is_empty());
    assert!(at("2012-00-00").is_empty());
    assert!(at("2012-04-00").is_empty());
    assert_eq!(at("2012-05-00"), [Code::FormRule]);
    assert_eq!(at("2013-00-00"), [Code::FormRule]);
}

#[test]
fn a_date_of_birth_with_unknown_parts_places_the_person_by_the_last_day_it_may_be() {
    let catalog = Catalog::builtin();
    let on = CivilDay::new(2027, 4, 20).unwrap();
    let mut values = VisitValues::default();
    for (person, birth) in [(0, "1960-00-00"), (1, "2015-00-00"), (2, "2008-00-00")] {
        values
            .set(
                catalog,
                "jidou_teate_nintei",
                "person.birth_date",
                Some(person),
                birth,
            )
            .unwrap();
    }
    // The adult of unknown month and day is no child; a child born some day of 2015 is one;
    // one born in 2008 may be past 高校生年代 (18歳年度末 2026-03-31 or 2027-03-31): an 兄姉等.
    assert_eq!(
        section_rows(Repeat::Children, &values, "jidou_teate_nintei", on),
        [1]
    );
    assert_eq!(
        section_rows(Repeat::YoungAdults, &values, "jidou_teate_nintei", on),
        [2]
    );
}

#[test]
fn the_answer_to_a_seal_inquiry_comes_within_20_days() {
    // 高崎市印鑑条例施行規則3条: sent on 2027-04-01, answered by 2027-04-21 (day 20).
    let on = |answered: &str| {
        codes_on(
            "inkan_toroku",
            &[
                ("verification", None, "inquiry"),
                ("inquiry_sent_on", None, "2027-04-01"),
                ("answered_on", None, answered),
            ],
            "answered_on",
        )
    };
    assert!(on("2027-04-01").is_empty());
    assert!(on("令和9年4月21日").is_empty());
    assert_eq!(on("2027-04-22"), [Code::FormRule]);
    // Before the inquiry was sent is no answer to it.
    assert_eq!(on("2027-03-31"), [Code::FormRule]);
    // Not yet answered: the first visit files the application and sends the inquiry.
    let first_visit = codes_on(
        "inkan_toroku",
        &[
            ("verification", None, "inquiry"),
            ("inquiry_sent_on", None, "2027-04-01"),
            ("answered_on", None, ""),
        ],
        "answered_on",
    );
    assert!(first_visit.is_empty(), "{first_visit:?}");
}

#[test]
fn the_agent_is_not_the_guarantor_and_an_adult_ward_comes_with_the_guardian() {
    let agent_guaranteeing = |guarantor: &str| {
        codes_on(
            "inkan_toroku",
            &[
                ("visit.notifier_relation", None, "agent"),
                ("appointment_checked", None, "true"),
                ("visit.notifier_name", None, "高崎 一郎"),
                ("verification", None, "guarantor"),
                ("guarantor_name", None, guarantor),
            ],
            "guarantor_name",
        )
    };
    // The same person, however the spaces and widths were typed.
    assert_eq!(agent_guaranteeing("高崎　一郎"), [Code::FormRule]);
    assert_eq!(agent_guaranteeing("高崎一郎"), [Code::FormRule]);
    assert!(agent_guaranteeing("前橋 花子").is_empty());
    // The person themselves with a guarantor is not asked.
    let own = codes_on(
        "inkan_toroku",
        &[
            ("visit.notifier_relation", None, "self"),
            ("visit.notifier_name", None, "高崎 一郎"),
            ("verification", None, "guarantor"),
            ("guarantor_name", None, "高崎 一郎"),
        ],
        "guarantor_name",
    );
    assert!(own.is_empty());
    // 成年被後見人: the 法定代理人 stands beside the applicant.
    let ward = |relation: &str| {
        codes_on(
            "inkan_toroku",
            &[
                ("adult_ward", None, "true"),
                ("visit.notifier_relation", None, relation),
                ("visit.proxy_document", None, "registry"),
            ],
            "visit.notifier_relation",
        )
    };
    assert_eq!(ward("self"), [Code::FormRule]);
    assert!(ward("legal_agent").is_empty());
}

#[test]
fn a_loss_outside_the_home_is_reported_to_the_police() {
    let outside = [
        ("lost_place", None, "outside"),
        ("police_report", None, "none"),
    ];
    assert_eq!(
        codes_on("mynumber_card_funshitsu", &outside, "police_report"),
        [Code::FormRule]
    );
    let home = [
        ("lost_place", None, "home"),
        ("police_report", None, "none"),
        ("event", None, "lost"),
    ];
    assert!(codes_on("mynumber_card_funshitsu", &home, "police_report").is_empty());
    let stolen = [
        ("event", None, "stolen"),
        ("police_report", None, "lost_report"),
    ];
    assert_eq!(
        codes_on("mynumber_card_funshitsu", &stolen, "police_report"),
        [Code::FormRule]
    );
}

#[test]
fn special_permanent_residents_have_no_status_of_residence() {
    // 住基法30条の45: a 特別永住者 is recorded with the certificate's number, no 在留資格.
    let set = [
        ("person.nationality", Some(0), "韓国"),
        ("person.foreign_category", Some(0), "special_permanent"),
        ("person.residence_status", Some(0), ""),
        ("person.residence_expiry", Some(0), ""),
    ];
    assert!(codes_on("jumin_idou_tennyu", &set, "person.residence_status").is_empty());
    assert!(codes_on("jumin_idou_tennyu", &set, "person.residence_expiry").is_empty());
    let mid = [
        ("person.foreign_category", Some(0), "mid_long_term"),
        ("person.residence_status", Some(0), ""),
    ];
    assert_eq!(
        codes_on("jumin_idou_tennyu", &mid, "person.residence_status"),
        [Code::Required]
    );
}

#[test]
fn a_move_in_is_filed_with_the_moving_out_certificate() {
    let none = [
        ("certificate_checked", None, "false"),
        ("from_abroad", None, "false"),
        ("special_card_move", None, "false"),
    ];
    // Asked of every 転入届 not excused: a requirement, said as 必須 notes are.
    assert_eq!(
        codes_on("jumin_idou_tennyu", &none, "certificate_checked"),
        [Code::Required]
    );
    let card = [
        ("certificate_checked", None, "false"),
        ("from_abroad", None, "false"),
        ("special_card_move", None, "true"),
    ];
    assert!(codes_on("jumin_idou_tennyu", &card, "certificate_checked").is_empty());
}

#[test]
fn the_claimant_is_not_one_of_their_own_older_siblings() {
    let catalog = Catalog::builtin();
    let mut values = VisitValues::default();
    for (i, birth) in ["2006-05-01", "2007-06-01"].into_iter().enumerate() {
        values
            .set(
                catalog,
                "jidou_teate_nintei",
                "person.birth_date",
                Some(i),
                birth,
            )
            .unwrap();
    }
    let rows =
        super::values::section_rows(Repeat::YoungAdults, &values, "jidou_teate_nintei", today());
    assert_eq!(rows, [1]);
}

#[test]
fn the_proof_of_authority_of_one_visit_is_refused_by_no_form() {
    // One value for the visit: whatever proof an agent showed for one form is a choice on
    // every form that binds it.
    let catalog = Catalog::builtin();
    for form in catalog
        .forms
        .iter()
        .filter(|f| f.field("visit.proxy_document").is_some())
    {
        for proof in ["proxy_letter", "koseki", "registry"] {
            let codes = codes_on(
                &form.id,
                &[("visit.proxy_document", None, proof)],
                "visit.proxy_document",
            );
            assert!(codes.is_empty(), "{}: {proof}: {codes:?}", form.id);
        }
    }
}

#[test]
fn the_fee_is_the_copies_times_each_certificates_fee() {
    let catalog = Catalog::builtin();
    let fee = |form: &str, counts: &[(&str, &str)]| {
        let mut values = VisitValues::default();
        for (key, n) in counts {
            values.set(catalog, form, key, None, n).unwrap();
        }
        catalog.form(form).unwrap().fee(&values)
    };
    // 住民票の写し 2通 and an 印鑑登録証明書 1通.
    assert_eq!(
        fee(
            "juminhyo_inkan_kofu",
            &[("copies.juminhyo_all", "2"), ("copies.inkan", "1")]
        ),
        Some(900)
    );
    // 戸籍謄本 1通 (450円) and a 除籍 1通 (750円); full-width counts are read as typed.
    assert_eq!(
        fee(
            "koseki_kofu",
            &[("copies.zenbu", "１"), ("copies.joseki", "1")]
        ),
        Some(1_200)
    );
    // Nothing asked for yet, or only zero copies: no fee printed.
    assert_eq!(fee("koseki_kofu", &[]), None);
    assert_eq!(fee("koseki_kofu", &[("copies.zenbu", "0")]), None);
    // A form without certificates has none.
    assert_eq!(fee("jumin_idou_tennyu", &[]), None);
}

#[test]
fn an_agent_shows_a_proxy_letter_for_a_juminhyo_but_only_the_card_for_a_seal_certificate() {
    let asked = |counts: &[(&str, &str)]| {
        let mut set = vec![
            ("visit.notifier_relation", None, "agent"),
            ("visit.proxy_document", None, ""),
            ("copies.juminhyo_all", None, "0"),
        ];
        set.extend(counts.iter().map(|(k, v)| (*k, None, *v)));
        codes_on("juminhyo_inkan_kofu", &set, "visit.proxy_document")
    };
    // 印鑑登録証明書: whoever brings the 印鑑登録証 receives it.
    assert!(asked(&[("copies.inkan", "1")]).is_empty());
    // 住民票の写し and 除票 together: the proof asked for once.
    assert_eq!(
        asked(&[("copies.juminhyo_all", "1"), ("copies.joshu", "2")]),
        [Code::FormRule]
    );
    assert_eq!(asked(&[("copies.kisai_jiko", "1")]), [Code::FormRule]);
}

#[test]
fn a_confirmation_left_unticked_is_missing() {
    // 印鑑登録証明書 asked for: the card shown is a tick the staff make.
    let shown = |tick: &str| {
        codes_on(
            "juminhyo_inkan_kofu",
            &[
                ("copies.inkan", None, "1"),
                ("inkan_card_shown", None, tick),
            ],
            "inkan_card_shown",
        )
    };
    assert_eq!(shown("false"), [Code::Required]);
    assert!(shown("true").is_empty());
    // A flag no one requires stays optional when unticked.
    assert!(
        codes_on(
            "jumin_idou_tennyu",
            &[("from_abroad", None, "false")],
            "from_abroad"
        )
        .is_empty()
    );
}

#[test]
fn the_card_forms_list_the_card_holders_only() {
    let catalog = Catalog::builtin();
    let form = "mynumber_kenmen_henko";
    let mut values = VisitValues::default();
    for (person, name) in [(0, "前橋 京子"), (1, "前橋 陽太"), (2, "前橋 ひなた")] {
        values
            .set(catalog, form, "person.name", Some(person), name)
            .unwrap();
    }
    // Nobody marked: a visit about one card, the applicant's.
    assert_eq!(
        section_rows(Repeat::CardHolders, &values, form, today()),
        [0]
    );
    // A 転入 of three where the mother and the elder child hold cards: the infant is not
    // asked for a 個人番号 on the card form.
    for person in [0, 1] {
        values
            .set(catalog, form, "person.card_holder", Some(person), "true")
            .unwrap();
    }
    values
        .set(catalog, form, "person.card_holder", Some(2), "false")
        .unwrap();
    assert_eq!(
        section_rows(Repeat::CardHolders, &values, form, today()),
        [0, 1]
    );
    let asked: Vec<Option<usize>> = catalog
        .validate(form, &values, today())
        .unwrap()
        .into_iter()
        .filter(|f| f.field == "person.my_number")
        .map(|f| f.person)
        .collect();
    assert_eq!(asked, [Some(0), Some(1)]);
}
