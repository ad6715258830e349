//! [`CardReading`]: reads the citizen's マイナンバーカード (券面事項入力補助AP) through the
//! local card bridge (`device-webusb/card-bridge`) on `127.0.0.1`, and fills the applicant.
//!
//! - Pairing, once per terminal: the counter types the 6-digit code the bridge showed at
//!   start; the token it gives is kept in this browser's localStorage (it opens only this
//!   terminal's bridge, which listens on loopback alone). An `unauthorized` answer (the
//!   bridge restarted) forgets it and asks for a new code.
//! - The PIN is typed by the citizen on screen (`type=password`, 4 digits), sent once and
//!   cleared from the field at once; it is never kept, in state or storage.
//! - Tries left are shown after a wrong PIN; a blocked PIN points to the
//!   「暗証番号 変更・再設定 申請書」 (form `anshou_bangou_henko`) and offers to add its
//!   procedure to the visit, the form set to 再設定 of the 券面事項入力補助用 PIN.
//! - The read fills the visit as a document read ([`Prefill::read`], asking with
//!   [`FillConfirm`] before replacing anything typed, then [`fill::carry_out`] with
//!   `FillSource::Document(MyNumberCard, Chip)`) and is audited by kind only
//!   ([`api::audit_document_read`]).

use device_webusb::my_number_card::bridge::{
    BridgeError, DEFAULT_PORT, ErrorKind, PairAnswer, PairRequest, ReadAnswer, ReadRequest,
};
use shared_model::catalog::VisitValues;
use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};
use shared_model::navi::LifeEvent;
use shared_model::prefill::Prefill;
use shared_model::{DocumentId, VisitChange};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::{JsFuture, spawn_local};
use web_sys::{HtmlInputElement, Request, RequestInit, Response};
use yew::prelude::*;

use super::fill_confirm::FillConfirm;
use crate::api;
use crate::context::AppContext;
use crate::fill::{self, FillSource};
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};

/// The form of the 暗証番号 変更・再設定 (catalog `forms.toml`), and its fields for a reset
/// of the 券面事項入力補助用 PIN.
const PIN_RESET_FORM: &str = "anshou_bangou_henko";
const PIN_RESET_FIELDS: [(&str, &str); 2] = [("action", "reset"), ("pin_kenmen", "true")];

/// localStorage key of this terminal's bridge token.
const TOKEN_KEY: &str = "madoguchi.card_bridge_token";
/// localStorage key of the bridge's address, when not `http://127.0.0.1:47263`.
const URL_KEY: &str = "madoguchi.card_bridge_url";

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn bridge_url() -> String {
    storage()
        .and_then(|s| s.get_item(URL_KEY).ok().flatten())
        .unwrap_or_else(|| format!("http://127.0.0.1:{DEFAULT_PORT}"))
}

fn stored_token() -> Option<String> {
    storage()?.get_item(TOKEN_KEY).ok().flatten()
}

fn keep_token(token: Option<&str>) {
    if let Some(storage) = storage() {
        let _ = match token {
            Some(token) => storage.set_item(TOKEN_KEY, token),
            None => storage.remove_item(TOKEN_KEY),
        };
    }
}

/// What a call to the bridge gave.
enum Answer<T> {
    Ok(T),
    Refused(BridgeError),
    /// Not reachable (not running, or the browser refused the call).
    Unreachable,
}

/// One JSON call to the bridge.
async fn call<T: serde::de::DeserializeOwned>(
    path: &str,
    token: Option<&str>,
    body: String,
) -> Answer<T> {
    let init = RequestInit::new();
    init.set_method("POST");
    init.set_body(&JsValue::from_str(&body));
    init.set_mode(web_sys::RequestMode::Cors);
    init.set_cache(web_sys::RequestCache::NoStore);
    let Ok(request) = Request::new_with_str_and_init(&format!("{}{path}", bridge_url()), &init)
    else {
        return Answer::Unreachable;
    };
    let _ = request.headers().set("Content-Type", "application/json");
    if let Some(token) = token {
        let _ = request
            .headers()
            .set("Authorization", &format!("Bearer {token}"));
    }
    let Some(window) = web_sys::window() else {
        return Answer::Unreachable;
    };
    let Ok(response) = JsFuture::from(window.fetch_with_request(&request)).await else {
        return Answer::Unreachable;
    };
    let Ok(response) = response.dyn_into::<Response>() else {
        return Answer::Unreachable;
    };
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if response.ok() {
        match serde_json::from_str(&text) {
            Ok(answer) => Answer::Ok(answer),
            Err(_) => Answer::Refused(BridgeError::new(ErrorKind::Unreadable)),
        }
    } else {
        Answer::Refused(
            serde_json::from_str(&text).unwrap_or(BridgeError::new(ErrorKind::ReaderError)),
        )
    }
}

