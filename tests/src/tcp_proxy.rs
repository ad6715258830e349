//! [`TcpProxy`]: a TCP proxy on 127.0.0.1 in front of one upstream address that, while its
//! faults are on, harms the connections it carries, at random but seeded ([`SeededRng`]):
//!
//! - **cut**: after a random time the connection is dropped in the middle of whatever it
//!   carries (a WebSocket frame cut short), with a FIN or a RST; what the client had already
//!   sent may still reach the server late, after the client has reconnected;
//! - **stall** (half-open): after a random time nothing moves either way, and neither side
//!   is told, until the stall ends and the proxy closes both sides;
//! - **delay**: chunks are held back for a random time each, and released in order (a TCP
//!   stream cannot reorder, so this is what reordering means on one connection: later
//!   messages overtake on other connections);
//! - **slow**: what the connection carries trickles through at a few kilobytes a second.
//!
//! [`TcpProxy::stop_faults`] ends the harm: from then on new connections are clean and
//! connections not yet cut or stalled are not harmed any more (no delay, no trickle); what
//! was already cut or is stalled stays so, as a dead connection stays dead when a network
//! heals.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::rng::SeededRng;

/// How much harm, and of which kind, a faulty proxy does. Each kind is chosen independently
/// per connection; a connection is either cut or stalled (or neither), and may also be delayed
/// and slow. Ranges are inclusive `(low, high)`.
#[derive(Debug, Clone)]
pub struct Faults {
    /// Of the connections opened while faults are on, how many per mille are cut.
    pub cut_per_mille: u64,
    /// How many per mille (of those not cut) stall.
    pub stall_per_mille: u64,
    /// How many per mille have their chunks held back.
    pub delay_per_mille: u64,
    /// How many per mille are slow.
    pub slow_per_mille: u64,
    /// How long a connection to be cut or stalled lives first, in milliseconds.
    pub life_ms: (u64, u64),
    /// How long each chunk of a delayed connection is held back, in milliseconds.
    pub delay_ms: (u64, u64),
    /// How long a stall lasts before the proxy closes both sides, in milliseconds.
    pub stall_ms: (u64, u64),
    /// How fast a slow connection is, in bytes per second.
    pub slow_bytes_per_sec: u64,
}

impl Default for Faults {
    /// Every connection harmed while faults are on: 80 % cut and 20 % stalled (for 1 to
    /// 12 s) after 0.2 to 8 s; 40 % delayed by up to half a second per chunk; 20 % slow
    /// (4 KB/s).
    fn default() -> Self {
        Self {
            cut_per_mille: 800,
            stall_per_mille: 1000,
            delay_per_mille: 400,
            slow_per_mille: 200,
            life_ms: (200, 8_000),
            delay_ms: (0, 500),
            stall_ms: (1_000, 12_000),
            slow_bytes_per_sec: 4_096,
        }
    }
}

/// What the proxy has done so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ProxyStats {
    /// Connections accepted.
    pub connections: usize,
    /// Connections cut.
    pub cuts: usize,
    /// Of those, cut with a RST rather than a FIN.
    pub resets: usize,
    /// Connections that stalled (half-open).
    pub stalls: usize,
    /// Connections whose chunks were held back.
    pub delayed: usize,
    /// Slow connections.
    pub slow: usize,
    /// Chunks the client sent before a cut that reached the server after the client's side
    /// was closed.
    pub late_chunks: usize,
    /// Bytes carried, both ways.
    pub bytes: u64,
}

/// A running proxy; it stops accepting when dropped.
#[derive(Debug)]
pub struct TcpProxy {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: JoinHandle<()>,
}

#[derive(Debug)]
struct Shared {
    upstream: SocketAddr,
    faults: Faults,
    /// `true` while faults are on; watched so that pending harm is called off at once.
    faulty: watch::Sender<bool>,
    rng: Mutex<SeededRng>,
    stats: Mutex<ProxyStats>,
}

/// The harm a connection is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Cut { reset: bool },
    Stall { for_ms: u64 },
}

#[derive(Debug, Clone, Copy)]
struct Plan {
    end: Option<(Duration, End)>,
    delay: Option<(u64, u64)>,
    slow: Option<u64>,
}

