//! [`SimulatedCard`]: a マイナンバーカード that answers the 券面事項入力補助AP's APDUs as the
//! real card does (as far as the public sources tell: jpki/myna's `src/reader/dummy.rs` and
//! ISO/IEC 7816-4), for tests without a reader: the unit tests here, the fuzz target, and
//! the card bridge's tests, which put it behind a virtual PC/SC reader (vpcd).
//!
//! Built only in this crate's tests and with the `simulated-card` feature.
//!
//! ```
//! use device_webusb::my_number_card::simulated::{Holder, SimulatedCard};
//! use device_webusb::my_number_card::text_ap;
//!
//! let mut card = SimulatedCard::new(&Holder::example(), "1234");
//! let read = text_ap::read(&mut card, "1234").unwrap();
//! assert_eq!(read.persons[0]["person.my_number"], "123456789018");
//! ```

use super::apdu::{self, StatusWord};
use super::{CardTransport, TransportError};

/// Whose card it is, as the EFs hold it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// 個人番号, 12 digits.
    pub my_number: String,
    /// 氏名.
    pub name: String,
    /// 住所.
    pub address: String,
    /// 生年月日, `YYYYMMDD`.
    pub birth: String,
    /// 性別, ISO 5218 (`1`, `2`, `9`).
    pub sex: String,
}

impl Holder {
    /// A holder whose name has 外字 outside the BMP and a variant (𠮷 U+20BB7, 髙 U+9AD9).
    pub fn example() -> Holder {
        Holder {
            my_number: "123456789018".into(),
            name: "𠮷田　髙志".into(),
            address: "群馬県高崎市高松町35番地1".into(),
            birth: "19850412".into(),
            sex: "1".into(),
        }
    }

    /// EF `0001`: `D0 0C` + the digits.
    pub fn my_number_ef(&self) -> Vec<u8> {
        encode(0xD0, self.my_number.as_bytes())
    }

    /// EF `0002`: `FF 20` holding a `DF 21` header and `DF 22`…`DF 25`.
    pub fn basic_four_ef(&self) -> Vec<u8> {
        let mut items = encode(0xDF21, &[0x01, 0x02, 0x00, 0x00, 0x00, 0x00]);
        items.extend(encode(0xDF22, self.name.as_bytes()));
        items.extend(encode(0xDF23, self.address.as_bytes()));
        items.extend(encode(0xDF24, self.birth.as_bytes()));
        items.extend(encode(0xDF25, self.sex.as_bytes()));
        encode(0xFF20, &items)
    }
}

