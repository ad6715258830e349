//! A QR symbol's data bytes as text: the AIM symbology identifier and ECI escapes a reader
//! may put in front, then the encoding — UTF-8, or Shift_JIS as Windows writes it (CP932,
//! with the NEC and IBM extensions, so 髙 and ① decode).
//!
//! Readers transmit what the symbol holds, byte for byte, over USB-COM and HID POS. With
//! the "ECI protocol" on (ISO/IEC 18004:2015 Annex F; AIM ECI, ITS/04-001), the data starts
//! with the symbology identifier `]Q2` (or `]Q4`/`]Q6`) and every ECI designator appears in
//! the data as a backslash and six digits (`\000026` UTF-8, `\000020` Shift_JIS,
//! `\000003` ISO/IEC 8859-1); a backslash of the data itself is doubled. Without ECI the
//! encoding is detected: text that is valid UTF-8 is UTF-8 (a Shift_JIS text of Japanese
//! is practically never valid UTF-8), anything else must be valid CP932.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_8, WINDOWS_1252};

/// What was wrong with a symbol's bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    /// Nothing but the reader's prefix.
    #[error("二次元コードに文字がありません")]
    Empty,
    /// An ECI designator this reader does not know (Chinese, Korean, …).
    #[error("二次元コードの文字コード指定 (ECI {0:06}) には対応していません")]
    UnknownEci(u32),
    /// A backslash not followed by six digits or another backslash, under the ECI protocol.
    #[error("二次元コードの文字コード指定 (ECI) が途中で切れています")]
    BrokenEci,
    /// Neither UTF-8 nor Shift_JIS: a misread, or a code written in another encoding.
    #[error("二次元コードの文字が読めません (UTF-8 でも Shift_JIS でもありません。{at}バイト目)")]
    MisEncoded {
        /// Where the first undecodable byte is (1-based).
        at: usize,
    },
}

/// The encoding a symbol's text was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 (ECI 26, or detected).
    Utf8,
    /// Shift_JIS / CP932 (ECI 20, or detected).
    ShiftJis,
    /// ISO/IEC 8859-1 (ECI 3; QR's default for byte mode, but no Japanese system writes it).
    Latin1,
}

/// A symbol's text and how it was encoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Payload {
    /// The text.
    pub text: String,
    /// The encoding it was read in (the last ECI's, when several).
    pub encoding: TextEncoding,
}

/// Reads a symbol's data bytes (see the module's rules).
///
/// ```
/// use device_webusb::transfer_certificate::payload::{decode, TextEncoding};
/// // 髙橋① in CP932: 髙 is an IBM extension (FB FC), ① an NEC special character (87 40).
/// let text = decode(&[0xFB, 0xFC, 0x8B, 0xB4, 0x87, 0x40]).unwrap();
/// assert_eq!(text.text, "髙橋①");
/// assert_eq!(text.encoding, TextEncoding::ShiftJis);
/// assert_eq!(decode("]Q2\\000026高崎".as_bytes()).unwrap().text, "高崎");
/// ```
pub fn decode(bytes: &[u8]) -> Result<Payload, PayloadError> {
    let (eci_protocol, data) = match bytes {
        [b']', b'Q', m @ b'0'..=b'6', rest @ ..] => (matches!(m, b'2' | b'4' | b'6'), rest),
        _ => (false, bytes),
    };
    if eci_protocol {
        return decode_eci(data);
    }
    let data = data.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(data);
    if data.is_empty() {
        return Err(PayloadError::Empty);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        return Ok(Payload {
            text: text.to_owned(),
            encoding: TextEncoding::Utf8,
        });
    }
    decode_in(SHIFT_JIS, data, 0).map(|text| Payload {
        text,
        encoding: TextEncoding::ShiftJis,
    })
}

