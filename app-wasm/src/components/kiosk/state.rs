//! [`KioskState`]: where one citizen is in the kiosk's journey, and what they chose. It lives
//! in memory only (never in the URL, history or sessionStorage), so that [`KioskAction::Reset`]
//! leaves nothing of them behind but the visit the counter will open.

use std::rc::Rc;

use shared_model::DocumentId;
use shared_model::language::Language;
use shared_model::navi::{Answers, EVENT_GROUPS, Fact, LifeEvent};
use yew::Reducible;

/// A screen of the kiosk's journey, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// The first screen: the language, and the current wait.
    Language,
    /// The life event's group (引っ越し, 出生, …).
    Event,
    /// The event inside a group of several (`EVENT_GROUPS[i]`: 市外から / 市内で / 市外へ …).
    EventIn(usize),
    /// The yes/no questions of the event.
    Questions,
    /// The answer: procedures, counters in order, what to bring, deadlines.
    Plan,
    /// The number is being taken.
    TakingNumber,
    /// The household's data, once for every member.
    Household,
    /// The 手続き案内 slip.
    Slip,
}

/// The visit the citizen's entries go to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KioskVisit {
    /// The visit document.
    pub id: DocumentId,
    /// 受付番号.
    pub number: String,
}

/// One citizen's journey at the kiosk.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskState {
    /// The screen.
    pub step: Step,
    /// The citizen's language.
    pub language: Language,
    /// The navi's answers, once an event is chosen.
    pub answers: Option<Answers>,
    /// The visit, once the number is taken.
    pub visit: Option<KioskVisit>,
    /// The last number could not be taken (said on the plan until the next try).
    pub number_failed: bool,
    /// How many times the journey was reset (keys components, so nothing of the previous
    /// citizen survives in their local state).
    pub generation: u32,
}

impl Default for KioskState {
    fn default() -> Self {
        KioskState {
            step: Step::Language,
            language: Language::Ja,
            answers: None,
            visit: None,
            number_failed: false,
            generation: 0,
        }
    }
}

/// What the citizen does.
#[derive(Debug, Clone, PartialEq)]
pub enum KioskAction {
    /// Chose a language (on to the events).
    Language(Language),
    /// Chose a group of events (its only event, or on to the choice inside it).
    Group(usize),
    /// Chose an event.
    Event(LifeEvent),
    /// Answered a yes/no question.
    Fact(Fact, bool),
    /// Answered how many hold a My Number card.
    CardHolders(u32),
    /// On to the plan.
    ShowPlan,
    /// The number is being taken.
    TakingNumber,
    /// The number was taken (or the visit exists already): on to the household.
    Visit(KioskVisit),
    /// Could not take a number: back to the plan.
    NumberFailed,
    /// On to the slip.
    Slip,
    /// One screen back.
    Back,
    /// Everything of this citizen forgotten: the first screen again.
    Reset,
}

impl Reducible for KioskState {
    type Action = KioskAction;

    fn reduce(self: Rc<Self>, action: KioskAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            KioskAction::Language(language) => {
                next.language = language;
                next.step = Step::Event;
            }
            KioskAction::Group(i) => match EVENT_GROUPS.get(i).map(|g| g.events) {
                Some([event]) => {
                    next.answers = Some(keep_facts(next.answers.take(), *event));
                    next.step = Step::Questions;
                }
                Some(_) => next.step = Step::EventIn(i),
                None => {}
            },
            KioskAction::Event(event) => {
                next.answers = Some(keep_facts(next.answers.take(), event));
                next.step = Step::Questions;
            }
            KioskAction::Fact(fact, holds) => {
                if let Some(answers) = &mut next.answers {
                    if fact == Fact::CardHolders {
                        let n = if holds {
                            answers.card_holders.max(1)
                        } else {
                            0
                        };
                        *answers = answers.clone().card_holders(n);
                    } else if holds {
                        answers.facts.insert(fact);
                    } else {
                        answers.facts.remove(&fact);
                        // What was asked only because this held goes with it.
                        for question in crate::city::catalog().navi.questions(answers.event) {
                            if question.only_if == Some(fact) {
                                answers.facts.remove(&question.fact);
                            }
                        }
                    }
                }
            }
            KioskAction::CardHolders(n) => {
                if let Some(answers) = &mut next.answers {
                    *answers = answers.clone().card_holders(n.min(20));
                }
            }
            KioskAction::ShowPlan => next.step = Step::Plan,
            KioskAction::TakingNumber => {
                next.step = Step::TakingNumber;
                next.number_failed = false;
            }
            KioskAction::Visit(visit) => {
                next.visit = Some(visit);
                next.step = Step::Household;
            }
            KioskAction::NumberFailed => {
                next.step = Step::Plan;
                next.number_failed = true;
            }
            KioskAction::Slip => next.step = Step::Slip,
            KioskAction::Back => {
                next.step = match &self.step {
                    Step::Language | Step::Event => Step::Language,
                    Step::EventIn(_) => Step::Event,
                    Step::Questions => match group_of(self.answers.as_ref()) {
                        Some(i) if EVENT_GROUPS[i].events.len() > 1 => Step::EventIn(i),
                        _ => Step::Event,
                    },
                    Step::Plan => Step::Questions,
                    Step::TakingNumber | Step::Household => Step::Plan,
                    Step::Slip => Step::Household,
                }
            }
            KioskAction::Reset => {
                next = KioskState {
                    generation: self.generation + 1,
                    ..KioskState::default()
                }
            }
        }
        if next == *self { self } else { Rc::new(next) }
    }
}

/// New answers for an event, keeping the facts already answered (going back to change the
/// event does not ask everything again).
fn keep_facts(previous: Option<Answers>, event: LifeEvent) -> Answers {
    match previous {
        Some(mut answers) => {
            answers.event = event;
            answers
        }
        None => Answers::new(event),
    }
}

/// The group of the answers' event.
pub fn group_of(answers: Option<&Answers>) -> Option<usize> {
    let event = answers?.event;
    EVENT_GROUPS.iter().position(|g| g.events.contains(&event))
}
