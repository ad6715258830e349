//! Scanners and card readers for the counters (WebHID, Web Serial, WebUSB), with pure-Rust
//! protocol parsers behind transport traits so they test without hardware.
//!
//! Nothing lives here yet: the device work (転出証明書 QR readers, ID-card OCR, the
//! マイナンバーカード through a local card bridge) follows the walking skeleton, as the
//! roadmap in DEVELOPERS.md sets out.
#![forbid(unsafe_code)]
