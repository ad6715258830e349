use std::cell::RefCell;
use std::rc::Rc;

use gloo_timers::callback::Interval;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::prelude::*;

use crate::api::{self, TerminalReport};
use crate::repo::SyncStatus;

/// Every this many ms the terminal tells the server how it stands.
const EVERY_MS: u32 = 3_000;

/// Sends the terminal's heartbeat (version, unsent changes, persistent storage, and the unsent
/// count it had when it last came back online) every few seconds while the server can be
/// reached; the admin face lists terminals from these.
#[hook]
pub fn use_terminal_heartbeat(sync: &SyncStatus) {
    let latest = use_mut_ref(SyncStatus::default);
    let resumed_with = use_mut_ref(|| None::<u32>);
    {
        // Coming back online: remember what was still to send at that moment.
        let mut last = latest.borrow_mut();
        if sync.online && !last.online && last.offline_since.is_some() {
            *resumed_with.borrow_mut() = Some(sync.pending as u32);
        }
        *last = sync.clone();
    }
    use_effect_with((), move |_| {
        let terminal = crate::terminal::terminal_id();
        let beat = {
            let (latest, resumed_with): (Rc<RefCell<SyncStatus>>, Rc<RefCell<Option<u32>>>) =
                (latest, resumed_with);
            move || {
                let pending = latest.borrow().pending as u32;
                let resumed = *resumed_with.borrow();
                let terminal = terminal.clone();
                spawn_local(async move {
                    let persisted = match web_sys::window().map(|w| w.navigator().storage()) {
                        Some(storage) => match storage.persisted() {
                            Ok(promise) => {
                                JsFuture::from(promise).await.ok().and_then(|v| v.as_bool())
                            }
                            Err(_) => None,
                        },
                        None => None,
                    };
                    let _ = api::report_terminal(&TerminalReport {
                        terminal,
                        version: env!("CARGO_PKG_VERSION").into(),
                        pending,
                        persisted,
                        resumed_with: resumed,
                    })
                    .await;
                });
            }
        };
        beat();
        let interval = Interval::new(EVERY_MS, beat);
        move || drop(interval)
    });
}
