//! [`VisitDoc`]: one citizen's visit to the counters, as an Automerge document.
//!
//! Layout of the document (schema version 2):
//!
//! ```text
//! ROOT
//! ├── schema_version: u64             2
//! ├── visit_id: str                   the document id (bs58check)
//! ├── reception_number: str           受付番号, assigned by the server
//! ├── created_at: timestamp           ms since the epoch
//! ├── visit: map                      visit.* items      (notified_on, moved_on, …)
//! ├── household: map                  household.* items  (address, head_name, …)
//! ├── persons: list of maps           person.* items per person; the first is the applicant
//! │                                   (each scope's map may hold `read_from`: item name →
//! │                                   "document/path\nvalue", see VisitDoc::read_mark)
//! ├── navi: map                       event: str, facts: map fact → bool, card_holders: u64
//! ├── procedures: map                 navi rule id → bool (chosen or not)
//! ├── forms: map                      form id → map of the form's own fields
//! ├── status: map                     form id → { state, at, reason, record, corrects,
//! │                                   signature: the digest the server pinned when it
//! │                                   confirmed the form (see crate::signature) }
//! ├── signatures: map                 digest (hex) → { visit_id, form, role, at, terminal,
//! │                                   strokes: str }; one entry per form signed, written
//! │                                   once and never changed (VisitDoc::sign)
//! ├── signed: map                     form id → digest of its latest signature
//! ├── handling: map                   department, holder, holder_login, since
//! ├── history: list of maps           at, who, department, action, detail
//! ├── closed: map                     state (completed / cancelled), reason, at, who, department
//! └── actors: map                     actor (hex) → name of the staff member at that terminal
//! ```
//!
//! Canonical items (see `catalog/items.toml`) are stored once, so a value entered on one
//! form shows on every form of the visit. Every value is a scalar string (flags as
//! `true`/`false`), so two counters that set the same value concurrently leave both in the
//! document: [`VisitDoc::conflicts`] lists them with the actor that wrote each.
//!
//! Migration rule: a document carries `schema_version`. A reader accepts its own version and
//! every older one, and migrates an older document forward in one change when it loads it
//! (version 1 → 2 moves `applicant.*` to `persons[0]` and `household.address`, and the 転居
//! form's fields to `visit.moved_on`, `household.address` and `visit.previous_address`); two
//! terminals migrating at once write the same values, which merge without conflict. A
//! document of a newer version is refused with [`VisitError::NewerSchema`] rather than
//! misread.
//!
//! ```
//! use shared_model::{DocumentId, VisitDoc};
//!
//! let mut visit = VisitDoc::new(DocumentId::random(), "12", 1_790_000_000_000);
//! visit.set_item("person.name", Some(0), "高崎 花子").unwrap();
//! let loaded = VisitDoc::load(&visit.save()).unwrap();
//! assert_eq!(loaded.item("person.name", Some(0)).as_deref(), Some("高崎 花子"));
//! assert!(visit.set_item("person.nickname", Some(0), "x").is_err());
//! ```

use std::collections::{BTreeMap, BTreeSet};

use automerge::transaction::Transactable;
use automerge::{AutoCommit, ObjId, ObjType, ROOT, ReadDoc, ScalarValue, Value};

use crate::catalog::{Catalog, CatalogError, Department, Scope, VisitValues};
use crate::document_id::DocumentId;
use crate::document_read::{DocumentKind, ReadPath, parse_source, source_name};
use crate::navi::{Answers, Fact, LifeEvent};

/// The schema version this build writes.
pub const SCHEMA_VERSION: u64 = 2;

