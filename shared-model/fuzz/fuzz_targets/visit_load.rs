//! Arbitrary bytes into the visit document loader: an error or a visit, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_model::VisitDoc;

fuzz_target!(|data: &[u8]| {
    if let Ok(visit) = VisitDoc::load(data) {
        // Whatever loads must also be readable through every accessor.
        let _ = visit.values();
        let _ = visit.conflicts();
        let _ = visit.answers();
        let _ = visit.summary();
    }
});
