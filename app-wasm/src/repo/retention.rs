//! When a past day's local copy of a visit may leave the terminal.

use shared_model::VisitDoc;
use shared_model::protocol::{PeerMetadata, SyncClient};

use crate::storage::{LocalVisit, StoredDoc};

/// Whether a local copy may be purged at `now` (ms since the epoch): past the retention
/// period ([`retention_over`]) and, by its saved sync state, all on the server.
pub(super) fn purgeable(entry: &LocalVisit, stored: &StoredDoc, now: f64) -> bool {
    if !retention_over(entry.updated_at, now) {
        return false;
    }
    let Ok(mut visit) = VisitDoc::load(&stored.bytes) else {
        return false;
    };
    let mut probe = SyncClient::new("retention-check", PeerMetadata::default());
    match &stored.sync_state {
        Some(state) => {
            probe.restore_sync_state(entry.doc, state).is_ok()
                && probe.pending_changes(entry.doc, visit.doc_mut()) == 0
        }
        None => false,
    }
}

/// Whether a local copy last changed at `updated_at` has outlived the retention period (the
/// end of the day it was made, in Japan) at `now` (both ms since the epoch). A copy is only
/// purged once the server also has all of it.
pub(super) fn retention_over(updated_at: f64, now: f64) -> bool {
    let day = |ms: f64| shared_model::calendar::tokyo_day(ms as i64);
    day(updated_at) < day(now)
}
