//! After new changes: the server's decisions on forms asked to be confirmed, the outbox
//! records they make, storing, and forwarding to every client with the document open; and
//! the core system's results written into their visits.

use automerge::sync::SyncDoc;
use shared_model::DocumentId;
use shared_model::calendar::tokyo_day;
use shared_model::protocol::Message;
use shared_model::tenant::LocalGovernmentCode;
use shared_model::{reconcile_document_in, signings_since};

use shared_model::catalog::Department;

use super::{DocEntry, Hub, HubError, heads_hash};
use crate::exchange::outbox::records_for_confirmed;
use crate::store::{Grant, OutboxEntry, StatusUpdate, tenant_of};

impl Hub {
    /// After new changes: the reconciler decides what counters asked to confirm, the result
    /// is stored, and every client with the document open is brought up to date. `by` is
    /// whose changes these are (login or `kiosk:<id>`, and terminal), for the audit log: a
    /// confirmation is asked for by a counter and decided by the server.
    pub(super) async fn settle(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        by: (String, String),
    ) -> Result<(), HubError> {
        // What is done to the visit is written to its city's audit log.
        let tenant = tenant_of(&self.grants(document_id, entry).await?);
        let DocEntry {
            doc, saved_heads, ..
        } = &mut *entry;
        let Some(doc) = doc.as_mut() else {
            return Ok(());
        };
        let changed = doc.get_heads() != *saved_heads;
        // The reconciler: forms a counter asked to confirm are decided here, by the server
        // alone, and the decision goes back to every client in the document. A confirmed form
        // that goes to the core system gets its outbox record in the same transaction.
        let mut outbox = Vec::new();
        if doc.get_heads() != *saved_heads {
            let now = crate::clock::now_ms();
            // Every signing that reached the server is audited here, from the document
            // itself: also those made offline, and whatever a terminal reports or not. Who
            // brought it (session and terminal), the visit and the forms; never the strokes.
            for signing in signings_since(doc, saved_heads) {
                let mut detail = format!(
                    "{} {} {document_id}",
                    signing.role.ja(),
                    signing.forms.join(",")
                );
                if signing.terminal != by.1 {
                    detail.push_str(&format!(" 署名端末 {}", signing.terminal));
                }
                if let Some(bound) = &signing.foreign {
                    detail.push_str(&format!(" 他の受付 {bound} の署名"));
                }
                let _ =
                    self.store
                        .audit_for(tenant, now, &by.0, &by.1, "signature_captured", &detail);
            }
            let mut confirmed = Vec::new();
            let catalog = self.catalog_of(tenant);
            for decision in reconcile_document_in(doc, catalog, tokyo_day(now), now) {
                tracing::info!(
                    %document_id,
                    form = %decision.form,
                    state = decision.state.as_str(),
                    errors = decision.errors,
                    "form decided"
                );
                let _ = self.store.audit_for(
                    tenant,
                    now,
                    &by.0,
                    &by.1,
                    "form_decided",
                    &format!(
                        "{document_id} {} {}",
                        decision.form,
                        decision.state.as_str()
                    ),
                );
                if decision.state == shared_model::FormState::Confirmed {
                    confirmed.push(decision.form);
                }
            }
            if !confirmed.is_empty()
                && let Some(map) = self.export_map(tenant)
                && let Some((first, _)) = &self.exports
            {
                let store = &self.store;
                outbox = records_for_confirmed(
                    doc,
                    (tenant.unwrap_or(*first), catalog, document_id),
                    &confirmed,
                    map,
                    |form| store.outbox_attempts(&document_id, form),
                    |record| store.outbox_queued(record),
                    now,
                )?;
            }
        }
        // A visit handed to another 課 becomes theirs too.
        let department = entry
            .doc
            .as_ref()
            .and_then(shared_model::handling_department);
        if let Some(department) = department {
            // Of the visit's own city (a document nobody claimed yet has none to hand on).
            let grants = self.grants(document_id, entry).await?;
            if let Some(tenant) = tenant_of(&grants) {
                self.add_grant(
                    document_id,
                    entry,
                    Grant::department(tenant, department.as_str()),
                )
                .await?;
            }
        }
        self.audit_move(document_id, entry, department, &by).await;
        // The queue follows the document: handed on, the visit joins the next 課's queue
        // with its number; still waiting, it waits at the 窓口 its procedures now need.
        if changed || entry.queue_stop.is_none() {
            let now = crate::clock::now_ms();
            self.place_in_queue_with(document_id, entry, now).await;
        }
        self.persist(document_id, entry, outbox).await?;
        self.broadcast(document_id, entry);
        Ok(())
    }

