use shared_model::catalog::Department;
use shared_model::{VisitChange, VisitState};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::context::AppContext;
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::repo::VisitView;
use crate::state::Action;

/// Properties of [`VisitActions`].
#[derive(Properties, PartialEq)]
pub struct VisitActionsProps {
    /// The visit.
    pub view: VisitView,
    /// Called with what happened, for the slip shown after the visit leaves this counter
    /// (「次は保険年金課 9番窓口へ」, 「完了しました」).
    pub on_done: Callback<String>,
}

/// The 窓口番号 a visit goes to at `department`: that of its first procedure there, else of
/// the 課's first form in the catalog.
pub fn counter_at(view: &VisitView, department: Department) -> u8 {
    crate::city::catalog()
        .navi
        .chosen_plan(view.answers.as_ref(), &view.choices)
        .iter()
        .find(|p| p.department == department && !p.forms.is_empty())
        .map(|p| p.counter)
        .or_else(|| {
            crate::city::catalog()
                .catalog
                .forms
                .iter()
                .find(|f| f.department == department)
                .map(|f| f.counter)
        })
        .unwrap_or(1)
}

/// What ends the visit's time at this counter: 回す (to a 課 chosen here, never a silent
/// default), 完了, or 取消 with a reason.
#[component(VisitActions)]
pub fn visit_actions(props: &VisitActionsProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let to = use_state(|| None::<Department>);
    let reason = use_state(String::new);
    // What a press of 回す or 取消 still lacks, shown under its row (and announced).
    let missing = use_state(|| None::<Text>);
    // 完了 with forms not yet confirmed asks once more (a 届出 left as 下書き is never sent).
    let confirming = use_state(|| false);
    let Some(staff) = app.staff.clone() else {
        return Html::default();
    };
    let Some(from) = Department::from_name(&staff.department) else {
        return Html::default();
    };
    let view = &props.view;
    let id = view.id;
    let number = view.summary.reception_number.clone();
    let targets: Vec<Department> = Department::ALL.into_iter().filter(|d| *d != from).collect();
    let options = targets.iter().map(|d| {
        let label = ja(Text::CounterPlace)
            .replace("{d}", d.ja())
            .replace("{n}", &counter_at(view, *d).to_string());
        html! { <option value={d.as_str()} selected={*to == Some(*d)}>{ label }</option> }
    });
    let onchange = {
        let (to, missing) = (to.clone(), missing.clone());
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            to.set(Department::from_name(&select.value()));
            missing.set(None);
        })
    };
    let hand_off = {
        let (repo, app, staff, on_done, view) = (
            repo.clone(),
            app.clone(),
            staff.clone(),
            props.on_done.clone(),
            view.clone(),
        );
        let chosen = *to;
        let missing = missing.clone();
        Callback::from(move |_| {
            let Some(chosen) = chosen else {
                missing.set(Some(Text::HandOffChooseFirst));
                app.dispatch(Action::Announce(ja(Text::HandOffChooseFirst).to_owned()));
                crate::focus::focus_first_of(&["#handoff-to"]);
                return;
            };
            repo.change(
                id,
                VisitChange::HandOff {
                    to: chosen,
                    name: staff.name.clone(),
                    from,
                    at: js_sys::Date::now() as i64,
                },
            );
            let slip = ja(Text::HandOffSlip)
                .replace("{r}", &view.summary.reception_number)
                .replace("{d}", chosen.ja())
                .replace("{n}", &counter_at(&view, chosen).to_string());
            app.dispatch(Action::Announce(slip.clone()));
            on_done.emit(slip);
        })
    };
    let unconfirmed: Vec<String> = crate::city::catalog()
        .navi
        .chosen_plan(view.answers.as_ref(), &view.choices)
        .iter()
        .flat_map(|p| p.forms.clone())
        .filter(|f| !view.statuses.get(f).is_some_and(|s| s.state.is_settled()))
        .filter_map(|f| {
            crate::city::catalog()
                .catalog
                .form(&f)
                .ok()
                .map(|f| f.title.ja.clone())
        })
        .fold(Vec::new(), |mut out, t| {
            if !out.contains(&t) {
                out.push(t);
            }
            out
        });
    // 完了 itself.
    let complete_now = {
        let (repo, app, staff, on_done, number, confirming) = (
            repo.clone(),
            app.clone(),
            staff.clone(),
            props.on_done.clone(),
            number.clone(),
            confirming.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            confirming.set(false);
            repo.change(
                id,
                VisitChange::Complete {
                    name: staff.name.clone(),
                    department: from,
                    at: js_sys::Date::now() as i64,
                },
            );
            let text = ja(Text::CompletedSlip).replace("{r}", &number);
            app.dispatch(Action::Announce(text.clone()));
            on_done.emit(text);
        })
    };
    // The 完了 button: asks first when forms are not confirmed.
    let complete = {
        let (complete_now, confirming, unconfirmed) = (
            complete_now.clone(),
            confirming.clone(),
            unconfirmed.clone(),
        );
        Callback::from(move |e: MouseEvent| {
            if unconfirmed.is_empty() {
                complete_now.emit(e);
            } else {
                confirming.set(true);
                crate::focus::focus_first_of(&["#complete-anyway"]);
            }
        })
    };
    let on_reason = {
        let (reason, missing) = (reason.clone(), missing.clone());
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            reason.set(input.value());
            missing.set(None);
        })
    };
    let cancel = {
        let (repo, app, staff, on_done, number, reason) = (
            repo.clone(),
            app.clone(),
            staff.clone(),
            props.on_done.clone(),
            number.clone(),
            reason.clone(),
        );
        let missing = missing.clone();
        Callback::from(move |_| {
            if reason.trim().is_empty() {
                missing.set(Some(Text::CancelNeedsReason));
                app.dispatch(Action::Announce(ja(Text::CancelNeedsReason).to_owned()));
                crate::focus::focus_first_of(&["#cancel-reason"]);
                return;
            }
            repo.change(
                id,
                VisitChange::Cancel {
                    reason: reason.trim().to_owned(),
                    name: staff.name.clone(),
                    department: from,
                    at: js_sys::Date::now() as i64,
                },
            );
            let text = ja(Text::CancelledSlip).replace("{r}", &number);
            app.dispatch(Action::Announce(text.clone()));
            on_done.emit(text);
        })
    };
    if view.state.is_closed() {
        return Html::default();
    }
    html! {
        <section class="visit-actions" aria-labelledby="visit-actions-title">
            <h2 id="visit-actions-title">{ ja(Text::VisitActionsTitle) }</h2>
            <div class="action-row">
                <label for="handoff-to">{ ja(Text::HandOffTitle) }</label>
                <select id="handoff-to" {onchange}>
                    <option value="" selected={to.is_none()}>{ ja(Text::HandOffChoose) }</option>
                    { for options }
                </select>
                <button type="button" id="handoff-button" onclick={hand_off}
                        aria-disabled={to.is_none().to_string()}>{ ja(Text::HandOffButton) }</button>
            </div>
            if *missing == Some(Text::HandOffChooseFirst) {
                <p class="action-missing" id="handoff-missing">{ ja(Text::HandOffChooseFirst) }</p>
            }
            <div class="action-row">
                <button type="button" id="complete-button" onclick={complete}>{ ja(Text::CompleteButton) }</button>
            </div>
            <div class="slot">
                if *confirming {
                    <div class="fill-confirm" id="complete-confirm" role="group" aria-labelledby="complete-confirm-title">
                        <p id="complete-confirm-title">
                            { ja(Text::CompleteUnconfirmed).replace("{f}", &unconfirmed.join("、")) }
                        </p>
                        <div class="actions">
                            <button type="button" id="complete-anyway" onclick={complete_now}>{ ja(Text::CompleteAnyway) }</button>
                            <button type="button" id="complete-back" onclick={
                                let confirming = confirming.clone();
                                Callback::from(move |_| {
                                    confirming.set(false);
                                    crate::focus::focus_first_of(&["#complete-button"]);
                                })
                            }>{ ja(Text::CompleteBack) }</button>
                        </div>
                    </div>
                }
            </div>
            <div class="action-row">
                <label for="cancel-reason">{ ja(Text::CancelReason) }</label>
                <input id="cancel-reason" autocomplete="off" value={(*reason).clone()} oninput={on_reason} />
                <button type="button" id="cancel-button" onclick={cancel}
                        aria-disabled={reason.trim().is_empty().to_string()}>{ ja(Text::CancelButton) }</button>
            </div>
            if *missing == Some(Text::CancelNeedsReason) {
                <p class="action-missing" id="cancel-missing">{ ja(Text::CancelNeedsReason) }</p>
            }
        </section>
    }
}

/// How a closed visit reads on its banner: 「完了しました (市民 一郎, 市民課)」.
pub fn closed_banner(view: &VisitView) -> Option<String> {
    let closing = view.closing.as_ref()?;
    Some(match closing.state {
        VisitState::Cancelled => ja(Text::ClosedCancelled)
            .replace("{w}", &closing.who)
            .replace("{d}", &closing.department)
            .replace("{why}", &closing.reason),
        _ => ja(Text::ClosedCompleted)
            .replace("{w}", &closing.who)
            .replace("{d}", &closing.department),
    })
}
