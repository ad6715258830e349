use shared_model::DocumentId;
use shared_model::calendar::read_date;
use shared_model::navi::LifeEvent;
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use shared_model::catalog::VisitValues;
use shared_model::prefill::Prefill;

use super::fill_confirm::FillConfirm;
use crate::api::{self, ApiError, Resident};
use crate::context::AppContext;
use crate::fill::{self, FillSource};
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};

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
                fill::carry_out(&repo, &app, id, &plan, true, FillSource::Register);
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
        let on_answer = {
            let (repo, app, pending) = (repo.clone(), app.clone(), pending.clone());
            Callback::from(move |replace: Option<bool>| {
                if let Some(replace) = replace {
                    fill::carry_out(&repo, &app, id, &plan, replace, FillSource::Register);
                }
                pending.set(None);
                // The panel goes: the focus goes back to the lookup's query.
                crate::focus::focus_first_of(&["#lookup-query"]);
            })
        };
        html! { <FillConfirm plan={plan_of(members, *one)} {on_answer} source={FillSource::Register} /> }
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
