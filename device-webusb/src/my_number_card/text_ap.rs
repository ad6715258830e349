//! The read of the 券面事項入力補助AP: SELECT AP → SELECT EF `0011` → VERIFY the 4-digit
//! PIN → SELECT EF `0001`, READ BINARY (個人番号) → SELECT EF `0002`, READ BINARY
//! (基本4情報), over any [`CardTransport`], giving a [`DocumentRead`] of the card's holder.
//!
//! The order and the EF contents follow jpki/myna (`src/text.rs` `mynumber`/`attrs`,
//! `libmyna/text_ap.go` `TextAttrs`); each EF is read as jpki/myna's `read_binary_all` does:
//! 7 bytes first, whose TLV header says how many more to read. The 4情報's children are
//! found by tag (`DF 22` 氏名, `DF 23` 住所, `DF 24` 生年月日 `YYYYMMDD`, `DF 25` 性別 as ISO
//! 5218), not by position; `DF 21` (a header of the AP's own) is skipped.

use std::collections::BTreeMap;

use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};
use zeroize::Zeroize;

use super::apdu::{self, Response, StatusWord};
use super::tlv;
use super::{CardError, CardTransport};

/// EF `0001`'s tag: private primitive 16 (`D0`).
const TAG_MY_NUMBER: u32 = 0xD0;
/// EF `0002`'s template: private constructed 32 (`FF 20`).
const TAG_BASIC_FOUR: u32 = 0xFF20;
/// 氏名 (UTF-8).
const TAG_NAME: u32 = 0xDF22;
/// 住所 (UTF-8).
const TAG_ADDRESS: u32 = 0xDF23;
/// 生年月日, 8 ASCII digits `YYYYMMDD` (西暦).
const TAG_BIRTH_DATE: u32 = 0xDF24;
/// 性別, one ASCII digit (ISO 5218).
const TAG_SEX: u32 = 0xDF25;
/// Bytes read first from an EF: enough for any header this AP writes (tag 2 + length 3).
const FIRST_READ: u16 = 7;
/// The largest EF the read accepts. The 4情報 of the longest 住所 fit in well under 1 KiB;
/// a header claiming more is not this AP's.
const MAX_EF_LEN: usize = 4096;

/// 性別 as ISO 5218 codes it on the card.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sex {
    /// `1`.
    Male,
    /// `2`.
    Female,
    /// `0` (not known) or `9` (not applicable): nothing to fill.
    NotStated,
}

impl Sex {
    /// The `person.sex` choice id (`male` / `female`); `None` when not stated.
    pub fn choice_id(self) -> Option<&'static str> {
        match self {
            Sex::Male => Some("male"),
            Sex::Female => Some("female"),
            Sex::NotStated => None,
        }
    }
}

/// EF `0002`'s 基本4情報, decoded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BasicFour {
    /// 氏名, as the card writes it (UTF-8; 外字 the card holds as Unicode stay so, e.g. 𠮷).
    pub name: String,
    /// 住所, as the card writes it.
    pub address: String,
    /// 生年月日, `YYYY-MM-DD`.
    pub birth_date: String,
    /// 性別.
    pub sex: Sex,
}

/// Decodes EF `0001`: `D0 0C` + the 12 ASCII digits of the 個人番号, whose check digit must
/// hold (個人番号の生成に関する省令 第5条). Bytes after the TLV (a padded EF) are ignored.
///
/// Errors: [`CardError::Malformed`] naming what is wrong.
pub fn decode_my_number(ef: &[u8]) -> Result<String, CardError> {
    let (tlv, _padding) = tlv::parse(ef).map_err(|e| CardError::malformed("EF 0001", e))?;
    if tlv.tag != TAG_MY_NUMBER {
        return Err(CardError::Malformed {
            what: format!("EF 0001 starts with tag {:X}, not D0", tlv.tag),
        });
    }
    let text = std::str::from_utf8(tlv.value)
        .ok()
        .filter(|t| t.len() == 12 && t.bytes().all(|b| b.is_ascii_digit()))
        .ok_or_else(|| CardError::Malformed {
            what: "the 個人番号 in EF 0001 is not 12 digits".into(),
        })?;
    shared_model::validate::check_my_number(text).map_err(|_| CardError::Malformed {
        what: "the 個人番号 in EF 0001 fails its check digit".into(),
    })?;
    Ok(text.to_owned())
}

