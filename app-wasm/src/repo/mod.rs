//! [`Repo`]: the terminal's documents, their IndexedDB copy, and the sync connection — one
//! task that takes [`Command`]s in order, so an edit is always in IndexedDB before any of it
//! is sent, and sync messages are processed in the order they arrive.
//!
//! UI → [`Command::Edit`] → `VisitDoc` change → [`LocalStore`] → [`SyncClient`] → socket.
//!
//! Rooms: this file (commands, the documents in memory and their IndexedDB copy, what the UI
//! is told), `connection` (the socket, sync messages and reconnecting) and `retention` (when
//! a past day's local copy may go).

use std::collections::{HashMap, HashSet};

use automerge::AutoCommit;
use futures_channel::mpsc::{UnboundedReceiver, UnboundedSender, unbounded};
use futures_util::StreamExt;
use shared_model::catalog::VisitValues;
use shared_model::navi::Answers;
use shared_model::protocol::{PeerMetadata, SyncClient};
use shared_model::{Conflict, DocumentId, VisitChange, VisitDoc, VisitSummary};
use wasm_bindgen_futures::spawn_local;
use yew::Callback;

use crate::i18n::Text;
use crate::socket::{Socket, SocketEvent};
use crate::storage::{LocalStore, LocalVisit};

mod connection;
mod retention;

pub use retention::retention_over;

use connection::peer_id;

/// What the UI asks of the repo.
#[derive(Debug)]
pub enum Command {
    /// Create a visit that the server registered with this reception number.
    Create {
        /// The id the server registered.
        id: DocumentId,
        /// 受付番号.
        reception_number: String,
        /// Creation time, ms since the epoch.
        created_at: i64,
    },
    /// Show a visit, asking the server for it if this terminal does not have it.
    Open(DocumentId),
    /// Change a visit.
    Change {
        /// The visit.
        id: DocumentId,
        /// The change.
        change: VisitChange,
        /// When the person made it (`performance.now()`), to measure input → IndexedDB.
        at: f64,
    },
    /// Try to connect now (the browser came back online, or a backoff timer ran out).
    Reconnect,
    /// Ask the server again for a visit it did not have (a backoff timer ran out).
    AskAgain(DocumentId),
    /// See whether the connection has gone silent with changes unanswered.
    CheckSilence,
    /// Who this browser is changed (signed in or out, kiosk enrolled): connect again at
    /// once, so the server sees the new session.
    Reauthenticate,
    /// The data key arrived (hex): open the drafts stored on this terminal.
    Unlock(String),
    /// Signed out: forget the key and every draft in memory.
    Lock,
    /// The browser says the network is gone.
    BrowserOffline,
    /// A kiosk is done with a citizen's visit: drop it from the screen at once, and its local
    /// copy from IndexedDB as soon as the server holds every change of it (never before: the
    /// citizen's entries must reach the counter).
    Release(DocumentId),
    /// Something happened on the socket.
    Socket(SocketEvent),
}

/// The sync state shown in the badge.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyncStatus {
    /// Joined to the server.
    pub online: bool,
    /// When the connection was lost (ms since the epoch), while offline.
    pub offline_since: Option<f64>,
    /// Changes the server is not known to have.
    pub pending: usize,
    /// How long the last edit took to reach IndexedDB, in ms.
    pub last_commit_ms: Option<f64>,
}

