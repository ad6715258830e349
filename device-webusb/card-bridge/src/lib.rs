//! The local マイナンバーカード bridge: browsers cannot reach a smart-card reader from a PWA
//! (WebUSB refuses the CCID class), so this small program does, through the OS's PC/SC
//! service, and serves the counter app on `127.0.0.1` only.
//!
//! - [`server`]: the HTTP calls (`/pair`, `/status`, `/read`; shapes in
//!   [`device_webusb::my_number_card::bridge`]), an allow-list of the app's origins (CORS and
//!   Private Network Access answered for them alone, everything else refused), and bearer
//!   tokens from pairing;
//! - [`pairing`]: the 6-digit code shown once on the console, the tokens it gives;
//! - [`pcsc_reader`]: the PC/SC reader as a [`CardReader`], the read itself being
//!   [`device_webusb::my_number_card::text_ap::read`].
//!
//! The PIN is never logged or stored: it goes from the request into the VERIFY command and
//! is wiped from both once used.
#![forbid(unsafe_code)]

pub mod pairing;
pub mod pcsc_reader;
pub mod server;

use device_webusb::my_number_card::CardError;
use device_webusb::my_number_card::bridge::BridgeStatus;
use shared_model::document_read::DocumentRead;

/// A card reader the bridge reads マイナンバーカード with. Both calls block (PC/SC does);
/// the server runs them off its async threads.
pub trait CardReader: Send + Sync + 'static {
    /// Whether a reader is connected and a card is in it.
    fn status(&self) -> BridgeStatus;

    /// Reads the card in the reader with the holder's `pin` (4 digits).
    ///
    /// Errors: as [`device_webusb::my_number_card::text_ap::read`].
    fn read(&self, pin: &str) -> Result<DocumentRead, CardError>;
}
