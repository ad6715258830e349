//! What each fuzz target of the device parsers (`device-webusb`) does with one input, shared
//! by the targets in `fuzz_targets/` and by the regression test that replays kept inputs
//! (`device-webusb/tests/fuzz_regressions.rs`). Apart from `entry_points.rs` because
//! shared-model's own tests cannot depend on device-webusb (it depends on shared-model).
//!
//! Each function takes the raw bytes libFuzzer hands the target; none may panic.

use device_webusb::hid_pos::ScannedData;
use device_webusb::serial::SymbolFramer;
use device_webusb::transfer_certificate::{CertificateReader, Progress, StructuredAppend, Symbol};

/// Bytes into the 転出証明書 code reader, as up to four symbols (split at 0x1E bytes; the
/// first byte of a part ≥ 0xF0 makes it a Structured Append symbol whose header is the next
/// two bytes), then into the serial framer and the HID POS assembler: every symbol is read
/// or refused with a reason, never a panic, and a completed read has persons with a name.
pub fn transfer_qr(data: &[u8]) {
    let mut reader = CertificateReader::default();
    for part in data.split(|b| *b == 0x1E).take(4) {
        let symbol = match part {
            [flag, header, parity, rest @ ..] if *flag >= 0xF0 => Symbol {
                data: rest.to_vec(),
                structured_append: Some(StructuredAppend {
                    position: header >> 4,
                    total: (header & 0x0F) + 1,
                    parity: *parity,
                }),
            },
            _ => Symbol::bytes(part),
        };
        if let Ok(Progress::Complete(read)) = reader.feed(symbol) {
            assert!(!read.persons.is_empty());
            assert!(read.persons.iter().all(|p| p.contains_key("person.name")));
        }
    }
    let _ = reader.abandon();
    let mut framer = SymbolFramer::new(80.0);
    for (i, chunk) in data.chunks(7).enumerate() {
        framer.push(chunk, i as f64 * 40.0);
        let _ = framer.take(i as f64 * 40.0 + 10.0);
    }
    let _ = framer.take(1e9);
    let mut scanned = ScannedData::default();
    for chunk in data.chunks(63) {
        let _ = scanned.report(2, chunk);
    }
}