/// The message for an error answer, with the tries left where it has them.
fn message_of(error: &BridgeError) -> String {
    let text = match error.error {
        ErrorKind::WrongPin => Text::CardWrongPin,
        ErrorKind::PinBlocked => Text::CardPinBlocked,
        ErrorKind::PinFormat => Text::CardPinFormat,
        ErrorKind::NoCard => Text::CardNoCard,
        ErrorKind::NoReader => Text::CardNoReader,
        ErrorKind::NotMyNumberCard => Text::CardNotMyNumberCard,
        ErrorKind::Unreadable | ErrorKind::BadRequest => Text::CardUnreadable,
        ErrorKind::ReaderError => Text::CardReaderError,
        ErrorKind::Unauthorized => Text::CardPairAgain,
        ErrorKind::WrongCode => Text::CardWrongCode,
        ErrorKind::PairingLocked | ErrorKind::CodeSpent => Text::CardPairingLocked,
        ErrorKind::OriginRefused => Text::CardOriginRefused,
    };
    ja(text).replace("{n}", &error.remaining.unwrap_or(0).to_string())
}

/// Properties of [`CardReading`].
#[derive(Properties, PartialEq)]
pub struct CardReadingProps {
    /// The visit to fill.
    pub id: DocumentId,
    /// The navi's event: for a 転入/転居 the card's address is the one being left.
    pub event: Option<LifeEvent>,
    /// What the visit holds now.
    pub values: VisitValues,
    /// Items fixed by a settled form: a read that would change one is not entered.
    #[prop_or_default]
    pub locked: std::collections::BTreeSet<String>,
}

