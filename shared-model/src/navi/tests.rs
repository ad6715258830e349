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
        ids(&[("tennyu_card", 1), ("card_change", 1)])
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

// --- the citizens' events, questions, route and words ------------------------------------

use crate::language::Language;

fn rules_of(plan: &[Procedure]) -> Vec<&str> {
    plan.iter().map(|p| p.rule.as_str()).collect()
}

#[test]
fn birth_in_a_kokuho_household_goes_to_three_counters_in_order() {
    let navi = Navi::builtin();
    let plan = navi.plan(&Answers::new(LifeEvent::Birth).with(Fact::Kokuho));
    assert_eq!(
        rules_of(&plan),
        [
            "birth",
            "birth_kokuho",
            "birth_lump_sum",
            "birth_allowance_claim",
            "birth_medical"
        ]
    );
    let birth = &plan[0];
    assert!(
        birth.forms.is_empty(),
        "出生届 is a 戸籍届, no catalog form"
    );
    assert_eq!((birth.department, birth.counter), (Department::Shimin, 6));
    assert!(
        birth
            .deadline
            .as_ref()
            .unwrap()
            .ja
            .starts_with("生まれた日を含めて14日以内")
    );
    let route = navi.route(&plan);
    let stops: Vec<(Department, u8, Vec<&str>)> = route
        .iter()
        .map(|s| (s.department, s.counter, rules_of(&s.procedures)))
        .collect();
    assert_eq!(
        stops,
        [
            (Department::Shimin, 6, vec!["birth"]),
            (
                Department::HokenNenkin,
                9,
                vec!["birth_kokuho", "birth_lump_sum"]
            ),
            (Department::KodomoKatei, 1, vec!["birth_allowance_claim"]),
            (Department::KodomoKatei, 2, vec!["birth_medical"]),
        ]
    );
    let allowance = &plan[3];
    assert_eq!(allowance.forms, ["jidou_teate_nintei"]);
    assert_eq!(
        allowance.deadline.as_ref().unwrap().ja,
        "生まれた日の翌日から15日以内"
    );
}

#[test]
fn a_second_child_raises_the_allowance_instead_of_claiming_it() {
    let plan = Navi::builtin().plan(&Answers::new(LifeEvent::Birth).with(Fact::AllowanceAlready));
    assert_eq!(
        rules_of(&plan),
        ["birth", "birth_allowance_more", "birth_medical"]
    );
    assert_eq!(plan[1].forms, ["jidou_teate_gaku_kaitei"]);
}

#[test]
fn a_foreign_child_gets_the_acceptance_certificate_for_immigration() {
    let plan = Navi::builtin().plan(
        &Answers::new(LifeEvent::Birth)
            .with(Fact::ForeignResidents)
            .with(Fact::SingleParent),
    );
    assert_eq!(
        rules_of(&plan),
        [
            "birth",
            "birth_foreign",
            "birth_allowance_claim",
            "birth_medical",
            "birth_support_claim"
        ]
    );
    assert!(plan[1].deadline.as_ref().unwrap().ja.contains("30日以内"));
}

#[test]
fn a_marriage_with_a_new_surname_a_card_and_a_seal() {
    let navi = Navi::builtin();
    let answers = Answers::new(LifeEvent::Marriage)
        .with(Fact::SurnameChange)
        .with(Fact::InkanRegistered)
        .card_holders(2);
    let plan = navi.plan(&answers);
    assert_eq!(
        rules_of(&plan),
        ["marriage", "surname_card", "surname_inkan"]
    );
    // One card changes: the one of the person whose surname changes.
    assert_eq!(plan[1].count, 1);
    let stops: Vec<(Department, u8)> = navi
        .route(&plan)
        .iter()
        .map(|s| (s.department, s.counter))
        .collect();
    // The 婚姻届 first (the new surname exists once it is accepted), then the card at 7,
    // then the seal at 5.
    assert_eq!(
        stops,
        [
            (Department::Shimin, 6),
            (Department::Shimin, 7),
            (Department::Shimin, 5)
        ]
    );
}

