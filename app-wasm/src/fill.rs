//! Carrying a [`Prefill`] out into a visit: from the resident register (住基) or from a
//! document the citizen brought ([`shared_model::document_read`]).
//!
//! Every fill goes the same way: the plan's changes (new person rows, then each item only
//! if it still holds what the plan saw), one history line, and an announcement for screen
//! readers. A fill from a document also marks each item it wrote, so the screen shows where
//! it came from until someone edits it.

use shared_model::catalog::VisitValues;
use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};
use shared_model::navi::{Answers, LifeEvent};
use shared_model::prefill::Prefill;
use shared_model::{DocumentId, VisitChange};

use crate::context::AppContext;
use crate::i18n::{Text, ja};
use crate::repo::RepoHandle;
use crate::state::Action;

/// Where a fill's values come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FillSource {
    /// The resident register (住基), looked up on the server.
    Register,
    /// A document the citizen brought, read at the counter or the kiosk.
    Document(DocumentKind, ReadPath),
}

/// Writes `plan` into visit `id` (every item, or only blanks when `replace` is false), notes
/// it in the visit's history and announces how many items were written. Returns that count.
pub fn carry_out(
    repo: &RepoHandle,
    app: &AppContext,
    id: DocumentId,
    plan: &Prefill,
    replace: bool,
    source: FillSource,
) -> usize {
    let changes = plan.visit_changes(replace);
    let written: Vec<(String, Option<usize>, String)> = changes
        .iter()
        .filter_map(|c| match c {
            VisitChange::ItemIf {
                key, person, value, ..
            } => Some((key.clone(), *person, value.clone())),
            _ => None,
        })
        .collect();
    for change in changes {
        repo.change(id, change);
    }
    let at = js_sys::Date::now() as i64;
    let count = written.len();
    // Nothing new: no line in the 経過 and nothing to announce but that.
    if count == 0 && plan.new_persons == 0 {
        app.dispatch(Action::Announce(ja(Text::AnnounceNothingNew).to_owned()));
        return 0;
    }
    match source {
        // The 経過 says the register filled the visit, and how much of it.
        FillSource::Register => repo.change(
            id,
            VisitChange::FilledFromRegister {
                items: count,
                household: plan.new_persons > 0
                    || plan.changes.iter().any(|c| c.person.unwrap_or(0) > 0),
                at,
            },
        ),
        FillSource::Document(document, path) => repo.change(
            id,
            VisitChange::FilledFromDocument {
                document,
                path,
                items: written,
                at,
            },
        ),
    }
    let announce = match source {
        FillSource::Register => ja(Text::AnnounceFilled).to_owned(),
        FillSource::Document(document, _) => {
            ja(Text::AnnounceFilledFromDocument).replace("{d}", document.label_ja())
        }
    };
    app.dispatch(Action::Announce(
        announce.replace("{n}", &count.to_string()),
    ));
    count
}

/// A 転出証明書 read whole at a counter or the kiosk: the read audited (its kind), the navi
/// set to 転入 when nothing was answered yet (a 転出証明書 is brought for a 転入), and the
/// fill of `read` planned against `values` (what visit `id` holds now).
pub fn plan_certificate(
    repo: &RepoHandle,
    id: DocumentId,
    values: &VisitValues,
    event: Option<LifeEvent>,
    read: &DocumentRead,
) -> Prefill {
    wasm_bindgen_futures::spawn_local(crate::api::audit_document_read(
        DocumentKind::TransferCertificate,
        ReadPath::Qr,
        Some(id),
    ));
    if event.is_none() {
        repo.change(
            id,
            VisitChange::Answers {
                answers: Answers::new(LifeEvent::Tennyu),
                at: js_sys::Date::now() as i64,
            },
        );
    }
    Prefill::read(values, read, Some(event.unwrap_or(LifeEvent::Tennyu)))
}
