//! [`QueueWait`]: the wait at each 窓口 now, shown on the kiosk before a citizen takes a
//! number (`GET /api/queue/wait`, read again every [`POLL_MS`]). Offline, or before the
//! first answer, it shows nothing rather than a stale wait.

use shared_model::queue::WaitEstimate;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::use_language;
use crate::api;
use crate::i18n::kiosk::{Say, say, say_with};

/// How often the wait is read, ms.
pub const POLL_MS: u32 = 30_000;

/// The current wait per 窓口 (those with someone waiting or a handling time today).
#[component(QueueWait)]
pub fn queue_wait() -> Html {
    let language = use_language();
    let waits = use_state(|| None::<Vec<WaitEstimate>>);
    {
        let waits = waits.clone();
        use_effect_with((), move |_| {
            let read = move || {
                let waits = waits.clone();
                spawn_local(async move {
                    match api::queue_wait().await {
                        Ok(fresh) => waits.set(Some(fresh)),
                        Err(_) => waits.set(None),
                    }
                });
            };
            read();
            let interval = gloo_timers::callback::Interval::new(POLL_MS, read);
            move || drop(interval)
        });
    }
    let Some(waits) = waits.as_ref() else {
        return html! {};
    };
    let rows = waits
        .iter()
        .filter(|w| w.waiting > 0 || w.median_ms.is_some())
        .map(|w| {
            let minutes = match w.minutes {
                Some(m) => say_with(language, Say::Minutes, &[("n", &m.to_string())]),
                None => say(language, Say::WaitUnknown),
            };
            let counter = w.stop.counter.to_string();
            html! {
                <li key={format!("{}-{}", w.stop.department.as_str(), w.stop.counter)}
                    data-counter={counter.clone()}>
                    <span class="place">
                        { crate::i18n::kiosk::department(language, w.stop.department) }{ " " }
                        { say_with(language, Say::CounterNumber, &[("n", &counter)]) }
                    </span>
                    <span class="waiting">{ say_with(language, Say::WaitingPeople, &[("n", &w.waiting.to_string())]) }</span>
                    <span class="minutes">{ minutes }</span>
                </li>
            }
        })
        .collect::<Vec<_>>();
    html! {
        <section class="queue-wait" id="queue-wait" aria-labelledby="queue-wait-title">
            <h2 id="queue-wait-title">{ say(language, Say::CurrentWait) }</h2>
            if rows.is_empty() {
                <p class="none">{ say(language, Say::NobodyWaiting) }</p>
            } else {
                <ul>{ for rows }</ul>
            }
        </section>
    }
}
