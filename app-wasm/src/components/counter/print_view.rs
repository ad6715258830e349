use shared_model::DocumentId;
use shared_model::calendar::{Wareki, parse_date, tokyo_day};
use shared_model::catalog::{
    Field as CatalogField, Kind, Medium, Repeat, VisitValues, is_child_on, render,
};
use shared_model::signature::SignerRole;
use yew::prelude::*;

use super::signature_pad::signature_svg;
use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::Command;
use crate::route::Route;

/// Properties of [`PrintView`].
#[derive(Properties, PartialEq)]
pub struct PrintViewProps {
    /// The visit.
    pub id: DocumentId,
    /// The form's index in the catalog.
    pub form: usize,
}

/// A value as it stands on paper, from its canonical form: dates in 和暦 (不詳 where parts
/// are unknown), フリガナ in full-width katakana, choices by their label, counts as 通.
/// Errors: a value with no canonical form, which the paper never shows as typed.
fn on_paper(
    field: &CatalogField,
    values: &VisitValues,
    form: &str,
    person: Option<usize>,
) -> Result<String, shared_model::validate::Finding> {
    if field.kind == Kind::Counts {
        let mut copies = Vec::new();
        for c in &field.choices {
            let Some(n) = values.get(form, &format!("{}.{}", field.key, c.id), None) else {
                continue;
            };
            let n = Kind::Counts.canonical(n)?;
            if n != "0" && !n.is_empty() {
                copies.push(format!("{} {}通", c.label.ja, n));
            }
        }
        return Ok(copies.join("、"));
    }
    let Some(raw) = values.get(form, &field.key, person) else {
        return Ok(String::new());
    };
    render(field.kind, &field.choices, raw, Medium::Paper)
}

/// One cell of the paper: the value, or the refusal of a value with no canonical form.
fn cell(value: Result<String, shared_model::validate::Finding>) -> Html {
    match value {
        Ok(text) => html! { { text } },
        Err(finding) => html! {
            <span class="unprintable" role="alert">{ format!("（印刷できません: {}）", finding.message_ja) }</span>
        },
    }
}

