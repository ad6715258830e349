use wasm_bindgen_futures::spawn_local;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::api::{self, ApiError};
use crate::context::AppContext;
use crate::i18n::{Text, ja};
use crate::state::Action;

/// Staff sign-in: a counter only ever works as a signed-in person of one 課.
#[component(SignIn)]
pub fn sign_in() -> Html {
    let app = use_context::<AppContext>().expect("app context");
    let login = use_node_ref();
    let password = use_node_ref();
    // The problem, and the 問い合わせ番号 of the server's answer behind it (none for a
    // wrong password: that is no fault to report).
    let error = use_state(|| None::<(Text, Option<String>)>);
    let busy = use_state(|| false);
    let onsubmit = {
        let (login, password, error, busy) =
            (login.clone(), password.clone(), error.clone(), busy.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<HtmlInputElement>()
                    .map(|i| i.value())
                    .unwrap_or_default()
            };
            let (l, p) = (value(&login), value(&password));
            let (app, error, busy, password) =
                (app.clone(), error.clone(), busy.clone(), password.clone());
            busy.set(true);
            spawn_local(async move {
                match api::sign_in(l.trim(), &p).await {
                    Ok(staff) => {
                        error.set(None);
                        // The city's forms before its counter shows them.
                        if crate::city::refresh().await {
                            app.dispatch(Action::CatalogChanged);
                        }
                        app.dispatch(Action::Staff(Some(staff)));
                    }
                    Err(e) => {
                        let reference = api::take_failure_reference();
                        error.set(Some(match e {
                            ApiError::Unauthorized => (Text::SignInRefused, None),
                            ApiError::TooManyAttempts => (Text::SignInBlocked, None),
                            ApiError::Unreachable => (Text::ErrorOffline, None),
                            _ => (Text::ErrorRefused, reference),
                        }));
                        // The login stays; only the password is asked again, where the
                        // person types next.
                        if let Some(input) = password.cast::<HtmlInputElement>() {
                            input.set_value("");
                            let _ = input.focus();
                        }
                    }
                }
                busy.set(false);
            });
        })
    };
    // Always there, empty until a refusal: appearing, it would shift the button.
    let message = match &*error {
        Some((text, Some(id))) => format!(
            "{} {}",
            ja(*text),
            ja(Text::ProblemReference).replace("{id}", id)
        ),
        Some((text, None)) => ja(*text).to_owned(),
        None => String::new(),
    };
    html! {
        <section class="sign-in">
            <h1>{ ja(Text::SignInTitle) }</h1>
            <form {onsubmit}>
                <div class="field">
                    <label for="signin-login">{ ja(Text::SignInLogin) }</label>
                    <input id="signin-login" ref={login} autocomplete="username" required=true />
                </div>
                <div class="field">
                    <label for="signin-password">{ ja(Text::SignInPassword) }</label>
                    <input id="signin-password" ref={password} type="password" autocomplete="current-password" required=true />
                </div>
                <p class="finding error" role="alert" id="signin-error" hidden={error.is_none()}>{ message }</p>
                <button type="submit" class="primary" id="signin-submit" disabled={*busy}>{ ja(Text::SignInButton) }</button>
            </form>
        </section>
    }
}