/// What went wrong reading or writing a visit document.
#[derive(Debug, thiserror::Error)]
pub enum VisitError {
    /// The bytes are not an Automerge document.
    #[error("not a readable Automerge document: {0}")]
    Load(#[source] Box<automerge::AutomergeError>),
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
    Change(#[source] Box<automerge::AutomergeError>),
    /// The key is not a canonical item or a field of the form.
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    /// A person field without a person index, or one past the persons.
    #[error("no person {0} in this visit")]
    NoPerson(usize),
    /// Taken by opening at a 課 the visit is not at: another 課 has it, and only an
    /// explicit [`VisitChange::TakeBack`] moves it.
    #[error("the visit is at {0}, not at the 課 that opened it")]
    HandledElsewhere(&'static str),
    /// A visit cancelled (取消) without saying why.
    #[error("a cancelled visit needs a reason")]
    NoReason,
    /// A signature that is not one (empty, out of the box, a bad terminal id).
    #[error(transparent)]
    Signature(#[from] crate::signature::SignatureError),
    /// A form asked to be confirmed, or confirmed, is signed no more: its signature is
    /// fixed with it (a change goes through 訂正).
    #[error("form {form} is {state}: its signature is fixed")]
    SignatureLocked {
        /// The form.
        form: String,
        /// Its state (`requested`, `confirmed`, …).
        state: &'static str,
    },
    /// The form's sheet has no signature box for this role (forms.toml `signature`).
    #[error("form {form} takes no signature of the {role}")]
    NotSigned {
        /// The form.
        form: String,
        /// The role (`todokedenin`, …).
        role: &'static str,
    },
}

/// The map beside a scope's items that says which were read from a document: item name →
/// `document/path` and the value read, on two lines.
const READ_FROM: &str = "read_from";

/// Who the server's own steps are in a visit's history (decisions, the core system's answers).
pub const SERVER: &str = "サーバー";

fn change_err(e: automerge::AutomergeError) -> VisitError {
    VisitError::Change(Box::new(e))
}

/// The fields of the walking-skeleton screens, each bound to a canonical item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// 氏名 of the applicant.
    ApplicantName,
    /// フリガナ of the applicant.
    ApplicantKana,
    /// 生年月日 of the applicant (YYYY-MM-DD).
    ApplicantBirthDate,
    /// 住所 (the household's address).
    ApplicantAddress,
    /// 異動日.
    TenkyoMovedOn,
    /// 新住所 (the household's address after the move).
    TenkyoNewAddress,
    /// 旧住所.
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

    /// The stable key of the screen field.
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

    /// The canonical item the field shows, and the person for person items.
    pub fn item(self) -> (&'static str, Option<usize>) {
        match self {
            Field::ApplicantName => ("person.name", Some(0)),
            Field::ApplicantKana => ("person.kana", Some(0)),
            Field::ApplicantBirthDate => ("person.birth_date", Some(0)),
            Field::ApplicantAddress | Field::TenkyoNewAddress => ("household.address", None),
            Field::TenkyoMovedOn => ("visit.moved_on", None),
            Field::TenkyoOldAddress => ("visit.previous_address", None),
        }
    }
}

/// One change a person makes to a visit, as the UI sends it to the repo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitChange {
    /// Set a canonical item (`person.name` of a person, `household.address`, …).
    Item {
        /// The item key.
        key: String,
        /// The person, for person items.
        person: Option<usize>,
        /// The value.
        value: String,
    },
    /// Set a canonical item only if it still holds `was` (the value the person was shown,
    /// empty for a blank): a fill from the register never overwrites what was typed after
    /// it was planned.
    ItemIf {
        /// `person.name`, `household.address`, …
        key: String,
        /// The person, for person items.
        person: Option<usize>,
        /// What the item must still hold.
        was: String,
        /// The new value.
        value: String,
    },
    /// Set a form's own field.
    FormField {
        /// The form.
        form: String,
        /// The field key (`copies.zenbu` for one count).
        key: String,
        /// The value.
        value: String,
    },
    /// Record the navi answers.
    Answers {
        /// The answers.
        answers: Answers,
        /// When, ms since the epoch (the history notes a new kind of notification).
        at: i64,
    },
    /// Choose or drop a procedure.
    Procedure {
        /// The navi rule id.
        rule: String,
        /// Chosen or not.
        chosen: bool,
    },
    /// Add a person row.
    AddPerson,
    /// Remove a person row (not the applicant).
    RemovePerson(usize),
    /// A staff member takes the visit at their counter (only at the 課 it is at: opening a
    /// visit another 課 has does not move it).
    Take {
        /// Login of the staff member.
        login: String,
        /// Their name.
        name: String,
        /// Their 課.
        department: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// Takes a visit from the 課 that has it to the staff member's own (「取り戻す」): an
    /// explicit action, in the history as `taken_back` with the 課 it came from.
    TakeBack {
        /// Login of the staff member.
        login: String,
        /// Their name.
        name: String,
        /// Their 課, where the visit goes.
        department: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// 完了: the visit is done.
    Complete {
        /// Who completes it.
        name: String,
        /// At which 課.
        department: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// 取消: the visit was a mistake or abandoned.
    Cancel {
        /// Why (required).
        reason: String,
        /// Who cancels it.
        name: String,
        /// At which 課.
        department: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// 再開: a closed visit is taken up again.
    Reopen {
        /// Login of the staff member.
        login: String,
        /// Their name.
        name: String,
        /// Their 課.
        department: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// 訂正: a settled form is opened again, with a reason.
    OpenCorrection {
        /// The form.
        form: String,
        /// Why (required).
        reason: String,
        /// Who opens it.
        name: String,
        /// At which 課.
        department: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// Hand the visit on to the next 課.
    HandOff {
        /// The 課 that takes over.
        to: Department,
        /// Who hands it on.
        name: String,
        /// From which 課.
        from: Department,
        /// When, ms since the epoch.
        at: i64,
    },
    /// Note in the history that the visit was filled from the resident register (住基).
    FilledFromRegister {
        /// How many items were written.
        items: usize,
        /// The whole household (or one person).
        household: bool,
        /// When, ms since the epoch.
        at: i64,
    },
    /// Note in the history that a document the citizen brought filled the visit (which
    /// document and how many items, never the values), and mark each item written with it
    /// ([`VisitDoc::read_mark`]). The items themselves are written by the changes before it
    /// ([`VisitChange::ItemIf`]); an item that no longer holds the value read is not marked.
    FilledFromDocument {
        /// What was read.
        document: DocumentKind,
        /// How.
        path: ReadPath,
        /// The items written: canonical key, person row for person items, value.
        items: Vec<(String, Option<usize>, String)>,
        /// When, ms since the epoch.
        at: i64,
    },
    /// The citizen signed on the pad: the same strokes sign each of `forms` (「まとめて署名」,
    /// or one form), each as a signature of its own bound to the visit and the form
    /// ([`VisitDoc::sign`]).
    Sign {
        /// The forms signed.
        forms: Vec<String>,
        /// Who signed.
        role: crate::signature::SignerRole,
        /// The strokes, in units of the box.
        strokes: Vec<crate::signature::Stroke>,
        /// When, ms since the epoch.
        at: i64,
        /// The terminal it was signed at.
        terminal: String,
    },
    /// Ask the server to confirm a form (the server alone decides).
    RequestConfirmation {
        /// The form.
        form: String,
        /// When, ms since the epoch.
        at: i64,
    },
}

/// An item whose value was read from a document ([`VisitDoc::read_marks`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ReadMark {
    /// The canonical key.
    pub key: String,
    /// The person row, for person items.
    pub person: Option<usize>,
    /// What it was read from.
    pub document: DocumentKind,
    /// How.
    pub path: ReadPath,
}

/// Which 課 has the visit and who holds it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Handling {
    /// The 課 whose list shows the visit (市民課 first).
    pub department: Department,
    /// The staff member who holds it, if someone took it.
    pub holder: Option<String>,
    /// Login of that staff member.
    pub holder_login: Option<String>,
    /// Since when it waits at (or is held by) this 課, ms since the epoch.
    pub since: Option<i64>,
}

/// One line of the visit's history.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HistoryEntry {
    /// When, ms since the epoch.
    pub at: i64,
    /// Who (staff name).
    pub who: String,
    /// At which 課.
    pub department: String,
    /// What: `opened`, `taken_back`, `handed_off`, `completed`, `cancelled`, `reopened`,
    /// `correction_opened`, `confirmation_requested`, `filled_from_register`,
    /// `filled_from_document`, `signed`.
    pub action: String,
    /// The 課 handed to or taken back from, or the form asked about.
    pub detail: Option<String>,
}

/// Where a form of the visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FormState {
    /// 下書き: being filled in.
    Draft,
    /// 確認待ち: a counter asked the server to confirm it (waits offline until synced).
    Requested,
    /// 確認済み: the server validated it with the domain core.
    Confirmed,
    /// The server refused to confirm it; the reason says what to fix.
    Refused,
    /// 送信済み: written to the core system's bucket in a batch file.
    Sent,
    /// 基幹取込済み: the core system took it in.
    Accepted,
    /// 差戻し: the core system sent it back; the reason says why.
    Rejected,
    /// 訂正中: a settled form opened again with a reason, to be confirmed again; what was
    /// sent is corrected by the next record (see [`VisitDoc::open_correction`]).
    Correcting,
}

impl FormState {
    /// The stable name stored in the document.
    pub fn as_str(self) -> &'static str {
        match self {
            FormState::Draft => "draft",
            FormState::Requested => "requested",
            FormState::Confirmed => "confirmed",
            FormState::Refused => "refused",
            FormState::Sent => "sent",
            FormState::Accepted => "accepted",
            FormState::Rejected => "rejected",
            FormState::Correcting => "correcting",
        }
    }

    /// The state named `name` (下書き for anything unknown).
    pub fn from_name(name: &str) -> FormState {
        match name {
            "requested" => FormState::Requested,
            "confirmed" => FormState::Confirmed,
            "refused" => FormState::Refused,
            "sent" => FormState::Sent,
            "accepted" => FormState::Accepted,
            "rejected" => FormState::Rejected,
            "correcting" => FormState::Correcting,
            _ => FormState::Draft,
        }
    }

    /// Whether the form's content is settled: confirmed and on its way to, or in, the core
    /// system. A settled form is not asked about again, and its values are fixed: a change
    /// goes through 訂正.
    pub fn is_settled(self) -> bool {
        matches!(
            self,
            FormState::Confirmed | FormState::Sent | FormState::Accepted
        )
    }

    /// How far along the exchange a state is; a status never moves back along it.
    fn exchange_rank(self) -> u8 {
        match self {
            FormState::Confirmed => 1,
            FormState::Sent => 2,
            FormState::Accepted | FormState::Rejected => 3,
            _ => 0,
        }
    }
}

/// A form's status with when it was set and, when refused, why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormStatus {
    /// The state.
    pub state: FormState,
    /// When the state was set, ms since the epoch.
    pub at: Option<i64>,
    /// Why the server refused or the core system sent it back, in Japanese.
    pub reason: Option<String>,
    /// The export record that carries the confirmed form to the core system, if any.
    pub record: Option<String>,
    /// The record a 訂正 corrects (the one sent before), if the form was corrected.
    pub corrects: Option<String>,
    /// What a 差戻し concerns, when the core system said: the person row (0 for the first)
    /// and the item or form field key.
    pub concerns: Option<(Option<usize>, String)>,
}

/// The server's decision on one requested form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The form.
    pub form: String,
    /// Confirmed or refused.
    pub state: FormState,
    /// How many errors the domain core found.
    pub errors: usize,
}

/// The server's reconciler over a raw document: decides every requested form of a visit
/// with the built-in catalog (see [`reconcile_document_in`]). Documents that are not visits
/// (or not readable ones) are left untouched.
pub fn reconcile_document(
    doc: &mut AutoCommit,
    today: crate::calendar::CivilDay,
    now_ms: i64,
) -> Vec<Decision> {
    reconcile_document_in(doc, crate::catalog::CityCatalog::builtin(), today, now_ms)
}

/// As [`reconcile_document`], deciding with the forms of the visit's city.
pub fn reconcile_document_in(
    doc: &mut AutoCommit,
    catalog: crate::catalog::CityCatalog,
    today: crate::calendar::CivilDay,
    now_ms: i64,
) -> Vec<Decision> {
    // Fast path: most sync messages carry no request for confirmation.
    let requested = match doc.get(ROOT, "status") {
        Ok(Some((Value::Object(ObjType::Map), status))) => doc.keys(&status).any(|form| {
            matches!(doc.get(&status, &form), Ok(Some((Value::Object(ObjType::Map), entry)))
                if matches!(doc.get(&entry, "state"), Ok(Some((Value::Scalar(s), _))) if s.as_str() == Some("requested")))
        }),
        _ => false,
    };
    if !requested {
        return Vec::new();
    }
    let taken = std::mem::take(doc);
    match VisitDoc::from_doc(taken.clone()) {
        Ok(visit) => {
            let mut visit = visit.in_catalog(catalog);
            let decisions = visit.reconcile(today, now_ms).unwrap_or_default();
            *doc = visit.doc;
            decisions
        }
        Err(_) => {
            *doc = taken;
            Vec::new()
        }
    }
}

/// The 課 a raw visit document is handled at, read without loading the visit (the server
/// checks it after every change, to grant the visit to the 課 it was handed to). `None` for
/// documents that are not visits or say nothing.
pub fn handling_department(doc: &AutoCommit) -> Option<Department> {
    let Ok(Some((Value::Object(ObjType::Map), handling))) = doc.get(ROOT, "handling") else {
        return None;
    };
    match doc.get(&handling, "department") {
        Ok(Some((Value::Scalar(s), _))) => s.as_str().and_then(Department::from_name),
        _ => None,
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
    /// Screen field key → value, for the fields that have one.
    pub fields: Vec<(String, String)>,
}

/// One value with concurrent, different values that a person has to choose between.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    /// The canonical key (`person.name`) or the form's field id.
    pub key: String,
    /// The person, for person items.
    pub person: Option<usize>,
    /// The form, for a form's own field.
    pub form: Option<String>,
    /// Every concurrent value with the actor that wrote it (hex).
    pub values: Vec<(String, String)>,
}

impl Conflict {
    /// Whether this conflict is on the item a screen field shows.
    pub fn is_on(&self, field: Field) -> bool {
        let (key, person) = field.item();
        self.form.is_none() && self.key == key && self.person == person
    }
}

/// A visit document, read with the form catalog of its city (the built-in one unless
/// [`VisitDoc::in_catalog`] says otherwise).
#[derive(Debug, Clone)]
pub struct VisitDoc {
    doc: AutoCommit,
    catalog: &'static Catalog,
    navi: &'static crate::navi::Navi,
}

impl VisitDoc {
    /// A new visit with its id, reception number and creation time (ms since the epoch),
    /// and one (empty) person, the applicant.
    pub fn new(visit_id: DocumentId, reception_number: &str, created_at: i64) -> Self {
        let mut doc = AutoCommit::new();
        let build = |doc: &mut AutoCommit| -> Result<(), automerge::AutomergeError> {
            doc.put(ROOT, "schema_version", ScalarValue::Uint(SCHEMA_VERSION))?;
            doc.put(ROOT, "visit_id", visit_id.to_string())?;
            doc.put(ROOT, "reception_number", reception_number)?;
            doc.put(ROOT, "created_at", ScalarValue::Timestamp(created_at))?;
            for map in ["visit", "household", "navi", "procedures", "forms"] {
                doc.put_object(ROOT, map, ObjType::Map)?;
            }
            let persons = doc.put_object(ROOT, "persons", ObjType::List)?;
            doc.insert_object(&persons, 0, ObjType::Map)?;
            Ok(())
        };
        build(&mut doc).expect("a new document accepts its initial fields");
        doc.commit();
        Self {
            doc,
            catalog: Catalog::builtin(),
            navi: crate::navi::Navi::builtin(),
        }
    }

