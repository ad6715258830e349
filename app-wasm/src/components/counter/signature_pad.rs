//! The citizen's signature at the counter (issue 15, part 6): a pad taking pointer events
//! (pen, touch or mouse; the browser's coalesced events where it gives them, the pen's
//! pressure where there is one) that hands its strokes to the visit as
//! [`VisitChange::Sign`]; the panel on the visit screen ([`SignaturePanel`]: which forms
//! this signing covers, how each stands) and the full-screen page for a tablet turned to the
//! citizen ([`SignScreen`], `#/sign/<visit id>`: the form names and the pad, nothing else of
//! the visit). The server audits each signing as it arrives in the visit
//! (`signature_captured`: who synced it, the terminal, the visit and the forms).
//!
//! The sign screen is the citizen's: its words in the kiosk's nine languages (chosen on the
//! screen, or `#/sign/<id>?lang=pt`), no staff banner or announcement, and no way out to
//! the staff's screens. Opening it holds the tab on that visit's signing
//! ([`crate::route::hold_sign`]: Back, a typed address or a shortcut show it again); staff
//! leave by holding the title for three seconds (or Ctrl+Alt+K) and entering their
//! password. Opened from the visit, it replaces the visit's history entry.
//!
//! A signature covers the form's values at signing
//! ([`shared_model::catalog::VisitValues::form_digest`]): changed afterwards, the form's row
//! says 「署名後に内容が変わりました。もう一度署名してください。」 and the print leaves the box
//! empty.
//!
//! The strokes are scaled into the box of [`shared_model::signature`] (1000 × 300 units)
//! whatever the canvas's size, so a signature drawn on a 27-inch counter screen and one
//! drawn on a 10-inch tablet print the same. Staff using the keyboard alone reach every
//! button; the canvas has an accessible name and says in text whether it holds ink.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::rc::Rc;

use shared_model::calendar::tokyo_day;
use shared_model::signature::{HEIGHT, Signature, SignatureDraft, SignerRole, Stroke, WIDTH};
use shared_model::{DocumentId, FormState, VisitChange};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CanvasRenderingContext2d, HtmlCanvasElement, PointerEvent};
use yew::prelude::*;

use shared_model::language::Language;

use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::kiosk::{Say, official, say};
use crate::i18n::{Text, ja};
use crate::repo::{Command, VisitView};
use crate::route::{Route, hold_sign, release_sign, sign_language};

/// How long staff hold the sign screen's title to leave it, in ms (as the kiosk's
/// enrolment).
const HOLD_MS: u32 = 3_000;

/// `YYYY-MM-DD HH:MM` in Japan time of ms since the epoch.
pub(crate) fn signed_time(ms: i64) -> String {
    let minutes = (ms + 9 * 3_600_000).rem_euclid(86_400_000) / 60_000;
    format!("{} {:02}:{:02}", tokyo_day(ms), minutes / 60, minutes % 60)
}

/// The text alternative of a signature: 「署名済み 2026-11-30 10:12 端末 t-…」.
pub(crate) fn signed_text(signature: &Signature) -> String {
    ja(Text::SignedAt)
        .replace("{t}", &signed_time(signature.at))
        .replace("{m}", &signature.terminal)
}

/// Whether a form in this state takes no new signature (確認待ち, or settled).
fn locked(state: FormState) -> bool {
    state == FormState::Requested || state.is_settled()
}

/// The forms of `forms` whose sheet has a box for the person at the counter, in the order
/// given.
fn signable(forms: &[String]) -> Vec<String> {
    let catalog = crate::city::catalog().catalog;
    forms
        .iter()
        .filter(|f| {
            catalog.form(f).is_ok_and(|form| {
                form.takes_signature(SignerRole::Notifier)
                    || form.takes_signature(SignerRole::Agent)
            })
        })
        .cloned()
        .collect()
}

fn title(form: &str) -> String {
    crate::city::catalog()
        .catalog
        .form(form)
        .map(|f| f.title.ja.clone())
        .unwrap_or_else(|_| form.to_owned())
}

