use device_webusb::wedge::{Scan, WedgeDecoder, WedgeSettings};
use shared_model::DocumentId;
use shared_model::handoff::{ScanError, read_scan};
use wasm_bindgen::JsCast;
use web_sys::{HtmlElement, HtmlInputElement, HtmlTextAreaElement, KeyboardEvent};
use yew::prelude::*;

use super::use_window_keydown;

/// A reception slip read by a keyboard-wedge reader: the keys as they came, and what they
/// read as.
#[derive(Debug, Clone, PartialEq)]
pub struct SlipScan {
    /// The burst of keys.
    pub scan: Scan,
    /// The visit, or why the burst is not a slip's code.
    pub read: Result<DocumentId, ScanError>,
}

/// A text field the keys of a burst were going into, and what it held before the burst.
struct Field {
    element: HtmlElement,
    before: String,
}

/// Listens for keyboard-wedge scans (fast keystrokes ending in Enter, CR/LF/CRLF, or Tab)
/// anywhere on the page and calls `on_slip` with each one that is (or tries to be) a slip's
/// code: on the page, on a button or checkbox, and in a text field too — a reader fired while
/// the caret is in a visit's field must not leave the other citizen's code in this citizen's
/// record, so the field gets back what it held before the burst (its input event tells the
/// visit). A burst in a text field that is not a slip's code at all (`NotASlip`), or one the
/// IME is composing, is left to the field. The key that ends a scan, and the LF of a CRLF
/// right after it, do nothing else on the page (no button is pressed, the focus stays).
#[hook]
pub fn use_wedge_scanner(on_slip: Callback<SlipScan>) {
    let decoder = use_mut_ref(WedgeDecoder::default);
    let ended_at = use_mut_ref(|| None::<f64>);
    let field = use_mut_ref(|| None::<Field>);
    use_window_keydown(Callback::from(move |event: KeyboardEvent| {
        let (key, at) = (event.key(), event.time_stamp());
        if !decoder.borrow().in_burst() {
            // A burst may start here: remember the text field and what it holds.
            *field.borrow_mut() = text_field(&event);
        }
        let trailing = matches!(key.as_str(), "Enter" | "Tab")
            && ended_at
                .borrow()
                .is_some_and(|end| at - end <= WedgeSettings::default().max_gap_ms);
        let caps_lock = event.get_modifier_state("CapsLock");
        let Some(scan) = decoder.borrow_mut().feed_key(&key, at, caps_lock) else {
            if trailing {
                event.prevent_default();
            }
            return;
        };
        let read = read_scan(&scan.text);
        let in_field = field.borrow_mut().take();
        if let Some(field) = &in_field {
            let leave_to_field =
                scan.ime_keys > 0 || matches!(read, Err(ScanError::NotASlip | ScanError::Empty));
            if leave_to_field {
                return;
            }
            restore(field);
        }
        event.prevent_default();
        *ended_at.borrow_mut() = Some(at);
        on_slip.emit(SlipScan { scan, read });
    }));
}

/// The text field a key goes into, if it does, with its value now.
fn text_field(event: &KeyboardEvent) -> Option<Field> {
    let element = event.target()?.dyn_into::<HtmlElement>().ok()?;
    let before = if let Some(input) = element.dyn_ref::<HtmlInputElement>() {
        let typed = matches!(
            input.type_().as_str(),
            "" | "text" | "search" | "tel" | "url" | "email" | "password" | "number"
        );
        typed.then(|| input.value())?
    } else if let Some(area) = element.dyn_ref::<HtmlTextAreaElement>() {
        area.value()
    } else {
        return None;
    };
    Some(Field { element, before })
}

/// Puts back what a field held before the burst, and tells its listeners (the visit).
fn restore(field: &Field) {
    if let Some(input) = field.element.dyn_ref::<HtmlInputElement>() {
        input.set_value(&field.before);
    } else if let Some(area) = field.element.dyn_ref::<HtmlTextAreaElement>() {
        area.set_value(&field.before);
    }
    let init = web_sys::InputEventInit::new();
    init.set_bubbles(true);
    if let Ok(event) = web_sys::InputEvent::new_with_event_init_dict("input", &init) {
        let _ = field.element.dispatch_event(&event);
    }
}