/// Decodes EF `0002`: template `FF 20` with `DF 22` 氏名, `DF 23` 住所, `DF 24` 生年月日 and
/// `DF 25` 性別 in any order (others, such as the `DF 21` header, skipped). Bytes after the
/// template are ignored.
///
/// Errors: [`CardError::Malformed`] naming the part: not BER-TLV, another template, a child
/// missing or twice, text not UTF-8 or empty, a date not 8 digits, a sex not `0`/`1`/`2`/`9`.
pub fn decode_basic_four(ef: &[u8]) -> Result<BasicFour, CardError> {
    let (template, _padding) = tlv::parse(ef).map_err(|e| CardError::malformed("EF 0002", e))?;
    if template.tag != TAG_BASIC_FOUR {
        return Err(CardError::Malformed {
            what: format!("EF 0002 starts with tag {:X}, not FF20", template.tag),
        });
    }
    let children =
        tlv::parse_all(template.value).map_err(|e| CardError::malformed("EF 0002's items", e))?;
    let child = |tag: u32, what: &str| -> Result<&[u8], CardError> {
        let mut found = children.iter().filter(|c| c.tag == tag);
        match (found.next(), found.next()) {
            (Some(one), None) => Ok(one.value),
            (None, _) => Err(CardError::Malformed {
                what: format!("EF 0002 has no {what} ({tag:X})"),
            }),
            (Some(_), Some(_)) => Err(CardError::Malformed {
                what: format!("EF 0002 has {what} ({tag:X}) twice"),
            }),
        }
    };
    let text = |tag: u32, what: &str| -> Result<String, CardError> {
        std::str::from_utf8(child(tag, what)?)
            .ok()
            .filter(|t| !t.trim().is_empty())
            .map(str::to_owned)
            .ok_or_else(|| CardError::Malformed {
                what: format!("the {what} in EF 0002 is empty or not UTF-8"),
            })
    };
    let name = text(TAG_NAME, "氏名")?;
    let address = text(TAG_ADDRESS, "住所")?;
    let birth = child(TAG_BIRTH_DATE, "生年月日")?;
    if birth.len() != 8 || !birth.iter().all(u8::is_ascii_digit) {
        return Err(CardError::Malformed {
            what: "the 生年月日 in EF 0002 is not 8 digits (YYYYMMDD)".into(),
        });
    }
    let birth = std::str::from_utf8(birth).expect("ASCII digits");
    let birth_date = format!("{}-{}-{}", &birth[..4], &birth[4..6], &birth[6..]);
    let sex = match child(TAG_SEX, "性別")? {
        b"1" => Sex::Male,
        b"2" => Sex::Female,
        b"0" | b"9" => Sex::NotStated,
        _ => {
            return Err(CardError::Malformed {
                what: "the 性別 in EF 0002 is not an ISO 5218 code (0, 1, 2, 9)".into(),
            });
        }
    };
    Ok(BasicFour {
        name,
        address,
        birth_date,
        sex,
    })
}

/// The canonical items of a card's holder: `person.name`, `person.birth_date`,
/// `person.sex` (when stated), `person.my_number` of one person, and `household.address`.
pub fn document_read(my_number: &str, four: &BasicFour) -> DocumentRead {
    let mut read = DocumentRead::new(DocumentKind::MyNumberCard, ReadPath::Chip);
    let mut person = BTreeMap::new();
    person.insert("person.name".to_owned(), four.name.clone());
    person.insert("person.birth_date".to_owned(), four.birth_date.clone());
    if let Some(sex) = four.sex.choice_id() {
        person.insert("person.sex".to_owned(), sex.to_owned());
    }
    person.insert("person.my_number".to_owned(), my_number.to_owned());
    read.persons.push(person);
    read.items
        .insert("household.address".to_owned(), four.address.clone());
    read
}

/// Whether `pin` has the 券面事項入力補助用暗証番号's form: exactly 4 ASCII digits.
pub fn pin_well_formed(pin: &str) -> bool {
    pin.len() == 4 && pin.bytes().all(|b| b.is_ascii_digit())
}

