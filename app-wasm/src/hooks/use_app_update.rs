use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{ServiceWorkerRegistration, ServiceWorkerState};
use yew::prelude::*;

/// How often a page that stays open all day asks for a new version.
const CHECK_EVERY_MS: u32 = 10 * 60 * 1000;

/// Whether a new version of the app is installed and waiting, and a callback that switches
/// to it: it posts `SKIP_WAITING` to the waiting worker and reloads once it controls the page.
/// Edits are in IndexedDB before anything else happens to them, so the reload loses none.
#[hook]
pub fn use_app_update() -> (bool, Callback<()>) {
    let available = use_state(|| false);
    {
        let available = available.clone();
        use_effect_with((), move |_| {
            spawn_local(async move {
                let Some(registration) = registration().await else {
                    return;
                };
                if registration.waiting().is_some() {
                    available.set(true);
                }
                let found = {
                    let registration = registration.clone();
                    let available = available.clone();
                    Closure::<dyn FnMut()>::new(move || {
                        let Some(worker) = registration.installing() else {
                            return;
                        };
                        let available = available.clone();
                        let watched = worker.clone();
                        let changed = Closure::<dyn FnMut()>::new(move || {
                            let controlled = web_sys::window()
                                .map(|w| w.navigator().service_worker().controller().is_some())
                                .unwrap_or(false);
                            if watched.state() == ServiceWorkerState::Installed && controlled {
                                available.set(true);
                            }
                        });
                        worker.set_onstatechange(Some(changed.as_ref().unchecked_ref()));
                        changed.forget();
                    })
                };
                registration.set_onupdatefound(Some(found.as_ref().unchecked_ref()));
                found.forget();
                gloo_timers::callback::Interval::new(CHECK_EVERY_MS, move || {
                    let _ = registration.update();
                })
                .forget();
            });
        });
    }
    let apply = Callback::from(|_| {
        spawn_local(async {
            let Some(registration) = registration().await else {
                return;
            };
            let Some(waiting) = registration.waiting() else {
                return;
            };
            let container = web_sys::window()
                .expect("a window")
                .navigator()
                .service_worker();
            let reload = Closure::<dyn FnMut()>::new(|| {
                if let Some(window) = web_sys::window() {
                    let _ = window.location().reload();
                }
            });
            container.set_oncontrollerchange(Some(reload.as_ref().unchecked_ref()));
            reload.forget();
            let message = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&message, &"type".into(), &"SKIP_WAITING".into());
            let _ = waiting.post_message(&message);
        });
    });
    (*available, apply)
}

async fn registration() -> Option<ServiceWorkerRegistration> {
    let container = web_sys::window()?.navigator().service_worker();
    let value = JsFuture::from(container.get_registration()).await.ok()?;
    value.dyn_into::<ServiceWorkerRegistration>().ok()
}

/// Asks the browser to keep this origin's storage (drafts) from eviction; returns whether
/// it agreed.
pub async fn request_persistent_storage() -> Option<bool> {
    let storage = web_sys::window()?.navigator().storage();
    if let Ok(promise) = storage.persisted()
        && let Ok(value) = JsFuture::from(promise).await
        && value.as_bool() == Some(true)
    {
        return Some(true);
    }
    let value = JsFuture::from(storage.persist().ok()?).await.ok()?;
    value.as_bool()
}
