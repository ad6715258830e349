//! Sans-IO domain core of Madoguchi, shared by the PWA (wasm32), the sync server and the tests.
//!
//! The principal type is [`VisitDoc`]: one citizen's visit as an Automerge document, which a
//! kiosk creates, counters edit (offline too), and the sync server stores. Next to it,
//! [`protocol`] holds the automerge-repo v1 wire messages and the sans-IO [`protocol::SyncClient`]
//! that both the browser app and native test peers drive.
//!
//! No IO and no async runtime live here.
#![forbid(unsafe_code)]

pub mod audit_entry;
pub mod calendar;
pub mod catalog;
mod document_id;
pub mod document_read;
pub mod export_queue;
pub mod handoff;
pub mod import_state;
pub mod language;
pub mod navi;
pub mod numerals;
pub mod prefill;
pub mod protocol;
pub mod queue;
pub mod search_key;
pub mod signature;
pub mod stats;
pub mod synthetic;
pub mod tenant;
pub mod terminal;
pub mod validate;
mod visit;

pub use document_id::{AutomergeUrl, DocumentId, DocumentIdError};
pub use visit::{
    Closing, Conflict, Decision, Field, FormState, FormStatus, Handling, HistoryEntry, ReadMark,
    SCHEMA_VERSION, Signing, VisitChange, VisitDoc, VisitError, VisitState, VisitSummary,
    handling_department, reconcile_document, reconcile_document_in, signings_since,
};
