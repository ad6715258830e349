use shared_model::prefill::Prefill;
use yew::prelude::*;

use crate::fill::FillSource;
use crate::i18n::{Text, ja};

/// A value as the confirmation shows it: a 個人番号 masked but for its last 4 digits.
pub fn shown(key: &str, value: &str) -> String {
    if key == "person.my_number" && value.chars().count() > 4 {
        let tail: String = value
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("••••••••{tail}")
    } else {
        value.to_owned()
    }
}

/// Properties of [`FillConfirm`].
#[derive(Properties, PartialEq)]
pub struct FillConfirmProps {
    /// The fill, planned against what the visit holds now.
    pub plan: Prefill,
    /// The counter's answer: `Some(true)` replace, `Some(false)` only the blanks, `None`
    /// やめる (also Escape).
    pub on_answer: Callback<Option<bool>>,
    /// Where the values come from (named in the question and the buttons).
    pub source: FillSource,
    /// The element ids' prefix (`fill` → `#fill-confirm`, `#fill-replace`, …), so that two
    /// panels on one screen do not share ids.
    #[prop_or(AttrValue::Static("fill"))]
    pub id: AttrValue,
}

/// Asks before a fill replaces values already entered: what each holds now and what the
/// fill would write, and how many blanks it fills besides.
#[component(FillConfirm)]
pub fn fill_confirm(props: &FillConfirmProps) -> Html {
    let id = |suffix: &str| format!("{}-{suffix}", props.id);
    // 住基, 転出証明書, 在留カード, …: the question names where the values come from.
    let source = match props.source {
        FillSource::Register => ja(Text::FillSourceRegister),
        FillSource::Document(document, _) => document.label_ja(),
    };
    let said = |text: Text| ja(text).replace("{s}", source);
    let rows = props.plan.replacing().map(|c| {
        html! {
            <tr key={format!("{}-{:?}", c.key, c.person)}>
                <th scope="row">{ c.label_ja() }</th>
                <td>{ shown(&c.key, &c.current) }</td>
                <td>{ shown(&c.key, &c.proposed) }</td>
            </tr>
        }
    });
    let blanks = props.plan.changes.iter().filter(|c| !c.replaces()).count();
    let answer = |replace: Option<bool>| {
        let on_answer = props.on_answer.clone();
        Callback::from(move |_: MouseEvent| on_answer.emit(replace))
    };
    // Escape answers やめる, as in any dialog.
    let onkeydown = {
        let on_answer = props.on_answer.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                on_answer.emit(None);
            }
        })
    };
    html! {
        <div class="fill-confirm" id={id("confirm")} role="group" aria-labelledby={id("confirm-title")} {onkeydown}>
            <h3 id={id("confirm-title")}>{ said(Text::FillConfirmTitle) }</h3>
            <table id={id("changes")}>
                <thead><tr>
                    <th scope="col">{ ja(Text::FillConfirmItem) }</th>
                    <th scope="col">{ ja(Text::FillConfirmCurrent) }</th>
                    <th scope="col">{ said(Text::FillConfirmProposed) }</th>
                </tr></thead>
                <tbody>{ for rows }</tbody>
            </table>
            <p>{ ja(Text::FillConfirmBlanks).replace("{n}", &blanks.to_string()) }</p>
            <div class="actions">
                <button type="button" id={id("replace")} onclick={answer(Some(true))}>{ said(Text::FillReplace) }</button>
                <button type="button" id={id("blanks-only")} onclick={answer(Some(false))}>{ ja(Text::FillBlanksOnly) }</button>
                <button type="button" id={id("cancel")} onclick={answer(None)}>{ ja(Text::FillCancel) }</button>
            </div>
        </div>
    }
}
