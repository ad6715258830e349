//! The queue of the day (受付・呼出): one ticket per visit and 窓口 it waits at, the blocks of
//! reception numbers reserved for kiosks to give offline, and the waiting-room displays'
//! device tokens. The rules (order, next to call, estimates, placement) are
//! [`shared_model::queue`]'s; here they are applied in one write transaction each, so two
//! counters calling at once never call the same number.
//!
//! The queue holds numbers, 窓口 and times only: no name, nothing of a person.

use shared_model::DocumentId;
use shared_model::catalog::Department;
use shared_model::queue::{self, NumberBlock, Placement, Stop, Ticket, TicketState, Wanted};

use shared_model::tenant::LocalGovernmentCode;

use super::access::tenant_column;
use super::sql::{Conn, Row, params};
use super::{Store, StoreError};

pub(super) const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS queue_tickets (
    id              INTEGER PRIMARY KEY,
    tenant          TEXT    NOT NULL DEFAULT '',
    day             TEXT    NOT NULL,
    visit_id        TEXT    NOT NULL,
    number          INTEGER NOT NULL,
    department      TEXT    NOT NULL,
    counter         INTEGER NOT NULL,
    joined_at       INTEGER NOT NULL,
    called_at       INTEGER,
    first_called_at INTEGER,
    done_at         INTEGER,
    absent          INTEGER NOT NULL DEFAULT 0,
    call_seq        INTEGER
);
DROP INDEX IF EXISTS queue_tickets_day;
CREATE INDEX IF NOT EXISTS queue_tickets_city_day ON queue_tickets (tenant, day);
CREATE INDEX IF NOT EXISTS queue_tickets_visit ON queue_tickets (visit_id);
CREATE TABLE IF NOT EXISTS displays (
    id          TEXT    PRIMARY KEY,
    tenant      TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL,
    token_hash  TEXT    NOT NULL UNIQUE,
    created_at  INTEGER NOT NULL,
    revoked     INTEGER NOT NULL DEFAULT 0
);
";

/// The blocks of numbers reserved for kiosks (also made anew from an older table, see
/// `Store::open`).
pub(super) const NUMBER_BLOCKS: &str = "
CREATE TABLE IF NOT EXISTS number_blocks (
    tenant      TEXT    NOT NULL DEFAULT '',
    day         TEXT    NOT NULL,
    first       INTEGER NOT NULL,
    last        INTEGER NOT NULL,
    kiosk_id    TEXT    NOT NULL,
    reserved_at INTEGER NOT NULL,
    PRIMARY KEY (tenant, day, first)
);
";

/// The most numbers one block may reserve.
pub const MAX_BLOCK: u32 = 200;

/// A waiting-room display (a TV in the hall: a device, not a person).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DisplayRecord {
    /// Its id.
    pub id: String,
    /// Where it hangs (「1階 待合」).
    pub name: String,
    /// The city whose hall it hangs in: it shows that city's queue only.
    pub tenant: LocalGovernmentCode,
}

/// A display as the administrators' list shows it (`GET /api/displays`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DisplayListing {
    /// The display.
    #[serde(flatten)]
    pub display: DisplayRecord,
    /// Whether it was taken out of service.
    pub revoked: bool,
    /// When it was added (or last given a new token), ms since the epoch.
    pub created_at: i64,
}

/// Why a visit could not be registered (under a number a kiosk gave offline, or at all).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum RegisterRefusal {
    /// The document is another city's (registered or claimed there): never this city's to
    /// number, nor to learn anything of.
    #[error("no such visit")]
    OtherCity,
    /// The number is not in a block reserved for this kiosk on that day.
    #[error("reception number {0} is not in a block reserved for this kiosk on that day")]
    NotReserved(u32),
    /// Another visit already has the number that day.
    #[error("reception number {0} is already another visit's")]
    Taken(u32),
}

const TICKET_COLUMNS: &str = "number, visit_id, department, counter, joined_at, called_at,
    first_called_at, done_at, absent, call_seq, id";

