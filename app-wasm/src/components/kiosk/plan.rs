use yew::prelude::*;

use super::event_choice::BackButton;
use super::queue_wait::QueueWait;
use super::{KioskContext, Step, use_language};
use crate::i18n::kiosk::{Say, label, official, say, say_with};

/// Properties of [`PlanView`].
#[derive(Properties, PartialEq)]
pub struct PlanViewProps {
    /// Take a number (or go on with the number taken).
    pub on_take: Callback<()>,
    /// The kiosk cannot reach the server now (a number still comes from its reserved block).
    pub offline: bool,
}

/// The navi's answer for the citizen: the counters in the order to visit them, each with its
/// procedures (official Japanese beside the translation), deadline and what to bring.
#[component(PlanView)]
pub fn plan_view(props: &PlanViewProps) -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let language = use_language();
    let Some(answers) = kiosk.answers.as_ref() else {
        return html! {};
    };
    let navi = crate::city::catalog().navi;
    let plan = navi.plan(answers);
    let stops = navi.route(&plan);
    let items = stops.iter().enumerate().map(|(i, stop)| {
        let counter = stop.counter.to_string();
        let procedures = stop.procedures.iter().map(|p| {
            let deadline = p.deadline.as_ref().map(|d| html! {
                <p class="deadline"><span class="tag">{ say(language, Say::Deadline) }</span>{ label(language, d) }</p>
            });
            let bring = (!p.bring.is_empty()).then(|| {
                let things = p.bring.iter().map(|b| html! { <li>{ label(language, b) }</li> });
                html! {
                    <div class="bring">
                        <span class="tag">{ say(language, Say::Bring) }</span>
                        <ul>{ for things }</ul>
                    </div>
                }
            });
            html! {
                <li class="procedure" data-rule={p.rule.clone()}>
                    <h4>{ official(language, &p.title) }</h4>
                    <p class="reason">{ label(language, &p.reason) }</p>
                    { for deadline }
                    { for bring }
                </li>
            }
        });
        html! {
            <li class="stop" data-department={stop.department.as_str()} data-counter={counter.clone()}>
                <h3>
                    <span class="order" aria-hidden="true">{ i + 1 }</span>
                    { crate::i18n::kiosk::department(language, stop.department) }
                    { " " }
                    <span class="counter-number">{ say_with(language, Say::CounterNumber, &[("n", &counter)]) }</span>
                </h3>
                <ul class="procedures">{ for procedures }</ul>
            </li>
        }
    });
    let taking = kiosk.step == Step::TakingNumber;
    let take = {
        let on_take = props.on_take.clone();
        Callback::from(move |_| on_take.emit(()))
    };
    let body = if stops.is_empty() {
        html! { <p class="lead" id="kiosk-no-procedures">{ say(language, Say::NoProcedures) }</p> }
    } else {
        html! {
            <>
                <p class="lead">{ say(language, Say::PlanOrder) }</p>
                <ol class="route" id="kiosk-route">{ for items }</ol>
            </>
        }
    };
    html! {
        <div class="kiosk-step">
            <h2 class="step-title" tabindex="-1">{ say(language, Say::PlanTitle) }</h2>
            { body }
            <QueueWait />
            <p class="notice" role="status">
                { if props.offline { say(language, Say::Offline) } else { html! {} } }
            </p>
            <p class="finding error" role="alert" id="kiosk-number-failed">
                { if kiosk.number_failed { say(language, Say::Problem) } else { html! {} } }
            </p>
            <div class="kiosk-actions">
                <BackButton />
                <button type="button" class="big primary" id="kiosk-take-number" onclick={take} disabled={taking}>
                    { say(language, match (taking, kiosk.visit.is_some()) {
                        (true, _) => Say::TakingNumber,
                        // The number was taken already: on to the household again.
                        (false, true) => Say::Next,
                        (false, false) => Say::TakeNumber,
                    }) }
                </button>
            </div>
        </div>
    }
}
