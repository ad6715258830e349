//! The counter's queue panel (呼出): this 窓口's number is chosen once per terminal; the
//! counter calls the next number ([`CALL_NEXT_KEY`], or the button), a chosen one (typed, or
//! the button on its row), calls again, marks 不在, or finishes. The 課's queue is read every
//! [`POLL_MS`] and after each action; it lists numbers and 窓口 only.

use shared_model::catalog::Department;
use shared_model::queue::{self, DepartmentQueue, Stop, TicketState};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError, QueueAction};
use crate::context::AppContext;
use crate::i18n::{Text, ja};

/// How often the 課's queue is read, ms.
pub const POLL_MS: u32 = 3_000;

/// The shortcut that calls the next number (see `hooks::SHORTCUTS`).
pub const CALL_NEXT_KEY: &str = "Alt+Q";

const COUNTER_KEY: &str = "madoguchi.queue.counter";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

/// The 窓口 this terminal serves at `department`: the one chosen earlier on this terminal,
/// else the 課's first.
fn remembered_counter(department: Department) -> u8 {
    let counters = queue::counters(crate::city::catalog().catalog);
    storage()
        .and_then(|s| s.get_item(COUNTER_KEY).ok().flatten())
        .and_then(|v| v.parse::<u8>().ok())
        .filter(|c| counters.contains(&Stop::new(department, *c)))
        .unwrap_or_else(|| queue::first_counter(crate::city::catalog().catalog, department))
}

