use device_webusb::wedge::{Scan, WedgeDecoder, WedgeSettings};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

use super::use_window_keydown;

/// Listens for keyboard-wedge scans (fast keystrokes ending in Enter, CR/LF/CRLF, or Tab)
/// anywhere on the page except inside an input, and calls `on_scan` with each [`Scan`]
/// (its text, and whether the IME or Caps Lock was in the way). The key that ends a scan, and
/// the LF of a CRLF right after it, do nothing else on the page (no button is pressed, the
/// focus does not move).
#[hook]
pub fn use_wedge_scanner(on_scan: Callback<Scan>) {
    let decoder = use_mut_ref(WedgeDecoder::default);
    let ended_at = use_mut_ref(|| None::<f64>);
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
        let (key, at) = (event.key(), event.time_stamp());
        let trailing = matches!(key.as_str(), "Enter" | "Tab")
            && ended_at
                .borrow()
                .is_some_and(|end| at - end <= WedgeSettings::default().max_gap_ms);
        let caps_lock = event.get_modifier_state("CapsLock");
        let scan = decoder.borrow_mut().feed_key(&key, at, caps_lock);
        if let Some(scan) = scan {
            event.prevent_default();
            *ended_at.borrow_mut() = Some(at);
            on_scan.emit(scan);
        } else if trailing {
            event.prevent_default();
        }
    }));
}
