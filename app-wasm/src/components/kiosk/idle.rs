use gloo_events::EventListener;
use yew::prelude::*;

use super::use_language;
use crate::i18n::kiosk::{Say, say, say_with};

/// Seconds without a touch after which the kiosk forgets the citizen (仕様: 2 minutes).
pub const IDLE_S: u32 = 120;
/// Seconds of countdown shown before that.
pub const COUNTDOWN_S: u32 = 30;

/// Properties of [`IdleGuard`].
#[derive(Properties, PartialEq)]
pub struct IdleGuardProps {
    /// Called when nobody touched the kiosk for [`IDLE_S`] seconds.
    pub on_timeout: Callback<()>,
}

/// Watches for a citizen who walked away: any touch, click, key or input restarts the count;
/// for the last [`COUNTDOWN_S`] seconds a dialog counts down with 続ける, and at [`IDLE_S`] the
/// journey is reset. Time is read from the clock at each tick, not counted in ticks, so a
/// tablet that slept (and skipped ticks) still resets.
#[component(IdleGuard)]
pub fn idle_guard(props: &IdleGuardProps) -> Html {
    let language = use_language();
    let touched = use_mut_ref(js_sys::Date::now);
    let shown = use_state(|| 0u32);
    // The reset as it is now (it knows the citizen's visit), not as it was when the watch
    // began.
    let on_timeout = use_mut_ref(|| props.on_timeout.clone());
    *on_timeout.borrow_mut() = props.on_timeout.clone();
    {
        let (touched, shown, on_timeout) = (touched.clone(), shown.clone(), on_timeout.clone());
        use_effect_with((), move |_| {
            let window = web_sys::window().expect("a window");
            let listeners: Vec<EventListener> = ["pointerdown", "keydown", "input", "wheel"]
                .into_iter()
                .map(|kind| {
                    let (touched, shown) = (touched.clone(), shown.clone());
                    EventListener::new(&window, kind, move |_| {
                        *touched.borrow_mut() = js_sys::Date::now();
                        shown.set(0);
                    })
                })
                .collect();
            let tick = gloo_timers::callback::Interval::new(1_000, move || {
                let now = ((js_sys::Date::now() - *touched.borrow()) / 1_000.0).max(0.0) as u32;
                if now >= IDLE_S {
                    on_timeout.borrow().emit(());
                } else if now + COUNTDOWN_S >= IDLE_S {
                    shown.set(now);
                }
            });
            move || {
                drop(tick);
                drop(listeners);
            }
        });
    }
    let visible = *shown + COUNTDOWN_S >= IDLE_S;
    // The dialog takes the focus (its 続ける), and gives it back to the page's title.
    use_effect_with(visible, |visible| {
        if *visible {
            crate::focus::focus_first_of(&["#kiosk-idle-continue"]);
        }
    });
    if !visible {
        return html! {};
    }
    let left = (IDLE_S - *shown).to_string();
    let stay = {
        let (touched, shown) = (touched.clone(), shown.clone());
        Callback::from(move |_| {
            *touched.borrow_mut() = js_sys::Date::now();
            shown.set(0);
        })
    };
    html! {
        <div class="idle-warning" role="alertdialog" aria-labelledby="kiosk-idle-text" aria-modal="true">
            <p id="kiosk-idle-text">{ say_with(language, Say::IdleWarning, &[("n", &left)]) }</p>
            <button type="button" class="big primary" id="kiosk-idle-continue" onclick={stay}>
                { say(language, Say::IdleContinue) }
            </button>
        </div>
    }
}
