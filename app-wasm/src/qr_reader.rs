//! The counter's QR code reader for the 転出証明書: the browser side of the transports whose
//! parsing lives in `device-webusb` — Web Serial (USB-COM, the primary mode: raw bytes),
//! WebHID (HID POS, usage page 0x8C) and the keyboard wedge (ASCII payloads only).
//!
//! One reader per page ([`QrReader::shared`]): the port stays open while the counter works
//! through visits, and each symbol goes to whichever visit screen listens now. The kind of
//! reader is remembered per terminal (localStorage `madoguchi.qrReader`); the browser keeps
//! the Web Serial / WebHID permission for the origin, so after the first choice the port is
//! opened again without asking ([`QrReader::reconnect`]).

use std::cell::RefCell;
use std::rc::Rc;

use device_webusb::hid_pos::ScannedData;
use device_webusb::serial::SymbolFramer;
use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::{JsFuture, spawn_local};
use yew::Callback;

/// localStorage key of the terminal's reader kind.
const STORAGE_KEY: &str = "madoguchi.qrReader";

/// Silence (ms) that ends a symbol over USB-COM.
const GAP_MS: f64 = 80.0;

/// How the reader is attached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReaderKind {
    /// USB-COM (CDC-ACM) through Web Serial.
    Serial,
    /// USB HID POS through WebHID.
    Hid,
    /// Keyboard wedge: the reader types; ASCII payloads only.
    Wedge,
}

impl ReaderKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            ReaderKind::Serial => "serial",
            ReaderKind::Hid => "hid",
            ReaderKind::Wedge => "wedge",
        }
    }

    /// The kind named `name`.
    pub fn from_name(name: &str) -> Option<ReaderKind> {
        [ReaderKind::Serial, ReaderKind::Hid, ReaderKind::Wedge]
            .into_iter()
            .find(|k| k.as_str() == name)
    }
}

/// Where the reader stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderState {
    /// No reader chosen on this terminal.
    None,
    /// Chosen, not open (after a reload, before the port is opened again; or unplugged).
    Closed(ReaderKind),
    /// Open and waiting for codes.
    Open(ReaderKind),
    /// Opening failed (no permission, port busy, no such API in this browser).
    Failed(ReaderKind, String),
}

/// What the reader tells its listener.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReaderEvent {
    /// The state changed.
    State(ReaderState),
    /// One symbol's data bytes.
    Symbol(Vec<u8>),
    /// A line a keyboard-wedge reader typed, with its line break (ASCII: a reader in
    /// keyboard mode loses every byte of 0x80 and above).
    WedgeLine(Vec<u8>),
    /// The transport refused what came (a stream without pauses, a short HID report).
    Problem(String),
}

struct Inner {
    state: ReaderState,
    listener: Option<Callback<ReaderEvent>>,
    /// Bumped at every open: a read loop of an older port stops.
    generation: u32,
    /// The open Web Serial port or HID device, to close.
    device: Option<JsValue>,
}

/// The page's QR code reader.
#[derive(Clone)]
pub struct QrReader(Rc<RefCell<Inner>>);

impl PartialEq for QrReader {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
    }
}

thread_local! {
    static SHARED: QrReader = QrReader(Rc::new(RefCell::new(Inner {
        state: remembered().map_or(ReaderState::None, ReaderState::Closed),
        listener: None,
        generation: 0,
        device: None,
    })));
}

/// The terminal's remembered reader kind.
fn remembered() -> Option<ReaderKind> {
    let storage = web_sys::window()?.local_storage().ok()??;
    ReaderKind::from_name(&storage.get_item(STORAGE_KEY).ok()??)
}

fn remember(kind: ReaderKind) {
    if let Some(Ok(Some(storage))) = web_sys::window().map(|w| w.local_storage()) {
        let _ = storage.set_item(STORAGE_KEY, kind.as_str());
    }
}

fn now() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or_else(js_sys::Date::now, |p| p.now())
}

fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// Calls `target.name(args…)`, which returns a promise, and awaits it.
async fn call(target: &JsValue, name: &str, args: &[JsValue]) -> Result<JsValue, String> {
    let function = get(target, name)
        .dyn_into::<js_sys::Function>()
        .map_err(|_| format!("{name} がありません"))?;
    let result = function
        .apply(target, &args.iter().collect::<Array>())
        .map_err(describe)?;
    JsFuture::from(Promise::resolve(&result))
        .await
        .map_err(describe)
}