/// Writes the signing into the visit. The server audits it when the visit reaches it
/// (`signature_captured`, also for a signing made offline).
/// Each form is signed in the box of the standing of whoever is at the counter (an agent's
/// in the 代理人's box where the sheet has one): one signing per box.
/// `who`: a role that signs instead of the person at the counter (the 保証人 of a 印鑑登録).
fn record(
    repo: &crate::repo::RepoHandle,
    view: &crate::repo::VisitView,
    forms: Vec<String>,
    strokes: Vec<Stroke>,
    who: Option<SignerRole>,
) {
    let mut by_role: std::collections::BTreeMap<SignerRole, Vec<String>> = Default::default();
    for form in forms {
        let role = who
            .or_else(|| view.counter_role(&form))
            .unwrap_or(SignerRole::Notifier);
        by_role.entry(role).or_default().push(form);
    }
    for (role, forms) in by_role {
        repo.change(
            view.id,
            VisitChange::Sign {
                forms,
                role,
                strokes: strokes.clone(),
                at: js_sys::Date::now() as i64,
                terminal: crate::terminal::terminal_id(),
            },
        );
    }
}

/// Properties of [`SignaturePad`].
#[derive(Properties, PartialEq)]
pub struct SignaturePadProps {
    /// Prefix of the element ids (`sign`: `#sign-canvas`, `#sign-clear`, `#sign-confirm`).
    pub dom: AttrValue,
    /// Whether nothing may be signed now (the pad and its buttons are disabled).
    pub disabled: bool,
    /// The full-screen tablet's size.
    #[prop_or_default]
    pub large: bool,
    /// The strokes, when 確定 is pressed with ink on the pad.
    pub on_confirm: Callback<Vec<Stroke>>,
    /// The citizen's language on the sign screen (the kiosk's words); `None`: the counter's
    /// Japanese.
    #[prop_or_default]
    pub language: Option<Language>,
}

/// Draws every stroke of the pad on its canvas, in units of the box.
fn paint(canvas: &HtmlCanvasElement, strokes: &[Stroke]) {
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let rect = canvas.get_bounding_client_rect();
    let ratio = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0);
    let (w, h) = (
        (rect.width() * ratio).round().max(1.0) as u32,
        (rect.height() * ratio).round().max(1.0) as u32,
    );
    if canvas.width() != w || canvas.height() != h {
        canvas.set_width(w);
        canvas.set_height(h);
    }
    let _ = ctx.set_transform(
        f64::from(w) / f64::from(WIDTH),
        0.0,
        0.0,
        f64::from(h) / f64::from(HEIGHT),
        0.0,
        0.0,
    );
    ctx.clear_rect(0.0, 0.0, f64::from(WIDTH), f64::from(HEIGHT));
    ctx.set_stroke_style_str("#000");
    ctx.set_fill_style_str("#000");
    ctx.set_line_cap("round");
    ctx.set_line_join("round");
    let width = |p: Option<u16>| 6.0 + 14.0 * f64::from(p.unwrap_or(0)) / 1000.0;
    for stroke in strokes {
        match stroke.points.as_slice() {
            [] => {}
            [p] => {
                ctx.begin_path();
                let _ = ctx.arc(
                    f64::from(p.x),
                    f64::from(p.y),
                    width(p.pressure) / 2.0,
                    0.0,
                    std::f64::consts::TAU,
                );
                ctx.fill();
            }
            points => {
                for pair in points.windows(2) {
                    ctx.begin_path();
                    ctx.set_line_width(width(pair[1].pressure));
                    ctx.move_to(f64::from(pair[0].x), f64::from(pair[0].y));
                    ctx.line_to(f64::from(pair[1].x), f64::from(pair[1].y));
                    ctx.stroke();
                }
            }
        }
    }
}

/// The pen's pressure (0–1) when the pointer reports one: a mouse does not (it says 0.5
/// while a button is down, which is no pressure).
fn pressure_of(e: &PointerEvent) -> Option<f64> {
    (e.pointer_type() != "mouse" && e.pressure() > 0.0).then(|| f64::from(e.pressure()))
}

