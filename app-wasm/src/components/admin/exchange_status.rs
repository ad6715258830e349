use gloo_timers::callback::Interval;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, ExportState, ImportState};
use crate::i18n::{Text, ja};

/// The exchange with the core system, for administrators: the 住基 import (last file, rows,
/// rows set aside with file, line, column and reason, lag against the 5-minute promise,
/// refused files) and the export queue
/// (waiting / sent / taken in / sent back, the last batch, retries). Polls every 5 s.
#[component(ExchangeStatus)]
pub fn exchange_status() -> Html {
    let import = use_state(|| None::<Result<ImportState, api::ApiError>>);
    let export = use_state(|| None::<Result<ExportState, api::ApiError>>);
    {
        let (import, export) = (import.clone(), export.clone());
        use_effect_with((), move |_| {
            let poll = move || {
                let (import, export) = (import.clone(), export.clone());
                spawn_local(async move {
                    import.set(Some(api::import_state().await));
                    export.set(Some(api::export_state().await));
                });
            };
            poll();
            let interval = Interval::new(5_000, poll);
            move || drop(interval)
        });
    }
    let errors = |errors: &[String]| {
        if errors.is_empty() {
            html! { <dd>{ ja(Text::AdminNone) }</dd> }
        } else {
            html! {
                <dd><ul class="admin-errors">
                    { for errors.iter().rev().map(|e| html! { <li>{ e }</li> }) }
                </ul></dd>
            }
        }
    };
    let retried = use_state(|| false);
    let retry = {
        let (export, retried) = (export.clone(), retried.clone());
        Callback::from(move |_: MouseEvent| {
            let (export, retried) = (export.clone(), retried.clone());
            spawn_local(async move {
                retried.set(api::export_retry().await.is_ok());
                export.set(Some(api::export_state().await));
            });
        })
    };
    let form_title = |id: &str| {
        crate::city::catalog()
            .catalog
            .form(id)
            .map(|f| f.title.ja.clone())
            .unwrap_or_else(|_| id.to_owned())
    };
    let rejected = |list: &[api::RejectedRecord]| {
        if list.is_empty() {
            return html! {};
        }
        html! {
            <>
                <h3>{ ja(Text::AdminRejectedTitle) }</h3>
                <table class="admin-rejected" id="admin-rejected">
                    <thead><tr>
                        <th scope="col">{ ja(Text::AdminRejectedVisit) }</th>
                        <th scope="col">{ ja(Text::AdminRejectedForm) }</th>
                        <th scope="col">{ ja(Text::AdminRejectedReason) }</th>
                    </tr></thead>
                    <tbody>
                        { for list.iter().map(|r| html! {
                            <tr>
                                <td>{ match (&r.day, r.reception_number) {
                                    (Some(day), Some(n)) => format!("{day} 受付{n}"),
                                    _ => r.record.clone(),
                                } }</td>
                                <td>{ form_title(&r.form) }</td>
                                <td>{ r.reason.clone().unwrap_or_else(|| "—".into()) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        }
    };
    let quarantine = |rows: &[api::QuarantinedRow]| {
        if rows.is_empty() {
            return html! {};
        }
        html! {
            <>
                <h3>{ ja(Text::AdminQuarantineTitle) }</h3>
                <p class="hint">{ ja(Text::AdminQuarantineHint) }</p>
                <table class="admin-quarantine" id="admin-quarantine">
                    <thead><tr>
                        <th scope="col">{ ja(Text::AdminQuarantineFile) }</th>
                        <th scope="col">{ ja(Text::AdminQuarantineLine) }</th>
                        <th scope="col">{ ja(Text::AdminQuarantineColumn) }</th>
                        <th scope="col">{ ja(Text::AdminQuarantineReason) }</th>
                    </tr></thead>
                    <tbody>
                        { for rows.iter().map(|q| html! {
                            <tr>
                                <td>{ q.file.rsplit('/').next().unwrap_or(&q.file) }</td>
                                <td>{ q.line }</td>
                                <td>{ if q.column.is_empty() { "—" } else { q.column.as_str() } }</td>
                                <td>{ &q.reason }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
            </>
        }
    };
    let unavailable = |e: &api::ApiError| match e {
        api::ApiError::NotFound => html! { <p>{ "—" }</p> },
        _ => html! { <p role="alert">{ ja(Text::AdminUnreachable) }</p> },
    };
    let import_view = match &*import {
        Some(Ok(s)) => html! {
            <>
            <dl id="admin-import">
                <dt>{ ja(Text::AdminImportLastFile) }</dt>
                <dd id="admin-import-file">{ s.last_file.clone().unwrap_or_else(|| "—".into()) }</dd>
                <dt>{ ja(Text::AdminImportRows) }</dt>
                <dd id="admin-import-rows">{ s.last_rows.map(|n| n.to_string()).unwrap_or_else(|| "—".into()) }</dd>
                <dt>{ ja(Text::AdminImportSetAside) }</dt>
                <dd id="admin-import-set-aside" class={classes!(s.last_quarantined.is_some_and(|n| n > 0).then_some("bad"))}>
                    { s.last_quarantined.map(|n| n.to_string()).unwrap_or_else(|| "—".into()) }
                </dd>
                <dt>{ ja(Text::AdminImportLag) }</dt>
                <dd class={classes!(s.behind_promise.then_some("bad"))}>
                    { s.lag_secs.map(|n| format!("{n} 秒")).unwrap_or_else(|| "—".into()) }
                    { for s.behind_promise.then(|| html! { <strong>{ format!(" ({})", ja(Text::AdminImportBehind)) }</strong> }) }
                </dd>
                <dt>{ ja(Text::AdminErrors) }</dt>
                { errors(&s.errors) }
            </dl>
            { quarantine(&s.quarantine) }
            </>
        },
        Some(Err(e)) => unavailable(e),
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    let export_view = match &*export {
        Some(Ok(s)) => html! {
            <>
                <table class="admin-counts" id="admin-export">
                    <thead><tr>
                        <th scope="col">{ ja(Text::AdminExportPending) }</th>
                        <th scope="col">{ ja(Text::AdminExportSent) }</th>
                        <th scope="col">{ ja(Text::AdminExportAccepted) }</th>
                        <th scope="col">{ ja(Text::AdminExportRejected) }</th>
                    </tr></thead>
                    <tbody><tr>
                        <td id="admin-export-pending">{ s.counts.pending }</td>
                        <td id="admin-export-sent">{ s.counts.sent }</td>
                        <td id="admin-export-accepted">{ s.counts.accepted }</td>
                        <td id="admin-export-rejected">{ s.counts.rejected }</td>
                    </tr></tbody>
                </table>
                <dl>
                    <dt>{ ja(Text::AdminExportLastBatch) }</dt>
                    <dd>{ s.last_batch.clone().unwrap_or_else(|| "—".into()) }</dd>
                    { for (s.failures > 0).then(|| html! {
                        <><dt>{ ja(Text::AdminExportRetrying).replace("{n}", &s.failures.to_string()) }</dt><dd></dd></>
                    }) }
                    <dt>{ ja(Text::AdminErrors) }</dt>
                    { errors(&s.errors) }
                </dl>
                <p>
                    <button type="button" id="admin-export-retry" onclick={retry}>
                        { ja(Text::AdminExportRetryNow) }
                    </button>
                    { for retried.then(|| html! {
                        <span role="status" id="admin-export-retried">{ format!(" {}", ja(Text::AdminExportRetryAsked)) }</span>
                    }) }
                </p>
                { rejected(&s.rejected) }
            </>
        },
        Some(Err(e)) => unavailable(e),
        None => html! { <p>{ ja(Text::Loading) }</p> },
    };
    html! {
        <>
            <h2>{ ja(Text::AdminImportTitle) }</h2>
            { import_view }
            <h2>{ ja(Text::AdminExportTitle) }</h2>
            { export_view }
        </>
    }
}
