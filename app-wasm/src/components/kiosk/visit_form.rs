use shared_model::{DocumentId, Field, VisitChange};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::VisitView;

/// Properties of [`VisitForm`].
#[derive(Properties, PartialEq)]
pub struct VisitFormProps {
    /// The visit.
    pub view: VisitView,
    /// The section heading.
    pub title: Text,
    /// The fields, in the order of the paper form.
    pub fields: Vec<Field>,
}

/// One section of a visit: a labelled input per field, each keystroke a committed change.
#[component(VisitForm)]
pub fn visit_form(props: &VisitFormProps) -> Html {
    let rows = props.fields.iter().map(|&field| {
        html! { <FieldRow key={field.key()} view={props.view.clone()} {field} /> }
    });
    html! {
        <fieldset class="form-section">
            <legend>{ ja(props.title) }</legend>
            { for rows }
        </fieldset>
    }
}

/// Properties of [`FieldRow`].
#[derive(Properties, PartialEq)]
struct FieldRowProps {
    view: VisitView,
    field: Field,
}

/// One labelled input of a [`VisitForm`].
#[component(FieldRow)]
fn field_row(props: &FieldRowProps) -> Html {
    let repo = use_repo();
    let id: DocumentId = props.view.id;
    let field = props.field;
    let value = props
        .view
        .summary
        .fields
        .iter()
        .find(|(k, _)| k == field.key())
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    let draft = crate::hooks::use_draft(&value);
    let conflict = props
        .view
        .conflicts
        .iter()
        .find(|c| c.is_on(field))
        .map(|c| {
            let values: Vec<&str> = c.values.iter().map(|(v, _)| v.as_str()).collect();
            html! {
                <p class="conflict" role="alert">
                    { ja(Text::ConflictNotice) }{ values.join(" / ") }
                </p>
            }
        });
    // What the citizen types is written as it is typed, an IME conversion once committed.
    let write = {
        let (repo, draft) = (repo.clone(), draft.clone());
        Callback::from(move |value: String| {
            let (key, person) = field.item();
            draft.typed(value.clone());
            repo.change(
                id,
                VisitChange::Item {
                    key: key.to_owned(),
                    person,
                    value,
                },
            );
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
    // Leaving the field writes the value's canonical form (ﾀｶｻｷ → タカサキ); never while the
    // citizen is still typing.
    let onchange = {
        let (repo, draft) = (repo.clone(), draft.clone());
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let (key, person) = field.item();
            let Some(item) = shared_model::catalog::Catalog::builtin().items.get(key) else {
                return;
            };
            if let Some(canonical) = draft.rewrite(item.kind, &input) {
                repo.change(
                    id,
                    VisitChange::Item {
                        key: key.to_owned(),
                        person,
                        value: canonical,
                    },
                );
            }
        })
    };
    let onblur = {
        let draft = draft.clone();
        Callback::from(move |_: FocusEvent| draft.done())
    };
    let dom_id = format!("field-{}", field.key().replace(['.', '_'], "-"));
    // 生年月日 is typed as text, in 和暦 or 西暦 (S60.1.2, 昭和60年1月2日, 1985-01-02), not in
    // the browser's date widget, which takes no 和暦 and sends typed digits on into the year
    // (19850102 became the year 50102). It is shown back in the other calendar.
    let shown = draft.shown();
    let echo = (field.is_date() && !shown.trim().is_empty())
        .then(|| shared_model::calendar::read_date(&shown).ok())
        .flatten()
        .map(|reading| match reading.date.calendar_day() {
            Some(day) => format!("{} ({day})", reading.date.to_japanese()),
            None => reading.date.to_japanese(),
        });
    let placeholder = field.is_date().then(|| ja(Text::DateHint).to_owned());
    html! {
        <div class="field">
            <label for={dom_id.clone()}>{ ja(label(field)) }</label>
            <input id={dom_id.clone()} name={field.key()} type="text" {placeholder}
                   value={shown} {oninput} {onchange} {onblur} autocomplete="off" ref={input_ref} />
            <span class="echo" id={format!("{dom_id}-echo")}>{ echo.unwrap_or_default() }</span>
            <div class="slot">{ for conflict }</div>
        </div>
    }
}

/// The label of a field.
pub fn label(field: Field) -> Text {
    match field {
        Field::ApplicantName => Text::FieldName,
        Field::ApplicantKana => Text::FieldKana,
        Field::ApplicantBirthDate => Text::FieldBirthDate,
        Field::ApplicantAddress => Text::FieldAddress,
        Field::TenkyoMovedOn => Text::FieldMovedOn,
        Field::TenkyoNewAddress => Text::FieldNewAddress,
        Field::TenkyoOldAddress => Text::FieldOldAddress,
    }
}
