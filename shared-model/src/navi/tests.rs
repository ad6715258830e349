use super::*;

/// The rule ids and counts the answers lead to.
fn plan(answers: Answers) -> Vec<(String, u32)> {
    Navi::builtin()
        .plan(&answers)
        .into_iter()
        .map(|p| (p.rule, p.count))
        .collect()
}

fn ids(list: &[(&str, u32)]) -> Vec<(String, u32)> {
    list.iter().map(|(id, n)| (id.to_string(), *n)).collect()
}

#[test]
fn family_of_four_from_maebashi_with_two_children_in_kokuho() {
    // Two parents with cards, two children without; the whole family joins 国保.
    let answers = Answers::new(LifeEvent::Tennyu)
        .with(Fact::Children)
        .with(Fact::Kokuho)
        .card_holders(2);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tennyu", 1),
            ("card_change", 2),
            ("kokuho_join", 1),
            ("kokuho_income", 1),
            ("child_allowance_claim", 1),
        ])
    );
    let procedures = Navi::builtin().plan(
        &Answers::new(LifeEvent::Tennyu)
            .with(Fact::Children)
            .with(Fact::Kokuho)
            .card_holders(2),
    );
    let forms: Vec<&str> = procedures
        .iter()
        .flat_map(|p| p.forms.iter().map(String::as_str))
        .collect();
    for form in [
        "jumin_idou_tennyu",
        "kokuho_idou",
        "jidou_teate_nintei",
        "mynumber_kenmen_henko",
    ] {
        assert!(forms.contains(&form), "{form}");
    }
    let child = procedures
        .iter()
        .find(|p| p.rule == "child_allowance_claim")
        .unwrap();
    assert_eq!(child.department, Department::KodomoKatei);
    assert_eq!(child.counter, 1);
    assert_eq!(child.reason.ja, "お子さん (高校生年代まで) がいるため");
    assert!(child.deadline.as_ref().unwrap().ja.contains("15日"));
    let kokuho = procedures.iter().find(|p| p.rule == "kokuho_join").unwrap();
    assert_eq!(
        (kokuho.department, kokuho.counter),
        (Department::HokenNenkin, 9)
    );
}

#[test]
fn single_person_moving_in_with_a_card_move() {
    let answers = Answers::new(LifeEvent::Tennyu)
        .with(Fact::CardMoveIn)
        .card_holders(1);
    assert_eq!(
        plan(answers),
        ids(&[("tennyu", 1), ("tennyu_card", 1), ("card_change", 1)])
    );
}

#[test]
fn employee_couple_moving_in_without_cards() {
    assert_eq!(plan(Answers::new(LifeEvent::Tennyu)), ids(&[("tennyu", 1)]));
}

#[test]
fn single_mother_with_a_child_moving_in() {
    let answers = Answers::new(LifeEvent::Tennyu)
        .with(Fact::Children)
        .with(Fact::SingleParent)
        .with(Fact::Kokuho)
        .card_holders(1);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tennyu", 1),
            ("card_change", 1),
            ("kokuho_join", 1),
            ("kokuho_income", 1),
            ("child_allowance_claim", 1),
            ("child_support_claim", 1),
        ])
    );
}

#[test]
fn retired_couple_moving_in_who_want_a_seal() {
    let answers = Answers::new(LifeEvent::Tennyu)
        .with(Fact::Kokuho)
        .with(Fact::WantsInkan)
        .card_holders(2);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tennyu", 1),
            ("card_change", 2),
            ("inkan_new", 1),
            ("kokuho_join", 1),
            ("kokuho_income", 1),
        ])
    );
}

#[test]
fn foreign_student_from_abroad() {
    let answers = Answers::new(LifeEvent::TennyuAbroad)
        .with(Fact::ForeignResidents)
        .with(Fact::Kokuho);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tennyu_abroad", 1),
            ("zairyu_card", 1),
            ("kokuho_join", 1),
            ("kokuho_income", 1),
        ])
    );
}

#[test]
fn japanese_family_returning_from_abroad_with_children_and_kept_cards() {
    let answers = Answers::new(LifeEvent::TennyuAbroad)
        .with(Fact::Children)
        .with(Fact::Kokuho)
        .card_holders(3);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tennyu_abroad", 1),
            ("card_abroad", 3),
            ("kokuho_join", 1),
            ("kokuho_income", 1),
            ("child_allowance_claim", 1),
        ])
    );
}

