//! [`Terminals`]: what each counter terminal and kiosk last said about itself — app version,
//! changes not yet sent, whether its storage is persistent, and how many changes it had
//! pending when it last came back online — so the admin face shows which terminals are
//! offline and what they still hold. Reports are heartbeats every few seconds; a terminal
//! silent for [`OFFLINE_AFTER_MS`] counts as offline. Kept in memory and written through
//! to the store when something changes (or at least every [`SAVE_EVERY_MS`]), so after a
//! restart the admin face still lists the terminals that are switched off, with when they
//! were last seen.

use std::collections::HashMap;
use std::sync::Mutex;

use shared_model::tenant::LocalGovernmentCode;
pub use shared_model::terminal::{ReportError, TerminalReport, TerminalStatus};

/// Silence after which a terminal counts as offline.
pub const OFFLINE_AFTER_MS: i64 = 10_000;
/// A terminal's unchanged heartbeat is written to the store at most this often.
pub const SAVE_EVERY_MS: i64 = 60_000;
/// Most terminals listed per city; the longest silent are forgotten first.
pub const MAX_TERMINALS: usize = 500;

/// A terminal: its city, and its id there (two cities may name terminals alike).
pub type TerminalKey = (LocalGovernmentCode, String);

/// Every terminal's last report, and when each was last written to the store, by city.
#[derive(Debug, Default)]
pub struct Terminals {
    seen: Mutex<HashMap<TerminalKey, (TerminalStatus, i64)>>,
}

impl Terminals {
    /// The terminals the store remembers (from before a restart), each with its city.
    pub fn from_saved(saved: Vec<(LocalGovernmentCode, TerminalStatus)>) -> Self {
        let seen = saved
            .into_iter()
            .map(|(tenant, t)| ((tenant, t.terminal.clone()), (t.clone(), t.last_seen)))
            .collect();
        Self {
            seen: Mutex::new(seen),
        }
    }

    /// Records a heartbeat from `who`, of the city `tenant`. Returns the status to write to
    /// the store when it changed or has not been written for [`SAVE_EVERY_MS`], and the
    /// terminal to forget there when the city's list is full.
    pub fn report(
        &self,
        tenant: LocalGovernmentCode,
        who: &str,
        report: TerminalReport,
        now_ms: i64,
    ) -> Result<Save, ReportError> {
        report.check()?;
        let status = TerminalStatus {
            terminal: report.terminal,
            who: who.to_owned(),
            version: report.version,
            pending: report.pending,
            persisted: report.persisted,
            resumed_with: report.resumed_with,
            last_seen: now_ms,
            online: true,
        };
        let key = (tenant, status.terminal.clone());
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut save = Save::default();
        // When this very status was last written, if it was.
        let unchanged_since = seen
            .get(&key)
            .filter(|(before, _)| same_but_time(before, &status))
            .map(|(_, saved_at)| *saved_at);
        let saved_at = match unchanged_since {
            Some(at) if now_ms.saturating_sub(at) < SAVE_EVERY_MS => at,
            _ => {
                save.status = Some((tenant, status.clone()));
                now_ms
            }
        };
        let of_city = seen.keys().filter(|(city, _)| *city == tenant).count();
        if !seen.contains_key(&key) && of_city >= MAX_TERMINALS {
            let oldest = seen
                .iter()
                .filter(|((city, _), _)| *city == tenant)
                .min_by_key(|(_, (t, _))| t.last_seen)
                .map(|(k, _)| k.clone());
            if let Some(oldest) = oldest {
                seen.remove(&oldest);
                save.forget = Some(oldest);
            }
        }
        seen.insert(key, (status, saved_at));
        Ok(save)
    }

    /// The terminals of the city `tenant`, most recently seen first, with `online` as of
    /// `now_ms`.
    pub fn list(&self, tenant: LocalGovernmentCode, now_ms: i64) -> Vec<TerminalStatus> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<TerminalStatus> = seen
            .iter()
            .filter(|((city, _), _)| *city == tenant)
            .map(|(_, (t, _))| t.clone())
            .map(|mut t| {
                t.online = now_ms - t.last_seen < OFFLINE_AFTER_MS;
                t
            })
            .collect();
        list.sort_by(|a, b| {
            b.last_seen
                .cmp(&a.last_seen)
                .then(a.terminal.cmp(&b.terminal))
        });
        list
    }
}

/// What a heartbeat asks of the store.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Save {
    /// Write this status (of this city).
    pub status: Option<(LocalGovernmentCode, TerminalStatus)>,
    /// Forget this terminal (its city's list was full).
    pub forget: Option<TerminalKey>,
}

