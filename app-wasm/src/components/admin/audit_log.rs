use shared_model::audit_entry::{ACTIONS, action_ja};
use wasm_bindgen_futures::spawn_local;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::api::{self, AuditEntry, AuditFilter};
use crate::i18n::{Text, ja};

/// The audit log for administrators, newest first, in Japanese: filtered by day, staff,
/// terminal, action and visit (its 受付番号), searched by any text (「個人番号」 finds the
/// reveals), and saved as CSV with the same filter. Answers 「誰がこの人の情報を見たか」.
#[component(AuditLog)]
pub fn audit_log() -> Html {
    let filter = use_state(AuditFilter::default);
    let entries = use_state(|| None::<Result<Vec<AuditEntry>, api::ApiError>>);
    let search = {
        let entries = entries.clone();
        Callback::from(move |f: AuditFilter| {
            let entries = entries.clone();
            spawn_local(async move { entries.set(Some(api::audit(&f).await)) });
        })
    };
    {
        let search = search.clone();
        use_effect_with((), move |_| search.emit(AuditFilter::default()));
    }
    let day = use_node_ref();
    let login = use_node_ref();
    let terminal = use_node_ref();
    let action = use_node_ref();
    let visit = use_node_ref();
    let query = use_node_ref();
    let onsubmit = {
        let refs = (
            day.clone(),
            login.clone(),
            terminal.clone(),
            action.clone(),
            visit.clone(),
            query.clone(),
        );
        let (filter, search) = (filter.clone(), search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let text = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value().trim().to_owned())
                    .unwrap_or_default()
            };
            let f = AuditFilter {
                day: text(&refs.0),
                login: text(&refs.1),
                terminal: text(&refs.2),
                action: refs
                    .3
                    .cast::<HtmlSelectElement>()
                    .map(|s| s.value())
                    .unwrap_or_default(),
                visit: text(&refs.4),
                q: text(&refs.5),
            };
            filter.set(f.clone());
            search.emit(f);
        })
    };
    let rows = match &*entries {
        Some(Ok(list)) => html! {
            <>
                <p class="audit-count" id="audit-count" role="status">
                    { ja(Text::AdminAuditCount).replace("{n}", &list.len().to_string()) }
                </p>
                <table class="audit" id="audit-table">
                    <thead><tr>
                        <th scope="col">{ ja(Text::AdminAuditWhen) }</th>
                        <th scope="col">{ ja(Text::AdminAuditWho) }</th>
                        <th scope="col">{ ja(Text::AdminAuditTerminal) }</th>
                        <th scope="col">{ ja(Text::AdminAuditWhat) }</th>
                        <th scope="col">{ ja(Text::AdminAuditVisit) }</th>
                        <th scope="col">{ ja(Text::AdminAuditDetail) }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|e| html! {
                            <tr key={e.id} data-action={e.action.clone()}>
                                <td>{ timestamp(e.at) }</td>
                                <td>{ &e.login }</td>
                                <td>{ if e.terminal.is_empty() { "—" } else { e.terminal.as_str() } }</td>
                                <td title={e.action.clone()}>{ action_ja(&e.action) }</td>
                                <td class="visit">{ e.visit.clone().unwrap_or_default() }</td>
                                <td>{ &e.detail }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        },
        // A filter the server cannot read is named as such, never as the network.
        Some(Err(api::ApiError::Refused(message))) => {
            html! { <p role="alert" id="audit-refused" class="finding error">{ message.clone() }</p> }
        }
        Some(Err(_)) => html! { <p role="alert">{ ja(Text::AdminUnreachable) }</p> },
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    // The chosen act, set explicitly on the options (a select left to pick its own default
    // ended on the last option).
    let chosen_action = filter.action.clone();
    let actions = ACTIONS.iter().map(|(code, name)| {
        html! { <option value={*code} selected={chosen_action == *code}>{ *name }</option> }
    });
    let csv = format!("/api/audit.csv?{}", api::audit_query(&filter));
    html! {
        <>
            <h2>{ ja(Text::AdminAuditTitle) }</h2>
            <form class="audit-search" {onsubmit}>
                <label for="audit-day">{ ja(Text::AdminAuditDay) }</label>
                <input id="audit-day" ref={day} autocomplete="off" inputmode="numeric" />
                <label for="audit-login">{ ja(Text::AdminAuditWho) }</label>
                <input id="audit-login" ref={login} autocomplete="off" />
                <label for="audit-terminal">{ ja(Text::AdminAuditTerminal) }</label>
                <input id="audit-terminal" ref={terminal} autocomplete="off" />
                <label for="audit-action">{ ja(Text::AdminAuditWhat) }</label>
                <select id="audit-action" ref={action}>
                    <option value="" selected={chosen_action.is_empty()}>{ ja(Text::AdminAuditAnyAction) }</option>
                    { for actions }
                </select>
                <label for="audit-visit">{ ja(Text::AdminAuditVisit) }</label>
                <input id="audit-visit" ref={visit} autocomplete="off" />
                <label for="audit-query">{ ja(Text::AdminAuditSearch) }</label>
                <input id="audit-query" ref={query} type="search" />
                <button type="submit" id="audit-submit">{ ja(Text::LookupButton) }</button>
                <a href={csv} download="" id="audit-csv">{ ja(Text::AdminAuditCsv) }</a>
            </form>
            <div class="audit-results">{ rows }</div>
        </>
    }
}

/// `MM/DD HH:MM:SS` of a time in ms since the epoch, in the terminal's time zone.
fn timestamp(ms: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms as f64));
    format!(
        "{:02}/{:02} {:02}:{:02}:{:02}",
        date.get_month() + 1,
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
        date.get_seconds()
    )
}
