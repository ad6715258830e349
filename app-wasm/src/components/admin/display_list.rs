//! The waiting-room displays, for administrators: add one (its device token is shown once,
//! to be entered on the TV's `#/display` page) and take one out of service (利用停止), as
//! kiosk tablets are.

use wasm_bindgen_futures::spawn_local;
use yew::prelude::*;

use crate::api::{self, DisplayListing};
use crate::i18n::{Text, ja};

/// The administrators' list of waiting-room displays.
#[component(DisplayList)]
pub fn display_list() -> Html {
    let list = use_state(Vec::<DisplayListing>::new);
    let token = use_state(|| None::<String>);
    let refused = use_state(|| false);
    let reload = {
        let list = list.clone();
        Callback::from(move |()| {
            let list = list.clone();
            spawn_local(async move {
                if let Ok(fresh) = api::displays().await {
                    list.set(fresh);
                }
            });
        })
    };
    {
        let reload = reload.clone();
        use_effect_with((), move |_| reload.emit(()));
    }
    let id_ref = use_node_ref();
    let name_ref = use_node_ref();
    let add = {
        let (id_ref, name_ref, token, refused, reload) = (
            id_ref.clone(),
            name_ref.clone(),
            token.clone(),
            refused.clone(),
            reload.clone(),
        );
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |r: &NodeRef| {
                r.cast::<web_sys::HtmlInputElement>()
                    .map(|i| i.value().trim().to_owned())
                    .unwrap_or_default()
            };
            let (id, name) = (value(&id_ref), value(&name_ref));
            let (token, refused, reload) = (token.clone(), refused.clone(), reload.clone());
            spawn_local(async move {
                match api::add_display(&id, &name).await {
                    Ok(issued) => {
                        refused.set(false);
                        token.set(Some(issued));
                        reload.emit(());
                    }
                    Err(_) => {
                        token.set(None);
                        refused.set(true);
                    }
                }
            });
        })
    };
    let rows = list.iter().map(|d| {
        let action = if d.revoked {
            html! { <span role="status">{ ja(Text::AdminKioskRevoked) }</span> }
        } else {
            let (id, reload) = (d.id.clone(), reload.clone());
            let onclick = Callback::from(move |_| {
                let (id, reload) = (id.clone(), reload.clone());
                spawn_local(async move {
                    if api::revoke_display(&id).await.is_ok() {
                        reload.emit(());
                    }
                });
            });
            html! {
                <button type="button" class="display-revoke" data-display={d.id.clone()} {onclick}>
                    { ja(Text::AdminKioskRevoke) }
                </button>
            }
        };
        html! {
            <tr key={d.id.clone()}>
                <th scope="row">{ &d.id }</th>
                <td>{ &d.name }</td>
                <td>{ action }</td>
            </tr>
        }
    });
    html! {
        <section class="admin-displays" aria-labelledby="admin-displays-title">
            <h2 id="admin-displays-title">{ ja(Text::AdminDisplaysTitle) }</h2>
            <form class="display-add" onsubmit={add}>
                <label for="display-add-id">{ ja(Text::AdminDisplayId) }</label>
                <input id="display-add-id" ref={id_ref} autocomplete="off" required=true />
                <label for="display-add-name">{ ja(Text::AdminDisplayName) }</label>
                <input id="display-add-name" ref={name_ref} autocomplete="off" required=true />
                <button type="submit" id="display-add">{ ja(Text::AdminDisplayAdd) }</button>
            </form>
            <p class="finding error" role="alert" hidden={!*refused}>
                { if *refused { ja(Text::AdminDisplayRefused) } else { "" } }
            </p>
            if let Some(issued) = &*token {
                <p class="display-token-issued">
                    { ja(Text::AdminDisplayToken) }
                    <br />
                    <code id="display-token-issued">{ issued }</code>
                </p>
            }
            if list.is_empty() {
                <p id="display-list" class="none">{ ja(Text::AdminDisplayNone) }</p>
            } else {
                <table id="display-list">
                    <thead><tr>
                        <th scope="col">{ ja(Text::AdminDisplayId) }</th>
                        <th scope="col">{ ja(Text::AdminDisplayName) }</th>
                        <th scope="col">{ ja(Text::QueueColumnAction) }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            }
        </section>
    }
}