    /// The same visit read with its city's catalog: its own forms and sections (the items
    /// are the national ones every catalog shares) and 手続きナビ rules. Form values are set,
    /// signed, confirmed and validated, and procedures planned, as they say.
    pub fn in_catalog(mut self, city: crate::catalog::CityCatalog) -> Self {
        self.catalog = city.catalog;
        self.navi = city.navi;
        self
    }

    /// The catalog the visit is read with.
    pub fn catalog(&self) -> &'static Catalog {
        self.catalog
    }

    /// A form's title for the history (its id when the catalog lacks it).
    fn form_title(&self, form: &str) -> String {
        self.catalog
            .form(form)
            .map(|f| f.title.ja.clone())
            .unwrap_or_else(|_| form.to_owned())
    }

    /// Reads a visit from saved bytes (a snapshot, incremental chunks, or both concatenated),
    /// migrating an older schema forward.
    pub fn load(bytes: &[u8]) -> Result<Self, VisitError> {
        let mut doc = AutoCommit::load(bytes).map_err(|e| VisitError::Load(Box::new(e)))?;
        // `AutoCommit::load` starts with an empty save cursor, so the first
        // `save_incremental` would return every change again; move the cursor to now.
        doc.save_incremental();
        Self::from_doc(doc)
    }

    /// Wraps a document received over sync, checking that it is a visit this app can read,
    /// and migrating an older schema forward.
    pub fn from_doc(doc: AutoCommit) -> Result<Self, VisitError> {
        let mut visit = Self {
            doc,
            catalog: Catalog::builtin(),
            navi: crate::navi::Navi::builtin(),
        };
        if visit.root_str("visit_id").is_none() {
            return Err(VisitError::NotAVisit);
        }
        match visit.schema_version() {
            Some(found) if found > SCHEMA_VERSION => return Err(VisitError::NewerSchema { found }),
            Some(SCHEMA_VERSION) => {}
            _ => visit.migrate_from_v1()?,
        }
        Ok(visit)
    }

