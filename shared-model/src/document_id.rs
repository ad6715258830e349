//! Document ids and `automerge:` URLs as the automerge-repo JS client writes them.
//!
//! A [`DocumentId`] is 16 random bytes (a UUID v4), written as bs58check (base58 with a
//! four-byte double-SHA-256 checksum). An [`AutomergeUrl`] is `automerge:` followed by that text.
//!
//! ```
//! use shared_model::DocumentId;
//!
//! let id = DocumentId::random();
//! let text = id.to_string();
//! assert_eq!(text.parse::<DocumentId>().unwrap(), id);
//! assert!("not-an-id".parse::<DocumentId>().is_err());
//! ```

use std::fmt;
use std::str::FromStr;

/// Why a text is not a document id or an `automerge:` URL.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DocumentIdError {
    /// The text is not base58 or its checksum does not match.
    #[error("document id {0:?} is not bs58check text")]
    NotBs58Check(String),
    /// The decoded bytes are not 16 long.
    #[error("document id {text:?} decodes to {len} bytes, expected 16")]
    WrongLength {
        /// The text as received.
        text: String,
        /// How many bytes it decoded to.
        len: usize,
    },
    /// The text does not start with `automerge:`.
    #[error("{0:?} is not an automerge: URL")]
    NotAnAutomergeUrl(String),
}

/// The id of one Automerge document (one visit).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DocumentId([u8; 16]);

impl DocumentId {
    /// A fresh id from the platform's random source, shaped as a UUID v4 like the JS client's.
    pub fn random() -> Self {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).expect("the platform has a random source");
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        Self(bytes)
    }

    /// The id made of these 16 bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The 16 bytes of the id.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }

    /// This id as an `automerge:` URL.
    pub fn url(&self) -> AutomergeUrl {
        AutomergeUrl(*self)
    }
}

impl fmt::Display for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.0).with_check().into_string())
    }
}

impl fmt::Debug for DocumentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DocumentId({self})")
    }
}

impl FromStr for DocumentId {
    type Err = DocumentIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bytes = bs58::decode(text)
            .with_check(None)
            .into_vec()
            .map_err(|_| DocumentIdError::NotBs58Check(text.to_owned()))?;
        let array: [u8; 16] =
            bytes
                .as_slice()
                .try_into()
                .map_err(|_| DocumentIdError::WrongLength {
                    text: text.to_owned(),
                    len: bytes.len(),
                })?;
        Ok(Self(array))
    }
}

/// `automerge:<document id>`, the form in which ids are shared (QR codes, links).
///
/// Heads (`#…`) and sub-paths (`/…`) that the JS client may append are accepted and ignored.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AutomergeUrl(DocumentId);

impl AutomergeUrl {
    /// The document the URL names.
    pub fn document_id(&self) -> DocumentId {
        self.0
    }
}

impl fmt::Display for AutomergeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "automerge:{}", self.0)
    }
}

impl fmt::Debug for AutomergeUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "AutomergeUrl({})", self.0)
    }
}

impl FromStr for AutomergeUrl {
    type Err = DocumentIdError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let rest = text
            .strip_prefix("automerge:")
            .ok_or_else(|| DocumentIdError::NotAnAutomergeUrl(text.to_owned()))?;
        let id_part = rest.split(['#', '/']).next().unwrap_or_default();
        Ok(Self(id_part.parse()?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_ids_are_uuid_v4_and_round_trip() {
        let id = DocumentId::random();
        assert_eq!(id.as_bytes()[6] >> 4, 4);
        assert_eq!(id.as_bytes()[8] >> 6, 0b10);
        assert_eq!(id.to_string().parse::<DocumentId>().unwrap(), id);
        assert_eq!(
            id.url()
                .to_string()
                .parse::<AutomergeUrl>()
                .unwrap()
                .document_id(),
            id
        );
    }

    #[test]
    fn a_broken_checksum_is_rejected() {
        let mut text = DocumentId::random().to_string();
        let last = text.pop().unwrap();
        text.push(if last == '2' { '3' } else { '2' });
        assert!(matches!(
            text.parse::<DocumentId>(),
            Err(DocumentIdError::NotBs58Check(_))
        ));
    }

    #[test]
    fn wrong_length_is_rejected() {
        let text = bs58::encode([1u8; 8]).with_check().into_string();
        assert!(matches!(
            text.parse::<DocumentId>(),
            Err(DocumentIdError::WrongLength { len: 8, .. })
        ));
    }

    #[test]
    fn urls_with_heads_name_the_document() {
        let id = DocumentId::random();
        let url: AutomergeUrl = format!("automerge:{id}#abc|def").parse().unwrap();
        assert_eq!(url.document_id(), id);
        assert!("http://x".parse::<AutomergeUrl>().is_err());
    }
}