impl TcpProxy {
    /// Listens on a free loopback port and carries every connection to `upstream` (a
    /// loopback address), harming them as `faults` says from the start. `seed` fixes the
    /// harm the n-th connection accepted is due (which connection comes n-th depends on
    /// the clients).
    ///
    /// # Errors
    /// When no loopback port can be bound, or `upstream` is not on loopback.
    pub async fn start(upstream: SocketAddr, faults: Faults, seed: u64) -> anyhow::Result<Self> {
        anyhow::ensure!(
            upstream.ip().is_loopback(),
            "the proxy only carries to loopback"
        );
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Shared {
            upstream,
            faults,
            faulty: watch::channel(true).0,
            rng: Mutex::new(SeededRng::new(seed)),
            stats: Mutex::new(ProxyStats::default()),
        });
        let accepting = shared.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let plan = accepting.plan();
                let rng = lock(&accepting.rng).fork();
                tokio::spawn(carry(client, accepting.clone(), plan, rng));
            }
        });
        Ok(Self {
            addr,
            shared,
            accept,
        })
    }

    /// The address clients connect to (127.0.0.1 and the proxy's port).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Ends the harm (see the module documentation); the proxy carries on, clean.
    pub fn stop_faults(&self) {
        self.shared.faulty.send_replace(false);
    }

    /// What the proxy has done so far.
    pub fn stats(&self) -> ProxyStats {
        *lock(&self.shared.stats)
    }
}

impl Drop for TcpProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl Shared {
    fn faulty(&self) -> bool {
        *self.faulty.borrow()
    }

    /// The harm a new connection is due, drawn now.
    fn plan(&self) -> Plan {
        let mut stats = lock(&self.stats);
        stats.connections += 1;
        if !self.faulty() {
            return Plan {
                end: None,
                delay: None,
                slow: None,
            };
        }
        let f = &self.faults;
        let mut rng = lock(&self.rng);
        let end = if rng.chance(f.cut_per_mille) {
            Some(End::Cut {
                reset: rng.chance(500),
            })
        } else if rng.chance(f.stall_per_mille) {
            Some(End::Stall {
                for_ms: rng.between(f.stall_ms.0, f.stall_ms.1),
            })
        } else {
            None
        };
        Plan {
            end: end.map(|end| (rng.millis(f.life_ms.0, f.life_ms.1), end)),
            delay: rng.chance(f.delay_per_mille).then_some(f.delay_ms),
            slow: rng
                .chance(f.slow_per_mille)
                .then_some(f.slow_bytes_per_sec.max(1)),
        }
    }

    fn count(&self, what: impl FnOnce(&mut ProxyStats)) {
        what(&mut lock(&self.stats));
    }
}

/// What a direction is told by its connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    /// Carry on as planned.
    Carry,
    /// Harm is off: no more delay or trickle.
    Clean,
    /// Cut now (mid-chunk).
    Cut,
    /// Stop moving anything, and keep the sockets open.
    Stall,
}

/// Carries one connection until either side ends it or its harm does.
async fn carry(client: TcpStream, shared: Arc<Shared>, plan: Plan, mut rng: SeededRng) {
    let Ok(server) = TcpStream::connect(shared.upstream).await else {
        // The upstream is down: the client's connection is closed, as a refused one would.
        return;
    };
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    if plan.delay.is_some() {
        shared.count(|s| s.delayed += 1);
    }
    if plan.slow.is_some() {
        shared.count(|s| s.slow += 1);
    }
    if let Some((_, End::Cut { reset: true })) = plan.end {
        // A RST instead of a FIN when the socket is closed.
        let _ = client.set_zero_linger();
        let _ = server.set_zero_linger();
    }
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let (orders, order) = watch::channel(Order::Carry);
    let up = tokio::spawn(direction(
        client_read,
        server_write,
        shared.clone(),
        plan,
        rng.fork(),
        order.clone(),
        true,
    ));
    let down = tokio::spawn(direction(
        server_read,
        client_write,
        shared.clone(),
        plan,
        rng.fork(),
        order,
        false,
    ));
    let mut faulty = shared.faulty.subscribe();
    let mut directions = futures_util::future::join(up, down);
    let harm = async {
        match plan.end {
            Some((after, end)) => {
                tokio::time::sleep(after).await;
                end
            }
            None => std::future::pending().await,
        }
    };
    tokio::pin!(harm);
    let end = tokio::select! {
        _ = &mut directions => return,
        _ = faulty.wait_for(|on| !*on) => None,
        end = &mut harm => Some(end),
    };
    match end {
        None => {
            // Healed before the harm fell: carry on clean.
            let _ = orders.send(Order::Clean);
        }
        Some(End::Cut { reset }) => {
            shared.count(|s| {
                s.cuts += 1;
                s.resets += usize::from(reset);
            });
            let _ = orders.send(Order::Cut);
        }
        Some(End::Stall { for_ms }) => {
            shared.count(|s| s.stalls += 1);
            let _ = orders.send(Order::Stall);
            tokio::time::sleep(Duration::from_millis(for_ms)).await;
            // The stall ends the way a dead connection does: closed.
            let _ = orders.send(Order::Cut);
        }
    }
    let _ = directions.await;
}

