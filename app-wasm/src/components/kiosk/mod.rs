//! The citizens' kiosk, a shared tablet in the hall: the language first, then the life event
//! and a few questions (the counter's navi rules), the procedures with their counters in
//! order, a reception number, the household's data once for every member, and the 手続き案内
//! slip. After the slip, after two minutes untouched, or on 最初に戻る, everything of that
//! citizen leaves the screen and the tablet ([`KioskAction::Reset`], `Command::Release`).

mod certificate_camera;
mod date_picker;
mod enrolment;
mod event_choice;
mod household;
mod idle;
mod item_field;
mod language_choice;
mod plan;
mod questions;
mod queue_wait;
mod slip;
mod state;

use shared_model::language::Language;
use shared_model::{DocumentId, VisitChange};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use self::enrolment::NotReady;
use self::event_choice::{EventChoice, EventInGroup};
use self::household::Household;
use self::idle::IdleGuard;
use self::language_choice::LanguageChoice;
use self::plan::PlanView;
use self::questions::Questions;
use self::slip::Slip;
pub use self::state::{KioskAction, KioskState, KioskVisit, Step};
use crate::api;
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::kiosk::{Say, say};
use crate::repo::Command;
use crate::state::Action;

/// The kiosk's journey as every kiosk component reads it (`use_context`).
pub type KioskContext = UseReducerHandle<KioskState>;

/// The language of the kiosk's current citizen.
#[hook]
pub fn use_language() -> Language {
    use_context::<KioskContext>()
        .map(|k| k.language)
        .unwrap_or(Language::Ja)
}