    /// Version 1 → 2 (see the module documentation).
    fn migrate_from_v1(&mut self) -> Result<(), VisitError> {
        let old = |v: &Self, parents: &[&str], key: &str| {
            v.find_obj(parents).and_then(|o| v.read_string(&o, key))
        };
        let name = old(self, &["applicant"], "name");
        let kana = old(self, &["applicant"], "kana");
        let birth = old(self, &["applicant"], "birth_date");
        let address = old(self, &["forms", "jumin_idou_tenkyo"], "new_address")
            .or_else(|| old(self, &["applicant"], "address"));
        let moved = old(self, &["forms", "jumin_idou_tenkyo"], "moved_on");
        let previous = old(self, &["forms", "jumin_idou_tenkyo"], "old_address");
        let d = &mut self.doc;
        for map in ["visit", "household", "navi", "procedures"] {
            if !matches!(
                d.get(ROOT, map).map_err(change_err)?,
                Some((Value::Object(ObjType::Map), _))
            ) {
                d.put_object(ROOT, map, ObjType::Map).map_err(change_err)?;
            }
        }
        let forms = match d.get(ROOT, "forms").map_err(change_err)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => d
                .put_object(ROOT, "forms", ObjType::Map)
                .map_err(change_err)?,
        };
        if d.get(&forms, "jumin_idou_tenkyo")
            .map_err(change_err)?
            .is_some()
        {
            d.delete(&forms, "jumin_idou_tenkyo").map_err(change_err)?;
        }
        let persons = d
            .put_object(ROOT, "persons", ObjType::List)
            .map_err(change_err)?;
        let first = d
            .insert_object(&persons, 0, ObjType::Map)
            .map_err(change_err)?;
        for (key, value) in [("name", name), ("kana", kana), ("birth_date", birth)] {
            if let Some(value) = value {
                d.put(&first, key, value).map_err(change_err)?;
            }
        }
        let put = |d: &mut AutoCommit, map: &str, key: &str, value: Option<String>| {
            if let (Some(value), Ok(Some((_, obj)))) = (value, d.get(ROOT, map)) {
                d.put(&obj, key, value).map_err(change_err)?;
            }
            Ok::<(), VisitError>(())
        };
        put(d, "household", "address", address)?;
        put(d, "visit", "moved_on", moved)?;
        put(d, "visit", "previous_address", previous)?;
        if d.get(ROOT, "applicant").map_err(change_err)?.is_some() {
            d.delete(ROOT, "applicant").map_err(change_err)?;
        }
        if let Ok(Some((_, procedures))) = d.get(ROOT, "procedures") {
            d.put(&procedures, "tenkyo", true).map_err(change_err)?;
        }
        d.put(ROOT, "schema_version", ScalarValue::Uint(SCHEMA_VERSION))
            .map_err(change_err)?;
        d.commit();
        Ok(())
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

    /// The underlying Automerge document, given back.
    pub fn into_doc(self) -> AutoCommit {
        self.doc
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
        self.read_time(&ROOT, "created_at").unwrap_or(0)
    }

    // --- canonical items and form fields -----------------------------------------------

    /// Where a canonical item lives: the map and the key in it.
    fn item_slot(&self, key: &str, person: Option<usize>) -> Result<(ObjId, String), VisitError> {
        let item = self
            .catalog
            .items
            .get(key)
            .ok_or_else(|| CatalogError::UnknownField {
                form: "(canonical items)".into(),
                field: key.to_owned(),
            })?;
        let (_, name) = key.split_once('.').expect("item keys have a scope");
        let obj = match item.scope() {
            Scope::Person => {
                let index = person.ok_or(VisitError::NoPerson(0))?;
                self.person_obj(index).ok_or(VisitError::NoPerson(index))?
            }
            Scope::Household => self.find_obj(&["household"]).ok_or(VisitError::NotAVisit)?,
            Scope::Visit => self.find_obj(&["visit"]).ok_or(VisitError::NotAVisit)?,
            Scope::Form => unreachable!("items are person, household or visit"),
        };
        Ok((obj, name.to_owned()))
    }

    /// A canonical item's value (`person.name` of a person, `household.address`, …).
    pub fn item(&self, key: &str, person: Option<usize>) -> Option<String> {
        let (obj, name) = self.item_slot(key, person).ok()?;
        self.read_string(&obj, &name)
    }

    /// Sets a canonical item and commits; `false` when it already had that value.
    pub fn set_item(
        &mut self,
        key: &str,
        person: Option<usize>,
        value: &str,
    ) -> Result<bool, VisitError> {
        let (obj, name) = self.item_slot(key, person)?;
        self.put_string(&obj, &name, value)
    }

    /// Which document an item's value was read from, while it still holds the value read:
    /// `None` once a counter changed it (or when it was typed).
    pub fn read_mark(&self, key: &str, person: Option<usize>) -> Option<(DocumentKind, ReadPath)> {
        let (obj, name) = self.item_slot(key, person).ok()?;
        let marks = match self.doc.get(&obj, READ_FROM).ok().flatten()? {
            (Value::Object(ObjType::Map), id) => id,
            _ => return None,
        };
        let mark = self.read_string(&marks, &name)?;
        let (source, value) = mark.split_once('\n')?;
        (self.read_string(&obj, &name)? == value)
            .then(|| parse_source(source))
            .flatten()
    }

    /// Every item still holding a value read from a document: (key, person row, what, how),
    /// household and visit items first, then each person's.
    pub fn read_marks(&self) -> Vec<ReadMark> {
        let mut scopes: Vec<(String, Option<usize>, Option<ObjId>)> = vec![
            ("household.".into(), None, self.find_obj(&["household"])),
            ("visit.".into(), None, self.find_obj(&["visit"])),
        ];
        scopes.extend(
            (0..self.person_count()).map(|i| ("person.".into(), Some(i), self.person_obj(i))),
        );
        let mut out = Vec::new();
        for (prefix, person, obj) in scopes {
            let Some(obj) = obj else { continue };
            let Some((Value::Object(ObjType::Map), marks)) =
                self.doc.get(&obj, READ_FROM).ok().flatten()
            else {
                continue;
            };
            for name in self.doc.keys(&marks) {
                let key = format!("{prefix}{name}");
                if let Some((document, path)) = self.read_mark(&key, person) {
                    out.push(ReadMark {
                        key,
                        person,
                        document,
                        path,
                    });
                }
            }
        }
        out
    }

    /// A form's own field (`copies.zenbu`, `reason`, …).
    pub fn form_field(&self, form: &str, key: &str) -> Option<String> {
        let obj = self.find_obj(&["forms", form])?;
        self.read_string(&obj, key)
    }

    /// Sets a form's own field and commits, refusing keys the form does not have.
    pub fn set_form_field(
        &mut self,
        form_id: &str,
        key: &str,
        value: &str,
    ) -> Result<bool, VisitError> {
        let form = self.catalog.form(form_id)?;
        let field_key = key.split_once('.').map(|(f, _)| f).unwrap_or(key);
        let own = form.field(key).or_else(|| form.field(field_key));
        if !own.is_some_and(|f| f.scope == Scope::Form) {
            return Err(CatalogError::UnknownField {
                form: form_id.to_owned(),
                field: key.to_owned(),
            }
            .into());
        }
        let forms = self.find_obj(&["forms"]).ok_or(VisitError::NotAVisit)?;
        let obj = match self.doc.get(&forms, form_id).map_err(change_err)? {
            Some((Value::Object(ObjType::Map), id)) => id,
            _ => self
                .doc
                .put_object(&forms, form_id, ObjType::Map)
                .map_err(change_err)?,
        };
        self.put_string(&obj, key, value)
    }

    /// The value a screen field shows.
    pub fn get(&self, field: Field) -> Option<String> {
        let (key, person) = field.item();
        self.item(key, person)
    }

    /// Sets a screen field's item and commits; `false` when it already had that value.
    pub fn set(&mut self, field: Field, value: &str) -> Result<bool, VisitError> {
        let (key, person) = field.item();
        self.set_item(key, person, value)
    }

