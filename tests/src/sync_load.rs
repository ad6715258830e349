//! A load generator for automerge-repo v1 sync servers: simulated counters speaking the wire
//! directly through our sans-IO [`SyncClient`] over tokio-tungstenite, one WebSocket per
//! counter, so that neither the npm client's 100 ms sync throttle nor a browser is measured.
//! It drives any server that speaks the protocol: ours (behind `?session=`) and the JS
//! reference (`tests/js/js-sync-server.mjs`). `cargo xtask bench` runs it
//! (`tests/benches/sync.rs`); `tests/tests/sync_load.rs` runs it small to check that both
//! servers converge.
//!
//! Every document is a visit ([`VisitDoc`]) and every edit one committed change: a counter
//! typing a value into one of the visit's text fields. An edit is **acknowledged** when a
//! sync message from the server reports heads that include it
//! ([`SyncClient::server_holds`]). Our server answers only after the change is written to
//! its store (fsynced); the JS server answers from memory and saves to its files on its own
//! throttle (100 ms), so there an acknowledgement does not prove the change is on disk.
//!
//! The three scenarios each return their figure and the heads every simulated counter ended
//! with; [`check_converged`] then reads every document back from the server with a fresh
//! connection and fails with [`LoadError::Diverged`] if any differs.

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use automerge::{AutoCommit, ChangeHash};
use futures_util::{SinkExt, StreamExt};
use shared_model::protocol::{ClientError, Incoming, Message, PeerMetadata, SyncClient};
use shared_model::{DocumentId, Field, VisitDoc, VisitError};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// What stopped a scenario.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The WebSocket could not be opened (after [`CONNECT_ATTEMPTS`] attempts).
    #[error("{peer} could not connect: {source}")]
    Connect {
        /// The peer id that tried.
        peer: String,
        /// The last attempt's failure.
        source: tungstenite::Error,
    },
    /// The WebSocket failed.
    #[error("websocket to the server failed: {0}")]
    Socket(#[from] tungstenite::Error),
    /// The server sent something our client could not read or apply.
    #[error("{0}")]
    Client(#[from] ClientError),
    /// The server refused the connection with an `error` message.
    #[error("the server refused the connection: {0}")]
    Refused(String),
    /// The server closed the connection in the middle of a scenario.
    #[error("the server closed the connection")]
    Closed,
    /// The server answered `doc-unavailable` for a document the scenario made.
    #[error("the server does not have document {0}")]
    Unavailable(DocumentId),
    /// Something the scenario waits for did not happen in time.
    #[error("{what} did not happen within {limit:?}")]
    Timeout {
        /// What was awaited.
        what: &'static str,
        /// How long it was awaited.
        limit: Duration,
    },
    /// A document read back from the server has other heads than its last writer.
    #[error("document {document_id} diverged: the writer has {writer:?}, the server {server:?}")]
    Diverged {
        /// The document.
        document_id: DocumentId,
        /// The heads the counter that wrote it last ended with (hex).
        writer: Vec<String>,
        /// The heads the server gave back (hex).
        server: Vec<String>,
    },
    /// A visit edit was refused by the visit model.
    #[error("editing a visit failed: {0}")]
    Visit(#[from] VisitError),
    /// A simulated counter's task panicked.
    #[error("a simulated counter's task panicked")]
    Task,
}

/// Every document a scenario touched, with the heads its (last) writer ended with.
pub type FinalHeads = Vec<(DocumentId, Vec<ChangeHash>)>;

/// Edits per second under load ([`throughput`]).
#[derive(Debug, Clone)]
pub struct Throughput {
    /// Edits acknowledged within the measured window.
    pub acknowledged: u64,
    /// The measured window, seconds.
    pub seconds: f64,
    /// Every document's final heads.
    pub heads: FinalHeads,
}

impl Throughput {
    /// Acknowledged edits per second of the window.
    pub fn per_second(&self) -> f64 {
        self.acknowledged as f64 / self.seconds
    }
}

/// Edit propagation latencies ([`propagation`]), milliseconds, sorted.
#[derive(Debug, Clone)]
pub struct Propagation {
    /// One latency per edit, ms, ascending.
    pub latencies_ms: Vec<f64>,
    /// Every document's final heads.
    pub heads: FinalHeads,
}

impl Propagation {
    /// The `p` quantile (0..=1) by nearest rank, ms (0 without samples).
    pub fn quantile(&self, p: f64) -> f64 {
        quantile(&self.latencies_ms, p)
    }
}

/// Catch-up after an outage ([`catch_up`]).
#[derive(Debug, Clone)]
pub struct CatchUp {
    /// From all counters reconnecting at once until the last one's offline edits are all
    /// acknowledged, seconds.
    pub seconds: f64,
    /// Offline edits sent in all.
    pub edits: u64,
    /// Every document's final heads.
    pub heads: FinalHeads,
}

/// The `p` quantile (0..=1) of ascending `sorted` values by nearest rank (0 when empty).
pub fn quantile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = (p * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How many times a counter tries to open its WebSocket.
pub const CONNECT_ATTEMPTS: u32 = 5;
/// Connections that failed while opening and were tried again, since the process started.
pub static CONNECT_RETRIES: AtomicU64 = AtomicU64::new(0);

/// How long one frame may be awaited before a scenario re-sends what is unacknowledged.
const RESEND_AFTER: Duration = Duration::from_millis(500);
/// How long setup and draining may take.
const PATIENCE: Duration = Duration::from_secs(120);
/// How long reading one batch of documents back may take before what differs is reported.
const READ_BACK: Duration = Duration::from_secs(10);

/// A replica the generator syncs: a counter's visit, or a plain document it reads.
trait Replica {
    fn doc(&mut self) -> &mut AutoCommit;
}

impl Replica for VisitDoc {
    fn doc(&mut self) -> &mut AutoCommit {
        self.doc_mut()
    }
}

impl Replica for AutoCommit {
    fn doc(&mut self) -> &mut AutoCommit {
        self
    }
}

/// One simulated counter's connection.
struct Link {
    socket: Socket,
    client: SyncClient,
}

impl Link {
    /// Connects to `url` as `peer_id`, sends `join` and waits for `peer`.
    async fn connect(url: &str, peer_id: &str) -> Result<Self, LoadError> {
        Self::rejoin(url, SyncClient::new(peer_id, PeerMetadata::default())).await
    }

    /// Connects with an existing client (after [`SyncClient::reconnect_as`]). A connection
    /// refused or reset while opening or joining is tried again, as the app does, up to
    /// [`CONNECT_ATTEMPTS`] times; each retry is counted in [`CONNECT_RETRIES`].
    async fn rejoin(url: &str, mut client: SyncClient) -> Result<Self, LoadError> {
        let mut attempt = 1;
        loop {
            match Self::join_once(url, client).await {
                Ok(link) => return Ok(link),
                Err((LoadError::Socket(tungstenite::Error::Io(_)), back))
                | Err((
                    LoadError::Connect {
                        source: tungstenite::Error::Io(_),
                        ..
                    },
                    back,
                )) if attempt < CONNECT_ATTEMPTS => {
                    CONNECT_RETRIES.fetch_add(1, Ordering::Relaxed);
                    tokio::time::sleep(Duration::from_millis(100 * attempt as u64)).await;
                    attempt += 1;
                    client = back;
                }
                Err((e, _)) => return Err(e),
            }
        }
    }

    /// One attempt at opening and joining; on failure the client comes back for the next.
    async fn join_once(url: &str, client: SyncClient) -> Result<Self, (LoadError, SyncClient)> {
        let socket = match tokio_tungstenite::connect_async(url).await {
            Ok((socket, _)) => socket,
            Err(source) => {
                let peer = client.peer_id().to_owned();
                return Err((LoadError::Connect { peer, source }, client));
            }
        };
        let mut link = Self { socket, client };
        let join = link.client.join();
        if let Err(e) = link.send(&join).await {
            return Err((e, link.client));
        }
        let limit = Duration::from_secs(30);
        let refusal = match tokio::time::timeout(limit, link.next()).await {
            Err(_) => LoadError::Timeout {
                what: "the server's answer to join",
                limit,
            },
            Ok(Ok(Incoming::Joined { .. })) => return Ok(link),
            Ok(Ok(Incoming::Refused { reason })) => LoadError::Refused(reason),
            Ok(Ok(_)) => LoadError::Refused("answered join with something else".into()),
            Ok(Err(e)) => e,
        };
        Err((refusal, link.client))
    }

    async fn send(&mut self, message: &Message) -> Result<(), LoadError> {
        self.socket
            .send(WsMessage::Binary(message.encode().into()))
            .await?;
        Ok(())
    }

    async fn send_some(&mut self, message: Option<Message>) -> Result<(), LoadError> {
        match message {
            Some(message) => self.send(&message).await,
            None => Ok(()),
        }
    }

    /// The next protocol message (pings and other frames skipped); a refusal is an error.
    async fn next(&mut self) -> Result<Incoming, LoadError> {
        loop {
            match self.socket.next().await {
                None | Some(Ok(WsMessage::Close(_))) => return Err(LoadError::Closed),
                Some(Err(e)) => return Err(e.into()),
                Some(Ok(WsMessage::Binary(bytes))) => match self.client.receive(&bytes)? {
                    Incoming::Refused { reason } => return Err(LoadError::Refused(reason)),
                    Incoming::Unavailable { document_id } => {
                        return Err(LoadError::Unavailable(document_id));
                    }
                    incoming => return Ok(incoming),
                },
                Some(Ok(_)) => continue,
            }
        }
    }

    /// Applies a sync message to the document it is for (ignoring documents not in
    /// `index`), sends the answer, and returns the document's position.
    async fn apply<R: Replica>(
        &mut self,
        docs: &mut [(DocumentId, R)],
        index: &HashMap<DocumentId, usize>,
        document_id: DocumentId,
        data: &[u8],
    ) -> Result<Option<usize>, LoadError> {
        let Some(&i) = index.get(&document_id) else {
            return Ok(None);
        };
        let reply = self.client.apply(document_id, docs[i].1.doc(), data)?;
        self.send_some(reply).await?;
        Ok(Some(i))
    }

    /// Syncs every document until `done` says the server and this replica agree, re-sending
    /// what is due whenever the server is quiet for [`RESEND_AFTER`].
    async fn sync_until<R: Replica>(
        &mut self,
        docs: &mut [(DocumentId, R)],
        (what, limit): (&'static str, Duration),
        done: impl Fn(&mut SyncClient, DocumentId, &mut AutoCommit) -> bool,
    ) -> Result<(), LoadError> {
        let index = positions(docs);
        for (id, replica) in docs.iter_mut() {
            let first = self.client.sync(*id, replica.doc());
            self.send_some(first).await?;
        }
        let mut left: usize = docs.len();
        let started = Instant::now();
        while left > 0 {
            if started.elapsed() > limit {
                return Err(LoadError::Timeout { what, limit });
            }
            match tokio::time::timeout(RESEND_AFTER, self.next()).await {
                Ok(Ok(Incoming::Sync { document_id, data })) => {
                    self.apply(docs, &index, document_id, &data).await?;
                }
                Ok(Ok(_)) => {}
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    for (id, replica) in docs.iter_mut() {
                        if !done(&mut self.client, *id, replica.doc()) {
                            let again = self.client.sync(*id, replica.doc());
                            self.send_some(again).await?;
                        }
                    }
                }
            }
            left = 0;
            for (id, replica) in docs.iter_mut() {
                if !done(&mut self.client, *id, replica.doc()) {
                    left += 1;
                }
            }
        }
        Ok(())
    }

    /// Syncs until the server holds every change of every document.
    async fn push_all<R: Replica>(
        &mut self,
        docs: &mut [(DocumentId, R)],
    ) -> Result<(), LoadError> {
        self.sync_until(
            docs,
            ("the server acknowledging every document", PATIENCE),
            |client, id, doc| client.server_holds(id, doc),
        )
        .await
    }

    /// Reads the socket (applying sync messages to `docs`, answering pings) until the
    /// scenario's start instant is set on `begin`; returns it.
    async fn idle_until<R: Replica>(
        &mut self,
        docs: &mut [(DocumentId, R)],
        begin: &mut watch::Receiver<Option<Instant>>,
    ) -> Result<Instant, LoadError> {
        let index = positions(docs);
        loop {
            if let Some(begun) = *begin.borrow_and_update() {
                return Ok(begun);
            }
            tokio::select! {
                changed = begin.changed() => changed.map_err(|_| LoadError::Task)?,
                incoming = self.next() => {
                    if let Incoming::Sync { document_id, data } = incoming? {
                        self.apply(docs, &index, document_id, &data).await?;
                    }
                }
            }
        }
    }

    /// Ends the connection and returns the client, ready for [`SyncClient::reconnect_as`].
    async fn hang_up(mut self) -> SyncClient {
        let _ = self.socket.close(None).await;
        self.client
    }
}

fn positions<R>(docs: &[(DocumentId, R)]) -> HashMap<DocumentId, usize> {
    docs.iter()
        .enumerate()
        .map(|(i, (id, _))| (*id, i))
        .collect()
}

/// A fresh visit as a counter starts it (synthetic reception number).
fn new_visit(n: usize) -> (DocumentId, VisitDoc) {
    let id = DocumentId::random();
    let created_at = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or_default();
    (
        id,
        VisitDoc::new(id, &format!("{}", 1 + n % 999), created_at),
    )
}

/// The text fields a counter types into, and what it types (synthetic, no real person).
const TYPED: [Field; 5] = [
    Field::ApplicantName,
    Field::ApplicantKana,
    Field::ApplicantAddress,
    Field::TenkyoNewAddress,
    Field::TenkyoOldAddress,
];

/// One edit: the `n`th value typed into a field of `visit`; returns the change's hash.
fn edit(visit: &mut VisitDoc, n: u64) -> Result<ChangeHash, LoadError> {
    let field = TYPED[(n % TYPED.len() as u64) as usize];
    let value = match field {
        Field::ApplicantName => format!("試験 太郎{n}"),
        Field::ApplicantKana => format!("シケン タロウ{n}"),
        _ => format!("群馬県高崎市高松町{}番{n}号", 1 + n % 35),
    };
    visit.set(field, &value)?;
    let heads = visit.doc_mut().get_heads();
    Ok(heads[0])
}

/// Spawns `n` counters; each runs `body(i, ready, begin)`, sends on `ready` once set up,
/// and then waits for the start instant on `begin` (reading its socket meanwhile, so that
/// it answers the server's pings). Returns every counter's result and the start instant.
async fn run_counters<T, F, Fut>(n: usize, body: F) -> Result<(Vec<T>, Instant), LoadError>
where
    T: Send + 'static,
    F: Fn(usize, mpsc::Sender<()>, watch::Receiver<Option<Instant>>) -> Fut,
    Fut: std::future::Future<Output = Result<T, LoadError>> + Send + 'static,
{
    let (ready, mut readies) = mpsc::channel(n.max(1));
    let (start, begin) = watch::channel(None);
    let mut tasks: Vec<_> = (0..n)
        .map(|i| tokio::spawn(body(i, ready.clone(), begin.clone())))
        .collect();
    let mut set_up = 0;
    while set_up < n {
        tokio::select! {
            _ = readies.recv() => set_up += 1,
            _ = tokio::time::sleep(Duration::from_millis(200)) => {
                // A counter that fails during setup never says it is ready.
                if let Some(i) = tasks.iter().position(|t| t.is_finished()) {
                    tasks.remove(i).await.map_err(|_| LoadError::Task)??;
                    return Err(LoadError::Closed);
                }
            }
        }
    }
    let begun = Instant::now();
    let _ = start.send(Some(begun));
    let mut out = Vec::with_capacity(n);
    for task in tasks {
        out.push(task.await.map_err(|_| LoadError::Task)??);
    }
    Ok((out, begun))
}

async fn started(begin: &mut watch::Receiver<Option<Instant>>) -> Result<Instant, LoadError> {
    let begun = begin
        .wait_for(Option::is_some)
        .await
        .map_err(|_| LoadError::Task)?;
    Ok(begun.expect("waited for"))
}

/// `counters` simulated counters, each with `docs_each` visits of its own: each counter
/// keeps one unacknowledged edit per visit in flight, making the next edit of a visit as
/// soon as the server acknowledges the last. Edits acknowledged between `warmup` and
/// `warmup + window` after all counters are set up are counted; then the counters stop
/// editing and wait for the rest to be acknowledged.
pub async fn throughput(
    url: &str,
    counters: usize,
    docs_each: usize,
    warmup: Duration,
    window: Duration,
) -> Result<Throughput, LoadError> {
    let tag = DocumentId::random().to_string();
    let (results, _) = run_counters(counters, |i, ready, mut begin| {
        let (url, peer) = (url.to_owned(), format!("bench-edit-{tag}-{i}"));
        async move {
            let mut link = Link::connect(&url, &peer).await?;
            let mut docs: Vec<_> = (0..docs_each)
                .map(|d| new_visit(i * docs_each + d))
                .collect();
            link.push_all(&mut docs).await?;
            let _ = ready.send(()).await;
            let count_from = link.idle_until(&mut docs, &mut begin).await? + warmup;
            let stop_at = count_from + window;
            let index = positions(&docs);
            let mut pending: Vec<bool> = vec![true; docs.len()];
            let mut sent_at = vec![Instant::now(); docs.len()];
            let mut typed = 0u64;
            for (d, (id, visit)) in docs.iter_mut().enumerate() {
                edit(visit, typed)?;
                typed += 1;
                let first = link.client.sync(*id, visit.doc_mut());
                link.send_some(first).await?;
                sent_at[d] = Instant::now();
            }
            let mut acknowledged = 0u64;
            let mut tick = tokio::time::interval(RESEND_AFTER);
            while Instant::now() < stop_at || pending.iter().any(|p| *p) {
                if Instant::now() > stop_at + PATIENCE {
                    return Err(LoadError::Timeout {
                        what: "the server acknowledging the last edits",
                        limit: PATIENCE,
                    });
                }
                tokio::select! {
                    incoming = link.next() => {
                        let Incoming::Sync { document_id, data } = incoming? else { continue };
                        let Some(d) = link.apply(&mut docs, &index, document_id, &data).await?
                        else { continue };
                        let (id, visit) = &mut docs[d];
                        if !pending[d] || !link.client.server_holds(*id, visit.doc_mut()) {
                            continue;
                        }
                        pending[d] = false;
                        let now = Instant::now();
                        if now >= count_from && now < stop_at {
                            acknowledged += 1;
                        }
                        if now < stop_at {
                            edit(visit, typed)?;
                            typed += 1;
                            pending[d] = true;
                            sent_at[d] = now;
                            let next = link.client.sync(*id, visit.doc_mut());
                            link.send_some(next).await?;
                        }
                    }
                    _ = tick.tick() => {
                        for (d, (id, visit)) in docs.iter_mut().enumerate() {
                            if pending[d] && sent_at[d].elapsed() > RESEND_AFTER {
                                let again = link.client.sync(*id, visit.doc_mut());
                                link.send_some(again).await?;
                                sent_at[d] = Instant::now();
                            }
                        }
                    }
                }
            }
            let heads: FinalHeads = docs
                .iter_mut()
                .map(|(id, v)| (*id, v.doc_mut().get_heads()))
                .collect();
            let _ = link.hang_up().await;
            Ok((acknowledged, heads))
        }
    })
    .await?;
    let mut out = Throughput {
        acknowledged: 0,
        seconds: window.as_secs_f64(),
        heads: Vec::new(),
    };
    for (acknowledged, heads) in results {
        out.acknowledged += acknowledged;
        out.heads.extend(heads);
    }
    Ok(out)
}

/// `pairs` pairs of counters, each pair on one visit of its own, on two connections: one
/// edits every `interval` (the pairs spread evenly over it) for `window`, the other has the
/// visit open. A latency is from just before the writer sends an edit until the reader has
/// applied a sync message that contains it.
pub async fn propagation(
    url: &str,
    pairs: usize,
    interval: Duration,
    window: Duration,
) -> Result<Propagation, LoadError> {
    let tag = DocumentId::random().to_string();
    let (results, _) = run_counters(pairs, |i, ready, mut begin| {
        let url = url.to_owned();
        let (writer_id, reader_id) = (
            format!("bench-write-{tag}-{i}"),
            format!("bench-read-{tag}-{i}"),
        );
        async move {
            let mut writer = Link::connect(&url, &writer_id).await?;
            let mut reader = Link::connect(&url, &reader_id).await?;
            let mut written = vec![new_visit(i)];
            writer.push_all(&mut written).await?;
            let id = written[0].0;
            let target = written[0].1.doc_mut().get_heads();
            let mut read = vec![(id, AutoCommit::new())];
            reader
                .sync_until(
                    &mut read,
                    ("the reader opening the visit", PATIENCE),
                    |_, _, doc| doc.get_heads() == target,
                )
                .await?;
            let _ = ready.send(()).await;
            let index = positions(&written);
            let read_index = positions(&read);
            // Both sockets are read while the other pairs set up (the server pings).
            let begun = loop {
                if let Some(begun) = *begin.borrow_and_update() {
                    break begun;
                }
                tokio::select! {
                    changed = begin.changed() => changed.map_err(|_| LoadError::Task)?,
                    incoming = writer.next() => {
                        if let Incoming::Sync { document_id, data } = incoming? {
                            writer.apply(&mut written, &index, document_id, &data).await?;
                        }
                    }
                    incoming = reader.next() => {
                        if let Incoming::Sync { document_id, data } = incoming? {
                            reader.apply(&mut read, &read_index, document_id, &data).await?;
                        }
                    }
                }
            };
            let stop_at = begun + window;
            let first = begun + interval.mul_f64(i as f64 / pairs as f64);
            let mut ticks = tokio::time::interval_at(first.into(), interval);
            let mut outstanding: VecDeque<(ChangeHash, Instant)> = VecDeque::new();
            let mut latencies = Vec::new();
            let mut typed = 0u64;
            let mut resend = tokio::time::interval(RESEND_AFTER);
            loop {
                let now = Instant::now();
                if now >= stop_at && outstanding.is_empty() {
                    break;
                }
                if now > stop_at + PATIENCE {
                    return Err(LoadError::Timeout {
                        what: "the last edits reaching the other counter",
                        limit: PATIENCE,
                    });
                }
                tokio::select! {
                    _ = ticks.tick(), if now < stop_at => {
                        let hash = edit(&mut written[0].1, typed)?;
                        typed += 1;
                        outstanding.push_back((hash, Instant::now()));
                        let message = writer.client.sync(id, written[0].1.doc_mut());
                        writer.send_some(message).await?;
                    }
                    incoming = writer.next() => {
                        if let Incoming::Sync { document_id, data } = incoming? {
                            writer.apply(&mut written, &index, document_id, &data).await?;
                        }
                    }
                    incoming = reader.next() => {
                        if let Incoming::Sync { document_id, data } = incoming? {
                            let reply = reader.client.apply(document_id, &mut read[0].1, &data)?;
                            let arrived = Instant::now();
                            reader.send_some(reply).await?;
                            while let Some((hash, sent)) = outstanding.front() {
                                if read[0].1.get_change_by_hash(hash).is_none() {
                                    break;
                                }
                                latencies.push((arrived - *sent).as_secs_f64() * 1000.0);
                                outstanding.pop_front();
                            }
                        }
                    }
                    _ = resend.tick() => {
                        // Anything the server has not acknowledged is offered again.
                        if !writer.client.server_holds(id, written[0].1.doc_mut()) {
                            let again = writer.client.sync(id, written[0].1.doc_mut());
                            writer.send_some(again).await?;
                        }
                    }
                }
            }
            // The writer waits until the server acknowledges its last edit too.
            writer.push_all(&mut written).await?;
            let heads = vec![(id, written[0].1.doc_mut().get_heads())];
            let _ = writer.hang_up().await;
            let _ = reader.hang_up().await;
            Ok((latencies, heads))
        }
    })
    .await?;
    let mut out = Propagation {
        latencies_ms: Vec::new(),
        heads: Vec::new(),
    };
    for (latencies, heads) in results {
        out.latencies_ms.extend(latencies);
        out.heads.extend(heads);
    }
    out.latencies_ms.sort_by(f64::total_cmp);
    Ok(out)
}

/// `counters` counters, each with `drafts` visits the server already holds, lose the
/// connection; each types `edits_each` edits into every draft offline; then all reconnect
/// at once (with the sync states kept across the outage, as the app does) and sync until
/// the server acknowledges every offline edit. Measured from the reconnect until the last
/// counter is done.
pub async fn catch_up(
    url: &str,
    counters: usize,
    drafts: usize,
    edits_each: u64,
) -> Result<CatchUp, LoadError> {
    let tag = DocumentId::random().to_string();
    let (results, begun) = run_counters(counters, |i, ready, mut begin| {
        let url = url.to_owned();
        let peer = format!("bench-offline-{tag}-{i}");
        async move {
            let mut link = Link::connect(&url, &peer).await?;
            let mut docs: Vec<_> = (0..drafts).map(|d| new_visit(i * drafts + d)).collect();
            link.push_all(&mut docs).await?;
            let mut client = link.hang_up().await;
            client.reconnect_as(format!("{peer}-again"));
            for (_, visit) in docs.iter_mut() {
                for n in 0..edits_each {
                    edit(visit, n)?;
                }
            }
            let _ = ready.send(()).await;
            started(&mut begin).await?;
            let mut link = Link::rejoin(&url, client).await?;
            link.push_all(&mut docs).await?;
            let done = Instant::now();
            let heads: FinalHeads = docs
                .iter_mut()
                .map(|(id, v)| (*id, v.doc_mut().get_heads()))
                .collect();
            let _ = link.hang_up().await;
            Ok((done, heads))
        }
    })
    .await?;
    let mut out = CatchUp {
        seconds: 0.0,
        edits: counters as u64 * drafts as u64 * edits_each,
        heads: Vec::new(),
    };
    for (done, heads) in results {
        out.seconds = out.seconds.max((done - begun).as_secs_f64());
        out.heads.extend(heads);
    }
    Ok(out)
}

/// Reads every document back from the server on a fresh connection (as `peer_id`), 200 at
/// a time, and checks it has exactly the heads its writer ended with.
///
/// # Errors
/// [`LoadError::Diverged`] naming the first document that still differs 10 s after it was
/// asked for; [`LoadError::Unavailable`] if the server lost one.
pub async fn check_converged(
    url: &str,
    peer_id: &str,
    expected: &[(DocumentId, Vec<ChangeHash>)],
) -> Result<(), LoadError> {
    let mut link = Link::connect(url, peer_id).await?;
    for batch in expected.chunks(200) {
        let mut docs: Vec<(DocumentId, AutoCommit)> = batch
            .iter()
            .map(|(id, _)| (*id, AutoCommit::new()))
            .collect();
        let wanted: HashMap<DocumentId, Vec<ChangeHash>> = batch
            .iter()
            .map(|(id, heads)| (*id, sorted(heads.clone())))
            .collect();
        let synced = link
            .sync_until(
                &mut docs,
                ("reading every document back", READ_BACK),
                |_, id, doc| sorted(doc.get_heads()) == wanted[&id],
            )
            .await;
        if let Err(LoadError::Timeout { .. }) = synced {
            for (id, doc) in docs.iter_mut() {
                let server = sorted(doc.get_heads());
                if server != wanted[id] {
                    return Err(LoadError::Diverged {
                        document_id: *id,
                        writer: wanted[id].iter().map(ToString::to_string).collect(),
                        server: server.iter().map(ToString::to_string).collect(),
                    });
                }
            }
        }
        synced?;
    }
    let _ = link.hang_up().await;
    Ok(())
}

fn sorted(mut heads: Vec<ChangeHash>) -> Vec<ChangeHash> {
    heads.sort();
    heads
}
