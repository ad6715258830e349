//! [`WedgeDecoder`]: a barcode or QR reader in keyboard-wedge mode types its payload as fast
//! keystrokes ending in Enter (CR, LF or CRLF) or Tab, as the reader is set. The decoder
//! tells those bursts from a person typing by the gaps between keys, with no device
//! permission needed, and notes what the keyboard did to them on the way ([`Scan`]: keys
//! an input method swallowed, Caps Lock), so a scan that cannot be read can say why.
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

/// One burst of keys as the page received it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scan {
    /// The characters typed (named keys left out).
    pub text: String,
    /// Keys an input method (IME) took (`KeyboardEvent.key` = `"Process"`): the IME was on,
    /// and the characters went into its composition instead of `text`.
    pub ime_keys: usize,
    /// Caps Lock was on during the burst.
    pub caps_lock: bool,
}

/// Turns key events into scans.
#[derive(Debug, Clone, Default)]
pub struct WedgeDecoder {
    settings: WedgeSettings,
    scan: Scan,
    keys: usize,
    last_at: Option<f64>,
}

impl WedgeDecoder {
    /// A decoder with these settings.
    pub fn new(settings: WedgeSettings) -> Self {
        Self {
            settings,
            ..Self::default()
        }
    }

    /// Feeds one key (the DOM `KeyboardEvent.key`) pressed at `at_ms`; returns the scanned
    /// text when Enter or Tab ends a fast enough, long enough burst.
    pub fn feed(&mut self, key: &str, at_ms: f64) -> Option<String> {
        self.feed_key(key, at_ms, false).map(|scan| scan.text)
    }

    /// [`WedgeDecoder::feed`] with the state of Caps Lock at that key
    /// (`KeyboardEvent.getModifierState("CapsLock")`); returns the whole [`Scan`]. A burst
    /// the IME swallowed is still returned (with empty or partial text), so that the page can
    /// say the IME is on rather than nothing.
    pub fn feed_key(&mut self, key: &str, at_ms: f64, caps_lock: bool) -> Option<Scan> {
        let in_burst = self
            .last_at
            .is_some_and(|last| at_ms - last <= self.settings.max_gap_ms && at_ms >= last);
        if !in_burst {
            self.scan = Scan::default();
            self.keys = 0;
        }
        self.last_at = Some(at_ms);
        if matches!(key, "Enter" | "Tab") {
            let scan = std::mem::take(&mut self.scan);
            let keys = std::mem::take(&mut self.keys);
            self.last_at = None;
            // The LF of a CRLF ends an empty burst: nothing to report.
            return (in_burst && keys >= self.settings.min_len).then_some(scan);
        }
        self.scan.caps_lock |= caps_lock;
        let mut chars = key.chars();
        match (chars.next(), chars.next()) {
            // One printable character.
            (Some(c), None) if !c.is_control() => {
                self.scan.text.push(c);
                self.keys += 1;
            }
            // The IME took the key.
            _ if key == "Process" => {
                self.scan.ime_keys += 1;
                self.keys += 1;
            }
            // Modifiers a reader presses for capitals and symbols.
            _ if matches!(key, "Shift" | "CapsLock") => {}
            _ => {
                self.scan = Scan::default();
                self.keys = 0;
                self.last_at = None;
            }
        }
        None
    }

    /// Whether keys are arriving as a burst right now (the page may hold them back).
    pub fn in_burst(&self) -> bool {
        self.keys > 0
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

    fn burst(d: &mut WedgeDecoder, keys: &[&str], caps_lock: bool, start: f64) -> Option<Scan> {
        let mut out = None;
        for (i, key) in keys.iter().enumerate() {
            if let Some(scan) = d.feed_key(key, start + i as f64 * 4.0, caps_lock) {
                out = Some(scan);
            }
        }
        out
    }

    #[test]
    fn enter_tab_and_crlf_each_end_a_scan_once() {
        let code: Vec<String> = "MDG28T5CY4TQH6YZ0938NKRKAYDXWV"
            .chars()
            .map(String::from)
            .collect();
        let keys = |end: &[&'static str]| -> Vec<&str> {
            code.iter()
                .map(String::as_str)
                .chain(end.iter().copied())
                .collect()
        };
        let mut d = WedgeDecoder::default();
        for (i, end) in [&["Enter"][..], &["Tab"], &["Enter", "Enter"]]
            .into_iter()
            .enumerate()
        {
            let mut scans = Vec::new();
            for (j, key) in keys(end).into_iter().enumerate() {
                if let Some(scan) = d.feed_key(key, i as f64 * 10_000.0 + j as f64 * 4.0, false) {
                    scans.push(scan.text);
                }
            }
            assert_eq!(scans, vec!["MDG28T5CY4TQH6YZ0938NKRKAYDXWV"], "{end:?}");
        }
    }

    #[test]
    fn what_the_keyboard_did_is_noted() {
        let mut d = WedgeDecoder::default();
        // Caps Lock on: a reader's Shift+letter comes out in lower case, and the scan says so.
        let caps: Vec<String> = "mdg28t5cy4tqh6yz".chars().map(String::from).collect();
        let mut keys: Vec<&str> = caps.iter().map(String::as_str).collect();
        keys.push("Enter");
        let scan = burst(&mut d, &keys, true, 0.0).unwrap();
        assert_eq!(
            (scan.text.as_str(), scan.caps_lock),
            ("mdg28t5cy4tqh6yz", true)
        );
        // The IME on: every key is "Process" and no character arrives; still a scan.
        let ime = ["Process"; 12]
            .into_iter()
            .chain(["Enter"])
            .collect::<Vec<_>>();
        let scan = burst(&mut d, &ime, false, 10_000.0).unwrap();
        assert_eq!((scan.text.as_str(), scan.ime_keys), ("", 12));
    }
}
