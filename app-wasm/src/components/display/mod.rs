//! The waiting-room display (`#/display`): a TV in the hall that shows the numbers being
//! called with their 窓口番号 in large type, chimes and reads each new call aloud (Japanese,
//! then English), and shows the estimated wait at each 窓口. It shows numbers only — the
//! board the server sends has no names — and needs no sign-in beyond its display token
//! (enrolled once; a cookie from then on).
//!
//! It polls the board every [`POLL_MS`]: a poll needs nothing kept on either side, so after
//! a server restart or a network cut the next poll simply succeeds again, with nobody there
//! to reload the page.

mod sound;

use shared_model::queue::{Board, CallShown, WaitEstimate};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::i18n::{Text, en, ja};

/// How often the board is read, ms.
pub const POLL_MS: u32 = 1_000;

/// Where the page is.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    /// The first read has not answered yet.
    Loading,
    /// Not an enrolled display: the token is asked for (`true` after a refusal).
    Enroll(bool),
    /// The board is live.
    Live,
    /// The server cannot be reached (the last board stays shown).
    Offline,
}

fn fill(text: Text, lang: fn(Text) -> &'static str, n: u32, c: u8) -> String {
    lang(text)
        .replace("{n}", &n.to_string())
        .replace("{c}", &c.to_string())
}

/// The waiting-room display page.
#[component(DisplayPage)]
pub fn display_page() -> Html {
    let board = use_state(|| None::<Board>);
    let status = use_state(|| Status::Loading);
    let sound_on = use_state(|| false);
    // The sequence of the latest call announced (`None` before the first board: calls
    // already on it when the page opens are shown, not announced again).
    let announced = use_mut_ref(|| None::<i64>);
    let enrolled = use_state(|| 0u32);
    {
        let (board, status) = (board.clone(), status.clone());
        use_effect_with(*enrolled, move |_| {
            // Refused (not enrolled, or revoked), the display stops asking until it is
            // enrolled again: a revoked TV does not knock every second.
            let stopped = std::rc::Rc::new(std::cell::Cell::new(false));
            let read = move || {
                if stopped.get() {
                    return;
                }
                let (board, status, announced, stopped) = (
                    board.clone(),
                    status.clone(),
                    announced.clone(),
                    stopped.clone(),
                );
                spawn_local(async move {
                    match api::board().await {
                        Ok(fresh) => {
                            let latest = fresh.calls.iter().map(|c| c.seq).max();
                            let before = *announced.borrow();
                            let mut new: Vec<&CallShown> = match before {
                                None => Vec::new(),
                                Some(seen) => fresh.calls.iter().filter(|c| c.seq > seen).collect(),
                            };
                            new.sort_by_key(|c| c.seq);
                            for call in new {
                                sound::chime();
                                sound::speak(
                                    &fill(Text::DisplaySpeech, ja, call.number, call.stop.counter),
                                    "ja-JP",
                                );
                                sound::speak(
                                    &fill(Text::DisplaySpeech, en, call.number, call.stop.counter),
                                    "en-US",
                                );
                            }
                            *announced.borrow_mut() = Some(latest.max(before).unwrap_or(0));
                            board.set(Some(fresh));
                            status.set(Status::Live);
                        }
                        Err(ApiError::Unauthorized) => {
                            stopped.set(true);
                            status.set(Status::Enroll(false));
                        }
                        Err(_) => status.set(Status::Offline),
                    }
                });
            };
            read();
            let interval = gloo_timers::callback::Interval::new(POLL_MS, read);
            move || drop(interval)
        });
    }

    let token = use_node_ref();
    let enroll = {
        let (token, status, enrolled) = (token.clone(), status.clone(), enrolled.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = token
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let (status, enrolled) = (status.clone(), enrolled.clone());
            spawn_local(async move {
                match api::enroll_display(value.trim()).await {
                    Ok(_) => {
                        status.set(Status::Loading);
                        enrolled.set(*enrolled + 1);
                    }
                    Err(_) => status.set(Status::Enroll(true)),
                }
            });
        })
    };
    let start_sound = {
        let sound_on = sound_on.clone();
        Callback::from(move |_| {
            sound::unlock();
            sound_on.set(true);
        })
    };

    let content = match &*status {
        Status::Enroll(refused) => html! {
            <form class="display-enroll" onsubmit={enroll}>
                <h2>{ ja(Text::DisplayEnrollTitle) }</h2>
                <p>{ ja(Text::DisplayEnrollHint) }</p>
                <div class="field">
                    <label for="display-token">{ ja(Text::DisplayEnrollToken) }</label>
                    <input id="display-token" ref={token} type="password" autocomplete="off" required=true />
                </div>
                <p class="finding error" role="alert" hidden={!*refused}>
                    { if *refused { ja(Text::DisplayEnrollRefused) } else { "" } }
                </p>
                <button type="submit" class="big primary" id="display-enroll">{ ja(Text::DisplayEnrollButton) }</button>
            </form>
        },
        _ => {
            let calls = board.as_ref().map(|b| b.calls.clone()).unwrap_or_default();
            let waits = board.as_ref().map(|b| b.waits.clone()).unwrap_or_default();
            html! {
                <>
                    <div class="display-bar">
                        <button type="button" id="display-sound" onclick={start_sound}
                                aria-pressed={if *sound_on { "true" } else { "false" }}>
                            { ja(if *sound_on { Text::DisplaySoundOn } else { Text::DisplaySoundStart }) }
                        </button>
                        <p class="display-offline" role="status" id="display-offline">
                            { if *status == Status::Offline { ja(Text::DisplayOffline) } else { "" } }
                        </p>
                    </div>
                    <Calls {calls} />
                    <Waits {waits} />
                </>
            }
        }
    };
    html! {
        <section class="display" aria-labelledby="display-title">
            <h1 id="display-title">
                { ja(Text::DisplayTitle) }
                <span class="en" lang="en">{ en(Text::DisplayTitle) }</span>
            </h1>
            { content }
        </section>
    }
}

