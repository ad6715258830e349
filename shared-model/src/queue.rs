//! 受付・呼出: the rules of the waiting queue, with no IO.
//!
//! Every registered visit holds one [`Ticket`] per stop it waits at: a [`Stop`] is a 課 and
//! its 窓口番号. A visit waits, under its one 受付番号 of the day, at the 窓口 of the first
//! procedure it still needs at the 課 that handles it ([`stop_at`]); a visit without
//! procedures waits at the 課's first 窓口 ([`first_counter`]). Handled at one 窓口 with a
//! procedure still open at another of the same 課, it goes on to wait there; handed on to
//! another 課, it joins that 課's queue — always with the same number ([`placement`]).
//!
//! A ticket is waiting, then called (a counter called its number; calling again is a
//! recall), then done (handled: finished at the counter, handed on, or the counter called
//! the next number) or absent (不在: called, nobody came; it can be called again by its
//! number). The order of a queue is the time a visit joined it, then its number
//! ([`waiting_order`]); the next to call is the first of that order ([`next_to_call`]).
//!
//! The wait is estimated per 窓口 from today's handling times ([`wait_estimate`]): the
//! **median** of today's called→done durations at that 窓口 times the people waiting there
//! (the median, not the mean, so one long case does not make everyone's wait look long).
//!
//! The numbers and 窓口番号 are everything the queue knows of a person: no name is ever part
//! of it, so a waiting-room display can show all of it.

use serde::{Deserialize, Serialize};

use crate::catalog::{Catalog, Department};
use crate::navi::Procedure;

/// A 窓口: a 課 and its 窓口番号.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Stop {
    /// The 課.
    pub department: Department,
    /// 窓口番号 (as on the sign above the counter).
    pub counter: u8,
}

impl Stop {
    /// The 窓口 of a 課 with this number.
    pub fn new(department: Department, counter: u8) -> Self {
        Stop {
            department,
            counter,
        }
    }
}

/// Where a ticket is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketState {
    /// Waiting to be called.
    Waiting,
    /// Called (and not yet handled, nor marked absent).
    Called,
    /// Handled (finished, handed on, or followed by the next call at its counter).
    Done,
    /// 不在: called, and nobody came.
    Absent,
}

impl TicketState {
    /// The stable name (`waiting`, `called`, `done`, `absent`).
    pub fn as_str(self) -> &'static str {
        match self {
            TicketState::Waiting => "waiting",
            TicketState::Called => "called",
            TicketState::Done => "done",
            TicketState::Absent => "absent",
        }
    }
}

/// One visit waiting (or having waited) at one 窓口.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// 受付番号 of the day (the visit's, the same at every 窓口).
    pub number: u32,
    /// The visit document's id.
    pub visit_id: String,
    /// Where it waits.
    pub stop: Stop,
    /// When it joined this queue, ms since the epoch (a number taken offline at a kiosk:
    /// when it was taken).
    pub joined_at: i64,
    /// When it was last called (a recall included), ms since the epoch.
    pub called_at: Option<i64>,
    /// When it was first called, ms since the epoch: the handling time starts here.
    pub first_called_at: Option<i64>,
    /// When it was handled, ms since the epoch.
    pub done_at: Option<i64>,
    /// Whether it was marked 不在 (absent) after its last call.
    pub absent: bool,
    /// The day's sequence of its last call (a recall gets a new one), so a display knows a
    /// call it has not announced yet.
    pub call_seq: Option<i64>,
}

impl Ticket {
    /// Where the ticket is in its life.
    pub fn state(&self) -> TicketState {
        if self.done_at.is_some() {
            TicketState::Done
        } else if self.absent {
            TicketState::Absent
        } else if self.called_at.is_some() {
            TicketState::Called
        } else {
            TicketState::Waiting
        }
    }

    /// How long it was handled (first call → done), in ms; `None` unless it was called and
    /// is done.
    pub fn handling_ms(&self) -> Option<i64> {
        match (self.first_called_at, self.done_at) {
            (Some(called), Some(done)) if done >= called => Some(done - called),
            _ => None,
        }
    }
}

