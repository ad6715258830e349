//! A visit's life-cycle: 受付 (registered, no counter has opened it) → 対応中 (held at a 課)
//! → 回付 (handed on, waiting at the next 課) → … → 完了, or 取消 with a reason for a
//! mistaken or abandoned visit. The state is read from the document (`handling`, `history`
//! and `closed`), never stored twice.
//!
//! ```text
//! closed: map        state: "completed" | "cancelled", reason, at, who, department
//! ```
//!
//! ```
//! use shared_model::catalog::Department;
//! use shared_model::{DocumentId, VisitChange, VisitDoc, VisitState};
//!
//! let mut visit = VisitDoc::new(DocumentId::random(), "3", 0);
//! assert_eq!(visit.state(), VisitState::Received);
//! visit.apply(&VisitChange::Take {
//!     login: "shimin01".into(), name: "市民 一郎".into(), department: Department::Shimin, at: 1,
//! }).unwrap();
//! assert_eq!(visit.state(), VisitState::InProgress);
//! visit.apply(&VisitChange::Complete {
//!     name: "市民 一郎".into(), department: Department::Shimin, at: 2,
//! }).unwrap();
//! assert_eq!(visit.state(), VisitState::Completed);
//! ```

use automerge::transaction::Transactable;
use automerge::{ObjType, ROOT, ScalarValue};

use super::{VisitDoc, VisitError, change_err};
use crate::catalog::Department;

/// Where a visit is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitState {
    /// 受付: registered (at the kiosk or a counter), no counter has opened it yet.
    Received,
    /// 対応中: a staff member of the 課 it is at holds it.
    InProgress,
    /// 回付: handed on, waiting at the next 課 with no holder.
    HandedOn,
    /// 完了: every procedure of the visit is done.
    Completed,
    /// 取消: mistaken or abandoned, with a reason.
    Cancelled,
}

impl VisitState {
    /// The stable name (`received`, `in_progress`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            VisitState::Received => "received",
            VisitState::InProgress => "in_progress",
            VisitState::HandedOn => "handed_on",
            VisitState::Completed => "completed",
            VisitState::Cancelled => "cancelled",
        }
    }

    /// In Japanese, as the lists show it.
    pub fn ja(self) -> &'static str {
        match self {
            VisitState::Received => "受付",
            VisitState::InProgress => "対応中",
            VisitState::HandedOn => "回付",
            VisitState::Completed => "完了",
            VisitState::Cancelled => "取消",
        }
    }

    /// Whether the visit is over (完了 or 取消).
    pub fn is_closed(self) -> bool {
        matches!(self, VisitState::Completed | VisitState::Cancelled)
    }
}

/// How a visit was closed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Closing {
    /// 完了 or 取消.
    pub state: VisitState,
    /// Why it was cancelled (empty for a completed visit).
    pub reason: String,
    /// When, ms since the epoch.
    pub at: i64,
    /// Who closed it (a staff name, or `system` for the day's end).
    pub who: String,
    /// At which 課.
    pub department: String,
}

impl VisitDoc {
    /// Where the visit is in its life (see [`VisitState`]).
    pub fn state(&self) -> VisitState {
        if let Some(closing) = self.closing() {
            return closing.state;
        }
        let reached_a_counter = self
            .history()
            .iter()
            .any(|h| matches!(h.action.as_str(), "opened" | "taken_back" | "reopened"));
        if !reached_a_counter {
            VisitState::Received
        } else if self.handling().holder.is_some() {
            VisitState::InProgress
        } else {
            VisitState::HandedOn
        }
    }

    /// How the visit was closed, if it was.
    pub fn closing(&self) -> Option<Closing> {
        let obj = self.find_obj(&["closed"])?;
        let state = match self.read_string(&obj, "state")?.as_str() {
            "completed" => VisitState::Completed,
            "cancelled" => VisitState::Cancelled,
            _ => return None,
        };
        Some(Closing {
            state,
            reason: self.read_string(&obj, "reason").unwrap_or_default(),
            at: self.read_time(&obj, "at").unwrap_or(0),
            who: self.read_string(&obj, "who").unwrap_or_default(),
            department: self.read_string(&obj, "department").unwrap_or_default(),
        })
    }

    /// 完了: the visit is done at `department`; it leaves the 課's queue of waiting visits.
    /// A no-op for a visit already closed.
    pub fn complete(
        &mut self,
        name: &str,
        department: Department,
        at: i64,
    ) -> Result<(), VisitError> {
        self.close(VisitState::Completed, "", name, department.ja(), at)
    }

    /// 取消: the visit was a mistake or was abandoned; `reason` says which (required).
    ///
    /// Errors: [`VisitError::NoReason`] for an empty reason. A no-op for a visit already
    /// closed.
    pub fn cancel(
        &mut self,
        reason: &str,
        name: &str,
        department: &str,
        at: i64,
    ) -> Result<(), VisitError> {
        if reason.trim().is_empty() {
            return Err(VisitError::NoReason);
        }
        self.close(VisitState::Cancelled, reason.trim(), name, department, at)
    }