/// The citizens' kiosk.
#[component(Kiosk)]
pub fn kiosk() -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let kiosk = use_reducer(KioskState::default);

    {
        // An enrolled kiosk gets the key of its drafts from the server; a browser that is not
        // one says so to citizens in their words, and waits for staff.
        let (repo, app) = (repo.clone(), app.clone());
        use_effect_with((), move |_| {
            crate::reception::resume(&repo);
            ask_enrolment(repo, app, 0);
        });
    }
    {
        // A kiosk keeps no visit: every local copy (one a reload interrupted too) leaves the
        // tablet as soon as the server holds it, except the one a citizen is filling.
        let repo = repo.clone();
        let current = kiosk.visit.as_ref().map(|v| v.id);
        let locals: Vec<DocumentId> = app.local_visits.iter().map(|v| v.doc).collect();
        use_effect_with((locals, current), move |(locals, current)| {
            for id in locals.iter().filter(|id| Some(**id) != *current) {
                repo.send(Command::Release(*id));
            }
        });
    }

    {
        // Each screen starts at its title (said by screen readers; Enter there does nothing,
        // so a second press meant for the last button cannot act on the new screen); the
        // first screen at its first language.
        let step = kiosk.step.clone();
        use_effect_with((step, kiosk.generation), |(step, _)| match step {
            Step::Language => crate::focus::focus_first_of(&["#kiosk-language-ja"]),
            Step::TakingNumber => {}
            _ => crate::focus::focus_first_of(&[".kiosk h2.step-title"]),
        });
    }

    let reset = {
        let (kiosk, repo, app) = (kiosk.clone(), repo.clone(), app.clone());
        Callback::from(move |()| {
            if let Some(visit) = &kiosk.visit {
                repo.send(Command::Release(visit.id));
                app.dispatch(Action::Forget(visit.id));
            }
            kiosk.dispatch(KioskAction::Reset);
            // sessionStorage keeps only the drafts' key (crate::vault), never a citizen's data:
            // it stays, or a reload offline could not open the copy still to be sent.
            if let Some(window) = web_sys::window() {
                window.scroll_to_with_x_and_y(0.0, 0.0);
            }
        })
    };

    // The journey a number is being taken for: an answer that comes back after 最初に戻る (a
    // slow network) belongs to nobody on the screen any more and is not shown to the next
    // citizen; a second tap while one is being taken takes no second number.
    let generation = use_mut_ref(|| 0u32);
    *generation.borrow_mut() = kiosk.generation;
    let taking = use_mut_ref(|| false);
    let take_number = {
        let (kiosk, repo) = (kiosk.clone(), repo.clone());
        let (generation, taking) = (generation.clone(), taking.clone());
        Callback::from(move |()| {
            if let Some(visit) = kiosk.visit.clone() {
                // Back from the household to the plan and on again: the same visit, with the
                // answers as they are now.
                if let Some(answers) = kiosk.answers.clone() {
                    repo.change(
                        visit.id,
                        VisitChange::Answers {
                            answers,
                            at: js_sys::Date::now() as i64,
                        },
                    );
                }
                kiosk.dispatch(KioskAction::Visit(visit));
                return;
            }
            if std::mem::replace(&mut *taking.borrow_mut(), true) {
                return;
            }
            kiosk.dispatch(KioskAction::TakingNumber);
            let (kiosk, repo) = (kiosk.clone(), repo.clone());
            let (generation, taking) = (generation.clone(), taking.clone());
            let asked_in = kiosk.generation;
            let id = DocumentId::random();
            spawn_local(async move {
                // The server's next number, or offline one of the block it reserved for
                // this kiosk (registered once the network is back).
                let taken = crate::reception::take_number(id, &repo).await;
                *taking.borrow_mut() = false;
                if *generation.borrow() != asked_in {
                    return;
                }
                match taken {
                    Ok(record) => {
                        let number = record.reception_number.to_string();
                        repo.send(Command::Create {
                            id,
                            reception_number: number.clone(),
                            created_at: record.created_at,
                        });
                        if let Some(answers) = kiosk.answers.clone() {
                            repo.change(
                                id,
                                VisitChange::Answers {
                                    answers,
                                    at: record.created_at,
                                },
                            );
                            // 届出日 defaults to the day the visit is filed, as when the
                            // counter chooses the event (住民記録システム標準仕様書 4.1.0.2).
                            repo.change(
                                id,
                                VisitChange::Item {
                                    key: "visit.notified_on".into(),
                                    person: None,
                                    value: shared_model::calendar::tokyo_day(record.created_at)
                                        .to_string(),
                                },
                            );
                        }
                        // The counter greets the citizen in the language they chose.
                        repo.change(
                            id,
                            VisitChange::Item {
                                key: "visit.citizen_language".into(),
                                person: None,
                                value: kiosk.language.code().into(),
                            },
                        );
                        kiosk.dispatch(KioskAction::Visit(KioskVisit { id, number }));
                    }
                    Err(_) => kiosk.dispatch(KioskAction::NumberFailed),
                }
            });
        })
    };

    let language = kiosk.language;
    let content = if app.kiosk_enrolled == Some(false) {
        html! { <NotReady /> }
    } else if app.kiosk_enrolled.is_none() {
        // Until the server (or the kiosk's own key, offline) says it is one.
        html! { <p class="lead" aria-busy="true"></p> }
    } else {
        match &kiosk.step {
            Step::Language => html! { <LanguageChoice /> },
            Step::Event => html! { <EventChoice /> },
            Step::EventIn(group) => html! { <EventInGroup group={*group} /> },
            Step::Questions => html! { <Questions /> },
            Step::Plan | Step::TakingNumber => html! {
                <PlanView on_take={take_number} offline={!app.sync.online} />
            },
            Step::Household => html! { <Household /> },
            Step::Slip => html! { <Slip on_done={reset.clone()} /> },
        }
    };
    let start_over =
        (kiosk.step != Step::Language && app.kiosk_enrolled != Some(false)).then(|| {
            let reset = reset.clone();
            html! {
                <button type="button" class="start-over" id="kiosk-start-over"
                        onclick={Callback::from(move |_| reset.emit(()))}>
                    { say(language, Say::StartOver) }
                </button>
            }
        });
    let guard = (kiosk.step != Step::Language).then(|| {
        html! { <IdleGuard key={kiosk.generation} on_timeout={reset.clone()} /> }
    });
    html! {
        <ContextProvider<KioskContext> context={kiosk.clone()}>
            <section class="kiosk" lang={language.bcp47()} key={kiosk.generation}>
                <h1 class="visually-hidden">{ say(language, Say::KioskHeading) }</h1>
                <div class="slot">{ for start_over }</div>
                { content }
                <div class="slot">{ for guard }</div>
            </section>
        </ContextProvider<KioskContext>>
    }
}

/// How long the kiosk waits before asking the server again whether it is one, ms.
const ASK_AGAIN_MS: u32 = 5_000;

/// Asks the server whether this browser is an enrolled kiosk (and for its drafts' key).
/// Offline, a kiosk that holds its key (this tab's session) goes on at once from its number
/// block; one without it asks again every [`ASK_AGAIN_MS`] until the server answers, so the
/// screen comes back with the network by itself.
fn ask_enrolment(repo: crate::repo::RepoHandle, app: AppContext, attempt: u32) {
    spawn_local(async move {
        match api::kiosk().await {
            Ok(kiosk) => {
                crate::city::set_name(&kiosk.city);
                if crate::city::refresh().await {
                    app.dispatch(Action::CatalogChanged);
                }
                crate::vault::remember(&kiosk.data_key);
                repo.send(Command::Unlock(kiosk.data_key));
                app.dispatch(Action::KioskEnrolled(true));
            }
            Err(api::ApiError::Unauthorized | api::ApiError::NotFound) => {
                app.dispatch(Action::KioskEnrolled(false))
            }
            Err(_) => {
                if attempt == 0
                    && let Some(key) = crate::vault::remembered()
                {
                    repo.send(Command::Unlock(key));
                    app.dispatch(Action::KioskEnrolled(true));
                }
                gloo_timers::callback::Timeout::new(ASK_AGAIN_MS, move || {
                    ask_enrolment(repo, app, attempt + 1)
                })
                .forget();
            }
        }
    });
}