#[test]
fn foreign_worker_family_moving_in_from_ota() {
    let answers = Answers::new(LifeEvent::Tennyu)
        .with(Fact::ForeignResidents)
        .with(Fact::Children)
        .card_holders(1);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tennyu", 1),
            ("zairyu_card", 1),
            ("card_change", 1),
            ("child_allowance_claim", 1),
        ])
    );
}

#[test]
fn couple_moving_within_the_city() {
    assert_eq!(
        plan(Answers::new(LifeEvent::Tenkyo).card_holders(2)),
        ids(&[("tenkyo", 1), ("card_change", 2)])
    );
}

#[test]
fn family_moving_within_the_city_with_kokuho_and_children() {
    let answers = Answers::new(LifeEvent::Tenkyo)
        .with(Fact::Children)
        .with(Fact::Kokuho)
        .card_holders(4);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tenkyo", 1),
            ("card_change", 4),
            ("kokuho_address", 1),
            ("child_allowance_address", 1),
        ])
    );
}

#[test]
fn foreign_resident_moving_within_the_city() {
    let answers = Answers::new(LifeEvent::Tenkyo).with(Fact::ForeignResidents);
    assert_eq!(plan(answers), ids(&[("zairyu_card", 1), ("tenkyo", 1)]));
}

#[test]
fn student_moving_out_to_tokyo() {
    assert_eq!(
        plan(Answers::new(LifeEvent::Tenshutsu).card_holders(1)),
        ids(&[("tenshutsu", 1)])
    );
}

#[test]
fn family_moving_out_with_kokuho_children_and_a_seal() {
    let answers = Answers::new(LifeEvent::Tenshutsu)
        .with(Fact::Children)
        .with(Fact::Kokuho)
        .with(Fact::InkanRegistered);
    assert_eq!(
        plan(answers),
        ids(&[
            ("tenshutsu", 1),
            ("inkan_return", 1),
            ("kokuho_leave", 1),
            ("child_allowance_end", 1),
        ])
    );
}

#[test]
fn retiree_moving_abroad() {
    let answers = Answers::new(LifeEvent::TenshutsuAbroad)
        .with(Fact::Kokuho)
        .with(Fact::InkanRegistered)
        .card_holders(1);
    assert_eq!(
        plan(answers),
        ids(&[("tenshutsu", 1), ("inkan_return", 1), ("kokuho_leave", 1)])
    );
}

#[test]
fn family_transferred_abroad_with_children() {
    let answers = Answers::new(LifeEvent::TenshutsuAbroad).with(Fact::Children);
    assert_eq!(
        plan(answers),
        ids(&[("tenshutsu", 1), ("child_allowance_end", 1)])
    );
}

#[test]
fn single_parent_moving_within_the_city_gets_no_new_claim() {
    let answers = Answers::new(LifeEvent::Tenkyo)
        .with(Fact::Children)
        .with(Fact::SingleParent);
    assert_eq!(
        plan(answers),
        ids(&[("tenkyo", 1), ("child_allowance_address", 1)])
    );
}

#[test]
fn card_holders_zero_means_no_card_procedure() {
    let answers = Answers::new(LifeEvent::Tenkyo).with(Fact::CardHolders);
    // The fact without a count asks for nothing per holder.
    assert_eq!(plan(answers), ids(&[("tenkyo", 1)]));
}

#[test]
fn every_procedure_says_why_and_where() {
    for event in [
        LifeEvent::Tennyu,
        LifeEvent::TennyuAbroad,
        LifeEvent::Tenkyo,
        LifeEvent::Tenshutsu,
        LifeEvent::TenshutsuAbroad,
    ] {
        let mut answers = Answers::new(event).card_holders(2);
        for fact in [
            Fact::Children,
            Fact::Kokuho,
            Fact::SingleParent,
            Fact::InkanRegistered,
            Fact::WantsInkan,
            Fact::ForeignResidents,
            Fact::CardMoveIn,
        ] {
            answers = answers.with(fact);
        }
        for p in Navi::builtin().plan(&answers) {
            assert!(
                !p.reason.ja.is_empty() && !p.reason.en.is_empty(),
                "{}",
                p.rule
            );
            assert!(!p.title.ja.is_empty(), "{}", p.rule);
        }
    }
}

