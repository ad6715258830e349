//! Signatures in the visit (see [`crate::signature`] for the strokes and the binding).
//!
//! A signing writes, for each form it covers, an entry under its digest in `signatures`
//! (never changed afterwards: a new signing is a new entry) and points `signed.<form>.<role>`
//! at it. When the server confirms the form it pins the digest in `status.<form>.signed.<role>`,
//! and from then on the form's signature is the pinned one, whatever a terminal that had not
//! heard of the confirmation signs and merges later. A form asked to be confirmed or settled
//! takes no new signature ([`VisitError::SignatureLocked`]); a 訂正 opens it again, as it does
//! the values.
//!
//! A signature covers the form's values at signing: its entry records their digest
//! ([`crate::catalog::VisitValues::form_digest`]), and once the form's values differ from it
//! the signature no longer counts ([`SignatureError::Stale`]: the counter is told
//! 「署名後に内容が変わりました。もう一度署名してください。」, the print leaves the box empty, and
//! the server refuses to confirm the form). A signature stored before entries recorded the
//! values covers none: the citizen signs again.
//!
//! ```
//! use shared_model::signature::{Point, SignerRole, Stroke};
//! use shared_model::{DocumentId, VisitDoc};
//!
//! let mut visit = VisitDoc::new(DocumentId::random(), "3", 0);
//! let strokes = vec![Stroke { points: vec![
//!     Point { x: 10, y: 20, t: 0, pressure: None },
//!     Point { x: 90, y: 40, t: 60, pressure: None },
//! ] }];
//! visit.sign(&["koseki_kofu".into()], SignerRole::Notifier, &strokes, 1, "t-0a1b2c3d4e5f").unwrap();
//! let signed = visit.signature("koseki_kofu", SignerRole::Notifier).unwrap().unwrap();
//! assert_eq!(signed.visit_id, visit.visit_id());
//! assert_eq!(signed.strokes, strokes);
//! ```

use std::collections::BTreeMap;

use automerge::transaction::Transactable;
use automerge::{ObjType, ReadDoc, ScalarValue};

use super::{FormState, VisitDoc, VisitError, change_err};
use crate::catalog::VisitValues;
use crate::signature::{
    Signature, SignatureError, SignerRole, Stroke, check_strokes, check_terminal, decode_strokes,
    encode_strokes,
};

impl VisitDoc {
    /// The citizen signed: the same strokes sign each of `forms` as `role`, at `at` (ms
    /// since the epoch) on `terminal`; the history says which forms (never the strokes).
    /// Returns each form's signature digest, in the order given.
    ///
    /// Errors, before anything is written: [`VisitError::Signature`] for strokes that are
    /// not a signature or a bad terminal id; [`VisitError::NotSigned`] for a form whose sheet
    /// has no box for `role`; [`VisitError::SignatureLocked`] for a form asked to be
    /// confirmed or settled; a form not in the catalog.
    pub fn sign(
        &mut self,
        forms: &[String],
        role: SignerRole,
        strokes: &[Stroke],
        at: i64,
        terminal: &str,
    ) -> Result<Vec<String>, VisitError> {
        check_terminal(terminal)?;
        check_strokes(strokes)?;
        let catalog = self.catalog;
        let mut titles = Vec::new();
        for form in forms {
            let entry = catalog.form(form)?;
            if !entry.takes_signature(role) {
                return Err(VisitError::NotSigned {
                    form: form.clone(),
                    role: role.as_str(),
                });
            }
            let state = self.form_status(form).state;
            if state == FormState::Requested || state.is_settled() {
                return Err(VisitError::SignatureLocked {
                    form: form.clone(),
                    state: state.as_str(),
                });
            }
            if !titles.contains(&entry.title.ja) {
                titles.push(entry.title.ja.clone());
            }
        }
        let visit_id = self.visit_id();
        let encoded = encode_strokes(strokes);
        let values = self.values();
        let mut digests = Vec::new();
        for form in forms {
            let covered = values.form_digest(catalog.form(form)?);
            let signature = Signature {
                visit_id: visit_id.clone(),
                form: form.clone(),
                role,
                at,
                terminal: terminal.to_owned(),
                strokes: strokes.to_vec(),
                values: Some(covered.clone()),
            };
            let digest = signature.digest();
            let entries = self.ensure_map(&["signatures"])?;
            if self
                .doc
                .get(&entries, &digest)
                .map_err(change_err)?
                .is_none()
            {
                let entry = self
                    .doc
                    .put_object(&entries, &digest, ObjType::Map)
                    .map_err(change_err)?;
                for (key, value) in [
                    ("visit_id", visit_id.as_str()),
                    ("form", form.as_str()),
                    ("role", role.as_str()),
                    ("terminal", terminal),
                    ("strokes", encoded.as_str()),
                    ("values", covered.as_str()),
                ] {
                    self.doc.put(&entry, key, value).map_err(change_err)?;
                }
                self.doc
                    .put(&entry, "at", ScalarValue::Timestamp(at))
                    .map_err(change_err)?;
            }
            let signed = self.ensure_map(&["signed", form])?;
            self.doc
                .put(&signed, role.as_str(), digest.as_str())
                .map_err(change_err)?;
            digests.push(digest);
        }
        if !digests.is_empty() {
            let (who, department) = self.acting();
            let detail = format!("{}: {}", role.ja(), titles.join("、"));
            self.log(at, &who, &department, "signed", Some(&detail))?;
            self.doc.commit();
        }
        Ok(digests)
    }