fn ticket_of(r: &Row<'_>) -> Result<(Ticket, i64), StoreError> {
    let department: String = r.get(2)?;
    Ok((
        Ticket {
            number: r.get(0)?,
            visit_id: r.get(1)?,
            stop: Stop::new(
                Department::from_name(&department).unwrap_or(Department::Shimin),
                r.get(3)?,
            ),
            joined_at: r.get(4)?,
            called_at: r.get(5)?,
            first_called_at: r.get(6)?,
            done_at: r.get(7)?,
            absent: r.get(8)?,
            call_seq: r.get(9)?,
        },
        r.get(10)?,
    ))
}

/// A visit's tickets (a visit is of one city).
fn tickets_of_visit(c: &Conn<'_>, visit_id: &str) -> Result<Vec<(Ticket, i64)>, StoreError> {
    c.query_map(
        &format!("SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE visit_id = ?1 ORDER BY id"),
        params![visit_id],
        ticket_of,
    )
}

/// A city's tickets of a day.
fn tickets_of_day(
    c: &Conn<'_>,
    tenant: LocalGovernmentCode,
    day: &str,
) -> Result<Vec<(Ticket, i64)>, StoreError> {
    c.query_map(
        &format!(
            "SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE tenant = ?1 AND day = ?2 ORDER BY id"
        ),
        params![tenant.as_str(), day],
        ticket_of,
    )
}

/// The city's next call sequence number (its displays order calls by it; no city learns
/// how many calls another made).
fn next_seq(c: &Conn<'_>, tenant: LocalGovernmentCode) -> Result<i64, StoreError> {
    c.query_row(
        "SELECT COALESCE(MAX(call_seq), 0) + 1 FROM queue_tickets WHERE tenant = ?1",
        params![tenant.as_str()],
        |r| r.get(0),
    )
}

fn blocks_of(
    c: &Conn<'_>,
    tenant: LocalGovernmentCode,
    day: &str,
) -> Result<Vec<NumberBlock>, StoreError> {
    c.query_map(
        "SELECT day, first, last FROM number_blocks WHERE tenant = ?1 AND day = ?2",
        params![tenant.as_str(), day],
        |r| {
            Ok(NumberBlock {
                day: r.get(0)?,
                first: r.get(1)?,
                last: r.get(2)?,
            })
        },
    )
}

/// A city's next reception number of the day at the server: past every number it gave and
/// every block it reserved ([`queue::next_number`]).
pub(super) fn next_number(
    c: &Conn<'_>,
    tenant: LocalGovernmentCode,
    day: &str,
) -> Result<u32, StoreError> {
    let highest: Option<u32> = c.query_row(
        "SELECT MAX(reception_number) FROM visits WHERE tenant = ?1 AND day = ?2",
        params![tenant.as_str(), day],
        |r| r.get(0),
    )?;
    Ok(queue::next_number(highest, &blocks_of(c, tenant, day)?))
}

fn ticket_by_id(c: &Conn<'_>, id: i64) -> Result<Ticket, StoreError> {
    Ok(c.query_row(
        &format!("SELECT {TICKET_COLUMNS} FROM queue_tickets WHERE id = ?1"),
        params![id],
        ticket_of,
    )?
    .0)
}

impl Store {
    /// A city's tickets of the day (every state), in the order they were made.
    pub fn queue_tickets(
        &self,
        tenant: LocalGovernmentCode,
        day: &str,
    ) -> Result<Vec<Ticket>, StoreError> {
        Ok(self
            .read(|c| tickets_of_day(c, tenant, day))?
            .into_iter()
            .map(|(t, _)| t)
            .collect())
    }

