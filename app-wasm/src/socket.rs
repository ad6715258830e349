//! [`Socket`]: the browser WebSocket to `/sync`, feeding the repo's command queue.

use futures_channel::mpsc::UnboundedSender;
use js_sys::{ArrayBuffer, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::closure::Closure;
use web_sys::{BinaryType, CloseEvent, Event, MessageEvent, WebSocket};

use crate::repo::Command;

/// What the socket reports, tagged with the connection it belongs to.
#[derive(Debug)]
pub enum SocketEvent {
    /// The connection is open.
    Opened(u32),
    /// A binary frame arrived.
    Frame(u32, Vec<u8>),
    /// The connection closed or could not be made.
    Closed(u32),
}

/// One WebSocket connection. Dropping it closes the socket and detaches its handlers.
pub struct Socket {
    ws: WebSocket,
    generation: u32,
    _on_open: Closure<dyn FnMut(Event)>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_close: Closure<dyn FnMut(CloseEvent)>,
}

impl Socket {
    /// Opens a connection to `url`; its events go to `commands` tagged with `generation`.
    pub fn open(
        url: &str,
        generation: u32,
        commands: UnboundedSender<Command>,
    ) -> Result<Self, wasm_bindgen::JsValue> {
        let ws = WebSocket::new(url)?;
        ws.set_binary_type(BinaryType::Arraybuffer);
        let tx = commands.clone();
        let on_open = Closure::<dyn FnMut(Event)>::new(move |_| {
            let _ = tx.unbounded_send(Command::Socket(SocketEvent::Opened(generation)));
        });
        let tx = commands.clone();
        let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if let Ok(buffer) = event.data().dyn_into::<ArrayBuffer>() {
                let bytes = Uint8Array::new(&buffer).to_vec();
                let _ = tx.unbounded_send(Command::Socket(SocketEvent::Frame(generation, bytes)));
            }
        });
        let tx = commands;
        let on_close = Closure::<dyn FnMut(CloseEvent)>::new(move |_| {
            let _ = tx.unbounded_send(Command::Socket(SocketEvent::Closed(generation)));
        });
        ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
        ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        Ok(Self {
            ws,
            generation,
            _on_open: on_open,
            _on_message: on_message,
            _on_close: on_close,
        })
    }

    /// Which connection this is.
    pub fn generation(&self) -> u32 {
        self.generation
    }

    /// Sends one binary frame.
    pub fn send(&self, frame: &[u8]) -> Result<(), wasm_bindgen::JsValue> {
        self.ws.send_with_u8_array(frame)
    }
}

impl Drop for Socket {
    fn drop(&mut self) {
        self.ws.set_onopen(None);
        self.ws.set_onmessage(None);
        self.ws.set_onclose(None);
        let _ = self.ws.close();
    }
}

/// `ws://host/sync?terminal=ID` (or `wss://` on HTTPS) for the page's origin.
pub fn sync_url() -> String {
    let location = web_sys::window().expect("a window").location();
    let scheme = match location.protocol().as_deref() {
        Ok("https:") => "wss",
        _ => "ws",
    };
    let host = location.host().unwrap_or_else(|_| "127.0.0.1:8080".into());
    let terminal = crate::terminal::terminal_id();
    format!("{scheme}://{host}/sync?terminal={terminal}")
}
