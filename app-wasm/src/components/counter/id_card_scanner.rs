//! [`IdCardScanner`]: the ID-card scanner (PASidscan II) on the visit screen. Its PC
//! software writes one result file per card into a folder; this panel watches that folder
//! ([`crate::scanner_folder`]) and offers the newest card to the open visit.
//!
//! - Status line 「OCR: フォルダ未設定 / 監視中 / 許可が必要」, with 「フォルダを選ぶ」 (once
//!   per terminal) and 「許可する」 (after a reload the browser asks again).
//! - While the visit screen is open the folder is looked at every 2 s; the newest result
//!   file written within the last minute is offered once it has stopped changing (its size
//!   and time written the same at two looks 2 s apart: a file the scanner is still writing
//!   is not read; a CSV cut mid-row that held still is refused as 書きかけ by the parser):
//!   「在留カードを読み取りました: 氏名 …」 with 「入力する」 and 「使わない」. 入力する plans the
//!   fill ([`Prefill::read`]), asks ([`FillConfirm`]) when something already entered would
//!   be replaced, and carries it out ([`fill::carry_out`], marked 「OCR」).
//! - One card at a time: while a card is offered (and while its confirmation is open) a
//!   newer card does not take its place under the counter's hands; the panel says
//!   「次のカードがあります」 and offers it once the current one is used or refused.
//! - One visit per card: a card offered at visit A and left there (neither used nor
//!   refused) is not offered at visit B opened next; B says only that a card read at an
//!   earlier visit is in the folder (no name), and A offers it again if reopened within
//!   the minute. Files written after B was opened, and files no visit was offered (a card
//!   read before its visit is opened, the usual order at the counter), are offered at B.
//!   The page keeps which file was offered where in memory only ([`Ledger`]: file name,
//!   time written, visit id; nothing of the card).
//! - Audit: each card is audited once, when it is first offered (`document_read`, its kind
//!   and the visit; never the values): that is when its data reaches this terminal's
//!   screen, whether the counter then uses it or not. Offered again at the same visit, it
//!   is not audited again. Using it is in the visit's 経過.
//! - After 入力する or 使わない the result file and the images beside it (特定個人情報) are
//!   deleted from the folder. A file that does not read is shown with its reason and left
//!   in place: it may still be being written (it is read again at the next look), and it
//!   is the scanner's to fix, not ours to destroy; it stops being offered after a minute.
//! - Nothing of a result is stored: the offer lives in this component's state, gone when
//!   the visit screen closes or the card is used or refused.

use std::cell::RefCell;
use std::rc::Rc;

use device_webusb::id_card_ocr::{CardRead, read_card};
use shared_model::DocumentId;
use shared_model::catalog::VisitValues;
use shared_model::document_read::ReadPath;
use shared_model::navi::LifeEvent;
use shared_model::prefill::Prefill;
use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use super::fill_confirm::FillConfirm;
use crate::api;
use crate::context::AppContext;
use crate::fill::{self, FillSource};
use crate::hooks::use_repo;
use crate::i18n::{Text, ja};
use crate::scanner_folder::{
    self, Fate, FileKey, Ledger, Permission, ResultFile, ScannerFolder, with_ledger,
};
use crate::state::Action;

/// How often the folder is looked at, ms.
const POLL_MS: u32 = 2_000;
/// How old a result file may be to be offered, ms.
const WITHIN_MS: f64 = 60_000.0;
/// How long a file must keep its size and time written to be read: two looks [`POLL_MS`]
/// apart, less 100 ms for a timer that fires a little early.
const STABLE_MS: f64 = POLL_MS as f64 - 100.0;

/// Where the watch stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    /// Looking for a stored folder.
    Starting,
    /// No File System Access API in this browser.
    Unsupported,
    /// No folder chosen on this terminal.
    NotSet,
    /// The browser must be asked again (after a reload), or refused.
    NeedsPermission,
    /// Watching.
    Watching,
}

/// A card offered to the visit.
#[derive(Debug, Clone, PartialEq)]
struct Offer {
    file: FileKey,
    card: Rc<CardRead>,
}

