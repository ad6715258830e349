//! Arbitrary bytes into the visit document loader: an error or a visit, never a panic.
//! The body is [`entry_points::visit_load`], which the regression test replays kept crashers through.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../entry_points.rs"]
mod entry_points;

fuzz_target!(|data: &[u8]| entry_points::visit_load(data));
