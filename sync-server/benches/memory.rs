//! The server's memory with many stored visits and many connected counters (issue 16, part
//! 5: goal ≤ 150 MB RSS with 10,000 stored visits and 500 connected clients).
//!
//! ```text
//! MADOGUCHI_SERVER_BIN=target/release/sync-server \
//!     cargo bench -p sync-server --bench memory -- target/bench/memory.json
//! ```
//!
//! For each configuration of the server (its default bound on idle documents, and a bound
//! so high nothing leaves memory, as before documents were evicted):
//!
//! 1. 10,000 visits of today are written straight into a fresh database through the
//!    [`Store`] (the visit register and a snapshot each, as the demo data is made), with
//!    500 staff sessions of 市民課; the server is not running then. The database is on
//!    tmpfs (`/dev/shm`) where there is one, so the store's fsyncs cost nothing.
//! 2. The release server starts over it; RSS is read from `/proc/PID/status` once it is up.
//! 3. 500 clients (shared-model's `SyncClient` over tokio-tungstenite), each signed in with
//!    its own session (`?session=`), each open a different visit and sync it whole; they
//!    stay connected (answering pings) for the rest of the run.
//! 4. A 課's list of the day (`GET /api/visits`) reads every one of the 10,000 visits
//!    through the hub while the 500 stay connected.
//! 5. After 10 s of quiet the steady RSS is read, and the peak (`VmHWM`) of the whole run.
//!
//! Prints a table and writes the figures as JSON to the path given.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use automerge::AutoCommit;
use futures_util::{SinkExt, StreamExt};
use shared_model::calendar::tokyo_day;
use shared_model::protocol::{Incoming, PeerMetadata, SyncClient};
use shared_model::{DocumentId, Field, VisitDoc};
use sync_server::store::{Grant, Role, StaffRecord, Store};
use tokio::sync::{Semaphore, watch};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// Visits stored.
const VISITS: usize = 10_000;
/// Clients connected, each with a visit open.
const CLIENTS: usize = 500;
/// The goal for the server's RSS, MB.
const GOAL_MB: f64 = 150.0;
/// Clients joining at once.
const JOINING_AT_ONCE: usize = 50;

/// One configuration's figures.
#[derive(Debug, serde::Serialize)]
struct Run {
    /// `--idle-documents` given to the server.
    idle_documents: usize,
    /// Seconds to write the visits and sessions into the store.
    seed_secs: f64,
    /// Bytes of the database after seeding.
    database_bytes: u64,
    /// RSS once started, MB.
    started_mb: f64,
    /// RSS with every client connected and its visit synced, MB.
    clients_mb: f64,
    /// Seconds until every client had its visit.
    clients_secs: f64,
    /// RSS right after the list of all visits was read, MB.
    after_list_mb: f64,
    /// Seconds the list of all visits took.
    list_secs: f64,
    /// Visits the list showed.
    listed: usize,
    /// RSS after 10 s of quiet, clients still connected, MB.
    steady_mb: f64,
    /// Highest RSS of the run (`VmHWM`), MB.
    peak_mb: f64,
    /// The hub's documents in memory at the end (from `/healthz`).
    documents_in_memory: u64,
    /// Documents the hub read from the store / dropped from memory during the run.
    loaded: u64,
    evicted: u64,
    /// Clients connected at the end.
    peers: u64,
}

fn main() -> anyhow::Result<()> {
    let out: PathBuf = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with("--"))
        .unwrap_or_else(|| "target/bench/memory.json".into())
        .into();
    let server = std::env::var_os("MADOGUCHI_SERVER_BIN")
        .map(PathBuf::from)
        .context("MADOGUCHI_SERVER_BIN must name the release sync-server")?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let default_bound = sync_server::hub::MemoryBounds::default().idle_documents;
    let mut runs = Vec::new();
    for idle_documents in [default_bound, VISITS * 10] {
        runs.push(runtime.block_on(run(&server, idle_documents))?);
    }
    print_table(&runs);
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(
        &out,
        serde_json::to_string_pretty(&serde_json::json!({
            "visits": VISITS,
            "clients": CLIENTS,
            "goal_mb": GOAL_MB,
            "seeding": "through the Store (register_visit + a snapshot per visit), server stopped, database on /dev/shm when present",
            "runs": runs,
        }))?,
    )?;
    eprintln!("memory: results in {}", out.display());
    Ok(())
}

