//! The マイナンバーカード's 券面事項入力補助AP (the card's text AP): 氏名, 住所, 生年月日, 性別
//! and 個人番号 after the holder's 4-digit 券面事項入力補助用暗証番号, read over any
//! [`CardTransport`] — in production the local card bridge's PC/SC reader, in tests a
//! simulated card.
//!
//! - [`apdu`]: the command bytes and status words;
//! - [`tlv`]: the BER-TLV the EFs hold;
//! - [`text_ap`]: the read itself ([`text_ap::read`]), giving a
//!   [`shared_model::document_read::DocumentRead`] (`my_number_card/chip`);
//! - [`bridge`]: the JSON the counter app and the local card bridge exchange;
//! - `simulated` (feature `simulated-card`, and in this crate's tests): a card that answers
//!   like the AP, for tests without hardware.
//!
//! Facts from jpki/myna (MIT; `src/text.rs`, `src/reader.rs`, `libmyna/text_ap.go`) and
//! ISO/IEC 7816-4; see `shared/reference/domain.md` §5.
//!
//! ```
//! use device_webusb::my_number_card::{CardError, CardTransport, TransportError, text_ap};
//!
//! struct NoCardInReader;
//! impl CardTransport for NoCardInReader {
//!     fn transmit(&mut self, _command: &[u8]) -> Result<Vec<u8>, TransportError> {
//!         Err(TransportError::NoCard)
//!     }
//! }
//! // A mistyped PIN is refused before the card is asked anything.
//! assert_eq!(text_ap::read(&mut NoCardInReader, "12a4"), Err(CardError::PinFormat));
//! assert_eq!(text_ap::read(&mut NoCardInReader, "1234"), Err(CardError::NoCard));
//! ```

pub mod apdu;
pub mod bridge;
#[cfg(any(test, feature = "simulated-card"))]
pub mod simulated;
pub mod text_ap;
pub mod tlv;

use apdu::StatusWord;

/// A way to send command APDUs to a card and get its answers (data + SW1 SW2).
pub trait CardTransport {
    /// Sends one command APDU; the card's whole answer, status word last.
    ///
    /// Errors: [`TransportError`] when the reader or card cannot be reached.
    fn transmit(&mut self, command: &[u8]) -> Result<Vec<u8>, TransportError>;
}

/// Why a command did not reach the card or its answer did not come back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TransportError {
    /// No card reader is connected.
    #[error("no card reader is connected")]
    NoReader,
    /// No card is in the reader, or it was taken out.
    #[error("no card is in the reader (or it was taken out)")]
    NoCard,
    /// The reader or its driver failed otherwise (the driver's message).
    #[error("the card reader failed: {0}")]
    Reader(String),
}

/// Why a マイナンバーカード read gave nothing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CardError {
    /// The PIN typed is not 4 digits (checked before the card is asked, so no try is used).
    #[error("the 券面事項入力補助用暗証番号 is 4 digits")]
    PinFormat,
    /// The card refused the PIN (`63 Cx`); `remaining` tries are left before it blocks.
    #[error("wrong PIN: {remaining} tries left before it is blocked")]
    WrongPin {
        /// Tries left (1 or 2 on a card that allows 3).
        remaining: u8,
    },
    /// The PIN has no tries left (`69 83`, `69 84` or `63 C0`): it must be reset at the
    /// counter (暗証番号再設定).
    #[error("the PIN is blocked; it must be reset (暗証番号再設定)")]
    PinBlocked,
    /// No card in the reader, or it was taken out during the read.
    #[error("no card in the reader, or it was taken out during the read")]
    NoCard,
    /// No card reader is connected.
    #[error("no card reader is connected")]
    NoReader,
    /// The reader failed otherwise (its driver's message).
    #[error("the card reader failed: {0}")]
    Reader(String),
    /// The card has no 券面事項入力補助AP (SELECT refused with `status`): another card.
    #[error("not a マイナンバーカード (SELECT of the 券面事項入力補助AP gave {status})")]
    NotAMyNumberCard {
        /// The SELECT's status word.
        status: StatusWord,
    },
    /// The card refused a step of the read with `status`.
    #[error("the card refused {step} with {status}")]
    Status {
        /// The command (`SELECT EF 0001`, `READ BINARY`, …).
        step: &'static str,
        /// Its status word.
        status: StatusWord,
    },
    /// What the card gave does not decode; `what` names the part.
    #[error("the card's data does not decode: {what}")]
    Malformed {
        /// What is wrong, and where (never the values).
        what: String,
    },
}

impl CardError {
    fn malformed(part: &str, error: tlv::TlvError) -> CardError {
        CardError::Malformed {
            what: format!("{part}: {error}"),
        }
    }
}

impl From<TransportError> for CardError {
    fn from(error: TransportError) -> CardError {
        match error {
            TransportError::NoReader => CardError::NoReader,
            TransportError::NoCard => CardError::NoCard,
            TransportError::Reader(message) => CardError::Reader(message),
        }
    }
}
