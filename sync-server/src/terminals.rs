//! [`Terminals`]: what each counter terminal and kiosk last said about itself — app version,
//! changes not yet sent, whether its storage is persistent, and how many changes it had
//! pending when it last came back online — so the admin face shows which terminals are
//! offline and what they still hold. Reports are heartbeats every few seconds; a terminal
//! silent for [`OFFLINE_AFTER_MS`] counts as offline. Kept in memory: a restart forgets
//! them until the next heartbeat.

use std::collections::HashMap;
use std::sync::Mutex;

pub use shared_model::terminal::{ReportError, TerminalReport, TerminalStatus};

/// Silence after which a terminal counts as offline.
pub const OFFLINE_AFTER_MS: i64 = 10_000;

/// Every terminal's last report.
#[derive(Debug, Default)]
pub struct Terminals {
    seen: Mutex<HashMap<String, TerminalStatus>>,
}

impl Terminals {
    /// Records a heartbeat from `who`.
    pub fn report(
        &self,
        who: &str,
        report: TerminalReport,
        now_ms: i64,
    ) -> Result<(), ReportError> {
        report.check()?;
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.insert(
            report.terminal.clone(),
            TerminalStatus {
                terminal: report.terminal,
                who: who.to_owned(),
                version: report.version,
                pending: report.pending,
                persisted: report.persisted,
                resumed_with: report.resumed_with,
                last_seen: now_ms,
                online: true,
            },
        );
        Ok(())
    }

    /// Every terminal, most recently seen first, with `online` as of `now_ms`.
    pub fn list(&self, now_ms: i64) -> Vec<TerminalStatus> {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let mut list: Vec<TerminalStatus> = seen
            .values()
            .cloned()
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

#[cfg(test)]
mod tests {
    use super::*;

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
        terminals.report("shimin01", report("t-1", 0), 0).unwrap();
        assert!(terminals.list(OFFLINE_AFTER_MS - 1)[0].online);
        assert!(!terminals.list(OFFLINE_AFTER_MS)[0].online);
        let back = TerminalReport {
            resumed_with: Some(2),
            ..report("t-1", 2)
        };
        terminals
            .report("shimin01", back, OFFLINE_AFTER_MS + 5)
            .unwrap();
        let now = &terminals.list(OFFLINE_AFTER_MS + 6)[0];
        assert!(now.online);
        assert_eq!((now.pending, now.resumed_with), (2, Some(2)));
    }

    #[test]
    fn malformed_reports_are_refused() {
        let terminals = Terminals::default();
        for bad in ["", "has space", "日本語", &"x".repeat(65)] {
            assert_eq!(
                terminals.report("a", report(bad, 0), 0),
                Err(ReportError::BadTerminal)
            );
        }
        let long = TerminalReport {
            version: "v".repeat(33),
            ..report("t", 0)
        };
        assert_eq!(terminals.report("a", long, 0), Err(ReportError::BadVersion));
        assert!(terminals.list(0).is_empty());
    }
}
