//! [`HandoffCode`]: what the kiosk's reception slip carries to the counter in its QR code,
//! and [`read_scan`], which reads it back from whatever a reader typed.
//!
//! The code is `MDG`, the visit's 16-byte document id in Crockford base32 (26 characters),
//! and one check character of ISO/IEC 7064 MOD 37,36 (hybrid system, alphabet `0-9A-Z`)
//! computed over everything before it: 30 digits and upper-case letters. So it
//!
//! - fits the QR alphanumeric mode (no lower case, no `:`), and reads the same whatever case
//!   a reader or Caps Lock makes of it (Crockford base32 ignores case);
//! - is typed identically by a keyboard-wedge reader on JIS and US layouts (digits and
//!   letters sit on the same keys; the `:` of an `automerge:` URL does not);
//! - proves itself whole: a truncated or misread scan fails the check instead of opening
//!   another visit.
//!
//! The visit is found from the id itself (this terminal's store, or the server when it does
//! not have it). Slips printed before this code (an `automerge:` URL) are still read,
//! including with the case of every letter turned by Caps Lock.
//!
//! ```
//! use shared_model::DocumentId;
//! use shared_model::handoff::{HandoffCode, read_scan};
//!
//! let id = DocumentId::random();
//! let code = HandoffCode::new(id).to_string();
//! assert_eq!(code.len(), 30);
//! assert!(code.chars().all(|c| c.is_ascii_digit() || c.is_ascii_uppercase()));
//! // Caps Lock, a Tab suffix, full-width characters from a reader set to 全角: all read.
//! assert_eq!(read_scan(&format!("{}\t", code.to_lowercase())), Ok(id));
//! ```

use std::fmt;

use iso_7064::MOD37_36;
use unicode_normalization::UnicodeNormalization;

use crate::document_id::{AutomergeUrl, DocumentId};

/// The code's first three characters.
pub const PREFIX: &str = "MDG";
/// Characters in a whole code: prefix, 26 of base32, 1 check character.
pub const LEN: usize = 30;

/// The handoff code of a visit (see the module docs for its shape).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HandoffCode(DocumentId);

impl HandoffCode {
    /// The code of this visit.
    pub fn new(id: DocumentId) -> Self {
        Self(id)
    }

    /// The visit.
    pub fn document_id(&self) -> DocumentId {
        self.0
    }
}

impl fmt::Display for HandoffCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let body = format!(
            "{PREFIX}{}",
            base32::encode(base32::Alphabet::Crockford, self.0.as_bytes())
        );
        let [check] = MOD37_36.compute(&body).map_err(|_| fmt::Error)?;
        write!(f, "{body}{check}")
    }
}

/// Why a scan is not a reception slip's code, in words that tell the counter what to fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanError {
    /// Nothing was read.
    #[error("nothing was read")]
    Empty,
    /// The keys went through an input method (kana or kanji came out): the IME is on.
    #[error("the scan came out as Japanese input ({found:?}): the IME is on")]
    ImeOn {
        /// The first character the IME made.
        found: char,
    },
    /// A symbol came where only digits and letters can be: the reader types for another
    /// keyboard layout (e.g. a US-layout reader on a JIS keyboard, or AZERTY digits).
    #[error("{found:?} cannot be in a slip's code: the reader's keyboard layout differs")]
    KeyboardLayout {
        /// The first character out of place.
        found: char,
    },
    /// A slip's code of the wrong length: cut short (a reader's length limit, a pause) or run
    /// into the next scan.
    #[error("the code has {len} characters, not {LEN}: cut short or run together")]
    WrongLength {
        /// Characters read.
        len: usize,
    },
    /// The check character does not match: a character was misread.
    #[error("the check character does not match: misread")]
    CheckFailed,
    /// An old slip's `automerge:` URL whose letters all came out in one case (a reader set
    /// to upper or lower case): its id is case-sensitive and cannot be recovered.
    #[error("the letters' case was changed (reader set to one case, or Caps Lock)")]
    CaseChanged,
    /// Something else: another barcode, a product code, a typed word.
    #[error("not a reception slip's code")]
    NotASlip,
}