/// Reads the card in the reader behind `transport` with the holder's 4-digit `pin`.
///
/// The PIN's form is checked before any APDU is sent, so a mistyped PIN costs no try. The
/// PIN leaves this function only inside the VERIFY command, whose buffer is zeroized once
/// sent.
///
/// Errors: [`CardError::PinFormat`] (not 4 digits), [`CardError::NotAMyNumberCard`] (the
/// card has no 券面事項入力補助AP), [`CardError::WrongPin`] with the tries left,
/// [`CardError::PinBlocked`], [`CardError::NoCard`] / [`CardError::NoReader`] /
/// [`CardError::Reader`] from the transport (a card taken out mid-read gives `NoCard`),
/// [`CardError::Status`] for any other refusal, [`CardError::Malformed`] for EFs that do not
/// decode.
pub fn read(transport: &mut dyn CardTransport, pin: &str) -> Result<DocumentRead, CardError> {
    if !pin_well_formed(pin) {
        return Err(CardError::PinFormat);
    }
    let selected = send(transport, &apdu::select_df(&apdu::TEXT_AP_AID))?;
    if !selected.is_ok() {
        return Err(CardError::NotAMyNumberCard { status: selected });
    }
    select_ef(transport, apdu::EF_PIN, "SELECT EF 0011")?;
    let mut verify = apdu::verify(pin.as_bytes());
    let answer = transport.transmit(&verify);
    verify.zeroize();
    let status = status_of(answer?)?;
    if !status.is_ok() {
        return Err(if status.pin_blocked() {
            CardError::PinBlocked
        } else if let Some(remaining) = status.tries_left() {
            CardError::WrongPin { remaining }
        } else {
            CardError::Status {
                step: "VERIFY",
                status,
            }
        });
    }
    select_ef(transport, apdu::EF_MY_NUMBER, "SELECT EF 0001")?;
    let my_number = decode_my_number(&read_ef(transport, "EF 0001")?)?;
    select_ef(transport, apdu::EF_BASIC_FOUR, "SELECT EF 0002")?;
    let four = decode_basic_four(&read_ef(transport, "EF 0002")?)?;
    Ok(document_read(&my_number, &four))
}

/// Sends `command`; the status word of the answer.
fn send(transport: &mut dyn CardTransport, command: &[u8]) -> Result<StatusWord, CardError> {
    status_of(transport.transmit(command)?)
}

fn status_of(answer: Vec<u8>) -> Result<StatusWord, CardError> {
    Response::parse(&answer)
        .map(|r| r.status)
        .ok_or_else(|| CardError::Malformed {
            what: "an answer shorter than its status word".into(),
        })
}

fn select_ef(
    transport: &mut dyn CardTransport,
    fid: [u8; 2],
    step: &'static str,
) -> Result<(), CardError> {
    let status = send(transport, &apdu::select_ef(fid))?;
    if status.is_ok() {
        Ok(())
    } else {
        Err(CardError::Status { step, status })
    }
}

/// Reads the selected EF whole: [`FIRST_READ`] bytes, then as many more as their TLV header
/// says, at most [`apdu::MAX_READ`] per READ BINARY.
fn read_ef(transport: &mut dyn CardTransport, ef: &'static str) -> Result<Vec<u8>, CardError> {
    let mut bytes = read_binary(transport, 0, FIRST_READ, ef)?;
    let total = tlv::header(&bytes)
        .map_err(|e| CardError::malformed(ef, e))?
        .total_len();
    if total > MAX_EF_LEN {
        return Err(CardError::Malformed {
            what: format!("{ef} claims {total} bytes, more than this AP holds"),
        });
    }
    while bytes.len() < total {
        let want = (total - bytes.len()).min(usize::from(apdu::MAX_READ)) as u16;
        let chunk = read_binary(transport, bytes.len() as u16, want, ef)?;
        if chunk.is_empty() {
            return Err(CardError::Malformed {
                what: format!("{ef} ends before its TLV does"),
            });
        }
        bytes.extend_from_slice(&chunk);
    }
    bytes.truncate(total);
    Ok(bytes)
}

fn read_binary(
    transport: &mut dyn CardTransport,
    offset: u16,
    length: u16,
    ef: &'static str,
) -> Result<Vec<u8>, CardError> {
    let command = apdu::read_binary(offset, length).ok_or_else(|| CardError::Malformed {
        what: format!("{ef} would need a READ BINARY past offset {offset}"),
    })?;
    let answer = transport.transmit(&command)?;
    let response = Response::parse(&answer).ok_or_else(|| CardError::Malformed {
        what: "an answer shorter than its status word".into(),
    })?;
    if !response.status.is_ok() {
        return Err(CardError::Status {
            step: "READ BINARY",
            status: response.status,
        });
    }
    if response.data.len() > usize::from(length) {
        return Err(CardError::Malformed {
            what: format!("{ef}: READ BINARY gave more bytes than asked for"),
        });
    }
    Ok(response.data.to_vec())
}

#[cfg(test)]
mod tests {
    use super::super::TransportError;
    use super::super::simulated::{Holder, SimulatedCard, encode};
    use super::*;

