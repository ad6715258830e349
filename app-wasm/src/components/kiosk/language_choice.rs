use shared_model::language::Language;
use yew::prelude::*;

use super::queue_wait::QueueWait;
use super::{KioskAction, KioskContext};
use crate::i18n::kiosk::{Say, say};

/// The kiosk's first screen: nine buttons, each with its language's name in that language
/// (no flags: a language is not a country), under the invitation in Japanese and English.
#[component(LanguageChoice)]
pub fn language_choice() -> Html {
    let kiosk = use_context::<KioskContext>().expect("kiosk context");
    let buttons = Language::ALL.into_iter().map(|language| {
        let kiosk = kiosk.clone();
        let onclick = Callback::from(move |_| kiosk.dispatch(KioskAction::Language(language)));
        html! {
            <li>
                <button type="button" class="big language" lang={language.bcp47()}
                        id={format!("kiosk-language-{}", language.code())} {onclick}>
                    { language.own_name() }
                </button>
            </li>
        }
    });
    html! {
        <div class="kiosk-welcome">
            <h2 id="kiosk-language-title">
                { say(Language::Ja, Say::ChooseLanguage) }
                <span lang="en" class="other-language">{ say(Language::En, Say::ChooseLanguage) }</span>
            </h2>
            <p class="lead">{ say(Language::Ja, Say::Welcome) }</p>
            <ul class="language-list" aria-labelledby="kiosk-language-title">{ for buttons }</ul>
            <QueueWait />
        </div>
    }
}
