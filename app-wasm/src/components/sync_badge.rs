use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{Text, ja};
use crate::repo::SyncStatus;

/// Properties of [`SyncBadge`].
#[derive(Properties, PartialEq)]
pub struct SyncBadgeProps {
    /// The state to show.
    pub status: SyncStatus,
    /// Nobody is signed in on a face that needs it: nothing can sync until someone does.
    #[prop_or_default]
    pub signed_out: bool,
    /// A kiosk tablet not enrolled yet: nothing syncs until staff enrol it (「未登録」).
    #[prop_or_default]
    pub unenrolled: bool,
    /// Whether the browser keeps this terminal's storage (`Some(false)`: flagged, with what
    /// to do).
    #[prop_or_default]
    pub storage_persisted: Option<bool>,
}

/// 同期済み / 未送信 N件 / オフライン (HH:MM から) / サインイン前, and beside it
/// 「⚠ 保存未保護」 (opening to what to do) when the browser does not keep the storage.
#[component(SyncBadge)]
pub fn sync_badge(props: &SyncBadgeProps) -> Html {
    let status = &props.status;
    let pending = ja(Text::Pending).replace("{n}", &status.pending.to_string());
    let (class, label) = match (status.online, status.offline_since) {
        _ if props.unenrolled => ("signed-out", ja(Text::KioskUnenrolled).to_owned()),
        (false, _) if props.signed_out => {
            let label = if status.pending > 0 {
                format!("{}・{pending}", ja(Text::SignedOut))
            } else {
                ja(Text::SignedOut).to_owned()
            };
            ("signed-out", label)
        }
        (true, _) if status.pending == 0 => ("synced", ja(Text::Synced).to_owned()),
        (true, _) => ("pending", pending),
        (false, Some(since)) => {
            let offline = ja(Text::OfflineSince).replace("{t}", &clock(since));
            let label = if status.pending > 0 {
                format!("{offline}・{pending}")
            } else {
                offline
            };
            ("offline", label)
        }
        (false, None) => ("connecting", ja(Text::Connecting).to_owned()),
    };
    // Escape closes the help and leaves the focus on its summary.
    let close_on_escape = Callback::from(|e: KeyboardEvent| {
        if e.key() != "Escape" {
            return;
        }
        // Yew delegates events to its root: the details is found from the key's target.
        if let Some(details) = e
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("details").ok().flatten())
        {
            let _ = details.remove_attribute("open");
            if let Some(summary) = details
                .query_selector("summary")
                .ok()
                .flatten()
                .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
            {
                let _ = summary.focus();
            }
        }
    });
    let unprotected = (props.storage_persisted == Some(false)).then(|| {
        html! {
            <details id="storage-flag" class="storage-flag" onkeydown={close_on_escape}>
                <summary>{ ja(Text::StorageNotPersisted) }</summary>
                <p>{ ja(Text::StorageNotPersistedHelp) }</p>
            </details>
        }
    });
    html! {
        <>
            // Not a live region: it changes with every key typed (未送信 1件 → 同期済み).
            // Going offline and coming back are said once by the app's announcer.
            <div id="sync-badge" class={classes!("sync-badge", class)}
                 data-pending={status.pending.to_string()} data-online={status.online.to_string()}>
                { label }
            </div>
            <div class="slot">{ for unprotected }</div>
        </>
    }
}

/// HH:MM of a time in ms since the epoch, in the terminal's time zone.
fn clock(ms: f64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    format!("{:02}:{:02}", date.get_hours(), date.get_minutes())
}
