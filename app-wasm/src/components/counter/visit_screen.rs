use shared_model::calendar::tokyo_day;
use shared_model::catalog::{
    Catalog, Department, Field as CatalogField, FieldFinding, Form, Kind, Scope, check_value,
};
use shared_model::validate::{Code, Finding, Severity};
use std::collections::BTreeMap;

use shared_model::{Conflict, DocumentId, FormState, VisitChange};
use yew::prelude::*;

use super::card_reading::CardReading;
use super::count_input::CountInput;
use super::item_input::ItemInput;
use super::navi_panel::NaviPanel;
use super::resident_lookup::ResidentLookup;
use super::transfer_certificate::TransferCertificateReading;
use super::visit_actions::VisitActions;
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::VisitView;

/// Items every visit shows, before the navi has chosen any form.
const BASICS: [&str; 4] = [
    "person.name",
    "person.kana",
    "person.birth_date",
    "household.address",
];

/// Properties of [`VisitScreen`].
#[derive(Properties, PartialEq)]
pub struct VisitScreenProps {
    /// The visit.
    pub view: VisitView,
    /// Whether the server is reachable (a confirmation waits otherwise).
    pub online: bool,
    /// Whether the visit is at another 課, or closed: shown to look at and print only.
    #[prop_or_default]
    pub read_only: bool,
    /// Called with what happened when the visit leaves this counter (handed on, completed,
    /// cancelled), for the slip the counter shows.
    #[prop_or_default]
    pub on_done: Callback<String>,
}

fn dom_id(parts: &[&str]) -> String {
    parts.join("-").replace(['.', '_'], "-")
}

/// The canonical fields the forms of the visit need, each once, in paper order.
fn canonical_fields(catalog: &Catalog, forms: &[&Form]) -> Vec<CatalogField> {
    let mut out: Vec<CatalogField> = Vec::new();
    for key in BASICS {
        if let Some(item) = catalog.items.get(key) {
            out.push(item.as_field());
        }
    }
    for field in forms.iter().flat_map(|f| f.fields()) {
        if field.scope == Scope::Form {
            continue;
        }
        match out.iter_mut().find(|f| f.key == field.key) {
            Some(existing) => {
                existing.required |= field.required;
                // A form may allow only some of an item's choices (`only`): the screen offers
                // every choice one of the visit's forms allows, in the item's order; each form
                // refuses the others in its own findings.
                if existing.choices != field.choices
                    && let Some(item) = catalog.items.get(&field.key)
                {
                    let allowed = |id: &str| {
                        existing.choices.iter().any(|c| c.id == id)
                            || field.choices.iter().any(|c| c.id == id)
                    };
                    existing.choices = item
                        .choices
                        .iter()
                        .filter(|c| allowed(&c.id))
                        .cloned()
                        .collect();
                }
            }
            None => out.push(field.clone()),
        }
    }
    out
}

