//! [`VisitDoc`]: one citizen's visit to the counters, as an Automerge document.
//!
//! Layout of the document (schema version 1):
//!
//! ```text
//! ROOT
//! ├── schema_version: u64          (1)
//! ├── visit_id: str                (the document id, bs58check)
//! ├── reception_number: str        (受付番号, assigned by the server)
//! ├── created_at: timestamp        (ms since the epoch)
//! ├── applicant: map               (申請者: name, kana, birth_date, address)
//! └── forms: map
//!     └── jumin_idou_tenkyo: map   (住民異動届 転居: moved_on, new_address, old_address)
//! ```
//!
//! Every field value is a scalar string, so two counters that set the same field concurrently
//! leave both values in the document (last-writer-wins on read, both visible through
//! [`VisitDoc::conflicts`]).
//!
//! Migration rule: a document carries `schema_version`. A reader accepts its own version and
//! older ones (adding missing maps on first write); a document of a newer version is refused
//! with [`VisitError::NewerSchema`] instead of being read wrongly.
//!
//! ```
//! use shared_model::{DocumentId, Field, VisitDoc};
//!
//! let mut visit = VisitDoc::new(DocumentId::random(), "12", 1_790_000_000_000);
//! visit.set(Field::ApplicantName, "高崎 花子").unwrap();
//! let bytes = visit.save();
//! let loaded = VisitDoc::load(&bytes).unwrap();
//! assert_eq!(loaded.get(Field::ApplicantName).as_deref(), Some("高崎 花子"));
//! ```

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::document_id::DocumentId;

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 1;

/// The form id of 住民異動届 (転居) inside `forms`.
pub const FORM_TENKYO: &str = "jumin_idou_tenkyo";

/// What went wrong reading or writing a visit document.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The bytes are not an Automerge document.
    #[error("not a readable Automerge document: {0}")]
    Load(#[source] automerge::AutomergeError),
    /// The document was written by a newer version of the app.
    #[error("visit document has schema version {found}; this app reads up to {SCHEMA_VERSION}")]
    NewerSchema {
        /// The version found.
        found: u64,
    },
    /// The document has no `visit_id`, so it is not a visit.
    #[error("document is not a visit (no visit_id)")]
    NotAVisit,
    /// A change could not be applied.
    #[error("could not change the visit document: {0}")]
    Change(#[source] automerge::AutomergeError),
}

/// A field of the visit that a person fills in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 氏名
    ApplicantName,
    /// フリガナ
    ApplicantKana,
    /// 生年月日 (YYYY-MM-DD)
    ApplicantBirthDate,
    /// 住所
    ApplicantAddress,
    /// 異動日 (YYYY-MM-DD)
    TenkyoMovedOn,
    /// 新住所
    TenkyoNewAddress,
    /// 旧住所
    TenkyoOldAddress,
}

impl Field {
    /// Every field, in the order of the paper form.
    pub const ALL: [Field; 7] = [
        Field::ApplicantName,
        Field::ApplicantKana,
        Field::ApplicantBirthDate,
        Field::ApplicantAddress,
        Field::TenkyoMovedOn,
        Field::TenkyoNewAddress,
        Field::TenkyoOldAddress,
    ];

    /// The fields of the applicant (申請者).
    pub const APPLICANT: [Field; 4] = [
        Field::ApplicantName,
        Field::ApplicantKana,
        Field::ApplicantBirthDate,
        Field::ApplicantAddress,
    ];

    /// The fields of 住民異動届 (転居).
    pub const TENKYO: [Field; 3] = [
        Field::TenkyoMovedOn,
        Field::TenkyoNewAddress,
        Field::TenkyoOldAddress,
    ];