#[test]
fn a_single_parent_who_marries_ends_the_child_support_allowance() {
    let plan = Navi::builtin().plan(
        &Answers::new(LifeEvent::Marriage)
            .with(Fact::Children)
            .with(Fact::SingleParent)
            .with(Fact::Kokuho),
    );
    assert_eq!(
        rules_of(&plan),
        ["marriage", "marriage_kokuho", "marriage_support_end"]
    );
    assert_eq!(
        (plan[2].department, plan[2].counter),
        (Department::KodomoKatei, 3)
    );
}

#[test]
fn a_divorce_by_agreement_with_children_and_a_divorce_by_the_court() {
    let navi = Navi::builtin();
    let plan = navi.plan(
        &Answers::new(LifeEvent::Divorce)
            .with(Fact::Children)
            .with(Fact::Kokuho),
    );
    assert_eq!(
        rules_of(&plan),
        [
            "divorce",
            "divorce_kokuho",
            "divorce_support",
            "divorce_allowance"
        ]
    );
    assert!(plan[0].deadline.is_none(), "協議離婚 has no deadline");
    let court = navi.plan(&Answers::new(LifeEvent::Divorce).with(Fact::CourtDivorce));
    assert_eq!(rules_of(&court), ["divorce_court"]);
    assert_eq!(
        court[0].deadline.as_ref().unwrap().ja,
        "調停成立・審判確定などの日から10日以内"
    );
}

#[test]
fn a_lost_card_is_reported_and_made_again_at_counter_7() {
    let plan = Navi::builtin().plan(&Answers::new(LifeEvent::MyNumberCard).with(Fact::CardLost));
    assert_eq!(rules_of(&plan), ["card_lost", "card_reissue"]);
    assert_eq!(plan[0].forms, ["mynumber_card_funshitsu"]);
    assert_eq!(plan[1].forms, ["soufusaki_tokkyu"]);
    let stops = Navi::builtin().route(&plan);
    assert_eq!(stops.len(), 1);
    assert_eq!(
        (stops[0].department, stops[0].counter),
        (Department::Shimin, 7)
    );
    assert_eq!(stops[0].procedures.len(), 2);
}

#[test]
fn certificates_map_to_the_two_request_forms_once_each() {
    let navi = Navi::builtin();
    let forms = |answers: Answers| -> Vec<String> {
        navi.plan(&answers)
            .into_iter()
            .flat_map(|p| p.forms)
            .collect()
    };
    let base = Answers::new(LifeEvent::Certificates);
    assert_eq!(
        forms(base.clone().with(Fact::WantsJuminhyo)),
        ["juminhyo_inkan_kofu"]
    );
    assert_eq!(
        forms(base.clone().with(Fact::WantsInkanCert)),
        ["juminhyo_inkan_kofu"]
    );
    assert_eq!(
        forms(
            base.clone()
                .with(Fact::WantsJuminhyo)
                .with(Fact::WantsInkanCert)
                .with(Fact::WantsKoseki)
        ),
        ["juminhyo_inkan_kofu", "koseki_kofu"]
    );
    let seal = navi.plan(&base.with(Fact::WantsInkanCert));
    assert_eq!(seal[0].bring[0].ja, "印鑑登録証 (カード)");
    assert_eq!(
        (seal[0].department, seal[0].counter),
        (Department::Shimin, 5)
    );
}

#[test]
fn leaving_a_job_joins_kokuho_and_the_national_pension() {
    let navi = Navi::builtin();
    let plan = navi.plan(&Answers::new(LifeEvent::Kokuho).with(Fact::KokuhoJoin));
    assert_eq!(rules_of(&plan), ["kokuho_join_job", "nenkin_type1"]);
    assert_eq!(
        plan[0].deadline.as_ref().unwrap().ja,
        "やめた日の翌日から14日以内"
    );
    let stops: Vec<(Department, u8)> = navi
        .route(&plan)
        .iter()
        .map(|s| (s.department, s.counter))
        .collect();
    assert_eq!(
        stops,
        [(Department::HokenNenkin, 9), (Department::HokenNenkin, 10)]
    );
    let leave = navi.plan(&Answers::new(LifeEvent::Kokuho).with(Fact::KokuhoLeave));
    assert_eq!(rules_of(&leave), ["kokuho_leave_job"]);
}