async fn run(server: &Path, idle_documents: usize) -> anyhow::Result<Run> {
    // On tmpfs where there is one: the store fsyncs every write, and seeding is not what
    // is measured (the server's memory does not depend on where its files are).
    let shm = Path::new("/dev/shm");
    let dir = if shm.is_dir() {
        tempfile::tempdir_in(shm)?
    } else {
        tempfile::tempdir()?
    };
    let data = dir.path().join("data");
    let seeding = Instant::now();
    let (visits, tokens) = tokio::task::spawn_blocking({
        let data = data.clone();
        move || seed(&data)
    })
    .await??;
    let seed_secs = seeding.elapsed().as_secs_f64();
    let database_bytes = folder_bytes(&data);
    eprintln!(
        "memory: {VISITS} visits and {CLIENTS} sessions seeded in {seed_secs:.1} s ({:.1} MB)",
        database_bytes as f64 / 1e6
    );

    let process = ServerChild::start(server, &data, idle_documents)?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started_mb = process.memory()?.rss_mb;

    // The clients join, open a visit each, and stay.
    let (stop, stopping) = watch::channel(false);
    let joining = Arc::new(Semaphore::new(JOINING_AT_ONCE));
    let began = Instant::now();
    let clients: Vec<_> = (0..CLIENTS)
        .map(|i| {
            let url = format!("ws://127.0.0.1:{}/sync?session={}", process.port, tokens[i]);
            let id = visits[i];
            let (joining, stopping) = (joining.clone(), stopping.clone());
            tokio::spawn(async move {
                let permit = joining.acquire_owned().await?;
                let counter = Counter::open(&url, &format!("bench-{i}"), id).await?;
                drop(permit);
                let ready = counter.has_visit();
                tokio::spawn(async move { counter.stay(stopping).await });
                anyhow::Ok(ready)
            })
        })
        .collect();
    for client in clients {
        if !client.await?? {
            bail!("a client did not get its visit");
        }
    }
    let clients_secs = began.elapsed().as_secs_f64();
    let clients_mb = process.memory()?.rss_mb;
    eprintln!("memory: {CLIENTS} clients synced in {clients_secs:.1} s");

    // A 課's list of the day reads every visit.
    let listing = Instant::now();
    let list = http_get(process.port, "/api/visits", Some(&tokens[0]))?;
    let list_secs = listing.elapsed().as_secs_f64();
    let listed = serde_json::from_str::<serde_json::Value>(&list)?
        .as_array()
        .map(Vec::len)
        .context("the list is an array")?;
    let after_list_mb = process.memory()?.rss_mb;

    tokio::time::sleep(Duration::from_secs(10)).await;
    let end = process.memory()?;
    let health: serde_json::Value =
        serde_json::from_str(&http_get(process.port, "/healthz", None)?)?;
    let sync = &health["sync"];
    let figure = |key: &str| sync[key].as_u64().unwrap_or_default();
    let run = Run {
        idle_documents,
        seed_secs,
        database_bytes,
        started_mb,
        clients_mb,
        clients_secs,
        after_list_mb,
        list_secs,
        listed,
        steady_mb: end.rss_mb,
        peak_mb: end.hwm_mb,
        documents_in_memory: figure("documents"),
        loaded: figure("loaded"),
        evicted: figure("evicted"),
        peers: figure("peers"),
    };
    let _ = stop.send(true);
    // The clients close their sockets before the server goes.
    tokio::time::sleep(Duration::from_secs(1)).await;
    drop(process);
    Ok(run)
}