#[test]
fn rules_naming_unknown_forms_are_refused() {
    let text =
        include_str!("../../catalog/navi.toml").replace("\"kokuho_idou\"", "\"kokuho_typo\"");
    assert_eq!(
        Navi::parse(&text, Catalog::builtin()).unwrap_err(),
        CatalogError::UnknownForm("kokuho_typo".into())
    );
    assert!(matches!(
        Navi::parse("rules = 1", Catalog::builtin()),
        Err(CatalogError::Parse {
            file: "navi.toml",
            ..
        })
    ));
}

#[test]
fn names_round_trip_and_match_serde() {
    for e in LifeEvent::ALL {
        assert_eq!(LifeEvent::from_name(e.as_str()), Some(e));
        assert_eq!(serde_json::to_value(e).unwrap(), e.as_str());
    }
    for f in Fact::ALL {
        assert_eq!(Fact::from_name(f.as_str()), Some(f));
        assert_eq!(serde_json::to_value(f).unwrap(), f.as_str());
    }
}

#[test]
fn every_form_of_the_catalog_is_reachable_by_a_rule() {
    let navi = Navi::builtin();
    let mut reached: BTreeSet<String> = navi.on_request().flat_map(|p| p.forms).collect();
    for event in LifeEvent::ALL {
        let mut answers = Answers::new(event).card_holders(1);
        answers.facts.extend(Fact::ALL);
        reached.extend(navi.plan(&answers).into_iter().flat_map(|p| p.forms));
    }
    let missing: Vec<&str> = Catalog::builtin()
        .forms
        .iter()
        .map(|f| f.id.as_str())
        .filter(|f| !reached.contains(*f))
        .collect();
    assert!(missing.is_empty(), "no rule leads to {missing:?}");
}

#[test]
fn a_certificate_asked_for_without_a_move() {
    let navi = Navi::builtin();
    let mut choices = std::collections::BTreeMap::new();
    assert!(navi.visit_plan(None, &choices).is_empty());
    choices.insert("req_juminhyo".to_owned(), true);
    let plan = navi.visit_plan(None, &choices);
    assert_eq!(plan.len(), 1);
    assert_eq!(plan[0].department, Department::Shimin);
    assert_eq!(plan[0].counter, 5);
    assert_eq!(plan[0].count, 1);
    assert!(plan[0].requested);
    // Dropped, it stays listed (unticked), as a procedure of the navi does.
    choices.insert("req_juminhyo".to_owned(), false);
    assert_eq!(navi.visit_plan(None, &choices).len(), 1);
}

#[test]
fn asked_for_procedures_come_after_the_moves() {
    let navi = Navi::builtin();
    let choices = std::collections::BTreeMap::from([
        ("req_koseki".to_owned(), true),
        ("tenkyo".to_owned(), true),
    ]);
    let answers = Answers::new(LifeEvent::Tenkyo);
    let rules: Vec<String> = navi
        .visit_plan(Some(&answers), &choices)
        .into_iter()
        .map(|p| p.rule)
        .collect();
    assert_eq!(rules, ["tenkyo", "req_koseki"]);
    assert!(!navi.plan(&answers).iter().any(|p| p.requested));
}

#[test]
fn a_rule_with_both_events_and_on_request_is_refused() {
    let text = r#"
[[rules]]
id = "both"
when = { event = ["tennyu"], on_request = true }
forms = ["jumin_idou_tennyu"]
title = { ja = "x", en = "x" }
reason = { ja = "x", en = "x" }
"#;
    let err = Navi::parse(text, Catalog::builtin()).unwrap_err();
    assert!(err.to_string().contains("on_request"), "{err}");
    let twice = format!(
        "{}\n{}",
        text.replace("event = [\"tennyu\"], ", ""),
        text.replace("event = [\"tennyu\"], ", "")
    );
    let err = Navi::parse(&twice, Catalog::builtin()).unwrap_err();
    assert!(err.to_string().contains("twice"), "{err}");
}
