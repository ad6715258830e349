use gloo_timers::callback::Interval;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, TerminalStatus};
use crate::i18n::{Text, ja};

/// Every counter terminal and kiosk, for administrators: online or not, last heard from,
/// unsent changes (and how many it brought back when it last reconnected), persistent
/// storage, app version. Polls every 3 s.
#[component(TerminalList)]
pub fn terminal_list() -> Html {
    let list = use_state(|| None::<Result<Vec<TerminalStatus>, api::ApiError>>);
    {
        let list = list.clone();
        use_effect_with((), move |_| {
            let poll = move || {
                let list = list.clone();
                spawn_local(async move { list.set(Some(api::terminals().await)) });
            };
            poll();
            let interval = Interval::new(3_000, poll);
            move || drop(interval)
        });
    }
    let now = js_sys::Date::now() as i64;
    let body = match &*list {
        Some(Ok(terminals)) => html! {
            <table class="audit" id="terminal-table">
                <thead><tr>
                    <th scope="col">{ ja(Text::AdminTerminal) }</th>
                    <th scope="col">{ ja(Text::AdminAuditWho) }</th>
                    <th scope="col">{ ja(Text::AdminTerminalState) }</th>
                    <th scope="col">{ ja(Text::AdminTerminalSeen) }</th>
                    <th scope="col">{ ja(Text::AdminTerminalPending) }</th>
                    <th scope="col">{ ja(Text::AdminTerminalResumed) }</th>
                    <th scope="col">{ ja(Text::AdminStoragePersisted) }</th>
                    <th scope="col">{ ja(Text::AdminTerminalVersion) }</th>
                </tr></thead>
                <tbody>
                    { for terminals.iter().map(|t| {
                        let state = if t.online { ja(Text::AdminTerminalOnline) } else { ja(Text::AdminTerminalOffline) };
                        html! {
                            <tr data-terminal={t.terminal.clone()} data-who={t.who.clone()}
                                data-online={t.online.to_string()}>
                                <td>{ &t.terminal }</td>
                                <td>{ &t.who }</td>
                                <td class={classes!("terminal-state", (!t.online).then_some("bad"))}>{ state }</td>
                                <td>{ format!("{} 秒前", ((now - t.last_seen) / 1000).max(0)) }</td>
                                <td class="terminal-pending">{ t.pending }</td>
                                <td class="terminal-resumed">{ t.resumed_with.map(|n| n.to_string()).unwrap_or_else(|| "—".into()) }</td>
                                <td>{ match t.persisted { Some(true) => "はい", Some(false) => "いいえ", None => "—" } }</td>
                                <td>{ &t.version }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        },
        Some(Err(_)) => html! { <p role="alert">{ ja(Text::AdminUnreachable) }</p> },
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    html! {
        <>
            <h2>{ ja(Text::AdminTerminalsTitle) }</h2>
            { body }
        </>
    }
}
