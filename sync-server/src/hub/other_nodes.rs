//! Changes other server nodes stored: when several nodes share one PostgreSQL database, a
//! node that stored changes of a document tells the others (`store::postgres::Notice`), and
//! each that has the document in memory reads it again and brings its own clients up to
//! date. The node that took the changes in has reconciled, audited and queued them already;
//! here they are only merged and sent on.

use automerge::AutoCommit;
use shared_model::DocumentId;
use shared_model::catalog::Department;

use super::{Hub, HubError, lock};

impl Hub {
    /// Another node stored changes of `document_id`: if it is in memory here, merge what
    /// the store holds and send it to this node's clients of it. A document not in memory
    /// is read fresh when next opened.
    ///
    /// # Errors
    /// [`HubError::Store`] when the store cannot be read, [`HubError::Corrupt`] when what it
    /// holds is not an automerge document.
    pub async fn stored_elsewhere(&self, document_id: DocumentId) -> Result<(), HubError> {
        let Some(mut entry) = self.hold_if_present(document_id).await else {
            return Ok(());
        };
        if entry.phase != super::Phase::Ready {
            return Ok(());
        }
        let store = self.store.clone();
        let bytes = tokio::task::spawn_blocking(move || store.load(&document_id))
            .await
            .map_err(|_| HubError::Task)??;
        let Some(bytes) = bytes else {
            return Ok(());
        };
        let before = entry
            .doc
            .as_mut()
            .map(AutoCommit::get_heads)
            .unwrap_or_default();
        match entry.doc.as_mut() {
            Some(doc) => {
                doc.load_incremental(&bytes)
                    .map_err(|_| HubError::Corrupt { document_id })?;
            }
            None => {
                entry.doc =
                    Some(AutoCommit::load(&bytes).map_err(|_| HubError::Corrupt { document_id })?);
            }
        }
        let Some(doc) = entry.doc.as_mut() else {
            return Ok(());
        };
        let heads = doc.get_heads();
        if heads == before {
            return Ok(());
        }
        // All of it is stored (it came from the store, and this node's own changes were
        // stored before they were answered).
        tracing::debug!(%document_id, "took in another node's changes");
        entry.saved_heads = heads;
        entry.at_department = Some(
            entry
                .doc
                .as_ref()
                .and_then(shared_model::handling_department)
                .unwrap_or(Department::Shimin),
        );
        // Grants may have grown on the other node (a visit handed on).
        entry.grants = None;
        self.broadcast(document_id, &mut entry);
        Ok(())
    }

    /// Reads again every document in memory (after the change listener was away and may
    /// have missed notices).
    pub async fn reload_all(&self) {
        let ids: Vec<DocumentId> = lock(&self.docs).keys().copied().collect();
        for id in ids {
            if let Err(e) = self.stored_elsewhere(id).await {
                tracing::warn!(document_id = %id, error = %e, "cannot read a document again");
            }
        }
    }
}
