//! The sync connection of the [`Repo`]: the socket's events, the server's sync messages,
//! sending what the server lacks, asking again for visits the server does not have yet, and
//! reconnecting with a growing pause — also when the connection has gone silent (half-open).

use shared_model::DocumentId;
use shared_model::VisitDoc;
use shared_model::protocol::Incoming;
use wasm_bindgen_futures::spawn_local;

use super::{Command, Repo, RepoEvent};
use crate::socket::{Socket, SocketEvent, sync_url};

/// How long a connection with unsent changes may stay silent after being sent something.
const SILENT_FOR_MS: f64 = 20_000.0;
/// How often that is checked.
const CHECK_SILENCE_EVERY_MS: u32 = 5_000;

/// When the server was last sent something it should answer, and when it last spoke (ms
/// since the epoch).
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Silence {
    pub(super) sent_at: f64,
    pub(super) heard_at: f64,
}

impl Repo {
    pub(super) async fn on_socket(&mut self, event: SocketEvent) {
        match event {
            SocketEvent::Opened(generation) if self.is_current(generation) => {
                let join = self.client.join();
                self.transmit(&join.encode());
            }
            SocketEvent::Frame(generation, frame) if self.is_current(generation) => {
                self.on_frame(&frame).await;
            }
            SocketEvent::Closed(generation) if self.is_current(generation) => {
                self.socket = None;
                self.lost(generation);
            }
            _ => {}
        }
    }

    pub(super) async fn on_frame(&mut self, frame: &[u8]) {
        self.silence.heard_at = js_sys::Date::now();
        let incoming = match self.client.receive(frame) {
            Ok(incoming) => incoming,
            Err(e) => {
                web_sys::console::warn_1(&format!("sync: {e}").into());
                return;
            }
        };
        match incoming {
            Incoming::Joined { .. } => {
                self.attempts = 0;
                self.status.online = true;
                self.status.offline_since = None;
                let ids: Vec<DocumentId> = self
                    .visits
                    .keys()
                    .chain(self.wanted.keys())
                    .copied()
                    .collect();
                for id in ids {
                    self.send_sync(id);
                }
                self.publish_status();
            }
            Incoming::Sync { document_id, data } => self.on_sync(document_id, &data).await,
            Incoming::Unavailable { document_id } => {
                if self.wanted.contains_key(&document_id) {
                    // Not on the server yet (a kiosk that has not synced): the server tells
                    // this connection when it arrives, and the repo asks again meanwhile.
                    self.events.emit(RepoEvent::Unavailable {
                        id: document_id,
                        offline: false,
                    });
                    self.ask_again_later(document_id);
                }
            }
            Incoming::Refused { reason } => {
                web_sys::console::warn_1(&format!("server refused: {reason}").into());
            }
            Incoming::Ignored { .. } => {}
        }
    }

    pub(super) async fn on_sync(&mut self, id: DocumentId, data: &[u8]) {
        if let Some(doc) = self.wanted.get_mut(&id) {
            let reply = match self.client.apply(id, doc, data) {
                Ok(reply) => reply,
                Err(e) => return web_sys::console::warn_1(&format!("sync {id}: {e}").into()),
            };
            let received = !doc.get_heads().is_empty();
            if let Some(reply) = reply {
                self.transmit(&reply.encode());
            }
            if !received {
                return;
            }
            let doc = self.wanted.remove(&id).expect("present above");
            self.asking.remove(&id);
            match VisitDoc::from_doc(doc).map(|v| v.in_catalog(crate::city::catalog())) {
                Ok(visit) => {
                    self.visits.insert(id, visit);
                }
                Err(e) => {
                    web_sys::console::warn_1(
                        &format!("{id} is not a visit this app reads: {e}").into(),
                    );
                    return;
                }
            }
        } else if let Some(visit) = self.visits.get_mut(&id) {
            match self.client.apply(id, visit.doc_mut(), data) {
                Ok(Some(reply)) => self.transmit(&reply.encode()),
                Ok(None) => {}
                Err(e) => return web_sys::console::warn_1(&format!("sync {id}: {e}").into()),
            }
        } else {
            return;
        }
        self.persist(id, None).await;
        self.save_sync_state(id).await;
        self.show(id);
        self.publish_status();
        self.purge_if_held(id).await;
    }

    pub(super) async fn save_sync_state(&self, id: DocumentId) {
        let storage_id = self.client.storage_id().unwrap_or_default();
        if let (Some(store), Some(state)) = (&self.store, self.client.sync_state_bytes(id))
            && let Err(e) = store.save_sync_state(id, storage_id, &state).await
        {
            web_sys::console::error_1(&format!("saving sync state: {e}").into());
        }
    }

    pub(super) fn send_sync(&mut self, id: DocumentId) {
        if self.status.online {
            let message = match (self.visits.get_mut(&id), self.wanted.get_mut(&id)) {
                (Some(visit), _) => self.client.sync(id, visit.doc_mut()),
                (None, Some(doc)) => self.client.sync(id, doc),
                (None, None) => None,
            };
            if let Some(message) = message {
                self.transmit(&message.encode());
            }
        }
        self.publish_status();
    }