    fn put_string(&mut self, obj: &ObjId, key: &str, value: &str) -> Result<bool, VisitError> {
        let current = self.doc.get_all(obj, key).map_err(change_err)?;
        let unchanged = current.len() == 1
            && matches!(&current[0].0, Value::Scalar(s) if s.as_str() == Some(value));
        if unchanged {
            return Ok(false);
        }
        self.doc.put(obj, key, value).map_err(change_err)?;
        self.doc.commit();
        Ok(true)
    }

    // --- persons ------------------------------------------------------------------------

    /// How many persons the visit has.
    pub fn person_count(&self) -> usize {
        self.find_list("persons")
            .map(|l| self.doc.length(&l))
            .unwrap_or(0)
    }

    /// Adds a person (an empty row) and returns its index.
    pub fn add_person(&mut self) -> Result<usize, VisitError> {
        let list = self.find_list("persons").ok_or(VisitError::NotAVisit)?;
        let index = self.doc.length(&list);
        self.doc
            .insert_object(&list, index, ObjType::Map)
            .map_err(change_err)?;
        self.doc.commit();
        Ok(index)
    }

    /// Removes a person row (not the applicant).
    pub fn remove_person(&mut self, index: usize) -> Result<(), VisitError> {
        let list = self.find_list("persons").ok_or(VisitError::NotAVisit)?;
        if index == 0 || index >= self.doc.length(&list) {
            return Err(VisitError::NoPerson(index));
        }
        self.doc.delete(&list, index).map_err(change_err)?;
        self.doc.commit();
        Ok(())
    }

    fn person_obj(&self, index: usize) -> Option<ObjId> {
        let list = self.find_list("persons")?;
        match self.doc.get(&list, index).ok().flatten() {
            Some((Value::Object(ObjType::Map), id)) => Some(id),
            _ => None,
        }
    }

    // --- navi and procedures ------------------------------------------------------------

    /// The navi answers, once the event has been answered.
    pub fn answers(&self) -> Option<Answers> {
        let navi = self.find_obj(&["navi"])?;
        let event = LifeEvent::from_name(&self.read_string(&navi, "event")?)?;
        let mut answers = Answers::new(event);
        if let Some(facts) = self.find_obj(&["navi", "facts"]) {
            for key in self.doc.keys(&facts) {
                if let (Some(fact), Some("true")) = (
                    Fact::from_name(&key),
                    self.read_string(&facts, &key).as_deref(),
                ) {
                    answers.facts.insert(fact);
                }
            }
        }
        if let Some((Value::Scalar(s), _)) = self.doc.get(&navi, "card_holders").ok().flatten()
            && let ScalarValue::Uint(n) = s.as_ref()
        {
            answers.card_holders = u32::try_from(*n).unwrap_or(u32::MAX);
        }
        Some(answers)
    }

    /// Records the navi answers (each fact separately, so concurrent answers merge).
    pub fn set_answers(&mut self, answers: &Answers, at: i64) -> Result<(), VisitError> {
        let event_before = self.answers().map(|a| a.event);
        let navi = self.ensure_map(&["navi"])?;
        self.doc
            .put(&navi, "event", answers.event.as_str())
            .map_err(change_err)?;
        self.doc
            .put(
                &navi,
                "card_holders",
                ScalarValue::Uint(u64::from(answers.card_holders)),
            )
            .map_err(change_err)?;
        let facts = self.ensure_map(&["navi", "facts"])?;
        for fact in Fact::ALL {
            let on = answers.facts.contains(&fact).to_string();
            if self.read_string(&facts, fact.as_str()).as_deref() != Some(on.as_str()) {
                self.doc
                    .put(&facts, fact.as_str(), on)
                    .map_err(change_err)?;
            }
        }
        // The 経過 says when the kind of notification was chosen (or changed).
        if event_before != Some(answers.event) {
            let (who, department) = self.acting();
            let event = answers.event.label().0;
            self.log(at, &who, &department, "navi_answered", Some(event))?;
        }
        self.doc.commit();
        Ok(())
    }

    /// Who acts on the visit from this terminal, for its history: the staff member this
    /// terminal's changes are from (`actors`, set when they took the visit here), else the
    /// one who holds it; empty for the kiosk or a visit nobody took. A colleague taking the
    /// visit on another terminal does not make this terminal's steps theirs.
    fn acting(&self) -> (String, String) {
        let handling = self.handling();
        let actor = self.doc.get_actor().to_hex_string();
        let who = self
            .actor_names()
            .remove(&actor)
            .or(handling.holder)
            .unwrap_or_default();
        (who, handling.department.ja().to_owned())
    }

    /// Applies one change and commits it; `false` when nothing changed.
    pub fn apply(&mut self, change: &VisitChange) -> Result<bool, VisitError> {
        let before = self.doc.get_heads();
        match change {
            VisitChange::Item { key, person, value } => {
                self.set_item(key, *person, value)?;
            }
            VisitChange::ItemIf {
                key,
                person,
                was,
                value,
            } => {
                let now = self.item(key, *person).unwrap_or_default();
                if now.trim() == was.trim() {
                    self.set_item(key, *person, value)?;
                }
            }
            VisitChange::FormField { form, key, value } => {
                self.set_form_field(form, key, value)?;
            }
            VisitChange::Answers { answers, at } => self.set_answers(answers, *at)?,
            VisitChange::Procedure { rule, chosen } => self.set_procedure(rule, *chosen)?,
            VisitChange::AddPerson => {
                self.add_person()?;
            }
            VisitChange::RemovePerson(index) => self.remove_person(*index)?,
            VisitChange::RequestConfirmation { form, at } => {
                let before = self.form_status(form).state;
                self.request_confirmation(form, *at)?;
                if self.form_status(form).state != before {
                    let (who, department) = self.acting();
                    let title = self.form_title(form);
                    self.log(
                        *at,
                        &who,
                        &department,
                        "confirmation_requested",
                        Some(&title),
                    )?;
                    self.doc.commit();
                }
            }
            VisitChange::FilledFromRegister {
                items,
                household,
                at,
            } => {
                let (who, department) = self.acting();
                let detail = format!(
                    "{}、{items}項目",
                    if *household { "世帯全員" } else { "1人" }
                );
                self.log(
                    *at,
                    &who,
                    &department,
                    "filled_from_register",
                    Some(&detail),
                )?;
                self.doc.commit();
            }
            VisitChange::FilledFromDocument {
                document,
                path,
                items,
                at,
            } => {
                let source = source_name(*document, *path);
                for (key, person, value) in items {
                    if self.item(key, *person).as_deref() != Some(value.as_str()) {
                        continue;
                    }
                    let (obj, name) = self.item_slot(key, *person)?;
                    let marks = match self.doc.get(&obj, READ_FROM).map_err(change_err)? {
                        Some((Value::Object(ObjType::Map), id)) => id,
                        _ => self
                            .doc
                            .put_object(&obj, READ_FROM, ObjType::Map)
                            .map_err(change_err)?,
                    };
                    self.doc
                        .put(&marks, name.as_str(), format!("{source}\n{value}"))
                        .map_err(change_err)?;
                }
                let (who, department) = self.acting();
                let detail = format!(
                    "{} ({})、{}項目",
                    document.label_ja(),
                    path.mark(),
                    items.len()
                );
                self.log(
                    *at,
                    &who,
                    &department,
                    "filled_from_document",
                    Some(&detail),
                )?;
                self.doc.commit();
            }
            VisitChange::Sign {
                forms,
                role,
                strokes,
                at,
                terminal,
            } => {
                self.sign(forms, *role, strokes, *at, terminal)?;
            }
            VisitChange::Take {
                login,
                name,
                department,
                at,
            } => self.take(login, name, *department, *at)?,
            VisitChange::TakeBack {
                login,
                name,
                department,
                at,
            } => self.take_back(login, name, *department, *at)?,
            VisitChange::HandOff { to, name, from, at } => self.hand_off(*to, name, *from, *at)?,
            VisitChange::Complete {
                name,
                department,
                at,
            } => self.complete(name, *department, *at)?,
            VisitChange::Cancel {
                reason,
                name,
                department,
                at,
            } => self.cancel(reason, name, department.ja(), *at)?,
            VisitChange::OpenCorrection {
                form,
                reason,
                name,
                department,
                at,
            } => self.open_correction(form, reason, name, *department, *at)?,
            VisitChange::Reopen {
                login,
                name,
                department,
                at,
            } => self.reopen(login, name, *department, *at)?,
        }
        Ok(self.doc.get_heads() != before)
    }

