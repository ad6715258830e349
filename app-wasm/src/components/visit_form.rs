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
    let repo = use_repo();
    let id: DocumentId = props.view.id;
    let rows = props.fields.iter().map(|&field| {
        let value = props
            .view
            .summary
            .fields
            .iter()
            .find(|(k, _)| k == field.key())
            .map(|(_, v)| v.clone())
            .unwrap_or_default();
        let conflict = props.view.conflicts.iter().find(|c| c.is_on(field)).map(|c| {
            let values: Vec<&str> = c.values.iter().map(|(v, _)| v.as_str()).collect();
            html! {
                <p class="conflict" role="alert">
                    { ja(Text::ConflictNotice) }{ values.join(" / ") }
                </p>
            }
        });
        let oninput = {
            let repo = repo.clone();
            Callback::from(move |e: InputEvent| {
                let input: HtmlInputElement = e.target_unchecked_into();
                let (key, person) = field.item();
                repo.change(id, VisitChange::Item {
                        key: key.to_owned(),
                        person,
                        value: input.value(),
                    });
            })
        };
        // Leaving the field writes the value's canonical form (ﾀｶｻｷ → タカサキ); never
        // while the citizen is still typing.
        let onchange = {
            let repo = repo.clone();
            Callback::from(move |e: Event| {
                let input: HtmlInputElement = e.target_unchecked_into();
                let (key, person) = field.item();
                let Some(item) = shared_model::catalog::Catalog::builtin().items.get(key) else {
                    return;
                };
                let typed = input.value();
                if let Ok(canonical) = item.kind.canonical(&typed)
                    && canonical != typed
                {
                    input.set_value(&canonical);
                    repo.change(id, VisitChange::Item {
                        key: key.to_owned(),
                        person,
                        value: canonical,
                    });
                }
            })
        };
        let dom_id = format!("field-{}", field.key().replace(['.', '_'], "-"));
        html! {
            <div class="field">
                <label for={dom_id.clone()}>{ ja(label(field)) }</label>
                <input id={dom_id} name={field.key()} type={if field.is_date() { "date" } else { "text" }}
                       value={value} {oninput} {onchange} autocomplete="off" />
                { for conflict }
            </div>
        }
    });
    html! {
        <fieldset class="form-section">
            <legend>{ ja(props.title) }</legend>
            { for rows }
        </fieldset>
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