    /// The form's signature by `role`: the one the server pinned when it confirmed the form
    /// once the form is settled (確認済み and after), else the latest signed. `Ok(None)`:
    /// not signed (or confirmed unsigned).
    ///
    /// Errors: the signature found is not this visit's ([`SignatureError::Foreign`]), does
    /// not match its digest ([`SignatureError::Altered`]), does not cover the form's values
    /// as they are now ([`SignatureError::Stale`]), or its strokes do not read.
    pub fn signature(
        &self,
        form: &str,
        role: SignerRole,
    ) -> Result<Option<Signature>, SignatureError> {
        self.signature_over(form, role, &self.values())
    }

    /// [`VisitDoc::signature`] against the visit's values read once.
    fn signature_over(
        &self,
        form: &str,
        role: SignerRole,
        values: &VisitValues,
    ) -> Result<Option<Signature>, SignatureError> {
        let path: [&str; 3] = if self.form_status(form).state.is_settled() {
            ["status", form, "signed"]
        } else {
            ["signed", form, ""]
        };
        let holder = if path[2].is_empty() {
            self.find_obj(&path[..2])
        } else {
            self.find_obj(&path)
        };
        let Some(digest) = holder.and_then(|h| self.read_string(&h, role.as_str())) else {
            return Ok(None);
        };
        let signature = self.signature_entry(form, role, &digest)?;
        let current = self
            .catalog
            .form(form)
            .map(|f| values.form_digest(f))
            .map_err(|_| SignatureError::Stale)?;
        if !signature.covers(&current) {
            return Err(SignatureError::Stale);
        }
        Ok(Some(signature))
    }

    /// Every form's signature by `role` (see [`VisitDoc::signature`]): form id → the
    /// signature, or why it does not count. Forms never signed are left out.
    pub fn signatures(
        &self,
        role: SignerRole,
    ) -> BTreeMap<String, Result<Signature, SignatureError>> {
        let mut forms: Vec<String> = self
            .find_obj(&["signed"])
            .map(|o| self.doc.keys(&o).collect())
            .unwrap_or_default();
        forms.extend(self.form_statuses().into_keys());
        let values = self.values();
        forms
            .into_iter()
            .filter_map(|form| match self.signature_over(&form, role, &values) {
                Ok(None) => None,
                Ok(Some(s)) => Some((form, Ok(s))),
                Err(e) => Some((form, Err(e))),
            })
            .collect()
    }

    /// Every role's signature of the form as the reconciler checks it before confirming:
    /// the first that does not count is the error.
    pub(super) fn signature_check(&self, form: &str) -> Result<Vec<Signature>, SignatureError> {
        let values = self.values();
        SignerRole::ALL
            .into_iter()
            .filter_map(|role| self.signature_over(form, role, &values).transpose())
            .collect()
    }

    /// The server's side, confirming: pins the digests of the form's signatures, so that the
    /// form's signature stays the one confirmed.
    pub(super) fn pin_signature(
        &mut self,
        form: &str,
        signatures: &[Signature],
    ) -> Result<(), VisitError> {
        if signatures.is_empty() {
            return Ok(());
        }
        let pins = self.ensure_map(&["status", form, "signed"])?;
        for signature in signatures {
            self.doc
                .put(&pins, signature.role.as_str(), signature.digest())
                .map_err(change_err)?;
        }
        self.doc.commit();
        Ok(())
    }

