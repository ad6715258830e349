//! BER-TLV as the 券面事項入力補助AP's EFs hold it (ISO/IEC 7816-4 §5.2, ISO/IEC 8825-1
//! §8.1): tags of one byte (`D0`) or more (`FF 20`, `DF 22`: low five bits all set, then
//! bytes while their top bit is set), definite lengths short (`00`–`7F`) or long with one
//! or two length bytes (`81 xx`, `82 xx xx`). Indefinite (`80`) and longer lengths do not
//! occur in these EFs and are refused, so a length can never exceed 65,535.
//!
//! Own code rather than a crate: the read needs the size of a TLV from its first bytes
//! alone ([`header`], to know how much more to READ BINARY, as jpki/myna's
//! `read_binary_all` does with its own `ber.rs`), and borrowed values without allocation;
//! `iso7816-tlv` parses only whole TLVs into owned values.
//!
//! ```
//! use device_webusb::my_number_card::tlv;
//!
//! let (tlv, rest) = tlv::parse(&[0xDF, 0x25, 0x01, b'2', 0xAA]).unwrap();
//! assert_eq!((tlv.tag, tlv.value), (0xDF25, &b"2"[..]));
//! assert_eq!(rest, [0xAA]);
//! ```

/// The most tag bytes accepted (the AP's tags have at most two; three still fit a `u32`).
const MAX_TAG_BYTES: usize = 3;

/// What is wrong with bytes that should be BER-TLV.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The bytes end before the TLV does; `needed` more would complete the part read so far
    /// (at least 1).
    #[error("the TLV is cut short ({needed} more bytes needed)")]
    Truncated {
        /// How many more bytes the part read so far needs.
        needed: usize,
    },
    /// A tag of more than three bytes.
    #[error("a TLV tag longer than {MAX_TAG_BYTES} bytes")]
    TagTooLong,
    /// A length form these EFs never use: indefinite (`80`) or of three or more bytes
    /// (`83`…`FF`).
    #[error("unsupported TLV length byte {0:#04X} (only short, 81 and 82 lengths)")]
    UnsupportedLength(u8),
}

/// A TLV's tag and length, read from its first bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The tag bytes as a number, big-endian (`FF 20` → `0xFF20`).
    pub tag: u32,
    /// How many bytes tag and length take.
    pub header_len: usize,
    /// How many bytes the value takes.
    pub value_len: usize,
}

impl Header {
    /// The whole TLV's size in bytes.
    pub fn total_len(&self) -> usize {
        self.header_len + self.value_len
    }
}

/// One TLV, its value borrowed from the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes as a number (`D0`, `0xFF20`, `0xDF22`, …).
    pub tag: u32,
    /// The value bytes (for a constructed tag, the children's TLVs).
    pub value: &'a [u8],
}

/// Reads the tag and length at the start of `input` (the value need not be there yet).
pub fn header(input: &[u8]) -> Result<Header, TlvError> {
    let first = *input.first().ok_or(TlvError::Truncated { needed: 1 })?;
    let mut tag = u32::from(first);
    let mut at = 1;
    if first & 0x1F == 0x1F {
        loop {
            let byte = *input.get(at).ok_or(TlvError::Truncated { needed: 1 })?;
            at += 1;
            if at > MAX_TAG_BYTES {
                return Err(TlvError::TagTooLong);
            }
            tag = tag << 8 | u32::from(byte);
            if byte & 0x80 == 0 {
                break;
            }
        }
    }
    let length = *input.get(at).ok_or(TlvError::Truncated { needed: 1 })?;
    at += 1;
    let value_len = match length {
        0x00..=0x7F => usize::from(length),
        0x81 | 0x82 => {
            let count = usize::from(length & 0x7F);
            let bytes = input
                .get(at..at + count)
                .ok_or_else(|| TlvError::Truncated {
                    needed: at + count - input.len(),
                })?;
            at += count;
            bytes
                .iter()
                .fold(0usize, |len, &byte| len << 8 | usize::from(byte))
        }
        other => return Err(TlvError::UnsupportedLength(other)),
    };
    Ok(Header {
        tag,
        header_len: at,
        value_len,
    })
}