    /// Whether a procedure was chosen (`Some(true)`), dropped (`Some(false)`), or not yet
    /// decided (`None`: the navi's plan decides).
    pub fn procedure_choice(&self, rule: &str) -> Option<bool> {
        let obj = self.find_obj(&["procedures"])?;
        match self.doc.get(&obj, rule).ok().flatten() {
            Some((Value::Scalar(s), _)) => s.as_bool(),
            _ => None,
        }
    }

    /// Every procedure a person decided on: rule id → chosen.
    pub fn procedure_choices(&self) -> BTreeMap<String, bool> {
        let Some(obj) = self.find_obj(&["procedures"]) else {
            return BTreeMap::new();
        };
        self.doc
            .keys(&obj)
            .filter_map(|k| self.procedure_choice(&k).map(|c| (k, c)))
            .collect()
    }

    /// The procedures the visit goes through (the navi's plan for its answers and what was
    /// asked for, less what a person dropped), in plan order.
    pub fn chosen_procedures(&self) -> Vec<crate::navi::Procedure> {
        self.navi
            .chosen_plan(self.answers().as_ref(), &self.procedure_choices())
    }

    /// The procedures a person ticked explicitly (navi rule ids); see
    /// [`VisitDoc::chosen_procedures`] for the ones the visit goes through.
    pub fn procedures(&self) -> BTreeSet<String> {
        let Some(obj) = self.find_obj(&["procedures"]) else {
            return BTreeSet::new();
        };
        self.doc
            .keys(&obj)
            .filter(|k| matches!(self.doc.get(&obj, k), Ok(Some((Value::Scalar(s), _))) if s.as_bool() == Some(true)))
            .collect()
    }

    /// Adds or removes a procedure.
    pub fn set_procedure(&mut self, rule: &str, chosen: bool) -> Result<(), VisitError> {
        if self.procedure_choice(rule) == Some(chosen) {
            return Ok(());
        }
        let obj = self.ensure_map(&["procedures"])?;
        self.doc.put(&obj, rule, chosen).map_err(change_err)?;
        self.doc.commit();
        Ok(())
    }

    // --- handling between 課 --------------------------------------------------------------

    /// Which 課 has the visit and who holds it.
    pub fn handling(&self) -> Handling {
        let obj = self.find_obj(&["handling"]);
        let text = |key: &str| {
            obj.as_ref()
                .and_then(|o| self.read_string(o, key))
                .filter(|v| !v.is_empty())
        };
        let since = obj.as_ref().and_then(|o| self.read_time(o, "since"));
        Handling {
            department: text("department")
                .and_then(|d| Department::from_name(&d))
                .unwrap_or(Department::Shimin),
            holder: text("holder"),
            holder_login: text("holder_login"),
            since: since.or(Some(self.created_at())),
        }
    }

    /// The names of the staff members whose terminals wrote to the visit, by actor (hex).
    pub fn actor_names(&self) -> BTreeMap<String, String> {
        let Some(obj) = self.find_obj(&["actors"]) else {
            return BTreeMap::new();
        };
        self.doc
            .keys(&obj)
            .filter_map(|actor| self.read_string(&obj, &actor).map(|name| (actor, name)))
            .collect()
    }

    /// The visit's history, oldest first.
    pub fn history(&self) -> Vec<HistoryEntry> {
        let Some(list) = self.find_list("history") else {
            return Vec::new();
        };
        (0..self.doc.length(&list))
            .filter_map(|i| match self.doc.get(&list, i).ok().flatten() {
                Some((Value::Object(ObjType::Map), entry)) => Some(HistoryEntry {
                    at: self.read_time(&entry, "at").unwrap_or(0),
                    who: self.read_string(&entry, "who").unwrap_or_default(),
                    department: self.read_string(&entry, "department").unwrap_or_default(),
                    action: self.read_string(&entry, "action").unwrap_or_default(),
                    detail: self.read_string(&entry, "detail"),
                }),
                _ => None,
            })
            .collect()
    }

    fn log(
        &mut self,
        at: i64,
        who: &str,
        department: &str,
        action: &str,
        detail: Option<&str>,
    ) -> Result<(), VisitError> {
        let list = match self.doc.get(ROOT, "history").map_err(change_err)? {
            Some((Value::Object(ObjType::List), id)) => id,
            _ => self
                .doc
                .put_object(ROOT, "history", ObjType::List)
                .map_err(change_err)?,
        };
        let index = self.doc.length(&list);
        let entry = self
            .doc
            .insert_object(&list, index, ObjType::Map)
            .map_err(change_err)?;
        self.doc
            .put(&entry, "at", ScalarValue::Timestamp(at))
            .map_err(change_err)?;
        self.doc.put(&entry, "who", who).map_err(change_err)?;
        self.doc
            .put(&entry, "department", department)
            .map_err(change_err)?;
        self.doc.put(&entry, "action", action).map_err(change_err)?;
        if let Some(detail) = detail {
            self.doc.put(&entry, "detail", detail).map_err(change_err)?;
        }
        Ok(())
    }

    /// A staff member of the 課 the visit is at takes it (a no-op if they already hold it).
    /// Its place in the 課's queue (`since`) stays.
    ///
    /// Errors: [`VisitError::HandledElsewhere`] when the visit is at another 課 (opening it
    /// there is looking, not taking: see [`VisitDoc::take_back`]).
    pub fn take(
        &mut self,
        login: &str,
        name: &str,
        department: Department,
        at: i64,
    ) -> Result<(), VisitError> {
        let current = self.handling();
        if current.department != department {
            return Err(VisitError::HandledElsewhere(current.department.ja()));
        }
        if current.holder_login.as_deref() == Some(login) {
            return Ok(());
        }
        self.hold(login, name, department)?;
        self.log(at, name, department.ja(), "opened", None)?;
        self.doc.commit();
        Ok(())
    }

    /// 「取り戻す」: moves the visit from the 課 that has it to `department`, held by this
    /// staff member, waiting there from `at`; the history says from where. A no-op when the
    /// visit is already at `department`.
    pub fn take_back(
        &mut self,
        login: &str,
        name: &str,
        department: Department,
        at: i64,
    ) -> Result<(), VisitError> {
        let from = self.handling().department;
        if from == department {
            return self.take(login, name, department, at);
        }
        self.hold(login, name, department)?;
        let obj = self.ensure_map(&["handling"])?;
        self.doc
            .put(&obj, "since", ScalarValue::Timestamp(at))
            .map_err(change_err)?;
        self.log(at, name, department.ja(), "taken_back", Some(from.ja()))?;
        self.doc.commit();
        Ok(())
    }

