use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::use_window_keydown;

/// Keyboard shortcuts of the counter (Alt + key, so they never clash with typing):
/// S opens a visit by number, N moves to the next form, C confirms the current form,
/// P opens the current form's print preview, Q calls the next number at this 窓口 (on the
/// counter's start screen, where the queue panel is). F1 opens the manual at the screen's
/// section (the 「？」 of the staff screens).
pub const SHORTCUTS: [(&str, &str); 6] = [
    ("Alt+S", "受付番号で開く"),
    ("Alt+N", "次の届書へ"),
    ("Alt+C", "この届書を確認する"),
    ("Alt+P", "この届書の印刷プレビュー"),
    ("Alt+Q", "次の番号を呼ぶ"),
    ("F1", "この画面のマニュアルを開く"),
];

fn document() -> Option<web_sys::Document> {
    web_sys::window()?.document()
}

/// The form section that holds the focus, or the first one.
fn current_form() -> Option<Element> {
    let doc = document()?;
    doc.active_element()
        .and_then(|el| {
            el.closest("fieldset.form-section[id^='form-']")
                .ok()
                .flatten()
        })
        .or_else(|| {
            doc.query_selector("fieldset.form-section[id^='form-']")
                .ok()
                .flatten()
        })
}

fn focus_first_input(section: &Element) {
    if let Ok(Some(el)) = section.query_selector("input, select, button")
        && let Ok(el) = el.dyn_into::<HtmlElement>()
    {
        let _ = el.focus();
    }
}

fn click(section: &Element, selector: &str) {
    if let Ok(Some(el)) = section.query_selector(selector)
        && let Ok(el) = el.dyn_into::<HtmlElement>()
    {
        el.click();
    }
}

/// Alt+N: the first input of the form after the one holding the focus, wrapping from the
/// last to the first. Forms folded away (another 課's, in a closed `<details>`) are passed
/// over: nothing in them can take the focus.
fn next_form() {
    let Some(doc) = document() else { return };
    let Ok(nodes) = doc.query_selector_all("fieldset.form-section[id^='form-']") else {
        return;
    };
    let forms: Vec<Element> = (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .filter_map(|n| n.dyn_into::<Element>().ok())
        .filter(|f| f.closest("details:not([open])").ok().flatten().is_none())
        .collect();
    if forms.is_empty() {
        return;
    }
    let current = doc.active_element().and_then(|el| {
        el.closest("fieldset.form-section[id^='form-']")
            .ok()
            .flatten()
    });
    let next_index = current
        .and_then(|cur| forms.iter().position(|f| f.is_same_node(Some(&cur))))
        .map_or(0, |i| (i + 1) % forms.len());
    let section = &forms[next_index];
    section.scroll_into_view();
    focus_first_input(section);
}

/// Installs the counter's shortcuts for as long as the component lives.
#[hook]
pub fn use_shortcuts() {
    use_window_keydown(Callback::from(|event: KeyboardEvent| {
        // F1: the screen's 「？」 (there only on the staff screens), instead of the
        // browser's own help.
        if event.key() == "F1" {
            if let Some(help) = document()
                .and_then(|d| d.get_element_by_id("help-link"))
                .and_then(|el| el.dyn_into::<HtmlElement>().ok())
            {
                event.prevent_default();
                help.click();
            }
            return;
        }
        if !event.alt_key() || event.ctrl_key() || event.meta_key() {
            return;
        }
        // The kiosk is for citizens: no way from it into the counter.
        if matches!(crate::route::Route::current(), crate::route::Route::Kiosk) {
            return;
        }
        let handled = match event.code().as_str() {
            "KeyS" => {
                if let Some(input) = document()
                    .and_then(|d| d.get_element_by_id("open-number"))
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                {
                    let _ = input.focus();
                } else {
                    crate::route::Route::Counter.go();
                }
                true
            }
            "KeyN" => {
                next_form();
                true
            }
            "KeyC" => {
                if let Some(section) = current_form() {
                    click(&section, "button[id^='confirm-']");
                }
                true
            }
            "KeyQ" => {
                if let Some(button) = document()
                    .and_then(|d| d.get_element_by_id("queue-call-next"))
                    .and_then(|el| el.dyn_into::<HtmlElement>().ok())
                {
                    button.click();
                }
                true
            }
            "KeyP" => {
                if let Some(section) = current_form() {
                    click(&section, "a.print-link");
                }
                true
            }
            _ => false,
        };
        if handled {
            event.prevent_default();
        }
    }));
}