    /// A transport that records what was sent to the card in it.
    struct Recording {
        card: SimulatedCard,
        sent: Vec<Vec<u8>>,
    }

    impl CardTransport for Recording {
        fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError> {
            self.sent.push(command.to_vec());
            self.card.transmit(command)
        }
    }

    fn card() -> SimulatedCard {
        SimulatedCard::new(&Holder::example(), "4821")
    }

    #[test]
    fn the_right_pin_reads_the_four_items_and_the_my_number() {
        let read = read(&mut card(), "4821").unwrap();
        assert_eq!(read.source(), "my_number_card/chip");
        assert_eq!(read.persons.len(), 1);
        let person = &read.persons[0];
        assert_eq!(person["person.name"], "𠮷田　髙志");
        assert_eq!(person["person.birth_date"], "1985-04-12");
        assert_eq!(person["person.sex"], "male");
        assert_eq!(person["person.my_number"], "123456789018");
        assert_eq!(read.items["household.address"], "群馬県高崎市高松町35番地1");
        assert_eq!(read.item_count(), 5);
    }

    #[test]
    fn the_apdus_are_sent_in_the_aps_order() {
        let mut transport = Recording {
            card: card(),
            sent: Vec::new(),
        };
        read(&mut transport, "4821").unwrap();
        let four_len = Holder::example().basic_four_ef().len();
        let mut expected = vec![
            apdu::select_df(&apdu::TEXT_AP_AID),
            apdu::select_ef(apdu::EF_PIN),
            apdu::verify(b"4821"),
            apdu::select_ef(apdu::EF_MY_NUMBER),
            apdu::read_binary(0, 7).unwrap(),
            apdu::read_binary(7, 14 - 7).unwrap(),
            apdu::select_ef(apdu::EF_BASIC_FOUR),
            apdu::read_binary(0, 7).unwrap(),
        ];
        expected.push(apdu::read_binary(7, four_len as u16 - 7).unwrap());
        assert_eq!(transport.sent, expected);
    }

    #[test]
    fn a_pin_not_of_four_digits_sends_nothing() {
        for pin in ["", "482", "48210", "48a1", "４８２１", " 4821", "482\u{0}"] {
            let mut transport = Recording {
                card: card(),
                sent: Vec::new(),
            };
            assert_eq!(
                read(&mut transport, pin),
                Err(CardError::PinFormat),
                "{pin:?}"
            );
            assert!(transport.sent.is_empty(), "{pin:?} reached the card");
        }
    }

    #[test]
    fn wrong_pins_count_down_then_block() {
        let mut card = card();
        assert_eq!(
            read(&mut card, "0000"),
            Err(CardError::WrongPin { remaining: 2 })
        );
        assert_eq!(
            read(&mut card, "1111"),
            Err(CardError::WrongPin { remaining: 1 })
        );
        // The third wrong try: `63 C0`.
        assert_eq!(read(&mut card, "2222"), Err(CardError::PinBlocked));
        // Blocked: `69 83`, even for the right PIN.
        assert_eq!(read(&mut card, "4821"), Err(CardError::PinBlocked));
        assert_eq!(card.tries_left, 0);
    }

    #[test]
    fn the_right_pin_after_a_wrong_one_reads_and_restores_the_tries() {
        let mut card = card();
        assert_eq!(
            read(&mut card, "0000"),
            Err(CardError::WrongPin { remaining: 2 })
        );
        assert!(read(&mut card, "4821").is_ok());
        assert_eq!(card.tries_left, 3);
    }

    #[test]
    fn another_card_is_not_a_my_number_card() {
        let mut card = card();
        card.has_text_ap = false;
        assert_eq!(
            read(&mut card, "4821"),
            Err(CardError::NotAMyNumberCard {
                status: StatusWord(0x6A82)
            })
        );
    }

    #[test]
    fn a_card_taken_out_at_any_step_reads_as_no_card() {
        // 0: before SELECT; 3: after VERIFY; 7: during EF 0002.
        for answers in 0..9 {
            let mut card = card();
            card.removed_after = Some(answers);
            assert_eq!(read(&mut card, "4821"), Err(CardError::NoCard), "{answers}");
        }
    }