/// Every 窓口 the catalog's forms are handled at, by 課 (in [`Department::ALL`] order) then
/// 窓口番号.
pub fn counters(catalog: &Catalog) -> Vec<Stop> {
    let mut stops: Vec<Stop> = catalog
        .forms
        .iter()
        .map(|f| Stop::new(f.department, f.counter))
        .collect();
    stops.sort_by_key(|s| {
        (
            Department::ALL.iter().position(|d| *d == s.department),
            s.counter,
        )
    });
    stops.dedup();
    stops
}

/// A 課's first 窓口: the lowest 窓口番号 among its forms (1 for a 課 the catalog has no form
/// of).
pub fn first_counter(catalog: &Catalog, department: Department) -> u8 {
    catalog
        .forms
        .iter()
        .filter(|f| f.department == department)
        .map(|f| f.counter)
        .min()
        .unwrap_or(1)
}

/// Where a visit wants to wait at the 課 that handles it: the 窓口 of its procedures still
/// open there, in plan order, and where it waits when none is (or none is left to visit).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wanted {
    /// The 課.
    pub department: Department,
    /// 窓口番号 of its open procedures (a form not yet settled) at this 課, in plan order,
    /// each once.
    pub open: Vec<u8>,
    /// The 窓口 of its first procedure at this 課, else the 課's first 窓口.
    pub fallback: u8,
}

impl Wanted {
    /// Where it waits before it was handled anywhere at this 課.
    pub fn first(&self) -> Stop {
        Stop::new(
            self.department,
            self.open.first().copied().unwrap_or(self.fallback),
        )
    }
}

/// Where a visit handled at `department` wants to wait, from its procedures (`plan`, e.g.
/// [`crate::navi::Navi::chosen_plan`]) and those still open (`open`, in plan order).
pub fn stop_at(
    catalog: &Catalog,
    department: Department,
    plan: &[Procedure],
    open: &[Procedure],
) -> Wanted {
    let mut counters: Vec<u8> = Vec::new();
    for p in open.iter().filter(|p| p.department == department) {
        if !counters.contains(&p.counter) {
            counters.push(p.counter);
        }
    }
    let fallback = plan
        .iter()
        .find(|p| p.department == department)
        .map(|p| p.counter)
        .unwrap_or_else(|| first_counter(catalog, department));
    Wanted {
        department,
        open: counters,
        fallback,
    }
}

/// Where a visit in `state` handled at `department` waits: [`stop_at`], or nowhere once it
/// is completed or cancelled (it leaves the queue: its open ticket is done).
pub fn wanted_stop(
    catalog: &Catalog,
    department: Department,
    plan: &[Procedure],
    open: &[Procedure],
    state: crate::VisitState,
) -> Option<Wanted> {
    match state {
        crate::VisitState::Completed | crate::VisitState::Cancelled => None,
        _ => Some(stop_at(catalog, department, plan, open)),
    }
}

/// The tickets waiting at a 窓口, first to call first: by the time they joined, then by
/// number.
pub fn waiting_order(tickets: &[Ticket], stop: Stop) -> Vec<&Ticket> {
    let mut waiting: Vec<&Ticket> = tickets
        .iter()
        .filter(|t| t.stop == stop && t.state() == TicketState::Waiting)
        .collect();
    waiting.sort_by_key(|t| (t.joined_at, t.number));
    waiting
}

/// The ticket a counter at `stop` calls when it calls the next number.
pub fn next_to_call(tickets: &[Ticket], stop: Stop) -> Option<&Ticket> {
    waiting_order(tickets, stop).into_iter().next()
}

/// The median of durations (ms); the mean of the two middle ones for an even count. `None`
/// for none.
pub fn median_ms(durations: &[i64]) -> Option<i64> {
    let mut sorted = durations.to_vec();
    sorted.sort_unstable();
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

/// The estimated wait at one 窓口.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitEstimate {
    /// The 窓口.
    pub stop: Stop,
    /// People waiting there now (called and absent ones not counted).
    pub waiting: u32,
    /// Median of today's handling times there (first call → done), ms; `None` before the
    /// first visit was handled there today.
    pub median_ms: Option<i64>,
    /// Estimated wait for someone joining now, in whole minutes rounded up: the median
    /// handling time × the people waiting. `None` without a handling time today (nothing
    /// to estimate from), `Some(0)` when nobody waits.
    pub minutes: Option<u32>,
}

