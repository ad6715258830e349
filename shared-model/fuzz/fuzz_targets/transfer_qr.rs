//! Arbitrary bytes as 転出証明書 code symbols, serial bytes and HID POS reports.
//! The body is [`device_entry_points::transfer_qr`], which the regression test replays kept crashers through.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../device_entry_points.rs"]
mod device_entry_points;

fuzz_target!(|data: &[u8]| device_entry_points::transfer_qr(data));