#[test]
fn child_allowance_on_its_own() {
    let navi = Navi::builtin();
    let ids = |a: Answers| {
        navi.plan(&a)
            .into_iter()
            .map(|p| p.rule)
            .collect::<Vec<_>>()
    };
    assert_eq!(
        ids(Answers::new(LifeEvent::ChildAllowance)),
        ["allowance_claim"]
    );
    assert_eq!(
        ids(Answers::new(LifeEvent::ChildAllowance)
            .with(Fact::AllowanceAlready)
            .with(Fact::ChildrenChanged)),
        ["allowance_more"]
    );
    assert_eq!(
        ids(Answers::new(LifeEvent::ChildAllowance).with(Fact::SingleParent)),
        ["allowance_claim", "allowance_support"]
    );
}

#[test]
fn the_route_puts_the_resident_record_first_and_groups_by_counter() {
    let navi = Navi::builtin();
    let answers = Answers::new(LifeEvent::Tennyu)
        .with(Fact::Children)
        .with(Fact::Kokuho)
        .with(Fact::WantsInkan)
        .card_holders(2);
    let plan = navi.plan(&answers);
    let route = navi.route(&plan);
    let stops: Vec<(Department, u8, usize)> = route
        .iter()
        .map(|s| (s.department, s.counter, s.procedures.len()))
        .collect();
    // 転入届 and the card at 7, the seal at 5 once registered, then 国保, then 児童手当.
    assert_eq!(
        stops,
        [
            (Department::Shimin, 7, 2),
            (Department::Shimin, 5, 1),
            (Department::HokenNenkin, 9, 2),
            (Department::KodomoKatei, 1, 1),
        ]
    );
    assert_eq!(route[0].procedures[1].count, 2, "the card change, twice");
    // Every procedure is on exactly one stop.
    assert_eq!(
        route.iter().map(|s| s.procedures.len()).sum::<usize>(),
        plan.len()
    );
    assert!(navi.route(&[]).is_empty());
}

#[test]
fn questions_are_the_facts_the_rules_look_at() {
    let navi = Navi::builtin();
    let facts = |event| -> Vec<Fact> { navi.questions(event).iter().map(|q| q.fact).collect() };
    assert_eq!(
        facts(LifeEvent::Tennyu),
        [
            Fact::Children,
            Fact::SingleParent,
            Fact::Kokuho,
            Fact::ForeignResidents,
            Fact::CardHolders,
            Fact::CardMoveIn,
            Fact::WantsInkan
        ]
    );
    assert_eq!(
        facts(LifeEvent::Birth),
        [
            Fact::SingleParent,
            Fact::AllowanceAlready,
            Fact::Kokuho,
            Fact::ForeignResidents
        ]
    );
    assert_eq!(
        facts(LifeEvent::Tenshutsu),
        [Fact::Children, Fact::Kokuho, Fact::InkanRegistered]
    );
    assert_eq!(
        facts(LifeEvent::MyNumberCard),
        [
            Fact::CardNew,
            Fact::CardLost,
            Fact::CardPin,
            Fact::CardRenew
        ]
    );
    assert_eq!(
        facts(LifeEvent::Certificates),
        [Fact::WantsJuminhyo, Fact::WantsInkanCert, Fact::WantsKoseki]
    );
    assert_eq!(
        facts(LifeEvent::Kokuho),
        [Fact::KokuhoJoin, Fact::KokuhoLeave]
    );
    // A fact no rule of the event looks at is never asked; every fact is asked somewhere.
    for event in LifeEvent::ALL {
        for q in navi.questions(event) {
            let mut with = Answers::new(event).card_holders(1);
            with.facts.extend(Fact::ALL);
            let mut without = with.clone();
            without.facts.remove(&q.fact);
            if q.fact == Fact::CardHolders {
                without.card_holders = 0;
            }
            let mut yes = Answers::new(event)
                .with(q.fact)
                .card_holders(u32::from(q.fact == Fact::CardHolders));
            if let Some(first) = q.only_if {
                yes.facts.insert(first);
            }
            let no = {
                let mut a = yes.clone();
                a.facts.remove(&q.fact);
                if q.fact == Fact::CardHolders {
                    a.card_holders = 0;
                }
                a
            };
            assert!(
                navi.plan(&with) != navi.plan(&without) || navi.plan(&yes) != navi.plan(&no),
                "{event:?}: {:?} changes nothing",
                q.fact
            );
        }
    }
    for fact in Fact::ALL {
        assert!(
            LifeEvent::ALL
                .into_iter()
                .any(|e| navi.questions(e).iter().any(|q| q.fact == fact)),
            "{fact:?} is never asked"
        );
    }
}