/// The estimated wait at `stop` from the day's tickets (see the module's docs: the median of
/// today's called→done durations at that 窓口 × the people waiting there).
pub fn wait_estimate(tickets: &[Ticket], stop: Stop) -> WaitEstimate {
    let waiting = waiting_order(tickets, stop).len() as u32;
    let durations: Vec<i64> = tickets
        .iter()
        .filter(|t| t.stop == stop)
        .filter_map(Ticket::handling_ms)
        .collect();
    let median = median_ms(&durations);
    let minutes = if waiting == 0 {
        Some(0)
    } else {
        median.map(|m| {
            let total = m.saturating_mul(i64::from(waiting));
            u32::try_from((total + 59_999) / 60_000).unwrap_or(u32::MAX)
        })
    };
    WaitEstimate {
        stop,
        waiting,
        median_ms: median,
        minutes,
    }
}

/// The wait at every 窓口 of the catalog and every other 窓口 a ticket waits at today, in
/// [`counters`] order.
pub fn wait_estimates(catalog: &Catalog, tickets: &[Ticket]) -> Vec<WaitEstimate> {
    let mut stops = counters(catalog);
    for t in tickets {
        if !stops.contains(&t.stop) {
            stops.push(t.stop);
        }
    }
    stops.iter().map(|s| wait_estimate(tickets, *s)).collect()
}

/// What to do with a visit's tickets when it should wait as `wanted` says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Nothing: it already waits there, is being served, or has no 窓口 left to go to at
    /// this 課.
    Stay,
    /// Its ticket at this 課, still waiting, moves to this 窓口 (the one its procedures now
    /// need first; its place in the order is kept: the time it joined).
    MoveCounter(Stop),
    /// It joins this 窓口's queue with its number: at registration, handed on (its open
    /// ticket at the other 課, if any, is then done), or handled at one 窓口 of its 課 with a
    /// procedure still open at another it has not been to.
    Join(Stop),
}

/// Where a visit goes, from its tickets of the day (any order) and `wanted`. At a new 課 (or
/// at registration) it waits at [`Wanted::first`]; at the same 課, at the first 窓口 of its
/// open procedures it has not been handled at yet — so it goes through them in plan order —
/// else where its procedures first put it. A visit comes back to a 課 it left
/// (「取り戻す」, or handed back) as a hand-on too.
pub fn placement(visit_tickets: &[Ticket], wanted: &Wanted) -> Placement {
    let latest = visit_tickets.iter().max_by_key(|t| t.joined_at);
    let Some(latest) = latest else {
        return Placement::Join(wanted.first());
    };
    if latest.stop.department != wanted.department {
        return Placement::Join(wanted.first());
    }
    let handled: Vec<u8> = visit_tickets
        .iter()
        .filter(|t| t.stop.department == wanted.department && t.handling_ms().is_some())
        .map(|t| t.stop.counter)
        .collect();
    let next = wanted
        .open
        .iter()
        .copied()
        .find(|c| !handled.contains(c))
        .map(|c| Stop::new(wanted.department, c));
    match latest.state() {
        TicketState::Waiting => {
            let to = next.unwrap_or(Stop::new(wanted.department, wanted.fallback));
            if to == latest.stop {
                Placement::Stay
            } else {
                Placement::MoveCounter(to)
            }
        }
        TicketState::Done => match next {
            Some(to) if to != latest.stop => Placement::Join(to),
            _ => Placement::Stay,
        },
        TicketState::Called | TicketState::Absent => Placement::Stay,
    }
}

