mod card_reading;
mod count_input;
mod fill_confirm;
mod id_card_scanner;
mod item_input;
mod navi_panel;
mod print_view;
mod queue_panel;
mod resident_lookup;
mod signature_pad;
mod transfer_certificate;
mod visit_actions;
mod visit_screen;

pub use print_view::PrintView;
pub use signature_pad::SignScreen;

use shared_model::catalog::Department;
use shared_model::handoff::{ScanError, read_scan};
use shared_model::validate::read_reception_number;
use shared_model::{DocumentId, FormState, VisitChange};
use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use self::queue_panel::QueuePanel;
use self::visit_screen::VisitScreen;
use crate::api::{self, ApiError, VisitRecord};
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::Command;
use crate::route::Route;
use crate::slip_scan;
use crate::state::Action;

/// The counter's start screen: open a visit, today's visits, drafts on this terminal.
#[component(CounterHome)]
pub fn counter_home() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let number_ref = use_node_ref();
    let id_ref = use_node_ref();
    let today = use_state(Vec::<VisitRecord>::new);
    {
        // The 課's list, refreshed every few seconds so a visit handed over appears at once.
        let today = today.clone();
        use_effect_with(app.sync.online, move |online| {
            let fetch = move || {
                let today = today.clone();
                spawn_local(async move {
                    if let Ok(list) = api::todays_visits().await {
                        today.set(list);
                    }
                });
            };
            let interval = online.then(|| {
                fetch();
                gloo_timers::callback::Interval::new(3_000, fetch)
            });
            move || drop(interval)
        });
    }

    let open_by_number = {
        let number_ref = number_ref.clone();
        let app = app.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = number_ref.cast::<HtmlInputElement>();
            let number = input.as_ref().map(|i| i.value()).unwrap_or_default();
            let app = app.clone();
            // A slip typed in slowly here opens its visit (a reader's burst is read by the
            // page-wide listener before it gets here).
            match read_scan(&number) {
                Ok(id) => return open(&app, id),
                Err(ScanError::NotASlip | ScanError::Empty) => {}
                Err(error) => return refuse(&app, input, slip_scan::problem(&error, false)),
            }
            // ６ is 6: a number typed in full width opens that visit. What is not a number is
            // named as such, never as a network problem.
            let Ok(number) = read_reception_number(&number) else {
                return refuse(&app, input, Text::ErrorReceptionNumber);
            };
            spawn_local(async move {
                match api::visit_by_reception(&number.to_string()).await {
                    Ok(record) => match record.visit_id.parse::<DocumentId>() {
                        Ok(id) => open(&app, id),
                        Err(_) => app.dispatch(Action::Problem(Text::ErrorInvalidId)),
                    },
                    Err(ApiError::NotFound) => refuse(&app, input, Text::ErrorNotFound),
                    Err(ApiError::Unreachable) => app.dispatch(Action::Problem(Text::ErrorOffline)),
                    Err(_) => app.dispatch(Action::Problem(Text::ErrorRefused)),
                }
            });
        })
    };
    // A slip typed into 受付番号 or 文書ID by a reader set to end with Tab, when its keys
    // came too slowly for the page-wide listener to tell them from typing: the Tab opens the
    // visit instead of moving on to 開く.
    let slip_ends_with_tab = {
        let app = app.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() != "Tab" {
                return;
            }
            let value = e
                .target_dyn_into::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            if let Ok(id) = read_scan(&value) {
                e.prevent_default();
                open(&app, id);
            }
        })
    };
    let open_by_id = {
        let id_ref = id_ref.clone();
        let app = app.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let input = id_ref.cast::<HtmlInputElement>();
            let text = input.as_ref().map(|i| i.value()).unwrap_or_default();
            let text = text.trim();
            // A slip's code (or an automerge: URL), else a bare document id.
            match read_scan(text) {
                Ok(id) => open(&app, id),
                Err(ScanError::NotASlip) => match text.parse::<DocumentId>() {
                    Ok(id) => open(&app, id),
                    Err(_) => refuse(&app, input, Text::ErrorInvalidId),
                },
                Err(error) => refuse(&app, input, slip_scan::problem(&error, false)),
            }
        })
    };

    let now = js_sys::Date::now();
    // Open visits first (longest waiting first), then the day's closed ones.
    let mut listed: Vec<&VisitRecord> = today.iter().collect();
    listed.sort_by_key(|v| {
        (
            v.state.is_some_and(|s| s.is_closed()),
            v.waiting_since.unwrap_or(v.created_at),
        )
    });
    let today_rows = listed.into_iter().map(|v| {
        let closed = v.state.is_some_and(|s| s.is_closed());
        let waited = (!closed)
            .then_some(v.waiting_since)
            .flatten()
            .map(|since| ((now - since as f64) / 60_000.0).max(0.0) as i64)
            .map(|m| ja(Text::Minutes).replace("{n}", &m.to_string()))
            .unwrap_or_default();
        let forms: Vec<String> = v
            .forms
            .iter()
            .map(|(state, n)| {
                let label = ja(crate::i18n::form_state(FormState::from_name(state)));
                format!("{label} {n}")
            })
            .collect();
        let forms = if forms.is_empty() {
            ja(Text::StatusDraft).to_owned()
        } else {
            forms.join("・")
        };
        // Keyed by visit: when the list refreshes (every 3 s) with a new arrival, the row a
        // person has focused stays that visit's row, never another citizen's.
        let state = v.state.map(|s| s.ja()).unwrap_or("—");
        html! {
            <tr key={v.visit_id.clone()} class={classes!(closed.then_some("closed"))}
                data-state={v.state.map(|s| s.as_str()).unwrap_or_default()}>
                <td><a href={format!("#/counter/{}", v.visit_id)}>
                    { format!("{} {}", ja(Text::ReceptionNumber), v.reception_number) }
                </a></td>
                <td class="name">{ v.name.clone().unwrap_or_else(|| "—".into()) }</td>
                <td class="procedures">{ v.procedures.join("、") }</td>
                <td class="state">{ state }</td>
                <td>{ forms }</td>
                <td>{ waited }</td>
                <td>{ v.holder.clone().unwrap_or_else(|| "—".into()) }</td>
            </tr>
        }
    });
    let local_rows = app.local_visits.iter().map(|v| {
        html! {
            <li key={v.doc.to_string()}><a href={Route::CounterVisit(v.doc).to_hash()}>
                { format!("{} {}", ja(Text::ReceptionNumber), v.reception_number) }
            </a></li>
        }
    });
    let none = || html! { <li class="none">{ ja(Text::CounterNoVisits) }</li> };
    let shortcuts = crate::hooks::SHORTCUTS.iter().map(|(keys, what)| {
        html! { <><dt><kbd>{ *keys }</kbd></dt><dd>{ *what }</dd></> }
    });
    html! {
        <section class="counter-home">
            <h1>{ ja(Text::CounterTitle) }</h1>
            <div class="open-forms">
                <form onsubmit={open_by_number}>
                    <label for="open-number">{ ja(Text::CounterOpenByNumber) }</label>
                    <input id="open-number" ref={number_ref} inputmode="numeric" autocomplete="off"
                           onkeydown={slip_ends_with_tab.clone()} />
                    <button type="submit">{ ja(Text::CounterOpen) }</button>
                </form>
                <form onsubmit={open_by_id}>
                    <label for="open-id">{ ja(Text::CounterOpenById) }</label>
                    <input id="open-id" ref={id_ref} autocomplete="off" onkeydown={slip_ends_with_tab} />
                    <button type="submit">{ ja(Text::CounterOpen) }</button>
                </form>
            </div>
            <QueuePanel />
            <details class="shortcuts">
                <summary>{ ja(Text::ShortcutsTitle) }</summary>
                <dl>{ for shortcuts }</dl>
            </details>
            <div class="lists">
                <div>
                    <h2>{ ja(Text::CounterTodayVisits) }</h2>
                    { if today.is_empty() { html! { <ul><li class="none">{
                        // Offline, the list cannot be read: it is not empty.
                        ja(if app.sync.online { Text::CounterNoVisits } else { Text::CounterListOffline })
                    }</li></ul> } } else { html! {
                        <table class="visit-list" id="today-visits">
                            <thead><tr>
                                <th scope="col">{ ja(Text::ReceptionNumber) }</th>
                                <th scope="col">{ ja(Text::ListName) }</th>
                                <th scope="col">{ ja(Text::ListProcedures) }</th>
                                <th scope="col">{ ja(Text::ListState) }</th>
                                <th scope="col">{ ja(Text::ListStatus) }</th>
                                <th scope="col">{ ja(Text::ListWaiting) }</th>
                                <th scope="col">{ ja(Text::ListHolder) }</th>
                            </tr></thead>
                            <tbody>{ for today_rows }</tbody>
                        </table>
                    } } }
                </div>
                <div>
                    <h2>{ ja(Text::CounterLocalVisits) }</h2>
                    if app.local_visits.is_empty() {
                        <ul id="local-visits">{ none() }</ul>
                    } else {
                        <ul id="local-visits">{ for local_rows }</ul>
                    }
                </div>
            </div>
        </section>
    }
}