    /// Places a registered visit in the queue of `wanted` ([`queue::placement`]): it joins
    /// (at `joined_at`) if it has no ticket yet, was handed on from another 課 (whose open
    /// ticket is then done at `now_ms`) or goes on to another 窓口 of its 課, or its waiting
    /// ticket moves to the 窓口 its procedures now need. Returns what was done; `None` for a
    /// visit not registered.
    pub fn queue_place(
        &self,
        doc_id: &DocumentId,
        wanted: &Wanted,
        joined_at: i64,
        now_ms: i64,
    ) -> Result<Option<Placement>, StoreError> {
        let id = doc_id.to_string();
        self.write(|c| {
            let registered: Option<(String, u32, String)> = c.query_opt(
                "SELECT day, reception_number, tenant FROM visits WHERE doc_id = ?1",
                params![id],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )?;
            let Some((day, number, tenant)) = registered else {
                return Ok(None);
            };
            let mine = tickets_of_visit(c, &id)?;
            let tickets: Vec<Ticket> = mine.iter().map(|(t, _)| t.clone()).collect();
            let placement = queue::placement(&tickets, wanted);
            match placement {
                Placement::Stay => {}
                Placement::MoveCounter(stop) => {
                    c.execute(
                        "UPDATE queue_tickets SET counter = ?1
                         WHERE visit_id = ?2 AND department = ?3 AND called_at IS NULL
                           AND done_at IS NULL",
                        params![stop.counter, id, stop.department.as_str()],
                    )?;
                }
                Placement::Join(stop) => {
                    c.execute(
                        "UPDATE queue_tickets SET done_at = ?1
                         WHERE visit_id = ?2 AND done_at IS NULL",
                        params![now_ms, id],
                    )?;
                    c.execute(
                        "INSERT INTO queue_tickets
                             (day, visit_id, number, department, counter, joined_at, tenant)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                        params![
                            day,
                            id,
                            number,
                            stop.department.as_str(),
                            stop.counter,
                            joined_at,
                            tenant
                        ],
                    )?;
                }
            }
            Ok(Some(placement))
        })
    }

    /// A visit completed or cancelled leaves the queue: its open tickets are done at
    /// `now_ms`. Returns how many were.
    pub fn queue_leave(&self, doc_id: &DocumentId, now_ms: i64) -> Result<usize, StoreError> {
        self.write(|c| {
            c.execute(
                "UPDATE queue_tickets SET done_at = ?1 WHERE visit_id = ?2 AND done_at IS NULL",
                params![now_ms, doc_id.to_string()],
            )
        })
    }

    /// A counter of the city `tenant` at `stop` calls: the ticket it was serving (called
    /// there) is done, and the ticket with `number` at its 課 (waiting or absent, at any of
    /// its 窓口: it is called to this one) or else the next in line at `stop` is called.
    /// `None` when nobody is to be called (the ticket served stays as it was).
    pub fn queue_call(
        &self,
        tenant: LocalGovernmentCode,
        day: &str,
        stop: Stop,
        number: Option<u32>,
        now_ms: i64,
    ) -> Result<Option<Called>, StoreError> {
        self.write(|c| {
            let all = tickets_of_day(c, tenant, day)?;
            let tickets: Vec<Ticket> = all.iter().map(|(t, _)| t.clone()).collect();
            let chosen = match number {
                Some(n) => all.iter().find(|(t, _)| {
                    t.number == n
                        && t.stop.department == stop.department
                        && matches!(t.state(), TicketState::Waiting | TicketState::Absent)
                }),
                None => queue::next_to_call(&tickets, stop)
                    .and_then(|next| all.iter().find(|(t, _)| t == next)),
            };
            let Some((_, row)) = chosen else {
                return Ok(None);
            };
            let finished: Vec<String> = all
                .iter()
                .filter(|(t, r)| t.stop == stop && t.state() == TicketState::Called && r != row)
                .map(|(t, _)| t.visit_id.clone())
                .collect();
            c.execute(
                "UPDATE queue_tickets SET done_at = ?1
                 WHERE tenant = ?6 AND day = ?2 AND department = ?3 AND counter = ?4 AND id <> ?5
                   AND called_at IS NOT NULL AND done_at IS NULL AND absent = 0",
                params![
                    now_ms,
                    day,
                    stop.department.as_str(),
                    stop.counter,
                    row,
                    tenant.as_str()
                ],
            )?;
            let seq = next_seq(c, tenant)?;
            c.execute(
                "UPDATE queue_tickets SET counter = ?1, called_at = ?2,
                     first_called_at = COALESCE(first_called_at, ?2), absent = 0, call_seq = ?3
                 WHERE id = ?4",
                params![stop.counter, now_ms, seq, row],
            )?;
            Ok(Some(Called {
                ticket: ticket_by_id(c, *row)?,
                finished,
            }))
        })
    }

