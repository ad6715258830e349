//! [`AppState`]: what the UI shows, changed only through [`Action`]s.

use std::rc::Rc;

use shared_model::DocumentId;
use yew::Reducible;

use crate::api::Staff;
use crate::i18n::Text;
use crate::repo::{RepoEvent, SyncStatus, VisitView};
use crate::route::Route;
use crate::storage::LocalVisit;

/// The UI state.
#[derive(Debug, Clone, PartialEq)]
pub struct AppState {
    /// The screen shown.
    pub route: Route,
    /// The badge.
    pub sync: SyncStatus,
    /// Visits stored on this terminal.
    pub local_visits: Vec<LocalVisit>,
    /// The visit last opened or changed.
    pub open: Option<VisitView>,
    /// A visit that could not be found, and whether only because the server was offline.
    pub unavailable: Option<(DocumentId, bool)>,
    /// A problem to show until dismissed.
    pub problem: Option<Text>,
    /// The 問い合わせ番号 of the server's answer behind [`AppState::problem`], if it came
    /// from one ([`crate::api::take_failure_reference`]).
    pub problem_reference: Option<String>,
    /// The signed-in staff member (kept in localStorage so a counter works offline).
    pub staff: Option<Staff>,
    /// Whether the browser keeps this origin's storage from eviction (`None` until asked, or
    /// where the browser cannot say).
    pub storage_persisted: Option<bool>,
    /// What the one polite live region says last (a form confirmed, a visit handed on, the
    /// network lost), with a count so the same words said again are said again.
    pub announcement: (u32, String),
    /// On the kiosk face: whether this browser is an enrolled kiosk (`None` until the server
    /// said, or while it cannot be asked).
    pub kiosk_enrolled: Option<bool>,
    /// How many times the city's catalog was replaced this session (the screens read it
    /// again: [`crate::city::catalog`]).
    pub catalog_version: u32,
}

const STAFF_KEY: &str = "madoguchi.staff";

/// The staff member remembered on this terminal.
pub fn remembered_staff() -> Option<Staff> {
    let storage = web_sys::window()?.local_storage().ok()??;
    serde_json::from_str(&storage.get_item(STAFF_KEY).ok()??).ok()
}

/// Remembers (or forgets) the signed-in staff member on this terminal.
pub fn remember_staff(staff: Option<&Staff>) {
    let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) else {
        return;
    };
    let _ = match staff.and_then(|s| serde_json::to_string(s).ok()) {
        Some(json) => storage.set_item(STAFF_KEY, &json),
        None => storage.remove_item(STAFF_KEY),
    };
}

impl Default for AppState {
    fn default() -> Self {
        Self {
            route: Route::current().held(),
            sync: SyncStatus::default(),
            local_visits: Vec::new(),
            open: None,
            unavailable: None,
            problem: None,
            problem_reference: None,
            staff: remembered_staff(),
            storage_persisted: None,
            announcement: (0, String::new()),
            kiosk_enrolled: None,
            catalog_version: 0,
        }
    }
}

/// A change to the UI state.
#[derive(Debug, Clone)]
pub enum Action {
    /// The repo reported something.
    Repo(RepoEvent),
    /// The URL hash changed.
    Navigate(Route),
    /// Show a problem.
    Problem(Text),
    /// Hide the problem.
    DismissProblem,
    /// The browser said whether this origin's storage is persistent.
    StoragePersisted(Option<bool>),
    /// A staff member signed in (or `None`: signed out).
    Staff(Option<Staff>),
    /// Say this once to screen readers (the polite live region).
    Announce(String),
    /// Whether this browser is an enrolled kiosk (the kiosk face asked the server).
    KioskEnrolled(bool),
    /// The city's catalog was replaced ([`crate::city::refresh`]).
    CatalogChanged,
    /// Forget a visit on the screen (a kiosk's citizen has gone): nothing of it stays in the
    /// state the components render from.
    Forget(shared_model::DocumentId),
}

impl Reducible for AppState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Repo(RepoEvent::Status(status)) => next.sync = status,
            Action::Repo(RepoEvent::LocalVisits(list)) => next.local_visits = list,
            Action::Repo(RepoEvent::Visit(view)) => {
                if next.unavailable.is_some_and(|(id, _)| id == view.id) {
                    next.unavailable = None;
                }
                next.open = Some(*view);
            }
            Action::Repo(RepoEvent::Unavailable { id, offline }) => {
                next.unavailable = Some((id, offline))
            }
            Action::Repo(RepoEvent::Problem(text)) | Action::Problem(text) => {
                next.problem = Some(text);
                next.problem_reference = crate::api::take_failure_reference();
            }
            Action::Navigate(route) => next.route = route,
            Action::DismissProblem => {
                next.problem = None;
                next.problem_reference = None;
            }
            Action::StoragePersisted(persisted) => next.storage_persisted = persisted,
            Action::Staff(staff) => {
                remember_staff(staff.as_ref());
                if let Some(staff) = &staff {
                    crate::city::set_name(&staff.city);
                }
                next.staff = staff;
            }
            Action::Announce(text) => next.announcement = (self.announcement.0 + 1, text),
            Action::KioskEnrolled(enrolled) => next.kiosk_enrolled = Some(enrolled),
            Action::CatalogChanged => next.catalog_version += 1,
            Action::Forget(id) => {
                if next.open.as_ref().is_some_and(|v| v.id == id) {
                    next.open = None;
                }
                if next.unavailable.is_some_and(|(u, _)| u == id) {
                    next.unavailable = None;
                }
                next.local_visits.retain(|v| v.doc != id);
                next.announcement = (self.announcement.0 + 1, String::new());
            }
        }
        if next == *self { self } else { Rc::new(next) }
    }
}
