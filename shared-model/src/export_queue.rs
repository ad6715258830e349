//! [`ExportState`]: the export queue to the core system as the server reports it and the
//! admin face shows it (records by state, the latest batch, failures, and the records sent
//! back with the core system's reasons) — one definition for the browser and the server.
//! It names visits by day and reception number, never by a person's data.

/// The exporter's state.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportState {
    /// When a cycle last finished without error (ms since the epoch).
    #[serde(default)]
    pub last_cycle_at: Option<i64>,
    /// The last batch written.
    #[serde(default)]
    pub last_batch: Option<String>,
    /// Batches written since the server started.
    #[serde(default)]
    pub batches_written: usize,
    /// Result files read since the server started.
    #[serde(default)]
    pub results_read: usize,
    /// Consecutive failed cycles (0 when healthy).
    #[serde(default)]
    pub failures: u32,
    /// The latest failures and refused result files (newest last, at most 20).
    #[serde(default)]
    pub errors: Vec<String>,
    /// The queue in figures.
    #[serde(default)]
    pub counts: ExportCounts,
    /// The latest records the core system sent back, with its reasons (at most 20).
    #[serde(default)]
    pub rejected: Vec<RejectedRecord>,
}

/// The export queue in figures.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ExportCounts {
    /// Records not yet in a written batch.
    pub pending: usize,
    /// Written, no result yet.
    pub sent: usize,
    /// 基幹取込済み.
    pub accepted: usize,
    /// 差戻し.
    pub rejected: usize,
    /// Batches numbered but not yet written (retrying).
    #[serde(default)]
    pub unwritten_batches: usize,
    /// Batches written.
    #[serde(default)]
    pub written_batches: usize,
}

/// A record the core system sent back (差戻し): where to find the visit and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RejectedRecord {
    /// The record id.
    pub record: String,
    /// The form.
    pub form: String,
    /// The visit's day, if it is a registered visit.
    pub day: Option<String>,
    /// Its reception number that day.
    pub reception_number: Option<u32>,
    /// The core system's reason.
    pub reason: Option<String>,
    /// When the result was read, ms since the epoch.
    pub at: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_state_round_trips_and_reads_older_answers() {
        let state = ExportState {
            last_batch: Some("outbound/jumin_idou/20261125/jumin_idou_20261125_000001.csv".into()),
            counts: ExportCounts {
                pending: 1,
                rejected: 1,
                ..ExportCounts::default()
            },
            rejected: vec![RejectedRecord {
                record: "r-1".into(),
                form: "jumin_idou_tenkyo".into(),
                day: Some("2026-11-25".into()),
                reception_number: Some(12),
                reason: Some("住所コード不正".into()),
                at: Some(1),
            }],
            ..ExportState::default()
        };
        let json = serde_json::to_string(&state).unwrap();
        assert_eq!(serde_json::from_str::<ExportState>(&json).unwrap(), state);
        // A server without the newer fields still reads.
        let old: ExportState = serde_json::from_str(
            r#"{"failures":0,"errors":[],"counts":{"pending":0,"sent":2,"accepted":0,"rejected":0}}"#,
        )
        .unwrap();
        assert_eq!(old.counts.sent, 2);
    }
}
