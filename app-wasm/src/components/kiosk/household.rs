use shared_model::VisitChange;
use shared_model::navi::LifeEvent;
use yew::prelude::*;

use super::certificate_camera::CertificateCamera;
use super::event_choice::BackButton;
use super::item_field::ItemField;
use super::{KioskAction, KioskContext, use_language};
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::kiosk::{Say, say, say_with};

/// The household's data, once for every member: one row per person (the applicant first)
/// with the person items the plan's forms use, then the items the household shares (new and
/// previous address, the move's date). A family moving in may scan the 転出証明書 instead.
#[component(Household)]
pub fn household() -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let app = use_context::<AppContext>().expect("app context");
    let repo = use_repo();
    let language = use_language();
    let (Some(visit), Some(answers)) = (kiosk.visit.clone(), kiosk.answers.clone()) else {
        return html! {};
    };
    let Some(view) = app.open.as_ref().filter(|v| v.id == visit.id) else {
        return html! { <p class="lead" aria-busy="true">{ say(language, Say::TakingNumber) }</p> };
    };
    let forms: Vec<String> = crate::city::catalog()
        .navi
        .plan(&answers)
        .into_iter()
        .flat_map(|p| p.forms)
        .collect();
    let items = crate::city::catalog().catalog.kiosk_items(&forms);
    let persons = view.values.persons.len().max(1);
    let value = |key: &str, person: Option<usize>| {
        view.values
            .get("", key, person)
            .unwrap_or_default()
            .to_owned()
    };
    let rows = (0..persons).map(|i| {
        let legend = if i == 0 {
            say(language, Say::Applicant)
        } else {
            say_with(language, Say::PersonN, &[("n", &(i + 1).to_string())])
        };
        let fields = items.person.iter().map(|item| {
            html! {
                <ItemField key={item.key.clone()} id={visit.id} item={(*item).clone()}
                           person={Some(i)} value={value(&item.key, Some(i))} />
            }
        });
        let remove = (i > 0).then(|| {
            let repo = repo.clone();
            let id = visit.id;
            let onclick = Callback::from(move |_| repo.change(id, VisitChange::RemovePerson(i)));
            html! {
                <button type="button" class="remove" id={format!("kiosk-remove-person-{i}")} {onclick}>
                    { say(language, Say::RemovePerson) }
                </button>
            }
        });
        html! {
            <fieldset class="person-row" key={i} id={format!("kiosk-person-{i}")}>
                <legend>{ legend }</legend>
                { for fields }
                { for remove }
            </fieldset>
        }
    });
    let add = {
        let repo = repo.clone();
        let id = visit.id;
        Callback::from(move |_| repo.change(id, VisitChange::AddPerson))
    };
    let event = answers.event;
    let shared = items.shared.iter().map(|item| {
        html! {
            <ItemField key={item.key.clone()} id={visit.id} item={(*item).clone()}
                       person={None} value={value(&item.key, None)}
                       question={question(&item.key, event)} />
        }
    });
    let moving_in = matches!(answers.event, LifeEvent::Tennyu);
    let camera = moving_in.then(|| html! { <CertificateCamera id={visit.id} /> });
    let next = {
        let kiosk = kiosk.clone();
        Callback::from(move |_| kiosk.dispatch(KioskAction::Slip))
    };
    html! {
        <div class="kiosk-step kiosk-filling">
            <p class="reception">
                { say(language, Say::YourNumber) }
                <strong id="reception-number">{ &visit.number }</strong>
            </p>
            <h2 class="step-title" tabindex="-1">{ say(language, Say::HouseholdTitle) }</h2>
            <div class="slot">{ for camera }</div>
            { for rows }
            <button type="button" class="big" id="kiosk-add-person" onclick={add}>
                { say(language, Say::AddPerson) }
            </button>
            <fieldset class="shared-items">
                <legend>{ say(language, Say::SharedTitle) }</legend>
                { for shared }
            </fieldset>
            <div class="kiosk-actions">
                <BackButton />
                <button type="button" class="big primary" id="kiosk-done" onclick={next}>
                    { say(language, Say::Next) }
                </button>
            </div>
        </div>
    }
}

/// The sharper question for an item at this event: which address is meant, which day.
fn question(key: &str, event: LifeEvent) -> Option<Say> {
    let moving_in = matches!(
        event,
        LifeEvent::Tennyu | LifeEvent::TennyuAbroad | LifeEvent::Tenkyo
    );
    let moving_out = matches!(event, LifeEvent::Tenshutsu | LifeEvent::TenshutsuAbroad);
    let moving = moving_in || moving_out;
    match key {
        "household.address" if moving_in => Some(Say::NewAddress),
        "household.address" => Some(Say::CurrentAddress),
        "visit.previous_address" if moving => Some(Say::PreviousAddress),
        "visit.previous_address" => Some(Say::PreviousAddressIfMoved),
        "visit.destination_address" => Some(Say::DestinationAddress),
        // 異動日: the day of what is notified, named for the event.
        "visit.moved_on" if moving_out => Some(Say::MovingOn),
        "visit.moved_on" if moving_in => Some(Say::MovedOn),
        "visit.moved_on" if event == LifeEvent::Birth => Some(Say::BornOn),
        "visit.moved_on" if event == LifeEvent::Kokuho => Some(Say::InsuranceChangedOn),
        "visit.moved_on" => Some(Say::EventOn),
        "visit.planned_move_out_on" => Some(Say::MovingOn),
        _ => None,
    }
}