    fn hold(&mut self, login: &str, name: &str, department: Department) -> Result<(), VisitError> {
        let obj = self.ensure_map(&["handling"])?;
        self.doc
            .put(&obj, "department", department.as_str())
            .map_err(change_err)?;
        self.doc.put(&obj, "holder", name).map_err(change_err)?;
        self.doc
            .put(&obj, "holder_login", login)
            .map_err(change_err)?;
        // Who this terminal's changes are from, so a conflict can name the person.
        let actor = self.doc.get_actor().to_hex_string();
        let actors = self.ensure_map(&["actors"])?;
        self.doc.put(&actors, &actor, name).map_err(change_err)?;
        Ok(())
    }

    /// Hands the visit on to another 課; it waits there with no holder.
    pub fn hand_off(
        &mut self,
        to: Department,
        name: &str,
        from: Department,
        at: i64,
    ) -> Result<(), VisitError> {
        let obj = self.ensure_map(&["handling"])?;
        self.doc
            .put(&obj, "department", to.as_str())
            .map_err(change_err)?;
        self.doc.put(&obj, "holder", "").map_err(change_err)?;
        self.doc.put(&obj, "holder_login", "").map_err(change_err)?;
        self.doc
            .put(&obj, "since", ScalarValue::Timestamp(at))
            .map_err(change_err)?;
        self.log(at, name, from.ja(), "handed_off", Some(to.ja()))?;
        self.doc.commit();
        Ok(())
    }

    // --- confirmation ---------------------------------------------------------------------

    /// Every form with a recorded status.
    pub fn form_statuses(&self) -> BTreeMap<String, FormStatus> {
        let Some(status) = self.find_obj(&["status"]) else {
            return BTreeMap::new();
        };
        self.doc
            .keys(&status)
            .map(|form| {
                let s = self.form_status(&form);
                (form, s)
            })
            .collect()
    }

    /// A form's status (下書き when nothing was recorded).
    pub fn form_status(&self, form: &str) -> FormStatus {
        let Some(obj) = self.find_obj(&["status", form]) else {
            return FormStatus {
                state: FormState::Draft,
                at: None,
                reason: None,
                record: None,
                corrects: None,
                concerns: None,
            };
        };
        let at = self.read_time(&obj, "at");
        FormStatus {
            state: self
                .read_string(&obj, "state")
                .map(|s| FormState::from_name(&s))
                .unwrap_or(FormState::Draft),
            at,
            reason: self.read_string(&obj, "reason"),
            record: self.read_string(&obj, "record"),
            corrects: self.read_string(&obj, "corrects"),
            concerns: self.read_string(&obj, "concerns_item").map(|item| {
                let person = self
                    .read_string(&obj, "concerns_person")
                    .and_then(|p| p.parse::<usize>().ok());
                (person, item)
            }),
        }
    }

    fn put_status(
        &mut self,
        form: &str,
        state: FormState,
        at: i64,
        reason: Option<&str>,
    ) -> Result<(), VisitError> {
        let obj = self.ensure_map(&["status", form])?;
        self.doc
            .put(&obj, "state", state.as_str())
            .map_err(change_err)?;
        self.doc
            .put(&obj, "at", ScalarValue::Timestamp(at))
            .map_err(change_err)?;
        match reason {
            Some(reason) => self.doc.put(&obj, "reason", reason).map_err(change_err)?,
            None => {
                if self.doc.get(&obj, "reason").map_err(change_err)?.is_some() {
                    self.doc.delete(&obj, "reason").map_err(change_err)?;
                }
            }
        }
        // A new request starts a new round: the record of an earlier one, what its 差戻し
        // concerned, and the signature pinned at its confirmation, no longer apply.
        if state == FormState::Requested {
            for key in ["record", "concerns_item", "concerns_person", "signature"] {
                if self.doc.get(&obj, key).map_err(change_err)?.is_some() {
                    self.doc.delete(&obj, key).map_err(change_err)?;
                }
            }
        }
        self.doc.commit();
        Ok(())
    }

    /// The server's side: names the export record that carries a just-confirmed form to the
    /// core system.
    pub fn attach_record(&mut self, form: &str, record: &str) -> Result<(), VisitError> {
        let obj = self.ensure_map(&["status", form])?;
        self.doc.put(&obj, "record", record).map_err(change_err)?;
        self.doc.commit();
        Ok(())
    }

    /// The server's side: records how the exchange of `record` stands (送信済み, 基幹取込済み
    /// or 差戻し). Returns `false`, changing nothing, when the form has moved on to another
    /// record (asked again after a 差戻し) or already shows this state or a later one.
    pub fn record_exchange(
        &mut self,
        form: &str,
        record: &str,
        state: FormState,
        at_ms: i64,
        reason: Option<&str>,
    ) -> Result<bool, VisitError> {
        let current = self.form_status(form);
        if current.record.as_deref() != Some(record)
            || state.exchange_rank() <= current.state.exchange_rank()
        {
            return Ok(false);
        }
        self.put_status(form, state, at_ms, reason)?;
        let mut detail = self.form_title(form);
        if let Some(reason) = reason {
            detail.push_str(&format!(": {reason}"));
        }
        self.log(at_ms, SERVER, "", state.as_str(), Some(&detail))?;
        self.doc.commit();
        Ok(true)
    }

    /// The server's side: notes what a 差戻し of `form` concerns (the person row, 0 for the
    /// first, and the item or form field key), so the counter sees it at the field.
    pub fn note_concern(
        &mut self,
        form: &str,
        person: Option<usize>,
        item: &str,
    ) -> Result<(), VisitError> {
        let obj = self.ensure_map(&["status", form])?;
        self.doc
            .put(&obj, "concerns_item", item)
            .map_err(change_err)?;
        match person {
            Some(p) => self
                .doc
                .put(&obj, "concerns_person", p.to_string())
                .map_err(change_err)?,
            None => {
                if self
                    .doc
                    .get(&obj, "concerns_person")
                    .map_err(change_err)?
                    .is_some()
                {
                    self.doc
                        .delete(&obj, "concerns_person")
                        .map_err(change_err)?;
                }
            }
        }
        self.doc.commit();
        Ok(())
    }

    /// Asks the server to confirm a form; it stays 確認待ち until the server has decided. A
    /// form already confirmed (or beyond) is left as it is.
    pub fn request_confirmation(&mut self, form: &str, at_ms: i64) -> Result<(), VisitError> {
        self.catalog.form(form)?;
        let state = self.form_status(form).state;
        if state == FormState::Requested || state.is_settled() {
            return Ok(());
        }
        self.put_status(form, FormState::Requested, at_ms, None)
    }

