//! Where the focus goes after an action: a defined, visible place on the screen (the new
//! screen's main field or title, the button that stays), never the page body, where Tab
//! would start over from the top.

use wasm_bindgen::JsCast;

/// Focuses the first element matching one of `selectors`, once the screen has rendered (a
/// visit's title appears when the visit is loaded: tried again for a second).
pub fn focus_first_of(selectors: &[&str]) {
    let selectors: std::rc::Rc<[String]> = selectors.iter().map(|s| s.to_string()).collect();
    fn attempt(selectors: std::rc::Rc<[String]>, left: u32) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        for selector in selectors.iter() {
            if let Ok(Some(el)) = document.query_selector(selector)
                && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = el.focus();
                return;
            }
        }
        if left > 0 {
            gloo_timers::callback::Timeout::new(100, move || attempt(selectors, left - 1)).forget();
        }
    }
    attempt(selectors, 10);
}
