use std::rc::Rc;

use device_webusb::transfer_certificate::{Progress, Symbol};
use shared_model::DocumentId;
use shared_model::catalog::VisitValues;
use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};
use shared_model::navi::LifeEvent;
use shared_model::prefill::Prefill;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use super::fill_confirm::FillConfirm;
use crate::context::AppContext;
use crate::fill::{self, FillSource};
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::qr_reader::{QrReader, ReaderEvent, ReaderKind, ReaderState};

/// Properties of [`TransferCertificateReading`].
#[derive(Properties, PartialEq)]
pub struct TransferCertificateReadingProps {
    /// The visit to fill.
    pub id: DocumentId,
    /// What the visit holds now.
    pub values: VisitValues,
    /// The navi's event, once answered.
    pub event: Option<LifeEvent>,
    /// The visit is only shown here (完了, 取消, or at another 課): codes are refused.
    #[prop_or_default]
    pub read_only: bool,
    /// Items fixed by a settled form (確認済み and after): a read that would change one, or
    /// add a person while person items are fixed, is refused (a change goes through 訂正).
    #[prop_or_default]
    pub locked: std::collections::BTreeSet<String>,
}

/// What a code is planned against, as of the last render.
#[derive(Clone)]
struct Holding {
    values: VisitValues,
    event: Option<LifeEvent>,
    read_only: bool,
    locked: std::collections::BTreeSet<String>,
}

/// What the panel says under the reader's status.
#[derive(Debug, Clone, PartialEq)]
enum Note {
    /// Nothing to say.
    Quiet,
    /// A household half read: persons read, of how many.
    Partial(usize, Option<usize>),
    /// A code refused, or a certificate given up: the reason.
    Refused(String),
    /// Filled: how many items, how many persons.
    Filled(usize, usize),
    /// The counter answered やめる: nothing of the read was entered.
    Dropped,
}

