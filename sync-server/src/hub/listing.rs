//! What is read of a visit without syncing it: the list view a 課's list shows (cached by
//! heads) and any read of the document.

use automerge::AutoCommit;
use shared_model::DocumentId;

use super::{DocEntry, Hub, HubError};

/// What a 課's list shows of a visit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitListing {
    /// Which 課 has it and who holds it.
    pub handling: shared_model::Handling,
    /// Forms by state (`requested`, `confirmed`, `refused`, `sent`, `accepted`, `rejected`).
    pub forms: std::collections::BTreeMap<&'static str, usize>,
    /// Where the visit is in its life.
    pub state: shared_model::VisitState,
    /// The applicant's 氏名, once entered.
    pub name: Option<String>,
    /// The procedures still open (a form not yet confirmed), with the 課 of each, by title.
    pub open_procedures: Vec<(String, shared_model::catalog::Department)>,
}

impl Hub {
    /// Reads a document as the server has it now (loading it from storage if needed).
    pub async fn read<T>(
        &self,
        document_id: DocumentId,
        f: impl FnOnce(&mut AutoCommit) -> T,
    ) -> Result<Option<T>, HubError> {
        let mut entry = self.hold(document_id).await;
        self.ensure_loaded(document_id, &mut entry).await?;
        Ok(entry.doc.as_mut().map(f))
    }

    /// The list view of a visit (`None` if the document is absent or not a visit).
    pub async fn visit_listing(
        &self,
        document_id: DocumentId,
    ) -> Result<Option<VisitListing>, HubError> {
        let mut entry = self.hold(document_id).await;
        self.ensure_loaded(document_id, &mut entry).await?;
        let DocEntry { doc, listing, .. } = &mut *entry;
        let Some(doc) = doc.as_mut() else {
            return Ok(None);
        };
        let heads = doc.get_heads();
        if let Some((at, cached)) = listing
            && *at == heads
        {
            return Ok(cached.clone());
        }
        let fresh = shared_model::VisitDoc::from_doc(doc.clone()).ok().map(|v| {
            let mut forms = std::collections::BTreeMap::new();
            for status in v.form_statuses().values() {
                let key = match status.state {
                    shared_model::FormState::Draft => continue,
                    state => state.as_str(),
                };
                *forms.entry(key).or_default() += 1;
            }
            let statuses = v.form_statuses();
            let open_procedures = v
                .chosen_procedures()
                .into_iter()
                .filter(|p| {
                    p.forms
                        .iter()
                        .any(|f| !statuses.get(f).is_some_and(|s| s.state.is_settled()))
                })
                .map(|p| (p.title.ja, p.department))
                .collect();
            VisitListing {
                handling: v.handling(),
                forms,
                state: v.state(),
                name: v
                    .item("person.name", Some(0))
                    .filter(|n| !n.trim().is_empty()),
                open_procedures,
            }
        });
        *listing = Some((heads, fresh.clone()));
        Ok(fresh)
    }
}