/// Reads the visit from a scan: a [`HandoffCode`] (any case, full-width or not, ending in
/// CR, LF, CRLF or Tab), or an older slip's `automerge:` URL (also with every letter's case
/// turned, and with the `:` typed as another symbol by a foreign layout).
///
/// # Errors
/// A [`ScanError`] naming why the scan is not a slip's code.
pub fn read_scan(scan: &str) -> Result<DocumentId, ScanError> {
    let text: String = scan
        .trim_matches(|c: char| c.is_whitespace() || c.is_control())
        .nfkc()
        .collect();
    if text.is_empty() {
        return Err(ScanError::Empty);
    }
    if let Some(found) = text.chars().find(|c| made_by_ime(*c)) {
        return Err(ScanError::ImeOn { found });
    }
    if text.len() > "automerge".len()
        && text.is_char_boundary("automerge".len())
        && text[.."automerge".len()].eq_ignore_ascii_case("automerge")
    {
        return read_automerge_url(&text);
    }
    let upper = text.to_ascii_uppercase();
    let Some(body) = upper.strip_prefix(PREFIX) else {
        return Err(ScanError::NotASlip);
    };
    if let Some(found) = body.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(ScanError::KeyboardLayout { found });
    }
    if upper.len() != LEN {
        return Err(ScanError::WrongLength { len: upper.len() });
    }
    if !MOD37_36.verify(&upper).unwrap_or(false) {
        return Err(ScanError::CheckFailed);
    }
    let bytes = base32::decode(base32::Alphabet::Crockford, &body[..LEN - PREFIX.len() - 1])
        .ok_or(ScanError::CheckFailed)?;
    let bytes: [u8; 16] = bytes.try_into().map_err(|_| ScanError::CheckFailed)?;
    Ok(DocumentId::from_bytes(bytes))
}

/// An older slip: `automerge:` and a case-sensitive bs58check id.
fn read_automerge_url(text: &str) -> Result<DocumentId, ScanError> {
    let rest = &text["automerge".len()..];
    let mut chars = rest.chars();
    let separator = chars.next().unwrap_or(':');
    let id = chars.as_str();
    if let Some(found) = id.chars().find(|c| !c.is_ascii_alphanumeric()) {
        return Err(ScanError::KeyboardLayout { found });
    }
    let turned: String = id
        .chars()
        .map(|c| match c {
            c if c.is_ascii_lowercase() => c.to_ascii_uppercase(),
            c => c.to_ascii_lowercase(),
        })
        .collect();
    for candidate in [format!("automerge:{id}"), format!("automerge:{turned}")] {
        if let Ok(url) = candidate.parse::<AutomergeUrl>() {
            return Ok(url.document_id());
        }
    }
    if separator != ':' {
        return Err(ScanError::KeyboardLayout { found: separator });
    }
    let letters = id.chars().filter(char::is_ascii_alphabetic);
    if letters.clone().all(|c| c.is_ascii_uppercase())
        || letters.clone().all(|c| c.is_ascii_lowercase())
    {
        return Err(ScanError::CaseChanged);
    }
    Err(ScanError::CheckFailed)
}

