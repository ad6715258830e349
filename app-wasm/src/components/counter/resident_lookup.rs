use shared_model::calendar::read_date;
use shared_model::navi::LifeEvent;
use shared_model::{DocumentId, VisitChange};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use shared_model::catalog::VisitValues;
use shared_model::prefill::Prefill;

use crate::api::{self, ApiError, Resident};
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::RepoHandle;
use crate::state::Action;

/// Properties of [`ResidentLookup`].
#[derive(Properties, PartialEq)]
pub struct ResidentLookupProps {
    /// The visit to fill.
    pub id: DocumentId,
    /// Whether the server is reachable.
    pub online: bool,
    /// The navi's event: for a 転居 the registered address is the previous one.
    pub event: Option<LifeEvent>,
    /// What the visit holds now (a fill that would replace some of it asks first).
    pub values: VisitValues,
}

/// Carries a fill out (every item, or only the blanks) and says how many items it wrote.
fn apply(repo: &RepoHandle, app: &AppContext, id: DocumentId, plan: &Prefill, replace: bool) {
    let changes = plan.visit_changes(replace);
    let items = changes
        .iter()
        .filter(|c| matches!(c, VisitChange::ItemIf { .. }))
        .count();
    for change in changes {
        repo.change(id, change);
    }
    // The 経過 says the register filled the visit, and how much of it.
    repo.change(
        id,
        VisitChange::FilledFromRegister {
            items,
            household: plan.new_persons > 0
                || plan.changes.iter().any(|c| c.person.unwrap_or(0) > 0),
            at: js_sys::Date::now() as i64,
        },
    );
    app.dispatch(Action::Announce(
        ja(Text::AnnounceFilled).replace("{n}", &items.to_string()),
    ));
}

/// A value as the confirmation shows it: a 個人番号 masked but for its last 4 digits.
fn shown(key: &str, value: &str) -> String {
    if key == "person.my_number" && value.chars().count() > 4 {
        let tail: String = value
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("••••••••{tail}")
    } else {
        value.to_owned()
    }
}

