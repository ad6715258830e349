use super::*;
use crate::navi::{Answers, LifeEvent, Navi};

const MIN: i64 = 60_000;

fn ticket(number: u32, stop: Stop, joined_at: i64) -> Ticket {
    Ticket {
        number,
        visit_id: format!("visit-{number}"),
        stop,
        joined_at,
        called_at: None,
        first_called_at: None,
        done_at: None,
        absent: false,
        call_seq: None,
    }
}

fn handled(mut t: Ticket, called: i64, done: i64) -> Ticket {
    t.called_at = Some(called);
    t.first_called_at = Some(called);
    t.done_at = Some(done);
    t
}

const SHIMIN_7: Stop = Stop {
    department: Department::Shimin,
    counter: 7,
};
const SHIMIN_5: Stop = Stop {
    department: Department::Shimin,
    counter: 5,
};
const HOKEN_9: Stop = Stop {
    department: Department::HokenNenkin,
    counter: 9,
};

#[test]
fn the_catalog_counters_are_listed_by_department_then_number() {
    let stops = counters(Catalog::builtin());
    assert_eq!(
        stops,
        [
            SHIMIN_5,
            SHIMIN_7,
            HOKEN_9,
            Stop::new(Department::KodomoKatei, 1),
            Stop::new(Department::KodomoKatei, 3)
        ]
    );
    assert_eq!(first_counter(Catalog::builtin(), Department::Shimin), 5);
    assert_eq!(
        first_counter(Catalog::builtin(), Department::HokenNenkin),
        9
    );
}

#[test]
fn a_visit_waits_at_its_first_procedure_of_the_department_or_its_first_counter() {
    let catalog = Catalog::builtin();
    // 転入 with 国保: 市民課's 住民異動 counter first, then 保険年金課.
    let answers = Answers::new(LifeEvent::Tennyu).with(crate::navi::Fact::Kokuho);
    let plan = Navi::builtin().plan(&answers);
    assert!(plan.iter().any(|p| p.department == Department::HokenNenkin));
    assert_eq!(
        stop_at(catalog, Department::Shimin, &plan, &plan).first(),
        SHIMIN_7
    );
    assert_eq!(
        stop_at(catalog, Department::HokenNenkin, &plan, &plan).first(),
        HOKEN_9
    );
    // No procedures: the 課's first counter.
    assert_eq!(
        stop_at(catalog, Department::Shimin, &[], &[]).first(),
        SHIMIN_5
    );
}

#[test]
fn within_a_department_the_visit_goes_through_the_counters_of_its_open_procedures_in_order() {
    let catalog = Catalog::builtin();
    // 転入 (住民異動, 窓口 7) and 印鑑登録 (窓口 5), both at 市民課.
    let answers = Answers::new(LifeEvent::Tennyu).with(crate::navi::Fact::WantsInkan);
    let plan = Navi::builtin().plan(&answers);
    let wanted = stop_at(catalog, Department::Shimin, &plan, &plan);
    assert_eq!(wanted.open, [7, 5]);
    assert_eq!(wanted.first(), SHIMIN_7);
    // Served at 7: it stays there while it is served.
    let mut at_7 = ticket(1, SHIMIN_7, 0);
    at_7.called_at = Some(MIN);
    at_7.first_called_at = Some(MIN);
    assert_eq!(
        placement(std::slice::from_ref(&at_7), &wanted),
        Placement::Stay
    );
    // Handled at 7 (its 転入届 still to be confirmed, say): it goes on to 5, its number kept.
    at_7.done_at = Some(5 * MIN);
    assert_eq!(
        placement(std::slice::from_ref(&at_7), &wanted),
        Placement::Join(SHIMIN_5)
    );
    // Handled at 5 too: nowhere left to go at 市民課.
    let at_5 = handled(ticket(1, SHIMIN_5, 5 * MIN), 6 * MIN, 9 * MIN);
    assert_eq!(placement(&[at_7.clone(), at_5], &wanted), Placement::Stay);
    // Everything settled: it does not go back anywhere either.
    let settled = stop_at(catalog, Department::Shimin, &plan, &[]);
    assert!(settled.open.is_empty());
    assert_eq!(
        placement(std::slice::from_ref(&at_7), &settled),
        Placement::Stay
    );
}