    /// The stable key of the field (its path in the document, joined by `.`).
    pub fn key(self) -> &'static str {
        match self {
            Field::ApplicantName => "applicant.name",
            Field::ApplicantKana => "applicant.kana",
            Field::ApplicantBirthDate => "applicant.birth_date",
            Field::ApplicantAddress => "applicant.address",
            Field::TenkyoMovedOn => "forms.jumin_idou_tenkyo.moved_on",
            Field::TenkyoNewAddress => "forms.jumin_idou_tenkyo.new_address",
            Field::TenkyoOldAddress => "forms.jumin_idou_tenkyo.old_address",
        }
    }

    /// The field with this key.
    pub fn from_key(key: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|f| f.key() == key)
    }

    /// Whether the value is a date (YYYY-MM-DD).
    pub fn is_date(self) -> bool {
        matches!(self, Field::ApplicantBirthDate | Field::TenkyoMovedOn)
    }

    fn path(self) -> (&'static [&'static str], &'static str) {
        match self {
            Field::ApplicantName => (&["applicant"], "name"),
            Field::ApplicantKana => (&["applicant"], "kana"),
            Field::ApplicantBirthDate => (&["applicant"], "birth_date"),
            Field::ApplicantAddress => (&["applicant"], "address"),
            Field::TenkyoMovedOn => (&["forms", FORM_TENKYO], "moved_on"),
            Field::TenkyoNewAddress => (&["forms", FORM_TENKYO], "new_address"),
            Field::TenkyoOldAddress => (&["forms", FORM_TENKYO], "old_address"),
        }
    }
}

/// A plain copy of a visit for display.
#[derive(Debug, Clone, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
pub struct VisitSummary {
    /// The document id.
    pub visit_id: String,
    /// 受付番号.
    pub reception_number: String,
    /// Milliseconds since the epoch.
    pub created_at: i64,
    /// Field key → value, for the fields that have one.
    pub fields: Vec<(String, String)>,
}

/// One field with concurrent values that a person has to choose between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The field.
    pub field: Field,
    /// Every concurrent value with the actor that wrote it (hex).
    pub values: Vec<(String, String)>,
}

/// A visit document.
#[derive(Debug, Clone)]
pub struct VisitDoc {
    doc: AutoCommit,
}

impl VisitDoc {
    /// A new visit with its id, reception number and creation time (ms since the epoch).
    pub fn new(visit_id: DocumentId, reception_number: &str, created_at: i64) -> Self {
        let mut doc = AutoCommit::new();
        // Building a fresh document cannot fail: every object written here is new.
        let build = |doc: &mut AutoCommit| -> Result<(), automerge::AutomergeError> {
            doc.put(ROOT, "schema_version", ScalarValue::Uint(SCHEMA_VERSION))?;
            doc.put(ROOT, "visit_id", visit_id.to_string())?;
            doc.put(ROOT, "reception_number", reception_number)?;
            doc.put(ROOT, "created_at", ScalarValue::Timestamp(created_at))?;
            doc.put_object(ROOT, "applicant", ObjType::Map)?;
            let forms = doc.put_object(ROOT, "forms", ObjType::Map)?;
            doc.put_object(&forms, FORM_TENKYO, ObjType::Map)?;
            Ok(())
        };
        build(&mut doc).expect("a new document accepts its initial fields");
        doc.commit();
        Self { doc }
    }

    /// Reads a visit from saved bytes (a snapshot, incremental chunks, or both concatenated).
    pub fn load(bytes: &[u8]) -> Result<Self, VisitError> {
        let mut doc = AutoCommit::load(bytes).map_err(VisitError::Load)?;
        // `AutoCommit::load` starts with an empty save cursor, so the first
        // `save_incremental` would return every change again; move the cursor to now.
        doc.save_incremental();
        Self::from_doc(doc)
    }

    /// Wraps a document received over sync, checking that it is a visit this app can read.
    pub fn from_doc(doc: AutoCommit) -> Result<Self, VisitError> {
        let visit = Self { doc };
        if let Some(found) = visit.schema_version()
            && found > SCHEMA_VERSION
        {
            return Err(VisitError::NewerSchema { found });
        }
        if visit.root_str("visit_id").is_none() {
            return Err(VisitError::NotAVisit);
        }
        Ok(visit)
    }