/// Properties of [`CounterVisit`].
#[derive(Properties, PartialEq)]
pub struct CounterVisitProps {
    /// The visit.
    pub id: DocumentId,
}

/// One visit at the counter: the applicant and the 転居 form.
#[component(CounterVisit)]
pub fn counter_visit(props: &CounterVisitProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    {
        let repo = repo.clone();
        use_effect_with(props.id, move |id| repo.send(Command::Open(*id)));
    }
    let view = app.open.as_ref().filter(|v| v.id == props.id);
    // The 課 of the person at this counter; a visit at another 課 is only looked at here.
    let my_department = app
        .staff
        .as_ref()
        .and_then(|s| Department::from_name(&s.department));
    let elsewhere = view
        .filter(|v| !v.state.is_closed())
        .map(|v| v.handling.department)
        .filter(|d| my_department.is_some_and(|mine| mine != *d));
    let closed = view.is_some_and(|v| v.state.is_closed());
    // What happened when the visit left this counter (handed on, completed, cancelled): a
    // slip to read out or show the citizen, until the person goes back to the list.
    let slip = use_state(|| None::<String>);
    {
        let slip = slip.clone();
        use_effect_with(props.id, move |_| slip.set(None));
    }
    {
        // The slip's button takes the focus as soon as the slip is on screen: the button that
        // was pressed is about to be disabled (the visit leaves this counter).
        use_effect_with(slip.is_some(), |shown| {
            if *shown {
                crate::focus::focus_first_of(&["#slip-back"]);
            }
        });
    }
    {
        // The visit moved to another 課 (取り戻す there) while it was open here: the screen
        // turns read-only under the person's fingers. Say so, and put the focus on the
        // banner's button rather than leave it on the page body.
        let app = app.clone();
        let was = use_mut_ref(|| None::<(DocumentId, bool)>);
        let now = view.map(|v| (v.id, elsewhere.is_some()));
        let moved_to = elsewhere;
        // Handed on from here: the slip says what happened.
        let moved_here = slip.is_some();
        use_effect_with(now, move |now| {
            let before = was.replace(*now);
            if let (Some((id_before, false)), Some((id_now, true))) = (before, *now)
                && id_before == id_now
                && !moved_here
            {
                if let Some(to) = moved_to {
                    app.dispatch(Action::Announce(
                        ja(Text::AnnounceMovedAway).replace("{d}", to.ja()),
                    ));
                }
                crate::focus::focus_first_of(&["#take-back", "#visit-title"]);
            }
        });
    }
    let on_done = {
        let slip = slip.clone();
        Callback::from(move |text: String| slip.set(Some(text)))
    };
    {
        // Opening a visit at its own 課 takes it (once per opening, so two counters with the
        // same visit open do not take it back and forth): the 課's list shows who holds it.
        // Opening it at another 課 — to look, or to reprint — takes nothing: it keeps its
        // place in that 課's queue; 「取り戻す」 is an explicit action.
        let repo = repo.clone();
        let staff = app.staff.clone();
        let taken = use_mut_ref(|| None::<DocumentId>);
        let loaded = view
            .filter(|v| !v.state.is_closed())
            .map(|v| (v.id, v.handling.clone()));
        let loaded_id = loaded.as_ref().map(|(id, _)| *id);
        use_effect_with(loaded_id, move |_| {
            if let (Some((id, handling)), Some(staff)) = (loaded, staff)
                && *taken.borrow() != Some(id)
                && let Some(department) = Department::from_name(&staff.department)
                && handling.department == department
            {
                *taken.borrow_mut() = Some(id);
                if handling.holder_login.as_deref() != Some(staff.login.as_str()) {
                    repo.change(
                        id,
                        VisitChange::Take {
                            login: staff.login.clone(),
                            name: staff.name.clone(),
                            department,
                            at: js_sys::Date::now() as i64,
                        },
                    );
                }
            }
        });
    }
    let reopen = view
        .filter(|_| closed && slip.is_none())
        .zip(app.staff.clone())
        .zip(my_department)
        .map(|((view, staff), mine)| {
            let onclick = {
                let (repo, id) = (repo.clone(), props.id);
                Callback::from(move |_| {
                    repo.change(
                        id,
                        VisitChange::Reopen {
                            login: staff.login.clone(),
                            name: staff.name.clone(),
                            department: mine,
                            at: js_sys::Date::now() as i64,
                        },
                    );
                    crate::focus::focus_first_of(&["#visit-title"]);
                })
            };
            let text = visit_actions::closed_banner(view).unwrap_or_default();
            html! {
                <div class="held-elsewhere" id="visit-closed">
                    <p>{ text }</p>
                    <button type="button" id="reopen" {onclick}>{ ja(Text::Reopen) }</button>
                </div>
            }
        });
    let slip_shown = (*slip).clone().map(|text| {
        html! {
            <div class="handoff-slip" id="handoff-slip" role="status">
                <p>{ text }</p>
                <button type="button" id="slip-back" onclick={Callback::from(|_| crate::focus::leave_for(Route::Counter))}>
                    { ja(Text::SlipBack) }
                </button>
            </div>
        }
    });
    let held_elsewhere = elsewhere
        .filter(|_| slip.is_none())
        .zip(app.staff.clone())
        .zip(my_department)
        .map(|((at, staff), mine)| {
            let onclick = {
                let (repo, app, id) = (repo.clone(), app.clone(), props.id);
                Callback::from(move |_| {
                    repo.change(
                        id,
                        VisitChange::TakeBack {
                            login: staff.login.clone(),
                            name: staff.name.clone(),
                            department: mine,
                            at: js_sys::Date::now() as i64,
                        },
                    );
                    app.dispatch(Action::Announce(
                        ja(Text::AnnounceTakenBack).replace("{d}", at.ja()),
                    ));
                    // The button goes with the banner: the focus goes to the visit's title.
                    crate::focus::focus_first_of(&["#visit-title"]);
                })
            };
            html! {
                <div class="held-elsewhere" id="held-elsewhere">
                    <p>{ ja(Text::HeldElsewhere).replace("{d}", at.ja()) }</p>
                    <button type="button" id="take-back" {onclick}>{ ja(Text::TakeBack) }</button>
                </div>
            }
        });
    let body = match view {
        Some(view) => html! {
            <>
                <h1 class="visit-title" id="visit-title" tabindex="-1">
                    { ja(Text::ReceptionNumber) }{ " " }
                    <span id="visit-reception-number">{ &view.summary.reception_number }</span>
                </h1>
                <div class="slot">{ citizen_language(view) }</div>
                <div class="slot">{ for slip_shown }{ for held_elsewhere }{ for reopen }</div>
                <VisitScreen view={view.clone()} online={app.sync.online}
                             read_only={elsewhere.is_some() || closed} {on_done} />
            </>
        },
        None => match app.unavailable {
            Some((id, offline)) if id == props.id => {
                let text = if offline {
                    Text::UnavailableOffline
                } else {
                    Text::Unavailable
                };
                html! { <p class="unavailable" id="visit-unavailable" role="status">{ ja(text) }</p> }
            }
            _ => html! { <p class="loading">{ ja(Text::Loading) }</p> },
        },
    };
    html! {
        <section class="counter-visit">
            <a class="back" href="#/counter">{ ja(Text::CounterBack) }</a>
            { body }
        </section>
    }
}

/// Opens a visit from the list's fields; a problem an earlier try left on screen is over.
fn open(app: &AppContext, id: DocumentId) {
    app.dispatch(Action::DismissProblem);
    crate::focus::leave_for(Route::CounterVisit(id));
}

/// Says why what was entered opens nothing, and selects it, so that the next scan or the
/// next number typed replaces it instead of running on after it.
fn refuse(app: &AppContext, input: Option<HtmlInputElement>, problem: Text) {
    app.dispatch(Action::Problem(problem));
    if let Some(input) = input {
        input.select();
    }
}

/// The language the citizen chose at the kiosk, if not Japanese: 「記入台の言語: Português」,
/// so the counter greets them in it.
fn citizen_language(view: &crate::repo::VisitView) -> Html {
    let language = view
        .values
        .visit
        .get("visit.citizen_language")
        .and_then(|code| shared_model::language::Language::from_code(code))
        .filter(|l| *l != shared_model::language::Language::Ja);
    match language {
        Some(language) => html! {
            <p class="citizen-language" id="visit-citizen-language">
                { ja(Text::CitizenLanguage) }{ ": " }
                <span lang={language.bcp47()}>{ language.own_name() }</span>
            </p>
        },
        None => html! {},
    }
}