/// What the panel says of the cards after the one on screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Queue {
    /// Nothing.
    Empty,
    /// A newer card waits until the one on screen is answered.
    Next,
    /// The newest card was offered at another visit and waits there.
    Elsewhere,
}

/// Properties of [`IdCardScanner`].
#[derive(Properties, PartialEq)]
pub struct IdCardScannerProps {
    /// The visit to fill.
    pub id: DocumentId,
    /// The navi's event: at a 転入 or 転居 a card's address is the previous one.
    pub event: Option<LifeEvent>,
    /// What the visit holds now (a fill that would replace some of it asks first).
    pub values: VisitValues,
    /// Whether the visit can be filled here (not read-only): only then is the folder watched.
    #[prop_or(true)]
    pub active: bool,
}

/// The ID-card scanner's panel (see the module).
#[component(IdCardScanner)]
pub fn id_card_scanner(props: &IdCardScannerProps) -> Html {
    let repo = use_repo();
    let app = use_context::<AppContext>().expect("app context");
    let status = use_state(|| Status::Starting);
    let folder = use_state(|| None::<ScannerFolder>);
    let offer = use_state(|| None::<Offer>);
    // A file that did not read: its name and why.
    let failed = use_state(|| None::<(String, String)>);
    // What happened last (deleted, could not delete, …), said in the panel.
    let note = use_state(String::new);
    let confirming = use_state(|| false);
    let queue = use_state(|| Queue::Empty);
    // The card on screen, as of this render, for the watch; and whether a look is under way.
    let current = use_mut_ref(|| None::<FileKey>);
    *current.borrow_mut() = offer.as_ref().map(|o| o.file.clone());
    let busy = use_mut_ref(|| false);
    // Whether the confirmation is open, as of this render, for the watch (which keeps the
    // state handles of the render that started it).
    let answering = use_mut_ref(|| false);
    *answering.borrow_mut() = *confirming;
    let id = props.id;
    // The visit on screen now: a look begun for another one gives it nothing.
    let on_screen = use_mut_ref(|| id);
    *on_screen.borrow_mut() = id;

    {
        // The folder this terminal chose, and whether the browser may still read it.
        let (status, folder) = (status.clone(), folder.clone());
        use_effect_with((), move |_| {
            spawn_local(async move {
                if !scanner_folder::supported() {
                    status.set(Status::Unsupported);
                    return;
                }
                match ScannerFolder::stored().await {
                    Ok(Some(stored)) => {
                        let granted = stored.permission().await == Permission::Granted;
                        folder.set(Some(stored));
                        status.set(if granted {
                            Status::Watching
                        } else {
                            Status::NeedsPermission
                        });
                    }
                    _ => status.set(Status::NotSet),
                }
            });
        });
    }

    {
        // Another visit on the same screen: nothing of the last one's card goes with it.
        let (offer, failed, note, confirming, queue, current) = (
            offer.clone(),
            failed.clone(),
            note.clone(),
            confirming.clone(),
            queue.clone(),
            current.clone(),
        );
        use_effect_with(id, move |_| {
            offer.set(None);
            failed.set(None);
            note.set(String::new());
            confirming.set(false);
            queue.set(Queue::Empty);
            *current.borrow_mut() = None;
        });
    }

    {
        // The watch: every 2 s while watching and the visit can be filled.
        let watching = *status == Status::Watching && props.active;
        let watch = Watch {
            app: app.clone(),
            status: status.clone(),
            offer: offer.clone(),
            failed: failed.clone(),
            confirming: confirming.clone(),
            answering: answering.clone(),
            current: current.clone(),
            queue: queue.clone(),
            note: note.clone(),
            on_screen: on_screen.clone(),
        };
        let (folder, busy) = (folder.clone(), busy.clone());
        use_effect_with(
            (watching, (*folder).clone(), id),
            move |(watching, _, id)| {
                let id = *id;
                let interval = watching.then(|| {
                    let look = move || {
                        if *busy.borrow() {
                            return;
                        }
                        let Some(folder) = (*folder).clone() else {
                            return;
                        };
                        *busy.borrow_mut() = true;
                        let (watch, busy) = (watch.clone(), busy.clone());
                        spawn_local(async move {
                            watch.look_once(&folder, id).await;
                            *busy.borrow_mut() = false;
                        });
                    };
                    look();
                    gloo_timers::callback::Interval::new(POLL_MS, look)
                });
                move || drop(interval)
            },
        );
    }

    let choose = {
        let (status, folder, note) = (status.clone(), folder.clone(), note.clone());
        Callback::from(move |_: MouseEvent| {
            let (status, folder, note) = (status.clone(), folder.clone(), note.clone());
            spawn_local(async move {
                match ScannerFolder::choose().await {
                    Ok(chosen) => {
                        note.set(String::new());
                        folder.set(Some(chosen));
                        status.set(Status::Watching);
                    }
                    Err(scanner_folder::FolderError::Cancelled) => {}
                    Err(e) => note.set(format!("{} ({e})", ja(Text::OcrFolderRefused))),
                }
            });
        })
    };
    let permit = {
        let (status, folder) = (status.clone(), folder.clone());
        Callback::from(move |_: MouseEvent| {
            let (status, folder) = (status.clone(), folder.clone());
            spawn_local(async move {
                if let Some(f) = (*folder).clone()
                    && f.request_permission().await == Permission::Granted
                {
                    status.set(Status::Watching);
                }
            });
        })
    };

    // Deletes the card's files and forgets the offer (after 入力する or 使わない); the page
    // never offers it again, even if the deletion fails.
    let finish = {
        let (folder, offer, note, confirming, current) = (
            folder.clone(),
            offer.clone(),
            note.clone(),
            confirming.clone(),
            current.clone(),
        );
        move |file: FileKey| {
            with_ledger(|l| l.answered(file.clone()));
            *current.borrow_mut() = None;
            offer.set(None);
            confirming.set(false);
            let (folder, note) = (folder.clone(), note.clone());
            spawn_local(async move {
                let Some(folder) = (*folder).clone() else {
                    return;
                };
                match folder.remove_card(&file.name).await {
                    Ok(n) => note.set(ja(Text::OcrDeleted).replace("{n}", &n.to_string())),
                    Err(e) => note.set(format!("{} ({e})", ja(Text::OcrDeleteFailed))),
                }
            });
        }
    };
    let plan_of = {
        let (values, event) = (props.values.clone(), props.event);
        move |card: &CardRead| Prefill::read(&values, &card.read, event)
    };
    let source = |card: &CardRead| FillSource::Document(card.read.document, ReadPath::Ocr);

    let use_card = {
        let (repo, app, offer, confirming, finish, plan_of) = (
            repo.clone(),
            app.clone(),
            offer.clone(),
            confirming.clone(),
            finish.clone(),
            plan_of.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some(current) = (*offer).clone() else {
                return;
            };
            let plan = plan_of(&current.card);
            if plan.replacing().next().is_none() {
                fill::carry_out(&repo, &app, id, &plan, true, source(&current.card));
                finish(current.file);
                crate::focus::focus_first_of(&["#item-person-0-name"]);
            } else {
                confirming.set(true);
                crate::focus::focus_first_of(&["#ocr-replace"]);
            }
        })
    };
    let discard = {
        let (offer, finish) = (offer.clone(), finish.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(current) = (*offer).clone() {
                finish(current.file);
                crate::focus::focus_first_of(&["#ocr-status"]);
            }
        })
    };

    let status_text = match *status {
        Status::Starting => ja(Text::OcrStarting).to_owned(),
        Status::Unsupported => ja(Text::OcrUnsupported).to_owned(),
        Status::NotSet => ja(Text::OcrNotSet).to_owned(),
        Status::NeedsPermission => ja(Text::OcrNeedsPermission).to_owned(),
        Status::Watching => ja(Text::OcrWatching).replace(
            "{f}",
            &(*folder)
                .as_ref()
                .map(ScannerFolder::name)
                .unwrap_or_default(),
        ),
    };
    let status_name = match *status {
        Status::Starting => "starting",
        Status::Unsupported => "unsupported",
        Status::NotSet => "not-set",
        Status::NeedsPermission => "needs-permission",
        Status::Watching => "watching",
    };
    let offered = (*offer).clone().map(|current| {
        let card = &current.card;
        let title = ja(Text::OcrOffer)
            .replace("{d}", card.read.document.label_ja())
            .replace("{n}", card.name());
        let catalog = crate::city::catalog().catalog;
        let gaiji: Vec<&str> = card
            .gaiji
            .iter()
            .map(|k| catalog.items.get(k).map(|i| i.label.ja.as_str()).unwrap_or(k))
            .collect();
        let confirm = confirming.then(|| {
            let plan = plan_of(card);
            let on_answer = {
                let (repo, app, confirming, finish, plan, card) = (
                    repo.clone(),
                    app.clone(),
                    confirming.clone(),
                    finish.clone(),
                    plan.clone(),
                    card.clone(),
                );
                let file = current.file.clone();
                Callback::from(move |replace: Option<bool>| match replace {
                    Some(replace) => {
                        fill::carry_out(&repo, &app, id, &plan, replace, source(&card));
                        finish(file.clone());
                        crate::focus::focus_first_of(&["#item-person-0-name"]);
                    }
                    // やめる: the card stays offered, its files in place.
                    None => {
                        confirming.set(false);
                        crate::focus::focus_first_of(&["#ocr-use"]);
                    }
                })
            };
            let source = source(&current.card);
            html! { <FillConfirm {plan} {on_answer} {source} id="ocr" /> }
        });
        html! {
            <div class="ocr-offer" id="ocr-offer" data-kind={card.read.document.as_str()}>
                <p id="ocr-offer-title">{ title }</p>
                if !gaiji.is_empty() {
                    <p class="finding warning" id="ocr-gaiji">{ ja(Text::OcrGaiji).replace("{t}", &gaiji.join("・")) }</p>
                }
                <div class="actions">
                    <button type="button" id="ocr-use" onclick={use_card.clone()}
                            aria-describedby="ocr-offer-title">{ ja(Text::OcrUse) }</button>
                    <button type="button" id="ocr-discard" onclick={discard.clone()}
                            aria-describedby="ocr-offer-title">{ ja(Text::OcrDiscard) }</button>
                </div>
                <div class="slot">{ for confirm }</div>
            </div>
        }
    });
    let (queue_name, queue_text) = match *queue {
        Queue::Empty => ("", ""),
        Queue::Next => ("next", ja(Text::OcrNextCard)),
        Queue::Elsewhere => ("elsewhere", ja(Text::OcrCardElsewhere)),
    };
    let failure = (*failed).clone().map(|(file, reason)| {
        html! {
            <p class="finding error" id="ocr-failed">
                { ja(Text::OcrUnreadable).replace("{f}", &file).replace("{t}", &reason) }
            </p>
        }
    });
    let chooser = (*status != Status::Unsupported && *status != Status::Starting).then(|| {
        let label = if folder.is_some() {
            Text::OcrChangeFolder
        } else {
            Text::OcrChooseFolder
        };
        html! { <button type="button" id="ocr-choose" onclick={choose}>{ ja(label) }</button> }
    });
    let permitter = (*status == Status::NeedsPermission).then(|| {
        html! { <button type="button" id="ocr-permit" onclick={permit}>{ ja(Text::OcrPermit) }</button> }
    });
    html! {
        <section class="id-card-scanner" aria-labelledby="ocr-title">
            <h2 id="ocr-title">{ ja(Text::OcrTitle) }</h2>
            <p class="hint" id="ocr-status" role="status" tabindex="-1" data-status={status_name}>
                { status_text }
            </p>
            <div class="actions">{ for permitter }{ for chooser }</div>
            // Always there, so that an offer appearing does not re-create its siblings.
            <div class="slot">{ for offered }</div>
            <p class="hint" id="ocr-queue" role="status" data-queue={queue_name}>{ queue_text }</p>
            <div class="slot">{ for failure }</div>
            <p class="hint" id="ocr-note" role="status">{ (*note).clone() }</p>
        </section>
    }
}

