//! [`AuditEntry`]: one line of the audit log as the server stores and reports it and the
//! admin face shows it — one definition for the browser and the server.

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AuditEntry {
    /// Its number (the log only grows).
    pub id: i64,
    /// When, ms since the epoch.
    pub at: i64,
    /// Who: a staff login, or `system` for the server's own work.
    pub login: String,
    /// What kind of act.
    pub action: String,
    /// What exactly.
    pub detail: String,
    /// At which terminal (its id, as the terminal reports itself; empty for the server's own
    /// work).
    #[serde(default)]
    pub terminal: String,
}