/// A visit as the UI shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitView {
    /// The document.
    pub id: DocumentId,
    /// Its fields.
    pub summary: VisitSummary,
    /// Values with concurrent, different values.
    pub conflicts: Vec<Conflict>,
    /// Every value, in the catalog's terms.
    pub values: VisitValues,
    /// The navi answers, once given.
    pub answers: Option<Answers>,
    /// Procedures chosen (`true`) or dropped (`false`) by a person.
    pub choices: std::collections::BTreeMap<String, bool>,
    /// Forms with a recorded status (確認待ち, 確認済み, refused).
    pub statuses: std::collections::BTreeMap<String, shared_model::FormStatus>,
    /// Which 課 has it and who holds it.
    pub handling: shared_model::Handling,
    /// Who did what, oldest first.
    pub history: Vec<shared_model::HistoryEntry>,
    /// Staff names by the actor (terminal) that wrote changes.
    pub actor_names: std::collections::BTreeMap<String, String>,
    /// Where the visit is in its life (受付, 対応中, 回付, 完了, 取消).
    pub state: shared_model::VisitState,
    /// Items still holding what was read from a document the citizen brought.
    pub read_marks: Vec<shared_model::ReadMark>,
    /// How it was closed, if it was.
    pub closing: Option<shared_model::Closing>,
    /// Each signature of each signed form by (form, role): the one confirmed, once the form
    /// is, or why it does not count ([`shared_model::VisitDoc::signatures`]).
    pub signatures: std::collections::BTreeMap<
        (String, shared_model::signature::SignerRole),
        Result<shared_model::signature::Signature, shared_model::signature::SignatureError>,
    >,
}

impl VisitView {
    /// The signature of the person at the counter on `form`: in the box their standing
    /// signs ([`shared_model::catalog::Form::signer_at_counter`]).
    pub fn counter_signature(
        &self,
        form: &str,
    ) -> Option<&Result<shared_model::signature::Signature, shared_model::signature::SignatureError>>
    {
        let role = self.counter_role(form)?;
        self.signatures.get(&(form.to_owned(), role))
    }

    /// The box the person at the counter signs on `form`, if its sheet has one.
    pub fn counter_role(&self, form: &str) -> Option<shared_model::signature::SignerRole> {
        let relation = self
            .values
            .visit
            .get("visit.notifier_relation")
            .map(String::as_str);
        crate::city::catalog()
            .catalog
            .form(form)
            .ok()?
            .signer_at_counter(relation)
    }
}

/// What the repo tells the UI.
#[derive(Debug, Clone, PartialEq)]
pub enum RepoEvent {
    /// The sync state changed.
    Status(SyncStatus),
    /// The list of visits on this terminal changed.
    LocalVisits(Vec<LocalVisit>),
    /// A visit was opened or changed.
    Visit(Box<VisitView>),
    /// This terminal does not have the visit, and the server does not have it yet (`offline`
    /// false: asked again with backoff, and shown once it arrives) or cannot be asked now
    /// (`offline` true; it is asked again on reconnect).
    Unavailable {
        /// The visit.
        id: DocumentId,
        /// Whether the server could not be asked.
        offline: bool,
    },
    /// Something the person should know.
    Problem(Text),
}

/// A handle to send commands to the repo task.
#[derive(Clone)]
pub struct RepoHandle {
    commands: UnboundedSender<Command>,
}

impl PartialEq for RepoHandle {
    fn eq(&self, other: &Self) -> bool {
        self.commands.same_receiver(&other.commands)
    }
}

impl RepoHandle {
    /// Sends a command; the repo task outlives every component, so this does not fail.
    pub fn send(&self, command: Command) {
        let _ = self.commands.unbounded_send(command);
    }

    /// Sends a change a person just made to a visit.
    pub fn change(&self, id: DocumentId, change: VisitChange) {
        self.send(Command::Change {
            id,
            change,
            at: now(),
        });
    }
}

/// Starts the repo task; its events go to `events`.
pub fn start(events: Callback<RepoEvent>) -> RepoHandle {
    let (tx, rx) = unbounded();
    let handle = RepoHandle {
        commands: tx.clone(),
    };
    spawn_local(async move {
        let repo = Repo::open(tx, events).await;
        repo.run(rx).await;
    });
    handle
}

/// The repo task's state.
struct Repo {
    commands: UnboundedSender<Command>,
    events: Callback<RepoEvent>,
    store: Option<LocalStore>,
    visits: HashMap<DocumentId, VisitDoc>,
    /// Documents asked of the server and not yet received.
    wanted: HashMap<DocumentId, AutoCommit>,
    /// How many times each wanted document was found missing on the server (for backoff).
    asking: HashMap<DocumentId, u32>,
    chunks: HashMap<DocumentId, u32>,
    /// The list entries of the visits stored on this terminal.
    listed: HashMap<DocumentId, LocalVisit>,
    /// Local copies past the retention period, purged once the server holds them all.
    expiring: HashSet<DocumentId>,
    /// Visits a person opened on this page (never purged under them).
    opened: HashSet<DocumentId>,
    /// The visit last opened or created: the one the screen shows.
    on_screen: Option<DocumentId>,
    client: SyncClient,
    socket: Option<Socket>,
    /// Whether the server answers what it is sent (a half-open connection does not).
    silence: connection::Silence,
    generation: u32,
    attempts: u32,
    status: SyncStatus,
}