    /// What a counter of the city `tenant` at `stop` does to the ticket it is serving
    /// (called there, not yet done): `Recall` calls it again (a new call for the displays),
    /// `Absent` marks it 不在, `Done` marks it handled. `None` when the counter serves nobody.
    pub fn queue_serving(
        &self,
        tenant: LocalGovernmentCode,
        day: &str,
        stop: Stop,
        action: ServingAction,
        now_ms: i64,
    ) -> Result<Option<Ticket>, StoreError> {
        self.write(|c| {
            let serving: Option<i64> = c.query_opt(
                "SELECT id FROM queue_tickets
                 WHERE tenant = ?4 AND day = ?1 AND department = ?2 AND counter = ?3
                   AND called_at IS NOT NULL AND done_at IS NULL AND absent = 0
                 ORDER BY call_seq DESC LIMIT 1",
                params![day, stop.department.as_str(), stop.counter, tenant.as_str()],
                |r| r.get(0),
            )?;
            let Some(row) = serving else {
                return Ok(None);
            };
            match action {
                ServingAction::Recall => {
                    let seq = next_seq(c, tenant)?;
                    c.execute(
                        "UPDATE queue_tickets SET called_at = ?1, call_seq = ?2 WHERE id = ?3",
                        params![now_ms, seq, row],
                    )?;
                }
                ServingAction::Absent => {
                    c.execute(
                        "UPDATE queue_tickets SET absent = 1 WHERE id = ?1",
                        params![row],
                    )?;
                }
                ServingAction::Done => {
                    c.execute(
                        "UPDATE queue_tickets SET done_at = ?1 WHERE id = ?2",
                        params![now_ms, row],
                    )?;
                }
            }
            Ok(Some(ticket_by_id(c, row)?))
        })
    }

    /// Reserves the city's next `count` reception numbers of the day (1..=[`MAX_BLOCK`]) for
    /// one of its kiosks to give while offline; the counters' numbering skips them from then
    /// on.
    pub fn reserve_block(
        &self,
        tenant: LocalGovernmentCode,
        day: &str,
        kiosk_id: &str,
        count: u32,
        now_ms: i64,
    ) -> Result<NumberBlock, StoreError> {
        let count = count.clamp(1, MAX_BLOCK);
        self.write(|c| {
            let first = next_number(c, tenant, day)?;
            let last = first + count - 1;
            c.execute(
                "INSERT INTO number_blocks (day, first, last, kiosk_id, reserved_at, tenant)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![day, first, last, kiosk_id, now_ms, tenant.as_str()],
            )?;
            Ok(NumberBlock {
                day: day.to_owned(),
                first,
                last,
            })
        })
    }

    /// Registers a visit under a number `kiosk` gave offline from its reserved block, taken
    /// at `taken_at` (its time of reception), in the kiosk's city. Registering the same
    /// visit again returns its record; the number must be in a block of this kiosk on that
    /// day and no other visit's of the city.
    pub fn register_reserved_visit(
        &self,
        doc_id: &DocumentId,
        kiosk: &super::KioskRecord,
        day: &str,
        number: u32,
        taken_at: i64,
        grants: &[super::Grant],
    ) -> Result<Result<super::VisitRecord, RegisterRefusal>, StoreError> {
        let id = doc_id.to_string();
        let (tenant, kiosk_id) = (kiosk.tenant, kiosk.id.as_str());
        self.write(|c| {
            match super::visits::registered_in(c, &id, tenant)? {
                Err(refusal) => return Ok(Err(refusal)),
                Ok(Some(record)) => return Ok(Ok(record)),
                Ok(None) => {}
            }
            let reserved = c.exists(
                "SELECT 1 FROM number_blocks WHERE tenant = ?4 AND day = ?1 AND kiosk_id = ?2
                   AND first <= ?3 AND last >= ?3",
                params![day, kiosk_id, number, tenant.as_str()],
            )?;
            if !reserved {
                return Ok(Err(RegisterRefusal::NotReserved(number)));
            }
            let taken = c.exists(
                "SELECT 1 FROM visits WHERE tenant = ?3 AND day = ?1 AND reception_number = ?2",
                params![day, number, tenant.as_str()],
            )?;
            if taken {
                return Ok(Err(RegisterRefusal::Taken(number)));
            }
            super::visits::insert_visit(c, &id, tenant, day, number, taken_at, grants)?;
            Ok(Ok(super::VisitRecord {
                visit_id: id.clone(),
                reception_number: number,
                day: day.to_owned(),
                created_at: taken_at,
            }))
        })
    }

