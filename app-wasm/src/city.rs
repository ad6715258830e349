//! The city this terminal serves, as the server tells it when a person signs in or a kiosk is
//! recognised, kept in localStorage so the terminal starts with it offline: its name
//! (「前橋市」, for titles and the print's 宛先) and the catalog its forms are read with — its
//! forms and 手続きナビ rules ([`CityCatalog`], `GET /api/catalog`). A terminal that was never
//! told has no name and the built-in catalog.
//!
//! Neither holds personal data: they are the city's name and blank forms.

use std::cell::Cell;

use shared_model::catalog::{CatalogFiles, CityCatalog};

/// localStorage key of the city's catalog files (JSON of [`CatalogFiles`]).
const KEY: &str = "madoguchi.catalog";

/// localStorage key of the city's name.
const NAME_KEY: &str = "madoguchi.city";

/// The city's name, if this terminal was told it.
pub fn name() -> Option<String> {
    let storage = web_sys::window()?.local_storage().ok()??;
    storage.get_item(NAME_KEY).ok()?.filter(|n| !n.is_empty())
}

/// Keeps the city's name as the server said it (an empty name is not kept).
pub fn set_name(name: &str) {
    if name.is_empty() {
        return;
    }
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = storage.set_item(NAME_KEY, name);
    }
}

thread_local! {
    static CURRENT: Cell<Option<CityCatalog>> = const { Cell::new(None) };
}

/// The catalog now: the city's, as last given and kept, else the built-in one.
pub fn catalog() -> CityCatalog {
    CURRENT.with(|current| match current.get() {
        Some(catalog) => catalog,
        None => {
            let catalog = kept()
                .and_then(|files| read(&files))
                .unwrap_or_else(CityCatalog::builtin);
            current.set(Some(catalog));
            catalog
        }
    })
}

/// Asks the server for the city's catalog files and, when they differ from those kept,
/// keeps and uses them. `true` when the catalog changed (the screens read it again).
/// Unreachable or refused: the terminal goes on with what it has.
pub async fn refresh() -> bool {
    let Ok(files) = crate::api::catalog_files().await else {
        return false;
    };
    let builtin = files == CatalogFiles::builtin();
    if kept().as_ref() == Some(&files) || (builtin && kept().is_none()) {
        return false;
    }
    let Some(catalog) = read(&files) else {
        return false;
    };
    if let Some(storage) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = match builtin {
            true => storage.remove_item(KEY),
            false => match serde_json::to_string(&files) {
                Ok(json) => storage.set_item(KEY, &json),
                Err(_) => Ok(()),
            },
        };
    }
    CURRENT.with(|current| current.set(Some(catalog)));
    true
}

/// The files kept on this terminal, if any.
fn kept() -> Option<CatalogFiles> {
    let storage = web_sys::window()?.local_storage().ok()??;
    serde_json::from_str(&storage.get_item(KEY).ok()??).ok()
}

/// The files read (the built-in ones are not read again); `None` when they do not read,
/// which the server's own check at start makes a broken store, not a city's mistake.
fn read(files: &CatalogFiles) -> Option<CityCatalog> {
    if *files == CatalogFiles::builtin() {
        return Some(CityCatalog::builtin());
    }
    match CityCatalog::leak(files) {
        Ok(catalog) => Some(catalog),
        Err(e) => {
            web_sys::console::warn_1(&format!("the city's catalog does not read: {e}").into());
            None
        }
    }
}
