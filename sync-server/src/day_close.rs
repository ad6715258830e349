//! The end of a counter day: visits registered on an earlier day (JST) that never reached a
//! counter — a number taken at the kiosk by someone who left, a tablet pressed twice — are
//! closed as 取消 by the system, with a reason, so that no 課's list and no statistic carries
//! them on. A visit any counter opened is left as it is: a person decides about it.
//!
//! [`close_unreached`] does one pass; [`run`] repeats it every ten minutes (the first pass
//! after a night's restart closes the whole previous day).

use std::sync::Arc;

use shared_model::calendar::tokyo_day;
use shared_model::{VisitDoc, VisitState};

use crate::hub::{Hub, HubError};
use crate::store::Store;

/// The reason a closed, unreached visit carries (shown on its banner and in its history).
pub const REASON: &str = "窓口で開かれないまま受付日が終わったため (自動)";

/// How many past days a pass looks at.
const DAYS_BACK: i64 = 7;

/// Closes the unreached visits of the `DAYS_BACK` days before the day of `now_ms` (JST);
/// returns how many it closed.
///
/// Errors: the store or the hub failing ([`HubError`]); visits closed before the failure
/// stay closed.
pub async fn close_unreached(
    hub: &Hub,
    store: &Arc<Store>,
    now_ms: i64,
) -> Result<usize, HubError> {
    let mut closed = 0;
    for back in 1..=DAYS_BACK {
        let day = tokyo_day(now_ms - back * 86_400_000).to_string();
        let store = store.clone();
        let visits = tokio::task::spawn_blocking(move || store.visits_of_day_in_every_city(&day))
            .await
            .map_err(|_| HubError::Task)??;
        for record in visits {
            let Ok(id) = record.visit_id.parse() else {
                continue;
            };
            // A fork has an actor of its own: the system's change merges like a client's.
            let fork = hub
                .read(id, |doc| {
                    VisitDoc::from_doc(doc.fork())
                        .ok()
                        .filter(|v| v.state() == VisitState::Received)
                })
                .await?
                .flatten();
            let Some(mut visit) = fork else {
                continue;
            };
            if visit.cancel(REASON, "system", "", now_ms).is_ok() {
                hub.merge(id, visit.doc_mut()).await?;
                closed += 1;
            }
        }
    }
    if closed > 0 {
        tracing::info!(closed, "unreached visits of past days closed");
    }
    Ok(closed)
}

/// Closes unreached visits of past days every ten minutes until `shutdown`.
pub async fn run(
    hub: Arc<Hub>,
    store: Arc<Store>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    loop {
        if let Err(error) = close_unreached(&hub, &store, crate::clock::now_ms()).await {
            tracing::warn!(%error, "closing the past days' unreached visits failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared_model::catalog::Department;
    use shared_model::{DocumentId, VisitChange};

    const DAY: i64 = 86_400_000;

    async fn registered(hub: &Hub, store: &Arc<Store>, at: i64, opened: bool) -> DocumentId {
        let id = DocumentId::random();
        store
            .register_visit(
                &id,
                shared_model::tenant::TAKASAKI,
                &tokyo_day(at).to_string(),
                at,
                &[crate::store::Grant::department(
                    shared_model::tenant::TAKASAKI,
                    "shimin",
                )],
            )
            .unwrap()
            .unwrap();
        let mut visit = VisitDoc::new(id, "1", at);
        if opened {
            visit
                .apply(&VisitChange::Take {
                    login: "shimin01".into(),
                    name: "市民 一郎".into(),
                    department: Department::Shimin,
                    at: at + 1,
                })
                .unwrap();
        }
        hub.merge(id, visit.doc_mut()).await.unwrap();
        id
    }

    async fn state(hub: &Hub, id: DocumentId) -> VisitState {
        hub.read(id, |doc| VisitDoc::from_doc(doc.clone()).unwrap().state())
            .await
            .unwrap()
            .unwrap()
    }

    #[tokio::test]
    async fn yesterdays_unreached_visits_close_and_nothing_else() {
        let store = Arc::new(Store::scratch().unwrap());
        let hub = Hub::new("server".into(), store.clone()).unwrap();
        let now = 1_795_000_000_000; // a weekday afternoon, JST
        let unreached = registered(&hub, &store, now - DAY, false).await;
        let opened = registered(&hub, &store, now - DAY, true).await;
        let today = registered(&hub, &store, now - 3_600_000, false).await;
        assert_eq!(close_unreached(&hub, &store, now).await.unwrap(), 1);
        assert_eq!(state(&hub, unreached).await, VisitState::Cancelled);
        assert_eq!(state(&hub, opened).await, VisitState::InProgress);
        assert_eq!(state(&hub, today).await, VisitState::Received);
        let closing = hub
            .read(unreached, |doc| {
                VisitDoc::from_doc(doc.clone()).unwrap().closing()
            })
            .await
            .unwrap()
            .flatten()
            .unwrap();
        assert_eq!(
            (closing.who.as_str(), closing.reason.as_str()),
            ("system", REASON)
        );
        // A second pass finds nothing more to do.
        assert_eq!(close_unreached(&hub, &store, now).await.unwrap(), 0);
    }
}
