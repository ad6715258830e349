use gloo_timers::callback::Interval;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, TerminalStatus};
use crate::i18n::{Text, ja};

/// Every counter terminal and kiosk, for administrators: online or not, last heard from,
/// unsent changes (and how many it brought back when it last reconnected), persistent
/// storage, app version; a kiosk tablet can be taken out of service (利用停止). Polls every
/// 3 s.
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
    let revoked = use_state(Vec::<String>::new);
    let revoke = {
        let revoked = revoked.clone();
        Callback::from(move |kiosk: String| {
            let asked = web_sys::window()
                .and_then(|w| {
                    w.confirm_with_message(
                        &ja(Text::AdminKioskRevokeConfirm).replace("{id}", &kiosk),
                    )
                    .ok()
                })
                .unwrap_or(false);
            if !asked {
                return;
            }
            let revoked = revoked.clone();
            spawn_local(async move {
                if api::revoke_kiosk(&kiosk).await.is_ok() {
                    let mut list = (*revoked).clone();
                    list.push(kiosk);
                    revoked.set(list);
                }
            });
        })
    };
    let now = js_sys::Date::now() as i64;
    let body = match &*list {
        Some(Ok(terminals)) => html! {
            <>
            if terminals.iter().any(|t| t.persisted == Some(false)) {
                <p class="storage-note" id="storage-note" role="note">
                    { ja(Text::AdminStorageNotPersistedNote) }
                </p>
            }
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
                    <th scope="col"><span class="visually-hidden">{ ja(Text::AdminKioskRevoke) }</span></th>
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
                                <td>{ ago(now - t.last_seen) }</td>
                                <td class="terminal-pending">{ t.pending }</td>
                                <td class="terminal-resumed">{ t.resumed_with.map(|n| n.to_string()).unwrap_or_else(|| "—".into()) }</td>
                                <td class={classes!("terminal-persisted", (t.persisted == Some(false)).then_some("bad"))}>
                                    { match t.persisted { Some(true) => "はい", Some(false) => ja(Text::AdminStorageNotPersisted), None => "—" } }
                                </td>
                                <td>{ &t.version }</td>
                                <td>{ match t.who.strip_prefix("kiosk:") {
                                    Some(kiosk) if revoked.contains(&kiosk.to_owned()) => html! {
                                        <span class="kiosk-revoked" role="status">{ ja(Text::AdminKioskRevoked) }</span>
                                    },
                                    Some(kiosk) => {
                                        let (revoke, kiosk) = (revoke.clone(), kiosk.to_owned());
                                        let label = format!("{} ({kiosk})", ja(Text::AdminKioskRevoke));
                                        html! {
                                            <button type="button" class="kiosk-revoke" aria-label={label}
                                                onclick={move |_| revoke.emit(kiosk.clone())}>
                                                { ja(Text::AdminKioskRevoke) }
                                            </button>
                                        }
                                    }
                                    None => html! {},
                                } }</td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            </>
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

/// How long ago, in the unit a person reads at a glance: 秒, 分, 時間, 日.
fn ago(ms: i64) -> String {
    let secs = (ms / 1000).max(0);
    match secs {
        0..60 => format!("{secs} 秒前"),
        60..3_600 => format!("{} 分前", secs / 60),
        3_600..86_400 => format!("{} 時間前", secs / 3_600),
        _ => format!("{} 日前", secs / 86_400),
    }
}

#[cfg(test)]
mod tests {
    use super::ago;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn last_seen_reads_in_the_nearest_unit() {
        assert_eq!(ago(-5), "0 秒前");
        assert_eq!(ago(59_999), "59 秒前");
        assert_eq!(ago(60_000), "1 分前");
        assert_eq!(ago(7_200_000), "2 時間前");
        assert_eq!(ago(3 * 86_400_000), "3 日前");
    }
}