#[test]
fn card_holders_are_counted_and_dependent_questions_say_on_what() {
    let navi = Navi::builtin();
    let tennyu = navi.questions(LifeEvent::Tennyu);
    let holders = tennyu.iter().find(|q| q.fact == Fact::CardHolders).unwrap();
    assert_eq!(holders.kind, QuestionKind::Count);
    assert_eq!(holders.only_if, None);
    let single = tennyu
        .iter()
        .find(|q| q.fact == Fact::SingleParent)
        .unwrap();
    assert_eq!(single.kind, QuestionKind::YesNo);
    assert_eq!(single.only_if, Some(Fact::Children));
    assert_eq!(tennyu[0].only_if, None);
    // 特例転入 is a move with the card: asked once someone holds one.
    let card_move = tennyu.iter().find(|q| q.fact == Fact::CardMoveIn).unwrap();
    assert_eq!(card_move.only_if, Some(Fact::CardHolders));
    // In a marriage the card and the seal matter only for a surname that changes.
    let marriage = navi.questions(LifeEvent::Marriage);
    let only_if = |fact| marriage.iter().find(|q| q.fact == fact).unwrap().only_if;
    assert_eq!(only_if(Fact::CardHolders), Some(Fact::SurnameChange));
    assert_eq!(only_if(Fact::InkanRegistered), Some(Fact::SurnameChange));
    assert_eq!(only_if(Fact::SurnameChange), None);
    let allowance = navi.questions(LifeEvent::ChildAllowance);
    assert_eq!(allowance[2].fact, Fact::ChildrenChanged);
    assert_eq!(allowance[2].only_if, Some(Fact::AllowanceAlready));
    // A condition is always asked before what depends on it.
    for event in LifeEvent::ALL {
        let qs = navi.questions(event);
        for (i, q) in qs.iter().enumerate() {
            if let Some(first) = q.only_if {
                assert!(
                    qs[..i].iter().any(|b| b.fact == first),
                    "{event:?} {:?}",
                    q.fact
                );
            }
        }
    }
}

#[test]
fn the_kiosk_menu_holds_every_event_once_in_its_order() {
    let ids: Vec<&str> = EVENT_GROUPS.iter().map(|g| g.id).collect();
    assert_eq!(
        ids,
        [
            "move",
            "birth",
            "marriage_divorce",
            "my_number_card",
            "certificates",
            "kokuho",
            "child_allowance"
        ]
    );
    let events: Vec<LifeEvent> = EVENT_GROUPS
        .iter()
        .flat_map(|g| g.events.iter().copied())
        .collect();
    assert_eq!(events, LifeEvent::ALL);
    assert_eq!(EVENT_GROUPS[0].name.ja, "引っ越し");
    assert_eq!(LifeEvent::Tennyu.words().ja, "市外から引っ越してきた");
    assert_eq!(LifeEvent::TenshutsuAbroad.words().en, "Moving abroad");
}

