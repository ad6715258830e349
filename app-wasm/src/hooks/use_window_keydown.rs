use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::KeyboardEvent;
use yew::prelude::*;

/// Calls `handler` with every `keydown` on the window while the component lives (the first
/// handler given is the one installed).
#[hook]
pub fn use_window_keydown(handler: Callback<KeyboardEvent>) {
    use_effect_with((), move |_| {
        let listener = Closure::<dyn FnMut(KeyboardEvent)>::new(move |e| handler.emit(e));
        let window = web_sys::window().expect("a window");
        let _ =
            window.add_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        move || {
            let _ = window
                .remove_event_listener_with_callback("keydown", listener.as_ref().unchecked_ref());
        }
    });
}
