//! Scanners and card readers for the counters (WebHID, Web Serial, WebUSB), with pure-Rust
//! protocol parsers behind transport traits so they test without hardware.
//!
//! - [`wedge::WedgeDecoder`]: QR and barcode readers in keyboard-wedge mode, which need no
//!   device permission;
//! - [`id_card_ocr::read_card`]: an ID-card scanner's OCR result file (PASidscan II: CSV,
//!   XML or JSON in CP932, UTF-8 or UTF-16, a field map as data) → a `DocumentRead`.
//!
//! The 転出証明書 QR readers over Web Serial / WebHID and the マイナンバーカード through a
//! local card bridge follow as the roadmap sets out.
#![forbid(unsafe_code)]

pub mod id_card_ocr;
pub mod wedge;
