//! The command APDUs the 券面事項入力補助AP read sends, and the status words (SW1 SW2) its
//! answers end in.
//!
//! Bytes as ISO/IEC 7816-4 (§11.1 SELECT, §11.5.6 VERIFY, §11.2.3 READ BINARY) defines them
//! and as jpki/myna sends them to the card (`src/reader.rs` `select_df`, `select_ef`,
//! `verify_pin`, `read_binary`; `libmyna/reader.go` `SelectCardAP`); the file ids are the
//! AP's (`src/text.rs`). Short APDUs only: every command here fits in 261 bytes.
//!
//! ```
//! use device_webusb::my_number_card::apdu::{self, Response, StatusWord};
//!
//! assert_eq!(apdu::select_ef(apdu::EF_PIN), [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x11]);
//! let answer = Response::parse(&[0x63, 0xC2]).unwrap();
//! assert_eq!(answer.status, StatusWord(0x63C2));
//! assert_eq!(answer.status.tries_left(), Some(2));
//! ```

/// The 券面事項入力補助AP's application id (`D3 92 10 00 31 00 01 01 04 08`; jpki/myna
/// `src/text.rs` `TEXT_AID`, `libmyna/reader.go` `SelectCardAP`).
pub const TEXT_AP_AID: [u8; 10] = [0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04, 0x08];

/// EF `0011`: the 券面事項入力補助用暗証番号 (4 digits, 3 tries), selected before VERIFY.
pub const EF_PIN: [u8; 2] = [0x00, 0x11];
/// EF `0001`: the 個人番号 (`D0 0C` + 12 ASCII digits).
pub const EF_MY_NUMBER: [u8; 2] = [0x00, 0x01];
/// EF `0002`: the 基本4情報 (template `FF 20` holding `DF 21`…`DF 25`).
pub const EF_BASIC_FOUR: [u8; 2] = [0x00, 0x02];

/// The most bytes one READ BINARY asks for (Le `FF`; jpki/myna asks for at most 255 too,
/// and `00` for 256 is not understood by every reader driver).
pub const MAX_READ: u16 = 0xFF;
/// The highest offset a READ BINARY can name: P1's top bit set means a short EF id instead.
pub const MAX_OFFSET: u16 = 0x7FFF;

/// SELECT the DF (application) `aid` by name: `00 A4 04 0C Lc <aid>`, no answer data wanted.
/// `aid` is 1–16 bytes (ISO/IEC 7816-4 §8.2.1.2); a longer one is cut to 16.
pub fn select_df(aid: &[u8]) -> Vec<u8> {
    let aid = &aid[..aid.len().min(16)];
    let mut command = vec![0x00, 0xA4, 0x04, 0x0C, aid.len() as u8];
    command.extend_from_slice(aid);
    command
}

/// SELECT the EF `fid` of the current DF: `00 A4 02 0C 02 <fid>`.
pub fn select_ef(fid: [u8; 2]) -> Vec<u8> {
    vec![0x00, 0xA4, 0x02, 0x0C, 0x02, fid[0], fid[1]]
}

/// VERIFY the selected PIN EF with `pin` (its ASCII digits): `00 20 00 80 Lc <pin>`.
/// The vector holds the PIN: zeroize it once sent ([`zeroize::Zeroize`]).
pub fn verify(pin: &[u8]) -> Vec<u8> {
    let pin = &pin[..pin.len().min(0xFF)];
    let mut command = vec![0x00, 0x20, 0x00, 0x80, pin.len() as u8];
    command.extend_from_slice(pin);
    command
}

/// VERIFY without data: asks how many tries the selected PIN has left without using one
/// (`00 20 00 80`; the answer is `63 Cx`, jpki/myna `read_pin` / `libmyna` `LookupPin`).
pub fn tries_left_query() -> Vec<u8> {
    vec![0x00, 0x20, 0x00, 0x80]
}

/// READ BINARY of `length` bytes (1–255) from `offset` (0–0x7FFF) of the selected EF:
/// `00 B0 <offset hi> <offset lo> <Le>`. `None` outside those ranges.
pub fn read_binary(offset: u16, length: u16) -> Option<Vec<u8>> {
    if offset > MAX_OFFSET || length == 0 || length > MAX_READ {
        return None;
    }
    let [hi, lo] = offset.to_be_bytes();
    Some(vec![0x00, 0xB0, hi, lo, length as u8])
}

/// The two status bytes ending every answer, as one number (`0x9000`: done).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct StatusWord(pub u16);