impl Repo {
    async fn open(commands: UnboundedSender<Command>, events: Callback<RepoEvent>) -> Self {
        let store = match LocalStore::open().await {
            Ok(store) => Some(store),
            Err(e) => {
                web_sys::console::error_1(&format!("IndexedDB unavailable: {e}").into());
                events.emit(RepoEvent::Problem(Text::ErrorStorage));
                None
            }
        };
        let mut repo = Self {
            commands,
            events,
            store,
            visits: HashMap::new(),
            wanted: HashMap::new(),
            asking: HashMap::new(),
            chunks: HashMap::new(),
            listed: HashMap::new(),
            expiring: HashSet::new(),
            opened: HashSet::new(),
            on_screen: None,
            client: SyncClient::new(peer_id(), PeerMetadata::default()),
            socket: None,
            silence: connection::Silence::default(),
            generation: 0,
            attempts: 0,
            status: SyncStatus {
                offline_since: Some(js_sys::Date::now()),
                ..SyncStatus::default()
            },
        };
        // A reload in the same tab keeps its key (sessionStorage); otherwise the drafts stay
        // sealed until someone signs in.
        if let Some(key) = crate::vault::remembered() {
            repo.unlock(&key).await;
        }
        repo.load_local().await;
        repo.watch_browser_network();
        repo.watch_silence();
        repo.connect();
        repo
    }

    async fn unlock(&mut self, key: &str) {
        let Some(store) = &mut self.store else { return };
        match crate::vault::Vault::unlock(key).await {
            Ok(vault) => store.set_vault(Some(vault)),
            Err(e) => {
                web_sys::console::error_1(&format!("data key refused: {e}").into());
                self.events.emit(RepoEvent::Problem(Text::ErrorStorage));
            }
        }
    }

    async fn load_local(&mut self) {
        let Some(store) = &self.store else { return };
        if !store.is_unlocked() {
            return;
        }
        let list = match store.visits().await {
            Ok(list) => list,
            Err(e) => {
                web_sys::console::error_1(&format!("reading local visits: {e}").into());
                self.events.emit(RepoEvent::Problem(Text::ErrorStorage));
                return;
            }
        };
        let mut loaded_now = Vec::new();
        for entry in &list {
            if self.visits.contains_key(&entry.doc) {
                continue;
            }
            loaded_now.push(entry.doc);
            let loaded = store.load(entry.doc).await;
            match loaded {
                Ok(stored) if stored.chunks == 0 => {
                    // Sealed under another 課's key (or damaged): it comes from the server.
                    if stored.unreadable > 0 {
                        web_sys::console::info_1(
                            &format!("local copy of {} not readable with this key", entry.doc)
                                .into(),
                        );
                    }
                }
                Ok(stored) => match VisitDoc::load(&stored.bytes)
                    .map(|v| v.in_catalog(crate::city::catalog()))
                {
                    Ok(visit) => {
                        if let Some(saved) = &stored.sync_state {
                            let _ = self.client.remember_saved_state(
                                entry.doc,
                                &saved.storage_id,
                                &saved.bytes,
                            );
                        }
                        if retention::retention_over(entry.updated_at, js_sys::Date::now()) {
                            // Goes once the server says, on a live connection, it has it all.
                            self.expiring.insert(entry.doc);
                        }
                        self.chunks.insert(entry.doc, stored.chunks);
                        self.visits.insert(entry.doc, visit);
                    }
                    Err(e) => web_sys::console::error_1(
                        &format!("local copy of {} unreadable: {e}", entry.doc).into(),
                    ),
                },
                Err(e) => web_sys::console::error_1(&format!("loading {}: {e}", entry.doc).into()),
            }
        }
        self.listed = list.into_iter().map(|v| (v.doc, v)).collect();
        // Read after the connection joined (the key came later than the socket): the server
        // hears of them now, not only at the next join, and says whether it holds them all
        // (which lets a past day's copy go).
        if self.status.online {
            for id in loaded_now {
                if self.visits.contains_key(&id) {
                    self.send_sync(id);
                }
            }
        }
        self.publish_list();
        self.publish_status();
    }

