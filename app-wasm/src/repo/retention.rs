//! When a past day's local copy of a visit may leave the terminal.

use shared_model::DocumentId;

use super::Repo;

impl Repo {
    /// Purges the local copy of a visit past the retention period once the server, on this
    /// connection, has said it holds every change of it ([`SyncClient::server_holds`]) —
    /// never on the strength of a saved sync state, which a server restored from an older
    /// backup would belie. A visit someone opened on this page stays until the next load.
    ///
    /// [`SyncClient::server_holds`]: shared_model::protocol::SyncClient::server_holds
    pub(super) async fn purge_if_held(&mut self, id: DocumentId) {
        if !self.expiring.contains(&id) || self.opened.contains(&id) {
            return;
        }
        let Some(visit) = self.visits.get_mut(&id) else {
            return;
        };
        if !self.client.server_holds(id, visit.doc_mut()) {
            return;
        }
        let Some(store) = &self.store else { return };
        if let Err(e) = store.remove(id).await {
            web_sys::console::error_1(&format!("purging {id}: {e}").into());
            return;
        }
        self.expiring.remove(&id);
        self.visits.remove(&id);
        self.chunks.remove(&id);
        self.listed.remove(&id);
        self.publish_list();
        self.publish_status();
    }
}

/// Whether a local copy last changed at `updated_at` has outlived the retention period (the
/// end of the day it was made, in Japan) at `now` (both ms since the epoch). A copy is only
/// purged once the server also has all of it ([`Repo::purge_if_held`]).
pub fn retention_over(updated_at: f64, now: f64) -> bool {
    let day = |ms: f64| shared_model::calendar::tokyo_day(ms as i64);
    day(updated_at) < day(now)
}
