//! [`use_composition_end`]: a text input's value when an IME conversion is committed.
//!
//! Typing 高橋 with a Japanese IME sends an `input` event for every unconverted step (`t`,
//! `た`, `たk`, `たか` …), each with `isComposing` set. A field writes none of those into the
//! visit (they are not what the person means, and each would be stored, synced and echoed);
//! it writes the text once the conversion is committed (`compositionend`), and plain input
//! outside a composition as before. Yew has no `oncompositionend`, so the listener is added
//! to the element here.

use gloo_events::EventListener;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// Calls `on_commit` with the input's value each time a composition ends in the element
/// behind `node` (re-attached when the element changes).
#[hook]
pub fn use_composition_end(node: NodeRef, on_commit: Callback<String>) {
    use_effect_with(node, move |node| {
        let listener = node.cast::<HtmlInputElement>().map(|input| {
            let target = input.clone();
            EventListener::new(&input, "compositionend", move |_| {
                on_commit.emit(target.value());
            })
        });
        move || drop(listener)
    });
}
