//! The 「？」 of each staff screen: which page of the manuals (`/manual/`, built by
//! `cargo xtask docs` from `docs/manual/`, kept offline by the service worker) explains it.
//!
//! The pages named here must exist in the books: `tests/tests/manual.rs` checks each
//! [`MANUAL_PAGES`] entry against `docs/manual/<book>/src/<page>.md`.

use crate::route::Route;

/// Every page a 「？」 opens, below `/manual/` (`counter/visit.html` is built from
/// `docs/manual/counter/src/visit.md`).
pub const MANUAL_PAGES: &[&str] = &[
    "counter/index.html",
    "counter/sign-in.html",
    "counter/day-list.html",
    "counter/visit.html",
    "counter/printing.html",
    "admin/status.html",
];

/// The manual page (below `/manual/`) of the screen `route` shows, `signed_in` or not;
/// `None` on the screens turned to citizens (the kiosk, the signing tablet, the hall's
/// display), which have no 「？」.
pub fn manual_page(route: Route, signed_in: bool) -> Option<&'static str> {
    let staff_face = matches!(
        route,
        Route::Counter | Route::CounterVisit(_) | Route::Print(..) | Route::Admin
    );
    if staff_face && !signed_in {
        return Some(MANUAL_PAGES[1]);
    }
    match route {
        Route::Home => Some(MANUAL_PAGES[0]),
        Route::Counter => Some(MANUAL_PAGES[2]),
        Route::CounterVisit(_) => Some(MANUAL_PAGES[3]),
        Route::Print(..) => Some(MANUAL_PAGES[4]),
        Route::Admin => Some(MANUAL_PAGES[5]),
        Route::Kiosk | Route::Sign(_) | Route::Display => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_staff_screen_has_its_page_and_citizens_have_none() {
        assert_eq!(
            manual_page(Route::Counter, true),
            Some("counter/day-list.html")
        );
        assert_eq!(
            manual_page(Route::Counter, false),
            Some("counter/sign-in.html")
        );
        assert_eq!(
            manual_page(Route::Admin, false),
            Some("counter/sign-in.html")
        );
        assert_eq!(manual_page(Route::Admin, true), Some("admin/status.html"));
        assert_eq!(manual_page(Route::Kiosk, true), None);
        assert_eq!(manual_page(Route::Display, false), None);
    }
}
