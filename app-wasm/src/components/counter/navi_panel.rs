use shared_model::calendar::tokyo_day;
use shared_model::catalog::Department;
use shared_model::navi::{Answers, Fact, LifeEvent, Procedure};
use shared_model::{DocumentId, VisitChange};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::hooks::use_repo;
use crate::i18n::{Text, event_label, fact_label, ja};

/// Properties of [`NaviPanel`].
#[derive(Properties, PartialEq)]
pub struct NaviPanelProps {
    /// The visit.
    pub id: DocumentId,
    /// The answers so far.
    pub answers: Option<Answers>,
    /// The procedures the answers lead to.
    pub plan: Vec<Procedure>,
    /// Decisions on procedures.
    pub choices: std::collections::BTreeMap<String, bool>,
    /// Whether 届出日 is still empty (it is set to today with the first answer).
    pub notified_on_missing: bool,
}

/// The 手続きナビ answers and the procedures they lead to, each of which can be dropped.
#[component(NaviPanel)]
pub fn navi_panel(props: &NaviPanelProps) -> Html {
    let repo = use_repo();
    let id = props.id;
    let holders_shown = props
        .answers
        .as_ref()
        .map(|a| a.card_holders.to_string())
        .unwrap_or_default();
    let holders_draft = crate::hooks::use_draft(&holders_shown);
    // An event chosen here enables the facts at once, not a round trip through the visit
    // later: a Tab pressed right after Space would skip them while they were still disabled.
    let event_chosen = use_state(|| None::<LifeEvent>);
    {
        // The choice stands until the visit has it (or another event, chosen elsewhere).
        let event_chosen = event_chosen.clone();
        use_effect_with(props.answers.as_ref().map(|a| a.event), move |event| {
            if event.is_some() && event_chosen.is_some() {
                event_chosen.set(None);
            }
        });
    }
    // The answers this panel sent last, until the visit has them back: two facts ticked in
    // quick succession must build on each other, not each on the answers of the last render
    // (the second would take the first away).
    let sent = use_mut_ref(|| None::<Answers>);
    {
        let sent = sent.clone();
        use_effect_with(props.answers.clone(), move |answers| {
            let caught_up = sent.borrow().as_ref() == answers.as_ref();
            if caught_up {
                *sent.borrow_mut() = None;
            }
        });
    }
    let send_answers = {
        let (repo, sent) = (repo.clone(), sent.clone());
        Callback::from(move |answers: Answers| {
            *sent.borrow_mut() = Some(answers.clone());
            repo.change(
                id,
                VisitChange::Answers {
                    answers,
                    at: js_sys::Date::now() as i64,
                },
            )
        })
    };
    let current = props.answers.clone();
    let events = LifeEvent::ALL.into_iter().map(|event| {
        let send = send_answers.clone();
        let checked = match *event_chosen {
            Some(chosen) => chosen == event,
            None => current.as_ref().is_some_and(|a| a.event == event),
        };
        let current = current.clone();
        let repo = repo.clone();
        let notified_on_missing = props.notified_on_missing;
        let event_chosen = event_chosen.clone();
        let sent = sent.clone();
        let onchange = Callback::from(move |_| {
            event_chosen.set(Some(event));
            let base = sent.borrow().clone().or_else(|| current.clone());
            let mut answers = base.unwrap_or_else(|| Answers::new(event));
            answers.event = event;
            send.emit(answers);
            // 届出日 defaults to today (住民記録システム標準仕様書 4.1.0.2).
            if notified_on_missing {
                let today = tokyo_day(js_sys::Date::now() as i64);
                repo.change(
                    id,
                    VisitChange::Item {
                        key: "visit.notified_on".into(),
                        person: None,
                        value: today.to_string(),
                    },
                );
            }
        });
        let dom_id = format!("navi-event-{}", event.as_str().replace('_', "-"));
        html! {
            <label class="choice" for={dom_id.clone()}>
                <input type="radio" name="navi-event" id={dom_id} {checked} {onchange} />
                { event_label(event).0 }
            </label>
        }
    });
    let facts = (*event_chosen)
        .or(current.as_ref().map(|a| a.event))
        .map(|event| crate::city::catalog().navi.questions(event))
        .unwrap_or_default()
        .into_iter()
        .map(|q| q.fact)
        .filter(|f| *f != Fact::CardHolders)
        .map(|fact| {
            let send = send_answers.clone();
            let checked = current.as_ref().is_some_and(|a| a.facts.contains(&fact));
            let disabled = current.is_none() && event_chosen.is_none();
            // Before the visit has the answers back, the event chosen here stands for them.
            let current = current
                .clone()
                .or_else(|| (*event_chosen).map(Answers::new));
            let sent = sent.clone();
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                let base = sent.borrow().clone().or_else(|| current.clone());
                if let Some(mut answers) = base {
                    if input.checked() {
                        answers.facts.insert(fact);
                    } else {
                        answers.facts.remove(&fact);
                    }
                    send.emit(answers);
                }
            });
            let dom_id = format!("navi-fact-{}", fact.as_str().replace('_', "-"));
            html! {
                <label class="choice" for={dom_id.clone()}>
                    <input type="checkbox" id={dom_id} {checked} {onchange} {disabled} />
                    { fact_label(fact).0 }
                </label>
            }
        });
    let holders = {
        let send = send_answers.clone();
        let disabled = current.is_none() && event_chosen.is_none();
        let current = current
            .clone()
            .or_else(|| (*event_chosen).map(Answers::new));
        let draft = holders_draft.clone();
        let sent = sent.clone();
        let oninput = Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.typed(input.value());
            let base = sent.borrow().clone().or_else(|| current.clone());
            if let (Some(answers), Ok(n)) = (base, input.value().trim().parse::<u32>()) {
                send.emit(answers.card_holders(n.min(20)));
            }
        });
        let onblur = {
            let draft = holders_draft.clone();
            Callback::from(move |_: FocusEvent| draft.done())
        };
        html! {
            <label class="holders" for="navi-card-holders">
                { ja(Text::NaviCardHolders) }
                <input id="navi-card-holders" type="number" min="0" max="20"
                       value={holders_draft.shown()} {oninput} {onblur} {disabled} />
            </label>
        }
    };
    let plan = if props.plan.is_empty() {
        html! { <p class="hint">{ ja(Text::NaviNoAnswer) }</p> }
    } else {
        let rows = props.plan.iter().map(|p| {
            let chosen = props.choices.get(&p.rule).copied().unwrap_or(true);
            let repo = repo.clone();
            let rule = p.rule.clone();
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                repo.change(
                    id,
                    VisitChange::Procedure {
                        rule: rule.clone(),
                        chosen: input.checked(),
                    },
                );
            });
            let dom_id = format!("procedure-{}", p.rule.replace('_', "-"));
            let place = ja(Text::CounterPlace)
                .replace("{d}", p.department.ja())
                .replace("{n}", &p.counter.to_string());
            // Always there (empty for one), like the lines below: appearing, they would
            // re-create the checkbox before them (Yew matches unkeyed siblings from the end).
            let count = if p.count > 1 {
                format!("×{}", p.count)
            } else {
                String::new()
            };
            let bring = (!p.bring.is_empty()).then(|| {
                let items: Vec<&str> = p.bring.iter().map(|b| b.ja.as_str()).collect();
                html! { <p class="bring">{ ja(Text::Bring) }{ ": " }{ items.join("、") }</p> }
            });
            let deadline = p.deadline.as_ref().map(|d| {
                html! { <p class="deadline">{ ja(Text::Deadline) }{ ": " }{ &d.ja }</p> }
            });
            html! {
                <li key={p.rule.clone()} class={classes!("procedure", (!chosen).then_some("dropped"))}>
                    <label for={dom_id.clone()}>
                        <input type="checkbox" id={dom_id} checked={chosen} {onchange} />
                        <strong>{ &p.title.ja }</strong><span class="count">{ count }</span>
                        <span class="place">{ place }</span>
                    </label>
                    <p class="reason">
                        { &p.reason.ja }
                        if p.requested { <span class="requested">{ ja(Text::ProcedureRequested) }</span> }
                    </p>
                    <div class="slot">{ for bring }{ for deadline }</div>
                </li>
            }
        });
        html! { <ul class="plan" id="navi-plan">{ for rows }</ul> }
    };
    html! {
        <section class="navi" aria-labelledby="navi-title">
            <h2 id="navi-title">{ ja(Text::NaviTitle) }</h2>
            <fieldset>
                <legend>{ ja(Text::NaviEvent) }</legend>
                <div class="choices">{ for events }</div>
            </fieldset>
            <fieldset>
                <legend>{ ja(Text::NaviFacts) }</legend>
                <div class="choices">{ for facts }</div>
                { holders }
            </fieldset>
            <h3>{ ja(Text::NaviPlan) }</h3>
            { plan }
            <ProcedurePicker {id} listed={props.plan.iter().map(|p| p.rule.clone()).collect::<Vec<_>>()} />
        </section>
    }
}