    /// 再開: a closed visit is open again, held by this staff member at their 課.
    pub fn reopen(
        &mut self,
        login: &str,
        name: &str,
        department: Department,
        at: i64,
    ) -> Result<(), VisitError> {
        if self.closing().is_none() {
            return Ok(());
        }
        self.doc.delete(ROOT, "closed").map_err(change_err)?;
        self.hold(login, name, department)?;
        let obj = self.ensure_map(&["handling"])?;
        self.doc
            .put(&obj, "department", department.as_str())
            .map_err(change_err)?;
        self.doc
            .put(&obj, "since", ScalarValue::Timestamp(at))
            .map_err(change_err)?;
        self.log(at, name, department.ja(), "reopened", None)?;
        self.doc.commit();
        Ok(())
    }

    fn close(
        &mut self,
        state: VisitState,
        reason: &str,
        who: &str,
        department: &str,
        at: i64,
    ) -> Result<(), VisitError> {
        if self.closing().is_some() {
            return Ok(());
        }
        let obj = self
            .doc
            .put_object(ROOT, "closed", ObjType::Map)
            .map_err(change_err)?;
        self.doc
            .put(&obj, "state", state.as_str())
            .map_err(change_err)?;
        if !reason.is_empty() {
            self.doc.put(&obj, "reason", reason).map_err(change_err)?;
        }
        self.doc
            .put(&obj, "at", ScalarValue::Timestamp(at))
            .map_err(change_err)?;
        self.doc.put(&obj, "who", who).map_err(change_err)?;
        self.doc
            .put(&obj, "department", department)
            .map_err(change_err)?;
        // Nobody holds a closed visit.
        let handling = self.ensure_map(&["handling"])?;
        self.doc.put(&handling, "holder", "").map_err(change_err)?;
        self.doc
            .put(&handling, "holder_login", "")
            .map_err(change_err)?;
        let action = match state {
            VisitState::Cancelled => "cancelled",
            _ => "completed",
        };
        self.log(
            at,
            who,
            department,
            action,
            (!reason.is_empty()).then_some(reason),
        )?;
        self.doc.commit();
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DocumentId;
    use crate::visit::VisitChange;

    fn taken() -> VisitDoc {
        let mut v = VisitDoc::new(DocumentId::random(), "1", 0);
        v.apply(&VisitChange::Take {
            login: "shimin01".into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 10,
        })
        .unwrap();
        v
    }

    #[test]
    fn received_in_progress_handed_on_completed() {
        let mut v = VisitDoc::new(DocumentId::random(), "1", 0);
        assert_eq!(v.state(), VisitState::Received);
        v = taken();
        assert_eq!(v.state(), VisitState::InProgress);
        v.apply(&VisitChange::HandOff {
            to: Department::HokenNenkin,
            name: "市民 一郎".into(),
            from: Department::Shimin,
            at: 20,
        })
        .unwrap();
        assert_eq!(v.state(), VisitState::HandedOn);
        v.apply(&VisitChange::Take {
            login: "hoken01".into(),
            name: "保険 花子".into(),
            department: Department::HokenNenkin,
            at: 30,
        })
        .unwrap();
        assert_eq!(v.state(), VisitState::InProgress);
        v.apply(&VisitChange::Complete {
            name: "保険 花子".into(),
            department: Department::HokenNenkin,
            at: 40,
        })
        .unwrap();
        assert_eq!(v.state(), VisitState::Completed);
        assert_eq!(v.handling().holder, None);
        let last = v.history().pop().unwrap();
        assert_eq!(
            (last.action.as_str(), last.department.as_str()),
            ("completed", "保険年金課")
        );
        // Completing twice changes nothing.
        assert!(
            !v.apply(&VisitChange::Complete {
                name: "保険 花子".into(),
                department: Department::HokenNenkin,
                at: 50,
            })
            .unwrap()
        );
    }

    #[test]
    fn a_cancellation_needs_a_reason_and_can_be_reopened() {
        let mut v = taken();
        let cancel = |reason: &str| VisitChange::Cancel {
            reason: reason.into(),
            name: "市民 一郎".into(),
            department: Department::Shimin,
            at: 20,
        };
        assert!(matches!(v.apply(&cancel("  ")), Err(VisitError::NoReason)));
        v.apply(&cancel("受付番号の取り違え")).unwrap();
        let closing = v.closing().unwrap();
        assert_eq!(
            (closing.state, closing.reason.as_str(), closing.who.as_str()),
            (VisitState::Cancelled, "受付番号の取り違え", "市民 一郎")
        );
        v.apply(&VisitChange::Reopen {
            login: "shimin02".into(),
            name: "市民 二郎".into(),
            department: Department::Shimin,
            at: 30,
        })
        .unwrap();
        assert_eq!(v.state(), VisitState::InProgress);
        assert_eq!(v.handling().holder.as_deref(), Some("市民 二郎"));
        assert_eq!(v.history().pop().unwrap().action, "reopened");
    }
}