/// The events a move stands for: the browser's coalesced events (all the samples the
/// hardware gave since the last frame) where it has `getCoalescedEvents`, else the event.
fn samples(e: &PointerEvent) -> Vec<PointerEvent> {
    let coalesced = js_sys::Reflect::get(e, &JsValue::from_str("getCoalescedEvents"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .and_then(|f| f.call0(e).ok())
        .and_then(|list| list.dyn_into::<js_sys::Array>().ok())
        .map(|list| {
            list.iter()
                .filter_map(|v| v.dyn_into::<PointerEvent>().ok())
                .collect::<Vec<_>>()
        })
        .unwrap_or_default();
    if coalesced.is_empty() {
        vec![e.clone()]
    } else {
        coalesced
    }
}

/// The pad: a canvas taking pointer events, 書き直す and 確定.
#[component(SignaturePad)]
pub fn signature_pad(props: &SignaturePadProps) -> Html {
    let canvas = use_node_ref();
    let draft = use_mut_ref(|| SignatureDraft::new(f64::from(WIDTH), f64::from(HEIGHT)));
    let inked = use_state(|| false);
    let asked_empty = use_state(|| false);
    let dom = props.dom.clone();
    let point = |canvas: &NodeRef, draft: &Rc<RefCell<SignatureDraft>>, e: &PointerEvent| {
        let canvas = canvas.cast::<HtmlCanvasElement>()?;
        let rect = canvas.get_bounding_client_rect();
        draft.borrow_mut().resize(rect.width(), rect.height());
        Some((e.client_x() - rect.left(), e.client_y() - rect.top()))
    };
    let down = {
        let (canvas, draft, disabled) = (canvas.clone(), draft.clone(), props.disabled);
        let asked_empty = asked_empty.clone();
        Callback::from(move |e: PointerEvent| {
            if disabled || e.button() > 0 {
                return;
            }
            e.prevent_default();
            let Some((x, y)) = point(&canvas, &draft, &e) else {
                return;
            };
            if let Some(c) = canvas.cast::<web_sys::Element>() {
                let _ = c.set_pointer_capture(e.pointer_id());
            }
            draft
                .borrow_mut()
                .begin(x, y, e.time_stamp(), pressure_of(&e));
            asked_empty.set(false);
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                paint(&c, &draft.borrow().strokes());
            }
        })
    };
    let moved = {
        let (canvas, draft) = (canvas.clone(), draft.clone());
        Callback::from(move |e: PointerEvent| {
            if !draft.borrow().is_drawing() {
                return;
            }
            e.prevent_default();
            for sample in samples(&e) {
                if let Some((x, y)) = point(&canvas, &draft, &sample) {
                    draft
                        .borrow_mut()
                        .extend(x, y, sample.time_stamp(), pressure_of(&sample));
                }
            }
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                paint(&c, &draft.borrow().strokes());
            }
        })
    };
    let up = {
        let (canvas, draft, inked) = (canvas.clone(), draft.clone(), inked.clone());
        Callback::from(move |_: PointerEvent| {
            if !draft.borrow().is_drawing() {
                return;
            }
            draft.borrow_mut().end();
            inked.set(!draft.borrow().is_empty());
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                paint(&c, &draft.borrow().strokes());
            }
        })
    };
    let clear = {
        let (canvas, draft, inked) = (canvas.clone(), draft.clone(), inked.clone());
        Callback::from(move |_: MouseEvent| {
            draft.borrow_mut().clear();
            inked.set(false);
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                paint(&c, &[]);
            }
        })
    };
    let confirm = {
        let (canvas, draft, inked) = (canvas.clone(), draft.clone(), inked.clone());
        let (asked_empty, on_confirm) = (asked_empty.clone(), props.on_confirm.clone());
        Callback::from(move |_: MouseEvent| {
            let strokes = draft.borrow().strokes();
            if draft.borrow().is_empty() {
                asked_empty.set(true);
                return;
            }
            on_confirm.emit(strokes);
            draft.borrow_mut().clear();
            inked.set(false);
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                paint(&c, &[]);
            }
        })
    };
    {
        // A pad disabled (the forms confirmed) drops what was drawn on it.
        let (canvas, draft, inked) = (canvas.clone(), draft.clone(), inked.clone());
        use_effect_with(props.disabled, move |disabled| {
            if *disabled {
                draft.borrow_mut().clear();
                inked.set(false);
            }
            if let Some(c) = canvas.cast::<HtmlCanvasElement>() {
                paint(&c, &draft.borrow().strokes());
            }
        });
    }
    let language = props.language;
    let word = move |citizen: Say, staff: Text| match language {
        Some(language) => say(language, citizen),
        None => html! { { ja(staff) } },
    };
    let state_text = if props.disabled {
        // The sign screen says it above the pad, in the citizen's words.
        match language {
            Some(_) => html! {},
            None => html! { { ja(Text::SignPadDisabled) } },
        }
    } else {
        word(Say::SignPadHint, Text::SignTextAlternative)
    };
    let pad_label = match language {
        Some(language) => Say::SignPad.plain(language),
        None => ja(Text::SignPadLabel).to_owned(),
    };
    html! {
        <div class={classes!("signature-pad", props.large.then_some("large"), props.disabled.then_some("disabled"))}
             id={format!("{dom}-pad")} data-inked={inked.to_string()}>
            <canvas ref={canvas} id={format!("{dom}-canvas")} class="signature-canvas"
                    role="img" aria-label={pad_label}
                    aria-describedby={format!("{dom}-pad-state")}
                    aria-disabled={props.disabled.to_string()}
                    onpointerdown={down} onpointermove={moved}
                    onpointerup={up.clone()} onpointercancel={up} />
            <p class="hint" id={format!("{dom}-pad-state")}>{ state_text }</p>
            <div class="slot">
                if *asked_empty {
                    <p class="finding error" role="alert" id={format!("{dom}-empty")}>{ word(Say::SignEmptyPad, Text::SignEmpty) }</p>
                }
            </div>
            <div class="signature-buttons">
                <button type="button" class="big" id={format!("{dom}-clear")} onclick={clear}
                        disabled={props.disabled}>{ word(Say::SignRedo, Text::SignClear) }</button>
                <button type="button" class="big primary" id={format!("{dom}-confirm")} onclick={confirm}
                        disabled={props.disabled}>{ word(Say::SignOk, Text::SignConfirm) }</button>
            </div>
        </div>
    }
}