/// The queue panel of the counter's start screen.
#[component(QueuePanel)]
pub fn queue_panel() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let department = app
        .staff
        .as_ref()
        .and_then(|s| Department::from_name(&s.department))
        .unwrap_or(Department::Shimin);
    let counter = use_state(|| remembered_counter(department));
    let queue = use_state(|| None::<DepartmentQueue>);
    let said = use_state(String::new);
    let refresh = {
        let queue = queue.clone();
        Callback::from(move |()| {
            let queue = queue.clone();
            spawn_local(async move {
                if let Ok(fresh) = api::department_queue().await {
                    queue.set(Some(fresh));
                }
            });
        })
    };
    {
        let refresh = refresh.clone();
        use_effect_with(app.sync.online, move |_| {
            refresh.emit(());
            let interval = gloo_timers::callback::Interval::new(POLL_MS, move || refresh.emit(()));
            move || drop(interval)
        });
    }
    let act = {
        let (counter, said, refresh) = (counter.clone(), said.clone(), refresh.clone());
        Callback::from(move |action: QueueAction| {
            let (counter, said, refresh) = (*counter, said.clone(), refresh.clone());
            spawn_local(async move {
                let text = match api::queue_act(counter, action).await {
                    Ok(ticket) => match action {
                        QueueAction::Absent => {
                            format!("{}: {}", ticket.number, ja(Text::QueueAbsent))
                        }
                        QueueAction::Done => format!("{}: {}", ticket.number, ja(Text::QueueDone)),
                        _ => ja(Text::QueueServing).replace("{n}", &ticket.number.to_string()),
                    },
                    Err(ApiError::NotFound) => ja(match action {
                        QueueAction::Call(None) => Text::QueueNobodyWaiting,
                        QueueAction::Call(Some(_)) => Text::QueueNotWaiting,
                        _ => Text::QueueServingNone,
                    })
                    .to_owned(),
                    Err(ApiError::Unreachable) => ja(Text::CounterListOffline).to_owned(),
                    Err(e) => e.to_string(),
                };
                said.set(text);
                refresh.emit(());
            });
        })
    };
    let choose_counter = {
        let counter = counter.clone();
        Callback::from(move |e: Event| {
            let value = e
                .target_dyn_into::<web_sys::HtmlSelectElement>()
                .map(|s| s.value())
                .unwrap_or_default();
            if let Ok(c) = value.parse::<u8>() {
                if let Some(s) = storage() {
                    let _ = s.set_item(COUNTER_KEY, &c.to_string());
                }
                counter.set(c);
            }
        })
    };
    let number_ref = use_node_ref();
    let call_number = {
        let (act, number_ref) = (act.clone(), number_ref.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = number_ref.cast::<web_sys::HtmlInputElement>() else {
                return;
            };
            if let Ok(n) = shared_model::validate::read_reception_number(&input.value()) {
                input.set_value("");
                act.emit(QueueAction::Call(Some(n)));
            }
        })
    };

    let counters: Vec<u8> = queue::counters(crate::city::catalog().catalog)
        .into_iter()
        .filter(|s| s.department == department)
        .map(|s| s.counter)
        .collect();
    let options = counters.iter().map(|c| {
        html! {
            <option value={c.to_string()} selected={*c == *counter}>
                { ja(Text::QueueCounterName).replace("{n}", &c.to_string()) }
            </option>
        }
    });
    let tickets = queue
        .as_ref()
        .map(|q| q.tickets.clone())
        .unwrap_or_default();
    let serving = tickets
        .iter()
        .filter(|t| t.state == TicketState::Called && t.ticket.stop.counter == *counter)
        .max_by_key(|t| t.ticket.call_seq);
    let serving_line = match serving {
        Some(t) => html! {
            <p class="queue-serving" id="queue-serving" data-number={t.ticket.number.to_string()}>
                { ja(Text::QueueServing).replace("{n}", &t.ticket.number.to_string()) }
                { " " }
                <a href={format!("#/counter/{}", t.ticket.visit_id)} id="queue-open">{ ja(Text::QueueOpenVisit) }</a>
            </p>
        },
        None => html! {
            <p class="queue-serving" id="queue-serving">{ ja(Text::QueueServingNone) }</p>
        },
    };
    let rows = tickets.iter().map(|t| {
        let state = match t.state {
            TicketState::Waiting => Text::QueueStateWaiting,
            TicketState::Called => Text::QueueStateCalled,
            _ => Text::QueueStateAbsent,
        };
        let number = t.ticket.number;
        let button = matches!(t.state, TicketState::Waiting | TicketState::Absent).then(|| {
            let act = act.clone();
            let onclick = Callback::from(move |_| act.emit(QueueAction::Call(Some(number))));
            html! {
                <button type="button" class="queue-call-this" {onclick}>
                    { ja(Text::QueueCallThis).replace("{n}", &number.to_string()) }
                </button>
            }
        });
        html! {
            <tr key={format!("{}-{}", t.ticket.visit_id, t.ticket.joined_at)}
                data-number={number.to_string()} data-state={t.state.as_str()}>
                <th scope="row">{ number }</th>
                <td>{ ja(Text::QueueCounterName).replace("{n}", &t.ticket.stop.counter.to_string()) }</td>
                <td>{ ja(state) }</td>
                <td>{ for button }</td>
            </tr>
        }
    });
    let waits = queue
        .as_ref()
        .map(|q| q.waits.clone())
        .unwrap_or_default()
        .into_iter()
        .map(|w| {
            let minutes = match w.minutes {
                Some(m) => ja(Text::QueueWaitMinutes).replace("{n}", &m.to_string()),
                None => ja(Text::QueueWaitUnknown).to_owned(),
            };
            html! {
                <li key={w.stop.counter}>
                    { format!(
                        "{} {} {}",
                        ja(Text::QueueCounterName).replace("{n}", &w.stop.counter.to_string()),
                        ja(Text::QueueWaiting).replace("{n}", &w.waiting.to_string()),
                        minutes,
                    ) }
                </li>
            }
        });
    let on = |action: QueueAction| {
        let act = act.clone();
        Callback::from(move |_| act.emit(action))
    };
    html! {
        <section class="queue-panel" id="queue-panel" aria-labelledby="queue-title">
            <h2 id="queue-title">{ ja(Text::QueueTitle) }</h2>
            <div class="queue-controls">
                <label for="queue-counter">{ ja(Text::QueueCounterLabel) }</label>
                <select id="queue-counter" onchange={choose_counter}>{ for options }</select>
                <button type="button" class="primary" id="queue-call-next"
                        aria-keyshortcuts="Alt+Q" onclick={on(QueueAction::Call(None))}>
                    { ja(Text::QueueCallNext) }
                    { " " }<kbd>{ CALL_NEXT_KEY }</kbd>
                </button>
                <button type="button" id="queue-recall" onclick={on(QueueAction::Recall)}>{ ja(Text::QueueRecall) }</button>
                <button type="button" id="queue-absent" onclick={on(QueueAction::Absent)}>{ ja(Text::QueueAbsent) }</button>
                <button type="button" id="queue-done" onclick={on(QueueAction::Done)}>{ ja(Text::QueueDone) }</button>
                <form class="queue-call-number" onsubmit={call_number}>
                    <label for="queue-number">{ ja(Text::QueueCallNumber) }</label>
                    <input id="queue-number" ref={number_ref} inputmode="numeric" autocomplete="off" size="5" />
                    <button type="submit" id="queue-call-number">{ ja(Text::QueueCallNumber) }</button>
                </form>
            </div>
            { serving_line }
            <p class="queue-said" id="queue-said" role="status">{ (*said).clone() }</p>
            <ul class="queue-waits" id="queue-waits">{ for waits }</ul>
            if tickets.is_empty() {
                <p id="queue-list" class="none">{ ja(Text::QueueNobodyWaiting) }</p>
            } else {
                <table class="queue-list" id="queue-list">
                    <thead><tr>
                        <th scope="col">{ ja(Text::QueueColumnNumber) }</th>
                        <th scope="col">{ ja(Text::QueueColumnCounter) }</th>
                        <th scope="col">{ ja(Text::QueueColumnState) }</th>
                        <th scope="col">{ ja(Text::QueueColumnAction) }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}