/// Properties of [`Calls`].
#[derive(Properties, PartialEq)]
struct CallsProps {
    calls: Vec<CallShown>,
}

/// The numbers being called, the latest first and largest.
#[component(Calls)]
fn calls(props: &CallsProps) -> Html {
    if props.calls.is_empty() {
        return html! {
            <p class="display-none" id="display-calls">{ ja(Text::DisplayNoCalls) }</p>
        };
    }
    let rows = props.calls.iter().enumerate().map(|(i, c)| {
        let counter = c.stop.counter;
        html! {
            <li key={c.seq} class={classes!("display-call", (i == 0).then_some("latest"))}
                data-number={c.number.to_string()} data-counter={counter.to_string()}>
                <span class="number">
                    <span class="label">{ ja(Text::ReceptionNumber) }</span>
                    { c.number }
                </span>
                <span class="arrow" aria-hidden="true">{ "→" }</span>
                <span class="counter">
                    { ja(Text::DisplayGoTo).replace("{n}", &counter.to_string()) }
                    <span class="en" lang="en">{ en(Text::DisplayGoTo).replace("{n}", &counter.to_string()) }</span>
                    <span class="department">{ c.stop.department.ja() }</span>
                </span>
            </li>
        }
    });
    html! {
        // Said aloud by the display itself; the list is not a live region (it would be read
        // twice to someone with a screen reader in the hall).
        <ol class="display-calls" id="display-calls">{ for rows }</ol>
    }
}

/// Properties of [`Waits`].
#[derive(Properties, PartialEq)]
struct WaitsProps {
    waits: Vec<WaitEstimate>,
}

/// The estimated wait at each 窓口.
#[component(Waits)]
fn waits(props: &WaitsProps) -> Html {
    let rows = props.waits.iter().map(|w| {
        let minutes = match w.minutes {
            Some(m) => ja(Text::QueueWaitMinutes).replace("{n}", &m.to_string()),
            None => ja(Text::QueueWaitUnknown).to_owned(),
        };
        html! {
            <tr key={format!("{}-{}", w.stop.department.as_str(), w.stop.counter)}
                data-counter={w.stop.counter.to_string()}>
                <th scope="row">{ ja(Text::QueueCounterName).replace("{n}", &w.stop.counter.to_string()) }</th>
                <td>{ w.stop.department.ja() }</td>
                <td class="waiting">{ ja(Text::QueueWaiting).replace("{n}", &w.waiting.to_string()) }</td>
                <td class="minutes">{ minutes }</td>
            </tr>
        }
    });
    html! {
        <table class="display-waits" id="display-waits">
            <caption>{ ja(Text::QueueWaitsTitle) }</caption>
            <thead><tr>
                <th scope="col">{ ja(Text::QueueColumnCounter) }</th>
                <th scope="col">{ ja(Text::QueueColumnDepartment) }</th>
                <th scope="col">{ ja(Text::QueueStateWaiting) }</th>
                <th scope="col">{ ja(Text::QueueColumnEstimate) }</th>
            </tr></thead>
            <tbody>{ for rows }</tbody>
        </table>
    }
}
