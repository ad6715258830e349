use shared_model::catalog::{Item, Kind};
use shared_model::validate::{KIOSK_RELATIONSHIPS, katakana_as_typed};
use shared_model::{DocumentId, VisitChange};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use super::date_picker::DatePicker;
use super::use_language;
use crate::hooks::use_repo;
use crate::i18n::kiosk::{Say, label, say, show};

/// Properties of [`ItemField`].
#[derive(Properties, PartialEq)]
pub struct ItemFieldProps {
    /// The visit.
    pub id: DocumentId,
    /// The catalog item (`person.name`, `household.address`, …).
    pub item: Item,
    /// The person row, for person items.
    pub person: Option<usize>,
    /// What the visit holds.
    pub value: String,
    /// The question to ask instead of the item's label, where the event gives it a sharper
    /// one (住所 → 新しい住所 at a 転入).
    #[prop_or_default]
    pub question: Option<Say>,
}

/// One question of the kiosk's household screen, asked in the way its kind wants: text typed
/// (フリガナ turned into katakana as it is typed), a date by era/year/month/day pickers, a
/// choice or a 続柄 as large buttons. Every answer is written to the visit at once.
#[component(ItemField)]
pub fn item_field(props: &ItemFieldProps) -> Html {
    let repo = use_repo();
    let language = use_language();
    let (id, person, key) = (props.id, props.person, props.item.key.clone());
    let write = {
        let repo = repo.clone();
        Callback::from(move |value: String| {
            repo.change(
                id,
                VisitChange::Item {
                    key: key.clone(),
                    person,
                    value,
                },
            )
        })
    };
    let dom_id = format!(
        "kiosk-{}-{}",
        props.item.key.replace(['.', '_'], "-"),
        person
            .map(|p| p.to_string())
            .unwrap_or_else(|| "all".into())
    );
    let hint = props.item.hint.as_ref().map(|hint| {
        html! { <p class="hint" id={format!("{dom_id}-hint")}>{ label(language, hint) }</p> }
    });
    let described = props.item.hint.as_ref().map(|_| format!("{dom_id}-hint"));
    let name = match props.question {
        Some(question) => say(language, question),
        None => label(language, &props.item.label),
    };
    match props.item.kind {
        Kind::Date => html! {
            <fieldset class="kiosk-field date" id={dom_id.clone()}>
                <legend>{ name }</legend>
                { for hint }
                <DatePicker dom_id={dom_id.clone()} value={props.value.clone()} on_change={write}
                            past={props.item.past} />
            </fieldset>
        },
        Kind::Choice | Kind::Flag | Kind::Relationship => {
            let options: Vec<(String, Html)> = match props.item.kind {
                Kind::Relationship => KIOSK_RELATIONSHIPS
                    .iter()
                    .map(|(value, words)| ((*value).to_owned(), show(words.get(language), &[])))
                    .collect(),
                Kind::Flag => vec![
                    ("true".to_owned(), say(language, Say::Yes)),
                    ("false".to_owned(), say(language, Say::No)),
                ],
                _ => props
                    .item
                    .choices
                    .iter()
                    .map(|c| (c.id.clone(), label(language, &c.label)))
                    .collect(),
            };
            let buttons = options.into_iter().enumerate().map(|(i, (value, text))| {
                let checked = props.value == value;
                let onchange = {
                    let (write, value) = (write.clone(), value.clone());
                    Callback::from(move |_| write.emit(value.clone()))
                };
                html! {
                    <label class="big">
                        <input type="radio" name={dom_id.clone()} id={format!("{dom_id}-{i}")}
                               value={value.clone()} {checked} {onchange} />
                        { text }
                    </label>
                }
            });
            html! {
                <fieldset class="kiosk-field choices" id={dom_id.clone()}>
                    <legend>{ name }</legend>
                    { for hint }
                    <div class="options">{ for buttons }</div>
                </fieldset>
            }
        }
        kind => {
            // フリガナ with other letters (Latin, kanji, digits) is said at once: the counter
            // would refuse it later, with the citizen gone.
            let wrong = kind == Kind::Kana
                && !props.value.trim().is_empty()
                && shared_model::validate::check_kana(&props.value).is_err();
            let finding = wrong.then(|| html! {
                <p class="finding error" id={format!("{dom_id}-finding")}>{ say(language, Say::KanaOnly) }</p>
            });
            html! {
                <div class="kiosk-field">
                    <label for={dom_id.clone()}>{ name }</label>
                    { for hint }
                    <TextInput dom_id={dom_id.clone()} {kind} value={props.value.clone()}
                               on_change={write} described={described} />
                    <div class="slot" aria-live="polite">{ for finding }</div>
                </div>
            }
        }
    }
}

/// Properties of [`TextInput`].
#[derive(Properties, PartialEq)]
struct TextInputProps {
    dom_id: String,
    kind: Kind,
    value: String,
    on_change: Callback<String>,
    described: Option<String>,
}

/// A text input written to the visit as it is typed (an IME conversion once committed);
/// フリガナ typed in hiragana (or half-width) shows and is stored as full-width katakana at
/// once, so the citizen sees what the counter will.
#[component(TextInput)]
fn text_input(props: &TextInputProps) -> Html {
    let draft = crate::hooks::use_draft(&props.value);
    let kind = props.kind;
    let write = {
        let (draft, on_change) = (draft.clone(), props.on_change.clone());
        Callback::from(move |value: String| {
            let value = if kind == Kind::Kana {
                katakana_as_typed(&value)
            } else {
                value
            };
            draft.typed(value.clone());
            on_change.emit(value);
        })
    };
    let input_ref = use_node_ref();
    crate::hooks::use_composition_end(input_ref.clone(), write.clone());
    let oninput = {
        let (write, draft) = (write.clone(), draft.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if e.is_composing() {
                draft.typed(input.value());
            } else {
                write.emit(input.value());
            }
        })
    };
    let onchange = {
        let (draft, on_change) = (draft.clone(), props.on_change.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(canonical) = draft.rewrite(kind, &input) {
                on_change.emit(canonical);
            }
        })
    };
    let onblur = {
        let draft = draft.clone();
        Callback::from(move |_: FocusEvent| draft.done())
    };
    let inputmode = match kind {
        Kind::Phone | Kind::PostalCode => Some("tel"),
        _ => None,
    };
    html! {
        <input id={props.dom_id.clone()} type="text" value={draft.shown()} {oninput} {onchange} {onblur}
               {inputmode} autocomplete="off" aria-describedby={props.described.clone()} ref={input_ref} />
    }
}
