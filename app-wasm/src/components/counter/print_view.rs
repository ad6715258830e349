use shared_model::DocumentId;
use shared_model::calendar::{Wareki, parse_date, tokyo_day};
use shared_model::catalog::{
    Field as CatalogField, Form, Kind, Medium, Repeat, Scope, VisitValues, render, section_rows,
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

/// Who at the counter writes no address of their own: the form's address is theirs.
const SAME_ADDRESS: [&str; 3] = ["self", "head", "member"];

/// The sections of one form of the sheet, with the visit's values (none for a form of the
/// sheet the visit does not file: its part stays blank for handwriting).
fn form_sections(form: &Form, values: &VisitValues) -> Html {
    let on = values
        .get(&form.id, "visit.notified_on", None)
        .and_then(|t| parse_date(t).ok())
        .unwrap_or_else(|| tokyo_day(js_sys::Date::now() as i64));
    let relation = values.get(&form.id, "visit.notifier_relation", None);
    let sections = form.sections.iter().map(|section| {
        let body = match section.repeat {
            Repeat::Once => {
                let rows = section.fields.iter().map(|field| {
                    let person = (field.scope == Scope::Person).then_some(0);
                    let value = on_paper(field, values, &form.id, person);
                    // 届出人の住所 of the person or one of the household: the form's own.
                    let value = match value {
                        Ok(text)
                            if text.is_empty()
                                && field.key == "visit.notifier_address"
                                && relation.is_some_and(|r| SAME_ADDRESS.contains(&r)) =>
                        {
                            Ok(ja(Text::PaperSameAddress).to_owned())
                        }
                        other => other,
                    };
                    html! {
                        <tr>
                            <th scope="row">{ &field.label.ja }</th>
                            <td>{ cell(value) }</td>
                        </tr>
                    }
                });
                html! { <table class="boxes"><tbody>{ for rows }</tbody></table> }
            }
            Repeat::Persons | Repeat::Children | Repeat::YoungAdults | Repeat::CardHolders => {
                let persons = section_rows(section.repeat, values, &form.id, on);
                // Columns nobody needs (optional and empty for every person) are left out, so
                // the names and dates have room on A4.
                let columns: Vec<&CatalogField> = section
                    .fields
                    .iter()
                    .filter(|f| {
                        f.required
                            || persons.iter().any(|&i| {
                                !on_paper(f, values, &form.id, Some(i)).is_ok_and(|t| t.is_empty())
                            })
                    })
                    .collect();
                let head = columns
                    .iter()
                    .map(|f| html! { <th scope="col">{ &f.label.ja }</th> });
                // Paper forms have a fixed number of rows; empty rows stay for handwriting.
                let blank = if section.repeat == Repeat::YoungAdults { 2usize } else { 4 }
                    .saturating_sub(persons.len());
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
            <section class="paper-section" data-section={section.id.clone()}>
                <h2>{ &section.title.ja }</h2>
                { body }
            </section>
        }
    });
    html! { <>{ for sections }</> }
}

/// The labels of the form's values with no canonical form (never printed as typed: the
/// sheet waits until they are corrected on the visit screen).
fn unprintable_labels(form: &Form, values: &VisitValues) -> Vec<String> {
    let mut unprintable: Vec<String> = Vec::new();
    for field in form.fields() {
        let rows: Vec<Option<usize>> = if field.scope == Scope::Person {
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
    unprintable
}

/// The 署名 boxes and 押印欄 of one form: each role's box with the signature taken on the pad
/// (the one confirmed, once the form is); empty for handwriting otherwise, and for a
/// signature that does not count (another visit's, or altered), which is never printed.
fn form_boxes(form: &Form, view: &crate::repo::VisitView, filed: bool, shared_sheet: bool) -> Html {
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
        let signed = filed
            .then(|| view.signatures.get(&(form.id.clone(), role)))
            .flatten()
            .and_then(|s| s.as_ref().ok());
        html! {
            <footer class="signature" data-role={role.as_str()} data-form={form.id.clone()}
                    data-signed={signed.is_some().to_string()}>
                <span>{ caption }</span>
                <div class="box" id={if shared_sheet {
                    format!("paper-signature-{}-{}", form.id, role.as_str())
                } else {
                    format!("paper-signature-{}", role.as_str())
                }}>
                    { for signed.map(|s| signature_svg(s, "signature-print")) }
                </div>
            </footer>
        }
    });
    let seals = form.seals.iter().map(|seal| {
        html! {
            <div class="seal" data-seal={seal.as_str()}>
                <span>{ seal.ja() }</span>
                <div class="seal-box" aria-label={seal.ja()}></div>
            </div>
        }
    });
    html! {
        <>
            { for signature_boxes }
            if !form.seals.is_empty() {
                <div class="seals">{ for seals }</div>
            }
        </>
    }
}

/// The form's 届出日 in 和暦 (「令和8年11月10日」), if it has one that reads.
fn notified_wareki(form: &Form, values: &VisitValues) -> Option<String> {
    values
        .get(&form.id, "visit.notified_on", None)
        .and_then(|t| parse_date(t).ok())
        .and_then(|d| Wareki::from_day(d).ok())
        .map(|w| w.to_string())
}

/// The staff's 処理欄 (受付・入力・審査, 証書番号, 手数料, 関連手続): filled where the visit knows
/// it (受付番号, 受付日, who handles it, the confirmation, the visit's other procedures), the
/// stamps and numbers left for the staff's hand.
/// `plan` is the visit's chosen procedures.
fn staff_box(
    form: &Form,
    view: &crate::repo::VisitView,
    plan: &[shared_model::navi::Procedure],
    staff: Option<&str>,
) -> Html {
    let received = notified_wareki(form, &view.values).unwrap_or_default();
    let confirmed = view
        .statuses
        .get(&form.id)
        .filter(|s| s.state.is_settled())
        .and_then(|s| s.at)
        .map(tokyo_day)
        .and_then(|d| Wareki::from_day(d).ok())
        .map(|w| w.to_string())
        .unwrap_or_default();
    // 手数料: copies × each certificate's fee where the form asks for certificates (「900円」),
    // else left for the staff's hand.
    let fee = form
        .fee(&view.values)
        .and_then(|yen| render(Kind::Amount, &[], &yen.to_string(), Medium::Paper).ok())
        .unwrap_or_else(|| "　　　　円".to_owned());
    let related = plan
        .iter()
        .filter(|p| !p.forms.contains(&form.id))
        .map(|p| html! { <li>{ format!("☑ {}", p.title.ja) }</li> });
    html! {
        <section class="staff-box" id="paper-staff-box" aria-label={ja(Text::PaperStaffBox)}>
            <h2>{ ja(Text::PaperStaffBox) }</h2>
            <table class="boxes">
                <tbody>
                    <tr>
                        <th scope="row">{ ja(Text::PaperReceived) }</th>
                        <td>{ format!("{received}　受付番号 {}", view.summary.reception_number) }</td>
                        <th scope="row">{ ja(Text::PaperHandledBy) }</th>
                        <td>{ staff.unwrap_or_default() }</td>
                    </tr>
                    <tr>
                        <th scope="row">{ ja(Text::PaperInput) }</th>
                        <td class="stamp"></td>
                        <th scope="row">{ ja(Text::PaperReview) }</th>
                        <td class="stamp"></td>
                    </tr>
                    <tr>
                        <th scope="row">{ ja(Text::PaperConfirmed) }</th>
                        <td>{ confirmed }</td>
                        <th scope="row">{ ja(Text::PaperCertificateNumber) }</th>
                        <td></td>
                    </tr>
                    <tr>
                        <th scope="row">{ ja(Text::PaperFee) }</th>
                        <td id="paper-fee">{ fee }</td>
                        <th scope="row">{ ja(Text::PaperRelated) }</th>
                        <td><ul class="related">{ for related }</ul></td>
                    </tr>
                </tbody>
            </table>
        </section>
    }
}

/// A form laid out like the paper sheet, for the A4 print and its preview. A form printed
/// on a sheet it shares (様式第1号: 印鑑登録申請書 and 廃止届) shows the whole sheet, the parts
/// the visit does not file left blank.
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
    let catalog = crate::city::catalog().catalog;
    let Some(form) = catalog.forms.get(props.form) else {
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
    let plan = crate::city::catalog()
        .navi
        .chosen_plan(view.answers.as_ref(), &view.choices);
    let filed: Vec<&String> = plan.iter().flat_map(|p| &p.forms).collect();
    let parts = form.sheet_forms(catalog);
    let shared_sheet = parts.len() > 1;
    let blank = VisitValues::default();
    let parts_html = parts.iter().map(|part| {
        let files = part.id == form.id || filed.contains(&&part.id);
        let shown = if files { values } else { &blank };
        let body = html! {
            <>
                { form_sections(part, shown) }
                { form_boxes(part, view, files, shared_sheet) }
            </>
        };
        if shared_sheet {
            html! {
                <section class="sheet-part" data-form={part.id.clone()} data-filed={files.to_string()}>
                    <h2 class="part-title">{ format!("{} {}", if files { "☑" } else { "☐" }, part.title.ja) }</h2>
                    { body }
                </section>
            }
        } else {
            body
        }
    });
    let notified = notified_wareki(form, values).unwrap_or_else(|| "　　年　　月　　日".into());
    let unprintable = unprintable_labels(form, values);
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
    let title = form
        .sheet
        .as_ref()
        .map(|s| s.title.ja.clone())
        .unwrap_or_else(|| form.title.ja.clone());
    let staff = app.staff.as_ref().map(|s| s.name.as_str());
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
                     aria-label={title.clone()} data-draft={draft.to_string()}>
                <div class="slot">
                    if draft {
                        <p class="draft-mark" id="draft-mark">{ ja(Text::DraftMark) }</p>
                    }
                </div>
                <header>
                    <h1>{ title }</h1>
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
                { for parts_html }
                { staff_box(form, view, &plan, staff) }
            </article>
        </section>
    }
}
