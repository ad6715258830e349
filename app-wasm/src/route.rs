//! [`Route`]: which face and screen the page shows, kept in the URL hash so the app shell is
//! one `index.html` that the service worker can serve offline.

use shared_model::DocumentId;
use shared_model::language::Language;

/// The session-storage key naming the visit a signing tablet is held on (see
/// [`Route::held`]).
const SIGN_HOLD_KEY: &str = "madoguchi.sign-hold";

/// A screen of the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Route {
    /// Choose a face.
    Home,
    /// The citizens' kiosk.
    Kiosk,
    /// The counter's list of visits.
    Counter,
    /// One visit at the counter.
    CounterVisit(DocumentId),
    /// The admins' sync status page.
    Admin,
    /// The print preview of one form (by its index in the catalog) of a visit.
    Print(DocumentId, usize),
    /// The full-screen signature pad of a visit, for a tablet turned to the citizen.
    Sign(DocumentId),
    /// The waiting-room display (a TV in the hall: called numbers and waits).
    Display,
}

impl Route {
    /// The route of a URL hash such as `#/counter/<id>`.
    pub fn from_hash(hash: &str) -> Route {
        let path = hash.trim_start_matches('#').trim_matches('/');
        let mut parts = path.split('/');
        match (parts.next(), parts.next()) {
            (Some("kiosk"), None) => Route::Kiosk,
            (Some("counter"), None) => Route::Counter,
            (Some("counter"), Some(id)) => id
                .parse()
                .map(Route::CounterVisit)
                .unwrap_or(Route::Counter),
            (Some("admin"), None) => Route::Admin,
            // `#/sign/<id>?lang=pt`: the language is the sign screen's ([`sign_language`]).
            (Some("sign"), Some(id)) => id
                .split('?')
                .next()
                .and_then(|id| id.parse().ok())
                .map(Route::Sign)
                .unwrap_or(Route::Counter),
            (Some("display"), None) => Route::Display,
            (Some("print"), Some(id)) => {
                let form = parts.next().and_then(|f| {
                    crate::city::catalog()
                        .catalog
                        .forms
                        .iter()
                        .position(|form| form.id == f)
                });
                match (id.parse(), form) {
                    (Ok(id), Some(form)) => Route::Print(id, form),
                    _ => Route::Counter,
                }
            }
            _ => Route::Home,
        }
    }

    /// The URL hash of the route.
    pub fn to_hash(self) -> String {
        match self {
            Route::Home => "#/".into(),
            Route::Kiosk => "#/kiosk".into(),
            Route::Counter => "#/counter".into(),
            Route::CounterVisit(id) => format!("#/counter/{id}"),
            Route::Admin => "#/admin".into(),
            Route::Sign(id) => format!("#/sign/{id}"),
            Route::Display => "#/display".into(),
            Route::Print(id, form) => {
                let form = &crate::city::catalog().catalog.forms[form];
                format!("#/print/{id}/{}", form.id)
            }
        }
    }

    /// The route the page shows now.
    pub fn current() -> Route {
        let hash = web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .unwrap_or_default();
        Route::from_hash(&hash)
    }

    /// Shows this route (adds a history entry).
    pub fn go(self) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().set_hash(&self.to_hash());
        }
    }

    /// Shows this route in place of the current history entry (`location.replace`): Back
    /// does not come back to what was shown.
    pub fn replace(self) {
        if let Some(window) = web_sys::window() {
            let _ = window.location().replace(&self.to_hash());
        }
    }

    /// The route to show for this one on a tablet held for a citizen's signature: while
    /// this tab is held on a visit's signing ([`hold_sign`]), every other route (Back, a
    /// typed address, a shortcut, a scanned slip) shows that signing instead, the address
    /// replaced; staff release it with their password ([`release_sign`]).
    pub fn held(self) -> Route {
        match sign_held() {
            Some(id) if self != Route::Sign(id) => {
                Route::Sign(id).replace();
                Route::Sign(id)
            }
            _ => self,
        }
    }
}

fn session() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok()?
}

/// The visit this tab is held on for a citizen's signature, if any (kept for the tab's
/// life, so a reload stays on the signing).
pub fn sign_held() -> Option<DocumentId> {
    session()?.get_item(SIGN_HOLD_KEY).ok()??.parse().ok()
}

/// Holds this tab on the signing of visit `id` (see [`Route::held`]).
pub fn hold_sign(id: DocumentId) {
    if let Some(storage) = session() {
        let _ = storage.set_item(SIGN_HOLD_KEY, &id.to_string());
    }
}

/// Lets this tab leave the signing again.
pub fn release_sign() {
    if let Some(storage) = session() {
        let _ = storage.remove_item(SIGN_HOLD_KEY);
    }
}

/// The language a sign screen's address asks for: `#/sign/<id>?lang=<code>` with a code of
/// [`Language::code`] (`ja`, `ja-easy`, `en`, `zh`, `ko`, `vi`, `pt`, `tl`, `ne`).
pub fn sign_language(hash: &str) -> Option<Language> {
    let (_, query) = hash.split_once('?')?;
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "lang")
        .and_then(|(_, code)| Language::from_code(code))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wasm_bindgen_test::wasm_bindgen_test;

    #[wasm_bindgen_test]
    fn hashes_round_trip() {
        let id = DocumentId::random();
        for route in [
            Route::Home,
            Route::Kiosk,
            Route::Counter,
            Route::CounterVisit(id),
            Route::Admin,
            Route::Sign(id),
            Route::Display,
        ] {
            assert_eq!(Route::from_hash(&route.to_hash()), route);
        }
        assert_eq!(Route::from_hash("#/counter/not-an-id"), Route::Counter);
        assert_eq!(
            Route::from_hash(&format!("#/sign/{id}?lang=pt")),
            Route::Sign(id)
        );
        assert_eq!(
            sign_language(&format!("#/sign/{id}?lang=pt")),
            Some(Language::Pt)
        );
        assert_eq!(sign_language(&format!("#/sign/{id}?lang=xx")), None);
        assert_eq!(sign_language(&format!("#/sign/{id}")), None);
        assert_eq!(Route::from_hash(""), Route::Home);
        assert_eq!(
            Route::from_hash(&format!("#/print/{id}/no_such_form")),
            Route::Counter
        );
    }
}
