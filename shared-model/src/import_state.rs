//! [`ImportState`]: the 住基 import as the server reports it and the admin face shows it (the
//! last file, its rows, the rows set aside with their reasons, the lag against the 5-minute
//! promise) — one definition for the browser and the server.

/// The importer's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportState {
    /// Interval between polls, s.
    #[serde(default)]
    pub interval_secs: u64,
    /// When the bucket was last read successfully (ms since the epoch).
    #[serde(default)]
    pub last_poll_at: Option<i64>,
    /// The last file imported.
    #[serde(default)]
    pub last_file: Option<String>,
    /// Its data rows taken into the register.
    #[serde(default)]
    pub last_rows: Option<usize>,
    /// Its rows set aside (quarantined), each listed in [`ImportState::quarantine`].
    #[serde(default)]
    pub last_quarantined: Option<usize>,
    /// Files imported since the server started.
    #[serde(default)]
    pub files_imported: usize,
    /// Seconds since the last successful poll, against the promise.
    #[serde(default)]
    pub lag_secs: Option<u64>,
    /// Whether the lag breaks the promise.
    #[serde(default)]
    pub behind_promise: bool,
    /// The latest refusals of whole files and failures (newest last, at most 20).
    #[serde(default)]
    pub errors: Vec<String>,
    /// The latest rows set aside, newest file first (at most 200).
    #[serde(default)]
    pub quarantine: Vec<QuarantinedRow>,
}

/// A row of a 住基 file that was not taken into the register. The resident's previous record
/// (if any) is kept; the row is taken when a later file brings it right.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct QuarantinedRow {
    /// The file (object key).
    pub file: String,
    /// The line the row starts on (the header is line 1; a quoted line break counts).
    pub line: u64,
    /// The column at fault, by its header (empty when the row as a whole is wrong).
    pub column: String,
    /// What is wrong, in Japanese.
    pub reason: String,
    /// When it was set aside (ms since the epoch).
    pub at: i64,
}
