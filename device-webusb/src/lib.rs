//! Scanners and card readers for the counters (WebHID, Web Serial, WebUSB), with pure-Rust
//! protocol parsers behind transport traits so they test without hardware.
//!
//! The principal type so far is [`wedge::WedgeDecoder`]: QR and barcode readers in
//! keyboard-wedge mode, which need no device permission. The 転出証明書 QR readers over Web
//! Serial / WebHID, ID-card OCR and the マイナンバーカード through a local card bridge follow
//! as the roadmap in DEVELOPERS.md sets out.
#![forbid(unsafe_code)]

pub mod wedge;