/// Writes the visits (today's, at 市民課) and one staff session per client into a fresh
/// database; returns the visits' ids and the session tokens.
fn seed(data: &Path) -> anyhow::Result<(Vec<DocumentId>, Vec<String>)> {
    let store = Store::open(data)?;
    let now = sync_server::clock::now_ms();
    let hash = sync_server::accounts::hash_password("bench password")
        .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
    store.put_staff(
        &StaffRecord {
            login: "bench01".into(),
            name: "市民 一郎".into(),
            department: "shimin".into(),
            protected_access: false,
            role: Role::Staff,
            tenant: shared_model::tenant::TAKASAKI,
        },
        &hash,
    )?;
    let tokens: Vec<String> = (0..CLIENTS)
        .map(|i| format!("bench-session-{i:04}-{now}"))
        .collect();
    for token in &tokens {
        store.create_session(
            &sync_server::accounts::token_hash(token),
            "bench01",
            now + 12 * 3_600_000,
        )?;
    }
    let day = tokyo_day(now).to_string();
    let grants = [Grant::department(shared_model::tenant::TAKASAKI, "shimin")];
    let mut ids = Vec::with_capacity(VISITS);
    for i in 0..VISITS {
        let id = DocumentId::random();
        let record = store
            .register_visit(
                &id,
                shared_model::tenant::TAKASAKI,
                &day,
                now + i as i64,
                &grants,
            )?
            .map_err(|refusal| anyhow::anyhow!("{refusal}"))?;
        let mut visit = VisitDoc::new(id, &record.reception_number.to_string(), record.created_at);
        for (field, value) in [
            (Field::ApplicantName, format!("高崎 花子{i}")),
            (Field::ApplicantKana, "タカサキ ハナコ".to_owned()),
            (Field::ApplicantBirthDate, "1988-04-12".to_owned()),
            (
                Field::ApplicantAddress,
                format!("群馬県高崎市高松町{}番地1", i % 97),
            ),
        ] {
            visit.set(field, &value)?;
        }
        let heads = visit.doc_mut().get_heads();
        let heads_hash = heads.iter().map(ToString::to_string).collect::<String>();
        store.compact(&id, &visit.save(), &heads_hash)?;
        ids.push(id);
    }
    Ok((ids, tokens))
}

/// One client with a visit open.
struct Counter {
    socket: tokio_tungstenite::WebSocketStream<
        tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>,
    >,
    client: SyncClient,
    doc: AutoCommit,
}

impl Counter {
    /// Connects, joins, asks for the visit and syncs until it has it and all is quiet.
    async fn open(url: &str, peer_id: &str, id: DocumentId) -> anyhow::Result<Self> {
        let (socket, _) = tokio_tungstenite::connect_async(url).await?;
        let mut counter = Self {
            socket,
            client: SyncClient::new(peer_id, PeerMetadata::default()),
            doc: AutoCommit::new(),
        };
        let join = counter.client.join();
        counter.send(join).await?;
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), counter.socket.next())
                .await
                .context("no answer to join within 30 s")?
                .context("the server closed the connection")??;
            if let WsMessage::Binary(bytes) = frame
                && let Incoming::Joined { .. } = counter.client.receive(&bytes)?
            {
                break;
            }
        }
        let first = counter
            .client
            .sync(id, &mut counter.doc)
            .context("a request for the visit")?;
        counter.send(first).await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            let frame =
                tokio::time::timeout(Duration::from_millis(300), counter.socket.next()).await;
            let bytes = match frame {
                Err(_) if counter.has_visit() => return Ok(counter),
                Err(_) => continue,
                Ok(None) => bail!("the server closed the connection"),
                Ok(Some(frame)) => match frame? {
                    WsMessage::Binary(bytes) => bytes,
                    WsMessage::Close(_) => bail!("the server closed the connection"),
                    _ => continue,
                },
            };
            match counter.client.receive(&bytes)? {
                Incoming::Sync { document_id, data } if document_id == id => {
                    if let Some(reply) = counter.client.apply(id, &mut counter.doc, &data)? {
                        counter.send(reply).await?;
                    }
                }
                Incoming::Unavailable { .. } => bail!("the server does not have {id}"),
                Incoming::Refused { reason } => bail!("refused: {reason}"),
                _ => {}
            }
        }
        bail!("no visit within 60 s")
    }

    async fn send(&mut self, message: shared_model::protocol::Message) -> anyhow::Result<()> {
        self.socket
            .send(WsMessage::Binary(message.encode().into()))
            .await?;
        Ok(())
    }

    /// Whether the visit arrived whole (a visit document with its reception number).
    fn has_visit(&self) -> bool {
        VisitDoc::from_doc(self.doc.clone()).is_ok_and(|v| !v.reception_number().is_empty())
    }

    /// Stays connected (reading, so pings are answered) until `stop`.
    async fn stay(mut self, mut stop: watch::Receiver<bool>) {
        loop {
            tokio::select! {
                frame = self.socket.next() => match frame {
                    Some(Ok(_)) => {}
                    _ if *stop.borrow() => return,
                    _ => {
                        eprintln!("memory: a client was disconnected");
                        return;
                    }
                },
                _ = stop.changed() => {
                    let _ = self.socket.close(None).await;
                    return;
                }
            }
        }
    }
}