    #[test]
    fn a_long_address_takes_two_length_bytes_and_several_reads() {
        let mut holder = Holder::example();
        holder.address = format!("群馬県高崎市{}", "一丁目".repeat(60));
        holder.sex = "2".into();
        let ef = holder.basic_four_ef();
        assert_eq!(&ef[..3], [0xFF, 0x20, 0x82]);
        assert!(ef.len() > 2 * 0xFF);
        let mut transport = Recording {
            card: SimulatedCard::new(&holder, "4821"),
            sent: Vec::new(),
        };
        let read = read(&mut transport, "4821").unwrap();
        assert_eq!(read.items["household.address"], holder.address);
        assert_eq!(read.persons[0]["person.sex"], "female");
        let reads = transport.sent.iter().filter(|c| c[1] == 0xB0).count();
        assert_eq!(reads, 2 + 1 + (ef.len() - 7).div_ceil(0xFF));
    }

    #[test]
    fn sex_not_stated_fills_nothing() {
        for code in ["9", "0"] {
            let mut holder = Holder::example();
            holder.sex = code.into();
            let read = read(&mut SimulatedCard::new(&holder, "4821"), "4821").unwrap();
            assert!(!read.persons[0].contains_key("person.sex"), "{code}");
            assert_eq!(read.item_count(), 4);
        }
    }

    #[test]
    fn a_padded_my_number_ef_reads() {
        let mut ef = encode(0xD0, b"123456789018");
        ef.extend_from_slice(&[0xFF; 3]);
        assert_eq!(decode_my_number(&ef).unwrap(), "123456789018");
    }

    #[test]
    fn ef_contents_that_do_not_decode_say_where() {
        fn malformed<T: std::fmt::Debug>(result: Result<T, CardError>) -> String {
            match result {
                Err(CardError::Malformed { what }) => what,
                other => panic!("not Malformed: {other:?}"),
            }
        }
        assert!(
            malformed(decode_my_number(&encode(0xD0, b"123456789012"))).contains("check digit")
        );
        assert!(malformed(decode_my_number(&encode(0xD0, b"12345678901"))).contains("12 digits"));
        assert!(malformed(decode_my_number(&encode(0xD1, b"123456789018"))).contains("tag D1"));
        assert!(malformed(decode_my_number(&[0xD0, 0x0C, b'1'])).contains("cut short"));

        let four = |children: &[(u32, &[u8])]| {
            let items: Vec<u8> = children.iter().flat_map(|(t, v)| encode(*t, v)).collect();
            decode_basic_four(&encode(0xFF20, &items))
        };
        let good: [(u32, &[u8]); 4] = [
            (0xDF22, "高崎　花子".as_bytes()),
            (0xDF23, "群馬県高崎市".as_bytes()),
            (0xDF24, b"20000229"),
            (0xDF25, b"2"),
        ];
        let decoded = four(&good).unwrap();
        assert_eq!(decoded.birth_date, "2000-02-29");
        assert_eq!(decoded.sex, Sex::Female);
        // Children found by tag, in any order.
        let mut reordered = good;
        reordered.reverse();
        assert_eq!(four(&reordered).unwrap(), decoded);

        assert!(malformed(four(&good[..3])).contains("性別"));
        let mut twice = good.to_vec();
        twice.push((0xDF22, "別名".as_bytes()));
        assert!(malformed(four(&twice)).contains("twice"));
        let mut bad = good;
        bad[0].1 = &[0xE9, 0xAB]; // half a 髙
        assert!(malformed(four(&bad)).contains("氏名"));
        let mut bad = good;
        bad[2].1 = b"2000-2-29";
        assert!(malformed(four(&bad)).contains("生年月日"));
        let mut bad = good;
        bad[3].1 = b"M";
        assert!(malformed(four(&bad)).contains("ISO 5218"));
        assert!(malformed(decode_basic_four(&encode(0xFF21, &[]))).contains("FF21"));
        assert!(malformed(decode_basic_four(&[0xFF, 0x20, 0x80])).contains("EF 0002"));
    }

    #[test]
    fn an_ef_claiming_more_than_the_ap_holds_is_refused() {
        let mut card = card();
        card.basic_four_ef = vec![0xFF, 0x20, 0x82, 0xFF, 0xFF, 0xDF, 0x21];
        let what = match read(&mut card, "4821") {
            Err(CardError::Malformed { what }) => what,
            other => panic!("{other:?}"),
        };
        assert!(what.contains("EF 0002 claims 65540 bytes"), "{what}");
    }

    #[test]
    fn an_ef_shorter_than_its_header_is_refused() {
        let mut card = card();
        card.my_number_ef.truncate(10);
        assert!(matches!(
            read(&mut card, "4821"),
            Err(CardError::Malformed { what }) if what.contains("ends before")
        ));
    }
}