/// Reads one TLV from the start of `input`; gives it and the bytes after it.
pub fn parse(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let header = header(input)?;
    let total = header.total_len();
    if input.len() < total {
        return Err(TlvError::Truncated {
            needed: total - input.len(),
        });
    }
    let (whole, rest) = input.split_at(total);
    Ok((
        Tlv {
            tag: header.tag,
            value: &whole[header.header_len..],
        },
        rest,
    ))
}

/// Reads `input` as a sequence of TLVs to its end (a constructed TLV's value).
pub fn parse_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut all = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse(input)?;
        all.push(tlv);
        input = rest;
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_byte_tag_short_length() {
        let mut bytes = vec![0xD0, 0x0C];
        bytes.extend_from_slice(b"123456789018");
        let (tlv, rest) = parse(&bytes).unwrap();
        assert_eq!(tlv.tag, 0xD0);
        assert_eq!(tlv.value, b"123456789018");
        assert!(rest.is_empty());
    }

    #[test]
    fn two_byte_tags_and_long_lengths() {
        // FF 20 81 85: a template of 133 bytes (81 = one length byte follows).
        let mut bytes = vec![0xFF, 0x20, 0x81, 0x85];
        bytes.resize(4 + 0x85, 0);
        let (tlv, rest) = parse(&bytes).unwrap();
        assert_eq!((tlv.tag, tlv.value.len()), (0xFF20, 0x85));
        assert!(rest.is_empty());
        // FF 20 82 01 10: 272 bytes (82 = two length bytes follow).
        let header = header(&[0xFF, 0x20, 0x82, 0x01, 0x10]).unwrap();
        assert_eq!(
            header,
            Header {
                tag: 0xFF20,
                header_len: 5,
                value_len: 0x110
            }
        );
        assert_eq!(header.total_len(), 277);
    }

    #[test]
    fn the_header_alone_tells_the_size_of_the_whole() {
        // The first 7 bytes of EF 0002, as the read asks for them first.
        let start = [0xFF, 0x20, 0x81, 0xA0, 0xDF, 0x21, 0x08];
        assert_eq!(header(&start).unwrap().total_len(), 4 + 0xA0);
        assert_eq!(
            parse(&start),
            Err(TlvError::Truncated {
                needed: 4 + 0xA0 - 7
            })
        );
    }

    #[test]
    fn cut_short_anywhere_says_so() {
        assert_eq!(header(&[]), Err(TlvError::Truncated { needed: 1 }));
        assert_eq!(header(&[0xDF]), Err(TlvError::Truncated { needed: 1 }));
        assert_eq!(
            header(&[0xDF, 0x22]),
            Err(TlvError::Truncated { needed: 1 })
        );
        assert_eq!(
            header(&[0xFF, 0x20, 0x82, 0x01]),
            Err(TlvError::Truncated { needed: 1 })
        );
        assert_eq!(
            parse(&[0xDF, 0x22, 0x03, b'a']),
            Err(TlvError::Truncated { needed: 2 })
        );
    }

    #[test]
    fn refuses_forms_the_card_never_uses() {
        assert_eq!(
            header(&[0xFF, 0x20, 0x80]),
            Err(TlvError::UnsupportedLength(0x80))
        );
        assert_eq!(
            header(&[0xFF, 0x20, 0x83, 0, 0, 1]),
            Err(TlvError::UnsupportedLength(0x83))
        );
        assert_eq!(
            header(&[0x1F, 0x81, 0x82, 0x03, 0x00]),
            Err(TlvError::TagTooLong)
        );
    }

    #[test]
    fn a_sequence_parses_to_its_end() {
        let bytes = [0xDF, 0x24, 0x01, b'1', 0xDF, 0x25, 0x00];
        let all = parse_all(&bytes).unwrap();
        assert_eq!(all.len(), 2);
        assert_eq!((all[1].tag, all[1].value), (0xDF25, &[][..]));
        assert_eq!(
            parse_all(&[0xDF, 0x24, 0x01, b'1', 0xDF]),
            Err(TlvError::Truncated { needed: 1 })
        );
    }
}
