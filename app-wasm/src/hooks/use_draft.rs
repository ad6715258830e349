//! [`use_draft`]: what a text input shows while a person types in it.

use std::cell::RefCell;
use std::rc::Rc;

use shared_model::catalog::Kind;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// The value of a text input bound to the visit. While the person is editing (from the first
/// key to leaving the field) it shows what they typed, not the visit's value as it comes
/// back: the visit answers each key a few milliseconds later (an Automerge change, sealed and
/// stored), and writing that older answer back into the field would drop the keys typed
/// meanwhile (`ﾀｶｻｷ` stored as `ﾀｻｷ`) and move the caret. A value the person did not type
/// (another counter's edit, a conflict resolved elsewhere) is shown at once. When the field
/// is left, it shows the visit's value again, which by then holds everything typed (or its
/// canonical form).
#[derive(Clone)]
pub struct Draft {
    editing: UseStateHandle<Option<String>>,
    /// What the visit held when editing began, then every value this input sent to it while
    /// being edited, oldest first.
    sent: Rc<RefCell<Vec<String>>>,
    model: String,
}

impl PartialEq for Draft {
    fn eq(&self, other: &Self) -> bool {
        *self.editing == *other.editing && self.model == other.model
    }
}

impl Draft {
    /// What the input shows: the typed text while editing — unless the visit now holds a
    /// value this input never sent — else the visit's value.
    pub fn shown(&self) -> String {
        match &*self.editing {
            Some(typed) => {
                let mut sent = self.sent.borrow_mut();
                match sent.iter().position(|v| *v == self.model) {
                    // An echo of our own typing: forget what the visit already has.
                    Some(i) => {
                        sent.drain(..i);
                        typed.clone()
                    }
                    None if sent.is_empty() => typed.clone(),
                    // Someone else's value: it wins on screen, as it did in the visit.
                    None => self.model.clone(),
                }
            }
            None => self.model.clone(),
        }
    }

    /// A key was typed (or the value rewritten): the input now holds `value`, which is sent
    /// to the visit.
    pub fn typed(&self, value: String) {
        let mut sent = self.sent.borrow_mut();
        if sent.is_empty() {
            // What the visit held when the editing began is not someone else's value.
            sent.push(self.model.clone());
        }
        sent.push(value.clone());
        drop(sent);
        self.editing.set(Some(value));
    }

    /// The field is being left (its change event): rewrites `input` into the canonical form
    /// of `kind` ([`Kind::canonical`]) and returns that form to store, or `None` when what is
    /// there already is canonical or has none (validation names it).
    pub fn rewrite(&self, kind: Kind, input: &HtmlInputElement) -> Option<String> {
        let typed = input.value();
        let canonical = kind.canonical(&typed).ok().filter(|c| *c != typed)?;
        input.set_value(&canonical);
        self.typed(canonical.clone());
        Some(canonical)
    }

    /// The field was left: show the visit's value from now on.
    pub fn done(&self) {
        self.sent.borrow_mut().clear();
        self.editing.set(None);
    }
}

/// A [`Draft`] over the visit's current `model` value.
#[hook]
pub fn use_draft(model: &str) -> Draft {
    let editing = use_state(|| None::<String>);
    let sent = use_mut_ref(Vec::new);
    Draft {
        editing,
        sent,
        model: model.to_owned(),
    }
}