/// A signature drawn as on the print: inline SVG ([`Signature::svg`]) whose `<title>` is its
/// text alternative (「署名済み 2026-11-30 10:12 端末 t-…」), in a span of `class`.
pub(crate) fn signature_svg(signature: &Signature, class: &'static str) -> Html {
    let svg = Html::from_html_unchecked(AttrValue::from(signature.svg(&signed_text(signature))));
    html! { <span class={class}>{ svg }</span> }
}

/// Properties of [`SignaturePanel`].
#[derive(Properties, PartialEq)]
pub struct SignaturePanelProps {
    /// The visit.
    pub view: VisitView,
    /// The forms of the visit, in the screen's order.
    pub forms: Vec<String>,
    /// Whether the visit is only looked at here (another 課 has it, or it is closed).
    #[prop_or_default]
    pub read_only: bool,
}

/// The signing on the visit screen: each form whose sheet has a 届出人 box, with its
/// signature or 未署名 (and whether it is fixed), a tick for the forms this signing covers
/// (all of them that are open, by default: 「まとめて署名」), the pad, and the way to the
/// full-screen tablet page.
#[component(SignaturePanel)]
pub fn signature_panel(props: &SignaturePanelProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    // The forms a person unticked (every open form is ticked until then).
    let unticked = use_state(BTreeSet::<String>::new);
    // Who signs now: the person at the counter (None), or the 保証人 of a sheet with their box.
    let who = use_state(|| None::<SignerRole>);
    let view = &props.view;
    let id = view.id;
    let catalog = crate::city::catalog().catalog;
    let guarantor_forms: Vec<String> = props
        .forms
        .iter()
        .filter(|f| {
            catalog
                .form(f)
                .is_ok_and(|form| form.takes_signature(SignerRole::Guarantor))
        })
        .cloned()
        .collect();
    let forms = match *who {
        Some(SignerRole::Guarantor) if !guarantor_forms.is_empty() => guarantor_forms.clone(),
        _ => signable(&props.forms),
    };
    if forms.is_empty() {
        return html! { <div class="slot"></div> };
    }
    let signature_of = |form: &str| match *who {
        Some(role) => view.signatures.get(&(form.to_owned(), role)),
        None => view.counter_signature(form),
    };
    let state_of = |form: &str| {
        view.statuses
            .get(form)
            .map(|s| s.state)
            .unwrap_or(FormState::Draft)
    };
    let chosen: Vec<String> = forms
        .iter()
        .filter(|f| !locked(state_of(f)) && !unticked.contains(*f))
        .cloned()
        .collect();
    let rows = forms.iter().map(|form| {
        let dom = form.replace('_', "-");
        let is_locked = locked(state_of(form));
        let ticked = !is_locked && !unticked.contains(form);
        let toggle = {
            let (unticked, form) = (unticked.clone(), form.clone());
            Callback::from(move |_: Event| {
                let mut next = (*unticked).clone();
                if !next.remove(&form) {
                    next.insert(form.clone());
                }
                unticked.set(next);
            })
        };
        let status = match signature_of(form) {
            Some(Ok(signature)) => html! {
                <span class="signed" id={format!("sign-state-{dom}")} data-signed="true">
                    { signature_svg(signature, "signature-thumb") }
                    <span>{ signed_text(signature) }</span>
                </span>
            },
            Some(Err(problem)) => html! {
                <span class="finding error" id={format!("sign-state-{dom}")} data-signed="false">
                    { ja(Text::SignProblem).replace("{r}", &problem.message_ja()) }
                </span>
            },
            None => html! {
                <span id={format!("sign-state-{dom}")} data-signed="false">{ ja(Text::SignNotYet) }</span>
            },
        };
        html! {
            <li key={form.clone()} data-form={form.clone()} data-locked={is_locked.to_string()}>
                <label class="check">
                    <input type="checkbox" id={format!("sign-form-{dom}")} checked={ticked}
                           disabled={is_locked || props.read_only} onchange={toggle} />
                    <span>{ title(form) }</span>
                </label>
                { status }
                if is_locked {
                    <span class="hint">{ ja(Text::SignLocked) }</span>
                }
            </li>
        }
    });
    let on_confirm = {
        let (chosen, repo, app) = (chosen.clone(), repo.clone(), app.clone());
        let view = view.clone();
        let who = *who;
        Callback::from(move |strokes: Vec<Stroke>| {
            record(&repo, &view, chosen.clone(), strokes, who);
            let titles: Vec<String> = chosen.iter().map(|f| title(f)).collect();
            app.dispatch(crate::state::Action::Announce(
                ja(Text::AnnounceSigned).replace("{f}", &titles.join("、")),
            ));
        })
    };
    // The tablet turned to the citizen: this tab is held on the signing, and Back does not
    // come back to the visit.
    let open_tablet = Callback::from(move |e: MouseEvent| {
        e.prevent_default();
        hold_sign(id);
        Route::Sign(id).replace();
    });
    html! {
        <section class="form-section signature-panel" id="signature-panel" aria-labelledby="signature-title">
            <h2 id="signature-title">{ ja(Text::SignTitle) }</h2>
            <p class="hint">{ ja(Text::SignIntro) }</p>
            if !guarantor_forms.is_empty() {
                <fieldset class="signature-who">
                    <legend>{ ja(Text::SignWho) }</legend>
                    <label class="check">
                        <input type="radio" name="sign-who" id="sign-who-counter"
                               checked={who.is_none()} disabled={props.read_only}
                               onchange={{ let who = who.clone(); Callback::from(move |_: Event| who.set(None)) }} />
                        <span>{ ja(Text::SignWhoCounter) }</span>
                    </label>
                    <label class="check">
                        <input type="radio" name="sign-who" id="sign-who-hoshounin"
                               checked={*who == Some(SignerRole::Guarantor)} disabled={props.read_only}
                               onchange={{ let who = who.clone(); Callback::from(move |_: Event| who.set(Some(SignerRole::Guarantor))) }} />
                        <span>{ ja(Text::SignWhoGuarantor) }</span>
                    </label>
                </fieldset>
            }
            <fieldset class="signature-forms">
                <legend>{ ja(Text::SignForms) }</legend>
                <ul>{ for rows }</ul>
            </fieldset>
            <SignaturePad dom="sign" disabled={props.read_only || chosen.is_empty()} {on_confirm} />
            <p><a href={Route::Sign(id).to_hash()} id="sign-open-tablet" onclick={open_tablet}>{ ja(Text::SignOpenTablet) }</a></p>
        </section>
    }
}

