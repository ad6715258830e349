//! A client's sync message (applied, checked against the document's grants, audited as an
//! opening, settled) and whole documents merged from trusted local sources.

use automerge::AutoCommit;
use automerge::sync::{self, SyncDoc};
use shared_model::DocumentId;
use shared_model::protocol::Message;

use super::{DocEntry, Hub, HubError};

impl Hub {
    pub(super) async fn sync(
        &self,
        from: &str,
        document_id: DocumentId,
        data: &[u8],
        is_request: bool,
    ) -> Result<(), HubError> {
        let sync_message =
            sync::Message::decode(data).map_err(|_| HubError::BadSyncData { document_id })?;
        let mut entry = self.hold(document_id).await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let Some(caller) = self.caller(from) else {
            return Ok(());
        };
        let grants = self.grants(document_id, &mut entry).await?;
        if !caller.may_reach(&grants) {
            // Answered as if the document did not exist: no one learns what others have.
            self.deny(from, &caller, document_id, &grants).await;
            return Ok(());
        }
        let first_on_connection = self.remember(from, document_id);
        if first_on_connection.is_some() {
            // A new connection starts over (one that replaced an older socket of the same
            // peer id must not inherit what the server believed that socket had).
            entry.syncs.remove(from);
        }
        if let Some(terminal) = first_on_connection
            && self.first_opening(&caller.audit_name(), &terminal, document_id)
        {
            // The first time today this person (or kiosk) reaches the visit from this
            // terminal: it was opened. Reconnects do not repeat it.
            let (store, who, tenant) = (self.store.clone(), caller.audit_name(), caller.tenant());
            let _ = tokio::task::spawn_blocking(move || {
                let number = store
                    .visit_record(&document_id)
                    .ok()
                    .flatten()
                    .map(|v| format!(" 受付{} ({})", v.reception_number, v.day))
                    .unwrap_or_default();
                store.audit_at(
                    tenant,
                    crate::clock::now_ms(),
                    &who,
                    &terminal,
                    "visit_opened",
                    &format!("{document_id}{number}"),
                )
            })
            .await;
        }

        if entry.doc.is_none() {
            if is_request || sync_message.heads.is_empty() {
                // Nobody has sent this document and the sender does not have it either.
                // Remember who waits for it, and say so.
                entry.syncs.entry(from.to_owned()).or_default();
                self.send(
                    from,
                    Message::DocUnavailable {
                        sender_id: self.server_id.clone(),
                        target_id: from.to_owned(),
                        document_id,
                    },
                );
                return Ok(());
            }
            entry.doc = Some(AutoCommit::new());
        }

        let DocEntry { doc, syncs, .. } = &mut *entry;
        let doc = doc.as_mut().expect("present: created above");
        let state = syncs.entry(from.to_owned()).or_default();
        let before = doc.get_heads();
        doc.sync()
            .receive_sync_message(state, sync_message)
            .map_err(|e| HubError::Apply {
                document_id,
                reason: e.to_string(),
            })?;
        if doc.get_heads() == before && !grants.is_empty() {
            // Nothing new (an acknowledgement, a request for what the sender lacks): only the
            // sender has anything to hear. Answering everyone with the document open made
            // each edit cost the server the square of the counters on a visit.
            if let Some(reply) = doc.sync().generate_sync_message(state) {
                self.send(
                    from,
                    Message::Sync {
                        sender_id: self.server_id.clone(),
                        target_id: from.to_owned(),
                        document_id,
                        data: reply.encode(),
                    },
                );
            }
            return Ok(());
        }
        if grants.is_empty() {
            // Staff created this document: it belongs to their 課 from now on.
            self.add_grant(document_id, &mut entry, caller.grant())
                .await?;
        }

        let by = (caller.audit_name(), self.terminal(from));
        self.settle(document_id, &mut entry, by).await
    }

    /// Takes in a whole document from a trusted local source (the demo data, benchmarks):
    /// merged, reconciled, stored and sent on exactly as if a client had synced it.
    pub async fn merge(
        &self,
        document_id: DocumentId,
        doc: &mut AutoCommit,
    ) -> Result<(), HubError> {
        let mut entry = self.hold(document_id).await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let ours = entry.doc.get_or_insert_with(AutoCommit::new);
        ours.merge(doc).map_err(|e| HubError::Apply {
            document_id,
            reason: e.to_string(),
        })?;
        self.settle(document_id, &mut entry, ("system".into(), String::new()))
            .await
    }
}
