//! 訂正: a confirmed form's values are fixed (確認済み, 送信済み, 基幹取込済み); a change goes
//! through a correction opened with a reason. The form returns to 訂正中, is edited, and is
//! confirmed by the server again; the record that then carries it names the record it
//! corrects (`corrects`), or replaces it when that one had not left the server yet.
//!
//! ```
//! use shared_model::catalog::Department;
//! use shared_model::{DocumentId, FormState, VisitChange, VisitDoc};
//!
//! let mut visit = VisitDoc::new(DocumentId::random(), "5", 0);
//! let open = VisitChange::OpenCorrection {
//!     form: "koseki_kofu".into(), reason: "続柄の誤り".into(), name: "市民 一郎".into(),
//!     department: Department::Shimin, at: 4,
//! };
//! // A draft needs no correction: nothing changes.
//! assert!(!visit.apply(&open).unwrap());
//! assert_eq!(visit.form_status("koseki_kofu").state, FormState::Draft);
//! ```

use automerge::transaction::Transactable;

use super::{FormState, VisitDoc, VisitError, change_err};
use crate::catalog::Department;

impl VisitDoc {
    /// Opens a correction of a settled form: 訂正中 with the reason, the record it had moved
    /// to `corrects` (so that a late answer about it no longer changes the form), and a line
    /// in the history. A form that is not settled needs no correction: a no-op.
    ///
    /// Errors: [`VisitError::NoReason`] for an empty reason; a form not in the catalog.
    pub fn open_correction(
        &mut self,
        form: &str,
        reason: &str,
        name: &str,
        department: Department,
        at: i64,
    ) -> Result<(), VisitError> {
        let title = self.catalog.form(form)?.title.ja.clone();
        if reason.trim().is_empty() {
            return Err(VisitError::NoReason);
        }
        let status = self.form_status(form);
        if !status.state.is_settled() {
            return Ok(());
        }
        self.put_status(form, FormState::Correcting, at, Some(reason.trim()))?;
        let obj = self.ensure_map(&["status", form])?;
        if let Some(record) = status.record {
            self.doc
                .put(&obj, "corrects", record.as_str())
                .map_err(change_err)?;
            self.doc.delete(&obj, "record").map_err(change_err)?;
        }
        let detail = format!("{title}: {}", reason.trim());
        self.log(
            at,
            name,
            department.ja(),
            "correction_opened",
            Some(&detail),
        )?;
        self.doc.commit();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocumentId;
    use crate::calendar::CivilDay;
    use crate::visit::VisitChange;

    /// A visit whose 戸籍証明書 request was confirmed and sent as `r-1`.
    fn sent() -> VisitDoc {
        let mut v = VisitDoc::new(DocumentId::random(), "1", 0);
        for (key, person, value) in [
            ("visit.notified_on", None, "2027-04-01"),
            ("visit.notifier_name", None, "高崎 花子"),
            ("visit.notifier_phone", None, "027-321-1111"),
            ("visit.identity_document", None, "my_number_card"),
            ("person.honseki", Some(0), "群馬県高崎市高松町35番地1"),
            ("person.hittosha", Some(0), "高崎 太郎"),
            ("person.name", Some(0), "高崎 花子"),
            ("person.birth_date", Some(0), "1985-01-02"),
        ] {
            v.set_item(key, person, value).unwrap();
        }
        v.set_form_field("koseki_kofu", "relation", "self").unwrap();
        v.set_form_field("koseki_kofu", "copies.zenbu", "1")
            .unwrap();
        v.request_confirmation("koseki_kofu", 1).unwrap();
        v.reconcile(CivilDay::new(2027, 4, 1).unwrap(), 2).unwrap();
        assert_eq!(v.form_status("koseki_kofu").state, FormState::Confirmed);
        v.attach_record("koseki_kofu", "r-1").unwrap();
        v.record_exchange("koseki_kofu", "r-1", FormState::Sent, 3, None)
            .unwrap();
        v
    }

    fn open(v: &mut VisitDoc, reason: &str) -> Result<bool, VisitError> {
        v.apply(&VisitChange::OpenCorrection {
            form: "koseki_kofu".into(),
            reason: reason.into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 10,
        })
    }

    #[test]
    fn a_sent_form_is_corrected_with_a_reason_and_confirmed_again() {
        let mut v = sent();
        let status = v.form_status("koseki_kofu");
        assert_eq!(status.state, FormState::Sent, "fixture: {status:?}");
        assert!(matches!(open(&mut v, ""), Err(VisitError::NoReason)));
        assert!(open(&mut v, "請求者の続柄の誤り").unwrap());
        let status = v.form_status("koseki_kofu");
        assert_eq!(status.state, FormState::Correcting);
        assert_eq!(status.reason.as_deref(), Some("請求者の続柄の誤り"));
        assert_eq!(
            (status.record, status.corrects.as_deref()),
            (None, Some("r-1"))
        );
        // A late answer about the corrected record changes nothing.
        assert!(
            !v.record_exchange("koseki_kofu", "r-1", FormState::Accepted, 11, None)
                .unwrap()
        );
        let last = v.history().pop().unwrap();
        assert_eq!(last.action, "correction_opened");
        assert_eq!(
            last.detail.as_deref(),
            Some("戸籍証明書等 交付請求書: 請求者の続柄の誤り")
        );
        // Asked again, confirmed again; the correction still names what it corrects.
        v.request_confirmation("koseki_kofu", 12).unwrap();
        v.reconcile(CivilDay::new(2027, 4, 1).unwrap(), 13).unwrap();
        let status = v.form_status("koseki_kofu");
        assert_eq!(status.state, FormState::Confirmed);
        assert_eq!(status.corrects.as_deref(), Some("r-1"));
    }

    #[test]
    fn a_draft_needs_no_correction() {
        let mut v = VisitDoc::new(DocumentId::random(), "1", 0);
        assert!(!open(&mut v, "理由").unwrap());
        assert_eq!(v.form_status("koseki_kofu").state, FormState::Draft);
    }
}