/// Like [`decode`], for a symbol whose text the next one may continue: bytes that end inside
/// a character (a UTF-8 sequence cut short, a Shift_JIS lead byte without its trail byte) are
/// given back, to go in front of the next symbol's bytes, instead of being refused. Data with
/// an AIM prefix is decoded whole (each such symbol carries its own ECI).
///
/// ```
/// use device_webusb::transfer_certificate::payload::decode_prefix;
/// let (text, left) = decode_prefix(&"高崎".as_bytes()[..4]).unwrap();
/// assert_eq!((text.text.as_str(), left.len()), ("高", 1));
/// ```
pub fn decode_prefix(bytes: &[u8]) -> Result<(Payload, Vec<u8>), PayloadError> {
    if bytes.starts_with(b"]Q") {
        return decode(bytes).map(|p| (p, Vec::new()));
    }
    let data = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(data)
        && e.error_len().is_none()
    {
        let (done, left) = data.split_at(e.valid_up_to());
        let text = std::str::from_utf8(done)
            .expect("valid up to here")
            .to_owned();
        return Ok((
            Payload {
                text,
                encoding: TextEncoding::Utf8,
            },
            left.to_vec(),
        ));
    }
    match decode(data) {
        Err(PayloadError::MisEncoded { at }) if at == data.len() => {
            let (done, left) = data.split_at(data.len() - 1);
            let lead = matches!(left[0], 0x81..=0x9F | 0xE0..=0xFC);
            match (lead, decode_in(SHIFT_JIS, done, 0)) {
                (true, Ok(text)) => Ok((
                    Payload {
                        text,
                        encoding: TextEncoding::ShiftJis,
                    },
                    left.to_vec(),
                )),
                _ => Err(PayloadError::MisEncoded { at }),
            }
        }
        other => other.map(|p| (p, Vec::new())),
    }
}

/// Data under the ECI protocol: segments, each in the encoding its designator names
/// (detected, as without ECI, before the first designator).
fn decode_eci(data: &[u8]) -> Result<Payload, PayloadError> {
    let mut text = String::new();
    let mut encoding: Option<TextEncoding> = None;
    let mut segment: Vec<u8> = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let flush = |segment: &mut Vec<u8>,
                 encoding: Option<TextEncoding>,
                 text: &mut String,
                 start: usize|
     -> Result<Option<TextEncoding>, PayloadError> {
        if segment.is_empty() {
            return Ok(encoding);
        }
        let read = match encoding {
            Some(TextEncoding::Utf8) => (decode_in(UTF_8, segment, start)?, TextEncoding::Utf8),
            Some(TextEncoding::ShiftJis) => (
                decode_in(SHIFT_JIS, segment, start)?,
                TextEncoding::ShiftJis,
            ),
            // encoding_rs's windows-1252 is a superset of ISO/IEC 8859-1's printable range.
            Some(TextEncoding::Latin1) => (
                decode_in(WINDOWS_1252, segment, start)?,
                TextEncoding::Latin1,
            ),
            None => {
                let detected = decode(segment).map_err(|e| match e {
                    PayloadError::MisEncoded { at } => PayloadError::MisEncoded { at: at + start },
                    other => other,
                })?;
                (detected.text, detected.encoding)
            }
        };
        text.push_str(&read.0);
        segment.clear();
        Ok(Some(read.1))
    };
    while i < data.len() {
        if data[i] != b'\\' {
            segment.push(data[i]);
            i += 1;
            continue;
        }
        match data.get(i + 1) {
            Some(b'\\') => {
                segment.push(b'\\');
                i += 2;
            }
            _ => {
                let digits = data.get(i + 1..i + 7).ok_or(PayloadError::BrokenEci)?;
                if !digits.iter().all(u8::is_ascii_digit) {
                    return Err(PayloadError::BrokenEci);
                }
                let eci: u32 = std::str::from_utf8(digits)
                    .expect("ASCII digits")
                    .parse()
                    .expect("six digits");
                flush(&mut segment, encoding, &mut text, start)?;
                encoding = Some(match eci {
                    26 => TextEncoding::Utf8,
                    20 => TextEncoding::ShiftJis,
                    1 | 3 => TextEncoding::Latin1,
                    other => return Err(PayloadError::UnknownEci(other)),
                });
                i += 7;
                start = i;
            }
        }
    }
    let last = flush(&mut segment, encoding, &mut text, start)?;
    if text.is_empty() {
        return Err(PayloadError::Empty);
    }
    Ok(Payload {
        text,
        encoding: last.unwrap_or(TextEncoding::Utf8),
    })
}