/// Whether two statuses differ only in when they were seen.
fn same_but_time(a: &TerminalStatus, b: &TerminalStatus) -> bool {
    (
        &a.terminal,
        &a.who,
        &a.version,
        a.pending,
        a.persisted,
        a.resumed_with,
    ) == (
        &b.terminal,
        &b.who,
        &b.version,
        b.pending,
        b.persisted,
        b.resumed_with,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_model::tenant::TAKASAKI;

    fn report(terminal: &str, pending: u32) -> TerminalReport {
        TerminalReport {
            terminal: terminal.into(),
            version: "0.1.0".into(),
            pending,
            persisted: Some(true),
            resumed_with: None,
        }
    }

    #[test]
    fn a_silent_terminal_turns_offline_and_a_report_brings_it_back() {
        let terminals = Terminals::default();
        terminals
            .report(TAKASAKI, "shimin01", report("t-1", 0), 0)
            .unwrap();
        assert!(terminals.list(TAKASAKI, OFFLINE_AFTER_MS - 1)[0].online);
        assert!(!terminals.list(TAKASAKI, OFFLINE_AFTER_MS)[0].online);
        let back = TerminalReport {
            resumed_with: Some(2),
            ..report("t-1", 2)
        };
        terminals
            .report(TAKASAKI, "shimin01", back, OFFLINE_AFTER_MS + 5)
            .unwrap();
        let now = &terminals.list(TAKASAKI, OFFLINE_AFTER_MS + 6)[0];
        assert!(now.online);
        assert_eq!((now.pending, now.resumed_with), (2, Some(2)));
    }

    #[test]
    fn heartbeats_are_saved_when_they_change_or_once_a_minute() {
        let terminals = Terminals::default();
        let first = terminals
            .report(TAKASAKI, "shimin01", report("t-1", 0), 0)
            .unwrap();
        assert!(first.status.is_some(), "a new terminal is saved");
        let same = terminals
            .report(TAKASAKI, "shimin01", report("t-1", 0), 3_000)
            .unwrap();
        assert_eq!(same, Save::default(), "an unchanged heartbeat is not");
        let changed = terminals
            .report(TAKASAKI, "shimin01", report("t-1", 4), 6_000)
            .unwrap();
        assert_eq!(changed.status.unwrap().1.pending, 4);
        let later = terminals
            .report(
                TAKASAKI,
                "shimin01",
                report("t-1", 4),
                6_000 + SAVE_EVERY_MS,
            )
            .unwrap();
        assert!(later.status.is_some(), "still saved once a minute");
        // After a restart the saved terminals are listed, offline.
        let restarted = Terminals::from_saved(vec![later.status.unwrap()]);
        let listed = restarted.list(TAKASAKI, 6_000 + SAVE_EVERY_MS + OFFLINE_AFTER_MS);
        assert_eq!((listed.len(), listed[0].online), (1, false));
    }

    #[test]
    fn the_list_is_bounded_and_forgets_the_longest_silent() {
        let terminals = Terminals::default();
        for i in 0..MAX_TERMINALS {
            let save = terminals
                .report(TAKASAKI, "a", report(&format!("t-{i}"), 0), i as i64)
                .unwrap();
            assert_eq!(save.forget, None);
        }
        let save = terminals
            .report(TAKASAKI, "a", report("t-new", 0), 10_000)
            .unwrap();
        assert_eq!(save.forget, Some((TAKASAKI, "t-0".to_owned())));
        assert_eq!(terminals.list(TAKASAKI, 10_000).len(), MAX_TERMINALS);
    }

    #[test]
    fn two_cities_terminals_are_listed_apart_also_under_one_id() {
        let terminals = Terminals::default();
        let maebashi: LocalGovernmentCode = "102016".parse().unwrap();
        terminals
            .report(TAKASAKI, "shimin01", report("t-1", 1), 0)
            .unwrap();
        terminals
            .report(maebashi, "m-shimin01", report("t-1", 7), 1)
            .unwrap();
        let ours = terminals.list(TAKASAKI, 2);
        let theirs = terminals.list(maebashi, 2);
        assert_eq!(
            (ours.len(), ours[0].who.as_str(), ours[0].pending),
            (1, "shimin01", 1)
        );
        assert_eq!(
            (theirs.len(), theirs[0].who.as_str(), theirs[0].pending),
            (1, "m-shimin01", 7)
        );
    }

    #[test]
    fn malformed_reports_are_refused() {
        let terminals = Terminals::default();
        for bad in ["", "has space", "日本語", &"x".repeat(65)] {
            assert_eq!(
                terminals.report(TAKASAKI, "a", report(bad, 0), 0),
                Err(ReportError::BadTerminal)
            );
        }
        let long = TerminalReport {
            version: "v".repeat(33),
            ..report("t", 0)
        };
        assert_eq!(
            terminals.report(TAKASAKI, "a", long, 0),
            Err(ReportError::BadVersion)
        );
        assert!(terminals.list(TAKASAKI, 0).is_empty());
    }
}