impl StatusWord {
    /// `90 00`: the command was carried out.
    pub const OK: StatusWord = StatusWord(0x9000);
    /// `69 83`: authentication method blocked (the PIN's tries are used up).
    pub const AUTH_BLOCKED: StatusWord = StatusWord(0x6983);
    /// `69 84`: reference data not usable (a blocked or invalidated PIN on some cards).
    pub const REFERENCE_DATA_UNUSABLE: StatusWord = StatusWord(0x6984);
    /// `6A 82`: file or application not found (a SELECT of an AP the card does not have).
    pub const NOT_FOUND: StatusWord = StatusWord(0x6A82);

    /// Whether it is `90 00`.
    pub fn is_ok(self) -> bool {
        self == Self::OK
    }

    /// The tries a PIN has left, from `63 Cx` (x = 0–15; ISO/IEC 7816-4 §5.6 "counter");
    /// `None` for any other status.
    pub fn tries_left(self) -> Option<u8> {
        let [sw1, sw2] = self.0.to_be_bytes();
        (sw1 == 0x63 && sw2 & 0xF0 == 0xC0).then_some(sw2 & 0x0F)
    }

    /// Whether it says the PIN can no longer be tried: `69 83`, `69 84`, or `63 C0` (no
    /// tries left).
    pub fn pin_blocked(self) -> bool {
        self == Self::AUTH_BLOCKED
            || self == Self::REFERENCE_DATA_UNUSABLE
            || self.tries_left() == Some(0)
    }
}

impl std::fmt::Display for StatusWord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let [sw1, sw2] = self.0.to_be_bytes();
        write!(f, "{sw1:02X} {sw2:02X}")
    }
}

/// A card's answer: data, then SW1 SW2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Response<'a> {
    /// The bytes before the status word (empty for most commands).
    pub data: &'a [u8],
    /// The status word.
    pub status: StatusWord,
}

impl<'a> Response<'a> {
    /// Splits an answer; `None` if it is shorter than the two status bytes.
    pub fn parse(answer: &'a [u8]) -> Option<Response<'a>> {
        let split = answer.len().checked_sub(2)?;
        let (data, sw) = answer.split_at(split);
        Some(Response {
            data,
            status: StatusWord(u16::from_be_bytes([sw[0], sw[1]])),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_the_bytes_jpki_myna_sends() {
        assert_eq!(
            select_df(&TEXT_AP_AID),
            [
                0x00, 0xA4, 0x04, 0x0C, 0x0A, 0xD3, 0x92, 0x10, 0x00, 0x31, 0x00, 0x01, 0x01, 0x04,
                0x08
            ]
        );
        assert_eq!(
            select_ef(EF_BASIC_FOUR),
            [0x00, 0xA4, 0x02, 0x0C, 0x02, 0x00, 0x02]
        );
        assert_eq!(
            verify(b"1234"),
            [0x00, 0x20, 0x00, 0x80, 0x04, b'1', b'2', b'3', b'4']
        );
        assert_eq!(tries_left_query(), [0x00, 0x20, 0x00, 0x80]);
        assert_eq!(read_binary(0, 7), Some(vec![0x00, 0xB0, 0x00, 0x00, 0x07]));
        assert_eq!(
            read_binary(0x0107, 0xFF),
            Some(vec![0x00, 0xB0, 0x01, 0x07, 0xFF])
        );
    }

    #[test]
    fn read_binary_refuses_what_a_short_apdu_cannot_say() {
        assert_eq!(read_binary(0, 0), None);
        assert_eq!(read_binary(0, 256), None);
        assert_eq!(read_binary(0x8000, 1), None);
    }

    #[test]
    fn status_words_tell_tries_and_blocks() {
        assert_eq!(StatusWord(0x63C2).tries_left(), Some(2));
        assert_eq!(StatusWord(0x63C1).tries_left(), Some(1));
        assert!(!StatusWord(0x63C1).pin_blocked());
        assert!(StatusWord(0x63C0).pin_blocked());
        assert!(StatusWord(0x6983).pin_blocked());
        assert!(StatusWord(0x6984).pin_blocked());
        assert_eq!(StatusWord(0x6300).tries_left(), None);
        assert_eq!(StatusWord(0x9000).tries_left(), None);
        assert_eq!(StatusWord(0x6A82).to_string(), "6A 82");
    }

    #[test]
    fn answers_split_into_data_and_status() {
        let answer = [0xD0, 0x0C, 0x90, 0x00];
        let response = Response::parse(&answer).unwrap();
        assert_eq!(response.data, [0xD0, 0x0C]);
        assert!(response.status.is_ok());
        assert_eq!(Response::parse(&[0x90]), None);
        assert_eq!(Response::parse(&[]), None);
    }
}