/// `bytes` in `encoding`, refusing anything malformed (never a replacement character).
fn decode_in(
    encoding: &'static Encoding,
    bytes: &[u8],
    offset: usize,
) -> Result<String, PayloadError> {
    match encoding.decode_without_bom_handling_and_without_replacement(bytes) {
        Some(text) => Ok(text.into_owned()),
        None => {
            // Where it breaks: the longest prefix that decodes.
            let at = (0..bytes.len())
                .rev()
                .find(|&n| {
                    encoding
                        .decode_without_bom_handling_and_without_replacement(&bytes[..n])
                        .is_some()
                })
                .unwrap_or(0);
            Err(PayloadError::MisEncoded {
                at: offset + at + 1,
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sjis(text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = SHIFT_JIS.encode(text);
        assert!(!unmappable, "{text} is in CP932");
        bytes.into_owned()
    }

    #[test]
    fn shift_jis_with_the_windows_extensions_decodes() {
        for text in [
            "髙橋 ①",
            "𠮷野".replace('𠮷', "吉").as_str(),
            "ﾀｶｻｷ",
            "～－",
        ] {
            let read = decode(&sjis(text)).unwrap();
            assert_eq!(read.text, text);
            assert_eq!(read.encoding, TextEncoding::ShiftJis);
        }
    }

    #[test]
    fn utf8_with_and_without_bom_decodes() {
        assert_eq!(decode("𠮷野 太郎".as_bytes()).unwrap().text, "𠮷野 太郎");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend("高崎".as_bytes());
        assert_eq!(decode(&bom).unwrap().text, "高崎");
    }

    #[test]
    fn eci_designators_switch_the_encoding() {
        let mut data = b"]Q2\\000020".to_vec();
        data.extend(sjis("高崎"));
        data.extend(b"\\000026");
        data.extend("𠮷\\\\".as_bytes());
        let read = decode(&data).unwrap();
        assert_eq!(read.text, "高崎𠮷\\");
        assert_eq!(read.encoding, TextEncoding::Utf8);
        assert_eq!(decode(b"]Q2\\000029abc"), Err(PayloadError::UnknownEci(29)));
        assert_eq!(decode(b"]Q2\\0000"), Err(PayloadError::BrokenEci));
        // Without the ECI protocol a backslash is data.
        assert_eq!(decode(b"]Q1a\\b").unwrap().text, "a\\b");
    }

    #[test]
    fn a_character_cut_at_the_end_is_left_for_the_next_symbol() {
        let bytes = sjis("髙橋");
        let (read, left) = decode_prefix(&bytes[..3]).unwrap();
        assert_eq!((read.text.as_str(), left), ("髙", vec![bytes[2]]));
        let utf8 = "𠮷田".as_bytes();
        let (read, left) = decode_prefix(&utf8[..2]).unwrap();
        assert_eq!((read.text.as_str(), left.len()), ("", 2));
        // A byte that cannot start a character is still refused.
        assert!(decode_prefix(b"ab\x81\x20").is_err());
    }

    #[test]
    fn bytes_in_neither_encoding_are_refused_with_where() {
        // 0x81 0x20: a Shift_JIS lead byte with no trail; not UTF-8 either.
        assert_eq!(
            decode(b"ab\x81\x20cd"),
            Err(PayloadError::MisEncoded { at: 3 })
        );
        assert_eq!(decode(b"]Q1"), Err(PayloadError::Empty));
        assert_eq!(decode(b""), Err(PayloadError::Empty));
    }
}