    /// Adds a waiting-room display under the hash of its device token (or gives one of the
    /// same city a new token). Whether it was saved: `false` when the id is another city's
    /// display, which is left as it was.
    pub fn put_display(
        &self,
        display: &DisplayRecord,
        token_hash: &str,
        now_ms: i64,
    ) -> Result<bool, StoreError> {
        let saved = self.write(|c| {
            c.execute(
                "INSERT INTO displays (id, name, token_hash, created_at, tenant)
                 VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (id) DO UPDATE SET name = ?2, token_hash = ?3, revoked = 0
                 WHERE displays.tenant = ?5",
                params![
                    display.id,
                    display.name,
                    token_hash,
                    now_ms,
                    display.tenant.as_str()
                ],
            )
        })?;
        Ok(saved > 0)
    }

    /// The display holding the token with this hash: `Ok(Some)` for one in service,
    /// `Err(id)` for a revoked one, `Ok(None)` for a token the server never issued.
    pub fn display(
        &self,
        token_hash: &str,
    ) -> Result<Result<Option<DisplayRecord>, String>, StoreError> {
        let found = self.read(|c| {
            c.query_opt(
                "SELECT id, name, revoked, tenant FROM displays WHERE token_hash = ?1",
                params![token_hash],
                |r| {
                    Ok((
                        DisplayRecord {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            tenant: tenant_column(r.get(3)?, 3)?,
                        },
                        r.get::<bool>(2)?,
                    ))
                },
            )
        })?;
        Ok(match found {
            Some((display, true)) => Err(display.id),
            Some((display, false)) => Ok(Some(display)),
            None => Ok(None),
        })
    }

    /// Every display of the city `tenant`, with whether it was revoked, by id.
    pub fn displays(&self, tenant: LocalGovernmentCode) -> Result<Vec<DisplayListing>, StoreError> {
        self.read(|c| {
            c.query_map(
                "SELECT id, name, revoked, created_at, tenant FROM displays WHERE tenant = ?1
                 ORDER BY id",
                params![tenant.as_str()],
                |r| {
                    Ok(DisplayListing {
                        display: DisplayRecord {
                            id: r.get(0)?,
                            name: r.get(1)?,
                            tenant: tenant_column(r.get(4)?, 4)?,
                        },
                        revoked: r.get(2)?,
                        created_at: r.get(3)?,
                    })
                },
            )
        })
    }

    /// Revokes a display of the city `tenant`: its token opens nothing from then on.
    /// Whether the city had one with this id.
    pub fn revoke_display(
        &self,
        tenant: LocalGovernmentCode,
        id: &str,
    ) -> Result<bool, StoreError> {
        Ok(self.write(|c| {
            c.execute(
                "UPDATE displays SET revoked = 1 WHERE id = ?1 AND tenant = ?2",
                params![id, tenant.as_str()],
            )
        })? > 0)
    }
}

/// What [`Store::queue_call`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Called {
    /// The ticket called.
    pub ticket: Ticket,
    /// The visits whose ticket at that 窓口 the call finished (the one it was serving).
    pub finished: Vec<String>,
}