/// The server as a child process.
struct ServerChild {
    child: Child,
    port: u16,
}

/// RSS now and at its highest, MB.
struct Memory {
    rss_mb: f64,
    hwm_mb: f64,
}

impl ServerChild {
    fn start(binary: &Path, data: &Path, idle_documents: usize) -> anyhow::Result<Self> {
        let mut child = Command::new(binary)
            .args(["--listen", "127.0.0.1:0", "--data"])
            .arg(data)
            .args(["--idle-documents", &idle_documents.to_string()])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .with_context(|| binary.display().to_string())?;
        let mut stdout = child.stdout.take().context("piped")?;
        let mut line = Vec::new();
        let mut byte = [0u8; 1];
        while stdout.read(&mut byte)? == 1 && byte[0] != b'\n' {
            line.push(byte[0]);
        }
        let line = String::from_utf8(line)?;
        let port = line
            .rsplit(':')
            .next()
            .and_then(|p| p.trim().parse().ok())
            .with_context(|| format!("unexpected first line {line:?}"))?;
        Ok(Self { child, port })
    }

    fn memory(&self) -> anyhow::Result<Memory> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))?;
        let kb = |key: &str| -> anyhow::Result<f64> {
            let line = status
                .lines()
                .find(|l| l.starts_with(key))
                .with_context(|| format!("{key} in /proc/PID/status"))?;
            let value: f64 = line
                .split_whitespace()
                .nth(1)
                .context("a number")?
                .parse()?;
            Ok(value)
        };
        Ok(Memory {
            rss_mb: kb("VmRSS:")? / 1024.0,
            hwm_mb: kb("VmHWM:")? / 1024.0,
        })
    }
}

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `GET path` on the server (with a staff session cookie if given); the body.
fn http_get(port: u16, path: &str, session: Option<&str>) -> anyhow::Result<String> {
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port))?;
    stream.set_read_timeout(Some(Duration::from_secs(600)))?;
    let cookie = session
        .map(|token| format!("Cookie: {}={token}\r\n", sync_server::accounts::COOKIE))
        .unwrap_or_default();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{cookie}Connection: close\r\n\r\n"
    )?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    let response = String::from_utf8(response)?;
    let (head, body) = response
        .split_once("\r\n\r\n")
        .context("an HTTP response")?;
    if !head.starts_with("HTTP/1.1 200") {
        bail!("GET {path}: {}", head.lines().next().unwrap_or_default());
    }
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        return Ok(unchunk(body));
    }
    Ok(body.to_owned())
}

/// The body of a chunked HTTP response.
fn unchunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

fn folder_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or_default()
}

fn print_table(runs: &[Run]) {
    println!();
    println!(
        "server memory: {VISITS} stored visits, {CLIENTS} clients each with a visit open (goal ≤ {GOAL_MB} MB)"
    );
    println!(
        "{:>14} {:>9} {:>10} {:>12} {:>9} {:>9} {:>9} {:>10} {:>8} {:>8}",
        "idle kept",
        "start MB",
        "clients MB",
        "after list MB",
        "steady MB",
        "peak MB",
        "list s",
        "in memory",
        "loaded",
        "evicted"
    );
    for r in runs {
        println!(
            "{:>14} {:>9.1} {:>10.1} {:>12.1} {:>9.1} {:>9.1} {:>9.1} {:>10} {:>8} {:>8}",
            r.idle_documents,
            r.started_mb,
            r.clients_mb,
            r.after_list_mb,
            r.steady_mb,
            r.peak_mb,
            r.list_secs,
            r.documents_in_memory,
            r.loaded,
            r.evicted
        );
    }
    for r in runs {
        let verdict = if r.peak_mb <= GOAL_MB {
            "met"
        } else {
            "NOT met"
        };
        println!(
            "idle kept {}: peak {:.1} MB, steady {:.1} MB: goal {verdict}; {} clients connected at the end, seeding {:.1} s",
            r.idle_documents, r.peak_mb, r.steady_mb, r.peers, r.seed_secs
        );
    }
}
