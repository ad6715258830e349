use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use super::admin::AdminPage;
use super::counter::{CounterHome, CounterVisit};
use super::counter::{PrintView, SignScreen};
use super::display::DisplayPage;
use super::kiosk::Kiosk;
use super::sign_in::SignIn;
use super::sync_badge::SyncBadge;
use crate::context::AppContext;
use crate::hooks::{
    SlipScan, request_persistent_storage, use_app_update, use_shortcuts, use_terminal_heartbeat,
    use_wedge_scanner,
};
use crate::i18n::{Text, ja};
use crate::repo::{self, RepoHandle};
use crate::route::Route;
use crate::state::{Action, AppState};

/// The whole app: header with the sync badge, and the screen of the current route.
#[component(App)]
pub fn app() -> Html {
    let state = use_reducer(AppState::default);
    let repo = {
        let dispatch = state.dispatcher();
        use_memo((), move |_| {
            repo::start(Callback::from(move |event| {
                dispatch.dispatch(Action::Repo(event))
            }))
        })
    };
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            let on_hash = Closure::<dyn FnMut()>::new(move || {
                // A tablet held for a citizen's signature shows only that signing.
                dispatch.dispatch(Action::Navigate(Route::current().held()));
            });
            let window = web_sys::window().expect("a window");
            let _ = window
                .add_event_listener_with_callback("hashchange", on_hash.as_ref().unchecked_ref());
            move || {
                let _ = window.remove_event_listener_with_callback(
                    "hashchange",
                    on_hash.as_ref().unchecked_ref(),
                );
            }
        });
    }
    {
        // A QR handoff from the kiosk, read by a keyboard-wedge reader at a counter.
        let dispatch = state.dispatcher();
        use_wedge_scanner(Callback::from(move |slip: SlipScan| {
            if matches!(Route::current(), Route::Kiosk) {
                return;
            }
            // A 転出証明書's code from a keyboard-wedge QR reader, on a visit: its lines go
            // to the visit's certificate reading.
            let reader = crate::qr_reader::QrReader::shared();
            if reader.is_wedge()
                && matches!(Route::current(), Route::CounterVisit(_))
                && matches!(slip.read, Err(shared_model::handoff::ScanError::NotASlip))
            {
                reader.wedge_line(&slip.scan.text);
                return;
            }
            match slip.read {
                Ok(id) => {
                    // What an earlier scan went wrong with is over.
                    dispatch.dispatch(Action::DismissProblem);
                    crate::focus::leave_for(Route::CounterVisit(id));
                }
                Err(error) => dispatch.dispatch(Action::Problem(crate::slip_scan::problem(
                    &error,
                    slip.scan.ime_keys > 0,
                ))),
            }
        }));
    }
    {
        // The drafts' key comes with the session and goes with it.
        let repo = (*repo).clone();
        let key = state.staff.as_ref().and_then(|s| s.data_key.clone());
        let signed_in = state.staff.is_some();
        let was_signed_in = use_mut_ref(|| signed_in);
        use_effect_with((key, signed_in), move |(key, signed_in)| {
            if let Some(key) = key {
                crate::vault::remember(key);
                repo.send(repo::Command::Unlock(key.clone()));
            }
            let before = std::mem::replace(&mut *was_signed_in.borrow_mut(), *signed_in);
            if before && !signed_in {
                crate::vault::forget();
                repo.send(repo::Command::Lock);
            }
        });
    }
    {
        // The server decides what a connection may reach from who is signed in: reconnect
        // whenever that changes.
        let repo = (*repo).clone();
        let who = state.staff.as_ref().map(|s| s.login.clone());
        let first = use_mut_ref(|| true);
        use_effect_with(who, move |_| {
            if !std::mem::replace(&mut *first.borrow_mut(), false) {
                repo.send(repo::Command::Reauthenticate);
            }
        });
    }
    use_shortcuts();
    use_terminal_heartbeat(&state.sync);
    let (update_available, apply_update) = use_app_update();
    {
        let dispatch = state.dispatcher();
        use_effect_with((), move |_| {
            // Drafts must survive storage pressure on a shared terminal; where the browser
            // will not promise it, the badge says so (and the heartbeat tells the admin).
            wasm_bindgen_futures::spawn_local(async move {
                let granted = request_persistent_storage().await;
                web_sys::console::info_1(&format!("persistent storage: {granted:?}").into());
                dispatch.dispatch(Action::StoragePersisted(granted));
            });
        });
    }
    let update_banner = update_available.then(|| {
        let onclick = apply_update.reform(|_| ());
        html! {
            <div class="update-banner" role="alert" id="update-banner">
                <span>{ ja(Text::UpdateAvailable) }</span>
                <button type="button" class="primary" id="update-button" {onclick}>{ ja(Text::UpdateNow) }</button>
            </div>
        }
    });
    {
        // A remembered sign-in is checked with the server when it can be reached; offline,
        // the counter keeps working as the person who signed in.
        let dispatch = state.dispatcher();
        let remembered = state.staff.is_some();
        use_effect_with((), move |_| {
            if remembered {
                wasm_bindgen_futures::spawn_local(async move {
                    match crate::api::whoami().await {
                        Ok(staff) => {
                            if crate::city::refresh().await {
                                dispatch.dispatch(Action::CatalogChanged);
                            }
                            dispatch.dispatch(Action::Staff(Some(staff)))
                        }
                        Err(crate::api::ApiError::Unauthorized) => {
                            dispatch.dispatch(Action::Staff(None))
                        }
                        Err(_) => {}
                    }
                });
            }
        });
    }
    {
        // Offline with changes the server does not have yet, closing or reloading the tab
        // asks first (beforeunload): the changes are on this terminal only. Online, changes
        // in flight for a few milliseconds ask nothing.
        let at_risk = !state.sync.online && state.sync.pending > 0;
        use_effect_with(at_risk, move |at_risk| {
            let listener = (*at_risk).then(web_sys::window).flatten().map(|window| {
                gloo_events::EventListener::new_with_options(
                    &window,
                    "beforeunload",
                    gloo_events::EventListenerOptions::enable_prevent_default(),
                    |event| {
                        event.prevent_default();
                        // Chromium asks only when returnValue is set too.
                        let _ = js_sys::Reflect::set(
                            event,
                            &wasm_bindgen::JsValue::from_str("returnValue"),
                            &wasm_bindgen::JsValue::from_str(""),
                        );
                    },
                )
            });
            move || drop(listener)
        });
    }
    {
        // Losing and finding the network is said once (the badge itself stays quiet).
        let dispatch = state.dispatcher();
        let seen = use_mut_ref(|| None::<bool>);
        // Citizens at the kiosk are not told about the server (the kiosk says what matters to
        // them in their language).
        let citizens = matches!(state.route, Route::Kiosk);
        use_effect_with(state.sync.online, move |online| {
            let before = seen.borrow_mut().replace(*online);
            if before.is_some_and(|b| b != *online) && !citizens {
                let text = if *online {
                    Text::AnnounceOnline
                } else {
                    Text::AnnounceOffline
                };
                dispatch.dispatch(Action::Announce(ja(text).to_owned()));
            }
        });
    }
    {
        // After a screen changes, the focus goes to a defined, visible place on it, not to
        // the page body (where Tab would start over from the top).
        let signed_in = state.staff.is_some();
        use_effect_with((state.route, signed_in), move |(route, _)| {
            crate::focus::focus_first_of(match route {
                Route::Counter => &["#open-number", "#signin-login"],
                Route::CounterVisit(_) => &["#visit-title", "#signin-login"],
                Route::Print(..) => &["#print-button", "#signin-login"],
                Route::Kiosk => &["#kiosk-language-ja", "#kiosk-not-ready"],
                Route::Sign(_) => &["#sign-screen-title", "#signin-login"],
                Route::Admin => &["#admin-title"],
                Route::Display => &["#display-sound", "#display-token"],
                Route::Home => &[".faces a"],
            });
        });
    }
    let needs_staff = matches!(
        state.route,
        Route::Counter | Route::CounterVisit(_) | Route::Print(..) | Route::Sign(_)
    );
    let signed_out = state.staff.is_none() && (needs_staff || matches!(state.route, Route::Admin));
    let body = match state.route {
        _ if needs_staff && state.staff.is_none() => html! { <SignIn /> },
        Route::Home => html! { <Home /> },
        Route::Kiosk => html! { <Kiosk /> },
        Route::Counter => html! { <CounterHome /> },
        Route::CounterVisit(id) => html! { <CounterVisit {id} /> },
        Route::Admin => html! { <AdminPage /> },
        Route::Print(id, form) => html! { <PrintView {id} {form} /> },
        Route::Sign(id) => html! { <SignScreen key={id.to_string()} {id} /> },
        Route::Display => html! { <DisplayPage /> },
    };
    let staff_badge = state.staff.as_ref().filter(|_| !matches!(state.route, Route::Kiosk | Route::Sign(_))).map(|staff| {
        let dispatch = state.dispatcher();
        let sign_out = Callback::from(move |_| {
            let dispatch = dispatch.clone();
            wasm_bindgen_futures::spawn_local(async move {
                crate::api::sign_out().await;
                dispatch.dispatch(Action::Staff(None));
            });
        });
        let department = shared_model::catalog::Department::from_name(&staff.department)
            .map(|d| d.ja())
            .unwrap_or_default();
        html! {
            <div class="staff" id="staff-badge">
                <span>{ format!("{department} {}", staff.name) }</span>
                <button type="button" id="sign-out" onclick={sign_out}>{ ja(Text::SignOut) }</button>
            </div>
        }
    });
    let problem = state.problem.map(|text| {
        let dispatch = state.dispatcher();
        let dismiss = Callback::from(move |_| dispatch.dispatch(Action::DismissProblem));
        let reference = state.problem_reference.as_ref().map(|id| {
            html! {
                <span class="problem-reference">
                    { ja(Text::ProblemReference).replace("{id}", id) }
                </span>
            }
        });
        html! {
            <div class="problem" role="alert">
                <span>{ ja(text) }</span>
                { for reference }
                <button type="button" onclick={dismiss}>{ "×" }</button>
            </div>
        }
    });
    let face = match state.route {
        Route::Kiosk => "kiosk",
        Route::Admin => "admin",
        Route::Home => "home",
        Route::Display => "display",
        Route::Counter | Route::CounterVisit(_) | Route::Print(..) => "counter",
        // The tablet turned to the citizen: no way to the other faces from it.
        Route::Sign(_) => "sign",
    };
    // The faces turned to citizens: no staff banner, storage flag or announcement.
    let citizens = face == "kiosk" || face == "sign";
    let title = city_title();
    // 「？」: the manual at this screen's section, in a window of its own (also offline:
    // the service worker keeps the manual).
    let help = crate::help::manual_page(state.route, state.staff.is_some()).map(|page| {
        html! {
            <a class="help" id="help-link" href={format!("/manual/{page}")} target="_blank"
               rel="noopener" title={ja(Text::HelpLink)} aria-label={ja(Text::HelpLink)}>
                { "？" }
            </a>
        }
    });
    html! {
        <ContextProvider<RepoHandle> context={(*repo).clone()}>
        <ContextProvider<AppContext> context={state.clone()}>
            <div class={classes!("app", format!("face-{face}"))}>
                <header class="top">
                    // The kiosk is a shared tablet: citizens get no way out of it, not even
                    // the title back to the faces.
                    if face == "kiosk" || face == "sign" || face == "display" {
                        <span class="title">{ title.clone() }</span>
                        <span class="nav-place"></span>
                    } else {
                        <a class="title" href="#/">{ title }</a>
                        <nav aria-label="faces">
                            <a href="#/counter">{ ja(Text::FaceCounter) }</a>
                            <a href="#/kiosk">{ ja(Text::FaceKiosk) }</a>
                            <a href="#/admin">{ ja(Text::FaceAdmin) }</a>
                        </nav>
                    }
                    // Slots that are always there, whether or not they hold something: an
                    // element appearing beside <main> or the badge would shift them, and Yew,
                    // matching unkeyed siblings by position from the end of the list, would
                    // re-create (or reuse for another field) the elements under the person's
                    // fingers.
                    <div class="slot">{ for help }</div>
                    <div class="slot">{ for staff_badge }</div>
                    // Citizens at the kiosk are not told; its heartbeat tells the admin.
                    <SyncBadge status={state.sync.clone()} {signed_out}
                               unenrolled={face == "kiosk" && state.kiosk_enrolled == Some(false)}
                               storage_persisted={(!citizens).then_some(state.storage_persisted).flatten()} />
                </header>
                <div class="slot">
                    // The signing tablet waits for the staff's release to update.
                    if face != "sign" { { for update_banner } }
                    // Citizens at the kiosk and the signing tablet get their own words, never
                    // the staff's banners (「ネットワークを確認してください」).
                    if !citizens { { for problem } }
                </div>
                // Takes the focus (programmatically only) while one screen gives way to
                // the next, so that it never falls to the page body in between.
                <main id="main" tabindex="-1">{ body }</main>
                // The one polite live region: status changes are said here, once. Not the
                // staff's (「サーバーに接続しました。」) to citizens: the kiosk and the sign
                // screen say their own in their language.
                <div id="announcer" class="visually-hidden" role="status" aria-live="polite">
                    if !citizens { { state.announcement.1.clone() } }
                </div>
            </div>
        </ContextProvider<AppContext>>
        </ContextProvider<RepoHandle>>
    }
}

/// The system's name with its city's (「前橋市 窓口支援システム」), as far as this terminal
/// was told the city.
fn city_title() -> String {
    match crate::city::name() {
        Some(city) => format!("{city} {}", ja(Text::AppTitle)),
        None => ja(Text::AppTitle).to_owned(),
    }
}

#[component(Home)]
fn home() -> Html {
    html! {
        <section class="home">
            <h1>{ city_title() }</h1>
            <ul class="faces">
                <li><a class="big" href="#/counter">{ ja(Text::FaceCounter) }</a></li>
                <li><a class="big" href="#/kiosk">{ ja(Text::FaceKiosk) }</a></li>
                <li><a class="big" href="#/admin">{ ja(Text::FaceAdmin) }</a></li>
            </ul>
        </section>
    }
}
