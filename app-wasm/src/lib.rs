//! Madoguchi's PWA (Yew). The principal type is [`repo::Repo`]'s handle, [`repo::RepoHandle`]:
//! every screen sends its edits to one task that writes them to IndexedDB
//! ([`storage::LocalStore`]) and then syncs them to the server over the automerge-repo v1
//! protocol ([`socket::Socket`] + `shared_model::protocol::SyncClient`).
//!
//! Three faces share the shell: the counter (`#/counter`), the citizens' kiosk (`#/kiosk`)
//! and the admins' status page (`#/admin`). All UI text comes from [`i18n`].
#![forbid(unsafe_code)]

pub mod api;
pub mod city;
mod components;
pub mod context;
pub mod fill;
pub mod focus;
pub mod help;
mod hooks;
pub mod i18n;
pub mod qr_reader;
pub mod reception;
pub mod repo;
pub mod route;
pub mod scanner_folder;
pub mod slip_scan;
pub mod socket;
pub mod state;
pub mod storage;
pub mod terminal;
pub mod vault;

pub use components::App;

#[cfg(test)]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// Mounts the app on `<body>` once the module has loaded.
#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen(start)]
pub fn start() {
    yew::Renderer::<App>::new().render();
}
