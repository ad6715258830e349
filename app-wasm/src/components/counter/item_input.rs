use shared_model::Conflict;
use shared_model::calendar::read_date;
use shared_model::catalog::{Field as CatalogField, Kind};
use shared_model::validate::{Code, Finding, Severity, check_date_field};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::i18n::{Text, ja};

/// Properties of [`ItemInput`].
#[derive(Properties, PartialEq)]
pub struct ItemInputProps {
    /// The DOM id of the input.
    pub dom_id: String,
    /// The catalog field it edits.
    pub field: CatalogField,
    /// The current value.
    pub value: String,
    /// Findings about this value.
    #[prop_or_default]
    pub findings: Vec<Finding>,
    /// Concurrent values, if two counters disagree.
    #[prop_or_default]
    pub conflict: Option<Conflict>,
    /// Called with the new value.
    pub on_change: Callback<String>,
    /// Staff names by writing actor, to say who wrote each conflicting value.
    #[prop_or_default]
    pub actor_names: std::rc::Rc<std::collections::BTreeMap<String, String>>,
    /// Fixed by a confirmed form (確認待ち and after): shown, not changed (a change goes
    /// through 訂正). Text stays focusable and selectable (`readonly`).
    #[prop_or_default]
    pub read_only: bool,
    /// The mark of the document this value was read from (`QR`, `OCR`, `IC`) and the
    /// document's name, while it still holds what was read.
    #[prop_or_default]
    pub read_from: Option<(&'static str, &'static str)>,
    /// Whether a form that asks for this field was asked to be confirmed: its 必須 notes show
    /// even on a field nobody has visited.
    #[prop_or_default]
    pub asked: bool,
}

