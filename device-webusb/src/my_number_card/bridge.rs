//! What the counter app and the local card bridge (`device-webusb/card-bridge`) say to each
//! other over HTTP on `127.0.0.1`, as JSON: one set of types for both ends.
//!
//! | call | body | answer |
//! |---|---|---|
//! | `POST /pair` | [`PairRequest`] | [`PairAnswer`], or [`BridgeError`] `wrong_code` (with `remaining`), `pairing_locked`, `code_spent` |
//! | `GET /status` | — | [`BridgeStatus`] |
//! | `POST /read` | [`ReadRequest`] | [`ReadAnswer`], or [`BridgeError`] from [`CardError`] |
//!
//! Every call but `/pair` carries `Authorization: Bearer <token>` ([`PairAnswer::token`]);
//! without it the bridge answers `unauthorized`. A page of another origin gets
//! `origin_refused`.
//!
//! ```
//! use device_webusb::my_number_card::CardError;
//! use device_webusb::my_number_card::bridge::{BridgeError, ErrorKind};
//!
//! let error = BridgeError::from(&CardError::WrongPin { remaining: 2 });
//! assert_eq!(serde_json::to_string(&error).unwrap(), r#"{"error":"wrong_pin","remaining":2}"#);
//! assert_eq!(error.error, ErrorKind::WrongPin);
//! ```

use std::collections::BTreeMap;

use shared_model::document_read::{DocumentKind, DocumentRead, ReadPath};

use super::CardError;

/// The port the bridge listens on unless told otherwise (unassigned by IANA).
pub const DEFAULT_PORT: u16 = 47263;

/// `POST /pair`: the code the bridge showed on its console.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PairRequest {
    /// The 6 digits.
    pub code: String,
}

/// The answer to a right pairing code.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PairAnswer {
    /// The bearer token the terminal keeps for every later call (64 hex digits).
    pub token: String,
}

/// `POST /read`: the holder's 券面事項入力補助用暗証番号, typed at the counter. Its `Debug`
/// never shows the PIN.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadRequest {
    /// 4 digits.
    pub pin: String,
}

impl std::fmt::Debug for ReadRequest {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ReadRequest { pin: \"****\" }")
    }
}

/// `GET /status`: whether the bridge sees a reader and a card in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BridgeStatus {
    /// A PC/SC reader is connected.
    pub reader: bool,
    /// A card is in it.
    pub card: bool,
}

/// A read, as [`DocumentRead`] holds it (`document` and `path` by their stable names).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ReadAnswer {
    /// [`DocumentKind::as_str`] (`my_number_card`).
    pub document: String,
    /// [`ReadPath::as_str`] (`chip`).
    pub path: String,
    /// `person.*` items per person.
    pub persons: Vec<BTreeMap<String, String>>,
    /// `household.*` / `visit.*` items.
    pub items: BTreeMap<String, String>,
}

impl From<&DocumentRead> for ReadAnswer {
    fn from(read: &DocumentRead) -> ReadAnswer {
        ReadAnswer {
            document: read.document.as_str().to_owned(),
            path: read.path.as_str().to_owned(),
            persons: read.persons.clone(),
            items: read.items.clone(),
        }
    }
}

impl ReadAnswer {
    /// Back into a [`DocumentRead`]; `None` if the kind or path is not one this version
    /// knows.
    pub fn into_read(self) -> Option<DocumentRead> {
        let mut read = DocumentRead::new(
            DocumentKind::from_name(&self.document)?,
            ReadPath::from_name(&self.path)?,
        );
        read.persons = self.persons;
        read.items = self.items;
        Some(read)
    }
}

