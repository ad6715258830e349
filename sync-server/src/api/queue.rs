//! `/api/queue`: the day's queue (受付・呼出) — a 課's counters call, recall, mark absent and
//! finish; the waiting-room displays read the board; kiosks read the wait and reserve the
//! numbers they give offline.
//!
//! Displays and counters poll (the display every second, a counter's panel every few
//! seconds) rather than hold a socket: the board is a few hundred bytes, a poll needs no
//! state on either side, and a display on the wall picks up again by itself after a server
//! restart or a network cut, with nobody there to press reload.

use axum::Json;
use axum::extract::{Query, State};

use shared_model::calendar::tokyo_day;
use shared_model::catalog::{Catalog, Department};
use shared_model::queue::{self, Board, DepartmentQueue, NumberBlock, Stop, Ticket, WaitEstimate};

use super::ApiError;
use super::displays::DisplaySignedIn;
use crate::AppState;
use crate::accounts::{Caller, SignedIn, Terminal};
use crate::clock::now_ms;
use crate::store::{ServingAction, StaffRecord};
use shared_model::tenant::LocalGovernmentCode;

/// How many calls a display shows at once.
pub const CALLS_SHOWN: usize = 6;

/// The city's tickets of today.
async fn todays_tickets(
    app: &AppState,
    tenant: LocalGovernmentCode,
) -> Result<(String, Vec<Ticket>), ApiError> {
    let day = tokyo_day(now_ms()).to_string();
    let store = app.store.clone();
    let for_day = day.clone();
    let tickets = tokio::task::spawn_blocking(move || store.queue_tickets(tenant, &for_day))
        .await
        .map_err(|_| ApiError::Task)??;
    Ok((day, tickets))
}

fn department_of(staff: &StaffRecord) -> Result<Department, ApiError> {
    Department::from_name(&staff.department)
        .ok_or_else(|| ApiError::BadRequest(format!("unknown 課 {}", staff.department)))
}

/// The 窓口 `counter` of the staff member's 課, if their city's catalog has it (400
/// otherwise).
fn stop_of(app: &AppState, staff: &StaffRecord, counter: u8) -> Result<Stop, ApiError> {
    let stop = Stop::new(department_of(staff)?, counter);
    if queue::counters(catalog_of(app, staff.tenant)).contains(&stop) {
        Ok(stop)
    } else {
        Err(ApiError::BadRequest(format!(
            "{} has no 窓口 {counter}",
            stop.department.ja()
        )))
    }
}

/// The forms of the city `tenant` (its 窓口 and their procedures).
fn catalog_of(app: &AppState, tenant: LocalGovernmentCode) -> &'static Catalog {
    app.cities.catalog(tenant).catalog
}

/// Query of `GET /api/queue`.
#[derive(Debug, serde::Deserialize)]
pub struct QueueQuery {
    /// The 課 (default: the signed-in person's; another 課 for administrators only).
    department: Option<String>,
}

/// `GET /api/queue[?department=D]`: a 課's queue today — tickets waiting (in calling
/// order), called and absent, and the wait at each of its 窓口. Staff of that 課 or an
/// administrator.
pub async fn department_queue(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Query(query): Query<QueueQuery>,
) -> Result<Json<DepartmentQueue>, ApiError> {
    let own = department_of(&staff)?;
    let department = match query.department.as_deref() {
        None => own,
        Some(name) => {
            let wanted = Department::from_name(name)
                .ok_or_else(|| ApiError::BadRequest(format!("unknown 課 {name}")))?;
            if wanted != own && staff.role != crate::store::Role::Admin {
                return Err(ApiError::Forbidden);
            }
            wanted
        }
    };
    let (_, tickets) = todays_tickets(&app, staff.tenant).await?;
    Ok(Json(queue::department_queue(
        catalog_of(&app, staff.tenant),
        &tickets,
        department,
    )))
}

/// Body of `POST /api/queue/call`.
#[derive(Debug, serde::Deserialize)]
pub struct Call {
    /// 窓口番号 of the calling counter (at the caller's 課).
    counter: u8,
    /// The number to call; absent: the next in line.
    #[serde(default)]
    number: Option<u32>,
}