#[test]
fn the_queue_is_called_in_the_order_visits_joined_then_by_number() {
    // Number 3 was taken offline at a kiosk before 2 was given online: it joined first.
    let tickets = vec![
        ticket(1, SHIMIN_7, 10 * MIN),
        ticket(2, SHIMIN_7, 12 * MIN),
        ticket(3, SHIMIN_7, 11 * MIN),
        ticket(4, SHIMIN_5, 1),
        ticket(5, SHIMIN_7, 12 * MIN),
    ];
    let order: Vec<u32> = waiting_order(&tickets, SHIMIN_7)
        .iter()
        .map(|t| t.number)
        .collect();
    assert_eq!(order, [1, 3, 2, 5]);
    assert_eq!(next_to_call(&tickets, SHIMIN_7).map(|t| t.number), Some(1));
    assert_eq!(next_to_call(&tickets, SHIMIN_5).map(|t| t.number), Some(4));
    assert_eq!(next_to_call(&tickets, HOKEN_9), None);
}

#[test]
fn called_done_and_absent_tickets_are_not_called_next() {
    let mut called = ticket(1, SHIMIN_7, 1);
    called.called_at = Some(5);
    called.first_called_at = Some(5);
    called.call_seq = Some(1);
    let mut absent = ticket(2, SHIMIN_7, 2);
    absent.called_at = Some(6);
    absent.absent = true;
    let done = handled(ticket(3, SHIMIN_7, 3), 7, 8);
    let waiting = ticket(4, SHIMIN_7, 4);
    let tickets = vec![called, absent, done, waiting];
    assert_eq!(tickets[0].state(), TicketState::Called);
    assert_eq!(tickets[1].state(), TicketState::Absent);
    assert_eq!(tickets[2].state(), TicketState::Done);
    assert_eq!(tickets[3].state(), TicketState::Waiting);
    assert_eq!(next_to_call(&tickets, SHIMIN_7).map(|t| t.number), Some(4));
}

#[test]
fn the_median_resists_one_long_case() {
    assert_eq!(median_ms(&[]), None);
    assert_eq!(median_ms(&[7]), Some(7));
    assert_eq!(median_ms(&[5 * MIN, 3 * MIN, 60 * MIN]), Some(5 * MIN));
    assert_eq!(median_ms(&[2, 4, 6, 100]), Some(5));
}

#[test]
fn the_wait_is_the_median_handling_time_at_that_counter_times_the_people_waiting() {
    let tickets = vec![
        handled(ticket(1, SHIMIN_7, 0), MIN, 5 * MIN),
        handled(ticket(2, SHIMIN_7, 0), 5 * MIN, 11 * MIN),
        handled(ticket(3, SHIMIN_7, 0), 11 * MIN, 51 * MIN),
        // Handled at another counter: not this counter's time.
        handled(ticket(4, SHIMIN_5, 0), MIN, 2 * MIN),
        ticket(5, SHIMIN_7, 52 * MIN),
        ticket(6, SHIMIN_7, 53 * MIN),
        ticket(7, SHIMIN_7, 54 * MIN),
    ];
    let wait = wait_estimate(&tickets, SHIMIN_7);
    // Durations 4, 6 and 40 minutes: median 6; three people waiting.
    assert_eq!(wait.median_ms, Some(6 * MIN));
    assert_eq!(wait.waiting, 3);
    assert_eq!(wait.minutes, Some(18));
    // Nobody waits: no wait, whatever the handling time.
    assert_eq!(wait_estimate(&tickets, SHIMIN_5).minutes, Some(0));
    // People wait, but nothing was handled there today: nothing to estimate from.
    let fresh = vec![ticket(1, HOKEN_9, 0)];
    let wait = wait_estimate(&fresh, HOKEN_9);
    assert_eq!((wait.waiting, wait.minutes), (1, None));
}

#[test]
fn a_part_minute_rounds_up_and_absent_or_unhandled_tickets_give_no_time() {
    let mut absent = ticket(2, SHIMIN_7, 0);
    absent.called_at = Some(MIN);
    absent.first_called_at = Some(MIN);
    absent.absent = true;
    // Handed on before it was ever called: no handling time.
    let mut handed_on = ticket(3, SHIMIN_7, 0);
    handed_on.done_at = Some(9 * MIN);
    let tickets = vec![
        handled(ticket(1, SHIMIN_7, 0), 0, 90_000),
        absent,
        handed_on,
        ticket(4, SHIMIN_7, 10 * MIN),
    ];
    let wait = wait_estimate(&tickets, SHIMIN_7);
    assert_eq!(wait.median_ms, Some(90_000));
    assert_eq!(wait.minutes, Some(2));
}

#[test]
fn every_catalog_counter_has_an_estimate() {
    let estimates = wait_estimates(Catalog::builtin(), &[ticket(1, HOKEN_9, 0)]);
    assert_eq!(estimates.len(), counters(Catalog::builtin()).len());
    let hoken = estimates.iter().find(|w| w.stop == HOKEN_9).unwrap();
    assert_eq!(hoken.waiting, 1);
}

