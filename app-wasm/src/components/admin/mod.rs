mod audit_log;
mod day_statistics;
mod display_list;
mod exchange_status;
mod terminal_list;

use gloo_timers::callback::Interval;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use self::audit_log::AuditLog;
use self::day_statistics::DayStatistics;
use self::display_list::DisplayList;
use self::exchange_status::ExchangeStatus;
use self::terminal_list::TerminalList;
use super::sign_in::SignIn;
use crate::api::{self, Health};
use crate::context::AppContext;
use crate::i18n::{Text, ja};

/// The admins' page: the server's counters and this terminal's state for anyone; the
/// exchange with the core system and the audit log for administrators.
#[component(AdminPage)]
pub fn admin_page() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let health = use_state(|| None::<Result<Health, ()>>);
    let persisted = use_state(|| None::<bool>);
    {
        let health = health.clone();
        let persisted = persisted.clone();
        use_effect_with((), move |_| {
            let poll = move || {
                let health = health.clone();
                spawn_local(async move { health.set(Some(api::health().await.map_err(|_| ()))) });
            };
            poll();
            let interval = Interval::new(5_000, poll);
            spawn_local(async move {
                let storage = web_sys::window().map(|w| w.navigator().storage());
                if let Some(storage) = storage
                    && let Ok(promise) = storage.persisted()
                    && let Ok(value) = JsFuture::from(promise).await
                {
                    persisted.set(value.as_bool());
                }
            });
            move || drop(interval)
        });
    }
    let server = match &*health {
        Some(Ok(h)) => html! {
            <dl>
                <dt>{ ja(Text::AdminServer) }</dt><dd>{ format!("v{}", h.version) }</dd>
                <dt>{ ja(Text::AdminPeers) }</dt><dd id="admin-peers">{ h.sync.peers }</dd>
                <dt>{ ja(Text::AdminDocuments) }</dt><dd>{ h.sync.documents }</dd>
            </dl>
        },
        Some(Err(())) => html! { <p role="alert">{ ja(Text::AdminUnreachable) }</p> },
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    let yes_no = |v: Option<bool>| match v {
        Some(true) => "はい",
        Some(false) => "いいえ",
        None => "—",
    };
    let is_admin = app.staff.as_ref().is_some_and(|s| s.is_admin());
    let admin_only = if is_admin {
        html! { <><TerminalList /><DisplayList /><DayStatistics /><ExchangeStatus /><AuditLog /></> }
    } else {
        let sign_in = app.staff.is_none().then(|| html! { <SignIn /> });
        html! {
            <>
                <p class="hint" id="admin-only-hint">{ ja(Text::AdminOnlyHint) }</p>
                { for sign_in }
            </>
        }
    };
    html! {
        <section class="admin">
            <h1 id="admin-title" tabindex="-1">{ ja(Text::AdminTitle) }</h1>
            { server }
            <dl>
                <dt>{ ja(Text::AdminLocalPending) }</dt><dd>{ app.sync.pending }</dd>
                <dt>{ ja(Text::AdminStoragePersisted) }</dt><dd>{ yes_no(*persisted) }</dd>
                <dt>{ ja(Text::AdminLastCommit) }</dt>
                <dd>{ app.sync.last_commit_ms.map(|ms| format!("{ms:.0} ms")).unwrap_or_else(|| "—".into()) }</dd>
            </dl>
            { admin_only }
        </section>
    }
}