/// One direction of a connection: reads chunks from `from` and writes them to `to`, held
/// back or trickled as the plan says, until either side closes or the connection orders a
/// cut or a stall. On a cut, `up` (client → server) still writes what it had read, each
/// chunk when it was due (late: the client may have reconnected by then), and cuts the last
/// one short; the other direction writes part of the next chunk and stops (mid-frame).
async fn direction(
    mut from: OwnedReadHalf,
    to: OwnedWriteHalf,
    shared: Arc<Shared>,
    plan: Plan,
    mut rng: SeededRng,
    mut order: watch::Receiver<Order>,
    up: bool,
) {
    // The reader hands chunks (with when they may go) to the writer, so that a held-back
    // chunk does not stop the next one being read.
    let (chunks, queue) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(write_side(
        queue,
        to,
        shared.clone(),
        plan,
        rng.fork(),
        order.clone(),
        up,
    ));
    let mut buffer = vec![0u8; 16 * 1024];
    loop {
        let read = tokio::select! {
            read = from.read(&mut buffer) => Some(read),
            _ = order.wait_for(|o| matches!(o, Order::Cut | Order::Stall)) => None,
        };
        let Some(read) = read else {
            // Stalled: nothing is read until the stall ends, which closes the connection.
            let _ = order.wait_for(|o| *o == Order::Cut).await;
            break;
        };
        let n = match read {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let delay = match (plan.delay, *order.borrow()) {
            (Some((low, high)), Order::Carry) => rng.millis(low, high),
            _ => Duration::ZERO,
        };
        if chunks
            .send((Instant::now() + delay, buffer[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(from);
    drop(chunks);
    let _ = writer.await;
}

/// The writing half of [`direction`].
async fn write_side(
    mut queue: mpsc::UnboundedReceiver<(Instant, Vec<u8>)>,
    mut to: OwnedWriteHalf,
    shared: Arc<Shared>,
    plan: Plan,
    mut rng: SeededRng,
    mut order: watch::Receiver<Order>,
    up: bool,
) {
    while let Some((due, mut chunk)) = queue.recv().await {
        tokio::select! {
            _ = tokio::time::sleep_until(due) => {}
            _ = order.wait_for(|o| matches!(o, Order::Cut | Order::Stall)) => {}
        }
        let now = *order.borrow();
        match now {
            Order::Stall => {
                // Nothing moves until the stall is over, which closes the connection.
                let _ = order.wait_for(|o| *o == Order::Cut).await;
                break;
            }
            Order::Cut if up => {
                // The client's side is gone; what it sent before still arrives, when due.
                tokio::time::sleep_until(due).await;
                shared.count(|s| s.late_chunks += 1);
                if queue.is_empty() {
                    let keep = rng.below(chunk.len() as u64) as usize;
                    chunk.truncate(keep);
                }
            }
            Order::Cut => {
                let keep = rng.below(chunk.len() as u64) as usize;
                chunk.truncate(keep);
            }
            Order::Carry | Order::Clean => {}
        }
        let slow = plan.slow.filter(|_| now == Order::Carry);
        let written = if now == Order::Cut {
            to.write_all(&chunk).await.is_ok()
        } else {
            let mut cut = order.clone();
            tokio::select! {
                written = write(&mut to, &chunk, slow, &order) => written.is_ok(),
                // A cut falls in the middle of a write as well.
                _ = cut.wait_for(|o| *o == Order::Cut) => false,
            }
        };
        shared.count(|s| s.bytes += chunk.len() as u64);
        if !written || (now == Order::Cut && (!up || queue.is_empty())) {
            break;
        }
    }
    if matches!(plan.end, Some((_, End::Cut { reset: true }))) {
        // Closed without a FIN: with SO_LINGER 0 the close sends a RST.
        to.forget();
    }
}

/// Writes `chunk`, at `slow` bytes a second if given (full speed once harm is off).
async fn write(
    to: &mut OwnedWriteHalf,
    chunk: &[u8],
    slow: Option<u64>,
    order: &watch::Receiver<Order>,
) -> std::io::Result<()> {
    match slow {
        None => to.write_all(chunk).await,
        Some(rate) => {
            // Pieces of a tenth of a second's worth.
            let piece = (rate / 10).max(1) as usize;
            for part in chunk.chunks(piece) {
                to.write_all(part).await?;
                if *order.borrow() == Order::Carry {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
            Ok(())
        }
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An echo server on loopback.
    async fn echo() -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                tokio::spawn(async move {
                    let (mut read, mut write) = socket.split();
                    let _ = tokio::io::copy(&mut read, &mut write).await;
                });
            }
        });
        addr
    }

    fn only(cut: u64, stall: u64) -> Faults {
        Faults {
            cut_per_mille: cut,
            stall_per_mille: stall,
            delay_per_mille: 0,
            slow_per_mille: 0,
            life_ms: (100, 100),
            stall_ms: (600, 600),
            ..Faults::default()
        }
    }

    /// Writes `bytes` and reads as many back, or fails within `limit`.
    async fn round_trip(socket: &mut TcpStream, bytes: &[u8], limit: Duration) -> Option<Vec<u8>> {
        socket.write_all(bytes).await.ok()?;
        let mut back = vec![0u8; bytes.len()];
        tokio::time::timeout(limit, socket.read_exact(&mut back))
            .await
            .ok()?
            .ok()?;
        Some(back)
    }

    #[tokio::test]
    async fn once_healed_the_proxy_carries_every_byte_in_order() {
        let proxy = TcpProxy::start(echo().await, Faults::default(), 1)
            .await
            .unwrap();
        proxy.stop_faults();
        let mut socket = TcpStream::connect(proxy.addr()).await.unwrap();
        let bytes: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
        let back = round_trip(&mut socket, &bytes, Duration::from_secs(10)).await;
        assert_eq!(back.as_deref(), Some(&bytes[..]));
        let stats = proxy.stats();
        assert_eq!((stats.cuts, stats.stalls, stats.delayed), (0, 0, 0));
        assert_eq!(stats.bytes, 2 * bytes.len() as u64);
    }

    #[tokio::test]
    async fn a_cut_closes_the_connection_and_a_stall_holds_it_silent_then_closes_it() {
        let upstream = echo().await;
        let cutting = TcpProxy::start(upstream, only(1000, 0), 2).await.unwrap();
        let mut socket = TcpStream::connect(cutting.addr()).await.unwrap();
        assert!(
            round_trip(&mut socket, b"before", Duration::from_secs(5))
                .await
                .is_some()
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut rest));
        assert!(closed.await.is_ok(), "the cut closed the connection");
        assert_eq!(cutting.stats().cuts, 1);

        let stalling = TcpProxy::start(upstream, only(0, 1000), 3).await.unwrap();
        let mut socket = TcpStream::connect(stalling.addr()).await.unwrap();
        assert!(
            round_trip(&mut socket, b"before", Duration::from_secs(5))
                .await
                .is_some()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Half-open: what is written goes nowhere, and nobody says so.
        assert!(
            round_trip(&mut socket, b"during", Duration::from_millis(300))
                .await
                .is_none()
        );
        assert_eq!(stalling.stats().stalls, 1);
        // Then the stall ends the way a dead connection does.
        let mut rest = Vec::new();
        let closed = tokio::time::timeout(Duration::from_secs(5), socket.read_to_end(&mut rest));
        assert!(closed.await.is_ok(), "the stall ended in a close");
        assert!(
            rest.is_empty(),
            "nothing of the stalled bytes came back: {rest:?}"
        );

        // New connections after healing are clean.
        stalling.stop_faults();
        let mut socket = TcpStream::connect(stalling.addr()).await.unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert!(
            round_trip(&mut socket, b"after", Duration::from_secs(5))
                .await
                .is_some()
        );
    }
}