/// A form laid out like the paper sheet, for the A4 print and its preview.
#[component(PrintView)]
pub fn print_view(props: &PrintViewProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    {
        let repo = repo.clone();
        use_effect_with(props.id, move |id| repo.send(Command::Open(*id)));
    }
    // The preview opens at its top, not where the visit screen was scrolled to.
    use_effect_with((props.id, props.form), |_| {
        if let Some(window) = web_sys::window() {
            window.scroll_to_with_x_and_y(0.0, 0.0);
        }
    });
    let Some(form) = crate::city::catalog().catalog.forms.get(props.form) else {
        return html! {};
    };
    let Some(view) = app.open.as_ref().filter(|v| v.id == props.id) else {
        return html! { <p class="loading">{ ja(Text::Loading) }</p> };
    };
    let values = &view.values;
    // A form printed before the server confirmed it says so on the paper.
    let draft = !view
        .statuses
        .get(&form.id)
        .is_some_and(|s| s.state.is_settled());
    let sections = form.sections.iter().map(|section| {
        let body = match section.repeat {
            Repeat::Once => {
                let rows = section.fields.iter().map(|field| {
                    let person = (field.scope == shared_model::catalog::Scope::Person).then_some(0);
                    html! {
                        <tr>
                            <th scope="row">{ &field.label.ja }</th>
                            <td>{ cell(on_paper(field, values, &form.id, person)) }</td>
                        </tr>
                    }
                });
                html! { <table class="boxes"><tbody>{ for rows }</tbody></table> }
            }
            Repeat::Persons | Repeat::Children => {
                // Columns nobody needs (optional and empty for every person) are left out, so
                // the names and dates have room on A4.
                let columns: Vec<&CatalogField> = section
                    .fields
                    .iter()
                    .filter(|f| {
                        f.required
                            || (0..values.persons.len()).any(|i| {
                                !on_paper(f, values, &form.id, Some(i)).is_ok_and(|t| t.is_empty())
                            })
                    })
                    .collect();
                let head = columns
                    .iter()
                    .map(|f| html! { <th scope="col">{ &f.label.ja }</th> });
                let on = values
                    .get(&form.id, "visit.notified_on", None)
                    .and_then(|t| parse_date(t).ok())
                    .unwrap_or_else(|| tokyo_day(js_sys::Date::now() as i64));
                let persons: Vec<usize> = (0..values.persons.len())
                    .filter(|&i| {
                        section.repeat == Repeat::Persons
                            || values
                                .get(&form.id, "person.birth_date", Some(i))
                                .and_then(|t| parse_date(t).ok())
                                .is_some_and(|birth| is_child_on(birth, on))
                    })
                    .collect();
                // Paper forms have a fixed number of rows; empty rows stay for handwriting.
                let blank = 4usize.saturating_sub(persons.len());
                let rows = persons
                    .iter()
                    .map(|&i| Some(i))
                    .chain((0..blank).map(|_| None))
                    .map(|row| {
                        let cells = columns.iter().map(|field| match row {
                            Some(i) => html! { <td>{ cell(on_paper(field, values, &form.id, Some(i))) }</td> },
                            None => html! { <td></td> },
                        });
                        html! { <tr>{ for cells }</tr> }
                    });
                html! {
                    <table class="rows">
                        <thead><tr>{ for head }</tr></thead>
                        <tbody>{ for rows }</tbody>
                    </table>
                }
            }
        };
        html! {
            <section class="paper-section">
                <h2>{ &section.title.ja }</h2>
                { body }
            </section>
        }
    });
    let notified = values
        .get(&form.id, "visit.notified_on", None)
        .and_then(|t| parse_date(t).ok())
        .and_then(|d| Wareki::from_day(d).ok())
        .map(|w| w.to_string())
        .unwrap_or_else(|| "　　年　　月　　日".into());
    // Values with no canonical form are never printed as typed: the sheet waits until they
    // are corrected on the visit screen.
    let mut unprintable: Vec<String> = Vec::new();
    for field in form.fields() {
        let rows: Vec<Option<usize>> = if field.scope == shared_model::catalog::Scope::Person {
            (0..values.persons.len().max(1)).map(Some).collect()
        } else {
            vec![None]
        };
        for row in rows {
            if on_paper(field, values, &form.id, row).is_err() {
                let label = match row {
                    Some(i) if values.persons.len() > 1 => {
                        format!("{} ({}人目)", field.label.ja, i + 1)
                    }
                    _ => field.label.ja.clone(),
                };
                if !unprintable.contains(&label) {
                    unprintable.push(label);
                }
            }
        }
    }
    // The 署名 box of each role that signs the sheet, with the signature taken on the pad
    // (the one confirmed, once the form is); empty for handwriting otherwise, and for a
    // signature that does not count (another visit's, or altered), which is never printed.
    let roles = if form.signature.is_empty() {
        vec![SignerRole::Notifier]
    } else {
        form.signature.clone()
    };
    let signature_boxes = roles.into_iter().map(|role| {
        let caption = if form.signature.is_empty() {
            ja(Text::SignatureLabel).to_owned()
        } else {
            form.signature_caption(role)
        };
        let signed = (role == SignerRole::Notifier)
            .then(|| view.signatures.get(&form.id))
            .flatten()
            .and_then(|s| s.as_ref().ok());
        html! {
            <footer class="signature" data-role={role.as_str()} data-signed={signed.is_some().to_string()}>
                <span>{ caption }</span>
                <div class="box" id={format!("paper-signature-{}", role.as_str())}>
                    { for signed.map(|s| signature_svg(s, "signature-print")) }
                </div>
            </footer>
        }
    });
    let blocked = !unprintable.is_empty();
    let print = Callback::from(|_| {
        if let Some(window) = web_sys::window() {
            let _ = window.print();
        }
    });
    let refusal = blocked.then(|| {
        html! {
            <p class="unprintable-notice no-print" role="alert" id="print-refused">
                { ja(Text::PrintRefused).replace("{f}", &unprintable.join("、")) }
            </p>
        }
    });
    html! {
        <section class="print-view">
            <div class="print-actions no-print">
                <a href={Route::CounterVisit(props.id).to_hash()}>{ ja(Text::BackToVisit) }</a>
                <button type="button" class="primary" id="print-button" onclick={print}
                        disabled={blocked}>
                    { ja(Text::PrintNow) }
                </button>
            </div>
            <div class="slot">{ for refusal }</div>
            <article class={classes!("paper", draft.then_some("draft"))} id="paper"
                     aria-label={form.title.ja.clone()} data-draft={draft.to_string()}>
                <div class="slot">
                    if draft {
                        <p class="draft-mark" id="draft-mark">{ ja(Text::DraftMark) }</p>
                    }
                </div>
                <header>
                    <h1>{ &form.title.ja }</h1>
                    // To the 市長 of the city the form is filled for (高崎市's, on a terminal
                    // an older server never told its city).
                    <p class="addressee">{
                        format!("{}長　様", crate::city::name()
                            .unwrap_or_else(|| shared_model::tenant::TAKASAKI_NAME.to_owned()))
                    }</p>
                    <p class="meta">
                        { format!("届出日 {notified}") }
                        <span>{ format!("受付番号 {}", view.summary.reception_number) }</span>
                    </p>
                </header>
                { for sections }
                { for signature_boxes }
            </article>
        </section>
    }
}
