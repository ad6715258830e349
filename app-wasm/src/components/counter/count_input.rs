use shared_model::catalog::Kind;
use shared_model::{DocumentId, VisitChange};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::hooks::{use_draft, use_repo};

/// Properties of [`CountInput`].
#[derive(Properties, PartialEq)]
pub struct CountInputProps {
    /// The visit.
    pub id: DocumentId,
    /// The form whose own field it is.
    pub form: String,
    /// The count's key (`copies.juminhyo`: the field, a dot, the choice).
    pub key_name: String,
    /// The DOM id.
    pub dom_id: String,
    /// The choice's label.
    pub label: String,
    /// The visit's value.
    pub value: String,
    /// Fixed by a confirmed form (a change goes through 訂正).
    #[prop_or_default]
    pub read_only: bool,
}

/// One 通数 (0–99) of a counts field (証明書の種類×通数), keeping what is typed while the
/// person types ([`use_draft`]).
#[component(CountInput)]
pub fn count_input(props: &CountInputProps) -> Html {
    let repo = use_repo();
    let draft = use_draft(&props.value);
    let oninput = {
        let (repo, draft, id, form, key) = (
            repo.clone(),
            draft.clone(),
            props.id,
            props.form.clone(),
            props.key_name.clone(),
        );
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            draft.typed(input.value());
            repo.change(
                id,
                VisitChange::FormField {
                    form: form.clone(),
                    key: key.clone(),
                    value: input.value(),
                },
            )
        })
    };
    // Leaving the field writes the count's canonical form (`03` → `3`), as every field does.
    let onchange = {
        let (draft, repo, id, form, key) = (
            draft.clone(),
            repo.clone(),
            props.id,
            props.form.clone(),
            props.key_name.clone(),
        );
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(value) = draft.rewrite(Kind::Counts, &input) {
                repo.change(
                    id,
                    VisitChange::FormField {
                        form: form.clone(),
                        key: key.clone(),
                        value,
                    },
                )
            }
        })
    };
    let onblur = {
        let draft = draft.clone();
        Callback::from(move |_: FocusEvent| draft.done())
    };
    html! {
        <div class="count-row">
            <label for={props.dom_id.clone()}>{ &props.label }</label>
            <input id={props.dom_id.clone()} type="number" min="0" max="99" value={draft.shown()}
                   readonly={props.read_only}
                   {oninput} {onchange} {onblur} />
        </div>
    }
}