/// `POST /api/queue/call`: the counter calls the next number at its 窓口, or the number
/// given (waiting or absent anywhere at its 課); the one it served is done. Answers the
/// called ticket; 404 when nobody is waiting (or that number is not waiting at this 課).
/// Staff (their own 課). Audited with the number and 窓口.
pub async fn call(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Json(body): Json<Call>,
) -> Result<Json<Ticket>, ApiError> {
    let stop = stop_of(&app, &staff, body.counter)?;
    let day = tokyo_day(now_ms()).to_string();
    let store = app.store.clone();
    let login = staff.login.clone();
    let called = tokio::task::spawn_blocking(move || {
        let now = now_ms();
        let called = store.queue_call(staff.tenant, &day, stop, body.number, now)?;
        if let Some(c) = &called {
            store.audit_at(
                staff.tenant,
                now,
                &login,
                &terminal,
                "queue_called",
                &format!(
                    "受付{} → {}{}番",
                    c.ticket.number,
                    stop.department.ja(),
                    stop.counter
                ),
            )?;
        }
        Ok::<_, crate::store::StoreError>(called)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let called =
        called.ok_or_else(|| ApiError::NotFound("nobody is waiting to be called".into()))?;
    // The visit the counter was serving may go on to another 窓口 of the 課.
    for visit in &called.finished {
        app.hub.requeue(visit).await;
    }
    Ok(Json(called.ticket))
}

/// Body of `POST /api/queue/recall`, `/absent`, `/done`.
#[derive(Debug, serde::Deserialize)]
pub struct Serving {
    /// 窓口番号 of the counter (at the caller's 課).
    counter: u8,
}

async fn serving(
    app: AppState,
    staff: StaffRecord,
    terminal: String,
    counter: u8,
    action: ServingAction,
) -> Result<Json<Ticket>, ApiError> {
    let stop = stop_of(&app, &staff, counter)?;
    let day = tokyo_day(now_ms()).to_string();
    let store = app.store.clone();
    let ticket = tokio::task::spawn_blocking(move || {
        let now = now_ms();
        let ticket = store.queue_serving(staff.tenant, &day, stop, action, now)?;
        if let Some(t) = &ticket {
            let what = match action {
                ServingAction::Recall => "queue_recalled",
                ServingAction::Absent => "queue_absent",
                ServingAction::Done => "queue_done",
            };
            store.audit_at(
                staff.tenant,
                now,
                &staff.login,
                &terminal,
                what,
                &format!(
                    "受付{} {}{}番",
                    t.number,
                    stop.department.ja(),
                    stop.counter
                ),
            )?;
        }
        Ok::<_, crate::store::StoreError>(ticket)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    let ticket =
        ticket.ok_or_else(|| ApiError::NotFound("this counter serves nobody now".into()))?;
    if action == ServingAction::Done {
        app.hub.requeue(&ticket.visit_id).await;
    }
    Ok(Json(ticket))
}

/// `POST /api/queue/recall`: calls the number the counter serves again (404: none).
pub async fn recall(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Json(body): Json<Serving>,
) -> Result<Json<Ticket>, ApiError> {
    serving(app, staff, terminal, body.counter, ServingAction::Recall).await
}

/// `POST /api/queue/absent`: the number the counter called did not come (不在); it can be
/// called again by its number (404: the counter serves nobody).
pub async fn absent(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Json(body): Json<Serving>,
) -> Result<Json<Ticket>, ApiError> {
    serving(app, staff, terminal, body.counter, ServingAction::Absent).await
}

/// `POST /api/queue/done`: the counter has handled the number it serves (404: none).
pub async fn done(
    State(app): State<AppState>,
    SignedIn(staff): SignedIn,
    Terminal(terminal): Terminal,
    Json(body): Json<Serving>,
) -> Result<Json<Ticket>, ApiError> {
    serving(app, staff, terminal, body.counter, ServingAction::Done).await
}

/// `GET /api/queue/display`: what a waiting-room display shows — the numbers being called
/// with their 窓口 and the wait at each 窓口; numbers only, never a name. For a display's
/// device token (cookie) only.
pub async fn board(
    State(app): State<AppState>,
    DisplaySignedIn(display): DisplaySignedIn,
) -> Result<Json<Board>, ApiError> {
    let (day, tickets) = todays_tickets(&app, display.tenant).await?;
    Ok(Json(Board {
        day,
        calls: queue::calls_shown(&tickets, CALLS_SHOWN),
        waits: queue::wait_estimates(catalog_of(&app, display.tenant), &tickets),
    }))
}

/// `GET /api/queue/wait`: the wait at each 窓口 now, which the kiosk shows before a number
/// is taken. An enrolled kiosk or signed-in staff.
pub async fn wait(
    State(app): State<AppState>,
    caller: Caller,
) -> Result<Json<Vec<WaitEstimate>>, ApiError> {
    let (_, tickets) = todays_tickets(&app, caller.tenant()).await?;
    Ok(Json(queue::wait_estimates(
        catalog_of(&app, caller.tenant()),
        &tickets,
    )))
}

/// Body of `POST /api/queue/blocks`.
#[derive(Debug, serde::Deserialize)]
pub struct Reserve {
    /// How many numbers (1 to [`crate::store::MAX_BLOCK`]).
    count: u32,
}

/// `POST /api/queue/blocks`: reserves the day's next `count` reception numbers for the
/// calling kiosk to give while offline; counters never give them. Enrolled kiosks only
/// (staff: 403). Audited.
pub async fn reserve_block(
    State(app): State<AppState>,
    caller: Caller,
    Terminal(terminal): Terminal,
    Json(body): Json<Reserve>,
) -> Result<Json<NumberBlock>, ApiError> {
    let Caller::Kiosk(kiosk) = caller else {
        return Err(ApiError::Forbidden);
    };
    if body.count == 0 || body.count > crate::store::MAX_BLOCK {
        return Err(ApiError::BadRequest(format!(
            "a block holds 1 to {} numbers",
            crate::store::MAX_BLOCK
        )));
    }
    let now = now_ms();
    let day = tokyo_day(now).to_string();
    let store = app.store.clone();
    let block = tokio::task::spawn_blocking(move || {
        let block = store.reserve_block(kiosk.tenant, &day, &kiosk.id, body.count, now)?;
        store.audit_at(
            kiosk.tenant,
            now,
            &crate::store::kiosk_grantee(&kiosk.id),
            &terminal,
            "numbers_reserved",
            &format!("{} {}–{}", block.day, block.first, block.last),
        )?;
        Ok::<_, crate::store::StoreError>(block)
    })
    .await
    .map_err(|_| ApiError::Task)??;
    Ok(Json(block))
}