/// Kana, kanji and the ideographic punctuation an IME produces.
fn made_by_ime(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}' // 、。「」 and the ideographic space
        | '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{4E00}'..='\u{9FFF}' // kanji
        | '\u{FF61}'..='\u{FF9F}' // half-width katakana
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id() -> DocumentId {
        DocumentId::from_bytes([
            0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0x4d, 0xef, 0x81, 0x23, 0x45, 0x67, 0x89, 0xab,
            0xcd, 0xef,
        ])
    }

    #[test]
    fn the_code_is_digits_and_capitals_with_a_check_character() {
        let code = HandoffCode::new(id()).to_string();
        // Checked against an independent computation (Python: Crockford base32, ISO/IEC 7064 MOD 37,36).
        assert_eq!(code, "MDG28T5CY4TQH6YZ0938NKRKAYDXWV");
        assert_eq!(code.len(), LEN);
        assert_eq!(read_scan(&code), Ok(id()));
        for _ in 0..200 {
            let random = DocumentId::random();
            assert_eq!(read_scan(&HandoffCode::new(random).to_string()), Ok(random));
        }
    }

    #[test]
    fn every_terminator_and_case_reads() {
        let code = HandoffCode::new(id()).to_string();
        for scan in [
            format!("{code}\r"),
            format!("{code}\n"),
            format!("{code}\r\n"),
            format!("{code}\t"),
            // Caps Lock on: a reader that sends Shift+letter gets lower case.
            code.to_lowercase(),
            format!("  {}\r\n", code.to_lowercase()),
            // A reader set to full-width (全角) output.
            code.chars()
                .map(|c| char::from_u32(c as u32 + 0xFEE0).unwrap())
                .collect(),
        ] {
            assert_eq!(read_scan(&scan), Ok(id()), "{scan:?}");
        }
    }

    #[test]
    fn each_failure_says_why() {
        let code = HandoffCode::new(id()).to_string();
        // IME on: romaji input turned letters into kana.
        assert_eq!(
            read_scan("ｍでｇ２８ｔ５ｃｙ"),
            Err(ScanError::ImeOn { found: 'で' })
        );
        // A layout that puts symbols where digits are (AZERTY's unshifted digit row).
        let azerty: String = code
            .chars()
            .map(|c| match c {
                '2' => 'é',
                '8' => '_',
                c => c,
            })
            .collect();
        assert_eq!(
            read_scan(&azerty),
            Err(ScanError::KeyboardLayout { found: 'é' })
        );
        // Cut short, or two scans run together.
        assert_eq!(
            read_scan(&code[..20]),
            Err(ScanError::WrongLength { len: 20 })
        );
        assert_eq!(
            read_scan(&format!("{code}{code}")),
            Err(ScanError::WrongLength { len: 60 })
        );
        // One character misread, and two neighbours swapped.
        let mut misread = code.clone().into_bytes();
        misread[10] = if misread[10] == b'7' { b'8' } else { b'7' };
        let misread = String::from_utf8(misread).unwrap();
        assert_eq!(read_scan(&misread), Err(ScanError::CheckFailed));
        let mut swapped = code.clone().into_bytes();
        swapped.swap(12, 13);
        if swapped != code.as_bytes() {
            let swapped = String::from_utf8(swapped).unwrap();
            assert_eq!(read_scan(&swapped), Err(ScanError::CheckFailed));
        }
        assert_eq!(read_scan("4901234567894"), Err(ScanError::NotASlip));
        assert_eq!(read_scan("\r\n"), Err(ScanError::Empty));
    }

    #[test]
    fn older_automerge_urls_still_read() {
        let url = id().url().to_string();
        assert_eq!(read_scan(&url), Ok(id()));
        assert_eq!(read_scan(&format!("{url}\t")), Ok(id()));
        // Caps Lock turns every letter's case; turned back, it reads.
        let turned: String = url
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() {
                    c.to_ascii_uppercase()
                } else {
                    c.to_ascii_lowercase()
                }
            })
            .collect();
        assert_eq!(read_scan(&turned), Ok(id()));
        // A US-layout reader on a JIS keyboard types `:` as `+`.
        assert_eq!(read_scan(&url.replacen(':', "+", 1)), Ok(id()));
        // A reader set to upper case loses the id for good, and says so.
        assert_eq!(
            read_scan(&url.to_ascii_uppercase()),
            Err(ScanError::CaseChanged)
        );
    }
}
