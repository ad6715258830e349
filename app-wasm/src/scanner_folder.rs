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
//! - [`ScannerFolder::results`] lists the result files (`.csv`, `.xml`, `.json`, `.txt`)
//!   written within a given time, newest first, with their size and time written;
//!   [`ResultFile::bytes`] reads one; [`ScannerFolder::remove_card`] deletes it with the
//!   images beside it of the same stem (`.jpg`, `.jpeg`, `.png`, `.bmp`, `.tif`, `.tiff`,
//!   also `0001_front.jpg`: a card's images are 特定個人情報).
//! - [`Ledger`] is this page's memory of the folder, in memory only and never stored: which
//!   file has stopped changing (its size and time written the same at two looks 2 s apart:
//!   a file still being written is not read), and which was offered at which visit (file
//!   name, time written and the visit's id: nothing of the card), so that a card is offered
//!   at one visit only and audited once.
//!
//! web-sys has no `showDirectoryPicker`, `queryPermission` or `requestPermission`, and its
//! handles are behind unstable flags: every call goes through `js_sys::Reflect`.
//!
//! The field map the results are read with is the default (`device-webusb/id_card_ocr.toml`)
//! unless the terminal's localStorage holds its own TOML under [`FIELD_MAP_KEY`].

use std::cell::RefCell;
use std::collections::HashMap;

use device_webusb::id_card_ocr::{FieldMap, FieldMapError, belongs_to_card, is_result_file};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array};
use rexie::{ObjectStore, Rexie, TransactionMode};
use shared_model::DocumentId;
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

/// One result file of the folder, as listed (its bytes are read by [`ResultFile::bytes`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ResultFile {
    /// Its name in the folder.
    pub name: String,
    /// When it was last written (`lastModified`), ms since the epoch.
    pub modified: f64,
    /// Its size, bytes.
    pub size: f64,
    /// The browser's `File` (a snapshot: reading it after the file changed fails).
    file: JsValue,
}

/// A result file as it was when offered: its name and when it was written (ms since the
/// epoch). The same name written again is another file.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FileKey {
    /// Its name in the folder.
    pub name: String,
    /// `lastModified`, whole ms since the epoch.
    pub modified: i64,
}

impl ResultFile {
    /// Its name and time written.
    pub fn key(&self) -> FileKey {
        FileKey {
            name: self.name.clone(),
            modified: self.modified as i64,
        }
    }

    /// Its bytes; a file larger than any result ([`MAX_BYTES`](device_webusb::id_card_ocr::MAX_BYTES))
    /// gives that many and one zero bytes, refused by the parser on its size without
    /// reading it all.
    ///
    /// Errors: the browser refuses (the file changed or went since it was listed).
    pub async fn bytes(&self) -> Result<Vec<u8>, FolderError> {
        if self.size > device_webusb::id_card_ocr::MAX_BYTES as f64 {
            return Ok(vec![0; device_webusb::id_card_ocr::MAX_BYTES + 1]);
        }
        let buffer = call_async(&self.file, "arrayBuffer", &[]).await?;
        Ok(Uint8Array::new(&buffer).to_vec())
    }
}

/// What became of a result file at this page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Offered at this visit (and audited there), not answered yet.
    Offered(DocumentId),
    /// Used (入力する) or refused (使わない): never offered again, even while its deletion
    /// is under way or if it failed.
    Answered,
}

/// This page's memory of the scanner's folder (see the module): in memory only, gone with
/// the page; file names, sizes, times and visit ids, nothing read from a card.
#[derive(Debug, Default)]
pub struct Ledger {
    /// Each listed file's (size, time written) and when a look first saw it so, ms.
    states: HashMap<String, (f64, f64, f64)>,
    /// The files offered, and at which visit.
    fates: HashMap<FileKey, Fate>,
}

thread_local! {
    static LEDGER: RefCell<Ledger> = RefCell::new(Ledger::default());
}

/// Works with this page's [`Ledger`].
pub fn with_ledger<R>(f: impl FnOnce(&mut Ledger) -> R) -> R {
    LEDGER.with(|l| f(&mut l.borrow_mut()))
}

impl Ledger {
    /// Notes a look at the folder at `now` (ms since the epoch) listing `files`: a file
    /// whose size or time written changed is seen anew; files no longer listed (deleted, or
    /// older than the look's window) are forgotten, with what became of them.
    pub fn observe(&mut self, now: f64, files: &[ResultFile]) {
        self.states
            .retain(|name, _| files.iter().any(|f| &f.name == name));
        for file in files {
            let state =
                self.states
                    .entry(file.name.clone())
                    .or_insert((file.size, file.modified, now));
            if (state.0, state.1) != (file.size, file.modified) {
                *state = (file.size, file.modified, now);
            }
        }
        let listed: Vec<FileKey> = files.iter().map(ResultFile::key).collect();
        self.fates.retain(|key, _| listed.contains(key));
    }

    /// Whether `file` has kept its size and time written over looks at least `span_ms`
    /// apart (the scanner has finished writing it).
    pub fn is_stable(&self, file: &ResultFile, now: f64, span_ms: f64) -> bool {
        self.states
            .get(&file.name)
            .is_some_and(|(size, modified, since)| {
                (*size, *modified) == (file.size, file.modified) && now - since >= span_ms
            })
    }

    /// What became of `key` here, if it was offered.
    pub fn fate(&self, key: &FileKey) -> Option<Fate> {
        self.fates.get(key).copied()
    }

    /// Notes `key` offered at `visit`; returns whether it is the first time (to be
    /// audited), not when it is offered again at the same visit.
    pub fn offered(&mut self, key: FileKey, visit: DocumentId) -> bool {
        self.fates.insert(key, Fate::Offered(visit)) != Some(Fate::Offered(visit))
    }

    /// Notes `key` used or refused.
    pub fn answered(&mut self, key: FileKey) {
        self.fates.insert(key, Fate::Answered);
    }
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

    /// The result files written within `within_ms` before `now` (ms since the epoch),
    /// newest first.
    ///
    /// Errors: the browser refuses to list or read the folder (permission withdrawn).
    pub async fn results(&self, now: f64, within_ms: f64) -> Result<Vec<ResultFile>, FolderError> {
        let mut out = Vec::new();
        for (name, handle) in self.files().await? {
            if !is_result_file(&name) {
                continue;
            }
            let file = call_async(&handle, "getFile", &[]).await?;
            let number = |key: &str| -> Result<f64, FolderError> {
                Ok(Reflect::get(&file, &key.into())?
                    .as_f64()
                    .unwrap_or_default())
            };
            let (modified, size) = (number("lastModified")?, number("size")?);
            if now - modified > within_ms {
                continue;
            }
            out.push(ResultFile {
                name,
                modified,
                size,
                file,
            });
        }
        out.sort_by(|a, b| b.modified.total_cmp(&a.modified));
        Ok(out)
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
