use device_webusb::wedge::WedgeDecoder;
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::use_window_keydown;

/// Listens for keyboard-wedge scans (fast keystrokes ending in Enter) anywhere on the page
/// except inside an input, and calls `on_scan` with each scanned text.
#[hook]
pub fn use_wedge_scanner(on_scan: Callback<String>) {
    let decoder = use_mut_ref(WedgeDecoder::default);
    use_window_keydown(Callback::from(move |event: KeyboardEvent| {
        let editing = event
            .target()
            .and_then(|t| t.dyn_into::<HtmlElement>().ok())
            .is_some_and(|el| {
                matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                    || el.is_content_editable()
            });
        if editing {
            return;
        }
        let scan = decoder.borrow_mut().feed(&event.key(), event.time_stamp());
        if let Some(scan) = scan {
            event.prevent_default();
            on_scan.emit(scan);
        }
    }));
}
