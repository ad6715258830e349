//! [`use_draft`]: what a text input shows while a person types in it.

use yew::prelude::*;

/// The value of a text input bound to the visit. While the person is editing (from the first
/// key to leaving the field) it shows what they typed, never the visit's value: the visit
/// answers each key a few milliseconds later (an Automerge change, sealed and stored), and
/// writing that older answer back into the field would drop the keys typed meanwhile
/// (`ﾀｶｻｷ` stored as `ﾀｻｷ`) and move the caret. When the field is left, it shows the visit's
/// value again, which by then holds everything typed (or its canonical form).
#[derive(Clone, PartialEq)]
pub struct Draft {
    editing: UseStateHandle<Option<String>>,
    model: String,
}

impl Draft {
    /// What the input shows: the typed text while editing, else the visit's value.
    pub fn shown(&self) -> String {
        (*self.editing)
            .clone()
            .unwrap_or_else(|| self.model.clone())
    }

    /// A key was typed: the input now holds `value`.
    pub fn typed(&self, value: String) {
        self.editing.set(Some(value));
    }

    /// The field was left: show the visit's value from now on.
    pub fn done(&self) {
        self.editing.set(None);
    }
}

/// A [`Draft`] over the visit's current `model` value.
#[hook]
pub fn use_draft(model: &str) -> Draft {
    let editing = use_state(|| None::<String>);
    Draft {
        editing,
        model: model.to_owned(),
    }
}
