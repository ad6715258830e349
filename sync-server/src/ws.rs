//! The WebSocket endpoint `/sync`: one task per connection, speaking automerge-repo v1.
//!
//! The first frame must be `join`. Bad input never reaches other connections: an unreadable
//! frame, an unsupported protocol version, a peer id someone else holds, a second `join`, a text frame, a
//! frame over the size limit or an invalid document id is logged (never with document
//! contents), answered with the protocol's `error` message where the socket still allows it,
//! and ends this connection only. The same person joining again with the same peer id
//! replaces the older socket (see [`Hub::connect_from`]).

use std::sync::Arc;
use std::time::Duration;

use axum::extract::State;
use axum::extract::ws::{
    CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade, close_code,
};
use axum::response::{IntoResponse, Response};
use futures_util::SinkExt;
use shared_model::protocol::{Message, WireError, answer_join};
use tokio::time::{Instant, MissedTickBehavior, interval_at, timeout};

use crate::AppState;
use crate::accounts::{Caller, Checked, Credential, Terminal};
use crate::api::ApiError;
use crate::hub::{Hub, HubError};

/// How long a new connection may take to send `join`.
const JOIN_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the server pings; a client that has not answered by the next ping is dropped.
const KEEPALIVE: Duration = Duration::from_secs(5);
/// An open connection re-checks its credential at every ping and, when messages come, at
/// most this often: a signed-out, expired or revoked caller is cut off within seconds.
const RECHECK: Duration = Duration::from_secs(1);
/// Longest a frame may take to go out: a peer that stops reading is dropped after this (its
/// outbox meanwhile is bounded: see [`crate::hub::PeerInbox`]).
const SEND_TIMEOUT: Duration = Duration::from_secs(20);
/// Bytes read from a socket at once. tungstenite's default (128 KiB) is zeroed and kept for
/// the whole connection: with 500 counters connected that was ~64 MB of the server's memory
/// for sync messages that are mostly a few hundred bytes (larger frames take more reads).
const READ_BUFFER_BYTES: usize = 16 * 1024;

/// `GET /sync`: upgrades to a WebSocket for a signed-in person or an enrolled kiosk (the
/// browser's cookies; other clients give `?session=TOKEN`). Anyone else gets 401. A
/// credential that was presented but opens nothing is audited where it is checked; a
/// browser that simply has not signed in yet is not (its start page tries the socket).
pub async fn endpoint(
    State(app): State<AppState>,
    caller: Result<Caller, ApiError>,
    upgrade: WebSocketUpgrade,
    Terminal(terminal): Terminal,
    parts: axum::http::request::Parts,
) -> Response {
    let caller = match caller {
        Ok(caller) => caller,
        Err(refusal) => {
            tracing::debug!("sync refused: no valid session");
            return refusal.into_response();
        }
    };
    let credential = Credential::of(&parts, &caller);
    let limit = app.limits.max_frame_bytes;
    upgrade
        .read_buffer_size(READ_BUFFER_BYTES)
        .max_message_size(limit)
        .max_frame_size(limit)
        .on_upgrade(move |socket| Connection::new(app, socket, caller, terminal, credential).run())
}