/// Resident lookup (online only): find a person by フリガナ, 生年月日 or name/address, and
/// fill the visit with the person or the whole household.
#[component(ResidentLookup)]
pub fn resident_lookup(props: &ResidentLookupProps) -> Html {
    let repo = use_repo();
    let input = use_node_ref();
    let app = use_context::<AppContext>().expect("app context");
    let results = use_state(Vec::<Resident>::new);
    let message = use_state(|| None::<Text>);
    // A fill that would replace values already entered, waiting for the counter's answer:
    // the residents (and whether one person or a household), planned again against the
    // visit at every render, so what the panel shows is what the visit holds now.
    let pending = use_state(|| None::<(Vec<Resident>, bool)>);
    let plan_of = {
        let (values, event) = (props.values.clone(), props.event);
        move |members: &[Resident], one: bool| {
            if one {
                Prefill::person(&values, &members[0], event)
            } else {
                Prefill::household(&values, members, event)
            }
        }
    };
    if !props.online {
        return html! {
            <section class="lookup" aria-labelledby="lookup-title">
                <h2 id="lookup-title">{ ja(Text::LookupTitle) }</h2>
                <p class="hint" id="lookup-offline">{ ja(Text::LookupOffline) }</p>
            </section>
        };
    }
    let onsubmit = {
        let (input, results, message) = (input.clone(), results.clone(), message.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let q = input
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let (results, message) = (results.clone(), message.clone());
            spawn_local(async move {
                match api::search_residents(q.trim()).await {
                    Ok(answer) => {
                        message.set(if answer.residents.is_empty() {
                            Some(Text::LookupNone)
                        } else {
                            answer.more.then_some(Text::LookupMore)
                        });
                        results.set(answer.residents);
                    }
                    // Results of an earlier query never stay under a refusal of this one.
                    Err(ApiError::Unreachable) => {
                        results.set(Vec::new());
                        message.set(Some(Text::LookupOffline));
                    }
                    Err(_) => {
                        results.set(Vec::new());
                        message.set(Some(Text::LookupBadQuery));
                    }
                }
            });
        })
    };
    let id = props.id;
    // Fills at once when only blanks would be written; otherwise shows what would be
    // replaced and asks.
    let offer = {
        let (repo, app, pending, plan_of) =
            (repo.clone(), app.clone(), pending.clone(), plan_of.clone());
        move |members: Vec<Resident>, one: bool| {
            let plan = plan_of(&members, one);
            if plan.replacing().next().is_none() {
                apply(&repo, &app, id, &plan, true);
            } else {
                pending.set(Some((members, one)));
                crate::focus::focus_first_of(&["#fill-replace"]);
            }
        }
    };
    let rows = results.iter().map(|r| {
        let use_person = {
            let (offer, r) = (offer.clone(), r.clone());
            Callback::from(move |_| offer(vec![r.clone()], true))
        };
        let use_household = {
            let (offer, number, message) =
                (offer.clone(), r.household_number.clone(), message.clone());
            Callback::from(move |_| {
                let (offer, number, message) = (offer.clone(), number.clone(), message.clone());
                spawn_local(async move {
                    match api::household(&number).await {
                        Ok(members) if !members.is_empty() => offer(members, false),
                        Ok(_) => message.set(Some(Text::LookupNone)),
                        Err(_) => message.set(Some(Text::LookupOffline)),
                    }
                });
            })
        };
        // 和暦, and 不詳 where the register holds a date with unknown parts.
        let birth = read_date(&r.birth_date)
            .map(|reading| reading.date.to_japanese())
            .unwrap_or_else(|_| r.birth_date.clone());
        html! {
            <tr data-atena={r.atena_number.clone()} data-name={r.name.clone()}>
                <td>{ &r.name }</td>
                <td>{ &r.kana }</td>
                <td>{ birth }</td>
                <td>{ &r.relationship }</td>
                <td>{ &r.address }</td>
                <td>
                    <button type="button" class="use-person" onclick={use_person}>{ ja(Text::LookupUsePerson) }</button>
                    <button type="button" class="use-household" onclick={use_household}>{ ja(Text::LookupUseHousehold) }</button>
                </td>
            </tr>
        }
    });
    let note = message.map(ja).unwrap_or_default();
    let confirm = pending.as_ref().map(|(members, one)| {
        let plan = plan_of(members, *one);
        let rows = plan.replacing().map(|c| {
            html! {
                <tr key={format!("{}-{:?}", c.key, c.person)}>
                    <th scope="row">{ c.label_ja() }</th>
                    <td>{ shown(&c.key, &c.current) }</td>
                    <td>{ shown(&c.key, &c.proposed) }</td>
                </tr>
            }
        });
        let blanks = plan.changes.iter().filter(|c| !c.replaces()).count();
        let answer = |replace: Option<bool>| {
            let (repo, app, pending, plan) = (repo.clone(), app.clone(), pending.clone(), plan.clone());
            Callback::from(move |_: MouseEvent| {
                if let Some(replace) = replace {
                    apply(&repo, &app, id, &plan, replace);
                }
                pending.set(None);
                // The panel goes: the focus goes back to the lookup's query.
                crate::focus::focus_first_of(&["#lookup-query"]);
            })
        };
        // Escape answers やめる, as in any dialog.
        let onkeydown = {
            let cancel = answer(None);
            Callback::from(move |e: KeyboardEvent| {
                if e.key() == "Escape" {
                    e.prevent_default();
                    cancel.emit(MouseEvent::new("click").expect("a click event"));
                }
            })
        };
        html! {
            <div class="fill-confirm" id="fill-confirm" role="group" aria-labelledby="fill-confirm-title" {onkeydown}>
                <h3 id="fill-confirm-title">{ ja(Text::FillConfirmTitle) }</h3>
                <table id="fill-changes">
                    <thead><tr>
                        <th scope="col">{ ja(Text::FillConfirmItem) }</th>
                        <th scope="col">{ ja(Text::FillConfirmCurrent) }</th>
                        <th scope="col">{ ja(Text::FillConfirmProposed) }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
                <p>{ ja(Text::FillConfirmBlanks).replace("{n}", &blanks.to_string()) }</p>
                <div class="actions">
                    <button type="button" id="fill-replace" onclick={answer(Some(true))}>{ ja(Text::FillReplace) }</button>
                    <button type="button" id="fill-blanks-only" onclick={answer(Some(false))}>{ ja(Text::FillBlanksOnly) }</button>
                    <button type="button" id="fill-cancel" onclick={answer(None)}>{ ja(Text::FillCancel) }</button>
                </div>
            </div>
        }
    });
    html! {
        <section class="lookup" aria-labelledby="lookup-title">
            <h2 id="lookup-title">{ ja(Text::LookupTitle) }</h2>
            <form {onsubmit}>
                <label for="lookup-query">{ ja(Text::LookupHint) }</label>
                <input id="lookup-query" ref={input} autocomplete="off" />
                <button type="submit" id="lookup-submit">{ ja(Text::LookupButton) }</button>
            </form>
            // The status line and the results are always there (empty when they have nothing
            // to say): appearing, they would shift the form's place among its siblings and
            // Yew would re-create the query field, emptying it under the person's fingers.
            <p class="hint" role="status" id="lookup-status">{ note }</p>
            <div class="slot">{ for confirm }</div>
            <div class="lookup-results-place">
                if !results.is_empty() {
                    <table class="lookup-results" id="lookup-results">
                        <thead><tr>
                            <th scope="col">{ ja(Text::FieldName) }</th>
                            <th scope="col">{ ja(Text::FieldKana) }</th>
                            <th scope="col">{ ja(Text::FieldBirthDate) }</th>
                            <th scope="col">{ "続柄" }</th>
                            <th scope="col">{ ja(Text::FieldAddress) }</th>
                            <th scope="col"><span class="visually-hidden">{ ja(Text::LookupButton) }</span></th>
                        </tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                }
            </div>
        </section>
    }
}