#[test]
fn a_visit_handed_on_joins_the_next_department_and_a_waiting_one_follows_its_procedures() {
    let at = |stop: Stop| Wanted {
        department: stop.department,
        open: vec![stop.counter],
        fallback: stop.counter,
    };
    // Registered: no ticket yet.
    assert_eq!(placement(&[], &at(SHIMIN_5)), Placement::Join(SHIMIN_5));
    // Waiting at 5, its answers now say 7: it moves, keeping its place.
    let waiting = ticket(1, SHIMIN_5, 0);
    assert_eq!(
        placement(std::slice::from_ref(&waiting), &at(SHIMIN_7)),
        Placement::MoveCounter(SHIMIN_7)
    );
    assert_eq!(
        placement(std::slice::from_ref(&waiting), &at(SHIMIN_5)),
        Placement::Stay
    );
    // Being served at 7: a change of answers does not take it from the counter.
    let mut called = ticket(1, SHIMIN_7, 0);
    called.called_at = Some(MIN);
    called.first_called_at = Some(MIN);
    assert_eq!(
        placement(std::slice::from_ref(&called), &at(SHIMIN_5)),
        Placement::Stay
    );
    // Handed on to 保険年金課.
    assert_eq!(
        placement(std::slice::from_ref(&called), &at(HOKEN_9)),
        Placement::Join(HOKEN_9)
    );
    // Once there, it stays there.
    let there = vec![handled(called, MIN, 2 * MIN), ticket(1, HOKEN_9, 2 * MIN)];
    assert_eq!(placement(&there, &at(HOKEN_9)), Placement::Stay);
    // Taken back by 市民課: it joins 市民課 again.
    assert_eq!(placement(&there, &at(SHIMIN_7)), Placement::Join(SHIMIN_7));
}

#[test]
fn the_display_shows_called_tickets_latest_call_first() {
    let mut a = ticket(1, SHIMIN_7, 0);
    a.called_at = Some(MIN);
    a.call_seq = Some(3);
    let mut b = ticket(2, HOKEN_9, 0);
    b.called_at = Some(2 * MIN);
    b.call_seq = Some(4);
    let done = handled(ticket(3, SHIMIN_5, 0), MIN, 2 * MIN);
    let calls = calls_shown(&[a, b, done, ticket(4, SHIMIN_7, 0)], 8);
    let shown: Vec<(u32, u8)> = calls.iter().map(|c| (c.number, c.stop.counter)).collect();
    assert_eq!(shown, [(2, 9), (1, 7)]);
    // The board's JSON has numbers and counters, never a visit id.
    let board = Board {
        day: "2026-11-30".into(),
        calls,
        waits: vec![],
    };
    let json = serde_json::to_string(&board).unwrap();
    assert!(!json.contains("visit"), "{json}");
}

#[test]
fn a_department_queue_lists_waiting_then_called_then_absent() {
    let mut called = ticket(1, SHIMIN_7, 0);
    called.called_at = Some(MIN);
    let mut absent = ticket(2, SHIMIN_7, 1);
    absent.called_at = Some(MIN);
    absent.absent = true;
    let tickets = vec![
        called,
        absent,
        ticket(3, SHIMIN_5, 3),
        ticket(4, SHIMIN_7, 2),
        ticket(5, HOKEN_9, 0),
    ];
    let queue = department_queue(Catalog::builtin(), &tickets, Department::Shimin);
    let listed: Vec<(u32, TicketState)> = queue
        .tickets
        .iter()
        .map(|t| (t.ticket.number, t.state))
        .collect();
    assert_eq!(
        listed,
        [
            (4, TicketState::Waiting),
            (3, TicketState::Waiting),
            (1, TicketState::Called),
            (2, TicketState::Absent)
        ]
    );
    assert_eq!(queue.waits.len(), 2);
}

#[test]
fn the_next_number_skips_every_reserved_block() {
    let block = |first, last| NumberBlock {
        day: "2026-11-30".into(),
        first,
        last,
    };
    assert_eq!(next_number(None, &[]), 1);
    assert_eq!(next_number(Some(4), &[]), 5);
    assert_eq!(next_number(Some(4), &[block(5, 14)]), 15);
    assert_eq!(next_number(Some(20), &[block(5, 14)]), 21);
    assert!(block(5, 14).holds(5) && block(5, 14).holds(14) && !block(5, 14).holds(15));
}

#[test]
fn a_completed_or_cancelled_visit_waits_nowhere() {
    let catalog = Catalog::builtin();
    use crate::VisitState::*;
    for state in [Received, InProgress, HandedOn] {
        assert_eq!(
            wanted_stop(catalog, Department::HokenNenkin, &[], &[], state).map(|w| w.first()),
            Some(HOKEN_9)
        );
    }
    for state in [Completed, Cancelled] {
        assert_eq!(
            wanted_stop(catalog, Department::Shimin, &[], &[], state),
            None
        );
    }
}