/// What a look at the folder updates.
#[derive(Clone)]
struct Watch {
    app: AppContext,
    status: UseStateHandle<Status>,
    offer: UseStateHandle<Option<Offer>>,
    failed: UseStateHandle<Option<(String, String)>>,
    confirming: UseStateHandle<bool>,
    answering: Rc<RefCell<bool>>,
    current: Rc<RefCell<Option<FileKey>>>,
    queue: UseStateHandle<Queue>,
    note: UseStateHandle<String>,
    on_screen: Rc<RefCell<DocumentId>>,
}

/// The files a look may offer, newest first, each with whether it has stopped changing:
/// those within the minute not yet used or refused here.
fn open_files(ledger: &mut Ledger, now: f64, files: Vec<ResultFile>) -> Vec<(ResultFile, bool)> {
    ledger.observe(now, &files);
    files
        .into_iter()
        .filter(|f| ledger.fate(&f.key()) != Some(Fate::Answered))
        .map(|f| {
            let stable = ledger.is_stable(&f, now, STABLE_MS);
            (f, stable)
        })
        .collect()
}

impl Watch {
    /// One look at the folder: offers the newest card that has stopped changing and belongs
    /// to no other visit, or says why it does not read; while a card is offered, says
    /// whether a newer one waits.
    async fn look_once(&self, folder: &ScannerFolder, visit: DocumentId) {
        let Watch {
            app,
            status,
            offer,
            failed,
            confirming,
            answering,
            current,
            queue,
            note,
            on_screen,
        } = self;
        let now = js_sys::Date::now();
        let listed = match folder.results(now, WITHIN_MS).await {
            Ok(listed) => listed,
            Err(e) => {
                if folder.permission().await != Permission::Granted {
                    status.set(Status::NeedsPermission);
                } else {
                    note.set(format!("{} ({e})", ja(Text::OcrFolderRefused)));
                }
                return;
            }
        };
        if *on_screen.borrow() != visit {
            return;
        }
        let open = with_ledger(|l| open_files(l, now, listed));
        let elsewhere = |key: &FileKey| {
            with_ledger(|l| matches!(l.fate(key), Some(Fate::Offered(v)) if v != visit))
        };

        let on_offer = current.borrow().clone();
        if let Some(shown) = on_offer {
            if !open.iter().any(|(f, _)| f.key() == shown) && !*answering.borrow() {
                // Gone from the folder or older than the minute: the offer ages out (not
                // while the counter is answering it).
                *current.borrow_mut() = None;
                offer.set(None);
                queue.set(Queue::Empty);
                return;
            }
            // The card on screen stays until answered; a newer one is said to wait.
            let newer = open
                .first()
                .is_some_and(|(f, stable)| f.key() != shown && *stable && !elsewhere(&f.key()));
            queue.set(if newer { Queue::Next } else { Queue::Empty });
            return;
        }

        let Some((file, stable)) = open.into_iter().next() else {
            // Nothing within the minute.
            failed.set(None);
            queue.set(Queue::Empty);
            return;
        };
        let key = file.key();
        if elsewhere(&key) {
            // Offered at another visit and left there: it is that visit's, said without a name.
            failed.set(None);
            queue.set(Queue::Elsewhere);
            return;
        }
        queue.set(Queue::Empty);
        if !stable {
            // Still being written: read once it has held still for two looks.
            return;
        }
        let map = match scanner_folder::field_map() {
            Ok(map) => map,
            Err(e) => {
                failed.set(Some((file.name.clone(), e.to_string())));
                return;
            }
        };
        // Changed since it was listed: read at the next look.
        let Ok(bytes) = file.bytes().await else {
            return;
        };
        if *on_screen.borrow() != visit {
            return;
        }
        match read_card(&bytes, &map) {
            Ok(card) => {
                let first = with_ledger(|l| l.offered(key.clone(), visit));
                let kind = card.read.document;
                // Said once for screen readers; the focus stays where the counter is typing.
                app.dispatch(Action::Announce(
                    ja(Text::OcrOffer)
                        .replace("{d}", kind.label_ja())
                        .replace("{n}", card.name()),
                ));
                *current.borrow_mut() = Some(key.clone());
                offer.set(Some(Offer {
                    file: key,
                    card: Rc::new(card),
                }));
                confirming.set(false);
                failed.set(None);
                if first {
                    spawn_local(api::audit_document_read(kind, ReadPath::Ocr, Some(visit)));
                }
            }
            // Left in place and read again at the next look (a file the scanner rewrites).
            Err(e) => failed.set(Some((file.name, e.to_string()))),
        }
    }
}
