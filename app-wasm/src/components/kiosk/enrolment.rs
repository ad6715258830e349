use shared_model::language::Language;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::slip::LAYOUT_KEY;
use crate::api;
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::kiosk::{Say, say};
use crate::i18n::{Text, ja};
use crate::repo::Command;
use crate::state::Action;

/// How long staff hold the message to open the enrolment, in ms.
const HOLD_MS: u32 = 3_000;

/// What an unenrolled tablet shows: citizens read 「この端末は準備中です。係員にお声がけください」
/// and nothing else; staff open the enrolment by holding the message for three seconds (or
/// Ctrl+Alt+K on a keyboard) and give the kiosk token the admin issued.
#[component(NotReady)]
pub fn not_ready() -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let open = use_state(|| false);
    let refused = use_state(|| false);
    let hold = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let start_hold = {
        let (hold, open) = (hold.clone(), open.clone());
        Callback::from(move |_: PointerEvent| {
            let open = open.clone();
            *hold.borrow_mut() = Some(gloo_timers::callback::Timeout::new(HOLD_MS, move || {
                open.set(true)
            }));
        })
    };
    let stop_hold = {
        let hold = hold.clone();
        Callback::from(move |_: PointerEvent| drop(hold.borrow_mut().take()))
    };
    let onkeydown = {
        let open = open.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.ctrl_key() && e.alt_key() && e.key().eq_ignore_ascii_case("k") {
                e.prevent_default();
                open.set(true);
            }
        })
    };
    let token = use_node_ref();
    let layout = use_node_ref();
    let enroll = {
        let (token, layout, refused, repo, app) = (
            token.clone(),
            layout.clone(),
            refused.clone(),
            repo.clone(),
            app.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = token
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            if let Some(select) = layout.cast::<web_sys::HtmlSelectElement>()
                && let Some(storage) =
                    web_sys::window().and_then(|w| w.local_storage().ok().flatten())
            {
                let _ = storage.set_item(LAYOUT_KEY, &select.value());
            }
            let (refused, repo, app) = (refused.clone(), repo.clone(), app.clone());
            spawn_local(async move {
                match api::enroll_kiosk(value.trim()).await {
                    Ok(kiosk) => {
                        crate::city::set_name(&kiosk.city);
                        // Its city's forms before the citizens' first screen.
                        if crate::city::refresh().await {
                            app.dispatch(Action::CatalogChanged);
                        }
                        // Connect again as the kiosk the server now knows, with its drafts' key.
                        crate::vault::remember(&kiosk.data_key);
                        repo.send(Command::Unlock(kiosk.data_key));
                        repo.send(Command::Reauthenticate);
                        app.dispatch(Action::KioskEnrolled(true));
                    }
                    Err(_) => refused.set(true),
                }
            });
        })
    };
    let form = (*open).then(|| html! {
        <form class="kiosk-enroll" onsubmit={enroll} lang="ja">
            <h2>{ ja(Text::KioskEnrollTitle) }</h2>
            <p>{ ja(Text::KioskEnrollHint) }</p>
            <div class="field">
                <label for="kiosk-token">{ ja(Text::KioskEnrollToken) }</label>
                <input id="kiosk-token" ref={token} type="password" autocomplete="off" required=true />
            </div>
            <div class="field">
                <label for="kiosk-slip-layout">{ ja(Text::KioskSlipLayout) }</label>
                <select id="kiosk-slip-layout" ref={layout}>
                    <option value="receipt">{ ja(Text::KioskSlipReceipt) }</option>
                    <option value="a4">{ ja(Text::KioskSlipA4) }</option>
                </select>
            </div>
            // Always there, empty until a refusal: appearing, it would shift the button.
            <p class="finding error" role="alert" hidden={!*refused}>
                { if *refused { ja(Text::KioskEnrollRefused) } else { "" } }
            </p>
            <button type="submit" class="big primary" id="kiosk-enroll">{ ja(Text::KioskEnrollButton) }</button>
        </form>
    });
    html! {
        <div class="kiosk-not-ready" {onkeydown}>
            <p class="lead" id="kiosk-not-ready" tabindex="0"
               onpointerdown={start_hold} onpointerup={stop_hold.clone()} onpointerleave={stop_hold}>
                { say(Language::Ja, Say::NotReady) }
                <span class="other-language" lang="en">{ say(Language::En, Say::NotReady) }</span>
            </p>
            { for form }
        </div>
    }
}