/// A thrown value as text (its `message`, or its string form).
fn describe(error: JsValue) -> String {
    let message = get(&error, "message");
    message
        .as_string()
        .or_else(|| error.as_string())
        .unwrap_or_else(|| "不明なエラー".into())
}

fn object(entries: &[(&str, JsValue)]) -> JsValue {
    let o = Object::new();
    for (k, v) in entries {
        let _ = Reflect::set(&o, &JsValue::from_str(k), v);
    }
    o.into()
}

impl QrReader {
    /// The page's reader.
    pub fn shared() -> QrReader {
        SHARED.with(Clone::clone)
    }

    /// Where it stands.
    pub fn state(&self) -> ReaderState {
        self.0.borrow().state.clone()
    }

    /// Sends events to `listener` (the visit screen open now) until [`QrReader::unlisten`].
    pub fn listen(&self, listener: Callback<ReaderEvent>) {
        self.0.borrow_mut().listener = Some(listener);
    }

    /// Stops sending events to the listener.
    pub fn unlisten(&self) {
        self.0.borrow_mut().listener = None;
    }

    fn emit(&self, event: ReaderEvent) {
        let listener = self.0.borrow().listener.clone();
        if let Some(listener) = listener {
            listener.emit(event);
        }
    }

    fn set_state(&self, state: ReaderState) {
        self.0.borrow_mut().state = state.clone();
        self.emit(ReaderEvent::State(state));
    }

    /// Whether codes come as keystrokes (the page's wedge listener hands them over with
    /// [`QrReader::wedge_line`]).
    pub fn is_wedge(&self) -> bool {
        matches!(
            self.state(),
            ReaderState::Open(ReaderKind::Wedge) | ReaderState::Closed(ReaderKind::Wedge)
        )
    }

    /// A line a keyboard-wedge reader typed (its Enter ended it): given on as a symbol with
    /// its line break, so lines of one code join.
    pub fn wedge_line(&self, text: &str) {
        self.emit(ReaderEvent::WedgeLine(format!("{text}\n").into_bytes()));
    }

    /// Chooses a reader of `kind` (asking the browser for the device: call it from a click)
    /// and opens it; remembered for this terminal.
    pub fn choose(&self, kind: ReaderKind) {
        remember(kind);
        self.open(kind, true);
    }

    /// Opens the remembered reader again without asking, if the browser still grants it.
    pub fn reconnect(&self) {
        if let ReaderState::Closed(kind) = self.state() {
            self.open(kind, false);
        }
    }

    fn open(&self, kind: ReaderKind, ask: bool) {
        let generation = {
            let mut inner = self.0.borrow_mut();
            inner.generation += 1;
            inner.generation
        };
        let previous = self.0.borrow_mut().device.take();
        let reader = self.clone();
        spawn_local(async move {
            if let Some(device) = previous {
                let _ = call(&device, "close", &[]).await;
            }
            let opened = match kind {
                ReaderKind::Wedge => Ok(None),
                ReaderKind::Serial => reader.open_serial(ask, generation).await.map(Some),
                ReaderKind::Hid => reader.open_hid(ask, generation).await.map(Some),
            };
            match opened {
                Ok(device) => {
                    reader.0.borrow_mut().device = device;
                    reader.set_state(ReaderState::Open(kind));
                }
                Err(None) => reader.set_state(ReaderState::Closed(kind)),
                Err(Some(why)) => reader.set_state(ReaderState::Failed(kind, why)),
            }
        });
    }

    /// The navigator's `serial` or `hid`, or why not.
    fn api(name: &str) -> Result<JsValue, Option<String>> {
        let navigator = web_sys::window().map(|w| JsValue::from(w.navigator()));
        let api = navigator
            .map(|n| get(&n, name))
            .unwrap_or(JsValue::UNDEFINED);
        if api.is_undefined() {
            Err(Some(format!(
                "このブラウザーは {} に対応していません (Chrome / Edge で開いてください)",
                if name == "serial" {
                    "Web Serial"
                } else {
                    "WebHID"
                }
            )))
        } else {
            Ok(api)
        }
    }