/// The counter's visit screen: navi, the canonical data entered once, then each chosen
/// form's own fields, with the domain core's findings inline.
#[component(VisitScreen)]
pub fn visit_screen(props: &VisitScreenProps) -> Html {
    let repo = use_repo();
    let view = &props.view;
    let online = props.online;
    let id = view.id;
    let catalog = crate::city::catalog().catalog;
    // What to bring follows what the forms say (an agent's 委任状, a child living apart).
    let navi = crate::city::catalog().navi;
    let plan = navi.for_visit(
        navi.visit_plan(view.answers.as_ref(), &view.choices),
        &shared_model::navi::VisitFact::of(&view.values),
    );
    let mut form_ids: Vec<&str> = Vec::new();
    for p in plan
        .iter()
        .filter(|p| view.choices.get(&p.rule).copied().unwrap_or(true))
    {
        for f in &p.forms {
            if !form_ids.contains(&f.as_str()) {
                form_ids.push(f);
            }
        }
    }
    // This counter's 課 first: its forms open, the other 課' folded below (stable order
    // within each).
    let app = use_context::<crate::context::AppContext>().expect("app context");
    let mine = app
        .staff
        .as_ref()
        .and_then(|s| Department::from_name(&s.department));
    let mut forms: Vec<&Form> = form_ids
        .iter()
        .filter_map(|f| catalog.form(f).ok())
        .collect();
    forms.sort_by_key(|f| mine.is_some_and(|d| d != f.department));
    // What a confirmed form holds is fixed (確認待ち and after): its own fields and every
    // canonical item it binds. A change goes through 訂正, which opens the form again.
    let fixed = |state: FormState| state == FormState::Requested || state.is_settled();
    let locked_forms: Vec<&str> = forms
        .iter()
        .filter(|f| {
            fixed(
                view.statuses
                    .get(&f.id)
                    .map(|s| s.state)
                    .unwrap_or(FormState::Draft),
            )
        })
        .map(|f| f.id.as_str())
        .collect();
    let locked_items: std::collections::BTreeSet<String> = forms
        .iter()
        .filter(|f| locked_forms.contains(&f.id.as_str()))
        .flat_map(|f| f.fields())
        .filter(|f| f.scope != Scope::Form)
        .map(|f| f.key.clone())
        .collect();
    // Forms asked to be confirmed (any state but 下書き): their 必須 notes show everywhere.
    let asked_forms: Vec<&str> = forms
        .iter()
        .filter(|f| {
            view.statuses
                .get(&f.id)
                .is_some_and(|s| s.state != FormState::Draft)
        })
        .map(|f| f.id.as_str())
        .collect();
    let asked_items: std::collections::BTreeSet<String> = forms
        .iter()
        .filter(|f| asked_forms.contains(&f.id.as_str()))
        .flat_map(|f| f.fields())
        .filter(|f| f.scope != Scope::Form)
        .map(|f| f.key.clone())
        .collect();
    let today = tokyo_day(js_sys::Date::now() as i64);
    let findings: Vec<FieldFinding> = forms
        .iter()
        .flat_map(|f| {
            catalog
                .validate(&f.id, &view.values, today)
                .unwrap_or_default()
        })
        .collect();

    // A 差戻し that names the person and the field it concerns is said at that field.
    let sent_back: Vec<(String, Option<usize>, String, Finding)> = view
        .statuses
        .iter()
        .filter(|(_, s)| s.state == FormState::Rejected)
        .filter_map(|(form, s)| {
            let (person, item) = s.concerns.clone()?;
            let reason = s.reason.clone().unwrap_or_default();
            let row = if item.starts_with("person.") {
                person.or(Some(0))
            } else {
                None
            };
            Some((
                item,
                row,
                form.clone(),
                Finding::error(
                    Code::SentBack,
                    format!("差戻し: {reason}"),
                    format!("Sent back: {reason}"),
                ),
            ))
        })
        .collect();
    let findings_for = |key: &str, person: Option<usize>, form: Option<&str>| -> Vec<Finding> {
        let mut out: Vec<Finding> = Vec::new();
        for (item, row, from, finding) in &sent_back {
            let same_form = form.is_none_or(|form| from == form);
            if item == key && *row == person && same_form && !out.contains(finding) {
                out.push(finding.clone());
            }
        }
        for f in &findings {
            let same_form = form.is_none_or(|form| f.form == form);
            if f.field == key && f.person == person && same_form && !out.contains(&f.finding) {
                out.push(f.finding.clone());
            }
        }
        out
    };
    // A value on screen is checked on its own too, so that what was typed is judged before
    // (and apart from) any form that asks for it.
    let item_findings =
        |field: &CatalogField, value: &str, person: Option<usize>| -> Vec<Finding> {
            let mut out = findings_for(&field.key, person, None);
            for f in check_value(field, value, today) {
                if !out.iter().any(|o| o.code == f.code) {
                    out.push(f);
                }
            }
            out
        };
    // Which document an item's value was read from, while it still holds it.
    let read_from = |key: &str, person: Option<usize>| {
        view.read_marks
            .iter()
            .find(|m| m.key == key && m.person == person)
            .map(|m| (m.path.mark(), m.document.label_ja()))
    };
    let conflict_for = |key: &str, person: Option<usize>, form: Option<&str>| -> Option<Conflict> {
        view.conflicts
            .iter()
            .find(|c| c.key == key && c.person == person && c.form.as_deref() == form)
            .cloned()
    };
    let item_change = |key: String, person: Option<usize>| {
        let repo = repo.clone();
        Callback::from(move |value: String| {
            repo.change(
                id,
                VisitChange::Item {
                    key: key.clone(),
                    person,
                    value,
                },
            )
        })
    };

    {
        // A form's state changing (確認待ち → 確認済み, or refused with its reason; 送信済み,
        // 基幹取込済み, 差戻し) is said once through the app's live region.
        let app = use_context::<crate::context::AppContext>().expect("app context");
        let seen = use_mut_ref(|| (None::<DocumentId>, BTreeMap::<String, FormState>::new()));
        let states: BTreeMap<String, (FormState, Option<String>)> = view
            .statuses
            .iter()
            .map(|(form, s)| (form.clone(), (s.state, s.reason.clone())))
            .collect();
        use_effect_with((id, states), move |(id, states)| {
            let mut seen = seen.borrow_mut();
            let same_visit = seen.0 == Some(*id);
            for (form, (state, reason)) in states {
                let before = seen.1.get(form).copied();
                if same_visit && before.is_some_and(|b| b != *state) {
                    let title = crate::city::catalog()
                        .catalog
                        .form(form)
                        .map(|f| f.title.ja.clone())
                        .unwrap_or_default();
                    let mut text = format!("{title}: {}", status_label(*state));
                    if let (Some(reason), FormState::Refused | FormState::Rejected) =
                        (reason, state)
                    {
                        text.push_str(&format!(" ({reason})"));
                    }
                    app.dispatch(crate::state::Action::Announce(text));
                }
            }
            *seen = (
                Some(*id),
                states.iter().map(|(f, (s, _))| (f.clone(), *s)).collect(),
            );
        });
    }
    let canonical = canonical_fields(catalog, &forms);
    let names = std::rc::Rc::new(view.actor_names.clone());
    // A shared item only one form of the visit asks for (児童手当's bank account) is shown
    // with that form, not among the items every form shares.
    let placed_with = |key: &str| -> Option<&str> {
        if BASICS.contains(&key) {
            return None;
        }
        let mut asking = forms.iter().filter(|f| f.fields().any(|x| x.key == key));
        match (asking.next(), asking.next()) {
            (Some(form), None) => Some(form.id.as_str()),
            _ => None,
        }
    };
    let shared_item = |field: &CatalogField| -> Html {
        let value = view
            .values
            .get("", &field.key, None)
            .unwrap_or_default()
            .to_owned();
        let read_only = locked_items.contains(&field.key);
        let asked = asked_items.contains(&field.key);
        html! {
            <ItemInput key={field.key.clone()} dom_id={dom_id(&["item", &field.key])} field={field.clone()}
                       findings={item_findings(field, &value, None)} {value} {read_only} {asked}
                       conflict={conflict_for(&field.key, None, None)} actor_names={names.clone()}
                       read_from={read_from(&field.key, None)}
                       on_change={item_change(field.key.clone(), None)} />
        }
    };
    let shared_inputs = canonical
        .iter()
        .filter(|f| f.scope != Scope::Person && placed_with(&f.key).is_none())
        .map(&shared_item);
    let persons = view.values.persons.len().max(1);
    let person_blocks = (0..persons).map(|i| {
        let inputs = canonical.iter().filter(|f| f.scope == Scope::Person).map(|field| {
            let value = view.values.get("", &field.key, Some(i)).unwrap_or_default().to_owned();
            let read_only = locked_items.contains(&field.key);
            let asked = asked_items.contains(&field.key);
            html! {
                <ItemInput key={field.key.clone()} dom_id={dom_id(&["item", "person", &i.to_string(), &field.key["person.".len()..]])}
                           field={field.clone()}
                           findings={item_findings(field, &value, Some(i))} {value}
                           conflict={conflict_for(&field.key, Some(i), None)} actor_names={names.clone()} {read_only} {asked}
                           read_from={read_from(&field.key, Some(i))}
                           on_change={item_change(field.key.clone(), Some(i))} />
            }
        });
        let remove = (i > 0).then(|| {
            let repo = repo.clone();
            let onclick = Callback::from(move |_| {
                repo.change(id, VisitChange::RemovePerson(i));
                // The button goes with the person: the focus goes to 人を追加, which stays.
                crate::focus::focus_first_of(&["#add-person"]);
            });
            html! { <button type="button" class="remove" {onclick}>{ ja(Text::RemovePerson) }</button> }
        });
        html! {
            <div class="person" id={format!("person-{i}")} key={i.to_string()}>
                <h3 key="heading">{ ja(Text::PersonNumber).replace("{n}", &(i + 1).to_string()) }{ for remove }</h3>
                { for inputs }
            </div>
        }
    });
    let add_person = {
        let repo = repo.clone();
        Callback::from(move |_| repo.change(id, VisitChange::AddPerson))
    };

    let form_sections = forms.iter().map(|form| {
        let read_only = locked_forms.contains(&form.id.as_str());
        let asked = asked_forms.contains(&form.id.as_str());
        let own: Vec<&CatalogField> = form.fields().filter(|f| f.scope == Scope::Form).collect();
        let inputs = own.iter().map(|field| {
            if field.kind == Kind::Counts {
                return counts_input(id, form, field, view, findings_for(&field.key, None, Some(&form.id)), read_only);
            }
            let value = view.values.get(&form.id, &field.key, None).unwrap_or_default().to_owned();
            let repo = repo.clone();
            let (form_id, key) = (form.id.clone(), field.key.clone());
            let on_change = Callback::from(move |value: String| {
                repo.change(id, VisitChange::FormField { form: form_id.clone(), key: key.clone(), value })
            });
            html! {
                <ItemInput key={field.key.clone()} dom_id={dom_id(&["form", &form.id, &field.key])} field={(*field).clone()} {value} {read_only} {asked}
                           findings={findings_for(&field.key, None, Some(&form.id))}
                           conflict={conflict_for(&field.key, None, Some(&form.id))} {on_change} />
            }
        });
        let place = ja(Text::CounterPlace)
            .replace("{d}", form.department.ja())
            .replace("{n}", &form.counter.to_string());
        let form_findings = findings.iter().filter(|f| f.form == form.id).count();
        let form_errors = findings
            .iter()
            .filter(|f| f.form == form.id && f.finding.severity == Severity::Error)
            .count();
        let count_text = if form_findings == 0 {
            ja(Text::NoFindings).to_owned()
        } else {
            ja(Text::FindingsSummary)
                .replace("{e}", &form_errors.to_string())
                .replace("{w}", &(form_findings - form_errors).to_string())
        };
        let status = view.statuses.get(&form.id).cloned();
        let state = status.as_ref().map(|s| s.state).unwrap_or(FormState::Draft);
        let (badge_class, badge_text) = match state {
            FormState::Requested if !online => ("requested", ja(Text::StatusRequestedOffline).to_owned()),
            state => (state.as_str(), status_label(state).to_owned()),
        };
        let reason = status
            .as_ref()
            .and_then(|s| s.reason.clone())
            .filter(|_| {
                matches!(
                    state,
                    FormState::Refused | FormState::Rejected | FormState::Correcting
                )
            });
        // Not `disabled` while waiting or once settled: a disabled button drops the focus to
        // the page body. It says so (aria-disabled) and does nothing instead.
        let unavailable = state == FormState::Requested || state.is_settled();
        let confirm = {
            let repo = repo.clone();
            let form_id = form.id.clone();
            Callback::from(move |_| {
                if unavailable {
                    return;
                }
                repo.change(id, VisitChange::RequestConfirmation {
                        form: form_id.clone(),
                        at: js_sys::Date::now() as i64,
                    })
            })
        };
        let status_line = html! {
            <div class="form-status">
                <span class={classes!("status-badge", badge_class)} id={dom_id(&["status", &form.id])}
                      data-state={state.as_str()}>{ badge_text.clone() }</span>
                <button type="button" id={dom_id(&["confirm", &form.id])} onclick={confirm}
                        aria-disabled={unavailable.to_string()}>
                    { ja(Text::Confirm) }
                </button>
                <span class={classes!("form-count", (form_errors == 0).then_some("ok"))}
                      id={dom_id(&["count", &form.id])}>{ count_text }</span>
                <p class="finding error status-reason" hidden={reason.is_none()}>{ reason.unwrap_or_default() }</p>
                <CorrectionOpener {id} form={form.id.clone()} title={form.title.ja.clone()}
                                  shown={state.is_settled()} />
            </div>
        };
        let filled_from_shared = own.is_empty().then(|| {
            html! { <p class="hint">{ ja(Text::FormFromSharedData) }</p> }
        });
        let placed = canonical
            .iter()
            .filter(|f| f.scope != Scope::Person && placed_with(&f.key) == Some(form.id.as_str()))
            .map(&shared_item);
        let is_mine = mine.is_none_or(|d| d == form.department);
        html! {
            <details class="form-fold" id={dom_id(&["fold", &form.id])} key={form.id.clone()} open={is_mine}>
                <summary>
                    <span class="fold-title">{ &form.title.ja }</span>
                    <span class="place">{ place.clone() }</span>
                    <span class={classes!("status-badge", badge_class)}>{ badge_text.clone() }</span>
                </summary>
                <fieldset class="form-section" id={dom_id(&["form", &form.id])}
                          data-findings={form_findings.to_string()}>
                    <legend key="legend">
                        { &form.title.ja }<span class="place">{ place }</span>
                        <a class="print-link" id={dom_id(&["print", &form.id])}
                           href={print_hash(id, &form.id)}>{ ja(Text::PrintPreview) }</a>
                    </legend>
                    <div key="status" class="slot">{ status_line }</div>
                    <div key="shared-hint" class="slot">{ for filled_from_shared }</div>
                    <div key="placed" class="slot">{ for placed }</div>
                    { for inputs }
                </fieldset>
            </details>
        }
    });

    let history = view.history.iter().enumerate().map(|(i, entry)| {
        let time = {
            let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(entry.at as f64));
            format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
        };
        let text = match entry.action.as_str() {
            "handed_off" => Text::HistoryHandedOff,
            "taken_back" => Text::HistoryTakenBack,
            "completed" => Text::HistoryCompleted,
            "cancelled" => Text::HistoryCancelled,
            "reopened" => Text::HistoryReopened,
            "correction_opened" => Text::HistoryCorrectionOpened,
            "navi_answered" => Text::HistoryNaviAnswered,
            "filled_from_register" => Text::HistoryFilledFromRegister,
            "filled_from_document" => Text::HistoryFilledFromDocument,
            "confirmation_requested" => Text::HistoryConfirmationRequested,
            "confirmed" => Text::HistoryConfirmed,
            "refused" => Text::HistoryRefused,
            "sent" => Text::HistorySent,
            "accepted" => Text::HistoryAccepted,
            "rejected" => Text::HistoryRejected,
            "signed" => Text::HistorySigned,
            _ => Text::HistoryOpened,
        };
        // Nobody held the visit (the kiosk, a visit waiting): the reception terminal.
        let who = if entry.who.is_empty() { ja(Text::HistoryKiosk) } else { entry.who.as_str() };
        let line = ja(text)
            .replace("{t}", entry.detail.as_deref().unwrap_or_default())
            .replace("{w}", who)
            .replace("{d}", &entry.department);
        html! { <li key={i} data-action={entry.action.clone()}><time>{ time }</time>{ " " }{ line }</li> }
    });
    // Every child of a list whose length changes carries a key. Yew matches unkeyed siblings
    // from the end of the list, so a form section or a field added after an element re-creates
    // that element — under the person's fingers when it holds the focus (the navi panel when
    // the card-holder count adds forms, a person's field when a form adds 続柄).
    // A visit another 課 has is shown to look at and print, every control disabled (a
    // disabled fieldset disables every input, select and button in it; links stay).
    // The section index: every part of the visit, each form with its state and count; a
    // press goes there (a folded form opens) and into its first field.
    let jump = |selectors: Vec<String>, fold: Option<String>| {
        Callback::from(move |_: MouseEvent| {
            let refs: Vec<&str> = selectors.iter().map(String::as_str).collect();
            crate::focus::focus_into(fold.as_deref(), &refs);
        })
    };
    let fixed_parts = [
        (ja(Text::NaviTitle), vec!["#navi-event-tennyu".to_owned()]),
        (ja(Text::LookupTitle), vec!["#lookup-query".to_owned()]),
        (
            ja(Text::SectionVisit),
            vec![
                "#section-shared input".to_owned(),
                "#section-shared select".to_owned(),
            ],
        ),
        (
            ja(Text::SectionPersons),
            vec!["#item-person-0-name".to_owned()],
        ),
    ];
    let index_fixed = fixed_parts.into_iter().enumerate().map(|(i, (label, selectors))| {
        html! {
            <li key={format!("part-{i}")}>
                <button type="button" class="index-link" onclick={jump(selectors, None)}>{ label }</button>
            </li>
        }
    });
    let index_forms = forms.iter().map(|form| {
        let state = view
            .statuses
            .get(&form.id)
            .map(|s| s.state)
            .unwrap_or(FormState::Draft);
        let errors = findings
            .iter()
            .filter(|f| f.form == form.id && f.finding.severity == Severity::Error)
            .count();
        let dom = form.id.replace('_', "-");
        let selectors = vec![
            format!("#form-{dom} .field input"),
            format!("#form-{dom} .field select"),
            format!("#confirm-{dom}"),
        ];
        html! {
            <li key={form.id.clone()} data-form={form.id.clone()}>
                <button type="button" class="index-link" onclick={jump(selectors, Some(format!("fold-{dom}")))}>
                    <span class="index-title">{ &form.title.ja }</span>
                    <span class="index-state">{ status_label(state) }
                        if errors > 0 { <span class="index-errors">{ format!(" ・エラー{errors}") }</span> }
                    </span>
                </button>
            </li>
        }
    });
    html! {
        <div class="visit-layout">
        <nav class="section-index" id="section-index" aria-label={ja(Text::SectionIndex)}>
            <ol>{ for index_fixed }{ for index_forms }</ol>
        </nav>
        <fieldset class="visit-screen" disabled={props.read_only}>
            <NaviPanel key="navi" {id} answers={view.answers.clone()} plan={plan.clone()} choices={view.choices.clone()}
                       notified_on_missing={view.values.get("", "visit.notified_on", None).is_none()} />
            <ResidentLookup key="lookup" {id} {online} event={view.answers.as_ref().map(|a| a.event)}
                            values={view.values.clone()} />
            <TransferCertificateReading key="qr" {id} event={view.answers.as_ref().map(|a| a.event)}
                                        values={view.values.clone()} read_only={props.read_only}
                                        locked={locked_items.clone()} />
            <super::id_card_scanner::IdCardScanner key="ocr" {id} event={view.answers.as_ref().map(|a| a.event)} values={view.values.clone()} active={!props.read_only} />
            <CardReading key="card" {id} event={view.answers.as_ref().map(|a| a.event)} values={view.values.clone()}
                         locked={locked_items.clone()} />
            <fieldset key="shared" class="form-section" id="section-shared">
                <legend key="legend">{ ja(Text::SectionVisit) }</legend>
                { for shared_inputs }
            </fieldset>
            <fieldset key="persons" class="form-section persons" id="section-persons">
                <legend key="legend">{ ja(Text::SectionPersons) }</legend>
                { for person_blocks }
                <button key="add-person" type="button" id="add-person" onclick={add_person}>{ ja(Text::AddPerson) }</button>
            </fieldset>
            { for form_sections }
            <super::signature_pad::SignaturePanel key="signature" view={view.clone()} read_only={props.read_only}
                                                  forms={forms.iter().map(|f| f.id.clone()).collect::<Vec<_>>()} />
            <VisitActions key="actions" view={view.clone()} on_done={props.on_done.clone()} />
            <section key="history" class="history" aria-labelledby="history-title">
                <h2 id="history-title">{ ja(Text::HistoryTitle) }</h2>
                <ol id="history">{ for history }</ol>
            </section>
        </fieldset>
        </div>
    }
}

