use shared_model::calendar::read_date;
use shared_model::navi::LifeEvent;
use shared_model::{DocumentId, VisitChange};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError, Resident};
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::RepoHandle;

/// Properties of [`ResidentLookup`].
#[derive(Properties, PartialEq)]
pub struct ResidentLookupProps {
    /// The visit to fill.
    pub id: DocumentId,
    /// Whether the server is reachable.
    pub online: bool,
    /// The navi's event: for a 転居 the registered address is the previous one.
    pub event: Option<LifeEvent>,
    /// How many person rows the visit has.
    pub persons: usize,
}

/// Writes residents into the visit: person rows from `first`, the household, the address.
fn fill(
    repo: &RepoHandle,
    id: DocumentId,
    members: &[Resident],
    event: Option<LifeEvent>,
    persons: usize,
) {
    let item = |key: &str, person: Option<usize>, value: &str| {
        repo.change(
            id,
            VisitChange::Item {
                key: key.into(),
                person,
                value: value.into(),
            },
        )
    };
    for _ in persons..members.len() {
        repo.change(id, VisitChange::AddPerson);
    }
    for (i, r) in members.iter().enumerate() {
        let p = Some(i);
        item("person.name", p, &r.name);
        item("person.kana", p, &r.kana);
        item("person.birth_date", p, &r.birth_date);
        item("person.sex", p, &r.sex);
        item("person.relationship", p, &r.relationship);
        item("person.my_number", p, &r.my_number);
        item("person.atena_number", p, &r.atena_number);
    }
    if let Some(first) = members.first() {
        item("household.head_name", None, &first.head_name);
        item("household.household_number", None, &first.household_number);
        item("household.postal_code", None, &first.postal_code);
        let address_key = match event {
            // Moving within the city: the registered address is the one being left.
            Some(LifeEvent::Tenkyo) => "visit.previous_address",
            _ => "household.address",
        };
        item(address_key, None, &first.address);
    }
}

/// Resident lookup (online only): find a person by フリガナ, 生年月日 or name/address, and
/// fill the visit with the person or the whole household.
#[component(ResidentLookup)]
pub fn resident_lookup(props: &ResidentLookupProps) -> Html {
    let repo = use_repo();
    let input = use_node_ref();
    let results = use_state(Vec::<Resident>::new);
    let message = use_state(|| None::<Text>);
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
    let (id, event, persons) = (props.id, props.event, props.persons);
    let rows = results.iter().map(|r| {
        let use_person = {
            let (repo, r) = (repo.clone(), r.clone());
            Callback::from(move |_| fill(&repo, id, std::slice::from_ref(&r), event, persons))
        };
        let use_household = {
            let (repo, number, message) = (repo.clone(), r.household_number.clone(), message.clone());
            Callback::from(move |_| {
                let (repo, number, message) = (repo.clone(), number.clone(), message.clone());
                spawn_local(async move {
                    match api::household(&number).await {
                        Ok(members) => fill(&repo, id, &members, event, persons),
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
