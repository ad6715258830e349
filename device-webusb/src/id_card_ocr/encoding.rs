//! The text of a result file, its encoding detected per file: a byte-order mark first
//! (UTF-8, UTF-16LE, UTF-16BE), else strict UTF-8, else UTF-16LE without a mark (NUL bytes
//! at odd places, as Windows' "Unicode" writes ASCII), else Shift_JIS as Windows writes it
//! (Windows-31J / CP932 with the NEC and IBM extensions: 髙, ①, ㈱), else refused.

use encoding_rs::{Encoding, SHIFT_JIS, UTF_16BE, UTF_16LE};

use super::OcrError;

/// The encoding a file was read in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    /// UTF-8 with a byte-order mark (as Windows Notepad and .NET write it).
    Utf8Bom,
    /// UTF-8 without a mark.
    Utf8,
    /// UTF-16 little-endian (with or without its mark).
    Utf16Le,
    /// UTF-16 big-endian with its mark.
    Utf16Be,
    /// Shift_JIS as Windows writes it (CP932).
    ShiftJis,
}

/// Decodes `bytes`, detecting the encoding as the module says.
///
/// Errors: [`OcrError::Encoding`] when no encoding reads every byte (a file in EUC-JP, cut
/// in the middle of a character, or not text).
pub fn decode(bytes: &[u8]) -> Result<(String, TextEncoding), OcrError> {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return std::str::from_utf8(rest)
            .map(|t| (t.to_owned(), TextEncoding::Utf8Bom))
            .map_err(|_| OcrError::Encoding);
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFF\xFE") {
        return strict(UTF_16LE, rest).map(|t| (t, TextEncoding::Utf16Le));
    }
    if let Some(rest) = bytes.strip_prefix(b"\xFE\xFF") {
        return strict(UTF_16BE, rest).map(|t| (t, TextEncoding::Utf16Be));
    }
    if looks_utf16le(bytes) {
        return strict(UTF_16LE, bytes).map(|t| (t, TextEncoding::Utf16Le));
    }
    if let Ok(text) = std::str::from_utf8(bytes) {
        if text.contains('\0') {
            return Err(OcrError::Encoding);
        }
        return Ok((text.to_owned(), TextEncoding::Utf8));
    }
    let text = strict(SHIFT_JIS, bytes)?;
    // Control characters other than tab and line ends are not in a result file: bytes that
    // Shift_JIS happens to accept (a binary file, an image given the wrong name).
    if text
        .chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\r' | '\n'))
    {
        return Err(OcrError::Encoding);
    }
    Ok((text, TextEncoding::ShiftJis))
}

/// Decodes with `encoding`, refusing any byte it cannot read.
fn strict(encoding: &'static Encoding, bytes: &[u8]) -> Result<String, OcrError> {
    encoding
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|t| t.into_owned())
        .ok_or(OcrError::Encoding)
}

/// UTF-16LE without a mark: an even length, and at least a quarter of the odd bytes NUL
/// (ASCII and line ends), which no UTF-8 or Shift_JIS text has.
fn looks_utf16le(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || !bytes.len().is_multiple_of(2) {
        return false;
    }
    let odd = bytes.len() / 2;
    let nul = bytes.iter().skip(1).step_by(2).filter(|b| **b == 0).count();
    nul * 4 >= odd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_encoding_is_told_by_its_bytes() {
        // 髙 (FB FC) and ① (87 40) are CP932's IBM and NEC extensions.
        let sjis = b"\x8E\x81\x96\xBC,\xFB\xFC\x8B\xB4 \x87\x40";
        assert_eq!(
            decode(sjis).unwrap(),
            ("氏名,髙橋 ①".to_owned(), TextEncoding::ShiftJis)
        );
        assert_eq!(
            decode("氏名".as_bytes()).unwrap(),
            ("氏名".to_owned(), TextEncoding::Utf8)
        );
        assert_eq!(
            decode(b"\xEF\xBB\xBF\xE6\xB0\x8F").unwrap(),
            ("氏".to_owned(), TextEncoding::Utf8Bom)
        );
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("氏名,A".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(
            decode(&utf16).unwrap(),
            ("氏名,A".to_owned(), TextEncoding::Utf16Le)
        );
        let bare: Vec<u8> = "Name,NGUYEN\r\n"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decode(&bare).unwrap().1, TextEncoding::Utf16Le);
        let be: Vec<u8> = [0xFE, 0xFF]
            .into_iter()
            .chain("在留".encode_utf16().flat_map(u16::to_be_bytes))
            .collect();
        assert_eq!(decode(&be).unwrap().0, "在留");
    }

    #[test]
    fn bytes_no_encoding_reads_are_refused() {
        // EUC-JP 「氏名」 is neither UTF-8 nor Shift_JIS throughout.
        assert_eq!(decode(b"\xBB\xE1\xCC\xBE\xFF"), Err(OcrError::Encoding));
        // A JPEG's start given a .csv name.
        assert_eq!(
            decode(b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00"),
            Err(OcrError::Encoding)
        );
        // A BOM that lies.
        assert_eq!(decode(b"\xEF\xBB\xBF\x8E\x81"), Err(OcrError::Encoding));
    }
}
