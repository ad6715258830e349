//! [`SymbolFramer`]: a code reader's bytes over USB-COM (CDC-ACM; Web Serial in the browser)
//! cut into one symbol each.
//!
//! A reader sends a symbol's data in one burst followed by its suffix (CR by the setting
//! sheets this project prints; LF or CRLF on others) and then nothing until the next scan.
//! The data itself may hold CR and LF (a 転出証明書's CSV has a line per person), so the
//! suffix alone does not end a symbol: the silence after it does. A symbol ends when no
//! byte has come for [`SymbolFramer::gap_ms`]; one trailing suffix is taken off.

/// The longest symbol taken: a QR code holds at most 7,089 characters (numeric, version 40);
/// twice that covers any reader's escapes. More is refused as line noise.
pub const MAX_SYMBOL_BYTES: usize = 16 * 1024;

/// What a framer refuses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// More bytes than any symbol holds without a pause: a wrong baud rate or a reader
    /// in a streaming mode.
    #[error(
        "QRリーダーから {0} バイト以上が途切れずに届きました。リーダーの設定を確かめてください"
    )]
    TooLong(usize),
}

/// Cuts a serial byte stream into symbols by the silence after each.
#[derive(Debug, Clone)]
pub struct SymbolFramer {
    buffer: Vec<u8>,
    last_at: f64,
    gap_ms: f64,
    overflowed: bool,
}

impl SymbolFramer {
    /// A framer ending a symbol after `gap_ms` of silence (80 ms suits USB-COM readers,
    /// which send a symbol within a few ms).
    pub fn new(gap_ms: f64) -> SymbolFramer {
        SymbolFramer {
            buffer: Vec::new(),
            last_at: 0.0,
            gap_ms,
            overflowed: false,
        }
    }

    /// The silence, in ms, that ends a symbol.
    pub fn gap_ms(&self) -> f64 {
        self.gap_ms
    }

    /// Takes bytes that came at `at` (ms, any monotonic clock).
    pub fn push(&mut self, bytes: &[u8], at: f64) {
        self.last_at = at;
        if self.buffer.len() + bytes.len() > MAX_SYMBOL_BYTES {
            self.overflowed = true;
            self.buffer.clear();
            return;
        }
        self.buffer.extend_from_slice(bytes);
    }

    /// The symbol, once `now` is [`SymbolFramer::gap_ms`] past the last byte: its data
    /// without one trailing CR, LF or CRLF. `None` while bytes may still come.
    pub fn take(&mut self, now: f64) -> Option<Result<Vec<u8>, FrameError>> {
        if now - self.last_at < self.gap_ms {
            return None;
        }
        if std::mem::take(&mut self.overflowed) {
            self.buffer.clear();
            return Some(Err(FrameError::TooLong(MAX_SYMBOL_BYTES)));
        }
        if self.buffer.is_empty() {
            return None;
        }
        let mut data = std::mem::take(&mut self.buffer);
        if data.ends_with(b"\r\n") {
            data.truncate(data.len() - 2);
        } else if data.ends_with(b"\r") || data.ends_with(b"\n") {
            data.truncate(data.len() - 1);
        }
        Some(Ok(data))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_symbol_ends_at_the_silence_not_at_a_line_break() {
        let mut framer = SymbolFramer::new(80.0);
        framer.push(b"a,b\r\n", 0.0);
        framer.push(b"c,d\r\n\r", 3.0);
        assert_eq!(framer.take(50.0), None);
        assert_eq!(framer.take(83.0), Some(Ok(b"a,b\r\nc,d\r\n".to_vec())));
        assert_eq!(framer.take(500.0), None);
        framer.push(b"x\r\n", 600.0);
        assert_eq!(framer.take(700.0), Some(Ok(b"x".to_vec())));
    }

    #[test]
    fn an_endless_stream_is_refused_then_the_next_symbol_reads() {
        let mut framer = SymbolFramer::new(80.0);
        for i in 0..20 {
            framer.push(&[b'x'; 1024], i as f64);
        }
        assert_eq!(
            framer.take(200.0),
            Some(Err(FrameError::TooLong(MAX_SYMBOL_BYTES)))
        );
        framer.push(b"ok\r", 300.0);
        assert_eq!(framer.take(400.0), Some(Ok(b"ok".to_vec())));
    }
}
