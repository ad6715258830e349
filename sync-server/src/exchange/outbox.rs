//! From a confirmed form to an outbox record. When the reconciler confirms a form that an
//! export target carries, the record that will take it to the core system is made here: its
//! id (`<visit>-<form>-<attempt>`, a new attempt after each 差戻し) is written into the
//! visit's status, and its lines are laid out as the target says at that moment. The hub
//! stores the record in the same transaction as the document change, so a confirmation is
//! never without its record, nor a record without its confirmation.

use automerge::AutoCommit;
use shared_model::calendar::tokyo_day;
use shared_model::tenant::LocalGovernmentCode;
use shared_model::{DocumentId, VisitDoc};

use super::export_map::{ExportMap, RecordFacts};
use crate::store::{OutboxEntry, StoreError};

/// The outbox records for the forms just confirmed in `doc` (of the city `tenant`) (those no target carries are
/// skipped). `attempts(form)` says how many records the form has had before.
pub fn records_for_confirmed(
    doc: &mut AutoCommit,
    (tenant, city, document_id): (
        LocalGovernmentCode,
        shared_model::catalog::CityCatalog,
        DocumentId,
    ),
    confirmed: &[String],
    map: &ExportMap,
    attempts: impl Fn(&str) -> Result<u32, StoreError>,
    queued: impl Fn(&str) -> Result<bool, StoreError>,
    now_ms: i64,
) -> Result<Vec<OutboxEntry>, StoreError> {
    let exported: Vec<&String> = confirmed
        .iter()
        .filter(|form| map.target_of(form).is_some())
        .collect();
    if exported.is_empty() {
        return Ok(Vec::new());
    }
    let taken = std::mem::take(doc);
    let mut visit = match VisitDoc::from_doc(taken.clone()) {
        Ok(visit) => visit.in_catalog(city),
        Err(_) => {
            *doc = taken;
            return Ok(Vec::new());
        }
    };
    let values = visit.values();
    let reception_number = visit.reception_number();
    let visit_id = document_id.to_string();
    let mut entries = Vec::new();
    let mut failure = None;
    for form in exported {
        let Some(target) = map.target_of(form) else {
            continue;
        };
        let attempt = match attempts(form) {
            Ok(n) => n + 1,
            Err(e) => {
                failure = Some(e);
                break;
            }
        };
        let record = format!("{visit_id}-{form}-{attempt}");
        // A 訂正: the record it corrects is named in the new one, or — when that one has not
        // left the server yet — replaced by it.
        let corrects = visit.form_status(form).corrects;
        let (corrects, supersedes) = match corrects {
            Some(old) => match queued(&old) {
                Ok(true) => (None, Some(old)),
                Ok(false) => (Some(old), None),
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            },
            None => (None, None),
        };
        let facts = RecordFacts {
            record: &record,
            visit: &visit_id,
            reception_number: &reception_number,
            form,
            confirmed_on: tokyo_day(now_ms),
            corrects: corrects.as_deref(),
        };
        // A value with no canonical form never goes out as typed: the record is sent back
        // (差戻し) at once, with the reason, and the counter corrects it and asks again.
        let (lines, refused) = match target.lines(&facts, &values) {
            Ok(lines) => (lines, None),
            Err(reason) => (Vec::new(), Some(reason)),
        };
        if visit.attach_record(form, &record).is_err() {
            continue;
        }
        entries.push(OutboxEntry {
            tenant,
            record,
            target: target.id.clone(),
            form: form.clone(),
            header: target.headers(),
            lines,
            confirmed_at: now_ms,
            refused,
            supersedes,
        });
    }
    *doc = visit.into_doc();
    match failure {
        Some(e) => Err(e),
        None => Ok(entries),
    }
}
