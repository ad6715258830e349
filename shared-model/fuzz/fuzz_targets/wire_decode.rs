//! Arbitrary bytes into the automerge-repo wire decoder.
#![no_main]

use libfuzzer_sys::fuzz_target;
use shared_model::protocol::Message;

fuzz_target!(|data: &[u8]| {
    if let Ok(message) = Message::decode(data) {
        // What decodes re-encodes to something that decodes the same.
        assert_eq!(Message::decode(&message.encode()).ok(), Some(message));
    }
});