/// Properties of [`SignScreen`].
#[derive(Properties, PartialEq)]
pub struct SignScreenProps {
    /// The visit.
    pub id: DocumentId,
}

/// `#/sign/<visit id>` (`?lang=<code>` for the citizen's language): the full-screen pad
/// for a tablet turned to the citizen (signed in as staff, on a second device if need be).
/// It shows the names of the forms to sign and the pad in the citizen's language, a row of
/// languages, nothing else of the visit; 確定 signs every one of them. Opening it holds the
/// tab on it; staff leave with the title held three seconds (or Ctrl+Alt+K) and their
/// password ([`StaffRelease`]).
#[component(SignScreen)]
pub fn sign_screen(props: &SignScreenProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let done = use_state(|| false);
    let language = use_state(|| {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        sign_language(&hash).unwrap_or(Language::Ja)
    });
    let releasing = use_state(|| false);
    {
        let repo = repo.clone();
        use_effect_with(props.id, move |id| {
            hold_sign(*id);
            repo.send(Command::Open(*id));
        });
    }
    let hold = use_mut_ref(|| None::<gloo_timers::callback::Timeout>);
    let start_hold = {
        let (hold, releasing) = (hold.clone(), releasing.clone());
        Callback::from(move |_: PointerEvent| {
            let releasing = releasing.clone();
            *hold.borrow_mut() = Some(gloo_timers::callback::Timeout::new(HOLD_MS, move || {
                releasing.set(true)
            }));
        })
    };
    let stop_hold = Callback::from(move |_: PointerEvent| drop(hold.borrow_mut().take()));
    let onkeydown = {
        let releasing = releasing.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.ctrl_key() && e.alt_key() && e.key().eq_ignore_ascii_case("k") {
                e.prevent_default();
                releasing.set(true);
            }
        })
    };
    let id = props.id;
    let lang = *language;
    let languages = Language::ALL.into_iter().map(|l| {
        let language = language.clone();
        let done = done.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            language.set(l);
            done.set(false);
        });
        html! {
            <li>
                <button type="button" class="language" lang={l.bcp47()} id={format!("sign-language-{}", l.code())}
                        aria-pressed={(l == lang).to_string()} {onclick}>
                    { l.own_name() }
                </button>
            </li>
        }
    });
    let release = (*releasing).then(|| {
        let on_close = {
            let releasing = releasing.clone();
            Callback::from(move |()| releasing.set(false))
        };
        html! { <StaffRelease {id} {on_close} /> }
    });
    let Some(view) = app.open.as_ref().filter(|v| v.id == id) else {
        return html! { <p class="loading">{ ja(Text::Loading) }</p> };
    };
    let plan = crate::city::catalog()
        .navi
        .visit_plan(view.answers.as_ref(), &view.choices);
    let mut forms: Vec<String> = Vec::new();
    for procedure in plan
        .iter()
        .filter(|p| view.choices.get(&p.rule).copied().unwrap_or(true))
    {
        for form in &procedure.forms {
            if !forms.contains(form) {
                forms.push(form.clone());
            }
        }
    }
    let open: Vec<String> = signable(&forms)
        .into_iter()
        .filter(|f| {
            !locked(
                view.statuses
                    .get(f)
                    .map(|s| s.state)
                    .unwrap_or(FormState::Draft),
            )
        })
        .collect();
    let catalog = crate::city::catalog().catalog;
    let names = open.iter().map(|f| {
        let signed = matches!(view.counter_signature(f), Some(Ok(_)));
        let name = catalog
            .form(f)
            .map(|form| official(lang, &form.title))
            .unwrap_or_else(|_| html! { { f.clone() } });
        html! {
            <li key={f.clone()} data-form={f.clone()} data-signed={signed.to_string()}>
                { name }
                if signed { <span class="hint" aria-hidden="true">{ " ✓" }</span> }
            </li>
        }
    });
    let on_confirm = {
        let (open, repo, done) = (open.clone(), repo.clone(), done.clone());
        let view = view.clone();
        Callback::from(move |strokes: Vec<Stroke>| {
            record(&repo, &view, open.clone(), strokes, None);
            done.set(true);
        })
    };
    html! {
        <section class="sign-screen" id="sign-screen" aria-labelledby="sign-screen-title"
                 lang={lang.bcp47()} data-language={lang.code()} {onkeydown}>
            <ul class="sign-languages language-list" aria-label={Say::SignLanguage.plain(lang)}>
                { for languages }
            </ul>
            // Staff hold the title three seconds to leave (nothing shows it to the citizen).
            <h1 id="sign-screen-title" tabindex="-1" onpointerdown={start_hold}
                onpointerup={stop_hold.clone()} onpointerleave={stop_hold.clone()} onpointercancel={stop_hold}>
                { say(lang, Say::SignTitle) }
            </h1>
            if open.is_empty() {
                <p id="sign-nothing">{ say(lang, Say::SignNothing) }</p>
            } else {
                <p id="sign-screen-intro">{ say(lang, Say::SignIntro) }</p>
                <ul class="sign-screen-forms" id="sign-screen-forms">{ for names }</ul>
            }
            // The citizen's own live region: what the pad did, in their language.
            <div class="slot" role="status">
                if *done {
                    <p class="done" id="sign-screen-done">{ say(lang, Say::SignThanks) }</p>
                }
            </div>
            <SignaturePad dom="sign-screen" large={true} disabled={open.is_empty()} language={Some(lang)} {on_confirm} />
            { for release }
        </section>
    }
}