#[test]
fn every_event_leads_somewhere() {
    let navi = Navi::builtin();
    for event in LifeEvent::ALL {
        let mut answers = Answers::new(event).card_holders(1);
        answers.facts.extend(Fact::ALL);
        assert!(!navi.plan(&answers).is_empty(), "{event:?}");
        assert_eq!(LifeEvent::from_name(event.as_str()), Some(event));
        assert!(!event.label().0.is_empty() && !event.label().1.is_empty());
    }
}

#[test]
fn everything_the_kiosk_shows_is_in_nine_languages() {
    let mut problems = Vec::new();
    for p in Navi::builtin().kiosk_rules() {
        let mut labels = vec![("title", &p.title), ("reason", &p.reason)];
        if let Some(d) = &p.deadline {
            labels.push(("deadline", d));
        }
        labels.extend(p.bring.iter().map(|b| ("bring", b)));
        for (what, label) in labels {
            if let Some(problem) = label.citizen_problem() {
                problems.push(format!("rule {} {what}: {problem}", p.rule));
            }
        }
    }
    let mut words: Vec<(String, crate::language::Words)> = Vec::new();
    for g in EVENT_GROUPS {
        words.push((format!("group {}", g.id), g.name));
    }
    for e in LifeEvent::ALL {
        words.push((format!("event {}", e.as_str()), e.words()));
    }
    for f in Fact::ALL {
        words.push((format!("question {}", f.as_str()), f.question()));
        if let Some(hint) = f.hint() {
            words.push((format!("hint {}", f.as_str()), hint));
        }
    }
    for d in Department::ALL {
        words.push((format!("department {}", d.as_str()), d.words()));
    }
    for (what, w) in words {
        if let Some(problem) = w.problem() {
            problems.push(format!("{what}: {problem}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // The Japanese of the kiosk is the staff's Japanese.
    assert_eq!(
        Department::KodomoKatei.words().ja,
        Department::KodomoKatei.ja()
    );
    assert_eq!(
        Department::HokenNenkin.words().get(Language::EasyJa),
        "{保険年金課|ほけんねんきんか}"
    );
}

#[test]
fn an_incomplete_label_is_named_with_its_rule_and_language() {
    let text = include_str!("../../catalog/navi.toml").replace("ko = \"전입신고\"\n", "");
    let navi = Navi::parse(&text, Catalog::builtin()).unwrap();
    let tennyu = navi.kiosk_rules().find(|p| p.rule == "tennyu").unwrap();
    assert_eq!(
        tennyu.title.citizen_problem().unwrap(),
        "転入届: no ko text"
    );
}

#[test]
fn places_and_named_texts_are_checked_when_read() {
    let rule = |extra: &str| {
        format!(
            "[[rules]]\nid = \"x\"\nwhen = {{ event = [\"birth\"] }}\n{extra}\ntitle = {{ ja = \"x\", en = \"x\" }}\nreason = {{ ja = \"x\", en = \"x\" }}\n"
        )
    };
    let err = |text: String| {
        Navi::parse(&text, Catalog::builtin())
            .unwrap_err()
            .to_string()
    };
    assert!(err(rule("forms = []")).contains("needs its place"));
    assert!(
        err(rule(
            "forms = [\"kokuho_idou\"]\nplace = { department = \"shimin\", counter = 6 }"
        ))
        .contains("placed by its first form")
    );
    assert!(
        err(rule(
            "forms = []\nplace = { department = \"shimin\", counter = 6 }\nbring = [\"nothing_such\"]"
        ))
        .contains("no thing nothing_such")
    );
    let placed = Navi::parse(
        &rule("forms = []\nplace = { department = \"kodomo_katei\", counter = 2 }"),
        Catalog::builtin(),
    )
    .unwrap();
    let plan = placed.plan(&Answers::new(LifeEvent::Birth));
    assert_eq!(
        (plan[0].department, plan[0].counter),
        (Department::KodomoKatei, 2)
    );
}

#[test]
fn what_to_bring_follows_what_the_visit_says() {
    use crate::navi::VisitFact;
    let navi = Navi::builtin();
    let things = |plan: &[Procedure], rule: &str| -> Vec<String> {
        plan.iter()
            .find(|p| p.rule == rule)
            .unwrap()
            .bring
            .iter()
            .map(|b| b.ja.clone())
            .collect()
    };
    let answers = Answers::new(LifeEvent::Tennyu).with(Fact::Children);
    let plain = navi.for_visit(navi.plan(&answers), &BTreeSet::new());
    // The kiosk's plan (no visit facts) and the counter's agree when the visit says nothing.
    assert_eq!(
        plain.iter().map(|p| p.bring.len()).collect::<Vec<_>>(),
        navi.plan(&answers)
            .iter()
            .map(|p| p.bring.len())
            .collect::<Vec<_>>()
    );
    let claim = things(&plain, "child_allowance_claim");
    assert!(claim.iter().any(|t| t.contains("通帳")), "{claim:?}");
    assert!(!claim.iter().any(|t| t.contains("委任状")));

    // An agent brings a 委任状 to every procedure with forms; a 法定代理人 the proof.
    let agent = navi.for_visit(navi.plan(&answers), &BTreeSet::from([VisitFact::Agent]));
    for p in agent.iter().filter(|p| !p.forms.is_empty()) {
        assert_eq!(
            p.bring
                .iter()
                .filter(|b| b.ja.starts_with("委任状"))
                .count(),
            1,
            "{}: {:?}",
            p.rule,
            p.bring
        );
    }
    let legal = navi.for_visit(
        navi.plan(&answers),
        &BTreeSet::from([VisitFact::LegalAgent]),
    );
    assert!(
        things(&legal, "tennyu")
            .iter()
            .any(|t| t.contains("登記事項証明書"))
    );

    // 公金受取口座: no bank book; a child living apart: the 別居監護申立書.
    let facts = BTreeSet::from([VisitFact::PublicAccount, VisitFact::ChildApart]);
    let claim = things(
        &navi.for_visit(navi.plan(&answers), &facts),
        "child_allowance_claim",
    );
    assert!(!claim.iter().any(|t| t.contains("通帳")), "{claim:?}");
    assert!(
        claim.iter().any(|t| t.starts_with("別居監護申立書")),
        "{claim:?}"
    );

    // 印鑑登録 by an agent: the 代理人選任届 the applicant wrote, not a 委任状.
    let choices = BTreeMap::from([("req_inkan_toroku".to_owned(), true)]);
    let inkan = navi.for_visit(
        navi.visit_plan(None, &choices),
        &BTreeSet::from([VisitFact::Agent]),
    );
    let inkan = things(&inkan, "req_inkan_toroku");
    assert!(
        inkan.iter().any(|t| t.starts_with("代理人選任届")),
        "{inkan:?}"
    );
    assert!(!inkan.iter().any(|t| t.starts_with("委任状")), "{inkan:?}");
}

#[test]
fn visit_facts_are_read_from_the_forms_values() {
    use crate::catalog::VisitValues;
    use crate::navi::VisitFact;
    let mut values = VisitValues::default();
    assert!(VisitFact::of(&values).is_empty());
    values
        .visit
        .insert("visit.notifier_relation".into(), "legal_agent".into());
    values
        .visit
        .insert("visit.payment_account".into(), "public".into());
    values.persons.push(Default::default());
    values
        .persons
        .push([("person.lives_with".to_owned(), "apart".to_owned())].into());
    assert_eq!(
        VisitFact::of(&values).into_iter().collect::<Vec<_>>(),
        [
            VisitFact::LegalAgent,
            VisitFact::ChildApart,
            VisitFact::PublicAccount
        ]
    );
}
