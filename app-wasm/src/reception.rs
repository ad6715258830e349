//! The kiosk's reception numbers ([`take_number`]): from the server while it can be reached,
//! and from a block of numbers the server reserved for this kiosk in advance while it cannot,
//! so a citizen gets a number through a network cut.
//!
//! While online, after each number the kiosk keeps a block of today's numbers in reserve
//! (`POST /api/queue/blocks`, [`BLOCK_SIZE`] numbers, asked again when fewer than
//! [`REFILL_BELOW`] are left). Offline, the next number of the block is given and the visit
//! is created locally; the visit id, number, day and time are kept in `localStorage` as a
//! pending registration (numbers and ids only, nothing of the citizen) and registered with
//! the server under that number as soon as it answers again (`POST /api/visits` with
//! `reserved`); the connection is then made again so the visit's document, refused while
//! unregistered, syncs. The server never gives a reserved number to anyone else, so numbers
//! never collide.

use serde::{Deserialize, Serialize};
use shared_model::DocumentId;
use shared_model::queue::NumberBlock;

use crate::api::{self, ApiError};
use crate::repo::{Command, RepoHandle};

/// Numbers reserved at a time.
pub const BLOCK_SIZE: u32 = 20;
/// A new block is asked for when fewer numbers than this are left.
pub const REFILL_BELOW: u32 = 5;
/// How often pending registrations are tried again, ms.
const RETRY_MS: u32 = 2_000;

const BLOCK_KEY: &str = "madoguchi.kiosk.numbers";
const PENDING_KEY: &str = "madoguchi.kiosk.pending";

/// A reception number given to a visit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number {
    /// 受付番号 of the day.
    pub reception_number: u32,
    /// When it was taken, ms since the epoch.
    pub created_at: i64,
    /// Whether it came from the reserved block (the server does not know it yet).
    pub offline: bool,
}

/// The block kept on this kiosk and the next number it gives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct KeptBlock {
    block: NumberBlock,
    next: u32,
}

impl KeptBlock {
    fn left(&self) -> u32 {
        (self.block.last + 1).saturating_sub(self.next)
    }
}

/// A visit numbered offline, not yet registered with the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    visit_id: String,
    number: u32,
    day: String,
    taken_at: i64,
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok()?
}

fn read<T: for<'de> Deserialize<'de>>(key: &str) -> Option<T> {
    let text = storage()?.get_item(key).ok()??;
    serde_json::from_str(&text).ok()
}

fn write<T: Serialize>(key: &str, value: &T) {
    if let (Some(storage), Ok(text)) = (storage(), serde_json::to_string(value)) {
        let _ = storage.set_item(key, &text);
    }
}

fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

fn today() -> String {
    shared_model::calendar::tokyo_day(now_ms()).to_string()
}

/// This kiosk's block for today, if it has one with numbers left.
fn kept_block() -> Option<KeptBlock> {
    read::<KeptBlock>(BLOCK_KEY).filter(|k| k.block.day == today() && k.left() > 0)
}

/// Numbers left in this kiosk's block for today.
pub fn numbers_in_reserve() -> u32 {
    kept_block().map(|k| k.left()).unwrap_or(0)
}

/// Visits numbered offline that the server does not know yet.
pub fn pending_count() -> usize {
    read::<Vec<Pending>>(PENDING_KEY).unwrap_or_default().len()
}

/// Gives visit `id` its reception number: the server's next one online; offline (the
/// server unreachable), the next number of this kiosk's reserved block, registered later
/// by itself. Errors as [`api::register_visit`]; offline with no reserved number left,
/// [`ApiError::Unreachable`].
pub async fn take_number(id: DocumentId, repo: &RepoHandle) -> Result<Number, ApiError> {
    register_pending(repo).await;
    match api::register_visit(&id.to_string()).await {
        Ok(record) => {
            refill().await;
            Ok(Number {
                reception_number: record.reception_number,
                created_at: record.created_at,
                offline: false,
            })
        }
        Err(ApiError::Unreachable) => {
            let number = take_reserved(id).ok_or(ApiError::Unreachable)?;
            keep_registering(repo.clone());
            Ok(number)
        }
        Err(e) => Err(e),
    }
}

/// Asks for a new block when fewer than [`REFILL_BELOW`] reserved numbers are left (best
/// effort: offline or refused, the old block stays).
async fn refill() {
    if numbers_in_reserve() >= REFILL_BELOW {
        return;
    }
    if let Ok(block) = api::reserve_numbers(BLOCK_SIZE).await {
        let next = block.first;
        write(BLOCK_KEY, &KeptBlock { block, next });
    }
}

/// The next reserved number for visit `id`, noted as pending registration.
fn take_reserved(id: DocumentId) -> Option<Number> {
    let mut kept = kept_block()?;
    let number = kept.next;
    kept.next += 1;
    write(BLOCK_KEY, &kept);
    let taken_at = now_ms();
    let mut pending: Vec<Pending> = read(PENDING_KEY).unwrap_or_default();
    pending.push(Pending {
        visit_id: id.to_string(),
        number,
        day: kept.block.day.clone(),
        taken_at,
    });
    write(PENDING_KEY, &pending);
    Some(Number {
        reception_number: number,
        created_at: taken_at,
        offline: true,
    })
}

/// Registers every visit numbered offline that the server can take now; what the server
/// refuses for good (a number outside the block: another day's or a revoked kiosk's) is
/// dropped and logged, what cannot be sent stays. Once some registered, the connection is
/// made again so their documents sync.
async fn register_pending(repo: &RepoHandle) -> bool {
    let pending: Vec<Pending> = read(PENDING_KEY).unwrap_or_default();
    if pending.is_empty() {
        return true;
    }
    let mut left = Vec::new();
    let mut registered = 0;
    for p in pending {
        match api::register_reserved_visit(&p.visit_id, p.number, &p.day, p.taken_at).await {
            Ok(_) => registered += 1,
            Err(ApiError::Refused(reason)) => {
                web_sys::console::error_1(
                    &format!("reception number {} refused: {reason}", p.number).into(),
                );
            }
            Err(_) => left.push(p),
        }
    }
    let done = left.is_empty();
    write(PENDING_KEY, &left);
    if registered > 0 {
        repo.send(Command::Reauthenticate);
    }
    done
}

thread_local! {
    static RETRYING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Tries the pending registrations every [`RETRY_MS`] until none is left (one loop at a
/// time).
fn keep_registering(repo: RepoHandle) {
    if RETRYING.with(|r| r.replace(true)) {
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        loop {
            gloo_timers::future::TimeoutFuture::new(RETRY_MS).await;
            if register_pending(&repo).await {
                refill().await;
                break;
            }
        }
        RETRYING.with(|r| r.set(false));
    });
}

/// Starts registering what an earlier session of this kiosk numbered offline (after a
/// reload while offline, for example). For the kiosk face to call once when it mounts.
pub fn resume(repo: &RepoHandle) {
    if pending_count() > 0 {
        keep_registering(repo.clone());
    }
}
