//! [`IdCardScanner`]: the ID-card scanner (PASidscan II) on the visit screen. Its PC
//! software writes one result file per card into a folder; this panel watches that folder
//! ([`crate::scanner_folder`]) and offers the newest card to the open visit.
//!
//! - Status line 「OCR: フォルダ未設定 / 監視中 / 許可が必要」, with 「フォルダを選ぶ」 (once
//!   per terminal) and 「許可する」 (after a reload the browser asks again).
//! - While the visit screen is open the folder is looked at every 2 s; the newest result
//!   file written within the last minute (and not in the last half second: it may still
//!   be being written) is offered: 「在留カードを読み取りました: 氏名 …」 with 「入力する」 and
//!   「使わない」. 入力する plans the fill ([`Prefill::read`]), asks ([`FillConfirm`]) when
//!   something already entered would be replaced, and carries it out
//!   ([`fill::carry_out`], marked 「OCR」).
//! - Audit: each card is audited once, when it is offered (`document_read`, its kind and
//!   the visit; never the values): that is when its data reaches this terminal's screen,
//!   whether the counter then uses it or not. Using it is in the visit's 経過.
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
use shared_model::catalog::{Catalog, VisitValues};
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
use crate::scanner_folder::{self, Permission, ScannerFolder};
use crate::state::Action;

/// How often the folder is looked at, ms.
const POLL_MS: u32 = 2_000;
/// How old a result file may be to be offered, ms.
const WITHIN_MS: f64 = 60_000.0;
/// How long a file is left to be written before it is read, ms.
const SETTLE_MS: f64 = 500.0;

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
    file: String,
    card: Rc<CardRead>,
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
    // The file last looked at (name, time written), so a card is read, offered and audited
    // once; and whether a look is under way.
    let seen = use_mut_ref(|| None::<(String, f64)>);
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
        let (offer, failed, note, confirming, seen) = (
            offer.clone(),
            failed.clone(),
            note.clone(),
            confirming.clone(),
            seen.clone(),
        );
        use_effect_with(id, move |_| {
            offer.set(None);
            failed.set(None);
            note.set(String::new());
            confirming.set(false);
            *seen.borrow_mut() = None;
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
            seen: seen.clone(),
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

    // Deletes the card's files and forgets the offer (after 入力する or 使わない).
    let finish = {
        let (folder, offer, note, confirming) = (
            folder.clone(),
            offer.clone(),
            note.clone(),
            confirming.clone(),
        );
        move |file: String| {
            offer.set(None);
            confirming.set(false);
            let (folder, note) = (folder.clone(), note.clone());
            spawn_local(async move {
                let Some(folder) = (*folder).clone() else {
                    return;
                };
                match folder.remove_card(&file).await {
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
        let catalog = Catalog::builtin();
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
    seen: Rc<RefCell<Option<(String, f64)>>>,
    note: UseStateHandle<String>,
    on_screen: Rc<RefCell<DocumentId>>,
}

impl Watch {
    /// One look at the folder: offers the newest card, or says why it does not read.
    async fn look_once(&self, folder: &ScannerFolder, visit: DocumentId) {
        let Watch {
            app,
            status,
            offer,
            failed,
            confirming,
            answering,
            seen,
            note,
            on_screen,
        } = self;
        let now = js_sys::Date::now();
        let newest = match folder.newest_result(now, WITHIN_MS, SETTLE_MS).await {
            Ok(newest) => newest,
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
        let Some(file) = newest else {
            // Nothing within the minute: an offer ages out, unless the counter is answering it.
            *seen.borrow_mut() = None;
            if !*answering.borrow() {
                offer.set(None);
            }
            failed.set(None);
            return;
        };
        let key = (file.name.clone(), file.modified);
        if seen.borrow().as_ref() == Some(&key) {
            return;
        }
        let map = match scanner_folder::field_map() {
            Ok(map) => map,
            Err(e) => {
                failed.set(Some((file.name.clone(), e.to_string())));
                return;
            }
        };
        match read_card(&file.bytes, &map) {
            Ok(card) => {
                *seen.borrow_mut() = Some(key);
                let kind = card.read.document;
                // Said once for screen readers; the focus stays where the counter is typing.
                app.dispatch(Action::Announce(
                    ja(Text::OcrOffer)
                        .replace("{d}", kind.label_ja())
                        .replace("{n}", card.name()),
                ));
                offer.set(Some(Offer {
                    file: file.name,
                    card: Rc::new(card),
                }));
                confirming.set(false);
                failed.set(None);
                spawn_local(api::audit_document_read(kind, ReadPath::Ocr, Some(visit)));
            }
            // Not marked as seen: a file still being written is read again at the next look.
            Err(e) => failed.set(Some((file.name, e.to_string()))),
        }
    }
}
