use shared_model::navi::EVENT_GROUPS;
use yew::prelude::*;

use super::{KioskAction, KioskContext, use_language};
use crate::i18n::kiosk::{Say, say, show};

/// The life events, by group (引っ越し, 出生, 結婚・離婚, …), as large buttons.
#[component(EventChoice)]
pub fn event_choice() -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let language = use_language();
    let buttons = EVENT_GROUPS.iter().enumerate().map(|(i, group)| {
        let kiosk = kiosk.clone();
        let onclick = Callback::from(move |_| kiosk.dispatch(KioskAction::Group(i)));
        html! {
            <li>
                <button type="button" class="big choice" id={format!("kiosk-event-{}", group.id)} {onclick}>
                    { show(group.name.get(language), &[]) }
                </button>
            </li>
        }
    });
    html! {
        <div class="kiosk-step">
            <h2 id="kiosk-event-title" class="step-title" tabindex="-1">{ say(language, Say::WhatBringsYou) }</h2>
            <ul class="choice-list" aria-labelledby="kiosk-event-title">{ for buttons }</ul>
            <BackButton />
        </div>
    }
}

/// Properties of [`EventInGroup`].
#[derive(Properties, PartialEq)]
pub struct EventInGroupProps {
    /// The index of the group in [`EVENT_GROUPS`].
    pub group: usize,
}

/// The events of one group (市外から / 国外から / 市内で / 市外へ / 国外へ).
#[component(EventInGroup)]
pub fn event_in_group(props: &EventInGroupProps) -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let language = use_language();
    let Some(group) = EVENT_GROUPS.get(props.group) else {
        return html! {};
    };
    let buttons = group.events.iter().map(|&event| {
        let kiosk = kiosk.clone();
        let onclick = Callback::from(move |_| kiosk.dispatch(KioskAction::Event(event)));
        html! {
            <li>
                <button type="button" class="big choice" id={format!("kiosk-event-{}", event.as_str())} {onclick}>
                    { show(event.words().get(language), &[]) }
                </button>
            </li>
        }
    });
    html! {
        <div class="kiosk-step">
            <h2 id="kiosk-event-title" class="step-title" tabindex="-1">{ say(language, Say::WhichMove) }</h2>
            <ul class="choice-list" aria-labelledby="kiosk-event-title">{ for buttons }</ul>
            <BackButton />
        </div>
    }
}

/// One screen back.
#[component(BackButton)]
pub fn back_button() -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let language = use_language();
    let onclick = Callback::from(move |_| kiosk.dispatch(KioskAction::Back));
    html! {
        <button type="button" class="big back" id="kiosk-back" {onclick}>{ say(language, Say::Back) }</button>
    }
}