/// A form state in words, as the badge shows it.
fn status_label(state: FormState) -> &'static str {
    ja(crate::i18n::form_state(state))
}

fn print_hash(id: shared_model::DocumentId, form: &str) -> String {
    crate::city::catalog()
        .catalog
        .forms
        .iter()
        .position(|f| f.id == form)
        .map(|i| crate::route::Route::Print(id, i).to_hash())
        .unwrap_or_default()
}

/// A count per choice (証明書の種類×通数).
fn counts_input(
    id: shared_model::DocumentId,
    form: &Form,
    field: &CatalogField,
    view: &VisitView,
    findings: Vec<Finding>,
    read_only: bool,
) -> Html {
    let rows = field.choices.iter().map(|choice| {
        let key = format!("{}.{}", field.key, choice.id);
        let value = view
            .values
            .get(&form.id, &key, None)
            .unwrap_or_default()
            .to_owned();
        html! {
            <CountInput key={key.clone()} {id} form={form.id.clone()} dom_id={dom_id(&["form", &form.id, &key])}
                        label={choice.label.ja.clone()} {value} key_name={key.clone()} {read_only} />
        }
    });
    let notes = findings.iter().map(|f| {
        html! { <p class="finding error" data-code={f.code.as_str()}>{ &f.message_ja }</p> }
    });
    html! {
        <div class="field counts" key={field.key.clone()}>
            <span class="label">{ &field.label.ja }</span>
            <div class="control">
                <div class="count-rows">{ for rows }</div>
                <div class="count-notes">{ for notes }</div>
            </div>
        </div>
    }
}