/// BER-TLV of `tag` (one or two bytes) and `value`, with the shortest length form.
pub fn encode(tag: u32, value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(value.len() + 5);
    if tag > 0xFF {
        out.extend_from_slice(&(tag as u16).to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    match value.len() {
        len @ 0..=0x7F => out.push(len as u8),
        len @ 0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        len => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
    }
    out.extend_from_slice(value);
    out
}

/// A card with the 券面事項入力補助AP, its PIN and its tries.
#[derive(Debug, Clone)]
pub struct SimulatedCard {
    /// Whether the card has the AP (`false`: some other card, SELECT answers `6A 82`).
    pub has_text_ap: bool,
    /// The PIN the card accepts.
    pub pin: String,
    /// Tries left (3 on a new card); at 0 VERIFY answers `69 83`.
    pub tries_left: u8,
    /// EF `0001`'s bytes.
    pub my_number_ef: Vec<u8>,
    /// EF `0002`'s bytes.
    pub basic_four_ef: Vec<u8>,
    /// Answers it gives before being taken out of the reader; `None`: stays in.
    pub removed_after: Option<usize>,
    answered: usize,
    ap_selected: bool,
    ef: Option<[u8; 2]>,
    verified: bool,
}

impl SimulatedCard {
    /// The card of `holder`, with `pin` and 3 tries.
    pub fn new(holder: &Holder, pin: &str) -> SimulatedCard {
        SimulatedCard {
            has_text_ap: true,
            pin: pin.into(),
            tries_left: 3,
            my_number_ef: holder.my_number_ef(),
            basic_four_ef: holder.basic_four_ef(),
            removed_after: None,
            answered: 0,
            ap_selected: false,
            ef: None,
            verified: false,
        }
    }

    /// Whether it has been taken out ([`SimulatedCard::removed_after`] answers given).
    pub fn removed(&self) -> bool {
        self.removed_after.is_some_and(|n| self.answered >= n)
    }

    /// Power off and on again (a reset, or the card taken out and put back): nothing stays
    /// selected or verified; the tries left stay, as on the chip.
    pub fn reset(&mut self) {
        self.ap_selected = false;
        self.ef = None;
        self.verified = false;
    }

    /// The answer to one command APDU (data + SW1 SW2).
    pub fn answer(&mut self, command: &[u8]) -> Vec<u8> {
        self.answered += 1;
        let sw = |status: StatusWord| status.0.to_be_bytes().to_vec();
        let [cla, ins, p1, p2, ..] = *command else {
            return sw(StatusWord(0x6700));
        };
        if cla != 0x00 {
            return sw(StatusWord(0x6E00));
        }
        let data = match command.get(4) {
            Some(&lc) if command.len() > 5 => command.get(5..5 + usize::from(lc)),
            _ => Some(&[][..]),
        };
        let Some(data) = data else {
            return sw(StatusWord(0x6700));
        };
        match (ins, p1, p2) {
            (0xA4, 0x04, 0x0C) => {
                self.reset();
                if self.has_text_ap && data == apdu::TEXT_AP_AID {
                    self.ap_selected = true;
                    sw(StatusWord::OK)
                } else {
                    sw(StatusWord::NOT_FOUND)
                }
            }
            (0xA4, 0x02, 0x0C) if self.ap_selected => match data {
                [0x00, 0x11] | [0x00, 0x01] | [0x00, 0x02] => {
                    self.ef = Some([data[0], data[1]]);
                    sw(StatusWord::OK)
                }
                _ => sw(StatusWord::NOT_FOUND),
            },
            (0x20, 0x00, 0x80) if self.ef == Some(apdu::EF_PIN) => {
                if self.tries_left == 0 {
                    sw(StatusWord::AUTH_BLOCKED)
                } else if data.is_empty() {
                    sw(StatusWord(0x63C0 | u16::from(self.tries_left)))
                } else if data == self.pin.as_bytes() {
                    self.tries_left = 3;
                    self.verified = true;
                    sw(StatusWord::OK)
                } else {
                    self.tries_left -= 1;
                    sw(StatusWord(0x63C0 | u16::from(self.tries_left)))
                }
            }
            (0xB0, _, _) if p1 & 0x80 == 0 => {
                let file = match self.ef {
                    Some(apdu::EF_MY_NUMBER) => &self.my_number_ef,
                    Some(apdu::EF_BASIC_FOUR) => &self.basic_four_ef,
                    _ => return sw(StatusWord(0x6986)),
                };
                if !self.verified {
                    return sw(StatusWord(0x6982));
                }
                let offset = usize::from(u16::from_be_bytes([p1, p2]));
                let le = match command.get(4) {
                    Some(0) | None => 256,
                    Some(&n) => usize::from(n),
                };
                if offset > file.len() {
                    return sw(StatusWord(0x6B00));
                }
                let mut out = file[offset..(offset + le).min(file.len())].to_vec();
                out.extend(sw(StatusWord::OK));
                out
            }
            (0xA4 | 0x20 | 0xB0, _, _) => sw(StatusWord(0x6986)),
            _ => sw(StatusWord(0x6D00)),
        }
    }
}

impl CardTransport for SimulatedCard {
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
        if self.removed() {
            return Err(TransportError::NoCard);
        }
        Ok(self.answer(command))
    }
}
