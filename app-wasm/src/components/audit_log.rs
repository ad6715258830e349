use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, AuditEntry};
use crate::i18n::{Text, ja};

/// The audit log for administrators: newest first, searchable by staff, terminal, action or
/// detail.
#[component(AuditLog)]
pub fn audit_log() -> Html {
    let query = use_node_ref();
    let entries = use_state(|| None::<Result<Vec<AuditEntry>, api::ApiError>>);
    let search = {
        let entries = entries.clone();
        Callback::from(move |q: String| {
            let entries = entries.clone();
            spawn_local(async move { entries.set(Some(api::audit(&q).await)) });
        })
    };
    {
        let search = search.clone();
        use_effect_with((), move |_| search.emit(String::new()));
    }
    let onsubmit = {
        let (query, search) = (query.clone(), search.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let q = query
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            search.emit(q.trim().to_owned());
        })
    };
    let rows = match &*entries {
        Some(Ok(list)) => html! {
            <table class="audit" id="audit-table">
                <thead><tr>
                    <th scope="col">{ ja(Text::AdminAuditWhen) }</th>
                    <th scope="col">{ ja(Text::AdminAuditWho) }</th>
                    <th scope="col">{ ja(Text::AdminAuditTerminal) }</th>
                    <th scope="col">{ ja(Text::AdminAuditWhat) }</th>
                    <th scope="col">{ ja(Text::AdminAuditDetail) }</th>
                </tr></thead>
                <tbody>
                    { for list.iter().map(|e| html! {
                        <tr>
                            <td>{ timestamp(e.at) }</td>
                            <td>{ &e.login }</td>
                            <td>{ if e.terminal.is_empty() { "—" } else { e.terminal.as_str() } }</td>
                            <td>{ &e.action }</td>
                            <td>{ &e.detail }</td>
                        </tr>
                    }) }
                </tbody>
            </table>
        },
        Some(Err(_)) => html! { <p role="alert">{ ja(Text::AdminUnreachable) }</p> },
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    html! {
        <>
            <h2>{ ja(Text::AdminAuditTitle) }</h2>
            <form class="audit-search" {onsubmit}>
                <label for="audit-query">{ ja(Text::AdminAuditSearch) }</label>
                <input id="audit-query" ref={query} type="search" />
                <button type="submit" id="audit-submit">{ ja(Text::LookupButton) }</button>
            </form>
            { rows }
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