    async fn run(mut self, mut commands: UnboundedReceiver<Command>) {
        // A command taken from the queue while gathering a visit's edits, handled next.
        let mut held: Option<Command> = None;
        loop {
            let command = match held.take() {
                Some(command) => command,
                None => match commands.next().await {
                    Some(command) => command,
                    None => break,
                },
            };
            match command {
                Command::Create {
                    id,
                    reception_number,
                    created_at,
                } => {
                    let visit = VisitDoc::new(id, &reception_number, created_at)
                        .in_catalog(crate::city::catalog());
                    self.visits.insert(id, visit);
                    self.on_screen = Some(id);
                    self.persist(id, None).await;
                    self.send_sync(id);
                    self.show(id);
                }
                Command::Open(id) => {
                    self.opened.insert(id);
                    self.on_screen = Some(id);
                    self.open_visit(id);
                }
                Command::Change { id, change, at } => {
                    // Keys typed while the last save was running wait in the queue: they are
                    // applied together and saved in one write, so the screen never runs a
                    // queue of saves behind the typing. As for a single edit, the screen
                    // shows what is saved (the order the screens' focus moves rely on).
                    let mut changed = self.apply(id, &change);
                    while let Ok(next) = commands.try_recv() {
                        match next {
                            Command::Change {
                                id: same, change, ..
                            } if same == id => changed |= self.apply(id, &change),
                            other => {
                                held = Some(other);
                                break;
                            }
                        }
                    }
                    if changed {
                        self.persist(id, Some(at)).await;
                        self.send_sync(id);
                        self.show(id);
                    }
                }
                Command::Reconnect => self.connect(),
                Command::AskAgain(id) => self.ask_again(id),
                Command::CheckSilence => self.check_silence(),
                Command::Unlock(key) => {
                    self.unlock(&key).await;
                    self.load_local().await;
                }
                Command::Lock => {
                    if let Some(store) = &mut self.store {
                        store.set_vault(None);
                    }
                    self.visits.clear();
                    self.expiring.clear();
                    self.wanted.clear();
                    self.asking.clear();
                    self.chunks.clear();
                    self.publish_status();
                }
                Command::Reauthenticate => {
                    // Dropping the socket closes it without a close event.
                    self.socket = None;
                    self.client.reconnect_as(peer_id());
                    self.attempts = 0;
                    self.connect();
                }
                Command::BrowserOffline => {
                    if let Some(socket) = self.socket.take() {
                        self.lost(socket.generation());
                    }
                }
                Command::Release(id) => {
                    self.opened.remove(&id);
                    self.expiring.insert(id);
                    if self.on_screen == Some(id) {
                        self.on_screen = None;
                    }
                    self.purge_if_held(id).await;
                }
                Command::Socket(event) => self.on_socket(event).await,
            }
        }
    }

    fn open_visit(&mut self, id: DocumentId) {
        if self.visits.contains_key(&id) {
            self.show(id);
            self.send_sync(id);
            return;
        }
        self.wanted.entry(id).or_default();
        if self.status.online {
            self.send_sync(id);
        } else {
            self.events
                .emit(RepoEvent::Unavailable { id, offline: true });
        }
    }

    /// Applies one edit to a visit held here; whether it changed anything (an edit to a
    /// visit not held, one that changes nothing, or one the document refuses does not).
    fn apply(&mut self, id: DocumentId, change: &VisitChange) -> bool {
        let Some(visit) = self.visits.get_mut(&id) else {
            return false;
        };
        match visit.apply(change) {
            Ok(changed) => changed,
            Err(e) => {
                web_sys::console::error_1(&format!("edit refused: {e}").into());
                false
            }
        }
    }

