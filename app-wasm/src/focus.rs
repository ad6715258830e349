//! Where the focus goes after an action: a defined, visible place on the screen (the new
//! screen's main field or title, the button that stays), never the page body, where Tab
//! would start over from the top.

use wasm_bindgen::JsCast;

/// Unfolds a form folded on the visit screen (`<details id="fold-…">`, another 課's form)
/// so that its fields can take the focus; a no-op when it is open or not there.
pub fn unfold(fold_id: &str) {
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(fold_id))
    {
        let _ = el.set_attribute("open", "");
    }
}

/// Leaves for `route`, the focus held on the page's `<main>` until the next screen puts it
/// on its own first place: the button pressed goes with the screen it was on, and the new
/// screen is drawn a moment later.
pub fn leave_for(route: crate::route::Route) {
    if let Some(main) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("main"))
        .and_then(|m| m.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = main.focus();
    }
    route.go();
}

/// Focuses the first element matching one of `selectors` that takes the focus, once the
/// screen has rendered (a visit's title appears when the visit is loaded: tried again for up
/// to three seconds). A retry never takes the focus back from where the person (or a later
/// focus request) has put it in the meantime: a keyboard user who already moved on keeps
/// their place, and Enter acts on the button they chose.
pub fn focus_first_of(selectors: &[&str]) {
    focus_into(None, selectors);
}

/// As [`focus_first_of`], unfolding the form `fold` (see [`unfold`]) before each attempt:
/// the section of a form just added may appear only after a few renders.
pub fn focus_into(fold: Option<&str>, selectors: &[&str]) {
    let selectors: std::rc::Rc<[String]> = selectors.iter().map(|s| s.to_string()).collect();
    let fold: Option<std::rc::Rc<str>> = fold.map(std::rc::Rc::from);
    fn attempt(
        fold: Option<std::rc::Rc<str>>,
        selectors: std::rc::Rc<[String]>,
        before: Option<web_sys::Element>,
        left: u32,
    ) {
        let Some(document) = web_sys::window().and_then(|w| w.document()) else {
            return;
        };
        if left < ATTEMPTS && moved_since(&document, before.as_ref()) {
            return;
        }
        if let Some(fold) = &fold {
            unfold(fold);
        }
        for selector in selectors.iter() {
            if let Ok(Some(el)) = document.query_selector(selector)
                && let Ok(el) = el.dyn_into::<web_sys::HtmlElement>()
            {
                let _ = el.focus();
                // A hidden element (a folded form's field) does not take the focus.
                if document.active_element().is_some_and(|a| a == *el) {
                    return;
                }
            }
        }
        if left > 0 {
            gloo_timers::callback::Timeout::new(100, move || {
                attempt(fold, selectors, before, left - 1)
            })
            .forget();
        }
    }
    let before = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element());
    attempt(fold, selectors, before, ATTEMPTS);
}

/// Attempts of [`focus_into`], 100 ms apart: up to 3 s, as a busy terminal may draw the
/// element a while after the change that asks for it.
const ATTEMPTS: u32 = 30;

/// Whether the focus is now on an element other than `before` (the one focused when the
/// request was made) and other than the page body: someone put it there since.
fn moved_since(document: &web_sys::Document, before: Option<&web_sys::Element>) -> bool {
    let Some(active) = document.active_element() else {
        return false;
    };
    let on_body = document
        .body()
        .is_some_and(|body| active == *body.unchecked_ref::<web_sys::Element>());
    !on_body && before != Some(&active)
}

/// Whether the person is typing: the focus is in a text field, a text area or a list.
pub fn typing() -> bool {
    use wasm_bindgen::JsCast;
    let Some(active) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.active_element())
    else {
        return false;
    };
    if let Some(input) = active.dyn_ref::<web_sys::HtmlInputElement>() {
        return !matches!(
            input.type_().as_str(),
            "button" | "submit" | "reset" | "checkbox" | "radio"
        );
    }
    active.is_instance_of::<web_sys::HtmlTextAreaElement>()
        || active.is_instance_of::<web_sys::HtmlSelectElement>()
}