    /// Writes what the document gained since it was last saved (with the outbox records it
    /// confirms, in one transaction), compacting when the chunks outgrow the snapshot.
    pub(super) async fn persist(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        outbox: Vec<OutboxEntry>,
    ) -> Result<(), HubError> {
        let DocEntry {
            doc, saved_heads, ..
        } = entry;
        let Some(doc) = doc.as_mut() else {
            return Ok(());
        };
        let heads = doc.get_heads();
        if heads == *saved_heads {
            return Ok(());
        }
        let chunk = doc.save_after(saved_heads);
        let store = self.store.clone();
        let records = outbox.len();
        let cities: std::collections::BTreeSet<LocalGovernmentCode> =
            outbox.iter().map(|e| e.tenant).collect();
        let sizes = tokio::task::spawn_blocking(move || {
            if outbox.is_empty() {
                store.append_incremental(&document_id, &chunk)
            } else {
                store.append_with_outbox(&document_id, &chunk, &outbox)
            }
        })
        .await
        .map_err(|_| HubError::Task)??;
        *saved_heads = heads.clone();
        if records > 0 {
            tracing::info!(%document_id, records, "records entered the outbox");
            for city in cities {
                self.outbox_filled(city).notify_one();
            }
        }
        if sizes.wants_compaction() {
            let snapshot = doc.save();
            let heads_hash = heads_hash(&heads);
            let store = self.store.clone();
            tokio::task::spawn_blocking(move || {
                store.compact(&document_id, &snapshot, &heads_hash)
            })
            .await
            .map_err(|_| HubError::Task)??;
            tracing::debug!(%document_id, "compacted");
        }
        Ok(())
    }

    /// Brings every client with the document open up to date.
    pub(super) fn broadcast(&self, document_id: DocumentId, entry: &mut DocEntry) {
        let DocEntry { doc, syncs, .. } = entry;
        let Some(doc) = doc.as_mut() else {
            return;
        };
        for (peer, state) in syncs.iter_mut() {
            if let Some(reply) = doc.sync().generate_sync_message(state) {
                self.send(
                    peer,
                    Message::Sync {
                        sender_id: self.server_id.clone(),
                        target_id: peer.clone(),
                        document_id,
                        data: reply.encode(),
                    },
                );
            }
        }
    }

    /// Writes the core system's progress on a record (送信済み, 基幹取込済み, 差戻し) into its
    /// visit, stores it and sends it to every client with the visit open. `false` when the
    /// visit is absent or no longer waits for this record.
    pub async fn record_exchange(
        &self,
        tenant: LocalGovernmentCode,
        update: &StatusUpdate,
    ) -> Result<bool, HubError> {
        let Ok(document_id) = update.doc_id.parse::<DocumentId>() else {
            return Ok(false);
        };
        let state = shared_model::FormState::from_name(&update.state);
        let mut entry = self.hold(document_id).await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let Some(doc) = entry.doc.as_mut() else {
            return Ok(false);
        };
        let taken = std::mem::take(doc);
        let mut visit = match shared_model::VisitDoc::from_doc(taken.clone()) {
            Ok(visit) => visit.in_catalog(self.catalog_of(Some(tenant))),
            Err(_) => {
                *doc = taken;
                return Ok(false);
            }
        };
        let changed = visit
            .record_exchange(
                &update.form,
                &update.record,
                state,
                update.at,
                update.reason.as_deref(),
            )
            .unwrap_or(false);
        // A 差戻し that names its column points at the person and the field on the screen.
        if changed
            && state == shared_model::FormState::Rejected
            && let Some((person, header)) = &update.concerns
            && let Some(item) = self
                .export_map(Some(tenant))
                .and_then(|map| map.target_of(&update.form))
                .and_then(|target| target.item_of(header))
        {
            let row = person.and_then(|p| (p as usize).checked_sub(1));
            let _ = visit.note_concern(&update.form, row, item);
        }
        *doc = visit.into_doc();
        if changed {
            self.persist(document_id, &mut entry, Vec::new()).await?;
            self.broadcast(document_id, &mut entry);
        }
        Ok(changed)
    }

    /// After a visit was registered: its grants are read again from the store (a kiosk's
    /// document refused before its registration reached the server — numbered offline —
    /// is reachable now), and it is placed in the queue of the 窓口 it waits at (see
    /// [`queue_stop`]), having joined at `joined_at`. The queue is placed again after every
    /// change ([`Hub::settle`]); a document not registered is left alone.
    pub async fn registered(&self, document_id: DocumentId, joined_at: i64) {
        let mut entry = self.hold(document_id).await;
        entry.grants = None;
        if self.ensure_loaded(document_id, &mut entry).await.is_err() {
            return;
        }
        entry.queue_stop = None;
        self.place_in_queue_with(document_id, &mut entry, joined_at)
            .await;
    }

