//! Bytes as the マイナンバーカード's EFs into device-webusb's BER-TLV reader, both EF decoders
//! and the whole 券面事項入力補助AP read of a simulated card.
//! The body is [`entry_points::card_tlv`], which the regression test replays kept crashers through.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../entry_points.rs"]
mod entry_points;

fuzz_target!(|data: &[u8]| entry_points::card_tlv(data));
