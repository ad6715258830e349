//! [`ScannerFolder`]: the folder an ID-card scanner's PC software (PASidscan II) writes its
//! result files into, reached through the File System Access API with no native bridge.
//!
//! - The folder is chosen once per terminal (`window.showDirectoryPicker()`), and its
//!   `FileSystemDirectoryHandle` kept in IndexedDB (database `madoguchi-devices`, object
//!   store `handles`, key `scanner_folder`; a handle survives there by structured clone). It
//!   holds no personal data: only the handle, never a result.
//! - After a reload the browser asks again: [`ScannerFolder::permission`]
//!   (`queryPermission`) says whether it must, [`ScannerFolder::request_permission`]
//!   (`requestPermission`, from a key or click) asks.
//! - [`ScannerFolder::newest_result`] gives the newest result file (`.csv`, `.xml`,
//!   `.json`, `.txt`) written within a given time; [`ScannerFolder::remove_card`] deletes it
//!   with the images beside it of the same stem (`.jpg`, `.jpeg`, `.png`, `.bmp`, `.tif`,
//!   `.tiff`, also `0001_front.jpg`: a card's images are 特定個人情報).
//!
//! web-sys has no `showDirectoryPicker`, `queryPermission` or `requestPermission`, and its
//! handles are behind unstable flags: every call goes through `js_sys::Reflect`.
//!
//! The field map the results are read with is the default (`device-webusb/id_card_ocr.toml`)
//! unless the terminal's localStorage holds its own TOML under [`FIELD_MAP_KEY`].

use device_webusb::id_card_ocr::{FieldMap, FieldMapError, belongs_to_card, is_result_file};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use rexie::{ObjectStore, Rexie, TransactionMode};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

const DB_NAME: &str = "madoguchi-devices";
const HANDLES: &str = "handles";
const KEY: &str = "scanner_folder";

/// The localStorage key of a terminal's own field map (TOML of `id_card_ocr.toml`'s shape).
pub const FIELD_MAP_KEY: &str = "madoguchi.ocr_field_map";

/// What went wrong with the folder.
#[derive(Debug, thiserror::Error)]
pub enum FolderError {
    /// The browser has no File System Access API (Firefox, Safari).
    #[error("this browser cannot watch a folder (no File System Access API)")]
    Unsupported,
    /// The person closed the folder picker.
    #[error("no folder was chosen")]
    Cancelled,
    /// The browser refused (permission withdrawn, the folder gone, …).
    #[error("the folder refused: {0}")]
    Refused(String),
    /// IndexedDB refused.
    #[error("IndexedDB: {0}")]
    Idb(#[from] rexie::Error),
}

impl From<JsValue> for FolderError {
    fn from(e: JsValue) -> Self {
        let name = Reflect::get(&e, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default();
        if name == "AbortError" {
            return FolderError::Cancelled;
        }
        let message = Reflect::get(&e, &"message".into())
            .ok()
            .and_then(|m| m.as_string())
            .unwrap_or_default();
        FolderError::Refused(format!("{name} {message}").trim().to_owned())
    }
}

/// Whether the browser may read and write the folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Granted.
    Granted,
    /// To be asked (after a reload), from a key or click.
    Prompt,
    /// Refused.
    Denied,
}

/// One result file as read from the folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ResultFile {
    /// Its name in the folder.
    pub name: String,
    /// When it was last written, ms since the epoch.
    pub modified: f64,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// The scanner's result folder.
#[derive(Debug, Clone, PartialEq)]
pub struct ScannerFolder {
    handle: JsValue,
}

/// Whether this browser can watch a folder.
pub fn supported() -> bool {
    web_sys::window().is_some_and(|w| {
        Reflect::get(&w, &"showDirectoryPicker".into()).is_ok_and(|f| f.is_function())
    })
}

/// The field map of this terminal: its own (localStorage [`FIELD_MAP_KEY`]) or the default.
///
/// Errors: the terminal's own map does not read ([`FieldMapError`]).
pub fn field_map() -> Result<FieldMap, FieldMapError> {
    let own = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item(FIELD_MAP_KEY).ok().flatten())
        .filter(|t| !t.trim().is_empty());
    match own {
        Some(text) => FieldMap::from_toml(&text),
        None => Ok(FieldMap::builtin()),
    }
}

async fn db() -> Result<Rexie, FolderError> {
    Ok(Rexie::builder(DB_NAME)
        .version(1)
        .add_object_store(ObjectStore::new(HANDLES))
        .build()
        .await?)
}

/// Calls `object.method(...args)`.
fn call(object: &JsValue, method: &str, args: &[JsValue]) -> Result<JsValue, FolderError> {
    let function: Function = Reflect::get(object, &method.into())?
        .dyn_into()
        .map_err(|_| FolderError::Unsupported)?;
    Ok(function.apply(object, &args.iter().collect::<Array>())?)
}

/// Awaits `object.method(...args)`, a promise.
async fn call_async(
    object: &JsValue,
    method: &str,
    args: &[JsValue],
) -> Result<JsValue, FolderError> {
    let promise: Promise = call(object, method, args)?
        .dyn_into()
        .map_err(|_| FolderError::Unsupported)?;
    Ok(JsFuture::from(promise).await?)
}

fn options(pairs: &[(&str, &str)]) -> JsValue {
    let object = Object::new();
    for (k, v) in pairs {
        let _ = Reflect::set(&object, &(*k).into(), &(*v).into());
    }
    object.into()
}

