//! Scanners and card readers for the counters (WebHID, Web Serial, WebUSB), with pure-Rust
//! protocol parsers behind transport traits so they test without hardware.
//!
//! - [`wedge::WedgeDecoder`]: QR and barcode readers in keyboard-wedge mode, which need no
//!   device permission.
//! - [`my_number_card`]: the マイナンバーカード's 券面事項入力補助AP (APDUs, BER-TLV, the read
//!   after the 4-digit PIN) over a [`my_number_card::CardTransport`]; the local card bridge
//!   (`device-webusb/card-bridge`) gives it the PC/SC reader.
//!
//! The 転出証明書 QR readers over Web Serial / WebHID and ID-card OCR follow as the roadmap
//! in DEVELOPERS.md sets out.
#![forbid(unsafe_code)]

pub mod my_number_card;
pub mod wedge;