/// The 転出証明書's QR code at the counter: the reader's status (「QRリーダー」), choosing and
/// connecting it, and each certificate read into the 転入届 of this visit for every person —
/// blanks at once, values already typed only when the counter says so.
#[component(TransferCertificateReading)]
pub fn transfer_certificate_reading(props: &TransferCertificateReadingProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let reader = QrReader::shared();
    let state = use_state(|| reader.state());
    let note = use_state(|| Note::Quiet);
    let pending = use_state(|| None::<DocumentRead>);
    let certificate = crate::hooks::use_certificate_reader();
    let kind_ref = use_node_ref();
    // What the visit holds now, for symbols that come between renders.
    let holding = || Holding {
        values: props.values.clone(),
        event: props.event,
        read_only: props.read_only,
        locked: props.locked.clone(),
    };
    let latest = use_mut_ref(holding);
    *latest.borrow_mut() = holding();
    // Whether a household is half read (its 「やめる」 shows, whatever the note says).
    let half = use_state(|| false);
    let id = props.id;

    // A certificate read whole: the navi is 転入 if nothing was answered yet (a 転出証明書
    // is brought for a 転入), then the fill, asking first if it would replace something.
    let complete: Rc<dyn Fn(DocumentRead)> = {
        let (repo, app, note, pending, latest) = (
            repo.clone(),
            app.clone(),
            note.clone(),
            pending.clone(),
            latest.clone(),
        );
        Rc::new(move |read: DocumentRead| {
            let now = latest.borrow().clone();
            // One question at a time: a certificate read while one is asked about waits.
            if pending.is_some() {
                note.set(Note::Refused(ja(Text::QrAskedFirst).into()));
                return;
            }
            let plan = fill::plan_certificate(&repo, id, &now.values, now.event, &read);
            if plan.touches(&now.locked) {
                note.set(Note::Refused(ja(Text::QrLocked).into()));
                return;
            }
            if plan.replacing().next().is_none() {
                let n = fill::carry_out(
                    &repo,
                    &app,
                    id,
                    &plan,
                    true,
                    FillSource::Document(DocumentKind::TransferCertificate, ReadPath::Qr),
                );
                note.set(Note::Filled(n, read.persons.len()));
            } else {
                note.set(Note::Quiet);
                pending.set(Some(read));
                // A code comes when it is scanned, not when the counter asks: the focus
                // moves to the question only if nobody is typing, and to its harmless answer.
                if !crate::focus::typing() {
                    crate::focus::focus_first_of(&["#qr-fill-blanks-only"]);
                }
            }
        })
    };

    {
        let (reader, state, note, certificate, complete, half, latest) = (
            reader.clone(),
            state.clone(),
            note.clone(),
            certificate.clone(),
            complete.clone(),
            half.clone(),
            latest.clone(),
        );
        use_effect_with(id, move |_| {
            let held = certificate.clone();
            let listener = Callback::from(move |event: ReaderEvent| match &event {
                ReaderEvent::State(s) => state.set(s.clone()),
                ReaderEvent::Problem(why) => note.set(Note::Refused(why.clone())),
                // A visit only shown here takes no code (a closed one, one at another 課).
                ReaderEvent::Symbol(_) | ReaderEvent::WedgeLine(_) if latest.borrow().read_only => {
                    note.set(Note::Refused(ja(Text::QrReadOnly).into()))
                }
                ReaderEvent::Symbol(data) | ReaderEvent::WedgeLine(data) => {
                    let wedge = matches!(event, ReaderEvent::WedgeLine(_));
                    let fed = certificate.borrow_mut().feed(Symbol::bytes(data));
                    half.set(certificate.borrow().in_progress());
                    match fed {
                        Ok(Progress::Partial { persons, of }) => {
                            note.set(Note::Partial(persons, of))
                        }
                        Ok(Progress::Complete(read)) => complete(read),
                        // Keys typed for a code with kanji: the reader must send bytes.
                        Err(_) if wedge => note.set(Note::Refused(ja(Text::QrWedgeCannot).into())),
                        Err(e) => note.set(Note::Refused(e.to_string())),
                    }
                }
            });
            reader.listen(listener);
            reader.reconnect();
            let reader = reader.clone();
            move || {
                reader.unlisten();
                held.borrow_mut().abandon();
            }
        });
    }

    let choose = {
        let (reader, kind_ref) = (reader.clone(), kind_ref.clone());
        Callback::from(move |_: MouseEvent| {
            let kind = kind_ref
                .cast::<HtmlSelectElement>()
                .and_then(|s| ReaderKind::from_name(&s.value()))
                .unwrap_or(ReaderKind::Serial);
            reader.choose(kind);
        })
    };
    let give_up = {
        let (note, certificate, half) = (note.clone(), certificate.clone(), half.clone());
        Callback::from(move |_: MouseEvent| {
            half.set(false);
            let lacked = certificate.borrow_mut().abandon();
            note.set(lacked.map_or(Note::Quiet, |t| Note::Refused(t.to_string())));
        })
    };
    let kind_name = |kind: ReaderKind| match kind {
        ReaderKind::Serial => ja(Text::QrKindSerial),
        ReaderKind::Hid => ja(Text::QrKindHid),
        ReaderKind::Wedge => ja(Text::QrKindWedge),
    };
    let status = match &*state {
        ReaderState::None => ja(Text::QrStatusNone).to_owned(),
        ReaderState::Closed(kind) => ja(Text::QrStatusClosed).replace("{k}", kind_name(*kind)),
        ReaderState::Open(kind) => ja(Text::QrStatusOpen).replace("{k}", kind_name(*kind)),
        ReaderState::Failed(kind, why) => ja(Text::QrStatusFailed)
            .replace("{k}", kind_name(*kind))
            .replace("{e}", why),
    };
    let current = match &*state {
        ReaderState::Closed(k) | ReaderState::Open(k) | ReaderState::Failed(k, _) => *k,
        ReaderState::None => ReaderKind::Serial,
    };
    let (note_text, alert) = match &*note {
        Note::Quiet => (String::new(), false),
        Note::Partial(persons, of) => (
            ja(Text::QrPartial)
                .replace("{n}", &persons.to_string())
                .replace("{of}", &of.map_or("?".into(), |o| o.to_string())),
            false,
        ),
        Note::Refused(why) => (why.clone(), true),
        Note::Filled(0, _) => (ja(Text::QrNothingNew).to_owned(), false),
        Note::Filled(items, persons) => (
            ja(Text::QrFilled)
                .replace("{n}", &items.to_string())
                .replace("{p}", &persons.to_string()),
            false,
        ),
        Note::Dropped => (ja(Text::QrDropped).to_owned(), false),
    };
    let confirm = pending.as_ref().map(|read| {
        let now = latest.borrow().clone();
        let plan = Prefill::read(&now.values, read, now.event.or(Some(LifeEvent::Tennyu)));
        let on_answer = {
            let (repo, app, pending, note, plan) = (
                repo.clone(),
                app.clone(),
                pending.clone(),
                note.clone(),
                plan.clone(),
            );
            let persons = read.persons.len();
            Callback::from(move |replace: Option<bool>| {
                if let Some(replace) = replace {
                    let n = fill::carry_out(
                        &repo,
                        &app,
                        id,
                        &plan,
                        replace,
                        FillSource::Document(DocumentKind::TransferCertificate, ReadPath::Qr),
                    );
                    note.set(Note::Filled(n, persons));
                } else {
                    note.set(Note::Dropped);
                }
                pending.set(None);
                crate::focus::focus_first_of(&["#qr-connect"]);
            })
        };
        let source = FillSource::Document(DocumentKind::TransferCertificate, ReadPath::Qr);
        html! { <FillConfirm {plan} {on_answer} {source} id="qr-fill" /> }
    });
    let option = |kind: ReaderKind| {
        html! {
            <option value={kind.as_str()} selected={kind == current}>{ kind_name(kind) }</option>
        }
    };
    html! {
        <section class="qr-reading" aria-labelledby="qr-title" id="qr-reading">
            <h2 id="qr-title">{ ja(Text::QrTitle) }</h2>
            <p class="hint" id="qr-status" role="status">{ status }</p>
            <div class="qr-choose">
                <label for="qr-kind">{ ja(Text::QrKindLabel) }</label>
                <select id="qr-kind" ref={kind_ref}>
                    { option(ReaderKind::Serial) }{ option(ReaderKind::Hid) }{ option(ReaderKind::Wedge) }
                </select>
                <button type="button" id="qr-connect" onclick={choose}>{ ja(Text::QrConnect) }</button>
                if *half {
                    <button type="button" id="qr-give-up" onclick={give_up}>{ ja(Text::QrGiveUp) }</button>
                }
            </div>
            <p id="qr-note" class={classes!("qr-note", alert.then_some("problem"))}
               role={if alert { "alert" } else { "status" }}>{ note_text }</p>
            <div class="slot">{ for confirm }</div>
        </section>
    }
}
