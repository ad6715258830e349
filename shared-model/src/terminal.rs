//! [`TerminalReport`]: what a counter terminal or kiosk tells the server about itself every
//! few seconds, and [`TerminalStatus`], how the admin face lists it — one definition for the
//! browser and the server.

/// What a terminal reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TerminalReport {
    /// The terminal's own id (kept in its browser).
    pub terminal: String,
    /// App version.
    pub version: String,
    /// Changes not yet acknowledged by the server.
    pub pending: u32,
    /// Whether its storage is persistent.
    pub persisted: Option<bool>,
    /// Pending changes when it last came back online.
    pub resumed_with: Option<u32>,
}

/// Why a report was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReportError {
    /// The terminal id is empty, too long or not ASCII letters, digits and `-`.
    #[error("terminal id must be 1–64 ASCII letters, digits or -")]
    BadTerminal,
    /// The version is too long.
    #[error("version must be at most 32 characters")]
    BadVersion,
}

/// A terminal as the admin face shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TerminalStatus {
    /// Its id.
    pub terminal: String,
    /// Who uses it: a staff login or `kiosk:<id>`.
    pub who: String,
    /// App version.
    pub version: String,
    /// Changes not yet sent.
    pub pending: u32,
    /// Persistent storage.
    pub persisted: Option<bool>,
    /// Pending changes when it last came back online.
    pub resumed_with: Option<u32>,
    /// Last heartbeat, ms since the epoch.
    pub last_seen: i64,
    /// Heard from recently (the server decides how recently).
    pub online: bool,
}

impl TerminalReport {
    /// Checks the report's shape.
    pub fn check(&self) -> Result<(), ReportError> {
        let id_ok = !self.terminal.is_empty()
            && self.terminal.len() <= 64
            && self
                .terminal
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-');
        if !id_ok {
            return Err(ReportError::BadTerminal);
        }
        if self.version.chars().count() > 32 {
            return Err(ReportError::BadVersion);
        }
        Ok(())
    }
}