    /// Opens a Web Serial port and starts reading it. `Err(None)`: nothing granted yet.
    async fn open_serial(&self, ask: bool, generation: u32) -> Result<JsValue, Option<String>> {
        let serial = Self::api("serial")?;
        let port = if ask {
            call(&serial, "requestPort", &[object(&[])])
                .await
                .map_err(Some)?
        } else {
            let ports: Array = call(&serial, "getPorts", &[]).await.map_err(Some)?.into();
            match ports.length() {
                0 => return Err(None),
                _ => ports.get(0),
            }
        };
        // USB-COM ignores the rate; 9600 8N1 is what the readers' sheets set for RS-232C.
        call(&port, "open", &[object(&[("baudRate", 9600.into())])])
            .await
            .map_err(Some)?;
        let reader = self.clone();
        let stream = get(&port, "readable");
        spawn_local(async move { reader.read_serial(stream, generation).await });
        Ok(port)
    }

    async fn read_serial(&self, stream: JsValue, generation: u32) {
        let Ok(source) = call(&stream, "getReader", &[]).await else {
            return;
        };
        let framer = Rc::new(RefCell::new(SymbolFramer::new(GAP_MS)));
        loop {
            if self.0.borrow().generation != generation {
                let _ = call(&source, "cancel", &[]).await;
                return;
            }
            let chunk = match call(&source, "read", &[]).await {
                Ok(chunk) => chunk,
                Err(_) => break,
            };
            if get(&chunk, "done").is_truthy() {
                break;
            }
            let bytes = Uint8Array::new(&get(&chunk, "value")).to_vec();
            framer.borrow_mut().push(&bytes, now());
            // The symbol ends at the silence after it: look once the gap has passed.
            let (reader, framer) = (self.clone(), framer.clone());
            spawn_local(async move {
                gloo_timers::future::TimeoutFuture::new(GAP_MS as u32 + 5).await;
                let taken = framer.borrow_mut().take(now());
                match taken {
                    Some(Ok(symbol)) => reader.emit(ReaderEvent::Symbol(symbol)),
                    Some(Err(e)) => reader.emit(ReaderEvent::Problem(e.to_string())),
                    None => {}
                }
            });
        }
        // Unplugged, or the port failed: closed, opened again by the next reconnect.
        if self.0.borrow().generation == generation {
            self.0.borrow_mut().device = None;
            self.set_state(ReaderState::Closed(ReaderKind::Serial));
        }
    }

    /// Opens a WebHID POS reader and listens to its input reports.
    async fn open_hid(&self, ask: bool, generation: u32) -> Result<JsValue, Option<String>> {
        let hid = Self::api("hid")?;
        let devices: Array = if ask {
            let filter = object(&[("usagePage", 0x8C.into())]);
            let filters: Array = [filter].into_iter().collect();
            call(
                &hid,
                "requestDevice",
                &[object(&[("filters", filters.into())])],
            )
            .await
            .map_err(Some)?
            .into()
        } else {
            call(&hid, "getDevices", &[]).await.map_err(Some)?.into()
        };
        if devices.length() == 0 {
            return Err(None);
        }
        let device = devices.get(0);
        if !get(&device, "opened").is_truthy() {
            call(&device, "open", &[]).await.map_err(Some)?;
        }
        let assembler = Rc::new(RefCell::new(ScannedData::default()));
        let reader = self.clone();
        let on_report = Closure::<dyn FnMut(JsValue)>::new(move |event: JsValue| {
            if reader.0.borrow().generation != generation {
                return;
            }
            let id = get(&event, "reportId").as_f64().unwrap_or(0.0) as u8;
            let view = get(&event, "data");
            let bytes = Uint8Array::new_with_byte_offset_and_length(
                &get(&view, "buffer"),
                get(&view, "byteOffset").as_f64().unwrap_or(0.0) as u32,
                get(&view, "byteLength").as_f64().unwrap_or(0.0) as u32,
            )
            .to_vec();
            let symbol = assembler.borrow_mut().report(id, &bytes);
            match symbol {
                Ok(Some(symbol)) => reader.emit(ReaderEvent::Symbol(symbol)),
                Ok(None) => {}
                Err(e) => reader.emit(ReaderEvent::Problem(e.to_string())),
            }
        });
        let add = get(&device, "addEventListener");
        if let Ok(add) = add.dyn_into::<js_sys::Function>() {
            let _ = add.call2(&device, &"inputreport".into(), on_report.as_ref());
        }
        // The listener lives as long as the page (one reader per page).
        on_report.forget();
        Ok(device)
    }
}