/// Properties of [`CorrectionOpener`].
#[derive(Properties, PartialEq)]
struct CorrectionOpenerProps {
    id: shared_model::DocumentId,
    form: String,
    title: String,
    /// Whether the form is settled (only a settled form is corrected).
    shown: bool,
}

/// 「訂正する」 on a settled form: asks for the reason, then opens the correction; the focus
/// goes to the form's first own field (or its 確認する).
#[component(CorrectionOpener)]
fn correction_opener(props: &CorrectionOpenerProps) -> Html {
    let repo = use_repo();
    let app = use_context::<crate::context::AppContext>().expect("app context");
    let open = use_state(|| false);
    let reason = use_state(String::new);
    let form_dom = props.form.replace('_', "-");
    if !props.shown {
        return html! { <span class="slot"></span> };
    }
    let toggle = {
        let (open, form_dom) = (open.clone(), form_dom.clone());
        Callback::from(move |_| {
            open.set(true);
            let reason_id = format!("#correct-reason-{form_dom}");
            crate::focus::focus_first_of(&[reason_id.as_str()]);
        })
    };
    let oninput = {
        let reason = reason.clone();
        Callback::from(move |e: InputEvent| {
            let input: web_sys::HtmlInputElement = e.target_unchecked_into();
            reason.set(input.value());
        })
    };
    let start = {
        let (reason, open, form, title, id, form_dom) = (
            reason.clone(),
            open.clone(),
            props.form.clone(),
            props.title.clone(),
            props.id,
            form_dom.clone(),
        );
        Callback::from(move |_| {
            let Some(staff) = app.staff.clone() else {
                return;
            };
            let Some(department) = shared_model::catalog::Department::from_name(&staff.department)
            else {
                return;
            };
            if reason.trim().is_empty() {
                let reason_id = format!("#correct-reason-{form_dom}");
                crate::focus::focus_first_of(&[reason_id.as_str()]);
                return;
            }
            repo.change(
                id,
                VisitChange::OpenCorrection {
                    form: form.clone(),
                    reason: reason.trim().to_owned(),
                    name: staff.name.clone(),
                    department,
                    at: js_sys::Date::now() as i64,
                },
            );
            app.dispatch(crate::state::Action::Announce(
                ja(Text::AnnounceCorrecting).replace("{f}", &title),
            ));
            open.set(false);
            reason.set(String::new());
            crate::focus::focus_first_of(&[
                &format!("#form-{form_dom} .field input:not([readonly])"),
                &format!("#form-{form_dom} .field select:not([disabled])"),
                &format!("#confirm-{form_dom}"),
            ]);
        })
    };
    html! {
        <span class="correction">
            if *open {
                <label for={format!("correct-reason-{form_dom}")}>{ ja(Text::CorrectReason) }</label>
                <input id={format!("correct-reason-{form_dom}")} autocomplete="off"
                       value={(*reason).clone()} {oninput} />
                <button type="button" id={format!("correct-start-{form_dom}")} onclick={start}
                        aria-disabled={reason.trim().is_empty().to_string()}>{ ja(Text::CorrectStart) }</button>
            } else {
                <button type="button" id={format!("correct-{form_dom}")} onclick={toggle}>{ ja(Text::CorrectButton) }</button>
            }
        </span>
    }
}
