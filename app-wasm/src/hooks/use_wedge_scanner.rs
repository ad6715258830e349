use std::cell::RefCell;
use std::rc::Rc;

use device_webusb::wedge::WedgeDecoder;
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{HtmlElement, KeyboardEvent};
use yew::prelude::*;

/// Listens for keyboard-wedge scans (fast keystrokes ending in Enter) anywhere on the page
/// except inside an input, and calls `on_scan` with each scanned text.
#[hook]
pub fn use_wedge_scanner(on_scan: Callback<String>) {
    use_effect_with((), move |_| {
        let decoder = Rc::new(RefCell::new(WedgeDecoder::default()));
        let listener = Closure::<dyn FnMut(KeyboardEvent)>::new(move |event: KeyboardEvent| {
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
        });
        let window = web_sys::window().expect("a window");
        let _ =
            window.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        move || {
            let _ = window
                .remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
    });
}