    /// Writes what changed in a visit to IndexedDB (and its list entry).
    async fn persist(&mut self, id: DocumentId, started: Option<f64>) {
        let Some(visit) = self.visits.get_mut(&id) else {
            return;
        };
        let chunks = self.chunks.entry(id).or_default();
        let snapshot = LocalStore::wants_compaction(*chunks + 1);
        let bytes = if snapshot {
            visit.save()
        } else {
            visit.save_incremental()
        };
        if bytes.is_empty() {
            return;
        }
        let entry = LocalVisit {
            doc: id,
            reception_number: visit.reception_number(),
            updated_at: js_sys::Date::now(),
        };
        let Some(store) = &self.store else { return };
        match store.save_chunk(&entry, &bytes, snapshot).await {
            Ok(()) => {
                *chunks = if snapshot { 1 } else { *chunks + 1 };
                if let Some(started) = started {
                    let took = now() - started;
                    self.status.last_commit_ms = Some(took);
                    record_commit_time(took);
                }
                self.listed.insert(id, entry);
                self.publish_list();
            }
            Err(e) => {
                web_sys::console::error_1(&format!("saving {id}: {e}").into());
                self.events.emit(RepoEvent::Problem(Text::ErrorStorage));
                // What this save held is not stored: the next save writes the whole visit.
                *chunks = u32::MAX / 2;
            }
        }
    }

    /// Tells the UI how the visit on screen stands now. Other visits changing in the
    /// background (a kiosk's entries arriving, another counter's edit, a result from the
    /// core system) are not shown: the screen would otherwise switch to them.
    fn show(&self, id: DocumentId) {
        if self.on_screen != Some(id) {
            return;
        }
        if let Some(visit) = self.visits.get(&id) {
            let answers = visit.answers();
            let choices = visit.procedure_choices();
            let statuses = visit.form_statuses();
            self.events.emit(RepoEvent::Visit(Box::new(VisitView {
                id,
                summary: visit.summary(),
                conflicts: visit.conflicts(),
                values: visit.values(),
                read_marks: visit.read_marks(),
                answers,
                choices,
                statuses,
                handling: visit.handling(),
                history: visit.history(),
                actor_names: visit.actor_names(),
                state: visit.state(),
                closing: visit.closing(),
                signatures: shared_model::signature::SignerRole::ALL
                    .into_iter()
                    .flat_map(|role| {
                        visit
                            .signatures(role)
                            .into_iter()
                            .map(move |(form, signed)| ((form, role), signed))
                    })
                    .collect(),
            })));
        }
    }

    fn publish_list(&self) {
        let mut list: Vec<LocalVisit> = self.listed.values().cloned().collect();
        list.sort_by(|a, b| b.updated_at.total_cmp(&a.updated_at));
        self.events.emit(RepoEvent::LocalVisits(list));
    }

    fn publish_status(&mut self) {
        let client = &self.client;
        self.status.pending = self
            .visits
            .iter_mut()
            .map(|(id, visit)| client.pending_changes(*id, visit.doc_mut()))
            .sum();
        self.events.emit(RepoEvent::Status(self.status.clone()));
    }
}

/// Milliseconds on the page's monotonic clock.
fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map(|p| p.now())
        .unwrap_or_else(js_sys::Date::now)
}

/// Keeps the last 1,000 "input → committed to IndexedDB" times (numbers only, no content)
/// in `window.madoguchiCommitTimes` for the diagnostics and the keystroke benchmark.
fn record_commit_time(ms: f64) {
    use wasm_bindgen::JsCast;
    let Some(window) = web_sys::window() else {
        return;
    };
    let key = wasm_bindgen::JsValue::from_str("madoguchiCommitTimes");
    let times = match js_sys::Reflect::get(&window, &key) {
        Ok(value) if js_sys::Array::is_array(&value) => value.unchecked_into::<js_sys::Array>(),
        _ => {
            let array = js_sys::Array::new();
            let _ = js_sys::Reflect::set(&window, &key, &array);
            array
        }
    };
    times.push(&wasm_bindgen::JsValue::from_f64(ms));
    if times.length() > 1_000 {
        times.shift();
    }
}