    /// The schema version the document says it has.
    pub fn schema_version(&self) -> Option<u64> {
        match self.doc.get(ROOT, "schema_version").ok().flatten() {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Uint(v) => Some(*v),
                ScalarValue::Int(v) => u64::try_from(*v).ok(),
                _ => None,
            },
            _ => None,
        }
    }

    /// The underlying Automerge document (for sync and storage).
    pub fn doc_mut(&mut self) -> &mut AutoCommit {
        &mut self.doc
    }

    /// The underlying Automerge document, read-only.
    pub fn doc(&self) -> &AutoCommit {
        &self.doc
    }

    /// 受付番号.
    pub fn reception_number(&self) -> String {
        self.root_str("reception_number").unwrap_or_default()
    }

    /// The document id as written in the document.
    pub fn visit_id(&self) -> String {
        self.root_str("visit_id").unwrap_or_default()
    }

    /// Creation time, ms since the epoch.
    pub fn created_at(&self) -> i64 {
        match self.doc.get(ROOT, "created_at").ok().flatten() {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Timestamp(t) | ScalarValue::Int(t) => *t,
                _ => 0,
            },
            _ => 0,
        }
    }

    /// The current value of a field (the winner if values conflict).
    ///
    /// Values written by this app are scalar strings; a JS automerge-repo client writes
    /// strings as text objects, which read the same.
    pub fn get(&self, field: Field) -> Option<String> {
        let (parents, key) = field.path();
        let obj = self.find_obj(parents)?;
        self.read_string(&obj, key)
    }

    fn read_string(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.doc.get(obj, key).ok().flatten() {
            Some((Value::Scalar(s), _)) => s.as_str().map(str::to_owned),
            Some((Value::Object(ObjType::Text), id)) => self.doc.text(&id).ok(),
            _ => None,
        }
    }

    /// Sets a field and commits the change. Setting the value it already has is a no-op
    /// and returns `false`.
    pub fn set(&mut self, field: Field, value: &str) -> Result<bool, VisitError> {
        if self.get(field).as_deref() == Some(value) && self.conflicts_of(field).is_none() {
            return Ok(false);
        }
        let (parents, key) = field.path();
        let obj = self.ensure_obj(parents)?;
        self.doc.put(&obj, key, value).map_err(VisitError::Change)?;
        self.doc.commit();
        Ok(true)
    }

    /// Fields that hold concurrent values written by different counters.
    pub fn conflicts(&self) -> Vec<Conflict> {
        Field::ALL
            .into_iter()
            .filter_map(|f| self.conflicts_of(f))
            .collect()
    }

    fn conflicts_of(&self, field: Field) -> Option<Conflict> {
        let (parents, key) = field.path();
        let obj = self.find_obj(parents)?;
        let all = self.doc.get_all(&obj, key).ok()?;
        if all.len() < 2 {
            return None;
        }
        let values = all
            .into_iter()
            .filter_map(|(v, id)| {
                let text = match v {
                    Value::Scalar(s) => s.as_str().map(str::to_owned)?,
                    _ => return None,
                };
                let actor = match &id {
                    ObjId::Id(_, actor, _) => actor.to_hex_string(),
                    ObjId::Root => String::new(),
                };
                Some((text, actor))
            })
            .collect();
        Some(Conflict { field, values })
    }

    /// A plain copy for display and listing.
    pub fn summary(&self) -> VisitSummary {
        VisitSummary {
            visit_id: self.visit_id(),
            reception_number: self.reception_number(),
            created_at: self.created_at(),
            fields: Field::ALL
                .into_iter()
                .filter_map(|f| self.get(f).map(|v| (f.key().to_owned(), v)))
                .collect(),
        }
    }

    /// The whole document, compressed.
    pub fn save(&mut self) -> Vec<u8> {
        self.doc.save()
    }

    /// The changes since the last save (or incremental save).
    pub fn save_incremental(&mut self) -> Vec<u8> {
        self.doc.save_incremental()
    }

    fn root_str(&self, key: &str) -> Option<String> {
        self.read_string(&ROOT, key)
    }

    fn find_obj(&self, parents: &[&str]) -> Option<ObjId> {
        let mut obj = ROOT;
        for key in parents {
            match self.doc.get(&obj, *key).ok().flatten() {
                Some((Value::Object(ObjType::Map), id)) => obj = id,
                _ => return None,
            }
        }
        Some(obj)
    }

    fn ensure_obj(&mut self, parents: &[&str]) -> Result<ObjId, VisitError> {
        let mut obj = ROOT;
        for key in parents {
            obj = match self.doc.get(&obj, *key).map_err(VisitError::Change)? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => self
                    .doc
                    .put_object(&obj, *key, ObjType::Map)
                    .map_err(VisitError::Change)?,
            };
        }
        Ok(obj)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn visit() -> VisitDoc {
        VisitDoc::new(DocumentId::random(), "7", 1_790_000_000_000)
    }

    #[test]
    fn fields_round_trip_through_save_and_load() {
        let mut v = visit();
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert!(v.set(f, &format!("値{i}")).unwrap());
        }
        let loaded = VisitDoc::load(&v.save()).unwrap();
        for (i, f) in Field::ALL.into_iter().enumerate() {
            assert_eq!(loaded.get(f), Some(format!("値{i}")));
        }
        assert_eq!(loaded.reception_number(), "7");
        assert_eq!(loaded.created_at(), 1_790_000_000_000);
        assert_eq!(loaded.schema_version(), Some(SCHEMA_VERSION));
    }

    #[test]
    fn incremental_saves_after_load_hold_only_new_changes() {
        let mut v = visit();
        v.set(Field::ApplicantName, "a").unwrap();
        let mut loaded = VisitDoc::load(&v.save()).unwrap();
        assert!(loaded.save_incremental().is_empty());
        loaded.set(Field::ApplicantName, "b").unwrap();
        let chunk = loaded.save_incremental();
        assert!(!chunk.is_empty());
        let mut again = v.save();
        again.extend_from_slice(&chunk);
        assert_eq!(
            VisitDoc::load(&again)
                .unwrap()
                .get(Field::ApplicantName)
                .as_deref(),
            Some("b")
        );
    }

    #[test]
    fn setting_the_same_value_makes_no_change() {
        let mut v = visit();
        assert!(v.set(Field::ApplicantName, "a").unwrap());
        let heads = v.doc_mut().get_heads();
        assert!(!v.set(Field::ApplicantName, "a").unwrap());
        assert_eq!(v.doc_mut().get_heads(), heads);
    }

    #[test]
    fn concurrent_edits_are_kept_as_a_conflict() {
        let mut a = visit();
        let mut b = VisitDoc::load(&a.save()).unwrap();
        b.doc_mut().set_actor(automerge::ActorId::random());
        a.set(Field::TenkyoNewAddress, "高崎市高松町35-1").unwrap();
        b.set(Field::TenkyoNewAddress, "高崎市高松町35-2").unwrap();
        a.doc_mut().merge(b.doc_mut()).unwrap();
        let conflicts = a.conflicts();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].field, Field::TenkyoNewAddress);
        assert_eq!(conflicts[0].values.len(), 2);
        // Choosing a value resolves the conflict.
        a.set(Field::TenkyoNewAddress, "高崎市高松町35-1").unwrap();
        assert!(a.conflicts().is_empty());
    }

    #[test]
    fn newer_schema_is_refused() {
        let mut v = visit();
        v.doc_mut()
            .put(
                ROOT,
                "schema_version",
                ScalarValue::Uint(SCHEMA_VERSION + 1),
            )
            .unwrap();
        assert!(matches!(
            VisitDoc::load(&v.save()),
            Err(VisitError::NewerSchema { .. })
        ));
    }

    #[test]
    fn garbage_and_foreign_documents_are_refused() {
        assert!(matches!(
            VisitDoc::load(b"garbage"),
            Err(VisitError::Load(_))
        ));
        let mut other = AutoCommit::new();
        other.put(ROOT, "title", "not a visit").unwrap();
        assert!(matches!(
            VisitDoc::load(&other.save()),
            Err(VisitError::NotAVisit)
        ));
    }

    #[test]
    fn field_keys_are_unique_and_round_trip() {
        for f in Field::ALL {
            assert_eq!(Field::from_key(f.key()), Some(f));
        }
        assert_eq!(Field::from_key("nope"), None);
    }
}
