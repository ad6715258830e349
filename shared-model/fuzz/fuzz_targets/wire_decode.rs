//! Arbitrary bytes into the automerge-repo wire decoder.
//! The body is [`entry_points::wire_decode`], which the regression test replays kept crashers through.
#![no_main]

use libfuzzer_sys::fuzz_target;

#[allow(dead_code)]
#[path = "../entry_points.rs"]
mod entry_points;

fuzz_target!(|data: &[u8]| entry_points::wire_decode(data));