/// What a counter does to the ticket it serves ([`Store::queue_serving`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServingAction {
    /// Call it again.
    Recall,
    /// 不在: nobody came.
    Absent,
    /// Handled.
    Done,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_model::tenant::TAKASAKI;

    const DAY: &str = "2026-11-30";
    const SHIMIN_7: Stop = Stop {
        department: Department::Shimin,
        counter: 7,
    };
    const HOKEN_9: Stop = Stop {
        department: Department::HokenNenkin,
        counter: 9,
    };

    fn call(
        store: &Store,
        day: &str,
        stop: Stop,
        number: Option<u32>,
        now: i64,
    ) -> Result<Option<Ticket>, StoreError> {
        Ok(store
            .queue_call(TAKASAKI, day, stop, number, now)?
            .map(|c| c.ticket))
    }

    fn kiosk_of(tenant: LocalGovernmentCode, id: &str) -> crate::store::KioskRecord {
        crate::store::KioskRecord {
            id: id.into(),
            name: "1階".into(),
            tenant,
        }
    }

    fn at_(stop: Stop) -> Wanted {
        Wanted {
            department: stop.department,
            open: vec![stop.counter],
            fallback: stop.counter,
        }
    }

    fn registered(store: &Store, at: i64) -> (DocumentId, u32) {
        let id = DocumentId::random();
        let record = store
            .register_visit(&id, TAKASAKI, DAY, at, &[])
            .unwrap()
            .unwrap();
        store.queue_place(&id, &at_(SHIMIN_7), at, at).unwrap();
        (id, record.reception_number)
    }

    #[test]
    fn counters_call_in_order_and_never_the_same_number_twice() {
        let store = Store::scratch().unwrap();
        let (_, one) = registered(&store, 1);
        let (_, two) = registered(&store, 2);
        let first = call(&store, DAY, SHIMIN_7, None, 10).unwrap().unwrap();
        assert_eq!(first.number, one);
        // The same 窓口 calling again closes the first as handled.
        let second = call(&store, DAY, SHIMIN_7, None, 11).unwrap().unwrap();
        assert_eq!(second.number, two);
        assert_eq!(call(&store, DAY, SHIMIN_7, None, 12).unwrap(), None);
        let tickets = store.queue_tickets(TAKASAKI, DAY).unwrap();
        assert_eq!(tickets[0].state(), TicketState::Done);
        assert_eq!(tickets[0].handling_ms(), Some(1));
        assert_eq!(tickets[1].state(), TicketState::Called);
    }

    #[test]
    fn recall_absent_and_a_chosen_number() {
        let store = Store::scratch().unwrap();
        let (_, one) = registered(&store, 1);
        let (_, two) = registered(&store, 2);
        // Two is chosen before one.
        let called = call(&store, DAY, SHIMIN_7, Some(two), 10).unwrap().unwrap();
        assert_eq!(called.number, two);
        let recalled = store
            .queue_serving(TAKASAKI, DAY, SHIMIN_7, ServingAction::Recall, 20)
            .unwrap()
            .unwrap();
        assert!(recalled.call_seq > called.call_seq);
        assert_eq!(recalled.first_called_at, Some(10));
        let absent = store
            .queue_serving(TAKASAKI, DAY, SHIMIN_7, ServingAction::Absent, 30)
            .unwrap()
            .unwrap();
        assert_eq!(absent.state(), TicketState::Absent);
        // Nobody is served now.
        assert_eq!(
            store
                .queue_serving(TAKASAKI, DAY, SHIMIN_7, ServingAction::Done, 31)
                .unwrap(),
            None
        );
        // The absent one is called again by its number; then one by the next key.
        let again = call(&store, DAY, SHIMIN_7, Some(two), 40).unwrap().unwrap();
        assert_eq!(again.state(), TicketState::Called);
        let next = call(&store, DAY, SHIMIN_7, None, 50).unwrap().unwrap();
        assert_eq!(next.number, one);
        // A number not waiting at this 課 is not called.
        assert_eq!(call(&store, DAY, SHIMIN_7, Some(99), 60).unwrap(), None);
    }

    #[test]
    fn a_visit_handed_on_keeps_its_number_at_the_next_department() {
        let store = Store::scratch().unwrap();
        let (id, number) = registered(&store, 1);
        call(&store, DAY, SHIMIN_7, None, 10).unwrap().unwrap();
        assert_eq!(
            store.queue_place(&id, &at_(HOKEN_9), 20, 20).unwrap(),
            Some(Placement::Join(HOKEN_9))
        );
        // Settling the same document again changes nothing.
        assert_eq!(
            store.queue_place(&id, &at_(HOKEN_9), 21, 21).unwrap(),
            Some(Placement::Stay)
        );
        let tickets = store.queue_tickets(TAKASAKI, DAY).unwrap();
        assert_eq!(tickets.len(), 2);
        assert_eq!(tickets[0].handling_ms(), Some(10));
        assert_eq!(tickets[1].number, number);
        assert_eq!(tickets[1].stop, HOKEN_9);
        let called = call(&store, DAY, HOKEN_9, None, 30).unwrap().unwrap();
        assert_eq!(called.number, number);
        // Completed at 保険年金課, it leaves the queue.
        assert_eq!(store.queue_leave(&id, 40).unwrap(), 1);
        let tickets = store.queue_tickets(TAKASAKI, DAY).unwrap();
        assert_eq!(tickets[1].state(), TicketState::Done);
        assert_eq!(tickets[1].handling_ms(), Some(10));
        // An unregistered document has no place in the queue.
        assert_eq!(
            store
                .queue_place(&DocumentId::random(), &at_(HOKEN_9), 1, 1)
                .unwrap(),
            None
        );
    }

    #[test]
    fn handled_at_one_counter_the_visit_goes_on_to_the_next_of_its_department() {
        let store = Store::scratch().unwrap();
        let (id, number) = registered(&store, 1);
        let (other, _) = registered(&store, 2);
        let called = store
            .queue_call(TAKASAKI, DAY, SHIMIN_7, None, 10)
            .unwrap()
            .unwrap();
        assert_eq!(called.ticket.number, number);
        // The next call at 7 finishes the first visit there; with 印鑑登録 open at 5, it
        // goes on to wait at 5 under its number.
        let next = store
            .queue_call(TAKASAKI, DAY, SHIMIN_7, None, 20)
            .unwrap()
            .unwrap();
        assert_eq!(next.ticket.visit_id, other.to_string());
        assert_eq!(next.finished, [id.to_string()]);
        // Its procedures: 転入 at 7, 印鑑登録 at 5, both open.
        let wanted = Wanted {
            department: Department::Shimin,
            open: vec![7, 5],
            fallback: 7,
        };
        let at_5 = Stop::new(Department::Shimin, 5);
        assert_eq!(
            store.queue_place(&id, &wanted, 20, 20).unwrap(),
            Some(Placement::Join(at_5))
        );
        let called = call(&store, DAY, at_5, None, 30).unwrap().unwrap();
        assert_eq!(called.number, number);
    }

    #[test]
    fn reserved_blocks_are_skipped_by_the_counters_and_kept_for_their_kiosk() {
        let store = Store::scratch().unwrap();
        let (_, one) = registered(&store, 1);
        assert_eq!(one, 1);
        let block = store
            .reserve_block(TAKASAKI, DAY, "kiosk-1f", 5, 2)
            .unwrap();
        assert_eq!((block.first, block.last), (2, 6));
        let (_, next) = registered(&store, 3);
        assert_eq!(next, 7);
        let offline = DocumentId::random();
        let record = store
            .register_reserved_visit(&offline, &kiosk_of(TAKASAKI, "kiosk-1f"), DAY, 2, 1, &[])
            .unwrap()
            .unwrap();
        assert_eq!((record.reception_number, record.created_at), (2, 1));
        // Registered again (a retry after a lost answer): the same record.
        assert_eq!(
            store
                .register_reserved_visit(&offline, &kiosk_of(TAKASAKI, "kiosk-1f"), DAY, 2, 1, &[])
                .unwrap(),
            Ok(record)
        );
        // Another visit cannot take the same number, another kiosk not this block.
        assert_eq!(
            store
                .register_reserved_visit(
                    &DocumentId::random(),
                    &kiosk_of(TAKASAKI, "kiosk-1f"),
                    DAY,
                    2,
                    1,
                    &[]
                )
                .unwrap(),
            Err(RegisterRefusal::Taken(2))
        );
        assert_eq!(
            store
                .register_reserved_visit(
                    &DocumentId::random(),
                    &kiosk_of(TAKASAKI, "kiosk-2f"),
                    DAY,
                    3,
                    1,
                    &[]
                )
                .unwrap(),
            Err(RegisterRefusal::NotReserved(3))
        );
        assert_eq!(
            store
                .register_reserved_visit(
                    &DocumentId::random(),
                    &kiosk_of(TAKASAKI, "kiosk-1f"),
                    DAY,
                    7,
                    1,
                    &[]
                )
                .unwrap(),
            Err(RegisterRefusal::NotReserved(7))
        );
    }

    #[test]
    fn two_cities_queue_apart_on_one_day() {
        let store = Store::scratch().unwrap();
        let maebashi: LocalGovernmentCode = "102016".parse().unwrap();
        let (_, one) = registered(&store, 1);
        // Maebashi reserves a block and registers a visit: its own numbers from 1.
        let block = store.reserve_block(maebashi, DAY, "m-kiosk", 3, 2).unwrap();
        assert_eq!((block.first, block.last), (1, 3));
        let theirs = DocumentId::random();
        store
            .register_visit(&theirs, maebashi, DAY, 3, &[])
            .unwrap()
            .map(|r| assert_eq!(r.reception_number, 4))
            .unwrap();
        store.queue_place(&theirs, &at_(SHIMIN_7), 3, 3).unwrap();
        // Takasaki's counter 7 calls Takasaki's number, never Maebashi's; and the other way.
        assert_eq!(
            call(&store, DAY, SHIMIN_7, None, 10)
                .unwrap()
                .unwrap()
                .number,
            one
        );
        assert_eq!(call(&store, DAY, SHIMIN_7, None, 11).unwrap(), None);
        let called = store
            .queue_call(maebashi, DAY, SHIMIN_7, None, 12)
            .unwrap()
            .unwrap();
        assert_eq!(called.ticket.visit_id, theirs.to_string());
        assert_eq!(store.queue_tickets(TAKASAKI, DAY).unwrap().len(), 1);
        assert_eq!(store.queue_tickets(maebashi, DAY).unwrap().len(), 1);
        // A number in Maebashi's block is not Takasaki's kiosk's to give.
        assert_eq!(
            store
                .register_reserved_visit(
                    &DocumentId::random(),
                    &kiosk_of(TAKASAKI, "m-kiosk"),
                    DAY,
                    2,
                    1,
                    &[]
                )
                .unwrap(),
            Err(RegisterRefusal::NotReserved(2))
        );
    }

    #[test]
    fn a_revoked_display_opens_nothing() {
        let store = Store::scratch().unwrap();
        let display = DisplayRecord {
            id: "hall-1f".into(),
            name: "1階 待合".into(),
            tenant: TAKASAKI,
        };
        assert!(store.put_display(&display, "hash", 1).unwrap());
        let elsewhere = DisplayRecord {
            tenant: "102016".parse().unwrap(),
            ..display.clone()
        };
        assert!(
            !store.put_display(&elsewhere, "taken", 2).unwrap(),
            "another city's id"
        );
        assert_eq!(store.display("hash").unwrap(), Ok(Some(display)));
        assert_eq!(store.display("other").unwrap(), Ok(None));
        let maebashi = "102016".parse().unwrap();
        assert!(
            !store.revoke_display(maebashi, "hall-1f").unwrap(),
            "not Maebashi's"
        );
        assert_eq!(store.displays(maebashi).unwrap(), vec![]);
        assert!(store.revoke_display(TAKASAKI, "hall-1f").unwrap());
        let listed = store.displays(TAKASAKI).unwrap();
        assert_eq!((listed.len(), listed[0].revoked), (1, true));
        assert_eq!(store.display("hash").unwrap(), Err("hall-1f".into()));
        assert!(!store.revoke_display(TAKASAKI, "no-such").unwrap());
    }
}
