//! Several server nodes over one PostgreSQL database: what each node does so that they act
//! as one server.
//!
//! - **Changes**: a node that stored changes of a document tells the others
//!   (`NOTIFY`, see [`crate::store::postgres`]); [`follow_other_nodes`] merges them into the
//!   documents this node has in memory and sends them to its clients.
//! - **One leader**: the 住基 poller, the exporter and the day's close run on exactly one
//!   node at a time, the holder of an advisory lock ([`when_leading`]); when that node dies
//!   or loses the database, another takes the lock and carries on from what the database
//!   says (unwritten batches are written again under the same keys, so the core system
//!   still gets each record once).
//! - Sessions, grants, kiosks, sign-in failures and sign-in nonces live in the database, so
//!   a terminal may reach any node.
//!
//! On SQLite there is one node: it always leads and has nobody to follow.

use std::sync::Arc;
use std::time::Duration;

use shared_model::DocumentId;
use tokio::sync::watch;

use crate::hub::Hub;
use crate::store::Store;
use crate::store::postgres::{EXCHANGE_LEADER_LOCK, Notice};

/// How often a node that does not lead tries to take the lock, and a leader checks that it
/// still holds it.
pub const LEADER_CHECK: Duration = Duration::from_secs(1);

/// Merges other nodes' stored changes into this node's documents until `shutdown`.
pub fn follow_other_nodes(hub: Arc<Hub>, store: &Store, mut shutdown: watch::Receiver<bool>) {
    let Some(pg) = store.postgres() else {
        return;
    };
    let mut notices = pg.listen();
    tokio::spawn(async move {
        loop {
            let notice = tokio::select! {
                notice = notices.recv() => notice,
                _ = shutdown.changed() => return,
            };
            match notice {
                Some(Notice::Changed(id)) => match id.parse::<DocumentId>() {
                    Ok(id) => {
                        if let Err(e) = hub.stored_elsewhere(id).await {
                            tracing::warn!(document_id = %id, error = %e,
                                "cannot take in another node's changes");
                        }
                    }
                    Err(_) => tracing::warn!("a change notice names no document"),
                },
                Some(Notice::Resync) => {
                    tracing::info!("following the other nodes' changes");
                    hub.reload_all().await;
                }
                None => return,
            }
        }
    });
}

/// Whether this node leads: on PostgreSQL, while it holds the exchange's advisory lock; on
/// SQLite, always.
pub fn leadership(store: &Store) -> watch::Receiver<bool> {
    match store.postgres() {
        Some(pg) => pg.lead(EXCHANGE_LEADER_LOCK, LEADER_CHECK),
        None => watch::channel(true).1,
    }
}

/// Calls `start` each time this node becomes the leader, with a signal that turns `true`
/// when it stops leading or the server shuts down (what the poller, the exporter and the
/// day's close take as their shutdown).
pub fn when_leading(
    mut leading: watch::Receiver<bool>,
    mut shutdown: watch::Receiver<bool>,
    start: impl Fn(watch::Receiver<bool>) + Send + 'static,
) {
    tokio::spawn(async move {
        loop {
            while !*leading.borrow_and_update() {
                tokio::select! {
                    changed = leading.changed() => if changed.is_err() { return },
                    _ = shutdown.changed() => return,
                }
            }
            let (stop, stopped) = watch::channel(false);
            start(stopped);
            loop {
                tokio::select! {
                    changed = leading.changed() => {
                        if changed.is_err() {
                            // Leads for good (SQLite): only the shutdown ends it.
                            let _ = shutdown.changed().await;
                            let _ = stop.send(true);
                            return;
                        }
                        if !*leading.borrow_and_update() {
                            break;
                        }
                    }
                    _ = shutdown.changed() => {
                        let _ = stop.send(true);
                        return;
                    }
                }
            }
            tracing::warn!("this node stopped leading: the exchange runs elsewhere");
            let _ = stop.send(true);
        }
    });
}
