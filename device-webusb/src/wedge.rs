//! [`WedgeDecoder`]: a barcode or QR reader in keyboard-wedge mode types its payload as fast
//! keystrokes ending in Enter. The decoder tells those bursts from a person typing by the
//! gaps between keys, with no device permission needed.
//!
//! ```
//! use device_webusb::wedge::WedgeDecoder;
//!
//! let mut decoder = WedgeDecoder::default();
//! let mut at = 0.0;
//! let mut scan = None;
//! for key in "automerge:abc123".chars().map(String::from).chain(["Enter".to_string()]) {
//!     at += 4.0; // a reader sends a key every few milliseconds
//!     scan = decoder.feed(&key, at).or(scan);
//! }
//! assert_eq!(scan.as_deref(), Some("automerge:abc123"));
//! ```

/// Settings of the decoder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WedgeSettings {
    /// The longest gap between two keys of one scan, in ms.
    pub max_gap_ms: f64,
    /// The fewest characters a scan has (shorter bursts are keyboard shortcuts or typing).
    pub min_len: usize,
}

impl Default for WedgeSettings {
    fn default() -> Self {
        // Readers send a key every 1–10 ms; people rarely type two keys within 35 ms.
        Self {
            max_gap_ms: 35.0,
            min_len: 8,
        }
    }
}

/// Turns key events into scans.
#[derive(Debug, Clone, Default)]
pub struct WedgeDecoder {
    settings: WedgeSettings,
    buffer: String,
    last_at: Option<f64>,
}

impl WedgeDecoder {
    /// A decoder with these settings.
    pub fn new(settings: WedgeSettings) -> Self {
        Self {
            settings,
            buffer: String::new(),
            last_at: None,
        }
    }

    /// Feeds one key (the DOM `KeyboardEvent.key`) pressed at `at_ms`; returns a scan when
    /// Enter ends a fast enough, long enough burst.
    pub fn feed(&mut self, key: &str, at_ms: f64) -> Option<String> {
        let in_burst = self
            .last_at
            .is_some_and(|last| at_ms - last <= self.settings.max_gap_ms && at_ms >= last);
        if !in_burst {
            self.buffer.clear();
        }
        self.last_at = Some(at_ms);
        if key == "Enter" {
            let scan = std::mem::take(&mut self.buffer);
            self.last_at = None;
            return (in_burst && scan.chars().count() >= self.settings.min_len).then_some(scan);
        }
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            // One printable character; "Shift", "Tab" and other named keys are skipped.
            (Some(c), None) if !c.is_control() => self.buffer.push(c),
            _ if key == "Shift" => {}
            _ => {
                self.buffer.clear();
                self.last_at = None;
            }
        }
        None
    }

    /// Whether keys are arriving as a burst right now (the page may hold them back).
    pub fn in_burst(&self) -> bool {
        !self.buffer.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(decoder: &mut WedgeDecoder, text: &str, gap: f64, start: f64) -> Option<String> {
        let mut at = start;
        let mut out = None;
        for key in text.chars().map(String::from).chain(["Enter".to_string()]) {
            at += gap;
            if let Some(scan) = decoder.feed(&key, at) {
                out = Some(scan);
            }
        }
        out
    }

    #[test]
    fn fast_bursts_are_scans_and_typing_is_not() {
        let mut d = WedgeDecoder::default();
        assert_eq!(
            run(&mut d, "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ", 5.0, 0.0).as_deref(),
            Some("automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ")
        );
        assert_eq!(
            run(
                &mut d,
                "automerge:2j9knpCseyhnK8izDmLpGP5WMdZQ",
                120.0,
                10_000.0
            ),
            None
        );
        // Too short to be a code: a shortcut or a quick word.
        assert_eq!(run(&mut d, "abc", 5.0, 20_000.0), None);
    }

    #[test]
    fn a_pause_restarts_the_burst() {
        let mut d = WedgeDecoder::default();
        let mut at = 0.0;
        for c in "typed slowly ".chars() {
            at += 200.0;
            assert_eq!(d.feed(&c.to_string(), at), None);
        }
        assert_eq!(
            run(&mut d, "QR-PAYLOAD-12345", 3.0, at + 500.0).as_deref(),
            Some("QR-PAYLOAD-12345")
        );
    }

    #[test]
    fn named_keys_and_time_going_backwards_break_a_burst() {
        let mut d = WedgeDecoder::default();
        for (i, c) in "abcdefgh".chars().enumerate() {
            d.feed(&c.to_string(), i as f64 * 2.0);
        }
        d.feed("ArrowLeft", 17.0);
        assert_eq!(d.feed("Enter", 18.0), None);
        for (i, c) in "abcdefgh".chars().enumerate() {
            d.feed(&c.to_string(), 100.0 + i as f64 * 2.0);
        }
        assert_eq!(
            d.feed("Enter", 50.0),
            None,
            "a clock that went back is no burst"
        );
        // Shift (for capitals) does not break a burst.
        let mut at = 1_000.0;
        for key in ["A", "Shift", "B", "c", "d", "e", "f", "g", "h"] {
            at += 3.0;
            d.feed(key, at);
        }
        assert_eq!(d.feed("Enter", at + 3.0).as_deref(), Some("ABcdefgh"));
    }
}