    /// The entry stored under `digest`, checked against this visit, the form, the role and
    /// the digest itself.
    fn signature_entry(
        &self,
        form: &str,
        role: SignerRole,
        digest: &str,
    ) -> Result<Signature, SignatureError> {
        let unreadable = SignatureError::Malformed {
            stroke: 0,
            point: 0,
        };
        let entry = match self.find_obj(&["signatures", digest]) {
            Some(entry) => entry,
            None => return Err(unreadable),
        };
        let text = |key: &str| self.read_string(&entry, key);
        let bound = text("visit_id").ok_or(unreadable.clone())?;
        let visit = self.visit_id();
        if bound != visit {
            return Err(SignatureError::Foreign { bound, visit });
        }
        let signature = Signature {
            visit_id: bound,
            form: text("form").ok_or(unreadable.clone())?,
            role: text("role")
                .and_then(|r| SignerRole::from_name(&r))
                .ok_or(unreadable.clone())?,
            at: self.read_time(&entry, "at").ok_or(unreadable.clone())?,
            terminal: text("terminal").ok_or(unreadable.clone())?,
            strokes: decode_strokes(&text("strokes").ok_or(unreadable)?)?,
            values: text("values"),
        };
        if signature.form != form || signature.role != role || signature.digest() != digest {
            return Err(SignatureError::Altered);
        }
        // What the screen and the print show of it: a terminal id, never markup.
        check_terminal(&signature.terminal)?;
        Ok(signature)
    }
}

#[cfg(test)]
mod tests;

/// One signing found in a document: the forms one pen signed at once (entries of the same
/// role, time and terminal), for the audit log. Never the strokes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signing {
    /// Who signed.
    pub role: SignerRole,
    /// The forms, in the order of their ids.
    pub forms: Vec<String>,
    /// The terminal the entries say they were signed at.
    pub terminal: String,
    /// When, ms since the epoch.
    pub at: i64,
    /// The visit the entries name, when it is not this document's (a copy from another
    /// visit, which never counts: see [`crate::signature::SignatureError::Foreign`]).
    pub foreign: Option<String>,
}

/// The server's side: the signings a document gained since `heads` (its state when last
/// stored; empty for a document new to the server), read from the raw document without
/// loading the visit. Entries that do not read are left out; a document that is not a visit
/// has none.
pub fn signings_since(
    doc: &automerge::AutoCommit,
    heads: &[automerge::ChangeHash],
) -> Vec<Signing> {
    use automerge::{ROOT, Value};
    let Ok(Some((Value::Object(ObjType::Map), entries))) = doc.get(ROOT, "signatures") else {
        return Vec::new();
    };
    let before: std::collections::BTreeSet<String> = if heads.is_empty() {
        Default::default()
    } else {
        match doc.get_at(ROOT, "signatures", heads) {
            Ok(Some((Value::Object(ObjType::Map), old))) => doc.keys_at(&old, heads).collect(),
            _ => Default::default(),
        }
    };
    let text = |obj: &automerge::ObjId, key: &str| match doc.get(obj, key) {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().map(str::to_owned),
        Ok(Some((Value::Object(ObjType::Text), id))) => doc.text(&id).ok(),
        _ => None,
    };
    let visit = text(&ROOT, "visit_id").unwrap_or_default();
    let mut signings: BTreeMap<(i64, String, SignerRole, Option<String>), Vec<String>> =
        BTreeMap::new();
    for digest in doc.keys(&entries).filter(|k| !before.contains(k)) {
        let Ok(Some((Value::Object(ObjType::Map), entry))) = doc.get(&entries, &digest) else {
            continue;
        };
        let at = match doc.get(&entry, "at") {
            Ok(Some((Value::Scalar(s), _))) => match s.as_ref() {
                ScalarValue::Timestamp(t) | ScalarValue::Int(t) => *t,
                _ => continue,
            },
            _ => continue,
        };
        let (Some(form), Some(role), Some(terminal), Some(bound)) = (
            text(&entry, "form"),
            text(&entry, "role").and_then(|r| SignerRole::from_name(&r)),
            text(&entry, "terminal"),
            text(&entry, "visit_id"),
        ) else {
            continue;
        };
        let foreign = (bound != visit).then_some(bound);
        signings
            .entry((at, terminal, role, foreign))
            .or_default()
            .push(form);
    }
    signings
        .into_iter()
        .map(|((at, terminal, role, foreign), mut forms)| {
            forms.sort();
            forms.dedup();
            Signing {
                role,
                forms,
                terminal,
                at,
                foreign,
            }
        })
        .collect()
}