/// What went wrong, by a stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// [`CardError::WrongPin`]; `remaining` says how many tries are left.
    WrongPin,
    /// [`CardError::PinBlocked`]: the holder must have the PIN reset (暗証番号再設定).
    PinBlocked,
    /// [`CardError::PinFormat`]: not 4 digits.
    PinFormat,
    /// [`CardError::NoCard`].
    NoCard,
    /// [`CardError::NoReader`].
    NoReader,
    /// [`CardError::NotAMyNumberCard`].
    NotMyNumberCard,
    /// [`CardError::Malformed`] or [`CardError::Status`]: the card answered, but not as a
    /// マイナンバーカード should.
    Unreadable,
    /// [`CardError::Reader`]: the reader or its driver failed.
    ReaderError,
    /// No or an unknown bearer token: pair first.
    Unauthorized,
    /// A wrong pairing code; `remaining` tries are left before pairing locks.
    WrongCode,
    /// Too many wrong pairing codes: restart the bridge for a new code.
    PairingLocked,
    /// The pairing code was used already: restart the bridge for a new one.
    CodeSpent,
    /// The calling page's origin is not on the bridge's allow-list.
    OriginRefused,
    /// The request is not what the call takes.
    BadRequest,
}

/// An error answer: `{"error": "...", "remaining": n}` (`remaining` only where it applies).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BridgeError {
    /// What went wrong.
    pub error: ErrorKind,
    /// Tries left (PIN for `wrong_pin`, pairing code for `wrong_code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub remaining: Option<u8>,
}

impl BridgeError {
    /// An error of `kind` without a count.
    pub fn new(kind: ErrorKind) -> BridgeError {
        BridgeError {
            error: kind,
            remaining: None,
        }
    }
}

impl From<&CardError> for BridgeError {
    fn from(error: &CardError) -> BridgeError {
        let kind = match error {
            CardError::WrongPin { remaining } => {
                return BridgeError {
                    error: ErrorKind::WrongPin,
                    remaining: Some(*remaining),
                };
            }
            CardError::PinBlocked => ErrorKind::PinBlocked,
            CardError::PinFormat => ErrorKind::PinFormat,
            CardError::NoCard => ErrorKind::NoCard,
            CardError::NoReader => ErrorKind::NoReader,
            CardError::NotAMyNumberCard { .. } => ErrorKind::NotMyNumberCard,
            CardError::Status { .. } | CardError::Malformed { .. } => ErrorKind::Unreadable,
            CardError::Reader(_) => ErrorKind::ReaderError,
        };
        BridgeError::new(kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_goes_over_the_wire_and_back_unchanged() {
        let mut read = DocumentRead::new(DocumentKind::MyNumberCard, ReadPath::Chip);
        read.persons
            .push([("person.name".to_owned(), "𠮷田　髙志".to_owned())].into());
        read.items
            .insert("household.address".into(), "群馬県高崎市".into());
        let json = serde_json::to_string(&ReadAnswer::from(&read)).unwrap();
        assert!(json.contains(r#""document":"my_number_card","path":"chip""#));
        let back: ReadAnswer = serde_json::from_str(&json).unwrap();
        assert_eq!(back.into_read(), Some(read));
    }

    #[test]
    fn errors_have_the_stable_names() {
        let json = |e: &CardError| serde_json::to_string(&BridgeError::from(e)).unwrap();
        assert_eq!(json(&CardError::PinBlocked), r#"{"error":"pin_blocked"}"#);
        assert_eq!(json(&CardError::NoCard), r#"{"error":"no_card"}"#);
        assert_eq!(json(&CardError::NoReader), r#"{"error":"no_reader"}"#);
        assert_eq!(
            json(&CardError::NotAMyNumberCard {
                status: super::super::apdu::StatusWord::NOT_FOUND
            }),
            r#"{"error":"not_my_number_card"}"#
        );
        assert_eq!(
            json(&CardError::Malformed { what: "x".into() }),
            r#"{"error":"unreadable"}"#
        );
    }

    #[test]
    fn the_pin_never_shows_in_debug() {
        let request = ReadRequest { pin: "4821".into() };
        assert!(!format!("{request:?}").contains("4821"));
    }
}