    /// The server's side: validates every requested form with the domain core and records
    /// 確認済み, or 差戻し-like refusal with the reason. Returns what it decided.
    pub fn reconcile(
        &mut self,
        today: crate::calendar::CivilDay,
        now_ms: i64,
    ) -> Result<Vec<Decision>, VisitError> {
        let Some(status) = self.find_obj(&["status"]) else {
            return Ok(Vec::new());
        };
        let requested: Vec<String> = self
            .doc
            .keys(&status)
            .filter(|form| self.form_status(form).state == FormState::Requested)
            .collect();
        let values = self.values();
        let mut decisions = Vec::new();
        for form in requested {
            // A signature from another visit, or changed after it was made, is never
            // confirmed with the form: the form is refused and the counter signs again.
            let signature = match self.signature_check(&form) {
                Ok(signature) => signature,
                Err(e) => {
                    let reason = e.message_ja();
                    self.put_status(&form, FormState::Refused, now_ms, Some(&reason))?;
                    let detail = format!("{}: {reason}", self.form_title(&form));
                    self.log(now_ms, SERVER, "", "refused", Some(&detail))?;
                    self.doc.commit();
                    decisions.push(Decision {
                        form,
                        state: FormState::Refused,
                        errors: 1,
                    });
                    continue;
                }
            };
            let findings = match self.catalog.validate(&form, &values, today) {
                Ok(findings) => findings,
                Err(e) => {
                    self.put_status(&form, FormState::Refused, now_ms, Some(&e.to_string()))?;
                    decisions.push(Decision {
                        form,
                        state: FormState::Refused,
                        errors: 1,
                    });
                    continue;
                }
            };
            let errors: Vec<&str> = findings
                .iter()
                .filter(|f| f.finding.severity == crate::validate::Severity::Error)
                .map(|f| f.finding.message_ja.as_str())
                .collect();
            if errors.is_empty() {
                self.put_status(&form, FormState::Confirmed, now_ms, None)?;
                self.pin_signature(&form, signature.as_ref())?;
                self.log(
                    now_ms,
                    SERVER,
                    "",
                    "confirmed",
                    Some(&self.form_title(&form)),
                )?;
                self.doc.commit();
                decisions.push(Decision {
                    form,
                    state: FormState::Confirmed,
                    errors: 0,
                });
            } else {
                let reason = format!(
                    "エラー{}件: {}",
                    errors.len(),
                    errors
                        .iter()
                        .take(3)
                        .copied()
                        .collect::<Vec<_>>()
                        .join(" / ")
                );
                self.put_status(&form, FormState::Refused, now_ms, Some(&reason))?;
                let detail = format!("{}: {reason}", self.form_title(&form));
                self.log(now_ms, SERVER, "", "refused", Some(&detail))?;
                self.doc.commit();
                decisions.push(Decision {
                    form,
                    state: FormState::Refused,
                    errors: errors.len(),
                });
            }
        }
        Ok(decisions)
    }

    // --- reading it all -----------------------------------------------------------------

    /// Every value of the visit, in the catalog's terms, for validation.
    pub fn values(&self) -> VisitValues {
        let mut values = VisitValues::default();
        let flat = |v: &Self, obj: Option<ObjId>, prefix: &str| -> BTreeMap<String, String> {
            let Some(obj) = obj else {
                return BTreeMap::new();
            };
            v.doc
                .keys(&obj)
                .filter_map(|k| {
                    v.read_string(&obj, &k)
                        .map(|val| (format!("{prefix}{k}"), val))
                })
                .collect()
        };
        values.visit = flat(self, self.find_obj(&["visit"]), "visit.");
        values.household = flat(self, self.find_obj(&["household"]), "household.");
        values.persons = (0..self.person_count())
            .map(|i| flat(self, self.person_obj(i), "person."))
            .collect();
        if let Some(forms) = self.find_obj(&["forms"]) {
            for form in self.doc.keys(&forms) {
                values.forms.insert(
                    form.clone(),
                    flat(self, self.find_obj(&["forms", &form]), ""),
                );
            }
        }
        values
    }

    /// Values with concurrent, different values written by different counters.
    pub fn conflicts(&self) -> Vec<Conflict> {
        let mut out = Vec::new();
        let mut scan =
            |obj: Option<ObjId>, prefix: &str, person: Option<usize>, form: Option<&str>| {
                let Some(obj) = obj else { return };
                for key in self.doc.keys(&obj) {
                    let Ok(all) = self.doc.get_all(&obj, &key) else {
                        continue;
                    };
                    let values: Vec<(String, String)> = all
                        .into_iter()
                        .filter_map(|(v, id)| {
                            let text = match v {
                                Value::Scalar(s) => s.as_str().map(str::to_owned)?,
                                Value::Object(ObjType::Text) => self.doc.text(&id).ok()?,
                                _ => return None,
                            };
                            let actor = match &id {
                                ObjId::Id(_, actor, _) => actor.to_hex_string(),
                                ObjId::Root => String::new(),
                            };
                            Some((text, actor))
                        })
                        .collect();
                    let distinct: BTreeSet<&str> = values.iter().map(|(v, _)| v.as_str()).collect();
                    if distinct.len() > 1 {
                        out.push(Conflict {
                            key: format!("{prefix}{key}"),
                            person,
                            form: form.map(str::to_owned),
                            values,
                        });
                    }
                }
            };
        scan(self.find_obj(&["visit"]), "visit.", None, None);
        scan(self.find_obj(&["household"]), "household.", None, None);
        for i in 0..self.person_count() {
            scan(self.person_obj(i), "person.", Some(i), None);
        }
        if let Some(forms) = self.find_obj(&["forms"]) {
            for form in self.doc.keys(&forms) {
                scan(self.find_obj(&["forms", &form]), "", None, Some(&form));
            }
        }
        out
    }

    /// A plain copy of the screen fields for display and listing.
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

    // --- document plumbing --------------------------------------------------------------

    /// A string at `key`: a scalar string, or a text object as the JS client writes strings.
    fn read_string(&self, obj: &ObjId, key: &str) -> Option<String> {
        match self.doc.get(obj, key).ok().flatten() {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Str(text) => Some(text.to_string()),
                ScalarValue::Boolean(b) => Some(b.to_string()),
                _ => None,
            },
            Some((Value::Object(ObjType::Text), id)) => self.doc.text(&id).ok(),
            _ => None,
        }
    }

    /// A time (ms since the epoch) stored as a timestamp or an integer.
    fn read_time(&self, obj: &ObjId, key: &str) -> Option<i64> {
        match self.doc.get(obj, key).ok().flatten() {
            Some((Value::Scalar(s), _)) => match s.as_ref() {
                ScalarValue::Timestamp(t) | ScalarValue::Int(t) => Some(*t),
                _ => None,
            },
            _ => None,
        }
    }

    fn root_str(&self, key: &str) -> Option<String> {
        self.read_string(&ROOT, key)
    }

    fn find_obj(&self, path: &[&str]) -> Option<ObjId> {
        let mut obj = ROOT;
        for key in path {
            match self.doc.get(&obj, *key).ok().flatten() {
                Some((Value::Object(ObjType::Map), id)) => obj = id,
                _ => return None,
            }
        }
        Some(obj)
    }

    fn find_list(&self, key: &str) -> Option<ObjId> {
        match self.doc.get(ROOT, key).ok().flatten() {
            Some((Value::Object(ObjType::List), id)) => Some(id),
            _ => None,
        }
    }

    fn ensure_map(&mut self, path: &[&str]) -> Result<ObjId, VisitError> {
        let mut obj = ROOT;
        for key in path {
            obj = match self.doc.get(&obj, *key).map_err(change_err)? {
                Some((Value::Object(ObjType::Map), id)) => id,
                _ => self
                    .doc
                    .put_object(&obj, *key, ObjType::Map)
                    .map_err(change_err)?,
            };
        }
        Ok(obj)
    }
}

mod correction;
mod life;
mod signing;
pub use life::{Closing, VisitState};
pub use signing::{Signing, signings_since};

#[cfg(test)]
mod tests;