/// Why a connection ends early.
#[derive(Debug, thiserror::Error)]
enum Refusal {
    #[error("unreadable frame: {0}")]
    Wire(#[from] WireError),
    #[error("first message was {0}, not join")]
    NotJoined(String),
    #[error("unsupported protocol version")]
    UnsupportedVersion,
    #[error("join sent twice on one connection")]
    SecondJoin,
    #[error("text frames are not part of the protocol")]
    TextFrame,
    #[error("{0}")]
    Hub(#[from] HubError),
}

struct Connection {
    hub: Arc<Hub>,
    metrics: Arc<crate::metrics::Metrics>,
    store: Arc<crate::store::Store>,
    caller: Caller,
    terminal: String,
    credential: Option<Credential>,
    checked_at: Instant,
    socket: WebSocket,
    shutdown: tokio::sync::watch::Receiver<bool>,
    peer: Option<String>,
}

enum Next {
    Frame(Vec<u8>),
    Closed,
}

impl Connection {
    fn new(
        app: AppState,
        socket: WebSocket,
        caller: Caller,
        terminal: String,
        credential: Option<Credential>,
    ) -> Self {
        Self {
            hub: app.hub.clone(),
            metrics: app.metrics.clone(),
            store: app.store.clone(),
            caller,
            terminal,
            credential,
            checked_at: Instant::now(),
            socket,
            shutdown: app.shutdown.clone(),
            peer: None,
        }
    }

    async fn run(mut self) {
        // Phase 1: join.
        let join = match timeout(JOIN_TIMEOUT, self.next_frame()).await {
            Ok(Ok(Next::Frame(frame))) => frame,
            Ok(Ok(Next::Closed)) => return,
            Ok(Err(refusal)) => return self.refuse(refusal).await,
            Err(_) => {
                tracing::info!("connection closed: no join within {JOIN_TIMEOUT:?}");
                return self.close(close_code::POLICY, "join expected").await;
            }
        };
        let (peer, answer) = match self.accept_join(&join) {
            Ok(accepted) => accepted,
            Err(refusal) => return self.refuse(refusal).await,
        };
        let (connection, mut inbox) = match self
            .hub
            .connect_from(
                &peer,
                self.caller.clone(),
                &self.terminal,
                self.credential.clone(),
            )
            .await
        {
            Ok(admitted) => admitted,
            Err(e) => return self.refuse(e.into()).await,
        };
        tracing::info!(peer = %peer, "peer joined");
        let mut result = self.send(&answer).await;

        // Phase 2: sync until either side closes.
        let mut keepalive = interval_at(Instant::now() + KEEPALIVE, KEEPALIVE);
        // Ticks missed while a long message was handled do not fire in a burst: the first
        // would ping and the next, at once, drop the peer for not having answered yet.
        keepalive.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let mut answered_ping = true;
        while result.is_ok() {
            tokio::select! {
                frame = self.socket.recv() => match frame {
                    None | Some(Ok(WsMessage::Close(_))) => break,
                    Some(Ok(WsMessage::Binary(bytes))) => {
                        answered_ping = true;
                        if self.checked_at.elapsed() >= RECHECK && self.lapsed().await {
                            break;
                        }
                        if let Err(refusal) = self.handle(&peer, &bytes).await {
                            self.refuse(refusal).await;
                            break;
                        }
                    }
                    Some(Ok(WsMessage::Text(_))) => {
                        self.refuse(Refusal::TextFrame).await;
                        break;
                    }
                    Some(Ok(WsMessage::Pong(_) | WsMessage::Ping(_))) => answered_ping = true,
                    Some(Err(e)) => {
                        tracing::warn!(peer = %peer, error = %e, "connection failed");
                        self.close(close_code::SIZE, "frame refused").await;
                        break;
                    }
                },
                outgoing = inbox.recv() => match outgoing {
                    Ok(Some(outgoing)) => result = self.send(&outgoing).await,
                    Ok(None) => {
                        // A newer socket of the same peer took over.
                        tracing::info!(peer = %peer, "replaced by a newer connection");
                        self.close(close_code::POLICY, "replaced by a newer connection").await;
                        break;
                    }
                    Err(_) => {
                        // Too far behind: it reconnects and catches up from its own heads.
                        self.close(close_code::AGAIN, "too far behind; reconnect").await;
                        break;
                    }
                },
                _ = keepalive.tick() => {
                    if self.lapsed().await {
                        break;
                    }
                    if !answered_ping {
                        tracing::info!(peer = %peer, "peer did not answer ping; dropping");
                        break;
                    }
                    answered_ping = false;
                    result = self.send_frame(WsMessage::Ping(Default::default())).await;
                }
                _ = self.shutdown.changed() => {
                    self.close(close_code::AWAY, "server shutting down").await;
                    break;
                }
            }
        }
        self.hub.disconnect(&peer, connection).await;
        tracing::info!(peer = %peer, "peer left");
    }

    /// Re-checks the caller's credential; if it no longer opens anything, audits that (in the
    /// same blocking task), closes the socket and says so.
    async fn lapsed(&mut self) -> bool {
        self.checked_at = Instant::now();
        let Some(credential) = self.credential.clone() else {
            return false;
        };
        let (store, who, terminal, tenant) = (
            self.store.clone(),
            self.caller.audit_name(),
            self.terminal.clone(),
            self.caller.tenant(),
        );
        let lapsed = tokio::task::spawn_blocking(move || -> Result<_, crate::store::StoreError> {
            let now = crate::clock::now_ms();
            let Checked::Refused { reason, .. } = credential.check(&store, now)? else {
                return Ok(None);
            };
            store.audit_at(tenant, now, &who, &terminal, "sync_closed", reason)?;
            Ok(Some(reason))
        })
        .await;
        let Ok(Ok(Some(reason))) = lapsed else {
            return false;
        };
        tracing::info!(reason, "sync connection closed: its credential lapsed");
        self.close(close_code::POLICY, "credential lapsed").await;
        true
    }

    async fn next_frame(&mut self) -> Result<Next, Refusal> {
        loop {
            return match self.socket.recv().await {
                None | Some(Ok(WsMessage::Close(_))) => Ok(Next::Closed),
                Some(Ok(WsMessage::Binary(bytes))) => Ok(Next::Frame(bytes.to_vec())),
                Some(Ok(WsMessage::Text(_))) => Err(Refusal::TextFrame),
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => continue,
                Some(Err(e)) => {
                    tracing::warn!(error = %e, "connection failed before join");
                    Ok(Next::Closed)
                }
            };
        }
    }

    /// Reads `join`: the peer id and the `peer` answer, or why not.
    fn accept_join(&mut self, frame: &[u8]) -> Result<(String, Message), Refusal> {
        match Message::decode(frame)? {
            Message::Join {
                sender_id,
                supported_protocol_versions,
                ..
            } => {
                self.peer = Some(sender_id.clone());
                let answer = answer_join(
                    &sender_id,
                    supported_protocol_versions.as_deref(),
                    self.hub.server_id(),
                    self.hub.metadata(),
                )
                .map_err(|_| Refusal::UnsupportedVersion)?;
                Ok((sender_id, answer))
            }
            other => Err(Refusal::NotJoined(other.message_type().to_owned())),
        }
    }

    async fn handle(&mut self, peer: &str, frame: &[u8]) -> Result<(), Refusal> {
        let message = Message::decode(frame)?;
        self.metrics.sync_message(true);
        if matches!(message, Message::Join { .. }) {
            return Err(Refusal::SecondJoin);
        }
        if message.sender_id() != Some(peer) {
            // As the JS server does: a message claiming another sender is dropped.
            tracing::warn!(peer = %peer, "dropped a message with a foreign senderId");
            return Ok(());
        }
        self.hub.receive(peer, message).await?;
        Ok(())
    }

    async fn send(&mut self, message: &Message) -> Result<(), axum::Error> {
        self.metrics.sync_message(false);
        self.send_frame(WsMessage::Binary(message.encode().into()))
            .await
    }

    /// Sends a frame, failing when the peer has not taken it within [`SEND_TIMEOUT`].
    async fn send_frame(&mut self, frame: WsMessage) -> Result<(), axum::Error> {
        match timeout(SEND_TIMEOUT, self.socket.send(frame)).await {
            Ok(sent) => sent,
            Err(_) => {
                let peer = self.peer.as_deref().unwrap_or("unknown");
                tracing::info!(peer = %peer, "peer stopped reading; dropping");
                Err(axum::Error::new(std::io::Error::from(
                    std::io::ErrorKind::TimedOut,
                )))
            }
        }
    }

    /// Logs the refusal, sends the protocol's `error` message, and closes.
    async fn refuse(&mut self, refusal: Refusal) {
        let peer = self.peer.clone().unwrap_or_else(|| "unknown".to_owned());
        tracing::warn!(peer = %peer, reason = %refusal, "refused; closing connection");
        let error = Message::Error {
            sender_id: self.hub.server_id().to_owned(),
            message: refusal.to_string(),
            target_id: peer,
        };
        let _ = self.send(&error).await;
        let code = match refusal {
            Refusal::Hub(HubError::Store(_) | HubError::Task | HubError::Corrupt { .. }) => {
                close_code::ERROR
            }
            _ => close_code::POLICY,
        };
        self.close(code, "protocol error").await;
    }

    /// Sends a close frame (given up on after [`SEND_TIMEOUT`]: a peer that stopped reading
    /// is simply dropped).
    async fn close(&mut self, code: u16, reason: &'static str) {
        let socket = &mut self.socket;
        let _ = timeout(SEND_TIMEOUT, async move {
            let _ = socket
                .send(WsMessage::Close(Some(CloseFrame {
                    code,
                    reason: reason.into(),
                })))
                .await;
            let _ = socket.flush().await;
        })
        .await;
    }
}
