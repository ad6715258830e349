use shared_model::navi::{Fact, QuestionKind};
use yew::prelude::*;

use super::event_choice::BackButton;
use super::{KioskAction, KioskContext, use_language};
use crate::i18n::kiosk::{Say, say, say_with, show};

/// The yes/no questions that change the plan for the chosen event (the navi's own rules
/// say which), each as two large radio buttons; how many hold a My Number card as a count.
#[component(Questions)]
pub fn questions() -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let language = use_language();
    let Some(answers) = kiosk.answers.clone() else {
        return html! {};
    };
    let questions = crate::city::catalog().navi.questions(answers.event);
    // A question that matters only when another holds (ひとり親 only with children) is asked
    // once that one is answered yes.
    let asked = questions.iter().filter(|q| {
        q.only_if.is_none_or(|other| {
            answers.facts.contains(&other)
                || (other == Fact::CardHolders && answers.card_holders > 0)
        })
    });
    let rows = asked.map(|question| {
        let fact = question.fact;
        let name = format!("kiosk-fact-{}", fact.as_str());
        let holds = if fact == Fact::CardHolders {
            answers.card_holders > 0
        } else {
            answers.facts.contains(&fact)
        };
        let choose = |value: bool| {
            let kiosk = kiosk.clone();
            Callback::from(move |_| kiosk.dispatch(KioskAction::Fact(fact, value)))
        };
        let hint = question.hint.map(|hint| {
            html! { <p class="hint" id={format!("{name}-hint")}>{ show(hint.get(language), &[]) }</p> }
        });
        let count = (question.kind == QuestionKind::Count && holds).then(|| {
            let n = answers.card_holders;
            let set = |to: u32| {
                let kiosk = kiosk.clone();
                Callback::from(move |_| kiosk.dispatch(KioskAction::CardHolders(to)))
            };
            let persons = n.to_string();
            html! {
                <div class="count" role="group" aria-labelledby={format!("{name}-legend")}>
                    <button type="button" class="big" id={format!("{name}-fewer")}
                            onclick={set(n.saturating_sub(1).max(1))} disabled={n <= 1}>
                        <span aria-hidden="true">{ "−" }</span>
                        <span class="visually-hidden">{ say(language, Say::Fewer) }</span>
                    </button>
                    <output id={format!("{name}-count")} aria-live="polite">
                        { say_with(language, Say::Persons, &[("n", &persons)]) }
                    </output>
                    <button type="button" class="big" id={format!("{name}-more")}
                            onclick={set(n + 1)} disabled={n >= 20}>
                        <span aria-hidden="true">{ "+" }</span>
                        <span class="visually-hidden">{ say(language, Say::More) }</span>
                    </button>
                </div>
            }
        });
        html! {
            <fieldset class="question" key={fact.as_str()}>
                <legend id={format!("{name}-legend")}>{ show(question.text.get(language), &[]) }</legend>
                { for hint }
                <div class="yes-no">
                    <label class="big">
                        <input type="radio" name={name.clone()} id={format!("{name}-yes")}
                               checked={holds} onchange={choose(true)} />
                        { say(language, Say::Yes) }
                    </label>
                    <label class="big">
                        <input type="radio" name={name.clone()} id={format!("{name}-no")}
                               checked={!holds} onchange={choose(false)} />
                        { say(language, Say::No) }
                    </label>
                </div>
                { for count }
            </fieldset>
        }
    });
    let next = {
        let kiosk = kiosk.clone();
        Callback::from(move |_| kiosk.dispatch(KioskAction::ShowPlan))
    };
    html! {
        <div class="kiosk-step">
            <h2 class="step-title" tabindex="-1">{ say(language, Say::QuestionsTitle) }</h2>
            { for rows }
            <div class="kiosk-actions">
                <BackButton />
                <button type="button" class="big primary" id="kiosk-next" onclick={next}>
                    { say(language, Say::Next) }
                </button>
            </div>
        </div>
    }
}
