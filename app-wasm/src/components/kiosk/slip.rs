use std::collections::BTreeSet;

use shared_model::language::Language;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use yew::prelude::*;

use super::{KioskContext, use_language};
use crate::i18n::kiosk::{Say, label, official, say, say_with};

/// Properties of [`Slip`].
#[derive(Properties, PartialEq)]
pub struct SlipProps {
    /// The citizen is done: forget everything of them.
    pub on_done: Callback<()>,
}

/// Where the kiosk keeps the slip's paper size (`a4` or `receipt`, set by staff when the
/// kiosk is enrolled; a receipt printer's 80 mm roll by default).
pub const LAYOUT_KEY: &str = "madoguchi.slipLayout";

/// How long the slip stays after it was printed, in seconds, before the kiosk forgets the
/// citizen.
const AFTER_PRINT_S: u32 = 15;

/// The paper size of this kiosk's slip.
fn layout() -> &'static str {
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(LAYOUT_KEY).ok().flatten());
    match stored.as_deref() {
        Some("a4") => "a4",
        _ => "receipt",
    }
}

/// The 手続き案内 that leaves with the citizen: the reception number, the counters in order
/// with their procedures (official Japanese beside the translation), what to bring, the
/// deadlines and the handoff QR code; printed (A4 or an 80 mm receipt) or shown to be
/// photographed where there is no printer. It carries no name, address or date of birth.
#[component(Slip)]
pub fn slip(props: &SlipProps) -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let language = use_language();
    let printed = use_state(|| None::<u32>);
    {
        // After printing, the slip stays a moment, then the citizen is forgotten.
        let printed = printed.clone();
        use_effect_with((), move |_| {
            let window = web_sys::window().expect("window");
            let after = Closure::<dyn Fn()>::new(move || printed.set(Some(AFTER_PRINT_S)));
            let _ = window
                .add_event_listener_with_callback("afterprint", after.as_ref().unchecked_ref());
            move || {
                let _ = window.remove_event_listener_with_callback(
                    "afterprint",
                    after.as_ref().unchecked_ref(),
                );
            }
        });
    }
    {
        let (printed_now, on_done) = (*printed, props.on_done.clone());
        let printed = printed.clone();
        use_effect_with(printed_now, move |left| {
            let timeout = left.map(|left| {
                gloo_timers::callback::Timeout::new(1_000, move || {
                    if left <= 1 {
                        on_done.emit(());
                    } else {
                        printed.set(Some(left - 1));
                    }
                })
            });
            move || drop(timeout)
        });
    }
    let (Some(visit), Some(answers)) = (kiosk.visit.as_ref(), kiosk.answers.as_ref()) else {
        return html! {};
    };
    let navi = crate::city::catalog().navi;
    let stops = navi.route(&navi.plan(answers));
    let mut seen = BTreeSet::new();
    let bring: Vec<Html> = stops
        .iter()
        .flat_map(|s| &s.procedures)
        .flat_map(|p| &p.bring)
        .filter(|b| seen.insert(b.ja.clone()))
        .map(|b| html! { <li>{ label(language, b) }</li> })
        .collect();
    let stops_html = stops.iter().map(|stop| {
        let counter = stop.counter.to_string();
        let procedures = stop.procedures.iter().map(|p| {
            let deadline = p.deadline.as_ref().map(|d| html! {
                <span class="deadline">{ " — " }{ say(language, Say::Deadline) }{ ": " }{ label(language, d) }</span>
            });
            html! { <li>{ official(language, &p.title) }{ for deadline }</li> }
        });
        html! {
            <li>
                <strong>
                    { crate::i18n::kiosk::department(language, stop.department) }{ " " }
                    { say_with(language, Say::CounterNumber, &[("n", &counter)]) }
                </strong>
                <ul>{ for procedures }</ul>
            </li>
        }
    });
    let payload = shared_model::handoff::HandoffCode::new(visit.id).to_string();
    let print = Callback::from(|_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    });
    let title_ja = (!language.is_japanese()).then(
        || html! { <span class="official" lang="ja">{ Say::SlipTitle.plain(Language::Ja) }</span> },
    );
    let countdown = printed.map(|left| {
        html! { <p class="notice">{ say_with(language, Say::SlipClosing, &[("n", &left.to_string())]) }</p> }
    });
    html! {
        <div class="kiosk-step">
            <article class={classes!("slip", layout())} id="kiosk-slip" aria-labelledby="kiosk-slip-title">
                <h2 id="kiosk-slip-title" class="step-title" tabindex="-1">{ say(language, Say::SlipTitle) }{ for title_ja }</h2>
                <p class="slip-number">
                    <span>{ say(language, Say::YourNumber) }</span>
                    <strong id="reception-number-final" role="status" aria-live="polite">{ &visit.number }</strong>
                </p>
                <p>{ say(language, Say::PlanOrder) }</p>
                <ol class="slip-route">{ for stops_html }</ol>
                if !bring.is_empty() {
                    <h3>{ say(language, Say::Bring) }</h3>
                    <ul class="slip-bring">{ for bring }</ul>
                }
                <figure id="handoff-qr" data-payload={payload.clone()}>
                    { handoff_qr(&payload) }
                    <figcaption>{ say(language, Say::SlipQr) }</figcaption>
                </figure>
                <p>{ say(language, Say::SlipWait) }</p>
            </article>
            <p class="hint no-print">{ say(language, Say::SlipNoPrinter) }</p>
            <div class="slot">{ for countdown }</div>
            <div class="kiosk-actions no-print">
                <button type="button" class="big primary" id="kiosk-print" onclick={print}>
                    { say(language, Say::SlipPrint) }
                </button>
            </div>
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
                .min_dimensions(200, 200)
                .quiet_zone(true)
                .build();
            Html::from_html_unchecked(svg.into())
        }
        Err(_) => html! {},
    }
}