    /// After a counter finished a visit's ticket (対応終了, or it called the next number):
    /// the visit is placed again, so with a procedure still open at another 窓口 of the 課
    /// it goes on to wait there (see [`shared_model::queue::placement`]).
    pub async fn requeue(&self, visit_id: &str) {
        let Ok(document_id) = visit_id.parse::<DocumentId>() else {
            return;
        };
        let mut entry = self.hold(document_id).await;
        if self.ensure_loaded(document_id, &mut entry).await.is_err() {
            return;
        }
        entry.queue_stop = None;
        let now = crate::clock::now_ms();
        self.place_in_queue_with(document_id, &mut entry, now).await;
    }

    async fn place_in_queue_with(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        joined_at: i64,
    ) {
        let catalog = self.catalog_of(entry.grants.as_deref().and_then(tenant_of));
        let wanted = queue_stop(catalog, entry.doc.as_ref());
        if entry.queue_stop.as_ref() == Some(&wanted) {
            return;
        }
        let keep = wanted.clone();
        let store = self.store.clone();
        let now = crate::clock::now_ms();
        let placed = tokio::task::spawn_blocking(move || match wanted {
            Some(wanted) => store.queue_place(&document_id, &wanted, joined_at, now),
            None => store
                .queue_leave(&document_id, now)
                .map(|_| Some(shared_model::queue::Placement::Stay)),
        })
        .await;
        match placed {
            Ok(Ok(Some(placement))) => {
                if placement != shared_model::queue::Placement::Stay {
                    tracing::info!(%document_id, ?placement, "queue");
                }
                entry.queue_stop = Some(keep);
            }
            // Not registered yet: placed when it is.
            Ok(Ok(None)) => {}
            Ok(Err(e)) => tracing::error!(error = %e, "queue placement failed"),
            Err(_) => tracing::error!("queue placement task died"),
        }
    }

    /// A visit that moved between 課 (handed on, or taken back with 「取り戻す」) is audited
    /// with its 受付番号 and both 課. A visit no 課 has taken yet is at 市民課.
    async fn audit_move(
        &self,
        document_id: DocumentId,
        entry: &mut DocEntry,
        now: Option<Department>,
        by: &(String, String),
    ) {
        let now = now.unwrap_or(Department::Shimin);
        let Some(before) = entry.at_department.replace(now).filter(|b| *b != now) else {
            return;
        };
        let how = entry
            .doc
            .as_ref()
            .and_then(|doc| shared_model::VisitDoc::from_doc(doc.clone()).ok())
            .and_then(|v| v.history().pop())
            .map(|h| h.action);
        let action = match how.as_deref() {
            Some("handed_off") => "visit_handed_off",
            Some("taken_back") => "visit_taken_back",
            _ => "visit_moved",
        };
        let tenant = entry.grants.as_deref().and_then(tenant_of);
        let (store, by) = (self.store.clone(), by.clone());
        let _ = tokio::task::spawn_blocking(move || {
            let number = store
                .visit_record(&document_id)
                .ok()
                .flatten()
                .map(|v| format!(" 受付{}", v.reception_number))
                .unwrap_or_default();
            store.audit_for(
                tenant,
                crate::clock::now_ms(),
                &by.0,
                &by.1,
                action,
                &format!("{document_id}{number} {} → {}", before.ja(), now.ja()),
            )
        })
        .await;
    }
}

/// The 窓口 a visit document waits at: the 課 handling it (市民課 before any) and there the
/// 窓口 of its first chosen procedure still open (else its first); none once it is completed
/// or cancelled
/// ([`shared_model::queue::wanted_stop`]). A document not (yet) readable as a visit waits at
/// 市民課's first 窓口. (Read from a copy: reading a visit may migrate an old document, which
/// must not happen to the server's own.)
fn queue_stop(
    city: shared_model::catalog::CityCatalog,
    doc: Option<&automerge::AutoCommit>,
) -> Option<shared_model::queue::Wanted> {
    let catalog = city.catalog;
    let visit = doc.and_then(|doc| {
        shared_model::VisitDoc::from_doc(doc.clone())
            .ok()
            .map(|v| v.in_catalog(city))
    });
    let department = doc
        .and_then(shared_model::handling_department)
        .unwrap_or(Department::Shimin);
    let (plan, open, state) = match &visit {
        Some(v) => {
            let plan = v.chosen_procedures();
            let statuses = v.form_statuses();
            // Open: a form not yet settled (確認済み and after, or refused).
            let open = plan
                .iter()
                .filter(|p| {
                    p.forms
                        .iter()
                        .any(|f| !statuses.get(f).is_some_and(|s| s.state.is_settled()))
                })
                .cloned()
                .collect();
            (plan, open, v.state())
        }
        None => (Vec::new(), Vec::new(), shared_model::VisitState::Received),
    };
    shared_model::queue::wanted_stop(catalog, department, &plan, &open, state)
}