/// A call as a waiting-room display shows it: the number and where to go.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallShown {
    /// 受付番号.
    pub number: u32,
    /// The 窓口 to go to.
    pub stop: Stop,
    /// The day's sequence of this call (a recall has a new one).
    pub seq: i64,
    /// When it was called, ms since the epoch.
    pub at: i64,
}

/// The calls to show: tickets called and not yet handled, the latest call first, at most
/// `limit`.
pub fn calls_shown(tickets: &[Ticket], limit: usize) -> Vec<CallShown> {
    let mut calls: Vec<CallShown> = tickets
        .iter()
        .filter(|t| t.state() == TicketState::Called)
        .filter_map(|t| {
            Some(CallShown {
                number: t.number,
                stop: t.stop,
                seq: t.call_seq?,
                at: t.called_at?,
            })
        })
        .collect();
    calls.sort_by_key(|c| std::cmp::Reverse(c.seq));
    calls.truncate(limit);
    calls
}

/// What a waiting-room display shows (`GET /api/queue/display`): numbers and 窓口 only.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Board {
    /// The day (Asia/Tokyo), YYYY-MM-DD.
    pub day: String,
    /// The numbers being called, the latest first.
    pub calls: Vec<CallShown>,
    /// The wait at each 窓口.
    pub waits: Vec<WaitEstimate>,
}

/// One ticket as a counter's queue panel lists it (`GET /api/queue`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketView {
    /// The ticket.
    #[serde(flatten)]
    pub ticket: Ticket,
    /// Where it is in its life.
    pub state: TicketState,
}

/// A 課's queue as its counters see it (`GET /api/queue?department=`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentQueue {
    /// The 課.
    pub department: Department,
    /// Its tickets waiting, called or absent: waiting ones in calling order first (per
    /// 窓口 as [`waiting_order`]), then called, then absent.
    pub tickets: Vec<TicketView>,
    /// The wait at each of its 窓口.
    pub waits: Vec<WaitEstimate>,
}

/// A 課's queue from the day's tickets.
pub fn department_queue(
    catalog: &Catalog,
    tickets: &[Ticket],
    department: Department,
) -> DepartmentQueue {
    let waits: Vec<WaitEstimate> = wait_estimates(catalog, tickets)
        .into_iter()
        .filter(|w| w.stop.department == department)
        .collect();
    let mut listed: Vec<TicketView> = Vec::new();
    let view = |t: &Ticket| TicketView {
        ticket: t.clone(),
        state: t.state(),
    };
    let mut waiting: Vec<&Ticket> = waits
        .iter()
        .flat_map(|w| waiting_order(tickets, w.stop))
        .collect();
    waiting.sort_by_key(|t| (t.joined_at, t.number));
    listed.extend(waiting.into_iter().map(view));
    for state in [TicketState::Called, TicketState::Absent] {
        let mut these: Vec<&Ticket> = tickets
            .iter()
            .filter(|t| t.stop.department == department && t.state() == state)
            .collect();
        these.sort_by_key(|t| std::cmp::Reverse(t.called_at));
        listed.extend(these.into_iter().map(view));
    }
    DepartmentQueue {
        department,
        tickets: listed,
        waits,
    }
}

/// A block of reception numbers the server reserved for one kiosk on one day, which it gives
/// out while offline (`POST /api/queue/blocks`): `first..=last`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NumberBlock {
    /// The day (Asia/Tokyo), YYYY-MM-DD.
    pub day: String,
    /// The first number of the block.
    pub first: u32,
    /// The last number of the block.
    pub last: u32,
}

impl NumberBlock {
    /// Whether the block holds `number`.
    pub fn holds(&self, number: u32) -> bool {
        (self.first..=self.last).contains(&number)
    }
}

/// The day's next reception number given at the server: one past both the highest number
/// given and the highest number reserved in a kiosk's block, so a number a kiosk may give
/// offline is never given again.
pub fn next_number(highest_given: Option<u32>, blocks: &[NumberBlock]) -> u32 {
    let reserved = blocks.iter().map(|b| b.last).max();
    highest_given.max(reserved).unwrap_or(0) + 1
}

#[cfg(test)]
mod tests;
