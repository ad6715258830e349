//! Who may reach a document: the caller behind a peer, the document's grants (read once,
//! then kept with it), and the refusal a peer outside them gets; and the peer-id bindings
//! kept only while their sessions live.

use shared_model::DocumentId;
use shared_model::protocol::Message;

use super::{DocEntry, Hub, HubError, lock};
use crate::accounts::Caller;
use crate::store::Grant;

impl Hub {
    /// Prunes the peer-id bindings ([`Hub::prune_bindings`]) every `every` until shutdown.
    pub async fn prune_bindings_every(
        self: std::sync::Arc<Self>,
        every: std::time::Duration,
        mut shutdown: tokio::sync::watch::Receiver<bool>,
    ) {
        loop {
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = shutdown.changed() => return,
            }
            match self.prune_bindings().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(n, "peer-id bindings of ended sessions dropped"),
                Err(error) => tracing::warn!(%error, "pruning peer-id bindings failed"),
            }
        }
    }

    /// Who is behind a connected peer id (`None` also for a peer being cut off because its
    /// outbox overflowed: what it still sends is ignored, and it starts over on reconnecting).
    pub(super) fn caller(&self, peer: &str) -> Option<Caller> {
        lock(&self.peers)
            .get(peer)
            .filter(|link| !link.outbox.overflowed())
            .map(|link| link.caller.clone())
    }

    /// The document's grants (read from the store once, then kept with it).
    pub(super) async fn grants(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
    ) -> Result<Vec<Grant>, HubError> {
        if let Some(grants) = &entry.grants {
            return Ok(grants.clone());
        }
        let store = self.store.clone();
        let grants = tokio::task::spawn_blocking(move || store.grants(&document_id))
            .await
            .map_err(|_| HubError::Task)??;
        entry.grants = Some(grants.clone());
        Ok(grants)
    }

    pub(super) async fn add_grant(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        grant: Grant,
    ) -> Result<(), HubError> {
        let mut grants = self.grants(document_id, entry).await?;
        if grants.contains(&grant) {
            return Ok(());
        }
        let store = self.store.clone();
        let added = vec![grant.clone()];
        tokio::task::spawn_blocking(move || store.grant(&document_id, &added))
            .await
            .map_err(|_| HubError::Task)??;
        grants.push(grant);
        entry.grants = Some(grants);
        Ok(())
    }

    /// Refuses a document to a peer: `doc-unavailable`, and a line in the audit log of the
    /// one refused, and also of the document's city when that is another (its administrators
    /// see who tried to reach their visits).
    pub(super) async fn deny(
        &self,
        peer: &str,
        caller: &Caller,
        document_id: DocumentId,
        grants: &[Grant],
    ) {
        tracing::warn!(%document_id, "sync refused: outside the peer's rights");
        let (store, who, terminal) = (self.store.clone(), caller.audit_name(), self.terminal(peer));
        let mut cities = vec![caller.tenant()];
        cities.extend(crate::store::tenant_of(grants).filter(|owner| *owner != caller.tenant()));
        let _ = tokio::task::spawn_blocking(move || -> Result<(), crate::store::StoreError> {
            for city in cities {
                store.audit_at(
                    city,
                    crate::clock::now_ms(),
                    &who,
                    &terminal,
                    "sync_denied",
                    &document_id.to_string(),
                )?;
            }
            Ok(())
        })
        .await;
        self.send(
            peer,
            Message::DocUnavailable {
                sender_id: self.server_id.clone(),
                target_id: peer.to_owned(),
                document_id,
            },
        );
    }
}
