//! [`NativePeer`]: our Rust client code over a real WebSocket.

use std::time::Duration;

use anyhow::{Context, bail};
use automerge::AutoCommit;
use futures_util::{SinkExt, StreamExt};
use shared_model::DocumentId;
use shared_model::protocol::{Incoming, Message, PeerMetadata, SyncClient};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// A Rust peer: [`SyncClient`] driven over tokio-tungstenite.
pub struct NativePeer {
    socket: Socket,
    client: SyncClient,
}

impl NativePeer {
    /// Connects, sends `join`, and waits for the server's `peer`.
    pub async fn connect(url: &str, peer_id: &str) -> anyhow::Result<Self> {
        Self::connect_with_cookie(url, peer_id, None).await
    }

    /// [`NativePeer::connect`] sending a `Cookie` header (as a browser does: a kiosk).
    pub async fn connect_with_cookie(
        url: &str,
        peer_id: &str,
        cookie: Option<&str>,
    ) -> anyhow::Result<Self> {
        use tokio_tungstenite::tungstenite::client::IntoClientRequest;
        let mut request = url.into_client_request()?;
        if let Some(cookie) = cookie {
            request.headers_mut().insert("Cookie", cookie.parse()?);
        }
        let (socket, _) = tokio_tungstenite::connect_async(request).await?;
        let mut peer = Self {
            socket,
            client: SyncClient::new(peer_id, PeerMetadata::default()),
        };
        let join = peer.client.join();
        peer.send(&join).await?;
        match peer.next(Duration::from_secs(5)).await? {
            Some(Incoming::Joined { .. }) => Ok(peer),
            other => bail!("expected peer, got {other:?}"),
        }
    }

    async fn send(&mut self, message: &Message) -> anyhow::Result<()> {
        self.socket
            .send(WsMessage::Binary(message.encode().into()))
            .await?;
        Ok(())
    }

    async fn next(&mut self, wait: Duration) -> anyhow::Result<Option<Incoming>> {
        loop {
            let frame = match tokio::time::timeout(wait, self.socket.next()).await {
                Err(_) => return Ok(None),
                Ok(None) => bail!("server closed the connection"),
                Ok(Some(frame)) => frame?,
            };
            match frame {
                WsMessage::Binary(bytes) => return Ok(Some(self.client.receive(&bytes)?)),
                WsMessage::Close(_) => bail!("server closed the connection"),
                _ => continue,
            }
        }
    }

    /// Syncs many documents at once (each as [`NativePeer::sync`] would), until the server
    /// holds every change of every one and has nothing more to say.
    pub async fn sync_all(&mut self, docs: &mut [(DocumentId, AutoCommit)]) -> anyhow::Result<()> {
        let index: std::collections::HashMap<DocumentId, usize> = docs
            .iter()
            .enumerate()
            .map(|(i, (id, _))| (*id, i))
            .collect();
        for (id, doc) in docs.iter_mut() {
            if let Some(first) = self.client.sync(*id, doc) {
                self.send(&first).await?;
            }
        }
        loop {
            match self.next(Duration::from_millis(500)).await? {
                Some(Incoming::Sync { document_id, data }) => {
                    if let Some(&i) = index.get(&document_id) {
                        let (id, doc) = &mut docs[i];
                        if let Some(reply) = self.client.apply(*id, doc, &data)? {
                            self.send(&reply).await?;
                        }
                    }
                }
                Some(Incoming::Unavailable { document_id }) => {
                    bail!("server does not have {document_id}")
                }
                Some(Incoming::Refused { reason }) => bail!("server refused: {reason}"),
                Some(_) => {}
                None => {
                    let mut quiet = true;
                    for (id, doc) in docs.iter_mut() {
                        if self.client.pending_changes(*id, doc) > 0 {
                            quiet = false;
                            if let Some(reply) = self.client.sync(*id, doc) {
                                self.send(&reply).await?;
                            }
                        }
                    }
                    if quiet {
                        return Ok(());
                    }
                }
            }
        }
    }

    /// Syncs `doc` with the server until the server holds every change and has nothing more.
    pub async fn sync(&mut self, id: DocumentId, doc: &mut AutoCommit) -> anyhow::Result<()> {
        if let Some(first) = self.client.sync(id, doc) {
            self.send(&first).await?;
        }
        loop {
            match self.next(Duration::from_millis(300)).await? {
                Some(Incoming::Sync { document_id, data }) if document_id == id => {
                    if let Some(reply) = self.client.apply(id, doc, &data)? {
                        self.send(&reply).await?;
                    }
                }
                Some(Incoming::Unavailable { .. }) => bail!("server does not have {id}"),
                Some(Incoming::Refused { reason }) => bail!("server refused: {reason}"),
                Some(_) => {}
                None if self.client.pending_changes(id, doc) == 0 => return Ok(()),
                None => {
                    let reply = self.client.sync(id, doc).context("nothing left to send")?;
                    self.send(&reply).await?;
                }
            }
        }
    }

    /// Waits, up to `limit`, for what the server pushes of document `id` (sending nothing
    /// first, answering what arrives), until `done` holds for the document.
    ///
    /// # Errors
    /// When the limit passes first, or the connection breaks.
    pub async fn wait_for(
        &mut self,
        id: DocumentId,
        doc: &mut AutoCommit,
        limit: Duration,
        done: impl Fn(&AutoCommit) -> bool,
    ) -> anyhow::Result<()> {
        let until = tokio::time::Instant::now() + limit;
        while !done(doc) {
            let left = until.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                bail!("nothing that satisfies the test arrived for {id} in {limit:?}");
            }
            // next() waits afresh after each ping: the deadline bounds it as a whole.
            let Ok(incoming) = tokio::time::timeout(left, self.next(left)).await else {
                continue;
            };
            if let Some(Incoming::Sync { document_id, data }) = incoming?
                && document_id == id
                && let Some(reply) = self.client.apply(id, doc, &data)?
            {
                self.send(&reply).await?;
            }
        }
        Ok(())
    }
}