/// Properties of [`ProcedurePicker`].
#[derive(Properties, PartialEq)]
pub struct ProcedurePickerProps {
    /// The visit.
    pub id: DocumentId,
    /// The rules already in the visit's plan (not offered again).
    pub listed: Vec<String>,
}

/// 「手続きを追加」: a procedure no move leads to (a certificate, a lost card, a claim on its
/// own), chosen from the navi's `on_request` rules by 課 and added to the visit. The focus
/// then goes to the first field of the procedure's form.
#[component(ProcedurePicker)]
pub fn procedure_picker(props: &ProcedurePickerProps) -> Html {
    let repo = use_repo();
    let app = use_context::<crate::context::AppContext>().expect("app context");
    let id = props.id;
    let chosen = use_state(String::new);
    let offers: Vec<Procedure> = crate::city::catalog()
        .navi
        .on_request()
        .filter(|p| !props.listed.contains(&p.rule))
        .collect();
    let groups = Department::ALL.into_iter().filter_map(|department| {
        let options: Vec<Html> = offers
            .iter()
            .filter(|p| p.department == department)
            .map(|p| {
                let place = ja(Text::CounterPlace)
                    .replace("{d}", p.department.ja())
                    .replace("{n}", &p.counter.to_string());
                html! {
                    <option key={p.rule.clone()} value={p.rule.clone()} selected={*chosen == p.rule}>
                        { format!("{} ({place})", p.title.ja) }
                    </option>
                }
            })
            .collect();
        (!options.is_empty()).then(|| {
            html! { <optgroup key={department.as_str()} label={department.ja()}>{ for options }</optgroup> }
        })
    });
    let onchange = {
        let chosen = chosen.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            chosen.set(select.value());
        })
    };
    let onclick = {
        let chosen = chosen.clone();
        Callback::from(move |_| {
            let Some(procedure) = crate::city::catalog()
                .navi
                .on_request()
                .find(|p| p.rule == *chosen)
            else {
                return;
            };
            repo.change(
                id,
                VisitChange::Procedure {
                    rule: procedure.rule.clone(),
                    chosen: true,
                },
            );
            app.dispatch(crate::state::Action::Announce(
                ja(Text::AnnounceProcedureAdded).replace("{t}", &procedure.title.ja),
            ));
            chosen.set(String::new());
            // The form's section appears once the visit has the procedure (folded when it is
            // another 課's: opened for the person who asked for it).
            let form = procedure.forms[0].replace('_', "-");
            crate::focus::focus_into(
                Some(&format!("fold-{form}")),
                &[
                    &format!("#form-{form} .field input"),
                    &format!("#form-{form} .field select"),
                    &format!("#confirm-{form}"),
                ],
            );
        })
    };
    html! {
        <div class="procedure-add">
            <label for="procedure-add">{ ja(Text::ProcedureAdd) }</label>
            <select id="procedure-add" {onchange}>
                <option value="" selected={chosen.is_empty()}>{ ja(Text::ProcedureAddChoose) }</option>
                { for groups }
            </select>
            <button type="button" id="procedure-add-button" {onclick}
                    aria-disabled={chosen.is_empty().to_string()}>{ ja(Text::ProcedureAddButton) }</button>
        </div>
    }
}
