mod certificate_camera;
mod queue_wait;
mod visit_form;

use shared_model::{DocumentId, Field};
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use self::certificate_camera::CertificateCamera;
use self::queue_wait::QueueWait;
use self::visit_form::VisitForm;
use crate::api;
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::Command;
use crate::state::Action;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    /// Not enrolled: the device token is asked for.
    Enroll(bool),
    Welcome,
    Registering,
    Filling(DocumentId, String),
    Done(String, DocumentId),
}

/// The citizens' kiosk: take a reception number, enter the applicant once, hand over.
#[component(Kiosk)]
pub fn kiosk() -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let step = use_state(|| Step::Welcome);

    let start = {
        let step = step.clone();
        let repo = repo.clone();
        let app = app.clone();
        Callback::from(move |_| {
            step.set(Step::Registering);
            let id = DocumentId::random();
            let step = step.clone();
            let repo = repo.clone();
            let app = app.clone();
            spawn_local(async move {
                match crate::reception::take_number(id, &repo).await {
                    Ok(record) => {
                        let number = record.reception_number.to_string();
                        repo.send(Command::Create {
                            id,
                            reception_number: number.clone(),
                            created_at: record.created_at,
                        });
                        step.set(Step::Filling(id, number));
                    }
                    // Neither an enrolled kiosk nor a signed-in person: enroll first.
                    Err(api::ApiError::Unauthorized) => step.set(Step::Enroll(false)),
                    Err(_) => {
                        app.dispatch(Action::Problem(Text::ErrorOffline));
                        step.set(Step::Welcome);
                    }
                }
            });
        })
    };

    {
        // An enrolled kiosk gets the key of its drafts from the server.
        let repo = repo.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                crate::reception::resume(&repo);
                if let Ok(kiosk) = api::kiosk().await {
                    crate::vault::remember(&kiosk.data_key);
                    repo.send(Command::Unlock(kiosk.data_key));
                }
            });
        });
    }
    let token = use_node_ref();
    let enroll = {
        let (step, repo, token) = (step.clone(), repo.clone(), token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = token
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let (step, repo) = (step.clone(), repo.clone());
            spawn_local(async move {
                match api::enroll_kiosk(value.trim()).await {
                    Ok(kiosk) => {
                        // Connect again as the kiosk the server now knows, with its drafts'
                        // key.
                        crate::vault::remember(&kiosk.data_key);
                        repo.send(Command::Unlock(kiosk.data_key));
                        repo.send(Command::Reauthenticate);
                        step.set(Step::Welcome);
                    }
                    Err(_) => step.set(Step::Enroll(true)),
                }
            });
        })
    };

    let content = match &*step {
        Step::Enroll(refused) => html! {
            <form class="kiosk-enroll" onsubmit={enroll}>
                <h2>{ ja(Text::KioskEnrollTitle) }</h2>
                <p>{ ja(Text::KioskEnrollHint) }</p>
                <div class="field">
                    <label for="kiosk-token">{ ja(Text::KioskEnrollToken) }</label>
                    <input id="kiosk-token" ref={token} type="password" autocomplete="off" required=true />
                </div>
                // Always there, empty until a refusal: appearing, it would shift the button.
                <p class="finding error" role="alert" hidden={!*refused}>
                    { if *refused { ja(Text::KioskEnrollRefused) } else { "" } }
                </p>
                <button type="submit" class="big primary" id="kiosk-enroll">{ ja(Text::KioskEnrollButton) }</button>
            </form>
        },
        Step::Welcome | Step::Registering => html! {
            <div class="kiosk-welcome">
                <p class="lead">{ ja(Text::KioskWelcome) }</p>
                <button id="kiosk-start" class="big primary" onclick={start}
                        disabled={*step == Step::Registering}>
                    { ja(Text::KioskStart) }
                </button>
                <QueueWait />
            </div>
        },
        Step::Filling(id, number) => {
            let form = app.open.as_ref().filter(|v| v.id == *id).map(|view| {
                html! {
                    <VisitForm view={view.clone()} title={Text::SectionApplicant}
                               fields={Field::APPLICANT.to_vec()} />
                }
            });
            let finish = {
                let step = step.clone();
                let number = number.clone();
                let id = *id;
                Callback::from(move |_| step.set(Step::Done(number.clone(), id)))
            };
            html! {
                <div class="kiosk-filling">
                    <p class="reception">
                        { ja(Text::KioskReceptionNumber) }
                        <strong id="reception-number">{ number }</strong>
                    </p>
                    <div class="slot">{ for form }</div>
                    <CertificateCamera id={*id} />
                    <button id="kiosk-done" class="big primary" onclick={finish}>
                        { ja(Text::KioskDone) }
                    </button>
                </div>
            }
        }
        Step::Done(number, id) => {
            let next = {
                let step = step.clone();
                Callback::from(move |_| step.set(Step::Welcome))
            };
            html! { <KioskDone number={number.clone()} id={*id} {next} /> }
        }
    };
    html! {
        <section class="kiosk">
            <h1 class="visually-hidden">{ ja(Text::FaceKiosk) }</h1>
            { content }
        </section>
    }
}

/// Properties of [`KioskDone`].
#[derive(Properties, PartialEq)]
struct KioskDoneProps {
    number: String,
    id: DocumentId,
    next: Callback<MouseEvent>,
}

/// How long 次の方 waits, so that a second press of Enter after 入力を終える does not throw the
/// number and the QR code away before anyone has seen them.
const NEXT_AFTER_MS: u32 = 3_000;

/// The kiosk's last screen: the reception number (said aloud to screen readers), the handoff
/// QR code, and 次の方 once the number had time to be seen.
#[component(KioskDone)]
fn kiosk_done(props: &KioskDoneProps) -> Html {
    let ready = use_state(|| false);
    {
        let ready = ready.clone();
        use_effect_with(props.id, move |_| {
            let timeout =
                gloo_timers::callback::Timeout::new(NEXT_AFTER_MS, move || ready.set(true));
            move || drop(timeout)
        });
    }
    let payload = shared_model::handoff::HandoffCode::new(props.id).to_string();
    html! {
        <div class="kiosk-done">
            <p>{ ja(Text::KioskReceptionNumber) }</p>
            <p class="reception-big" id="reception-number-final" role="status" aria-live="polite">
                { &props.number }
            </p>
            <p>{ ja(Text::KioskHandoff) }</p>
            <figure id="handoff-qr" data-payload={payload.clone()}>
                { handoff_qr(&payload) }
                <figcaption>{ ja(Text::KioskHandoffQr) }</figcaption>
            </figure>
            <button class="big" id="kiosk-next" onclick={props.next.clone()} disabled={!*ready}>
                { ja(Text::KioskNewVisit) }
            </button>
        </div>
    }
}

/// The handoff QR code as inline SVG (the payload is the visit's
/// [`HandoffCode`](shared_model::handoff::HandoffCode): digits and capitals, no personal data,
/// so the QR is in alphanumeric mode).
fn handoff_qr(payload: &str) -> Html {
    match qrcode::QrCode::new(payload.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(220, 220)
                .quiet_zone(true)
                .build();
            Html::from_html_unchecked(svg.into())
        }
        Err(_) => html! {},
    }
}