/// The マイナンバーカード panel of the visit screen.
#[component(CardReading)]
pub fn card_reading(props: &CardReadingProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let token = use_state(stored_token);
    let message = use_state(String::new);
    let busy = use_state(|| false);
    // The last read found the PIN blocked: offer the reset procedure.
    let blocked = use_state(|| false);
    // A read waiting for the counter's answer because it would replace values typed.
    let pending = use_state(|| None::<DocumentRead>);
    let code_input = use_node_ref();
    let pin_input = use_node_ref();
    let id = props.id;

    let on_pair = {
        let (token, message, code_input) = (token.clone(), message.clone(), code_input.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = code_input.cast::<HtmlInputElement>() else {
                return;
            };
            let code = input.value().trim().to_owned();
            input.set_value("");
            let (token, message) = (token.clone(), message.clone());
            spawn_local(async move {
                let body = serde_json::to_string(&PairRequest { code }).unwrap_or_default();
                match call::<PairAnswer>("/pair", None, body).await {
                    Answer::Ok(answer) => {
                        keep_token(Some(&answer.token));
                        token.set(Some(answer.token));
                        message.set(ja(Text::CardPaired).to_owned());
                        crate::focus::focus_first_of(&["#card-pin"]);
                    }
                    Answer::Refused(error) => message.set(message_of(&error)),
                    Answer::Unreachable => message.set(ja(Text::CardBridgeUnreachable).to_owned()),
                }
            });
        })
    };

    // Fills at once when only blanks would be written; otherwise asks.
    let offer = {
        let (repo, app, pending, message) =
            (repo.clone(), app.clone(), pending.clone(), message.clone());
        let (values, event, locked) = (props.values.clone(), props.event, props.locked.clone());
        move |read: DocumentRead| {
            let plan = Prefill::read(&values, &read, event);
            if plan.touches(&locked) {
                // A change of a confirmed form goes through 訂正.
                message.set(ja(Text::CardLocked).to_owned());
            } else if plan.replacing().next().is_none() {
                fill::carry_out(
                    &repo,
                    &app,
                    id,
                    &plan,
                    true,
                    FillSource::Document(read.document, read.path),
                );
            } else {
                pending.set(Some(read));
                crate::focus::focus_first_of(&["#card-fill-replace"]);
            }
        }
    };

    let on_read = {
        let (token, message, busy, pin_input, blocked) = (
            token.clone(),
            message.clone(),
            busy.clone(),
            pin_input.clone(),
            blocked.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(input) = pin_input.cast::<HtmlInputElement>() else {
                return;
            };
            // The PIN leaves the field at once: it lives only in this request.
            let pin = input.value();
            input.set_value("");
            if pin.len() != 4 || !pin.bytes().all(|b| b.is_ascii_digit()) {
                message.set(ja(Text::CardPinFormat).to_owned());
                return;
            }
            let Some(bearer) = (*token).clone() else {
                return;
            };
            let (token, message, busy, offer, blocked) = (
                token.clone(),
                message.clone(),
                busy.clone(),
                offer.clone(),
                blocked.clone(),
            );
            busy.set(true);
            message.set(ja(Text::CardReadingNow).to_owned());
            spawn_local(async move {
                let body = serde_json::to_string(&ReadRequest { pin }).unwrap_or_default();
                let answer = call::<ReadAnswer>("/read", Some(&bearer), body).await;
                busy.set(false);
                blocked
                    .set(matches!(&answer, Answer::Refused(e) if e.error == ErrorKind::PinBlocked));
                match answer {
                    Answer::Ok(answer) => match answer.into_read() {
                        Some(read) => {
                            message.set(ja(Text::CardRead).to_owned());
                            spawn_local(api::audit_document_read(
                                DocumentKind::MyNumberCard,
                                ReadPath::Chip,
                                Some(id),
                            ));
                            offer(read);
                        }
                        None => message.set(ja(Text::CardUnreadable).to_owned()),
                    },
                    Answer::Refused(error) => {
                        if error.error == ErrorKind::Unauthorized {
                            keep_token(None);
                            token.set(None);
                        }
                        message.set(message_of(&error));
                    }
                    Answer::Unreachable => message.set(ja(Text::CardBridgeUnreachable).to_owned()),
                }
            });
        })
    };

    let add_reset = {
        let (repo, app, blocked) = (repo.clone(), app.clone(), blocked.clone());
        Callback::from(move |_: MouseEvent| {
            let navi = crate::city::catalog().navi;
            let Some(procedure) = navi
                .on_request()
                .find(|p| p.forms.iter().any(|f| f == PIN_RESET_FORM))
            else {
                return;
            };
            repo.change(
                id,
                VisitChange::Procedure {
                    rule: procedure.rule.clone(),
                    chosen: true,
                },
            );
            for (key, value) in PIN_RESET_FIELDS {
                repo.change(
                    id,
                    VisitChange::FormField {
                        form: PIN_RESET_FORM.to_owned(),
                        key: key.to_owned(),
                        value: value.to_owned(),
                    },
                );
            }
            app.dispatch(crate::state::Action::Announce(
                ja(Text::AnnounceProcedureAdded).replace("{t}", &procedure.title.ja),
            ));
            blocked.set(false);
            crate::focus::focus_first_of(&["#card-pin"]);
        })
    };

    let confirm = pending.as_ref().map(|read| {
        let plan = Prefill::read(&props.values, read, props.event);
        let on_answer = {
            let (repo, app, pending, plan) =
                (repo.clone(), app.clone(), pending.clone(), plan.clone());
            Callback::from(move |replace: Option<bool>| {
                if let Some(replace) = replace {
                    fill::carry_out(
                        &repo,
                        &app,
                        id,
                        &plan,
                        replace,
                        FillSource::Document(DocumentKind::MyNumberCard, ReadPath::Chip),
                    );
                }
                pending.set(None);
                crate::focus::focus_first_of(&["#card-pin"]);
            })
        };
        let source = crate::fill::FillSource::Document(DocumentKind::MyNumberCard, ReadPath::Chip);
        html! { <FillConfirm {plan} {on_answer} {source} id="card-fill" /> }
    });

    html! {
        <section class="card-reading" aria-labelledby="card-title">
            <h2 id="card-title">{ ja(Text::CardTitle) }</h2>
            if token.is_none() {
                <form key="pair" id="card-pair-form" onsubmit={on_pair}>
                    <label for="card-pair-code">{ ja(Text::CardPairLabel) }</label>
                    <input id="card-pair-code" ref={code_input} inputmode="numeric"
                           autocomplete="off" maxlength="6" />
                    <button type="submit" id="card-pair">{ ja(Text::CardPairButton) }</button>
                </form>
            } else {
                <form key="read" id="card-read-form" onsubmit={on_read}>
                    <label for="card-pin">{ ja(Text::CardPinLabel) }</label>
                    <input id="card-pin" ref={pin_input} type="password" inputmode="numeric"
                           autocomplete="off" maxlength="4" pattern="[0-9]{4}" />
                    <button type="submit" id="card-read" disabled={*busy}>{ ja(Text::CardReadButton) }</button>
                </form>
            }
            <p class="hint" role="status" id="card-status">{ (*message).clone() }</p>
            if *blocked {
                <button type="button" id="card-add-pin-reset" onclick={add_reset}>{ ja(Text::CardAddPinReset) }</button>
            }
            <div class="slot">{ for confirm }</div>
        </section>
    }
}
