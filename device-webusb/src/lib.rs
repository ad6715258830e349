//! Scanners and card readers for the counters (WebHID, Web Serial, WebUSB), with pure-Rust
//! protocol parsers behind transport traits so they test without hardware.
//!
//! The principal type is [`transfer_certificate::CertificateReader`]: the paper 転出証明書's
//! two-dimensional code, symbol by symbol, into every 異動者's items. Its transports:
//! [`serial::SymbolFramer`] (USB-COM readers over Web Serial, the primary mode: raw bytes),
//! [`hid_pos::ScannedData`] (USB HID POS readers over WebHID), [`wedge::WedgeDecoder`]
//! (keyboard-wedge readers: ASCII only, also our own handoff slips) and
//! [`camera::symbols_in_frame`] (the kiosk tablet's camera). Beside it:
//! - [`id_card_ocr::read_card`]: an ID-card scanner's OCR result file (PASidscan II: CSV,
//!   XML or JSON in CP932, UTF-8 or UTF-16, a field map as data) → a `DocumentRead`;
//! - [`my_number_card`]: the マイナンバーカード's 券面事項入力補助AP (APDUs, BER-TLV, the read
//!   after the 4-digit PIN) over a [`my_number_card::CardTransport`]; the local card bridge
//!   (`device-webusb/card-bridge`) gives it the PC/SC reader.
#![forbid(unsafe_code)]

pub mod camera;
pub mod hid_pos;
pub mod id_card_ocr;
pub mod my_number_card;
pub mod serial;
pub mod transfer_certificate;
pub mod wedge;