    pub(super) fn transmit(&mut self, frame: &[u8]) {
        let Some(socket) = &self.socket else { return };
        if socket.send(frame).is_err() {
            let generation = socket.generation();
            self.socket = None;
            self.lost(generation);
            return;
        }
        if self.silence.sent_at <= self.silence.heard_at {
            // The first message since the server last spoke: it should answer.
            self.silence.sent_at = js_sys::Date::now();
        }
    }

    /// Every few seconds: a connection that took changes and has not said a word for
    /// [`SILENT_FOR_MS`] is taken for half-open (a network that dropped it without a close,
    /// which a browser learns of only from TCP after minutes; it cannot ping) and made again.
    pub(super) fn check_silence(&mut self) {
        let now = js_sys::Date::now();
        let unanswered = self.silence.sent_at > self.silence.heard_at;
        if self.status.online
            && self.status.pending > 0
            && unanswered
            && now - self.silence.sent_at > SILENT_FOR_MS
            && let Some(socket) = self.socket.take()
        {
            web_sys::console::warn_1(&"sync: no answer from the server; reconnecting".into());
            self.lost(socket.generation());
        }
    }

    /// Sends [`Command::CheckSilence`] every [`CHECK_SILENCE_EVERY_MS`] while the page lives.
    pub(super) fn watch_silence(&self) {
        let commands = self.commands.clone();
        spawn_local(async move {
            loop {
                gloo_timers::future::TimeoutFuture::new(CHECK_SILENCE_EVERY_MS).await;
                if commands.unbounded_send(Command::CheckSilence).is_err() {
                    return;
                }
            }
        });
    }

    pub(super) fn is_current(&self, generation: u32) -> bool {
        self.socket.as_ref().map(Socket::generation) == Some(generation)
    }

    pub(super) fn connect(&mut self) {
        if self.socket.is_some() {
            return;
        }
        self.generation += 1;
        match Socket::open(&sync_url(), self.generation, self.commands.clone()) {
            Ok(socket) => self.socket = Some(socket),
            Err(_) => self.lost(self.generation),
        }
    }

    /// Asks the server again for a wanted document after a growing pause: 1 s, 2 s, 4 s … up
    /// to 30 s, with jitter.
    pub(super) fn ask_again_later(&mut self, id: DocumentId) {
        let attempt = self.asking.entry(id).or_default();
        *attempt = (*attempt + 1).min(6);
        let base = (500.0 * f64::from(1u32 << *attempt)).min(30_000.0);
        let delay = (base * (0.75 + js_sys::Math::random() * 0.5)) as u32;
        let commands = self.commands.clone();
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(delay).await;
            let _ = commands.unbounded_send(Command::AskAgain(id));
        });
    }

    /// A pause for a wanted document ran out: ask again if it is still wanted and the
    /// connection is up (a reconnect asks for every wanted document anyway).
    pub(super) fn ask_again(&mut self, id: DocumentId) {
        if self.wanted.contains_key(&id) && self.status.online {
            self.client.ask_again(id);
            self.send_sync(id);
        }
    }

    /// The connection is gone: show it, and try again after a growing pause.
    pub(super) fn lost(&mut self, _generation: u32) {
        self.client.reconnect_as(peer_id());
        if self.status.online || self.status.offline_since.is_none() {
            self.status.offline_since = Some(js_sys::Date::now());
        }
        self.status.online = false;
        self.publish_status();
        self.attempts = (self.attempts + 1).min(6);
        // 0.5 s, 1 s, 2 s … up to 16 s, with jitter so terminals do not reconnect in step.
        let base = 250.0 * f64::from(1u32 << self.attempts);
        let delay = (base * (0.75 + js_sys::Math::random() * 0.5)) as u32;
        let commands = self.commands.clone();
        spawn_local(async move {
            gloo_timers::future::TimeoutFuture::new(delay).await;
            let _ = commands.unbounded_send(Command::Reconnect);
        });
    }

    pub(super) fn watch_browser_network(&self) {
        use wasm_bindgen::JsCast;
        use wasm_bindgen::closure::Closure;
        let Some(window) = web_sys::window() else {
            return;
        };
        for (event, command) in [("online", true), ("offline", false)] {
            let tx = self.commands.clone();
            let handler = Closure::<dyn FnMut()>::new(move || {
                let _ = tx.unbounded_send(if command {
                    Command::Reconnect
                } else {
                    Command::BrowserOffline
                });
            });
            let _ =
                window.add_event_listener_with_callback(event, handler.as_ref().unchecked_ref());
            // The repo lives as long as the page.
            handler.forget();
        }
    }
}

/// A fresh peer id for each connection (`counter-` + random hex).
pub(super) fn peer_id() -> String {
    let mut bytes = [0u8; 8];
    let _ = getrandom::fill(&mut bytes);
    format!("browser-{}", hex::encode(bytes))
}