/// One labelled input for a catalog field, with its findings and any conflict.
#[component(ItemInput)]
pub fn item_input(props: &ItemInputProps) -> Html {
    let field = &props.field;
    let id = props.dom_id.clone();
    let described = format!("{id}-notes");
    // A field nobody has left yet, still empty, and no form asked to be confirmed: what it
    // lacks is not said yet (the screen does not open with 「エラー 42件」). A value typed is
    // judged at once, and so is a rule another field's value broke (個人番号入り asked by an
    // agent: 交付方法 must be 郵送), shown on this field before anyone reaches it.
    let left = use_state(|| false);
    let quiet = props.value.trim().is_empty() && !*left && !props.asked;
    let findings: Vec<&Finding> = props
        .findings
        .iter()
        .filter(|f| !(quiet && f.code == Code::Required))
        .collect();
    let invalid = findings.iter().any(|f| f.severity == Severity::Error);
    let onfocusout = {
        let left = left.clone();
        Callback::from(move |_: FocusEvent| {
            if !*left {
                left.set(true);
            }
        })
    };
    let on_change = props.on_change.clone();
    // 個人番号 stays masked on screen until the person at the counter reveals it (audited).
    let revealed = use_state(|| false);
    let secret = field.kind == Kind::MyNumber;
    let draft = crate::hooks::use_draft(&props.value);
    // An IME conversion is written once it is committed, not at every unconverted step.
    let text_ref = use_node_ref();
    {
        let (draft, on_change) = (draft.clone(), props.on_change.clone());
        crate::hooks::use_composition_end(
            text_ref.clone(),
            Callback::from(move |value: String| {
                draft.typed(value.clone());
                on_change.emit(value);
            }),
        );
    }
    // What the rewrite into the canonical form says about what was typed (平成31年5月1日 is
    // 令和元年5月1日): the stored 2019-05-01 no longer tells, so the note stays on this screen
    // until the field is typed in again.
    let rewrite_note = use_state(|| None::<Finding>);
    let input = match field.kind {
        Kind::Choice => {
            let onchange = Callback::from(move |e: Event| {
                let select: HtmlSelectElement = e.target_unchecked_into();
                on_change.emit(select.value());
            });
            let options = field.choices.iter().map(|c| {
                html! { <option value={c.id.clone()} selected={c.id == props.value}>{ &c.label.ja }</option> }
            });
            html! {
                <select id={id.clone()} {onchange} aria-invalid={invalid.to_string()} disabled={props.read_only}
                        aria-describedby={described.clone()}>
                    <option value="" selected={props.value.is_empty()}>{ "—" }</option>
                    { for options }
                </select>
            }
        }
        Kind::Flag => {
            let onchange = Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                on_change.emit(input.checked().to_string());
            });
            html! {
                <input id={id.clone()} type="checkbox" checked={props.value == "true"} {onchange} disabled={props.read_only}
                       aria-describedby={described.clone()} />
            }
        }
        _ => {
            let oninput = {
                let (on_change, draft, note) =
                    (on_change.clone(), draft.clone(), rewrite_note.clone());
                Callback::from(move |e: InputEvent| {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    if note.is_some() {
                        note.set(None);
                    }
                    draft.typed(input.value());
                    // Mid-conversion (た, たk …): shown as typed, written at compositionend.
                    if !e.is_composing() {
                        on_change.emit(input.value());
                    }
                })
            };
            let onblur = {
                let draft = draft.clone();
                Callback::from(move |_: FocusEvent| draft.done())
            };
            // Leaving the field writes the value's canonical form (ﾀｶｻｷ → タカサキ, R6.4.1 →
            // 2024-04-01, 〒３７０－０８２９ → 370-0829); while typing, nothing is rewritten.
            let onchange = {
                let (kind, draft, note) = (field.kind, draft.clone(), rewrite_note.clone());
                let unknown_parts = field.unknown_parts;
                Callback::from(move |e: Event| {
                    let input: HtmlInputElement = e.target_unchecked_into();
                    let typed = input.value();
                    if kind == Kind::Date {
                        note.set(
                            check_date_field(&typed, unknown_parts)
                                .into_iter()
                                .find(|f| f.code == Code::DateOutsideEra),
                        );
                    }
                    if let Some(canonical) = draft.rewrite(kind, &input) {
                        on_change.emit(canonical);
                    }
                })
            };
            let placeholder = (field.kind == Kind::Date).then(|| ja(Text::DateHint).to_owned());
            let kind = if secret && !*revealed {
                "password"
            } else {
                "text"
            };
            let reveal = secret.then(|| {
                let shown = *revealed;
                let (revealed, place) = (revealed.clone(), id.clone());
                let onclick = Callback::from(move |_| {
                    if !*revealed {
                        let place = place.clone();
                        wasm_bindgen_futures::spawn_local(async move {
                            crate::api::audit_reveal("person.my_number", &place).await;
                        });
                    }
                    revealed.set(!*revealed);
                });
                let label = if shown { ja(Text::HideNumber) } else { ja(Text::RevealNumber) };
                html! {
                    <button type="button" class="reveal" id={format!("{id}-reveal")} {onclick}
                            aria-controls={id.clone()} aria-pressed={shown.to_string()}>{ label }</button>
                }
            });
            html! {
                <>
                    <input id={id.clone()} type={kind} value={draft.shown()} {oninput} {onchange} {onblur}
                           readonly={props.read_only} ref={text_ref.clone()}
                           placeholder={placeholder} autocomplete="off" inputmode={secret.then_some("numeric")}
                           aria-invalid={invalid.to_string()} aria-describedby={described.clone()} />
                    { for reveal }
                </>
            }
        }
    };
    // A date is shown back in the other calendar, so the person sees what was understood
    // (不詳 where parts are unknown).
    let shown = draft.shown();
    let date_echo = (field.kind == Kind::Date && !shown.trim().is_empty())
        .then(|| read_date(&shown).ok())
        .flatten()
        .map(|reading| match reading.date.calendar_day() {
            Some(day) => format!("{} ({day})", reading.date.to_japanese()),
            None => reading.date.to_japanese(),
        });
    let notes = findings
        .iter()
        .copied()
        .chain(
            (*rewrite_note)
                .iter()
                .filter(|n| !props.findings.iter().any(|f| f.code == n.code)),
        )
        .map(|f| {
            let class = match f.severity {
                Severity::Error => "finding error",
                Severity::Warning => "finding warning",
            };
            html! { <p class={class} data-code={f.code.as_str()}>{ &f.message_ja }</p> }
        });
    let conflict = props.conflict.as_ref().map(|c| {
        let choices = c.values.iter().map(|(value, actor)| {
            let on_change = props.on_change.clone();
            let chosen = value.clone();
            let onclick = Callback::from(move |_| on_change.emit(chosen.clone()));
            // Who wrote it: the staff member at the writing terminal, else the terminal.
            let who = props
                .actor_names
                .get(actor)
                .cloned()
                .unwrap_or_else(|| format!("端末 {}", actor.get(..6).unwrap_or(actor)));
            let writer = ja(Text::WrittenBy).replace("{a}", &who);
            html! {
                <button type="button" class="choose" {onclick}>
                    { ja(Text::ChooseValue).replace("{v}", value) }
                    <small class="writer">{ writer }</small>
                </button>
            }
        });
        html! {
            <div class="conflict" role="alert">
                <span>{ ja(Text::ConflictNotice) }</span>
                { for choices }
            </div>
        }
    });
    let required = field.required.then(|| {
        html! { <span class="required" aria-hidden="true">{ ja(Text::RequiredMark) }</span> }
    });
    // 「QR」 beside a value read from the 転出証明書 (and so on), until someone edits it; the
    // title names the document for the mouse, the label's text for screen readers.
    let read_from = props.read_from.map(|(mark, document)| {
        let title = ja(Text::ReadFromTitle).replace("{d}", document);
        html! { <span class="read-from" title={title.clone()} aria-label={title}>{ mark }</span> }
    });
    html! {
        <div class={classes!("field", invalid.then_some("invalid"), props.read_from.map(|_| "read"))} {onfocusout}>
            <label for={id.clone()}>{ &field.label.ja }{ for required }{ for read_from }</label>
            // Every child is always there (empty when it has nothing to say), so that an echo
            // or a conflict appearing never shifts the input's place among its siblings: Yew
            // matches unkeyed children by position and would re-create the input under the
            // person's fingers, dropping focus and keys.
            <div class="control">
                { input }
                if field.kind == Kind::Date {
                    <span class="echo" id={format!("{id}-echo")}>{ date_echo.unwrap_or_default() }</span>
                }
                <div id={described}>{ for notes }</div>
                <div class="conflict-place">{ for conflict }</div>
            </div>
        </div>
    }
}