/// Properties of [`StaffRelease`].
#[derive(Properties, PartialEq)]
pub struct StaffReleaseProps {
    /// The visit whose signing the tablet is held on.
    pub id: DocumentId,
    /// Closes the check, the tablet staying on the signing.
    pub on_close: Callback<()>,
}

/// The staff's way off the sign screen: the signed-in person's password, checked with the
/// server (a new session for the same login); right, the tab is released and shows the
/// visit in place of the signing. Offline it cannot be checked and the tablet stays.
#[component(StaffRelease)]
fn staff_release(props: &StaffReleaseProps) -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let password = use_node_ref();
    let refusal = use_state(|| None::<Text>);
    let Some(staff) = app.staff.clone() else {
        return html! {};
    };
    {
        let password = password.clone();
        use_effect_with((), move |_| {
            if let Some(input) = password.cast::<web_sys::HtmlElement>() {
                let _ = input.focus();
            }
        });
    }
    let onsubmit = {
        let (password, refusal, id, app) =
            (password.clone(), refusal.clone(), props.id, app.clone());
        let login = staff.login.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = password
                .cast::<web_sys::HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let (refusal, login, app) = (refusal.clone(), login.clone(), app.clone());
            wasm_bindgen_futures::spawn_local(async move {
                match crate::api::sign_in(&login, &value).await {
                    Ok(staff) if staff.login == login => {
                        app.dispatch(crate::state::Action::Staff(Some(staff)));
                        release_sign();
                        Route::CounterVisit(id).replace();
                    }
                    Err(crate::api::ApiError::Unreachable) => {
                        refusal.set(Some(Text::SignStaffOffline))
                    }
                    _ => refusal.set(Some(Text::SignStaffRefused)),
                }
            });
        })
    };
    let cancel = props.on_close.reform(|_: MouseEvent| ());
    html! {
        <form class="sign-release" id="sign-release" lang="ja" {onsubmit}>
            <h2>{ ja(Text::SignStaffTitle) }</h2>
            <p>{ ja(Text::SignStaffHint).replace("{n}", &staff.name) }</p>
            <div class="field">
                <label for="sign-release-password">{ ja(Text::SignStaffPassword) }</label>
                <input id="sign-release-password" ref={password} type="password"
                       autocomplete="current-password" required=true />
            </div>
            <p class="finding error" role="alert" id="sign-release-refused" hidden={refusal.is_none()}>
                { refusal.map(ja).unwrap_or("") }
            </p>
            <div class="signature-buttons">
                <button type="button" class="big" id="sign-release-cancel" onclick={cancel}>{ ja(Text::SignStaffCancel) }</button>
                <button type="submit" class="big primary" id="sign-release-submit">{ ja(Text::SignBackToVisit) }</button>
            </div>
        </form>
    }
}