impl ScannerFolder {
    /// The folder this terminal chose, if any.
    pub async fn stored() -> Result<Option<ScannerFolder>, FolderError> {
        let db = db().await?;
        let tx = db.transaction(&[HANDLES], TransactionMode::ReadOnly)?;
        let handle = tx.store(HANDLES)?.get(KEY.into()).await?;
        Ok(handle
            .filter(|h| !h.is_undefined() && !h.is_null())
            .map(|handle| ScannerFolder { handle }))
    }

    /// Asks for the folder (`showDirectoryPicker`, read and write) and keeps it for this
    /// terminal.
    ///
    /// Errors: [`FolderError::Cancelled`] when the picker was closed, `Unsupported` without
    /// the API, `Refused`/`Idb` when the browser refuses.
    pub async fn choose() -> Result<ScannerFolder, FolderError> {
        let window: JsValue = web_sys::window().ok_or(FolderError::Unsupported)?.into();
        if !supported() {
            return Err(FolderError::Unsupported);
        }
        let picked = call_async(
            &window,
            "showDirectoryPicker",
            &[options(&[
                ("id", "madoguchi-id-card-scanner"),
                ("mode", "readwrite"),
            ])],
        )
        .await?;
        let db = db().await?;
        let tx = db.transaction(&[HANDLES], TransactionMode::ReadWrite)?;
        tx.store(HANDLES)?.put(&picked, Some(&KEY.into())).await?;
        tx.done().await?;
        Ok(ScannerFolder { handle: picked })
    }

    /// The folder's name (not its path: the browser does not tell it).
    pub fn name(&self) -> String {
        Reflect::get(&self.handle, &"name".into())
            .ok()
            .and_then(|n| n.as_string())
            .unwrap_or_default()
    }

    async fn permission_by(&self, method: &str) -> Permission {
        let state = call_async(&self.handle, method, &[options(&[("mode", "readwrite")])])
            .await
            .ok()
            .and_then(|s| s.as_string());
        match state.as_deref() {
            Some("granted") => Permission::Granted,
            Some("denied") => Permission::Denied,
            _ => Permission::Prompt,
        }
    }

    /// Whether the browser may read and write the folder now (`queryPermission`).
    pub async fn permission(&self) -> Permission {
        self.permission_by("queryPermission").await
    }

    /// Asks the person to let the app read and write the folder (`requestPermission`; needs
    /// a key press or click just before).
    pub async fn request_permission(&self) -> Permission {
        self.permission_by("requestPermission").await
    }

    /// Every file of the folder (not its subfolders): name and handle.
    async fn files(&self) -> Result<Vec<(String, JsValue)>, FolderError> {
        let iterator = call(&self.handle, "entries", &[])?;
        let mut out = Vec::new();
        loop {
            let step = JsFuture::from(
                call(&iterator, "next", &[])?
                    .dyn_into::<Promise>()
                    .map_err(|_| FolderError::Unsupported)?,
            )
            .await?;
            if Reflect::get(&step, &"done".into())?.is_truthy() {
                break;
            }
            let pair: Array = Reflect::get(&step, &"value".into())?.unchecked_into();
            let handle = pair.get(1);
            let kind = Reflect::get(&handle, &"kind".into())?.as_string();
            if kind.as_deref() == Some("file")
                && let Some(name) = pair.get(0).as_string()
            {
                out.push((name, handle));
            }
        }
        Ok(out)
    }

    /// The newest result file written between `now - within_ms` and `now - settle_ms` (a
    /// file written in the last `settle_ms` may still be being written: it is taken at the
    /// next look), with its bytes.
    ///
    /// Errors: the browser refuses to list or read the folder (permission withdrawn).
    pub async fn newest_result(
        &self,
        now: f64,
        within_ms: f64,
        settle_ms: f64,
    ) -> Result<Option<ResultFile>, FolderError> {
        let mut newest: Option<(String, f64, JsValue)> = None;
        for (name, handle) in self.files().await? {
            if !is_result_file(&name) {
                continue;
            }
            let file = call_async(&handle, "getFile", &[]).await?;
            let modified = Reflect::get(&file, &"lastModified".into())?
                .as_f64()
                .unwrap_or_default();
            let age = now - modified;
            if age > within_ms || age < settle_ms {
                continue;
            }
            if newest.as_ref().is_none_or(|(_, m, _)| modified > *m) {
                newest = Some((name, modified, file));
            }
        }
        let Some((name, modified, file)) = newest else {
            return Ok(None);
        };
        let size = Reflect::get(&file, &"size".into())?
            .as_f64()
            .unwrap_or_default();
        // Larger than any result: refused by the parser on its size, without reading it all.
        let bytes = if size > device_webusb::id_card_ocr::MAX_BYTES as f64 {
            vec![0; device_webusb::id_card_ocr::MAX_BYTES + 1]
        } else {
            let buffer = call_async(&file, "arrayBuffer", &[]).await?;
            Uint8Array::new(&buffer).to_vec()
        };
        Ok(Some(ResultFile {
            name,
            modified,
            bytes,
        }))
    }

    /// Deletes the result file `name` and every image beside it of its stem
    /// ([`belongs_to_card`]: `0001.csv` → `0001.jpg`, `0001.PNG`, `0001_front.bmp`, …).
    /// Returns how many files went.
    ///
    /// Errors: the browser refuses to list or delete (the files stay; the counter is told).
    pub async fn remove_card(&self, name: &str) -> Result<usize, FolderError> {
        let mut removed = 0;
        for (other, _) in self.files().await? {
            if belongs_to_card(name, &other) {
                call_async(&self.handle, "removeEntry", &[other.as_str().into()]).await?;
                removed += 1;
            }
        }
        Ok(removed)
    }
}
